"""The book builds from scratch on the stand-in, and every notebook page shows its results."""

from __future__ import annotations

import re

import pytest
import yaml
from conftest import executed_notebook, make_book

pytestmark = pytest.mark.book

WARNING_CLASSES = ("DeprecationWarning", "FutureWarning")


def toc_pages(root):
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        pages += [chapter["file"] for chapter in part["chapters"]]
    return pages


def notebook_pages(root):
    return [page for page in toc_pages(root) if page.startswith("notebooks/")]


def test_build_succeeds_without_any_warning(built_book):
    process = built_book.process
    assert process.returncode == 0, process.stdout[-4000:] + process.stderr[-4000:]
    sphinx_warnings = [
        line
        for line in (process.stdout + process.stderr).splitlines()
        if ": WARNING:" in line or line.startswith("WARNING:")
    ]
    assert sphinx_warnings == []
    assert "build succeeded" in process.stdout


def test_every_page_of_the_toc_is_rendered(built_book):
    for page in toc_pages(built_book.root):
        assert (built_book.html / f"{page}.html").exists(), page


def executed(built_book, page):
    return executed_notebook(built_book.root, page)


def all_output_text(cell):
    for output in cell.get("outputs", []):
        if "text" in output:
            yield output["text"]
        for key, value in output.get("data", {}).items():
            if key.startswith("text/"):
                yield value if isinstance(value, str) else "".join(value)


def test_every_code_cell_ran_without_error_or_warning(built_book):
    for page in notebook_pages(built_book.root):
        notebook = executed(built_book, page)
        code_cells = [c for c in notebook.cells if c.cell_type == "code"]
        assert code_cells, page
        for index, cell in enumerate(code_cells):
            assert isinstance(cell.execution_count, int), f"{page}: code cell {index} did not run"
            kinds = [output["output_type"] for output in cell.outputs]
            assert "error" not in kinds, f"{page}: code cell {index} raised"
            streams = [o for o in cell.outputs if o["output_type"] == "stream"]
            assert all(o["name"] == "stdout" for o in streams), (
                f"{page}: code cell {index} wrote to stderr: {[o['text'] for o in streams]}"
            )
            for text in all_output_text(cell):
                for warning in WARNING_CLASSES:
                    assert warning not in text, f"{page}: code cell {index} shows {warning}"


def test_every_figure_is_an_image_in_the_page(built_book):
    for page in notebook_pages(built_book.root):
        notebook = executed(built_book, page)
        figures = sum(
            1
            for cell in notebook.cells
            for output in cell.get("outputs", [])
            if "image/png" in output.get("data", {})
        )
        assert figures >= 1, page
        html_path = built_book.html / f"{page}.html"
        html = html_path.read_text(encoding="utf-8")
        images = re.findall(r'<img[^>]+src="([^"]*_images/[^"]+\.png)"', html)
        assert len(images) == figures, f"{page}: {len(images)} images for {figures} figures"
        for source in images:
            image = (html_path.parent / source).resolve()
            assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", source
        assert "Traceback" not in html


def test_head_direction_page_shows_the_analysis(built_book):
    html = (built_book.html / "notebooks" / "head_direction.html").read_text(encoding="utf-8")
    assert "workshop-data-notice" in html and "SYNTHETIC" in html
    assert html.index("workshop-data-notice") < html.index('id="are-these-head-direction-cells"')
    assert 'class="animation"' in html, "the sliding-window animation is embedded"
    assert "(18000, 80)" in html and "(18000, 8)" in html and "(18000, 152)" in html
    assert "held-out pseudo-R²" in html


def test_regularization_page_chooses_by_blocked_cross_validation(built_book):
    html = (built_book.html / "notebooks" / "regularization.html").read_text(encoding="utf-8")
    assert re.search(r"Ridge strength [0-9.]+, [48] basis functions", html)
    assert "pseudo-R² on the last minute" in html
    notebook = executed(built_book, "notebooks/regularization")
    comparison = next(c for c in notebook.cells if "ShuffleSplit(" in c.get("source", ""))
    (table,) = [o["data"]["text/plain"] for o in comparison.outputs if "data" in o]
    table = table.splitlines()
    assert table[0].split() == ["blocked", "shuffled"]
    rows = [line.split() for line in table[2:]]
    assert [float(row[0]) for row in rows] == [0.001, 0.01, 0.1, 1.0]
    # the exercise's answer: every shuffled (leaky) score is higher than the blocked one
    assert all(float(shuffled) > float(blocked) for _, blocked, shuffled in rows), table


def test_exercises_have_solutions_hidden_behind_a_toggle(built_book):
    html = (built_book.html / "notebooks" / "head_direction.html").read_text(encoding="utf-8")
    exercises = html.count('class="exercise admonition"')
    assert exercises >= 4
    assert html.count('class="solution dropdown admonition"') == exercises


def test_notebook_pages_offer_downloads_and_launch_buttons(built_book):
    html = (built_book.html / "notebooks" / "head_direction.html").read_text(encoding="utf-8")
    assert "_sources/notebooks/head_direction.md" in html
    for download in (
        "head_direction.ipynb",
        "head_direction_users.ipynb",
        "head_direction_presenters.ipynb",
    ):
        assert f"/{download}" in html, download
    assert "mybinder.org" in html and "colab.research.google.com" in html


def test_execution_status_page_lists_every_notebook(built_book):
    html = (built_book.html / "book" / "execution_status.html").read_text(encoding="utf-8")
    for page in notebook_pages(built_book.root):
        assert page.split("/")[-1] in html


def test_math_is_served_with_the_book(built_book):
    assert (built_book.html / "_static" / "mathjax" / "tex-chtml.js").exists()
    html = (built_book.html / "notebooks" / "head_direction.html").read_text(encoding="utf-8")
    assert "_static/mathjax/tex-chtml.js" in html
    assert not re.search(r"cdn\.jsdelivr\.net/npm/mathjax", html)


def test_rebuild_with_nothing_changed_reuses_the_execution_cache(built_book):
    process = make_book(built_book.root, built_book.data_cache)
    assert process.returncode == 0, process.stderr[-4000:]
    assert "Executing" not in process.stdout, "a rebuild with no change must not re-execute"
