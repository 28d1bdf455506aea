"""Shared fixtures: one synthetic stand-in per test session, generated into a temporary cache."""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from tools.execute_notebooks import CACHE as EXECUTION_CACHE
from workshop_utils import fetch, synthetic

# ------------------------------------------------------------------- the Binder install

_BINDER: dict = {}
"""The background install of the Binder environment: its folder, venv, repository and process."""


def _start_binder_install(folder: Path) -> dict:
    """Copy the repository, make a fresh venv and start `pip install -r binder/requirements.txt`
    in it, as repo2docker does, without waiting for it."""
    import subprocess
    import sys

    repo = copy_repository(folder / "repo")
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    log = open(folder / "install.log", "w", encoding="utf-8")  # noqa: SIM115 (closed at finish)
    process = subprocess.Popen(
        [str(python), "-m", "pip", "install", "--quiet", "-r", "binder/requirements.txt"],
        cwd=repo,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return {
        "folder": folder,
        "repo": repo,
        "venv": venv,
        "python": python,
        "process": process,
        "log": log,
    }


def _start_colab_environment(folder: Path, state: dict) -> None:
    """Start building the simulated Colab (tools/colab.py) in a thread, without waiting; the
    thread fills ``state`` with its Python or its error."""
    import threading

    from tools import colab

    state.update({"folder": folder, "python": None, "error": None})

    def build() -> None:
        try:
            state["python"] = colab.make_environment(folder / "venv")
        except Exception as error:  # reported by the colab_environment fixture
            state["error"] = error

    state["thread"] = threading.Thread(target=build, daemon=True)
    state["thread"].start()


_COLAB: dict = {}


def pytest_collection_modifyitems(session: pytest.Session, config, items: list) -> None:
    """Run the tests that need the built book last, so that the others run while it builds."""
    items.sort(key=lambda item: "built_book" in getattr(item, "fixturenames", ()))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the long builds now, each when a selected test needs it: the book (its tests run
    last), the Binder install and the simulated Colab (mostly waiting on the disk and the
    network)."""
    import tempfile

    if any("built_book" in getattr(item, "fixturenames", ()) for item in session.items):
        _BOOK.update(_start_book_build(Path(tempfile.mkdtemp(prefix="workshop-book-"))))
    if any(item.get_closest_marker("binder") for item in session.items):
        _BINDER.update(_start_binder_install(Path(tempfile.mkdtemp(prefix="workshop-binder-"))))
    if any(item.get_closest_marker("colab") for item in session.items):
        _start_colab_environment(Path(tempfile.mkdtemp(prefix="workshop-colab-")), _COLAB)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop the unfinished builds and remove their folders."""
    import shutil

    if _BOOK:
        if _BOOK["process"].poll() is None:
            _BOOK["process"].kill()
            _BOOK["process"].wait()
        shutil.rmtree(_BOOK["folder"], ignore_errors=True)
        _BOOK.clear()
    if _BINDER:
        if _BINDER["process"].poll() is None:
            _BINDER["process"].kill()
            _BINDER["process"].wait()
        _BINDER["log"].close()
        shutil.rmtree(_BINDER["folder"], ignore_errors=True)
        _BINDER.clear()
    if _COLAB:
        _COLAB["thread"].join(timeout=600)
        shutil.rmtree(_COLAB["folder"], ignore_errors=True)
        _COLAB.clear()


@pytest.fixture(scope="session")
def binder_install():
    """The finished Binder install (started at collection): repository, venv, python, log."""
    from types import SimpleNamespace

    assert _BINDER, "the Binder install starts when a test marked binder is collected"
    _BINDER["process"].wait(timeout=1800)
    _BINDER["log"].flush()
    output = (_BINDER["folder"] / "install.log").read_text(encoding="utf-8")
    return SimpleNamespace(
        returncode=_BINDER["process"].returncode,
        output=output,
        repo=_BINDER["repo"],
        venv=_BINDER["venv"],
        python=_BINDER["python"],
    )


@pytest.fixture(scope="session")
def colab_environment():
    """The simulated Colab's Python and folder (its build started at collection)."""
    from types import SimpleNamespace

    assert _COLAB, "the simulated Colab is built when a test marked colab is collected"
    _COLAB["thread"].join(timeout=1800)
    error = _COLAB["error"]
    if isinstance(error, RuntimeError) and "not on this machine" in str(error):
        pytest.skip(str(error))
    if error is not None:
        raise error
    return SimpleNamespace(python=_COLAB["python"], folder=_COLAB["folder"])


@pytest.fixture(scope="session")
def data_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data cache folder laid out like ``fetch`` lays it out, holding a fresh stand-in and its
    null control (as ``make data`` leaves it). Tests only read it (or copy it).

    With ``pytest -n`` the workers share one: ``fetch_data`` makes it under its own lock, so the
    first worker simulates it (several seconds) and the others wait for it and reuse it.
    """
    run_folder = tmp_path_factory.getbasetemp()
    if "PYTEST_XDIST_WORKER" in os.environ:  # a pytest-xdist worker: its base folder is its own
        run_folder = run_folder.parent
    cache = run_folder / "workshop-data"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(fetch.DATA_DIR_ENV, str(cache))
        for null_control in (False, True):
            fetch.fetch_data(synthetic.STANDS_IN_FOR, "synthetic", null_control=null_control)
    return cache


@pytest.fixture(scope="session")
def stand_in_path(data_cache: Path) -> Path:
    """Path of the session's stand-in NWB file."""
    return data_cache / "synthetic" / synthetic.STAND_IN_FILENAME


@pytest.fixture(scope="session")
def stand_in(stand_in_path: Path):
    """The stand-in loaded with pynapple, with any warning raised as an error."""
    import pynapple as nap

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return nap.load_file(str(stand_in_path))


@pytest.fixture(scope="session")
def ground_truth(stand_in_path: Path) -> synthetic.GroundTruth:
    """The ground truth saved beside the stand-in."""
    return synthetic.load_ground_truth(stand_in_path)


@pytest.fixture(scope="session")
def wake_population(stand_in):
    """The tutorial's population: ADN units in wake above 1 Hz.

    Returns a dict with the wake epoch (``wake``), the filtered ``TsGroup`` (``units``), their
    tuning curves (``tuning``) and preferred directions (``preferred``).
    """
    import pynapple as nap

    epochs = stand_in["epochs"]
    wake = epochs[epochs.tags == "wake"]
    spikes = stand_in["units"].restrict(wake)
    units = spikes[(spikes.location == "adn") & (spikes.rate > 1.0)]
    tuning = nap.compute_tuning_curves(
        units,
        stand_in["ry"].restrict(wake),
        bins=61,
        range=(0, 2 * np.pi),
        feature_names=["head_direction"],
    )
    preferred = tuning.coords["head_direction"].values[tuning.values.argmax(axis=1)]
    return {"wake": wake, "units": units, "tuning": tuning, "preferred": preferred}


ROOT = Path(__file__).resolve().parents[1]


MYST_HEADER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""


def myst_notebook(code: str, title: str = "A test notebook") -> str:
    """The text of a MyST Markdown notebook with one Python code cell holding ``code``."""
    return f"{MYST_HEADER}\n# {title}\n\n```{{code-cell}} ipython3\n{code}\n```\n"


def copy_repository(destination: Path) -> Path:
    """Copy the files a fresh clone would have (tracked, plus new files not ignored)."""
    from tools.repository import copy_clone

    return copy_clone(destination, ROOT)


def _book_command(repo: Path, data_cache: Path) -> tuple[list[str], dict[str, str]]:
    """``make book`` in ``repo`` on the stand-in, with this interpreter's environment.

    Make is told not to reinstall the environment (``-o`` on its install stamp).
    """
    import sys

    venv = Path(sys.prefix)
    env = {
        **os.environ,
        "WORKSHOP_DATA_SOURCE": "synthetic",
        "WORKSHOP_DATA_DIR": str(data_cache),
    }
    return ["make", "-o", f"{venv}/.installed", "book", f"VENV={venv}"], env


def make_book(repo: Path, data_cache: Path):
    """Run ``make book`` in ``repo`` on the stand-in and wait for it."""
    import subprocess

    command, env = _book_command(repo, data_cache)
    return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=1800)


