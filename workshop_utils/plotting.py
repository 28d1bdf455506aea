"""Every custom figure of the workshop notebooks.

Each helper takes data and returns a :class:`matplotlib.figure.Figure` (or a ``FuncAnimation``):
no ``plt.show()``, no change to global Matplotlib settings, every window or size an argument.
Time series are pynapple objects; tuning curves a ``DataFrame`` (index: angle bin centres,
columns: units) or the ``DataArray`` of ``nap.compute_tuning_curves`` (dims ``("unit", feature)``).
Figures come from pyplot (``plt.figure``, ``plt.subplots``), never inside
``plt.style.context``: leaving one restores ``interactive`` as it was before the inline backend
switched it on, and notebooks then stop showing figures. Time axes never use an offset
("+8.91e3"), with or without the workshop style.

Lags follow the pinned NeMoS: ``HistoryConv(window_size).compute_features(counts)`` row ``t``,
column ``k`` holds ``counts[t - 1 - k]`` (column 0 is lag 1; the first ``window_size`` rows are
NaN). Every lag axis draws lag 1 on the left. ``STYLE_PATH`` is the workshop's Matplotlib style
(``plt.style.use(plotting.STYLE_PATH)``; it also makes animations play inline).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.animation import FuncAnimation
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

__all__ = [
    "RATE_PERCENTILE",
    "STYLE_PATH",
    "animate_sliding_window",
    "direction_colors",
    "plot_basis",
    "plot_convolved_counts",
    "plot_correlation_matrices",
    "plot_coupling_grid",
    "plot_crosscorrelograms",
    "plot_cv_folds",
    "plot_cv_scores",
    "plot_decoded_heading",
    "plot_displacement_vs_lag",
    "plot_feature_rows",
    "plot_fold_scores",
    "plot_head_direction_population",
    "plot_history_filters",
    "plot_history_window",
    "plot_model_comparison",
    "plot_posteriors",
    "plot_rates_vs_counts",
    "plot_recovery",
    "plot_coupling_null",
    "plot_states",
    "plot_tuning_curves",
    "plot_unit_scores",
    "preferred_directions",
    "tuning_curves_to_frame",
]

STYLE_PATH = Path(__file__).with_name("workshop.mplstyle")
TWO_PI = 2 * np.pi
RATE_PERCENTILE = 99.0
"""Where the grey scale of predicted rates stops (percentile of the window's rates)."""


# ------------------------------------------------------------------------------- conversions
def tuning_curves_to_frame(tuning_curves: Any) -> pd.DataFrame:
    """Return tuning curves as a DataFrame: index angle bin centres, one column per unit.

    Parameters
    ----------
    tuning_curves : pandas.DataFrame or xarray.DataArray
        Angles x units, or a DataArray with dims ``("unit", feature)``.

    Returns
    -------
    pandas.DataFrame
        The curves, index named after the feature, columns named ``unit``.

    Raises
    ------
    ValueError
        If a DataFrame has fewer than 2 rows, or a DataArray is not 2-D with a unit dimension.
    """
    if isinstance(tuning_curves, pd.DataFrame):
        if tuning_curves.shape[0] < 2:
            raise ValueError("Tuning curves must have one row per angle bin (at least 2).")
        return tuning_curves
    dims = getattr(tuning_curves, "dims", None)
    if dims is None or len(dims) != 2 or "unit" not in dims:
        raise ValueError(
            "Tuning curves must be a DataFrame (angles x units) or a 2-D DataArray with dims "
            f"('unit', feature); got {type(tuning_curves).__name__} with dims {dims}."
        )
    feature = next(d for d in dims if d != "unit")
    return tuning_curves.transpose(feature, "unit").to_pandas()


def preferred_directions(tuning_curves: Any) -> pd.Series:
    """Return each unit's preferred direction: the angle where its tuning curve peaks.

    Parameters
    ----------
    tuning_curves : pandas.DataFrame or xarray.DataArray
        Tuning curves (see :func:`tuning_curves_to_frame`); NaN bins (never visited) are ignored.

    Returns
    -------
    pandas.Series
        Angle (rad) per unit.
    """
    return tuning_curves_to_frame(tuning_curves).idxmax()


def direction_colors(angles: Sequence[float] | np.ndarray) -> np.ndarray:
    """Return the RGBA colour of each angle on the ``hsv`` colour wheel over [0, 2π).

    Parameters
    ----------
    angles : array-like
        Angles in radians.

    Returns
    -------
    np.ndarray
        Colours, shape (n, 4).
    """
    return plt.get_cmap("hsv")(np.mod(np.asarray(angles, dtype=float), TWO_PI) / TWO_PI)


def _window(data: Any, start: float, end: float) -> Any:
    """``data.get(start, end)``, after checking that the window is not reversed."""
    if end <= start:
        raise ValueError(f"The window must end after it starts; got start={start}, end={end}.")
    return data.get(start, end)


def _label_lags(ax: Axes, n_lags: int, bin_size: float) -> None:
    """Label an x axis whose position ``k`` is lag ``k`` (matrix column ``k - 1``)."""
    inner = MaxNLocator(nbins=5, integer=True).tick_values(1, n_lags)
    keep = (inner - 1 >= n_lags / 8) & (n_lags - inner >= n_lags / 8)
    ticks = np.r_[1, inner[keep], n_lags] if n_lags > 1 else np.array([1])
    labels = [f"{tick:g}" for tick in ticks]
    labels[0] = "lag 1\n(most recent)"
    if n_lags > 1:
        labels[-1] = f"lag {n_lags}\n({n_lags * bin_size:g} s ago)"
    ax.set_xticks(ticks, labels)
    ax.set_xlim(0.5, n_lags + 0.5)
    ax.set_xlabel("Lag (bins before the predicted bin); matrix column = lag - 1")


# ----------------------------------------------------------------------------- tuning curves
def plot_tuning_curves(
    tuning_curves: Any,
    units: Sequence[Any] | None = None,
    polar: bool = False,
    ncols: int | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Draw the tuning curves of some units, one axis each, coloured by preferred direction.

    Parameters
    ----------
    tuning_curves : pandas.DataFrame or xarray.DataArray
        Tuning curves (see :func:`tuning_curves_to_frame`).
    units : sequence, optional
        Units to draw (default: all).
    polar : bool, optional
        Draw on polar axes.
    ncols : int, optional
        Axes per row (default: up to 4).
    figsize : tuple of float, optional
        Figure size in inches.

    Returns
    -------
    Figure

    Raises
    ------
    ValueError
        If a unit is not in the tuning curves.
    """
    frame = tuning_curves_to_frame(tuning_curves)
    units = list(frame.columns if units is None else units)
    missing = [u for u in units if u not in frame.columns]
    if missing:
        raise ValueError(f"Units {missing} are not in the tuning curves ({list(frame.columns)}).")
    ncols = ncols or min(len(units), 4)
    nrows = int(np.ceil(len(units) / ncols))
    fig = plt.figure(figsize=figsize or (3.2 * ncols, 2.8 * nrows), layout="constrained")
    colors = direction_colors(preferred_directions(frame)[units])
    for index, (unit, color) in enumerate(zip(units, colors, strict=True)):
        ax = fig.add_subplot(nrows, ncols, index + 1, projection="polar" if polar else None)
        angles, rates = frame.index.values, frame[unit].values
        if polar:
            ax.plot(np.r_[angles, angles[0]], np.r_[rates, rates[0]], color=color)
            ax.set_xticks(np.arange(0, TWO_PI, np.pi / 2))
        else:
            ax.plot(angles, rates, color=color)
            ax.set(xlabel="Head direction (rad)", ylabel="Firing rate (Hz)", xlim=(0, TWO_PI))
        ax.set_title(f"unit {unit}")
    return fig


def plot_head_direction_population(
    spikes: Any,
    head_angle: Any,
    tuning_curves: Any,
    start: float,
    end: float,
    predicted_rates: Any | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Draw the head angle, the raster sorted by preferred direction and the tuning curves.

    Parameters
    ----------
    spikes : pynapple.TsGroup
        Spike trains; their index must match the tuning curves' units.
    head_angle : pynapple.Tsd
        Head angle (rad).
    tuning_curves : pandas.DataFrame or xarray.DataArray
        Tuning curves of the same units.
    start, end : float
        Time window (s).
    predicted_rates : pynapple.TsdFrame, optional
        Predicted rates (Hz), one column per unit in sorted order, drawn under the raster.
    figsize : tuple of float, optional
        Figure size in inches.

    Returns
    -------
    Figure
        Axes: head angle (broken where it wraps), raster, (rates: grey up to the window's
        :data:`RATE_PERCENTILE`-th percentile, red above,) polar tuning curves (, colour bar).

    Raises
    ------
    ValueError
        If the units of the spikes and tuning curves differ, the window is empty, or the
        predicted rates do not have one column per unit.
    """
    frame = tuning_curves_to_frame(tuning_curves)
    units = list(spikes.keys())
    if sorted(units) != sorted(frame.columns):
        raise ValueError(
            f"The spikes' units {units} differ from the tuning curves' {list(frame.columns)}."
        )
    if predicted_rates is not None and np.shape(predicted_rates)[1:] != (len(units),):
        raise ValueError(
            f"predicted_rates needs one column per unit ({len(units)}); "
            f"got shape {np.shape(predicted_rates)}."
        )
    preferred = preferred_directions(frame)
    order = list(preferred.sort_values().index)
    colors = dict(zip(order, direction_colors(preferred[order]), strict=True))
    rows = 3 if predicted_rates is not None else 2
    fig = plt.figure(figsize=figsize or (11, 2.2 + 1.8 * rows), layout="constrained")
    grid = fig.add_gridspec(rows, 2, width_ratios=[4, 1], height_ratios=[1, 2, 2][:rows])
    angle_ax = fig.add_subplot(grid[0, 0])
    angle = _window(head_angle, start, end)
    angle_ax.plot(*_break_at_wraps(angle.t, np.asarray(angle)), color="black")
    angle_ax.set(ylabel="Head angle (rad)", ylim=(0, TWO_PI), xlim=(start, end))
    angle_ax.ticklabel_format(axis="x", useOffset=False)  # shared by the axes below
    raster_ax = fig.add_subplot(grid[1, 0], sharex=angle_ax)
    # One eventplot for all rows: a vlines call per unit takes about 4x longer to build.
    raster_ax.eventplot(
        [spikes[unit].get(start, end).t for unit in order],
        lineoffsets=np.arange(len(order)) + 0.5,
        linelengths=0.8,
        linewidths=1,
        colors=[colors[unit] for unit in order],
    )
    raster_ax.set(ylim=(0, len(order)), ylabel="Units (sorted)")
    raster_ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if predicted_rates is not None:
        rate_ax = fig.add_subplot(grid[2, 0], sharex=angle_ax)
        window = _window(predicted_rates, start, end)
        values = np.asarray(window, dtype=float)
        # A robust scale, so that a few runaway bins (a coupled GLM can predict them), drawn in
        # red, cannot wash out the rest.
        top = max(float(np.nanpercentile(values, RATE_PERCENTILE)), 1e-12)
        cmap = plt.get_cmap("Greys").with_extremes(over="tab:red")
        image = rate_ax.imshow(
            values.T,
            aspect="auto",
            origin="lower",
            cmap=cmap,
            vmin=0,
            vmax=top,
            extent=(window.t[0], window.t[-1], 0, len(order)),
            interpolation="none",
        )
        bar = fig.colorbar(image, ax=rate_ax, extend="max", pad=0.01, fraction=0.04)
        bar.set_label(f"Hz (red: above the\n{RATE_PERCENTILE:g}th percentile)")
        rate_ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        rate_ax.set(ylabel="Predicted rate\n(sorted units)", xlabel="Time (s)")
    else:
        raster_ax.set_xlabel("Time (s)")
    polar_ax = fig.add_subplot(grid[:, 1], projection="polar")
    normalised = frame[order] / frame[order].max().clip(lower=1e-12)
    angles = np.r_[frame.index.values, frame.index.values[0]]
    for unit in order:
        values = normalised[unit].to_numpy()
        polar_ax.plot(angles, np.r_[values, values[0]], color=colors[unit])
    polar_ax.set(yticks=[], title="Tuning curves (normalised)")
    return fig


# ----------------------------------------------------------------------------- spike history
def plot_history_window(
    counts: Any, start: float, end: float, window_size: int, window_start: float
) -> Figure:
    """Draw a count trace with a history window and the bin it predicts.

    Parameters
    ----------
    counts : pynapple.Tsd
        Binned spike counts (``counts.t`` are bin centres).
    start, end : float
        Time window to draw (s).
    window_size : int
        History window in bins.
    window_start : float
        Time of the window's first bin (s): the bin whose centre is closest to it.

    Returns
    -------
    Figure
        One axis: the counts, the window shaded from its bins' edges, the predicted bin after it.

    Raises
    ------
    ValueError
        If ``window_size`` is not positive or the window does not fit in [start, end].
    """
    bin_size = float(np.median(np.diff(counts.t)))
    if window_size < 1:
        raise ValueError(f"window_size must be a positive number of bins; got {window_size}.")
    first = int(np.argmin(np.abs(counts.t - window_start)))
    window_left = counts.t[first] - bin_size / 2
    window_end = window_left + window_size * bin_size
    if window_left < start - bin_size / 2 or window_end + bin_size > end + bin_size / 2:
        raise ValueError(
            f"The history window [{window_left:g}, {window_end:g}] and its predicted bin must lie "
            f"within [{start}, {end}]: move window_start or widen the window drawn."
        )
    shown = _window(counts, start, end)
    fig, ax = plt.subplots(figsize=(9, 2.6), layout="constrained")
    ax.step(shown.t, np.asarray(shown), where="mid", color="black", label="spike counts")
    ax.axvspan(window_left, window_end, color="tab:blue", alpha=0.25, label="history window")
    ax.axvspan(window_end, window_end + bin_size, color="tab:red", alpha=0.6, label="predicted bin")
    ax.set(xlim=(start, end), xlabel="Time (s)", ylabel="Spikes per bin")
    ax.ticklabel_format(axis="x", useOffset=False)
    ax.legend(loc="upper right")
    return fig


def animate_sliding_window(
    counts: Any, start: float, window_size: int, n_frames: int, interval: int = 200
) -> FuncAnimation:
    """Animate the history window sliding along the counts, one feature row per frame.

    Frame ``f`` shades the window starting ``f`` bins after ``start`` and fills the row (index
    on the y axis) of ``HistoryConv(window_size).compute_features(counts)`` that it predicts.

    Parameters
    ----------
    counts : pynapple.Tsd
        Binned spike counts.
    start : float
        Time where the first window starts (s).
    window_size : int
        History window in bins.
    n_frames : int
        Number of frames (windows shown).
    interval : int, optional
        Milliseconds between frames.

    Returns
    -------
    FuncAnimation
        The animation; its figure is closed so that notebooks show only the animation.

    Raises
    ------
    ValueError
        If there are not enough bins after ``start`` for the frames requested.
    """
    values = np.asarray(counts)
    first = int(np.searchsorted(counts.t, start))
    if window_size < 1 or n_frames < 1 or first + window_size + n_frames > values.size:
        raise ValueError(
            f"{n_frames} frames of a {window_size}-bin window need {window_size + n_frames} bins "
            f"after t={start}; only {values.size - first} are left. Give a positive window_size "
            "and n_frames, or an earlier start."
        )
    last = first + window_size + n_frames  # one past the last predicted bin
    times = counts.t[first:last]
    bin_size = float(np.median(np.diff(counts.t)))
    rows = np.full((n_frames, window_size), np.nan)
    fig, (trace_ax, matrix_ax) = plt.subplots(
        2, 1, figsize=(6, 4.4), dpi=72, layout="constrained", height_ratios=[1, 2]
    )
    trace_ax.step(times, values[first:last], where="mid", color="black")
    trace_ax.set_xlim(times[0] - bin_size / 2, times[-1] + bin_size / 2)
    trace_ax.ticklabel_format(axis="x", useOffset=False)
    trace_ax.set(xlabel="Time (s)", ylabel="Counts")
    window = trace_ax.axvspan(0, window_size * bin_size, color="tab:blue", alpha=0.3)
    target = trace_ax.axvspan(0, bin_size, color="tab:red", alpha=0.6)
    top = max(1, values[first:last].max()) * 1.05
    oldest = trace_ax.text(0, top, f"lag {window_size}", ha="left", va="bottom", fontsize=8)
    newest = trace_ax.text(0, top, "lag 1", ha="right", va="bottom", fontsize=8)
    trace_ax.set_ylim(0, top * 1.3)
    predicted = first + window_size  # row of the feature matrix shown in frame 0
    image = matrix_ax.imshow(
        rows,
        aspect="auto",
        cmap="Greys",
        vmin=0,
        vmax=max(1, values[first:last].max()),
        interpolation="none",
        extent=(0.5, window_size + 0.5, predicted + n_frames - 0.5, predicted - 0.5),
    )
    _label_lags(matrix_ax, window_size, bin_size)
    matrix_ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    matrix_ax.set_ylabel("Feature row\n(= predicted bin)")

    def draw_frame(frame: int) -> tuple[Any, ...]:
        left = times[frame] - bin_size / 2
        right = left + window_size * bin_size
        window.set_x(left)
        target.set_x(right)
        oldest.set_x(left)
        newest.set_x(right)
        # HistoryConv's row for the predicted bin: column k holds the count k + 1 bins before.
        rows[frame] = values[first + frame : first + frame + window_size][::-1]
        image.set_data(rows)
        return window, target, image, oldest, newest

    # Lay the first frame out once and keep that layout (every frame has the same labels), so
    # that constrained layout is not solved again for each frame.
    draw_frame(0)
    fig.canvas.draw()
    fig.set_layout_engine("none")
    animation = FuncAnimation(fig, draw_frame, frames=n_frames, interval=interval, blit=False)
    plt.close(fig)
    return animation


def plot_feature_rows(features: Any, rows: Sequence[int], bin_size: float) -> Figure:
    """Draw some rows of a history feature matrix, stacked, in the matrix's column order.

    Parameters
    ----------
    features : np.ndarray or pynapple.TsdFrame
        Feature matrix (n_samples, n_lags), e.g. ``HistoryConv(n_lags).compute_features(x)``.
    rows : sequence of int
        Rows to draw (row ``t`` predicts bin ``t``).
    bin_size : float
        Bin size (s).

    Returns
    -------
    Figure
        One axis per row, column ``k`` a bar at x = ``k + 1`` (its lag): lag 1 on the left.

    Raises
    ------
    ValueError
        If the features are not 2-D or a row is out of range.
    """
    matrix = np.asarray(features)
    if matrix.ndim != 2:
        raise ValueError(f"features must be 2-D (n_samples, n_lags); got shape {matrix.shape}.")
    rows = list(rows)
    if not rows or min(rows) < 0 or max(rows) >= matrix.shape[0]:
        raise ValueError(f"rows must lie in [0, {matrix.shape[0]}); got {rows}.")
    n_lags = matrix.shape[1]
    fig = plt.figure(figsize=(8, 0.6 * len(rows) + 1.3), layout="constrained")
    axes = fig.subplots(len(rows), 1, sharex=True, squeeze=False)[:, 0]
    edges = np.arange(n_lags + 1) + 0.5
    for ax, row in zip(axes, rows, strict=True):
        ax.stairs(matrix[row], edges, fill=True, color="black")
        ax.set_ylabel(f"row {row}", rotation=0, ha="right", va="center")
        ax.set_yticks([])
    _label_lags(axes[-1], n_lags, bin_size)
    return fig


def plot_history_filters(
    filters: Mapping[str, Any], bin_size: float, styles: Mapping[str, dict] | None = None
) -> Figure:
    """Draw history filters against time from spike: weight ``k`` at ``(k + 1) * bin_size``.

    Parameters
    ----------
    filters : mapping of str to array
        Filters by label, each of shape (n_lags,) (or (n_lags, 1)).
    bin_size : float
        Lag step (s).
    styles : mapping of str to dict, optional
        Matplotlib line keyword arguments by label.

    Returns
    -------
    Figure

    Raises
    ------
    ValueError
        If a filter is not 1-D or the filters differ in length.
    """
    styles = styles or {}
    arrays = {label: np.asarray(values, dtype=float).squeeze() for label, values in filters.items()}
    lengths = {label: a.shape for label, a in arrays.items()}
    if not arrays or any(a.ndim != 1 for a in arrays.values()) or len(set(lengths.values())) > 1:
        raise ValueError(f"Filters must be 1-D arrays of one length; got shapes {lengths}.")
    fig, ax = plt.subplots(figsize=(7, 3.2), layout="constrained")
    for label, values in arrays.items():
        lags = np.arange(1, values.size + 1) * bin_size
        ax.plot(lags, values, label=label, **styles.get(label, {}))
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set(xlabel="Time from spike (s)", ylabel="Weight (log rate)")
    ax.legend()
    return fig


def plot_basis(time: np.ndarray, kernels: np.ndarray) -> Figure:
    """Draw basis functions against time from spike, one line each.

    Parameters
    ----------
    time : np.ndarray
        Time from spike (s), shape (n_time,).
    kernels : np.ndarray
        Basis functions, shape (n_time, n_basis).

    Returns
    -------
    Figure

    Raises
    ------
    ValueError
        If the shapes do not match.
    """
    time, kernels = np.asarray(time), np.asarray(kernels)
    if kernels.ndim != 2 or kernels.shape[0] != time.size:
        raise ValueError(
            f"kernels must have shape (len(time), n_basis) = ({time.size}, n); got {kernels.shape}."
        )
    fig, ax = plt.subplots(figsize=(7, 3), layout="constrained")
    ax.plot(time, kernels)
    ax.set(xlabel="Time from spike (s)", ylabel="Basis function")
    ax.set_title(f"{kernels.shape[1]} raised-cosine log-stretched basis functions")
    return fig


def plot_convolved_counts(
    counts: Any, features: Any, windows: Sequence[tuple[float, float]]
) -> Figure:
    """Draw convolved features with spike ticks in several time windows, one column each.

    Parameters
    ----------
    counts : pynapple.Tsd
        Binned spike counts.
    features : pynapple.TsdFrame
        The counts convolved with each basis function, shape (n_samples, n_basis).
    windows : sequence of (float, float)
        Time windows (s).

    Returns
    -------
    Figure

    Raises
    ------
    ValueError
        If there is no window or the features and counts differ in length.
    """
    if not windows:
        raise ValueError("Give at least one (start, end) window.")
    if len(features) != len(counts):
        raise ValueError(
            f"features ({len(features)} rows) and counts ({len(counts)} bins) must align."
        )
    fig = plt.figure(figsize=(5 * len(windows), 3.2), layout="constrained")
    axes = fig.subplots(1, len(windows), squeeze=False)[0]
    for ax, (start, end) in zip(axes, windows, strict=True):
        shown = _window(features, start, end)
        ax.plot(shown.t, np.asarray(shown))
        spikes = _window(counts, start, end)
        spike_times = spikes.t[np.asarray(spikes) > 0]
        top = np.nanmax(np.asarray(shown)) if len(shown) else 1.0
        ax.vlines(spike_times, top * 1.05, top * 1.2, color="black", label="spikes")
        ax.set(xlim=(start, end), xlabel="Time (s)", title=f"{start:g}-{end:g} s")
        ax.ticklabel_format(axis="x", useOffset=False)
    axes[0].set_ylabel("Convolved counts")
    return fig


def plot_rates_vs_counts(
    counts: Any,
    rates: Mapping[str, Any],
    start: float,
    end: float,
    bin_size: float,
    smoothing_std: float = 0.05,
) -> Figure:
    """Draw predicted rates against the smoothed spike counts of one unit.

    The counts are smoothed by ``counts.smooth(smoothing_std, size_factor=8)`` (pynapple rounds
    the width down to whole bins) before the window is cut, so its edges are not biased to zero.

    Parameters
    ----------
    counts : pynapple.Tsd
        Binned spike counts of the unit.
    rates : mapping of str to pynapple.Tsd
        Predicted rates (Hz) by model name.
    start, end : float
        Time window (s).
    bin_size : float
        Bin size of the counts (s), to turn smoothed counts into Hz.
    smoothing_std : float, optional
        Standard deviation of the Gaussian smoothing of the counts (s).

    Returns
    -------
    Figure

    Raises
    ------
    ValueError
        If no rate is given, a rate is not 1-D, or ``smoothing_std`` is shorter than one bin.
    """
    if not rates:
        raise ValueError("Give at least one model's predicted rate.")
    for name, rate in rates.items():
        if np.ndim(rate) != 1:
            raise ValueError(f"The rate of {name!r} must be 1-D; got shape {np.shape(rate)}.")
    if smoothing_std < bin_size:
        raise ValueError(
            f"smoothing_std ({smoothing_std} s) must be at least one bin ({bin_size} s)."
        )
    smoothed = _window(counts.smooth(smoothing_std, size_factor=8), start, end) / bin_size
    shown = _window(counts, start, end)
    fig, ax = plt.subplots(figsize=(9, 3.2), layout="constrained")
    ax.plot(smoothed.t, np.asarray(smoothed), color="black", label="smoothed spike counts")
    for name, rate in rates.items():
        window = _window(rate, start, end)
        ax.plot(window.t, np.asarray(window), label=name)
    spike_times = shown.t[np.asarray(shown) > 0]
    top = ax.get_ylim()[1]
    ax.vlines(spike_times, top, top * 1.08, color="black", linewidth=1)
    ax.set(xlim=(start, end), xlabel="Time (s)", ylabel="Rate (Hz)")
    ax.ticklabel_format(axis="x", useOffset=False)
    ax.legend(loc="upper right")
    return fig


# ------------------------------------------------------------------------------------ scores
def plot_model_comparison(
    scores: pd.Series | Mapping[str, float],
    ylabel: str = "Held-out pseudo-R²",
    fmt: str = "{:.3f}",
) -> Figure:
    """Draw a bar per model (or per condition, e.g. brain state) with its value written on it.

    Parameters
    ----------
    scores : pandas.Series or mapping of str to float
        Value by model name in drawing order, e.g. held-out score, or heading speed by state.
    ylabel : str, optional
        Label of the value axis (e.g. ``"Heading speed (deg/s)"``).
    fmt : str, optional
        ``str.format`` format of the value written on each bar (e.g. ``"{:.0f}"``).

    Returns
    -------
    Figure

    Raises
    ------
    ValueError
        If there are no scores.
    """
    series = pd.Series(scores, dtype=float)
    if series.empty:
        raise ValueError("Give at least one score.")
    fig, ax = plt.subplots(figsize=(1.6 * len(series) + 2, 3.2), layout="constrained")
    bars = ax.bar(
        [textwrap.fill(str(name), 14) for name in series.index], series.values, color="tab:blue"
    )
    ax.bar_label(bars, fmt=fmt, padding=2)
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set_ylabel(ylabel)
    ax.margins(y=0.15)
    return fig


def _score_table(scores: Any, rows: str, min_rows: int) -> pd.DataFrame:
    """Check a table of paired scores (rows: units or folds, columns: models); return floats."""
    if not isinstance(scores, pd.DataFrame) or scores.shape[1] < 1:
        raise ValueError(
            f"scores must be a DataFrame with one row per {rows} and one column per model; "
            f"got {type(scores).__name__}."
        )
    if scores.shape[0] < min_rows:
        raise ValueError(f"scores needs at least {min_rows} {rows}s (rows); got {len(scores)}.")
    try:
        return scores.astype(float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"scores must be numbers; {error}") from error


def _plot_paired_scores(
    scores: pd.DataFrame,
    ylabel: str,
    reference: float | None,
    rows: str,
    summary: pd.DataFrame,
    summary_label: str,
    paired: bool = True,
) -> Figure:
    """Draw rows as grey lines (or dots, unpaired) and per column ``summary``'s centre and range.

    ``summary`` has rows ``"centre"``, ``"low"``, ``"high"``; unpaired columns leave NaN out.
    """
    x = np.arange(scores.shape[1])
    fig, ax = plt.subplots(figsize=(1.4 * scores.shape[1] + 2.6, 3.6), layout="constrained")
    if paired:
        lines = ax.plot(x, scores.to_numpy().T, color="0.7", linewidth=0.8, zorder=1)
        lines[0].set_label(f"one {rows} (n = {len(scores)})")
    else:
        for position, column in zip(x, scores.columns, strict=True):
            values = scores[column].dropna().to_numpy()
            spread = np.linspace(-0.15, 0.15, values.size) if values.size > 1 else np.zeros(1)
            label = f"one {rows}" if position == 0 else None
            ax.scatter(position + spread, values, s=12, color="0.6", zorder=1, label=label)
    centre = summary.loc["centre"].to_numpy()
    below, above = centre - summary.loc["low"].to_numpy(), summary.loc["high"].to_numpy() - centre
    ax.errorbar(
        x,
        centre,
        yerr=[below, above],
        fmt="o",
        color="black",
        capsize=4,
        zorder=3,
        label=summary_label,
    )
    if reference is not None:
        ax.axhline(reference, color="grey", linestyle="--", linewidth=0.8, zorder=0)
    # Long model names wrap onto several lines instead of running into their neighbours.
    ax.set_xticks(x, [textwrap.fill(str(column), 14) for column in scores.columns])
    ax.set(xlim=(-0.5, scores.shape[1] - 0.5), ylabel=ylabel)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1))
    return fig


