"""Notebook sources: every MyST .md has an up-to-date, output-free .ipynb beside it."""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "notebooks").glob("*.md"))


def test_every_notebook_is_a_page_of_the_book_and_every_notebook_page_has_a_source():
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    pages = [chapter["file"] for part in toc["parts"] for chapter in part["chapters"]]
    notebook_pages = {page for page in pages if page.startswith("notebooks/")}
    assert notebook_pages == {f"notebooks/{source.stem}" for source in SOURCES}
    assert "notebooks/head_direction" in notebook_pages


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_ipynb_pair_is_in_sync_with_its_markdown_source(source):
    paired = source.with_suffix(".ipynb")
    assert paired.exists(), f"{paired.name} is missing: run `make notebooks`"
    from_markdown = jupytext.read(source)
    from_ipynb = nbformat.read(paired, as_version=4)
    nbformat.validate(from_ipynb)
    expected = [(c.cell_type, c.source) for c in from_markdown.cells]
    actual = [(c.cell_type, c.source) for c in from_ipynb.cells]
    assert actual == expected, f"{paired.name} is out of date: run `make notebooks`"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_committed_ipynb_has_no_outputs(source):
    notebook = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_uses_current_apis_only(source):
    text = source.read_text()
    for old in ("compute_1d_tuning_curves", "nemos._documentation_utils", "plt.show()"):
        assert old not in text, f"{source.name} uses {old}"


def test_the_home_page_gives_each_notebook_its_own_time_to_learn():
    """The learning path's minutes are each notebook's "Time to learn" (a table and its pages
    must not disagree)."""
    import re

    index = (ROOT / "book" / "index.md").read_text(encoding="utf-8")
    path_minutes = dict(
        re.findall(r"\{doc\}`\.\./notebooks/(\w+)`[^|]*\| (\d+) min", index)
    )
    for source in SOURCES:
        stated = re.search(r"\*\*Time to learn:\*\* about (\d+) minutes", source.read_text())
        assert stated, f"{source.name} states no time to learn"
        assert path_minutes.get(source.stem) == stated.group(1), source.stem
