"""Student and presenter notebooks derived from the full notebooks."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml
from conftest import MYST_HEADER
from markdown_it import MarkdownIt
from mdit_py_plugins.colon_fence import colon_fence_plugin
from mdit_py_plugins.myst_blocks import myst_block_plugin
from mdit_py_plugins.myst_role import myst_role_plugin

from tools import variants

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DEMO = FIXTURES / "variants_demo.md"
BAD_YAML = FIXTURES / "variants_bad_yaml.md"
MISSPELLED = FIXTURES / "variants_misspelled_solution.md"
FULL = ROOT / "notebooks" / "head_direction.md"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.md"))
WEBSITE = "https://head-direction-workshop.github.io/head-direction-glm-workshop/"


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def markdown_text(notebook):
    return "\n\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")


def passages_with_numbers(notebook) -> list[str]:
    """The Markdown of the variants' cells that show prose with the kernel's numbers."""
    return [
        cell.source.split('r"""\n', 1)[1].rsplit('\n"""', 1)[0]
        for cell in notebook.cells
        if cell.cell_type == "code" and "show_text_with_numbers(" in cell.source
    ]


def prose_text(notebook):
    """All the prose of a variant: its Markdown cells and its passages with numbers, in order."""
    return "\n\n".join(
        cell.source
        if cell.cell_type == "markdown"
        else cell.source.split('r"""\n', 1)[1].rsplit('\n"""', 1)[0]
        for cell in notebook.cells
        if cell.cell_type == "markdown" or "show_text_with_numbers(" in cell.source
    )


def all_text(notebook):
    return "\n\n".join(cell.source for cell in notebook.cells)


def new_notebook(*cells):
    """A notebook from ("md", text) / ("code", source, metadata) tuples."""
    notebook = nbformat.v4.new_notebook()
    for kind, source, *metadata in cells:
        if kind == "md":
            notebook.cells.append(nbformat.v4.new_markdown_cell(source))
        else:
            notebook.cells.append(
                nbformat.v4.new_code_cell(source, metadata=metadata[0] if metadata else {})
            )
    return notebook


KEEP = {"tags": ["users-keep"]}


def line_of(path: Path, text: str) -> int:
    """1-based line of the first line of a file that contains ``text`` (test oracle)."""
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


# ---------------------------------------------------------------------------------------------
# Links to the website (its address comes from tools.repository)


def test_doc_and_download_links_point_where_sphinx_publishes_the_pages(tmp_path):
    """Build a tiny book with Sphinx and compare its links with the variants' links."""
    from sphinx.cmd.build import build_main

    book = tmp_path / "book"
    (book / "notebooks").mkdir(parents=True)
    (book / "files").mkdir()
    (book / "_config.yml").write_text(
        yaml.safe_dump({"repository": {"url": "https://github.com/Owner/tiny-book"}})
    )
    (book / "conf.py").write_text('extensions = ["myst_parser"]\nexclude_patterns = ["out"]\n')
    (book / "index.md").write_text("# The tiny book\n\n```{toctree}\nnotebooks/page\n```\n")
    (book / "files" / "data.txt").write_text("1 2 3\n")
    page = book / "notebooks" / "page.md"
    page.write_text(
        "# A page\n\nSee {doc}`../index` and get {download}`the data <../files/data.txt>`.\n"
    )
    assert build_main(["-b", "html", "-q", str(book), str(book / "out")]) == 0
    html = (book / "out" / "notebooks" / "page.html").read_text()
    published = re.search(r'href="\.\./(_downloads/[^"]+/data\.txt)"', html).group(1)

    users = variants.make_users_notebook(jupytext.read(page), page)
    text = markdown_text(users)
    site = "https://owner.github.io/tiny-book/"
    assert f"[The tiny book]({site}index.html)" in text
    assert f"[the data]({site}{published})" in text


# ---------------------------------------------------------------------------------------------
# Prompts


def test_prompt_is_wrapped_into_comment_lines_and_names_nothing_else():
    prompt = (
        "Build a `RaisedCosineLogConv` basis with 8 functions over the 80-bin window and "
        "evaluate it on a grid with `evaluate_on_grid`: `lag_grid, kernels`.\n\n"
        "- First item of a list that is long enough to be wrapped onto a second line of the "
        "comment.\n- Second item."
    )
    cell = nbformat.v4.new_code_cell("x = 1", metadata={"prompt": prompt})
    lines = variants.users_prompt(cell).splitlines()
    assert all(line.startswith("#") and len(line) <= 88 for line in lines)
    assert lines[0].startswith("# Build a `RaisedCosineLogConv` basis")
    assert "#" in lines  # the blank line between paragraphs
    item = next(i for i, line in enumerate(lines) if line.startswith("# - First item"))
    assert lines[item + 1].startswith("#   ")  # hanging indent of the wrapped item
    assert lines[-1] == "# - Second item."
    rejoined = " ".join(line.lstrip("# ").strip() for line in lines)
    assert "`lag_grid, kernels`" in rejoined
    assert ast.parse("\n".join(lines)).body == []


