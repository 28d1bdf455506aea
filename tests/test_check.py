"""check: every check passes here, and every failure is simulated through its inputs."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import myst_notebook
from test_fetch import (
    DIGEST,
    Server,
    child_env,
    clear_data_settings,
    lock_held_elsewhere,
    read_only,
)

from workshop_utils import check, fetch, runtime, synthetic

REAL_NAME = "Mouse32-140822.nwb"
SHORT_LAYOUT = synthetic.SessionLayout(end=600.0, wake=(200.0, 400.0), tracking=(200.05, 399.95))


@pytest.fixture(scope="module")
def short_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data cache holding a short stand-in in its ``synthetic/`` subfolder (~2 s to make)."""
    cache = tmp_path_factory.mktemp("check-data")
    synthetic.generate_stand_in(cache / "synthetic", layout=SHORT_LAYOUT)
    return cache


@pytest.fixture(autouse=True)
def data_env(monkeypatch: pytest.MonkeyPatch):
    """Tests do not depend on the data settings of whoever runs them."""
    clear_data_settings(monkeypatch)


def never_called(url: str) -> None:
    raise AssertionError(f"probe({url!r}) must not be called: nothing is to be downloaded")


# ---------------------------------------------------------------------------------- Python


def test_python_passes_here():
    result = check.check_python()
    assert result.passed and result.name == "Python"
    assert result.fix == ""
    assert f"{sys.version_info.minor}.{sys.version_info.micro}" in result.detail


@pytest.mark.parametrize("version", [(3, 11), (3, 15), (3, 11, 7, "final", 0)])
def test_python_other_versions_fail_with_the_install_fix(version):
    result = check.check_python(version)
    assert not result.passed
    assert ".".join(map(str, version[:3])) in result.detail
    assert "3.12, 3.13, 3.14" in result.detail
    assert "uv python install 3.13" in result.fix
    assert "conda env create -f environment.yml" in result.fix


@pytest.mark.parametrize("version", [(3, 12, 0), (3, 13, 5), (3, 14, 1)])
def test_python_accepts_every_supported_release(version):
    assert check.check_python(version).passed


# -------------------------------------------------------------------------------- packages


def test_packages_pass_here_with_the_installed_pins():
    pins = check._installed_pins()
    assert pins["nemos"] == "0.2.9"
    assert pins["jupyter-book"] == "1.0.4.post1"  # the book extra is included
    assert "pytest" in pins  # so is the test extra
    result = check.check_packages()
    assert result.passed, result.detail
    assert result.fix == ""
    for module in check.CORE_IMPORTS.values():
        assert module in result.detail


def test_packages_report_a_missing_and_a_wrong_version_pin_together():
    from importlib.metadata import version

    numpy_version = version("numpy")
    result = check.check_packages(
        {"numpy": "0.0.1", "no-such-package-xyz": "1.2.3", "pooch": version("pooch")}
    )
    assert not result.passed
    assert "no-such-package-xyz==1.2.3" in result.detail
    assert "missing" in result.detail
    assert f"numpy {numpy_version} (pinned 0.0.1)" in result.detail
    assert "pooch" not in result.detail  # installed at its pin, and imports
    assert "make install" in result.fix
    assert 'pip install -e ".[book,test]"' in result.fix


def test_packages_compare_normalised_versions():
    from importlib.metadata import version

    assert check.check_packages({"Jupyter_Book": version("jupyter-book")}, modules={}).passed


def test_packages_report_the_message_of_a_failed_import():
    result = check.check_packages({}, modules={"broken": "workshop_utils_no_such_module"})
    assert not result.passed
    assert "import workshop_utils_no_such_module failed" in result.detail
    assert "ModuleNotFoundError" in result.detail
    assert "make install" in result.fix


def test_packages_do_not_import_a_distribution_already_reported_missing():
    result = check.check_packages(
        {"no-such-package-xyz": "1.0"}, modules={"no-such-package-xyz": "no_such_module"}
    )
    assert not result.passed
    assert "no-such-package-xyz==1.0" in result.detail
    assert "no_such_module" not in result.detail


