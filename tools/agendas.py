"""Workshop agendas: the hand-written plans of ``book/agendas.yml``, checked and tabulated.

``book/agendas.yml`` holds the plans of a live workshop (which sections, how many teaching
minutes, which exercises live or as homework, breaks). :func:`write_agenda_page` checks them
against the notebooks and writes their tables, with compute times from ``make bench``, into
``book/agendas.md``, which the instructors page includes.

Run ``python -m tools.agendas book/agendas.yml notebooks/*.md`` (part of ``make variants``).
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from tools.variants import (
    MYST_PARSER,
    default_results,
    directive_name,
    read_notebook,
    section_times,
    split_options,
)

__all__ = [
    "NotebookOutline",
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


def _plans(agendas: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    plans = agendas.get("plans") if isinstance(agendas, Mapping) else None
    if not isinstance(plans, list) or not plans:
        raise ValueError("The agendas file needs a `plans:` list (see book/agendas.yml).")
    return plans


def check_agendas(agendas: Mapping[str, Any], outlines: Mapping[str, NotebookOutline]) -> list[str]:
    """Return the problems of workshop plans, checked against the notebooks.

    Each plan's teaching minutes and breaks must add up to its stated length; every notebook,
    section and exercise named must exist, each exercise in one of its block's sections, and
    no section may be taught twice in a plan.

    Parameters
    ----------
    agendas : mapping
        The agendas file's content (``{"plans": [...]}``, see ``book/agendas.yml``).
    outlines : mapping of str to NotebookOutline
        The outline of each notebook, by name (see :func:`notebook_outline`).

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

    Returns
    -------
    str
        One heading, description and table per plan.

    Raises
    ------
    ValueError
        If :func:`check_agendas` finds a problem.
    """
    problems = check_agendas(agendas, outlines)
    if problems:
        raise ValueError("The agendas do not fit the notebooks:\n  " + "\n  ".join(problems))
    parts = []
    for plan in _plans(agendas):
        rows = [
            "| start | notebook | sections | teaching | compute | exercises |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        clock, compute_total, measured = 0, 0.0, True
        for block in plan["blocks"]:
            if "break" in block:
                rows.append(f"| {_clock(clock)} | *break* | | {block['break']} min | | |")
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
            rows.append(
                f"| {_clock(clock)} | {{doc}}`{notebook} <{notebook_folder}/{notebook}>` | "
                f"{listed} | {block['minutes']} min | {compute} | {exercises} |"
            )
            clock += int(block["minutes"])
        total = f"{compute_total:.0f} s" if measured else ""
        rows.append(f"| {_clock(clock)} | **end** | | **{plan['minutes']} min** | {total} | |")
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
    folder = Path(os.path.relpath(sources[0].parent, output.parent)).as_posix() if sources else "."
    try:
        plans = yaml.safe_load(agendas.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ValueError(f"{agendas} is not valid YAML: {error}") from error
    body = agenda_markdown(
        plans,
        outlines,
        seconds,
        notebook_folder=folder,
    )
    header = (
        f"<!-- Written from {agendas.name} and make bench's results.json by `python -m "
        "tools.agendas`; do not edit. -->\n\n"
    )
    footer = (
        "\n\nTeaching minutes are the plan's; compute is the time the notebook's code takes in "
        "those sections, measured by `make bench` on a cold JAX cache (blank until measured). "
        "Exercises marked homework are left for after the session.\n"
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
