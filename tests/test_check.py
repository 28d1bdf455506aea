"""check: every check passes here, and every failure is simulated through its inputs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from workshop_utils import check, fetch, synthetic

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
    for variable in (fetch.DATA_SOURCE_ENV, fetch.DATA_MIRROR_ENV):
        monkeypatch.delenv(variable, raising=False)


def never_called(url: str) -> bool:
    raise AssertionError(f"reachable({url!r}) must not be called when the data is cached")


# ---------------------------------------------------------------------------------- Python


def test_python_passes_here():
    result = check.check_python()
    assert result.passed and result.name == "Python"
    assert result.fix == ""
    assert f"3.11.{sys.version_info.micro}" in result.detail


@pytest.mark.parametrize("version", [(3, 12), (3, 10), (3, 12, 1, "final", 0)])
def test_python_other_versions_fail_with_the_install_fix(version):
    result = check.check_python(version)
    assert not result.passed
    assert ".".join(map(str, version[:3])) in result.detail
    assert "3.11" in result.detail
    assert "make install PYTHON=python3.11" in result.fix
    assert "conda env create -f environment.yml" in result.fix


def test_python_accepts_any_3_11_micro_release():
    assert check.check_python((3, 11, 0)).passed


# -------------------------------------------------------------------------------- packages


def test_packages_pass_here_with_the_installed_pins():
    pins = check._installed_pins()
    assert pins["nemos"] == "0.2.8"
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


def test_data_empty_cache_offline_fails(tmp_path):
    urls = []

    def offline(url):
        urls.append(url)
        return False

    result = check.check_data(tmp_path, reachable=offline)
    assert not result.passed
    assert urls == [fetch.REGISTRY[REAL_NAME].url]
    assert "not reachable" in result.detail and str(tmp_path) in result.detail
    assert "make data" in result.fix
    assert "WORKSHOP_DATA_SOURCE=synthetic" in result.fix


def test_data_empty_cache_online_passes_and_will_download(tmp_path):
    result = check.check_data(tmp_path, reachable=lambda url: True)
    assert result.passed, result.detail
    assert "download" in result.detail
    assert result.fix == ""


def test_data_uses_the_mirror_address_when_one_is_set(tmp_path, monkeypatch):
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, "http://mirror.example/data/")
    urls = []
    check.check_data(tmp_path, reachable=lambda url: urls.append(url) or True)
    assert urls == [f"http://mirror.example/data/{REAL_NAME}"]


def test_data_cached_stand_in_passes_offline(short_cache):
    result = check.check_data(short_cache, reachable=never_called)
    assert result.passed, result.detail
    assert "stand-in cached" in result.detail


def test_data_cached_real_file_passes_offline(tmp_path, monkeypatch):
    content = b"a pretend recording"
    import hashlib

    digest = hashlib.sha256(content).hexdigest()
    (tmp_path / REAL_NAME).write_bytes(content)
    registry = {REAL_NAME: fetch.DataFile(REAL_NAME, "https://osf.io/x", digest, "test")}
    monkeypatch.setattr(fetch, "REGISTRY", registry)
    result = check.check_data(tmp_path, reachable=never_called)
    assert result.passed, result.detail
    assert "real recording cached" in result.detail


def test_data_real_named_file_with_wrong_content_does_not_count(tmp_path):
    (tmp_path / REAL_NAME).write_bytes(b"<html>captive portal</html>")
    result = check.check_data(tmp_path, reachable=lambda url: False)
    assert not result.passed
    assert "sha256" in result.detail
    assert "real recording cached" not in result.detail


def test_data_real_source_ignores_the_stand_in(short_cache):
    result = check.check_data(short_cache, reachable=lambda url: False, source="real")
    assert not result.passed
    assert check.check_data(short_cache, reachable=lambda url: True, source="real").passed


def test_data_synthetic_source_needs_no_network(tmp_path):
    result = check.check_data(tmp_path, reachable=never_called, source="synthetic")
    assert result.passed, result.detail
    assert "generated on first use" in result.detail


def test_data_unknown_source_fails(tmp_path, monkeypatch):
    monkeypatch.setenv(fetch.DATA_SOURCE_ENV, "osf")
    result = check.check_data(tmp_path, reachable=lambda url: True)
    assert not result.passed
    assert "WORKSHOP_DATA_SOURCE" in result.fix


def test_data_defaults_to_the_fetch_cache_folder(short_cache, monkeypatch):
    monkeypatch.setenv(fetch.DATA_DIR_ENV, str(short_cache))
    result = check.check_data(reachable=never_called)
    assert result.passed and str(short_cache) in result.detail


def test_default_reachable_is_false_for_a_closed_port_and_true_for_any_http_answer():
    import http.server
    import socket
    import threading

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    assert check._reachable(f"http://127.0.0.1:{closed_port}/") is False

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self):  # noqa: N802 (http.server's name)
            self.send_response(302 if self.path == "/redirect" else 404)
            self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        assert check._reachable(base + "/missing") is True  # a 404 is still an answer
        assert check._reachable(base + "/redirect") is True  # not followed to port 9
    finally:
        server.shutdown()
        server.server_close()


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
    assert len(results) == 8
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


def test_main_returns_0_when_every_check_passes(monkeypatch, capsys):
    results = [check.CheckResult("Python", True, "Python 3.11.7")]
    monkeypatch.setattr(check, "run_checks", lambda: results)
    assert check.main([]) == 0
    output = capsys.readouterr().out
    assert check.format_table(results) in output


def test_module_runs_and_passes_here_offline_on_a_cached_stand_in(short_cache):
    env = {**os.environ, fetch.DATA_DIR_ENV: str(short_cache)}
    for variable in (fetch.DATA_SOURCE_ENV, fetch.DATA_MIRROR_ENV):
        env.pop(variable, None)
    process = subprocess.run(
        [sys.executable, "-m", "workshop_utils.check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert process.returncode == 0, process.stdout + process.stderr
    names = ("Python", "Platform", "Packages", "JAX", "Matplotlib", "Data", "Disk space")
    for name in (*names, "Kernel"):
        assert any(
            line.startswith(name) and " PASS " in line for line in process.stdout.splitlines()
        ), name
    assert "All 8 checks passed" in process.stdout
    assert "stand-in cached" in process.stdout


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
    assert "native Apple-silicon Python 3.11" in result.fix and "prints arm64" in result.fix


def test_platform_sends_an_intel_mac_to_binder_or_colab():
    result = check.check_platform("Darwin", "x86_64", INTEL_MAC_KERNEL, 64)
    assert not result.passed and "Intel Mac" in result.detail and "Rosetta" not in result.detail
    assert "Binder or Google Colab" in result.fix


def test_platform_windows_on_arm_and_32_bit_pythons_get_their_own_fix():
    arm = check.check_platform("Windows", "ARM64", "10.0.22631", 64)
    assert not arm.passed and "Windows on ARM" in arm.detail
    assert "x64 (AMD64) Python 3.11" in arm.fix and "WSL2" in arm.fix
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
    assert "1. Platform: Install a native Apple-silicon Python 3.11" in table
