"""The RNTK unrolled into time-step weights (docs/time_weights.md): exact, closed form, fast."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from rntk_bench.errors import InputError
from rntk_bench.kernels import rntk, rntk_time_weight_curve, rntk_time_weights

BASE = dict(sigma_w=1.3, sigma_u=0.9, sigma_b=0.2, sigma_h=0.5, sigma_v=1.1)


@pytest.mark.parametrize("activation", ["relu", "erf"])
@pytest.mark.parametrize("n_layers", [1, 2, 3])
def test_contributions_plus_readout_equal_the_rntk(unequal_series, n_layers, activation):
    X = unequal_series
    Y = [s[:, ::-1] * 1.2 + 0.1 for s in X[:3]] + [X[4]]  # one series identical to X[4]
    params = dict(BASE, n_layers=n_layers, activation=activation)
    for a, b in [(X, None), (X, Y)]:
        split = rntk_time_weights(a, b, **params)
        np.testing.assert_allclose(split.kernel(), rntk(a, b, **params), rtol=1e-10, atol=0)
    # The read-out term is the GP kernel of the same network.
    from rntk_bench.kernels import rnngp

    np.testing.assert_allclose(split.readout, rnngp(X, Y, **params), rtol=1e-12)


def test_exact_with_independent_initial_states(unequal_series):
    params = dict(BASE, sigma_w=1.47, n_layers=2, h0="independent")
    split = rntk_time_weights(unequal_series, **params)
    np.testing.assert_allclose(split.kernel(), rntk(unequal_series, **params), rtol=1e-10)


@pytest.mark.parametrize("sigma_w", [1.34, np.sqrt(2), 1.47])
def test_relu_self_pair_weights_are_geometric_in_sigma_w_squared_over_two(rng, sigma_w):
    """x = x': V' = 1/2 at every step, so w = sigma_v^2 / 2 * (sigma_w^2 / 2)^k."""
    x = rng.standard_normal((1, 2, 40))
    params = dict(BASE, sigma_w=sigma_w)
    k = np.arange(40)[::-1]  # steps before the end of each index
    expected = BASE["sigma_v"] ** 2 / 2 * (sigma_w**2 / 2) ** k
    np.testing.assert_allclose(
        rntk_time_weights(x, **params).weights[0, 0, 0], expected, rtol=1e-12
    )
    curve = rntk_time_weight_curve(x, pairs="same", **params)
    np.testing.assert_allclose(curve.weight_mean[0], expected, rtol=1e-12)


def test_one_layer_weights_are_the_product_of_the_steps_after(equal_series):
    """docs/rntk.md §3: w_t = sigma_v^2 V'_T prod_{s=t}^{T-1} sigma_w^2 V'_s, V' from the dual."""
    from rntk_bench.kernels.dual import relu_dual

    X = equal_series[:2]
    split = rntk_time_weights(X[:1], X[1:], **BASE)
    q0 = rntk_time_weights(X[:1], **BASE).sigma[0, 0, 0]  # q(t) of each series
    q1 = rntk_time_weights(X[1:], **BASE).sigma[0, 0, 0]
    _, v_prime = relu_dual(q0, q1, split.sigma[0, 0, 0])
    T = X.shape[-1]
    expected = [
        BASE["sigma_v"] ** 2 * v_prime[-1] * np.prod(BASE["sigma_w"] ** 2 * v_prime[t : T - 1])
        for t in range(T)
    ]
    np.testing.assert_allclose(split.weights[0, 0, 0], expected, rtol=1e-12)


def test_unequal_pairs_have_zero_weight_before_the_shorter_series(unequal_series):
    split = rntk_time_weights(unequal_series, **dict(BASE, n_layers=2))
    lengths = np.array([s.shape[1] for s in unequal_series])
    n_steps = lengths.max()
    for i in range(len(lengths)):
        for j in range(len(lengths)):
            start = n_steps - min(lengths[i], lengths[j])
            assert not split.weights[i, j, :, :start].any()
            assert (split.weights[i, j, :, start:] > 0).all()
    np.testing.assert_array_equal(split.steps_before_end, np.arange(n_steps)[::-1])


@pytest.mark.parametrize("n_layers", [1, 2])
def test_curve_sums_the_per_pair_weights(unequal_series, n_layers):
    params = dict(BASE, n_layers=n_layers, activation="erf")
    X = unequal_series
    split = rntk_time_weights(X, **params)
    distinct = ~np.eye(len(X), dtype=bool)
    for block_size in (1, 3, None):
        curve = rntk_time_weight_curve(X, block_size=block_size, **params)
        np.testing.assert_allclose(curve.weight_sum, split.weights[distinct].sum(0), rtol=1e-12)
        np.testing.assert_allclose(
            curve.contribution_sum, split.contributions[distinct].sum(0), rtol=1e-12
        )
        assert curve.total_pairs == len(X) * (len(X) - 1)
        assert curve.kernel_sum() == pytest.approx(rntk(X, **params)[distinct].sum(), rel=1e-12)
    covered = (split.weights[distinct][:, 0] > 0).sum(0)
    np.testing.assert_array_equal(curve.n_pairs, covered)
    np.testing.assert_allclose(curve.weight_mean, split.weights[distinct].sum(0) / covered)
    same = rntk_time_weight_curve(X, pairs="same", **params)
    diagonal = np.arange(len(X))
    np.testing.assert_allclose(
        same.weight_sum, split.weights[diagonal, diagonal].sum(0), rtol=1e-12
    )
    cross = rntk_time_weight_curve(X[:4], X[6:], **params)
    np.testing.assert_allclose(
        cross.weight_sum, rntk_time_weights(X[:4], X[6:], **params).weights.sum((0, 1)), rtol=1e-12
    )


def test_curve_memory_stays_far_below_the_pairs_by_steps_array(rng):
    X = rng.standard_normal((150, 1, 200))
    full_bytes = 150 * 150 * 200 * 8  # one (n, n, T) float64 array: 36 MB
    tracemalloc.start()
    curve = rntk_time_weight_curve(X, sigma_w=1.4, block_size=4)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < full_bytes / 5, (peak, full_bytes)
    assert np.isfinite(curve.weight_mean).all()


def test_bad_input_is_refused(equal_series):
    with pytest.raises(InputError, match="leave Y out"):
        rntk_time_weight_curve(equal_series, equal_series, pairs="same", sigma_w=1.4)
    with pytest.raises(InputError, match="no distinct pair"):
        rntk_time_weight_curve(equal_series[:1], sigma_w=1.4)
    with pytest.raises(InputError, match="pairs must be one of"):
        rntk_time_weight_curve(equal_series, pairs="all", sigma_w=1.4)
    with pytest.raises(InputError, match="unknown RNTK parameter"):
        rntk_time_weights(equal_series, sigma_w=1.4, gamma=1.0)
