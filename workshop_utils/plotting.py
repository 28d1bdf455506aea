"""Every custom figure of the workshop notebooks.

Each helper takes data and returns a :class:`matplotlib.figure.Figure` (or a
:class:`matplotlib.animation.FuncAnimation`): no ``plt.show()``, no change to global Matplotlib
settings, and every time window or size is an argument. Time series are pynapple objects;
tuning curves may be a pandas ``DataFrame`` (index: angle bin centres, columns: units) or the
xarray ``DataArray`` that ``nap.compute_tuning_curves`` returns (dims ``("unit", feature)``).

Helpers
-------
- :func:`plot_tuning_curves`: tuning curves of some units (linear or polar axes).
- :func:`plot_head_direction_population`: head angle, raster sorted and coloured by preferred
  direction, polar tuning curves, and optionally predicted rates.
- :func:`plot_history_window`: a count trace with the history window and the predicted bin.
- :func:`animate_sliding_window`: the window sliding along the counts, filling the feature matrix.
- :func:`plot_feature_rows`: rows of a history feature matrix, time axis reversed.
- :func:`plot_history_filters`: history filters against time from spike.
- :func:`plot_basis`: basis functions.
- :func:`plot_convolved_counts`: convolved features with spike ticks, in several windows.
- :func:`plot_rates_vs_counts`: predicted rates against smoothed counts.
- :func:`plot_model_comparison`: a bar plot of model scores.
- :func:`plot_coupling_grid`: all pairwise coupling filters, coloured by net coupling, with
  tuning curves on the margins.
- :func:`plot_decoded_heading`, :func:`plot_correlation_matrices`, :func:`plot_state_speeds`,
  :func:`plot_fitted_vs_true`: figures of the sleep and ground-truth notebooks.
- :func:`plot_cv_folds`, :func:`plot_cv_scores`: cross-validation folds and held-out scores.

``STYLE_PATH`` is the workshop's Matplotlib style; notebooks apply it with
``plt.style.use(plotting.STYLE_PATH)`` (it also makes animations play inline).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.animation import FuncAnimation
from matplotlib.collections import LineCollection
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

__all__ = [
    "STYLE_PATH",
    "animate_sliding_window",
    "direction_colors",
    "plot_basis",
    "plot_convolved_counts",
    "plot_correlation_matrices",
    "plot_coupling_grid",
    "plot_decoded_heading",
    "plot_feature_rows",
    "plot_fitted_vs_true",
    "plot_head_direction_population",
    "plot_history_filters",
    "plot_history_window",
    "plot_model_comparison",
    "plot_rates_vs_counts",
    "plot_state_speeds",
    "plot_tuning_curves",
    "preferred_directions",
    "tuning_curves_to_frame",
]

STYLE_PATH = Path(__file__).with_name("workshop.mplstyle")
TWO_PI = 2 * np.pi


# ------------------------------------------------------------------------------- conversions


def tuning_curves_to_frame(tuning_curves: Any) -> pd.DataFrame:
    """Return tuning curves as a DataFrame: index angle bin centres, one column per unit.

    Parameters
    ----------
    tuning_curves : pandas.DataFrame or xarray.DataArray
        A DataFrame (index angles, columns units) or a DataArray with dims
        ``("unit", feature)`` as returned by ``nap.compute_tuning_curves``.

    Returns
    -------
    pandas.DataFrame
        The curves, index named after the feature.

    Raises
    ------
    ValueError
        If the input is not 2-D or has no unit dimension.
    """
    if isinstance(tuning_curves, pd.DataFrame):
        if tuning_curves.ndim != 2 or tuning_curves.shape[0] < 2:
            raise ValueError("Tuning curves must have one row per angle bin (at least 2).")
        return tuning_curves
    dims = getattr(tuning_curves, "dims", None)
    if dims is None or len(dims) != 2 or "unit" not in dims:
        raise ValueError(
            "Tuning curves must be a DataFrame (angles x units) or a 2-D DataArray with dims "
            f"('unit', feature); got {type(tuning_curves).__name__} with dims {dims}."
        )
    feature = next(d for d in dims if d != "unit")
    array = tuning_curves.transpose(feature, "unit")
    return pd.DataFrame(
        np.asarray(array.values),
        index=pd.Index(np.asarray(array.coords[feature].values), name=feature),
        columns=pd.Index(np.asarray(array.coords["unit"].values), name="unit"),
    )


def preferred_directions(tuning_curves: Any) -> pd.Series:
    """Return each unit's preferred direction: the angle where its tuning curve peaks.

    Parameters
    ----------
    tuning_curves : pandas.DataFrame or xarray.DataArray
        Tuning curves (see :func:`tuning_curves_to_frame`).

    Returns
    -------
    pandas.Series
        Angle (rad) per unit.
    """
    frame = tuning_curves_to_frame(tuning_curves)
    return pd.Series(frame.index.values[np.argmax(frame.values, axis=0)], index=frame.columns)


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


def _values(data: Any) -> np.ndarray:
    return np.asarray(getattr(data, "values", data))


def _window(data: Any, start: float, end: float) -> Any:
    if end <= start:
        raise ValueError(f"The window must end after it starts; got start={start}, end={end}.")
    return data.get(start, end)


def _figure(**kwargs: Any) -> Figure:
    """Create a pyplot figure, so that notebooks display it.

    (No ``plt.style.context`` here: leaving one restores ``interactive`` as it was before the
    inline backend switched it on, and notebooks then stop showing figures.)
    """
    return plt.figure(**kwargs)


# ---------------------------------------------------------------------------- tuning curves


def plot_tuning_curves(
    tuning_curves: Any,
    units: Sequence[Any] | None = None,
    polar: bool = False,
    ncols: int | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Draw the tuning curves of some units, one axis each.

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
        The figure.

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
    fig = _figure(figsize=figsize or (3.2 * ncols, 2.8 * nrows), layout="constrained")
    colors = direction_colors(preferred_directions(frame)[units])
    for index, (unit, color) in enumerate(zip(units, colors, strict=True)):
        ax = fig.add_subplot(nrows, ncols, index + 1, projection="polar" if polar else None)
        angles, rates = frame.index.values, frame[unit].values
        if polar:
            ax.plot(np.r_[angles, angles[0]], np.r_[rates, rates[0]], color=color)
            ax.set_xticks(np.arange(0, TWO_PI, np.pi / 2))
        else:
            ax.plot(angles, rates, color=color)
            ax.set_xlabel("Head direction (rad)")
            ax.set_ylabel("Firing rate (Hz)")
            ax.set_xlim(0, TWO_PI)
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
    """Draw the head angle, the sorted raster and the tuning curves over a time window.

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
        Predicted rates (Hz), one column per unit in the order sorted by preferred direction;
        drawn as an image under the raster.
    figsize : tuple of float, optional
        Figure size in inches.

    Returns
    -------
    Figure
        Axes: head angle, raster, (rates,) and one polar axis with every tuning curve.

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
    if predicted_rates is not None and _values(predicted_rates).shape[1] != len(units):
        raise ValueError(
            f"predicted_rates needs one column per unit ({len(units)}); "
            f"got shape {_values(predicted_rates).shape}."
        )
    preferred = preferred_directions(frame)
    order = list(preferred.sort_values().index)
    colors = dict(zip(order, direction_colors(preferred[order]), strict=True))
    rows = 3 if predicted_rates is not None else 2
    fig = _figure(figsize=figsize or (11, 2.2 + 1.8 * rows), layout="constrained")
    grid = fig.add_gridspec(rows, 2, width_ratios=[4, 1], height_ratios=[1, 2, 2][:rows])
    angle_ax = fig.add_subplot(grid[0, 0])
    angle = _window(head_angle, start, end)
    angle_ax.plot(angle.t, _values(angle), color="black")
    angle_ax.set_ylabel("Head angle (rad)")
    angle_ax.set_ylim(0, TWO_PI)
    angle_ax.set_xlim(start, end)
    raster_ax = fig.add_subplot(grid[1, 0], sharex=angle_ax)
    for row, unit in enumerate(order):
        times = spikes[unit].get(start, end).t
        raster_ax.vlines(times, row + 0.1, row + 0.9, color=colors[unit], linewidth=1)
    raster_ax.set_ylim(0, len(order))
    raster_ax.set_ylabel("Units (sorted)")
    if predicted_rates is not None:
        rate_ax = fig.add_subplot(grid[2, 0], sharex=angle_ax)
        window = _window(predicted_rates, start, end)
        rate_ax.imshow(
            _values(window).T,
            aspect="auto",
            origin="lower",
            cmap="Greys",
            extent=(window.t[0], window.t[-1], 0, len(order)),
            interpolation="none",
        )
        rate_ax.set_ylabel("Predicted rate\n(sorted units)")
        rate_ax.set_xlabel("Time (s)")
    else:
        raster_ax.set_xlabel("Time (s)")
    polar_ax = fig.add_subplot(grid[:, 1], projection="polar")
    for unit in order:
        values = frame[unit].values / max(frame[unit].values.max(), 1e-12)
        polar_ax.plot(
            np.r_[frame.index.values, frame.index.values[0]],
            np.r_[values, values[0]],
            color=colors[unit],
        )
    polar_ax.set_yticks([])
    polar_ax.set_title("Tuning curves (normalised)")
    return fig


