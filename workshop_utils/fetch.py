"""Download the workshop data, or fall back to the synthetic stand-in, and cache it.

Settings (each in the table of book/data.md): ``$WORKSHOP_DATA_SOURCE`` (``auto``: the real
file, else the stand-in with a ``UserWarning`` saying why; ``real``; ``synthetic``),
``$WORKSHOP_DATA_DIR``, ``$WORKSHOP_DATA_MIRROR``, ``$WORKSHOP_DATA_TIMEOUT``,
``$WORKSHOP_DATA_LOCK_TIMEOUT``. Downloads are checked against their sha256, written under a
``.partial-`` name and moved into place (mode 0644), under an OS lock (``filelock``) that dies
with its process, so it never goes stale.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import hashlib
import html
import itertools
import math
import os
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .files import (
    FILE_MODE,
    FREE_SPACE_GB,
    PARTIAL_PREFIX,
    file_sha256,
    folder_from_environment,
    partial_file,
    storage_problem,
)

__all__ = [
    "CONNECT_TIMEOUT",
    "DATA_DIR_ENV",
    "DATA_MIRROR_ENV",
    "DATA_SOURCE_ENV",
    "DOWNLOAD_TIMEOUT",
    "DOWNLOAD_TIMEOUT_ENV",
    "FILE_MODE",
    "LOCK_TIMEOUT",
    "LOCK_TIMEOUT_ENV",
    "PARTIAL_PREFIX",
    "READ_TIMEOUT",
    "REGISTRY",
    "SOURCES",
    "DataDownloadError",
    "DataFile",
    "DataNotice",
    "Resolution",
    "cache_dir",
    "data_notice",
    "data_source",
    "download_url",
    "fetch_data",
    "file_sha256",
    "main",
    "resolve",
    "shown_url",
    "url_problem",
]

DATA_SOURCE_ENV = "WORKSHOP_DATA_SOURCE"
DATA_DIR_ENV = "WORKSHOP_DATA_DIR"
DATA_MIRROR_ENV = "WORKSHOP_DATA_MIRROR"
DOWNLOAD_TIMEOUT_ENV = "WORKSHOP_DATA_TIMEOUT"
LOCK_TIMEOUT_ENV = "WORKSHOP_DATA_LOCK_TIMEOUT"
SOURCES = ("auto", "real", "synthetic")

CONNECT_TIMEOUT = 5.0
"""Seconds for a connection to open: behind a firewall a fetch gives up after this long."""
READ_TIMEOUT = 10.0
"""Seconds a server may stay silent (before answering, or in the middle of a transfer)."""
DOWNLOAD_TIMEOUT = 300.0
"""Default seconds a whole download may take (``$WORKSHOP_DATA_TIMEOUT``): 37 MB at 1 Mbit/s."""
LOCK_TIMEOUT = 120.0
"""Default seconds to wait for another process fetching the same file."""
DOWNLOAD_RETRIES = 2
"""Extra attempts after a dropped connection or a server error (5xx, 429); never after others."""
SUPPORTED_SCHEMES = ("http", "https")
CHUNK_SIZE = 64 * 1024
STAND_IN_LOCK = "stand-in"
"""Name of the lock (``.stand-in.lock``) held while the stand-in is generated."""


@dataclass(frozen=True)
class DataFile:
    """A file the workshop can download.

    Attributes
    ----------
    name, url, sha256, description : str
        File name (as passed to :func:`fetch_data`), download address, published sha256 (hex),
        what the file is.
    """

    name: str
    url: str
    sha256: str
    description: str


REGISTRY: dict[str, DataFile] = {
    "Mouse32-140822.nwb": DataFile(
        name="Mouse32-140822.nwb",
        # OSF's address since October 2025 (not .../jb2gd/download); a test checks NeMoS's agrees.
        url="https://osf.io/download/jb2gd/",
        sha256="1a919a033305b8f58b5c3e217577256183b14ed5b436d9c70989dee6dafe0f35",
        description=(
            "Head-direction recording Mouse32-140822 (Peyrache, Lacroix, Petersen & Buzsaki "
            "2015, Nature Neuroscience 18:569-575), about 37 MB."
        ),
    ),
}


class DataDownloadError(RuntimeError):
    """The real data could not be obtained: why, and what to do about it.

    Parameters
    ----------
    reason : str
        What went wrong, e.g. ``"Could not download ... : no answer within 5 s"``.
    fix : str
        What the reader can do about it.
    kind : str
        The cause: ``"settings"`` (a wrong setting), ``"cache"`` (something in the cache folder
        is in the way), ``"storage"`` (read-only, disk full), ``"busy"`` (another process is
        fetching the file), ``"network"`` (no connection, a timeout) or ``"server"`` (an HTTP
        error, an HTML page, a file failing its sha256 check).
    """

    KINDS = ("settings", "cache", "storage", "busy", "network", "server")

    def __init__(self, reason: str, fix: str, kind: str) -> None:
        if kind not in self.KINDS:
            raise ValueError(f"kind={kind!r} is not one of {', '.join(self.KINDS)}")
        super().__init__(f"{reason}. {fix}")
        self.reason, self.fix, self.kind = reason, fix, kind

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.reason, self.fix, self.kind))


class _DeadlineExceeded(Exception):
    """The download took longer than its overall deadline."""


class _LockBusy(TimeoutError):
    """Another process held a lock for longer than the lock timeout."""


_WRITE_FIX = (
    f"Point {DATA_DIR_ENV} to a folder you can write to, e.g. "
    f"export {DATA_DIR_ENV}=$HOME/workshop-data"
)
_NETWORK_FIX = (
    "Check your network, proxy or SSL certificates (see the troubleshooting page), "
    "pre-download it on a connected machine with `python -m workshop_utils.fetch`, or set "
    f"{DATA_SOURCE_ENV}=synthetic to use the synthetic stand-in."
)


def cache_dir() -> Path:
    """Return the cache folder: ``$WORKSHOP_DATA_DIR``, else the user cache folder.

    Returns
    -------
    Path
        The folder, as an absolute path (not created).

    Raises
    ------
    ValueError
        If ``$WORKSHOP_DATA_DIR`` is relative (each notebook folder would have its own cache).
    """
    configured = folder_from_environment(
        DATA_DIR_ENV,
        "every program would look for the data relative to the folder it runs in (notebooks "
        "run in notebooks/)",
    )
    if configured is not None:
        return configured
    import platformdirs  # the folder pooch.os_cache uses, without importing pooch

    return Path(platformdirs.user_cache_dir("workshop_utils")).absolute()


def download_url(name: str) -> str:
    """Return the address a file is downloaded from: the mirror's if one is set, else OSF's.

    Parameters
    ----------
    name : str
        File name, e.g. ``"Mouse32-140822.nwb"``.

    Returns
    -------
    str
        ``$WORKSHOP_DATA_MIRROR/<name>`` when the mirror is set, else the registry's address.

    Raises
    ------
    ValueError
        If the name is unknown.
    """
    data_file = _data_file(name)
    mirror = _mirror()
    return f"{mirror.rstrip('/')}/{data_file.name}" if mirror else data_file.url


def shown_url(url: str) -> str:
    """Return ``url`` as it may be printed: a password in it (``user:password@``) is hidden.

    Parameters
    ----------
    url : str
        An address, possibly with credentials (a mirror's).

    Returns
    -------
    str
        The address with ``user:***@`` in place of ``user:password@``.
    """
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None and "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def _mirror() -> str | None:
    return os.environ.get(DATA_MIRROR_ENV, "").strip() or None


def _source(source: str | None) -> str:
    configured = os.environ.get(DATA_SOURCE_ENV, "").strip()
    value = (source if source is not None else configured or "auto").strip().lower()
    if value not in SOURCES:
        origin = "source" if source is not None else DATA_SOURCE_ENV
        raise ValueError(
            f"{origin}={value!r} is not a data source; use one of {', '.join(SOURCES)} "
            f"(e.g. export {DATA_SOURCE_ENV}=auto)."
        )
    return value


def _seconds(variable: str, default: float) -> float:
    """Read a positive number of seconds from an environment variable."""
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ValueError(
            f"{variable}={raw!r} is not a positive number of seconds; e.g. export "
            f"{variable}={default:g} (or unset it)."
        )
    return value


def _data_file(name: str) -> DataFile:
    if name not in REGISTRY:
        known = ", ".join(sorted(REGISTRY))
        raise ValueError(f"Unknown data file {name!r}; the workshop knows: {known}.")
    return REGISTRY[name]


def _scheme_problem(url: str) -> str | None:
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme in SUPPORTED_SCHEMES:
        return None
    if scheme == "file":
        return f"{shown_url(url)} is a file:// address, which is not supported"
    described = f"the scheme {scheme}://" if scheme else "no http:// or https:// scheme"
    return f"{shown_url(url)} has {described}; only http:// and https:// addresses are supported"


def _cache_state(path: Path, sha256: str) -> tuple[bool, str]:
    """Return whether ``path`` holds the published file, and what is there."""
    if path.is_dir():
        return False, f"{path} is a folder, not the file"
    if not path.is_file():
        return False, f"{path.name} not cached"
    try:
        valid = file_sha256(path) == sha256
    except OSError as error:
        return False, f"{path} cannot be read ({error.strerror or error})"
    if valid:
        return True, f"{path.name}: real recording cached, sha256 OK"
    return False, f"{path} does not match its published sha256 (partial or corrupt)"


def _lock_path(folder: Path, name: str) -> Path:
    return folder / f".{name}.lock"


def _lock_problem(path: Path) -> str | None:
    if path.is_symlink():
        return f"{path} is a symbolic link, not a lock file"
    if os.path.lexists(path) and not path.is_file():
        return f"{path} is a folder or a special file, not a lock file"
    return None


def _lock_busy(path: Path) -> bool:
    """Tell whether another process holds the lock now (an existing lock file is only probed)."""
    if not path.is_file() or path.is_symlink():
        return False
    import filelock

    probe = filelock.FileLock(path, timeout=0)
    try:
        probe.acquire()
    except filelock.Timeout:
        return True
    except OSError:
        return False  # not ours to open (a shared, read-only cache): nobody can lock it either
    probe.release()
    return False


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    """Hold an OS lock on ``path`` (``flock``, ``LockFileEx``): it dies with its process."""
    import filelock

    problem = _lock_problem(path)
    if problem is not None:
        raise FileExistsError(errno.EEXIST, f"{problem}; delete it", str(path))
    timeout = _seconds(LOCK_TIMEOUT_ENV, LOCK_TIMEOUT)
    lock = filelock.FileLock(path, timeout=timeout, mode=FILE_MODE)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise _LockBusy(
            f"another running process (a notebook, or `make data`) held {path} for {timeout:g} s"
        ) from None
    try:
        yield
    finally:
        lock.release()


def _remove_partials(folder: Path, prefix: str) -> None:
    """Delete the partial files a killed process left in ``folder`` (call with the lock held)."""
    for leftover in folder.glob(f"{prefix}*"):
        if leftover.is_file() or leftover.is_symlink():
            leftover.unlink(missing_ok=True)


@dataclass(frozen=True)
class Resolution:
    """What :func:`fetch_data` would do for one file now, found without downloading it.

    Attributes
    ----------
    name, source, url : str
        The file; ``"auto"``, ``"real"`` or ``"synthetic"``; its address (the mirror's if set).
    mirror : str or None
        The mirror's base address, if one is set.
    folder, path : Path
        The cache folder (absolute), and where the real file is cached in it.
    cached, has_stand_in : bool
        Whether ``path`` holds the file with its published sha256; whether it has a stand-in.
    found : str
        What is at ``path``, in words (``"... not cached"``, ``"... is a folder, not the file"``).
    stand_in, null_control : Path or None
        The cached stand-in and its null control, when complete and untampered.
    stand_in_problem : DataDownloadError or None
        Why the stand-in or null control, when not cached, cannot be generated, with the fix.
    problem : DataDownloadError or None
        The error :func:`fetch_data` would meet for the real file (and with ``"auto"`` fall back
        on): local causes first, then a lock held by another process, then the probe of ``url``.
        None when it is cached, the download should work or the source is ``"synthetic"``.
    """

    name: str
    source: str
    folder: Path
    url: str
    mirror: str | None
    path: Path
    cached: bool
    found: str
    has_stand_in: bool
    stand_in: Path | None
    null_control: Path | None
    stand_in_problem: DataDownloadError | None
    problem: DataDownloadError | None


def resolve(
    name: str,
    source: str | None = None,
    folder: str | os.PathLike | None = None,
    probe: Callable[[str], DataDownloadError | None] | None = None,
) -> Resolution:
    """Find out, without downloading, what :func:`fetch_data` would do for a file.

    Parameters
    ----------
    name : str
        File name, e.g. ``"Mouse32-140822.nwb"``.
    source : {"auto", "real", "synthetic"}, optional
        As for :func:`fetch_data`.
    folder : str or os.PathLike, optional
        The cache folder; default :func:`cache_dir`.
    probe : callable, optional
        ``probe(url)`` returning the :class:`DataDownloadError` a download would meet, or None
        (e.g. :func:`url_problem`); called only when the real file is needed and nothing local
        is in the way. Default: no probe (no network access).

    Returns
    -------
    Resolution
        The source, cache folder, address, cached files and problems.

    Raises
    ------
    ValueError
        If the name, the source or a setting (e.g. a relative ``$WORKSHOP_DATA_DIR``) is invalid.
    """
    from . import synthetic

    data_file = _data_file(name)
    chosen = _source(source)
    folder = Path(os.path.abspath(folder)) if folder is not None else cache_dir()
    _seconds(DOWNLOAD_TIMEOUT_ENV, DOWNLOAD_TIMEOUT)  # validate the settings fetch_data reads
    _seconds(LOCK_TIMEOUT_ENV, LOCK_TIMEOUT)
    url = download_url(name)
    path = folder / data_file.name
    has_stand_in = _has_stand_in(name)
    stand_in = null_control = stand_in_problem = None
    if has_stand_in:
        directory = _stand_in_folder(folder)
        if directory.is_dir():
            stand_in = synthetic.cached_stand_in(directory)
            null_control = synthetic.cached_stand_in(directory, null_control=True)
        if stand_in is None or null_control is None:
            stand_in_problem = _stand_in_problem(directory)
    cached, found = (False, "") if chosen == "synthetic" else _cache_state(path, data_file.sha256)
    problem = None
    if chosen != "synthetic" and not cached:
        problem = _local_problem(data_file, folder, url)
        if problem is None and _lock_busy(_lock_path(folder, name)):
            problem = _busy_error(name, _lock_path(folder, name))
        if problem is None and probe is not None:
            problem = probe(url)
    return Resolution(
        name=name,
        source=chosen,
        folder=folder,
        url=url,
        mirror=_mirror(),
        path=path,
        cached=cached,
        found=found,
        has_stand_in=has_stand_in,
        stand_in=stand_in,
        null_control=null_control,
        stand_in_problem=stand_in_problem,
        problem=problem,
    )


def _local_problem(data_file: DataFile, folder: Path, url: str) -> DataDownloadError | None:
    name = data_file.name
    scheme = _scheme_problem(url)
    if scheme is not None:
        return DataDownloadError(
            f"Cannot download {name}: {scheme}",
            f"Set {DATA_MIRROR_ENV} to an http:// address (serve a folder with `python -m "
            f"http.server` in it), or copy {name} into {folder} yourself.",
            "settings",
        )
    target = folder / name
    if target.is_dir():
        return DataDownloadError(
            f"Cannot save {name}: {target} is a folder",
            "Delete or rename that folder, then run `python -m workshop_utils.fetch` again.",
            "cache",
        )
    lock_problem = _lock_problem(_lock_path(folder, name))
    if lock_problem is not None:
        return DataDownloadError(
            f"Cannot download {name}: {lock_problem}",
            "Delete it, then run `python -m workshop_utils.fetch` again.",
            "cache",
        )
    storage = storage_problem(folder)
    if storage is not None:
        return DataDownloadError(f"Cannot save {name}: {storage}", _WRITE_FIX, "storage")
    return None


def _busy_error(name: str, lock: Path, detail: str | None = None) -> DataDownloadError:
    return DataDownloadError(
        f"Cannot download {name}: {detail or f'another running process holds {lock}'}",
        "Another notebook or `make data` is fetching it: let it finish (or stop it) and run "
        f"again; set {LOCK_TIMEOUT_ENV} to wait longer than "
        f"{_seconds(LOCK_TIMEOUT_ENV, LOCK_TIMEOUT):g} s.",
        "busy",
    )


def fetch_data(name: str, source: str | None = None, *, null_control: bool = False) -> str:
    """Return the local path of a workshop data file, downloading it if needed.

    Parameters
    ----------
    name : str
        File name, e.g. ``"Mouse32-140822.nwb"``.
    source : {"auto", "real", "synthetic"}, optional
        Where the data comes from; default: ``$WORKSHOP_DATA_SOURCE``, else ``"auto"``.
    null_control : bool, optional
        Return the stand-in's null control (the same simulation with every coupling set to
        zero); only with ``source="synthetic"``.

    Returns
    -------
    str
        Absolute path of the real file, or of the synthetic stand-in (``source="synthetic"``, or
        ``"auto"`` when the real file could not be obtained, with a ``UserWarning`` saying why).

    Raises
    ------
    ValueError
        If the name, the source or a setting is invalid, or the file has no stand-in.
    DataDownloadError
        With ``source="real"``, if the file cannot be downloaded, saved or verified.
    PermissionError
        If the stand-in is needed and its folder cannot be written (set ``WORKSHOP_DATA_DIR``).
    TimeoutError
        If another process generates the stand-in for longer than the lock timeout.
    """
    data_file = _data_file(name)
    chosen = _source(source)
    folder = cache_dir()
    if null_control and source != "synthetic":
        raise ValueError(
            "The null control is a synthetic stand-in, and the real recording has no such twin: "
            f"ask for it with fetch_data({name!r}, source='synthetic', null_control=True)."
        )
    if chosen == "synthetic":
        return str(_stand_in(name, folder, null_control=null_control))
    target = folder / name
    if _cache_state(target, data_file.sha256)[0]:
        return str(target)  # no write needed: a read-only (shared) cache is fine
    try:
        return str(_real(data_file, folder))
    except DataDownloadError as error:
        if chosen == "real" or not _has_stand_in(name):
            raise
        path = _stand_in(name, folder)
        warnings.warn(
            f"USING THE SYNTHETIC STAND-IN, NOT THE REAL RECORDING: {error.reason}. Results "
            f"will look like the real ones but are simulated. To get the real data: {error.fix} "
            f"Then run `python -m workshop_utils.fetch --source real`, or copy a downloaded "
            f"{name} into {folder}.",
            UserWarning,
            stacklevel=2,
        )
        return str(path)


def _has_stand_in(name: str) -> bool:
    from . import synthetic

    return name == synthetic.STANDS_IN_FOR


def _stand_in_folder(folder: Path) -> Path:
    """Where the synthetic stand-in lives in the cache folder ``folder``."""
    return folder / "synthetic"


def _stand_in_problem(directory: Path) -> DataDownloadError | None:
    storage = storage_problem(directory)
    if storage is not None:
        return DataDownloadError(storage, _WRITE_FIX, "storage")
    lock = _lock_problem(_lock_path(directory, STAND_IN_LOCK))
    if lock is not None:
        return DataDownloadError(lock, "Delete it.", "cache")
    return None


def _real(data_file: DataFile, folder: Path) -> Path:
    """Download the real file into ``folder`` under the lock, verified against its sha256."""
    name = data_file.name
    url = download_url(name)
    problem = _local_problem(data_file, folder, url)
    if problem is not None:
        raise problem
    target = folder / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with _lock(_lock_path(folder, name)):
            _remove_partials(folder, f"{PARTIAL_PREFIX}{name}")
            if not _cache_state(target, data_file.sha256)[0]:  # another process may have got it
                _download(data_file, url, target)
    except _LockBusy as error:
        raise _busy_error(name, _lock_path(folder, name), str(error)) from error
    except OSError as error:  # creating the folder, the lock or the file; disk full
        raise _storage_error(name, folder, error) from error
    return target


def _storage_error(name: str, folder: Path, error: OSError) -> DataDownloadError:
    if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return DataDownloadError(
            f"Cannot save {name} in {folder}: the disk is full ({error.strerror})",
            f"Free at least {FREE_SPACE_GB:g} GB on that drive, or point {DATA_DIR_ENV} to a "
            "folder on a drive with room. This is not a network problem.",
            "storage",
        )
    return DataDownloadError(
        f"Cannot save {name} in {folder}: {error.strerror or error}", _WRITE_FIX, "storage"
    )


def _download(data_file: DataFile, url: str, target: Path) -> None:
    """Download with retries on transient failures only, within the overall deadline."""
    import requests

    name = data_file.name
    limit = _seconds(DOWNLOAD_TIMEOUT_ENV, DOWNLOAD_TIMEOUT)
    deadline = time.monotonic() + limit
    for attempt in itertools.count():
        try:
            _download_once(url, target, data_file.sha256, deadline)
            return
        except _DeadlineExceeded:
            raise DataDownloadError(
                f"Could not download {name} from {shown_url(url)}: it took longer than "
                f"{limit:g} s, the limit set by {DOWNLOAD_TIMEOUT_ENV} (a slow or stalled "
                "connection)",
                f"Try a faster network, or set {DOWNLOAD_TIMEOUT_ENV} to allow more time. "
                + _NETWORK_FIX,
                "network",
            ) from None
        except requests.exceptions.RequestException as error:
            pause = attempt + 1.0
            retry = attempt < DOWNLOAD_RETRIES and _transient(error)
            if not (retry and time.monotonic() + pause < deadline):
                raise _request_error(url, error, name) from error
            time.sleep(pause)


def _transient(error: Exception) -> bool:
    """Tell whether trying again may help: a dropped transfer or a server-side error."""
    import requests

    if isinstance(error, requests.exceptions.HTTPError):
        status = error.response.status_code if error.response is not None else 0
        return status >= 500 or status == 429
    return isinstance(error, requests.exceptions.ChunkedEncodingError)


def _request_error(url: str, error: Exception, name: str | None = None) -> DataDownloadError:
    """Turn a ``requests`` exception into an error naming its cause and fix."""
    import requests

    exceptions = requests.exceptions
    start = f"Could not download {name} from" if name else "Could not reach"
    prefix = f"{start} {shown_url(url)}"
    if isinstance(error, exceptions.HTTPError) and error.response is not None:
        response = error.response
        status = f"HTTP {response.status_code} {response.reason or ''}".strip()
        if response.status_code in (404, 410):
            fix = (
                f"The address is wrong or the file moved: check {DATA_MIRROR_ENV} if you set "
                "it, or update your copy of the workshop (OSF changed its addresses in 2025)."
            )
        else:
            fix = _NETWORK_FIX
        return DataDownloadError(f"{prefix}: the server answered {status}", fix, "server")
    if isinstance(error, exceptions.InvalidURL | exceptions.InvalidSchema):
        reason = f"{prefix}: not a valid address ({error})"
        return DataDownloadError(reason, _NETWORK_FIX, "settings")
    if isinstance(error, exceptions.SSLError):
        cause = f"the SSL certificate check failed, a proxy that inspects HTTPS? ({_inner(error)})"
    elif isinstance(error, exceptions.ConnectTimeout):
        cause = f"no connection within {CONNECT_TIMEOUT:g} s (no network, or a firewall)"
    elif isinstance(error, exceptions.ReadTimeout):
        cause = f"the server stopped answering for {READ_TIMEOUT:g} s"
    elif isinstance(error, exceptions.ChunkedEncodingError):
        cause = "the connection dropped during the transfer"
    elif isinstance(error, exceptions.ConnectionError):
        cause = f"no connection ({_inner(error)})"
    else:
        cause = f"the download failed ({_inner(error)})"
    return DataDownloadError(f"{prefix}: {cause}", _NETWORK_FIX, "network")


def _inner(error: Exception) -> str:
    """Return the innermost message of a ``requests`` error, without urllib3's wrapping."""
    import urllib3

    inner: object = error.args[0] if error.args else error
    if isinstance(inner, urllib3.exceptions.MaxRetryError) and inner.reason is not None:
        inner = inner.reason
    if isinstance(inner, urllib3.exceptions.NameResolutionError):
        return "the host name cannot be resolved: no network, or no DNS"
    text = str(inner)
    # "HTTPConnection(host=..., port=...): Failed to establish a new connection: [Errno 111] ..."
    text = text.rpartition("new connection: ")[2] or text
    return text if len(text) <= 200 else text[:197] + "..."


def _download_once(url: str, target: Path, sha256: str, deadline: float) -> None:
    """Stream ``url`` into a partial file, check its sha256 and move it into place.

    Not ``pooch.retrieve``: it retries every error (a 404 too), names its temporary files
    ``tmp*``, keeps mode 0600 and has no overall deadline. A trickling server never reaches the
    read timeout, so a timer armed when the headers arrive shuts the socket down at the deadline.
    """
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _DeadlineExceeded
    # Without ipywidgets, pooch's import of tqdm.auto warns "IProgress not found" (harmless).
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="IProgress not found")
        import pooch
    import requests

    expired = threading.Event()
    timers: list[threading.Timer] = []

    def arm(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        def cut() -> None:
            expired.set()
            with contextlib.suppress(Exception):  # already closed or released
                response.raw.shutdown()

        timer = threading.Timer(max(deadline - time.monotonic(), 0.0), cut)
        timer.daemon = True
        timers.append(timer)
        timer.start()
        return response

    downloader = pooch.HTTPDownloader(
        progressbar=True,
        chunk_size=CHUNK_SIZE,
        timeout=(min(CONNECT_TIMEOUT, remaining), min(READ_TIMEOUT, remaining)),
        hooks={"response": arm},
    )
    partial = partial_file(target.parent, f"{target.name}-")
    try:
        with open(partial, "wb") as output:
            try:
                downloader(url, output, None)
            except requests.exceptions.RequestException:
                if expired.is_set():
                    raise _DeadlineExceeded from None
                raise
            finally:
                for timer in timers:
                    timer.cancel()
        if expired.is_set():
            raise _DeadlineExceeded
        if file_sha256(partial) != sha256:
            raise DataDownloadError(
                f"The file downloaded from {shown_url(url)} does not match the published sha256 of "
                f"{target.name}; it was discarded",
                "A proxy, a captive portal or a bad mirror may have altered it: try again on "
                "another network.",
                "server",
            )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def url_problem(url: str, sha256: str | None = None) -> DataDownloadError | None:
    """Check that ``url`` serves a file: HTTP 200 (after redirects), not an HTML page.

    Reads the headers and the first 64 bytes, or, with ``sha256``, the whole file (not stored).

    Parameters
    ----------
    url : str
        The address of the file.
    sha256 : str, optional
        The file's published sha256 (hex), to check that the server serves that file.

    Returns
    -------
    DataDownloadError or None
        None when the server answers HTTP 200 with something that is not HTML (with the sha256,
        if given); otherwise the error a download would meet.
    """
    scheme = _scheme_problem(url)
    if scheme is not None:
        reason = f"Cannot download from {shown_url(url)}: {scheme}"
        return DataDownloadError(reason, _NETWORK_FIX, "settings")
    import requests

    try:
        with requests.get(
            url, stream=True, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT), allow_redirects=True
        ) as response:
            response.raise_for_status()
            if response.status_code != 200:
                return DataDownloadError(
                    f"{shown_url(url)} answered HTTP {response.status_code} {response.reason}, "
                    "not the file",
                    _NETWORK_FIX,
                    "server",
                )
            chunks = response.iter_content(CHUNK_SIZE if sha256 else 64)
            head = next(chunks, b"")  # enough to see "<!doctype html"
            content_type = response.headers.get("Content-Type", "").lower()
            text = head.lstrip().lower()
            if "text/html" in content_type or text.startswith((b"<!doctype html", b"<html")):
                return DataDownloadError(
                    f"{shown_url(url)} answered with an HTML page, not the file (a captive "
                    "portal's login page, a proxy's block page or a folder listing?)",
                    "Log in to the network's portal if it has one, and check the address; "
                    + _NETWORK_FIX,
                    "server",
                )
            if sha256 is None:
                return None
            digest = hashlib.sha256(head)
            for chunk in chunks:
                digest.update(chunk)
    except requests.exceptions.RequestException as error:
        return _request_error(url, error)
    if digest.hexdigest() != sha256:
        return DataDownloadError(
            f"{shown_url(url)} serves a file whose sha256 is {digest.hexdigest()[:12]}..., not "
            f"the published {sha256[:12]}... (another file, or a damaged copy)",
            _NETWORK_FIX,
            "server",
        )
    return None


