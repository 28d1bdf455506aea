"""Student ("users") and presenter versions of the workshop notebooks, from one source.

Every notebook is written once, in full, as a MyST markdown notebook (``notebooks/*.md``). This
module derives two more versions from it, by parsing the notebook with jupytext and its
markdown with markdown-it (never with regular expressions over the text):

- **users** (``<name>_users.ipynb``): what students type along in. All prose is kept; every
  code cell becomes an empty cell with a short prompt, except cells tagged ``users-keep``
  (imports, settings, loading data, figures), which keep their code. Exercise solutions (the
  cells between ``{solution-start}`` and ``{solution-end}``) are removed, so each exercise is
  followed by an empty cell.
- **presenters** (``<name>_presenters.ipynb``): a lean script for the person teaching. Headings
  and all code are kept, solutions included; the prose of each cell shrinks to one bullet (its
  first sentence) plus one per admonition; display math is dropped.

The rules, for authors
----------------------
- Tag a code cell ``users-keep`` (``:tags: [users-keep]`` in the cell's options) to show its
  code to students.
- Give a code cell a ``prompt`` option to choose the comment students see in its place;
  otherwise the prompt names the variables the cell defines (found by parsing the code).
- Write exercise solutions with sphinx-exercise's gated directives, ``{solution-start}`` and
  ``{solution-end}``, around the solution's cells: the book then executes them at build time and
  hides them behind a toggle, and the users notebook leaves them out.

Run ``python -m workshop_utils.variants --output variants notebooks/*.md`` (``make variants``).
"""

from __future__ import annotations

import argparse
import ast
import copy
from pathlib import Path

import jupytext
import nbformat
from markdown_it import MarkdownIt
from mdit_py_plugins.colon_fence import colon_fence_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin

__all__ = [
    "KEEP_TAG",
    "PROMPT_KEY",
    "make_presenters_notebook",
    "make_users_notebook",
    "main",
    "users_prompt",
    "write_variants",
]

KEEP_TAG = "users-keep"
PROMPT_KEY = "prompt"
SOLUTION_START = "solution-start"
SOLUTION_END = "solution-end"
DEFAULT_PROMPT = "# Your code here"
SOLUTION_PROMPT = "# Your solution here"

_PARSER = MarkdownIt("commonmark").use(colon_fence_plugin).use(dollarmath_plugin)


def _directive(info: str) -> str | None:
    """Return the directive name of a fence's info string (``{name} args``), if any."""
    info = info.strip()
    if info.startswith("{") and "}" in info:
        return info[1 : info.index("}")]
    return None


def _split_at_solutions(source: str) -> list[tuple[str, str]]:
    """Split a markdown cell at its solution directives.

    jupytext keeps consecutive markdown blocks in one cell, so an exercise, the start of its
    solution, the solution's prose and its end can share a cell. Returns, in order,
    ``("text", chunk)`` for prose and ``(SOLUTION_START, "")`` / ``(SOLUTION_END, "")`` events.
    """
    lines = source.splitlines(keepends=True)
    events: list[tuple[str, str]] = []
    cursor = 0
    for token in _PARSER.parse(source):
        if token.level != 0 or token.map is None or token.type not in ("fence", "colon_fence"):
            continue
        name = _directive(token.info)
        if name in (SOLUTION_START, SOLUTION_END):
            begin, end = token.map
            events.append(("text", "".join(lines[cursor:begin])))
            events.append((name, ""))
            cursor = end
    events.append(("text", "".join(lines[cursor:])))
    return [(kind, text.strip("\n")) for kind, text in events if kind != "text" or text.strip()]


def users_prompt(cell: nbformat.NotebookNode) -> str:
    """Return the comment that replaces a code cell's code in the users notebook.

    Parameters
    ----------
    cell : nbformat.NotebookNode
        A code cell.

    Returns
    -------
    str
        The cell's ``prompt`` metadata as a comment if it has one; otherwise a comment naming
        the variables the code assigns, or a generic prompt.
    """
    if PROMPT_KEY in cell.metadata:
        return f"# {cell.metadata[PROMPT_KEY]}"
    try:
        tree = ast.parse(cell.source)
    except SyntaxError:
        return DEFAULT_PROMPT
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        else:
            continue
        for target in targets:
            elements = target.elts if isinstance(target, ast.Tuple | ast.List) else [target]
            for element in elements:
                if isinstance(element, ast.Name) and element.id not in names + ["fig"]:
                    names.append(element.id)
    if not names:
        return DEFAULT_PROMPT
    return "# Your code here: " + ", ".join(f"`{name}`" for name in names)


