"""Cross-validation that respects time, and scores a notebook can quote honestly.

Neighbouring bins share history features, a slowly turning head and slow drifts, so shuffled
K-fold would test on near-copies of its training bins and flatter the most flexible models;
:class:`BlockedKFold`, a scikit-learn splitter, tests on contiguous blocks with a gap around them.
:func:`compare` states only the verdict a 95 % interval supports, so the prose that glues it in
cannot claim more than the spread allows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "VERDICTS",
    "BlockedKFold",
    "Comparison",
    "compare",
    "pseudo_r2_by_block",
    "pseudo_r2_per_unit",
    "rescale_strength",
    "simulate_population",
    "verdict",
]

VERDICTS = ("higher than", "lower than", "no different from")


class BlockedKFold:
    """K-fold cross-validation with contiguous test blocks and a gap around each of them.

    Each of ``n_splits`` contiguous blocks of (nearly) equal size is the test set once.

    Parameters
    ----------
    n_splits : int
        Number of folds (test blocks), at least 2.
    gap : int
        Samples left out of training on each side of the test block: the history window, so that
        no test bin's features hold training counts and vice versa.
    equal_train_sizes : bool
        Also leave out ``gap`` samples at the far end in the edge folds, so that all training sets
        have one size (if ``n_splits`` divides the samples): JAX compiles a fit per shape.

    Raises
    ------
    ValueError
        If ``n_splits`` is smaller than 2 or ``gap`` is negative.

    Examples
    --------
    >>> for train, test in BlockedKFold(n_splits=3, gap=2).split(np.zeros(12)):
    ...     print(train, test)
    [ 6  7  8  9 10 11] [0 1 2 3]
    [ 0  1 10 11] [4 5 6 7]
    [0 1 2 3 4 5] [ 8  9 10 11]
    """

    def __init__(self, n_splits: int = 3, gap: int = 0, equal_train_sizes: bool = False) -> None:
        if int(n_splits) != n_splits or n_splits < 2:
            raise ValueError(
                f"n_splits must be an integer of at least 2, got {n_splits!r}: "
                "cross-validation needs a test block and something left to train on."
            )
        if int(gap) != gap or gap < 0:
            raise ValueError(
                f"gap must be a non-negative integer number of samples, got {gap!r}; "
                "use the length of the history window (window_size)."
            )
        self.n_splits = int(n_splits)
        self.gap = int(gap)
        self.equal_train_sizes = bool(equal_train_sizes)

    def __repr__(self) -> str:
        return (
            f"BlockedKFold(n_splits={self.n_splits}, gap={self.gap}, "
            f"equal_train_sizes={self.equal_train_sizes})"
        )

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """Return the number of folds.

        Parameters
        ----------
        X, y, groups : Any
            Ignored; present for compatibility with scikit-learn.

        Returns
        -------
        int
            ``n_splits``.
        """
        return self.n_splits

    def split(
        self, X: Any, y: Any = None, groups: Any = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield the training and test indices of each fold, in time order.

        Parameters
        ----------
        X : array-like
            The samples, first axis in time order; only its length is used.
        y, groups : Any
            Ignored; present for compatibility with scikit-learn.

        Yields
        ------
        train, test : numpy.ndarray
            Sorted indices of the training samples and of the (contiguous) test block.

        Raises
        ------
        ValueError
            If some fold would have no test block or no training sample outside the gaps.
        """
        n_samples = len(X)
        block_edges = np.linspace(0, n_samples, self.n_splits + 1).round().astype(int)
        indices = np.arange(n_samples)
        trim = self.gap if self.equal_train_sizes else 0
        folds = []
        for start, stop in zip(block_edges[:-1], block_edges[1:], strict=True):
            test = indices[start:stop]
            outside_gaps = (indices < start - self.gap) | (indices >= stop + self.gap)
            if start == 0:
                outside_gaps &= indices < n_samples - trim
            if stop == n_samples:
                outside_gaps &= indices >= trim
            train = indices[outside_gaps]
            if len(test) == 0 or len(train) == 0:
                raise ValueError(
                    f"{n_samples} samples are too few for {self.n_splits} folds with a gap of "
                    f"{self.gap}: use fewer folds, a smaller gap or a longer recording."
                )
            folds.append((train, test))
        yield from folds


