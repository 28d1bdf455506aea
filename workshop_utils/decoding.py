"""Decode the heading by inverting an encoding model, with or without a temporal prior.

A Poisson GLM of the population gives, for every time bin, the expected spike count of every cell
as a function of the heading and of everything else the model sees (its intercept, the cells' own
recent spikes and each other's). Inverting it on a grid of headings gives the decoder:

1. **Likelihood.** For each bin ``t`` and each heading ``g`` of the grid, the Poisson
   log-likelihood of all cells' observed counts, :func:`heading_log_likelihood`. The model's log
   expected count is split in two: ``heading_log_rate[g, n]``, the part that depends on the
   heading (with the intercept), and ``other_log_rate[t, n]``, everything else (spike history and
   coupling computed from the *observed* past spikes). :func:`glm_log_rates` builds both from a
   fitted NeMoS ``PopulationGLM``.
2. **Posterior, each bin alone** (uniform prior): ``scipy.special.softmax(log_likelihood,
   axis=1)``, as ``nap.decode_bayes`` does with tuning curves.
3. **Posterior with a temporal prior**: the heading is a hidden Markov chain on the grid that
   moves as a random walk (:func:`random_walk_transition`, with the step size measured on the
   tracked head angle by :func:`step_std_from_heading`, or chosen from the spikes alone by
   comparing :func:`log_evidence` across step sizes, as sleep needs); :func:`forward_backward`
   gives each bin's posterior given *all* bins of its segment, past and future.

:func:`decode_posterior` runs 1-3 on pynapple counts and returns the posterior as a
``TsdFrame``; :func:`posterior_circular_mean`, :func:`circular_error` and
:func:`circular_interp` turn posteriors into headings and errors.

Every computation works in the floating dtype of its inputs as far as JAX allows: float64 inputs
are computed in float64 when ``jax_enable_x64`` is on, in float32 otherwise. This module never
switches that option (the notebooks do, before fitting).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.nn import logsumexp
from jax.scipy.special import gammaln

__all__ = [
    "circular_error",
    "circular_interp",
    "decode_posterior",
    "forward_backward",
    "glm_log_rates",
    "heading_log_likelihood",
    "log_evidence",
    "posterior_circular_mean",
    "random_walk_transition",
    "step_std_from_heading",
]

TWO_PI = 2 * np.pi


# ------------------------------------------------------------------------------ validation


def _float_dtype(*arrays: np.ndarray) -> np.dtype:
    """Return the floating dtype the arrays promote to, as far as JAX's precision allows."""
    return jax.dtypes.canonicalize_dtype(np.result_type(*arrays, np.float32))


def _check_finite(array: np.ndarray, name: str, fix: str) -> None:
    if not np.all(np.isfinite(array)):
        bad = int(np.sum(~np.isfinite(array)))
        raise ValueError(f"{name} holds {bad} NaN or infinite values; {fix}")


def _check_segment_starts(segment_starts: Sequence[int] | None, n_bins: int) -> np.ndarray:
    """Return a boolean array, True at bin 0 and at every segment start."""
    is_start = np.zeros(n_bins, dtype=bool)
    is_start[0] = True
    starts = np.asarray([] if segment_starts is None else segment_starts)
    if starts.size:
        if starts.ndim != 1 or not np.issubdtype(starts.dtype, np.integer):
            raise ValueError(
                "segment_starts must be a 1-D sequence of bin indices (integers); "
                f"got {starts.dtype} of shape {starts.shape}."
            )
        if starts.min() < 0 or starts.max() > n_bins:
            raise ValueError(
                f"segment_starts must lie in [0, {n_bins}] (the bins of the log-likelihood); "
                f"got values from {starts.min()} to {starts.max()}."
            )
        # Empty segments (repeated starts, or a start at n_bins) change nothing.
        is_start[starts[starts < n_bins]] = True
    return is_start


# ------------------------------------------------------------------------------ likelihood


