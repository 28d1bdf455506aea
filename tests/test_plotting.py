"""plotting: each helper draws what it should (axes, lines, data, labels, colours)."""

from __future__ import annotations

import gc

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pynapple as nap  # noqa: E402
import pytest  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.animation import AbstractMovieWriter, FuncAnimation  # noqa: E402
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
    frame_from_xarray = plotting.tuning_curves_to_frame(data_array)
    assert frame_from_xarray.index.name == "head_direction"
    assert frame_from_xarray.columns.name == "unit"
    with pytest.raises(ValueError, match="dims"):
        plotting.tuning_curves_to_frame(np.ones((3, 4)))
    with pytest.raises(ValueError, match="not in the tuning curves"):
        plotting.plot_tuning_curves(frame, units=[99])


def test_preferred_direction_ignores_bins_never_visited(frame, data_array):
    # An angle bin the animal never visited has NaN rates (as compute_tuning_curves gives).
    unvisited = frame.copy()
    unvisited.iloc[0, :] = np.nan
    np.testing.assert_allclose(
        plotting.preferred_directions(unvisited), plotting.preferred_directions(frame)
    )
    masked = data_array.where(data_array.head_direction != ANGLES[0])
    np.testing.assert_allclose(
        plotting.preferred_directions(masked), plotting.preferred_directions(frame)
    )


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


def test_population_view_rates_are_not_washed_out_by_a_few_runaway_bins(frame, recording):
    """A figure that should show the activity bump must not be blank: a few runaway rates
    (as a coupled GLM can predict) would saturate a linear scale and leave the rest white."""
    counts = recording["counts"]
    rng = np.random.default_rng(3)
    rates = rng.gamma(4.0, 2.0, size=(len(counts), N_UNITS))  # about 8 Hz
    runaway = rng.choice(rates.size, size=rates.size // 500, replace=False)
    rates.flat[runaway] = 4_000.0
    fig = plotting.plot_head_direction_population(
        recording["spikes"],
        recording["angle"],
        frame,
        2.0,
        8.0,
        predicted_rates=nap.TsdFrame(t=counts.t, d=rates),
    )
    image = fig.axes[2].images[0]
    shades = image.norm(np.ma.getdata(image.get_array()))
    assert np.mean((shades > 0.1) & (shades <= 1)) > 0.5, "most bins show a grey level"
    assert np.any(shades > 1), "the runaway bins lie beyond the grey scale"
    assert tuple(image.cmap.get_over()[:3]) != tuple(image.cmap(1.0)[:3])  # another colour
    assert [ax.get_ylabel() for ax in fig.axes if "Hz" in ax.get_ylabel()], "a colour bar in Hz"


def test_population_view_breaks_the_head_angle_where_it_wraps(frame, recording):
    fig = plotting.plot_head_direction_population(
        recording["spikes"], recording["angle"], frame, start=2.0, end=8.0
    )
    x, y = fig.axes[0].lines[0].get_data()
    finite = ~np.isnan(y)
    assert np.isnan(y).any(), "the test's angle wraps in this window"
    assert np.all(np.abs(np.diff(y[finite])[np.diff(np.flatnonzero(finite)) == 1]) < np.pi)


def test_population_view_with_rates_and_its_errors(frame, recording):
    rates = nap.TsdFrame(t=recording["counts"].t, d=np.ones((len(recording["counts"]), N_UNITS)))
    fig = plotting.plot_head_direction_population(
        recording["spikes"], recording["angle"], frame, 2.0, 8.0, predicted_rates=rates
    )
    assert len(fig.axes) == 5 and fig.axes[2].images  # with the rates' colour bar
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


def test_history_window_shades_the_window_and_the_predicted_bin_from_their_edges(recording):
    counts = recording["counts"][:, 0]
    start = counts.t[0]  # a bin centre: the window starts at that bin's left edge
    fig = plotting.plot_history_window(counts, start, start + 1.2, 80, window_start=start)
    ax = fig.axes[0]
    spans = [p for p in ax.patches]
    assert len(spans) == 2
    (window_left, window_right), (target_left, target_right) = (
        (p.get_x(), p.get_x() + p.get_width()) for p in spans
    )
    assert window_left == pytest.approx(start - 0.005) and window_right == pytest.approx(
        start + 0.795
    )
    # The predicted bin is bin 80: centred on counts.t[80], one bin wide.
    assert (target_left + target_right) / 2 == pytest.approx(counts.t[80])
    assert target_right - target_left == pytest.approx(0.01)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "spike counts",
        "history window",
        "predicted bin",
    ]
    with pytest.raises(ValueError, match="must lie"):
        plotting.plot_history_window(counts, start, start + 0.5, 80, window_start=start)
    with pytest.raises(ValueError, match="positive number of bins"):
        plotting.plot_history_window(counts, start, start + 1.2, 0, window_start=start)


