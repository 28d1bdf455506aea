"""plotting: each helper draws what it should (axes, lines, data, labels, colours)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pynapple as nap  # noqa: E402
import pytest  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.animation import FuncAnimation  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402

from workshop_utils import plotting  # noqa: E402

N_UNITS = 5
ANGLES = np.linspace(0, 2 * np.pi, 36, endpoint=False) + np.pi / 36
PREFERRED = np.array([4.0, 0.5, 2.5, 5.5, 1.5])  # deliberately unsorted
UNIT_IDS = [10, 11, 12, 13, 14]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def frame():
    rates = 1 + 20 * np.exp(4 * (np.cos(ANGLES[:, None] - PREFERRED[None, :]) - 1))
    return pd.DataFrame(rates, index=pd.Index(ANGLES, name="head_direction"), columns=UNIT_IDS)


@pytest.fixture
def data_array(frame):
    return xr.DataArray(
        frame.values.T,
        dims=("unit", "head_direction"),
        coords={"unit": UNIT_IDS, "head_direction": ANGLES},
    )


@pytest.fixture
def recording():
    rng = np.random.default_rng(0)
    t = np.arange(0, 20, 0.01)
    angle = nap.Tsd(t=t, d=np.mod(np.cumsum(rng.normal(0, 0.05, t.size)), 2 * np.pi))
    spikes = nap.TsGroup(
        {uid: nap.Ts(np.sort(rng.uniform(0, 20, 200))) for uid in UNIT_IDS},
        time_support=nap.IntervalSet(0, 20),
    )
    counts = spikes.count(0.01)
    return {"angle": angle, "spikes": spikes, "counts": counts}


def test_tuning_curves_pandas_and_xarray_draw_the_same_lines(frame, data_array):
    drawings = []
    for curves in (frame, data_array):
        fig = plotting.plot_tuning_curves(curves, units=[10, 12])
        assert len(fig.axes) == 2
        ax = fig.axes[1]
        np.testing.assert_allclose(ax.lines[0].get_xdata(), ANGLES)
        np.testing.assert_allclose(ax.lines[0].get_ydata(), frame[12].values)
        assert ax.get_xlabel() == "Head direction (rad)" and ax.get_ylabel() == "Firing rate (Hz)"
        assert ax.get_title() == "unit 12"
        drawings.append([line.get_ydata() for a in fig.axes for line in a.lines])
    np.testing.assert_allclose(drawings[0], drawings[1])


def test_tuning_curves_polar_and_colour_by_preferred_direction(frame):
    fig = plotting.plot_tuning_curves(frame, polar=True)
    assert len(fig.axes) == N_UNITS and all(ax.name == "polar" for ax in fig.axes)
    preferred = plotting.preferred_directions(frame)
    for ax, unit in zip(fig.axes, UNIT_IDS, strict=True):
        expected = plotting.direction_colors([preferred[unit]])[0]
        np.testing.assert_allclose(matplotlib.colors.to_rgba(ax.lines[0].get_color()), expected)


def test_conversions_and_their_errors(frame, data_array):
    pd.testing.assert_frame_equal(
        plotting.tuning_curves_to_frame(data_array), frame, check_names=False
    )
    preferred = plotting.preferred_directions(data_array)
    assert np.abs(np.angle(np.exp(1j * (preferred.values - PREFERRED)))).max() < 0.1
    with pytest.raises(ValueError, match="dims"):
        plotting.tuning_curves_to_frame(np.ones((3, 4)))
    with pytest.raises(ValueError, match="not in the tuning curves"):
        plotting.plot_tuning_curves(frame, units=[99])


def test_population_view_sorts_and_colours_the_raster(frame, recording):
    fig = plotting.plot_head_direction_population(
        recording["spikes"], recording["angle"], frame, start=2.0, end=8.0
    )
    angle_ax, raster_ax, polar_ax = fig.axes
    assert angle_ax.get_ylabel() == "Head angle (rad)" and raster_ax.get_xlabel() == "Time (s)"
    assert angle_ax.get_xlim() == (2.0, 8.0)
    assert polar_ax.name == "polar" and len(polar_ax.lines) == N_UNITS
    rows = [c for c in raster_ax.collections if isinstance(c, LineCollection)]
    order = [UNIT_IDS[i] for i in np.argsort(PREFERRED)]
    assert len(rows) == N_UNITS
    for row, (collection, unit) in enumerate(zip(rows, order, strict=True)):
        segments = collection.get_segments()
        expected_times = recording["spikes"][unit].get(2.0, 8.0).t
        np.testing.assert_allclose([s[0, 0] for s in segments], expected_times)
        assert all(row < s[0, 1] < row + 1 for s in segments), "row order follows direction"
        colour = plotting.direction_colors([plotting.preferred_directions(frame)[unit]])[0]
        np.testing.assert_allclose(collection.get_colors()[0], colour)


def test_population_view_with_rates_and_its_errors(frame, recording):
    rates = nap.TsdFrame(t=recording["counts"].t, d=np.ones((len(recording["counts"]), N_UNITS)))
    fig = plotting.plot_head_direction_population(
        recording["spikes"], recording["angle"], frame, 2.0, 8.0, predicted_rates=rates
    )
    assert len(fig.axes) == 4 and fig.axes[2].images
    with pytest.raises(ValueError, match="one column per unit"):
        plotting.plot_head_direction_population(
            recording["spikes"], recording["angle"], frame, 2.0, 8.0, predicted_rates=rates[:, :2]
        )
    with pytest.raises(ValueError, match="differ from the tuning curves"):
        plotting.plot_head_direction_population(
            recording["spikes"], recording["angle"], frame[[10, 11]], 2.0, 8.0
        )
    with pytest.raises(ValueError, match="must end after it starts"):
        plotting.plot_head_direction_population(
            recording["spikes"], recording["angle"], frame, 8.0, 2.0
        )


def test_history_window_shades_the_window_and_the_predicted_bin(recording):
    counts = recording["counts"][:, 0]
    start = counts.t[0]
    fig = plotting.plot_history_window(counts, start, start + 1.2, 80, window_start=start)
    ax = fig.axes[0]
    spans = [p for p in ax.patches]
    assert len(spans) == 2
    (window_left, window_right), (target_left, target_right) = (
        (p.get_x(), p.get_x() + p.get_width()) for p in spans
    )
    assert window_left == pytest.approx(start) and window_right == pytest.approx(start + 0.8)
    assert target_left == pytest.approx(start + 0.8)
    assert target_right == pytest.approx(start + 0.81)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "spike counts",
        "history window",
        "predicted bin",
    ]
    with pytest.raises(ValueError, match="must lie"):
        plotting.plot_history_window(counts, start, start + 0.5, 80, window_start=start)


def test_animation_has_the_frames_and_fills_the_feature_matrix(recording):
    counts = recording["counts"][:, 0]
    animation = plotting.animate_sliding_window(counts, counts.t[0], window_size=10, n_frames=6)
    assert isinstance(animation, FuncAnimation)
    assert len(list(animation.new_frame_seq())) == 6
    window, target, image = animation.draw_frame(3)
    np.testing.assert_allclose(image.get_array()[3], np.asarray(counts.values)[3:13])
    assert np.ma.getmaskarray(image.get_array())[4].all(), "rows not seen yet stay empty"
    assert window.get_x() == pytest.approx(counts.t[0] + 0.03)
    html = animation.to_jshtml()
    assert "<img" in html and html.count("frames[") >= 6
    with pytest.raises(ValueError, match="frames"):
        plotting.animate_sliding_window(counts, counts.t[-5], window_size=10, n_frames=6)


def test_feature_rows_time_axis_reads_backwards():
    features = np.arange(40, dtype=float).reshape(4, 10)
    fig = plotting.plot_feature_rows(features, rows=[1, 3], bin_size=0.01)
    assert len(fig.axes) == 2
    left, right = fig.axes[-1].get_xlim()
    assert left > right, "time from spike decreases to the right"
    np.testing.assert_allclose(fig.axes[1].patches[0].get_data().values, features[3])
    assert fig.axes[-1].get_xlabel() == "Time from spike (s)"
    with pytest.raises(ValueError, match="2-D"):
        plotting.plot_feature_rows(np.ones(5), rows=[0], bin_size=0.01)
    with pytest.raises(ValueError, match="rows must lie"):
        plotting.plot_feature_rows(features, rows=[4], bin_size=0.01)


def test_history_filters_draw_each_filter_with_its_style():
    filters = {"raw": np.linspace(1, 0, 80), "basis": np.linspace(0.5, 0, 80)}
    fig = plotting.plot_history_filters(
        filters, bin_size=0.01, styles={"basis": {"linestyle": "--"}}
    )
    ax = fig.axes[0]
    raw, basis = ax.lines[:2]
    np.testing.assert_allclose(raw.get_xdata(), np.arange(1, 81) * 0.01)
    np.testing.assert_allclose(basis.get_ydata(), filters["basis"])
    assert basis.get_linestyle() == "--"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["raw", "basis"]
    with pytest.raises(ValueError, match="one length"):
        plotting.plot_history_filters({"a": np.ones(3), "b": np.ones(4)}, bin_size=0.01)


def test_basis_draws_one_line_per_function():
    time = np.linspace(0, 0.8, 80)
    kernels = np.random.default_rng(1).random((80, 8))
    fig = plotting.plot_basis(time, kernels)
    lines = fig.axes[0].lines
    assert len(lines) == 8
    np.testing.assert_allclose(lines[5].get_ydata(), kernels[:, 5])
    with pytest.raises(ValueError, match="kernels must have shape"):
        plotting.plot_basis(time, kernels[:10])


def test_convolved_counts_one_column_per_window_with_spike_ticks(recording):
    counts = recording["counts"][:, 0]
    features = nap.TsdFrame(t=counts.t, d=np.random.default_rng(2).random((len(counts), 3)))
    windows = [(1.0, 2.0), (5.0, 6.0)]
    fig = plotting.plot_convolved_counts(counts, features, windows)
    assert len(fig.axes) == 2
    for ax, (start, end) in zip(fig.axes, windows, strict=True):
        assert len(ax.lines) == 3 and ax.get_xlim() == (start, end)
        ticks = ax.collections[0].get_segments()
        window = counts.get(start, end)
        np.testing.assert_allclose(
            [s[0, 0] for s in ticks], window.t[np.asarray(window.values) > 0]
        )
    with pytest.raises(ValueError, match="at least one"):
        plotting.plot_convolved_counts(counts, features, [])
    with pytest.raises(ValueError, match="must align"):
        plotting.plot_convolved_counts(counts, features[:10], windows)


def test_rates_vs_counts_draw_smoothed_counts_and_each_rate(recording):
    counts = recording["counts"][:, 0]
    rate = nap.Tsd(t=counts.t, d=np.full(len(counts), 7.0))
    fig = plotting.plot_rates_vs_counts(counts, {"model": rate}, 2.0, 4.0, bin_size=0.01)
    ax = fig.axes[0]
    smoothed, model = ax.lines[:2]
    assert smoothed.get_label() == "smoothed spike counts" and model.get_label() == "model"
    np.testing.assert_allclose(model.get_ydata(), 7.0)
    window = counts.get(2.0, 4.0)
    # Smoothing keeps the spike count: the mean rate in Hz matches the counts' mean rate.
    assert smoothed.get_ydata().mean() == pytest.approx(
        np.asarray(window.values).mean() / 0.01, rel=0.2
    )
    with pytest.raises(ValueError, match="1-D"):
        plotting.plot_rates_vs_counts(counts, {"bad": recording["counts"]}, 2.0, 4.0, bin_size=0.01)


def test_model_comparison_bars_carry_their_values():
    fig = plotting.plot_model_comparison({"raw": 0.01, "basis": 0.03, "all": 0.09})
    ax = fig.axes[0]
    assert [bar.get_height() for bar in ax.patches] == pytest.approx([0.01, 0.03, 0.09])
    assert [t.get_text() for t in ax.texts] == ["0.010", "0.030", "0.090"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["raw", "basis", "all"]
    with pytest.raises(ValueError, match="at least one"):
        plotting.plot_model_comparison({})


def test_coupling_grid_draws_each_filter_on_its_net_coupling(frame):
    rng = np.random.default_rng(3)
    filters = rng.normal(0, 1, (N_UNITS, N_UNITS, 20))
    order = [4, 0, 2, 1, 3]
    fig = plotting.plot_coupling_grid(filters, frame, bin_size=0.01, order=order)
    grid = fig.axes[0]
    laid_out = filters[np.ix_(order, order)]
    np.testing.assert_allclose(grid.images[0].get_array(), laid_out.sum(axis=2))
    norm = grid.images[0].norm
    assert norm.vcenter == 0 and norm.vmin == -norm.vmax, "colours centred on zero coupling"
    segments = grid.collections[0].get_segments()
    assert len(segments) == N_UNITS**2
    # Cell (i, j) = receiver order[i], sender order[j]: its line lies in that cell and follows
    # the filter (higher weight = higher on screen = smaller y on the inverted axis).
    i, j = 3, 1
    line = segments[i * N_UNITS + j]
    assert np.all((j < line[:, 0]) & (line[:, 0] < j + 1) & (i < line[:, 1]) & (line[:, 1] < i + 1))
    assert np.corrcoef(-line[:, 1], laid_out[i, j])[0, 1] > 0.999
    top, left = fig.axes[1], fig.axes[2]
    assert len(top.collections) == N_UNITS and len(left.collections) == N_UNITS
    expected = plotting.direction_colors(plotting.preferred_directions(frame).values[order])
    np.testing.assert_allclose(top.collections[0].get_facecolor()[0], expected[0])
    assert "Net coupling" in fig.axes[3].get_ylabel()
    with pytest.raises(ValueError, match=r"must have shape \(5, 5, n_lags\)"):
        plotting.plot_coupling_grid(filters[:3], frame, bin_size=0.01)


def test_decoded_heading_correlation_speeds_and_scatter(recording):
    angle = recording["angle"]
    posterior = nap.TsdFrame(
        t=angle.t[::10],
        d=np.random.default_rng(4).random((200, 12)),
        columns=np.linspace(0, 2 * np.pi, 12, endpoint=False),
    )
    decoded = angle[::10]
    fig = plotting.plot_decoded_heading(angle, decoded, 1.0, 5.0, posterior=posterior)
    ax = fig.axes[0]
    assert ax.images and [line.get_label() for line in ax.lines] == ["decoded", "true"]
    with pytest.raises(ValueError, match="No decoded heading"):
        plotting.plot_decoded_heading(None, decoded, 50.0, 60.0)

    matrices = {"wake": np.eye(4) * 0.5, "REM": -np.eye(4) * 0.2}
    fig = plotting.plot_correlation_matrices(matrices, vmax=1.0)
    assert [ax.get_title() for ax in fig.axes[:2]] == ["wake", "REM"]
    assert fig.axes[0].images[0].get_clim() == (-1.0, 1.0)
    assert fig.axes[-1].get_ylabel() == "Correlation"
    fig = plotting.plot_correlation_matrices(matrices, label="Net coupling")
    assert fig.axes[-1].get_ylabel() == "Net coupling"
    with pytest.raises(ValueError, match="square"):
        plotting.plot_correlation_matrices({"a": np.ones((2, 3))})

    fig = plotting.plot_state_speeds({"wake": 70.0, "REM": 75.0, "SWS": 600.0})
    assert [bar.get_height() for bar in fig.axes[0].patches] == [70.0, 75.0, 600.0]

    truth = np.arange(10.0)
    fig = plotting.plot_fitted_vs_true(truth, 2 * truth + 1, "true", "fitted")
    assert fig.axes[0].get_title() == "Pearson r = 1.00"
    with pytest.raises(ValueError, match="one shape"):
        plotting.plot_fitted_vs_true(truth, truth[:5], "true", "fitted")


def test_helpers_leave_matplotlib_settings_alone(frame):
    before = dict(matplotlib.rcParams)
    plotting.plot_tuning_curves(frame)
    plotting.plot_model_comparison({"a": 1.0})
    assert dict(matplotlib.rcParams) == before


def test_style_file_makes_animations_play_inline():
    style = matplotlib.rc_params_from_file(str(plotting.STYLE_PATH), use_default_template=False)
    assert style["animation.html"] == "jshtml"
    assert 0 < style["animation.embed_limit"] <= 8


# -------------------------------------------------------------------------- cross-validation


def test_cv_folds_draw_train_test_and_left_out_bins_at_their_times():
    folds = [
        (np.arange(6, 12), np.arange(0, 4)),
        (np.array([0, 1, 10, 11]), np.arange(4, 8)),
        (np.arange(0, 6), np.arange(8, 12)),
    ]
    fig = plotting.plot_cv_folds(folds, n_samples=12, bin_size=0.5)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["fold 3", "fold 2", "fold 1"]
    assert ax.get_xlim() == (0.0, 6.0)
    assert ax.get_xlabel() == "Time (s)"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["left out", "train", "test"]
    # fold 2 (the middle row): train 0-1 s and 5-6 s, test 2-4 s, gaps between
    collections_of_middle_row = [
        c for c in ax.collections if np.isclose(c.get_paths()[0].vertices[:, 1].min(), 1.0)
    ]
    spans = {
        tuple(np.round(c.get_facecolor()[0], 3)): sorted(
            (p.vertices[:, 0].min(), p.vertices[:, 0].max()) for p in c.get_paths()
        )
        for c in collections_of_middle_row
    }
    blue = tuple(np.round(matplotlib.colors.to_rgba("tab:blue"), 3))
    orange = tuple(np.round(matplotlib.colors.to_rgba("tab:orange"), 3))
    assert spans[blue] == [(0.0, 1.0), (5.0, 6.0)]
    assert spans[orange] == [(2.0, 4.0)]
    grey = tuple(np.round(matplotlib.colors.to_rgba("0.85"), 3))
    assert spans[grey] == [(1.0, 2.0), (4.0, 5.0)]
    with pytest.raises(ValueError, match="outside range"):
        plotting.plot_cv_folds(folds, n_samples=10, bin_size=0.5)
    with pytest.raises(ValueError, match="at least one"):
        plotting.plot_cv_folds([], n_samples=10, bin_size=0.5)


def test_cv_scores_draw_a_line_per_basis_size_and_star_the_best():
    strengths = [0.001, 0.01, 0.1, 1.0]
    mean_scores = pd.DataFrame(
        {4: [0.090, 0.095, 0.097, 0.080], 8: [0.088, 0.094, 0.099, 0.079]},
        index=pd.Index(strengths, name="regularizer_strength"),
    )
    spread = mean_scores * 0 + 0.002
    fig = plotting.plot_cv_scores(mean_scores, spread)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "Ridge strength"
    assert ax.get_ylabel() == "Held-out pseudo-R²"
    lines = {container.get_label(): container.lines[0] for container in ax.containers}
    assert sorted(lines) == ["4", "8"]
    np.testing.assert_allclose(lines["8"].get_ydata(), mean_scores[8])
    np.testing.assert_allclose(lines["4"].get_xdata(), strengths)
    star = next(line for line in ax.get_lines() if line.get_label() == "best")
    assert (star.get_xdata()[0], star.get_ydata()[0]) == (0.1, 0.099)
    assert ax.get_legend().get_title().get_text() == "Basis functions"
    assert all(container.has_yerr for container in ax.containers)
    with pytest.raises(ValueError, match="one spread per score"):
        plotting.plot_cv_scores(mean_scores, spread.iloc[:2])
    with pytest.raises(ValueError, match="non-empty"):
        plotting.plot_cv_scores(pd.DataFrame())


# ---- decoding


@pytest.fixture
def posteriors():
    """Two posteriors on a 12-point grid, 10 ms bins over two intervals with a 1 s gap.

    Times are near 9800 s, as in the recording's wake, where Matplotlib would offset the ticks.
    """
    rng = np.random.default_rng(5)
    grid = (np.arange(12) + 0.5) * 2 * np.pi / 12
    support = nap.IntervalSet([9800.0, 9806.0], [9805.0, 9810.0])
    t = 9800.0 + np.r_[np.arange(0.005, 5.0, 0.01), np.arange(6.005, 10.0, 0.01)]
    frames = {
        name: nap.TsdFrame(
            t=t, d=rng.dirichlet(np.ones(12), t.size), columns=grid, time_support=support
        )
        for name in ("Bayesian", "GLM, random-walk prior")
    }
    heading = nap.Tsd(t=t, d=np.mod(0.5 * (t - 9800.0) + 4.0, 2 * np.pi), time_support=support)
    return {"frames": frames, "heading": heading}


def test_posteriors_draw_each_decoder_on_a_regular_time_grid(posteriors):
    frames, heading = posteriors["frames"], posteriors["heading"]
    decoded = {"Bayesian": heading}
    fig = plotting.plot_posteriors(frames, 9804.0, 9808.0, true_heading=heading, decoded=decoded)
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in panels] == list(frames)
    assert len(fig.axes) == 4, "two panels, two colour bars"
    for ax, frame in zip(panels, frames.values(), strict=True):
        window = frame.get(9804.0, 9808.0)
        image = ax.images[0].get_array()
        # 1 s before the gap, 1 s blank, 2 s after: one column per 10 ms bin.
        assert image.shape == (12, 400)
        np.testing.assert_allclose(image[:, :100], window.values[:100].T)
        assert np.ma.getmaskarray(image)[:, 100:200].all(), "no bin in the gap: left blank"
        np.testing.assert_allclose(image[:, 200:], window.values[100:].T)
        left, right, bottom, top = ax.images[0].get_extent()
        assert left == pytest.approx(9804.0) and right == pytest.approx(9808.0)
        assert bottom == pytest.approx(0.0) and top == pytest.approx(2 * np.pi)
        assert ax.get_ylim() == (0.0, 2 * np.pi) and ax.get_ylabel() == "Heading (rad)"
    truth = panels[0].lines[0]
    assert truth.get_label() == "true heading"
    x, y = truth.get_xdata(), truth.get_ydata()
    window = heading.get(9804.0, 9808.0)
    assert np.isnan(y).sum() == 1, "the line breaks once, where the heading wraps past 2π"
    np.testing.assert_allclose(x[~np.isnan(x)], window.t)
    np.testing.assert_allclose(y[~np.isnan(y)], window.values)
    assert [line.get_label() for line in panels[0].lines] == ["true heading", "decoded"]
    assert [line.get_label() for line in panels[1].lines] == ["true heading"]
    assert panels[-1].get_xlim() == (9804.0, 9808.0) and panels[-1].get_xlabel() == "Time (s)"
    # A short window late in the recording: Matplotlib would label the ticks "+9.804e3".
    fig = plotting.plot_posteriors(frames, 9804.2, 9804.7)
    fig.canvas.draw()
    assert fig.axes[0].xaxis.get_offset_text().get_text() == ""


def test_posteriors_errors(posteriors):
    frames = posteriors["frames"]
    with pytest.raises(ValueError, match="at least one posterior"):
        plotting.plot_posteriors({}, 9804.0, 9808.0)
    with pytest.raises(ValueError, match="must end after it starts"):
        plotting.plot_posteriors(frames, 9808.0, 9804.0)
    with pytest.raises(ValueError, match="No posterior bin"):
        plotting.plot_posteriors(frames, 9900.0, 9910.0)
    with pytest.raises(ValueError, match="no posterior"):
        plotting.plot_posteriors(frames, 9804.0, 9808.0, decoded={"GLM": posteriors["heading"]})
