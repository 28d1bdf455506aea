"""Workshop agendas: the plans of book/agendas.yml, checked against the notebooks."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import jupytext
import pytest
import yaml

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


def sections_of(source: Path) -> list[str]:
    """Level-2 headings of a MyST notebook, read line by line (oracle)."""
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
    assert one_hour.split(" | ")[4] == f"{sum(seconds.values()):.0f} s"  # 6 s
    assert two_hours.split(" | ")[4] == f"{seconds['Imports'] + seconds['1. The data']:.0f} s"
    block_rows = [line for line in text.splitlines() if line.startswith("| 0:10 |")]
    assert block_rows[0].split(" | ")[4] == ""  # sections 3 and 4 were not measured
    assert "{ref}`fine bins <exercise-fine-bins>`" in text
    folder = Path(os.path.relpath(ROOT / "notebooks", tmp_path)).as_posix()
    assert f"{{doc}}`head_direction <{folder}/head_direction>`" in text


def test_committed_agenda_page_is_up_to_date(tmp_path):
    # The page links the notebooks relative to itself: rebuild it in a copy of the layout.
    (tmp_path / "book").mkdir()
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
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