def history_features(counts, window_size):
    """What the notebook computes: NeMoS's own history feature matrix."""
    import nemos as nmo

    return np.asarray(nmo.basis.HistoryConv(window_size).compute_features(np.asarray(counts)))


def test_historyconv_column_zero_is_lag_one():
    """The fact the figures rely on (nemos 0.2.8): row t, column k holds counts[t - 1 - k]."""
    counts = np.zeros(200)
    counts[100] = 1
    features = history_features(counts, 80)
    assert np.isnan(features[:80]).all() and not np.isnan(features[80:]).any()
    assert [np.flatnonzero(features[t] == 1).tolist() for t in (100, 101, 102, 180, 181)] == [
        [],
        [0],
        [1],
        [79],
        [],
    ]


class FrameRecorder(AbstractMovieWriter):
    """A movie writer that keeps what each frame shows: the feature matrix and the spans."""

    def __init__(self):
        super().__init__(fps=5)
        self.frames = []

    def setup(self, fig, outfile, dpi=None):
        self.fig = fig

    def grab_frame(self, **savefig_kwargs):
        trace_ax, matrix_ax = self.fig.axes
        window, target = trace_ax.patches
        oldest, newest = trace_ax.texts
        self.frames.append(
            {
                "rows": np.ma.filled(matrix_ax.images[0].get_array().astype(float), np.nan),
                "window": window.get_x(),
                "target": target.get_x(),
                "oldest": (oldest.get_text(), oldest.get_position()[0]),
                "newest": (newest.get_text(), newest.get_position()[0]),
            }
        )

    def finish(self):
        pass


def recorded_frames(animation):
    """Play an animation through Matplotlib's writer interface; return what each frame showed."""
    recorder = FrameRecorder()
    animation.save("unused.gif", writer=recorder)
    return recorder.frames


def test_animation_rows_are_historyconv_rows(recording):
    counts = recording["counts"][:, 0]
    first, window_size, n_frames = 3, 10, 6
    animation = plotting.animate_sliding_window(
        counts, counts.t[first], window_size=window_size, n_frames=n_frames
    )
    assert isinstance(animation, FuncAnimation)
    frames = recorded_frames(animation)
    assert len(frames) == n_frames
    features = history_features(counts, window_size)
    predicted = first + window_size + np.arange(n_frames)
    np.testing.assert_allclose(frames[-1]["rows"], features[predicted])
    # The image's y axis gives the feature-matrix row, its x axis the lag (lag 1 on the left).
    image = animation._fig.axes[1].images[0]
    left, right, bottom, top = image.get_extent()
    assert (left, right) == (0.5, window_size + 0.5)
    assert (top, bottom) == (predicted[0] - 0.5, predicted[-1] + 0.5)
    labels = [t.get_text() for t in image.axes.get_xticklabels()]
    assert labels[0] == "lag 1\n(most recent)" and labels[-1] == "lag 10\n(0.1 s ago)"
    # Last frame: the window covers bins first+5 .. first+14, the predicted bin is first+15.
    last = frames[-1]
    assert last["window"] == pytest.approx(counts.t[first + 5] - 0.005)
    assert last["target"] == pytest.approx(counts.t[first + 15] - 0.005)
    assert last["newest"] == ("lag 1", last["target"])
    assert last["oldest"] == ("lag 10", last["window"])
    html = animation.to_jshtml()
    assert "<img" in html and html.count("frames[") >= n_frames


def test_animation_leaves_rows_not_seen_yet_empty_and_checks_its_bins(recording):
    counts = recording["counts"][:, 0]
    animation = plotting.animate_sliding_window(counts, counts.t[0], window_size=10, n_frames=6)
    third = recorded_frames(animation)[2]["rows"]
    assert not np.isnan(third[:3]).any()
    assert np.isnan(third[3:]).all(), "rows not seen yet stay empty"
    with pytest.raises(ValueError, match="frames"):
        plotting.animate_sliding_window(counts, counts.t[-5], window_size=10, n_frames=6)
    with pytest.raises(ValueError, match="positive window_size"):
        plotting.animate_sliding_window(counts, counts.t[0], window_size=0, n_frames=6)