def _blank_code_cell(prompt: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(source=prompt)


def _as_ipynb(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return a clean nbformat-4 notebook: no outputs, no jupytext header, valid."""
    result = nbformat.v4.new_notebook()
    result.metadata = {
        key: value
        for key, value in notebook.metadata.items()
        if key in ("kernelspec", "language_info")
    }
    for cell in notebook.cells:
        if cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(
                source=cell.source, metadata=copy.deepcopy(cell.metadata)
            )
        else:
            new = nbformat.v4.new_markdown_cell(
                source=cell.source, metadata=copy.deepcopy(cell.metadata)
            )
        result.cells.append(new)
    nbformat.validate(result)
    return result


def make_users_notebook(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return the students' version of a full notebook.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        The full notebook, e.g. read with ``jupytext.read``.

    Returns
    -------
    nbformat.NotebookNode
        A valid notebook with all prose, the code of cells tagged ``users-keep``, an empty
        prompted cell in place of every other code cell, and one empty cell in place of each
        exercise solution.

    Raises
    ------
    ValueError
        If the solution directives are not properly paired.
    """
    cells = []
    inside = False
    for cell in notebook.cells:
        if cell.cell_type == "code":
            if inside:
                continue
            if KEEP_TAG in cell.metadata.get("tags", []):
                cells.append(cell)
            else:
                cells.append(_blank_code_cell(users_prompt(cell)))
            continue
        for kind, text in _split_at_solutions(cell.source):
            if kind == SOLUTION_START:
                if inside:
                    raise ValueError("A {solution-start} opens before the previous one was closed.")
                inside = True
            elif kind == SOLUTION_END:
                if not inside:
                    raise ValueError("A {solution-end} has no {solution-start} before it.")
                inside = False
                cells.append(_blank_code_cell(SOLUTION_PROMPT))
            elif not inside:
                cells.append(nbformat.v4.new_markdown_cell(text, metadata=dict(cell.metadata)))
    if inside:
        raise ValueError("A {solution-start} is never closed by a {solution-end}.")
    result = copy.copy(notebook)
    result.cells = cells
    return _as_ipynb(result)


def _first_sentence(text: str) -> str:
    """Return the first sentence of a paragraph, on one line.

    A sentence ends at ``.``, ``?``, ``!`` or ``:`` followed by a space and a capital letter or
    a backtick, so that "et al. 2015" or "e.g. the" do not end it.
    """
    flat = " ".join(text.split())
    for position, character in enumerate(flat[:-2]):
        following = flat[position + 2]
        if (
            character in ".?!:"
            and flat[position + 1] == " "
            and (following.isupper() or following == "`")
        ):
            return flat[: position + 1]
    return flat


def _terse_markdown(source: str) -> str:
    """Shrink prose to its headings, admonitions, and the first sentence after each heading."""
    lines: list[str] = []
    tokens = _PARSER.parse(source)
    bulleted_paragraph = False
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            lines.append(f"{token.markup} {tokens[index + 1].content}")
            bulleted_paragraph = False
        elif token.type == "paragraph_open" and token.level == 0 and not bulleted_paragraph:
            lines.append(f"- {_first_sentence(tokens[index + 1].content)}")
            bulleted_paragraph = True
        elif token.type == "colon_fence" or (token.type == "fence" and _directive(token.info)):
            title = token.info.strip()
            name = _directive(title) or title
            heading = title[title.index("}") + 1 :].strip() if "}" in title else ""
            body = [
                line for line in token.content.splitlines() if line and not line.startswith(":")
            ]
            summary = _first_sentence(" ".join(body)) if body else ""
            label = heading or name
            lines.append(f"- **{label}**: {summary}" if summary else f"- **{label}**")
    return "\n".join(lines)


def make_presenters_notebook(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return the presenter's version of a full notebook.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        The full notebook.

    Returns
    -------
    nbformat.NotebookNode
        A valid notebook with every code cell (solutions included) and, for prose, only
        headings and one short bullet per paragraph.
    """
    cells = []
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cells.append(cell)
            continue
        for kind, text in _split_at_solutions(cell.source):
            terse = _terse_markdown(text) if kind == "text" else ""
            if terse:
                cells.append(nbformat.v4.new_markdown_cell(terse))
    result = copy.copy(notebook)
    result.cells = cells
    return _as_ipynb(result)


def write_variants(source: str | Path, output: str | Path) -> dict[str, Path]:
    """Write the users and presenters notebooks of one MyST notebook.

    Parameters
    ----------
    source : str or Path
        The full notebook (``.md`` in MyST format, or ``.ipynb``).
    output : str or Path
        Folder to write into (created if needed).

    Returns
    -------
    dict of str to Path
        ``{"users": path, "presenters": path}``.

    Raises
    ------
    FileNotFoundError
        If ``source`` does not exist.
    """
    source = Path(source)
    if not source.exists():
        raise FileNotFoundError(f"No notebook at {source}.")
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    notebook = jupytext.read(source)
    written = {}
    for kind, make in (("users", make_users_notebook), ("presenters", make_presenters_notebook)):
        path = output / f"{source.stem}_{kind}.ipynb"
        nbformat.write(make(notebook), path)
        written[kind] = path
    return written


def main(argv: list[str] | None = None) -> int:
    """Write the variants of the notebooks named on the command line.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 if a notebook could not be converted.
    """
    parser = argparse.ArgumentParser(
        prog="python -m workshop_utils.variants",
        description="Write the users and presenters versions of workshop notebooks.",
    )
    parser.add_argument("notebooks", nargs="+", help="MyST markdown notebooks")
    parser.add_argument("--output", default="variants", help="folder to write into")
    args = parser.parse_args(argv)
    status = 0
    for source in args.notebooks:
        try:
            written = write_variants(source, args.output)
        except (OSError, ValueError) as error:
            print(f"{source}: {error}")
            status = 1
            continue
        for kind, path in written.items():
            print(f"{kind:>10}: {path}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