def test_cell_defining_functions_shows_their_signature_and_docstring_as_comments():
    source = (
        "def circular_mean(posterior, *, axis=1):\n"
        '    """Decoded heading: the direction of the mean unit vector."""\n'
        "    return posterior.mean(axis)\n\n\n"
        "def helper(x):\n    return x\n"
    )
    prompt = variants.users_prompt(nbformat.v4.new_code_cell(source))
    assert prompt.splitlines() == [
        "# Write the functions below: the docstring says what it does.",
        "#",
        "# def circular_mean(posterior, *, axis=1):",
        '#     """Decoded heading: the direction of the mean unit vector."""',
        "#",
        "# def helper(x):",
        "#     ...",
    ]
    with_prompt = nbformat.v4.new_code_cell(
        "angle = 1\n" + source, metadata={"prompt": "Compute `angle` and write two functions."}
    )
    lines = variants.users_prompt(with_prompt).splitlines()
    assert lines[0] == "# Compute `angle` and write two functions."
    assert "# def circular_mean(posterior, *, axis=1):" in lines
    assert "return" not in variants.users_prompt(with_prompt)


def test_cell_without_prompt_gets_a_stand_in_that_does_not_list_underscore():
    cell = nbformat.v4.new_code_cell("_, kernels = basis.evaluate_on_grid(80)\nfig = plot()")
    assert variants.users_prompt(cell) == "# Your code here: `kernels`"


def test_check_prompts_accepts_a_notebook_whose_prompts_give_every_name():
    notebook = new_notebook(
        ("code", "import numpy as np\n%matplotlib inline", KEEP),
        (
            "code",
            "basis = 1\nlag_grid, kernels = 2, 3",
            {"prompt": "Make `lag_grid, kernels`. Check: 2 and 3."},
        ),
        ("code", "def square(x):\n    '''Square of x.'''\n    return x * x"),
        ("code", "for k in range(3):\n    total = k\ndisplay(kernels, square(lag_grid))", KEEP),
    )
    assert variants.check_prompts(notebook) == []


def test_check_prompts_reports_missing_prompts_and_names_nobody_gave():
    notebook = new_notebook(
        ("md", "# Title"),
        ("code", "import numpy as np", KEEP),
        ("code", "counts = np.zeros(3)\nrate = 2.0"),  # cell 3: no prompt
        ("code", "scaled = counts * rate", {"prompt": "Scale the counts. Check: zeros."}),
        ("code", "print(scaled, np.pi)", KEEP),  # cell 5: `scaled` never named in backticks
        ("code", "def f(x):\n    return x"),  # cell 6: no prompt, no docstring
        ("code", "hidden = 3", {"tags": ["remove-cell"]}),
        ("code", "print(hidden)", KEEP),  # cell 8: `hidden` only in a removed cell
        ("md", "```{exercise}\n:label: e\nDo it.\n```\n\n```{solution-start} e\n```"),
        ("code", "answer = 42"),
        ("md", "```{solution-end}\n```"),
        ("code", "def g():\n    return answer + missing_global", KEEP),  # cell 12
        ("code", "x = 1", {"tags": ["users-keep"], "prompt": "never shown"}),  # cell 13
        ("code", "y = 2", {"prompt": "  "}),  # cell 14
        ("code", "z = 3", {"prompt": "Set `z` to three."}),  # cell 15: nothing to check against
    )
    problems = variants.check_prompts(notebook)
    assert [problem.split(":")[0] for problem in problems] == [
        "cell 3",
        "cell 5",
        "cell 6",
        "cell 8",
        "cell 12",
        "cell 12",
        "cell 13",
        "cell 14",
        "cell 15",
    ]
    assert "no `prompt` option" in problems[0]
    assert "`scaled`" in problems[1] and "backticks" in problems[1]
    assert "`f` has no docstring" in problems[2]  # a function alone needs no prompt
    assert "`hidden`" in problems[3]
    assert "`answer`" in problems[4] and "`missing_global`" in problems[5]
    assert "never see" in problems[6]
    assert "empty prompt" in problems[7]
    assert "no 'Check:' line" in problems[8]


def test_check_prompts_reports_unbalanced_solutions():
    notebook = new_notebook(("md", "```{solution-end}\n```"))
    with pytest.raises(variants.VariantError, match="no {solution-start}"):
        variants.check_prompts(notebook)


@pytest.mark.parametrize(
    "cells, message",
    [
        (["```{solution-start} a\n```"], "never closed"),
        (["```{solution-end}\n```"], "no {solution-start}"),
        (["```{solution-start} a\n```", "```{solution-start} b\n```"], "before the previous"),
    ],
)
def test_unbalanced_solution_directives_are_reported(cells, message):
    notebook = new_notebook(*[("md", text) for text in cells])
    with pytest.raises(variants.VariantError, match=message):
        variants.make_users_notebook(notebook)


