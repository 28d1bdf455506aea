"""A synthetic stand-in for ``Mouse32-140822.nwb`` (Peyrache et al. 2015), from a known model.

Where the recording cannot be downloaded (offline, CI, firewalls), this writes an NWB file with
its keys, unit layout and times (wake 8812.35-10771.3 s, head angle ``ry`` at 39.0625 Hz with
about 7 % of frames missing), so every notebook runs and teaches the same lessons. Its session
description, file name (``Mouse32-140822_SYNTHETIC.nwb``) and manifest say it is synthetic. The
model is a coupled Poisson GLM in 10 ms bins, the family the workshop fits::

    log rate_i(t) = tuning_i(heading(t + anticipation_i)) + state_gain_i(state(t))
                    + sum_k self_history_i(k) * y_i(t - k) + sum_j sum_k coupling_ij(k) * y_j(t - k)

(at most 5 spikes a bin and 150 Hz, spike times spread within their bin), with:

- **Heading**: head angle in wake, internal heading in sleep; its angular velocity is an
  Ornstein-Uhlenbeck process (0.4 s, s.d. 1.6 rad/s), ten times larger in slow-wave sleep, which
  drifts about ten times faster (Peyrache et al. 2015). Sleep epochs alternate unscored stretches,
  slow-wave bouts (150-600 s) and REM bouts (50-120 s).
- **19 head-direction (HD) cells** among 31 ADN units: von Mises tuning (peak 10-25 Hz, baseline
  1-3 Hz, concentration 3-6), anticipating the heading by 0-40 ms (Blair et al. 1997), log gain
  0-0.2 in REM and -0.7 to -0.3 in slow-wave sleep (our choice). The 12 other ADN units fire
  below 1 Hz in wake, so the tutorial's filter (ADN, wake, > 1 Hz) keeps the HD cells as on the
  real data; 18 untuned thalamic units fire 0.3-10 Hz.
- **Self-history** (every unit): a positive bump (0.1-0.3 at lag 1, 10-20 ms) and no refractory
  dip, which acts within a 10 ms bin (the real recording's fitted filters are positive at first).
- **Coupling** (HD cells only): each receives from 2 random HD cells, random sign, net 1.0-1.6 in
  log rate over 30 ms, drawn without looking at the preferred directions, because a coupling
  that followed them could not be told apart from the shared head-direction input.
- **Slow-wave down states** (our choice; cortical slow oscillations reach the thalamus): every
  log rate drops by 3 for 50-250 ms between 0.3-1.5 s up states.
- **Null control** (``null_control=True``): the same draws with every coupling zero, so whatever a
  fitted model calls coupling there comes from something else.

The model is saved beside the file (``<stem>_ground_truth.npz``, :func:`load_ground_truth`), with
a manifest of the generator version, seed and sha256 by which :func:`cached_stand_in` detects a
stale or tampered cache. The same seed gives the same data.
"""

from __future__ import annotations

import datetime
import errno
import json
import os
import shutil
from dataclasses import dataclass, fields
from pathlib import Path

import numba
import numpy as np

from .files import file_sha256, partial_file

__all__ = [
    "DEFAULT_SEED",
    "GENERATOR_VERSION",
    "NULL_CONTROL_FILENAME",
    "STAND_IN_FILENAME",
    "STANDS_IN_FOR",
    "GroundTruth",
    "SessionLayout",
    "cached_stand_in",
    "generate_stand_in",
    "ground_truth_path",
    "is_synthetic",
    "load_ground_truth",
]

STANDS_IN_FOR = "Mouse32-140822.nwb"
STAND_IN_FILENAME = "Mouse32-140822_SYNTHETIC.nwb"
MANIFEST_FILENAME = "Mouse32-140822_SYNTHETIC_manifest.json"
NULL_CONTROL_FILENAME = "Mouse32-140822_SYNTHETIC_NULL-CONTROL.nwb"
DEFAULT_SEED = 20150301
# Bump whenever the model or the file layout changes: cached stand-ins are then regenerated.
GENERATOR_VERSION = "3"
SYNTHETIC_MARKER = "SYNTHETIC"

BIN_SIZE = 0.01
N_FILTER_LAGS = 80
HEADING_SAMPLE_STEP = 0.02

WAKE, UNSCORED_SLEEP, SWS, REM = 0, 1, 2, 3
STATE_NAMES = ("wake", "unscored_sleep", "sws", "rem")

STAND_IN_MB = 60
"""Disk room the stand-in's files need, with a margin (measured: 41 MB each, and null control)."""