_BOOK: dict = {}
"""The background build of the book: its copy of the repository, data cache and process."""


def _start_book_build(folder: Path) -> dict:
    """Copy the repository and start ``make book`` in it on an empty data cache, without
    waiting: the book builds while the tests that do not need it run."""
    import subprocess

    repo = copy_repository(folder / "repo")
    data_cache = folder / "data"
    command, env = _book_command(repo, data_cache)
    process = subprocess.Popen(
        command,
        cwd=repo,
        env=env,
        stdout=open(folder / "stdout.log", "w", encoding="utf-8"),  # noqa: SIM115
        stderr=open(folder / "stderr.log", "w", encoding="utf-8"),  # noqa: SIM115
    )
    return {"folder": folder, "repo": repo, "data_cache": data_cache, "process": process}


@pytest.fixture(scope="session")
def built_book():
    """The book built from scratch with ``make book`` in a copy of the repository (started at
    collection, on an empty data cache and an empty JAX cache).

    Returns the copy's root, the completed process and the HTML folder.
    """
    import subprocess
    from types import SimpleNamespace

    assert _BOOK, "the book build starts when a test that needs it is collected"
    returncode = _BOOK["process"].wait(timeout=1800)
    folder = _BOOK["folder"]
    process = subprocess.CompletedProcess(
        _BOOK["process"].args,
        returncode,
        stdout=(folder / "stdout.log").read_text(encoding="utf-8"),
        stderr=(folder / "stderr.log").read_text(encoding="utf-8"),
    )
    repo = _BOOK["repo"]
    return SimpleNamespace(
        root=repo, process=process, html=repo / "_build" / "html", data_cache=_BOOK["data_cache"]
    )