# ---------------------------------------------------------------------------------------------
# The users notebook of the demo fixture


@pytest.fixture(scope="module")
def demo_variants(tmp_path_factory):
    output = tmp_path_factory.mktemp("demo")
    results = output / "results.json"
    results.write_text(json.dumps({"sections": {"variants_demo": {"1. Counting": 12.34}}}))
    written = variants.write_variants(DEMO, output, results=results)
    return {kind: nbformat.read(path, as_version=4) for kind, path in written.items()}


def test_users_notebook_blanks_carry_the_prompts_and_no_code(demo_variants):
    users = demo_variants["users"]
    nbformat.validate(users)
    full = jupytext.read(DEMO)
    numbers = [c for c in code_cells(users) if variants.NUMBERS_TAG in c.metadata.get("tags", [])]
    assert [c.source for c in code_cells(users) if c not in numbers] == [
        "import numpy as np",
        "# Draw 1000 event times uniformly over 10 s with a seeded `np.random.default_rng`, "
        "sort\n# them, and count them in 0.5 s bins with `np.histogram`: `event_times, counts,"
        "\n# bin_edges`.",
        "# Write the function below: the docstring says what it does.\n#\n"
        "# def mean_rate(counts, bin_size):\n"
        '#     """Mean event rate in Hz of counts in bins of `bin_size` seconds."""',
        "# Compute the mean rate with `mean_rate` and print it as `rate`.",
        "rate_per_bin = counts / 0.5\nprint(rate_per_bin.shape)",
        "# Your solution here",
    ]
    text = all_text(users)
    for cell in code_cells(full):
        if not {"users-keep", "remove-cell"} & set(cell.metadata.get("tags", [])):
            for line in cell.source.splitlines():
                shown = line.strip().startswith(("def ", '"""'))  # signature and docstring
                if len(line.strip()) > 12 and not shown:
                    assert line not in text, f"code leaked: {line!r}"
    assert "hidden = 3" not in text  # a remove-cell cell that glues nothing is gone
    assert all(cell.outputs == [] for cell in code_cells(users))


def test_users_notebook_folds_answers_and_drops_talking_points(demo_variants):
    text = markdown_text(demo_variants["users"])
    question = "Is the rate the same in every bin?"
    answer = "No: the counts scatter around 50 per bin"
    folded = re.findall(r"<details>.*?</details>", text, flags=re.DOTALL)
    assert len(folded) == 1 and answer in folded[0] and "<summary>Answer</summary>" in folded[0]
    assert question in text and question not in folded[0]
    assert "**Answer.**" not in text
    assert "Talking points" not in text and "Ask the room" not in text
    assert "Double the bin size" in text and "doubles; the rate" not in text  # no solution
    assert "> The second paragraph is the caveat" in text
    assert "$$\n\\lambda = \\frac{N}{T}.\n$$" in text


def test_users_notebook_links_to_the_website(demo_variants):
    text = markdown_text(demo_variants["users"])
    setup_title = (ROOT / "book" / "setup.md").read_text().splitlines()[0].lstrip("# ")
    assert f"[{setup_title}]({WEBSITE}book/setup.html)" in text
    assert re.search(
        rf"\[the full notebook\]\({re.escape(WEBSITE)}_downloads/[0-9a-f]{{32}}/variants_demo.md\)",
        text,
    )


@pytest.mark.parametrize("kind", ["users", "presenters"])
def test_variants_keep_the_glue_cell_folded_and_quote_numbers_in_a_cell_after_it(
    demo_variants, kind
):
    cells = demo_variants[kind].cells
    glue_cells = [i for i, c in enumerate(cells) if 'glue("demo_rate"' in c.source]
    quoting = [i for i, c in enumerate(cells) if "The mean rate is" in c.source]
    assert len(glue_cells) == len(quoting) == 1 and glue_cells[0] < quoting[0]
    for index in glue_cells + quoting:
        assert cells[index].cell_type == "code"
        assert cells[index].metadata["jupyter"] == {"source_hidden": True}
        assert cells[index].metadata["tags"] == [variants.NUMBERS_TAG]
    assert "{glue:text}`demo_rate:.1f`" in cells[quoting[0]].source
    # No placeholder and no MyST role is left in the Markdown.
    assert "computed above" not in markdown_text(demo_variants[kind])
    assert "{glue" not in markdown_text(demo_variants[kind])


def shown_markdown(notebook) -> str:
    """Every Markdown output a run notebook displayed (its passages with numbers)."""
    return "".join(
        output["data"]["text/markdown"]
        for cell in code_cells(notebook)
        for output in cell.outputs
        if output["output_type"] == "display_data" and "text/markdown" in output["data"]
    )