@dataclass(frozen=True)
class SessionLayout:
    """Times of the session, matching the real recording (all in seconds).

    Attributes
    ----------
    end : float
        End of the session (it starts at 0).
    wake : tuple of float
        Start and end of the wake epoch; sleep epochs fill the rest with 50 ms gaps.
    tracking : tuple of float
        First and last head-angle sample.
    tracking_rate : float
        Head-tracking frame rate (Hz).
    missing_frame_fraction : float
        Fraction of tracking frames dropped (in short runs), as in the real file.
    """

    end: float = 22025.0
    wake: tuple[float, float] = (8812.35, 10771.3)
    tracking: tuple[float, float] = (8812.416, 10771.277)
    tracking_rate: float = 39.0625
    missing_frame_fraction: float = 0.07

    @property
    def epochs(self) -> list[tuple[float, float, str]]:
        """Return the three epochs as ``(start, end, tag)``, separated by 50 ms gaps."""
        gap = 0.05
        return [
            (0.0, self.wake[0] - gap, "sleep"),
            (self.wake[0], self.wake[1], "wake"),
            (self.wake[1] + gap, self.end, "sleep"),
        ]


@dataclass(frozen=True)
class GroundTruth:
    """The model the stand-in was generated from.

    Row ``i`` of a unit array is unit ``unit_ids[i]``. Filters give the change in log rate
    caused by one spike ``k = 1 .. n_lags`` bins ago (``lag_times``).

    Attributes
    ----------
    unit_ids, location, group, is_head_direction : np.ndarray
        Unit id, ``"adn"`` or ``"thalamus"``, electrode shank, whether an HD cell; (n_units,).
    preferred_direction, concentration : np.ndarray
        von Mises tuning: direction (rad, [0, 2π)) and concentration; NaN and 0 if untuned.
    peak_rate, baseline_rate : np.ndarray
        Tuning peak and baseline (Hz) before history and coupling; both the mean if untuned.
    anticipation : np.ndarray
        How far ahead of the heading each cell fires (s).
    state_log_gain : np.ndarray
        Added log rate per state, shape (n_units, 4), columns in ``state_names`` order.
    state_names : tuple of str
        ``("wake", "unscored_sleep", "sws", "rem")``.
    down_states : np.ndarray
        Slow-wave down states, shape (n, 2): start and end (s).
    down_state_log_gain : float
        Added log rate of every unit in a down state (negative).
    self_history, coupling : np.ndarray
        Filters, (n_units, n_lags) and (n_receivers, n_senders, n_lags) with a zero diagonal.
    bin_size : float
        Simulation bin and filter lag step (s).
    heading_times, heading : np.ndarray
        Every 20 ms, the heading (rad, [0, 2π)): head angle in wake, internal in sleep.
    angular_speed_std : np.ndarray
        Stationary standard deviation of the angular velocity in each state (rad/s).
    angular_velocity_timescale : float
        Time constant of the angular velocity process (s).
    seed : int
        Seed the stand-in was generated with.
    """

    unit_ids: np.ndarray
    location: np.ndarray
    group: np.ndarray
    is_head_direction: np.ndarray
    preferred_direction: np.ndarray
    peak_rate: np.ndarray
    baseline_rate: np.ndarray
    concentration: np.ndarray
    anticipation: np.ndarray
    state_log_gain: np.ndarray
    state_names: tuple[str, ...]
    down_states: np.ndarray
    down_state_log_gain: float
    self_history: np.ndarray
    coupling: np.ndarray
    bin_size: float
    heading_times: np.ndarray
    heading: np.ndarray
    angular_speed_std: np.ndarray
    angular_velocity_timescale: float
    seed: int

    @property
    def n_lags(self) -> int:
        """Return the number of filter lags."""
        return int(self.self_history.shape[1])

    @property
    def lag_times(self) -> np.ndarray:
        """Return the time from spike of each filter lag (s), shape (n_lags,)."""
        return np.arange(1, self.n_lags + 1) * self.bin_size

    @property
    def net_coupling(self) -> np.ndarray:
        """Return the coupling summed over lags, shape (n_receivers, n_senders)."""
        return self.coupling.sum(axis=-1)

    def rows(self, unit_ids: np.ndarray | list[int]) -> np.ndarray:
        """Return the row of each unit id in the ground-truth arrays.

        Parameters
        ----------
        unit_ids : array-like of int
            Unit ids, e.g. the index of a filtered and sorted ``TsGroup``.

        Returns
        -------
        np.ndarray
            Row indices into the unit arrays, in the order of ``unit_ids``.

        Raises
        ------
        KeyError
            If an id is not a unit of the stand-in.
        """
        lookup = {int(uid): row for row, uid in enumerate(self.unit_ids)}
        missing = [int(u) for u in unit_ids if int(u) not in lookup]
        if missing:
            raise KeyError(f"Unit ids {missing} are not in the stand-in (ids 0-{len(lookup) - 1}).")
        return np.array([lookup[int(u)] for u in unit_ids], dtype=int)

    def heading_at(self, times: np.ndarray) -> np.ndarray:
        """Return the true heading at the given times, interpolated on the circle.

        Parameters
        ----------
        times : np.ndarray
            Times in seconds within the session.

        Returns
        -------
        np.ndarray
            Heading in radians in [0, 2π), same shape as ``times``.
        """
        unwrapped = np.unwrap(self.heading)
        interpolated = np.interp(np.asarray(times, dtype=float), self.heading_times, unwrapped)
        return np.mod(interpolated, 2 * np.pi)