def plot_unit_scores(
    scores: pd.DataFrame,
    ylabel: str = "Held-out pseudo-R²",
    reference: float | None = 0.0,
    row_label: str = "unit",
    paired: bool = True,
) -> Figure:
    """Draw per-unit scores across models, paired, with each model's median and quartiles.

    Parameters
    ----------
    scores : pandas.DataFrame
        One row per unit, one column per model (or condition, e.g. train/test), in drawing order.
    ylabel : str, optional
        Label of the score axis.
    reference : float or None, optional
        Height of a dashed reference line (default 0: no better than a constant rate); None: none.
    row_label : str, optional
        What a row is, for the legend ("one unit", "one held-out minute", "one interval"...).
    paired : bool, optional
        Rows pair the columns (drawn as lines); False: independent samples, NaN-padded (dots).

    Returns
    -------
    Figure
        One axis: the rows in grey, per column the median with first-to-third quartile bars.

    Raises
    ------
    ValueError
        If ``scores`` is not a non-empty DataFrame of numbers.
    """
    table = _score_table(scores, row_label, min_rows=1)
    quartiles = table.quantile([0.5, 0.25, 0.75])
    quartiles.index = ["centre", "low", "high"]
    return _plot_paired_scores(
        table, ylabel, reference, row_label, quartiles, "median and interquartile range", paired
    )