@pytest.mark.notebook
def test_a_participant_reads_the_numbers_their_own_code_computed(demo_participant_run, tmp_path):
    """The filled-in users notebook shows the sentence with the rate it printed; before the
    cells that compute it run, the sentence says so instead of a number."""
    _, filled = demo_participant_run
    rate = re.search(r"rate: ([\d.]+) Hz", printed(filled)).group(1)
    shown = shown_markdown(filled)
    assert f"The mean rate is {rate} Hz, and {rate[0]}" in shown
    assert "not computed yet" not in shown
    users = variants.make_users_notebook(jupytext.read(DEMO), DEMO)
    only_numbers = nbformat.v4.new_notebook()
    only_numbers.cells = [c for c in users.cells if "The mean rate is" in c.source]
    assert "`demo_rate` (not computed yet: run the cells above)" in shown_markdown(
        run_notebook(only_numbers, tmp_path)
    )


def test_presenters_notebook_keeps_caveats_lists_talking_points_and_timings(demo_variants):
    presenters = demo_variants["presenters"]
    nbformat.validate(presenters)
    full = jupytext.read(DEMO)
    kept_code = [
        c.source
        for c in code_cells(full)
        if "remove-cell" not in c.metadata.get("tags", []) or "glue(" in c.source
    ]
    assert [
        c.source for c in code_cells(presenters) if "show_text_with_numbers(" not in c.source
    ] == kept_code
    text = markdown_text(presenters)
    for item in (
        "> - Count events with NumPy.",
        "> - Read a mean rate.",
        "- Counting events in bins gives a rate.",
        "- The rate does not depend on the bin size.",
        "> The second paragraph is the caveat: a simulation proves nothing about a recording.",
        "> **Answer.** No: the counts scatter around 50 per bin",
        "> - Stress that the bins must not overlap.",
        "The mean count per bin doubles; the rate does not change.",
    ):
        assert item in text, item
    assert "Talking points**" in text
    counting = next(c.source for c in presenters.cells if c.source.startswith("## 1. Counting"))
    assert counting.splitlines()[2] == (
        "*Compute time of this section: 12.3 s (measured by `make bench`).*"
    )
    assert text.count("Compute time") == 1  # only measured sections show one
    assert "- We draw random event times and count them in bins." in text


@pytest.mark.parametrize("content", [None, "{}", '{"sections": {"other": {"Imports": 1.0}}}'])
def test_presenters_notebook_shows_no_timing_when_none_was_measured(tmp_path, content):
    results = tmp_path / "results.json"
    if content is not None:
        results.write_text(content)
    written = variants.write_variants(DEMO, tmp_path / "out", results=results)
    presenters = nbformat.read(written["presenters"], as_version=4)
    assert "Compute time" not in markdown_text(presenters)


def test_section_times_reject_a_corrupt_results_file(tmp_path):
    results = tmp_path / "results.json"
    results.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        variants.section_times(results, "head_direction")


# ---------------------------------------------------------------------------------------------
# No MyST left, in any variant


def myst_left(text: str) -> list[str]:
    """MyST syntax found in Markdown, by a parser that knows MyST (test oracle)."""
    parser = (
        MarkdownIt("commonmark")
        .enable("table")
        .use(colon_fence_plugin)
        .use(myst_block_plugin)
        .use(myst_role_plugin)
    )
    found = []

    def visit(tokens):
        for token in tokens:
            if token.type == "myst_role":
                found.append(f"role {{{token.meta['name']}}}`{token.content}`")
            elif token.type in ("colon_fence", "myst_target", "myst_line_comment"):
                found.append(f"{token.type} {token.info or token.content}")
            elif token.type == "fence" and token.info.strip().startswith("{"):
                found.append(f"directive {token.info}")
            visit(token.children or [])

    visit(parser.parse(text))
    return found


@pytest.mark.parametrize("source", [*NOTEBOOKS, DEMO], ids=lambda p: p.stem)
def test_no_myst_syntax_survives_in_either_variant(tmp_path, source):
    written = variants.write_variants(source, tmp_path)
    for kind, path in written.items():
        text = markdown_text(nbformat.read(path, as_version=4))
        assert myst_left(text) == [], kind
        for raw in ("{doc}", "{download}", "{exercise}", "{glue", ":::", ":class:", "{ref}"):
            assert raw not in text, f"{kind}: {raw}"


def test_the_oracle_finds_myst_syntax():
    assert len(myst_left(":::{note}\nx\n:::\n\nSee {doc}`a`.\n\n(target)=\n")) == 3


# ---------------------------------------------------------------------------------------------
# The real notebooks


