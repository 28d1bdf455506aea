"""Helpers for the head-direction GLM workshop.

The package holds what the notebooks import, one module per job (maintainer tools, such as
the student and presenter variants, live in ``tools/`` outside it):

- :mod:`workshop_utils.fetch`: download the recording (or fall back to the synthetic stand-in)
  and cache it.
- :mod:`workshop_utils.synthetic`: the synthetic stand-in for ``Mouse32-140822.nwb`` and its
  ground truth.
- :mod:`workshop_utils.plotting`: every custom figure of the notebooks.
- :mod:`workshop_utils.model_selection`: cross-validation folds that respect time.
- :mod:`workshop_utils.decoding`: decode the heading by inverting a GLM, with a random-walk
  prior (forward-backward over an angle grid).
- :mod:`workshop_utils.runtime`: what notebooks need at run time: their settings
  (:func:`configure_notebook`), the JAX cache folder, ``glue`` without the book.
- :mod:`workshop_utils.check`: the setup check run before a workshop.

Importing the package has no side effects: submodules load on first use, nothing is downloaded,
and no environment variable or Matplotlib setting is changed.
"""

from __future__ import annotations

import lazy_loader

__version__ = "0.1.0"

# Submodules load on first use (lazy_loader, as NeMoS does): importing the package is instant.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=[
        "check",
        "decoding",
        "fetch",
        "model_selection",
        "plotting",
        "runtime",
        "synthetic",
    ],
    submod_attrs={
        "fetch": ["fetch_data"],
        "runtime": ["configure_notebook", "jax_cache_dir"],
    },
)