def _file_names(null_control: bool) -> tuple[str, str, str]:
    """Return the NWB, ground-truth and manifest file names of the stand-in or its null control."""
    nwb = NULL_CONTROL_FILENAME if null_control else STAND_IN_FILENAME
    stem = nwb.removesuffix(".nwb")
    return nwb, f"{stem}_ground_truth.npz", f"{stem}_manifest.json"


def ground_truth_path(nwb_path: str | os.PathLike) -> Path:
    """Return where the ground truth of a stand-in NWB file is stored.

    Parameters
    ----------
    nwb_path : str or os.PathLike
        Path of the stand-in (or null-control) NWB file.

    Returns
    -------
    Path
        The ``<stem>_ground_truth.npz`` file beside it.
    """
    path = Path(nwb_path)
    return path.with_name(f"{path.stem}_ground_truth.npz")


def is_synthetic(path: str | os.PathLike) -> bool:
    """Tell whether an NWB file is the synthetic stand-in, from its session description.

    Parameters
    ----------
    path : str or os.PathLike
        Path of an NWB file.

    Returns
    -------
    bool
        True for a stand-in written by this module (its description says ``SYNTHETIC``).

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    """
    import h5py

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No NWB file at {path}.")
    with h5py.File(path, "r") as handle:
        description = handle.get("session_description")
        if description is None:
            return False
        text = description[()]
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return SYNTHETIC_MARKER in str(text)


def load_ground_truth(nwb_path: str | os.PathLike) -> GroundTruth:
    """Load the ground truth saved beside a stand-in NWB file.

    Parameters
    ----------
    nwb_path : str or os.PathLike
        Path of the stand-in NWB file (as returned by ``fetch_data``).

    Returns
    -------
    GroundTruth
        The model the stand-in was generated from.

    Raises
    ------
    FileNotFoundError
        If there is none, e.g. beside the real recording, whose ground truth nobody knows.
    """
    path = ground_truth_path(nwb_path)
    if not path.exists():
        raise FileNotFoundError(
            f"No ground truth at {path}: only the synthetic stand-in has one. Get the stand-in "
            "with fetch_data('Mouse32-140822.nwb', source='synthetic')."
        )
    with np.load(path, allow_pickle=False) as archive:
        values = {field.name: archive[field.name] for field in fields(GroundTruth)}
    values["state_names"] = tuple(str(v) for v in values["state_names"])
    for name in ("bin_size", "angular_velocity_timescale", "down_state_log_gain"):
        values[name] = float(values[name])
    values["seed"] = int(values["seed"])
    return GroundTruth(**values)


def cached_stand_in(
    directory: str | os.PathLike, seed: int = DEFAULT_SEED, null_control: bool = False
) -> Path | None:
    """Return the cached stand-in if it is complete, current and untampered.

    Parameters
    ----------
    directory : str or os.PathLike
        Folder holding the stand-in.
    seed : int, optional
        Seed the stand-in must have been generated with.
    null_control : bool, optional
        Look for the null control (no coupling) instead of the stand-in.

    Returns
    -------
    Path or None
        The NWB path if the manifest's version, seed and sha256 match; else None (regenerate).
    """
    directory = Path(directory)
    nwb_name, truth_name, manifest_name = _file_names(null_control)
    try:
        manifest = json.loads((directory / manifest_name).read_text())
    except (OSError, ValueError):
        return None
    if manifest.get("generator_version") != GENERATOR_VERSION or manifest.get("seed") != seed:
        return None
    recorded = manifest.get("sha256", {})
    for name in (nwb_name, truth_name):
        file_path = directory / name
        if not file_path.exists() or file_sha256(file_path) != recorded.get(name):
            return None
    return directory / nwb_name


