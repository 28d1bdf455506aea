"""The synthetic stand-in: schema, statistics, ground truth, caching and the tutorial's lessons."""

from __future__ import annotations

import json

import numpy as np
import pytest

from workshop_utils import synthetic

SHORT = synthetic.SessionLayout(end=600.0, wake=(200.0, 400.0), tracking=(200.05, 399.95))


def circular_difference(a, b):
    return np.angle(np.exp(1j * (np.asarray(a) - np.asarray(b))))


# ------------------------------------------------------------------------------------ schema


def test_loads_with_the_keys_and_types_of_the_real_file(stand_in):
    import pynapple as nap

    assert set(stand_in.keys()) == {"units", "sws", "rem", "position_time_support", "epochs", "ry"}
    assert isinstance(stand_in["units"], nap.TsGroup)
    for key in ("sws", "rem", "position_time_support", "epochs"):
        assert isinstance(stand_in[key], nap.IntervalSet), key
    assert isinstance(stand_in["ry"], nap.Tsd)


def test_units_table_matches_the_real_layout(stand_in):
    units = stand_in["units"]
    assert len(units) == 49
    assert list(units.index) == list(range(49))
    assert {"rate", "location", "group"} <= set(units.metadata_columns)
    location = np.asarray(units.location)
    group = np.asarray(units.group)
    assert (location == "adn").sum() == 31 and (location == "thalamus").sum() == 18
    expected_groups = [1] * 4 + [2] * 11 + [3] * 13 + [4] * 7 + [5] * 8 + [6] * 5 + [7]
    np.testing.assert_array_equal(group, expected_groups)
    assert set(location[4:35]) == {"adn"}


def test_epochs_are_sleep_wake_sleep_with_gaps_and_states_inside_sleep(stand_in):
    epochs = stand_in["epochs"]
    assert list(epochs.tags) == ["sleep", "wake", "sleep"]
    assert epochs.start[0] == 0.0 and epochs.end[-1] == pytest.approx(22025.0)
    assert np.all(epochs.start[1:] > epochs.end[:-1]), "epochs must not touch"
    wake = epochs[epochs.tags == "wake"]
    sleep = epochs[epochs.tags == "sleep"]
    for name in ("sws", "rem"):
        intervals = stand_in[name]
        assert len(intervals) >= 2, name
        assert intervals.intersect(sleep).tot_length() == pytest.approx(intervals.tot_length())
        assert intervals.intersect(wake).tot_length() == 0.0
    assert stand_in["sws"].intersect(stand_in["rem"]).tot_length() == 0.0
    rem_bouts = stand_in["rem"].end - stand_in["rem"].start
    assert 20.0 <= rem_bouts.min() and rem_bouts.max() <= 120.0


def test_head_angle_is_tracked_during_wake_like_the_real_tracker(stand_in):
    angle = stand_in["ry"]
    support = stand_in["position_time_support"]
    assert angle.t[0] == pytest.approx(8812.416) and angle.t[-1] == pytest.approx(
        10771.277, abs=0.03
    )
    assert support.start[0] == pytest.approx(8812.416)
    values = np.asarray(angle.values)
    assert np.all((values >= 0) & (values < 2 * np.pi)) and not np.isnan(values).any()
    step = np.diff(angle.t)
    assert np.median(step) == pytest.approx(1 / 39.0625)
    span_frames = (angle.t[-1] - angle.t[0]) * 39.0625 + 1
    assert 0.9 < angle.size / span_frames < 0.96, "about 7 % of frames are missing"
    # The seed's fixed windows lie inside wake.
    for start, end in [(8819, 8821), (8910, 8960), (8917, 8918), (8979, 8980)]:
        assert angle.t[0] < start and end < angle.t[-1]


def test_every_file_says_it_is_synthetic(stand_in_path):
    import h5py

    assert "SYNTHETIC" in stand_in_path.name
    assert synthetic.is_synthetic(stand_in_path)
    with h5py.File(stand_in_path, "r") as handle:
        assert "NOT REAL DATA" in handle["session_description"][()].decode()
    manifest = json.loads((stand_in_path.parent / synthetic.MANIFEST_FILENAME).read_text())
    assert "SYNTHETIC" in manifest["description"] and manifest["null_control"] is False


def test_is_synthetic_is_false_for_another_nwb_file(tmp_path):
    import h5py

    other = tmp_path / "other.nwb"
    with h5py.File(other, "w") as handle:
        handle["session_description"] = "A real recording."
    assert not synthetic.is_synthetic(other)
    with pytest.raises(FileNotFoundError):
        synthetic.is_synthetic(tmp_path / "missing.nwb")


# -------------------------------------------------------------------------------- statistics