def test_feature_rows_follow_historyconv_column_order(recording):
    counts = np.zeros(120)
    counts[[90, 95]] = [1, 2]
    features = history_features(counts, 80)
    fig = plotting.plot_feature_rows(features, rows=[96, 100], bin_size=0.01)
    assert len(fig.axes) == 2
    for ax, row in zip(fig.axes, [96, 100], strict=True):
        stairs = ax.patches[0]
        np.testing.assert_allclose(stairs.get_data().values, features[row])
        np.testing.assert_allclose(stairs.get_data().edges, np.arange(81) + 0.5)
    # Row 96: the 2 spikes of bin 95 are lag 1 (x = 1, left), the spike of bin 90 lag 6.
    values, edges = (
        fig.axes[0].patches[0].get_data().values,
        fig.axes[0].patches[0].get_data().edges,
    )
    centres = (edges[:-1] + edges[1:]) / 2
    assert centres[values == 2].tolist() == [1.0] and centres[values == 1].tolist() == [6.0]
    bottom = fig.axes[-1]
    assert bottom.get_xlim() == (0.5, 80.5), "lag 1 on the left, lag 80 on the right"
    labels = [t.get_text() for t in bottom.get_xticklabels()]
    assert labels[0] == "lag 1\n(most recent)" and labels[-1] == "lag 80\n(0.8 s ago)"
    assert bottom.get_xticks()[0] == 1 and bottom.get_xticks()[-1] == 80
    assert bottom.get_xlabel().startswith("Lag (bins before the predicted bin)")
    assert fig.axes[0].get_ylabel() == "row 96"
    with pytest.raises(ValueError, match="2-D"):
        plotting.plot_feature_rows(np.ones(5), rows=[0], bin_size=0.01)
    with pytest.raises(ValueError, match="rows must lie"):
        plotting.plot_feature_rows(features, rows=[120], bin_size=0.01)


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


def test_rates_vs_counts_smooth_with_a_gaussian_of_the_given_width():
    t = np.arange(0, 10, 0.01) + 0.005
    one_spike = np.zeros(t.size)
    one_spike[500] = 1  # at t = 5.005 s
    counts = nap.Tsd(t=t, d=one_spike)
    rate = nap.Tsd(t=t, d=np.full(t.size, 7.0))
    fig = plotting.plot_rates_vs_counts(counts, {"model": rate}, 4.0, 6.0, bin_size=0.01)
    ax = fig.axes[0]
    smoothed, model = ax.lines[:2]
    assert smoothed.get_label() == "smoothed spike counts" and model.get_label() == "model"
    np.testing.assert_allclose(model.get_ydata(), 7.0)
    x, y = smoothed.get_xdata(), smoothed.get_ydata()
    # One spike becomes a Gaussian bump in Hz: area 1 spike, centred on the spike, sd 0.05 s.
    assert (y * 0.01).sum() == pytest.approx(1.0, rel=1e-3)
    assert x[np.argmax(y)] == pytest.approx(5.005)
    assert np.sqrt(np.sum(y * 0.01 * (x - 5.005) ** 2)) == pytest.approx(0.05, rel=0.05)
    assert ax.get_xlim() == (4.0, 6.0)
    # Smoothed over the whole series, then cut: a spike just before the window shows in it.
    fig = plotting.plot_rates_vs_counts(counts, {"model": rate}, 5.05, 6.0, bin_size=0.01)
    assert fig.axes[0].lines[0].get_ydata()[0] > 1.0
    with pytest.raises(ValueError, match="1-D"):
        plotting.plot_rates_vs_counts(
            counts, {"bad": nap.TsdFrame(t=t, d=np.ones((t.size, 2)))}, 4.0, 6.0, bin_size=0.01
        )
    with pytest.raises(ValueError, match="at least one bin"):
        plotting.plot_rates_vs_counts(counts, {"model": rate}, 4.0, 6.0, 0.01, smoothing_std=0.001)


def test_model_comparison_bars_carry_their_values():
    fig = plotting.plot_model_comparison({"raw": 0.01, "basis": 0.03, "all": 0.09})
    ax = fig.axes[0]
    assert [bar.get_height() for bar in ax.patches] == pytest.approx([0.01, 0.03, 0.09])
    assert [t.get_text() for t in ax.texts] == ["0.010", "0.030", "0.090"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["raw", "basis", "all"]
    assert ax.get_ylabel() == "Held-out pseudo-R²"
    with pytest.raises(ValueError, match="at least one"):
        plotting.plot_model_comparison({})


def test_model_comparison_draws_the_state_speeds():
    speeds = pd.Series({"wake": 70.2, "REM": 75.0, "SWS": 600.0}, name="heading speed (deg/s)")
    fig = plotting.plot_model_comparison(speeds, ylabel="Heading speed (deg/s)", fmt="{:.0f}")
    ax = fig.axes[0]
    assert [bar.get_height() for bar in ax.patches] == [70.2, 75.0, 600.0]
    assert [t.get_text() for t in ax.texts] == ["70", "75", "600"]
    assert ax.get_ylabel() == "Heading speed (deg/s)"
    assert not hasattr(plotting, "plot_state_speeds")


@pytest.fixture
def unit_scores():
    rng = np.random.default_rng(5)
    return pd.DataFrame(
        rng.normal([0.02, 0.05, 0.09], 0.02, (19, 3)), columns=["raw history", "basis", "all"]
    )


def test_unit_scores_pair_units_and_mark_median_and_quartiles(unit_scores):
    fig = plotting.plot_unit_scores(unit_scores)
    ax = fig.axes[0]
    unit_lines = [
        line for line in ax.lines if matplotlib.colors.same_color(line.get_color(), "0.7")
    ]
    assert len(unit_lines) == 19
    for line, (_, row) in zip(unit_lines, unit_scores.iterrows(), strict=True):
        np.testing.assert_allclose(line.get_xdata(), [0, 1, 2])
        np.testing.assert_allclose(line.get_ydata(), row.to_numpy())
    (container,) = ax.containers
    centre = container.lines[0]
    np.testing.assert_allclose(centre.get_ydata(), unit_scores.median())
    bars = container.lines[2][0].get_segments()
    np.testing.assert_allclose([s[0, 1] for s in bars], unit_scores.quantile(0.25))
    np.testing.assert_allclose([s[1, 1] for s in bars], unit_scores.quantile(0.75))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["raw history", "basis", "all"]
    assert ax.get_ylabel() == "Held-out pseudo-R²"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "one unit (n = 19)",
        "median and interquartile range",
    ]
    reference = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert len(reference) == 1 and tuple(reference[0].get_ydata()) == (0, 0)


