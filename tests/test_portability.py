"""The package runs on Windows and macOS as on Linux: no POSIX-only calls, paths built portably.

No Windows or macOS machine is available here. These tests check what can be checked anywhere
(no POSIX-only module or call in the code) and exercise the path handling that differs on
Windows (a user folder with spaces and accents, ``os.sep``, ``~``); the macOS and Windows CI jobs
run them on those systems (they are in the fast tier).
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools import variants
from workshop_utils import check, fetch, synthetic

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("workshop_utils", "tools", "book/_ext")
"""The code a participant or a maintainer runs on their own computer."""

POSIX_ONLY_MODULES = {
    "fcntl",
    "grp",
    "posix",
    "pty",
    "pwd",
    "resource",
    "spwd",
    "syslog",
    "termios",
    "tty",
}
POSIX_ONLY_OS = {
    "chown",
    "fork",
    "forkpty",
    "getegid",
    "geteuid",
    "getgid",
    "getloadavg",
    "getpgid",
    "getuid",
    "killpg",
    "lchown",
    "mkfifo",
    "nice",
    "setpgrp",
    "setsid",
    "sysconf",
    "uname",
    "wait3",
    "wait4",
}
POSIX_ONLY_SIGNALS = {"SIGALRM", "SIGCHLD", "SIGHUP", "SIGKILL", "SIGQUIT", "SIGUSR1", "SIGUSR2"}
POSIX_PATHS = ("/tmp", "/dev/", "/usr/", "/etc/", "/proc/")

# Like a Windows user folder: spaces, accents, parentheses.
AWKWARD = ("Jos\u00e9 N\u00fa\u00f1ez", "AppData Local (2026)", "workshop data")


def posix_only_uses(source: str) -> list[str]:
    """Name every POSIX-only import, call, signal, shell string or fixed POSIX path in code."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [alias.name for alias in node.names]
            modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else names
            found += [f"import {m}" for m in modules if m.split(".")[0] in POSIX_ONLY_MODULES]
            if isinstance(node, ast.ImportFrom) and node.module == "os":
                found += [f"os.{name}" for name in names if name in POSIX_ONLY_OS]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "os" and node.attr in POSIX_ONLY_OS:
                found.append(f"os.{node.attr}")
            if node.value.id == "signal" and node.attr in POSIX_ONLY_SIGNALS:
                found.append(f"signal.{node.attr}")
        elif isinstance(node, ast.keyword) and node.arg == "shell":
            if isinstance(node.value, ast.Constant) and node.value.value is True:
                found.append("shell=True")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.startswith(POSIX_PATHS):
                found.append(f"path {node.value!r}")
    return found


# --------------------------------------------------------------------------------- the code


def test_no_posix_only_call_in_the_code():
    found = {}
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            uses = posix_only_uses(path.read_text(encoding="utf-8"))
            if uses:
                found[path.relative_to(ROOT).as_posix()] = uses
    assert found == {}


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("import fcntl", ["import fcntl"]),
        ("from resource import getrusage", ["import resource"]),
        ("import os\nos.getuid()", ["os.getuid"]),
        ("from os import fork", ["os.fork"]),
        ("import signal\nsignal.SIGKILL", ["signal.SIGKILL"]),
        ("subprocess.run('make book', shell=True)", ["shell=True"]),
        ("cache = '/tmp/workshop'", ["path '/tmp/workshop'"]),
        ("import os\nos.replace(a, b)\nPath.home() / 'x'", []),
    ],
)
def test_the_scan_finds_posix_only_calls(code, expected):
    assert posix_only_uses(code) == expected


# -------------------------------------------------------------------------------- the paths


