"""The sleep lessons hold on the stand-in: decoding, heading speeds, pair structure.

Thresholds come from measurements on the stand-in (seed 20150301), with margins for other seeds:
wake decoding error 8°, REM/wake speed ratio 1.02, SWS/wake 6.9, wake-REM pair-structure
correlation 0.999, decoded-vs-true error in REM 8° and in SWS 13°. The computations repeat, in a
few lines, what notebooks/sleep.md does.
"""

from __future__ import annotations

import numpy as np
import pytest

DECODING_BIN = 0.1
LAG_BINS = 5


def circular_error(a, b):
    return np.abs(np.angle(np.exp(1j * (np.asarray(a) - np.asarray(b)))))


def circular_mean(posterior, nap):
    angles = np.asarray(posterior.columns, dtype=float)
    weights = np.asarray(posterior.values)
    vector = weights @ np.exp(1j * angles) / weights.sum(axis=1)
    return nap.Tsd(
        t=posterior.t, d=np.mod(np.angle(vector), 2 * np.pi), time_support=posterior.time_support
    )


def heading_speed(heading):
    displacements = []
    for start, end in heading.time_support.values:
        unwrapped = np.unwrap(np.asarray(heading.get(start, end).values))
        displacements.append(np.abs(unwrapped[LAG_BINS:] - unwrapped[:-LAG_BINS]))
    return np.degrees(np.median(np.concatenate(displacements))) / (LAG_BINS * DECODING_BIN)


def first_hour(intervals):
    """The intervals that start within the first hour of their summed duration, as the notebook
    decodes (the notebook also trims the last one; a few minutes more change nothing here)."""
    import pynapple as nap

    lengths = intervals.end - intervals.start
    keep = np.cumsum(lengths) - lengths < 3600
    return nap.IntervalSet(intervals.start[keep], intervals.end[keep])


@pytest.fixture(scope="module")
def decoded(stand_in, wake_population):
    import pynapple as nap

    wake = wake_population["wake"]
    middle = (wake.start[0] + wake.end[0]) / 2
    train = nap.IntervalSet(wake.start[0], middle)
    test = nap.IntervalSet(middle, wake.end[0])
    units = stand_in["units"][wake_population["units"].index]
    tuning = nap.compute_tuning_curves(
        units,
        wake_population["angle"],
        bins=61,
        range=(0, 2 * np.pi),
        epochs=train,
        feature_names=["head_direction"],
    )
    headings = {}
    states = (
        ("wake", test),
        ("REM", first_hour(stand_in["rem"])),
        ("SWS", first_hour(stand_in["sws"])),
    )
    for state, epochs in states:
        _, posterior = nap.decode_bayes(
            tuning, units, epochs, bin_size=DECODING_BIN, uniform_prior=True
        )
        headings[state] = circular_mean(posterior, nap)
    return {"headings": headings, "units": units, "tuning": tuning}


def test_wake_decoding_is_accurate(decoded, wake_population):
    heading = decoded["headings"]["wake"]
    true_angle = wake_population["angle"].interpolate(heading)
    error = np.degrees(np.median(circular_error(heading.values, true_angle.values)))
    assert error < 20.0, f"median wake decoding error {error:.1f}° (measured 8°)"


def test_internal_heading_drifts_at_waking_speed_in_rem_and_faster_in_sws(decoded):
    speeds = {state: heading_speed(h) for state, h in decoded["headings"].items()}
    assert 0.5 <= speeds["REM"] / speeds["wake"] <= 2.0, speeds
    assert speeds["SWS"] / speeds["wake"] > 4.0, speeds


def test_pair_structure_of_wake_is_kept_in_sleep(stand_in, wake_population, decoded):
    order = np.argsort(decoded["tuning"].idxmax(dim="head_direction").values)
    pairs = np.triu_indices(len(order), k=1)

    def correlations(epochs):
        counts = np.asarray(decoded["units"].count(0.1, epochs).values, dtype=float)
        return np.corrcoef(counts[:, order].T)[pairs]

    wake = correlations(wake_population["wake"])
    assert np.corrcoef(wake, correlations(stand_in["rem"]))[0, 1] > 0.5
    assert np.corrcoef(wake, correlations(stand_in["sws"]))[0, 1] > 0.5


def test_decoded_sleep_heading_follows_the_true_internal_heading(decoded, ground_truth):
    for state, bound in (("REM", 25.0), ("SWS", 40.0)):
        heading = decoded["headings"][state]
        error = np.degrees(
            np.median(circular_error(heading.values, ground_truth.heading_at(heading.t)))
        )
        assert error < bound, f"{state}: median error {error:.1f}°"
