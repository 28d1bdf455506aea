"""decoding: the GLM likelihood over a heading grid, the random-walk prior, forward-backward.

Exact checks run in float64 (``jax.enable_x64`` as a context, so that no other test is affected):
forward-backward against enumeration of every path, the likelihood against
``scipy.stats.poisson``. The simulated population (12 von Mises cells, 10 ms bins, a random-walk
heading of 0.016 rad per bin, 6000 bins) measured, over seeds 0-5, a median error of 19-70°
decoding each bin alone and 2.8-3.2° with the random-walk prior (seed 3: 24.3° and 2.8°). With
a Gaussian sampled at the grid points as the prior the error was 4.7-7.2°; without the expected
count term of the likelihood, 5.3-20.9°.
"""

from __future__ import annotations

import itertools
import subprocess
import sys

import jax
import numpy as np
import pynapple as nap
import pytest
from scipy.special import softmax
from scipy.stats import poisson

from workshop_utils import decoding

GRID = np.arange(61) * 2 * np.pi / 61


@pytest.fixture
def x64():
    with jax.enable_x64(True):
        yield


def simulate(seed: int, n_bins: int = 6000, n_cells: int = 12, step_std: float = 0.016):
    """Von Mises cells in 10 ms bins, the heading a Gaussian random walk.

    Preferred directions are random, peaks 15-40 Hz, baseline 1 Hz, concentration 4. The
    default step, 0.016 rad (about 1°) per bin, is the stand-in's wake head movement.
    """
    rng = np.random.default_rng(seed)
    steps = rng.normal(0, step_std, n_bins)
    heading = np.mod(rng.uniform(0, 2 * np.pi) + np.cumsum(steps), 2 * np.pi)
    preferred = rng.uniform(0, 2 * np.pi, n_cells)
    peak = rng.uniform(15, 40, n_cells)

    def log_rate(angles):
        tuning = 1 + (peak - 1) * np.exp(4 * (np.cos(np.asarray(angles)[:, None] - preferred) - 1))
        return np.log(0.01 * tuning)

    return heading, rng.poisson(np.exp(log_rate(heading))), log_rate


def brute_force_posterior(log_likelihood, log_transition, log_initial, starts=()):
    """Posterior marginals and log evidence by summing the probability of every path."""
    n_bins, n_states = log_likelihood.shape
    marginals = np.zeros((n_bins, n_states))
    for path in itertools.product(range(n_states), repeat=n_bins):
        log_p = log_initial[path[0]] + log_likelihood[0, path[0]]
        for t in range(1, n_bins):
            step = log_initial[path[t]] if t in starts else log_transition[path[t - 1], path[t]]
            log_p += step + log_likelihood[t, path[t]]
        for t, state in enumerate(path):
            marginals[t, state] += np.exp(log_p)
    evidence = marginals[0].sum()
    return marginals / marginals.sum(axis=1, keepdims=True), np.log(evidence)


# ------------------------------------------------------------------------ forward-backward


@pytest.mark.parametrize("starts", [(), (2,), (1, 3)])
def test_forward_backward_equals_enumeration_of_every_path(x64, starts):
    rng = np.random.default_rng(7)
    log_likelihood = rng.normal(0, 2, (5, 3))
    log_transition = np.log(rng.dirichlet(np.ones(3), size=3))
    log_initial = np.log(rng.dirichlet(np.ones(3)))
    posterior = decoding.forward_backward(
        log_likelihood, log_transition, log_initial, segment_starts=list(starts)
    )
    assert posterior.dtype == np.float64
    expected, evidence = brute_force_posterior(log_likelihood, log_transition, log_initial, starts)
    np.testing.assert_allclose(posterior, expected, rtol=0, atol=1e-10)
    assert decoding.log_evidence(
        log_likelihood, log_transition, log_initial, segment_starts=list(starts)
    ) == pytest.approx(evidence, rel=1e-12)