@jax.jit
def _log_likelihood(counts: jax.Array, heading_log_rate: jax.Array, other_log_rate: jax.Array):
    # sum_n exp(a[t, n] + h[g, n]) = exp(a) @ exp(h).T: a (T, G) matrix product instead of a
    # (T, G, N) array. Each cell's largest heading term moves to the other factor, so that
    # exp(h - max) <= 1 and exp(a + max) is that cell's largest expected count at t: neither
    # factor overflows where the product would not.
    shift = jnp.max(heading_log_rate, axis=0)
    expected = jnp.exp(other_log_rate + shift) @ jnp.exp(heading_log_rate - shift).T
    per_bin = jnp.sum(counts * other_log_rate - gammaln(counts + 1), axis=1, keepdims=True)
    return counts @ heading_log_rate.T + per_bin - expected


def heading_log_likelihood(
    counts: Any, heading_log_rate: Any, other_log_rate: Any | None = None
) -> np.ndarray:
    """Return the Poisson log-likelihood of every bin's counts under every heading of a grid.

    With ``log mu[t, g, n] = heading_log_rate[g, n] + other_log_rate[t, n]`` the log expected
    count of cell ``n`` in bin ``t`` if the heading were ``g``, the result is
    ``sum_n log Poisson(counts[t, n]; mu[t, g, n])``, the full log-probability mass, ``log y!``
    included (that term does not depend on the heading, so it changes no posterior). It is
    computed with JAX as matrix products, without a Python loop over bins and without a
    (T, G, N) array.

    Parameters
    ----------
    counts : array-like or pynapple.TsdFrame, shape (T, N)
        Spike counts of N cells in T bins (non-negative).
    heading_log_rate : array-like, shape (G, N)
        The part of each cell's log expected count per bin that depends on the heading, at each
        of the G headings of the grid (may include the intercept).
    other_log_rate : array-like, shape (T, N) or (N,), optional
        Everything else in the log expected count: intercept (if not in ``heading_log_rate``),
        spike history and coupling computed from the observed past. One row per bin, or one
        row for all bins. Default: zeros.

    Returns
    -------
    np.ndarray, shape (T, G)
        Log-likelihoods, in the floating dtype of the rates.

    Raises
    ------
    ValueError
        If a shape does not match, a count is negative, or a value is NaN or infinite.
    """
    counts = np.asarray(counts)
    heading_log_rate = np.asarray(heading_log_rate)
    if counts.ndim != 2:
        raise ValueError(f"counts must be 2-D (bins, cells); got shape {counts.shape}.")
    n_bins, n_cells = counts.shape
    if heading_log_rate.ndim != 2 or heading_log_rate.shape[1] != n_cells:
        raise ValueError(
            f"heading_log_rate must have shape (n_headings, {n_cells}), one column per cell of "
            f"counts; got {heading_log_rate.shape}."
        )
    other_log_rate = (
        np.zeros(n_cells, dtype=heading_log_rate.dtype)
        if other_log_rate is None
        else np.asarray(other_log_rate)
    )
    if other_log_rate.shape not in {(n_bins, n_cells), (n_cells,)}:
        raise ValueError(
            f"other_log_rate must have shape ({n_bins}, {n_cells}) like counts, or ({n_cells},); "
            f"got {other_log_rate.shape}."
        )
    _check_finite(counts, "counts", "give spike counts only.")
    if np.any(counts < 0):
        raise ValueError("counts must be non-negative spike counts; found negative values.")
    _check_finite(heading_log_rate, "heading_log_rate", "every heading needs a finite rate.")
    _check_finite(
        other_log_rate,
        "other_log_rate",
        "drop the bins whose history is undefined (the first bins of each interval, where a "
        "convolution basis returns NaN) from counts and other_log_rate together.",
    )
    dtype = _float_dtype(heading_log_rate, other_log_rate)
    result = _log_likelihood(
        jnp.asarray(counts, dtype=dtype),
        jnp.asarray(heading_log_rate, dtype=dtype),
        jnp.asarray(np.broadcast_to(other_log_rate, (n_bins, n_cells)), dtype=dtype),
    )
    return np.asarray(result)


# ------------------------------------------------------------------------------ prior