def solution_regions(markdown_text):
    """The raw text of each exercise solution in a MyST notebook (an oracle independent of
    the parser the module uses)."""
    regions, position = [], 0
    while (start := markdown_text.find("```{solution-start}", position)) != -1:
        end = markdown_text.index("```{solution-end}", start)
        regions.append(markdown_text[start:end])
        position = end + 1
    return regions


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_users_variant_of_a_real_notebook_has_exactly_the_expected_placeholders(tmp_path, source):
    full = jupytext.read(source)
    regions = solution_regions(source.read_text())
    assert regions, "every notebook has an exercise with a solution"
    users = nbformat.read(variants.write_variants(source, tmp_path)["users"], as_version=4)
    nbformat.validate(users)

    def tagged(cell, tag):
        return tag in cell.metadata.get("tags", [])

    in_solution = [any(cell.source in region for region in regions) for cell in full.cells]
    expected_prompts = sum(
        1
        for cell, inside in zip(full.cells, in_solution, strict=True)
        if cell.cell_type == "code"
        and not inside
        and not tagged(cell, variants.KEEP_TAG)
        and not tagged(cell, variants.REMOVE_TAG)
    )
    users_code = code_cells(users)
    solution_blanks = [c for c in users_code if c.source == "# Your solution here"]
    prompts = [
        c
        for c in users_code
        if not tagged(c, variants.KEEP_TAG)
        and not tagged(c, variants.NUMBERS_TAG)
        and c.source != "# Your solution here"
    ]
    assert len(solution_blanks) == len(regions)
    assert len(prompts) == expected_prompts > 5
    for cell in prompts + solution_blanks:
        assert ast.parse(cell.source).body == [], f"code leaked: {cell.source!r}"
        lines = cell.source.splitlines()
        prose = lines[: next((i for i, x in enumerate(lines) if x.startswith("# def ")), None)]
        assert all(len(line) <= 88 for line in prose), prose

    users_text = all_text(users)
    for cell in full.cells:
        if cell.cell_type == "code" and not {variants.KEEP_TAG, variants.REMOVE_TAG} & set(
            cell.metadata.get("tags", [])
        ):
            assert cell.source not in users_text, f"code leaked: {cell.source[:60]!r}"
    outside_solutions = source.read_text()
    for region in regions:
        outside_solutions = outside_solutions.replace(region, "")
    for region in regions:
        for line in region.splitlines():
            if len(line) > 40 and not line.startswith("```") and line not in outside_solutions:
                assert line not in users_text, f"solution leaked: {line!r}"
    kept_sources = [
        c.source
        for c in full.cells
        if tagged(c, variants.KEEP_TAG) and not tagged(c, variants.REMOVE_TAG)
    ]
    assert [c.source for c in users_code if tagged(c, variants.KEEP_TAG)] == kept_sources
    exercises = source.read_text().count("```{exercise}")
    numbers = re.findall(r"^> \*\*Exercise (\d+)", prose_text(users), flags=re.MULTILINE)
    assert numbers == [str(n) for n in range(1, exercises + 1)] and exercises == len(regions)
    presenters = nbformat.read(variants.write_variants(source, tmp_path)["presenters"], 4)
    solutions = re.findall(r"^> \*\*Solution of exercise (\d+)\*\*", prose_text(presenters), re.M)
    assert solutions == numbers


def admonition_bodies(text: str, css_class: str) -> list[str]:
    """Bodies of the colon-fence admonitions with a class, read line by line (oracle)."""
    bodies, lines = [], text.splitlines()
    for index, line in enumerate(lines):
        if line.startswith(":::{") and index + 1 < len(lines):
            if lines[index + 1].startswith(":class:") and css_class in lines[index + 1]:
                end = lines.index(":::", index + 1)
                bodies.append("\n".join(lines[index + 2 : end]))
    return bodies


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_users_variant_folds_every_answer_of_a_real_notebook(tmp_path, source):
    users = nbformat.read(variants.write_variants(source, tmp_path)["users"], as_version=4)
    text = prose_text(users)
    folded = "\n".join(re.findall(r"<details>.*?</details>", text, flags=re.DOTALL))
    outside = re.sub(r"<details>.*?</details>", "", text, flags=re.DOTALL)
    questions = admonition_bodies(source.read_text(), "hint")
    assert questions, "every notebook asks what you see"
    for body in questions:
        answer = body.split("**Answer.**", 1)[-1]
        for line in answer.splitlines():
            if len(line) > 30 and "{" not in line:
                assert line.strip() in folded and line.strip() not in outside, line
    assert outside.count("**What do you see?**") == len(questions)


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_presenters_variant_of_a_real_notebook_keeps_every_caveat_and_list(tmp_path, source):
    full = jupytext.read(source)
    presenters = nbformat.read(
        variants.write_variants(source, tmp_path)["presenters"], as_version=4
    )
    code = [
        c.source
        for c in code_cells(full)
        if variants.REMOVE_TAG not in c.metadata.get("tags", []) or "glue(" in c.source
    ]
    assert [
        c.source for c in code_cells(presenters) if "show_text_with_numbers(" not in c.source
    ] == code
    text = prose_text(presenters)
    # Every list item of the prose and every admonition line (roles excepted: they become
    # links). Prompts are cell options, not prose: their list items are the users notebook's.
    for line in markdown_text(full).splitlines():
        stripped = line.strip()
        if stripped.startswith("- ") and "{" not in stripped:
            assert stripped in text, stripped
    for css_class in ("tip", "hint", "important"):
        for body in admonition_bodies(source.read_text(), css_class):
            for line in body.splitlines():
                if line.strip() and "{" not in line:
                    assert line.strip() in text, line
    assert sum(len(c.source) for c in presenters.cells if c.cell_type == "markdown") < sum(
        len(c.source) for c in full.cells if c.cell_type == "markdown"
    )


