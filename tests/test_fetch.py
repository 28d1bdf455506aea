"""fetch: real downloads from a local HTTP server, real processes, every failure mode."""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import importlib
import multiprocessing
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest

from workshop_utils import fetch, synthetic

NAME = "Mouse32-140822.nwb"


def _hdf5_bytes(size: int) -> bytes:
    """An HDF5 file (as the recording is) holding ``size`` random bytes."""
    import io

    import h5py
    import numpy as np

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as handle:
        handle["session_description"] = "a pretend recording"
        handle["noise"] = np.frombuffer(os.urandom(size), dtype=np.uint8)
    return buffer.getvalue()


CONTENT = _hdf5_bytes(256 * 1024)
DIGEST = hashlib.sha256(CONTENT).hexdigest()
HTML_PAGE = b"<!DOCTYPE html><html><body>Please log in to the guest network</body></html>"


class Server:
    """A local HTTP server whose behaviour each test chooses.

    Modes: ``ok``; ``drop`` (closes the connection after a third of the file); ``drop-once``
    (drops the first request only); ``hold`` (sends half the file, then waits for
    ``release``); ``trickle`` (one byte every 0.1 s); ``hang`` (never answers); ``html`` (a
    200 answer with an HTML page). ``status`` other than 200 answers that HTTP error. A path
    starting with ``/moved`` redirects to the file.
    """

    def __init__(self):
        self.body = CONTENT
        self.mode = "ok"
        self.status = 200
        self.requests = 0
        self.release = threading.Event()
        self.holding = threading.Event()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                try:
                    self.answer()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as some tests make it

            def answer(self):
                server.requests += 1
                mode = server.mode
                if self.path.startswith("/moved"):
                    self.send_response(302)
                    self.send_header("Location", "/" + NAME)
                    self.end_headers()
                    return
                if mode == "hang":
                    server.release.wait(60)
                    return
                if server.status != 200:
                    self.send_error(server.status)
                    return
                body = HTML_PAGE if mode == "html" else server.body
                self.send_response(200)
                kind = "text/html" if mode == "html" else "application/octet-stream"
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if mode == "drop" or (mode == "drop-once" and server.requests == 1):
                    self.wfile.write(body[: len(body) // 3])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if mode == "hold":
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    server.holding.set()
                    server.release.wait(60)
                    return
                if mode == "trickle":
                    for index in range(len(body)):
                        if server.release.is_set():
                            return
                        self.wfile.write(body[index : index + 1])
                        self.wfile.flush()
                        time.sleep(0.1)
                    return
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def firewalled_url():
    """An address whose connections are never accepted, like a firewall dropping packets.

    The listener's backlog (0) is filled by one connection, so the kernel drops further SYNs.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    filler = socket.create_connection(listener.getsockname())
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        filler.close()
        listener.close()


@pytest.fixture
def server():
    running = Server()
    yield running
    running.stop()


def clear_data_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests do not depend on the data settings of whoever runs them."""
    for variable in (
        fetch.DATA_SOURCE_ENV,
        fetch.DATA_MIRROR_ENV,
        fetch.DOWNLOAD_TIMEOUT_ENV,
        fetch.LOCK_TIMEOUT_ENV,
    ):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def cache(tmp_path, monkeypatch, data_cache):
    """An empty cache folder with the session's stand-in copied in, and a test registry."""
    folder = tmp_path / "cache"
    shutil.copytree(data_cache / "synthetic", folder / "synthetic")
    monkeypatch.setenv(fetch.DATA_DIR_ENV, str(folder))
    clear_data_settings(monkeypatch)
    monkeypatch.setattr(
        fetch, "REGISTRY", {NAME: fetch.DataFile(NAME, "http://unused.invalid/x", DIGEST, "test")}
    )
    monkeypatch.setattr(fetch, "DOWNLOAD_RETRIES", 0)
    return folder


def leftovers(folder: Path) -> list[str]:
    """Files besides the data, its stand-in and the (persistent, empty) lock files."""
    return sorted(
        p.name
        for p in folder.iterdir()
        if p.name not in (NAME, "synthetic") and not p.name.endswith(".lock")
    )


def partials(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob(f"{fetch.PARTIAL_PREFIX}*"))


def part_sizes(folder: Path) -> list[int]:
    """Sizes of the partial files in ``folder`` (one may vanish while it is read)."""
    sizes = []
    for name in partials(folder):
        with contextlib.suppress(FileNotFoundError):
            sizes.append((folder / name).stat().st_size)
    return sizes


def fallback_warnings(caught) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


# ---------------------------------------------------------------------------- downloads


def test_download_from_the_mirror_with_hash_check(cache, server, monkeypatch):
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, server.url)
    path = Path(fetch.fetch_data(NAME, source="real"))
    assert path == cache / NAME
    assert path.read_bytes() == CONTENT
    assert server.requests == 1
    assert leftovers(cache) == []


def test_downloaded_file_is_readable_by_everyone_whatever_the_umask(cache, server, monkeypatch):
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, server.url)
    previous = os.umask(0o077)
    try:
        path = fetch.fetch_data(NAME, source="real")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644


