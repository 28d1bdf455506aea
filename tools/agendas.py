"""Workshop agendas: the hand-written plans of ``book/agendas.yml``, checked and tabulated.

``book/agendas.yml`` holds the plans of a live workshop (which sections, how many teaching
minutes, which exercises live or as homework, breaks). :func:`write_agenda_page` checks them
against the notebooks and writes their tables, with compute times from ``make bench``, into
``book/agendas.md``, which the instructors page includes.

Run ``python -m tools.agendas book/agendas.yml notebooks/*.md`` (part of ``make variants``).
"""

from __future__ import annotations

import argparse
import ast
import difflib
import io
import os
import re
import sys
import tokenize
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from tools.variants import (
    MYST_PARSER,
    SOLUTION_PROMPT,
    default_results,
    directive_name,
    make_users_notebook,
    read_notebook,
    section_times,
    split_options,
)

__all__ = [
    "READING_WORDS_PER_MINUTE",
    "TYPING_CHARACTERS_PER_MINUTE",
    "NotebookOutline",
    "SectionEffort",
    "section_efforts",
    "agenda_markdown",
    "check_agendas",
    "notebook_outline",
    "write_agenda_page",
]


class NotebookOutline(NamedTuple):
    """The level-2 sections of a notebook and the section of each exercise."""

    sections: list[str]
    exercises: dict[str, str]


def notebook_outline(source: str | Path) -> NotebookOutline:
    """Return a notebook's section headings and exercises.

    Parameters
    ----------
    source : str or Path
        A MyST notebook.

    Returns
    -------
    NotebookOutline
        The level-2 headings in order (as written: the names ``make bench`` times them by),
        and ``{exercise label: heading of its section}``.

    Raises
    ------
    VariantError
        If a cell's options are not valid YAML (the message names the file and line).
    """
    notebook, _ = read_notebook(Path(source))
    sections, exercises = [], {}
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        tokens = MYST_PARSER.parse(cell.source)
        for index, token in enumerate(tokens):
            if token.level != 0:
                continue
            if token.type == "heading_open" and token.tag == "h2":
                sections.append(tokens[index + 1].content.strip())
            elif (
                token.type in ("fence", "colon_fence") and directive_name(token.info) == "exercise"
            ):
                options, _, _ = split_options(token.content, 0, 0)
                if "label" in options:
                    exercises[str(options["label"])] = sections[-1] if sections else ""
    return NotebookOutline(sections, exercises)


# How fast a participant reads and types, to turn a notebook's text into teaching minutes.
READING_WORDS_PER_MINUTE = 200
"""Reading technical prose: below the 238 words per minute of silent reading of non-fiction
(Brysbaert 2019, Journal of Memory and Language 109:104047), as text with equations and
numbers is read more slowly."""
TYPING_CHARACTERS_PER_MINUTE = 100
"""Typing code from a prompt: about 20 words per minute, half the speed at which adults copy
prose (Dhakal et al. 2018, CHI '18, 52 words per minute on average), since code is full of
symbols and the prompt is read while typing. Indentation, comments and the docstrings the
prompt gives are not counted."""

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")
_DETAILS = re.compile(r"<details>.*?</details>", re.DOTALL)
_ADDRESS = re.compile(r"\]\([^)]*\)")  # a link's address is not read


class SectionEffort(NamedTuple):
    """What a participant reads and types in one section of a users notebook."""

    words: int  # prose and prompts read (folded answers and figure checks excepted)
    characters: int  # code typed under the prompts
    exercise_characters: dict[str, int]  # code of each exercise's solution, by label

    def minutes(self, live: Sequence[str] = ()) -> float:
        """Teaching minutes: reading and typing, with the solutions of the ``live`` exercises."""
        typed = self.characters + sum(self.exercise_characters.get(label, 0) for label in live)
        return self.words / READING_WORDS_PER_MINUTE + typed / TYPING_CHARACTERS_PER_MINUTE