def test_unit_scores_reference_line_and_errors(unit_scores):
    train_test = unit_scores.iloc[:, :2].set_axis(["train", "test"], axis=1)
    fig = plotting.plot_unit_scores(train_test, ylabel="pseudo-R²", reference=None)
    ax = fig.axes[0]
    assert not [line for line in ax.lines if line.get_linestyle() == "--"]
    assert ax.get_ylabel() == "pseudo-R²" and ax.get_xlim() == (-0.5, 1.5)
    fig = plotting.plot_unit_scores(train_test, reference=0.05)
    assert [
        tuple(line.get_ydata()) for line in fig.axes[0].lines if line.get_linestyle() == "--"
    ] == [(0.05, 0.05)]
    with pytest.raises(ValueError, match="DataFrame with one row per unit"):
        plotting.plot_unit_scores(unit_scores["basis"])
    with pytest.raises(ValueError, match="at least 1 units"):
        plotting.plot_unit_scores(unit_scores.iloc[:0])
    with pytest.raises(ValueError, match="must be numbers"):
        plotting.plot_unit_scores(pd.DataFrame({"a": ["x", "y"]}))


def test_fold_scores_mark_mean_and_standard_error(unit_scores):
    folds = unit_scores.iloc[:5]
    fig = plotting.plot_fold_scores(folds, ylabel="Mean held-out pseudo-R²")
    ax = fig.axes[0]
    fold_lines = [
        line for line in ax.lines if matplotlib.colors.same_color(line.get_color(), "0.7")
    ]
    assert len(fold_lines) == 5
    np.testing.assert_allclose(fold_lines[3].get_ydata(), folds.iloc[3])
    (container,) = ax.containers
    mean = folds.mean().to_numpy()
    error = folds.std(ddof=1).to_numpy() / np.sqrt(5)
    np.testing.assert_allclose(container.lines[0].get_ydata(), mean)
    bars = container.lines[2][0].get_segments()
    np.testing.assert_allclose([s[0, 1] for s in bars], mean - error)
    np.testing.assert_allclose([s[1, 1] for s in bars], mean + error)
    assert not [line for line in ax.lines if line.get_linestyle() == "--"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "one fold (n = 5)",
        "mean ± standard error",
    ]
    assert ax.get_ylabel() == "Mean held-out pseudo-R²"
    with pytest.raises(ValueError, match="at least 2 folds"):
        plotting.plot_fold_scores(folds.iloc[:1])


def cell_heights(segments, cells):
    """Heights of each cell's line above its mid-line, as fractions of half a cell."""
    return [
        (i + 0.5 - segment[:, 1]) / 0.45 for segment, (i, _) in zip(segments, cells, strict=True)
    ]


