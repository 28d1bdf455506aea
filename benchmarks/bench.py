"""Measure what a live workshop waits for, the same way every time, and print one table.

Run with ``make bench``. Each figure is measured in a fresh process on the synthetic stand-in
(``WORKSHOP_DATA_SOURCE=synthetic``), in a scratch copy of the repository, so that caches of
the working tree neither help nor suffer:

- generating the stand-in, and a cache hit of ``fetch_data``;
- ``import workshop_utils`` (and its ``fetch`` module) on top of its heavy dependencies;
- executing each notebook top to bottom with a cold JAX compilation cache, then again warm;
- a clean ``jupyter-book build`` and a rebuild with nothing changed;
- the weight of each rendered notebook page (HTML plus the images it shows);
- the peak memory of each notebook's kernel.

Figures are also written to ``benchmarks/results.json`` so that changes can be compared.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def run(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Run a command, fail loudly on error, return its wall time in seconds."""
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-5000:] + result.stderr[-5000:])
        raise SystemExit(f"benchmark step failed: {' '.join(command)}")
    return elapsed


def python_seconds(code: str, cwd: Path, env: dict[str, str]) -> float:
    """Run Python code in a fresh interpreter; it prints one number, which is returned."""
    result = subprocess.run(
        [PYTHON, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return float(result.stdout.strip().splitlines()[-1])


EXECUTE_NOTEBOOK = """
import json, resource, sys, time
from datetime import datetime
import jupytext
from nbclient import NotebookClient
notebook = jupytext.read(sys.argv[1])
start = time.perf_counter()
NotebookClient(notebook, timeout=600, kernel_name="python3", record_timing=True).execute()
elapsed = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
sections, current = {}, "Setup"
for cell in notebook.cells:
    if cell.cell_type == "markdown":
        for line in cell.source.splitlines():
            if line.startswith("## "):
                current = line[3:].strip()
        continue
    timing = cell.metadata.get("execution", {})
    if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
        began = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
        ended = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
        sections[current] = sections.get(current, 0.0) + (ended - began).total_seconds()
print(json.dumps({"seconds": elapsed, "peak_mb": peak_mb, "sections": sections}))
"""


def execute_notebook(path: Path, env: dict[str, str]) -> dict[str, float]:
    """Execute a notebook in a fresh kernel from its own folder; return time and peak memory."""
    result = subprocess.run(
        [PYTHON, "-c", EXECUTE_NOTEBOOK, str(path)],
        cwd=path.parent,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-5000:])
        raise SystemExit(f"notebook failed: {path}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def page_weight_mb(html: Path) -> float:
    """Size of a rendered page plus every local image it references, in MB."""
    text = html.read_text(encoding="utf-8")
    total = html.stat().st_size
    for source in set(re.findall(r'<img[^>]+src="([^"]+)"', text)):
        if source.startswith("data:"):
            continue
        image = (html.parent / source).resolve()
        if image.exists():
            total += image.stat().st_size
    return total / 1e6


def scratch_copy(destination: Path) -> Path:
    """Copy the tracked files of the repository (as a fresh clone would have them)."""
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in files:
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, target)
    return destination


def main(argv: list[str] | None = None) -> int:
    """Run every benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-book", action="store_true", help="skip the book builds")
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="workshop-bench-"))
    repo = scratch_copy(scratch / "repo")
    data_dir = scratch / "data"
    env = {
        **os.environ,
        "WORKSHOP_DATA_SOURCE": "synthetic",
        "WORKSHOP_DATA_DIR": str(data_dir),
        "PYTHONWARNINGS": "ignore",
    }
    rows: list[tuple[str, float, str, str]] = []

    fetch = (
        "import time; t = time.perf_counter(); import workshop_utils as w; "
        "w.fetch_data('Mouse32-140822.nwb'); print(time.perf_counter() - t)"
    )
    rows.append(
        ("generate the stand-in (first fetch_data)", python_seconds(fetch, repo, env), "s", "20")
    )
    rows.append(
        (
            "fetch_data cache hit",
            python_seconds(
                "import workshop_utils as w, time; w.fetch_data('Mouse32-140822.nwb'); "
                "t = time.perf_counter(); w.fetch_data('Mouse32-140822.nwb'); "
                "print(time.perf_counter() - t)",
                repo,
                env,
            ),
            "s",
            "0.2",
        )
    )
    heavy = "import numpy, pandas, pooch, h5py, numba"
    rows.append(
        (
            "import workshop_utils + fetch above its dependencies",
            python_seconds(
                f"{heavy}; import time; t = time.perf_counter(); import workshop_utils, "
                "workshop_utils.fetch; print(time.perf_counter() - t)",
                repo,
                env,
            ),
            "s",
            "0.3",
        )
    )

    limits = {"head_direction": 30.0}
    timing_lines = [
        "| notebook | section | compute time (s) |",
        "| --- | --- | --- |",
    ]
    for notebook in sorted((repo / "notebooks").glob("*.md")):
        limit = limits.get(notebook.stem, 120.0)
        cold = execute_notebook(notebook, env)
        warm = execute_notebook(notebook, env)
        for section, seconds in cold["sections"].items():
            timing_lines.append(f"| {notebook.stem} | {section} | {seconds:.1f} |")
        rows.append(
            (f"{notebook.stem}: execute, cold JAX cache", cold["seconds"], "s", f"{limit:g}")
        )
        rows.append(
            (f"{notebook.stem}: execute, warm JAX cache", warm["seconds"], "s", f"{limit:g}")
        )
        rows.append((f"{notebook.stem}: kernel peak memory", warm["peak_mb"], "MB", ""))

    # The instructors page includes this table: compute time of each section, cold JAX cache.
    timings = (
        f"<!-- Written by `make bench` on {os.cpu_count()} CPU cores; do not edit. -->\n\n"
        + "\n".join(timing_lines)
        + "\n"
    )
    for book in (ROOT / "book", repo / "book"):
        (book / "section_timings.md").write_text(timings)

    if not args.skip_book:
        # The Makefile's own target, told not to reinstall this environment.
        venv = Path(sys.prefix)
        build = ["make", "-o", f"{venv}/.installed", "book", f"VENV={venv}"]
        rows.append(("book: clean build", run(build, repo, env), "s", "180"))
        rows.append(("book: rebuild, nothing changed", run(build, repo, env), "s", "20"))
        html = repo / "_build" / "html" / "notebooks"
        for page in sorted(html.glob("*.html")):
            rows.append((f"page weight: {page.name}", page_weight_mb(page), "MB", "8"))
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        rows.append(("peak memory of any step (largest process)", children, "MB", ""))

    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>9}  unit  limit")
    print(f"{'-' * width}  {'-' * 9}  ----  -----")
    for name, value, unit, limit in rows:
        print(f"{name:<{width}}  {value:>9.2f}  {unit:<4}  {limit}")
    results = {
        "python": sys.version.split()[0],
        "cpu_count": os.cpu_count(),
        "rows": [
            {"measure": n, "value": round(v, 3), "unit": u, "limit": lim} for n, v, u, lim in rows
        ],
    }
    (ROOT / "benchmarks" / "results.json").write_text(json.dumps(results, indent=2) + "\n")

    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
