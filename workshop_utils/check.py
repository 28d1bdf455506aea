"""Check a laptop's setup before the workshop: ``python -m workshop_utils.check``.

It prints one row per check, PASS, WARN or FAIL, then how to fix each failure and warning; it
exits with 1 when anything failed (a warning alone does not). Each check's inputs can be passed
in, so a failure can be simulated; importing this module imports nothing heavy. ``--warm`` (used
by ``make check``) then runs each notebook once to fill JAX's compilation cache, so the first live
run loads compiled code; running the notebooks themselves means the warm-up cannot drift.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import platform
import shutil
import struct
import sys
import textwrap
import time
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

CORE_IMPORTS = {name: name for name in ("nemos", "pynapple", "jax", "matplotlib", "pooch", "pynwb")}
"""Core modules actually imported by :func:`check_packages`: distribution name -> module name."""

DISTRIBUTION = "workshop_utils"

INSTALL_FIX = 'Run `make install` (or `pip install -e ".[book,test]"` in the environment).'
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
        Whether it passed with a warning, e.g. the notebooks will run on the synthetic stand-in.
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


def check_python(version_info: Sequence[int] = sys.version_info) -> CheckResult:
    """Check that Python is one the stack is pinned for (3.12, 3.13 or 3.14).

    Parameters
    ----------
    version_info : sequence of int, optional
        ``(major, minor[, micro, ...])`` to check; default: the running Python's.

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
        "Install Python 3.13 (python.org's installer, `uv python install 3.13`, or conda) and "
        "recreate the environment: remove .venv/ and run `make install` (or `make install "
        "PYTHON=python3.13`), or `conda env create -f environment.yml`.",
    )