def test_cache_hit_needs_no_network(cache, server, monkeypatch):
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, server.url)
    first = fetch.fetch_data(NAME, source="real")
    server.stop()
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, closed_port_url())
    assert fetch.fetch_data(NAME, source="real") == first
    assert server.requests == 1


def test_hash_mismatch_is_an_error_and_keeps_no_file(cache, server, monkeypatch):
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, server.url)
    server.body = b"not the published file" * 1000
    with pytest.raises(fetch.DataDownloadError, match="does not match the published sha256"):
        fetch.fetch_data(NAME, source="real")
    assert not (cache / NAME).exists()
    assert leftovers(cache) == []


def test_hash_mismatch_in_auto_falls_back_to_the_stand_in(cache, server, monkeypatch):
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, server.url)
    server.body = b"tampered" * 1000
    with pytest.warns(UserWarning, match="SYNTHETIC STAND-IN"):
        path = fetch.fetch_data(NAME, source="auto")
    assert fetch.data_source(path) == "synthetic"
    assert not (cache / NAME).exists()


def test_dropped_connection_leaves_no_partial_file(cache, server, monkeypatch):
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, server.url)
    server.mode = "drop"
    with pytest.raises(fetch.DataDownloadError, match="Could not download.*dropped") as raised:
        fetch.fetch_data(NAME, source="real")
    assert raised.value.kind == "network"
    assert not (cache / NAME).exists()
    assert leftovers(cache) == []


def test_a_dropped_connection_is_tried_again(cache, server, monkeypatch):
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, server.url)
    monkeypatch.setattr(fetch, "DOWNLOAD_RETRIES", 2)
    server.mode = "drop-once"
    assert Path(fetch.fetch_data(NAME, source="real")).read_bytes() == CONTENT
    assert server.requests == 2


def test_a_server_error_is_tried_again_but_a_404_is_not(cache, server, monkeypatch):
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, server.url)
    monkeypatch.setattr(fetch, "DOWNLOAD_RETRIES", 2)
    server.status = 404
    start = time.monotonic()
    with pytest.raises(fetch.DataDownloadError, match="HTTP 404") as raised:
        fetch.fetch_data(NAME, source="real")
    assert server.requests == 1
    assert time.monotonic() - start < 1.0  # no pause before a retry either
    assert raised.value.kind == "server" and fetch.DATA_MIRROR_ENV in raised.value.fix

    server.requests, server.status = 0, 503
    with pytest.raises(fetch.DataDownloadError, match="HTTP 503"):
        fetch.fetch_data(NAME, source="real")
    assert server.requests == 3


@pytest.mark.parametrize(
    ("mirror", "expected"),
    [("file:///srv/data", "file:// address, which is not supported"), ("ftp://x", "ftp://")],
)
def test_an_unsupported_mirror_scheme_is_named_and_not_tried(cache, monkeypatch, mirror, expected):
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, mirror)
    with pytest.raises(fetch.DataDownloadError, match=expected) as raised:
        fetch.fetch_data(NAME, source="real")
    assert raised.value.kind == "settings"
    assert "http.server" in raised.value.fix and str(cache) in raised.value.fix
    with pytest.warns(UserWarning, match=expected):
        assert fetch.data_source(fetch.fetch_data(NAME)) == "synthetic"