def _grid_step(grid: Any) -> tuple[np.ndarray, float]:
    """Check that a grid covers the circle in equal steps; return it and its step."""
    grid = np.asarray(grid, dtype=float)
    if grid.ndim != 1 or grid.size < 3:
        raise ValueError(f"The heading grid must be 1-D with 3 points or more; got {grid.shape}.")
    step = TWO_PI / grid.size
    if not np.allclose(np.diff(grid), step, rtol=1e-6, atol=1e-9):
        raise ValueError(
            f"The heading grid must cover the circle in {grid.size} equal increasing steps of "
            f"2π/{grid.size} rad (e.g. np.linspace(0, 2 * np.pi, {grid.size}, endpoint=False), "
            "or the bin centres of tuning curves over (0, 2π))."
        )
    return grid, step


def random_walk_transition(grid: Any, step_std: float) -> np.ndarray:
    """Return the log transition matrix of a random walk of the heading on a circular grid.

    Entry ``[i, j]`` is the log-probability that the heading moves from ``grid[i]`` to
    ``grid[j]`` in one bin; each row sums to 1. The walk is the continuous-time random walk
    between neighbouring grid points (the grid's counterpart of Brownian motion) run for one bin,
    at the rate that gives its steps a variance of exactly ``step_std**2``: the probability of a
    move of ``d`` grid steps is ``sum_m exp(-x) I_{d + m G}(x)``, with ``x = step_std**2 /
    step**2``, ``I`` the modified Bessel function and ``m`` the turns around the circle.

    Why not a Gaussian evaluated at the grid points: at 10 ms bins the head turns about 1° per
    bin, far less than the 5.9° between the points of a 61-point grid. A Gaussian of that width
    sampled at the grid points gives the neighbours a probability below 1e-7, so the chain
    would hardly ever move (a far smaller variance than asked for). The walk used here keeps the
    variance right at any width and becomes the wrapped Gaussian when ``step_std`` is several
    grid steps.

    Parameters
    ----------
    grid : array-like, shape (G,)
        Headings (rad) covering the circle in G equal increasing steps.
    step_std : float
        Standard deviation of the heading's change in one bin (rad), e.g. from
        :func:`step_std_from_heading`.

    Returns
    -------
    np.ndarray, shape (G, G)
        Log transition probabilities (float64), rows: from, columns: to.

    Raises
    ------
    ValueError
        If ``step_std`` is not a positive finite number or the grid is not regular.
    """
    from scipy.special import ive

    grid, step = _grid_step(grid)
    if not (np.isscalar(step_std) and np.isfinite(step_std) and step_std > 0):
        raise ValueError(
            f"step_std must be a positive number of radians per bin; got {step_std!r}."
        )
    n = grid.size
    x = (step_std / step) ** 2
    # Turns around the circle to sum over: enough to cover 12 standard deviations of the walk.
    turns = int(np.ceil(12 * step_std / TWO_PI)) + 1
    moves = np.arange(n)[None, :] + n * np.arange(-turns, turns + 1)[:, None]
    by_distance = ive(np.abs(moves), x).sum(axis=0)  # exp(-x) I_d(x): never overflows
    by_distance /= by_distance.sum()  # every row below is this vector rotated: rows sum to 1
    offsets = (np.arange(n)[None, :] - np.arange(n)[:, None]) % n
    with np.errstate(divide="ignore"):
        return np.log(by_distance[offsets])


