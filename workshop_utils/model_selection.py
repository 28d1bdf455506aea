"""Cross-validation that respects time, for scikit-learn's model-selection tools.

Neighbouring time bins of a spike train are not independent: they share spike-history features
(a bin's features are the counts of the bins before it), a slowly changing head direction and
slow drifts in firing. Shuffled K-fold would put a bin in the test set and its neighbours in the
training set, so the test set would nearly copy the training set and the held-out score would
flatter the most flexible models. :class:`BlockedKFold` instead cuts the
recording into contiguous test blocks and leaves out ``gap`` bins on each side of the test block
from the training set, so that no training bin is within ``gap`` bins of a test bin.

It follows scikit-learn's splitter protocol (``split`` and ``get_n_splits``), so it plugs into
:class:`sklearn.model_selection.GridSearchCV` (``cv=BlockedKFold(...)``) and
:func:`sklearn.model_selection.cross_val_score`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["BlockedKFold"]


class BlockedKFold:
    """K-fold cross-validation with contiguous test blocks and a gap around each of them.

    The samples (time bins, in time order) are cut into ``n_splits`` contiguous blocks of
    (nearly) equal size. Each block is the test set once; the training set is every other
    sample except the ``gap`` samples on each side of the test block.

    Parameters
    ----------
    n_splits : int
        Number of folds (test blocks), at least 2.
    gap : int
        Number of samples left out of training on each side of the test block. Use the length
        of the spike-history window, so that no test bin's features contain training counts and
        no training bin's features contain test counts.
    equal_train_sizes : bool
        If True, the first and last folds, which have a gap on one side only, also leave out the
        ``gap`` samples at the far end of the recording, so that every training set has the same
        size (when ``n_samples`` is a multiple of ``n_splits``). JAX compiles a fit anew for
        each shape of data, so equal sizes save a compilation per fold.

    Raises
    ------
    ValueError
        If ``n_splits`` is smaller than 2 or ``gap`` is negative.

    Examples
    --------
    >>> splitter = BlockedKFold(n_splits=3, gap=2)
    >>> for train, test in splitter.split(np.zeros(12)):
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
        train : numpy.ndarray
            Indices of the training samples (sorted).
        test : numpy.ndarray
            Indices of the test block (contiguous, sorted).

        Raises
        ------
        ValueError
            If there are too few samples to give every fold a test block and a training set
            outside the gaps.
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