def plot_fold_scores(scores: pd.DataFrame, ylabel: str = "Held-out pseudo-R²") -> Figure:
    """Draw per-fold scores across models, paired, with each model's mean ± standard error.

    Parameters
    ----------
    scores : pandas.DataFrame
        One row per cross-validation fold, one column per model, in the order to draw.
    ylabel : str, optional
        Label of the score axis.

    Returns
    -------
    Figure
        One axis: the folds in grey, per model the mean ± ``DataFrame.sem`` (ddof 1) across folds.

    Raises
    ------
    ValueError
        If ``scores`` is not a DataFrame of numbers with at least 2 folds.
    """
    table = _score_table(scores, "fold", min_rows=2)
    mean, error = table.mean(), table.sem()
    summary = pd.DataFrame({"centre": mean, "low": mean - error, "high": mean + error}).T
    return _plot_paired_scores(table, ylabel, None, "fold", summary, "mean ± standard error")


# ---------------------------------------------------------------------------------- coupling
def plot_coupling_grid(
    coupling_filters: np.ndarray,
    tuning_curves: Any,
    bin_size: float,
    order: Sequence[int] | None = None,
) -> Figure:
    """Draw every pairwise coupling filter, coloured by net coupling, with tuning margins.

    Cell (i, j) holds the filter from sender j to receiver i (lag 1 on the left) on its net
    coupling (sum over lags: red excites, blue inhibits). Couplings and self-history filters
    have their own scales, so that the larger self-history does not flatten the couplings.

    Parameters
    ----------
    coupling_filters : np.ndarray
        Filters, shape (n_receivers, n_senders, n_lags), units in the tuning curves' order.
    tuning_curves : pandas.DataFrame or xarray.DataArray
        Tuning curves of the same n units (n >= 2).
    bin_size : float
        Lag step (s).
    order : sequence of int, optional
        Positions of the units to lay out (default: by preferred direction, a circular order).

    Returns
    -------
    Figure
        Axes: the grid (its image the net coupling, NaN on the diagonal; its collections the
        zero baselines, the coupling filters (row-major) and the self-history filters), the
        senders' tuning curves above, the receivers' on the left, and a colour bar. The grid is
        one axis (an image and three line collections) so that it stays fast for 20+ units.

    Raises
    ------
    ValueError
        If the filters are not (n, n, n_lags) for the n >= 2 units of the tuning curves, or
        ``order`` is not a permutation of ``range(n)``.
    """
    filters = np.asarray(coupling_filters, dtype=float)
    frame = tuning_curves_to_frame(tuning_curves)
    n = frame.shape[1]
    if n < 2 or filters.ndim != 3 or filters.shape[:2] != (n, n) or filters.shape[2] < 1:
        raise ValueError(
            f"coupling_filters must have shape ({n}, {n}, n_lags) for {n} units (at least 2); "
            f"got {filters.shape}."
        )
    preferred = preferred_directions(frame).to_numpy()
    sorted_by_direction = order is None
    order = np.argsort(preferred, kind="stable") if order is None else np.asarray(order)
    if sorted(order.tolist()) != list(range(n)):
        raise ValueError(f"order must be a permutation of range({n}); got {order.tolist()}.")
    laid_out = filters[np.ix_(order, order)]
    n_lags = laid_out.shape[2]
    diagonal = np.eye(n, dtype=bool)
    net = np.where(diagonal, np.nan, laid_out.sum(axis=2))
    limit = max(np.nanmax(np.abs(net)), 1e-12)
    coupling_scale = max(np.abs(laid_out[~diagonal]).max(), 1e-12)
    self_scale = max(np.abs(laid_out[diagonal]).max(), 1e-12)

    # Height chosen so that the cells come out about square while the grid, free in aspect,
    # stays aligned with its tuning-curve margins.
    box = {"left": 0.08, "right": 0.92, "bottom": 0.13, "top": 0.93}
    height = (
        10 * (box["right"] - box["left"]) * (n + 1) / ((box["top"] - box["bottom"]) * (n + 1.6))
    )
    fig = plt.figure(figsize=(10, height))
    grid = fig.add_gridspec(
        2, 3, width_ratios=[1, n, 0.6], height_ratios=[1, n], wspace=0.02, hspace=0.02, **box
    )
    ax = fig.add_subplot(grid[1, 1])
    image = ax.imshow(
        net,
        cmap=plt.get_cmap("bwr").with_extremes(bad="0.85"),
        norm=TwoSlopeNorm(vmin=-limit, vcenter=0.0, vmax=limit),
        extent=(0, n, n, 0),
        aspect="auto",
        interpolation="none",
    )
    x = 0.05 + 0.9 * np.arange(n_lags) / max(n_lags - 1, 1)

    def cells(mask: np.ndarray, scale: float) -> list[np.ndarray]:
        # Zero at mid-cell; +scale reaches 0.45 of a cell up (smaller y: the axis is inverted).
        return [
            np.column_stack([j + x, i + 0.5 - 0.45 * laid_out[i, j] / scale])
            for i, j in zip(*np.nonzero(mask), strict=True)
        ]

    baselines = [
        np.array([[j + 0.05, i + 0.5], [j + 0.95, i + 0.5]]) for i in range(n) for j in range(n)
    ]
    ax.add_collection(LineCollection(baselines, colors="0.5", linewidths=0.4))
    couplings = LineCollection(
        cells(~diagonal, coupling_scale),
        colors="black",
        linewidths=0.7,
        label=f"coupling filters (off-diagonal): half a cell = {coupling_scale:.2g}",
    )
    selves = LineCollection(
        cells(diagonal, self_scale),
        colors="tab:green",
        linewidths=0.9,
        label=f"self-history filters (diagonal): half a cell = {self_scale:.2g}",
    )
    ax.add_collection(couplings)
    ax.add_collection(selves)
    ax.set_xticks(np.arange(n + 1), minor=True)
    ax.set_yticks(np.arange(n + 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="both", length=0, labelleft=False, labelbottom=False)
    sorting = "sorted by preferred direction" if sorted_by_direction else "in the given order"
    ax.set(xlim=(0, n), ylim=(n, 0), xlabel=f"Sender ({sorting})")
    fig.supylabel(f"Receiver ({sorting})")
    fig.suptitle(
        f"Coupling filters: lag 1 to {n_lags} in each cell, left to right "
        f"({bin_size:g} to {n_lags * bin_size:g} s after the sender's spike)"
    )
    fig.legend(
        handles=[couplings, selves],
        loc="lower center",
        bbox_to_anchor=(0.5, 0.01),
        title="Weights (log rate), zero at mid-cell, each kind on its own scale",
    )

    colors = direction_colors(preferred[order])
    curves = (frame / frame.max().clip(lower=1e-12)).to_numpy()[:, order]
    angle_position = np.linspace(0.05, 0.95, curves.shape[0])
    top = fig.add_subplot(grid[0, 1], sharex=ax)
    left = fig.add_subplot(grid[1, 0], sharey=ax)
    for k in range(n):
        top.fill_between(k + angle_position, 0, curves[:, k], color=colors[k])
        left.fill_betweenx(k + angle_position, 0, -curves[:, k], color=colors[k])
    top.set_axis_off()
    left.set_axis_off()
    top.set_ylim(0, 1.05)
    left.set_xlim(-1.05, 0)
    fig.colorbar(
        image, cax=fig.add_subplot(grid[1, 2]), label="Net coupling (sum over lags), off-diagonal"
    )
    return fig


# ------------------------------------------------------------ sleep and ground truth figures
def plot_decoded_heading(
    true_angle: Any | None, decoded: Any, start: float, end: float, posterior: Any | None = None
) -> Figure:
    """Draw a decoded heading over time, on its posterior if given, with the true angle.

    Parameters
    ----------
    true_angle : pynapple.Tsd or None
        True heading (rad), drawn when given.
    decoded : pynapple.Tsd
        Decoded heading (rad).
    start, end : float
        Time window (s).
    posterior : pynapple.TsdFrame, optional
        Posterior probability per angle bin (columns: bin centres in rad), drawn as an image.

    Returns
    -------
    Figure

    Raises
    ------
    ValueError
        If the window holds no decoded sample.
    """
    shown = _window(decoded, start, end)
    if len(shown) == 0:
        raise ValueError(f"No decoded heading between {start} and {end}.")
    fig, ax = plt.subplots(figsize=(10, 3.2), layout="constrained")
    if posterior is not None:
        window = _window(posterior, start, end)
        centres = np.asarray(window.columns, dtype=float)
        ax.imshow(
            np.asarray(window).T,
            aspect="auto",
            origin="lower",
            cmap="Greys",
            extent=(window.t[0], window.t[-1], centres[0], centres[-1]),
            interpolation="none",
        )
    ax.plot(shown.t, np.asarray(shown), ".", color="tab:orange", markersize=3, label="decoded")
    if true_angle is not None:
        truth = _window(true_angle, start, end)
        ax.plot(truth.t, np.asarray(truth), ".", color="tab:blue", markersize=2, label="true")
    ax.set(ylim=(0, TWO_PI), xlim=(start, end), xlabel="Time (s)", ylabel="Heading (rad)")
    ax.ticklabel_format(axis="x", useOffset=False)
    ax.legend(loc="upper right", markerscale=4)
    return fig


def plot_correlation_matrices(
    matrices: Mapping[str, np.ndarray], vmax: float | None = None, label: str = "Correlation"
) -> Figure:
    """Draw a row of square matrices on one diverging colour scale.

    Parameters
    ----------
    matrices : mapping of str to np.ndarray
        Square matrices by title (e.g. wake, REM, SWS), all of one size.
    vmax : float, optional
        Colour limit (default: the largest off-diagonal magnitude).
    label : str, optional
        Label of the colour bar.

    Returns
    -------
    Figure

    Raises
    ------
    ValueError
        If a matrix is not square or the sizes differ.
    """
    arrays = {title: np.asarray(m, dtype=float) for title, m in matrices.items()}
    shapes = {title: a.shape for title, a in arrays.items()}
    if (
        not arrays
        or any(a.ndim != 2 or a.shape[0] != a.shape[1] for a in arrays.values())
        or len(set(shapes.values())) > 1
    ):
        raise ValueError(f"Matrices must be square and of one size; got {shapes}.")
    if vmax is None:
        off = ~np.eye(next(iter(arrays.values())).shape[0], dtype=bool)
        vmax = max(np.abs(a[off]).max() for a in arrays.values())
    fig = plt.figure(figsize=(3.6 * len(arrays) + 1, 3.6), layout="constrained")
    axes = fig.subplots(1, len(arrays), squeeze=False)[0]
    for ax, (title, array) in zip(axes, arrays.items(), strict=True):
        image = ax.imshow(array, cmap="bwr", vmin=-vmax, vmax=vmax)
        ax.set(title=title, xlabel="Unit (sorted)")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0].set_ylabel("Unit (sorted)")
    fig.colorbar(image, ax=list(axes), label=label)
    return fig


