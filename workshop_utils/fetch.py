"""Download the workshop data, or fall back to the synthetic stand-in, and cache it.

The notebooks call :func:`fetch_data` with a file name and get a local path back. Three
environment variables control where the data comes from and where it is kept:

``WORKSHOP_DATA_SOURCE``
    ``auto`` (default): the cached real file, else a download from OSF; when the download fails
    (no network, a proxy, a firewall), the synthetic stand-in, with a ``UserWarning`` that says
    why and how to get the real data. ``real``: the real file or an error (use it to publish
    the website). ``synthetic``: always the stand-in (tests, CI, offline teaching).
``WORKSHOP_DATA_DIR``
    The cache folder; by default the user cache folder (``~/.cache/workshop_utils`` on Linux).
    The stand-in lives in its ``synthetic/`` subfolder.
``WORKSHOP_DATA_MIRROR``
    The base address of a mirror serving the files under their own names, e.g. a laptop in a
    workshop room without OSF access. The sha256 check still applies.

Every download is checked against its published sha256: a corrupt or tampered file is never
returned, and an interrupted download leaves no partial file (pooch downloads to a temporary
file and moves it into place only once its hash matches).

Before a workshop, fetch everything once with ``python -m workshop_utils.fetch``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import html
import os
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from . import synthetic

__all__ = [
    "DATA_DIR_ENV",
    "DATA_MIRROR_ENV",
    "DATA_SOURCE_ENV",
    "REGISTRY",
    "SOURCES",
    "DataDownloadError",
    "DataFile",
    "DataNotice",
    "cache_dir",
    "data_notice",
    "data_source",
    "fetch_all",
    "fetch_data",
    "file_sha256",
    "main",
]

DATA_SOURCE_ENV = "WORKSHOP_DATA_SOURCE"
DATA_DIR_ENV = "WORKSHOP_DATA_DIR"
DATA_MIRROR_ENV = "WORKSHOP_DATA_MIRROR"
SOURCES = ("auto", "real", "synthetic")
DOWNLOAD_RETRIES = 2
DOWNLOAD_TIMEOUT = 30.0
LOCK_TIMEOUT = 600.0
STALE_LOCK_AGE = 900.0


@dataclass(frozen=True)
class DataFile:
    """A file the workshop can download.

    Attributes
    ----------
    name : str
        File name, as passed to :func:`fetch_data`.
    url : str
        Download address.
    sha256 : str
        Published sha256 of the file (hex).
    description : str
        What the file is.
    """

    name: str
    url: str
    sha256: str
    description: str


REGISTRY: dict[str, DataFile] = {
    "Mouse32-140822.nwb": DataFile(
        name="Mouse32-140822.nwb",
        # OSF's current address form (since October 2025); the old
        # https://osf.io/jb2gd/download no longer works.
        url="https://osf.io/download/jb2gd/",
        sha256="1a919a033305b8f58b5c3e217577256183b14ed5b436d9c70989dee6dafe0f35",
        description=(
            "Head-direction recording Mouse32-140822 (Peyrache, Lacroix, Petersen & Buzsaki "
            "2015, Nature Neuroscience 18:569-575), about 37 MB."
        ),
    ),
}


class DataDownloadError(RuntimeError):
    """The real data could not be downloaded or did not match its published hash."""


# ----------------------------------------------------------------------------- configuration


def cache_dir() -> Path:
    """Return the cache folder: ``$WORKSHOP_DATA_DIR``, else the user cache folder.

    Returns
    -------
    Path
        The folder (not created).
    """
    configured = os.environ.get(DATA_DIR_ENV)
    if configured:
        return Path(configured).expanduser()
    import platformdirs  # the folder pooch.os_cache uses, without importing pooch

    return Path(platformdirs.user_cache_dir("workshop_utils"))


def _source(source: str | None) -> str:
    value = source if source is not None else os.environ.get(DATA_SOURCE_ENV, "auto")
    value = value.strip().lower()
    if value not in SOURCES:
        origin = "source" if source is not None else DATA_SOURCE_ENV
        raise ValueError(
            f"{origin}={value!r} is not a data source; use one of {', '.join(SOURCES)} "
            f"(e.g. export {DATA_SOURCE_ENV}=auto)."
        )
    return value


def _data_file(name: str) -> DataFile:
    if name not in REGISTRY:
        known = ", ".join(sorted(REGISTRY))
        raise ValueError(f"Unknown data file {name!r}; the workshop knows: {known}.")
    return REGISTRY[name]


def _writable_folder(folder: Path) -> Path:
    """Create the folder if needed and make sure files can be written in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise PermissionError(
            f"Cannot write the workshop data to {folder} ({error.strerror or error}). "
            f"Point {DATA_DIR_ENV} to a folder you can write to, e.g. "
            f"export {DATA_DIR_ENV}=$HOME/workshop-data"
        ) from error
    return folder


# ------------------------------------------------------------------------------------ fetch