def _stand_in(name: str, folder: Path, null_control: bool = False) -> Path:
    from . import synthetic

    if not _has_stand_in(name):
        raise ValueError(f"There is no synthetic stand-in for {name!r}.")
    directory = _stand_in_folder(folder)
    cached = synthetic.cached_stand_in(directory, null_control=null_control)
    if cached is not None:
        return cached
    problem = storage_problem(directory)
    if problem is None:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            problem = f"cannot create {directory} ({error.strerror or error})"
    if problem is not None:
        raise PermissionError(f"Cannot write the workshop data: {problem}. {_WRITE_FIX}")
    with _lock(_lock_path(directory, STAND_IN_LOCK)):
        _remove_partials(directory, PARTIAL_PREFIX)
        return synthetic.cached_stand_in(
            directory, null_control=null_control
        ) or synthetic.generate_stand_in(directory, null_control=null_control)


def data_source(path: str | os.PathLike) -> str:
    """Tell whether a fetched file is the real recording or the synthetic stand-in.

    Parameters
    ----------
    path : str or os.PathLike
        A path returned by :func:`fetch_data`.

    Returns
    -------
    str
        ``"synthetic"`` or ``"real"``.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    """
    from . import synthetic

    return "synthetic" if synthetic.is_synthetic(path) else "real"