def _typed_characters(code: str) -> int:
    """Characters a participant types for some code: no indentation, comments or docstrings."""
    try:
        tree = ast.parse(code)
    except SyntaxError:  # IPython syntax: count it as it is
        tree = None
    given = set()
    for node in ast.walk(tree) if tree is not None else ():
        body = getattr(node, "body", None)
        if (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module))
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            given.update(range(body[0].lineno, body[0].end_lineno + 1))
    comments = {}  # line number -> column where its comment starts
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type == tokenize.COMMENT:
                comments[token.start[0]] = token.start[1]
    except (tokenize.TokenError, SyntaxError):
        pass
    typed = []
    for number, line in enumerate(code.splitlines(), start=1):
        text = line[: comments.get(number, len(line))].strip()
        if number not in given and text:
            typed.append(text)
    return len(" ".join(typed))


def _words(text: str) -> int:
    return len(_WORD.findall(_ADDRESS.sub("]", _DETAILS.sub("", text))))


def section_efforts(source: str | Path) -> dict[str, SectionEffort]:
    """Measure what a participant reads and types in each section of a notebook.

    The users notebook is what participants read (its prose, the prompts, the passages with
    numbers); what they type is the full notebook's code under each prompt, and the solution
    of an exercise done in the room.

    Parameters
    ----------
    source : str or Path
        A MyST notebook of the book.

    Returns
    -------
    dict of str to SectionEffort
        By level-2 heading, in order ("Setup" for what comes before the first one).
    """
    source = Path(source)
    notebook, _ = read_notebook(source)
    users = make_users_notebook(notebook, source)
    filled = make_users_notebook(notebook, source, fill_blanks=True)
    outline = notebook_outline(source)
    solutions = iter(outline.exercises)  # the exercises' labels, in order
    words: dict[str, int] = {}
    characters: dict[str, int] = {}
    exercises: dict[str, dict[str, int]] = {}
    section = "Setup"
    for blank, cell in zip(users.cells, filled.cells, strict=True):
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("## "):
                    section = line[3:].strip()
                words[section] = words.get(section, 0) + _words(line)
            continue
        if "show_text_with_numbers(" in cell.source:
            passage = cell.source.split('r"""', 1)[-1].rsplit('"""', 1)[0]
            words[section] = words.get(section, 0) + _words(passage)
            continue
        if cell.source == blank.source:  # kept code: run, not typed
            continue
        code = cell.source[len(blank.source) :]
        if blank.source == SOLUTION_PROMPT:
            label = next(solutions, "")
            exercises.setdefault(section, {})[label] = _typed_characters(code)
            continue
        words[section] = words.get(section, 0) + _words(blank.source)
        characters[section] = characters.get(section, 0) + _typed_characters(code)
    return {
        name: SectionEffort(words.get(name, 0), characters.get(name, 0), exercises.get(name, {}))
        for name in dict.fromkeys([*words, *characters, *exercises])
    }


TIME_TO_LEARN = re.compile(r"\*\*Time to learn:\*\* about (\d+) minutes")
"""How a notebook states its teaching time (in its introduction)."""
TIME_TOLERANCE = 0.15
"""How far a stated time may be from the measured one (a fraction of the measure)."""


def notebook_minutes(efforts: Mapping[str, SectionEffort]) -> float:
    """Return a notebook's teaching minutes: reading and typing, exercises not included."""
    return sum(effort.minutes() for effort in efforts.values())


