"""Student ("users") and presenter versions of the workshop notebooks.

Every notebook is written once, in full, as a MyST markdown notebook (``notebooks/*.md``). This
module derives two more versions from it, by parsing the notebook with jupytext, its markdown
with markdown-it and its code with :mod:`ast` (never with regular expressions over the text).
Both are plain Jupyter notebooks: no MyST syntax survives, so they read the same in JupyterLab,
Colab and VS Code.

- **users** (``<name>_users.ipynb``): what participants type along in. All prose is kept; each
  code cell is either kept (tag ``users-keep``) or becomes an empty cell holding its prompt as a
  comment. Exercise solutions are removed (one empty cell per exercise), the answers of "What do
  you see?" questions are folded in a ``<details>`` block, talking points are dropped. Under
  each cell that draws a figure, a "figure check" folds the figure as the book's executed run
  drew it (``--executed``, the book's jupyter-cache), embedded as a PNG (a data address, which
  JupyterLab, VS Code and Colab all show; Colab ignores cell attachments), and labelled with
  the data that run used (stand-in or recording).
- **presenters** (``<name>_presenters.ipynb``): a script for the person teaching. All code
  (solutions included), headings, every admonition (caveats, questions with their answers,
  talking points), every list (objectives, summaries, what's next), display math, and the first
  sentence of the other prose; under each section heading, the section's compute time measured
  by ``make bench`` (from ``benchmarks/results.json``; nothing is shown when it is missing).

Conventions for authors of ``notebooks/*.md``
----------------------------------------------
Code cells

- Tag a code cell ``users-keep`` (``:tags: [users-keep]``) to give its code to participants:
  imports, settings, loading data, figures.
- Every other code cell is the participant's to write and needs a hand-written ``prompt``
  option: a sentence or two saying what to compute and with which API, with the names that later
  cells use in backticks (Markdown is fine). A one-line prompt can use the short form::

      ```{code-cell} ipython3
      :prompt: Count the spikes in 10 ms bins over the first three minutes: `counts`.
      ```

  A longer one, or one that contains ``: `` or ``#`` or starts with a backtick (YAML would cut
  or refuse it), uses a YAML block at the top of the cell (the pinned jupytext reads both forms and
  writes this one when it rewrites a file)::

      ```{code-cell} ipython3
      ---
      prompt: |
        Build a `RaisedCosineLogConv` basis with 8 functions over the 80-bin window and
        evaluate it on a grid (`evaluate_on_grid`): `lag_grid, kernels`.
      ---
      ```

  In the users notebook the prompt becomes the comment of the empty cell, wrapped to 88
  columns. A cell that defines functions also shows each function's signature and docstring,
  commented out; a cell that *only* defines functions, each with a docstring, needs no prompt.
- A name is *given* to participants by an earlier kept cell (assignment, import, ``def``,
  ``for`` target...), by Python's builtins, or by appearing in backticks in an earlier prompt
  (```lag_grid, kernels``` gives both). :func:`check_prompts` reports participant cells without
  a prompt and kept cells that use a name nobody gave; ``make variants`` prints these as
  warnings.
- Cells tagged ``remove-cell`` are hidden by the book and dropped from both variants, except
  those that ``glue`` numbers for the prose: the variants keep these, with their code folded
  (``jupyter.source_hidden``), so that the prose can quote the numbers the notebook's own kernel
  computed (see Prose).

Prose

- A "What do you see?" question is an admonition with class ``hint``. Its paragraphs up to one
  that starts with ``**Answer.**`` are the question, shown to everyone; from that paragraph on,
  the answer, folded in the users notebook. Without an ``**Answer.**`` paragraph the whole body
  is the answer and the admonition's title is the question::

      :::{admonition} What do you see?
      :class: hint
      How does the filter change between the two halves?

      **Answer.** The slow decay appears in both; the fast wiggles do not.
      :::

- Talking points for the presenter are an admonition with class ``presenter``; add
  ``dropdown`` so that the website shows them folded (sphinx-togglebutton)::

      :::{admonition} Talking points
      :class: presenter dropdown
      - Ask the room what a history filter should look like before fitting.
      :::

- Exercises are sphinx-exercise ``{exercise}`` directives; their solutions are ordinary cells
  between ``{solution-start}`` and ``{solution-end}``, which the book executes and hides behind a
  toggle and the users notebook replaces with one empty cell.
- Other admonitions become block quotes (``dropdown`` ones a ``<details>`` block), ``{doc}`` and
  ``{download}`` links to the published website (its address is derived from
  ``repository.url`` in ``_config.yml`` by :func:`tools.repository.repository`), and math
  stays math.
- A passage (paragraph, list, admonition) that quotes numbers glued into the prose
  (``{glue:text}`key:.1f```) becomes a code cell, its code folded, that shows the passage with
  the numbers of the kernel running it (:func:`workshop_utils.runtime.show_text_with_numbers`):
  a participant reads the numbers their own code computed, a presenter the verdicts with theirs
  (the presenters notebook keeps such passages whole). A number whose cell has not run yet
  reads "(not computed yet: run the cells above)".
- A directive or role the variants cannot render is an error naming the file and line, with the
  closest known name ("did you mean {solution-start}?").

Run ``python -m tools.variants --output variants notebooks/*.md`` (``make variants``); the
agendas page is written by :mod:`tools.agendas`.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import copy
import difflib
import json
import posixpath
import symtable
import sys
import textwrap
import tokenize
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from io import StringIO
from pathlib import Path
from typing import Any, NamedTuple

import jupytext
import nbformat
import yaml
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.amsmath import amsmath_plugin
from mdit_py_plugins.colon_fence import colon_fence_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.myst_blocks import myst_block_plugin
from mdit_py_plugins.myst_role.index import myst_role as _parse_myst_role
from mdit_py_plugins.substitution import substitution_plugin

from tools.generated import EditedNotebookError, write_generated
from tools.repository import repository

__all__ = [
    "KEEP_TAG",
    "NUMBERS_TAG",
    "PROMPT_KEY",
    "REMOVE_TAG",
    "VariantError",
    "check_prompts",
    "main",
    "make_presenters_notebook",
    "make_users_notebook",
    "section_times",
    "users_prompt",
    "write_variants",
]

KEEP_TAG = "users-keep"
REMOVE_TAG = "remove-cell"
PROMPT_KEY = "prompt"
QUESTION_CLASS = "hint"
PRESENTER_CLASS = "presenter"
DROPDOWN_CLASS = "dropdown"
ANSWER_MARKER = "Answer."
SOLUTION_START = "solution-start"
SOLUTION_END = "solution-end"
SOLUTION_PROMPT = "# Your solution here"
PROMPT_WIDTH = 88
CHECK_MARKER = "Check:"
"""What ends every prompt: the result a participant can compare theirs with."""
NUMBERS_TAG = "numbers-in-text"
"""Tag of the variants' cells that glue numbers and of those that show prose quoting them."""
# Cells whose code is folded in JupyterLab (and VS Code): the numbers cells of the variants.
_FOLDED = {"jupyter": {"source_hidden": True}, "tags": [NUMBERS_TAG]}
_NUMBERS_FUNCTION = "show_text_with_numbers"

# Names a notebook has without defining them: Python's builtins and what IPython adds.
_PREDEFINED = frozenset(dir(builtins)) | {"display", "get_ipython", "In", "Out", "__name__"}

