"""Versions live in pyproject.toml only; every install route installs from it; imports are clean."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import copy_repository
from packaging.specifiers import SpecifierSet

from tools import repository as repository_tool

ROOT = Path(__file__).resolve().parents[1]

# Copies of a pinned version that are known and owned elsewhere: path -> why it is still there.
KNOWN_VERSION_COPIES: dict[str, str] = {}


project = repository_tool.project


def pins(*extras: str) -> dict[str, str]:
    """The exact pins of the dependencies and of the given extras: name -> version."""
    requirements = list(project()["dependencies"])
    for extra in extras:
        requirements += project()["optional-dependencies"][extra]
    return dict(requirement.split("==") for requirement in requirements)


def make_install_extras() -> str:
    """The extras `make install` installs, e.g. "book,lab,test", read from the Makefile."""
    match = re.search(
        r'--editable "\.\[([\w,]+)\]"', (ROOT / "Makefile").read_text(encoding="utf-8")
    )
    assert match, "the Makefile's install recipe no longer installs the project with extras"
    return match.group(1)


def version_copies(root: Path, pinned: dict[str, str]) -> list[str]:
    """Each place outside pyproject.toml that writes a pinned version, as "path:line: text"."""
    patterns = [
        re.compile(
            re.escape(name).replace(r"\-", "[-_ ]")
            + r"[\s=<>~!]{1,3}v?"
            + re.escape(version)
            + r"(?![\d.])",
            re.IGNORECASE,
        )
        for name, version in pinned.items()
    ]
    found = []
    for path in repository_tool.repository_files(root):
        relative = path.relative_to(root).as_posix()
        if relative == "pyproject.toml":
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        text = repository_tool.hand_written(text, path, root)
        for pattern in patterns:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{relative}:{line}: {match.group(0)}")
    return found


# ------------------------------------------------------------------------- one place for pins


def test_versions_are_written_only_in_pyproject():
    pinned = pins(*project()["optional-dependencies"])
    found = version_copies(ROOT, pinned)
    unexpected = [entry for entry in found if entry.split(":")[0] not in KNOWN_VERSION_COPIES]
    assert unexpected == [], "write versions only in pyproject.toml:\n" + "\n".join(unexpected)


def test_a_version_typed_elsewhere_is_found(tmp_path):
    repo = copy_repository(tmp_path / "repo")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    requirements = repo / "binder" / "requirements.txt"
    requirements.write_text(
        requirements.read_text(encoding="utf-8") + "NeMoS==0.2.8\n", encoding="utf-8"
    )
    (repo / "book" / "setup.md").write_text("Install nemos 0.2.8 first.\n", encoding="utf-8")
    found = version_copies(repo, {"nemos": "0.2.8", "pynapple": "0.11.4"})
    assert "binder/requirements.txt:5: NeMoS==0.2.8" in found
    assert "book/setup.md:1: nemos 0.2.8" in found
    # The Colab cell writes pins too, but it is generated from pyproject.toml.
    assert not any(entry.startswith("notebooks/") for entry in found)


def test_environment_yml_installs_the_project_like_make_install():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda, pip_section = environment["dependencies"][:-1], environment["dependencies"][-1]
    assert conda == ["python=3.13", "pip"]
    assert pip_section == {"pip": [f"--editable .[{make_install_extras()}]"]}


def test_binder_and_the_windows_setup_install_the_project_with_existing_extras():
    extras = set(project()["optional-dependencies"])
    assert set(make_install_extras().split(",")) <= extras
    lines = (ROOT / "binder" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    binder = [line for line in lines if line.strip() and not line.startswith("#")]
    assert binder == [".[book]"]
    # Windows users run make install's pip command by hand (the setup page's PowerShell tab).
    setup = (ROOT / "book" / "setup.md").read_text(encoding="utf-8")
    assert f'pip install --editable ".[{make_install_extras()}]"' in setup


def test_binder_post_build_only_fetches_the_data():
    lines = (ROOT / "binder" / "postBuild").read_text(encoding="utf-8").splitlines()
    commands = [line for line in lines if line.strip() and not line.startswith("#")]
    assert commands == ["set -euo pipefail", "python -m workshop_utils.fetch"]


def test_every_route_asks_for_the_python_pyproject_declares():
    supported = SpecifierSet(project()["requires-python"])
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda_python = next(d for d in environment["dependencies"] if str(d).startswith("python="))
    runtime = (ROOT / "binder" / "runtime.txt").read_text(encoding="utf-8").strip()
    for wanted in (conda_python.removeprefix("python="), runtime.removeprefix("python-")):
        assert f"{wanted}.0" in supported and f"{wanted}.99" in supported, wanted
    from workshop_utils import check

    for python in check.SUPPORTED_PYTHONS:
        assert ".".join(map(str, python)) + ".0" in supported


def test_every_pin_is_exact_and_installed_at_that_version():
    from importlib.metadata import version

    requirements = list(project()["dependencies"])
    for extra in project()["optional-dependencies"].values():
        requirements += extra
    for requirement in requirements:
        name, _, wanted = requirement.partition("==")
        assert wanted, f"{requirement} is not pinned exactly"
        assert version(name) == wanted, f"{name} {version(name)} installed, {wanted} pinned"


# ------------------------------------------------------------------------ the Binder route


@pytest.mark.binder
def test_binder_install_in_a_fresh_venv_imports_the_stack(binder_install, tmp_path):
    """Install binder/requirements.txt as repo2docker does, into a new venv, from the index.

    The install itself starts in the background when this test is collected (conftest.py), so
    that it runs while the book builds.
    """
    assert binder_install.returncode == 0, binder_install.output[-3000:]
    repo, venv, python = binder_install.repo, binder_install.venv, binder_install.python

    code = (
        "import json, sys\n"
        "from workshop_utils import check\n"
        f"result = check.check_packages(pins={pins('book')!r})\n"
        "import nemos, pynapple, jax, sklearn, xarray, jupytext, myst_nb, ipykernel\n"
        "from workshop_utils import fetch, synthetic, plotting, model_selection, runtime\n"
        "print(json.dumps({'passed': result.passed, 'detail': result.detail,\n"
        "  'python': list(sys.version_info[:2]), 'prefix': sys.prefix}))\n"
    )
    imported = subprocess.run(
        [str(python), "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    assert imported.returncode == 0, imported.stderr[-3000:]
    report = json.loads(imported.stdout.strip().splitlines()[-1])
    assert report["passed"], report["detail"]
    # The venv runs the Python the suite runs on (make install picks 3.13 where it is there),
    # one that binder/runtime.txt's choice shares a supported range with.
    assert report["python"] == list(sys.version_info[:2])
    assert [3, 12] <= report["python"] <= [3, 14]
    assert Path(report["prefix"]) == venv

    # Then binder/postBuild, with the venv first on PATH (on the stand-in: no OSF here).
    data = tmp_path / "data"
    env = {
        **os.environ,
        "PATH": f"{python.parent}{os.pathsep}{os.environ['PATH']}",
        "WORKSHOP_DATA_SOURCE": "synthetic",
        "WORKSHOP_DATA_DIR": str(data),
    }
    post_build = subprocess.run(
        ["bash", "binder/postBuild"], cwd=repo, env=env, capture_output=True, text=True
    )
    assert post_build.returncode == 0, post_build.stdout + post_build.stderr
    assert any((data / "synthetic").glob("*.nwb"))


# Every supported Python on the three operating systems participants use, as pip names their
# wheels (Linux: every manylinux tag a current runner accepts).
PLATFORMS = {
    "Linux": ["manylinux2014_x86_64", *(f"manylinux_2_{n}_x86_64" for n in (17, 27, 28, 34))],
    "macOS (Apple silicon)": ["macosx_14_0_arm64"],
    "Windows": ["win_amd64"],
}
SUPPORTED_PYTHONS = ["3.12", "3.14"]  # the ends of the range; make install tests 3.13


@pytest.mark.binder
def test_every_pin_has_a_wheel_for_every_supported_python_and_system(tmp_path):
    """pip resolves the whole pinned stack (dependencies, book and lab extras) from wheels alone
    for Python 3.12-3.14 on Linux, macOS and Windows (a dry run: nothing is installed)."""
    from concurrent.futures import ThreadPoolExecutor

    requirements = [f"{name}=={version}" for name, version in pins("book", "lab").items()]

    def resolve(system: str, python: str) -> str | None:
        tags = [arg for tag in PLATFORMS[system] for arg in ("--platform", tag)]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--dry-run",
                "--quiet",
                "--ignore-installed",
                "--target",
                str(tmp_path / f"{system}-{python}"),
                "--only-binary=:all:",
                "--python-version",
                python,
                *tags,
                *requirements,
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
        return None if result.returncode == 0 else f"{system}, Python {python}: {errors[-2:]}"

    combinations = [(system, python) for system in PLATFORMS for python in SUPPORTED_PYTHONS]
    with ThreadPoolExecutor(max_workers=3) as pool:
        failures = [f for f in pool.map(lambda c: resolve(*c), combinations) if f]
    assert failures == []
    assert project()["requires-python"] == ">=3.12,<3.15"  # the Pythons checked here


# ------------------------------------------------------------------------- clean imports


def test_importing_the_package_has_no_side_effects(tmp_path):
    code = (
        "import os, sys, json\n"
        "before = dict(os.environ)\n"
        "import workshop_utils\n"
        "print(json.dumps({'env_changed': dict(os.environ) != before,\n"
        "  'loaded': sorted(m for m in sys.modules if m.startswith('workshop_utils.')),\n"
        "  'files': os.listdir('.')}))\n"
    )
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / "cache")}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=work, env=env, capture_output=True, text=True, check=True
    )
    report = json.loads(result.stdout)
    assert report == {"env_changed": False, "loaded": [], "files": []}
    assert list(home.iterdir()) == []


def test_submodules_and_shortcuts_load_on_first_use():
    import workshop_utils

    assert workshop_utils.synthetic.STANDS_IN_FOR == "Mouse32-140822.nwb"
    try:
        workshop_utils.no_such_thing  # noqa: B018
    except AttributeError as error:
        assert "no_such_thing" in str(error)
    else:
        raise AssertionError("unknown attributes must raise AttributeError")


@pytest.mark.skipif(
    shutil.which("make") is None, reason="no make here (Windows): the Linux CI job runs ruff"
)
def test_code_passes_ruff_with_docstring_rules():
    venv = Path(sys.prefix)
    result = subprocess.run(
        ["make", "-o", f"{venv}/.installed", "lint", f"VENV={venv}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