def generate_stand_in(
    directory: str | os.PathLike,
    seed: int = DEFAULT_SEED,
    layout: SessionLayout | None = None,
    null_control: bool = False,
) -> Path:
    """Simulate the ground-truth model and write the stand-in NWB file and its ground truth.

    Files are written under temporary names and moved into place, the manifest last, so an
    interrupted run never leaves a file that looks complete.

    Parameters
    ----------
    directory : str or os.PathLike
        Folder to write into (created if needed).
    seed : int, optional
        Random seed; the same seed gives the same data.
    layout : SessionLayout, optional
        Session times; defaults to those of the real recording.
    null_control : bool, optional
        Write the null control (the same draws with every coupling zero) instead.

    Returns
    -------
    Path
        Path of the NWB file.

    Raises
    ------
    PermissionError
        If the folder cannot be created or written.
    OSError
        ``errno.ENOSPC`` if the drive lacks room, checked first: HDF5 would fail half-way.
    """
    layout = layout or SessionLayout()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    free_mb = shutil.disk_usage(directory).free / 1e6
    if free_mb < STAND_IN_MB:
        raise OSError(
            errno.ENOSPC,
            f"the disk is full: the synthetic stand-in needs about {STAND_IN_MB} MB in "
            f"{directory}, and {free_mb:.1f} MB are free. Free space on that drive, or point "
            "WORKSHOP_DATA_DIR to a folder on a drive with room",
        )

    # One stream per part, so the null control differs only in its coupling and the spikes it
    # causes (streams 6 and 7 came later: spawning more keeps the first six).
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(8)]
    units = _unit_table(streams[0], null_control=null_control)
    _add_sleep_rates(streams[6], units)
    states, sws, rem = _sleep_states(streams[1], layout)
    down_bins = _down_states(streams[7], states)
    heading = _heading(streams[2], states)
    counts = _simulate_counts(streams[3], units, heading, states, down_bins)
    spike_times = _spike_times(streams[4], counts)
    tracking = _tracking(streams[5], layout, heading)

    truth = _ground_truth(units, heading, seed, down_bins * BIN_SIZE)
    nwb_name, truth_name, manifest_name = _file_names(null_control)
    nwb_tmp = partial_file(directory, suffix=".nwb")
    truth_tmp = partial_file(directory, suffix=".npz")
    try:
        _write_nwb(nwb_tmp, units, spike_times, layout, sws, rem, tracking, seed, null_control)
        with open(truth_tmp, "wb") as handle:
            np.savez_compressed(handle, **{f.name: getattr(truth, f.name) for f in fields(truth)})
        digests = {nwb_name: file_sha256(nwb_tmp), truth_name: file_sha256(truth_tmp)}
        os.replace(nwb_tmp, directory / nwb_name)
        os.replace(truth_tmp, directory / truth_name)
    finally:
        for leftover in (nwb_tmp, truth_tmp):
            leftover.unlink(missing_ok=True)
    manifest = {
        "description": "SYNTHETIC stand-in for Mouse32-140822.nwb (not real data)"
        + (", NULL CONTROL: every coupling is zero" if null_control else ""),
        "generator": "workshop_utils.synthetic",
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "null_control": null_control,
        "sha256": digests,
    }
    manifest_tmp = partial_file(directory, suffix=".json")
    manifest_tmp.write_text(json.dumps(manifest, indent=2))
    os.replace(manifest_tmp, directory / manifest_name)
    return directory / nwb_name