# ------------------------------------------------------------------------------------- JAX


def test_jax_runs_a_jit_computation_on_the_cpu_here():
    result = check.check_jax()
    assert result.passed, result.detail
    assert "backend cpu" in result.detail
    assert "cpu" in result.detail.split("backend cpu")[1]  # the device list
    assert result.fix == ""


def test_jax_failure_reports_the_error_and_the_known_fixes(monkeypatch):
    import jax

    def broken_jit(*args, **kwargs):
        raise RuntimeError("This version of jaxlib was built using AVX instructions")

    monkeypatch.setattr(jax, "jit", broken_jit)
    result = check.check_jax()
    assert not result.passed
    assert "RuntimeError" in result.detail and "AVX instructions" in result.detail
    assert "arm64" in result.fix
    assert "DLL load failed while importing _jax" in result.fix and "WSL2" in result.fix
    assert "conda and pip" in result.fix


def test_jax_wrong_answer_fails(monkeypatch):
    import jax

    monkeypatch.setattr(jax, "jit", lambda function: lambda x, y: 2.0 * function(x, y))
    result = check.check_jax()
    assert not result.passed
    assert "jit matmul gave" in result.detail


# ------------------------------------------------------------------------------ Matplotlib


def test_matplotlib_renders_a_png_without_touching_global_state():
    # In a fresh process: reading rcParams["backend"] here would itself resolve the backend.
    code = (
        "import sys, matplotlib\n"
        "from workshop_utils import check\n"
        "params = lambda: {k: matplotlib.rcParams._get(k) for k in matplotlib.rcParams}\n"
        "before = params()\n"
        "result = check.check_matplotlib()\n"
        "print(result.passed, result.detail)\n"
        "print(params() == before, 'matplotlib.pyplot' in sys.modules)\n"
    )
    process = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    first, second = process.stdout.splitlines()
    assert first.startswith("True") and "PNG" in first, first
    assert second == "True False"


def test_matplotlib_failure_is_reported(monkeypatch):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    def broken(self, *args, **kwargs):
        raise OSError("no fonts")

    monkeypatch.setattr(FigureCanvasAgg, "print_png", broken)
    result = check.check_matplotlib()
    assert not result.passed
    assert "OSError: no fonts" in result.detail
    assert "make install" in result.fix


# ------------------------------------------------------------------------------------ data


def offline(url: str) -> fetch.DataDownloadError:
    """A probe that finds no network, as behind a firewall."""
    return fetch.DataDownloadError(
        f"Could not reach {url}: no connection within 5 s", "Check your network.", "network"
    )


def online(url: str) -> None:
    return None


def test_data_empty_cache_offline_warns_that_the_stand_in_will_be_used(tmp_path):
    urls = []

    def probe(url):
        urls.append(url)
        return offline(url)

    result = check.check_data(tmp_path, probe=probe)
    assert result.passed and result.warning and result.status == "WARN"
    assert urls == [fetch.REGISTRY[REAL_NAME].url]
    assert "no connection" in result.detail and str(tmp_path) in result.detail
    assert "synthetic stand-in (generated on first use)" in result.detail
    assert "differ from the presenter's" in result.detail
    assert "make data" in result.fix and fetch.DATA_MIRROR_ENV in result.fix


def test_data_only_the_stand_in_cached_and_osf_out_of_reach_is_a_warning(short_cache):
    """The participant will see other numbers than the presenter's: not a clean pass."""
    result = check.check_data(short_cache, probe=offline)
    assert result.passed and result.warning, result.detail
    assert "synthetic stand-in (cached)" in result.detail
    assert "make data" in result.fix and "mirror" in result.fix


def test_data_empty_cache_online_passes_and_will_download(tmp_path):
    result = check.check_data(tmp_path, probe=online)
    assert result.passed and not result.warning, result.detail
    assert "will download on first use" in result.detail
    assert result.fix == ""


