"""The real recording: the facts the notebooks rely on, and the book built on it.

The tests marked ``realdata`` run on ``Mouse32-140822.nwb`` from the data cache (``make data``)
and are skipped when it is not there, or fail instead when ``WORKSHOP_REQUIRE_REALDATA=1`` (the
website workflow sets it). After a build of the book on the real recording, the website workflow
also sets ``WORKSHOP_BUILT_BOOK`` to the repository's root, and the tests read the notebooks'
executed outputs from its execution cache.

The helpers are tested here on the synthetic stand-in, which is built to share these facts.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest

from tools.execute_notebooks import CACHE as EXECUTION_CACHE
from workshop_utils import fetch, synthetic

ROOT = Path(__file__).resolve().parents[1]
REAL_NAME = synthetic.STANDS_IN_FOR
REQUIRE_ENV = "WORKSHOP_REQUIRE_REALDATA"
BUILT_BOOK_ENV = "WORKSHOP_BUILT_BOOK"
BOUNDS_TOLERANCE = 0.1
"""Seconds: the epoch and tracking bounds are known to about a tenth of a second."""


@dataclass(frozen=True)
class Facts:
    """What the notebooks rely on about the recording.

    Attributes
    ----------
    units : int
        Number of units.
    locations : dict of str to int
        Units per recording location.
    epoch_tags : tuple of str
        Tags of the epochs, in time order.
    wake : tuple of float
        Start and end of the wake epoch (s).
    tracking : tuple of float
        First and last head-angle sample (s).
    kept : int
        Units left by the tutorial's filter: ADN, in wake, above 1 Hz.
    counts_shape : tuple of int
        Shape of the kept units' counts in 10 ms bins over the first 3 minutes of wake.
    """

    units: int
    locations: dict[str, int]
    epoch_tags: tuple[str, ...]
    wake: tuple[float, float]
    tracking: tuple[float, float]
    kept: int
    counts_shape: tuple[int, int]


EXPECTED = Facts(
    units=49,
    locations={"adn": 31, "thalamus": 18},
    epoch_tags=("sleep", "wake", "sleep"),
    wake=(8812.4, 10771.3),
    tracking=(8812.4, 10771.3),
    kept=19,
    counts_shape=(18000, 19),
)


def cached_real_recording() -> Path | None:
    """Return the real recording if the data cache holds it with its published sha256.

    Looks where ``fetch`` keeps it (``fetch.cache_dir()``), as the setup check does; never
    downloads.
    """
    data_file = fetch.REGISTRY[REAL_NAME]
    path = fetch.cache_dir() / data_file.name
    if path.is_file() and fetch.file_sha256(path) == data_file.sha256:
        return path
    return None


def _tag(value) -> str:
    # NWB stores each epoch's tags as a list: ["wake"].
    return value if isinstance(value, str) else ",".join(str(tag) for tag in np.ravel(value))


def measure(path: str | os.PathLike) -> Facts:
    """Measure :class:`Facts` on a recording, as the notebooks compute them."""
    import pynapple as nap

    data = nap.load_file(str(path))
    units, epochs, angle = data["units"], data["epochs"], data["ry"]
    wake = epochs[epochs.tags == "wake"]
    locations, counts = np.unique(np.asarray(units.location), return_counts=True)
    spikes = units.restrict(wake)
    kept = spikes[(spikes.location == "adn") & (spikes.rate > 1.0)]
    first_minutes = nap.IntervalSet(wake.start[0], wake.start[0] + 180.0)
    binned = kept.count(0.01, first_minutes)
    return Facts(
        units=len(units),
        locations={str(name): int(count) for name, count in zip(locations, counts, strict=True)},
        epoch_tags=tuple(_tag(tag) for tag in epochs.tags),
        wake=(float(wake.start[0]), float(wake.end[0])),
        tracking=(float(angle.t[0]), float(angle.t[-1])),
        kept=len(kept),
        counts_shape=tuple(binned.shape),
    )


def mismatches(found: Facts, expected: Facts = EXPECTED) -> list[str]:
    """List every fact that differs from what is expected (bounds within a tolerance)."""
    problems = []
    for field in ("units", "locations", "epoch_tags", "kept", "counts_shape"):
        if getattr(found, field) != getattr(expected, field):
            problems.append(
                f"{field}: {getattr(found, field)} (expected {getattr(expected, field)})"
            )
    for field in ("wake", "tracking"):
        got, wanted = getattr(found, field), getattr(expected, field)
        if not np.allclose(got, wanted, rtol=0, atol=BOUNDS_TOLERANCE):
            problems.append(f"{field}: {got} (expected about {wanted})")
    return problems


def notebook_data_sources(book_root: Path) -> dict[str, set[str]]:
    """Read which data each executed notebook of a built book showed its notice for.

    Parameters
    ----------
    book_root : Path
        A repository root where ``make book`` ran.

    Returns
    -------
    dict of str to set of str
        Notebook name -> the sources (``"real"``, ``"synthetic"``) of the data notices in its
        executed outputs.
    """
    from jupyter_cache import get_cache

    cache_path = book_root / EXECUTION_CACHE
    if not cache_path.is_dir():
        raise FileNotFoundError(f"{cache_path} does not exist: build the book there first")
    cache = get_cache(cache_path)
    sources: dict[str, set[str]] = {}
    for record in cache.list_cache_records():
        notebook = cache.get_cache_bundle(record.pk).nb
        found = sources.setdefault(Path(record.uri).stem, set())
        for cell in notebook.cells:
            for output in cell.get("outputs", []):
                html = output.get("data", {}).get("text/html", "")
                html = "".join(html) if isinstance(html, list) else html
                found.update(re.findall(r"workshop-data-notice-(real|synthetic)\b", html))
    return sources


def expected_data_sources(root: Path = ROOT) -> dict[str, set[str]]:
    """Notebook name -> the data whose notice it shows when the book is built on the real recording.

    Every ``fetch_data`` call shows a notice for what it returns, except a null control's (which
    ground_truth and coupling_null fetch beside the stand-in): the real recording unless the call
    asks for ``source="synthetic"``.
    """
    sources = {}
    for path in sorted((root / "notebooks").glob("*.md")):
        calls = re.findall(r"fetch_data\(([^)]*)\)", path.read_text(encoding="utf-8"))
        sources[path.stem] = {
            "synthetic" if 'source="synthetic"' in arguments else "real"
            for arguments in calls
            if "null_control=True" not in arguments
        }
    return sources


def missing(what: str, fix: str) -> None:
    """Skip, or fail when the real data is required (``WORKSHOP_REQUIRE_REALDATA=1``)."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{what} ({REQUIRE_ENV}=1): {fix}")
    pytest.skip(f"{what}: {fix}")


