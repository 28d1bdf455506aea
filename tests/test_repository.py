"""One repository address, in _config.yml; every copy generated from it (tools/repository.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
from conftest import copy_repository

from tools import repository

ROOT = Path(__file__).resolve().parents[1]
URL = "https://github.com/head-direction-workshop/head-direction-glm-workshop"

# What Google Colab ships already: the Colab cell must not reinstall any of it.
ON_COLAB = {
    "numpy",
    "pandas",
    "scipy",
    "scikit-learn",
    "matplotlib",
    "jax",
    "jaxlib",
    "xarray",
    "h5py",
    "tqdm",
    "numba",
    "requests",
    "ipykernel",
}


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """A copy of the repository's files in a new git repository (nothing committed)."""
    repo = copy_repository(tmp_path / "repo")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    return repo


def set_url(repo: Path, url: str) -> None:
    config = repo / "_config.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r"(?m)^  url: .*$", f"  url: {url}", text, count=1), encoding="utf-8")


# ------------------------------------------------------------------------------ this repository


def test_the_address_is_written_once_and_every_copy_is_generated_and_current():
    assert repository.problems(ROOT) == []
    assert repository.repository(ROOT).url == URL
    assert (ROOT / "_config.yml").read_text(encoding="utf-8").count(URL) == 1


@pytest.mark.parametrize(
    ("name", "website"),
    [
        ("some-repo", "https://some-owner.github.io/some-repo/"),
        ("Some-Owner.github.io", "https://some-owner.github.io/"),
    ],
)
def test_the_website_address_is_github_pages_of_the_repository(tmp_path, name, website):
    (tmp_path / "_config.yml").write_text(
        f"repository:\n  url: https://github.com/Some-Owner/{name}\n  branch: main\n"
    )
    assert repository.repository(tmp_path).website == website


def test_launch_and_repository_buttons_read_the_address_from_config():
    from jupyter_book.config import get_final_config

    config, _ = get_final_config(
        user_yaml=ROOT / "_config.yml",
        cli_config={"latex_individualpages": False},
        sourcedir=ROOT,
    )
    options = config["html_theme_options"]
    assert options["repository_url"] == repository.repository(ROOT).url
    assert options["use_repository_button"] is True
    assert options["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert options["launch_buttons"]["binderhub_url"] == "https://mybinder.org"


@pytest.mark.parametrize("notebook", repository.notebook_paths(ROOT), ids=lambda p: p.stem)
def test_colab_cell_is_exactly_what_the_generator_makes(notebook):
    expected = repository.colab_cell(ROOT)
    markdown = jupytext.read(notebook)
    paired = nbformat.read(notebook.with_suffix(".ipynb"), as_version=4)
    for cells in (markdown.cells, paired.cells):
        first = next(cell for cell in cells if cell.cell_type == "code")
        assert first.source == expected
        assert "users-keep" in first.metadata.get("tags", [])


def test_colab_cell_installs_the_tagged_release_and_nothing_colab_has():
    project = repository.project()
    cell = repository.colab_cell(ROOT)
    assert 'if "google.colab" in sys.modules:' in cell
    installs = [
        line.split("%pip install --quiet", 1)[1].split()
        for line in cell.splitlines()
        if "%pip install --quiet" in line
    ]
    assert len(installs) == 2
    packages, (*flags, package) = installs
    assert flags == ["--no-deps"]
    assert packages[-1] == "{keep}"  # Colab's own jax, jaxlib and numpy, pinned as installed
    packages = packages[:-1]
    assert package == f"git+{URL}@v{project['version']}"
    names = {pin.partition("==")[0] for pin in packages}
    assert names == {"nemos", "pynapple", "pynwb", "pooch"}
    assert not names & ON_COLAB
    assert set(packages) <= set(project["dependencies"])


def test_release_tag_is_the_package_version():
    import workshop_utils

    assert repository.release_tag(ROOT) == f"v{workshop_utils.__version__}"


# ----------------------------------------------------------------------------- the generator


def test_moving_the_repository_regenerates_every_copy(repo_copy):
    new = "https://github.com/some-lab/hd-glm"
    set_url(repo_copy, new)
    stale = repository.problems(repo_copy)
    stale_files = sorted(problem.split(":")[0] for problem in stale)
    notebooks = [p.relative_to(repo_copy).as_posix() for p in repository.notebook_paths(repo_copy)]
    assert stale_files == sorted(["README.md", "book/setup.md", *notebooks])
    changed = repository.write(repo_copy)
    assert len(changed) == len(stale_files)
    assert repository.problems(repo_copy) == []
    readme = (repo_copy / "README.md").read_text(encoding="utf-8")
    assert f"git clone {new}\ncd hd-glm\n" in readme
    assert "https://some-lab.github.io/hd-glm/" in readme
    assert f"{new}/archive/refs/heads/main.zip" in (repo_copy / "book" / "setup.md").read_text(
        encoding="utf-8"
    )
    assert f"git+{new}@v" in (repo_copy / "notebooks" / "head_direction.md").read_text(
        encoding="utf-8"
    )
    assert "head-direction-glm-workshop" not in readme


def test_an_address_typed_by_hand_is_reported_with_its_line(repo_copy):
    data_page = repo_copy / "book" / "data.md"
    lines = data_page.read_text(encoding="utf-8").splitlines()
    typed = [
        f"Issues: {URL}/issues",
        "Read it at https://head-direction-workshop.github.io/head-direction-glm-workshop/.",
        "Binder: https://mybinder.org/v2/gh/head-direction-workshop/head-direction-glm-workshop/main",
        "Old name: https://github.com/someone-else/head-direction-glm-workshop",
        "Unrelated: https://github.com/pynapple-org/pynapple",
    ]
    data_page.write_text("\n".join(lines + typed) + "\n", encoding="utf-8")
    found = repository.problems(repo_copy)
    first = len(lines) + 1
    assert [problem.split(": ")[0] for problem in found] == [
        f"book/data.md:{first}",
        f"book/data.md:{first + 1}",
        f"book/data.md:{first + 2}",
        f"book/data.md:{first + 3}",
    ]
    assert all("write it only in _config.yml" in problem for problem in found)


def test_a_hand_edited_colab_cell_is_reported(repo_copy):
    notebook = repo_copy / "notebooks" / "sleep.md"
    notebook.write_text(
        notebook.read_text(encoding="utf-8").replace("pooch==", "pooch>=", 1), encoding="utf-8"
    )
    assert repository.problems(repo_copy) == [
        "notebooks/sleep.md: generated from _config.yml but out of date: run `make sync`"
    ]
    repository.write(repo_copy)
    assert repository.problems(repo_copy) == []


def test_a_new_release_moves_the_colab_cell_to_its_tag(repo_copy):
    pyproject = repo_copy / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8").replace('version = "0.1.0"', 'version = "0.2.0"'),
        encoding="utf-8",
    )
    repository.write(repo_copy)
    assert repository.colab_cell(repo_copy).endswith(f"git+{URL}@v0.2.0")
    assert f"git+{URL}@v0.2.0" in (repo_copy / "notebooks" / "ground_truth.md").read_text(
        encoding="utf-8"
    )


