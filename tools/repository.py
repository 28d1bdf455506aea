"""Keep every copy of the repository address in step with ``_config.yml``.

The workshop's repository address is written in one place: ``repository.url`` in
``_config.yml``, where Jupyter Book's launch and repository buttons read it. Everything else that
shows it is generated from it (and from ``pyproject.toml``) by ``make sync``:

- the Colab install cell, the first code cell of every ``notebooks/*.md`` (``make sync`` then
  regenerates the paired ``.ipynb``);
- the blocks of ``README.md`` and ``book/setup.md`` between ``<!-- begin generated: NAME ... -->``
  and ``<!-- end generated: NAME -->``.

``python tools/repository.py --check`` (run by the tests) lists every generated copy that is out
of date and every address typed by hand anywhere else, and exits 1 if there is any.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

CONFIG = "_config.yml"
"""The one file where the repository address is written."""

GENERATED_FILES = ("README.md", "book/setup.md")
"""Files holding generated blocks (besides the notebooks' Colab cell)."""

NOTEBOOKS = "notebooks/*.md"
"""The MyST notebooks whose first code cell is the Colab install cell."""

COLAB_INSTALLS = ("nemos", "pynapple", "pynwb", "pooch")
"""What Google Colab does not ship; installed there at the versions pinned in pyproject.toml.

Everything else the notebooks import (numpy, pandas, scipy, scikit-learn, matplotlib, jax, xarray,
h5py, tqdm...) is already on Colab: the cell leaves it alone.
"""

GITHUB_URL = re.compile(r"^https://github\.com/(?P<owner>[\w.-]+)/(?P<name>[\w.-]+)$")

BLOCK = re.compile(
    r"<!-- begin generated: (?P<name>[\w-]+)[^\n]*?-->\n(?P<body>.*?)"
    r"<!-- end generated: (?P=name) -->",
    re.DOTALL,
)
BLOCK_START = re.compile(r"<!-- begin generated: (?P<name>[\w-]+)")

FIRST_CODE_CELL = re.compile(
    r"^```\{code-cell\}[^\n]*\n(?P<options>(?::[^\n]*\n)*)\n?(?P<source>.*?)^```$",
    re.DOTALL | re.MULTILINE,
)

# Forms in which an address can name a GitHub repository: github.com/OWNER/NAME,
# OWNER.github.io/NAME (GitHub Pages), and the /gh/OWNER/NAME and /github/OWNER/NAME paths of
# Binder and Colab links.
REPOSITORY_MENTION = re.compile(
    r"github\.com/(?P<o1>[\w.-]+)/(?P<n1>[\w-]+)"
    r"|(?P<o2>[\w-]+)\.github\.io/(?P<n2>[\w-]+)"
    r"|/(?:gh|github)/(?P<o3>[\w.-]+)/(?P<n3>[\w-]+)"
)

# Tests hold made-up addresses on purpose; the .ipynb files are generated from the .md ones
# (tests/test_notebooks.py keeps each pair identical).
NOT_SCANNED = ("tests/",)
NOT_SCANNED_SUFFIXES = (".ipynb", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".nwb", ".npz")


def github_pages_url(owner: str, repository: str) -> str:
    """Return the GitHub Pages address of ``github.com/<owner>/<repository>``.

    ``https://<owner>.github.io/<repository>/`` (the owner in lower case), or
    ``https://<owner>.github.io/`` for a repository named ``<owner>.github.io``.

    Parameters
    ----------
    owner : str
        The GitHub account or organisation.
    repository : str
        The repository's name.

    Returns
    -------
    str
        The address, ending with ``/``.
    """
    owner = owner.lower()
    if repository.lower() == f"{owner}.github.io":
        return f"https://{owner}.github.io/"
    return f"https://{owner}.github.io/{repository}/"


@dataclass(frozen=True)
class Repository:
    """The repository address and what is derived from it.

    Attributes
    ----------
    url : str
        ``https://github.com/OWNER/NAME``, as written in ``_config.yml``.
    owner : str
        The GitHub account or organisation.
    name : str
        The repository name, also the folder ``git clone`` creates.
    branch : str
        The published branch (``repository.branch`` in ``_config.yml``).
    """

    url: str
    owner: str
    name: str
    branch: str

    @property
    def website(self) -> str:
        """Return the GitHub Pages address the website workflow publishes to."""
        return github_pages_url(self.owner, self.name)

    @property
    def zip_url(self) -> str:
        """Return the address of a ZIP archive of the published branch."""
        return f"{self.url}/archive/refs/heads/{self.branch}.zip"


def repository(root: Path = ROOT) -> Repository:
    """Read the repository address from ``_config.yml``.

    Parameters
    ----------
    root : Path, optional
        The repository's root folder.

    Returns
    -------
    Repository
        The address, its owner and name, and the published branch.

    Raises
    ------
    ValueError
        If ``repository.url`` is missing or not of the form ``https://github.com/OWNER/NAME``.
    """
    config = yaml.safe_load((root / CONFIG).read_text(encoding="utf-8"))
    section = config.get("repository") or {}
    url = str(section.get("url", "")).strip()
    match = GITHUB_URL.match(url)
    if match is None or url.endswith(".git"):
        raise ValueError(
            f"repository.url in {CONFIG} is {url!r}; write it as https://github.com/OWNER/NAME "
            "(no trailing slash, no .git)."
        )
    return Repository(
        url=url,
        owner=match["owner"],
        name=match["name"],
        branch=str(section.get("branch") or "main"),
    )


def project(root: Path = ROOT) -> dict:
    """Return the ``[project]`` table of ``pyproject.toml``."""
    return tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def release_tag(root: Path = ROOT) -> str:
    """Return the git tag of the current release: ``v`` and ``pyproject.toml``'s version."""
    return "v" + project(root)["version"]


def dependency_pins(root: Path = ROOT) -> dict[str, str]:
    """Return ``pyproject.toml``'s ``[project] dependencies`` as canonical name -> requirement.

    A requirement without ``==`` is kept too (its version is then not pinned).
    """
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    return {
        canonicalize_name(Requirement(requirement).name): requirement.strip()
        for requirement in project(root)["dependencies"]
    }


def colab_requirements(root: Path = ROOT) -> list[str]:
    """Return the pins of :data:`COLAB_INSTALLS`, as written in ``pyproject.toml``.

    Raises
    ------
    ValueError
        If one of them is not pinned exactly in ``[project] dependencies``.
    """
    pins = dependency_pins(root)
    missing = [name for name in COLAB_INSTALLS if "==" not in pins.get(name, "")]
    if missing:
        raise ValueError(
            f"{', '.join(missing)} must be pinned with == in pyproject.toml's dependencies: the "
            "Colab cell installs them at that version."
        )
    return [pins[name] for name in COLAB_INSTALLS]


def colab_cell(root: Path = ROOT) -> str:
    """Return the source of the Colab install cell (the first code cell of each notebook)."""
    repo = repository(root)
    return "\n".join(
        [
            "import sys",
            "",
            "# On Google Colab only: install what Colab lacks, at the workshop's pinned versions,",
            "# then the workshop package from its tagged release. Colab's own jax, jaxlib and",
            "# numpy are kept (pip picks releases of the rest that work with them): a numpy",
            "# replaced after start-up needs a runtime restart, and a CPU jax would replace a GPU",
            "# runtime's. Generated by `make sync` from pyproject.toml and _config.yml: edit",
            "# those, not this cell.",
            'if "google.colab" in sys.modules:',
            "    from importlib.metadata import version",
            "",
            '    kept = ("jax", "jaxlib", "numpy")',
            '    keep = " ".join(f"{name}=={version(name)}" for name in kept)',
            f"    %pip install --quiet {' '.join(colab_requirements(root))} {{keep}}",
            f"    %pip install --quiet --no-deps git+{repo.url}@{release_tag(root)}",
        ]
    )


def blocks(root: Path = ROOT) -> dict[str, str]:
    """Return the generated Markdown blocks, by name.

    Returns
    -------
    dict of str to str
        ``clone``: how to get the repository (git, or a ZIP); ``website``: the published site
        and the repository. Each ends with a newline.
    """
    repo = repository(root)
    clone = (
        "```shell\n"
        f"git clone {repo.url}\n"
        f"cd {repo.name}\n"
        "```\n"
        "\n"
        f"Without git: download {repo.zip_url}, unzip it and open a terminal in the unzipped "
        f"folder (`{repo.name}-{repo.branch}`).\n"
    )
    website = (
        f"The website: <{repo.website}> (rebuilt on every push to `{repo.branch}`).\n"
        f"The repository: <{repo.url}>.\n"
    )
    return {"clone": clone, "website": website}


def replace_blocks(text: str, generated: dict[str, str], where: str) -> str:
    """Return ``text`` with the body of every generated block replaced.

    Raises
    ------
    ValueError
        If a block is not closed, or has a name :func:`blocks` does not know.
    """
    starts = [match["name"] for match in BLOCK_START.finditer(text)]
    closed = [match["name"] for match in BLOCK.finditer(text)]
    if starts != closed:
        unclosed = sorted(set(starts) - set(closed)) or starts
        raise ValueError(
            f"{where}: generated block {unclosed[0]!r} has no "
            f"'<!-- end generated: {unclosed[0]} -->' line."
        )
    unknown = sorted(set(starts) - set(generated))
    if unknown:
        raise ValueError(
            f"{where}: unknown generated block {unknown[0]!r}; known: {', '.join(generated)}."
        )

    def body(match: re.Match) -> str:
        head = match.group(0)[: match.start("body") - match.start()]
        return f"{head}{generated[match['name']]}<!-- end generated: {match['name']} -->"

    return BLOCK.sub(body, text)


def first_code_cell(text: str, where: str) -> re.Match:
    """Find the first code cell of a MyST notebook.

    Raises
    ------
    ValueError
        If the notebook has no code cell.
    """
    match = FIRST_CODE_CELL.search(text)
    if match is None:
        raise ValueError(f"{where} has no code cell: its first code cell must be the Colab cell.")
    return match


def replace_first_code_cell(text: str, source: str, where: str) -> str:
    """Return a MyST notebook's text with the source of its first code cell replaced.

    The cell's options (e.g. ``:tags: [users-keep]``) and every other line stay as they are.
    """
    match = first_code_cell(text, where)
    options = match["options"]
    separator = "\n" if options else ""
    start, end = match.span("source")
    return text[: match.start("options")] + options + separator + source + "\n" + text[end:]


def notebook_paths(root: Path = ROOT) -> list[Path]:
    """Return the MyST notebooks, sorted."""
    return sorted(root.glob(NOTEBOOKS))


def render(root: Path = ROOT) -> dict[Path, str]:
    """Return the up-to-date text of every file holding a generated copy.

    Returns
    -------
    dict of Path to str
        For each file, its text with every generated part regenerated.
    """
    generated = blocks(root)
    cell = colab_cell(root)
    texts = {}
    for relative in GENERATED_FILES:
        path = root / relative
        texts[path] = replace_blocks(path.read_text(encoding="utf-8"), generated, relative)
    for path in notebook_paths(root):
        where = path.relative_to(root).as_posix()
        texts[path] = replace_first_code_cell(path.read_text(encoding="utf-8"), cell, where)
    return texts


def hand_written(text: str, path: Path, root: Path = ROOT) -> str:
    """Return a file's text with its generated parts blanked out (line count unchanged).

    Parameters
    ----------
    text : str
        The file's text.
    path : Path
        The file (decides which parts are generated: the first code cell of a notebook, the
        generated blocks elsewhere).
    root : Path, optional
        The repository's root folder.

    Returns
    -------
    str
        What a person typed in the file.
    """

    def blank(match: re.Match) -> str:
        return "\n" * match.group(0).count("\n")

    if path.parent == root / "notebooks" and path.suffix == ".md":
        match = FIRST_CODE_CELL.search(text)
        if match is not None:
            text = text[: match.start()] + blank(match) + text[match.end() :]
    return BLOCK.sub(blank, text)


def clone_files(root: Path = ROOT) -> list[str]:
    """Return the files a fresh clone would have: tracked, or new and not ignored by git.

    Parameters
    ----------
    root : Path, optional
        A git working tree.

    Returns
    -------
    list of str
        Paths relative to ``root``, with ``/`` separators (as git writes them).
    """
    return subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()


def copy_clone(destination: Path, root: Path = ROOT) -> Path:
    """Copy the files a fresh clone would have (:func:`clone_files`) into ``destination``.

    Parameters
    ----------
    destination : Path
        Folder to copy into; created as needed.
    root : Path, optional
        A git working tree.

    Returns
    -------
    Path
        ``destination``.
    """
    for name in clone_files(root):
        source = root / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def repository_files(root: Path = ROOT) -> list[Path]:
    """Return the files of :func:`clone_files` that may hold a copy of the address."""
    files = []
    for name in clone_files(root):
        path = root / name
        if (
            not path.is_file()
            or name == CONFIG
            or name.startswith(NOT_SCANNED)
            or path.suffix.lower() in NOT_SCANNED_SUFFIXES
        ):
            continue
        files.append(path)
    return files


def typed_copies(root: Path = ROOT) -> list[str]:
    """Find addresses of this repository typed by hand outside ``_config.yml``.

    A mention counts when it names the repository's owner or its name in one of the forms a
    GitHub repository is addressed by (github.com, github.io, Binder and Colab paths): after a
    rename, the old copies still match one of the two.

    Returns
    -------
    list of str
        ``"path:line: mention"`` for each.
    """
    repo = repository(root)
    found = []
    for path in repository_files(root):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        text = hand_written(text, path, root)
        for match in REPOSITORY_MENTION.finditer(text):
            owner = match["o1"] or match["o2"] or match["o3"]
            name = match["n1"] or match["n2"] or match["n3"]
            if owner.lower() == repo.owner.lower() or name.lower() == repo.name.lower():
                line = text.count("\n", 0, match.start()) + 1
                where = path.relative_to(root).as_posix()
                found.append(f"{where}:{line}: {match.group(0)}")
    return found


def problems(root: Path = ROOT) -> list[str]:
    """List every stale generated copy and every address typed by hand.

    Returns
    -------
    list of str
        One line per problem, with the fix; empty when everything is in step.
    """
    found = []
    for path, text in render(root).items():
        if path.read_text(encoding="utf-8") != text:
            where = path.relative_to(root).as_posix()
            found.append(f"{where}: generated from {CONFIG} but out of date: run `make sync`")
    found += [
        f"{mention}: the repository address typed by hand; write it only in {CONFIG} "
        "(repository.url) and generate the copy (see tools/repository.py)"
        for mention in typed_copies(root)
    ]
    return found


def write(root: Path = ROOT) -> list[Path]:
    """Regenerate every copy in place.

    Returns
    -------
    list of Path
        The files that changed.
    """
    changed = []
    for path, text in render(root).items():
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    """Regenerate the copies of the repository address, or check them (``--check``).

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments; default ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success; 1 with ``--check`` when something is out of step.
    """
    parser = argparse.ArgumentParser(
        prog="python tools/repository.py",
        description=f"Generate every copy of the repository address from {CONFIG}.",
    )
    parser.add_argument("--check", action="store_true", help="only report, change nothing")
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository (default: here)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    try:
        if args.check:
            found = problems(root)
            for problem in found:
                print(problem)
            if not found:
                print(f"Every copy of {repository(root).url} is generated and up to date.")
            return 1 if found else 0
        for path in write(root):
            print(f"updated {path.relative_to(root).as_posix()}")
    except ValueError as error:
        print(f"error: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