# Where the pinned jaxlib publishes wheels: none for Intel Macs (since jaxlib 0.5.0) or 32 bits.
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

    Each parameter defaults to this computer's.

    Parameters
    ----------
    system : str, optional
        The operating system, as ``platform.system()`` names it.
    machine : str, optional
        The processor the running Python was built for, as ``platform.machine()`` names it.
    kernel : str, optional
        ``platform.version()``, which names an Apple-silicon Mac (``RELEASE_ARM64``) under Rosetta.
    bits : int, optional
        The running Python's pointer size, 32 or 64.

    Returns
    -------
    CheckResult
        Passed on 64-bit Linux, native Apple-silicon macOS and Windows on x86_64; else the fix.
    """
    name = "Platform"
    system = system if system is not None else platform.system()
    machine = machine if machine is not None else platform.machine()
    kernel = kernel if kernel is not None else platform.version()
    bits = bits if bits is not None else struct.calcsize("P") * 8
    processor = machine.lower()
    shown = {"Darwin": "macOS"}.get(system, system)
    detail = f"{shown} on {machine or 'an unknown processor'}, {bits}-bit Python"
    if system == "Darwin" and processor == "x86_64" and "ARM64" in kernel.upper():
        found = (
            "an Intel (x86_64) Python running under Rosetta on an Apple-silicon Mac; "
            "JAX publishes no packages for it."
        )
        fix = (
            "Install a native Apple-silicon Python 3.13 (python.org's macOS installer, or "
            'Homebrew in /opt/homebrew), check that `python3.13 -c "import platform; '
            'print(platform.machine())"` prints arm64, then recreate the environment: remove '
            ".venv/ and run `make install PYTHON=python3.13`."
        )
    elif bits != 64:
        found = "JAX publishes packages for 64-bit Pythons only."
        fix = "Use a 64-bit Python 3.13 on a 64-bit system, or " + BROWSER_ROUTE
        if system == "Windows" and processor in JAX_PLATFORMS["Windows"]:
            fix = (
                'Install python.org\'s "Windows installer (64-bit)" of Python 3.13 and recreate '
                "the environment with it."
            )
    elif system == "Windows" and processor in {"arm64", "aarch64"}:
        found = "JAX publishes no packages for Windows on ARM."
        fix = (
            "Install python.org's x64 (AMD64) Python 3.13, which Windows on ARM runs by "
            "emulation, and recreate the environment with it; or use WSL2."
        )
    elif system == "Darwin" and processor == "x86_64":
        found = "an Intel Mac. JAX publishes no packages for Intel Macs any more."
        fix = "On an Intel Mac, " + BROWSER_ROUTE
    elif processor not in JAX_PLATFORMS.get(system, set()):
        found = "JAX publishes no packages for it."
        fix = "Use a 64-bit Linux, Windows or Apple-silicon Mac computer, or " + BROWSER_ROUTE
    else:
        return _ok(name, f"{detail}: JAX publishes packages for it")
    return _failed(name, f"{detail}: {found}", fix)


def _installed_pins() -> dict[str, str]:
    """Return the exact pins of the installed workshop_utils, its extras included."""
    from importlib.metadata import metadata, requires

    from packaging.requirements import Requirement

    extras = [""] + list(metadata(DISTRIBUTION).get_all("Provides-Extra") or [])
    pins: dict[str, str] = {}
    for line in requires(DISTRIBUTION) or []:
        requirement = Requirement(line)
        specs, marker = list(requirement.specifier), requirement.marker
        is_pin = len(specs) == 1 and specs[0].operator in ("==", "===")
        if is_pin and (marker is None or any(marker.evaluate({"extra": e}) for e in extras)):
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
        Distribution name -> exact version; default: the installed ``workshop_utils``'s pins.
    modules : mapping of str to str, optional
        Distribution name -> module to import; default :data:`CORE_IMPORTS`.

    Returns
    -------
    CheckResult
        One result listing every missing package, wrong version and failed import (its message).
    """
    from importlib.metadata import PackageNotFoundError, version

    name = "Packages"
    if pins is None:
        try:
            pins = _installed_pins()
        except PackageNotFoundError:
            detail = f"{DISTRIBUTION} is not installed in this environment ({sys.executable})."
            return _failed(name, detail, INSTALL_FIX)
    modules = CORE_IMPORTS if modules is None else modules
    missing: dict[str, str] = {}
    wrong: list[str] = []
    for distribution, wanted in pins.items():
        try:
            installed = version(distribution)
        except PackageNotFoundError:
            missing[distribution] = f"{distribution}=={wanted}"
            continue
        if not _same_version(installed, wanted):
            wrong.append(f"{distribution} {installed} (pinned {wanted})")
    problems = ["missing: " + ", ".join(missing.values())] if missing else []
    if wrong:
        problems.append("wrong version: " + ", ".join(wrong))
    for distribution, module in modules.items():
        if distribution in missing:
            continue  # already reported as missing
        try:
            importlib.import_module(module)
        except Exception as error:  # ImportError, or jaxlib's RuntimeError about AVX
            problems.append(f"import {module} failed: {_error_text(error)}")
    if problems:
        return _failed(name, "; ".join(problems), INSTALL_FIX)
    imported = ", ".join(modules.values())
    return _ok(name, f"{len(pins)} pinned packages at their versions; imported {imported}")


def check_jax() -> CheckResult:
    """Run a small jit-compiled JAX computation and compare it with NumPy.

    Returns
    -------
    CheckResult
        Passed when it matches to a relative 1e-4, naming JAX's backend and devices (CPU).
    """
    name = "JAX"
    try:
        import jax
        import jax.numpy as jnp
        import numpy as np

        a, b = np.random.default_rng(0).random((2, 200, 200), dtype=np.float32)
        result = float(jax.jit(lambda x, y: jnp.sum(x @ y))(jnp.asarray(a), jnp.asarray(b)))
        expected = float(np.sum(a.astype(np.float64) @ b.astype(np.float64)))
        backend = jax.default_backend()
        devices = ", ".join(str(device) for device in jax.devices())
    except Exception as error:
        return _failed(name, _error_text(error), JAX_FIX)
    if not np.isclose(result, expected, rtol=1e-4, atol=0.0):
        detail = f"jit matmul gave {result!r}, NumPy {expected!r} (backend {backend}: {devices})"
        return _failed(name, detail, JAX_FIX)
    return _ok(name, f"jax {jax.__version__}, jit matmul OK; backend {backend} ({devices})")