def step_std_from_heading(
    heading: Any, lag_bins: int = 1, segment_starts: Sequence[int] | None = None
) -> float:
    """Estimate the random walk's step size from a heading sampled once per decoding bin.

    The heading is unwrapped within each segment, its change over ``lag_bins`` bins taken, and
    the step size is ``sqrt(mean(change**2) / lag_bins)``: the standard deviation per bin (around
    zero, since a random walk has no drift) of a random walk that spreads as much as the heading
    does over ``lag_bins`` bins. Real heads turn smoothly, so over a few bins they move more
    than a random walk with the one-bin step size would; a lag of the order of the time over
    which the decoder accumulates evidence (tens of bins at 10 ms) matches the prior to that
    scale. Measured on the stand-in's wake (10 ms bins): 0.016 rad at lag 1, 0.049 rad at lag
    10; decoding 10 held-out minutes with a GLM and the prior, the median error was 6.2° with
    the lag-1 step and 4.2° with the lag-10 step (4.3° at lag 20, 4.7° at lag 50).

    Parameters
    ----------
    heading : array-like or pynapple.Tsd, shape (T,)
        Heading (rad), one value per decoding bin (e.g. the tracked head angle interpolated at
        the bin centres with :func:`circular_interp`).
    lag_bins : int, optional
        Lag over which the change is measured (bins).
    segment_starts : sequence of int, optional
        Indices where a new segment starts (no change is measured across them).

    Returns
    -------
    float
        Step standard deviation (rad per bin).

    Raises
    ------
    ValueError
        If the heading is not 1-D and finite, ``lag_bins`` is not a positive integer, or no
        segment is longer than ``lag_bins``.
    """
    heading = np.asarray(heading).astype(float)
    if heading.ndim != 1 or heading.size < 2:
        raise ValueError(
            f"heading must be 1-D with 2 angles or more (one per bin); got shape {heading.shape}."
        )
    _check_finite(heading, "heading", "interpolate the missing samples first.")
    if not (isinstance(lag_bins, int | np.integer) and lag_bins >= 1):
        raise ValueError(f"lag_bins must be a positive integer; got {lag_bins!r}.")
    bounds = np.flatnonzero(_check_segment_starts(segment_starts, heading.size))
    changes = []
    for start, stop in zip(bounds, [*bounds[1:], heading.size], strict=True):
        unwrapped = np.unwrap(heading[start:stop])
        changes.append(unwrapped[lag_bins:] - unwrapped[:-lag_bins])
    changes = np.concatenate(changes)
    if changes.size == 0:
        raise ValueError(f"No segment is longer than lag_bins={lag_bins} bins.")
    return float(np.sqrt(np.mean(changes**2) / lag_bins))


# ------------------------------------------------------------------------------ posterior


def _log_matvec(log_vector, transition, transpose=False):
    """``log(exp(log_vector) @ transition)`` (or ``transition @ ...`` with ``transpose``).

    The same sum as ``logsumexp(log_vector[:, None] + log(transition), axis=0)``, shifted by the
    largest entry so that ``exp`` cannot overflow: one matrix-vector product and G exponentials
    per bin instead of G² (the decoders' grids make that about ten times faster). A transition
    below the smallest float (about e^-745) counts as impossible.
    """
    shift = jnp.max(log_vector)
    weights = jnp.exp(log_vector - shift)
    return shift + jnp.log(transition @ weights if transpose else weights @ transition)


@jax.jit
def _forward(log_likelihood, log_transition, log_initial, is_start):
    """Forward pass: each bin's log-posterior given the bins up to it, and its log normaliser."""
    transition = jnp.exp(log_transition)

    def step(previous, inputs):
        log_likelihood_t, start = inputs
        predicted = _log_matvec(previous, transition)
        joint = jnp.where(start, log_initial, predicted) + log_likelihood_t
        # Normalised at every bin: messages stay near 0 instead of summing T log-likelihoods
        # (float32 would lose all precision after a few thousand bins). The normaliser is
        # log p(bin t | earlier bins of its segment).
        normaliser = logsumexp(joint)
        return joint - normaliser, (joint - normaliser, normaliser)

    _, (alpha, normalisers) = jax.lax.scan(step, log_initial, (log_likelihood, is_start))
    return alpha, normalisers


@jax.jit
def _forward_backward(log_likelihood, log_transition, log_initial, is_start):
    transition = jnp.exp(log_transition)

    def backward(following, inputs):
        log_likelihood_next, start_next = inputs
        message = _log_matvec(log_likelihood_next + following, transition, transpose=True)
        # A segment starting at the next bin says nothing about this one.
        message = jnp.where(start_next, 0.0, message - logsumexp(message))
        return message, message

    alpha, _ = _forward(log_likelihood, log_transition, log_initial, is_start)
    last = jnp.zeros_like(log_initial)
    _, beta = jax.lax.scan(backward, last, (log_likelihood[1:], is_start[1:]), reverse=True)
    log_posterior = alpha + jnp.concatenate([beta, last[None, :]], axis=0)
    return jnp.exp(log_posterior - logsumexp(log_posterior, axis=1, keepdims=True))