def test_tutorial_filter_keeps_the_nineteen_head_direction_cells(wake_population, ground_truth):
    units = wake_population["units"]
    assert len(units) == 19
    rows = ground_truth.rows(units.index)
    assert ground_truth.is_head_direction[rows].all()
    # Rates sit well clear of the 1 Hz threshold, so the count is robust.
    assert units.rate.min() > 2.0


def test_rates_are_in_the_documented_ranges(stand_in, wake_population):
    units = stand_in["units"]
    adn = units[units.location == "adn"].rate.values
    thalamus = units[units.location == "thalamus"].rate.values
    assert 0.1 < adn.min() and adn.max() < 25.0
    assert 0.1 < thalamus.min() and thalamus.max() < 30.0
    assert 8 <= (adn < 1.0).sum() <= 14, "about a third of ADN units fire below 1 Hz"
    wake_rates = wake_population["units"].rate.values
    assert 2.0 < wake_rates.min() and wake_rates.max() < 30.0


def test_one_adn_unit_fires_mostly_in_sleep(stand_in, wake_population):
    units = stand_in["units"]
    wake = wake_population["wake"]
    sleep = stand_in["epochs"][stand_in["epochs"].tags == "sleep"]
    adn = units[units.location == "adn"]
    wake_rate = adn.restrict(wake).rate.values
    sleep_rate = adn.restrict(sleep).rate.values
    assert np.any((wake_rate < 0.2) & (sleep_rate > 3.0))


def test_tuning_curves_look_like_adn_head_direction_cells(wake_population, ground_truth):
    tuning = wake_population["tuning"].values
    peaks, baselines = tuning.max(axis=1), tuning.min(axis=1)
    assert np.all((peaks > 10.0) & (peaks < 45.0)), peaks
    assert np.all((baselines > 0.05) & (baselines < 3.0)), baselines
    bin_width = 2 * np.pi / tuning.shape[1]
    half_width = (tuning > (peaks + baselines)[:, None] / 2).sum(axis=1) * bin_width / 2
    assert np.all((np.radians(15) < half_width) & (half_width < np.radians(60))), np.degrees(
        half_width
    )
    rows = ground_truth.rows(wake_population["units"].index)
    error = circular_difference(
        wake_population["preferred"], ground_truth.preferred_direction[rows]
    )
    assert np.abs(error).max() < np.radians(20)
    gaps = np.diff(
        np.sort(np.r_[wake_population["preferred"], wake_population["preferred"].min() + 2 * np.pi])
    )
    assert gaps.max() < np.radians(60), "preferred directions cover the circle"


def test_head_direction_cells_have_per_state_rates_and_fall_silent_in_down_states(
    stand_in, wake_population, ground_truth
):
    import pynapple as nap

    units = stand_in["units"][wake_population["units"].index]
    wake_rate = wake_population["units"].rate.values
    ratio = {
        state: np.median(units.restrict(stand_in[state]).rate.values / wake_rate)
        for state in ("rem", "sws")
    }
    assert 0.9 < ratio["rem"] < 1.4, ratio  # documented REM gain: 0 to +0.2 in log rate
    assert 0.35 < ratio["sws"] < 0.75, ratio  # -0.7 to -0.3, and the down states
    down = nap.IntervalSet(ground_truth.down_states[:, 0], ground_truth.down_states[:, 1])
    durations = (down.end - down.start).round(6)
    assert durations.min() >= 0.05 and durations.max() <= 0.25
    sws = stand_in["sws"]
    assert down.intersect(sws).tot_length() == pytest.approx(down.tot_length())
    assert 0.05 < down.tot_length() / sws.tot_length() < 0.3  # 50-250 ms every 0.3-1.5 s
    # the population nearly stops in a down state (log rate - 3: 5 %)
    silent = units.restrict(down).rate.values.mean()
    active = units.restrict(sws.set_diff(down)).rate.values.mean()
    assert silent < 0.1 * active, (silent, active)


# ------------------------------------------------------------------------------ ground truth


def test_ground_truth_has_documented_shapes_and_structure(ground_truth):
    n = 49
    assert ground_truth.self_history.shape == (n, 80)
    assert ground_truth.coupling.shape == (n, n, 80)
    np.testing.assert_allclose(ground_truth.lag_times[[0, -1]], [0.01, 0.8])
    assert np.all(np.diagonal(ground_truth.coupling, axis1=0, axis2=1) == 0)
    other = np.flatnonzero(~ground_truth.is_head_direction)
    assert np.all(ground_truth.coupling[other] == 0) and np.all(
        ground_truth.coupling[:, other] == 0
    )
    assert ground_truth.state_names == ("wake", "unscored_sleep", "sws", "rem")


