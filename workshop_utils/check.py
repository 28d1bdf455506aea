"""Check a laptop's setup before the workshop.

Run ``python -m workshop_utils.check`` (or ``make check``). It prints one row per check, PASS,
WARN or FAIL, then how to fix each failure and warning, and exits with status 1 when anything
failed (a warning alone does not):

- Python: the stack is pinned for Python 3.12, 3.13 and 3.14.
- Platform: JAX publishes packages for this system, processor and Python build.
- Packages: every pinned package installed at its pinned version, and the core modules import.
- JAX: a small jit-compiled computation runs and gives the right answer.
- Matplotlib: a figure renders to PNG (Agg, in memory).
- Data: the recording is cached or downloads (HTTP 200 for the file itself); a warning when the
  notebooks will fall back to the synthetic stand-in, whose figures differ from the presenter's.
- Disk space: room for the data where it is cached.
- Kernel: the running Python is the environment's own.

Every check is a function returning a :class:`CheckResult`; its inputs can be passed in, so a
failure can be simulated without breaking the machine. Importing this module imports nothing
heavy: each check imports what it needs when it runs.

With ``--warm NOTEBOOK ...`` (``make check`` passes every notebook), a setup that passed then runs
each notebook once, start to end, in a kernel of this environment, and throws its outputs away.
That fills JAX's compilation cache (:func:`workshop_utils.runtime.jax_cache_dir`, shared by every
notebook, the book build and Jupyter) with every model the notebooks fit, at the shapes they fit
them, on the data this laptop will use: a participant's first live run then loads the compiled
code instead of compiling it. Running the notebooks themselves, rather than a list of fits kept
beside them, means the warm-up can never drift from what the notebooks do.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import shutil
import sys
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .files import FREE_SPACE_GB, storage_problem

if TYPE_CHECKING:  # pragma: no cover
    from .fetch import DataDownloadError, Resolution

__all__ = [
    "CORE_IMPORTS",
    "FREE_SPACE_GB",
    "SUPPORTED_PYTHONS",
    "CheckResult",
    "check_data",
    "check_disk_space",
    "check_jax",
    "check_jax_cache",
    "check_kernel",
    "check_matplotlib",
    "check_packages",
    "check_platform",
    "check_python",
    "format_table",
    "main",
    "run_checks",
    "warm_notebooks",
]

SUPPORTED_PYTHONS = ((3, 12), (3, 13), (3, 14))
"""The Pythons the stack is pinned for (pyproject.toml's ``requires-python``)."""


CORE_IMPORTS: dict[str, str] = {
    "nemos": "nemos",
    "pynapple": "pynapple",
    "jax": "jax",
    "matplotlib": "matplotlib",
    "pooch": "pooch",
    "pynwb": "pynwb",
}
"""Core modules actually imported by :func:`check_packages`: distribution name -> module name."""

DISTRIBUTION = "workshop_utils"
TABLE_WIDTH = 100
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

INSTALL_FIX = 'Run `make install` (or `pip install -e ".[book,test]"` in the environment).'
PYTHON_FIX = (
    "Install Python 3.13 (python.org's installer, `uv python install 3.13`, or conda) and "
    "recreate the environment: remove .venv/ and run `make install` (or `make install "
    "PYTHON=python3.13`), or `conda env create -f environment.yml`."
)
JAX_FIX = (
    "Known causes: 'built with AVX instructions' on an Apple silicon Mac means the Python is an "
    "x86 one running under Rosetta: install a native arm64 Python (python.org or "
    "`conda` for osx-arm64) and recreate the environment. 'DLL load failed while importing "
    "_jax' on Windows: install the Microsoft Visual C++ Redistributable (x64), or use WSL2. "
    "Never mix conda and pip installs of jax/jaxlib: reinstall both with pip (`make install`)."
)
MATPLOTLIB_FIX = "Reinstall Matplotlib: " + INSTALL_FIX
KERNEL_FIX = (
    "Several Python/Jupyter installations are on this machine. Start Jupyter from the "
    "workshop environment (activate it, then `jupyter lab`), or register it as a kernel with "
    "`python -m ipykernel install --user --name head-direction-workshop` and pick that kernel."
)
UNEXPECTED_FIX = (
    "The check itself crashed: recreate the environment with `make install`, and if that does "
    "not help, send this output to the instructors."
)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check.

    Attributes
    ----------
    name : str
        Short name of what was checked, e.g. ``"Python"``.
    passed : bool
        Whether the check passed; a warning passes (the workshop works, with a difference).
    detail : str
        What was found (versions, paths, error messages).
    fix : str
        How to fix a failure or a warning; empty when the check passed cleanly.
    warning : bool
        Whether the check passed with a warning, e.g. the notebooks will run on the synthetic
        stand-in instead of the real recording.
    """

    name: str
    passed: bool
    detail: str
    fix: str = ""
    warning: bool = False

    @property
    def status(self) -> str:
        """Return ``"PASS"``, ``"WARN"`` or ``"FAIL"``."""
        if not self.passed:
            return "FAIL"
        return "WARN" if self.warning else "PASS"


def _ok(name: str, detail: str) -> CheckResult:
    return CheckResult(name=name, passed=True, detail=detail, fix="")


def _warned(name: str, detail: str, fix: str) -> CheckResult:
    return CheckResult(name=name, passed=True, detail=detail, fix=fix, warning=True)


def _failed(name: str, detail: str, fix: str) -> CheckResult:
    return CheckResult(name=name, passed=False, detail=detail, fix=fix)


def _error_text(error: BaseException) -> str:
    message = " ".join(str(error).split())
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


# ------------------------------------------------------------------------------------- Python


def check_python(version_info: Sequence[int] = sys.version_info) -> CheckResult:
    """Check that Python is one the stack is pinned for (3.12, 3.13 or 3.14).

    Parameters
    ----------
    version_info : sequence of int, optional
        Version to check, as ``(major, minor[, micro, ...])``; default: the running Python's.

    Returns
    -------
    CheckResult
        Passed for 3.12.x, 3.13.x and 3.14.x.
    """
    found = ".".join(str(part) for part in tuple(version_info)[:3])
    wanted = ", ".join(".".join(map(str, supported)) for supported in SUPPORTED_PYTHONS)
    if tuple(version_info)[:2] in SUPPORTED_PYTHONS:
        return _ok("Python", f"Python {found}")
    return _failed(
        "Python",
        f"Python {found} found; the workshop needs Python {wanted} (the pinned NeMoS "
        "needs Python 3.12 or newer; 3.11 is no longer supported).",
        PYTHON_FIX,
    )


# ----------------------------------------------------------------------------------- platform

# Where the pinned jaxlib publishes packages (wheels): 64-bit Linux on x86_64 and aarch64, macOS
# on Apple silicon and 64-bit Windows on x86_64. None for Intel Macs (dropped in jaxlib 0.5.0),
# Windows on ARM or any 32-bit Python.
JAX_PLATFORMS = {
    "Linux": {"x86_64", "amd64", "aarch64", "arm64"},
    "Darwin": {"arm64"},
    "Windows": {"amd64", "x86_64"},
}
BROWSER_ROUTE = (
    "follow the workshop in the browser instead: the rocket button of each notebook page opens "
    "it on Binder or Google Colab."
)


def check_platform(
    system: str | None = None,
    machine: str | None = None,
    kernel: str | None = None,
    bits: int | None = None,
) -> CheckResult:
    """Check that JAX publishes packages for this operating system, processor and Python build.

    Parameters
    ----------
    system : str, optional
        The operating system, as ``platform.system()`` names it (``"Linux"``, ``"Darwin"``,
        ``"Windows"``); default: this one.
    machine : str, optional
        The processor the running Python was built for, as ``platform.machine()`` names it;
        default: this one's.
    kernel : str, optional
        The kernel's version string, ``platform.version()``. On macOS it names the machine's
        processor (``RELEASE_ARM64``) even when an Intel Python runs under Rosetta.
    bits : int, optional
        32 or 64: the running Python's pointer size; default: this one's.

    Returns
    -------
    CheckResult
        Passed on 64-bit Linux (x86_64 or aarch64), macOS with a native Apple-silicon Python and
        64-bit Windows on x86_64. A failure names the platform-specific fix: a native arm64
        Python on an Apple-silicon Mac running an Intel one, the x64 Python on Windows on ARM,
        a 64-bit Python instead of a 32-bit one, or Binder and Colab where JAX cannot install.
    """
    import platform
    import struct

    name = "Platform"
    system = system if system is not None else platform.system()
    machine = machine if machine is not None else platform.machine()
    kernel = kernel if kernel is not None else platform.version()
    bits = bits if bits is not None else struct.calcsize("P") * 8
    processor = machine.lower()
    shown = {"Darwin": "macOS"}.get(system, system)
    detail = f"{shown} on {machine or 'an unknown processor'}, {bits}-bit Python"

    if system == "Darwin" and processor == "x86_64" and "ARM64" in kernel.upper():
        return _failed(
            name,
            f"{detail}: an Intel (x86_64) Python running under Rosetta on an Apple-silicon Mac; "
            "JAX publishes no packages for it.",
            "Install a native Apple-silicon Python 3.13 (python.org's macOS installer, or "
            'Homebrew in /opt/homebrew), check that `python3.13 -c "import platform; '
            'print(platform.machine())"` prints arm64, then recreate the environment: remove '
            ".venv/ and run `make install PYTHON=python3.13`.",
        )
    if bits != 64:
        on_windows_pc = system == "Windows" and processor in JAX_PLATFORMS["Windows"]
        return _failed(
            name,
            f"{detail}: JAX publishes packages for 64-bit Pythons only.",
            'Install python.org\'s "Windows installer (64-bit)" of Python 3.13 and recreate '
            "the environment with it."
            if on_windows_pc
            else "Use a 64-bit Python 3.13 on a 64-bit system, or " + BROWSER_ROUTE,
        )
    if system == "Windows" and processor in {"arm64", "aarch64"}:
        return _failed(
            name,
            f"{detail}: JAX publishes no packages for Windows on ARM.",
            "Install python.org's x64 (AMD64) Python 3.13, which Windows on ARM runs by "
            "emulation, and recreate the environment with it; or use WSL2.",
        )
    if system == "Darwin" and processor == "x86_64":
        return _failed(
            name,
            f"{detail}: an Intel Mac. JAX publishes no packages for Intel Macs any more.",
            "On an Intel Mac, " + BROWSER_ROUTE,
        )
    if processor not in JAX_PLATFORMS.get(system, set()):
        return _failed(
            name,
            f"{detail}: JAX publishes no packages for it.",
            "Use a 64-bit Linux, Windows or Apple-silicon Mac computer, or " + BROWSER_ROUTE,
        )
    return _ok(name, f"{detail}: JAX publishes packages for it")


# ----------------------------------------------------------------------------------- packages


def _installed_pins() -> dict[str, str]:
    """Return the exact pins of the installed workshop_utils, its extras included."""
    from importlib.metadata import metadata, requires

    from packaging.requirements import Requirement

    extras = [""] + list(metadata(DISTRIBUTION).get_all("Provides-Extra") or [])
    pins: dict[str, str] = {}
    for line in requires(DISTRIBUTION) or []:
        requirement = Requirement(line)
        specs = list(requirement.specifier)
        if len(specs) != 1 or specs[0].operator not in ("==", "==="):
            continue
        marker = requirement.marker
        if marker is not None and not any(marker.evaluate({"extra": e}) for e in extras):
            continue
        pins[requirement.name] = specs[0].version
    return pins


def _same_version(installed: str, wanted: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(installed) == Version(wanted)
    except InvalidVersion:
        return installed == wanted


def check_packages(
    pins: Mapping[str, str] | None = None, modules: Mapping[str, str] | None = None
) -> CheckResult:
    """Check that every pinned package is installed at its version and the core modules import.

    Parameters
    ----------
    pins : mapping of str to str, optional
        Distribution name -> exact version. Default: the ``==`` pins of the installed
        ``workshop_utils`` distribution, with those of its ``book`` and ``test`` extras.
    modules : mapping of str to str, optional
        Distribution name -> module to import; default :data:`CORE_IMPORTS`. An import error
        (e.g. jaxlib's AVX or DLL errors) is reported with its message.

    Returns
    -------
    CheckResult
        One result listing every missing package, wrong version and failed import.
    """
    from importlib.metadata import PackageNotFoundError, version

    name = "Packages"
    if pins is None:
        try:
            pins = _installed_pins()
        except PackageNotFoundError:
            return _failed(
                name,
                f"{DISTRIBUTION} is not installed in this environment ({sys.executable}).",
                INSTALL_FIX,
            )
    modules = CORE_IMPORTS if modules is None else modules

    missing: list[str] = []
    wrong: list[str] = []
    for distribution, wanted in pins.items():
        try:
            installed = version(distribution)
        except PackageNotFoundError:
            missing.append(f"{distribution}=={wanted}")
            continue
        if not _same_version(installed, wanted):
            wrong.append(f"{distribution} {installed} (pinned {wanted})")

    broken: list[str] = []
    missing_names = {entry.partition("==")[0] for entry in missing}
    for distribution, module in modules.items():
        if distribution in missing_names:
            continue  # already reported as missing
        try:
            importlib.import_module(module)
        except Exception as error:  # ImportError, or jaxlib's RuntimeError about AVX
            broken.append(f"import {module} failed: {_error_text(error)}")

    problems = []
    if missing:
        problems.append("missing: " + ", ".join(missing))
    if wrong:
        problems.append("wrong version: " + ", ".join(wrong))
    problems += broken
    if problems:
        return _failed(name, "; ".join(problems), INSTALL_FIX)
    return _ok(
        name,
        f"{len(pins)} pinned packages at their versions; imported {', '.join(modules.values())}",
    )


# ---------------------------------------------------------------------------------------- JAX


def check_jax() -> CheckResult:
    """Run a small jit-compiled JAX computation and compare it with NumPy.

    Returns
    -------
    CheckResult
        Passed when the result matches to a relative 1e-4; the detail gives JAX's backend and
        devices (CPU is expected). On an exception, failed with its text and the known fixes.
    """
    name = "JAX"
    try:
        import jax
        import jax.numpy as jnp
        import numpy as np

        rng = np.random.default_rng(0)
        a = rng.random((200, 200), dtype=np.float32)
        b = rng.random((200, 200), dtype=np.float32)
        compiled = jax.jit(lambda x, y: jnp.sum(x @ y))
        result = float(compiled(jnp.asarray(a), jnp.asarray(b)))
        expected = float(np.sum(a.astype(np.float64) @ b.astype(np.float64)))
        backend = jax.default_backend()
        devices = ", ".join(str(device) for device in jax.devices())
    except Exception as error:
        return _failed(name, _error_text(error), JAX_FIX)
    if not np.isclose(result, expected, rtol=1e-4, atol=0.0):
        return _failed(
            name,
            f"jit matmul gave {result!r}, NumPy {expected!r} (backend {backend}: {devices})",
            JAX_FIX,
        )
    return _ok(name, f"jax {jax.__version__}, jit matmul OK; backend {backend} ({devices})")


# ---------------------------------------------------------------------------------- JAX cache


def check_jax_cache() -> CheckResult:
    """Check that the notebooks can keep their compiled models (the JAX cache folder).

    Every notebook's settings call (:func:`workshop_utils.runtime.configure_notebook`) points
    JAX at :func:`workshop_utils.runtime.jax_cache_dir`. A relative ``$WORKSHOP_JAX_CACHE``
    stops every notebook at that call; a cache that is a file or cannot be written makes every
    run compile every model again (tens of seconds each time).

    Returns
    -------
    CheckResult
        Failed for a relative path or a file in the way, a warning for a folder that cannot be
        written, passed otherwise.
    """
    from .runtime import JAX_CACHE_ENV, jax_cache_dir

    name = "JAX cache"
    fix = (
        f"Set {JAX_CACHE_ENV} to an absolute folder you can write to, e.g. "
        f"export {JAX_CACHE_ENV}=$HOME/workshop-jax-cache (or unset it to use the data cache's "
        "jax folder)."
    )
    try:
        folder = jax_cache_dir()
    except ValueError as error:
        return _failed(name, f"{error} Every notebook would stop at its settings call.", fix)
    problem = storage_problem(folder)
    if problem is None:
        return _ok(name, f"compiled models are kept in {folder}")
    if not _nearest_existing(folder).is_dir():
        return _failed(name, f"{problem}: nothing can be kept", fix)
    return _warned(name, f"{problem}: every run of a notebook compiles its models again", fix)


# --------------------------------------------------------------------------------- Matplotlib


def check_matplotlib() -> CheckResult:
    """Render a small figure to PNG in memory with the Agg canvas.

    The global backend and ``rcParams`` are left untouched.

    Returns
    -------
    CheckResult
        Passed when the output starts with the PNG signature.
    """
    name = "Matplotlib"
    try:
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        figure = Figure(figsize=(2, 2), dpi=50)
        canvas = FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        axes.plot([0, 1, 2], [0, 1, 0])
        axes.set_title("check")
        buffer = io.BytesIO()
        canvas.print_png(buffer)
        png = buffer.getvalue()
    except Exception as error:
        return _failed(name, _error_text(error), MATPLOTLIB_FIX)
    if not png.startswith(PNG_SIGNATURE):
        return _failed(name, f"rendered {len(png)} bytes that are not a PNG", MATPLOTLIB_FIX)
    return _ok(name, f"matplotlib {matplotlib.__version__}, Agg rendered a {len(png)}-byte PNG")


# --------------------------------------------------------------------------------------- data


def _nearest_existing(path: Path) -> Path:
    path = Path(os.path.abspath(path))
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def _default_cache_dir() -> Path:
    from . import fetch

    return fetch.cache_dir()


def check_data(
    cache_dir: Path | None = None,
    probe: Callable[[str], DataDownloadError | None] | None = None,
    source: str | None = None,
) -> CheckResult:
    """Check that the notebooks will get the workshop data, and which data.

    Asks :func:`workshop_utils.fetch.resolve` what a fetch would do, so that the check and
    the fetch cannot disagree.

    Parameters
    ----------
    cache_dir : Path, optional
        The data cache folder; default :func:`workshop_utils.fetch.cache_dir`
        (``$WORKSHOP_DATA_DIR``, else the user cache folder).
    probe : callable, optional
        ``probe(url)`` returning the :class:`~workshop_utils.fetch.DataDownloadError` a
        download from ``url`` would meet, or None; default
        :func:`workshop_utils.fetch.url_problem` (HTTP 200 for the file itself, not an HTML
        page; from a mirror, also the file's published sha256, read in full). Only called for
        files that are not cached.
    source : {"auto", "real", "synthetic"}, optional
        The data source the notebooks will use; default ``$WORKSHOP_DATA_SOURCE``, else
        ``"auto"``.

    Returns
    -------
    CheckResult
        Passed when each file is cached with its published sha256 or downloads from its
        address (or, with ``source="synthetic"``, its stand-in is cached or can be generated),
        and the stand-in and its null control, which ``ground_truth`` runs on whatever the
        source, are cached or can be generated.
        A warning when, with ``source="auto"``, the notebooks will fall back to the synthetic
        stand-in (offline, firewall, OSF out of reach, cache read-only, another process
        fetching): they run, but their numbers and figures differ from the presenter's
        real-data screen. Failed when the fetch will fail, or a setting or the cache is broken
        (a mirror that does not serve the file, a file where the cache folder should be, a
        folder at the file's name, a symbolic link at its lock).
    """
    from . import fetch

    name = "Data"
    probe = probe if probe is not None else _download_problem
    try:
        plans = [fetch.resolve(file, source, cache_dir, probe) for file in fetch.REGISTRY]
    except ValueError as error:  # unknown source, relative WORKSHOP_DATA_DIR, bad timeout
        return _failed(name, str(error), "Correct that setting as the detail says, or unset it.")

    verdicts = [_data_verdict(plan) for plan in plans]
    verdicts += [_null_control_verdict(plan) for plan in plans if plan.has_stand_in]
    order = {"fail": 0, "warn": 1, "pass": 2}
    verdicts.sort(key=lambda verdict: order[verdict[0]])
    detail = "; ".join(text for _, text, _ in verdicts) + f" [cache: {plans[0].folder}]"
    fixes = " ".join(dict.fromkeys(fix for state, _, fix in verdicts if state != "pass"))
    state = verdicts[0][0] if verdicts else "pass"
    if state == "fail":
        return _failed(name, detail, fixes)
    if state == "warn":
        return _warned(name, detail, fixes)
    return _ok(name, detail)


def _download_problem(url: str) -> DataDownloadError | None:
    """Return what downloading ``url`` would meet; a mirror's file is read whole (hash).

    A mirror is a server in the room, so reading its 37 MB takes a second or two, and a copy
    that is another file or damaged would otherwise pass the check and then fail the fetch.
    OSF's file is only probed (a full download on a conference network is the fetch's job,
    which checks the hash too).
    """
    from . import fetch

    if not os.environ.get(fetch.DATA_MIRROR_ENV):
        return fetch.url_problem(url)
    name = url.rstrip("/").rsplit("/", 1)[-1]
    data_file = fetch.REGISTRY.get(name)
    return fetch.url_problem(url, sha256=data_file.sha256 if data_file else None)


# The notebooks that ask for the stand-in and its null control whatever the data source.
STAND_IN_USERS = "ground_truth and coupling_null"


def _null_control_verdict(plan: Resolution) -> tuple[str, str, str]:
    """Judge whether ``ground_truth`` and ``coupling_null`` will get the stand-in and null control.

    Those notebooks use both whatever the data source (the real recording has no ground truth),
    so a cache that holds the real file but cannot be written, and lacks either of them, stops
    them where they ask for them.
    """
    if plan.stand_in is not None and plan.null_control is not None:
        return "pass", f"{STAND_IN_USERS}: stand-in and null control cached", ""
    missing = "null control" if plan.stand_in is not None else "stand-in and null control"
    if plan.stand_in_problem is not None:
        return (
            "fail",
            f"{STAND_IN_USERS}: {missing} cannot be generated: {plan.stand_in_problem.reason}",
            plan.stand_in_problem.fix,
        )
    return "pass", f"{STAND_IN_USERS}: {missing} will be generated on first use", ""


def _data_verdict(plan: Resolution) -> tuple[str, str, str]:
    """Judge one file's resolution: ``(state, text, fix)``, state pass, warn or fail."""
    from . import fetch

    file = plan.name
    if plan.source == "synthetic":
        if not plan.has_stand_in:
            return (
                "fail",
                f"{file} has no synthetic stand-in",
                f"Set {fetch.DATA_SOURCE_ENV}=auto to download it.",
            )
        if plan.stand_in is not None:
            return "pass", f"{file}: synthetic stand-in cached (source=synthetic)", ""
        if plan.stand_in_problem is not None:
            return (
                "fail",
                f"{file}: the synthetic stand-in cannot be generated: "
                f"{plan.stand_in_problem.reason}",
                plan.stand_in_problem.fix,
            )
        return (
            "pass",
            f"{file}: synthetic stand-in will be generated on first use (source=synthetic, no "
            "network needed)",
            "",
        )
    if plan.cached:
        return "pass", plan.found, ""
    problem = plan.problem
    if problem is None:
        return (
            "pass",
            f"{plan.found}; {fetch.shown_url(plan.url)} serves it, will download on first use",
            "",
        )
    text = f"{plan.found}; {problem.reason}"
    broken_mirror = plan.mirror is not None and problem.kind in ("settings", "network", "server")
    if broken_mirror:
        fix = (
            f"{fetch.DATA_MIRROR_ENV}={plan.mirror} does not serve {file}: check the address "
            "with the instructors (it must start with http://), or unset it."
        )
        return "fail", text, fix
    if problem.kind in ("settings", "cache"):
        return "fail", text, problem.fix
    stand_in_usable = plan.stand_in is not None or plan.stand_in_problem is None
    if plan.source == "auto" and plan.has_stand_in and stand_in_usable:
        how = "cached" if plan.stand_in is not None else "generated on first use"
        text += (
            f"; the notebooks will run on the synthetic stand-in ({how}), so their numbers and "
            "figures will differ from the presenter's real-data screen"
        )
        offline_fix = (
            "To work on the real recording, run `make data` while online (it downloads it "
            f"once), or set {fetch.DATA_MIRROR_ENV} to the room's mirror (ask the "
            "instructors); then run `make check` again."
        )
        fix = offline_fix if problem.kind in ("network", "server") else problem.fix
        return "warn", text, fix
    return "fail", text, problem.fix


# --------------------------------------------------------------------------------- disk space


def check_disk_space(
    path: Path | None = None,
    minimum_gb: float = FREE_SPACE_GB,
    usage: Callable[[Path], Any] = shutil.disk_usage,
) -> CheckResult:
    """Check the free space where the data is cached.

    Parameters
    ----------
    path : Path, optional
        The folder to check (its nearest existing parent is measured); default: the data cache
        folder.
    minimum_gb : float, optional
        Free space needed, in GB (GiB).
    usage : callable, optional
        ``usage(path)`` returning an object with a ``free`` attribute in bytes; default
        :func:`shutil.disk_usage`.

    Returns
    -------
    CheckResult
        Passed when at least ``minimum_gb`` are free.
    """
    name = "Disk space"
    try:
        folder = Path(path) if path is not None else _default_cache_dir()
    except ValueError as error:  # e.g. a relative WORKSHOP_DATA_DIR, reported by the data check
        return _failed(name, str(error), "Correct that setting as the detail says, or unset it.")
    measured = _nearest_existing(folder)
    free_gb = usage(measured).free / 1024**3
    detail = f"{free_gb:.1f} GB free at {measured} (need {minimum_gb:g} GB)"
    if free_gb >= minimum_gb:
        return _ok(name, detail)
    from . import fetch

    return _failed(
        name,
        detail,
        f"Free at least {minimum_gb:g} GB on that drive, or point {fetch.DATA_DIR_ENV} to a "
        "folder on a drive with room.",
    )


# ------------------------------------------------------------------------------------- kernel


def _kernel_interpreter() -> tuple[str, str]:
    """Return the interpreter the notebooks' ``python3`` kernel runs, and where its spec is.

    Notebooks name the kernel ``python3``; Jupyter finds its spec on its search path (the
    user's folder first, then the environment's). A spec whose command is plain ``python``
    runs the interpreter of the Jupyter that starts it; any other command is that program.
    """
    try:
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    except ImportError:  # no Jupyter here: the interpreter that would start it is this one
        return sys.executable, "no Jupyter in this environment"
    try:
        spec = KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:
        return sys.executable, "the built-in python3 kernel"
    command = spec.argv[0] if spec.argv else "python"
    native = {"python", f"python{sys.version_info[0]}", "python{}.{}".format(*sys.version_info)}
    if command in native:
        return sys.executable, f"the python3 kernel of {spec.resource_dir}"
    return command, f"the python3 kernel of {spec.resource_dir}"


def check_kernel(executable: str | None = None, prefix: str | None = None) -> CheckResult:
    """Check that the notebooks' kernel (``python3``) runs the environment's own Python.

    Parameters
    ----------
    executable : str, optional
        The kernel's interpreter; default: the one the ``python3`` kernelspec found by Jupyter
        runs (a kernelspec in the user's folder that points at another Python shadows the
        environment's own).
    prefix : str, optional
        The environment's folder; default ``sys.prefix``.

    Returns
    -------
    CheckResult
        Passed when the interpreter lies inside the environment's folder.
    """
    name = "Kernel"
    where = ""
    if executable is None:
        executable, where = _kernel_interpreter()
    prefix = prefix if prefix is not None else sys.prefix
    if not executable:
        return _failed(name, "sys.executable is empty: the interpreter is unknown", KERNEL_FIX)
    # Not resolved: a virtualenv's python is a symlink to the base interpreter.
    inside = Path(os.path.normcase(os.path.abspath(executable))).is_relative_to(
        Path(os.path.normcase(os.path.abspath(prefix)))
    )
    spec = f" ({where})" if where else ""
    if inside:
        return _ok(name, f"{executable}{spec}")
    return _failed(name, f"{executable}{spec} is not inside the environment {prefix}", KERNEL_FIX)


# ---------------------------------------------------------------------------------- reporting


def run_checks() -> list[CheckResult]:
    """Run every check; one that raises becomes a failed result.

    Returns
    -------
    list of CheckResult
        Python, platform, packages, JAX, JAX cache, Matplotlib, data, disk space and kernel,
        in that order.
    """
    checks: list[tuple[str, Callable[[], CheckResult]]] = [
        ("Python", check_python),
        ("Platform", check_platform),
        ("Packages", check_packages),
        ("JAX", check_jax),
        ("JAX cache", check_jax_cache),
        ("Matplotlib", check_matplotlib),
        ("Data", check_data),
        ("Disk space", check_disk_space),
        ("Kernel", check_kernel),
    ]
    results = []
    for name, check in checks:
        try:
            results.append(check())
        except Exception as error:
            results.append(
                _failed(name, f"the check crashed: {_error_text(error)}", UNEXPECTED_FIX)
            )
    return results


def format_table(results: Sequence[CheckResult], width: int = TABLE_WIDTH) -> str:
    """Format results as a plain-text table, then how to fix each failure.

    Parameters
    ----------
    results : sequence of CheckResult
        The results to show.
    width : int, optional
        Line width to wrap to.

    Returns
    -------
    str
        The table (columns check, status, detail), a summary line and, if anything failed or
        warned, a numbered "How to fix" list (failures first).
    """
    name_width = max([len("Check")] + [len(result.name) for result in results])
    status_width = len("Status")
    indent = name_width + status_width + 4
    detail_width = max(width - indent, 20)
    lines = [
        f"{'Check':<{name_width}}  {'Status':<{status_width}}  Detail",
        f"{'-' * name_width}  {'-' * status_width}  {'-' * detail_width}",
    ]
    for result in results:
        status = result.status
        wrapped = textwrap.wrap(result.detail, detail_width, break_on_hyphens=False) or [""]
        lines.append(f"{result.name:<{name_width}}  {status:<{status_width}}  {wrapped[0]}")
        lines += [" " * indent + line for line in wrapped[1:]]

    failures = [result for result in results if not result.passed]
    warnings = [result for result in results if result.passed and result.warning]
    lines.append("")
    if not failures and not warnings:
        lines.append(f"All {len(results)} checks passed: you are ready for the workshop.")
        return "\n".join(lines)
    summary = []
    if failures:
        summary.append(f"{len(failures)} of {len(results)} checks failed")
    if warnings:
        summary.append(f"{len(warnings)} passed with a warning (WARN)")
    if not failures:
        summary.append("you can follow the workshop, but read the warning first")
    lines.append("; ".join(summary) + ".")
    lines += ["", "How to fix:"]
    for number, result in enumerate(failures + warnings, start=1):
        label = f"{result.name} (warning)" if result.passed else result.name
        lines += textwrap.wrap(
            f"{number}. {label}: {result.fix or 'see the detail above.'}",
            width,
            subsequent_indent="   ",
            break_on_hyphens=False,
        )
    return "\n".join(lines)


# ------------------------------------------------------------------------------- warm-up


def warm_notebooks(
    notebooks: Sequence[str | os.PathLike], timeout: float = 900.0
) -> list[CheckResult]:
    """Run each notebook once, start to end, to fill JAX's compilation cache.

    Each notebook (a MyST ``.md`` or an ``.ipynb``) runs in a fresh ``python3`` kernel, in its
    own folder, with this process's environment (so the same data source and cache folders);
    its outputs are discarded. The notebooks point JAX at
    :func:`workshop_utils.runtime.jax_cache_dir`, so every model they compile lands there.

    Parameters
    ----------
    notebooks : sequence of str or os.PathLike
        The notebooks to run, in order.
    timeout : float, optional
        Seconds one cell may take before the run counts as failed.

    Returns
    -------
    list of CheckResult
        One per notebook: passed with its run time, or failed with the error and its fix.
    """
    results = []
    for notebook in notebooks:
        path = Path(notebook)
        name = f"Warm-up: {path.stem}"
        if not path.is_file():
            results.append(
                _failed(name, f"{path} does not exist", "Run `make check` from the repository.")
            )
            continue
        try:
            import jupytext
            from nbclient import NotebookClient
        except ImportError as error:
            results.append(_failed(name, _error_text(error), INSTALL_FIX))
            continue
        import time

        started = time.perf_counter()
        try:
            document = jupytext.read(path)
            NotebookClient(
                document,
                timeout=timeout,
                kernel_name="python3",
                resources={"metadata": {"path": str(path.parent.resolve())}},
            ).execute()
        except Exception as error:  # a failing cell, a dead kernel: report it, try the next one
            results.append(
                _failed(
                    name,
                    f"{path.name} stopped with an error: {_error_text(error)}"[:500],
                    "Open the notebook in Jupyter and run it to see the error; the "
                    "troubleshooting page lists the usual causes.",
                )
            )
            continue
        elapsed = time.perf_counter() - started
        results.append(_ok(name, f"{path.name} ran in {elapsed:.0f} s; its models are compiled"))
    return results


def main(argv: list[str] | None = None) -> int:
    """Run the setup check and print the table; with ``--warm``, then run the notebooks once.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments; default ``sys.argv[1:]``.

    Returns
    -------
    int
        0 when every check passed (warnings included) and every warm-up run ended, 1 otherwise.
    """
    parser = argparse.ArgumentParser(
        prog="python -m workshop_utils.check",
        description="Check this computer's setup for the head-direction GLM workshop.",
    )
    parser.add_argument(
        "--warm",
        nargs="*",
        metavar="NOTEBOOK",
        help="after the checks pass, run these notebooks once (default: notebooks/*.md of "
        "the current folder) to compile their models before the workshop (a few minutes)",
    )
    args = parser.parse_args(argv)
    print("Checking the workshop setup (this takes up to a minute)...", flush=True)
    results = run_checks()
    print(format_table(results))
    if not all(result.passed for result in results):
        return 1
    if args.warm is not None:
        notebooks = args.warm or sorted(Path("notebooks").glob("*.md"))
        if not notebooks:
            print(
                "No notebooks to warm up in ./notebooks: run the check from the workshop's "
                "folder, or name the notebooks after --warm."
            )
            return 1
        print(
            f"\nWarming up: running {len(notebooks)} notebooks once so that their models are "
            "compiled before the workshop (a few minutes)...",
            flush=True,
        )
        warm = warm_notebooks(notebooks)
        print(format_table(warm))
        if not all(result.passed for result in warm):
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