# Shank of each of the 49 units and whether it lies in ADN, as in the real recording.
_SHANK_LAYOUT = [
    (1, "thalamus", 4),
    (2, "adn", 11),
    (3, "adn", 13),
    (4, "adn", 7),
    (5, "thalamus", 8),
    (6, "thalamus", 5),
    (7, "thalamus", 1),
]
N_HEAD_DIRECTION_CELLS = 19
# HD cells' tuning peak (Hz); every unit's self-history size at lag 1 and time constant (s).
PEAK_RATE_RANGE = (10.0, 25.0)
SELF_EXCITATION_RANGE = (0.1, 0.3)
SELF_TIMESCALE_RANGE = (0.01, 0.02)
# Senders per HD cell, their net coupling (log rate summed over lags) and time constant (s).
N_COUPLING_PARTNERS = 2
COUPLING_NET_RANGE = (1.0, 1.6)
COUPLING_TIMESCALE = 0.03
ANGULAR_VELOCITY_TIMESCALE = 0.4
ANGULAR_SPEED_STD = np.array([1.6, 1.6, 16.0, 1.6])  # rad/s, in each state
MAX_RATE = 150.0
MAX_COUNT = 5
# HD cells' per-state log-rate gains; up and down state durations (s); the down states' log gain.
HD_REM_LOG_GAIN_RANGE = (0.0, 0.2)
HD_SWS_LOG_GAIN_RANGE = (-0.7, -0.3)
UP_STATE_RANGE = (0.3, 1.5)
DOWN_STATE_RANGE = (0.05, 0.25)
DOWN_STATE_LOG_GAIN = -3.0


def _unit_table(rng: np.random.Generator, null_control: bool = False) -> dict[str, np.ndarray]:
    """Draw the parameters of every unit."""
    group = np.concatenate([[shank] * n for shank, _, n in _SHANK_LAYOUT])
    location = np.concatenate([[loc] * n for _, loc, n in _SHANK_LAYOUT])
    n_units = group.size
    adn = np.flatnonzero(location == "adn")
    hd = np.sort(rng.choice(adn, N_HEAD_DIRECTION_CELLS, replace=False))
    other_adn = np.setdiff1d(adn, hd)
    thalamus = np.flatnonzero(location == "thalamus")

    is_hd = np.zeros(n_units, dtype=bool)
    is_hd[hd] = True
    preferred = np.full(n_units, np.nan)
    evenly = 2 * np.pi * np.arange(hd.size) / hd.size + rng.normal(0, 0.08, hd.size)
    preferred[hd] = np.mod(rng.permutation(evenly), 2 * np.pi)

    peak = np.empty(n_units)
    baseline = np.empty(n_units)
    concentration = np.zeros(n_units)
    peak[hd] = np.exp(rng.uniform(np.log(PEAK_RATE_RANGE[0]), np.log(PEAK_RATE_RANGE[1]), hd.size))
    baseline[hd] = rng.uniform(1.0, 3.0, hd.size)
    concentration[hd] = rng.uniform(3.0, 6.0, hd.size)
    peak[other_adn] = rng.uniform(0.1, 0.6, other_adn.size)
    peak[thalamus] = np.exp(rng.uniform(np.log(0.3), np.log(10.0), thalamus.size))
    baseline[~is_hd] = peak[~is_hd]

    anticipation = np.zeros(n_units)
    anticipation[hd] = rng.uniform(0.0, 0.04, hd.size)

    state_log_gain = np.zeros((n_units, len(STATE_NAMES)))
    sleep_columns = [UNSCORED_SLEEP, SWS, REM]
    state_log_gain[np.ix_(other_adn, sleep_columns)] = rng.uniform(0.3, 1.0, (other_adn.size, 1))
    sleeper = other_adn[0]
    peak[sleeper] = baseline[sleeper] = 0.1
    state_log_gain[sleeper, sleep_columns] = np.log(6.0 / 0.1)
    state_log_gain[np.ix_(thalamus, sleep_columns)] = rng.normal(0.0, 0.4, (thalamus.size, 1))

    self_excitation = rng.uniform(*SELF_EXCITATION_RANGE, n_units)
    self_timescale = rng.uniform(*SELF_TIMESCALE_RANGE, n_units)

    # Senders and signs drawn without looking at the tuning (see the module docstring); the
    # null control draws the same, then zeroes them.
    coupling_weight = np.zeros((n_units, n_units))
    for receiver in hd:
        senders = rng.choice(hd[hd != receiver], N_COUPLING_PARTNERS, replace=False)
        sign = rng.choice([-1.0, 1.0], N_COUPLING_PARTNERS)
        net = rng.uniform(*COUPLING_NET_RANGE, N_COUPLING_PARTNERS)
        coupling_weight[receiver, senders] = sign * net / _lag_sum(COUPLING_TIMESCALE)
    if null_control:
        coupling_weight[:] = 0.0

    return {
        "unit_ids": np.arange(n_units),
        "location": location,
        "group": group,
        "is_head_direction": is_hd,
        "preferred_direction": preferred,
        "peak_rate": peak,
        "baseline_rate": baseline,
        "concentration": concentration,
        "anticipation": anticipation,
        "state_log_gain": state_log_gain,
        "self_excitation": self_excitation,
        "self_timescale": self_timescale,
        "coupling_weight": coupling_weight,
    }


