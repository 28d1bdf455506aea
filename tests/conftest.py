"""Shared fixtures: one synthetic stand-in per test session, generated into a temporary cache."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from workshop_utils import synthetic


@pytest.fixture(scope="session")
def data_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data cache folder laid out like ``fetch`` lays it out, holding a fresh stand-in."""
    cache = tmp_path_factory.mktemp("workshop-data")
    synthetic.generate_stand_in(cache / "synthetic")
    return cache


@pytest.fixture(scope="session")
def stand_in_path(data_cache: Path) -> Path:
    """Path of the session's stand-in NWB file."""
    return data_cache / "synthetic" / synthetic.STAND_IN_FILENAME


@pytest.fixture(scope="session")
def stand_in(stand_in_path: Path):
    """The stand-in loaded with pynapple, with any warning raised as an error."""
    import pynapple as nap

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return nap.load_file(str(stand_in_path))


@pytest.fixture(scope="session")
def ground_truth(stand_in_path: Path) -> synthetic.GroundTruth:
    """The ground truth saved beside the stand-in."""
    return synthetic.load_ground_truth(stand_in_path)


@pytest.fixture(scope="session")
def wake_population(stand_in):
    """The tutorial's population: ADN units in wake above 1 Hz, sorted by preferred direction.

    Returns a dict with the filtered ``TsGroup`` (``units``), the wake head angle, the tuning
    curves, the preferred directions and the first three minutes of wake binned at 10 ms.
    """
    import pynapple as nap

    epochs = stand_in["epochs"]
    wake = epochs[epochs.tags == "wake"]
    spikes = stand_in["units"].restrict(wake)
    units = spikes[(spikes.location == "adn") & (spikes.rate > 1.0)]
    angle = stand_in["ry"].restrict(wake)
    tuning = nap.compute_tuning_curves(
        units, angle, bins=61, range=(0, 2 * np.pi), feature_names=["head_direction"]
    )
    preferred = tuning.coords["head_direction"].values[tuning.values.argmax(axis=1)]
    order = np.argsort(preferred)
    first_minutes = nap.IntervalSet(wake.start[0], wake.start[0] + 180.0)
    counts = units.count(0.01, first_minutes)
    counts = nap.TsdFrame(
        counts.t,
        counts.values[:, order],
        time_support=counts.time_support,
        columns=np.asarray(units.index)[order],
    )
    return {
        "wake": wake,
        "units": units,
        "angle": angle,
        "tuning": tuning,
        "preferred": preferred,
        "order": order,
        "counts": counts,
        "sorted_ids": np.asarray(units.index)[order],
    }