# ------------------------------------------------------------------------ spike history


def plot_history_window(
    counts: Any, start: float, end: float, window_size: int, window_start: float
) -> Figure:
    """Draw a count trace with a history window and the bin it predicts.

    Parameters
    ----------
    counts : pynapple.Tsd
        Binned spike counts.
    start, end : float
        Time window to draw (s).
    window_size : int
        History window in bins.
    window_start : float
        Time where the history window starts (s).

    Returns
    -------
    Figure
        One axis: the counts, a shaded history window and the predicted bin highlighted.

    Raises
    ------
    ValueError
        If ``window_size`` is not positive or the window does not fit in [start, end].
    """
    bin_size = float(np.median(np.diff(counts.t)))
    if window_size < 1:
        raise ValueError(f"window_size must be a positive number of bins; got {window_size}.")
    window_end = window_start + window_size * bin_size
    if window_start < start or window_end + bin_size > end + 1e-9:
        raise ValueError(
            f"The history window [{window_start}, {window_end}] and its predicted bin must lie "
            f"within [{start}, {end}]."
        )
    shown = _window(counts, start, end)
    fig = _figure(figsize=(9, 2.6), layout="constrained")
    ax = fig.add_subplot()
    ax.step(shown.t, _values(shown), where="mid", color="black", label="spike counts")
    ax.axvspan(window_start, window_end, color="tab:blue", alpha=0.25, label="history window")
    ax.axvspan(window_end, window_end + bin_size, color="tab:red", alpha=0.6, label="predicted bin")
    ax.set_xlim(start, end)
    ax.set_xlabel("Time (s)")
    ax.set_ylabel("Spikes per bin")
    ax.legend(loc="upper right")
    return fig