def pseudo_r2_per_unit(counts: Any, predicted_counts: Any) -> pd.Series:
    """Return the McFadden pseudo-R² of each unit, not pooled over units.

    NeMoS's ``1 - log L(model) / log L(mean count)``, whose population ``score`` sums over units
    first, so high-rate units dominate. Bins with a NaN prediction are left out, as NeMoS does.

    Parameters
    ----------
    counts : array-like or pynapple TsdFrame
        Observed spike counts, shape (n_bins, n_units), or (n_bins,) for one unit.
    predicted_counts : array-like or pynapple TsdFrame
        Predicted mean counts per bin (``model.predict(X)``, not a rate in Hz), same shape.

    Returns
    -------
    pandas.Series
        One score per unit, indexed by the columns of ``counts`` if any, else 0, 1, ...

    Raises
    ------
    ValueError
        If the shapes differ, a prediction is negative, or a unit never fires (no ratio).
    """
    from scipy.special import gammaln, xlogy

    columns = getattr(counts, "columns", None)
    y = np.asarray(counts, dtype=float)
    mu = np.asarray(predicted_counts, dtype=float)
    if y.ndim == 1 and mu.ndim == 1:  # one unit
        y, mu = y[:, None], mu[:, None]
    if y.ndim != 2 or y.shape != mu.shape:
        raise ValueError(
            f"counts {y.shape} and predicted_counts {mu.shape} must both be (n_bins, n_units)."
        )
    keep = ~np.isnan(mu).any(axis=1) & ~np.isnan(y).any(axis=1)
    y, mu = y[keep], mu[keep]
    if np.any(mu < 0):
        raise ValueError("predicted_counts must be expected counts (>= 0), as model.predict gives.")
    mean = y.mean(axis=0)
    if np.any(mean == 0):
        silent = np.flatnonzero(mean == 0).tolist()
        raise ValueError(f"units {silent} never fire in these bins: their score is undefined.")

    def log_likelihood(rate: np.ndarray) -> np.ndarray:
        # log(y!) included as NeMoS does: it does not cancel in a ratio.
        return (xlogy(y, rate) - rate - gammaln(y + 1)).sum(axis=0)

    scores = 1 - log_likelihood(mu) / log_likelihood(np.broadcast_to(mean, y.shape))
    index = list(columns) if columns is not None else list(range(y.shape[1]))
    return pd.Series(scores, index=index, name="pseudo-R²")


def rescale_strength(strength: Any, fitted_bins: int, new_bins: int) -> Any:
    """Return the Ridge strength that keeps the same prior on ``new_bins`` bins.

    NeMoS penalises the log-likelihood *averaged* over bins, so ``alpha`` on ``n`` bins is a
    Gaussian prior of precision ``alpha * n``, which a refit on more bins must keep fixed.

    Parameters
    ----------
    strength : float or array-like
        The strength on ``fitted_bins`` bins (or per-weight strengths).
    fitted_bins, new_bins : int
        The numbers of bins the strength was chosen on and will be used on.

    Returns
    -------
    float or numpy.ndarray
        ``strength * fitted_bins / new_bins``.

    Raises
    ------
    ValueError
        If a number of bins is not positive, or a strength is negative.
    """
    if fitted_bins <= 0 or new_bins <= 0:
        raise ValueError(f"numbers of bins must be positive: got {fitted_bins} and {new_bins}.")
    values = np.asarray(strength, dtype=float)
    if np.any(values < 0):
        raise ValueError("a Ridge strength cannot be negative.")
    scaled = values * fitted_bins / new_bins
    return float(scaled) if scaled.ndim == 0 else scaled


def verdict(low: float, high: float) -> str:
    """Return what an interval for the difference ``a - b`` lets one say about ``a`` and ``b``.

    Parameters
    ----------
    low, high : float
        The interval's ends.

    Returns
    -------
    str
        ``"higher than"`` above zero, ``"lower than"`` below, else ``"no different from"``.

    Raises
    ------
    ValueError
        If ``low > high`` or either is NaN.
    """
    if not (low <= high):
        raise ValueError(f"not an interval: low={low}, high={high}")
    if low > 0:
        return VERDICTS[0]
    if high < 0:
        return VERDICTS[1]
    return VERDICTS[2]


