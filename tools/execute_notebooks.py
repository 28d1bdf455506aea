"""Execute the book's notebooks side by side into Jupyter Book's execution cache.

myst-nb executes the notebooks one after another while Sphinx reads them. Run first, a few at a
time, into the same jupyter-cache (``_build/.jupyter_cache``), they are found there by the
build, which then only reads them: on 2 cores a clean ``make book`` takes about a third less
time. ``make book`` runs this before ``jupyter-book build``.

jupyter-cache's own parallel executor (``jcache project execute --executor local-parallel``)
starts one notebook per processor core with no way to ask for fewer, and each kernel of this
workshop holds up to about 2 GB: on an 8-core, 8 GB laptop that build would run out of memory.
This script runs at most ``--jobs`` notebooks at once and otherwise uses jupyter-cache's own
pieces (its project, its notebook execution and its cache bundles), so the records are the ones
myst-nb itself would have written.

A notebook that fails is reported and not cached: the build then runs it again and reports the
error in its own terms, so this step only saves time and never decides whether the build passes.
"""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path("_build") / ".jupyter_cache"
"""Where Jupyter Book keeps its execution cache, relative to the book's root."""
READER = {"name": "myst_nb_md", "type": "plugin"}
"""myst-nb's jupyter-cache reader of MyST Markdown notebooks (the one the build uses)."""
DEFAULT_JOBS = 2
"""Two notebooks at once: about 4.5 GB of kernels at most, within an 8 GB laptop."""


def job_count(requested: int | None = None, cores: int | None = None) -> int:
    """How many notebooks to run at once: ``requested`` (default 2), never more than the cores.

    Parameters
    ----------
    requested : int, optional
        The number asked for; ``None`` means :data:`DEFAULT_JOBS`.
    cores : int, optional
        Processor cores available; ``None`` means ``os.cpu_count()``.

    Returns
    -------
    int
        At least 1.

    Raises
    ------
    ValueError
        If ``requested`` is smaller than 1.
    """
    if requested is not None and requested < 1:
        raise ValueError(f"--jobs must be 1 or more, got {requested}")
    cores = cores or os.cpu_count() or 1
    return max(1, min(DEFAULT_JOBS if requested is None else requested, cores))


def _execute_one(cache_path: str, uri: str, timeout: int) -> tuple[str, str | None]:
    """Execute one project notebook and cache it; return (uri, error or None)."""
    from jupyter_cache import get_cache
    from jupyter_cache.executors.utils import create_cache_bundle, single_nb_execution

    cache = get_cache(cache_path)
    project_notebook = cache.get_project_notebook(uri)
    # The notebook's own folder as working directory, as myst-nb does (execution_in_temp off).
    result = single_nb_execution(
        project_notebook.nb, cwd=str(Path(uri).parent), timeout=timeout, allow_errors=False
    )
    if result.err is not None:
        return uri, f"{type(result.err).__name__}: {result.err}"
    cache.cache_notebook_bundle(
        create_cache_bundle(project_notebook, result.cwd, None, result.time, result.exc_string),
        check_validity=False,
        overwrite=True,
    )
    return uri, None


def execute_notebooks(
    notebooks: list[Path], root: Path = ROOT, jobs: int | None = None, timeout: int | None = None
) -> dict[str, str | None]:
    """Execute the notebooks that the cache does not hold yet, at most ``jobs`` at a time.

    Parameters
    ----------
    notebooks : list of Path
        MyST Markdown notebooks.
    root : Path, optional
        The book's root folder (``_config.yml`` and ``_build`` are there).
    jobs : int, optional
        Notebooks run at once (see :func:`job_count`).
    timeout : int, optional
        Seconds allowed for each cell; default: ``execute.timeout`` of ``_config.yml``.

    Returns
    -------
    dict
        Each notebook executed (absolute path) and its error, ``None`` when it succeeded.
        Notebooks already cached are not run and not listed.
    """
    from jupyter_cache import get_cache

    if timeout is None:
        config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
        timeout = int(config["execute"]["timeout"])
    cache_path = root / CACHE
    cache_path.mkdir(parents=True, exist_ok=True)
    cache = get_cache(cache_path)
    uris = [str(Path(notebook).resolve()) for notebook in notebooks]
    for uri in uris:
        cache.add_nb_to_project(uri, read_data=READER)
    outdated = {record.uri for record in cache.list_unexecuted()}
    to_run = [uri for uri in uris if uri in outdated]
    if not to_run:
        return {}
    with ProcessPoolExecutor(max_workers=job_count(jobs)) as pool:
        futures = [pool.submit(_execute_one, str(cache_path), uri, timeout) for uri in to_run]
        return dict(future.result() for future in futures)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m tools.execute_notebooks [--jobs N] NOTEBOOK...``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path, help="MyST Markdown notebooks")
    parser.add_argument(
        "--jobs", type=int, default=None, help=f"notebooks at once (default {DEFAULT_JOBS})"
    )
    args = parser.parse_args(argv)
    try:
        results = execute_notebooks(args.notebooks, jobs=args.jobs)
    except ValueError as error:
        parser.error(str(error))
    if not results:
        print("Every notebook is already in the execution cache.")
    for uri, error in results.items():
        name = Path(uri).relative_to(ROOT) if Path(uri).is_relative_to(ROOT) else Path(uri)
        if error is None:
            print(f"executed: {name}")
        else:
            print(
                f"FAILED: {name}: {error.splitlines()[0]}\n"
                "  (the book build runs it again and shows the whole error)",
                file=sys.stderr,
            )
    return 1 if any(error is not None for error in results.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
