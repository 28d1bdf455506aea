"""No command overwrites or deletes a notebook a participant typed in."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import copy_repository

from tools import generated, variants

ROOT = Path(__file__).resolve().parents[1]
DEMO = Path(__file__).resolve().parent / "fixtures" / "variants_demo.md"


def type_into(path: Path, text: str = "my_answer = 42") -> bytes:
    """Type code into the first code cell of a notebook, as a participant would; return the
    file's bytes."""
    notebook = nbformat.read(path, as_version=4)
    cell = next(cell for cell in notebook.cells if cell.cell_type == "code")
    cell.source = text
    nbformat.write(notebook, path)
    return path.read_bytes()


def run_output(path: Path) -> bytes:
    """Give every code cell an output, as running the notebook would; return the bytes."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="ran\n")]
    nbformat.write(notebook, path)
    return path.read_bytes()


@pytest.fixture
def paired(tmp_path: Path) -> Path:
    source = tmp_path / "demo.md"
    shutil.copy(DEMO, source)
    generated.write_paired_notebook(source)
    return source


def test_a_paired_notebook_is_rewritten_with_its_outputs_when_nobody_typed_in_it(paired):
    notebook = paired.with_suffix(".ipynb")
    run_output(notebook)
    paired.write_text(paired.read_text().replace("A small notebook", "A tiny notebook"))
    generated.write_paired_notebook(paired)
    rewritten = nbformat.read(notebook, as_version=4)
    assert "A tiny notebook" in rewritten.cells[0].source + rewritten.cells[1].source
    outputs = [cell.outputs for cell in rewritten.cells if cell.cell_type == "code"]
    assert all(output and output[0]["text"] == "ran\n" for output in outputs)


def test_a_notebook_someone_typed_in_is_left_as_it_is_with_the_way_to_keep_both(paired):
    notebook = paired.with_suffix(".ipynb")
    typed = type_into(notebook)
    paired.write_text(paired.read_text().replace("A small notebook", "A tiny notebook"))
    with pytest.raises(generated.EditedNotebookError, match="make notebooks") as error:
        generated.write_paired_notebook(paired)
    assert notebook.read_bytes() == typed
    assert f"mv {notebook} {notebook.with_name('demo-mine.ipynb')}" in str(error.value)
    # Renamed as the message says, the participant's copy stays and a fresh one is written.
    notebook.rename(notebook.with_name("demo-mine.ipynb"))
    generated.write_paired_notebook(paired)
    assert notebook.with_name("demo-mine.ipynb").read_bytes() == typed
    assert "my_answer" not in notebook.read_text()


def test_make_variants_keeps_an_edited_users_notebook_and_writes_the_rest(tmp_path):
    written = variants.write_variants(DEMO, tmp_path)
    typed = type_into(written["users"], "counts = 'mine'")
    presenters = written["presenters"]
    presenters.unlink()
    with pytest.raises(generated.EditedNotebookError, match="make variants"):
        variants.write_variants(DEMO, tmp_path)
    assert written["users"].read_bytes() == typed
    assert presenters.is_file()
    assert variants.main(["--output", str(tmp_path), str(DEMO)]) == 1


def test_clean_deletes_only_what_nobody_typed_in(tmp_path):
    folder = tmp_path / "variants"
    written = variants.write_variants(DEMO, folder)
    run_output(written["presenters"])  # running a notebook is not typing in it
    typed = type_into(written["users"])
    assert generated.remove_generated(folder) == [written["users"]]
    assert written["users"].read_bytes() == typed and not written["presenters"].exists()
    written["users"].unlink()
    variants.write_variants(DEMO, folder)
    assert generated.remove_generated(folder) == [] and not folder.exists()


@pytest.mark.slow
def test_no_make_target_loses_what_a_participant_typed(tmp_path):
    """`make notebooks`, `make variants` and `make clean` on a copy of the repository where a
    participant typed into a notebook and a users notebook (`make sync` and `make book` write
    notebooks with the same commands as `make notebooks` and `make variants`)."""
    repo = copy_repository(tmp_path / "repo")
    venv = Path(sys.prefix)

    def make(target: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["make", "-o", f"{venv}/.installed", target, f"VENV={venv}"],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=600,
        )

    # The variants as `make variants` writes them (in-process: one notebook is enough here).
    variants.write_variants(repo / "notebooks" / "head_direction.md", repo / "variants")
    full = repo / "notebooks" / "head_direction.ipynb"
    users = repo / "variants" / "head_direction_users.ipynb"
    typed_full, typed_users = type_into(full), type_into(users)
    for target in ("notebooks", "variants"):
        result = make(target)
        assert result.returncode != 0, target
        assert "was edited after the tools wrote it" in result.stderr, target
        assert full.read_bytes() == typed_full and users.read_bytes() == typed_users, target
    result = make("clean")
    assert result.returncode == 0
    assert users.read_bytes() == typed_users and full.read_bytes() == typed_full
    assert sorted(p.name for p in users.parent.iterdir()) == ["head_direction_users.ipynb"]


def test_a_file_that_is_not_a_notebook_is_left_as_it_is(paired):
    notebook = paired.with_suffix(".ipynb")
    notebook.write_text("my notes, not JSON")
    with pytest.raises(generated.EditedNotebookError):
        generated.write_paired_notebook(paired)
    assert notebook.read_text() == "my notes, not JSON"