def _add_sleep_rates(rng: np.random.Generator, units: dict[str, np.ndarray]) -> None:
    """Give each HD cell its REM and SWS log-rate gains (in place)."""
    hd = np.flatnonzero(units["is_head_direction"])
    gains = units["state_log_gain"]
    gains[hd, REM] = rng.uniform(*HD_REM_LOG_GAIN_RANGE, hd.size)
    gains[hd, SWS] = rng.uniform(*HD_SWS_LOG_GAIN_RANGE, hd.size)


def _down_states(rng: np.random.Generator, states: np.ndarray) -> np.ndarray:
    """Draw up and down states in SWS; return each down state's first and end (exclusive) bin."""
    is_sws = np.r_[False, states == SWS, False]
    edges = np.flatnonzero(np.diff(is_sws.astype(np.int8)))
    down = []
    for first, stop in zip(edges[::2], edges[1::2], strict=True):
        time = first * BIN_SIZE + rng.uniform(*UP_STATE_RANGE)
        while True:
            end = time + rng.uniform(*DOWN_STATE_RANGE)
            if end > stop * BIN_SIZE:
                break
            down.append((round(time / BIN_SIZE), round(end / BIN_SIZE)))
            time = end + rng.uniform(*UP_STATE_RANGE)
    return np.array(down, dtype=np.int64).reshape(-1, 2)


def _lag_sum(timescale: float) -> float:
    """Return the sum over lags 1..N_FILTER_LAGS of ``exp(-(k-1) dt / timescale)``."""
    return float(np.exp(-np.arange(N_FILTER_LAGS) * BIN_SIZE / timescale).sum())


def _sleep_states(
    rng: np.random.Generator, layout: SessionLayout
) -> tuple[np.ndarray, list[tuple[float, float]], list[tuple[float, float]]]:
    """Score the sleep epochs into bouts; return the state of every bin and the intervals."""
    n_bins = int(round(layout.end / BIN_SIZE))
    states = np.full(n_bins, UNSCORED_SLEEP, dtype=np.int8)
    wake_bins = slice(int(layout.wake[0] / BIN_SIZE), int(np.ceil(layout.wake[1] / BIN_SIZE)))
    states[wake_bins] = WAKE
    sws, rem = [], []
    for start, end, tag in layout.epochs:
        if tag != "sleep":
            continue
        time = start + rng.uniform(60.0, 300.0)
        while time < end - 20.0:
            stop = min(time + rng.uniform(150.0, 600.0), end - 1.0)
            if stop - time >= 20.0:
                sws.append((time, stop))
            time = stop + 1.0
            if rng.random() < 0.7 and time < end - 20.0:
                stop = min(time + rng.uniform(50.0, 120.0), end - 1.0)
                if stop - time >= 20.0:
                    rem.append((time, stop))
                time = stop + 1.0
            if rng.random() < 0.3:
                time += rng.uniform(30.0, 300.0)
    for intervals, state in ((sws, SWS), (rem, REM)):
        for start, stop in intervals:
            states[int(round(start / BIN_SIZE)) : int(round(stop / BIN_SIZE))] = state
    return states, sws, rem


def _heading(rng: np.random.Generator, states: np.ndarray) -> np.ndarray:
    """Simulate the heading in every bin: an angular-velocity Ornstein-Uhlenbeck process."""
    from scipy.signal import lfilter

    decay = np.exp(-BIN_SIZE / ANGULAR_VELOCITY_TIMESCALE)
    innovation = ANGULAR_SPEED_STD[states] * np.sqrt(1 - decay**2)
    velocity = lfilter([1.0], [1.0, -decay], innovation * rng.standard_normal(states.size))
    start = rng.uniform(0, 2 * np.pi)
    return np.mod(start + np.cumsum(velocity) * BIN_SIZE, 2 * np.pi)