def _chain_inputs(
    log_likelihood: Any,
    log_transition: Any,
    log_initial: Any | None,
    segment_starts: Sequence[int] | None,
) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array]:
    """Check the inputs of a hidden Markov chain; return them as JAX arrays of one dtype."""
    log_likelihood = np.asarray(log_likelihood)
    log_transition = np.asarray(log_transition)
    if log_likelihood.ndim != 2 or log_likelihood.shape[0] == 0:
        raise ValueError(
            f"log_likelihood must be 2-D (bins, states) with at least one bin; got shape "
            f"{log_likelihood.shape}."
        )
    n_bins, n_states = log_likelihood.shape
    if log_transition.shape != (n_states, n_states):
        raise ValueError(
            f"log_transition must have shape ({n_states}, {n_states}) for {n_states} states; "
            f"got {log_transition.shape}."
        )
    if log_initial is None:
        log_initial = np.full(n_states, -np.log(n_states))
    log_initial = np.asarray(log_initial, dtype=float)
    if log_initial.shape != (n_states,):
        raise ValueError(f"log_initial must have shape ({n_states},); got {log_initial.shape}.")
    if np.any(np.isnan(log_likelihood)) or not np.all(np.isfinite(log_likelihood.max(axis=1))):
        raise ValueError(
            "log_likelihood must have no NaN and a finite value in every bin; drop the bins "
            "where it is undefined."
        )
    for name, probabilities in (
        ("every row of log_transition", np.exp(log_transition).sum(axis=1)),
        ("log_initial", np.exp(log_initial).sum(keepdims=True)),
    ):
        if not np.allclose(probabilities, 1.0, atol=1e-5):
            raise ValueError(
                f"exp({name}) must sum to 1 (they are log-probabilities); got sums from "
                f"{probabilities.min():.6g} to {probabilities.max():.6g}."
            )
    is_start = _check_segment_starts(segment_starts, n_bins)
    dtype = _float_dtype(log_likelihood)
    return (
        jnp.asarray(log_likelihood, dtype=dtype),
        jnp.asarray(log_transition, dtype=dtype),
        jnp.asarray(log_initial, dtype=dtype),
        jnp.asarray(is_start),
    )


def forward_backward(
    log_likelihood: Any,
    log_transition: Any,
    log_initial: Any | None = None,
    segment_starts: Sequence[int] | None = None,
) -> np.ndarray:
    """Return the posterior of a hidden Markov chain over a grid, given all bins of each segment.

    The forward-backward algorithm with ``jax.lax.scan``, its messages kept as logarithms (each
    step is one matrix-vector product, shifted by the message's largest entry): the forward
    pass carries the posterior given the bins up to ``t``, the backward pass the likelihood of
    the bins after ``t``; both are renormalised at every bin. A transition probability below
    the smallest float (about e^-745) counts as impossible. The chain restarts
    at every segment start: bin ``s`` in ``segment_starts`` gets the initial distribution as its
    prior, and nothing flows across it in either direction, so decoding several intervals in one
    call is the same as decoding each alone.

    Parameters
    ----------
    log_likelihood : array-like, shape (T, G)
        Log-likelihood of each bin's data under each state (e.g.
        :func:`heading_log_likelihood`).
    log_transition : array-like, shape (G, G)
        Log transition probabilities, rows: from, columns: to; each row must sum to 1 (e.g.
        :func:`random_walk_transition`).
    log_initial : array-like, shape (G,), optional
        Log-probabilities of the state at each segment start. Default: uniform.
    segment_starts : sequence of int, optional
        Indices of the bins where a new segment starts (bin 0 always does); repeated indices
        and the index T (empty segments) are allowed. For pynapple data,
        ``np.searchsorted(counts.t, counts.time_support.start)``.

    Returns
    -------
    np.ndarray, shape (T, G)
        Posterior probabilities: each row sums to 1.

    Raises
    ------
    ValueError
        If shapes do not match, a row of the transition matrix or the initial distribution does
        not sum to 1, a value is NaN, or a segment start is out of range.
    """
    chain = _chain_inputs(log_likelihood, log_transition, log_initial, segment_starts)
    return np.asarray(_forward_backward(*chain))


