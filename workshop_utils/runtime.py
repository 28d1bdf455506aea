"""What a notebook needs at run time, inside the book build and outside it.

- :func:`configure_notebook`: the settings every workshop notebook runs with, in one call.
- :func:`jax_cache_dir`: the folder of JAX's compilation cache, shared by every notebook, the
  book build and the setup check's warm-up.
- :func:`glue`: hand a computed number to the book's prose (myst-nb's ``glue``) when myst-nb is
  installed, as in the book build, and otherwise (Google Colab, a participant's laptop without
  the book extra) only show the value when asked to, so that no notebook needs a package that
  only the book build has.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .files import folder_from_environment

__all__ = ["JAX_CACHE_ENV", "configure_notebook", "glue", "jax_cache_dir"]

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