def _simulate_counts(
    rng: np.random.Generator,
    units: dict[str, np.ndarray],
    heading: np.ndarray,
    states: np.ndarray,
    down_bins: np.ndarray,
) -> np.ndarray:
    """Run the coupled Poisson GLM over every bin of the session; return counts (bins, units)."""
    bin_log_gain = np.zeros(states.size)
    for start, end in down_bins:
        bin_log_gain[start:end] = DOWN_STATE_LOG_GAIN
    n_angles = 720
    angle_grid = np.arange(n_angles) * 2 * np.pi / n_angles
    preferred = np.nan_to_num(units["preferred_direction"])
    tuning = units["baseline_rate"] + (units["peak_rate"] - units["baseline_rate"]) * np.exp(
        units["concentration"] * (np.cos(angle_grid[:, None] - preferred[None, :]) - 1)
    )
    log_tuning = np.log(tuning * BIN_SIZE)  # (n_angles, n_units), log expected count per bin
    angle_index = np.round(heading / (2 * np.pi) * n_angles).astype(np.int32) % n_angles
    return _run_glm(
        log_tuning,
        angle_index,
        states.astype(np.int64),
        units["state_log_gain"],
        bin_log_gain,
        np.round(units["anticipation"] / BIN_SIZE).astype(np.int64),
        units["self_excitation"],
        np.exp(-BIN_SIZE / units["self_timescale"]),
        np.ascontiguousarray(units["coupling_weight"].T),
        np.exp(-BIN_SIZE / COUPLING_TIMESCALE),
        np.log(MAX_RATE * BIN_SIZE),
        MAX_COUNT,
        int(rng.integers(0, 2**31 - 1)),  # seed of numba's generator
    )


@numba.njit(cache=True, nogil=True)
def _run_glm(
    log_tuning,
    angle_index,
    states,
    state_gain,
    bin_gain,
    shift,
    self_amp,
    self_decay,
    coupling_by_sender,
    coupling_decay,
    max_log_rate,
    max_count,
    seed,
):
    """Simulate the coupled Poisson GLM bin by bin (compiled with numba)."""
    np.random.seed(seed)
    n_bins = angle_index.size
    n_units = log_tuning.shape[1]
    counts = np.zeros((n_bins, n_units), dtype=np.uint8)
    own = np.zeros(n_units)  # exponentially filtered own spikes, self-history time scale
    coupled = np.zeros(n_units)  # summed coupling input from the other cells
    spiked = np.zeros(n_units, dtype=np.int64)
    for t in range(n_bins):
        state = states[t]
        for i in range(n_units):
            ahead = min(t + shift[i], n_bins - 1)
            eta = (
                log_tuning[angle_index[ahead], i]
                + state_gain[i, state]
                + bin_gain[t]
                + self_amp[i] * own[i]
                + coupled[i]
            )
            count = min(np.random.poisson(np.exp(min(eta, max_log_rate))), max_count)
            counts[t, i] = count
            spiked[i] = count
        for i in range(n_units):
            own[i] = own[i] * self_decay[i] + spiked[i]
            coupled[i] *= coupling_decay
        for j in range(n_units):
            if spiked[j] > 0:
                for i in range(n_units):
                    coupled[i] += coupling_by_sender[j, i] * spiked[j]
    return counts


def _spike_times(rng: np.random.Generator, counts: np.ndarray) -> list[np.ndarray]:
    """Turn binned counts into sorted spike times spread within each bin."""
    trains = []
    for unit in range(counts.shape[1]):
        column = counts[:, unit]
        bins = np.flatnonzero(column)
        per_bin = column[bins].astype(np.int64)
        bin_of_spike = np.repeat(bins, per_bin)
        # Rank of each spike within its bin, so that spikes of one bin are spread, not stacked.
        first = np.repeat(np.cumsum(per_bin) - per_bin, per_bin)
        rank = np.arange(bin_of_spike.size) - first
        within = (rank + rng.uniform(0.05, 0.95, bin_of_spike.size)) / np.repeat(per_bin, per_bin)
        trains.append((bin_of_spike + within) * BIN_SIZE)
    return trains