def test_unreachable_server_in_real_mode_explains_the_fixes(cache, monkeypatch):
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, closed_port_url())
    with pytest.raises(fetch.DataDownloadError) as raised:
        fetch.fetch_data(NAME, source="real")
    message = str(raised.value)
    for fix in (
        "network",
        "proxy",
        "python -m workshop_utils.fetch",
        "WORKSHOP_DATA_SOURCE=synthetic",
    ):
        assert fix in message


def test_unreachable_server_in_auto_mode_warns_once_and_uses_the_stand_in(cache, monkeypatch):
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, closed_port_url())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = fetch.fetch_data(NAME)
    messages = fallback_warnings(caught)
    assert len(messages) == 1
    message = messages[0]
    assert "SYNTHETIC" in message and "--source real" in message and "127.0.0.1" in message
    assert Path(path).name == synthetic.STAND_IN_FILENAME
    assert fetch.data_source(path) == "synthetic"


# ------------------------------------------------------------------ firewalls and slow servers


def timed_fallback(monkeypatch, url: str) -> tuple[float, str, str]:
    """Fetch in auto mode from ``url``; return the seconds taken, the path and the warning."""
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, url)
    start = time.monotonic()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = fetch.fetch_data(NAME)
    elapsed = time.monotonic() - start
    messages = fallback_warnings(caught)
    assert len(messages) == 1
    return elapsed, path, messages[0]


def test_behind_a_firewall_the_fallback_comes_within_seconds(cache, monkeypatch):
    monkeypatch.setattr(fetch, "CONNECT_TIMEOUT", 1.0)  # 5 s in use: the logic is the same
    with firewalled_url() as url:
        elapsed, path, message = timed_fallback(monkeypatch, url)
    print(f"firewall: fell back in {elapsed:.1f} s")
    assert fetch.data_source(path) == "synthetic"
    assert f"no connection within {fetch.CONNECT_TIMEOUT:g} s" in message
    assert fetch.CONNECT_TIMEOUT - 0.5 < elapsed < 15


@pytest.mark.slow  # real processes and timeouts: several seconds (the full tier runs it)
def test_a_server_that_never_answers_is_given_up_within_seconds(cache, server, monkeypatch):
    server.mode = "hang"
    elapsed, path, message = timed_fallback(monkeypatch, server.url)
    print(f"hanging server: fell back in {elapsed:.1f} s")
    assert fetch.data_source(path) == "synthetic"
    assert "stopped answering" in message
    assert elapsed < 15
    assert server.requests == 1


def test_a_trickling_server_is_cut_off_at_the_deadline(cache, server, monkeypatch):
    monkeypatch.setenv(fetch.DOWNLOAD_TIMEOUT_ENV, "3")
    server.mode = "trickle"  # one byte every 0.1 s: the per-read timeout never fires
    elapsed, path, message = timed_fallback(monkeypatch, server.url)
    print(f"trickling server: fell back in {elapsed:.1f} s")
    assert fetch.data_source(path) == "synthetic"
    assert "longer than 3 s" in message and fetch.DOWNLOAD_TIMEOUT_ENV in message
    assert 2.5 < elapsed < 15
    assert partials(cache) == [] and not (cache / NAME).exists()


def test_a_bad_timeout_setting_is_named(cache, monkeypatch):
    monkeypatch.setenv(fetch.DOWNLOAD_TIMEOUT_ENV, "soon")
    with pytest.raises(ValueError, match="WORKSHOP_DATA_TIMEOUT='soon'.*positive number"):
        fetch.fetch_data(NAME)


# ------------------------------------------------------------------------------ the cache


def test_synthetic_mode_never_contacts_the_server(cache, server, monkeypatch):
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, server.url)
    monkeypatch.setenv(fetch.DATA_SOURCE_ENV, "synthetic")
    path = fetch.fetch_data(NAME)
    assert fetch.data_source(path) == "synthetic"
    assert server.requests == 0