def log_evidence(
    log_likelihood: Any,
    log_transition: Any,
    log_initial: Any | None = None,
    segment_starts: Sequence[int] | None = None,
) -> float:
    """Return the log-probability of all the data under the chain, summed over segments.

    The sum of the forward pass's log normalisers, ``sum_t log p(bin t | earlier bins of its
    segment)``: the marginal likelihood of the random-walk model, so comparing it across step
    sizes chooses the step from the spikes alone (where no head angle is tracked, as in sleep).

    Parameters
    ----------
    log_likelihood, log_transition, log_initial, segment_starts
        As for :func:`forward_backward`.

    Returns
    -------
    float
        Log evidence (in the units of ``log_likelihood``: with the full Poisson likelihood of
        :func:`heading_log_likelihood`, the log-probability of the spike counts).

    Raises
    ------
    ValueError
        As :func:`forward_backward`.
    """
    _, normalisers = _forward(
        *_chain_inputs(log_likelihood, log_transition, log_initial, segment_starts)
    )
    return float(jnp.sum(normalisers))


def decode_posterior(
    counts: Any,
    heading_log_rate: Any,
    other_log_rate: Any | None,
    grid: Any,
    log_transition: Any | None = None,
) -> Any:
    """Decode the heading posterior of pynapple counts, bin by bin or with a temporal prior.

    Bins where ``other_log_rate`` is NaN (the first bins of each interval, before a history
    basis has a full window) are left out; the time support stays that of ``counts``, and with a
    prior the chain restarts at the first decoded bin of every interval.

    Parameters
    ----------
    counts : pynapple.TsdFrame, shape (T, N)
        Spike counts, one column per cell.
    heading_log_rate : array-like, shape (G, N)
        Heading part of the log expected counts on the grid (see
        :func:`heading_log_likelihood`).
    other_log_rate : array-like, shape (T, N) or (N,), or None
        The rest of the log expected counts (NaN where undefined), or None.
    grid : array-like, shape (G,)
        Headings of the grid (rad); the columns of the result.
    log_transition : array-like, shape (G, G), optional
        Log transition matrix (:func:`random_walk_transition`). Default: none, each bin is
        decoded alone with a uniform prior.

    Returns
    -------
    pynapple.TsdFrame
        Posterior probabilities, one row per decoded bin, one column per heading of the grid.

    Raises
    ------
    ValueError
        If ``counts`` is not a pynapple TsdFrame, the grid does not have one heading per row
        of ``heading_log_rate``, or no bin is left to decode (see also
        :func:`heading_log_likelihood` and :func:`forward_backward`).
    """
    import pynapple as nap
    from scipy.special import softmax

    if not isinstance(counts, nap.TsdFrame):
        raise ValueError(
            f"counts must be a pynapple TsdFrame (e.g. spikes.count(bin_size, epochs)); got "
            f"{type(counts).__name__}. For arrays, call heading_log_likelihood and "
            "forward_backward."
        )
    grid = np.asarray(grid, dtype=float)
    if grid.shape != (np.shape(heading_log_rate)[0],):
        raise ValueError(
            f"grid must have one heading per row of heading_log_rate "
            f"({np.shape(heading_log_rate)[0]}); got shape {grid.shape}."
        )
    keep = np.ones(len(counts), dtype=bool)
    if other_log_rate is not None:
        other_log_rate = np.asarray(other_log_rate)
        if other_log_rate.shape == counts.shape:
            keep = ~np.isnan(other_log_rate).any(axis=1)
            other_log_rate = other_log_rate[keep]
    if not keep.any():
        raise ValueError("No bin is left to decode: other_log_rate is NaN in every bin.")
    times = counts.t[keep]
    log_likelihood = heading_log_likelihood(
        np.asarray(counts)[keep], heading_log_rate, other_log_rate
    )
    if log_transition is None:
        posterior = softmax(log_likelihood, axis=1)
    else:
        starts = np.searchsorted(times, counts.time_support.start)
        posterior = forward_backward(log_likelihood, log_transition, segment_starts=starts)
    return nap.TsdFrame(t=times, d=posterior, columns=grid, time_support=counts.time_support)