def check_jax_cache() -> CheckResult:
    """Check that the notebooks can keep their compiled models in the JAX cache folder.

    Returns
    -------
    CheckResult
        Failed for a relative ``$WORKSHOP_JAX_CACHE`` (every notebook would stop) or a file in
        the way; a warning for a folder that cannot be written (every run compiles again).
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
    detail = f"{problem}: every run of a notebook compiles its models again"
    return _warned(name, detail, fix)


def check_matplotlib() -> CheckResult:
    """Render a small figure to PNG in memory with the Agg canvas, global state untouched.

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
        figure.add_subplot(title="check").plot([0, 1, 2], [0, 1, 0])
        buffer = io.BytesIO()
        FigureCanvasAgg(figure).print_png(buffer)
        png = buffer.getvalue()
    except Exception as error:
        return _failed(name, _error_text(error), MATPLOTLIB_FIX)
    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        return _failed(name, f"rendered {len(png)} bytes that are not a PNG", MATPLOTLIB_FIX)
    return _ok(name, f"matplotlib {matplotlib.__version__}, Agg rendered a {len(png)}-byte PNG")


def _nearest_existing(path: Path) -> Path:
    path = Path(os.path.abspath(path))
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def check_data(
    cache_dir: Path | None = None,
    probe: Callable[[str], DataDownloadError | None] | None = None,
    source: str | None = None,
) -> CheckResult:
    """Check that the notebooks will get the workshop data, and which data.

    Parameters
    ----------
    cache_dir : Path, optional
        The data cache folder; default :func:`workshop_utils.fetch.cache_dir`.
    probe : callable, optional
        ``probe(url)``, called for files not cached: the ``DataDownloadError`` a download would
        meet, or None; default: HTTP 200 for the file itself and, from a mirror, its sha256.
    source : {"auto", "real", "synthetic"}, optional
        The notebooks' data source; default ``$WORKSHOP_DATA_SOURCE``, else ``"auto"``.

    Returns
    -------
    CheckResult
        Passed when every file the notebooks need is cached, downloads or can be generated; a
        warning when they will fall back to the stand-in (offline, read-only cache...), whose
        figures differ from the presenter's; failed when a fetch will fail or a setting is broken.
    """
    from . import fetch

    name = "Data"
    probe = probe if probe is not None else _download_problem
    try:  # ask what a fetch would do, so that the check and the fetch cannot disagree
        plans = [fetch.resolve(file, source, cache_dir, probe) for file in fetch.REGISTRY]
    except ValueError as error:  # unknown source, relative WORKSHOP_DATA_DIR, bad timeout
        return _failed(name, str(error), "Correct that setting as the detail says, or unset it.")
    verdicts = [_data_verdict(plan) for plan in plans]
    verdicts += [_null_control_verdict(plan) for plan in plans if plan.has_stand_in]
    verdicts.sort(key=lambda verdict: ("fail", "warn", "pass").index(verdict[0]))
    detail = "; ".join(text for _, text, _ in verdicts) + f" [cache: {plans[0].folder}]"
    fixes = " ".join(dict.fromkeys(fix for state, _, fix in verdicts if state != "pass"))
    state = verdicts[0][0] if verdicts else "pass"
    return CheckResult(name, state != "fail", detail, fixes, warning=state == "warn")


def _download_problem(url: str) -> DataDownloadError | None:
    """Return what downloading ``url`` meets; a mirror's file (in the room: fast) is hashed too."""
    from . import fetch

    data_file = fetch.REGISTRY.get(url.rstrip("/").rsplit("/", 1)[-1])
    if not os.environ.get(fetch.DATA_MIRROR_ENV) or data_file is None:
        return fetch.url_problem(url)
    return fetch.url_problem(url, sha256=data_file.sha256)