def executed_notebook(book_root: Path, page: str):
    """The executed notebook of a book page, read from the build's jupyter-cache.

    (``_build/jupyter_execute`` is not reliable: a rebuild that takes a notebook from the cache
    writes it there without outputs.)
    """
    from jupyter_cache import get_cache

    cache = get_cache(book_root / EXECUTION_CACHE)
    for record in cache.list_cache_records():
        if Path(record.uri).with_suffix("").as_posix().endswith(page):
            return cache.get_cache_bundle(record.pk).nb
    raise AssertionError(f"{page} was never executed")


GLUE_ROLE = re.compile(r"\{glue(?::text|:any|:md|:)?\}`([^`:]+)(?::[^`]*)?`")
"""A glue role in MyST prose (``{glue:text}`key:format` `` or ``{glue}`key` ``); group 1: key."""


def glued_values(book_root: Path, page: str) -> dict[str, object]:
    """The values a page's executed notebook glued, by key (numbers and words as Python values)."""
    import ast

    values: dict[str, object] = {}
    for cell in executed_notebook(book_root, page).cells:
        for output in cell.get("outputs", []):
            scrapbook = output.get("metadata", {}).get("scrapbook")
            if not scrapbook:
                continue
            data = output["data"]
            text = data.get(scrapbook.get("mime_prefix", "") + "text/plain", "")
            try:
                values[scrapbook["name"]] = ast.literal_eval(text)
            except (SyntaxError, ValueError):
                values[scrapbook["name"]] = text
    return values


def claim_problems(page: str, source: str, values: dict[str, object]) -> list[str]:
    """Every way a page's glued claims contradict their own numbers.

    - a key the prose (``source``, the page's MyST text) uses that the notebook never glued;
    - a verdict (``<stem>_verdict``) that is not what the interval glued beside it
      (``<stem>_low``, ``<stem>_high``) allows: "higher than" when it is above zero, "lower
      than" when below, "no different from" when it holds zero (written here apart from
      ``model_selection.verdict``, so that the check does not reuse the code it checks);
    - a glued difference outside its own interval.
    """

    def verdict(low: float, high: float) -> str:
        return "higher than" if low > 0 else "lower than" if high < 0 else "no different from"

    problems = []
    for key in sorted(set(GLUE_ROLE.findall(source))):
        if key not in values:
            problems.append(f"{page}: the text uses {key!r}, which is never glued")
    for key, value in values.items():
        if not key.endswith("_verdict"):
            continue
        stem = key.removesuffix("_verdict")
        low, high = values.get(f"{stem}_low"), values.get(f"{stem}_high")
        if low is None or high is None:
            continue
        if value != verdict(low, high):
            problems.append(
                f"{page}: {key} = {value!r} but its interval [{low}, {high}] says "
                f"{verdict(low, high)!r}"
            )
        difference = values.get(f"{stem}_difference")
        if difference is not None and not low <= difference <= high:
            problems.append(f"{page}: {stem}_difference {difference} is outside its interval")
    return problems


def glue_problems(book_root: Path, pages: list[str]) -> list[str]:
    """:func:`claim_problems` of every page, read from a built book's sources and cache."""
    problems = []
    for page in pages:
        source = (book_root / f"{page}.md").read_text(encoding="utf-8")
        problems += claim_problems(page, source, glued_values(book_root, page))
    return problems