def test_generating_twice_changes_nothing_and_keeps_the_rest_of_the_notebook(repo_copy):
    before = {
        path: path.read_text(encoding="utf-8") for path in repository.notebook_paths(repo_copy)
    }
    assert repository.write(repo_copy) == []
    for path, text in before.items():
        assert path.read_text(encoding="utf-8") == text


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (f"{URL}.git", "no .git"),
        (f"{URL}/", "no trailing slash"),
        ("https://gitlab.com/a/b", "https://github.com/OWNER/NAME"),
    ],
)
def test_a_malformed_address_is_refused_with_the_expected_form(repo_copy, url, message):
    set_url(repo_copy, url)
    with pytest.raises(ValueError, match=re.escape(message)):
        repository.repository(repo_copy)


def test_broken_markers_and_missing_cells_name_the_file_and_the_fix():
    with pytest.raises(ValueError, match="README.md: generated block 'clone' has no"):
        repository.replace_blocks("<!-- begin generated: clone -->\ntext\n", {}, "README.md")
    text = "<!-- begin generated: nope -->\nx\n<!-- end generated: nope -->\n"
    with pytest.raises(ValueError, match="unknown generated block 'nope'; known: clone"):
        repository.replace_blocks(text, {"clone": "y\n"}, "README.md")
    with pytest.raises(ValueError, match="a.md has no code cell"):
        repository.replace_first_code_cell("# Title\n\nProse only.\n", "x = 1", "a.md")


def test_replacing_a_cell_keeps_its_options_and_the_next_cells():
    text = (
        "# T\n\n```{code-cell} ipython3\n:tags: [users-keep]\n\nold()\n```\n\n"
        "```{code-cell} ipython3\nsecond()\n```\n"
    )
    replaced = repository.replace_first_code_cell(text, "new()\nmore()", "t.md")
    assert replaced == (
        "# T\n\n```{code-cell} ipython3\n:tags: [users-keep]\n\nnew()\nmore()\n```\n\n"
        "```{code-cell} ipython3\nsecond()\n```\n"
    )


def test_command_line_check_and_write(repo_copy):
    def run(*arguments):
        return subprocess.run(
            [sys.executable, str(ROOT / "tools" / "repository.py"), *arguments],
            capture_output=True,
            text=True,
        )

    assert run("--check", "--root", str(repo_copy)).returncode == 0
    set_url(repo_copy, "https://github.com/some-lab/hd-glm")
    stale = run("--check", "--root", str(repo_copy))
    assert stale.returncode == 1 and "run `make sync`" in stale.stdout
    written = run("--root", str(repo_copy))
    assert written.returncode == 0 and "updated README.md" in written.stdout
    assert run("--check", "--root", str(repo_copy)).returncode == 0
    set_url(repo_copy, "https://github.com/some-lab/hd-glm.git")
    refused = run("--root", str(repo_copy))
    assert refused.returncode == 1 and refused.stdout.startswith("error: repository.url")