@dataclass(frozen=True)
class DataNotice:
    """A box telling the reader which data a notebook runs on; notebooks display it.

    Attributes
    ----------
    source : str
        ``"synthetic"`` or ``"real"``.
    path : str
        The data file.
    """

    source: str
    path: str

    @property
    def synthetic(self) -> bool:
        """Return whether the notice is about the synthetic stand-in."""
        return self.source == "synthetic"

    def __str__(self) -> str:
        if self.synthetic:
            return (
                "SYNTHETIC DATA: this page runs on a synthetic stand-in generated from a known "
                "ground-truth model, not on the recording of Peyrache et al. (2015). Results "
                "look like the real ones but are simulated. To use the real recording, "
                "download it with `python -m workshop_utils.fetch --source real` and run "
                "again."
            )
        return (
            "Data: the recording Mouse32-140822 of Peyrache, Lacroix, Petersen & Buzsaki "
            "(2015), downloaded from OSF and checked against its published sha256."
        )

    def _repr_markdown_(self) -> str:
        return f"**{self}**" if self.synthetic else str(self)

    def _repr_html_(self) -> str:
        pieces = html.escape(str(self)).split("`")  # odd pieces were between backticks: code
        text = "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(pieces))
        if self.synthetic:
            title, _, rest = text.partition(":")
            return (
                '<div class="workshop-data-notice workshop-data-notice-synthetic" '
                'style="border: 3px solid #d9480f; background: #fff4e6; color: #5c2b00; '
                'padding: 0.8em 1em; border-radius: 6px; font-size: 1.05em;">'
                f"<strong>&#9888; {title}</strong>:{rest}</div>"
            )
        return (
            '<div class="workshop-data-notice workshop-data-notice-real" '
            'style="border-left: 4px solid #1c7ed6; background: #e7f5ff; padding: 0.5em 1em;">'
            f"{text}</div>"
        )