def animate_sliding_window(
    counts: Any, start: float, window_size: int, n_frames: int, interval: int = 200
) -> FuncAnimation:
    """Animate the history window sliding along the counts, one feature row per frame.

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
    values = _values(counts)
    first = int(np.searchsorted(counts.t, start))
    if n_frames < 1 or first + window_size + n_frames > values.size:
        raise ValueError(
            f"{n_frames} frames of a {window_size}-bin window need {window_size + n_frames} bins "
            f"after t={start}; only {values.size - first} are left."
        )
    times = counts.t[first : first + window_size + n_frames + 1]
    bin_size = float(np.median(np.diff(counts.t)))
    shown_counts = values[first : first + window_size + n_frames + 1]
    rows = np.full((n_frames, window_size), np.nan)
    fig, (trace_ax, matrix_ax) = plt.subplots(
        2, 1, figsize=(6, 4), dpi=72, layout="constrained", height_ratios=[1, 2]
    )
    trace_ax.step(times, shown_counts, where="mid", color="black")
    trace_ax.set_xlim(times[0], times[-1])
    trace_ax.set_xlabel("Time (s)")
    trace_ax.set_ylabel("Counts")
    window = trace_ax.axvspan(
        times[0], times[0] + window_size * bin_size, color="tab:blue", alpha=0.3
    )
    target = trace_ax.axvspan(times[0], times[0] + bin_size, color="tab:red", alpha=0.6)
    image = matrix_ax.imshow(
        rows,
        aspect="auto",
        cmap="Greys",
        vmin=0,
        vmax=max(1, shown_counts.max()),
        interpolation="none",
    )
    matrix_ax.set_xlabel("Lag (bins)")
    matrix_ax.set_ylabel("Feature row")

    def draw_frame(frame: int) -> tuple[Any, ...]:
        left = times[0] + frame * bin_size
        right = left + window_size * bin_size
        window.set_x(left)
        target.set_x(right)
        rows[frame] = values[first + frame : first + frame + window_size]
        image.set_data(rows)
        return window, target, image

    animation = FuncAnimation(fig, draw_frame, frames=n_frames, interval=interval, blit=False)
    animation.draw_frame = draw_frame  # public handle on the frame function, for tests
    plt.close(fig)
    return animation


def plot_feature_rows(features: Any, rows: Sequence[int], bin_size: float) -> Figure:
    """Draw some rows of a history feature matrix, stacked, with time from spike reversed.

    Parameters
    ----------
    features : np.ndarray or pynapple.TsdFrame
        Feature matrix, shape (n_samples, n_lags).
    rows : sequence of int
        Rows to draw.
    bin_size : float
        Bin size (s).

    Returns
    -------
    Figure
        One axis per row; the x axis runs from the most recent lag (left) backwards in time.

    Raises
    ------
    ValueError
        If the features are not 2-D or a row is out of range.
    """
    matrix = _values(features)
    if matrix.ndim != 2:
        raise ValueError(f"features must be 2-D (n_samples, n_lags); got shape {matrix.shape}.")
    rows = list(rows)
    if not rows or min(rows) < 0 or max(rows) >= matrix.shape[0]:
        raise ValueError(f"rows must lie in [0, {matrix.shape[0]}); got {rows}.")
    lags = np.arange(1, matrix.shape[1] + 1) * bin_size
    fig = _figure(figsize=(8, 0.6 * len(rows) + 1), layout="constrained")
    axes = fig.subplots(len(rows), 1, sharex=True, squeeze=False)[:, 0]
    edges = np.arange(matrix.shape[1] + 1) * bin_size + bin_size / 2
    for ax, row in zip(axes, rows, strict=True):
        ax.stairs(matrix[row], edges, fill=True, color="black")
        ax.set_ylabel(f"row {row}", rotation=0, ha="right", va="center")
        ax.set_yticks([])
    axes[-1].set_xlim(lags[-1] + bin_size, 0)
    axes[-1].set_xlabel("Time from spike (s)")
    return fig


def plot_history_filters(
    filters: Mapping[str, Any], bin_size: float, styles: Mapping[str, dict] | None = None
) -> Figure:
    """Draw history filters (one weight per lag) against time from spike.

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
        One axis with a line per filter, a zero line and a legend.

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
    fig = _figure(figsize=(7, 3.2), layout="constrained")
    ax = fig.add_subplot()
    for label, values in arrays.items():
        lags = np.arange(1, values.size + 1) * bin_size
        ax.plot(lags, values, label=label, **styles.get(label, {}))
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set_xlabel("Time from spike (s)")
    ax.set_ylabel("Weight (log rate)")
    ax.legend()
    return fig


