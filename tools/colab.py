"""Google Colab, simulated: its Python and package versions, and the notebooks run there.

Colab publishes what its runtime holds (https://github.com/googlecolab/backend-info:
``os-info.txt`` and ``pip-freeze.txt``). ``tools/colab-packages.txt`` keeps, with its source and
date, the Python version and the versions of the packages the workshop's notebooks touch. This
module turns that list into a virtual environment that looks like Colab to a notebook (those
versions, and a ``google.colab`` module imported at start-up as on Colab), then runs each
notebook there as a participant would: its Colab install cell as written, except that the
workshop package comes from this checkout instead of its GitHub release.

    python -m tools.colab refresh                  # download Colab's lists, rewrite the file
    python -m tools.colab refresh --freeze F --os-info G   # the same from downloaded copies
    python -m tools.colab run [NOTEBOOK.md ...]    # build the environment, run the notebooks

``tests/test_colab.py`` runs the second command's steps on every notebook.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from tools import repository

ROOT = Path(__file__).resolve().parents[1]
PACKAGES_FILE = ROOT / "tools" / "colab-packages.txt"
SOURCE = "https://raw.githubusercontent.com/googlecolab/backend-info/main"

# What the notebooks touch that Colab ships: the workshop's own dependencies (those the Colab
# cell installs are left out below, since Colab does not have them) and the kernel's.
KERNEL_PACKAGES = ("ipykernel", "ipython")

REQUIREMENT = re.compile(r"^(?P<name>[A-Za-z0-9][\w.-]*)\s*(==\s*(?P<version>\S+))?\s*(#.*)?$")


def touched_packages(root: Path = ROOT) -> list[str]:
    """Return the packages whose Colab version matters: the workshop's and the kernel's."""
    return sorted(set(repository.dependency_pins(root)) | set(KERNEL_PACKAGES))


@dataclass
class ColabRuntime:
    """Colab's Python version and the requirements that reproduce its packages."""

    python: str
    requirements: list[str]


def read_packages(path: Path = PACKAGES_FILE) -> ColabRuntime:
    """Read ``tools/colab-packages.txt``.

    Raises
    ------
    ValueError
        If the file names no Python version, or a line is neither a comment nor a requirement.
    """
    python = ""
    requirements = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith("python "):
            python = text.split()[1]
            continue
        match = REQUIREMENT.match(text)
        if not match:
            raise ValueError(
                f"{path}:{number}: {text!r} is not 'name==version' (or 'name' alone): "
                "run `python -m tools.colab refresh` to rewrite the file."
            )
        version = match["version"]
        requirements.append(f"{match['name']}=={version}" if version else match["name"])
    if not python:
        raise ValueError(f"{path} names no Python version (a line 'python 3.13').")
    return ColabRuntime(python=python, requirements=requirements)


def parse_freeze(text: str) -> dict[str, str]:
    """Return ``pip freeze`` output as normalized name -> version (direct URLs are skipped)."""
    versions = {}
    for line in text.splitlines():
        name, separator, version = line.strip().partition("==")
        if separator and not name.startswith("#"):
            versions[canonicalize_name(name)] = version.strip()
    return versions


def parse_python(os_info: str) -> str:
    """Return the major.minor Python version in Colab's ``os-info.txt``.

    Raises
    ------
    ValueError
        If the text has no line ``Python X.Y.Z``.
    """
    match = re.search(r"^Python (\d+\.\d+)", os_info, flags=re.MULTILINE)
    if not match:
        raise ValueError("os-info.txt has no line 'Python X.Y.Z': has Colab changed its format?")
    return match[1]


def render_packages(freeze: str, os_info: str, date: str, root: Path = ROOT) -> str:
    """Return the text of ``tools/colab-packages.txt`` for Colab's published lists."""
    versions = parse_freeze(freeze)
    installed_by_cell = {canonicalize_name(name) for name in repository.COLAB_INSTALLS}
    lines = [
        "# Google Colab's CPU runtime, as the notebooks see it: its Python and the versions of",
        "# the packages the notebooks touch (those the Colab cell installs are not on Colab).",
        f"# Source: {SOURCE.replace('raw.githubusercontent.com', 'github.com')} (os-info.txt,",
        f"# pip-freeze.txt), read {date}. Refresh: python -m tools.colab refresh",
        f"python {parse_python(os_info)}",
    ]
    for name in touched_packages(root):
        if name in installed_by_cell:
            continue
        if name in versions:
            lines.append(f"{name}=={versions[name]}")
        else:
            lines.append(f"# {name}: not on Colab; the notebooks get it from the Colab cell")
    return "\n".join(lines) + "\n"


def refresh(freeze: str | None, os_info: str | None, path: Path = PACKAGES_FILE) -> Path:
    """Rewrite ``path`` from Colab's lists: downloaded, or read from the given files."""

    def text(local: str | None, name: str) -> str:
        if local:
            return Path(local).read_text(encoding="utf-8")
        with urllib.request.urlopen(f"{SOURCE}/{name}", timeout=30) as response:
            return response.read().decode("utf-8")

    rendered = render_packages(
        text(freeze, "pip-freeze.txt"), text(os_info, "os-info.txt"), dt.date.today().isoformat()
    )
    path.write_text(rendered, encoding="utf-8")
    return path


def find_python(version: str) -> str | None:
    """Return a Python ``version`` (X.Y) found as ``make install`` finds one, or None."""
    found = subprocess.run(
        ["sh", str(ROOT / "tools" / "find_python.sh"), version], capture_output=True, text=True
    )
    return found.stdout.strip() or None


