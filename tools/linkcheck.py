"""Check every external link of the book with Sphinx's linkcheck builder, executing nothing.

``jupyter-book build --builder linkcheck`` would execute the notebooks first (myst-nb runs them
while reading) and writes its report into ``_build/html``. This script runs the same Jupyter Book
configuration (``_config.yml``, ``_toc.yml``, local extensions) through Jupyter Book's own
``build_sphinx`` with ``nb_execution_mode`` off, into ``_build/linkcheck`` with its own doctrees,
so that the website's build and its execution cache are left alone. The report is
``_build/linkcheck/output.txt`` (and ``output.json``). Run it with ``make linkcheck``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

OVERRIDES = {
    # The links are in the sources: reading the notebooks without running them is enough.
    "nb_execution_mode": "off",
    # What `jupyter-book build` passes for a book (it reads these two from its command line).
    "external_toc_path": "_toc.yml",
    "latex_individualpages": False,
    # Report a timeout as a timeout, not as a broken link (Sphinx 8's default, set here so that
    # Sphinx 7 does not warn about the coming change).
    "linkcheck_report_timeouts_as_broken": False,
}
"""Sphinx settings given on top of ``_config.yml``."""


def linkcheck(root: Path = ROOT, timeout: float = 30.0) -> int:
    """Run Sphinx's linkcheck builder on the book without executing any notebook.

    Parameters
    ----------
    root : Path, optional
        The book's root folder (where ``_config.yml`` and ``_toc.yml`` are).
    timeout : float, optional
        Seconds to wait for each link.

    Returns
    -------
    int
        0 when every link works, 1 otherwise (Sphinx's own status).
    """
    from jupyter_book.sphinx import build_sphinx

    output = root / "_build" / "linkcheck"
    result = build_sphinx(
        root,
        output,
        noconfig=True,
        path_config=str(root / "_config.yml"),
        confoverrides={**OVERRIDES, "linkcheck_timeout": timeout},
        doctreedir=output / ".doctrees",
        builder="linkcheck",
        keep_going=True,
    )
    if isinstance(result, Exception):  # build_sphinx returns configuration errors
        print(f"error: {result}")
        return 1
    print(f"Report: {(output / 'output.txt').relative_to(root).as_posix()}")
    return 1 if result else 0


def main(argv: list[str] | None = None) -> int:
    """Check the book's links from the command line (``python tools/linkcheck.py``).

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments; default ``sys.argv[1:]``.

    Returns
    -------
    int
        0 when every link works, 1 otherwise.
    """
    parser = argparse.ArgumentParser(
        prog="python tools/linkcheck.py", description="Check the book's links (no execution)."
    )
    parser.add_argument("--root", type=Path, default=ROOT, help="the book (default: here)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per link")
    args = parser.parse_args(argv)
    return linkcheck(args.root.resolve(), args.timeout)


if __name__ == "__main__":
    sys.exit(main())