@dataclass(frozen=True)
class Comparison:
    """Paired comparison of two sets of scores (see :func:`compare`).

    Attributes
    ----------
    difference : float
        Mean of the paired differences ``a - b``.
    low, high : float
        The 95 % confidence interval of ``difference`` (Student's t, ``n_pairs - 1`` dof).
    verdict : str
        ``verdict(low, high)``.
    n_pairs : int
        Number of pairs (units or folds).
    n_higher : int
        Pairs in which ``a`` scored higher than ``b``.
    """

    difference: float
    low: float
    high: float
    verdict: str
    n_pairs: int
    n_higher: int

    def as_dict(self) -> dict[str, float | int | str]:
        """Return the fields as a dict (e.g. to glue each into a notebook's text)."""
        return asdict(self)


def compare(a: Any, b: Any) -> Comparison:
    """Compare paired scores: is ``a`` higher than ``b`` beyond the spread of the pairs.

    The mean difference's 95 % interval uses Student's t (``n - 1`` dof), so a few pairs get the
    wide interval they deserve (4.3 standard errors for 3 pairs, 2.1 for 19). Units of one session
    share animal and day: a verdict over units speaks for this recording, not for mice.

    Parameters
    ----------
    a, b : array-like or pandas.Series
        Scores of the same units or folds, in the same order (Series must share their index).

    Returns
    -------
    Comparison
        The mean difference, its interval, the verdict and the counts.

    Raises
    ------
    ValueError
        If the two do not pair up, hold NaN, or have fewer than two pairs.
    """
    if isinstance(a, pd.Series) and isinstance(b, pd.Series) and not a.index.equals(b.index):
        raise ValueError("a and b must score the same units or folds (their indexes differ).")
    first = np.asarray(a, dtype=float).ravel()
    second = np.asarray(b, dtype=float).ravel()
    if first.shape != second.shape:
        raise ValueError(f"a ({first.size} scores) and b ({second.size}) must pair up.")
    if first.size < 2:
        raise ValueError("compare needs at least two pairs to measure their spread.")
    if np.isnan(first).any() or np.isnan(second).any():
        raise ValueError("scores hold NaN: drop the units or folds without a score first.")
    differences = first - second
    mean = float(differences.mean())
    from scipy import stats  # imported here: scipy.stats takes a moment to import

    quantile = float(stats.t.ppf(0.975, differences.size - 1))
    half_width = float(quantile * differences.std(ddof=1) / np.sqrt(differences.size))
    low, high = mean - half_width, mean + half_width
    return Comparison(
        difference=mean,
        low=low,
        high=high,
        verdict=verdict(low, high),
        n_pairs=int(differences.size),
        n_higher=int((differences > 0).sum()),
    )


def pseudo_r2_by_block(counts: Any, predicted_counts: Any, n_blocks: int) -> pd.DataFrame:
    """Return each unit's pseudo-R² in each of ``n_blocks`` contiguous blocks of time.

    Their spread shows how much a score, or two models' difference (:func:`compare`), varies.

    Parameters
    ----------
    counts : array-like or pynapple Tsd/TsdFrame
        Observed counts in time order, shape (n_bins,) or (n_bins, n_units).
    predicted_counts : array-like or pynapple Tsd/TsdFrame
        Predicted mean counts, same shape.
    n_blocks : int
        Number of blocks of (nearly) equal length.

    Returns
    -------
    pandas.DataFrame
        Rows are blocks (0 = earliest), columns are units named as by :func:`pseudo_r2_per_unit`.

    Raises
    ------
    ValueError
        If ``n_blocks`` is not an integer from 2 to the number of bins, or as
        :func:`pseudo_r2_per_unit` raises.
    """
    y = np.asarray(counts, dtype=float)
    mu = np.asarray(predicted_counts, dtype=float)
    if not isinstance(n_blocks, int | np.integer) or not 2 <= n_blocks <= len(y):
        raise ValueError(f"n_blocks={n_blocks!r} must be an integer from 2 to {len(y)}.")
    columns = getattr(counts, "columns", None)
    rows = [
        pseudo_r2_per_unit(y[block], mu[block])
        for block in np.array_split(np.arange(len(y)), n_blocks)
    ]
    table = pd.DataFrame(rows, index=pd.RangeIndex(n_blocks, name="block"))
    if columns is not None:
        table.columns = list(columns)
    return table