# Stand-ins for Colab's own package: the notebooks only ask whether it is imported; JAX, seeing
# it imported, imports google.colab.output at start-up (for its debugger, unused here).
GOOGLE_COLAB = '"""Stands in for Google Colab\'s package (tools/colab.py)."""\n'
GOOGLE_COLAB_MODULES = ("__init__", "output")
# Colab's kernel has google.colab imported before the first cell runs; a .pth line does it here.
STARTUP_PTH = "import google.colab\n"


def make_environment(venv: Path, runtime: ColabRuntime | None = None) -> Path:
    """Create a virtual environment holding Colab's versions; return its Python.

    Raises
    ------
    RuntimeError
        If Colab's Python version is not on this machine, or pip fails.
    """
    runtime = runtime or read_packages()
    python = find_python(runtime.python)
    if python is None:
        raise RuntimeError(
            f"Colab runs Python {runtime.python}, which is not on this machine (PATH, pyenv): "
            f"install it (`uv python install {runtime.python}` or pyenv) to simulate Colab."
        )
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    venv_python = venv / "bin" / "python"
    install = [str(venv_python), "-m", "pip", "install", "--quiet", *runtime.requirements]
    result = subprocess.run(install, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"installing Colab's versions failed:\n{result.stderr[-3000:]}")
    site = Path(
        subprocess.run(
            [str(venv_python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "google" / "colab").mkdir(parents=True, exist_ok=True)
    for module in GOOGLE_COLAB_MODULES:
        (site / "google" / "colab" / f"{module}.py").write_text(GOOGLE_COLAB, encoding="utf-8")
    (site / "colab_simulation.pth").write_text(STARTUP_PTH, encoding="utf-8")
    return venv_python


def local_install_cell(source: str, checkout: Path, root: Path = ROOT) -> str:
    """Return the Colab cell with the workshop package taken from ``checkout``, not GitHub.

    Raises
    ------
    ValueError
        If the cell does not install the workshop package from its GitHub release.
    """
    repo = repository.repository(root)
    address = f"git+{repo.url}@{repository.release_tag(root)}"
    if address not in source:
        raise ValueError(f"the Colab cell does not install {address}: run `make sync`.")
    return source.replace(address, str(checkout))


def write_kernelspec(venv_python: Path, folder: Path) -> str:
    """Write a Jupyter kernelspec into ``folder`` that starts the environment's Python.

    Returns the kernel's name.
    """
    name = "colab-simulation"
    spec = folder / name
    spec.mkdir(parents=True, exist_ok=True)
    argv = [str(venv_python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "Colab (simulated)", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
    return name


def run_notebook(
    source: Path, venv_python: Path, checkout: Path, workdir: Path, timeout: int = 900
) -> Path:
    """Run one MyST notebook in the simulated Colab, install cell first; return the result.

    The executed notebook is written to ``workdir``; errors propagate as nbclient raises them
    (``CellExecutionError`` names the cell). Safe to call from several threads at once.
    """
    import jupytext
    import nbformat
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager
    from nbclient import NotebookClient

    notebook = jupytext.read(source)
    first = next(cell for cell in notebook.cells if cell.cell_type == "code")
    first.source = local_install_cell(first.source, checkout)
    kernels = workdir / f"kernels-{source.stem}"
    name = write_kernelspec(venv_python, kernels)
    # The kernel is looked up in this folder only: no environment variable is changed.
    manager = KernelManager(
        kernel_name=name, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)])
    )
    client = NotebookClient(
        notebook, km=manager, timeout=timeout, resources={"metadata": {"path": str(workdir)}}
    )
    client.execute()
    executed = workdir / f"{source.stem}.ipynb"
    nbformat.write(notebook, executed)
    return executed


def run_notebooks(
    sources: list[Path], venv_python: Path, workdir: Path, root: Path = ROOT, jobs: int = 2
) -> dict[Path, BaseException | None]:
    """Run notebooks ``jobs`` at a time; return each one's error, or None when it ran.

    The install cells take the workshop package from a copy of ``root``'s tracked files in
    ``workdir`` (pip builds it in place, and the build must not land in the working tree). Two
    at a time is what two cores gain from (each kernel's XLA compiles on several threads), as
    in ``tools/execute_notebooks.py``.
    """
    from concurrent.futures import ThreadPoolExecutor

    checkout = repository.copy_clone(workdir / "checkout", root)

    def one(source: Path) -> BaseException | None:
        try:
            run_notebook(source, venv_python, checkout, workdir)
        except Exception as error:  # reported per notebook by the caller
            return error
        return None

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return dict(zip(sources, pool.map(one, sources), strict=True))


def main(argv: list[str] | None = None) -> int:
    """Command line: ``refresh`` the package list, or ``run`` notebooks in a simulated Colab."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.colab", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    refresh_parser = commands.add_parser("refresh", help="rewrite tools/colab-packages.txt")
    refresh_parser.add_argument("--freeze", help="a downloaded pip-freeze.txt")
    refresh_parser.add_argument("--os-info", help="a downloaded os-info.txt")
    run_parser = commands.add_parser("run", help="run notebooks in a simulated Colab")
    run_parser.add_argument("notebooks", nargs="*", type=Path)
    run_parser.add_argument("--workdir", type=Path, default=ROOT / "_build" / "colab")
    args = parser.parse_args(argv)
    if args.command == "refresh":
        print(f"wrote {refresh(args.freeze, args.os_info)}")
        return 0
    notebooks = args.notebooks or repository.notebook_paths()
    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    venv_python = make_environment(args.workdir / "venv")
    print(f"running {len(notebooks)} notebooks in the simulated Colab...", flush=True)
    errors = run_notebooks(notebooks, venv_python, args.workdir)
    for source, error in errors.items():
        print(f"{source}: {'ran to its end' if error is None else error}")
    return 0 if not any(errors.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
