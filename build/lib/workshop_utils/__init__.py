"""Helpers for the head-direction GLM workshop.

The package has one module per job:

- :mod:`workshop_utils.fetch`: download the recording (or fall back to the synthetic stand-in)
  and cache it.
- :mod:`workshop_utils.synthetic`: the synthetic stand-in for ``Mouse32-140822.nwb`` and its
  ground truth.
- :mod:`workshop_utils.plotting`: every custom figure of the notebooks.
- :mod:`workshop_utils.model_selection`: cross-validation folds that respect time.
- :mod:`workshop_utils.decoding`: decode the heading by inverting a GLM, with a random-walk
  prior (forward-backward over an angle grid).
- :mod:`workshop_utils.runtime`: what notebooks need at run time (``glue`` without the book).
- :mod:`workshop_utils.check`: the setup check run before a workshop.
- :mod:`workshop_utils.variants`: student and presenter versions of the notebooks.

Importing the package has no side effects: submodules load on first use, nothing is downloaded,
and no environment variable or Matplotlib setting is changed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "check",
    "decoding",
    "fetch",
    "fetch_all",
    "fetch_data",
    "jax_cache_dir",
    "model_selection",
    "plotting",
    "runtime",
    "synthetic",
    "variants",
]

_SUBMODULES = {
    "check",
    "decoding",
    "fetch",
    "model_selection",
    "plotting",
    "runtime",
    "synthetic",
    "variants",
}
_SHORTCUTS = {"fetch_data": "fetch", "fetch_all": "fetch", "jax_cache_dir": "fetch"}

if TYPE_CHECKING:  # pragma: no cover
    from . import check, decoding, fetch, model_selection, plotting, runtime, synthetic, variants
    from .fetch import fetch_all, fetch_data, jax_cache_dir


def __getattr__(name: str) -> Any:
    """Load submodules and their shortcuts lazily, on first access."""
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _SHORTCUTS:
        module = importlib.import_module(f".{_SHORTCUTS[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