def test_presenters_variant_keeps_the_synapses_caveat_and_the_summary():
    presenters = variants.make_presenters_notebook(jupytext.read(FULL), FULL)
    text = prose_text(presenters)
    assert "*functional*" in text and "It does not prove synapses;" in text
    summary = text[text.index("## Summary") : text.index("## What's next")]
    assert re.sub(r"(?m)^> .*$", "", summary).count("\n- ") >= 4
    whats_next = next(c.source for c in presenters.cells if "## What's next" in c.source)
    assert whats_next.count("\n- ") >= 3 and f"]({WEBSITE}notebooks/sleep.html)" in whats_next


# ---------------------------------------------------------------------------------------------
# A participant's run


def run_notebook(notebook, folder: Path):
    from nbclient import NotebookClient

    NotebookClient(
        notebook,
        timeout=900,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
    ).execute()
    return notebook


def printed(notebook) -> str:
    return "".join(
        output["text"]
        for cell in code_cells(notebook)
        for output in cell.outputs
        if output["output_type"] == "stream" and output["name"] == "stdout"
    )


SHAPE = re.compile(r"\(\d+(?:, \d+)+\)|\(\d+,\)")


def shapes(notebook) -> list[str]:
    """Every shape a notebook prints or displays, in order."""
    found = []
    for cell in code_cells(notebook):
        for output in cell.outputs:
            if output["output_type"] == "stream":
                found += SHAPE.findall(output["text"])
            elif output["output_type"] == "execute_result":
                found += SHAPE.findall(output["data"].get("text/plain", ""))
    return found


def participant_run(source: Path, folder: Path):
    """Run the full notebook, then its users notebook with every blank filled in."""
    full = run_notebook(jupytext.read(source), folder)
    filled = variants.make_users_notebook(jupytext.read(source), source, fill_blanks=True)
    users = variants.make_users_notebook(jupytext.read(source), source)
    assert len(filled.cells) == len(users.cells)
    for blank, answer in zip(users.cells, filled.cells, strict=True):
        assert answer.source.startswith(blank.source)
    return full, run_notebook(filled, folder)


@pytest.fixture(scope="module")
def demo_participant_run(tmp_path_factory):
    """The demo's full notebook and its filled-in users notebook, run once for the tests below."""
    return participant_run(DEMO, tmp_path_factory.mktemp("participant"))


@pytest.mark.notebook
def test_demo_users_notebook_runs_to_the_end_once_filled_in(demo_participant_run):
    full, filled = demo_participant_run
    assert printed(filled) == printed(full)
    assert shapes(filled) == shapes(full) == ["(20,)", "(20,)", "(10,)"]


def undefined_names(notebook, folder: Path) -> list[str]:
    """Names a notebook's code reads before any earlier cell defines them (ruff's F821).

    ruff reads an .ipynb cell by cell, in order, as a kernel runs it (IPython magics included),
    so a cell needing a name that only a dropped cell defined is found without running anything.
    """
    path = folder / "checked.ipynb"
    nbformat.write(notebook, path)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--isolated",
            "--no-cache",
            "--select",
            "F821",
            "--output-format",
            "concise",
            str(path),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode in (0, 1), result.stderr
    return [line for line in result.stdout.splitlines() if "F821" in line]


def test_undefined_names_finds_a_name_only_a_dropped_cell_defined(tmp_path):
    notebook = new_notebook(
        ("code", "counts = [1, 2]"), ("code", "%pip --version\ntotal = sum(counts)")
    )
    assert undefined_names(notebook, tmp_path) == []
    del notebook.cells[0]
    assert len(undefined_names(notebook, tmp_path)) == 1


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_users_notebook_once_filled_in_is_the_full_code_with_nothing_undefined(source, tmp_path):
    """Each users notebook, every blank filled with the full notebook's code, is the full
    notebook's code in order, less the book's own cells, and reads no name it does not define.

    What running it would catch (a cell needing a name that only a dropped cell defines) is a
    property of the code, checked statically; the code itself runs in the book build.
    """
    full = jupytext.read(source)
    filled = variants.make_users_notebook(jupytext.read(source), source, fill_blanks=True)
    users = variants.make_users_notebook(jupytext.read(source), source)
    assert len(filled.cells) == len(users.cells)
    for blank, answer in zip(users.cells, filled.cells, strict=True):
        assert answer.source.startswith(blank.source)
    # A filled cell is its prompt (comment lines) followed by the full notebook's code.
    full_code = [cell.source.strip() for cell in code_cells(full)]
    positions = []
    for cell in code_cells(filled):
        found = [
            i for i, code in enumerate(full_code) if code and cell.source.strip().endswith(code)
        ]
        if found:
            positions.append(found[-1])
    assert positions == sorted(positions), "the users notebook keeps the full notebook's order"
    assert len(positions) >= 0.7 * len(full_code)
    assert undefined_names(filled, tmp_path) == []