# ------------------------------------------------------------------------------ GLM


def glm_log_rates(
    model: Any,
    basis: Any,
    grid: Any,
    inputs: Mapping[str, Any] | None = None,
    heading_label: str = "head_direction",
) -> tuple[np.ndarray, np.ndarray | None]:
    """Split a fitted NeMoS Poisson GLM's log expected counts into heading and other parts.

    For a model fitted on ``basis.compute_features(head_angle, *others)``, the log expected
    count is ``intercept + features @ coef``; its heading part is the heading component of the
    basis evaluated on the grid times its coefficients (plus the intercept), and its other part
    is every other component computed from its inputs (e.g. the observed counts for a coupling
    basis) times their coefficients. Only public NeMoS API is used (indexing a basis by label,
    ``compute_features`` on a scikit-learn clone of a component, ``split_by_feature``,
    ``coef_``, ``intercept_``).

    Parameters
    ----------
    model : nemos.glm.PopulationGLM
        A fitted model with Poisson observations and an exponential link.
    basis : nemos basis
        The basis whose features the model was fitted on, e.g.
        ``CyclicBSplineEval(..., bounds=(0, 2 * np.pi), label="head_direction")
        + RaisedCosineLogConv(..., label="coupling")``, or the heading component alone.
    grid : array-like, shape (G,)
        Headings (rad) at which to evaluate the heading part.
    inputs : mapping of str to array-like, optional
        The input of every component other than the heading, by label, e.g.
        ``{"coupling": counts}`` (the counts being decoded, so the history is the observed
        past).
    heading_label : str, optional
        Label of the heading component.

    Returns
    -------
    heading_log_rate : np.ndarray, shape (G, N)
        Intercept plus heading term of each cell's log expected count, at each grid heading.
    other_log_rate : np.ndarray, shape (T, N), or None
        Sum of the other components' terms per bin (NaN where a convolution window is not yet
        full), or None if the basis has no other component.

    Raises
    ------
    ValueError
        If the model is not fitted, not Poisson with an exponential link, the heading component
        has no ``bounds`` (its features would depend on the range of the data), the grid falls
        outside them, or an input is missing.
    """
    import nemos as nmo
    from sklearn.base import clone

    coef = getattr(model, "coef_", None)
    if coef is None:
        raise ValueError("The model is not fitted: call model.fit(features, counts) first.")
    coef = np.asarray(coef)
    intercept = np.asarray(model.intercept_)
    if not isinstance(model.observation_model, nmo.observation_models.PoissonObservations):
        raise ValueError(
            f"The decoder needs Poisson observations; the model has {model.observation_model}."
        )
    probe = np.array([-1.0, 0.0, 1.0])
    if not np.allclose(np.asarray(model.inverse_link_function(jnp.asarray(probe))), np.exp(probe)):
        raise ValueError("The decoder needs the exponential inverse link (NeMoS's default).")
    labels = [component.label for component in basis]
    if heading_label not in labels:
        raise ValueError(
            f"The basis has no component labelled {heading_label!r} (its labels: {labels}); "
            "pass heading_label=..."
        )
    heading_basis = basis[heading_label]
    bounds = getattr(heading_basis, "bounds", None)
    if bounds is None:
        raise ValueError(
            f"The {heading_label!r} basis has no bounds, so its features depend on the range of "
            "the data it is given: fit the model with a basis made with bounds=(0, 2 * np.pi)."
        )
    grid = np.asarray(grid, dtype=float)
    if grid.ndim != 1 or grid.min() < bounds[0] or grid.max() > bounds[1]:
        raise ValueError(f"The grid must be 1-D within the basis bounds {tuple(bounds)}.")
    inputs = dict(inputs or {})
    others = [label for label in labels if label != heading_label]
    missing = sorted(set(others) - set(inputs))
    if missing:
        raise ValueError(f"Give the input of every other component: missing {missing}.")
    unexpected = sorted(set(inputs) - set(others))
    if unexpected:
        raise ValueError(f"inputs has labels the basis does not use: {unexpected}.")

    n_cells = coef.shape[-1] if coef.ndim == 2 else 1
    coefficients = basis.split_by_feature(coef.reshape(coef.shape[0], n_cells), axis=0)

    def term(label: str, component_input: Any) -> np.ndarray:
        # A component of a composite basis cannot compute features alone (NeMoS sets input
        # shapes on the root); a scikit-learn clone has the same parameters and no parent.
        features = np.asarray(clone(basis[label]).compute_features(component_input))
        weights = np.asarray(coefficients[label]).reshape(-1, n_cells)
        return features.reshape(features.shape[0], -1) @ weights

    heading_log_rate = intercept.reshape(1, n_cells) + term(heading_label, grid)
    other_log_rate = None
    for label in others:
        contribution = term(label, inputs[label])
        other_log_rate = contribution if other_log_rate is None else other_log_rate + contribution
    return heading_log_rate, other_log_rate


