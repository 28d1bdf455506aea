"""What a notebook needs at run time, inside the book build and outside it.

- :func:`configure_notebook`: the settings every workshop notebook runs with, in one call.
- :func:`jax_cache_dir`: the folder of JAX's compilation cache, shared by every notebook, the
  book build and the setup check's warm-up.
- :func:`glue`: hand a computed number to the book's prose (myst-nb's ``glue``) when myst-nb is
  installed, as in the book build, and otherwise (Google Colab, a participant's laptop without
  the book extra) only show the value when asked to, so that no notebook needs a package that
  only the book build has. Either way the value is also kept in :data:`NUMBERS`.
- :func:`show_text_with_numbers`: show a sentence of the prose with the numbers this kernel
  glued (the users and presenters notebooks quote the participant's own numbers this way).
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
    """Return the folder of JAX's persistent compilation cache for the workshop.

    Every notebook (through :func:`configure_notebook`), the book build and the setup check's
    warm-up point JAX at this one folder, so a model compiled once, by any of them, loads from
    disk everywhere after that.

    Returns
    -------
    Path
        ``$WORKSHOP_JAX_CACHE`` when set, else the ``jax`` folder of the data cache
        (:func:`workshop_utils.fetch.cache_dir`; absolute; not created: JAX creates it on first
        use).

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

    - JAX computes in double precision (``jax_enable_x64``): the LBFGS solver converges
      reliably on these small models.
    - JAX keeps every compiled model on disk, in :func:`jax_cache_dir`, however short its
      compilation: every later run of any notebook skips compiling it.
    - pynapple does not report each conversion of NeMoS's JAX arrays to NumPy.
    - Matplotlib uses the workshop's style (:data:`workshop_utils.plotting.STYLE_PATH`), which
      also lets animations play in the notebook.

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
    """Store ``variable`` under ``name`` for the book's ``{glue}`` roles, or just show it.

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
        # Imported here: myst-nb (and nbformat behind it) takes about a second to import and
        # is there only where the book is built.
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
        The text with each role replaced by ``format(NUMBERS[name], format)``. A number not
        computed yet (a cell above has not run, or failed) reads "`name` (not computed yet:
        run the cells above)".

    Examples
    --------
    >>> NUMBERS["demo_rate"] = 4.5678
    >>> fill_in_numbers("The rate is {glue:text}`demo_rate:.1f` Hz, {glue:text}`demo_gap`.")
    'The rate is 4.6 Hz, `demo_gap` (not computed yet: run the cells above).'
    """

    def number(match: re.Match[str]) -> str:
        name, spec = match["name"].strip(), (match["spec"] or "").strip()
        if name not in NUMBERS:
            return f"`{name}` (not computed yet: run the cells above)"
        return format(NUMBERS[name], spec)

    return GLUE_ROLE.sub(number, markdown)


def show_text_with_numbers(markdown: str) -> None:
    """Show a passage of the prose with the numbers this kernel computed.

    The users and presenters notebooks have no book to fill in the numbers of the prose: each
    passage that quotes one becomes a call to this function, placed after the cells that
    compute them, so that it shows the numbers of the kernel that runs it (see
    :func:`fill_in_numbers`).

    Parameters
    ----------
    markdown : str
        Markdown text with MyST glue roles (``{glue:text}`name:format```).
    """
    from IPython.display import Markdown, display

    display(Markdown(fill_in_numbers(markdown)))