# These need the stand-in and null control whatever the source: the recording has no ground truth.
STAND_IN_USERS = "ground_truth and coupling_null"


def _null_control_verdict(plan: Resolution) -> tuple[str, str, str]:
    """Judge whether the ``STAND_IN_USERS`` will get the stand-in and its null control."""
    if plan.stand_in is not None and plan.null_control is not None:
        return "pass", f"{STAND_IN_USERS}: stand-in and null control cached", ""
    missing = "null control" if plan.stand_in is not None else "stand-in and null control"
    problem = plan.stand_in_problem
    if problem is not None:
        text = f"{STAND_IN_USERS}: {missing} cannot be generated: {problem.reason}"
        return "fail", text, problem.fix
    return "pass", f"{STAND_IN_USERS}: {missing} will be generated on first use", ""


def _data_verdict(plan: Resolution) -> tuple[str, str, str]:
    """Judge one file's resolution: ``(state, text, fix)``, state pass, warn or fail."""
    from . import fetch

    file = plan.name
    if plan.source == "synthetic":
        if not plan.has_stand_in:
            fix = f"Set {fetch.DATA_SOURCE_ENV}=auto to download it."
            return "fail", f"{file} has no synthetic stand-in", fix
        if plan.stand_in is not None:
            return "pass", f"{file}: synthetic stand-in cached (source=synthetic)", ""
        if plan.stand_in_problem is not None:
            reason = plan.stand_in_problem.reason
            text = f"{file}: the synthetic stand-in cannot be generated: {reason}"
            return "fail", text, plan.stand_in_problem.fix
        when = "will be generated on first use (source=synthetic, no network needed)"
        return "pass", f"{file}: synthetic stand-in {when}", ""
    if plan.cached:
        return "pass", plan.found, ""
    problem = plan.problem
    if problem is None:
        served = f"{fetch.shown_url(plan.url)} serves it, will download on first use"
        return "pass", f"{plan.found}; {served}", ""
    text = f"{plan.found}; {problem.reason}"
    if plan.mirror is not None and problem.kind in ("settings", "network", "server"):
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
        return "warn", text, offline_fix if problem.kind in ("network", "server") else problem.fix
    return "fail", text, problem.fix


def check_disk_space(
    path: Path | None = None,
    minimum_gb: float = FREE_SPACE_GB,
    usage: Callable[[Path], Any] = shutil.disk_usage,
) -> CheckResult:
    """Check the free space where the data is cached.

    Parameters
    ----------
    path : Path, optional
        The folder to check (its nearest existing parent is measured); default: the data cache.
    minimum_gb : float, optional
        Free space needed, in GB (GiB).
    usage : callable, optional
        ``usage(path)`` returning an object with a ``free`` attribute in bytes.

    Returns
    -------
    CheckResult
        Passed when at least ``minimum_gb`` are free.
    """
    from . import fetch

    name = "Disk space"
    try:
        folder = Path(path) if path is not None else fetch.cache_dir()
    except ValueError as error:  # e.g. a relative WORKSHOP_DATA_DIR, reported by the data check
        return _failed(name, str(error), "Correct that setting as the detail says, or unset it.")
    measured = _nearest_existing(folder)
    free_gb = usage(measured).free / 1024**3
    detail = f"{free_gb:.1f} GB free at {measured} (need {minimum_gb:g} GB)"
    if free_gb >= minimum_gb:
        return _ok(name, detail)
    fix = (
        f"Free at least {minimum_gb:g} GB on that drive, or point {fetch.DATA_DIR_ENV} to a "
        "folder on a drive with room."
    )
    return _failed(name, detail, fix)


def _kernel_interpreter() -> tuple[str, str]:
    """Return the interpreter the ``python3`` kernel runs (``python``: Jupyter's), and its spec."""
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
    executable = sys.executable if command in native else command
    return executable, f"the python3 kernel of {spec.resource_dir}"