def check_times_to_learn(
    sources: Sequence[str | Path],
    efforts: Mapping[str, Mapping[str, SectionEffort]] | None = None,
) -> list[str]:
    """Return the notebooks whose stated "Time to learn" is not what participants need.

    Parameters
    ----------
    sources : sequence of str or Path
        MyST notebooks, each stating ``**Time to learn:** about N minutes``.
    efforts : mapping, optional
        Their :func:`section_efforts`, by notebook name, when already measured.

    Returns
    -------
    list of str
        One message per notebook without the statement, or whose N is more than
        :data:`TIME_TOLERANCE` away from the measure of :func:`section_efforts`.
    """
    problems = []
    for source in map(Path, sources):
        stated = TIME_TO_LEARN.search(source.read_text(encoding="utf-8"))
        measured = notebook_minutes(
            efforts[source.stem] if efforts and source.stem in efforts else section_efforts(source)
        )
        if stated is None:
            problems.append(f"{source}: no '**Time to learn:** about N minutes' statement.")
        elif abs(int(stated[1]) - measured) > TIME_TOLERANCE * measured:
            problems.append(
                f"{source}: states {stated[1]} minutes to learn, but reading its prose and typing "
                f"its code take about {measured:.0f} minutes (exercises not included): state "
                f"about {5 * round(measured / 5)} minutes, or shorten the notebook."
            )
    return problems


def block_minutes(block: Mapping[str, Any], efforts: Mapping[str, SectionEffort]) -> float:
    """Return the minutes participants need for a plan's block.

    Reading and typing its sections, live exercises included; reading only for a block the
    presenter shows from the presenters notebook (``shown: true``).
    """
    minutes = 0.0
    for section in block.get("sections") or []:
        effort = efforts.get(section)
        if effort is None:
            continue
        if block.get("shown"):
            minutes += effort.words / READING_WORDS_PER_MINUTE
        else:
            minutes += effort.minutes(live=block.get("live") or ())
    return minutes