def test_coupling_grid_draws_each_filter_on_its_net_coupling(frame):
    rng = np.random.default_rng(3)
    filters = rng.normal(0, 1, (N_UNITS, N_UNITS, 20))
    order = [4, 0, 2, 1, 3]
    fig = plotting.plot_coupling_grid(filters, frame, bin_size=0.01, order=order)
    grid = fig.axes[0]
    laid_out = filters[np.ix_(order, order)]
    net = laid_out.sum(axis=2)
    shown = np.ma.filled(grid.images[0].get_array(), np.nan)
    off = ~np.eye(N_UNITS, dtype=bool)
    np.testing.assert_allclose(shown[off], net[off])
    assert np.isnan(np.diag(shown)).all(), "self-history is not coupling: no colour"
    norm = grid.images[0].norm
    assert norm.vcenter == 0 and norm.vmin == -norm.vmax == -np.abs(net[off]).max()
    baselines, couplings, selves = grid.collections
    assert len(baselines.get_segments()) == N_UNITS**2
    assert len(couplings.get_segments()) == N_UNITS**2 - N_UNITS
    assert len(selves.get_segments()) == N_UNITS
    # Coupling cells row-major: (0, 1), (0, 2), ... Cell (i, j) = receiver order[i], sender
    # order[j]: its line lies in that cell, lag 1 on the left, and follows the filter (higher
    # weight = higher on screen = smaller y on the inverted axis).
    cells = [(i, j) for i in range(N_UNITS) for j in range(N_UNITS) if i != j]
    i, j = 3, 1
    line = couplings.get_segments()[cells.index((i, j))]
    assert np.all((j < line[:, 0]) & (line[:, 0] < j + 1) & (i < line[:, 1]) & (line[:, 1] < i + 1))
    assert np.all(np.diff(line[:, 0]) > 0)
    np.testing.assert_allclose(
        cell_heights([line], [(i, j)])[0], laid_out[i, j] / np.abs(laid_out[off]).max()
    )
    top, left = fig.axes[1], fig.axes[2]
    assert len(top.collections) == N_UNITS and len(left.collections) == N_UNITS
    expected = plotting.direction_colors(plotting.preferred_directions(frame).values[order])
    np.testing.assert_allclose(top.collections[0].get_facecolor()[0], expected[0])
    assert "Net coupling" in fig.axes[3].get_ylabel()
    assert grid.get_xlabel() == "Sender (in the given order)"
    assert "lag 1 to 20" in fig.get_suptitle() and "0.01 to 0.2 s" in fig.get_suptitle()


def test_coupling_grid_gives_couplings_and_self_history_their_own_scales(frame):
    rng = np.random.default_rng(6)
    filters = rng.normal(0, 0.01, (N_UNITS, N_UNITS, 30))
    for unit in range(N_UNITS):
        filters[unit, unit] = np.linspace(2.0, 0.0, 30)  # self-history 100 times larger
    fig = plotting.plot_coupling_grid(filters, frame, bin_size=0.01)
    grid = fig.axes[0]
    _, couplings, selves = grid.collections
    order = np.argsort(PREFERRED)  # default: sorted by preferred direction
    laid_out = filters[np.ix_(order, order)]
    off = ~np.eye(N_UNITS, dtype=bool)
    cells = [(i, j) for i in range(N_UNITS) for j in range(N_UNITS) if i != j]
    heights = np.array(cell_heights(couplings.get_segments(), cells))
    coupling_scale = np.abs(laid_out[off]).max()
    np.testing.assert_allclose(heights, laid_out[off] / coupling_scale)
    assert np.abs(heights).max() == pytest.approx(1.0), "couplings use their cells' full height"
    self_heights = np.array(cell_heights(selves.get_segments(), [(i, i) for i in range(N_UNITS)]))
    np.testing.assert_allclose(self_heights, np.tile(np.linspace(1.0, 0.0, 30), (N_UNITS, 1)))
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == [
        f"coupling filters (off-diagonal): half a cell = {coupling_scale:.2g}",
        "self-history filters (diagonal): half a cell = 2",
    ]
    assert matplotlib.colors.same_color(couplings.get_colors()[0], "black")
    assert not matplotlib.colors.same_color(selves.get_colors()[0], "black")
    assert grid.get_xlabel() == "Sender (sorted by preferred direction)"


def test_coupling_grid_errors(frame):
    filters = np.zeros((N_UNITS, N_UNITS, 10))
    with pytest.raises(ValueError, match=r"must have shape \(5, 5, n_lags\)"):
        plotting.plot_coupling_grid(filters[:3], frame, bin_size=0.01)
    with pytest.raises(ValueError, match="permutation of range"):
        plotting.plot_coupling_grid(filters, frame, bin_size=0.01, order=[0, 0, 1, 2, 3])
    with pytest.raises(ValueError, match="at least 2"):
        plotting.plot_coupling_grid(filters[:1, :1], frame[[10]], bin_size=0.01)


def test_decoded_heading_and_correlation_matrices(recording):
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


