"""Helpers for the head-direction GLM workshop: what the notebooks import, one module per job.

Importing the package has no side effects: its submodules (``fetch``, ``synthetic``,
``plotting``, ``model_selection``, ``decoding``, ``runtime``, ``check``) load on first use,
nothing is downloaded and no environment variable or Matplotlib setting is changed.
"""

from __future__ import annotations

import lazy_loader

__version__ = "0.1.0"

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    ["check", "decoding", "fetch", "model_selection", "plotting", "runtime", "synthetic"],
    submod_attrs={"fetch": ["fetch_data"], "runtime": ["configure_notebook", "jax_cache_dir"]},
)
