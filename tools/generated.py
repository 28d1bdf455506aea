"""Notebooks the tools generate, and the rule that keeps a participant's work.

No tool overwrites or deletes a notebook someone edited.

Every notebook a tool writes (``notebooks/*.ipynb`` from their MyST sources, by ``make notebooks``
and ``make sync``; ``variants/*.ipynb``, by ``make variants`` and ``make book``) carries, in its
metadata, a fingerprint of its cells as written (``metadata.workshop.cells_sha256``). Before a
tool replaces or deletes a notebook, it compares the notebook's cells with that fingerprint: if
someone typed into the notebook since (a participant following along in JupyterLab), the tool
leaves the file alone and stops with a message that says how to keep both versions.

Outputs do not count as edits: running a notebook changes only its outputs, and those are
carried over when ``make notebooks`` rewrites a notebook from its source.

Run ``python -m tools.generated notebooks/*.md`` (``make notebooks``) to write each ``.ipynb``
beside its ``.md``; ``python -m tools.generated --clean variants`` (``make clean``) deletes the
generated notebooks of a folder that nobody edited.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import jupytext
import nbformat

from workshop_utils.files import partial_file

__all__ = [
    "EditedNotebookError",
    "cells_fingerprint",
    "main",
    "remove_generated",
    "write_generated",
    "write_paired_notebook",
]

METADATA_KEY = "workshop"


class EditedNotebookError(RuntimeError):
    """A notebook the tools wrote was edited since: the tool leaves it as it is."""

    def __init__(self, path: Path, command: str) -> None:
        keep = path.with_name(f"{path.stem}-mine{path.suffix}")
        super().__init__(
            f"{path} was edited after the tools wrote it: `{command}` leaves it as it is, so "
            f"nothing typed in it is lost. To keep your version and get a fresh one, rename "
            f"yours (e.g. `mv {path} {keep}`) and run `{command}` again; to discard your "
            f"edits, delete {path} and run it again."
        )
        self.path = path


def cells_fingerprint(notebook: nbformat.NotebookNode) -> str:
    """Return the sha256 of a notebook's cells: their types and sources, not their outputs."""
    cells = [(cell.cell_type, cell.source) for cell in notebook.cells]
    return hashlib.sha256(json.dumps(cells).encode("utf-8")).hexdigest()


def _edited_cells(path: Path) -> str | None:
    """Return the fingerprint of the notebook at ``path`` if it was edited, else None.

    Edited means its cells differ from the fingerprint a tool recorded when it wrote them; a
    file that is not a readable notebook is someone's too (``""``).
    """
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception:
        return ""
    current = cells_fingerprint(notebook)
    recorded = notebook.metadata.get(METADATA_KEY, {}).get("cells_sha256")
    return None if recorded == current else current


def write_generated(
    notebook: nbformat.NotebookNode, path: Path, command: str, *, replace_edited: bool = False
) -> Path:
    """Write a generated notebook, unless the one already there was edited.

    The notebook is written to a partial file beside ``path`` and renamed onto it, so a reader
    never sees half a notebook; a symbolic link at ``path`` is replaced, never written through.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        The notebook to write; its fingerprint is added to its metadata.
    path : Path
        Where to write it.
    command : str
        The command that writes it, for the message (e.g. ``"make variants"``).
    replace_edited : bool, optional
        Replace the notebook even if it was edited (the caller has carried the edits over).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    EditedNotebookError
        If a notebook at ``path`` was edited since a tool wrote it (or was never written by
        one) and its cells differ from the new ones.
    """
    path = Path(path)
    notebook.metadata[METADATA_KEY] = {"cells_sha256": cells_fingerprint(notebook)}
    if path.is_file() and not path.is_symlink() and not replace_edited:
        edited = _edited_cells(path)
        # Edited, unless the edits are exactly the new cells (e.g. made through the .md).
        if edited is not None and edited != notebook.metadata[METADATA_KEY]["cells_sha256"]:
            raise EditedNotebookError(path, command)
    partial = partial_file(path.parent, f"{path.name}-", suffix=".tmp")
    try:
        with open(partial, "w", encoding="utf-8") as stream:
            nbformat.write(notebook, stream)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def write_paired_notebook(source: Path) -> Path:
    """Write the ``.ipynb`` of a MyST notebook beside it, keeping the outputs it already has.

    Parameters
    ----------
    source : Path
        A MyST ``.md`` notebook.

    Returns
    -------
    Path
        The ``.ipynb`` written.

    Raises
    ------
    EditedNotebookError
        If the ``.ipynb`` was edited since it was written (see :func:`write_generated`).
    """
    source = Path(source)
    notebook = jupytext.read(source)
    paired = source.with_suffix(".ipynb")
    if paired.is_file():
        try:
            existing = nbformat.read(paired, as_version=4)
        except Exception:
            existing = None
        if existing is not None:
            # jupytext's own merge (as `jupytext --update`): outputs of unchanged cells stay.
            from jupytext.combine import combine_inputs_with_outputs

            notebook = combine_inputs_with_outputs(notebook, existing)
    return write_generated(notebook, paired, "make notebooks")


def remove_generated(folder: Path, command: str = "make clean") -> list[Path]:
    """Delete the notebooks of ``folder`` that the tools wrote and nobody edited.

    Parameters
    ----------
    folder : Path
        A folder of generated notebooks (``variants/``).
    command : str, optional
        The command, for the message.

    Returns
    -------
    list of Path
        The edited notebooks, left in place (the folder is removed when nothing is left).
    """
    folder = Path(folder)
    kept = []
    for path in sorted(folder.glob("*.ipynb")) if folder.is_dir() else []:
        if path.is_file() and not path.is_symlink() and _edited_cells(path) is not None:
            kept.append(path)
        else:
            path.unlink()
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
    return kept


def main(argv: Sequence[str] | None = None) -> int:
    """Write the ``.ipynb`` of each MyST notebook, or clean a folder of generated notebooks.

    Returns
    -------
    int
        0, or 1 when a notebook was edited and left as it is (the message says what to do).
    """
    parser = argparse.ArgumentParser(
        prog="python -m tools.generated",
        description="Write each paired .ipynb from its MyST .md, never over someone's edits.",
    )
    parser.add_argument("notebooks", nargs="*", help="MyST markdown notebooks")
    parser.add_argument("--clean", metavar="FOLDER", help="delete unedited generated notebooks")
    args = parser.parse_args(argv)
    status = 0
    if args.clean:
        for path in remove_generated(Path(args.clean)):
            print(f"kept (edited): {path}", file=sys.stderr)
    for source in args.notebooks:
        try:
            print(f"{'wrote':>10}: {write_paired_notebook(Path(source))}")
        except EditedNotebookError as error:
            print(f"error: {error}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