def test_self_history_is_positive_and_decays_without_a_refractory_dip(ground_truth):
    """At 10 ms bins the real recording's self-history filters are positive at the first lags."""
    first_lag = ground_truth.self_history[:, 0]
    low, high = synthetic.SELF_EXCITATION_RANGE
    assert np.all((low <= first_lag) & (first_lag <= high)), first_lag
    assert np.all(np.diff(ground_truth.self_history, axis=1) < 0), "decays at every lag"
    assert np.all(ground_truth.self_history > 0)
    assert np.all(ground_truth.self_history[:, 20] < 0.01), "gone after 200 ms"


def test_coupling_is_sparse_and_unrelated_to_the_tuning(ground_truth):
    hd = np.flatnonzero(ground_truth.is_head_direction)
    net = ground_truth.net_coupling[np.ix_(hd, hd)]
    off = ~np.eye(hd.size, dtype=bool)
    partners = (net != 0).sum(axis=1)
    assert np.all(partners == synthetic.N_COUPLING_PARTNERS), partners
    sizes = np.abs(net[net != 0])
    low, high = synthetic.COUPLING_NET_RANGE
    assert np.all((sizes >= low - 1e-9) & (sizes <= high + 1e-9))
    assert 0.25 < np.mean(net[net != 0] > 0) < 0.75, "both signs"
    preferred = ground_truth.preferred_direction[hd]
    similarity = np.cos(preferred[:, None] - preferred[None, :])
    assert abs(np.corrcoef(net[off], similarity[off])[0, 1]) < 0.2, "not the shared-input pattern"


def test_heading_in_ground_truth_matches_the_tracked_head_angle(stand_in, ground_truth):
    angle = stand_in["ry"]
    error = circular_difference(ground_truth.heading_at(angle.t), np.asarray(angle.values))
    assert np.median(np.abs(error)) < 0.05


def test_sleep_heading_drifts_faster_in_sws_than_in_rem(stand_in, ground_truth):
    import pynapple as nap

    times, heading = ground_truth.heading_times, np.unwrap(ground_truth.heading.astype(float))
    speeds = {}
    for state in ("rem", "sws"):
        inside = stand_in[state].in_interval(nap.Ts(times))
        mask = ~np.isnan(inside)
        step = np.abs(np.diff(heading))[mask[1:] & mask[:-1]] / np.diff(times)[0]
        speeds[state] = np.mean(step)
    assert 5 < speeds["sws"] / speeds["rem"] < 20


def test_rows_maps_unit_ids_and_rejects_unknown_ones(ground_truth):
    np.testing.assert_array_equal(ground_truth.rows([5, 0, 48]), [5, 0, 48])
    with pytest.raises(KeyError, match="not in the stand-in"):
        ground_truth.rows([49])


def test_load_ground_truth_explains_when_there_is_none(tmp_path):
    with pytest.raises(FileNotFoundError, match="only the synthetic stand-in"):
        synthetic.load_ground_truth(tmp_path / "Mouse32-140822.nwb")


# ----------------------------------------------------------------- determinism and caching


def test_same_seed_same_data_and_another_seed_other_data(tmp_path):
    import pynapple as nap

    paths = [
        synthetic.generate_stand_in(tmp_path / name, seed=seed, layout=SHORT)
        for name, seed in (("a", 1), ("b", 1), ("c", 2))
    ]
    loaded = [nap.load_file(str(p)) for p in paths]
    first, same, other = (np.concatenate([d["units"][i].t for i in range(49)]) for d in loaded)
    np.testing.assert_array_equal(first, same)
    np.testing.assert_array_equal(
        np.asarray(loaded[0]["ry"].values), np.asarray(loaded[1]["ry"].values)
    )
    assert first.size != other.size or not np.array_equal(first, other)


def test_cache_is_used_only_when_complete_current_and_untampered(tmp_path):
    directory = tmp_path / "cache"
    assert synthetic.cached_stand_in(directory) is None
    path = synthetic.generate_stand_in(directory, seed=3, layout=SHORT)
    assert synthetic.cached_stand_in(directory, seed=3) == path
    assert synthetic.cached_stand_in(directory, seed=4) is None, "another seed is another stand-in"

    manifest_path = directory / synthetic.MANIFEST_FILENAME
    manifest = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps({**manifest, "generator_version": "0"}))
    assert synthetic.cached_stand_in(directory, seed=3) is None, "older generator version"
    manifest_path.write_text(json.dumps(manifest))

    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    assert synthetic.cached_stand_in(directory, seed=3) is None, "tampered file"

    path.unlink()
    assert synthetic.cached_stand_in(directory, seed=3) is None, "missing file"