def plot_crosscorrelograms(correlograms: pd.DataFrame, baseline: float = 1.0) -> Figure:
    """Draw cross-correlograms: one panel per pair of units, one line per state.

    Parameters
    ----------
    correlograms : pandas.DataFrame
        Index: lag (s); columns: (pair label, state); values: rate / mean rate (1 = chance).
    baseline : float, optional
        The value of independent firing, drawn as a dashed line.

    Returns
    -------
    Figure

    Raises
    ------
    ValueError
        If the columns are not (pair, state) pairs.
    """
    if not isinstance(correlograms.columns, pd.MultiIndex) or correlograms.columns.nlevels != 2:
        raise ValueError("Columns must be a two-level index: (pair label, state).")
    pairs = list(dict.fromkeys(correlograms.columns.get_level_values(0)))
    fig = plt.figure(figsize=(4.2 * len(pairs), 3.2), layout="constrained")
    axes = fig.subplots(1, len(pairs), squeeze=False, sharey=True)[0]
    lags = np.asarray(correlograms.index, dtype=float)
    for ax, pair in zip(axes, pairs, strict=True):
        for state, values in correlograms[pair].items():
            ax.plot(lags, np.asarray(values, dtype=float), label=str(state))
        ax.axhline(baseline, color="0.5", linestyle="--", linewidth=1)
        ax.axvline(0, color="0.8", linewidth=0.8)
        ax.set(title=str(pair), xlabel="Lag (s)")
    axes[0].set_ylabel("Rate / mean rate")
    axes[-1].legend(title="state")
    return fig