def _tracking(
    rng: np.random.Generator, layout: SessionLayout, heading: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Sample the head angle like the tracker: 39.0625 Hz, with runs of missing frames."""
    step = 1.0 / layout.tracking_rate
    n_frames = int(np.floor((layout.tracking[1] - layout.tracking[0]) / step)) + 1
    times = layout.tracking[0] + np.arange(n_frames) * step
    keep = np.ones(n_frames, dtype=bool)
    n_missing = int(layout.missing_frame_fraction * n_frames)
    while (~keep).sum() < n_missing:
        start = rng.integers(1, n_frames - 40)
        keep[start : start + rng.integers(1, 30)] = False
    times = times[keep]
    bin_centres = (np.arange(heading.size) + 0.5) * BIN_SIZE
    return times, np.mod(np.interp(times, bin_centres, np.unwrap(heading)), 2 * np.pi)


def _ground_truth(
    units: dict[str, np.ndarray], heading: np.ndarray, seed: int, down_states: np.ndarray
) -> GroundTruth:
    """Collect the model into a GroundTruth."""
    lag_offset = np.arange(N_FILTER_LAGS) * BIN_SIZE  # time since lag 1
    self_history = units["self_excitation"][:, None] * np.exp(
        -lag_offset / units["self_timescale"][:, None]
    )
    coupling = units["coupling_weight"][:, :, None] * np.exp(-lag_offset / COUPLING_TIMESCALE)
    every = int(round(HEADING_SAMPLE_STEP / BIN_SIZE))
    sampled = heading[::every].astype(np.float32)
    columns = {f.name: units[f.name] for f in fields(GroundTruth) if f.name in units}
    columns["location"] = units["location"].astype(str)
    return GroundTruth(
        **columns,
        state_names=STATE_NAMES,
        down_states=down_states,
        down_state_log_gain=DOWN_STATE_LOG_GAIN,
        self_history=self_history,
        coupling=coupling,
        bin_size=BIN_SIZE,
        heading_times=(np.arange(sampled.size) * every + 0.5) * BIN_SIZE,
        heading=sampled,
        angular_speed_std=ANGULAR_SPEED_STD.copy(),
        angular_velocity_timescale=ANGULAR_VELOCITY_TIMESCALE,
        seed=seed,
    )


def _write_nwb(
    path: Path,
    units: dict[str, np.ndarray],
    spike_times: list[np.ndarray],
    layout: SessionLayout,
    sws: list[tuple[float, float]],
    rem: list[tuple[float, float]],
    tracking: tuple[np.ndarray, np.ndarray],
    seed: int,
    null_control: bool = False,
) -> None:
    """Write the stand-in with the layout of the real file."""
    from hdmf.common import VectorData, VectorIndex
    from pynwb import NWBHDF5IO, NWBFile
    from pynwb.behavior import CompassDirection, SpatialSeries
    from pynwb.epoch import TimeIntervals
    from pynwb.misc import Units

    nwbfile = NWBFile(
        session_description=(
            f"{SYNTHETIC_MARKER} stand-in for Mouse32-140822 (Peyrache et al. 2015), generated by "
            f"workshop_utils.synthetic version {GENERATOR_VERSION} with seed {seed} from a known "
            "ground-truth model"
            + (", NULL CONTROL with every coupling set to zero" if null_control else "")
            + ". NOT REAL DATA."
        ),
        identifier=f"Mouse32-140822-synthetic-v{GENERATOR_VERSION}-seed{seed}"
        + ("-null-control" if null_control else ""),
        session_start_time=datetime.datetime(2014, 8, 22, tzinfo=datetime.UTC),
        file_create_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        session_id="Mouse32-140822-SYNTHETIC",
        experiment_description="Synthetic head-direction session for the NeMoS/pynapple workshop.",
    )
    flat = np.concatenate(spike_times)
    spike_column = VectorData(name="spike_times", data=flat, description="Spike times (s).")
    spike_index = VectorIndex(
        name="spike_times_index", data=np.cumsum([t.size for t in spike_times]), target=spike_column
    )
    location = VectorData(
        name="location", data=units["location"].astype(object), description="Brain area."
    )
    group = VectorData(name="group", data=units["group"].astype(np.int64), description="Shank.")
    nwbfile.units = Units(
        name="units",
        description="SYNTHETIC units simulated from the ground-truth model.",
        id=units["unit_ids"].astype(np.int64),
        columns=[spike_column, spike_index, location, group],
    )
    for start, stop, tag in layout.epochs:
        nwbfile.add_epoch(float(start), float(stop), tags=[tag])
    for name, intervals in (
        ("sws", sws),
        ("rem", rem),
        ("position_time_support", [layout.tracking]),
    ):
        table = TimeIntervals(name=name, description=f"SYNTHETIC {name} intervals.")
        for start, stop in intervals:
            table.add_interval(start_time=float(start), stop_time=float(stop))
        nwbfile.add_time_intervals(table)
    tracking_times, tracking_angles = tracking
    head_angle = SpatialSeries(
        name="ry",
        data=tracking_angles,
        timestamps=tracking_times,
        reference_frame="Horizontal head angle, counter-clockwise from the arena's x axis.",
        unit="radians",
        description="SYNTHETIC head angle.",
    )
    behavior = nwbfile.create_processing_module("behavior", "SYNTHETIC head tracking.")
    behavior.add(CompassDirection(spatial_series=head_angle, name="CompassDirection"))
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwbfile)