def check_kernel(executable: str | None = None, prefix: str | None = None) -> CheckResult:
    """Check that the notebooks' kernel (``python3``) runs the environment's own Python.

    Parameters
    ----------
    executable : str, optional
        The kernel's interpreter; default: that of the ``python3`` kernelspec Jupyter finds.
    prefix : str, optional
        The environment's folder; default ``sys.prefix``.

    Returns
    -------
    CheckResult
        Passed when the interpreter lies inside the environment's folder.
    """
    name = "Kernel"
    executable, where = _kernel_interpreter() if executable is None else (executable, "")
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


def run_checks() -> list[CheckResult]:
    """Run every check; one that raises becomes a failed result.

    Returns
    -------
    list of CheckResult
        In order: Python, platform, packages, JAX, JAX cache, Matplotlib, data, disk space, kernel.
    """
    checks: dict[str, Callable[[], CheckResult]] = {
        "Python": check_python,
        "Platform": check_platform,
        "Packages": check_packages,
        "JAX": check_jax,
        "JAX cache": check_jax_cache,
        "Matplotlib": check_matplotlib,
        "Data": check_data,
        "Disk space": check_disk_space,
        "Kernel": check_kernel,
    }
    results = []
    for name, check in checks.items():
        try:
            results.append(check())
        except Exception as error:
            detail = f"the check crashed: {_error_text(error)}"
            results.append(_failed(name, detail, UNEXPECTED_FIX))
    return results


def format_table(results: Sequence[CheckResult], width: int = 100) -> str:
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
        The table, a summary line and, if anything failed or warned, a numbered "How to fix"
        list (failures first).
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
        wrapped = textwrap.wrap(result.detail, detail_width, break_on_hyphens=False) or [""]
        lines.append(f"{result.name:<{name_width}}  {result.status:<{status_width}}  {wrapped[0]}")
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
    lines += ["; ".join(summary) + ".", "", "How to fix:"]
    for number, result in enumerate(failures + warnings, start=1):
        label = f"{result.name} (warning)" if result.passed else result.name
        text = f"{number}. {label}: {result.fix or 'see the detail above.'}"
        lines += textwrap.wrap(text, width, subsequent_indent="   ", break_on_hyphens=False)
    return "\n".join(lines)


def warm_notebooks(
    notebooks: Sequence[str | os.PathLike], timeout: float = 900.0
) -> list[CheckResult]:
    """Run each notebook once, start to end, to fill JAX's compilation cache.

    Parameters
    ----------
    notebooks : sequence of str or os.PathLike
        The notebooks (MyST ``.md`` or ``.ipynb``), each run in turn in a fresh ``python3``
        kernel, in its folder, with this process's environment; their outputs are discarded.
    timeout : float, optional
        Seconds one cell may take before the run counts as failed.

    Returns
    -------
    list of CheckResult
        One per notebook: passed with its run time, or failed with the error and its fix.
    """
    return [_warm(Path(notebook), timeout) for notebook in notebooks]


def _warm(path: Path, timeout: float) -> CheckResult:
    name = f"Warm-up: {path.stem}"
    if not path.is_file():
        return _failed(name, f"{path} does not exist", "Run `make check` from the repository.")
    try:
        import jupytext
        from nbclient import NotebookClient
    except ImportError as error:
        return _failed(name, _error_text(error), INSTALL_FIX)
    started = time.perf_counter()
    try:
        NotebookClient(
            jupytext.read(path),
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent.resolve())}},
        ).execute()
    except Exception as error:  # a failing cell, a dead kernel: report it, try the next one
        return _failed(
            name,
            f"{path.name} stopped with an error: {_error_text(error)}"[:500],
            "Open the notebook in Jupyter and run it to see the error; the "
            "troubleshooting page lists the usual causes.",
        )
    elapsed = time.perf_counter() - started
    return _ok(name, f"{path.name} ran in {elapsed:.0f} s; its models are compiled")


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
    if args.warm is None:
        return 0
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
    return 0 if all(result.passed for result in warm) else 1


if __name__ == "__main__":
    raise SystemExit(main())