def plot_displacement_vs_lag(displacements: pd.DataFrame) -> Figure:
    """Draw how far a heading moves against the lag, one line per source and state.

    Parameters
    ----------
    displacements : pandas.DataFrame
        Index: lag (s); columns: (source, state); values: median absolute displacement (deg).

    Returns
    -------
    Figure
        One log-log axis: a colour per state, a line style per source, and grey guides of slope
        1/2 (a random walk) and 1 (a steady turn) through the first point; decoding noise is flat.

    Raises
    ------
    ValueError
        If the columns are not (source, state) pairs, or a value is not positive.
    """
    if not isinstance(displacements.columns, pd.MultiIndex) or displacements.columns.nlevels != 2:
        raise ValueError("Columns must be a two-level index: (source, state).")
    values = displacements.to_numpy(dtype=float)
    if not np.all(values > 0):
        raise ValueError("Displacements must be positive numbers (degrees) on log axes.")
    lags = np.asarray(displacements.index, dtype=float)
    sources = list(dict.fromkeys(displacements.columns.get_level_values(0)))
    states = list(dict.fromkeys(displacements.columns.get_level_values(1)))
    styles = ["-", "--", ":", "-."]
    fig, ax = plt.subplots(figsize=(6.4, 5.0), layout="constrained")
    for (source, state), column in displacements.items():
        ax.plot(
            lags,
            np.asarray(column, dtype=float),
            color=f"C{states.index(state)}",
            linestyle=styles[sources.index(source) % len(styles)],
            marker="o",
            markersize=3,
            label=f"{state}, {source}",
        )
    for slope, text in ((0.5, "slope 1/2"), (1.0, "slope 1")):
        guide = values[0, 0] * (lags / lags[0]) ** slope
        ax.plot(lags, guide, color="0.75", linewidth=1, zorder=0)
        ax.annotate(text, (lags[-1], guide[-1]), fontsize=8, color="0.5", ha="right", va="bottom")
    ax.set(xscale="log", yscale="log", xlabel="Lag (s)")
    ax.set_ylabel("Median absolute displacement (deg)")
    # Below the axes: the lines fill the whole plot, from the slow states to fast SWS.
    fig.legend(loc="outside lower center", ncols=len(sources), fontsize=8)
    return fig