def test_data_cached_stand_in_and_osf_reachable_passes(short_cache):
    result = check.check_data(short_cache, probe=online)
    assert result.status == "PASS" and "will download" in result.detail


def test_data_uses_the_mirror_address_when_one_is_set(tmp_path, monkeypatch):
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, "http://mirror.example/data/")
    urls = []
    check.check_data(tmp_path, probe=lambda url: urls.append(url))
    assert urls == [f"http://mirror.example/data/{REAL_NAME}"]


def test_data_cached_real_file_passes_offline(tmp_path, monkeypatch):
    content = b"a pretend recording"
    digest = hashlib.sha256(content).hexdigest()
    (tmp_path / REAL_NAME).write_bytes(content)
    registry = {REAL_NAME: fetch.DataFile(REAL_NAME, "https://osf.io/x", digest, "test")}
    monkeypatch.setattr(fetch, "REGISTRY", registry)
    result = check.check_data(tmp_path, probe=never_called)
    assert result.status == "PASS", result.detail
    assert "real recording cached" in result.detail


def test_data_real_named_file_with_wrong_content_does_not_count(tmp_path):
    (tmp_path / REAL_NAME).write_bytes(b"<html>captive portal</html>")
    result = check.check_data(tmp_path, probe=offline)
    assert result.status == "WARN"
    assert "sha256" in result.detail
    assert "real recording cached" not in result.detail
    assert check.check_data(tmp_path, probe=offline, source="real").status == "FAIL"


def test_data_real_source_ignores_the_stand_in(short_cache):
    result = check.check_data(short_cache, probe=offline, source="real")
    assert result.status == "FAIL"
    assert "make data" not in result.fix and "network" in result.fix
    assert check.check_data(short_cache, probe=online, source="real").status == "PASS"


def test_data_synthetic_source_needs_no_network(tmp_path):
    result = check.check_data(tmp_path, probe=never_called, source="synthetic")
    assert result.status == "PASS", result.detail
    assert "generated on first use" in result.detail


def test_data_symlink_at_the_stand_in_lock_fails_with_its_own_fix(tmp_path):
    (tmp_path / "synthetic").mkdir()
    (tmp_path / "synthetic" / ".stand-in.lock").symlink_to(tmp_path / "nowhere")
    result = check.check_data(tmp_path, probe=never_called, source="synthetic")
    assert result.status == "FAIL"
    assert "symbolic link" in result.detail and result.fix == "Delete it."


def test_data_unknown_source_fails(tmp_path, monkeypatch):
    monkeypatch.setenv(fetch.DATA_SOURCE_ENV, "osf")
    result = check.check_data(tmp_path, probe=online)
    assert result.status == "FAIL"
    assert "WORKSHOP_DATA_SOURCE='osf'" in result.detail and result.fix


def test_data_defaults_to_the_fetch_cache_folder(short_cache, monkeypatch):
    monkeypatch.setenv(fetch.DATA_DIR_ENV, str(short_cache))
    result = check.check_data(probe=online)
    assert result.status == "PASS" and str(short_cache) in result.detail


# Each setup below used to PASS although the fetch then failed or fell back.