def test_tampered_cached_file_is_downloaded_again(cache, server, monkeypatch):
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, server.url)
    path = Path(fetch.fetch_data(NAME, source="real"))
    path.write_bytes(b"tampered" + CONTENT[8:])
    assert Path(fetch.fetch_data(NAME, source="real")).read_bytes() == CONTENT
    assert server.requests == 2


def test_tampered_cached_file_is_never_returned_when_offline(cache, server, monkeypatch):
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, server.url)
    path = Path(fetch.fetch_data(NAME, source="real"))
    path.write_bytes(b"tampered" + CONTENT[8:])
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, closed_port_url())
    with pytest.raises(fetch.DataDownloadError):
        fetch.fetch_data(NAME, source="real")
    with pytest.warns(UserWarning, match="SYNTHETIC"):
        fallback = fetch.fetch_data(NAME, source="auto")
    assert Path(fallback) != path and fetch.data_source(fallback) == "synthetic"


def test_a_folder_at_the_file_name_is_named_and_auto_falls_back(cache, server, monkeypatch):
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, server.url)
    (cache / NAME).mkdir()
    with pytest.raises(fetch.DataDownloadError, match="is a folder") as raised:
        fetch.fetch_data(NAME, source="real")
    assert raised.value.kind == "cache" and "Delete or rename" in raised.value.fix
    with pytest.warns(UserWarning, match="is a folder"):
        assert fetch.data_source(fetch.fetch_data(NAME)) == "synthetic"
    assert server.requests == 0