def test_forward_backward_with_four_states_and_a_forbidden_move(x64):
    rng = np.random.default_rng(8)
    log_likelihood = rng.normal(0, 1, (5, 4))
    transition = rng.dirichlet(np.ones(4), size=4)
    transition[0, 3] = 0.0  # state 0 never moves to 3: log -inf must not break the sums
    transition /= transition.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        log_transition = np.log(transition)
    log_initial = np.full(4, -np.log(4))
    posterior = decoding.forward_backward(log_likelihood, log_transition)
    expected, evidence = brute_force_posterior(log_likelihood, log_transition, log_initial)
    np.testing.assert_allclose(posterior, expected, rtol=0, atol=1e-10)
    assert decoding.log_evidence(log_likelihood, log_transition) == pytest.approx(evidence)


def log_space_posterior(log_likelihood, log_transition, starts=()):
    """Textbook forward-backward with scipy's logsumexp over every pair of states (the oracle
    for chains too long to enumerate); uniform initial distribution."""
    from scipy.special import logsumexp

    n_bins, n_states = log_likelihood.shape
    log_initial = np.full(n_states, -np.log(n_states))
    alpha, beta = np.zeros((n_bins, n_states)), np.zeros((n_bins, n_states))
    evidence = 0.0
    for t in range(n_bins):
        if t == 0 or t in starts:
            predicted = log_initial
        else:
            predicted = logsumexp(alpha[t - 1][:, None] + log_transition, axis=0)
        joint = predicted + log_likelihood[t]
        evidence += logsumexp(joint)
        alpha[t] = joint - logsumexp(joint)
    for t in range(n_bins - 2, -1, -1):
        if t + 1 in starts:
            continue
        message = logsumexp(log_transition + log_likelihood[t + 1] + beta[t + 1], axis=1)
        beta[t] = message - logsumexp(message)
    log_posterior = alpha + beta
    return softmax(log_posterior, axis=1), evidence


def test_a_narrow_walk_and_likelihoods_far_below_zero_match_the_log_space_sums(x64):
    """Each step is a matrix-vector product shifted by the message's largest entry: with
    log-likelihoods near -900 (exp underflows to 0 below about -745) and a walk of 0.02 rad
    (transitions from 0.96 down to 7e-85 across the grid), it equals the log-space sums."""
    rng = np.random.default_rng(10)
    log_likelihood = rng.normal(-900, 30, (300, len(GRID)))
    log_transition = decoding.random_walk_transition(GRID, 0.02)
    starts = (120,)
    expected, evidence = log_space_posterior(log_likelihood, log_transition, starts)
    posterior = decoding.forward_backward(log_likelihood, log_transition, segment_starts=[120])
    np.testing.assert_allclose(posterior, expected, rtol=0, atol=1e-9)
    assert decoding.log_evidence(
        log_likelihood, log_transition, segment_starts=[120]
    ) == pytest.approx(evidence, rel=1e-10)


def test_uniform_prior_gives_each_bin_alone(x64):
    rng = np.random.default_rng(9)
    log_likelihood = rng.normal(0, 3, (50, 61))
    uniform = np.full((61, 61), -np.log(61))
    expected = np.exp(log_likelihood) / np.exp(log_likelihood).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(
        decoding.forward_backward(log_likelihood, uniform), expected, rtol=1e-10, atol=1e-14
    )


def test_segments_carry_no_information_across_their_start(x64):
    rng = np.random.default_rng(10)
    log_likelihood = rng.normal(0, 2, (40, 61))
    log_likelihood[25:] = 0.0  # the second segment's bins say nothing
    log_transition = decoding.random_walk_transition(GRID, 0.1)
    joint = decoding.forward_backward(log_likelihood, log_transition, segment_starts=[25])
    np.testing.assert_allclose(joint[25:], 1 / 61, rtol=1e-10)
    alone = decoding.forward_backward(log_likelihood[:25], log_transition)
    np.testing.assert_allclose(joint[:25], alone, rtol=1e-10, atol=1e-14)
    # Empty segments (a repeated start, a start at the end) change nothing.
    np.testing.assert_allclose(
        decoding.forward_backward(log_likelihood, log_transition, segment_starts=[25, 25, 40]),
        joint,
        rtol=1e-12,
    )
    chained = decoding.forward_backward(log_likelihood, log_transition)
    assert np.abs(chained[25] - 1 / 61).max() > 1e-3, "without the restart information flows"
    # The evidence of independent segments is the sum of theirs.
    assert decoding.log_evidence(
        log_likelihood, log_transition, segment_starts=[25]
    ) == pytest.approx(
        decoding.log_evidence(log_likelihood[:25], log_transition)
        + decoding.log_evidence(log_likelihood[25:], log_transition),
        rel=1e-12,
    )


