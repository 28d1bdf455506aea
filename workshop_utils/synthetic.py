"""A synthetic stand-in for ``Mouse32-140822.nwb``, generated from a known ground truth.

The workshop analyses the recording of Peyrache et al. (2015). Where that file cannot be
downloaded (offline laptops, CI, workshop rooms behind a firewall), this module writes an NWB file
with the same schema, generated from a fully specified model, so that every notebook runs and
teaches the same lessons. Every file it writes says that it is synthetic: the NWB session
description, the file name (``Mouse32-140822_SYNTHETIC.nwb``) and the manifest beside it.

What ``pynapple.load_file`` shows for the stand-in
--------------------------------------------------
The same keys and types as the real file: ``units`` (TsGroup of 49 units with metadata ``rate``,
``location`` in {``adn``, ``thalamus``} and ``group``, the electrode shank 1-7, laid out as in the
real recording), ``epochs`` (three rows tagged ``sleep``, ``wake``, ``sleep``), ``sws`` and ``rem``
(sleep-state intervals inside the sleep epochs), ``position_time_support`` and ``ry`` (head angle
in radians, tracked at 39.0625 Hz during wake with about 7 % of frames missing). Times span the
real session, 0-22025 s, with wake at 8812.35-10771.3 s, so the tutorial's fixed windows (for
example 8910-8960 s) fall inside wake.

The ground-truth model
----------------------
Spikes are simulated in 10 ms bins for the whole session as a coupled Poisson GLM, the same
family of model the workshop fits::

    log rate_i(t) = tuning_i(heading(t + anticipation_i)) + state_gain_i(state(t))
                    + sum_k self_history_i(k) * y_i(t - k)
                    + sum_j sum_k coupling_ij(k) * y_j(t - k)

with spike counts ``y_i(t) ~ Poisson(rate_i(t) * 10 ms)`` (capped at 5 spikes a bin and a rate of
150 Hz), and spike times spread within their bin.

- **Heading.** One heading for the whole session: in wake it is the animal's head angle, in sleep
  the internal heading the head-direction system represents while the animal is still. Its
  angular velocity is an Ornstein-Uhlenbeck process with a 0.4 s time constant and a stationary
  standard deviation of 1.6 rad/s (92 deg/s, a mean absolute angular speed of about 73 deg/s: our
  choice for an exploring mouse) in wake, in REM sleep (which drifts at about waking speed,
  Peyrache et al. 2015) and in the unscored parts of the sleep epochs, and ten times larger in
  slow-wave sleep (which drifts about ten times faster).
- **Sleep states.** Each sleep epoch starts with an unscored stretch (60-300 s), then alternates
  slow-wave bouts (150-600 s) and REM bouts (50-120 s, after 70 % of slow-wave bouts), with
  occasional unscored stretches (30-300 s); consecutive intervals are 1 s apart.
- **19 head-direction (HD) cells** among the 31 ADN units: von Mises tuning
  ``rate = baseline + (peak - baseline) * exp(kappa * (cos(angle - preferred) - 1))`` with peak
  10-25 Hz, baseline 1-3 Hz and concentration ``kappa`` 3-6 (firing is back to baseline about
  45 deg from the preferred direction); preferred directions cover the circle evenly (with jitter)
  and are shuffled across shanks. Each cell anticipates the heading by 0-40 ms (Blair et al. 1997
  report about 17 ms on average). **Per-state rates** (our choice, not measured on the recording):
  each HD cell's log rate gains 0 to +0.2 in REM sleep and -0.7 to -0.3 in slow-wave sleep
  (about 0.5-0.75 times its waking rate), drawn per cell; none in the unscored parts of sleep.
  Measured on the stand-in (wake, 61 bins), once history and coupling act: tuning peaks about
  10-35 Hz, baselines about 1-3 Hz, wake rates about 3-8 Hz.
- **12 other ADN units** fire below 1 Hz in wake (0.1-0.6 Hz), untuned, somewhat more in sleep;
  one of them fires mostly in sleep (about 0.1 Hz in wake, 6 Hz in sleep). So the tutorial's
  filter (ADN, wake, rate > 1 Hz) keeps the 19 HD cells, as on the real data.
- **18 thalamic units** (outside ADN): untuned, 0.3-10 Hz before history (whole-session rates up
  to about 25 Hz once their self-history acts), with a random state gain in sleep.
- **Spike history** (every unit): ``self_history(k) = a_s exp(-(k-1) dt / tau_s)`` with ``a_s``
  0.1-0.3 and ``tau_s`` 10-20 ms, lag ``k`` in 10 ms bins: a spike makes another one a little
  more likely for a few tens of milliseconds. There is no refractory dip: at 10 ms bins a
  refractory period of 1-2 ms acts within a bin, and the real recording's fitted self-history
  filters are positive at the first lags (``shared/README.md``).
- **Coupling** (between HD cells only): sparse, and unrelated to the tuning. Each HD cell
  receives from 2 other HD cells drawn at random, each with a random sign and a net coupling
  (summed over lags) of 1.0-1.6 in log rate: ``coupling_ij(k) = w_ij exp(-(k-1) dt / 30 ms)``.
  Partners and signs are drawn without looking at the preferred directions on purpose: the
  shared head-direction input makes cells with similar preferred directions fire together, so a
  coupling that followed the preferred directions could not be told apart from that shared input.
  The same in wake and sleep; no coupling to or from the other units.
- **Slow-wave up and down states** (our choice; cortical slow oscillations reach the thalamus):
  within SWS, the whole population alternates up states of 0.3-1.5 s and down states of
  50-250 ms (durations drawn uniformly), in which every unit's log rate drops by 3 (to 5 % of
  its rate). The ground truth lists the down states (``down_states``, start and end in s).
- **Null control** (``null_control=True``, ``Mouse32-140822_SYNTHETIC_NULL-CONTROL.nwb``): the same
  seed and the same random draws, with every coupling set to zero. Whatever a fitted model calls
  coupling there comes from something else (shared input, history, noise).

The ground truth file
---------------------
Beside the NWB file, ``<name>_ground_truth.npz`` (e.g.
``Mouse32-140822_SYNTHETIC_ground_truth.npz``) holds the model, read with
:func:`load_ground_truth` into a :class:`GroundTruth`: the unit table (ids, location, shank,
whether it is an HD cell, preferred direction, peak and baseline rate, concentration,
anticipation, state gains), the filters evaluated at lags 1-80 of 10 ms (``self_history`` of
shape (49, 80), ``coupling`` of shape (49 receivers, 49 senders, 80)) and the heading sampled
every 20 ms over the whole session. A JSON manifest records the generator version, the seed and
the sha256 of both files; :func:`cached_stand_in` uses it to detect a stale or tampered cache.
The same seed always gives the same data.
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
# The null control: the same stand-in (same seed, heading, tuning, self-history), every coupling 0.
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
"""Room the stand-in's files take on disk, with a margin (measured: 41 MB for each of the
stand-in and its null control)."""


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

    Unit arrays are indexed like the NWB units (row ``i`` is unit id ``unit_ids[i]``). Filters
    give the change in log firing rate caused by one spike ``k`` bins of ``bin_size`` ago, for
    ``k = 1 .. n_lags`` (``lag_times``).

    Attributes
    ----------
    unit_ids : np.ndarray
        Unit ids, shape (n_units,).
    location : np.ndarray
        ``"adn"`` or ``"thalamus"``, shape (n_units,).
    group : np.ndarray
        Electrode shank, shape (n_units,).
    is_head_direction : np.ndarray
        Whether the unit is a head-direction cell, shape (n_units,).
    preferred_direction : np.ndarray
        Preferred direction in radians in [0, 2π), NaN for cells that are not HD cells.
    peak_rate : np.ndarray
        Tuning-curve peak (Hz) before history and coupling; the mean rate for untuned cells.
    baseline_rate : np.ndarray
        Tuning-curve baseline (Hz); equal to ``peak_rate`` for untuned cells.
    concentration : np.ndarray
        von Mises concentration of the tuning (0 for untuned cells).
    anticipation : np.ndarray
        How far ahead of the heading each cell fires (s).
    state_log_gain : np.ndarray
        Added log rate per state, shape (n_units, 4), columns in ``state_names`` order.
    state_names : tuple of str
        ``("wake", "unscored_sleep", "sws", "rem")``.
    down_states : np.ndarray
        Slow-wave down states, shape (n, 2): start and end (s). Every unit's log rate is
        ``down_state_log_gain`` lower within them.
    down_state_log_gain : float
        Added log rate of every unit in a down state (negative).
    self_history : np.ndarray
        Self-history filters, shape (n_units, n_lags).
    coupling : np.ndarray
        Coupling filters, shape (n_receivers, n_senders, n_lags); zero on the diagonal.
    bin_size : float
        Simulation bin and filter lag step (s).
    heading_times : np.ndarray
        Times of the heading samples (s), every 20 ms over the whole session.
    heading : np.ndarray
        Heading (rad, [0, 2π)): the head angle in wake, the internal heading in sleep.
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


# --------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------


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
        The ``.npz`` file beside it (``<stem>_ground_truth.npz``).
    """
    path = Path(nwb_path)
    return path.with_name(f"{path.stem}_ground_truth.npz")