def plot_states(
    count: Any,
    scoring: Mapping[str, Any],
    start: float,
    end: float,
    probabilities: Any | None = None,
) -> Figure:
    """Draw a count over a time window, above a model's states and the recording's scoring.

    Parameters
    ----------
    count : pynapple Tsd
        One count per bin (e.g. the population's summed spike count).
    scoring : mapping of str to pynapple IntervalSet
        The recording's own labels, e.g. {"wake": ..., "REM": ..., "SWS": ...}: one band each.
    start, end : float
        The window (s).
    probabilities : pynapple TsdFrame, optional
        Each latent state's probability per bin (``GLMHMM.smooth_proba``), one column per state.

    Returns
    -------
    Figure
        Axes sharing the time axis: the count; the state probabilities stacked to 1 (when given,
        "state 0", "state 1"... in the legend); the scoring, one row per label.

    Raises
    ------
    ValueError
        If ``end <= start`` or ``scoring`` is empty.
    """
    if end <= start:
        raise ValueError(f"The window must have end > start; got {start} to {end}.")
    if not scoring:
        raise ValueError("scoring needs at least one label, e.g. {'wake': wake_epochs}.")
    rows = 3 if probabilities is not None else 2
    fig = plt.figure(figsize=(10, 1.6 + 1.4 * rows), layout="constrained")
    axes = fig.subplots(rows, 1, sharex=True, height_ratios=[2, 2, 1] if rows == 3 else [2, 1])
    window = _window(count, start, end)
    axes[0].step(window.t, np.asarray(window, dtype=float), where="mid", color="black", lw=0.8)
    axes[0].set(ylabel="Count per bin", xlim=(start, end))
    axes[0].ticklabel_format(axis="x", useOffset=False)
    if probabilities is not None:
        shown = _window(probabilities, start, end)
        values = np.nan_to_num(np.asarray(shown, dtype=float))
        # Another palette than the scoring bands': a state's number is not a scored label.
        axes[1].stackplot(
            shown.t,
            values.T,
            labels=[f"state {k}" for k in range(values.shape[1])],
            colors=plt.get_cmap("Set2").colors[: values.shape[1]],
        )
        axes[1].set(ylim=(0, 1), ylabel="State probability")
        axes[1].legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    band_ax = axes[-1]
    labels = list(scoring)
    for row, label in enumerate(labels):
        ymin, ymax = (len(labels) - 1 - row) / len(labels), (len(labels) - row) / len(labels)
        intervals = scoring[label]
        for first, last in zip(intervals.start, intervals.end, strict=True):
            if last > start and first < end:
                band_ax.axvspan(
                    max(first, start), min(last, end), ymin=ymin, ymax=ymax, color=f"C{row}"
                )
    band_ax.set_yticks((len(labels) - 1 - np.arange(len(labels)) + 0.5) / len(labels), labels)
    band_ax.set(ylim=(0, 1), ylabel="Scoring", xlabel="Time (s)")
    return fig