def test_crosscorrelograms_draw_one_panel_per_pair_and_one_line_per_state():
    lags = np.round(np.arange(-1.0, 1.01, 0.5), 2)
    columns = pd.MultiIndex.from_product([["near", "opposite"], ["wake", "SWS"]])
    values = np.arange(len(lags) * 4, dtype=float).reshape(len(lags), 4)
    fig = plotting.plot_crosscorrelograms(pd.DataFrame(values, index=lags, columns=columns))
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["near", "opposite"]
    data_lines = [line for line in panels[1].lines if line.get_label() in ("wake", "SWS")]
    assert [line.get_label() for line in data_lines] == ["wake", "SWS"]
    np.testing.assert_array_equal(data_lines[1].get_xdata(), lags)
    np.testing.assert_array_equal(data_lines[1].get_ydata(), values[:, 3])  # (opposite, SWS)
    baseline = [line for line in panels[0].lines if line.get_linestyle() == "--"]
    assert len(baseline) == 1 and set(baseline[0].get_ydata()) == {1.0}
    assert panels[0].get_xlabel() == "Lag (s)"
    with pytest.raises(ValueError, match="two-level"):
        plotting.plot_crosscorrelograms(pd.DataFrame(values, index=lags))


def test_displacement_vs_lag_draws_each_source_and_state_with_its_values_on_log_axes():
    lags = [0.1, 0.2, 0.5, 1.0, 2.0]
    columns = pd.MultiIndex.from_product([["GLM", "Bayesian"], ["wake", "SWS"]])
    values = np.outer(np.sqrt(lags), [1.0, 8.0, 1.5, 6.0])
    fig = plotting.plot_displacement_vs_lag(pd.DataFrame(values, index=lags, columns=columns))
    (ax,) = fig.axes
    assert ax.get_xscale() == ax.get_yscale() == "log"
    drawn = {line.get_label(): line for line in ax.lines if not line.get_label().startswith("_")}
    assert list(drawn) == ["wake, GLM", "SWS, GLM", "wake, Bayesian", "SWS, Bayesian"]
    np.testing.assert_allclose(drawn["SWS, Bayesian"].get_ydata(), values[:, 3])
    np.testing.assert_allclose(drawn["wake, GLM"].get_xdata(), lags)
    # a colour per state, a line style per source
    assert drawn["SWS, GLM"].get_color() == drawn["SWS, Bayesian"].get_color()
    assert drawn["SWS, GLM"].get_color() != drawn["wake, GLM"].get_color()
    assert drawn["SWS, GLM"].get_linestyle() != drawn["SWS, Bayesian"].get_linestyle()
    # the random-walk guide starts at the first line's first point and has slope 1/2
    guides = [line for line in ax.lines if line.get_label().startswith("_")]
    guide = next(line for line in guides if line.get_color() == "0.75")
    slope = np.polyfit(np.log(lags), np.log(guide.get_ydata()), 1)[0]
    assert guide.get_ydata()[0] == values[0, 0] and slope == pytest.approx(0.5)
    with pytest.raises(ValueError, match="two-level"):
        plotting.plot_displacement_vs_lag(pd.DataFrame(values, index=lags))
    with pytest.raises(ValueError, match="positive"):
        plotting.plot_displacement_vs_lag(pd.DataFrame(-values, index=lags, columns=columns))


def test_states_figure_draws_the_count_the_probabilities_and_one_band_row_per_label():
    t = np.arange(0, 100, 0.1)
    count = nap.Tsd(t=t, d=np.arange(t.size) % 7)
    scoring = {
        "wake": nap.IntervalSet([0.0], [40.0]),
        "SWS": nap.IntervalSet([50.0, 80.0, 96.0], [70.0, 95.0, 99.0]),
    }
    weights = np.random.default_rng(0).dirichlet(np.ones(3), t.size)
    probabilities = nap.TsdFrame(t=t, d=weights)
    fig = plotting.plot_states(count, scoring, 30.0, 90.0, probabilities=probabilities)
    count_ax, state_ax, band_ax = fig.axes[:3]
    assert count_ax.get_xlim() == (30.0, 90.0)
    x, y = count_ax.lines[0].get_data()
    assert x.min() >= 30.0 and x.max() <= 90.0
    np.testing.assert_array_equal(y, count.get(30.0, 90.0).values)
    assert len(state_ax.collections) == 3 and state_ax.get_ylim() == (0, 1)
    assert [t.get_text() for t in state_ax.get_legend().get_texts()] == [
        "state 0", "state 1", "state 2"
    ]
    # the bands: wake from 30 to 40 on the top row, SWS 50-70 and 80-90 on the bottom row (the
    # SWS interval after the window is not drawn)
    spans = sorted(
        (round(p.get_x(), 6), round(p.get_x() + p.get_width(), 6), p.get_y(), p.get_height())
        for p in band_ax.patches
    )
    assert spans == [(30.0, 40.0, 0.5, 0.5), (50.0, 70.0, 0.0, 0.5), (80.0, 90.0, 0.0, 0.5)]
    assert [tick.get_text() for tick in band_ax.get_yticklabels()] == ["wake", "SWS"]
    assert len(plotting.plot_states(count, scoring, 0.0, 10.0).axes) == 2
    with pytest.raises(ValueError, match="end > start"):
        plotting.plot_states(count, scoring, 10.0, 10.0)
    with pytest.raises(ValueError, match="at least one label"):
        plotting.plot_states(count, {}, 0.0, 10.0)