def plot_basis(time: np.ndarray, kernels: np.ndarray) -> Figure:
    """Draw basis functions against time from spike.

    Parameters
    ----------
    time : np.ndarray
        Time from spike (s), shape (n_time,).
    kernels : np.ndarray
        Basis functions, shape (n_time, n_basis).

    Returns
    -------
    Figure
        One axis with a line per basis function.

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
    fig = _figure(figsize=(7, 3), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(time, kernels)
    ax.set_xlabel("Time from spike (s)")
    ax.set_ylabel("Basis function")
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
        One axis per window.

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
    fig = _figure(figsize=(5 * len(windows), 3.2), layout="constrained")
    axes = fig.subplots(1, len(windows), squeeze=False)[0]
    for ax, (start, end) in zip(axes, windows, strict=True):
        shown = _window(features, start, end)
        ax.plot(shown.t, _values(shown))
        spikes = _window(counts, start, end)
        spike_times = spikes.t[_values(spikes) > 0]
        top = np.nanmax(_values(shown)) if len(shown) else 1.0
        ax.vlines(spike_times, top * 1.05, top * 1.2, color="black", label="spikes")
        ax.set_xlim(start, end)
        ax.set_xlabel("Time (s)")
        ax.set_title(f"{start:g}-{end:g} s")
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

    Parameters
    ----------
    counts : pynapple.Tsd
        Binned spike counts of the unit.
    rates : mapping of str to pynapple.Tsd
        Predicted rates (Hz) by model name.
    start, end : float
        Time window (s).
    bin_size : float
        Bin size of the counts (s).
    smoothing_std : float, optional
        Standard deviation of the Gaussian smoothing of the counts (s).

    Returns
    -------
    Figure
        One axis: smoothed counts in black, one coloured line per model, spike ticks.

    Raises
    ------
    ValueError
        If no rate is given or a rate is not one-dimensional.
    """
    if not rates:
        raise ValueError("Give at least one model's predicted rate.")
    for name, rate in rates.items():
        if _values(rate).ndim != 1:
            raise ValueError(f"The rate of {name!r} must be 1-D; got shape {_values(rate).shape}.")
    shown = _window(counts, start, end)
    values = _values(shown).astype(float)
    sigma = smoothing_std / bin_size
    offsets = np.arange(-int(4 * sigma), int(4 * sigma) + 1)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    smoothed = np.convolve(values, kernel / kernel.sum(), mode="same") / bin_size
    fig = _figure(figsize=(9, 3.2), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(shown.t, smoothed, color="black", label="smoothed spike counts")
    for name, rate in rates.items():
        window = _window(rate, start, end)
        ax.plot(window.t, _values(window), label=name)
    spike_times = shown.t[values > 0]
    top = ax.get_ylim()[1]
    ax.vlines(spike_times, top, top * 1.08, color="black", linewidth=1)
    ax.set_xlim(start, end)
    ax.set_xlabel("Time (s)")
    ax.set_ylabel("Rate (Hz)")
    ax.legend(loc="upper right")
    return fig


def plot_model_comparison(
    scores: pd.Series | Mapping[str, float], ylabel: str = "Held-out pseudo-R²"
) -> Figure:
    """Draw a bar per model with its score written on it.

    Parameters
    ----------
    scores : pandas.Series or mapping of str to float
        Score by model name.
    ylabel : str, optional
        Label of the score axis.

    Returns
    -------
    Figure
        One axis with one bar per model.

    Raises
    ------
    ValueError
        If there are no scores.
    """
    series = pd.Series(scores, dtype=float)
    if series.empty:
        raise ValueError("Give at least one score.")
    fig = _figure(figsize=(1.6 * len(series) + 2, 3.2), layout="constrained")
    ax = fig.add_subplot()
    bars = ax.bar(series.index.astype(str), series.values, color="tab:blue")
    ax.bar_label(bars, labels=[f"{v:.3f}" for v in series.values], padding=2)
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set_ylabel(ylabel)
    ax.margins(y=0.15)
    return fig


# ------------------------------------------------------------------------------- coupling


def plot_coupling_grid(
    coupling_filters: np.ndarray,
    tuning_curves: Any,
    bin_size: float,
    order: Sequence[int] | None = None,
) -> Figure:
    """Draw every pairwise coupling filter, coloured by net coupling, with tuning margins.

    Cell (i, j) of the grid shows the filter from sender j to receiver i on a background
    coloured by the filter's sum over lags (its net coupling: red excites, blue inhibits). All
    cells share one vertical scale. Drawn on a single axis (an image and one line collection), so
    it stays fast for 20 units and more.

    Parameters
    ----------
    coupling_filters : np.ndarray
        Filters, shape (n_receivers, n_senders, n_lags), units in the tuning curves' order.
    tuning_curves : pandas.DataFrame or xarray.DataArray
        Tuning curves of the same n units.
    bin_size : float
        Lag step (s).
    order : sequence of int, optional
        Order in which to lay the units out (default: as given).

    Returns
    -------
    Figure
        Axes: the grid (its image holds the net coupling of the laid-out units, its line
        collection one filter per cell), the senders' tuning curves above it, the receivers'
        tuning curves left of it, and a colour bar.

    Raises
    ------
    ValueError
        If the filters are not (n, n, n_lags) for the n units of the tuning curves.
    """
    filters = np.asarray(coupling_filters, dtype=float)
    frame = tuning_curves_to_frame(tuning_curves)
    n = frame.shape[1]
    if filters.ndim != 3 or filters.shape[:2] != (n, n):
        raise ValueError(
            f"coupling_filters must have shape ({n}, {n}, n_lags) for {n} units; "
            f"got {filters.shape}."
        )
    order = np.arange(n) if order is None else np.asarray(order)
    laid_out = filters[np.ix_(order, order)]
    net = laid_out.sum(axis=2)
    limit = max(np.abs(net[~np.eye(n, dtype=bool)]).max(), 1e-12)
    norm = TwoSlopeNorm(vmin=-limit, vcenter=0.0, vmax=limit)

    fig = _figure(figsize=(10, 10))
    grid = fig.add_gridspec(
        2, 3, width_ratios=[1, n, 0.6], height_ratios=[1, n], wspace=0.02, hspace=0.02
    )
    ax = fig.add_subplot(grid[1, 1])
    image = ax.imshow(net, cmap="bwr", norm=norm, extent=(0, n, n, 0), interpolation="none")
    low, high = np.nanmin(laid_out), np.nanmax(laid_out)
    span = max(high - low, 1e-12)
    x = 0.05 + 0.9 * np.arange(laid_out.shape[2]) / max(laid_out.shape[2] - 1, 1)
    segments = [
        np.column_stack([j + x, i + 0.95 - 0.9 * (laid_out[i, j] - low) / span])
        for i in range(n)
        for j in range(n)
    ]
    ax.add_collection(LineCollection(segments, colors="black", linewidths=0.6))
    ax.set_xticks(np.arange(n + 1), minor=True)
    ax.set_yticks(np.arange(n + 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="both", length=0, labelleft=False, labelbottom=False)
    ax.set_xlim(0, n)
    ax.set_ylim(n, 0)
    ax.set_xlabel("Sender (sorted by preferred direction)")
    fig.supylabel("Receiver (sorted by preferred direction)")
    fig.suptitle(f"Coupling filters, 0 to {laid_out.shape[2] * bin_size:g} s after a spike")

    colors = direction_colors(preferred_directions(frame).values[order])
    curves = frame.values[:, order] / np.maximum(frame.values[:, order].max(axis=0), 1e-12)
    angle_position = np.linspace(0.05, 0.95, curves.shape[0])
    top = fig.add_subplot(grid[0, 1], sharex=ax)
    left = fig.add_subplot(grid[1, 0], sharey=ax)
    for k in range(n):
        top.fill_between(k + angle_position, 0, curves[:, k], color=colors[k])
        left.fill_betweenx(k + angle_position, 0, -curves[:, k], color=colors[k])
    for margin in (top, left):
        margin.set_axis_off()
    top.set_ylim(0, 1.05)
    left.set_xlim(-1.05, 0)
    fig.colorbar(image, cax=fig.add_subplot(grid[1, 2]), label="Net coupling (sum over lags)")
    return fig


# ------------------------------------------------------------ sleep and ground truth figures


def plot_decoded_heading(
    true_angle: Any | None,
    decoded: Any,
    start: float,
    end: float,
    posterior: Any | None = None,
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
        One axis.

    Raises
    ------
    ValueError
        If the window holds no decoded sample.
    """
    shown = _window(decoded, start, end)
    if len(shown) == 0:
        raise ValueError(f"No decoded heading between {start} and {end}.")
    fig = _figure(figsize=(10, 3.2), layout="constrained")
    ax = fig.add_subplot()
    if posterior is not None:
        window = _window(posterior, start, end)
        centres = np.asarray(window.columns, dtype=float)
        ax.imshow(
            _values(window).T,
            aspect="auto",
            origin="lower",
            cmap="Greys",
            extent=(window.t[0], window.t[-1], centres[0], centres[-1]),
            interpolation="none",
        )
    ax.plot(shown.t, _values(shown), ".", color="tab:orange", markersize=3, label="decoded")
    if true_angle is not None:
        truth = _window(true_angle, start, end)
        ax.plot(truth.t, _values(truth), ".", color="tab:blue", markersize=2, label="true")
    ax.set_ylim(0, TWO_PI)
    ax.set_xlim(start, end)
    ax.set_xlabel("Time (s)")
    ax.set_ylabel("Heading (rad)")
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
        One axis per matrix and a shared colour bar.

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
    fig = _figure(figsize=(3.6 * len(arrays) + 1, 3.6), layout="constrained")
    axes = fig.subplots(1, len(arrays), squeeze=False)[0]
    for ax, (title, array) in zip(axes, arrays.items(), strict=True):
        image = ax.imshow(array, cmap="bwr", vmin=-vmax, vmax=vmax)
        ax.set_title(title)
        ax.set_xlabel("Unit (sorted)")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0].set_ylabel("Unit (sorted)")
    fig.colorbar(image, ax=list(axes), label=label)
    return fig


def plot_state_speeds(
    speeds: Mapping[str, float] | pd.Series, ylabel: str = "Heading speed (deg/s)"
) -> Figure:
    """Draw a bar per brain state with its heading speed.

    Parameters
    ----------
    speeds : mapping of str to float or pandas.Series
        Speed by state.
    ylabel : str, optional
        Label of the speed axis.

    Returns
    -------
    Figure
        One axis with one bar per state.

    Raises
    ------
    ValueError
        If there are no speeds.
    """
    return plot_model_comparison(speeds, ylabel=ylabel)


def plot_fitted_vs_true(
    true_values: np.ndarray, fitted_values: np.ndarray, xlabel: str, ylabel: str
) -> Figure:
    """Scatter fitted against true values, with the identity line and Pearson's r.

    Parameters
    ----------
    true_values, fitted_values : np.ndarray
        Values of the same shape.
    xlabel, ylabel : str
        Axis labels.

    Returns
    -------
    Figure
        One axis; the title gives r.

    Raises
    ------
    ValueError
        If the shapes differ or there are fewer than 3 values.
    """
    truth = np.ravel(np.asarray(true_values, dtype=float))
    fitted = np.ravel(np.asarray(fitted_values, dtype=float))
    if truth.shape != fitted.shape or truth.size < 3:
        raise ValueError(
            f"true and fitted values must have one shape with 3 values or more; "
            f"got {np.shape(true_values)} and {np.shape(fitted_values)}."
        )
    r = np.corrcoef(truth, fitted)[0, 1]
    fig = _figure(figsize=(4.2, 4), layout="constrained")
    ax = fig.add_subplot()
    ax.scatter(truth, fitted, s=12, color="tab:blue")
    low, high = min(truth.min(), fitted.min()), max(truth.max(), fitted.max())
    ax.plot([low, high], [low, high], color="grey", linestyle="--", label="identity")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(f"Pearson r = {r:.2f}")
    ax.legend(loc="upper left")
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
        Bin size in seconds (the time axis is in seconds from the first bin).

    Returns
    -------
    Figure
        One axis, one row per fold (fold 1 on top): training bins in blue, test bins in orange,
        bins left out in light grey.

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
    fig = _figure(figsize=(8, 0.55 * len(folds) + 1.3), layout="constrained")
    ax = fig.add_subplot()
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
    ax.set_xlim(0, n_samples * bin_size)
    ax.set_xlabel("Time (s)")
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
        Mean held-out score; index: the parameter on the x axis (e.g. Ridge strength), columns:
        the other parameter (one line each, e.g. number of basis functions).
    score_spread : pandas.DataFrame, optional
        Error-bar half-heights of the same shape (e.g. the standard deviation across folds).
    xlabel, ylabel, legend_title : str, optional
        Axis labels and legend title. The x axis is logarithmic when all its values are positive.

    Returns
    -------
    Figure
        One axis with a line per column and a star on the best score.

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
    fig = _figure(figsize=(6.5, 3.6), layout="constrained")
    ax = fig.add_subplot()
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
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(title=legend_title, loc="upper left", bbox_to_anchor=(1.02, 1))
    return fig


# ---- decoding
# Figures of the decoding notebook. Posteriors are pynapple TsdFrames with one column per
# heading of a regular grid (``decoding.decode_posterior`` and ``nap.decode_bayes`` both return
# that). The per-decoder error figure is ``plot_unit_scores`` (rows: held-out segments, columns:
# decoders, median and interquartile range).

__all__ += ["plot_posteriors"]  # here, so that this section is self-contained


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

    Each panel is an image of the posterior (time across, heading up, darker = more probable, on
    the panel's own scale) laid on a regular time grid, so bins that were not decoded (gaps
    between intervals, bins left out) stay blank. The true heading is a line (broken where it
    wraps around), each decoder's decoded heading dots.

    Parameters
    ----------
    posteriors : mapping of str to pynapple.TsdFrame
        Posterior per decoder (panel title), columns: the headings of a regular grid (rad).
    start, end : float
        Time window (s).
    true_heading : pynapple.Tsd, optional
        True heading (rad), drawn on every panel.
    decoded : mapping of str to pynapple.Tsd, optional
        Decoded heading (rad) per decoder, drawn on the panel of the same name.
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
    if end <= start:
        raise ValueError(f"The window must end after it starts; got start={start}, end={end}.")
    decoded = dict(decoded or {})
    unknown = sorted(set(decoded) - set(posteriors))
    if unknown:
        raise ValueError(f"decoded has headings for {unknown}, which have no posterior.")
    windows = {name: posterior.get(start, end) for name, posterior in posteriors.items()}
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
        shown = ax.imshow(
            image,
            aspect="auto",
            origin="lower",
            cmap="Greys",
            vmin=0.0,
            extent=(
                times[0] - step / 2,
                times[0] + (column[-1] + 0.5) * step,
                grid[0] - half_step,
                grid[-1] + half_step,
            ),
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
        ax.set_title(name)
        ax.set_ylim(0, 2 * np.pi)
        ax.set_ylabel("Heading (rad)")
        ax.ticklabel_format(axis="x", useOffset=False)
    axes[-1].set_xlim(start, end)
    axes[-1].set_xlabel("Time (s)")
    if axes[0].lines:
        axes[0].legend(loc="upper right", markerscale=4)
    return fig