def fetch_data(name: str, source: str | None = None) -> str:
    """Return the local path of a workshop data file, downloading it if needed.

    Parameters
    ----------
    name : str
        File name, e.g. ``"Mouse32-140822.nwb"``.
    source : {"auto", "real", "synthetic"}, optional
        Where the data comes from; default: ``$WORKSHOP_DATA_SOURCE``, else ``"auto"``.

    Returns
    -------
    str
        Path of the real file, or of the synthetic stand-in (``source="synthetic"``, or
        ``"auto"`` when the download failed, with a ``UserWarning``).

    Raises
    ------
    ValueError
        If the name or the source is unknown, or a stand-in is asked for a file without one.
    DataDownloadError
        With ``source="real"``, if the file cannot be downloaded or fails its hash check.
    PermissionError
        If the cache folder cannot be written (set ``WORKSHOP_DATA_DIR``).
    """
    data_file = _data_file(name)
    chosen = _source(source)
    folder = _writable_folder(cache_dir())
    if chosen == "synthetic":
        return str(_stand_in(name, folder))
    try:
        return str(_real(data_file, folder))
    except DataDownloadError as error:
        if chosen == "real" or name != synthetic.STANDS_IN_FOR:
            raise
        path = _stand_in(name, folder)
        warnings.warn(
            f"USING THE SYNTHETIC STAND-IN, NOT THE REAL RECORDING: {error.__cause__ or error}. "
            f"Results will look like the real ones but are simulated. To get the real data, "
            f"check your network or proxy and run `python -m workshop_utils.fetch --source "
            f"real`, or copy a downloaded {name} into {folder}.",
            UserWarning,
            stacklevel=2,
        )
        return str(path)


def fetch_all(source: str | None = None) -> dict[str, str]:
    """Fetch every file the workshop uses.

    Parameters
    ----------
    source : {"auto", "real", "synthetic"}, optional
        As for :func:`fetch_data`.

    Returns
    -------
    dict of str to str
        Local path of each file, by name.

    Raises
    ------
    DataDownloadError
        With ``source="real"``, if a file cannot be downloaded.
    """
    return {name: fetch_data(name, source) for name in REGISTRY}


def _real(data_file: DataFile, folder: Path) -> Path:
    """Return the real file, downloaded by pooch and verified against its sha256."""
    url = data_file.url
    mirror = os.environ.get(DATA_MIRROR_ENV)
    if mirror:
        url = mirror.rstrip("/") + "/" + data_file.name
    target = folder / data_file.name
    if target.exists() and file_sha256(target) == data_file.sha256:
        return target
    # Imported only to download. In a notebook without ipywidgets, pooch's import of tqdm.auto
    # warns "IProgress not found" (about widgets, not the data) and falls back to a text bar.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="IProgress not found")
        import pooch
        import requests

    registry = pooch.create(
        path=folder,
        base_url="",
        registry={data_file.name: f"sha256:{data_file.sha256}"},
        urls={data_file.name: url},
        retry_if_failed=DOWNLOAD_RETRIES,
    )
    downloader = pooch.HTTPDownloader(progressbar=True, timeout=DOWNLOAD_TIMEOUT)
    with _lock(folder / f".{data_file.name}.lock"):
        try:
            path = Path(registry.fetch(data_file.name, downloader=downloader))
        except (requests.exceptions.RequestException, OSError) as error:
            if isinstance(error, PermissionError):
                raise
            raise DataDownloadError(
                f"Could not download {data_file.name} from {url}: {error}. Check your network, "
                "proxy or SSL certificates (see the troubleshooting page), pre-download it on a "
                "connected machine with `python -m workshop_utils.fetch`, or set "
                f"{DATA_SOURCE_ENV}=synthetic to use the synthetic stand-in."
            ) from error
        except ValueError as error:  # pooch: the hash of the download does not match
            raise DataDownloadError(
                f"The file downloaded from {url} does not match the published sha256 of "
                f"{data_file.name}; it was discarded. A proxy, a captive portal or a bad mirror "
                "may have altered it: try again on another network."
            ) from error
    return path


def _stand_in(name: str, folder: Path) -> Path:
    if name != synthetic.STANDS_IN_FOR:
        raise ValueError(f"There is no synthetic stand-in for {name!r}.")
    directory = folder / "synthetic"
    cached = synthetic.cached_stand_in(directory)
    if cached is not None:
        return cached
    directory.mkdir(parents=True, exist_ok=True)
    with _lock(directory / ".stand-in.lock"):
        return synthetic.cached_stand_in(directory) or synthetic.generate_stand_in(directory)


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock file (portable: no fcntl, which Windows lacks)."""
    deadline = time.monotonic() + LOCK_TIMEOUT
    while True:
        try:
            handle = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            break
        except FileExistsError:
            try:
                if time.time() - path.stat().st_mtime > STALE_LOCK_AGE:
                    path.unlink(missing_ok=True)  # left behind by a killed process
                    continue
            except FileNotFoundError:
                continue
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"Another process has held {path} for {LOCK_TIMEOUT:.0f} s; if none is "
                    "running, delete the file."
                ) from None
            time.sleep(0.2)
    try:
        os.write(handle, str(os.getpid()).encode())
        os.close(handle)
        yield
    finally:
        path.unlink(missing_ok=True)


# ------------------------------------------------------------------------------- provenance


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
        pieces = html.escape(str(self)).split("`")
        # Odd pieces were between backticks: show them as code.
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
    """Return the notice to display right after loading the data.

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


# --------------------------------------------------------------------------- command line


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
    parser.add_argument("--dir", help=f"cache folder (default: ${DATA_DIR_ENV} or the user cache)")
    args = parser.parse_args(argv)
    if args.dir:
        os.environ[DATA_DIR_ENV] = args.dir
    status = 0
    for name in args.names or list(REGISTRY):
        try:
            path = fetch_data(name, args.source)
        except (ValueError, OSError, DataDownloadError, TimeoutError) as error:
            print(f"error: {name}: {error}")
            status = 1
            continue
        print(f"{name}: {path} ({data_source(path)})")
    return status


def file_sha256(path: str | os.PathLike) -> str:
    """Return the sha256 of a file, as the hex string :data:`REGISTRY` records.

    Parameters
    ----------
    path : str or os.PathLike
        The file.

    Returns
    -------
    str
        Hex digest.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    """
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


if __name__ == "__main__":
    raise SystemExit(main())