def plot_recovery(
    true: np.ndarray, fitted: Mapping[str, np.ndarray], xlabel: str, ylabel: str
) -> Figure:
    """Scatter fitted against true values, one panel per model, with r and slope in each title.

    r is Pearson's, the slope that of the least-squares line of fitted on true values
    (``scipy.stats.linregress``): below 1, the fit shrinks the true values (as a penalty does).

    Parameters
    ----------
    true : np.ndarray
        True values (any shape; flattened), at least 3 and not all equal.
    fitted : mapping of str to np.ndarray
        Fitted values by model name, each of the shape of ``true``.
    xlabel, ylabel : str
        Axis labels (the y label on the first panel only).

    Returns
    -------
    Figure
        Equal x and y limits, identity (dashed) and zero lines; r is nan for constant fits.

    Raises
    ------
    ValueError
        If no model is given, a shape differs from ``true``'s, there are fewer than 3 values, or
        the true values are all equal.
    """
    truth = np.ravel(np.asarray(true, dtype=float))
    if not fitted:
        raise ValueError("Give at least one model's fitted values, e.g. {'model': values}.")
    shapes = {name: np.shape(values) for name, values in fitted.items()}
    if any(shape != np.shape(true) for shape in shapes.values()) or truth.size < 3:
        raise ValueError(
            f"Each model's fitted values must have the shape of the true values "
            f"{np.shape(true)}, with 3 values or more; got {shapes}."
        )
    if np.ptp(truth) == 0:
        raise ValueError("The true values are all equal: r and slope are undefined.")
    arrays = {name: np.ravel(np.asarray(values, dtype=float)) for name, values in fitted.items()}
    everything = np.concatenate([truth, *arrays.values()])
    low, high = everything.min(), everything.max()
    pad = 0.05 * (high - low)
    low, high = low - pad, high + pad
    fig = plt.figure(figsize=(3.6 * len(arrays) + 0.6, 3.9), layout="constrained")
    axes = fig.subplots(1, len(arrays), sharex=True, sharey=True, squeeze=False)[0]
    # Imported here: scipy.stats takes 0.4 s to import, which every notebook would pay otherwise.
    from scipy.stats import linregress

    for ax, (name, values) in zip(axes, arrays.items(), strict=True):
        fit = linregress(truth, values)
        ax.axhline(0, color="grey", linewidth=0.6, zorder=0)
        ax.axvline(0, color="grey", linewidth=0.6, zorder=0)
        ax.plot(
            [low, high], [low, high], color="black", linestyle="--", linewidth=1, label="identity"
        )
        ax.scatter(truth, values, s=12, color="tab:blue", zorder=2)
        ax.set(title=f"{name}\nr = {fit.rvalue:.2f}, slope = {fit.slope:.2f}", xlabel=xlabel)
    axes[0].set(xlim=(low, high), ylim=(low, high), ylabel=ylabel)
    axes[0].legend(loc="upper left")
    return fig


def plot_coupling_null(
    pair_values: np.ndarray, null_largest: np.ndarray, threshold: float, xlabel: str
) -> Figure:
    """Histogram of every pair's value beside the largest value of each null simulation.

    Parameters
    ----------
    pair_values : np.ndarray
        One value per pair (e.g. its coupling in null standard deviations), drawn absolute.
    null_largest : np.ndarray
        The largest absolute value of each simulation without coupling (red ticks).
    threshold : float
        The value a pair must exceed to be called notable (dashed red line).
    xlabel : str
        Label of the x axis (what the values are).

    Returns
    -------
    Figure
        The legend gives the number of pairs beyond the threshold.

    Raises
    ------
    ValueError
        If there are no pair values or no simulations, or a value is not finite.
    """
    values = np.abs(np.ravel(np.asarray(pair_values, dtype=float)))
    largest = np.abs(np.ravel(np.asarray(null_largest, dtype=float)))
    if values.size == 0 or largest.size == 0:
        raise ValueError("Give at least one pair value and one simulation's largest value.")
    if not (np.isfinite(values).all() and np.isfinite(largest).all() and np.isfinite(threshold)):
        raise ValueError("Every value must be finite: drop the diagonal (self-history) first.")
    fig, ax = plt.subplots(figsize=(6.4, 3.4), layout="constrained")
    high = max(values.max(), largest.max(), threshold) * 1.05
    ax.hist(
        values,
        bins=np.linspace(0, high, 31),
        color="tab:blue",
        alpha=0.8,
        label=f"the recording's pairs (n = {values.size})",
    )
    ax.plot(
        largest,
        np.zeros_like(largest),
        linestyle="none",
        marker="|",
        markersize=18,
        markeredgewidth=2,
        color="tab:red",
        clip_on=False,
        label=f"largest of each simulation without coupling (n = {largest.size})",
    )
    beyond = int((values > threshold).sum())
    ax.axvline(
        threshold,
        color="tab:red",
        linestyle="--",
        label=f"threshold: {beyond} pair{'s' if beyond != 1 else ''} beyond it",
    )
    ax.set(xlim=(0, high), xlabel=xlabel, ylabel="pairs")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.02), fontsize="small", frameon=False)
    return fig


# -------------------------------------------------------------------------- cross-validation
def _runs(indices: np.ndarray) -> list[tuple[int, int]]:
    """Contiguous runs of sorted integer indices, as (first, length) pairs."""
    indices = np.asarray(indices, dtype=int)
    if indices.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(indices) != 1) + 1
    return [(int(run[0]), len(run)) for run in np.split(indices, breaks)]


