"""Workshop agendas: the plans of book/agendas.yml, checked against the notebooks."""

from __future__ import annotations

import functools
import json
import os
import shutil
from pathlib import Path

import jupytext
import pytest
import yaml
from conftest import MYST_HEADER

from tools import agendas, variants

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DEMO = FIXTURES / "variants_demo.md"
BAD_YAML = FIXTURES / "variants_bad_yaml.md"
FULL = ROOT / "notebooks" / "head_direction.md"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.md"))


def line_of(path: Path, text: str) -> int:
    """1-based line of the first line of a file that contains ``text`` (test oracle)."""
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


AGENDAS_FILE = ROOT / "book" / "agendas.yml"


@functools.cache
def sections_of(source: Path) -> list[str]:
    """Level-2 headings of a MyST notebook, read line by line (oracle; each notebook read once)."""
    return [
        line[3:].strip()
        for cell in jupytext.read(source).cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("## ")
    ]


def test_each_plan_adds_up_to_its_length_and_names_real_sections():
    plans = yaml.safe_load(AGENDAS_FILE.read_text())["plans"]
    assert [plan["minutes"] for plan in plans] == [60, 120, 210]
    notebooks = {path.stem: path for path in NOTEBOOKS}
    for plan in plans:
        blocks = plan["blocks"]
        total = sum(block.get("minutes", 0) + block.get("break", 0) for block in blocks)
        assert total == plan["minutes"], plan["title"]
        for block in blocks:
            if "break" in block:
                continue
            source = notebooks[block["notebook"]]
            for section in block["sections"]:
                assert section in sections_of(source), (plan["title"], section)
            for label in block.get("live", []) + block.get("homework", []):
                assert f":label: {label}" in source.read_text()
    outlines = {path.stem: agendas.notebook_outline(path) for path in NOTEBOOKS}
    assert agendas.check_agendas(yaml.safe_load(AGENDAS_FILE.read_text()), outlines) == []


def test_notebook_outline_reads_sections_and_exercises():
    outline = agendas.notebook_outline(FULL)
    assert outline.sections == sections_of(FULL)
    assert outline.exercises["exercise-fine-bins"] == "5. Fewer weights with a basis"
    assert outline.exercises["exercise-strongest-pair"] == "6. All-to-all connectivity"
    line = line_of(BAD_YAML, "{code-cell}")
    with pytest.raises(variants.VariantError, match=f"{BAD_YAML}:{line}: invalid cell options"):
        agendas.notebook_outline(BAD_YAML)


def test_check_agendas_reports_each_kind_of_problem():
    outlines = {"demo": agendas.notebook_outline(DEMO)}
    plans = {
        "plans": [
            {
                "title": "Short",
                "minutes": 30,
                "blocks": [
                    {"notebook": "demo", "sections": ["Imports", "1. Countin"], "minutes": 10},
                    {"break": 5},
                    {"notebook": "demo", "sections": ["Imports"], "minutes": 10},
                    {"notebook": "missing", "sections": ["Imports"], "minutes": 1},
                    {
                        "notebook": "demo",
                        "sections": ["Summary"],
                        "minutes": 2,
                        "live": ["exercise-demo-double"],
                        "homework": ["exercise-nope"],
                    },
                ],
            }
        ]
    }
    problems = agendas.check_agendas(plans, outlines)
    assert problems == [
        "Short: demo has no section '1. Countin' (did you mean '1. Counting'?)",
        "Short: demo / 'Imports' is taught twice.",
        "Short: no notebook named 'missing' (known: demo).",
        "Short: exercise 'exercise-demo-double' is in section '1. Counting', which this block "
        "does not teach.",
        "Short: demo has no exercise 'exercise-nope'.",
        "Short: teaching and breaks add up to 28 min, not the stated 30 min.",
    ]
    with pytest.raises(ValueError, match="do not fit the notebooks"):
        agendas.agenda_markdown(plans, outlines, {})


def test_agenda_page_shows_compute_times_measured_by_the_benchmark(tmp_path):
    seconds = {"Imports": 2.6, "1. The data": 1.8, "2. Are these head-direction cells?": 1.4}
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"sections": {"head_direction": seconds}}))
    page = agendas.write_agenda_page(
        AGENDAS_FILE, NOTEBOOKS, tmp_path / "agendas.md", results=results
    )
    text = page.read_text()
    rows = [line for line in text.splitlines() if line.startswith("| 0:00 |")]
    assert len(rows) == 3
    one_hour, two_hours = rows[0], rows[1]
    assert one_hour.split(" | ")[5] == f"{sum(seconds.values()):.0f} s"  # 6 s
    assert two_hours.split(" | ")[5] == f"{sum(seconds.values()):.0f} s"
    block_rows = [line for line in text.splitlines() if line.startswith("| 0:10 |")]
    assert block_rows[0].split(" | ")[5] == ""  # sections 3 and 4 were not measured
    assert "{ref}`fine bins <exercise-fine-bins>`" in text
    folder = Path(os.path.relpath(ROOT / "notebooks", tmp_path)).as_posix()
    assert f"{{doc}}`head_direction <{folder}/head_direction>`" in text