@pytest.mark.notebook
def test_presenters_notebook_runs_and_prints_what_the_full_one_prints_demo(tmp_path):
    """The presenters notebook of the demo runs and prints what the full notebook prints."""
    written = variants.write_variants(DEMO, tmp_path)
    presenters = run_notebook(nbformat.read(written["presenters"], as_version=4), tmp_path)
    full = run_notebook(jupytext.read(DEMO), tmp_path)
    assert printed(presenters) == printed(full) != ""


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_presenters_notebook_reads_no_name_it_does_not_define(source, tmp_path):
    presenters = variants.make_presenters_notebook(jupytext.read(source), source)
    assert code_cells(presenters)
    assert undefined_names(presenters, tmp_path) == []


# ---------------------------------------------------------------------------------------------
# The command line


def test_command_line_keeps_going_past_bad_notebooks_and_names_file_and_line(tmp_path, capsys):
    status = variants.main(["--output", str(tmp_path), str(BAD_YAML), str(DEMO), str(MISSPELLED)])
    assert status == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "variants_demo_presenters.ipynb",
        "variants_demo_users.ipynb",
    ]
    errors = capsys.readouterr().err
    bad_line = line_of(BAD_YAML, "```{code-cell}")
    assert f"{BAD_YAML}:{bad_line}: invalid cell options" in errors
    assert "YAML block" in errors
    typo_line = line_of(MISSPELLED, "{solution-strat}")
    assert f"{MISSPELLED}:{typo_line}: Unknown directive {{solution-strat}}" in errors
    assert "Did you mean {solution-start}?" in errors


def test_command_line_reports_a_missing_file(tmp_path, capsys):
    assert variants.main(["--output", str(tmp_path), str(tmp_path / "missing.md")]) == 1
    assert "No notebook at" in capsys.readouterr().err


def a_book(folder: Path) -> Path:
    """A minimal book holding a copy of the demo notebook (no role points outside it)."""
    (folder / "notebooks").mkdir(parents=True)
    (folder / "_config.yml").write_text(
        yaml.safe_dump({"repository": {"url": "https://github.com/o/r"}})
    )
    text = (
        DEMO.read_text()
        .replace("../../book/setup", "../index")
        .replace("../../book/troubleshooting", "../index")
    )
    (folder / "index.md").write_text("# Index\n")
    source = folder / "notebooks" / "demo.md"
    source.write_text(text)
    return source


def test_command_line_warns_about_missing_prompts_with_file_and_line(tmp_path, capsys):
    source = a_book(tmp_path / "book")
    text = source.read_text().replace(":prompt: Compute the mean rate", ":other: Compute")
    source.write_text(text)
    assert variants.main(["--output", str(tmp_path / "out"), str(source)]) == 0
    errors = capsys.readouterr().err
    line = line_of(source, "rate = mean_rate(counts, 0.5)")
    assert f"{source}:{line}: warning: participant cell has no `prompt`" in errors
    assert "kept cell uses" not in errors  # `rate` is not used by a kept cell


def test_command_line_replaces_a_symlink_instead_of_writing_through_it(tmp_path):
    source = a_book(tmp_path / "book")
    original = source.read_bytes()
    output = tmp_path / "out"
    output.mkdir()
    link = output / "demo_users.ipynb"
    link.symlink_to(source)
    assert variants.main(["--output", str(output), str(source)]) == 0
    assert source.read_bytes() == original
    assert not link.is_symlink()
    nbformat.validate(nbformat.read(link, as_version=4))
    assert sorted(p.name for p in output.iterdir()) == [
        "demo_presenters.ipynb",
        "demo_users.ipynb",
    ]  # no temporary file left behind


# ---------------------------------------------------------------------------------------------
# The real notebooks' prompts (fails until every participant cell has a hand-written prompt)


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_participant_cell_of_a_real_notebook_has_a_prompt_that_gives_what_follows(source):
    problems = variants.check_prompts(jupytext.read(source))
    assert problems == [], f"{source.name}:\n" + "\n".join(problems)


def test_a_prompt_line_starting_with_a_number_is_prose_not_a_list_item():
    prompt = (
        "Build the penalty per weight: 0.1 for each history weight and\n"
        "0 elsewhere, one value per feature.\n\n"
        "2. A numbered step that is long enough to be wrapped onto a second line of the comment "
        "text."
    )
    cell = nbformat.v4.new_code_cell("x = 1", metadata={"prompt": prompt})
    lines = variants.users_prompt(cell).splitlines()
    first = "# Build the penalty per weight: 0.1 for each history weight and 0 elsewhere, one value"
    assert lines[:2] == [first, "# per feature."]
    step = next(i for i, line in enumerate(lines) if line.startswith("# 2. A numbered step"))
    assert lines[step + 1].startswith("#    ")  # the numbered item keeps its hanging indent


