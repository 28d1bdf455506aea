"""Student and presenter notebooks derived from the full notebooks."""

from __future__ import annotations

import ast
from pathlib import Path

import jupytext
import nbformat
import pytest
from conftest import executed_notebook

from workshop_utils import variants

ROOT = Path(__file__).resolve().parents[1]
FULL = ROOT / "notebooks" / "head_direction.md"


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def small_notebook():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Title\n\nFirst sentence here. Second one, long and dull."),
        nbformat.v4.new_code_cell("import numpy as np", metadata={"tags": ["users-keep"]}),
        nbformat.v4.new_code_cell("rate, counts = 1.0, np.zeros(3)\nrate"),
        nbformat.v4.new_code_cell("np.sum(counts)", metadata={"prompt": "Sum the counts"}),
        nbformat.v4.new_markdown_cell(
            ":::{exercise}\n:label: ex\nDouble the rate. Then more.\n:::"
        ),
        nbformat.v4.new_markdown_cell("```{solution-start} ex\n:class: dropdown\n```"),
        nbformat.v4.new_code_cell("doubled_rate = 2 * rate"),
        nbformat.v4.new_markdown_cell("```{solution-end}\n```"),
        nbformat.v4.new_markdown_cell("$$\nx = 1\n$$\n\nSee e.g. the docs. Then stop."),
    ]
    return notebook


def test_users_notebook_keeps_prose_and_tagged_code_and_prompts_the_rest():
    users = variants.make_users_notebook(small_notebook())
    nbformat.validate(users)
    sources = [(cell.cell_type, cell.source) for cell in users.cells]
    assert sources == [
        ("markdown", "# Title\n\nFirst sentence here. Second one, long and dull."),
        ("code", "import numpy as np"),
        ("code", "# Your code here: `rate`, `counts`"),
        ("code", "# Sum the counts"),
        ("markdown", ":::{exercise}\n:label: ex\nDouble the rate. Then more.\n:::"),
        ("code", "# Your solution here"),
        ("markdown", "$$\nx = 1\n$$\n\nSee e.g. the docs. Then stop."),
    ]
    assert all(cell.outputs == [] for cell in code_cells(users))


def test_presenters_notebook_keeps_all_code_and_shrinks_prose_to_bullets():
    presenters = variants.make_presenters_notebook(small_notebook())
    nbformat.validate(presenters)
    assert [c.source for c in code_cells(presenters)] == [
        c.source for c in code_cells(small_notebook())
    ]
    markdown = [cell.source for cell in presenters.cells if cell.cell_type == "markdown"]
    assert markdown == [
        "# Title\n- First sentence here.",
        "- **exercise**: Double the rate.",
        "- See e.g. the docs.",
    ]


@pytest.mark.parametrize(
    "cells, message",
    [
        (["```{solution-start} a\n```"], "never closed"),
        (["```{solution-end}\n```"], "no {solution-start}"),
        (["```{solution-start} a\n```", "```{solution-start} b\n```"], "before the previous"),
    ],
)
def test_unbalanced_solution_directives_are_reported(cells, message):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell(text) for text in cells]
    with pytest.raises(ValueError, match=message):
        variants.make_users_notebook(notebook)


def solution_regions(markdown_text):
    """The raw text of each exercise solution in a MyST notebook (an oracle independent of
    the parser the module uses)."""
    regions, position = [], 0
    while (start := markdown_text.find("```{solution-start}", position)) != -1:
        end = markdown_text.index("```{solution-end}", start)
        regions.append(markdown_text[start:end])
        position = end + 1
    return regions


def test_users_variant_of_the_real_notebook_has_exactly_the_expected_placeholders(tmp_path):
    full = jupytext.read(FULL)
    regions = solution_regions(FULL.read_text())
    assert len(regions) >= 4, "at least four exercises with solutions"
    written = variants.write_variants(FULL, tmp_path)
    users = nbformat.read(written["users"], as_version=4)
    nbformat.validate(users)

    in_solution = [any(cell.source in region for region in regions) for cell in full.cells]
    tagged = [variants.KEEP_TAG in cell.metadata.get("tags", []) for cell in full.cells]
    expected_prompts = sum(
        1
        for cell, inside, kept in zip(full.cells, in_solution, tagged, strict=True)
        if cell.cell_type == "code" and not inside and not kept
    )
    users_code = code_cells(users)
    solution_blanks = [c for c in users_code if c.source == "# Your solution here"]
    prompts = [
        c
        for c in users_code
        if variants.KEEP_TAG not in c.metadata.get("tags", []) and c not in solution_blanks
    ]
    assert len(solution_blanks) == len(regions)
    assert len(prompts) == expected_prompts > 10
    for cell in prompts + solution_blanks:
        assert ast.parse(cell.source).body == [], f"code leaked: {cell.source!r}"

    users_text = "\n".join(cell.source for cell in users.cells)
    for cell, kept in zip(full.cells, tagged, strict=True):
        if cell.cell_type == "code" and not kept:
            assert cell.source not in users_text, f"code leaked: {cell.source[:60]!r}"
    for region in regions:
        for line in region.splitlines():
            if len(line) > 40 and not line.startswith("```"):
                assert line not in users_text, f"solution leaked: {line!r}"
    kept_sources = [c.source for c, kept in zip(full.cells, tagged, strict=True) if kept]
    assert [c.source for c in users_code if c.source in kept_sources] == kept_sources
    exercise_texts = [c.source for c in users.cells if "{exercise}" in c.source]
    assert len(exercise_texts) == len(regions)


def test_presenters_variant_of_the_real_notebook_is_lean(tmp_path):
    full = jupytext.read(FULL)
    presenters = nbformat.read(variants.write_variants(FULL, tmp_path)["presenters"], 4)
    assert [c.source for c in code_cells(presenters)] == [c.source for c in code_cells(full)]
    prose = [c.source for c in presenters.cells if c.cell_type == "markdown"]
    for text in prose:
        assert all(line.startswith(("#", "- ")) for line in text.splitlines()), text
    full_length = sum(len(c.source) for c in full.cells if c.cell_type == "markdown")
    assert sum(len(text) for text in prose) < 0.5 * full_length


def test_command_line_writes_both_variants_and_reports_missing_files(tmp_path, capsys):
    assert variants.main(["--output", str(tmp_path), str(FULL)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "head_direction_presenters.ipynb",
        "head_direction_users.ipynb",
    ]
    assert variants.main(["--output", str(tmp_path), str(tmp_path / "missing.md")]) == 1
    assert "No notebook at" in capsys.readouterr().out


@pytest.mark.book
def test_presenters_notebook_runs_and_prints_what_the_full_one_prints(built_book, tmp_path):
    import os

    from nbclient import NotebookClient

    written = variants.write_variants(FULL, tmp_path)
    presenters = nbformat.read(written["presenters"], as_version=4)
    env_update = {
        "WORKSHOP_DATA_SOURCE": "synthetic",
        "WORKSHOP_DATA_DIR": str(built_book.data_cache),
    }
    old = {key: os.environ.get(key) for key in env_update}
    os.environ.update(env_update)
    try:
        NotebookClient(
            presenters,
            timeout=600,
            kernel_name="python3",
            resources={"metadata": {"path": str(tmp_path)}},
        ).execute()
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    full = executed_notebook(built_book.root, "notebooks/head_direction")

    def printed(notebook):
        return [
            output["text"]
            for cell in code_cells(notebook)
            for output in cell.outputs
            if output["output_type"] == "stream" and output["name"] == "stdout"
        ]

    assert printed(presenters) == printed(full)
    assert any("(18000, 80)" in text for text in printed(full))