# ------------------------------------------------------------------------------ headings


def posterior_circular_mean(posterior: Any, grid: Any | None = None) -> Any:
    """Return the circular mean of each bin's posterior: the direction of its mean unit vector.

    Unlike the most probable grid point, it is not quantised to the grid and uses the whole
    distribution.

    Parameters
    ----------
    posterior : array-like, shape (T, G), or pynapple.TsdFrame
        Posterior probabilities (rows need not be normalised), e.g. from
        :func:`decode_posterior` or ``nap.decode_bayes``.
    grid : array-like, shape (G,), optional
        Heading of each column (rad). Default: the TsdFrame's columns.

    Returns
    -------
    np.ndarray or pynapple.Tsd
        Heading per bin in [0, 2π) (a Tsd with the posterior's times and time support when the
        posterior is a TsdFrame).

    Raises
    ------
    ValueError
        If the grid does not have one heading per column.
    """
    values = np.asarray(posterior).astype(float)
    grid = np.asarray(posterior.columns if grid is None else grid, dtype=float)
    if values.ndim != 2 or grid.shape != (values.shape[1],):
        raise ValueError(
            f"The posterior (shape {values.shape}) needs one grid heading per column; got a "
            f"grid of shape {grid.shape}."
        )
    vector = values @ np.exp(1j * grid) / values.sum(axis=1)
    heading = np.mod(np.angle(vector), TWO_PI)
    if hasattr(posterior, "time_support"):
        import pynapple as nap

        return nap.Tsd(t=posterior.t, d=heading, time_support=posterior.time_support)
    return heading


def circular_error(a: Any, b: Any) -> np.ndarray:
    """Return the absolute angular difference, the short way around the circle.

    Parameters
    ----------
    a, b : array-like
        Angles (rad) of broadcastable shapes.

    Returns
    -------
    np.ndarray
        ``|a - b|`` wrapped to [0, π].
    """
    return np.abs(np.angle(np.exp(1j * (np.asarray(a) - np.asarray(b)))))


def circular_interp(x: Any, xp: Any, fp: Any) -> np.ndarray:
    """Interpolate angles like ``np.interp``, going the short way around the circle.

    Plain linear interpolation between 6.2 and 0.1 rad gives about 3.1 rad, the opposite
    direction; unwrapping first gives about 0.0 rad.

    Parameters
    ----------
    x : array-like
        Times at which to interpolate.
    xp : array-like
        Increasing sample times.
    fp : array-like
        Angles (rad) at ``xp``.

    Returns
    -------
    np.ndarray
        Interpolated angles in [0, 2π).
    """
    return np.mod(np.interp(np.asarray(x), np.asarray(xp), np.unwrap(np.asarray(fp))), TWO_PI)