def test_recovery_panels_give_r_and_slope_of_the_data_passed():
    rng = np.random.default_rng(7)
    truth = rng.normal(0, 1, (4, 5))
    fitted = {"3 minutes": 0.5 * truth + rng.normal(0, 0.3, (4, 5)), "exact": 2 * truth - 1}
    fig = plotting.plot_recovery(truth, fitted, "true net coupling", "fitted net coupling")
    assert len(fig.axes) == 2
    for ax, (name, values) in zip(fig.axes, fitted.items(), strict=True):
        r = np.corrcoef(truth.ravel(), values.ravel())[0, 1]
        slope = np.polyfit(truth.ravel(), values.ravel(), 1)[0]
        assert ax.get_title() == f"{name}\nr = {r:.2f}, slope = {slope:.2f}"
        np.testing.assert_allclose(
            ax.collections[0].get_offsets(), np.c_[truth.ravel(), values.ravel()]
        )
        identity = next(line for line in ax.lines if line.get_label() == "identity")
        np.testing.assert_allclose(identity.get_xdata(), identity.get_ydata())
        zero_lines = [line for line in ax.lines if line.get_label() != "identity"]
        assert {(tuple(line.get_xdata()), tuple(line.get_ydata())) for line in zero_lines} == {
            ((0, 1), (0, 0)),
            ((0, 0), (0, 1)),
        }
        assert ax.get_xlabel() == "true net coupling"
    assert fig.axes[1].get_title().endswith("r = 1.00, slope = 2.00")
    left, right = fig.axes[0], fig.axes[1]
    assert left.get_xlim() == right.get_xlim() == left.get_ylim() == right.get_ylim()
    low, high = left.get_xlim()
    everything = np.concatenate([truth.ravel(), *[v.ravel() for v in fitted.values()]])
    assert low < everything.min() and high > everything.max()
    assert left.get_ylabel() == "fitted net coupling"


def test_recovery_errors():
    truth = np.arange(10.0)
    with pytest.raises(ValueError, match="shape of the true values"):
        plotting.plot_recovery(truth, {"a": truth[:5]}, "true", "fitted")
    with pytest.raises(ValueError, match="3 values or more"):
        plotting.plot_recovery(truth[:2], {"a": truth[:2]}, "true", "fitted")
    with pytest.raises(ValueError, match="at least one model"):
        plotting.plot_recovery(truth, {}, "true", "fitted")
    with pytest.raises(ValueError, match="all equal"):
        plotting.plot_recovery(np.ones(5), {"a": truth[:5]}, "true", "fitted")
    assert not hasattr(plotting, "plot_fitted_vs_true")


def test_coupling_null_draws_every_pair_each_simulations_largest_and_the_threshold():
    pairs = np.array([-0.5, 0.2, 1.0, -3.5, 4.2, 0.1])
    largest = np.array([2.0, 2.5, 3.0])
    fig = plotting.plot_coupling_null(pairs, largest, threshold=3.0, xlabel="|z|")
    ax = fig.axes[0]
    heights = [patch.get_height() for patch in ax.patches]
    assert sum(heights) == pairs.size  # every pair, in absolute value, in [0, xmax]
    ticks = next(line for line in ax.lines if line.get_marker() == "|")
    np.testing.assert_allclose(ticks.get_xdata(), largest)
    threshold = next(line for line in ax.lines if line.get_linestyle() == "--")
    assert tuple(threshold.get_xdata()) == (3.0, 3.0)
    assert threshold.get_label() == "threshold: 2 pairs beyond it"
    assert ax.get_xlim()[1] > 4.2 and ax.get_xlabel() == "|z|"
    with pytest.raises(ValueError, match="finite"):
        plotting.plot_coupling_null(np.array([np.nan, 1.0]), largest, 3.0, "|z|")
    with pytest.raises(ValueError, match="at least one"):
        plotting.plot_coupling_null(pairs, np.array([]), 3.0, "|z|")


def test_helpers_leave_matplotlib_settings_alone(frame):
    before = dict(matplotlib.rcParams)
    bwr_bad = matplotlib.colormaps["bwr"].get_bad()
    plotting.plot_tuning_curves(frame)
    plotting.plot_model_comparison({"a": 1.0})
    plotting.plot_coupling_grid(np.ones((N_UNITS, N_UNITS, 3)), frame, bin_size=0.01)
    plotting.plot_unit_scores(pd.DataFrame({"a": [0.1, 0.2], "b": [0.2, 0.3]}))
    plotting.plot_recovery(np.arange(4.0), {"m": np.arange(4.0)}, "true", "fitted")
    assert dict(matplotlib.rcParams) == before
    np.testing.assert_allclose(matplotlib.colormaps["bwr"].get_bad(), bwr_bad)