def test_data_cache_folder_that_is_a_file_fails(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    folder.write_text("not a folder")
    for source in ("auto", "real", "synthetic"):
        result = check.check_data(folder, probe=online, source=source)
        assert result.status == "FAIL", (source, result.detail)
        assert "is a file" in result.detail
        assert fetch.DATA_DIR_ENV in result.fix
    monkeypatch.setenv(fetch.DATA_DIR_ENV, str(folder))
    with pytest.raises(PermissionError, match="is a file"):  # as the fetch itself does
        fetch.fetch_data(REAL_NAME)


@pytest.mark.parametrize(
    ("mode", "status", "expected"),
    [("ok", 404, "HTTP 404"), ("html", 200, "HTML page"), ("ok", 500, "HTTP 500")],
)
def test_data_mirror_that_does_not_serve_the_file_fails(
    short_cache, monkeypatch, mode, status, expected
):
    server = Server()
    server.mode, server.status = mode, status
    try:
        monkeypatch.setenv(fetch.DATA_MIRROR_ENV, server.url)
        result = check.check_data(short_cache)  # the default probe: a real request
    finally:
        server.stop()
    assert result.status == "FAIL", result.detail
    assert expected in result.detail and f"{server.url}/{REAL_NAME}" in result.detail
    assert fetch.DATA_MIRROR_ENV in result.fix and "unset it" in result.fix


@pytest.mark.parametrize("published", [DIGEST, "0" * 64], ids=["same file", "other bytes"])
def test_data_mirror_passes_only_when_it_serves_the_published_file(
    tmp_path, monkeypatch, published
):
    """The mirror's file is read whole and its sha256 compared with the published one."""
    registry = {REAL_NAME: fetch.DataFile(REAL_NAME, "https://osf.io/x", published, "test")}
    monkeypatch.setattr(fetch, "REGISTRY", registry)
    server = Server()
    try:
        monkeypatch.setenv(fetch.DATA_MIRROR_ENV, server.url)
        result = check.check_data(tmp_path)
    finally:
        server.stop()
    if published == DIGEST:
        assert result.status == "PASS", result.detail
    else:
        assert result.status == "FAIL", result.detail
        assert f"serves a file whose sha256 is {DIGEST[:12]}" in result.detail
        assert "not the published 000000000000" in result.detail
        assert fetch.DATA_MIRROR_ENV in result.fix and "unset it" in result.fix


def test_data_unsupported_mirror_scheme_fails(tmp_path, monkeypatch):
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, "file:///srv/workshop")
    result = check.check_data(tmp_path, probe=never_called)
    assert result.status == "FAIL" and "file:// address" in result.detail


def test_data_folder_at_the_file_name_fails(tmp_path):
    (tmp_path / REAL_NAME).mkdir()
    result = check.check_data(tmp_path, probe=online)
    assert result.status == "FAIL"
    assert "is a folder" in result.detail and "Delete or rename" in result.fix


def test_data_symlink_at_the_lock_fails(tmp_path):
    (tmp_path / f".{REAL_NAME}.lock").symlink_to(tmp_path / "nowhere")
    result = check.check_data(tmp_path, probe=online)
    assert result.status == "FAIL"
    assert "symbolic link" in result.detail and "Delete it" in result.fix


def test_data_lock_held_by_a_running_process_warns_and_a_dead_one_is_ignored(tmp_path):
    lock = tmp_path / f".{REAL_NAME}.lock"
    with lock_held_elsewhere(lock):
        result = check.check_data(tmp_path, probe=never_called)
        assert result.status == "WARN", result.detail
        assert "another running process" in result.detail
        assert fetch.LOCK_TIMEOUT_ENV in result.fix
        assert check.check_data(tmp_path, probe=never_called, source="real").status == "FAIL"
    assert lock.exists()  # left behind by the killed holder, and harmless
    assert check.check_data(tmp_path, probe=online).status == "PASS"


