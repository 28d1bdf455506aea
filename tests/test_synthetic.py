"""The synthetic stand-in: schema, statistics, ground truth, caching and the tutorial's lessons."""

from __future__ import annotations

import json
import warnings

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


def test_every_file_says_it_is_synthetic(stand_in_path, stand_in):
    assert "SYNTHETIC" in stand_in_path.name
    assert synthetic.is_synthetic(stand_in_path)
    assert "SYNTHETIC" in str(stand_in).splitlines()[0] or "SYNTHETIC" in stand_in.name
    manifest = json.loads((stand_in_path.parent / synthetic.MANIFEST_FILENAME).read_text())
    assert "SYNTHETIC" in manifest["description"]


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


def test_head_direction_cells_are_about_as_active_in_sleep_as_in_wake(stand_in, wake_population):
    ids = wake_population["units"].index
    wake_rate = wake_population["units"].rate.values
    for state in ("rem", "sws"):
        rate = stand_in["units"].restrict(stand_in[state])[ids].rate.values
        ratio = np.median(rate / wake_rate)
        assert 0.6 < ratio < 1.5, (state, ratio)


# ------------------------------------------------------------------------------ ground truth


def test_ground_truth_has_documented_shapes_and_structure(ground_truth):
    n = 49
    assert ground_truth.self_history.shape == (n, 80)
    assert ground_truth.coupling.shape == (n, n, 80)
    np.testing.assert_allclose(ground_truth.lag_times[[0, -1]], [0.01, 0.8])
    assert np.all(np.diagonal(ground_truth.coupling, axis1=0, axis2=1) == 0)
    assert np.all(ground_truth.self_history[:, 0] < -0.5), "refractoriness at the first lag"
    hd = np.flatnonzero(ground_truth.is_head_direction)
    other = np.flatnonzero(~ground_truth.is_head_direction)
    assert np.all(ground_truth.coupling[other] == 0) and np.all(
        ground_truth.coupling[:, other] == 0
    )
    net = ground_truth.net_coupling[np.ix_(hd, hd)]
    similarity = np.cos(
        ground_truth.preferred_direction[hd][:, None]
        - ground_truth.preferred_direction[hd][None, :]
    )
    off = ~np.eye(hd.size, dtype=bool)
    assert np.all(np.sign(net[off]) == np.sign(similarity[off])), "excite similar, inhibit opposite"
    assert ground_truth.state_names == ("wake", "unscored_sleep", "sws", "rem")


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


# ----------------------------------------------------------- the tutorial's lessons show


@pytest.fixture(scope="module")
def history_fits(wake_population):
    """Raw (80 lags) and basis (8 functions) history GLMs of unit 0 on each half of 3 minutes."""
    import jax
    import nemos as nmo
    import pynapple as nap

    jax.config.update("jax_enable_x64", True)
    counts = wake_population["counts"][:, 0]
    start, end = counts.time_support.start[0], counts.time_support.end[0]
    halves = [nap.IntervalSet(start, (start + end) / 2), nap.IntervalSet((start + end) / 2, end)]
    raw_features = nmo.basis.HistoryConv(80).compute_features(counts)
    basis = nmo.basis.RaisedCosineLogConv(8, 80, label="spike_history")
    basis_features = basis.compute_features(counts)
    _, kernels = basis.evaluate_on_grid(80)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # NeMoS notes the NaN rows it drops.
        raw = [
            np.asarray(
                nmo.glm.GLM(solver_name="LBFGS")
                .fit(raw_features.restrict(h), counts.restrict(h))
                .coef_
            )
            for h in halves
        ]
        smooth = [
            kernels
            @ np.asarray(
                nmo.glm.GLM(solver_name="LBFGS")
                .fit(basis_features.restrict(h), counts.restrict(h))
                .coef_
            )
            for h in halves
        ]
    return raw, smooth


def relative_difference(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm((a + b) / 2)


def test_binned_counts_have_the_tutorial_shape(wake_population):
    assert wake_population["counts"].shape == (18000, 19)


def test_raw_history_weights_disagree_in_wiggles_but_share_a_slow_decay(history_fits):
    (first, second), _ = history_fits
    assert relative_difference(first, second) > 0.5, "80 weights on 90 s overfit the noise"
    window = np.ones(10) / 10
    slow = [np.convolve(w, window, mode="valid") for w in (first, second)]
    assert np.corrcoef(*slow)[0, 1] > 0.6, "the slow decay agrees"
    assert slow[0][5:40].mean() > 0 and slow[1][5:40].mean() > 0


def test_basis_history_filters_agree_across_halves(history_fits):
    (raw_first, raw_second), (first, second) = history_fits
    assert np.corrcoef(first, second)[0, 1] > 0.85
    assert relative_difference(first, second) < 0.5 * relative_difference(raw_first, raw_second)


def test_population_coupling_is_structured_by_preferred_direction(wake_population, ground_truth):
    import jax
    import nemos as nmo

    jax.config.update("jax_enable_x64", True)
    counts = wake_population["counts"]
    basis = nmo.basis.RaisedCosineLogConv(8, 80, label="coupling")
    features = basis.compute_features(counts)
    assert features.shape == (18000, 152)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model = nmo.glm.PopulationGLM(
            regularizer="Ridge", solver_name="LBFGS", regularizer_strength=0.1
        ).fit(features, counts)
    assert model.coef_.shape == (152, 19)
    _, kernels = basis.evaluate_on_grid(80)
    weights = np.asarray(model.coef_).reshape(19, 8, 19)  # sender, basis function, receiver
    net = np.einsum("tb,sbr->rs", kernels, weights)
    preferred = np.sort(wake_population["preferred"])
    similarity = np.cos(preferred[:, None] - preferred[None, :])
    off = ~np.eye(19, dtype=bool)
    assert np.corrcoef(net[off], similarity[off])[0, 1] > 0.5
    rows = ground_truth.rows(wake_population["sorted_ids"])
    true_net = ground_truth.net_coupling[np.ix_(rows, rows)]
    assert np.corrcoef(net[off], true_net[off])[0, 1] > 0.5