# ------------------------------------------------------------------------------ likelihood


def test_log_likelihood_equals_scipy_poisson_on_every_bin_and_heading(x64):
    rng = np.random.default_rng(11)
    counts = rng.poisson(0.8, (30, 5))
    heading_log_rate = rng.normal(-1, 1, (7, 5))
    other_log_rate = rng.normal(0, 0.5, (30, 5))
    expected = poisson.logpmf(
        counts[:, None, :], np.exp(heading_log_rate[None] + other_log_rate[:, None])
    ).sum(axis=2)
    result = decoding.heading_log_likelihood(counts, heading_log_rate, other_log_rate)
    assert result.shape == (30, 7) and result.dtype == np.float64
    np.testing.assert_allclose(result, expected, rtol=1e-12)
    # One row of other_log_rate for every bin, or none at all.
    np.testing.assert_allclose(
        decoding.heading_log_likelihood(counts, heading_log_rate, other_log_rate[0]),
        poisson.logpmf(counts[:, None, :], np.exp(heading_log_rate + other_log_rate[0])[None]).sum(
            axis=2
        ),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        decoding.heading_log_likelihood(counts, heading_log_rate),
        poisson.logpmf(counts[:, None, :], np.exp(heading_log_rate)[None]).sum(axis=2),
        rtol=1e-12,
    )


def test_log_likelihood_keeps_float32_and_does_not_overflow():
    # A heading term of 100 with another term of -102 is an expected count of exp(-2), but
    # exp(100) overflows float32 (largest about exp(88.7)) and exp(-102) underflows to 0.
    counts = np.array([[1, 0], [0, 2]])
    heading_log_rate = np.array([[100.0, -1.0], [95.0, 0.0]], dtype=np.float32)
    other_log_rate = np.full((2, 2), -102.0, dtype=np.float32)
    other_log_rate[:, 1] = 0.0
    result = decoding.heading_log_likelihood(counts, heading_log_rate, other_log_rate)
    assert result.dtype == np.float32
    expected = poisson.logpmf(
        counts[:, None, :], np.exp(heading_log_rate[None] + other_log_rate[:, None], dtype=float)
    ).sum(axis=2)
    np.testing.assert_allclose(result, expected, rtol=1e-5)


# ------------------------------------------------------------------------------ prior


@pytest.mark.parametrize("step_std", [0.016, 0.05, 0.2])
def test_random_walk_steps_have_the_asked_variance(step_std):
    log_transition = decoding.random_walk_transition(GRID, step_std)
    transition = np.exp(log_transition)
    np.testing.assert_allclose(transition.sum(axis=1), 1.0, rtol=1e-12)
    move = np.angle(np.exp(1j * (GRID[None, :] - GRID[:, None])))  # from row to column
    np.testing.assert_allclose(np.sqrt((transition * move**2).sum(axis=1)), step_std, rtol=1e-6)
    np.testing.assert_allclose(transition, transition.T, atol=1e-15)
    np.testing.assert_allclose(transition[5], np.roll(transition[0], 5), atol=1e-15)


def test_wide_random_walk_is_the_wrapped_gaussian():
    step_std, spacing = 0.6, GRID[1]
    transition = np.exp(decoding.random_walk_transition(GRID, step_std))
    turns = np.arange(-3, 4)[:, None] * 2 * np.pi
    wrapped = np.exp(-((GRID[None, :] + turns) ** 2) / (2 * step_std**2)).sum(axis=0)
    wrapped *= spacing / np.sqrt(2 * np.pi * step_std**2)
    np.testing.assert_allclose(transition[0], wrapped, atol=2e-3)