def test_data_relative_cache_folder_fails_with_the_absolute_form(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(fetch.DATA_DIR_ENV, "data")
    result = check.check_data(probe=online)
    assert result.status == "FAIL"
    assert f"export {fetch.DATA_DIR_ENV}={tmp_path / 'data'}" in result.detail
    assert check.check_disk_space().status == "FAIL"


def check_read_only(folder: Path, digest: str) -> list[str]:
    """Run the data check (and a fetch of the real file) on ``folder`` made read-only."""
    code = (
        "from workshop_utils import check, fetch\n"
        f"fetch.REGISTRY = {{{REAL_NAME!r}: fetch.DataFile({REAL_NAME!r}, "
        f"'http://127.0.0.1:9/x', {digest!r}, 'test')}}\n"
        "result = check.check_data()\n"
        "print(result.status, result.detail)\n"
        f"print(fetch.fetch_data({REAL_NAME!r}, source='real'))\n"
    )
    with read_only([folder]) as prefix:
        result = subprocess.run(
            [*prefix, sys.executable, "-c", code],
            env=child_env(folder),
            capture_output=True,
            text=True,
        )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_data_read_only_cache_passes_only_with_what_ground_truth_needs(tmp_path):
    """A shared read-only cache holding the recording serves the real file, but ground_truth
    also needs the stand-in and its null control, which it cannot generate there."""
    content = b"the recording, shared by the instructor"
    digest = hashlib.sha256(content).hexdigest()
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / REAL_NAME).write_bytes(content)

    status, path = check_read_only(folder, digest)
    assert path == str(folder / REAL_NAME)
    assert status.startswith("FAIL") and "real recording cached" in status
    assert "ground_truth and coupling_null: stand-in and null control cannot be generated" in status

    synthetic.generate_stand_in(folder / "synthetic", layout=SHORT_LAYOUT)
    status, _ = check_read_only(folder, digest)
    assert status.startswith("FAIL")
    assert "ground_truth and coupling_null: null control cannot be generated" in status

    synthetic.generate_stand_in(folder / "synthetic", layout=SHORT_LAYOUT, null_control=True)
    status, _ = check_read_only(folder, digest)
    assert status.startswith("PASS"), status
    assert "ground_truth and coupling_null: stand-in and null control cached" in status

    # The same read-only cache without a valid real file: nothing can be written there.
    (folder / REAL_NAME).write_bytes(b"truncated")
    code = "from workshop_utils import check\nprint(check.check_data(source='real').status)"
    with read_only([folder]) as prefix:
        result = subprocess.run(
            [*prefix, sys.executable, "-c", code],
            env=child_env(folder),
            capture_output=True,
            text=True,
        )
    assert result.stdout.strip() == "FAIL", result.stderr


# ------------------------------------------------------------------------------ disk space


def test_disk_space_passes_here(tmp_path):
    result = check.check_disk_space(tmp_path / "not" / "yet" / "created")
    assert result.passed, result.detail
    assert str(tmp_path) in result.detail  # the nearest existing parent was measured


def test_disk_space_with_1_gb_free_fails(tmp_path):
    measured = []

    def usage(path):
        measured.append(path)
        return SimpleNamespace(total=100 * 1024**3, used=99 * 1024**3, free=1024**3)

    result = check.check_disk_space(tmp_path / "cache", usage=usage)
    assert not result.passed
    assert measured == [tmp_path]
    assert "1.0 GB free" in result.detail
    assert "WORKSHOP_DATA_DIR" in result.fix


# ---------------------------------------------------------------------------------- kernel


def test_kernel_passes_here():
    result = check.check_kernel()
    assert result.passed
    assert sys.executable in result.detail


def test_kernel_from_another_installation_fails():
    result = check.check_kernel("/usr/bin/python3", "/home/me/workshop/.venv")
    assert not result.passed
    assert "/usr/bin/python3" in result.detail
    assert "ipykernel install --user --name head-direction-workshop" in result.fix


# ------------------------------------------------------------------------------- reporting


def passing_checks(monkeypatch):
    for name in ("check_packages", "check_jax", "check_data", "check_disk_space"):
        label = name.removeprefix("check_")
        monkeypatch.setattr(check, name, lambda label=label: check.CheckResult(label, True, "ok"))


def test_run_checks_turns_an_exception_into_a_failed_result(monkeypatch):
    passing_checks(monkeypatch)

    def crash():
        raise ValueError("boom")

    monkeypatch.setattr(check, "check_matplotlib", crash)
    results = check.run_checks()
    assert len(results) == 9  # Python, Platform, Packages, JAX, JAX cache, Matplotlib, Data,
    # Disk space, Kernel
    crashed = [result for result in results if not result.passed]
    assert [result.name for result in crashed] == ["Matplotlib"]
    assert "ValueError: boom" in crashed[0].detail
    assert crashed[0].fix