_ADMONITIONS = {
    "admonition": "",
    "note": "Note",
    "tip": "Tip",
    "hint": "Hint",
    "important": "Important",
    "warning": "Warning",
    "caution": "Caution",
    "attention": "Attention",
    "danger": "Danger",
    "error": "Error",
    "seealso": "See also",
    "margin": "",
    "sidebar": "",
    "topic": "",
    "epigraph": "",
}
_GLUE_DIRECTIVES = {"glue", "glue:", "glue:any", "glue:figure", "glue:math", "glue:md"}
_CODE_DIRECTIVES = {"code", "code-block", "sourcecode"}
_OTHER_DIRECTIVES = {"exercise", "solution", "math", "toggle", SOLUTION_START, SOLUTION_END}
_DIRECTIVES = set(_ADMONITIONS) | _GLUE_DIRECTIVES | _CODE_DIRECTIVES | _OTHER_DIRECTIVES
_GLUE_ROLES = {"glue", "glue:", "glue:any", "glue:text", "glue:md"}
_CODE_ROLES = {"code", "literal", "samp", "file", "command", "envvar", "program", "option"}
_TEXT_ROLES = {"ref", "numref", "eq", "term", "abbr", "cite", "cite:p", "cite:t", "dfn"}
_HTML_ROLES = {"sub": "sub", "sup": "sup", "kbd": "kbd"}
_ROLES = {"doc", "download", "math"} | _GLUE_ROLES | _CODE_ROLES | _TEXT_ROLES | set(_HTML_ROLES)
_CODE_ROLE_DOMAINS = ("py:", "func", "class", "meth", "mod", "attr", "obj", "data", "exc")


