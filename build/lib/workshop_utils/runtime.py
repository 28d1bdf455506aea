"""What a notebook needs at run time, inside the book build and outside it.

:func:`glue` hands a computed number to the book's prose (myst-nb's ``glue``) when myst-nb is
installed, as in the book build, and otherwise (Google Colab, a participant's laptop without the
book extra) only shows the value when asked to, so that no notebook needs a package that only the
book build has.
"""

from __future__ import annotations

from typing import Any

__all__ = ["glue"]


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
