"""fetch: real pooch downloads from a local HTTP server, every failure mode, and the fallback."""

from __future__ import annotations

import hashlib
import http.server
import multiprocessing
import os
import shutil
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest

from workshop_utils import fetch, synthetic

NAME = "Mouse32-140822.nwb"
CONTENT = os.urandom(256 * 1024)
DIGEST = hashlib.sha256(CONTENT).hexdigest()


class Server:
    """A local HTTP server whose behaviour each test chooses."""

    def __init__(self):
        self.body = CONTENT
        self.mode = "ok"  # ok | drop | slow
        self.requests = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                server.requests += 1
                body = server.body
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if server.mode == "drop":
                    self.wfile.write(body[: len(body) // 3])
                    self.wfile.flush()
                    self.connection.shutdown(2)
                    return
                chunk = 16 * 1024
                for start in range(0, len(body), chunk):
                    self.wfile.write(body[start : start + chunk])
                    if server.mode == "slow":
                        time.sleep(0.02)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def closed_port_url() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def server():
    running = Server()
    yield running
    running.stop()


@pytest.fixture
def cache(tmp_path, monkeypatch, data_cache):
    """An empty cache folder with the session's stand-in copied in, and a test registry."""
    folder = tmp_path / "cache"
    shutil.copytree(data_cache / "synthetic", folder / "synthetic")
    monkeypatch.setenv(fetch.DATA_DIR_ENV, str(folder))
    monkeypatch.delenv(fetch.DATA_SOURCE_ENV, raising=False)
    monkeypatch.setattr(
        fetch, "REGISTRY", {NAME: fetch.DataFile(NAME, "http://unused.invalid/x", DIGEST, "test")}
    )
    monkeypatch.setattr(fetch, "DOWNLOAD_RETRIES", 0)
    return folder


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in (NAME, "synthetic"))


def test_download_from_the_mirror_with_hash_check(cache, server, monkeypatch):
    monkeypatch.setenv(fetch.DATA_MIRROR_ENV, server.url)
    path = Path(fetch.fetch_data(NAME, source="real"))
    assert path == cache / NAME
    assert path.read_bytes() == CONTENT
    assert server.requests == 1
    assert leftovers(cache) == []


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
    with pytest.raises(fetch.DataDownloadError, match="Could not download"):
        fetch.fetch_data(NAME, source="real")
    assert not (cache / NAME).exists()
    assert leftovers(cache) == []


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
    user_warnings = [w for w in caught if issubclass(w.category, UserWarning)]
    assert len(user_warnings) == 1
    message = str(user_warnings[0].message)
    assert "SYNTHETIC" in message and "--source real" in message and "127.0.0.1" in message
    assert Path(path).name == synthetic.STAND_IN_FILENAME
    assert fetch.data_source(path) == "synthetic"


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


def test_unwritable_cache_names_the_variable_to_set(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(fetch.DATA_DIR_ENV, str(blocker / "cache"))
    with pytest.raises(PermissionError, match=fetch.DATA_DIR_ENV):
        fetch.fetch_data(NAME, source="synthetic")


def test_unknown_name_lists_the_known_ones(cache):
    with pytest.raises(ValueError, match=f"knows: {NAME}"):
        fetch.fetch_data("Mouse99.nwb")


def test_unknown_source_names_the_variable(cache, monkeypatch):
    monkeypatch.setenv(fetch.DATA_SOURCE_ENV, "offline")
    with pytest.raises(ValueError, match="WORKSHOP_DATA_SOURCE='offline'.*auto, real, synthetic"):
        fetch.fetch_data(NAME)


def _fetch_in_process(cache_folder: str, mirror: str, digest: str, queue) -> None:
    os.environ[fetch.DATA_DIR_ENV] = cache_folder
    os.environ[fetch.DATA_MIRROR_ENV] = mirror
    fetch.REGISTRY = {NAME: fetch.DataFile(NAME, "http://unused.invalid/x", digest, "test")}
    queue.put(fetch.fetch_data(NAME, source="real"))


def test_several_processes_fetching_at_once_end_with_one_good_file(cache, server):
    server.mode = "slow"
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [
        context.Process(target=_fetch_in_process, args=(str(cache), server.url, DIGEST, queue))
        for _ in range(4)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    paths = {queue.get(timeout=5) for _ in processes}
    assert paths == {str(cache / NAME)}
    assert (cache / NAME).read_bytes() == CONTENT
    assert server.requests == 1, "the lock lets one process download, the others reuse it"
    assert leftovers(cache) == []


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


def test_importing_fetch_creates_nothing_and_sets_nothing(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    code = (
        "import os; before = dict(os.environ); import workshop_utils.fetch; "
        "print(dict(os.environ) == before)"
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
    assert result.stdout.strip() == "True"
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