def test_step_std_from_heading_recovers_the_walk_across_wraps_and_segments():
    rng = np.random.default_rng(12)
    walk = np.cumsum(rng.normal(0, 0.05, 20000))
    heading = np.mod(walk, 2 * np.pi)
    assert np.sum(np.abs(np.diff(heading)) > np.pi) > 10, "the walk wraps around the circle"
    assert decoding.step_std_from_heading(heading) == pytest.approx(0.05, rel=0.02)
    assert decoding.step_std_from_heading(heading, lag_bins=10) == pytest.approx(0.05, rel=0.05)
    # Two segments with a 2 rad jump between them: only changes within a segment count.
    jumped = np.mod(np.r_[walk[:10000], walk[10000:] + 2.0], 2 * np.pi)
    within = np.r_[np.diff(walk[:10000]), np.diff(walk[10000:])]
    assert decoding.step_std_from_heading(jumped, segment_starts=[10000]) == pytest.approx(
        np.sqrt(np.mean(within**2)), rel=1e-9
    )
    across = np.r_[within, walk[10000] + 2.0 - walk[9999]]
    assert decoding.step_std_from_heading(jumped) == pytest.approx(
        np.sqrt(np.mean(across**2)), rel=1e-9
    )


# ------------------------------------------------------------------------------ decoding


def test_simulated_population_is_decoded_and_the_prior_helps():
    heading, counts, log_rate = simulate(seed=3)
    log_likelihood = decoding.heading_log_likelihood(counts, log_rate(GRID))
    alone = decoding.posterior_circular_mean(softmax(log_likelihood, axis=1), GRID)
    step_std = decoding.step_std_from_heading(heading)
    smoothed = decoding.posterior_circular_mean(
        decoding.forward_backward(log_likelihood, decoding.random_walk_transition(GRID, step_std)),
        GRID,
    )
    error_alone = np.degrees(np.median(decoding.circular_error(alone, heading)))
    error_smoothed = np.degrees(np.median(decoding.circular_error(smoothed, heading)))
    assert error_alone > 10, f"each bin alone: {error_alone:.1f}° (measured 24.3°)"
    assert error_smoothed < 4, f"with the prior: {error_smoothed:.1f}° (measured 2.8°)"
    assert error_smoothed < 0.3 * error_alone


@pytest.mark.parametrize("step_std", [0.016, 0.08])
def test_log_evidence_recovers_the_step_of_the_walk(step_std):
    # Measured on seeds 0-3: the best of these steps (a factor 1.41 apart) was always the one
    # nearest the true step.
    heading, counts, log_rate = simulate(seed=3, step_std=step_std)
    log_likelihood = decoding.heading_log_likelihood(counts, log_rate(GRID))
    steps = np.geomspace(0.004, 0.25, 13)
    evidence = [
        decoding.log_evidence(log_likelihood, decoding.random_walk_transition(GRID, step))
        for step in steps
    ]
    best = steps[int(np.argmax(evidence))]
    assert step_std / 1.25 < best < step_std * 1.25, f"best step {best:.4f}, true {step_std}"


def test_decode_posterior_drops_undefined_bins_and_restarts_each_interval(x64):
    heading, counts, log_rate = simulate(seed=1, n_bins=400)
    t = 0.005 + np.arange(400) * 0.01
    support = nap.IntervalSet([0.0, 2.0], [1.999, 4.0])
    frame = nap.TsdFrame(t=t, d=counts, time_support=support)
    rng = np.random.default_rng(13)
    other = rng.normal(0, 0.1, counts.shape)
    other[:10] = np.nan  # history undefined at the start of each interval
    other[200:210] = np.nan
    log_transition = decoding.random_walk_transition(GRID, 0.05)
    posterior = decoding.decode_posterior(frame, log_rate(GRID), other, GRID, log_transition)
    assert isinstance(posterior, nap.TsdFrame)
    assert posterior.shape == (380, 61)
    np.testing.assert_allclose(posterior.t, np.r_[t[10:200], t[210:]])
    np.testing.assert_allclose(np.asarray(posterior.columns, dtype=float), GRID)
    np.testing.assert_allclose(posterior.time_support.values, support.values)
    for rows, kept in ((slice(0, 190), slice(10, 200)), (slice(190, 380), slice(210, 400))):
        alone = decoding.forward_backward(
            decoding.heading_log_likelihood(counts[kept], log_rate(GRID), other[kept]),
            log_transition,
        )
        np.testing.assert_allclose(posterior.values[rows], alone, rtol=1e-9, atol=1e-14)
    each_bin = decoding.decode_posterior(frame, log_rate(GRID), other, GRID)
    np.testing.assert_allclose(
        each_bin.values,
        softmax(
            decoding.heading_log_likelihood(
                counts[~np.isnan(other[:, 0])], log_rate(GRID), other[~np.isnan(other[:, 0])]
            ),
            axis=1,
        ),
        rtol=1e-10,
    )