def test_style_file_makes_animations_play_inline_and_drops_offsets():
    style = matplotlib.rc_params_from_file(str(plotting.STYLE_PATH), use_default_template=False)
    assert style["animation.html"] == "jshtml"
    assert 0 < style["animation.embed_limit"] <= 8
    assert style["axes.formatter.useoffset"] is False


@pytest.mark.filterwarnings("ignore:Animation was deleted without rendering")
def test_time_axes_show_no_offset_even_without_the_style(frame):
    """Times around 8910 s read as they are, not as "+8.91e3", with Matplotlib's defaults.

    (Defaults put an offset on windows of 0.5 s or less at such times: the windows here are
    0.3 s long.)
    """
    assert matplotlib.rcParams["axes.formatter.useoffset"], "the test runs with the defaults"
    rng = np.random.default_rng(8)
    t0 = 8910.0
    t = t0 + np.arange(0, 20, 0.01) + 0.005
    angle = nap.Tsd(t=t, d=np.mod(np.cumsum(rng.normal(0, 0.05, t.size)), 2 * np.pi))
    spikes = nap.TsGroup(
        {uid: nap.Ts(np.sort(rng.uniform(t0, t0 + 20, 200))) for uid in UNIT_IDS},
        time_support=nap.IntervalSet(t0, t0 + 20),
    )
    counts = spikes.count(0.01)
    count = counts[:, 0]
    rates = nap.TsdFrame(t=counts.t, d=np.ones(counts.shape))
    posterior = nap.TsdFrame(
        t=t, d=rng.random((t.size, 12)), columns=np.linspace(0, 2 * np.pi, 12, endpoint=False)
    )
    animation = plotting.animate_sliding_window(count, count.t[0], window_size=10, n_frames=3)
    figures = {
        "population": plotting.plot_head_direction_population(
            spikes, angle, frame, t0 + 1, t0 + 1.3, predicted_rates=rates
        ),
        "history window": plotting.plot_history_window(
            count, count.t[0], count.t[0] + 0.3, 10, count.t[0]
        ),
        "animation": animation._fig,
        "convolved counts": plotting.plot_convolved_counts(
            count, counts, [(t0 + 1, t0 + 1.3), (t0 + 3, t0 + 3.3)]
        ),
        "rates": plotting.plot_rates_vs_counts(
            count, {"model": rates[:, 0]}, t0 + 1, t0 + 1.3, bin_size=0.01
        ),
        "decoded": plotting.plot_decoded_heading(angle, angle, t0 + 1, t0 + 1.3, posterior),
    }
    for name, fig in figures.items():
        fig.canvas.draw()
        time_axes = [ax for ax in fig.axes if ax.get_xlim()[0] > 8900]
        assert time_axes, name
        for ax in time_axes:
            assert ax.xaxis.get_offset_text().get_text() == "", name
            ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
            assert all(float(t.replace("−", "-")) > 8900 for t in ticks), (name, ticks)
    del animation
    gc.collect()


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


def test_long_model_names_wrap_instead_of_overlapping():
    scores = pd.DataFrame(
        {
            "self-history only": [0.1, 0.2],
            "all-to-all": [0.2, 0.3],
            "head angle + all-to-all": [0.3, 0.4],
        }
    )
    fig = plotting.plot_unit_scores(scores)
    labels = [label.get_text() for label in fig.axes[0].get_xticklabels()]
    assert labels == ["self-history\nonly", "all-to-all", "head angle +\nall-to-all"]
    fig = plotting.plot_model_comparison(scores.iloc[0])
    assert "head angle +\nall-to-all" in [t.get_text() for t in fig.axes[0].get_xticklabels()]


def test_unit_scores_name_their_rows_and_draw_unpaired_columns_as_dots():
    paired = plotting.plot_unit_scores(
        pd.DataFrame({"a": [1.0, 2.0], "b": [2.0, 3.0]}), row_label="held-out minute"
    )
    labels = paired.axes[0].get_legend_handles_labels()[1]
    assert labels[0] == "one held-out minute (n = 2)"
    assert len(paired.axes[0].lines) >= 2
    unpaired = plotting.plot_unit_scores(
        pd.DataFrame({"wake": [1.0, 2.0, np.nan], "SWS": [5.0, 6.0, 7.0]}),
        row_label="interval",
        reference=None,
        paired=False,
    )
    ax = unpaired.axes[0]
    dots = [collection.get_offsets() for collection in ax.collections[:2]]
    assert [len(d) for d in dots] == [2, 3], "NaN padding is left out"
    assert not [
        line for line in ax.lines if len(line.get_xdata()) == 2 and line.get_color() == "0.7"
    ]
    assert ax.get_legend_handles_labels()[1][0] == "one interval"