def test_committed_agenda_page_is_up_to_date(tmp_path):
    # The page links the notebooks relative to itself: rebuild it in a copy of the layout.
    shutil.copytree(ROOT / "book", tmp_path / "book", ignore=shutil.ignore_patterns("agendas.md"))
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    for name in ("_config.yml", "_toc.yml"):  # the notebooks' links resolve in the book
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copy(AGENDAS_FILE, tmp_path / "book" / "agendas.yml")
    page = agendas.write_agenda_page(
        tmp_path / "book" / "agendas.yml",
        sorted((tmp_path / "notebooks").glob("*.md")),
        results=ROOT / "benchmarks" / "results.json",
    )
    committed = ROOT / "book" / "agendas.md"
    assert committed.read_text() == page.read_text(), (
        "book/agendas.md is stale: run "
        "`python -m tools.agendas book/agendas.yml notebooks/*.md` (make variants)"
    )
    assert "```{include} agendas.md" in (ROOT / "book" / "instructors.md").read_text()


EFFORT_NOTEBOOK = (
    MYST_HEADER
    + '''
# Effort

**Time to learn:** about {minutes} minutes.

## 1. Counting

Count the events in bins.

```{{code-cell}} ipython3
:prompt: "Count the events: `counts`. Check: ten zeros."

counts = [0] * 10  # ten bins
```

```{{code-cell}} ipython3
:tags: [users-keep]

print(counts)
```

## 2. A rate

```{{code-cell}} ipython3
def rate(counts):
    """Events per bin."""
    return sum(counts) / len(counts)
```
'''
)


def effort_notebook(folder, minutes=1):
    path = folder / "effort.md"
    path.write_text(EFFORT_NOTEBOOK.format(minutes=minutes))
    return path


def test_section_efforts_count_what_participants_read_and_type(tmp_path):
    efforts = agendas.section_efforts(effort_notebook(tmp_path))
    assert list(efforts) == ["Setup", "1. Counting", "2. A rate"]
    # Read before the first section: "Effort" and "Time to learn: about 1 minutes".
    assert efforts["Setup"] == agendas.SectionEffort(1 + 6, 0, {})
    # Read: the heading (2 words), the sentence (5), the prompt (7); typed: the code without
    # its comment.
    assert efforts["1. Counting"] == agendas.SectionEffort(2 + 5 + 7, len("counts = [0] * 10"), {})
    # A function's docstring is given (shown in the prompt), its body typed, unindented.
    typed = len("def rate(counts): return sum(counts) / len(counts)")
    assert efforts["2. A rate"].characters == typed
    assert efforts["2. A rate"].minutes() == pytest.approx(
        efforts["2. A rate"].words / agendas.READING_WORDS_PER_MINUTE
        + typed / agendas.TYPING_CHARACTERS_PER_MINUTE
    )


def test_a_stated_time_to_learn_must_be_the_measured_one(tmp_path):
    source = effort_notebook(tmp_path, minutes=60)
    measured = agendas.notebook_minutes(agendas.section_efforts(source))
    (problem,) = agendas.check_times_to_learn([source])
    assert "states 60 minutes to learn" in problem and f"about {measured:.0f} minutes" in problem
    source = effort_notebook(tmp_path, minutes=round(measured))
    assert agendas.check_times_to_learn([source]) == []


def plan_of(minutes: int, **block) -> dict:
    """One plan with one block of the effort notebook's first section."""
    block = {"notebook": "effort", "sections": ["1. Counting"], "minutes": minutes, **block}
    return {"plans": [{"title": "Tight", "minutes": minutes, "blocks": [block]}]}


def test_a_block_may_not_plan_less_than_participants_need(tmp_path):
    source = effort_notebook(tmp_path)
    outlines = {"effort": agendas.notebook_outline(source)}
    # 10 minutes of reading and 10 of typing in that section.
    effort = agendas.SectionEffort(10 * agendas.READING_WORDS_PER_MINUTE, 1000, {})
    efforts = {"effort": {"1. Counting": effort}}
    assert agendas.check_agendas(plan_of(5), outlines, efforts) == [
        "Tight: the block effort / 1. Counting plans 5 min, but participants need about 20 min "
        "to read and type it: plan more time, show it from the presenters notebook "
        "(shown: true), or leave an exercise as homework."
    ]
    assert agendas.check_agendas(plan_of(17), outlines, efforts) == []  # within the tolerance
    # Shown from the presenters notebook, the block needs the reading only.
    (problem,) = agendas.check_agendas(plan_of(5, shown=True), outlines, efforts)
    assert "need about 10 min to read along" in problem
    assert agendas.check_agendas(plan_of(10, shown=True), outlines, efforts) == []
    assert agendas.check_agendas(plan_of(5), outlines) == []  # nothing measured, nothing checked