@pytest.fixture(scope="module")
def real_recording() -> Path:
    path = cached_real_recording()
    if path is None:
        missing(
            f"the real {REAL_NAME} is not in the data cache {fetch.cache_dir()}",
            "run `make data` (or `python -m workshop_utils.fetch --source real`)",
        )
    return path


@pytest.fixture(scope="module")
def built_real_book() -> Path:
    root = os.environ.get(BUILT_BOOK_ENV)
    if not root:
        missing(
            f"{BUILT_BOOK_ENV} is not set",
            f"build with WORKSHOP_DATA_SOURCE=real make book, then set {BUILT_BOOK_ENV} to "
            "the repository's root",
        )
    return Path(root)


# --------------------------------------------------------------------------- the real data


@pytest.mark.realdata
def test_the_cached_file_is_the_published_recording(real_recording):
    assert fetch.data_source(real_recording) == "real"
    assert fetch.file_sha256(real_recording) == fetch.REGISTRY[REAL_NAME].sha256


@pytest.mark.realdata
def test_the_real_recording_has_what_the_notebooks_rely_on(real_recording):
    assert mismatches(measure(real_recording)) == []


@pytest.mark.realdata
def test_every_notebook_of_the_built_book_ran_on_the_data_it_says(built_real_book):
    found = notebook_data_sources(built_real_book)
    expected = expected_data_sources(built_real_book)
    assert expected == {name: found.get(name) for name in expected}


# ------------------------------------------------------------ the helpers, on the stand-in


def test_the_stand_in_has_the_facts_of_the_real_recording(stand_in_path):
    assert mismatches(measure(stand_in_path)) == []