def _plans(agendas: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    plans = agendas.get("plans") if isinstance(agendas, Mapping) else None
    if not isinstance(plans, list) or not plans:
        raise ValueError("The agendas file needs a `plans:` list (see book/agendas.yml).")
    return plans


def check_agendas(
    agendas: Mapping[str, Any],
    outlines: Mapping[str, NotebookOutline],
    efforts: Mapping[str, Mapping[str, SectionEffort]] | None = None,
) -> list[str]:
    """Return the problems of workshop plans, checked against the notebooks.

    Each plan's teaching minutes and breaks must add up to its stated length; every notebook,
    section and exercise named must exist, each exercise in one of its block's sections, and
    no section may be taught twice in a plan. With ``efforts``, no block may plan fewer
    minutes than its participants need (:func:`block_minutes`, less :data:`TIME_TOLERANCE`).

    Parameters
    ----------
    agendas : mapping
        The agendas file's content (``{"plans": [...]}``, see ``book/agendas.yml``).
    outlines : mapping of str to NotebookOutline
        The outline of each notebook, by name (see :func:`notebook_outline`).
    efforts : mapping, optional
        What participants read and type, by notebook and section (:func:`section_efforts`).

    Returns
    -------
    list of str
        One message per problem, naming the plan; empty if all is well.
    """
    problems = []
    for number, plan in enumerate(_plans(agendas), start=1):
        name = plan.get("title", f"plan {number}")
        blocks = plan.get("blocks") or []
        if not blocks:
            problems.append(f"{name}: no blocks.")
        total, taught = 0, set()
        for block in blocks:
            if "break" in block:
                total += int(block["break"])
                continue
            notebook = block.get("notebook")
            total += int(block.get("minutes", 0))
            if not block.get("minutes"):
                problems.append(f"{name}: a block of {notebook} has no teaching `minutes`.")
            if notebook not in outlines:
                problems.append(
                    f"{name}: no notebook named {notebook!r} "
                    f"(known: {', '.join(sorted(outlines))})."
                )
                continue
            outline = outlines[notebook]
            sections = list(block.get("sections") or [])
            for section in sections:
                if section not in outline.sections:
                    problems.append(
                        f"{name}: {notebook} has no section {section!r}"
                        + (
                            f" (did you mean {close[0]!r}?)"
                            if (close := difflib.get_close_matches(section, outline.sections, 1))
                            else ""
                        )
                    )
                elif (notebook, section) in taught:
                    problems.append(f"{name}: {notebook} / {section!r} is taught twice.")
                taught.add((notebook, section))
            for kind in ("live", "homework"):
                for label in block.get(kind) or []:
                    if label not in outline.exercises:
                        problems.append(f"{name}: {notebook} has no exercise {label!r}.")
                    elif outline.exercises[label] not in sections:
                        problems.append(
                            f"{name}: exercise {label!r} is in section "
                            f"{outline.exercises[label]!r}, which this block does not teach."
                        )
            if efforts is not None and notebook in efforts and block.get("minutes"):
                needed = block_minutes(block, efforts[notebook])
                if int(block["minutes"]) < (1 - TIME_TOLERANCE) * needed:
                    how = "read along" if block.get("shown") else "read and type"
                    problems.append(
                        f"{name}: the block {notebook} / {', '.join(sections)} plans "
                        f"{block['minutes']} min, but participants need about {needed:.0f} min "
                        f"to {how} it: plan more time, show it from the presenters notebook "
                        "(shown: true), or leave an exercise as homework."
                    )
        length = plan.get("minutes")
        if total != length:
            problems.append(
                f"{name}: teaching and breaks add up to {total} min, not the stated {length} min."
            )
    return problems


def _clock(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def _table_text(text: str) -> str:
    """Text for a Markdown table cell (a ``|`` would end the cell)."""
    return text.replace("|", "\\|")


def _exercise_link(label: str) -> str:
    return f"{{ref}}`{label.removeprefix('exercise-').replace('-', ' ')} <{label}>`"


def agenda_markdown(
    agendas: Mapping[str, Any],
    outlines: Mapping[str, NotebookOutline],
    seconds: Mapping[str, Mapping[str, float]],
    *,
    notebook_folder: str = "../notebooks",
    efforts: Mapping[str, Mapping[str, SectionEffort]] | None = None,
) -> str:
    """Return the agenda tables of every plan, as MyST markdown for the instructors page.

    Parameters
    ----------
    agendas : mapping
        The agendas file's content (see ``book/agendas.yml``).
    outlines : mapping of str to NotebookOutline
        The outline of each notebook, by name.
    seconds : mapping of str to mapping of str to float
        Compute time of each section, by notebook and section heading (``make bench``); a block
        shows its compute time only if all its sections were measured.
    notebook_folder : str
        Where the notebooks are, relative to the page that includes the agenda.
    efforts : mapping, optional
        What participants read and type, by notebook and section (:func:`section_efforts`):
        checked against the plans, and shown beside each block's teaching minutes.

    Returns
    -------
    str
        One heading, description and table per plan.

    Raises
    ------
    ValueError
        If :func:`check_agendas` finds a problem.
    """
    problems = check_agendas(agendas, outlines, efforts)
    if problems:
        raise ValueError("The agendas do not fit the notebooks:\n  " + "\n  ".join(problems))
    parts = []
    for plan in _plans(agendas):
        rows = [
            "| start | notebook | sections | teaching | reading and typing | compute | exercises |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        clock, compute_total, measured = 0, 0.0, True
        for block in plan["blocks"]:
            if "break" in block:
                rows.append(f"| {_clock(clock)} | *break* | | {block['break']} min | | | |")
                clock += int(block["break"])
                continue
            notebook = block["notebook"]
            times = seconds.get(notebook, {})
            sections = list(block["sections"])
            compute = ""
            if sections and all(section in times for section in sections):
                block_seconds = sum(times[section] for section in sections)
                compute_total += block_seconds
                compute = f"{block_seconds:.0f} s"
            else:
                measured = False
            exercises = "; ".join(
                f"{kind}: " + ", ".join(_exercise_link(label) for label in block[kind])
                for kind in ("live", "homework")
                if block.get(kind)
            )
            listed = "; ".join(_table_text(section) for section in sections)
            needed = ""
            if efforts is not None and notebook in efforts:
                needed = f"{block_minutes(block, efforts[notebook]):.0f} min"
                needed += " (shown)" if block.get("shown") else ""
            rows.append(
                f"| {_clock(clock)} | {{doc}}`{notebook} <{notebook_folder}/{notebook}>` | "
                f"{listed} | {block['minutes']} min | {needed} | {compute} | {exercises} |"
            )
            clock += int(block["minutes"])
        total = f"{compute_total:.0f} s" if measured else ""
        rows.append(f"| {_clock(clock)} | **end** | | **{plan['minutes']} min** | | {total} | |")
        description = str(plan.get("description", "")).strip()
        parts.append(
            f"### {plan['title']} ({plan['minutes']} min)\n\n"
            + (f"{description}\n\n" if description else "")
            + "\n".join(rows)
        )
    return "\n\n".join(parts)


def write_agenda_page(
    agendas: str | Path,
    notebooks: Sequence[str | Path],
    output: str | Path | None = None,
    *,
    results: str | Path | None = None,
) -> Path:
    """Check the workshop plans and write their tables into a page of the book.

    Parameters
    ----------
    agendas : str or Path
        The hand-written plans (``book/agendas.yml``).
    notebooks : sequence of str or Path
        The MyST notebooks the plans may use.
    output : str or Path, optional
        The page to write (default: ``agendas`` with the suffix ``.md``), included by the
        instructors page.
    results : str or Path, optional
        ``make bench``'s results (default: ``benchmarks/results.json`` in the book's folder).

    Returns
    -------
    Path
        The page written.

    Raises
    ------
    ValueError
        If a plan does not fit the notebooks, or its times do not add up.
    """
    agendas = Path(agendas)
    output = Path(output) if output is not None else agendas.with_suffix(".md")
    if results is None:
        results = default_results(agendas)
    sources = [Path(path) for path in notebooks]
    outlines = {path.stem: notebook_outline(path) for path in sources}
    seconds = {path.stem: section_times(results, path.stem) for path in sources}
    efforts = {path.stem: section_efforts(path) for path in sources}
    problems = check_times_to_learn(sources, efforts)
    if problems:
        raise ValueError("\n  ".join(["The notebooks' times to learn are wrong:", *problems]))
    folder = Path(os.path.relpath(sources[0].parent, output.parent)).as_posix() if sources else "."
    try:
        plans = yaml.safe_load(agendas.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ValueError(f"{agendas} is not valid YAML: {error}") from error
    body = agenda_markdown(plans, outlines, seconds, notebook_folder=folder, efforts=efforts)
    header = (
        f"<!-- Written from {agendas.name} and make bench's results.json by `python -m "
        "tools.agendas`; do not edit. -->\n\n"
    )
    footer = (
        "\n\nTeaching minutes are the plan's. Reading and typing is what participants need for "
        f"those sections, measured from the users notebook: its prose and prompts read at "
        f"{READING_WORDS_PER_MINUTE} words per minute, the code under its prompts (and the "
        f"solutions of live exercises) typed at {TYPING_CHARACTERS_PER_MINUTE} characters per "
        "minute; a block shown from the presenters notebook counts the reading only. Compute is "
        "the time the notebook's code takes in those sections, measured by `make bench` on a "
        "cold JAX cache (blank until measured). Exercises marked homework are left for after "
        "the session.\n"
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(header + body + footer, encoding="utf-8")
    return output


def main(argv: list[str] | None = None) -> int:
    """Check the plans and write the agendas page; return 0, or 1 on a problem (printed)."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.agendas",
        description="Check the workshop plans against the notebooks and write their tables.",
    )
    parser.add_argument("agendas", help="workshop plans (YAML), e.g. book/agendas.yml")
    parser.add_argument("notebooks", nargs="+", help="MyST markdown notebooks")
    parser.add_argument("--results", help="make bench's results.json (compute times)")
    args = parser.parse_args(argv)
    try:
        page = write_agenda_page(args.agendas, args.notebooks, results=args.results)
    except (OSError, ValueError) as error:
        print(f"error: {args.agendas}: {error}", file=sys.stderr)
        return 1
    print(f"{'agendas':>10}: {page}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