def test_format_table_shows_pass_and_fail_rows_and_the_fixes():
    results = [
        check.CheckResult("Python", True, "Python 3.11.7"),
        check.CheckResult("Data", False, "nothing cached " * 20, "Run `make data`."),
        check.CheckResult("Kernel", False, "/usr/bin/python3", "Start Jupyter from the env."),
    ]
    table = check.format_table(results)
    lines = table.splitlines()
    assert lines[0].split() == ["Check", "Status", "Detail"]
    assert any(line.startswith("Python") and " PASS " in line for line in lines)
    assert any(line.startswith("Data") and " FAIL " in line for line in lines)
    assert "2 of 3 checks failed." in table
    fixes = table.split("How to fix:")[1]
    assert "1. Data: Run `make data`." in fixes
    assert "2. Kernel: Start Jupyter from the env." in fixes
    assert max(len(line) for line in lines) <= 100


def test_format_table_shows_a_warning_distinctly_and_lists_its_fix_after_failures():
    results = [
        check.CheckResult("Python", True, "Python 3.11.7"),
        check.CheckResult("Data", True, "stand-in only", "Run `make data` online.", warning=True),
        check.CheckResult("Kernel", False, "/usr/bin/python3", "Start Jupyter from the env."),
    ]
    assert [result.status for result in results] == ["PASS", "WARN", "FAIL"]
    table = check.format_table(results)
    assert any(line.startswith("Data") and " WARN " in line for line in table.splitlines())
    assert "1 of 3 checks failed; 1 passed with a warning (WARN)." in table
    fixes = table.split("How to fix:")[1]
    assert "1. Kernel: Start Jupyter" in fixes and "2. Data (warning): Run `make data`" in fixes
    only_warning = check.format_table(results[:2])
    assert "All 2 checks passed" not in only_warning
    assert "you can follow the workshop, but read the warning first" in only_warning
    assert "1. Data (warning)" in only_warning


def test_format_table_when_everything_passes():
    table = check.format_table([check.CheckResult("Python", True, "Python 3.11.7")])
    assert "All 1 checks passed" in table
    assert "How to fix" not in table and "FAIL" not in table


def test_main_returns_1_when_a_check_fails(monkeypatch, capsys):
    passing_checks(monkeypatch)
    monkeypatch.setattr(
        check, "check_python", lambda: check.CheckResult("Python", False, "3.12", "Use 3.11.")
    )
    assert check.main([]) == 1
    output = capsys.readouterr().out
    assert "FAIL" in output and "How to fix:" in output and "Use 3.11." in output


def test_main_returns_0_with_a_warning(monkeypatch, capsys):
    results = [check.CheckResult("Data", True, "stand-in only", "Run `make data`.", warning=True)]
    monkeypatch.setattr(check, "run_checks", lambda: results)
    assert check.main([]) == 0
    assert "WARN" in capsys.readouterr().out


def test_main_returns_0_when_every_check_passes(monkeypatch, capsys):
    results = [check.CheckResult("Python", True, "Python 3.11.7")]
    monkeypatch.setattr(check, "run_checks", lambda: results)
    assert check.main([]) == 0
    output = capsys.readouterr().out
    assert check.format_table(results) in output


def test_module_warns_offline_on_a_cached_stand_in_and_exits_0(short_cache):
    """OSF out of reach (a closed port stands for it), only the stand-in cached: a warning."""
    env = child_env(short_cache)
    code = (
        "from workshop_utils import check, fetch\n"
        f"entry = fetch.REGISTRY[{REAL_NAME!r}]\n"
        "fetch.REGISTRY = {entry.name: fetch.DataFile(entry.name, 'http://127.0.0.1:9/x', "
        "entry.sha256, entry.description)}\n"
        "raise SystemExit(check.main([]))\n"
    )
    process = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    assert process.returncode == 0, process.stdout + process.stderr
    lines = process.stdout.splitlines()
    rows = (
        "Python",
        "Platform",
        "Packages",
        "JAX",
        "JAX cache",
        "Matplotlib",
        "Disk space",
        "Kernel",
    )
    for name in rows:
        assert any(line.startswith(name) and " PASS " in line for line in lines), name
    assert any(line.startswith("Data") and " WARN " in line for line in lines)
    assert "checks passed: you are ready" not in process.stdout
    assert "passed with a warning" in process.stdout and "make data" in process.stdout