def test_a_folder_on_the_command_line_stands_for_its_notebooks(tmp_path):
    from conftest import myst_notebook

    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "demo.md").write_text(myst_notebook("x = 1"), encoding="utf-8")
    assert variants.main(["--output", str(tmp_path / "out"), str(folder)]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "demo_presenters.ipynb",
        "demo_users.ipynb",
    ]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", None, "has no cells, so there is nothing to write"),
        ("# T\n\nCaf\xe9\n", 3, r"not UTF-8 text \(byte 0xe9\): save the file as UTF-8"),
        (
            "# T\n\n```{code-cell} ipython3\nx = 1\n\nMore prose.\n\n"
            "```{code-cell} ipython3\ny = 2\n```\n",
            3,
            "this fence is never closed: add a line of ``` after its last line",
        ),
        ("# T\n\n```{code-cell} ipython3\nx = 1\n", 3, "this fence is never closed"),
    ],
    ids=["empty", "not-utf8", "unclosed-then-cell", "unclosed-at-end"],
)
def test_a_broken_source_is_refused_with_its_file_and_line(tmp_path, text, line, message):
    from conftest import MYST_HEADER

    source = tmp_path / "broken.md"
    body = (MYST_HEADER + "\n" + text) if text else ""
    source.write_bytes(body.encode("latin-1"))
    where = f"{source}:{line + MYST_HEADER.count(chr(10)) + 1}" if line else f"{source}"
    with pytest.raises(variants.VariantError, match=re.escape(where) + ": .*" + message):
        variants.write_variants(source, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


# ---------------------------------------------------------------------------------------------
# Figure checks from the book's executed run

FIGURE_NOTEBOOK = (
    MYST_HEADER
    + """
# Figures

```{code-cell} ipython3
:tags: [users-keep]

import matplotlib
matplotlib.use("module://matplotlib_inline.backend_inline")
import matplotlib.pyplot as plt
from IPython.display import Markdown
Markdown("**SYNTHETIC DATA: this page runs on a synthetic stand-in**")
```

```{code-cell} ipython3
:prompt: Draw the line y = 2 x over three points as `fig`.

fig, ax = plt.subplots(figsize=(2, 1))
ax.plot([0, 1, 2], [0, 2, 4])
```

```{code-cell} ipython3
:tags: [users-keep]

print("no figure here")
```
"""
)


@pytest.mark.notebook
def test_users_notebook_folds_the_figure_the_book_drew_under_the_cell_that_draws_it(tmp_path):
    (tmp_path / "_config.yml").write_text("execute:\n  timeout: 120\n")
    source = tmp_path / "figures.md"
    source.write_text(FIGURE_NOTEBOOK)
    # In a child process: the executor forks, which a process that imported JAX must not do.
    code = (
        "import sys; from pathlib import Path; from tools.execute_notebooks import "
        "execute_notebooks; print(execute_notebooks([Path(sys.argv[1])], root=Path(sys.argv[2])))"
    )
    ran = subprocess.run(
        [sys.executable, "-c", code, str(source), str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert ran.stdout.strip() == str({str(source): None}), ran.stderr
    cache = tmp_path / "_build" / ".jupyter_cache"

    run = variants.executed_run(source, cache)
    assert run is not None and run.data == "the synthetic stand-in"
    assert list(run.figures) == [2] and len(run.figures[2]) == 1  # the cell that draws
    users = variants.make_users_notebook(jupytext.read(source), executed=run)
    sources = [cell.source for cell in users.cells]
    check = next(i for i, text in enumerate(sources) if "Figure check" in text)
    assert users.cells[check - 1].source.startswith("# Draw the line y = 2 x")
    assert users.cells[check].cell_type == "markdown"
    text = users.cells[check].source
    assert text.startswith("<details>") and text.endswith("</details>")
    assert "as the website drew it on the synthetic stand-in" in text
    assert f'src="data:image/png;base64,{run.figures[2][0]}"' in text
    assert sum("Figure check" in text for text in sources) == 1
    without = variants.make_users_notebook(jupytext.read(source))
    assert [text for text in sources if "Figure check" not in text] == [
        cell.source for cell in without.cells
    ]  # the check is the only cell added
    nbformat.validate(users)

    # The notebook's code changed since the book ran it: no figure from an older run.
    source.write_text(FIGURE_NOTEBOOK.replace("[0, 2, 4]", "[0, 3, 6]"))
    assert variants.executed_run(source, cache) is None
    assert variants.executed_run(source, tmp_path / "no-cache") is None