def test_interrupted_generation_leaves_no_file_that_looks_complete(tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(synthetic, "_write_nwb", fail)
    with pytest.raises(OSError, match="disk full"):
        synthetic.generate_stand_in(tmp_path, layout=SHORT)
    assert list(tmp_path.iterdir()) == []


def test_written_files_are_readable_by_others(stand_in_path):
    assert stand_in_path.stat().st_mode & 0o044 == 0o044


# ------------------------------------------------------------------ the null control


@pytest.fixture(scope="module")
def short_pair(tmp_path_factory):
    """A short stand-in and its null control, from the same seed."""
    folder = tmp_path_factory.mktemp("short-pair")
    coupled = synthetic.generate_stand_in(folder, seed=7, layout=SHORT)
    null = synthetic.generate_stand_in(folder, seed=7, layout=SHORT, null_control=True)
    return coupled, null


def test_null_control_is_the_same_model_without_coupling(short_pair):
    import pynapple as nap

    coupled, null = short_pair
    assert null.name == synthetic.NULL_CONTROL_FILENAME and synthetic.is_synthetic(null)
    truth, null_truth = synthetic.load_ground_truth(coupled), synthetic.load_ground_truth(null)
    assert not np.any(null_truth.coupling) and np.any(truth.coupling)
    for field in ("heading", "preferred_direction", "peak_rate", "self_history"):
        np.testing.assert_array_equal(getattr(truth, field), getattr(null_truth, field))
    assert synthetic.cached_stand_in(coupled.parent, seed=7, null_control=True) == null
    assert synthetic.cached_stand_in(coupled.parent, seed=7) == coupled
    a, b = nap.load_file(str(coupled)), nap.load_file(str(null))
    np.testing.assert_array_equal(np.asarray(a["ry"].values), np.asarray(b["ry"].values))


def excess_after_sender(units, receiver, sender, window=0.04):
    """Receiver spikes within `window` after each sender spike, per sender spike."""
    sender_times = units[sender].t
    receiver_times = units[receiver].t
    after = np.searchsorted(receiver_times, sender_times + window, side="right")
    at = np.searchsorted(receiver_times, sender_times, side="right")
    return (after - at).sum() / sender_times.size


def test_coupled_spikes_follow_their_senders_and_null_spikes_do_not(short_pair):
    """The direct check of the coupling: fails if it is removed or loses its signs.

    For every true pair, the receiver fires more (excitatory) or less (inhibitory) in the 40 ms
    after a sender's spike on the coupled stand-in than on its null control, whose heading,
    tuning and self-history are the same. Measured (seed 7, 600 s): mean log ratio about +0.2
    for excitatory and -0.2 for inhibitory pairs.
    """
    import pynapple as nap

    coupled, null = short_pair
    truth = synthetic.load_ground_truth(coupled)
    units = {name: nap.load_file(str(path))["units"] for name, path in short_pair_names(short_pair)}
    receivers, senders = np.nonzero(truth.net_coupling)
    log_ratio = np.array(
        [
            np.log(
                excess_after_sender(units["coupled"], r, s)
                / excess_after_sender(units["null"], r, s)
            )
            for r, s in zip(receivers, senders, strict=True)
        ]
    )
    sign = np.sign(truth.net_coupling[receivers, senders])
    assert log_ratio[sign > 0].mean() > 0.08, log_ratio[sign > 0]
    assert log_ratio[sign < 0].mean() < -0.08, log_ratio[sign < 0]
    assert np.mean(np.sign(log_ratio) == sign) > 0.75


def short_pair_names(short_pair):
    coupled, null = short_pair
    return (("coupled", coupled), ("null", null))


def test_a_full_disk_is_reported_before_anything_is_written(tmp_path, monkeypatch, capsys):
    import shutil

    from workshop_utils import fetch

    real_usage = shutil.disk_usage

    def nearly_full(path):
        return real_usage(path)._replace(free=2_000_000)  # 2 MB left

    monkeypatch.setattr(synthetic.shutil, "disk_usage", nearly_full)
    with pytest.raises(OSError, match="the disk is full: the synthetic stand-in needs about"):
        synthetic.generate_stand_in(tmp_path / "synthetic")
    assert [p.name for p in (tmp_path / "synthetic").iterdir()] == []
    monkeypatch.setenv(fetch.DATA_DIR_ENV, str(tmp_path / "cache"))
    assert fetch.main(["--source", "synthetic"]) == 1
    printed = capsys.readouterr()
    error = printed.out + printed.err
    assert "the disk is full" in error and "WORKSHOP_DATA_DIR" in error
    assert "Traceback" not in error and "HDF5" not in error