def test_mismatches_name_each_wrong_fact():
    wrong = replace(
        EXPECTED,
        units=48,
        locations={"adn": 30, "thalamus": 18},
        kept=20,
        wake=(8812.6, 10771.3),
        tracking=(8812.45, 10771.3),
        counts_shape=(18000, 20),
    )
    problems = mismatches(wrong)
    assert [problem.split(":")[0] for problem in problems] == [
        "units",
        "locations",
        "kept",
        "counts_shape",
        "wake",
    ]
    assert "units: 48 (expected 49)" in problems


def test_the_real_recording_is_found_only_with_its_published_sha256(
    tmp_path, monkeypatch, stand_in_path
):
    monkeypatch.setenv(fetch.DATA_DIR_ENV, str(tmp_path))
    assert cached_real_recording() is None
    impostor = tmp_path / REAL_NAME
    shutil.copyfile(stand_in_path, impostor)
    assert cached_real_recording() is None
    published = replace(fetch.REGISTRY[REAL_NAME], sha256=fetch.file_sha256(impostor))
    monkeypatch.setitem(fetch.REGISTRY, REAL_NAME, published)
    assert cached_real_recording() == impostor


def run_realdata_tests(env_update: dict[str, str]) -> subprocess.CompletedProcess:
    env = {**os.environ, **env_update}
    for variable in (BUILT_BOOK_ENV, REQUIRE_ENV):
        if variable not in env_update:
            env.pop(variable, None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "realdata", "-p", "no:cacheprovider", "-rsf"]
        + [str(Path(__file__))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_realdata_tests_skip_without_the_file_and_fail_when_it_is_required(tmp_path):
    skipped = run_realdata_tests({fetch.DATA_DIR_ENV: str(tmp_path)})
    assert skipped.returncode == 0, skipped.stdout[-3000:]
    assert "4 skipped" in skipped.stdout
    assert "run `make data`" in skipped.stdout
    required = run_realdata_tests({fetch.DATA_DIR_ENV: str(tmp_path), REQUIRE_ENV: "1"})
    assert required.returncode == 1
    assert "4 errors" in required.stdout
    assert f"{REQUIRE_ENV}=1" in required.stdout


def write_execution_cache(root: Path, outputs: dict[str, list[str]]) -> None:
    """A jupyter-cache like a book build's, with one notebook per name showing these notices."""
    import nbformat
    from jupyter_cache import get_cache

    cache = get_cache(root / EXECUTION_CACHE)
    for name, notices in outputs.items():
        notebook = nbformat.v4.new_notebook()
        # jupyter-cache keys a notebook on its code: give each its own.
        cell = nbformat.v4.new_code_cell(f"# {name}\nworkshop_utils.fetch.data_notice(path)")
        cell.outputs = [
            nbformat.v4.new_output(
                "display_data",
                data={"text/html": f'<div class="workshop-data-notice workshop-data-notice-{n}">'},
            )
            for n in notices
        ]
        notebook.cells = [cell]
        path = root / "notebooks" / f"{name}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, path)
        cache.cache_notebook_file(path, check_validity=False)


def test_data_sources_are_read_from_the_execution_cache(tmp_path):
    write_execution_cache(
        tmp_path, {"head_direction": ["real"], "ground_truth": ["synthetic"], "mixed": []}
    )
    assert notebook_data_sources(tmp_path) == {
        "head_direction": {"real"},
        "ground_truth": {"synthetic"},
        "mixed": set(),
    }
    with pytest.raises(FileNotFoundError, match="build the book there first"):
        notebook_data_sources(tmp_path / "elsewhere")


def test_only_ground_truth_runs_wholly_on_the_stand_in_and_coupling_null_also_checks_on_it():
    expected = expected_data_sources()
    assert expected.pop("ground_truth") == {"synthetic"}
    assert expected.pop("coupling_null") == {"real", "synthetic"}
    assert all(sources == {"real"} for sources in expected.values())


@pytest.mark.realdata
def test_every_glued_claim_holds_on_the_real_build(built_real_book):
    """Each number the prose states is glued, and each verdict agrees with its interval."""
    from conftest import glue_problems

    notebooks = sorted((built_real_book / "notebooks").glob("*.md"))
    pages = [f"notebooks/{path.stem}" for path in notebooks]
    assert glue_problems(built_real_book, pages) == []
