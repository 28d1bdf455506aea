"""The GitHub workflows: valid against GitHub's schema, in step with pyproject and the Makefile.

GitHub itself cannot run here. What can be checked offline is: each workflow file against the
workflow schema (``check-jsonschema`` carries it), the actions at their current major versions,
the Pythons the jobs run against the ones pyproject.toml supports, and the fast tier against its
definition in the Makefile. What each step runs is read in the workflow file itself: a test that
restated it would fail only when the two were edited apart.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from conftest import myst_notebook

from tools import linkcheck, repository
from tools.execute_notebooks import CACHE as EXECUTION_CACHE

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"

# The current major version of each official action (looked up in each action's releases).
CURRENT_ACTIONS = {
    "actions/checkout": "v7",
    "actions/setup-python": "v7",
    "actions/cache": "v6",
    "actions/upload-artifact": "v7",
    "actions/configure-pages": "v6",
    "actions/upload-pages-artifact": "v5",
    "actions/deploy-pages": "v5",
}


def schema_check(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows"]
        + [str(path) for path in paths],
        capture_output=True,
        text=True,
        timeout=120,
    )


def workflow(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True.
    data["on"] = data.pop(True, data.get("on"))
    return data


def steps(job: dict) -> list[dict]:
    return job["steps"]


def step_running(job: dict, command: str) -> dict:
    found = [step for step in steps(job) if command in step.get("run", "")]
    assert len(found) == 1, f"expected one step running {command!r}, found {len(found)}"
    return found[0]


def make_variable(name: str) -> str:
    match = re.search(
        rf"^{name} :?= (.+)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.MULTILINE
    )
    assert match, f"the Makefile defines no {name}"
    return match.group(1).strip()


def pytest_markers() -> list[str]:
    options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]
    return [marker.split(":")[0] for marker in options["ini_options"]["markers"]]


# ------------------------------------------------------------------------------- the schema


TYPOS = {
    "runs_on": ("runs-on:", "run-on:", "'runs-on' is a required property"),
    "timeout": ("timeout-minutes: 90", "timeout-minutes: ninety", "timeout-minutes"),
    "event": ("  pull_request:\n", "  pull_requests:\n", "pull_requests"),
}


@pytest.fixture(scope="module")
def schema_report(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One schema check (it takes seconds to start) of every workflow and of broken copies."""
    folder = tmp_path_factory.mktemp("typos")
    text = (WORKFLOWS / "tests.yml").read_text(encoding="utf-8")
    broken = []
    for name, (original, typo, _) in TYPOS.items():
        assert original in text
        broken.append(folder / f"{name}.yml")
        broken[-1].write_text(text.replace(original, typo, 1), encoding="utf-8")
    result = schema_check(*sorted(WORKFLOWS.glob("*.yml")), *broken)
    assert result.returncode == 1  # the broken copies
    return result.stdout + result.stderr


def test_every_workflow_passes_the_github_workflow_schema(schema_report):
    for path in WORKFLOWS.glob("*.yml"):
        assert str(path) not in schema_report, schema_report


@pytest.mark.parametrize("name", sorted(TYPOS))
def test_a_typo_in_a_workflow_fails_the_schema_check(schema_report, name):
    errors = [line for line in schema_report.splitlines() if f"{name}.yml::" in line]
    assert errors, schema_report
    _, _, message = TYPOS[name]
    assert message in schema_report.split(f"{name}.yml::", 1)[1]


def test_workflows_use_current_major_versions_of_official_actions_only():
    used = {}
    for path in WORKFLOWS.glob("*.yml"):
        for match in re.finditer(r"uses: ([\w./-]+)@([\w.]+)", path.read_text(encoding="utf-8")):
            used.setdefault(match.group(1), set()).add(match.group(2))
    assert set(used) <= set(CURRENT_ACTIONS), set(used) - set(CURRENT_ACTIONS)
    for action, versions in used.items():
        assert versions == {CURRENT_ACTIONS[action]}, (action, versions)


def test_every_job_runs_a_python_pyproject_supports_and_the_fast_tier_runs_all_of_them():
    from packaging.specifiers import SpecifierSet

    supported = SpecifierSet(
        repository.project()["requires-python"]
    )
    seen = set()
    for path in WORKFLOWS.glob("*.yml"):
        for name, job in workflow(path.name)["jobs"].items():
            matrix = job.get("strategy", {}).get("matrix", {})
            for step in steps(job):
                if step.get("uses", "").startswith("actions/setup-python@"):
                    wanted = str(step["with"]["python-version"])
                    pythons = matrix["python"] if "matrix.python" in wanted else [wanted]
                    for python in pythons:
                        assert f"{python}.0" in supported, (path.name, name, python)
                        seen.add(python)
    assert seen == {"3.12", "3.13", "3.14"}


# -------------------------------------------------------------------------------- the tests


def test_fast_tier_is_the_same_in_the_makefile_the_workflow_and_pyproject():
    expected = " and ".join(f"not {marker}" for marker in pytest_markers())
    assert make_variable("FAST_TESTS") == expected
    fast = workflow("tests.yml")["jobs"]["fast"]
    assert step_running(fast, "pytest")["run"] == f'python -m pytest -n auto -m "{expected}"'


def test_ci_script_installs_from_scratch_and_runs_make_test():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make install" in script and "make test\n" in script
    # As git records it (Windows file systems have no executable bit).
    mode = subprocess.run(
        ["git", "ls-files", "--stage", ".ci/run"], cwd=ROOT, capture_output=True, text=True
    ).stdout.split()[0]
    assert mode == "100755", ".ci/run must be executable (git update-index --chmod=+x .ci/run)"


# ----------------------------------------------------------------------------- link check


# sphinx-jupyterbook-latex (loaded by Jupyter Book) still calls docutils' traverse().
@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning:sphinx_jupyterbook_latex")
def test_linkcheck_reads_the_book_without_executing_it(tmp_path, unused_tcp_port):
    (tmp_path / "_config.yml").write_text(
        "title: Tiny\nexecute:\n  execute_notebooks: force\n"
        "sphinx:\n  config:\n    nb_execution_raise_on_error: true\n",
        encoding="utf-8",
    )
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: index\nchapters:\n- file: page\n", encoding="utf-8"
    )
    (tmp_path / "index.md").write_text(
        f"# Tiny\n\nA [dead link](http://127.0.0.1:{unused_tcp_port}/gone).\n", encoding="utf-8"
    )
    (tmp_path / "page.md").write_text(
        myst_notebook("open('executed.txt', 'w').write('ran')", title="Page"), encoding="utf-8"
    )
    # In its own process, as `make linkcheck` runs it: Sphinx keeps registries per process,
    # and another test of this session may already have set up myst-nb in this one.
    process = subprocess.run(
        [sys.executable, "tools/linkcheck.py", "--root", str(tmp_path), "--timeout", "5"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert process.returncode == 1, process.stdout + process.stderr
    report = (tmp_path / "_build" / "linkcheck" / "output.txt").read_text(encoding="utf-8")
    assert f"127.0.0.1:{unused_tcp_port}/gone" in report and "broken" in report
    assert not (tmp_path / "executed.txt").exists()
    assert not (tmp_path / EXECUTION_CACHE).exists()
    assert linkcheck.OVERRIDES["nb_execution_mode"] == "off"


@pytest.fixture
def unused_tcp_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