def test_circular_mean_error_and_interpolation():
    posterior = np.zeros((3, 61))
    posterior[0, 7] = 1.0
    posterior[1, [1, 60]] = 0.5  # either side of 0: the mean is 0, not π
    posterior[2, [10, 12]] = [1.0, 3.0]
    heading = decoding.posterior_circular_mean(posterior, GRID)
    assert heading[0] == pytest.approx(GRID[7])
    assert decoding.circular_error(heading[1], 0.0) < 1e-12
    expected = np.angle(np.exp(1j * GRID[10]) + 3 * np.exp(1j * GRID[12]))
    assert heading[2] == pytest.approx(expected)

    frame = nap.TsdFrame(
        t=[1.0, 2.0, 3.0], d=posterior, columns=GRID, time_support=nap.IntervalSet(0, 5)
    )
    as_tsd = decoding.posterior_circular_mean(frame)
    assert isinstance(as_tsd, nap.Tsd)
    np.testing.assert_allclose(as_tsd.values, heading)
    np.testing.assert_allclose(as_tsd.time_support.values, [[0, 5]])

    assert decoding.circular_error(6.2, 0.1) == pytest.approx(2 * np.pi - 6.1)
    np.testing.assert_allclose(decoding.circular_error([0.0, np.pi], [np.pi, 0.0]), np.pi)
    middle = decoding.circular_interp([0.5], [0.0, 1.0], [6.2, 0.1])
    assert middle[0] == pytest.approx(np.mod((6.2 + 0.1 + 2 * np.pi) / 2, 2 * np.pi))
    with pytest.raises(ValueError, match="one grid heading per column"):
        decoding.posterior_circular_mean(posterior, GRID[:10])


# ------------------------------------------------------------------------------ NeMoS


@pytest.fixture(scope="module")
def fitted_glm():
    """A small coupled PopulationGLM fitted on simulated cells (3 cells, 3000 bins)."""
    import nemos as nmo

    heading, counts, _ = simulate(seed=2, n_bins=3000, n_cells=3, step_std=0.1)
    with jax.enable_x64(True):
        basis = nmo.basis.CyclicBSplineEval(
            5, bounds=(0, 2 * np.pi), label="head_direction"
        ) + nmo.basis.RaisedCosineLogConv(3, window_size=10, label="coupling")
        features = basis.compute_features(heading, counts.astype(float))
        model = nmo.glm.PopulationGLM(
            regularizer="Ridge", solver_name="LBFGS", regularizer_strength=1e-3
        ).fit(features, counts)
        return {
            "basis": basis,
            "model": model,
            "counts": counts,
            "heading": heading,
        }


@pytest.mark.slow  # fits two NeMoS models
def test_glm_log_rates_rebuild_the_model_prediction(fitted_glm, x64):
    model, basis, counts = fitted_glm["model"], fitted_glm["basis"], fitted_glm["counts"]
    heading_log_rate, other_log_rate = decoding.glm_log_rates(
        model, basis, GRID, {"coupling": counts.astype(float)}
    )
    assert heading_log_rate.shape == (61, 3) and other_log_rate.shape == (3000, 3)
    assert np.isnan(other_log_rate[:10]).all() and not np.isnan(other_log_rate[10:]).any()
    # Put every bin's heading on a grid point: the model's prediction there must be the sum.
    on_grid = np.round(fitted_glm["heading"] / GRID[1]).astype(int) % 61
    features = basis.compute_features(GRID[on_grid], counts.astype(float))
    predicted = np.log(np.asarray(model.predict(features)))
    rebuilt = heading_log_rate[on_grid] + other_log_rate
    np.testing.assert_allclose(rebuilt[10:], predicted[10:], rtol=1e-6, atol=1e-9)