def test_importing_the_check_module_imports_nothing_heavy():
    code = (
        "import sys\n"
        "import workshop_utils.check\n"
        "heavy = ['jax', 'nemos', 'pynapple', 'matplotlib', 'workshop_utils.fetch']\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    process = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert process.stdout.strip() == "[]"


# -------------------------------------------------------------------------------- platform

ROSETTA_KERNEL = (
    "Darwin Kernel Version 23.1.0: Mon Oct  9 21:27:24 PDT 2023; "
    "root:xnu-10002.41.9~6/RELEASE_ARM64_T6000"
)
INTEL_MAC_KERNEL = "Darwin Kernel Version 21.6.0: root:xnu-8020.140.49~2/RELEASE_X86_64"


def test_platform_passes_here():
    import platform

    result = check.check_platform()
    assert result.passed and result.name == "Platform" and result.fix == ""
    assert f" on {platform.machine()}, 64-bit Python" in result.detail


@pytest.mark.parametrize(
    ("system", "machine", "kernel"),
    [
        ("Linux", "x86_64", "#1 SMP PREEMPT_DYNAMIC"),
        ("Linux", "aarch64", "#1 SMP"),
        ("Darwin", "arm64", ROSETTA_KERNEL),
        ("Windows", "AMD64", "10.0.22631"),
    ],
)
def test_platform_passes_where_jax_publishes_packages(system, machine, kernel):
    result = check.check_platform(system, machine, kernel, 64)
    assert result.passed, result.detail
    assert machine in result.detail


def test_platform_names_rosetta_and_the_native_python_fix():
    result = check.check_platform("Darwin", "x86_64", ROSETTA_KERNEL, 64)
    assert not result.passed
    assert "macOS on x86_64" in result.detail and "Rosetta" in result.detail
    assert "native Apple-silicon Python 3.13" in result.fix and "prints arm64" in result.fix


def test_platform_sends_an_intel_mac_to_binder_or_colab():
    result = check.check_platform("Darwin", "x86_64", INTEL_MAC_KERNEL, 64)
    assert not result.passed and "Intel Mac" in result.detail and "Rosetta" not in result.detail
    assert "Binder or Google Colab" in result.fix


def test_platform_windows_on_arm_and_32_bit_pythons_get_their_own_fix():
    arm = check.check_platform("Windows", "ARM64", "10.0.22631", 64)
    assert not arm.passed and "Windows on ARM" in arm.detail
    assert "x64 (AMD64) Python 3.13" in arm.fix and "WSL2" in arm.fix
    thirty_two = check.check_platform("Windows", "AMD64", "10.0.22631", 32)
    assert not thirty_two.passed and "32-bit Python" in thirty_two.detail
    assert "Windows installer (64-bit)" in thirty_two.fix
    raspberry = check.check_platform("Linux", "armv7l", "#1 SMP", 32)
    assert not raspberry.passed and "Binder or Google Colab" in raspberry.fix


@pytest.mark.parametrize(("system", "machine"), [("Linux", "ppc64le"), ("FreeBSD", "amd64")])
def test_platform_without_jax_packages_fails_with_the_browser_route(system, machine):
    result = check.check_platform(system, machine, "", 64)
    assert not result.passed and f"{system} on {machine}" in result.detail
    assert "Binder or Google Colab" in result.fix


def test_platform_is_the_second_check_and_its_failure_is_listed_with_its_fix(monkeypatch):
    passing_checks(monkeypatch)
    on_rosetta = check.check_platform("Darwin", "x86_64", ROSETTA_KERNEL, 64)
    monkeypatch.setattr(check, "check_platform", lambda: on_rosetta)
    results = check.run_checks()
    assert [result.name for result in results][:2] == ["Python", "Platform"]
    table = " ".join(check.format_table(results).split())
    assert "1. Platform: Install a native Apple-silicon Python 3.13" in table


# ------------------------------------------------------------------------------- warm-up

WARM_NOTEBOOK = myst_notebook(
    """import jax
import jax.numpy as jnp

import workshop_utils

jax.config.update("jax_compilation_cache_dir", str(workshop_utils.jax_cache_dir()))
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
print(float(jax.jit(lambda x: jnp.sin(x) * 2.0)(jnp.arange(3.0)).sum()))""",
    title="Warm-up",
)


@pytest.mark.notebook
def test_warm_up_runs_each_notebook_and_fills_the_jax_cache(tmp_path, monkeypatch):
    jax_cache = tmp_path / "jax"
    monkeypatch.setenv(runtime.JAX_CACHE_ENV, str(jax_cache))
    good = tmp_path / "good.md"
    good.write_text(WARM_NOTEBOOK, encoding="utf-8")
    bad = tmp_path / "bad.md"
    bad.write_text(WARM_NOTEBOOK.replace("jnp.sin(x)", "undefined_name(x)"), encoding="utf-8")
    results = check.warm_notebooks([good, bad, tmp_path / "missing.md"])
    assert [r.status for r in results] == ["PASS", "FAIL", "FAIL"]
    assert "good.md ran in" in results[0].detail
    assert "undefined_name" in results[1].detail and "troubleshooting" in results[1].fix
    assert "does not exist" in results[2].detail
    assert any(jax_cache.iterdir()), "the compiled code is in the workshop's JAX cache"


def test_warm_up_is_refused_when_there_are_no_notebooks(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(check, "run_checks", lambda: [check.CheckResult("Python", True, "ok")])
    assert check.main(["--warm"]) == 1
    assert "No notebooks to warm up" in capsys.readouterr().out


def test_no_warm_up_after_a_failed_check(tmp_path, monkeypatch):
    monkeypatch.setattr(check, "run_checks", lambda: [check.CheckResult("Data", False, "no", "x")])
    called = []
    monkeypatch.setattr(check, "warm_notebooks", lambda notebooks: called.append(notebooks) or [])
    assert check.main(["--warm", str(tmp_path / "a.md")]) == 1
    assert called == []


# ------------------------------------------------------------------------------- JAX cache


def test_jax_cache_row_fails_or_warns_where_notebooks_would_stop_or_recompile(
    tmp_path, monkeypatch
):
    monkeypatch.setenv(runtime.JAX_CACHE_ENV, str(tmp_path / "jax"))
    result = check.check_jax_cache()
    assert result.status == "PASS" and str(tmp_path / "jax") in result.detail
    monkeypatch.setenv(runtime.JAX_CACHE_ENV, "relative/jax")
    result = check.check_jax_cache()
    assert result.status == "FAIL" and "relative path" in result.detail
    assert "absolute folder" in result.fix
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv(runtime.JAX_CACHE_ENV, str(tmp_path / "a-file"))
    result = check.check_jax_cache()
    assert result.status == "FAIL" and "is a file" in result.detail
    # A folder this user cannot write (root can write anywhere, so the refusal is simulated).
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setenv(runtime.JAX_CACHE_ENV, str(tmp_path / "read-only" / "jax"))
    (tmp_path / "read-only").mkdir()
    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    result = check.check_jax_cache()
    assert result.status == "WARN" and "compiles its models again" in result.detail


def test_a_python3_kernelspec_pointing_elsewhere_fails_the_kernel_row(tmp_path, monkeypatch):
    import json

    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = ["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "Python 3", "language": "python"})
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))  # searched before the venv's
    result = check.check_kernel()
    assert not result.passed
    assert "/usr/bin/python3" in result.detail and str(spec) in result.detail
    monkeypatch.delenv("JUPYTER_PATH")
    assert check.check_kernel().passed