class VariantError(ValueError):
    """An authoring error in a notebook source that stops its variants from being written.

    Parameters
    ----------
    message : str
        What is wrong and how to fix it.
    cell : int, optional
        Index of the notebook cell where the error is (0-based).
    line : int
        Line of the error within that cell's source (0-based).
    """

    def __init__(self, message: str, cell: int | None = None, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.cell = cell
        self.line = line

    def located(self, source: str | Path, cell_lines: Sequence[int] = ()) -> str:
        """Return the message prefixed with ``file:line`` (or ``file: cell N``).

        Parameters
        ----------
        source : str or Path
            The notebook's file.
        cell_lines : sequence of int
            The first line (1-based) of each cell's source in the file, if known.

        Returns
        -------
        str
            ``"notebooks/x.md:42: message"``.
        """
        if self.cell is not None and self.cell < len(cell_lines):
            return f"{source}:{cell_lines[self.cell] + self.line}: {self.message}"
        if self.cell is not None:
            return f"{source}: cell {self.cell + 1}: {self.message}"
        return f"{source}: {self.message}"


# --------------------------------------------------------------------------------------------
# Parsing


def _recording_role(state: StateInline, silent: bool) -> bool:
    """mdit-py-plugins' MyST role rule, which also records the role's literal source text.

    The literal lets the role be replaced in the cell's source (markdown-it gives inline tokens
    no source positions); the plugin's own token keeps only the name and content.
    """
    start = state.pos
    if not _parse_myst_role(state, silent):
        return False
    if not silent:
        state.tokens[-1].meta["literal"] = state.src[start : state.pos]
    return True


def _make_parser() -> MarkdownIt:
    parser = (
        MarkdownIt("commonmark")
        .enable("table")
        .use(front_matter_plugin)
        .use(colon_fence_plugin)
        .use(dollarmath_plugin)
        .use(amsmath_plugin)
        .use(myst_block_plugin)
        .use(substitution_plugin)
    )
    parser.inline.ruler.before("backticks", "myst_role", _recording_role)
    return parser


MYST_PARSER = _make_parser()


def directive_name(info: str) -> str | None:
    """Return the directive name of a fence's info string (``{name} args``), if any."""
    info = info.strip()
    if info.startswith("{") and "}" in info:
        return info[1 : info.index("}")]
    return None


def _directive_argument(info: str) -> str:
    info = info.strip()
    return info[info.index("}") + 1 :].strip() if "}" in info else ""


def _closest(name: str, known: set[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return f" Did you mean {{{close[0]}}}?" if close else ""


def _blocks(tokens: list[Token]) -> Iterator[tuple[Token, list[Token]]]:
    """Yield each top-level block: its first token and all its tokens (open to close)."""
    index = 0
    while index < len(tokens):
        first = tokens[index]
        end = index
        if first.nesting == 1:
            depth = 0
            for end in range(index, len(tokens)):
                depth += tokens[end].nesting
                if depth == 0:
                    break
        yield first, tokens[index : end + 1]
        index = end + 1


def _split_at_solutions(source: str) -> list[tuple[str, str, int, str]]:
    """Split a markdown cell at its solution directives.

    jupytext keeps consecutive markdown blocks in one cell, so an exercise, the start of its
    solution, the solution's prose and its end can share a cell. Returns, in order,
    ``("text", chunk, first_line, "")`` for prose and ``(SOLUTION_START, "", line, label)`` /
    ``(SOLUTION_END, "", line, "")`` events (lines 0-based within the cell).
    """
    lines = source.splitlines(keepends=True)
    events: list[tuple[str, str, int, str]] = []
    cursor = 0
    for token, _ in _blocks(MYST_PARSER.parse(source)):
        if token.type not in ("fence", "colon_fence") or token.map is None:
            continue
        name = directive_name(token.info)
        if name in (SOLUTION_START, SOLUTION_END):
            begin, end = token.map
            events.append(("text", "".join(lines[cursor:begin]), cursor, ""))
            events.append((name, "", begin, _directive_argument(token.info)))
            cursor = end
    events.append(("text", "".join(lines[cursor:]), cursor, ""))
    result = []
    for kind, text, line, argument in events:
        if kind != "text":
            result.append((kind, text, line, argument))
        elif text.strip():
            leading = len(text) - len(text.lstrip("\n"))
            result.append((kind, text.strip("\n"), line + leading, argument))
    return result


def split_options(content: str, cell: int, line: int) -> tuple[dict[str, Any], str, int]:
    """Split a directive's content into its options and body (as MyST reads them).

    Returns the options, the body and the number of lines the options took.
    """
    lines = content.splitlines()
    if lines and lines[0].strip() == "---":
        closing = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if closing is None:
            raise VariantError("Directive options open with --- but never close.", cell, line)
        block, used = "\n".join(lines[1:closing]), closing + 1
    else:
        used = 0
        while used < len(lines) and lines[used].startswith(":"):
            used += 1
        block = "\n".join(option[1:] for option in lines[:used])
    try:
        options = yaml.safe_load(block) or {}
    except yaml.YAMLError as error:
        raise VariantError(
            f"Directive options are not valid YAML ({error.__class__.__name__}): "
            "quote values that contain ': ' or '#'.",
            cell,
            line + 1,
        ) from error
    if not isinstance(options, dict):
        raise VariantError("Directive options must be `:key: value` lines.", cell, line + 1)
    return options, "\n".join(lines[used:]).strip("\n"), used


def _classes(options: Mapping[str, Any]) -> list[str]:
    value = options.get("class", "")
    return value.split() if isinstance(value, str) else [str(v) for v in value]


# --------------------------------------------------------------------------------------------
# Links to the website


def _book_root(path: Path) -> Path | None:
    """Return the folder of the ``_config.yml`` above ``path`` (the book's source folder)."""
    for folder in Path(path).resolve().parents:
        if (folder / "_config.yml").exists():
            return folder
    return None


def default_results(path: Path) -> Path | None:
    """``benchmarks/results.json`` of the book that holds ``path``, if it is in a book."""
    root = _book_root(path)
    return None if root is None else root / "benchmarks" / "results.json"


@lru_cache(maxsize=64)
def _document_title(path: Path) -> str | None:
    """Return the first level-1 heading of a MyST or ipynb document."""
    if path.suffix == ".ipynb":
        notebook = nbformat.read(path, as_version=4)
        text = "\n\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    else:
        text = path.read_text(encoding="utf-8")
    tokens = MYST_PARSER.parse(text)
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1":
            return tokens[index + 1].content
    return None


@dataclass(frozen=True)
class _Links:
    """Where a notebook sits in the book, to turn its ``{doc}`` and ``{download}`` into links."""

    root: Path
    url: str
    docname: str

    @classmethod
    def of(cls, source: Path, root: Path) -> _Links:
        docname = source.resolve().relative_to(root).with_suffix("").as_posix()
        return cls(root, repository(root).website, docname)

    def resolve(self, target: str) -> str:
        """Return a role's target relative to the book's root (as Sphinx resolves it)."""
        if target.startswith("/"):
            relative = posixpath.normpath(target.lstrip("/"))
        else:
            relative = posixpath.normpath(posixpath.join(posixpath.dirname(self.docname), target))
        if relative.startswith(".."):
            raise ValueError(f"{target} is outside the book")
        return relative

    def page(self, target: str) -> tuple[str, str]:
        """Return the address and title of the document a ``{doc}`` role names."""
        docname = self.resolve(target)
        for suffix in (".md", ".ipynb"):
            if docname.endswith(suffix):
                docname = docname[: -len(suffix)]
        for suffix in (".md", ".ipynb"):
            path = self.root / f"{docname}{suffix}"
            if path.exists():
                return f"{self.url}{docname}.html", _document_title(path) or docname
        raise ValueError(f"no document {docname}.md or {docname}.ipynb in the book")

    def download(self, target: str) -> str:
        """Return the address where Sphinx publishes a ``{download}`` target."""
        # Sphinx's own bookkeeping names the published copy (a digest of the path): reuse it
        # rather than rebuild its naming scheme.
        from sphinx.util import DownloadFiles

        published = DownloadFiles().add_file(self.docname, self.resolve(target))
        return f"{self.url}_downloads/{published}"


# --------------------------------------------------------------------------------------------
# MyST to plain Markdown


@dataclass
class _Context:
    """State of one conversion: the variant, the links, the cell, the exercises so far."""

    mode: str
    links: _Links | None = None
    cell: int = 0
    exercises: int = 0  # exercises met so far: each notebook numbers its own from 1
    exercise_numbers: dict[str, int] = field(default_factory=dict)  # by label


def _quote(text: str) -> str:
    """Prefix every line with ``> `` (a Markdown block quote)."""
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.splitlines())


def _details(summary: str, body: str) -> str:
    """Fold Markdown into an HTML ``<details>`` block (blank lines make the body render)."""
    return f"<details>\n<summary>{summary}</summary>\n\n{body}\n\n</details>"


def _title_and_body(text: str, body: str) -> str:
    return f"**{text}**\n\n{body}" if body else f"**{text}**"


def _split_role_target(content: str) -> tuple[str | None, str]:
    """``text <target>`` -> (text, target); ``target`` -> (None, target)."""
    content = content.strip()
    if content.endswith(">") and "<" in content:
        opening = content.rindex("<")
        return content[:opening].strip() or None, content[opening + 1 : -1].strip()
    return None, content


def _render_role(name: str, content: str, context: _Context, line: int) -> str:
    """Plain Markdown (or HTML) for one MyST role."""
    if name in ("doc", "download"):
        if context.links is None:
            raise VariantError(
                f"{{{name}}}`{content}` becomes a link to the website only for a notebook in "
                "the book: pass its path as `source` (a _config.yml must be above it).",
                context.cell,
                line,
            )
        text, target = _split_role_target(content)
        try:
            if name == "doc":
                url, title = context.links.page(target)
            else:
                url, title = context.links.download(target), posixpath.basename(target)
        except ValueError as error:
            raise VariantError(f"{{{name}}}`{content}`: {error}.", context.cell, line) from error
        return f"[{text or title}]({url})"
    if name in _GLUE_ROLES:
        # Kept as written: the passage becomes a cell that fills it in (see _prose_cells).
        return f"{{{name}}}`{content}`"
    if name == "math":
        return f"${content}$"
    if name in _HTML_ROLES:
        return f"<{_HTML_ROLES[name]}>{content}</{_HTML_ROLES[name]}>"
    if name in _TEXT_ROLES:
        text, target = _split_role_target(content)
        if name == "abbr":
            return target.split("(")[0].strip()
        if name.startswith("cite"):
            return f"[{target}]"
        return text or target
    if name in _CODE_ROLES or name.startswith(_CODE_ROLE_DOMAINS):
        text, target = _split_role_target(content)
        return f"`{(text or target).lstrip('~!')}`"
    raise VariantError(
        f"Unknown role {{{name}}}: the variants cannot render it.{_closest(name, _ROLES)}",
        context.cell,
        line,
    )


def _replace_roles(
    lines: list[str], tokens: list[Token], first: int, context: _Context, base: int
) -> None:
    """Replace, in place, every MyST role of a block's lines by plain Markdown."""
    for token in tokens:
        if token.type != "inline" or not token.children or token.map is None:
            continue
        start, end = token.map[0] - first, token.map[1] - first
        segment = "\n".join(lines[start:end])
        for child in token.children:
            if child.type == "substitution_inline":
                raise VariantError(
                    "MyST substitutions ({{ ... }}) cannot be rendered outside the book.",
                    context.cell,
                    base + token.map[0],
                )
            if child.type != "myst_role":
                continue
            literal = child.meta["literal"]
            position = segment.find(literal) if "\n" not in literal else -1
            if position < 0:
                raise VariantError(
                    f"The role {literal.splitlines()[0]}... is split across lines: keep a role "
                    "on one line.",
                    context.cell,
                    base + token.map[0],
                )
            rendered = _render_role(child.meta["name"], child.content, context, base + token.map[0])
            segment = segment[:position] + rendered + segment[position + len(literal) :]
        lines[start:end] = segment.split("\n")


def _question_and_answer(body: str) -> tuple[str, str]:
    """Split the body of a question admonition at its ``**Answer.**`` paragraph."""
    lines = body.splitlines()
    tokens = MYST_PARSER.parse(body)
    for index, token in enumerate(tokens):
        if token.type != "paragraph_open" or token.level != 0 or token.map is None:
            continue
        children = [
            child
            for child in tokens[index + 1].children or []
            if child.type != "text" or child.content
        ]
        if (
            len(children) >= 3
            and children[0].type == "strong_open"
            and children[1].content.strip() == ANSWER_MARKER
        ):
            marker = f"{children[0].markup}{children[1].content}{children[0].markup}"
            start = token.map[0]
            answer = lines[start:]
            answer[0] = answer[0].lstrip().removeprefix(marker).lstrip()
            question = "\n".join(lines[:start]).strip("\n")
            return question, "\n".join(answer).strip("\n")
    return "", body


def _render_directive(token: Token, context: _Context, base: int) -> str:
    """Plain Markdown for one MyST directive (fenced with backticks or colons)."""
    name = directive_name(token.info)
    line = base + (token.map[0] if token.map else 0)
    if name is None:
        raise VariantError(
            f"A ':::' fence without a directive name ({token.info.strip()!r}): write "
            ":::{admonition} Title, :::{note}, ...",
            context.cell,
            line,
        )
    if name not in _DIRECTIVES or name in (SOLUTION_START, SOLUTION_END):
        where = " inside another block" if name in (SOLUTION_START, SOLUTION_END) else ""
        raise VariantError(
            f"Unknown directive {{{name}}}{where}: the variants cannot render it."
            + ("" if where else _closest(name, _DIRECTIVES)),
            context.cell,
            line,
        )
    argument = _directive_argument(token.info)
    options, raw_body, used = split_options(token.content, context.cell, line)
    body_line = line + 1 + used
    if name in _CODE_DIRECTIVES:
        return f"```{argument}\n{raw_body}\n```"
    if name == "math":
        return f"$$\n{raw_body}\n$$"
    body = _convert(raw_body, context, body_line)
    classes = _classes(options)
    if name in _GLUE_DIRECTIVES:
        key = argument.split(":", 1)[0].strip()
        note = f"*(`{key}`: computed above; the website shows it here.)*"
        return f"{note}\n\n{body}" if body else note
    if name == "exercise":
        # Numbered from 1 in each notebook, as the website numbers them (book/_ext).
        context.exercises += 1
        if options.get("label"):
            context.exercise_numbers[str(options["label"])] = context.exercises
        title = f"Exercise {context.exercises}{' (' + argument + ')' if argument else ''}"
        return _quote(_title_and_body(title, body))
    if name == "solution":
        return "" if context.mode == "users" else _quote(_title_and_body("Solution", body))
    if name == "toggle":
        return _details("Show", body)
    if name in _ADMONITIONS and _ADMONITIONS[name]:
        # {note} and its kind take no title: an argument is the first line of the body.
        title = _ADMONITIONS[name]
        if argument:
            body = _convert(argument, context, line) + ("\n\n" + body if body else "")
    else:
        title = argument or name.capitalize()
    if PRESENTER_CLASS in classes:
        return "" if context.mode == "users" else _quote(_title_and_body(f"🗣️ {title}", body))
    if QUESTION_CLASS in classes or name == "hint":
        question, answer = _question_and_answer(body)
        shown = _quote(_title_and_body(title, question))
        if context.mode == "users":
            return f"{shown}\n\n{_details('Answer', answer)}" if answer else shown
        marked = f"**{ANSWER_MARKER}** {answer}" if answer else ""
        return _quote(_title_and_body(title, "\n\n".join(p for p in (question, marked) if p)))
    if DROPDOWN_CLASS in classes and context.mode == "users":
        return _details(title, body)
    return _quote(_title_and_body(title, body))


@dataclass
class ExecutedRun:
    """What the book's executed run of a notebook drew, for the users notebook's figure checks.

    Attributes
    ----------
    figures : dict of int to list of str
        The PNG images (base64) each code cell showed, by the cell's index in the notebook.
    data : str
        The data the run used, in words ("the synthetic stand-in" or "the real recording").
    """

    figures: dict[int, list[str]]
    data: str


def executed_run(source: str | Path, cache: str | Path) -> ExecutedRun | None:
    """Read the book's executed run of a notebook from Jupyter Book's execution cache.

    Parameters
    ----------
    source : str or Path
        The notebook's MyST file.
    cache : str or Path
        The jupyter-cache folder (``_build/.jupyter_cache``, filled by ``make book``).

    Returns
    -------
    ExecutedRun or None
        The figures and the data of the newest cached run whose code is the notebook's code
        now; None when there is no cache or no such run (the notebook changed since).
    """
    from jupyter_cache import get_cache

    source, cache = Path(source).resolve(), Path(cache)
    if not cache.is_dir():
        return None
    notebook = jupytext.read(source)
    code_cells = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    code = [notebook.cells[i].source for i in code_cells]
    store = get_cache(cache)
    records = [r for r in store.list_cache_records() if Path(r.uri).resolve() == source]
    for record in sorted(records, key=lambda r: r.created, reverse=True):
        ran = [c for c in store.get_cache_bundle(record.pk).nb.cells if c.cell_type == "code"]
        if [cell.source for cell in ran] != code:
            continue
        figures: dict[int, list[str]] = {}
        texts = []
        for index, cell in zip(code_cells, ran, strict=True):
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if "image/png" in data:
                    figures.setdefault(index, []).append("".join(data["image/png"]).strip())
                # The data notice is shown as Markdown and HTML; its plain text is its repr.
                texts.append(str(output.get("text", "")))
                texts += [str(value) for key, value in data.items() if key.startswith("text/")]
        synthetic = any("SYNTHETIC DATA:" in text for text in texts)
        return ExecutedRun(figures, "the synthetic stand-in" if synthetic else "the real recording")
    return None


def _figure_check(images: Sequence[str], data: str) -> nbformat.NotebookNode:
    """Return a Markdown cell folding the figures a cell drew in the book's run."""
    shown = "\n\n".join(
        f'<img src="data:image/png;base64,{image}" alt="The figure of the cell above, as the '
        f'website drew it on {data}" style="max-width: 100%;">'
        for image in images
    )
    summary = f"Figure check: the figure of the cell above, as the website drew it on {data}"
    return _markdown_cell(_details(summary, shown))


class _Block(NamedTuple):
    kind: str  # heading, paragraph, list, directive or other
    text: str
    level: int = 0  # heading level
    raw: str = ""  # heading text as written (roles unconverted), to find section timings


def _convert_blocks(text: str, context: _Context, base: int = 0) -> list[_Block]:
    """Convert MyST markdown to plain Markdown blocks (``base``: line of ``text`` in the cell)."""
    lines = text.splitlines()
    blocks = []
    for first, tokens in _blocks(MYST_PARSER.parse(text)):
        if first.map is None:
            continue
        start, end = first.map
        if first.type in ("myst_target", "myst_line_comment", "myst_block_break", "front_matter"):
            continue
        if first.type in ("fence", "colon_fence") and (
            first.type == "colon_fence" or directive_name(first.info)
        ):
            rendered = _render_directive(first, context, base)
            if rendered:
                blocks.append(_Block("directive", rendered))
            continue
        for token in tokens[1:]:
            if token.type in ("fence", "colon_fence") and directive_name(token.info):
                raise VariantError(
                    f"The directive {{{directive_name(token.info)}}} sits inside a list or quote: "
                    "the variants render directives at the top level only.",
                    context.cell,
                    base + (token.map[0] if token.map else start),
                )
        block_lines = lines[start:end]
        _replace_roles(block_lines, tokens, start, context, base)
        converted = "\n".join(block_lines).rstrip()
        if first.type == "heading_open":
            blocks.append(
                _Block("heading", converted, int(first.tag[1:]), tokens[1].content.strip())
            )
        elif first.type == "paragraph_open":
            blocks.append(_Block("paragraph", converted))
        elif first.type in ("bullet_list_open", "ordered_list_open"):
            blocks.append(_Block("list", converted))
        else:
            blocks.append(_Block("other", converted))
    return blocks


def _convert(text: str, context: _Context, base: int = 0) -> str:
    return "\n\n".join(block.text for block in _convert_blocks(text, context, base))


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


# --------------------------------------------------------------------------------------------
# Cells: what participants write, and the names they are given


@dataclass
class _Unit:
    """One step of a notebook as the variants see it."""

    kind: str  # prose, kept, participant or solution
    index: int
    cell: nbformat.NotebookNode | None = None
    text: str = ""
    line: int = 0
    label: str = ""
    parts: list[tuple[str, Any, int, int]] = field(default_factory=list)


def _tags(cell: nbformat.NotebookNode) -> list[str]:
    return list(cell.metadata.get("tags", []))


def _units(notebook: nbformat.NotebookNode) -> Iterator[_Unit]:
    """Walk a notebook: prose, kept cells, participant cells and exercise solutions.

    Cells tagged ``remove-cell`` are skipped, except those that call ``glue`` (kind
    ``numbers``). A solution's parts are ``("code", cell, index, 0)``, ``("numbers", cell,
    index, 0)`` and ``("text", text, index, line)``.
    """
    solution: _Unit | None = None
    for index, cell in enumerate(notebook.cells):
        if REMOVE_TAG in _tags(cell) and not (cell.cell_type == "code" and _glues(cell.source)):
            continue
        if cell.cell_type == "code":
            if REMOVE_TAG in _tags(cell):
                kind = "numbers"
            else:
                kind = "kept" if KEEP_TAG in _tags(cell) else "participant"
            if solution is not None:
                solution.parts.append(("numbers" if kind == "numbers" else "code", cell, index, 0))
            else:
                yield _Unit(kind, index, cell=cell)
            continue
        if cell.cell_type != "markdown":
            continue
        for kind, text, line, argument in _split_at_solutions(cell.source):
            if kind == SOLUTION_START:
                if solution is not None:
                    raise VariantError(
                        "A {solution-start} opens before the previous one was closed: add the "
                        "missing {solution-end}.",
                        index,
                        line,
                    )
                solution = _Unit("solution", index, line=line, label=argument)
            elif kind == SOLUTION_END:
                if solution is None:
                    raise VariantError(
                        "A {solution-end} has no {solution-start} before it (misspelled?).",
                        index,
                        line,
                    )
                yield solution
                solution = None
            elif solution is not None:
                solution.parts.append(("text", text, index, line))
            else:
                yield _Unit("prose", index, text=text, line=line)
    if solution is not None:
        raise VariantError(
            "A {solution-start} is never closed by a {solution-end}.", solution.index, solution.line
        )


def _glues(source: str) -> bool:
    """Whether a cell's code calls ``glue``."""
    tree = _python(source)
    return tree is not None and any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "glue"
        for node in ast.walk(tree)
    )


def _python(source: str) -> ast.Module | None:
    """Parse a cell's code, IPython magics included (as IPython would run it)."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return None


_COMPOUND = (
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.If,
    ast.With,
    ast.AsyncWith,
    ast.Try,
    ast.TryStar,
    ast.Match,
)


def _outer_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Yield the nodes of a statement that run in its own scope (not in nested functions)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef):
            arguments = current.args
            children = [
                *current.decorator_list,
                *arguments.defaults,
                *[d for d in arguments.kw_defaults if d is not None],
            ]
        elif isinstance(current, ast.Lambda):
            children = [
                *current.args.defaults,
                *[d for d in current.args.kw_defaults if d is not None],
            ]
        elif isinstance(current, ast.ClassDef):
            children = [*current.decorator_list, *current.bases, *current.keywords]
        elif isinstance(current, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
            children = [current.generators[0].iter]
        else:
            children = list(ast.iter_child_nodes(current))
        stack.extend(reversed(children))


def _bound(node: ast.AST) -> set[str]:
    """Names a statement binds in its own scope."""
    names = set()
    for current in _outer_nodes(node):
        if isinstance(current, ast.Name) and isinstance(current.ctx, ast.Store | ast.Del):
            names.add(current.id)
        elif isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(current.name)
        elif isinstance(current, ast.alias):
            names.add(current.asname or current.name.split(".")[0])
        elif isinstance(current, ast.ExceptHandler) and current.name:
            names.add(current.name)
        elif isinstance(current, ast.MatchAs | ast.MatchStar) and current.name:
            names.add(current.name)
    return names


def _loaded(node: ast.AST) -> list[str]:
    names = []
    for current in _outer_nodes(node):
        if isinstance(current, ast.Name) and isinstance(current.ctx, ast.Load):
            names.append(current.id)
        elif isinstance(current, ast.AugAssign) and isinstance(current.target, ast.Name):
            names.append(current.target.id)
    return names


def _nested_globals(code: str) -> list[str]:
    """Global names that the functions, classes and comprehensions of a cell read."""
    names: list[str] = []

    def visit(table: symtable.SymbolTable) -> None:
        for child in table.get_children():
            for symbol in child.get_symbols():
                if symbol.is_global() and symbol.is_referenced() and not symbol.is_assigned():
                    names.append(symbol.get_name())
            visit(child)

    visit(symtable.symtable(code, "<cell>", "exec"))
    return names


def _missing_names(tree: ast.Module, given: set[str]) -> list[str]:
    """Names a cell reads before anything (``given`` or the cell itself) defined them."""
    known = set(given) | _PREDEFINED
    missing: list[str] = []
    for statement in tree.body:
        binds = _bound(statement)
        available = known | binds if isinstance(statement, _COMPOUND) else known
        missing += [n for n in _loaded(statement) if n not in available and n not in missing]
        known |= binds
    missing += [
        n for n in _nested_globals(ast.unparse(tree)) if n not in known and n not in missing
    ]
    return missing


def _code_names(text: str) -> set[str]:
    """Python names in a snippet (``lag_grid, kernels``; ``model.score(X, y)``)."""
    tree = None
    try:
        tree = ast.parse(text.strip())
    except SyntaxError:
        pass
    if tree is not None:
        return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | _bound(tree)
    names = set()
    try:
        for token in tokenize.generate_tokens(StringIO(text).readline):
            if token.type == tokenize.NAME:
                names.add(token.string)
    except (tokenize.TokenError, SyntaxError):
        pass
    return names


def _prompt_names(prompt: str) -> set[str]:
    """Names a prompt gives participants: the Python names in its backticks."""
    names = set()
    for token in MYST_PARSER.parse(prompt):
        for child in token.children or []:
            if child.type == "code_inline":
                names |= _code_names(child.content)
    return names


def _definitions(
    tree: ast.Module | None,
) -> list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]:
    if tree is None:
        return []
    kinds = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    return [node for node in tree.body if isinstance(node, kinds)]


def _signature(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> str:
    """Return a definition's signature and docstring (``...`` if it has no docstring)."""
    stub = copy.deepcopy(node)
    if ast.get_docstring(node, clean=False) is not None:
        stub.body = [node.body[0]]
    else:
        stub.body = [ast.Expr(ast.Constant(...))]
    return ast.unparse(stub)


def _comment(text: str, width: int = PROMPT_WIDTH) -> list[str]:
    """Wrap prose into ``# `` comment lines; blank lines and list items are kept."""
    lines: list[str] = []
    paragraph: list[str] = []
    indent = ""

    def flush() -> None:
        if paragraph:
            lines.extend(
                textwrap.wrap(
                    " ".join(paragraph),
                    width=width,
                    initial_indent="# ",
                    subsequent_indent="# " + indent,
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            )
            paragraph.clear()

    for raw in text.strip().splitlines():
        stripped = raw.strip()
        marker = stripped.split(" ", 1)[0]
        # A list item starts with "- ", "* " or a number followed by "." or ")" ("2. ..."),
        # not with a bare number ("0 elsewhere ...").
        item = stripped[:2] in ("- ", "* ") or (
            marker[-1:] in (".", ")") and marker[:-1].isdigit() and " " in stripped
        )
        if not stripped:
            flush()
            lines.append("#")
            indent = ""
        elif item:
            flush()
            paragraph.append(stripped)
            indent = " " * (len(stripped.split(" ", 1)[0]) + 1)
        else:
            paragraph.append(stripped)
    flush()
    return lines


def _assigned_names(tree: ast.Module | None) -> list[str]:
    names: list[str] = []
    for node in tree.body if tree is not None else []:
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for element in ast.walk(target):
                    if (
                        isinstance(element, ast.Name)
                        and element.id not in ("_", "fig")
                        and element.id not in names
                    ):
                        names.append(element.id)
    return names


def users_prompt(cell: nbformat.NotebookNode) -> str:
    """Return the comment that replaces a participant's code cell in the users notebook.

    Parameters
    ----------
    cell : nbformat.NotebookNode
        A code cell.

    Returns
    -------
    str
        The cell's ``prompt`` option wrapped into ``# `` comment lines, followed by the
        signature and docstring of each function or class the cell defines (commented out).
        A cell without a prompt (an authoring error, see :func:`check_prompts`) gets a
        stand-in naming the variables it assigns.
    """
    tree = _python(cell.source)
    definitions = _definitions(tree)
    prompt = str(cell.metadata.get(PROMPT_KEY, "")).strip()
    if prompt:
        lines = _comment(prompt)
    elif definitions and len(definitions) == len(tree.body):
        noun = "function" if len(definitions) == 1 else "functions"
        lines = [f"# Write the {noun} below: the docstring says what it does."]
    else:
        names = _assigned_names(tree)
        lines = _comment(
            "Your code here" + (": " + ", ".join(f"`{n}`" for n in names) if names else "")
        )
    for definition in definitions:
        lines.append("#")
        lines += [f"# {line}".rstrip() for line in _signature(definition).splitlines()]
    return "\n".join(lines)


def _prompt_problems(notebook: nbformat.NotebookNode) -> list[tuple[int, str]]:
    problems: list[tuple[int, str]] = []
    given: set[str] = set()
    for unit in _units(notebook):
        if unit.kind not in ("kept", "participant", "numbers"):
            continue
        cell = unit.cell
        tree = _python(cell.source)
        has_prompt = PROMPT_KEY in cell.metadata
        prompt = str(cell.metadata.get(PROMPT_KEY, "")).strip()
        if unit.kind == "numbers":
            # Kept in the variants to fill in the prose's numbers: it runs on what the
            # participant computed, so it may use only names given to them.
            for name in _missing_names(tree, given) if tree is not None else ():
                problems.append(
                    (
                        unit.index,
                        f"cell that glues numbers uses `{name}`, which no earlier kept cell "
                        "defines and no earlier prompt names in backticks: name it in the "
                        "prompt of the cell that computes it.",
                    )
                )
            given |= _bound(tree) if tree is not None else set()
            continue
        if unit.kind == "kept":
            if has_prompt:
                problems.append(
                    (
                        unit.index,
                        f"is tagged {KEEP_TAG} but has a prompt, which "
                        "participants never see: remove one of the two.",
                    )
                )
            if tree is None:
                problems.append((unit.index, "kept cell is not valid Python."))
                continue
            for name in _missing_names(tree, given):
                problems.append(
                    (
                        unit.index,
                        f"kept cell uses `{name}`, which no earlier kept cell defines and no "
                        "earlier prompt names in backticks: name it in the prompt of the cell "
                        "that computes it.",
                    )
                )
            given |= _bound(tree)
            continue
        definitions = _definitions(tree)
        only_definitions = bool(definitions) and len(definitions) == len(tree.body)
        if has_prompt and not prompt:
            problems.append((unit.index, "has an empty prompt."))
        elif prompt and CHECK_MARKER not in prompt:
            problems.append(
                (
                    unit.index,
                    f"prompt has no '{CHECK_MARKER}' line: end it with what the participant can "
                    "compare their result with (a shape, a value, what a figure shows).",
                )
            )
        elif not prompt and not only_definitions:
            problems.append(
                (
                    unit.index,
                    "participant cell has no `prompt` option: write one saying what to compute "
                    "and with which API, with the names later cells use in backticks.",
                )
            )
        if not prompt:
            for definition in definitions:
                if ast.get_docstring(definition) is None:
                    problems.append(
                        (
                            unit.index,
                            f"`{definition.name}` has no docstring, and participants see only its "
                            "signature: add a docstring or a prompt.",
                        )
                    )
        # What the prompt gives: its backticked names, and the functions the cell defines.
        given |= _prompt_names(prompt) | {definition.name for definition in definitions}
    return problems


def check_prompts(notebook: nbformat.NotebookNode) -> list[str]:
    """Return the authoring problems of a notebook's prompts, one message per problem.

    Reports every participant cell (not tagged ``users-keep`` or ``remove-cell``, not in a
    solution) without a hand-written ``prompt`` (a cell that only defines documented functions
    needs none), and every kept cell that uses a name no earlier kept cell or prompt gave the
    participants.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        The full notebook, e.g. read with ``jupytext.read``.

    Returns
    -------
    list of str
        ``"cell N: ..."`` messages (N counts every cell from 1), empty if all is well.

    Raises
    ------
    VariantError
        If the solution directives are not properly paired.
    """
    return [f"cell {index + 1}: {message}" for index, message in _prompt_problems(notebook)]


# --------------------------------------------------------------------------------------------
# The two variants


def _as_ipynb(
    notebook: nbformat.NotebookNode, cells: list[nbformat.NotebookNode]
) -> nbformat.NotebookNode:
    """Return a clean nbformat-4 notebook: no outputs, no jupytext header, valid."""
    result = nbformat.v4.new_notebook()
    result.metadata = {
        key: copy.deepcopy(value)
        for key, value in notebook.metadata.items()
        if key in ("kernelspec", "language_info")
    }
    result.cells = cells
    nbformat.validate(result)
    return result


def _markdown_cell(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(text)


def _code_cell(source: str, metadata: Mapping[str, Any] | None = None) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(source, metadata=copy.deepcopy(dict(metadata or {})))


def _links_for(source: str | Path | None) -> _Links | None:
    root = None if source is None else _book_root(Path(source))
    return None if root is None else _Links.of(Path(source), root)


def _quotes_numbers(text: str) -> bool:
    from workshop_utils.runtime import GLUE_ROLE

    return GLUE_ROLE.search(text) is not None


def _numbers_cell(text: str, cell: int) -> nbformat.NotebookNode:
    """Return a folded code cell that shows a passage with the numbers the kernel glued."""
    if '"""' in text or text.endswith("\\"):
        raise VariantError(
            'A passage that quotes glued numbers contains """ or ends with a backslash, which '
            "the variants cannot put in a Python string: rephrase it.",
            cell,
        )
    source = (
        f"from workshop_utils.runtime import {_NUMBERS_FUNCTION}\n\n"
        f'{_NUMBERS_FUNCTION}(\n    r"""\n{text}\n"""\n)'
    )
    return _code_cell(source, _FOLDED)


def _prose_cells(texts: Sequence[str], cell: int) -> list[nbformat.NotebookNode]:
    """Markdown cells for converted prose; a passage quoting glued numbers gets its own cell."""
    cells: list[nbformat.NotebookNode] = []
    plain: list[str] = []
    for text in texts:
        if not text:
            continue
        if _quotes_numbers(text):
            if plain:
                cells.append(_markdown_cell("\n\n".join(plain)))
                plain = []
            cells.append(_numbers_cell(text, cell))
        else:
            plain.append(text)
    if plain:
        cells.append(_markdown_cell("\n\n".join(plain)))
    return cells


def _glue_cell(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return the variants' copy of a cell that glues numbers: its code folded, kept."""
    metadata = {key: value for key, value in cell.metadata.items() if key != "tags"}
    return _code_cell(cell.source, {**metadata, **_FOLDED})


def make_users_notebook(
    notebook: nbformat.NotebookNode,
    source: str | Path | None = None,
    *,
    fill_blanks: bool = False,
    executed: ExecutedRun | None = None,
) -> nbformat.NotebookNode:
    """Return the participants' version of a full notebook.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        The full notebook, e.g. read with ``jupytext.read``.
    source : str or Path, optional
        The notebook's file in the book, to turn ``{doc}`` and ``{download}`` roles into links
        to the website. Needed only if the notebook has such roles.
    fill_blanks : bool
        Put the full notebook's code under each prompt, as a participant who followed the
        prompts would have typed it (the solutions' cells, joined, under each exercise's empty
        cell). Used to test that the users notebook runs once filled in.
    executed : ExecutedRun, optional
        The book's executed run of the notebook (:func:`executed_run`): each cell that drew a
        figure there is followed by a folded figure check. None: no figure checks.

    Returns
    -------
    nbformat.NotebookNode
        A valid notebook: all prose in plain Markdown (answers of "What do you see?" folded,
        talking points and solutions removed), the code of cells tagged ``users-keep``, an
        empty prompted cell in place of every other code cell, and one empty cell in place of
        each exercise solution. Cells tagged ``remove-cell`` are left out, except those that
        glue numbers (kept, folded); passages quoting glued numbers are folded code cells that
        show them with the kernel's numbers.

    Raises
    ------
    VariantError
        If a solution is not properly delimited, or a directive or role cannot be rendered.
    """
    context = _Context("users", _links_for(source))
    cells = []
    for unit in _units(notebook):
        if unit.kind == "prose":
            context.cell = unit.index
            blocks = _convert_blocks(unit.text, context, unit.line)
            cells.extend(_prose_cells([block.text for block in blocks], unit.index))
        elif unit.kind == "numbers":
            cells.append(_glue_cell(unit.cell))
        elif unit.kind == "kept":
            cells.append(_code_cell(unit.cell.source, unit.cell.metadata))
        elif unit.kind == "participant":
            prompt = users_prompt(unit.cell)
            cells.append(_code_cell(f"{prompt}\n{unit.cell.source}" if fill_blanks else prompt))
        else:
            code = "\n\n".join(part[1].source for part in unit.parts if part[0] == "code")
            cells.append(
                _code_cell(f"{SOLUTION_PROMPT}\n{code}" if fill_blanks else SOLUTION_PROMPT)
            )
        if unit.kind in ("kept", "participant") and executed and unit.index in executed.figures:
            cells.append(_figure_check(executed.figures[unit.index], executed.data))
    return _as_ipynb(notebook, cells)


def _terse(blocks: list[_Block], times: Mapping[str, float]) -> list[str]:
    """Shrink a cell's prose for the presenter, as a list of Markdown passages.

    Keeps headings (with their section's compute time), the first sentence after each heading,
    every paragraph that quotes glued numbers (its verdict is the point), and every list,
    admonition, math block and table.
    """
    lines: list[str] = []
    bulleted = False
    for block in blocks:
        if block.kind == "heading":
            lines.append(block.text)
            if block.level == 2 and block.raw in times:
                lines.append(
                    f"*Compute time of this section: {times[block.raw]:.1f} s "
                    "(measured by `make bench`).*"
                )
            bulleted = False
        elif block.kind == "paragraph" and _quotes_numbers(block.text):
            lines.append(block.text)
            bulleted = True
        elif block.kind == "paragraph":
            if not bulleted:
                lines.append(f"- {_first_sentence(block.text)}")
                bulleted = True
        else:
            lines.append(block.text)
    return lines


def make_presenters_notebook(
    notebook: nbformat.NotebookNode,
    source: str | Path | None = None,
    *,
    section_seconds: Mapping[str, float] | None = None,
) -> nbformat.NotebookNode:
    """Return the presenter's version of a full notebook.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        The full notebook.
    source : str or Path, optional
        The notebook's file in the book, to turn ``{doc}`` and ``{download}`` roles into links.
    section_seconds : mapping of str to float, optional
        Compute time of each section, by its level-2 heading (see :func:`section_times`);
        shown under the heading. Sections not in it show none.

    Returns
    -------
    nbformat.NotebookNode
        A valid notebook with every code cell (solutions included) and, for prose, headings,
        every admonition (questions with answers, caveats, talking points), every list and
        math block, every paragraph quoting glued numbers (as a folded cell that shows it with
        the kernel's numbers), and the first sentence of the other prose. Cells tagged
        ``remove-cell`` are left out, except those that glue numbers (kept, folded).

    Raises
    ------
    VariantError
        If a solution is not properly delimited, or a directive or role cannot be rendered.
    """
    context = _Context("presenters", _links_for(source))
    times = dict(section_seconds or {})
    cells = []
    for unit in _units(notebook):
        if unit.kind == "prose":
            context.cell = unit.index
            passages = _terse(_convert_blocks(unit.text, context, unit.line), times)
            cells.extend(_prose_cells(passages, unit.index))
        elif unit.kind == "numbers":
            cells.append(_glue_cell(unit.cell))
        elif unit.kind in ("kept", "participant"):
            cells.append(_code_cell(unit.cell.source, unit.cell.metadata))
        else:
            number = context.exercise_numbers.get(unit.label)
            if number is not None:
                title = f"Solution of exercise {number}"
            else:
                title = "Solution" + (f" (`{unit.label}`)" if unit.label else "")
            cells.append(_markdown_cell(f"> **{title}**"))
            for kind, content, index, line in unit.parts:
                if kind == "code":
                    cells.append(_code_cell(content.source, content.metadata))
                elif kind == "numbers":
                    cells.append(_glue_cell(content))
                else:
                    context.cell = index
                    blocks = _convert_blocks(content, context, line)
                    cells.extend(_prose_cells([block.text for block in blocks], index))
    return _as_ipynb(notebook, cells)


def section_times(results: str | Path | None, notebook: str) -> dict[str, float]:
    """Return the compute time of each section of a notebook, as measured by ``make bench``.

    Parameters
    ----------
    results : str or Path or None
        ``benchmarks/results.json``, which holds
        ``{"sections": {"<notebook>": {"<section heading>": seconds}}}``.
    notebook : str
        The notebook's name (its file name without extension).

    Returns
    -------
    dict of str to float
        Seconds by section heading; empty if ``results`` is None or the file or the notebook
        is missing.

    Raises
    ------
    ValueError
        If the file is not valid JSON.
    """
    if results is None or not Path(results).is_file():
        return {}
    path = Path(results)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON ({error}): rerun `make bench`.") from error
    sections = (data.get("sections") or {}).get(notebook) or {}
    return {str(name): float(seconds) for name, seconds in sections.items()}


def _cell_lines(text: str, notebook: nbformat.NotebookNode) -> list[int]:
    """Return the first line (1-based) of each cell's source in its MyST file.

    A MyST notebook holds every cell's source verbatim, in order, so each is found after the
    previous one.
    """
    lines, cursor = [], 0
    for cell in notebook.cells:
        position = text.find(cell.source, cursor) if cell.source else cursor
        if position < 0:
            position = cursor
        lines.append(text.count("\n", 0, position) + 1)
        cursor = position + len(cell.source)
    return lines


def read_notebook(source: Path) -> tuple[nbformat.NotebookNode, list[int]]:
    """Read a notebook and where its cells start; bad cell options become a VariantError."""
    try:
        notebook = jupytext.read(source)
    except UnicodeDecodeError as error:
        line = source.read_bytes()[: error.start].count(b"\n") + 1
        raise VariantError(
            f"{source}:{line}: not UTF-8 text (byte {error.object[error.start]:#04x}): save "
            "the file as UTF-8 (most editors offer it under 'Save with encoding')."
        ) from error
    except jupytext.myst.MystMetadataParsingError as error:
        # jupytext's message reads "Code cell N at line L could not be read: Invalid YAML; ..."
        # then PyYAML's position and the offending line.
        first, *details = str(error).splitlines()
        message = " ".join([first, *(f"near {d.strip()!r}" for d in details[1:2])])
        words = first.split()
        line = next(
            (
                int(w)
                for a, b, w in zip(words, words[1:], words[2:], strict=False)
                if (a, b) == ("at", "line") and w.isdigit()
            ),
            None,
        )
        hint = (
            ". Quote a one-line value that contains ': ' or '#' or starts with a backtick, "
            "or write it as a YAML block (---, prompt: |, the indented text, ---)."
        )
        where = f"{source}:{line}" if line else f"{source}"
        raise VariantError(f"{where}: invalid cell options: {message}{hint}") from error
    if not notebook.cells:
        raise VariantError(f"{source}: the notebook has no cells, so there is nothing to write.")
    if source.suffix == ".md":
        text = source.read_text(encoding="utf-8")
        _check_fences(text, source)
        return notebook, _cell_lines(text, notebook)
    return notebook, []


def _check_fences(text: str, source: Path) -> None:
    """Stop at a code fence that is never closed: the cell would swallow the text after it.

    A fence opens with three or more backticks and closes with a line of at least as many
    backticks and nothing else; a code cell that starts inside an open fence, or a fence still
    open at the end, is an error naming the line where the unclosed fence opens.
    """
    opened_at, ticks = 0, 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        run = len(stripped) - len(stripped.lstrip("`"))
        if not ticks:
            if run >= 3:
                opened_at, ticks = number, run
        elif run >= ticks and stripped == "`" * run:
            ticks = 0
        elif stripped.startswith("```{code-cell}"):
            break
    else:
        if not ticks:
            return
    raise VariantError(
        f"{source}:{opened_at}: this fence is never closed: add a line of "
        f"{'`' * ticks} after its last line (everything after it would be swallowed)."
    )


def write_variants(
    source: str | Path,
    output: str | Path,
    *,
    results: str | Path | None = None,
    executed: ExecutedRun | None = None,
) -> dict[str, Path]:
    """Write the users and presenters notebooks of one notebook.

    Parameters
    ----------
    source : str or Path
        The full notebook (``.md`` in MyST format, or ``.ipynb``), inside the book.
    output : str or Path
        Folder to write into (created if needed). Files are replaced atomically; a symbolic
        link in the way is replaced, never written through; a notebook someone edited since
        it was written is left as it is (see :mod:`tools.generated`).
    results : str or Path, optional
        ``make bench``'s results, for the presenter's compute times (default:
        ``benchmarks/results.json`` in the book's folder; nothing is shown if it is missing).
    executed : ExecutedRun, optional
        The book's executed run of the notebook (:func:`executed_run`), for the users
        notebook's figure checks. None: no figure checks.

    Returns
    -------
    dict of str to Path
        ``{"users": path, "presenters": path}``.

    Raises
    ------
    FileNotFoundError
        If ``source`` does not exist.
    VariantError
        If the notebook has an authoring error (the message names the file and line).
    EditedNotebookError
        If a variant already there was edited (it is left as it is; the other is written).
    """
    source = Path(source)
    if not source.is_file():
        raise FileNotFoundError(f"No notebook at {source}.")
    notebook, cell_lines = read_notebook(source)
    if results is None:
        results = default_results(source)
    try:
        variants = {
            "users": make_users_notebook(notebook, source, executed=executed),
            "presenters": make_presenters_notebook(
                notebook, source, section_seconds=section_times(results, source.stem)
            ),
        }
    except VariantError as error:
        raise VariantError(error.located(source, cell_lines)) from error
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    written, edited = {}, []
    for kind, variant in variants.items():
        path = output / f"{source.stem}_{kind}.ipynb"
        try:
            written[kind] = write_generated(variant, path, "make variants")
        except EditedNotebookError as error:
            edited.append(error)
    if edited:
        raise edited[0]
    return written


# --------------------------------------------------------------------------------------------
# Command line


def main(argv: list[str] | None = None) -> int:
    """Write the variants of the notebooks named on the command line.

    Each notebook is converted on its own: an error in one is reported (file and line) and the
    others are still written. Missing prompts are printed as warnings.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 if any notebook could not be converted.
    """
    parser = argparse.ArgumentParser(
        prog="python -m tools.variants",
        description="Write the users and presenters versions of workshop notebooks.",
    )
    parser.add_argument(
        "notebooks", nargs="+", help="MyST markdown notebooks, or folders holding them"
    )
    parser.add_argument("--output", default="variants", help="folder to write into")
    parser.add_argument("--results", help="make bench's results.json (compute times)")
    parser.add_argument(
        "--executed",
        help="the book's execution cache (_build/.jupyter_cache), for the figure checks",
    )
    args = parser.parse_args(argv)
    # A folder stands for its notebooks (PowerShell does not expand notebooks\*.md for Python).
    sources = [
        str(path)
        for name in args.notebooks
        for path in (sorted(Path(name).glob("*.md")) if Path(name).is_dir() else [Path(name)])
    ]
    status = 0
    for source in sources:
        try:
            run = executed_run(source, args.executed) if args.executed else None
            written = write_variants(source, args.output, results=args.results, executed=run)
            if args.executed and run is None:
                print(
                    f"warning: {source}: no figure checks in its users notebook: the book's "
                    f"execution cache ({args.executed}) has no run of its current code; run "
                    "`make book`, which executes the notebooks and then writes the variants.",
                    file=sys.stderr,
                )
            notebook, cell_lines = read_notebook(Path(source))
            for index, message in _prompt_problems(notebook):
                warning = VariantError(f"warning: {message}", index)
                print(warning.located(source, cell_lines), file=sys.stderr)
        except (OSError, ValueError, EditedNotebookError) as error:
            print(f"error: {error}", file=sys.stderr)
            status = 1
            continue
        for kind, path in written.items():
            print(f"{kind:>10}: {path}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