def test_unwritable_cache_names_the_variable_to_set(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(fetch.DATA_DIR_ENV, str(blocker / "cache"))
    with pytest.raises(PermissionError, match=f"{blocker} is a file.*{fetch.DATA_DIR_ENV}"):
        fetch.fetch_data(NAME, source="synthetic")


def test_a_relative_cache_folder_is_refused_with_its_absolute_form(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(fetch.DATA_DIR_ENV, "workshop-data")
    with pytest.raises(ValueError, match="relative path") as raised:
        fetch.fetch_data(NAME, source="synthetic")
    assert f"export {fetch.DATA_DIR_ENV}={tmp_path / 'workshop-data'}" in str(raised.value)
    assert list(tmp_path.iterdir()) == []


def test_paths_are_absolute_and_the_command_line_folder_is_relative_to_the_shell(
    cache, monkeypatch, capsys
):
    assert Path(fetch.fetch_data(NAME, source="synthetic")).is_absolute()
    assert fetch.cache_dir().is_absolute()
    monkeypatch.delenv(fetch.DATA_DIR_ENV)
    assert fetch.cache_dir().is_absolute()  # the user cache folder
    monkeypatch.chdir(cache.parent)
    assert fetch.main(["--source", "synthetic", "--dir", cache.name]) == 0
    assert f"{NAME}: {cache / 'synthetic' / synthetic.STAND_IN_FILENAME} (synthetic)" in (
        capsys.readouterr().out
    )


def test_the_write_probe_never_follows_a_planted_symlink(cache, server, monkeypatch, tmp_path):
    """In a shared cache, another user could plant a link at a predictable probe name."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    planted = cache / f".write-test-{os.getpid()}"  # the old, predictable probe name
    planted.symlink_to(victim)
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, server.url)
    assert Path(fetch.fetch_data(NAME, source="real")).read_bytes() == CONTENT
    assert victim.read_text() == "precious"
    assert planted.is_symlink() and os.readlink(planted) == str(victim)
    assert leftovers(cache) == [planted.name]


def test_unknown_name_lists_the_known_ones(cache):
    with pytest.raises(ValueError, match=f"knows: {NAME}"):
        fetch.fetch_data("Mouse99.nwb")


def test_unknown_source_names_the_variable(cache, monkeypatch):
    monkeypatch.setenv(fetch.DATA_SOURCE_ENV, "offline")
    with pytest.raises(ValueError, match="WORKSHOP_DATA_SOURCE='offline'.*auto, real, synthetic"):
        fetch.fetch_data(NAME)


# ------------------------------------------------------------------ real processes: helpers


def child_env(cache_folder: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKSHOP_")}
    env[fetch.DATA_DIR_ENV] = str(cache_folder)
    env.update(extra)
    return env


def child_code(call: str) -> str:
    """Python code that installs the test registry, then runs ``call``."""
    return (
        "from workshop_utils import fetch\n"
        f"fetch.REGISTRY = {{{NAME!r}: fetch.DataFile({NAME!r}, 'http://unused.invalid/x', "
        f"{DIGEST!r}, 'test')}}\n"
        f"{call}\n"
    )


def fetch_command(*args: str) -> list[str]:
    """Run ``python -m workshop_utils.fetch`` with the test registry."""
    return [sys.executable, "-c", child_code(f"raise SystemExit(fetch.main({list(args)!r}))")]


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def timed_rerun(command: list[str], env: dict[str, str], during: str) -> None:
    """Run ``command`` after a kill: it must succeed without waiting on the dead process's lock.

    The lock timeout is set to 1 s: a lock the killed process still held would make the rerun
    report "another running process holds it" and fail, however fast the machine.
    """
    start = time.monotonic()
    rerun = subprocess.run(
        command,
        env={**env, "WORKSHOP_DATA_LOCK_TIMEOUT": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    print(f"rerun after kill -9 during {during}: {time.monotonic() - start:.1f} s")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "another running process" not in rerun.stdout + rerun.stderr


@contextlib.contextmanager
def lock_held_elsewhere(lock: Path):
    """Hold ``lock`` in another, running process (killed on exit)."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import filelock, time\nlock = filelock.FileLock({str(lock)!r})\nlock.acquire()\n"
            "print('held', flush=True)\ntime.sleep(120)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.kill()
        holder.wait()


@contextlib.contextmanager
def read_only(folders: list[Path]):
    """Make ``folders`` read-only for a child process; yield the command prefix to run it with.

    Root writes through file modes, so as root the first folder is mounted read-only in a
    private mount namespace instead (the others must lie inside it).
    """
    if os.geteuid() == 0:
        yield namespace_prefix('mount --bind -o ro "$1" "$1"', folders[0])
        return
    for folder in folders:
        folder.chmod(0o555)
    try:
        yield []
    finally:
        for folder in folders:
            folder.chmod(0o755)


def namespace_prefix(setup: str, folder: Path) -> list[str]:
    """A command prefix that runs a program in a private mount namespace after ``setup``.

    ``setup`` is a shell command using ``"$1"`` for ``folder``. As root, ``unshare -m``; else a
    user namespace (``unshare -r -m``). Skips the test when neither is allowed here.
    """
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("needs util-linux's unshare")
    flags = ["-m"] if os.geteuid() == 0 else ["-r", "-m"]
    prefix = [unshare, *flags, "sh", "-c", f'{setup} && shift && exec "$@"', "sh", str(folder)]
    probe = subprocess.run([*prefix, "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a mount namespace here: {probe.stderr.strip()}")
    return prefix


# ------------------------------------------------------------------ real processes: tests


@pytest.mark.slow  # real processes and timeouts: several seconds (the full tier runs it)
def test_several_processes_fetching_at_once_end_with_one_good_file(cache, server):
    server.mode = "trickle"
    server.body = CONTENT[:40]  # about 4 s: the others wait on the lock meanwhile
    body_digest = hashlib.sha256(server.body).hexdigest()
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [
        context.Process(target=_fetch_in_process, args=(str(cache), server.url, body_digest, queue))
        for _ in range(4)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    paths = {queue.get(timeout=5) for _ in processes}
    assert paths == {str(cache / NAME)}
    assert (cache / NAME).read_bytes() == server.body
    assert server.requests == 1, "the lock lets one process download, the others reuse it"
    assert leftovers(cache) == []


def _fetch_in_process(cache_folder: str, mirror: str, digest: str, queue) -> None:
    os.environ[fetch.DATA_DIR_ENV] = cache_folder
    os.environ[fetch.DATA_MIRROR_ENV] = mirror
    fetch.REGISTRY = {NAME: fetch.DataFile(NAME, "http://unused.invalid/x", digest, "test")}
    queue.put(fetch.fetch_data(NAME, source="real"))


@pytest.mark.slow  # real processes and timeouts: several seconds (the full tier runs it)
def test_kill_during_download_then_a_rerun_succeeds_at_once(cache, server):
    server.mode = "hold"
    env = child_env(cache, **{fetch.DATA_MIRROR_ENV: server.url})
    first = subprocess.Popen(fetch_command("--source", "real"), env=env, stderr=subprocess.DEVNULL)
    try:
        # Killed once the first half has reached the disk (the server holds the second).
        wait_for(lambda: server.holding.is_set() and sum(part_sizes(cache)) > 0, 60, "the download")
        assert (cache / f".{NAME}.lock").exists()  # downloads happen with the lock held
        os.kill(first.pid, signal.SIGKILL)
        assert first.wait(10) == -signal.SIGKILL
    finally:
        first.kill()
    assert sum(part_sizes(cache)) > 0  # a killed download leaves its part
    server.mode = "ok"
    timed_rerun(fetch_command("--source", "real"), env, "the download")
    assert (cache / NAME).read_bytes() == CONTENT
    assert partials(cache) == [] and leftovers(cache) == []


@pytest.mark.slow  # real processes and timeouts: several seconds (the full tier runs it)
def test_kill_during_generation_then_a_rerun_succeeds_at_once(tmp_path):
    folder = tmp_path / "fresh-cache"
    directory = folder / "synthetic"
    env = child_env(folder)
    first = subprocess.Popen(
        fetch_command("--source", "synthetic"), env=env, stdout=subprocess.DEVNULL
    )
    try:
        wait_for(lambda: directory.is_dir() and partials(directory), 120, "the stand-in files")
        os.kill(first.pid, signal.SIGKILL)
        assert first.wait(10) == -signal.SIGKILL
    finally:
        first.kill()
    assert partials(directory) and synthetic.cached_stand_in(directory) is None
    timed_rerun(fetch_command("--source", "synthetic"), env, "the generation")
    assert synthetic.cached_stand_in(directory) is not None
    assert partials(directory) == []


def test_a_lock_held_by_a_running_process_bounds_the_wait(cache, server, monkeypatch):
    with lock_held_elsewhere(cache / f".{NAME}.lock"):
        monkeypatch.setenv(fetch.DATA_MIRROR_ENV, server.url)
        monkeypatch.setenv(fetch.LOCK_TIMEOUT_ENV, "1")
        start = time.monotonic()
        with pytest.raises(fetch.DataDownloadError, match="another running process") as raised:
            fetch.fetch_data(NAME, source="real")
        assert time.monotonic() - start < 10
        assert raised.value.kind == "busy" and fetch.LOCK_TIMEOUT_ENV in raised.value.fix
        with pytest.warns(UserWarning, match="another running process"):
            assert fetch.data_source(fetch.fetch_data(NAME)) == "synthetic"
        assert server.requests == 0
    assert Path(fetch.fetch_data(NAME, source="real")).read_bytes() == CONTENT  # dies with it


def test_a_symlink_at_the_lock_fails_at_once_and_auto_falls_back(cache, server, monkeypatch):
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, server.url)
    lock = cache / f".{NAME}.lock"
    lock.symlink_to(cache / "nowhere" / "lock")  # dangling
    start = time.monotonic()
    with pytest.raises(fetch.DataDownloadError, match="symbolic link") as raised:
        fetch.fetch_data(NAME, source="real")
    assert time.monotonic() - start < 2
    assert raised.value.kind == "cache" and "Delete it" in raised.value.fix
    with pytest.warns(UserWarning, match="symbolic link"):
        assert fetch.data_source(fetch.fetch_data(NAME)) == "synthetic"
    assert server.requests == 0 and lock.is_symlink()


def test_a_read_only_cache_holding_valid_files_is_used(cache, server, monkeypatch):
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, server.url)
    real = fetch.fetch_data(NAME, source="real")
    stand_in = fetch.fetch_data(NAME, source="synthetic")
    code = child_code(
        "from pathlib import Path\n"
        "try:\n"
        f"    Path({str(cache / 'probe')!r}).write_text('x')\n"
        "    print('writable')\n"
        "except OSError as error:\n"
        "    print('read-only', error.errno)\n"
        f"print(fetch.fetch_data({NAME!r}, source='real'))\n"
        f"print(fetch.fetch_data({NAME!r}, source='synthetic'))\n"
        f"print(fetch.fetch_data({NAME!r}))\n"
    )
    with read_only([cache, cache / "synthetic"]) as prefix:
        result = subprocess.run(
            [*prefix, sys.executable, "-c", code],
            env=child_env(cache, **{fetch.DATA_MIRROR_ENV: closed_port_url()}),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("read-only")
    assert lines[1:] == [real, stand_in, real]


@pytest.mark.slow  # real processes and timeouts: several seconds (the full tier runs it)
def test_a_full_disk_is_not_called_a_network_problem(tmp_path, server):
    small = tmp_path / "small-disk"
    small.mkdir()
    prefix = namespace_prefix('mount -t tmpfs -o size=64k tmpfs "$1"', small)
    result = subprocess.run(
        [*prefix, *fetch_command("--source", "real")],
        env=child_env(small, **{fetch.DATA_MIRROR_ENV: server.url}),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "the disk is full" in result.stdout and "not a network problem" in result.stdout
    assert "Check your network" not in result.stdout
    assert server.requests == 1


# ----------------------------------------------------------------- resolution and probes


def test_url_problem_wants_http_200_with_the_file(server):
    assert fetch.url_problem(f"{server.url}/{NAME}") is None
    assert fetch.url_problem(f"{server.url}/moved") is None  # a redirect to the file
    server.status = 404
    problem = fetch.url_problem(f"{server.url}/{NAME}")
    assert problem.kind == "server" and "HTTP 404" in problem.reason
    server.status, server.mode = 200, "html"
    problem = fetch.url_problem(f"{server.url}/{NAME}")
    assert problem.kind == "server" and "HTML page" in problem.reason
    problem = fetch.url_problem(closed_port_url() + "/" + NAME)
    assert problem.kind == "network" and "no connection" in problem.reason
    assert fetch.url_problem("file:///srv/" + NAME).kind == "settings"


def test_resolve_reports_what_fetch_data_would_do(cache, server, monkeypatch):
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, server.url + "/")
    probed = []

    def probe(url):
        probed.append(url)
        return fetch.url_problem(url)

    plan = fetch.resolve(NAME, probe=probe)
    assert (plan.source, plan.folder, plan.path) == ("auto", cache, cache / NAME)
    assert plan.url == f"{server.url}/{NAME}" and plan.mirror == server.url + "/"
    assert not plan.cached and plan.found == f"{NAME} not cached"
    assert plan.has_stand_in and plan.stand_in == Path(fetch.fetch_data(NAME, source="synthetic"))
    assert plan.problem is None and probed == [plan.url]

    server.status = 404
    assert fetch.resolve(NAME, probe=fetch.url_problem).problem.kind == "server"
    assert fetch.resolve(NAME).problem is None  # no probe, no network

    server.status = 200
    fetch.fetch_data(NAME, source="real")
    probed.clear()
    plan = fetch.resolve(NAME, source="real", probe=probe)
    assert plan.cached and plan.problem is None and probed == []


def test_registry_agrees_with_nemos_own_entry():
    nemos_registry = importlib.import_module("nemos.fetch.fetch_data")
    entry = fetch.REGISTRY[NAME]
    assert nemos_registry.REGISTRY_DATA[NAME] == entry.sha256
    assert nemos_registry.REGISTRY_URLS_DATA[NAME] == entry.url


# -------------------------------------------------------------------------- command line


def test_command_line_reports_each_file_and_its_source(cache, capsys):
    assert fetch.main(["--source", "synthetic"]) == 0
    output = capsys.readouterr().out
    assert f"{NAME}: " in output and "(synthetic)" in output


def test_command_line_failure_prints_the_error_without_traceback(cache, monkeypatch, capsys):
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, closed_port_url())
    assert fetch.main(["--source", "real", NAME]) == 1
    output = capsys.readouterr().out
    assert output.startswith(f"error: {NAME}: Could not download") and "Traceback" not in output


def test_notice_is_loud_for_the_stand_in_and_plain_for_real_data(cache, server, monkeypatch):
    stand_in = fetch.fetch_data(NAME, source="synthetic")
    notice = fetch.data_notice(stand_in)
    assert "SYNTHETIC" in notice._repr_html_() and "workshop-data-notice" in notice._repr_html_()
    assert "SYNTHETIC" in notice._repr_markdown_() and "not on the recording" in str(notice)
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, server.url)
    real = fetch.data_notice(_real_looking_nwb(cache))
    assert "SYNTHETIC" not in real._repr_html_() and "Peyrache" in str(real)


def _real_looking_nwb(folder: Path) -> Path:
    import h5py

    path = folder / "real.nwb"
    with h5py.File(path, "w") as handle:
        handle["session_description"] = "Mouse32-140822"
    return path


# --------------------------------------------------------------------------------- imports


def test_importing_fetch_creates_nothing_sets_nothing_and_loads_no_generator(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    code = (
        "import os, sys; before = dict(os.environ); import workshop_utils.fetch; "
        "print(dict(os.environ) == before); "
        "heavy = ('numba', 'numpy', 'workshop_utils.synthetic', 'pooch', 'requests', 'filelock'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / "cache")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split("\n")[:2] == ["True", "[]"]
    assert not (home / "cache").exists()


def test_cache_hits_do_not_import_pooch(tmp_path, data_cache):
    """In a notebook, importing pooch prints a tqdm warning; only real downloads may need it."""
    cache = tmp_path / "xdg-cache"
    shutil.copytree(data_cache / "synthetic", cache / "workshop_utils" / "synthetic")
    code = (
        "import sys, workshop_utils as w; "
        "p = w.fetch_data('Mouse32-140822.nwb', source='synthetic'); w.fetch.data_notice(p); "
        "print(p); print('pooch' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKSHOP_")}
    env.update(XDG_CACHE_HOME=str(cache), HOME=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    path, pooch_imported = result.stdout.split()
    assert path.startswith(str(cache / "workshop_utils" / "synthetic"))
    assert pooch_imported == "False"


@pytest.mark.notebook
def test_a_download_in_a_notebook_shows_no_widget_nag(cache, monkeypatch):
    """In Jupyter without ipywidgets, tqdm.auto would warn "IProgress not found" on import."""
    import nbformat
    from nbclient import NotebookClient

    # The kernel is another process: it sees the fixture's environment, not its patched registry.
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, closed_port_url())
    cell = "from workshop_utils import fetch\nprint(fetch.fetch_data('Mouse32-140822.nwb'))"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell)])
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    text = "".join(output.get("text", "") for output in notebook.cells[0].outputs)
    assert "SYNTHETIC" in text and "USING THE SYNTHETIC STAND-IN" in text  # fell back, loudly
    assert "IProgress" not in text and "ipywidgets" not in text


def test_the_null_control_is_a_stand_in_only(tmp_path, monkeypatch):
    monkeypatch.setenv(fetch.DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(ValueError, match="source='synthetic', null_control=True"):
        fetch.fetch_data("Mouse32-140822.nwb", source="real", null_control=True)


def test_a_password_in_the_mirror_address_is_never_printed(cache, server, monkeypatch):
    server.status = 404
    with_password = server.url.replace("://", "://teacher:s3cret-pass@")
    _, path, message = timed_fallback(monkeypatch, with_password)
    assert fetch.data_source(path) == "synthetic"
    assert "HTTP 404" in message and "teacher:***@" in message
    assert "s3cret-pass" not in message
    plan = fetch.resolve(NAME, probe=fetch.url_problem)
    assert "s3cret-pass" not in str(plan.problem) and plan.mirror == with_password