def is_synthetic(path: str | os.PathLike) -> bool:
    """Tell whether an NWB file is the synthetic stand-in.

    Reads the session description, which the generator marks with ``SYNTHETIC``.

    Parameters
    ----------
    path : str or os.PathLike
        Path of an NWB file.

    Returns
    -------
    bool
        True for a stand-in written by this module.

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
        If there is no ground truth beside the file, e.g. because it is the real recording,
        whose ground truth nobody knows.
    """
    path = ground_truth_path(nwb_path)
    if not path.exists():
        raise FileNotFoundError(
            f"No ground truth at {path}: only the synthetic stand-in has one. Get the stand-in "
            "with fetch_data('Mouse32-140822.nwb', source='synthetic')."
        )
    with np.load(path, allow_pickle=False) as archive:
        values = {}
        for field in fields(GroundTruth):
            value = archive[field.name]
            if field.name == "state_names":
                value = tuple(str(v) for v in value)
            elif field.name in ("bin_size", "angular_velocity_timescale", "down_state_log_gain"):
                value = float(value)
            elif field.name == "seed":
                value = int(value)
            values[field.name] = value
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
        The NWB path when the manifest matches this generator version and seed and both files
        match their recorded sha256; otherwise None (the caller should regenerate).
    """
    directory = Path(directory)
    nwb_name, truth_name, manifest_name = _file_names(null_control)
    manifest_path = directory / manifest_name
    try:
        manifest = json.loads(manifest_path.read_text())
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

    The files are written under temporary names and moved into place, the manifest last, so an
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
        Write the null control instead (``Mouse32-140822_SYNTHETIC_NULL-CONTROL.nwb``): the same
        model and the same random draws with every coupling set to zero, so that what a fitted
        model calls coupling on it can only come from something else.

    Returns
    -------
    Path
        Path of the NWB file.

    Raises
    ------
    PermissionError
        If the folder cannot be created or written.
    OSError
        With ``errno.ENOSPC``, if the drive has less room than the files take: checked before
        anything is written, so that a full disk is reported as one (HDF5 would fail half-way).
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

    # One independent random stream per part of the simulation, so that the null control
    # differs from the stand-in in its coupling and the spikes it causes, and in nothing else.
    # (Streams 6 and 7 came with the sleep physiology: spawning more keeps the first six.)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(8)]
    units = _unit_table(streams[0], null_control=null_control)
    _add_sleep_rates(streams[6], units)
    states, sws, rem = _sleep_states(streams[1], layout)
    down_bins = _down_states(streams[7], states)
    heading = _heading(streams[2], states)
    counts = _simulate_counts(streams[3], units, heading, states, down_bins)
    spike_times = _spike_times(streams[4], counts)
    tracking_times, tracking_angles = _tracking(streams[5], layout, heading)

    truth = _ground_truth(units, heading, seed, down_bins * BIN_SIZE)
    nwb_name, truth_name, manifest_name = _file_names(null_control)
    nwb_final = directory / nwb_name
    truth_final = directory / truth_name
    nwb_tmp = partial_file(directory, suffix=".nwb")
    truth_tmp = partial_file(directory, suffix=".npz")
    try:
        _write_nwb(
            nwb_tmp,
            units,
            spike_times,
            layout,
            sws,
            rem,
            tracking_times,
            tracking_angles,
            seed,
            null_control,
        )
        with open(truth_tmp, "wb") as handle:
            np.savez_compressed(handle, **{f.name: getattr(truth, f.name) for f in fields(truth)})
        digests = {nwb_name: file_sha256(nwb_tmp), truth_name: file_sha256(truth_tmp)}
        os.replace(nwb_tmp, nwb_final)
        os.replace(truth_tmp, truth_final)
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
    return nwb_final


# --------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------

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
# Tuning-curve peak of HD cells before history and coupling act (Hz), and the self-history
# filter's size at lag 1 and time constant (s).
PEAK_RATE_RANGE = (10.0, 25.0)
SELF_EXCITATION_RANGE = (0.1, 0.3)
SELF_TIMESCALE_RANGE = (0.01, 0.02)
# Each HD cell receives from this many other HD cells, with these net couplings (in log rate,
# summed over lags) and signs drawn at random, and this time constant (s).
N_COUPLING_PARTNERS = 2
COUPLING_NET_RANGE = (1.0, 1.6)
COUPLING_TIMESCALE = 0.03
ANGULAR_VELOCITY_TIMESCALE = 0.4
# Stationary standard deviation of the angular velocity (rad/s) in each state.
ANGULAR_SPEED_STD = np.array([1.6, 1.6, 16.0, 1.6])
MAX_RATE = 150.0
MAX_COUNT = 5
# Per-state log-rate gains of HD cells (drawn uniformly per cell), and the slow-wave up and down
# states: their durations (s) and the log-rate change of every unit in a down state.
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
    untuned = ~is_hd
    baseline[untuned] = peak[untuned]

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

    # Sparse coupling, drawn without looking at the tuning: each HD cell receives from a few
    # other HD cells chosen at random, with random signs. (A coupling that follows the preferred
    # directions would look exactly like shared head-direction input, and could not show the
    # difference between the two.) The null control draws the same partners, then zeroes them.
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
    """Draw alternating up and down states within every SWS stretch; return the down states.

    Returns
    -------
    np.ndarray
        Shape (n, 2), integers: first bin and end bin (exclusive) of each down state.
    """
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


def _filters(units: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Evaluate the self-history and coupling filters at lags 1..N_FILTER_LAGS."""
    lag_offset = np.arange(N_FILTER_LAGS) * BIN_SIZE  # time since lag 1
    self_history = units["self_excitation"][:, None] * np.exp(
        -lag_offset / units["self_timescale"][:, None]
    )
    coupling = units["coupling_weight"][:, :, None] * np.exp(-lag_offset / COUPLING_TIMESCALE)
    return self_history, coupling


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
            bout = rng.uniform(150.0, 600.0)
            stop = min(time + bout, end - 1.0)
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
    shift = np.round(units["anticipation"] / BIN_SIZE).astype(np.int64)
    self_decay = np.exp(-BIN_SIZE / units["self_timescale"])
    coupling_decay = np.exp(-BIN_SIZE / COUPLING_TIMESCALE)
    numba_seed = int(rng.integers(0, 2**31 - 1))
    return _run_glm(
        log_tuning,
        angle_index,
        states.astype(np.int64),
        units["state_log_gain"],
        bin_log_gain,
        shift,
        units["self_excitation"],
        self_decay,
        np.ascontiguousarray(units["coupling_weight"].T),
        coupling_decay,
        np.log(MAX_RATE * BIN_SIZE),
        MAX_COUNT,
        numba_seed,
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
    unwrapped = np.unwrap(heading)
    bin_centres = (np.arange(heading.size) + 0.5) * BIN_SIZE
    angles = np.mod(np.interp(times, bin_centres, unwrapped), 2 * np.pi)
    return times, angles


def _ground_truth(
    units: dict[str, np.ndarray], heading: np.ndarray, seed: int, down_states: np.ndarray
) -> GroundTruth:
    """Collect the model into a GroundTruth."""
    self_history, coupling = _filters(units)
    every = int(round(HEADING_SAMPLE_STEP / BIN_SIZE))
    sampled = heading[::every].astype(np.float32)
    times = (np.arange(sampled.size) * every + 0.5) * BIN_SIZE
    return GroundTruth(
        unit_ids=units["unit_ids"],
        location=units["location"].astype(str),
        group=units["group"],
        is_head_direction=units["is_head_direction"],
        preferred_direction=units["preferred_direction"],
        peak_rate=units["peak_rate"],
        baseline_rate=units["baseline_rate"],
        concentration=units["concentration"],
        anticipation=units["anticipation"],
        state_log_gain=units["state_log_gain"],
        state_names=STATE_NAMES,
        down_states=down_states,
        down_state_log_gain=DOWN_STATE_LOG_GAIN,
        self_history=self_history,
        coupling=coupling,
        bin_size=BIN_SIZE,
        heading_times=times,
        heading=sampled,
        angular_speed_std=ANGULAR_SPEED_STD.copy(),
        angular_velocity_timescale=ANGULAR_VELOCITY_TIMESCALE,
        seed=seed,
    )


# --------------------------------------------------------------------------------------------
# Writing files
# --------------------------------------------------------------------------------------------


def _write_nwb(
    path: Path,
    units: dict[str, np.ndarray],
    spike_times: list[np.ndarray],
    layout: SessionLayout,
    sws: list[tuple[float, float]],
    rem: list[tuple[float, float]],
    tracking_times: np.ndarray,
    tracking_angles: np.ndarray,
    seed: int,
    null_control: bool = False,
) -> None:
    """Write the stand-in with the layout of the real file."""
    from hdmf.common import VectorData, VectorIndex
    from pynwb import NWBHDF5IO, NWBFile
    from pynwb.behavior import CompassDirection, SpatialSeries
    from pynwb.epoch import TimeIntervals
    from pynwb.misc import Units

    utc = datetime.UTC
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
        session_start_time=datetime.datetime(2014, 8, 22, tzinfo=utc),
        file_create_date=datetime.datetime(2026, 1, 1, tzinfo=utc),
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