@pytest.mark.slow  # fits two NeMoS models
def test_glm_log_rates_without_coupling_and_their_errors(fitted_glm, x64):
    import nemos as nmo

    heading, counts = fitted_glm["heading"], fitted_glm["counts"]
    basis = nmo.basis.CyclicBSplineEval(5, bounds=(0, 2 * np.pi), label="head_direction")
    model = nmo.glm.PopulationGLM(
        regularizer="Ridge", solver_name="LBFGS", regularizer_strength=1e-3
    ).fit(basis.compute_features(heading), counts)
    heading_log_rate, other_log_rate = decoding.glm_log_rates(model, basis, GRID)
    assert other_log_rate is None
    expected = np.log(np.asarray(model.predict(basis.compute_features(GRID))))
    np.testing.assert_allclose(heading_log_rate, expected, rtol=1e-9)

    with pytest.raises(ValueError, match="missing"):
        decoding.glm_log_rates(fitted_glm["model"], fitted_glm["basis"], GRID)
    with pytest.raises(ValueError, match="not fitted"):
        decoding.glm_log_rates(nmo.glm.PopulationGLM(), basis, GRID)
    with pytest.raises(ValueError, match="no component labelled 'heading'"):
        decoding.glm_log_rates(model, basis, GRID, heading_label="heading")
    # Fitted on a basis without bounds, the heading features would depend on the data's range.
    unbounded = nmo.basis.CyclicBSplineEval(5, label="head_direction")
    with pytest.raises(ValueError, match="bounds"):
        decoding.glm_log_rates(model, unbounded, GRID)
    with pytest.raises(ValueError, match="within the basis bounds"):
        decoding.glm_log_rates(model, basis, GRID + 1.0)
    model.observation_model = nmo.observation_models.GammaObservations()
    with pytest.raises(ValueError, match="Poisson"):
        decoding.glm_log_rates(model, basis, GRID)


# ------------------------------------------------------------------------------ bad input


def test_bad_input_raises_a_clear_error():
    counts = np.ones((10, 3))
    rates = np.zeros((61, 3))
    with pytest.raises(ValueError, match=r"heading_log_rate must have shape \(n_headings, 3\)"):
        decoding.heading_log_likelihood(counts, np.zeros((61, 4)))
    with pytest.raises(ValueError, match=r"other_log_rate must have shape \(10, 3\)"):
        decoding.heading_log_likelihood(counts, rates, np.zeros((9, 3)))
    with pytest.raises(ValueError, match="counts must be 2-D"):
        decoding.heading_log_likelihood(np.ones(10), rates)
    with pytest.raises(ValueError, match="non-negative"):
        decoding.heading_log_likelihood(-counts, rates)
    with pytest.raises(ValueError, match="drop the bins"):
        decoding.heading_log_likelihood(counts, rates, np.full((10, 3), np.nan))
    for bad in (0.0, -0.1, np.nan, np.inf):
        with pytest.raises(ValueError, match="step_std must be a positive number"):
            decoding.random_walk_transition(GRID, bad)
    with pytest.raises(ValueError, match="equal increasing steps"):
        decoding.random_walk_transition(np.linspace(0, 2 * np.pi, 61), 0.1)
    log_likelihood = np.zeros((10, 61))
    transition = decoding.random_walk_transition(GRID, 0.1)
    with pytest.raises(ValueError, match=r"log_transition must have shape \(61, 61\)"):
        decoding.forward_backward(log_likelihood, transition[:60, :60])
    with pytest.raises(ValueError, match="must sum to 1"):
        decoding.forward_backward(log_likelihood, np.exp(transition))
    with pytest.raises(ValueError, match=r"segment_starts must lie in \[0, 10\]"):
        decoding.forward_backward(log_likelihood, transition, segment_starts=[11])
    with pytest.raises(ValueError, match="no NaN"):
        decoding.forward_backward(np.full((10, 61), np.nan), transition)
    with pytest.raises(ValueError, match="lag_bins must be a positive integer"):
        decoding.step_std_from_heading(np.zeros(10), lag_bins=0)
    with pytest.raises(ValueError, match="pynapple TsdFrame"):
        decoding.decode_posterior(counts, rates, None, GRID)


def test_importing_the_module_leaves_jax_precision_alone():
    code = "import jax\nimport workshop_utils.decoding\nprint(jax.config.jax_enable_x64)\n"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