@pytest.fixture
def awkward_cache(tmp_path: Path, data_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data cache in a folder like a Windows user's, holding a copy of the stand-in."""
    folder = tmp_path.joinpath(*AWKWARD)
    shutil.copytree(data_cache / "synthetic", folder / "synthetic")
    monkeypatch.setenv(fetch.DATA_DIR_ENV, str(folder))
    monkeypatch.delenv(fetch.DATA_MIRROR_ENV, raising=False)
    return folder


def test_fetch_returns_an_os_sep_path_inside_an_awkward_cache(awkward_cache):
    path = fetch.fetch_data(synthetic.STANDS_IN_FOR, source="synthetic")
    assert path == os.path.join(str(awkward_cache), "synthetic", synthetic.STAND_IN_FILENAME)
    assert os.path.isfile(path) and fetch.data_source(path) == "synthetic"


def test_the_stand_in_opens_from_an_awkward_path(awkward_cache):
    import pynapple as nap

    data = nap.load_file(fetch.fetch_data(synthetic.STANDS_IN_FOR, source="synthetic"))
    assert len(data["units"]) == 49


def test_the_setup_check_accepts_an_awkward_cache(awkward_cache):
    def offline(url: str) -> fetch.DataDownloadError:
        return fetch.DataDownloadError("no network here", "connect", "network")

    data = check.check_data(cache_dir=awkward_cache, probe=offline, source="auto")
    assert data.passed and data.warning, data.detail  # offline: the stand-in, with a warning
    assert str(awkward_cache) in data.detail
    assert check.check_disk_space(awkward_cache, minimum_gb=0.001).passed


def test_the_command_line_prints_the_path_with_this_systems_separator(awkward_cache):
    process = subprocess.run(
        [sys.executable, "-m", "workshop_utils.fetch", "--source", "synthetic"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=300,
    )
    assert process.returncode == 0, process.stdout + process.stderr
    expected = os.path.join(str(awkward_cache), "synthetic", synthetic.STAND_IN_FILENAME)
    assert f"{synthetic.STANDS_IN_FOR}: {expected} (synthetic)" in process.stdout
    null = os.path.join(str(awkward_cache), "synthetic", synthetic.NULL_CONTROL_FILENAME)
    assert f"synthetic null control: {null}" in process.stdout, "make data prepares it too"


def test_a_cache_folder_under_home_is_expanded(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))  # what ~ means on Linux and macOS
    monkeypatch.setenv("USERPROFILE", str(home))  # and on Windows
    monkeypatch.setenv(fetch.DATA_DIR_ENV, os.path.join("~", "workshop data"))
    assert fetch.cache_dir() == home / "workshop data"


def test_variants_are_written_into_an_awkward_folder(tmp_path):
    output = tmp_path.joinpath(*AWKWARD)
    written = variants.write_variants(ROOT / "notebooks" / "head_direction.md", output)
    assert sorted(path.name for path in written.values()) == [
        "head_direction_presenters.ipynb",
        "head_direction_users.ipynb",
    ]
    for path in written.values():
        assert Path(path).parent == output and Path(path).is_file()


# --------------------------------------------------------------------------- the setup page


def setup_tabs() -> dict[str, str]:
    """The setup page's platform tabs: title -> the commands of its code block."""
    text = (ROOT / "book" / "setup.md").read_text(encoding="utf-8")
    tabs = {}
    for match in re.finditer(r":::\{tab-item\} (.+?)\n(.*?)\n:::\n", text, re.DOTALL):
        block = re.search(r"```(?:bash|powershell)\n(.*?)```", match.group(2), re.DOTALL)
        tabs[match.group(1)] = block.group(1)
    return tabs


def make_recipe(target: str) -> str:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    return re.search(rf"^{target}:.*\n\t(.+)$", makefile, re.MULTILINE).group(1)


def test_setup_page_gives_every_step_for_linux_macos_and_windows():
    tabs = setup_tabs()
    assert list(tabs) == ["Linux", "macOS", "Windows (PowerShell)"]
    for name in ("Linux", "macOS"):
        commands = tabs[name]
        for step in ("make install", "make data", "make check"):
            assert step in commands, (name, step)
        assert "make variants" in commands and ".venv/bin/jupyter lab variants/" in commands
    windows = tabs["Windows (PowerShell)"]
    assert not re.search(r"^make ", windows, re.MULTILINE), "Windows has no make"
    assert "/" not in windows.replace("--", ""), "PowerShell paths use backslashes"
    # The same commands as the Makefile's recipes, with the Windows venv layout.
    for target in ("data", "check"):
        module = make_recipe(target).split("$(BIN)/python ", 1)[1]
        assert f".\\.venv\\Scripts\\python {module}" in windows, target
    assert "-m tools.variants --output variants" in windows
    assert ".\\.venv\\Scripts\\jupyter lab variants" in windows
    assert "py -3.13 -m venv .venv" in windows
