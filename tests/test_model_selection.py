"""The time-respecting splitter: contiguous test blocks, no neighbours across train and test."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from sklearn.base import BaseEstimator

from workshop_utils import model_selection
from workshop_utils.model_selection import BlockedKFold


@pytest.mark.parametrize("n_samples", [50, 101, 18_000])
@pytest.mark.parametrize("n_splits", [2, 3, 5])
@pytest.mark.parametrize("gap", [0, 1, 8])
def test_no_training_bin_is_within_the_gap_of_a_test_block(n_samples, n_splits, gap):
    folds = list(BlockedKFold(n_splits=n_splits, gap=gap).split(np.zeros((n_samples, 3))))
    assert len(folds) == n_splits
    for train, test in folds:
        assert np.all(np.diff(test) == 1), "a test block must be contiguous"
        distance_to_test = np.maximum(test[0] - train, train - test[-1])
        assert distance_to_test.min() > gap
        # everything outside the test block and its gaps is used for training
        outside = np.setdiff1d(np.arange(n_samples), test)
        far_from_test = outside[np.maximum(test[0] - outside, outside - test[-1]) > gap]
        np.testing.assert_array_equal(train, far_from_test)


def test_test_blocks_cover_the_recording_once_in_time_order():
    folds = list(BlockedKFold(n_splits=4, gap=3).split(np.zeros(103)))
    tests = np.concatenate([test for _, test in folds])
    np.testing.assert_array_equal(tests, np.arange(103))
    sizes = [len(test) for _, test in folds]
    assert max(sizes) - min(sizes) <= 1


class RowRecorder(BaseEstimator):
    """A scikit-learn estimator that records which rows it was fitted and scored on."""

    seen: list = []

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def fit(self, X, y):
        self.train_rows_ = X[:, 0].astype(int)
        return self

    def score(self, X, y):
        RowRecorder.seen.append((self.alpha, self.train_rows_, X[:, 0].astype(int)))
        return 0.0


def test_grid_search_trains_and_tests_on_the_splitters_blocks_in_time_order():
    from sklearn.model_selection import GridSearchCV

    n_samples, gap = 60, 5
    X = np.column_stack([np.arange(n_samples), np.zeros(n_samples)])  # column 0: the row
    RowRecorder.seen = []
    search = GridSearchCV(RowRecorder(), {"alpha": [0.1, 10.0]}, cv=BlockedKFold(3, gap=gap))
    search.fit(X, np.zeros(n_samples))
    assert search.n_splits_ == 3
    expected = list(BlockedKFold(3, gap=gap).split(X))
    for alpha in (0.1, 10.0):
        runs = [(train, test) for a, train, test in RowRecorder.seen if a == alpha]
        assert len(runs) == 3
        for (train, test), (want_train, want_test) in zip(runs, expected, strict=True):
            np.testing.assert_array_equal(test, want_test)  # the block itself, in time order
            np.testing.assert_array_equal(train, want_train)
            assert np.all(np.diff(test) == 1)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"n_splits": 1}, "n_splits must be an integer of at least 2"),
        ({"n_splits": 2.5}, "n_splits must be an integer"),
        ({"gap": -1}, "gap must be a non-negative integer"),
    ],
)
def test_bad_settings_are_refused_with_the_fix(arguments, message):
    with pytest.raises(ValueError, match=message):
        BlockedKFold(**arguments)


def test_too_short_a_recording_names_the_fix():
    with pytest.raises(ValueError, match="too few for 3 folds with a gap of 10: use fewer folds"):
        list(BlockedKFold(3, gap=10).split(np.zeros(25)))


def test_docstring_example_runs():
    results = doctest.testmod(model_selection, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert results.attempted > 0 and results.failed == 0


@pytest.mark.parametrize("n_splits", [2, 3, 5])
def test_equal_train_sizes_trims_the_far_end_of_the_edge_folds(n_splits):
    n_samples, gap = 12_000, 80
    folds = list(BlockedKFold(n_splits, gap=gap, equal_train_sizes=True).split(np.zeros(n_samples)))
    assert len({len(train) for train, _ in folds}) == 1
    assert len(folds[0][0]) == n_samples - n_samples // n_splits - 2 * gap
    for train, test in folds:
        assert np.maximum(test[0] - train, train - test[-1]).min() > gap
    first_train, last_train = folds[0][0], folds[-1][0]
    assert first_train.max() == n_samples - gap - 1  # the last gap bins are left out
    assert last_train.min() == gap  # the first gap bins are left out


# ---------------------------------------------------------------------------------------------
# The numbers the prose glues, against independent oracles


@pytest.fixture(scope="module")
def population():
    """Poisson counts of four units and two predictions of them: one close, one crude."""
    rng = np.random.default_rng(7)
    n_bins, n_units = 3_000, 4
    drive = np.sin(np.linspace(0, 40, n_bins))[:, None] * np.linspace(0.5, 1.5, n_units)
    rates = 0.2 * np.exp(drive)
    counts = rng.poisson(rates)
    crude = np.tile(rates.mean(axis=0), (n_bins, 1)) * np.exp(0.3 * drive)
    return counts, rates, crude


def test_pseudo_r2_per_unit_is_nemos_mcfadden_score_of_each_unit(population):
    import nemos as nmo

    counts, rates, _ = population
    observations = nmo.observation_models.PoissonObservations()
    oracle = [
        float(
            observations.pseudo_r2(
                counts[:, unit].astype(float), rates[:, unit], score_type="pseudo-r2-McFadden"
            )
        )
        for unit in range(counts.shape[1])
    ]
    scores = model_selection.pseudo_r2_per_unit(counts, rates)
    np.testing.assert_allclose(scores.to_numpy(), oracle, rtol=1e-4)  # NeMoS: float32 here
    assert (scores > 0).all()


def test_pseudo_r2_by_block_scores_each_contiguous_block_on_its_own(population):
    counts, rates, _ = population
    n_blocks = 7  # 3,000 bins: blocks of 429 (the first six) and 426 bins
    table = model_selection.pseudo_r2_by_block(counts, rates, n_blocks)
    assert table.shape == (n_blocks, counts.shape[1])
    sizes = [len(counts) // n_blocks + (i < len(counts) % n_blocks) for i in range(n_blocks)]
    edges = np.cumsum([0, *sizes])
    for block in range(n_blocks):
        y = counts[edges[block] : edges[block + 1]]
        mu = rates[edges[block] : edges[block + 1]]
        null = np.tile(y.mean(axis=0), (len(y), 1))

        def log_likelihood(rate, y=y):
            # Poisson log-likelihood written out, term by term (oracle)
            from scipy.stats import poisson

            return poisson.logpmf(y, rate).sum(axis=0)

        expected = 1 - log_likelihood(mu) / log_likelihood(null)
        np.testing.assert_allclose(table.iloc[block].to_numpy(), expected, rtol=1e-10)


def test_compare_gives_the_mean_difference_its_t_interval_and_the_verdict(population):
    from scipy import stats

    counts, rates, crude = population
    close = model_selection.pseudo_r2_by_block(counts, rates, 6).mean(axis=1)
    rough = model_selection.pseudo_r2_by_block(counts, crude, 6).mean(axis=1)
    result = model_selection.compare(close, rough)
    differences = close.to_numpy() - rough.to_numpy()
    standard_error = stats.sem(differences)  # the standard deviation (ddof 1) over sqrt(n)
    assert result.difference == pytest.approx(differences.mean())
    interval = stats.t.interval(0.95, len(differences) - 1, differences.mean(), standard_error)
    assert (result.low, result.high) == pytest.approx(interval)
    assert result.high - result.low == pytest.approx(2 * 2.5706 * standard_error, rel=1e-4)
    assert result.n_pairs == 6 and result.n_higher == int((differences > 0).sum())
    assert result.verdict == "higher than"
    assert model_selection.compare(rough, close).verdict == "lower than"


@pytest.mark.parametrize(
    ("differences", "expected"),
    [
        # mean 2, standard error 0.58: two of them (1.15) would say "higher than", but with
        # three pairs the 95 % interval spans 4.3 standard errors each side (2.48)
        ([1.0, 2.0, 3.0], "no different from"),
        ([1.0, 2.0, 3.0, 2.0, 1.0, 3.0, 2.0], "higher than"),  # seven pairs: 2 ± 0.76
        ([-1.0, -2.0, -3.0, -2.0, -1.0, -3.0, -2.0], "lower than"),
        ([1.0, -1.0, 2.0, -2.0], "no different from"),  # mean 0
        (
            [3.0, 0.0, 0.0],
            "no different from",
        ),  # mean 1, two standard errors 2: the interval holds 0
    ],
)
def test_compare_says_no_difference_when_its_interval_reaches_zero(differences, expected):
    b = np.linspace(0.1, 0.2, len(differences))
    assert model_selection.compare(b + np.array(differences), b).verdict == expected


def test_rescale_strength_keeps_the_prior_precision_of_a_nemos_ridge_fit():
    """A strength chosen on `fitted_bins` bins, rescaled to `new_bins`, gives the NeMoS fit that
    maximises the Poisson log-likelihood summed over the new bins plus a Gaussian prior of
    precision strength x fitted_bins (the oracle: scipy on the summed objective)."""
    import nemos as nmo
    from scipy.optimize import minimize

    rng = np.random.default_rng(5)
    n_fitted, n_new, strength = 400, 1_200, 0.5
    X = rng.normal(0, 1, (n_new, 3))
    y = rng.poisson(np.exp(0.2 + X @ np.array([0.4, -0.3, 0.2]))).astype(float)
    precision = strength * n_fitted

    def objective(params):
        log_rate = params[0] + X @ params[1:]
        return np.sum(np.exp(log_rate) - y * log_rate) + 0.5 * precision * np.sum(params[1:] ** 2)

    oracle = minimize(objective, np.zeros(4), method="BFGS", options={"gtol": 1e-10}).x
    model = nmo.glm.GLM(
        regularizer="Ridge",
        solver_name="LBFGS",
        regularizer_strength=model_selection.rescale_strength(strength, n_fitted, n_new),
    ).fit(X, y)
    # float32 unless x64 is on; the unscaled strength misses by about 0.07
    np.testing.assert_allclose(np.asarray(model.coef_), oracle[1:], atol=2e-3)
    # per-weight strengths scale element-wise; bad numbers are refused
    np.testing.assert_allclose(
        model_selection.rescale_strength([0.0, 0.3], 2, 3), [0.0, 0.2]
    )
    with pytest.raises(ValueError, match="positive"):
        model_selection.rescale_strength(0.1, 0, 10)
    with pytest.raises(ValueError, match="negative"):
        model_selection.rescale_strength(-0.1, 10, 10)


@pytest.fixture(scope="module")
def fitted_with_history():
    """A small population GLM on one input and 4 history kernels, fitted on scaled features."""
    import nemos as nmo

    rng = np.random.default_rng(3)
    n_bins, n_units, window = 3000, 3, 12
    stimulus = np.sin(np.arange(n_bins) / 50.0)
    counts = rng.poisson(0.2 * np.exp(stimulus)[:, None], size=(n_bins, n_units)).astype(float)
    history_basis = nmo.basis.RaisedCosineLogConv(4, window_size=window, label="history")
    features = np.c_[stimulus, history_basis.compute_features(counts)]
    scale = np.nanstd(features, axis=0)
    model = nmo.glm.PopulationGLM(regularizer="Ridge", regularizer_strength=0.01)
    model.fit(features / scale, counts)
    _, kernels = history_basis.evaluate_on_grid(window)
    return model, history_basis, kernels, scale, stimulus, counts, window


def test_simulated_rates_are_the_models_prediction_on_the_simulated_history(fitted_with_history):
    """The oracle is NeMoS itself: features of the simulated counts, through model.predict."""
    model, history_basis, kernels, scale, stimulus, counts, window = fitted_with_history
    start = 500
    simulated, rates = model_selection.simulate_population(
        model, stimulus[start:, None], kernels, counts[start - window : start], seed=0,
        feature_scale=scale,
    )
    assert simulated.shape == rates.shape == (len(stimulus) - start, 3)
    assert np.array_equal(simulated, np.round(simulated)) and simulated.min() >= 0
    history = np.r_[counts[start - window : start], simulated]
    features = np.c_[stimulus[start - window :], history_basis.compute_features(history)][window:]
    expected = np.asarray(model.predict(features / scale))
    np.testing.assert_allclose(rates, expected, rtol=1e-5)  # float32 here
    # the draws follow the rates: the simulated mean count is the mean rate, within noise
    assert abs(simulated.mean() - rates.mean()) < 4 * np.sqrt(rates.mean() / simulated.size)
    again, _ = model_selection.simulate_population(
        model, stimulus[start:, None], kernels, counts[start - window : start], seed=0,
        feature_scale=scale,
    )
    assert np.array_equal(again, simulated)


def test_simulation_refuses_shapes_that_do_not_fit_the_model(fitted_with_history):
    model, _, kernels, scale, stimulus, counts, window = fitted_with_history
    with pytest.raises(ValueError, match="the model has 13"):
        model_selection.simulate_population(
            model, np.c_[stimulus, stimulus], kernels, counts[:window], seed=0, feature_scale=scale
        )
    with pytest.raises(ValueError, match=r"\(12, 3\)"):
        model_selection.simulate_population(
            model, stimulus[:, None], kernels, counts[: window - 1], seed=0, feature_scale=scale
        )
    with pytest.raises(ValueError, match="feature_scale"):
        model_selection.simulate_population(
            model, stimulus[:, None], kernels, counts[:window], seed=0, feature_scale=scale[:-1]
        )