def plot_cv_folds(
    folds: Sequence[tuple[np.ndarray, np.ndarray]], n_samples: int, bin_size: float
) -> Figure:
    """Draw which time bins each cross-validation fold trains on, tests on and leaves out.

    Parameters
    ----------
    folds : sequence of (train, test) index arrays
        The folds, as ``list(splitter.split(X))`` returns them.
    n_samples : int
        Number of time bins in the data that was split.
    bin_size : float
        Bin size (s); the time axis starts at the first bin.

    Returns
    -------
    Figure
        One row per fold (fold 1 on top): train in blue, test in orange, left out in light grey.

    Raises
    ------
    ValueError
        If there are no folds, or an index falls outside ``range(n_samples)``.
    """
    if len(folds) == 0:
        raise ValueError("Give at least one (train, test) fold, e.g. list(splitter.split(X)).")
    for train, test in folds:
        used = np.concatenate([np.asarray(train), np.asarray(test)])
        if used.size and (used.min() < 0 or used.max() >= n_samples):
            raise ValueError(f"A fold uses indices outside range({n_samples}).")
    fig, ax = plt.subplots(figsize=(8, 0.55 * len(folds) + 1.3), layout="constrained")
    colors = {"train": "tab:blue", "test": "tab:orange", "left out": "0.85"}
    for row, (train, test) in enumerate(folds):
        y = (len(folds) - 1 - row, 0.7)
        left_out = np.setdiff1d(np.arange(n_samples), np.concatenate([train, test]))
        for name, indices in (("left out", left_out), ("train", train), ("test", test)):
            runs = [(first * bin_size, length * bin_size) for first, length in _runs(indices)]
            label = name if row == 0 else None
            ax.broken_barh(runs, y, color=colors[name], label=label)
    fold_names = [f"fold {len(folds) - row}" for row in range(len(folds))]
    ax.set_yticks(np.arange(len(folds)) + 0.35, fold_names)
    ax.set(xlim=(0, n_samples * bin_size), xlabel="Time (s)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3 if len(folds) < 4 else -0.2), ncols=3)
    return fig


def plot_cv_scores(
    mean_scores: pd.DataFrame,
    score_spread: pd.DataFrame | None = None,
    xlabel: str = "Ridge strength",
    ylabel: str = "Held-out pseudo-R²",
    legend_title: str = "Basis functions",
) -> Figure:
    """Draw the held-out score over a two-parameter grid and mark the best point.

    Parameters
    ----------
    mean_scores : pandas.DataFrame
        Mean held-out score; index: the x-axis parameter, columns: the other (a line each).
    score_spread : pandas.DataFrame, optional
        Error-bar half-heights of the same shape (e.g. the standard deviation across folds).
    xlabel, ylabel, legend_title : str, optional
        Axis labels and legend title. The x axis is logarithmic when all its values are positive.

    Returns
    -------
    Figure

    Raises
    ------
    ValueError
        If ``mean_scores`` is empty or ``score_spread`` has another shape.
    """
    if mean_scores.size == 0:
        raise ValueError("Give a non-empty table of scores (index: x values, columns: lines).")
    if score_spread is not None and score_spread.shape != mean_scores.shape:
        raise ValueError(
            f"score_spread has shape {score_spread.shape}, mean_scores {mean_scores.shape}; "
            "give one spread per score."
        )
    fig, ax = plt.subplots(figsize=(6.5, 3.6), layout="constrained")
    x = np.asarray(mean_scores.index, dtype=float)
    for column in mean_scores.columns:
        spread = None if score_spread is None else score_spread[column].to_numpy(dtype=float)
        ax.errorbar(
            x,
            mean_scores[column].to_numpy(dtype=float),
            yerr=spread,
            marker="o",
            capsize=3,
            label=str(column),
        )
    best_row, best_column = np.unravel_index(
        np.nanargmax(mean_scores.to_numpy(dtype=float)), mean_scores.shape
    )
    ax.plot(
        x[best_row],
        mean_scores.iloc[best_row, best_column],
        marker="*",
        markersize=16,
        color="gold",
        markeredgecolor="black",
        linestyle="none",
        label="best",
        zorder=3,
    )
    if np.all(x > 0):
        ax.set_xscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.legend(title=legend_title, loc="upper left", bbox_to_anchor=(1.02, 1))
    return fig


# ---------------------------------------------------------------------------------- decoding
def _break_at_wraps(times: np.ndarray, angles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Insert NaN where an angle jumps across 0/2π, so that a line is not drawn across."""
    jumps = np.flatnonzero(np.abs(np.diff(angles)) > np.pi) + 1
    return np.insert(times, jumps, np.nan), np.insert(angles, jumps, np.nan)


def plot_posteriors(
    posteriors: Mapping[str, Any],
    start: float,
    end: float,
    true_heading: Any | None = None,
    decoded: Mapping[str, Any] | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Draw heading posteriors over a time window, one panel per decoder, with the headings.

    Each posterior is an image on its own scale, on a regular time grid so that bins not decoded
    (gaps, bins left out) stay blank. (Per-decoder errors: :func:`plot_unit_scores`.)

    Parameters
    ----------
    posteriors : mapping of str to pynapple.TsdFrame
        Posterior per decoder (title); columns: a regular grid of headings (rad).
    start, end : float
        Time window (s).
    true_heading : pynapple.Tsd, optional
        True heading (rad), drawn on every panel as a line broken where it wraps.
    decoded : mapping of str to pynapple.Tsd, optional
        Decoded heading (rad) per decoder, drawn as dots on the panel of the same name.
    figsize : tuple of float, optional
        Figure size in inches.

    Returns
    -------
    Figure
        One axis per posterior (sharing the time axis), each with a colour bar.

    Raises
    ------
    ValueError
        If there is no posterior, the window is empty or reversed, a posterior has no bin in
        the window, or a decoded heading names no posterior.
    """
    if not posteriors:
        raise ValueError("Give at least one posterior, e.g. {'Bayesian': posterior}.")
    decoded = dict(decoded or {})
    unknown = sorted(set(decoded) - set(posteriors))
    if unknown:
        raise ValueError(f"decoded has headings for {unknown}, which have no posterior.")
    windows = {name: _window(posterior, start, end) for name, posterior in posteriors.items()}
    empty = [name for name, window in windows.items() if len(window) == 0]
    if empty:
        raise ValueError(f"No posterior bin of {empty} lies between {start} and {end}.")
    fig = plt.figure(figsize=figsize or (10, 0.4 + 2.2 * len(windows)), layout="constrained")
    axes = fig.subplots(len(windows), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (name, window) in zip(axes, windows.items(), strict=True):
        grid = np.asarray(window.columns, dtype=float)
        half_step = np.pi / grid.size
        times = np.asarray(window.t)
        step = float(np.median(np.diff(times))) if times.size > 1 else end - start
        column = np.round((times - times[0]) / step).astype(int)
        image = np.full((grid.size, column[-1] + 1), np.nan)
        image[:, column] = np.asarray(window.values).T
        extent = (
            times[0] - step / 2,
            times[0] + (column[-1] + 0.5) * step,
            grid[0] - half_step,
            grid[-1] + half_step,
        )
        shown = ax.imshow(
            image,
            aspect="auto",
            origin="lower",
            cmap="Greys",
            vmin=0.0,
            extent=extent,
            interpolation="nearest",
        )
        fig.colorbar(shown, ax=ax, label="Posterior", pad=0.01)
        if true_heading is not None:
            truth = true_heading.get(start, end)
            ax.plot(
                *_break_at_wraps(np.asarray(truth.t), np.asarray(truth.values)),
                color="tab:blue",
                linewidth=1.2,
                label="true heading",
            )
        if name in decoded:
            estimate = decoded[name].get(start, end)
            ax.plot(
                estimate.t, estimate.values, ".", color="tab:orange", markersize=2, label="decoded"
            )
        ax.set(title=name, ylim=(0, 2 * np.pi), ylabel="Heading (rad)")
        ax.ticklabel_format(axis="x", useOffset=False)
    axes[-1].set(xlim=(start, end), xlabel="Time (s)")
    if axes[0].lines:
        axes[0].legend(loc="upper right", markerscale=4)
    return fig