def data_notice(path: str | os.PathLike) -> DataNotice:
    """Return the notice to display right after loading the data (see :func:`data_source`).

    Parameters
    ----------
    path : str or os.PathLike
        A path returned by :func:`fetch_data`.

    Returns
    -------
    DataNotice
        Displayed as a loud orange box for the stand-in, a short note for the real file.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    """
    return DataNotice(source=data_source(path), path=str(path))


def main(argv: list[str] | None = None) -> int:
    """Fetch workshop data from the command line (``python -m workshop_utils.fetch``).

    Parameters
    ----------
    argv : list of str, optional
        Arguments; default ``sys.argv[1:]``.

    Returns
    -------
    int
        0 when every file was fetched, 1 otherwise.
    """
    parser = argparse.ArgumentParser(
        prog="python -m workshop_utils.fetch",
        description="Download the workshop data (or generate the synthetic stand-in).",
    )
    parser.add_argument("names", nargs="*", help=f"files to fetch (default: {', '.join(REGISTRY)})")
    parser.add_argument("--source", choices=SOURCES, help=f"default: ${DATA_SOURCE_ENV} or auto")
    parser.add_argument(
        "--dir",
        help=f"cache folder, relative to the current folder or absolute (default: "
        f"${DATA_DIR_ENV} or the user cache)",
    )
    args = parser.parse_args(argv)
    if args.dir:
        os.environ[DATA_DIR_ENV] = os.path.abspath(os.path.expanduser(args.dir))
    status = 0
    for name in args.names or list(REGISTRY):
        try:
            path = fetch_data(name, args.source)
        except (ValueError, OSError, DataDownloadError) as error:
            print(f"error: {name}: {error}")
            status = 1
            continue
        print(f"{name}: {path} ({data_source(path)})")
    if not args.names:
        # The ground-truth notebook always runs on the stand-in and its null control: make both.
        from . import synthetic

        for null_control in (False, True):
            try:
                path = fetch_data(synthetic.STANDS_IN_FOR, "synthetic", null_control=null_control)
            except (ValueError, OSError) as error:
                print(f"error: synthetic stand-in: {error}")
                status = 1
                continue
            label = "null control" if null_control else "stand-in"
            print(f"synthetic {label}: {path}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
