"""The install files agree with each other and the package imports cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def pinned_in_pyproject() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        pins += extra
    return {pin.lower() for pin in pins}


def pinned_in_environment() -> set[str]:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    return {pin.lower() for pin in pip_section if not pin.startswith("-")}


def test_environment_yml_lists_the_same_pins_as_pyproject():
    assert pinned_in_environment() == pinned_in_pyproject()


def test_binder_installs_the_same_pins_for_python_3_11():
    lines = (ROOT / "binder" / "requirements.txt").read_text().splitlines()
    binder = {line.lower() for line in lines if line and not line.startswith("#")}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {
        pin.lower() for pin in project["dependencies"] + project["optional-dependencies"]["book"]
    }
    assert binder == wanted
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"
    post_build = (ROOT / "binder" / "postBuild").read_text()
    assert "pip install --no-deps --editable ." in post_build
    assert "python -m workshop_utils.fetch" in post_build


def test_environment_yml_asks_for_the_python_the_stack_is_pinned_for():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in environment["dependencies"]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11,<3.12"


def test_every_pin_is_exact_and_installed_at_that_version():
    from importlib.metadata import version

    for pin in pinned_in_pyproject():
        name, _, wanted = pin.partition("==")
        assert wanted, f"{pin} is not pinned exactly"
        assert version(name) == wanted, f"{name} {version(name)} installed, {wanted} pinned"


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
    import json

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


def test_code_passes_ruff_with_docstring_rules():
    venv = Path(sys.prefix)
    result = subprocess.run(
        ["make", "-o", f"{venv}/.installed", "lint", f"VENV={venv}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
