"""Sphinx extension: number the exercises of each page from 1.

sphinx-exercise numbers exercises with Sphinx's ``numfig``, whose counters run across the whole
book when the table of contents is not numbered (ours is not: the notebooks number their own
sections). A reader of the third notebook then meets "Exercise 7" on a page with three, and the
users notebooks (``tools.variants``), which number the exercises of each notebook, disagree
with the website. Neither Sphinx nor sphinx-exercise has an option for numbers per page, so this
extension renumbers, after Sphinx assigned its numbers, each page's exercises in their order.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

FIGTYPE = "exercise"


def number_exercises_per_page(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Renumber each page's exercises 1, 2, 3... in the order Sphinx numbered them."""
    for numbers in env.toc_fignumbers.values():
        exercises = numbers.get(FIGTYPE)
        if exercises:
            in_order = sorted(exercises, key=exercises.__getitem__)
            numbers[FIGTYPE] = {node_id: (index,) for index, node_id in enumerate(in_order, 1)}
    return []


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the renumbering after Sphinx's own (its toctree collector runs at 500)."""
    app.connect("env-get-updated", number_exercises_per_page, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
