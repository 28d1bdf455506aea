"""The house's layout: imports go the way the README draws them, and nowhere else."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("workshop_utils", "tools", "benchmarks")
NOTHING = "(nothing of ours)"


def drawn_arrows(readme: str) -> dict[str, set[str]]:
    """The README's import arrows: module -> the modules it may import."""
    section = readme[readme.index("## Layout") :]
    block = re.search(r"```text\n(.*?)```", section, re.DOTALL)
    assert block, "the README's Layout section has no ```text block of arrows"
    arrows = {}
    for line in block.group(1).splitlines():
        if not line.strip():
            continue
        module, _, targets = (part.strip() for part in line.partition("→"))
        arrows[module] = set() if targets == NOTHING else {t.strip() for t in targets.split(",")}
    return arrows


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def our_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).glob("*.py"))
    }


def imports_of(source: str, name: str, known: set[str]) -> set[str]:
    """The modules of ours that module ``name`` imports, anywhere in it (functions included)."""
    is_package = name in PACKAGES
    package = name if is_package else name.rpartition(".")[0]

    def ours(candidate: str) -> str | None:
        while candidate and candidate not in known:
            candidate = candidate.rpartition(".")[0]
        return candidate or None

    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [ours(alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            # `from package import module` imports the module, `from module import name` the module.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else ours(base)
                for alias in node.names
            ]
        else:
            continue
        found.update(t for t in targets if t and t.split(".")[0] in PACKAGES and t != name)
    return found


def find_cycle(arrows: dict[str, set[str]]) -> list[str]:
    """A cycle in the drawn graph, as a path, or [] (depth-first search)."""
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> list[str]:
        state[module] = "open"
        for target in sorted(arrows.get(module, ())):
            if state.get(target) == "open":
                return [*path, module, target]
            if target not in state and (cycle := visit(target, [*path, module])):
                return cycle
        state[module] = "done"
        return []

    for module in sorted(arrows):
        if module not in state and (cycle := visit(module, [])):
            return cycle
    return []


def test_every_import_of_ours_is_an_arrow_the_readme_draws():
    arrows = drawn_arrows((ROOT / "README.md").read_text(encoding="utf-8"))
    modules = our_modules()
    packages = {name for name in modules if name in PACKAGES}
    undrawn = sorted(set(modules) - set(arrows) - packages)
    assert undrawn == [], f"modules missing from the README's arrows: {undrawn}"
    assert sorted(set(arrows) - set(modules)) == [], "the README draws modules that do not exist"
    extra = {
        f"{name} → {target}"
        for name, path in modules.items()
        if name not in packages
        for target in imports_of(path.read_text(encoding="utf-8"), name, set(modules))
        - arrows[name]
    }
    assert sorted(extra) == [], "imports the README's layout does not allow (draw or remove them)"


def test_the_drawn_graph_has_no_cycle_and_the_package_never_imports_the_tools():
    arrows = drawn_arrows((ROOT / "README.md").read_text(encoding="utf-8"))
    assert find_cycle(arrows) == []
    for module, targets in arrows.items():
        if module.startswith("workshop_utils"):
            assert all(t.startswith("workshop_utils") for t in targets), module


def test_an_undrawn_import_and_a_cycle_are_caught():
    source = "def f():\n    from .fetch import cache_dir\n    from tools import variants\n"
    found = imports_of(source, "workshop_utils.plotting", set(our_modules()))
    assert found == {"workshop_utils.fetch", "tools.variants"}
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("line", ["workshop_utils.fetch → workshop_utils.synthetic"])
def test_the_arrows_are_read_from_the_readme(line):
    readme = f"## Layout\n\n```text\n{line}\nworkshop_utils.files → {NOTHING}\n```\n"
    assert drawn_arrows(readme) == {
        "workshop_utils.fetch": {"workshop_utils.synthetic"},
        "workshop_utils.files": set(),
    }
