"""What a notebook needs at run time, inside the book build and outside it.

Notebook settings, the shared JAX compilation cache, and ``glue`` that works without myst-nb
(Colab, a laptop without the book extra), so no notebook needs a package only the book has.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .files import folder_from_environment

__all__ = [
    "JAX_CACHE_ENV",
    "NUMBERS",
    "configure_notebook",
    "glue",
    "jax_cache_dir",
    "fill_in_numbers",
    "show_text_with_numbers",
]

NUMBERS: dict[str, Any] = {}
"""Every value glued in this kernel, by name (filled by :func:`glue`)."""

# A MyST glue role as the book's prose writes it: {glue:text}`name:format` (or {glue}`name`).
GLUE_ROLE = re.compile(r"\{glue(?::text|:any|:md|:)?\}`(?P<name>[^`:]+?)\s*(?::(?P<spec>[^`]*))?`")

JAX_CACHE_ENV = "WORKSHOP_JAX_CACHE"
"""Environment variable naming the JAX cache folder (absolute), to override the default."""


def jax_cache_dir() -> Path:
    """Return the folder of JAX's compilation cache, shared by notebooks, book and setup check.

    Returns
    -------
    Path
        ``$WORKSHOP_JAX_CACHE`` when set, else the ``jax`` folder of
        :func:`workshop_utils.fetch.cache_dir` (absolute; JAX creates it).

    Raises
    ------
    ValueError
        If ``$WORKSHOP_JAX_CACHE`` or ``$WORKSHOP_DATA_DIR`` is a relative path.
    """
    configured = folder_from_environment(JAX_CACHE_ENV, "each notebook would use its own cache")
    if configured is not None:
        return configured
    from .fetch import cache_dir

    return cache_dir() / "jax"


def configure_notebook() -> None:
    """Apply the settings every workshop notebook runs with.

    JAX in double precision (LBFGS then converges reliably on these small models), every
    compiled model kept in :func:`jax_cache_dir`, pynapple's conversion warnings off, and the
    workshop's Matplotlib style (which also lets animations play in the notebook).

    Raises
    ------
    ValueError
        If ``$WORKSHOP_JAX_CACHE`` or ``$WORKSHOP_DATA_DIR`` is a relative path.
    """
    import jax
    import matplotlib.pyplot as plt
    import pynapple as nap

    from .plotting import STYLE_PATH

    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_compilation_cache_dir", str(jax_cache_dir()))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    nap.nap_config.suppress_conversion_warnings = True
    plt.style.use(STYLE_PATH)


def glue(name: str, variable: Any, display: bool = True) -> None:
    """Keep ``variable`` in :data:`NUMBERS` and glue it with myst-nb, else just show it.

    Parameters
    ----------
    name : str
        The key the prose refers to (``{glue:text}`name```).
    variable : any
        The value to store: a number, a string, a figure.
    display : bool, optional
        Whether to show the value in the notebook as well (myst-nb's meaning). Default True.
    """
    NUMBERS[name] = variable
    try:
        # Imported here: slow to import (about a second), and installed only for the book.
        from myst_nb import glue as myst_glue
    except ModuleNotFoundError:
        if display:
            from IPython.display import display as show

            show(variable)
        return
    myst_glue(name, variable, display=display)


def fill_in_numbers(markdown: str) -> str:
    """Replace every ``{glue:text}`name:format``` role of Markdown by its glued value.

    Parameters
    ----------
    markdown : str
        Markdown text with MyST glue roles.

    Returns
    -------
    str
        The text with each role replaced by ``format(NUMBERS[name], format)``, or by a
        "not computed yet" note for a name not in :data:`NUMBERS`.
    """

    def number(match: re.Match[str]) -> str:
        name, spec = match["name"].strip(), (match["spec"] or "").strip()
        if name not in NUMBERS:
            return f"`{name}` (not computed yet: run the cells above)"
        return format(NUMBERS[name], spec)

    return GLUE_ROLE.sub(number, markdown)


def show_text_with_numbers(markdown: str) -> None:
    """Show a passage of the prose with this kernel's numbers (users and presenters notebooks).

    Parameters
    ----------
    markdown : str
        Markdown text with MyST glue roles (``{glue:text}`name:format```).
    """
    from IPython.display import Markdown, display

    display(Markdown(fill_in_numbers(markdown)))
