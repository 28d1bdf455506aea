"""How the workshop writes files into its cache: hashing, file modes and partial files.

Shared by :mod:`workshop_utils.fetch` and :mod:`workshop_utils.synthetic`; imports neither.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

FILE_MODE = 0o644
"""Every cached file is readable by everyone, so that an instructor's cache can be shared."""
FREE_SPACE_GB = 2.0
"""Free space the cache needs, in GiB: recording, stand-in, null control, JAX models, spare."""
PARTIAL_PREFIX = ".partial-"
"""Files being written start with this; one a killed run left behind is deleted by the next."""


def file_sha256(path: str | os.PathLike) -> str:
    """Return the sha256 of a file as a hex string (the form the data registry records).

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


def partial_file(directory: Path, name: str = "", suffix: str = "") -> Path:
    """Create an empty partial file with the cache's mode, to ``os.replace`` onto its name.

    Parameters
    ----------
    directory : Path
        The folder of the final file (a rename is atomic only within one file system).
    name : str, optional
        The final file's name, kept in the partial's name to tell whose partial it is.
    suffix : str, optional
        Suffix of the partial file.

    Returns
    -------
    Path
        The new, empty file.
    """
    handle, path = tempfile.mkstemp(prefix=f"{PARTIAL_PREFIX}{name}", suffix=suffix, dir=directory)
    os.close(handle)
    os.chmod(path, FILE_MODE)
    return Path(path)


def folder_from_environment(variable: str, consequence: str) -> Path | None:
    """Read a folder from an environment variable (``~`` expanded).

    Parameters
    ----------
    variable : str
        The environment variable.
    consequence : str
        What a relative path would do, for the error message ("so <consequence>").

    Returns
    -------
    Path or None
        The folder, or None when the variable is unset or blank.

    Raises
    ------
    ValueError
        If the variable holds a relative path; the message gives an absolute one to set.
    """
    configured = os.environ.get(variable, "").strip()
    if not configured:
        return None
    folder = Path(configured).expanduser()
    if not folder.is_absolute():
        raise ValueError(
            f"{variable}={configured!r} is a relative path, so {consequence}. Set an absolute "
            f"path, e.g. export {variable}={folder.absolute()}"
        )
    return folder


def storage_problem(folder: Path) -> str | None:
    """Say why files cannot be created in ``folder`` (or its first existing parent), or None.

    The probe is an anonymous ``tempfile``: exclusive, never through a link, nothing left behind.
    """
    existing = next(path for path in (folder, *folder.parents) if os.path.lexists(path))
    if not existing.is_dir():
        if existing == folder:
            return f"the cache folder {folder} is a file, not a folder"
        return f"cannot create the cache folder {folder}: {existing} is a file, not a folder"
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as error:
        return f"cannot write to {existing} ({error.strerror or error})"
    return None