def simulate_population(
    model: Any,
    inputs: Any,
    history_kernels: Any,
    initial_counts: Any,
    seed: int,
    feature_scale: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Simulate spike counts from a fitted population GLM, its spikes fed back as history.

    The null against which fitted couplings are judged: history and coupling act on the counts
    the simulation drew, as in the recording. Wraps :func:`nemos.simulation.simulate_recurrent`.

    Parameters
    ----------
    model : nemos.glm.PopulationGLM
        Fitted on the ``inputs`` columns then the history features, sender by sender.
    inputs : array-like
        Unscaled input features of every bin to simulate, shape (n_bins, n_inputs).
    history_kernels : array-like
        Kernels of ``basis.evaluate_on_grid(window_size)``, shape (window_size, n_basis).
    initial_counts : array-like
        Counts of the bins before the first simulated one, shape (window_size, n_units).
    seed : int
        Seed of the Poisson draws (``jax.random.key(seed)``).
    feature_scale : array-like, optional
        What each feature was divided by before fitting; None if unscaled.

    Returns
    -------
    counts : numpy.ndarray
        Simulated counts, shape (n_bins, n_units).
    rates : numpy.ndarray
        Expected counts, ``model.predict`` on the simulated counts' features, same shape.

    Raises
    ------
    ValueError
        If the shapes do not fit the model's features or its units.
    """
    import jax
    from nemos.simulation import simulate_recurrent

    inputs = np.asarray(inputs, dtype=float)
    kernels = np.asarray(history_kernels, dtype=float)
    initial = np.asarray(initial_counts, dtype=float)
    weights = np.asarray(model.coef_, dtype=float)
    n_features, n_units = weights.shape
    if feature_scale is not None:
        scale = np.asarray(feature_scale, dtype=float)
        if scale.shape != (n_features,):
            raise ValueError(
                f"feature_scale has shape {scale.shape}; the model has {n_features} features."
            )
        weights = weights / scale[:, None]
    if inputs.ndim != 2 or kernels.ndim != 2 or initial.ndim != 2:
        raise ValueError("inputs, history_kernels and initial_counts must all be 2-dimensional.")
    window_size, n_basis = kernels.shape
    n_inputs = inputs.shape[1]
    if n_inputs + n_units * n_basis != n_features:
        raise ValueError(
            f"{n_inputs} input columns + {n_units} units x {n_basis} history kernels = "
            f"{n_inputs + n_units * n_basis} features, but the model has {n_features}: pass the "
            "unscaled input features and the kernels of the history basis the model was fit with."
        )
    if initial.shape != (window_size, n_units):
        raise ValueError(
            f"initial_counts has shape {initial.shape}; it must be (window_size, n_units) = "
            f"({window_size}, {n_units}), the counts of the bins before the first simulated one."
        )
    # (sender, basis, receiver) -> (receiver, sender, basis), the order simulate_recurrent takes
    history = weights[n_inputs:].reshape(n_units, n_basis, n_units).transpose(2, 0, 1)
    counts, rates = simulate_recurrent(
        coupling_coef=history,
        feedforward_coef=weights[:n_inputs].T,
        intercepts=np.asarray(model.intercept_, dtype=float),
        random_key=jax.random.key(seed),
        # every unit sees the same inputs: a (n_bins, n_units, n_inputs) view, not a copy
        feedforward_input=np.broadcast_to(inputs[:, None, :], (len(inputs), n_units, n_inputs)),
        coupling_basis_matrix=kernels,
        init_y=initial,
        inverse_link_function=model.inverse_link_function,
    )
    return np.asarray(counts), np.asarray(rates)
