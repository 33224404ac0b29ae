"""Dual activations and the fast arcsine / arccosine of the fused path."""

from __future__ import annotations

import numpy as np
import pytest

from rntk_bench.kernels import _fused
from rntk_bench.kernels.dual import erf_dual, erf_variance, relu_angle, relu_dual, relu_variance


def _gaussian_pairs(
    a: float, b: float, c: float, n: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    cov = np.array([[a, c], [c, b]])
    z = np.random.default_rng(seed).multivariate_normal([0.0, 0.0], cov, size=n)
    return z[:, 0], z[:, 1]


@pytest.mark.parametrize("a, b, c", [(1.0, 1.0, 0.3), (2.0, 0.5, -0.7), (0.4, 1.7, 0.8)])
def test_relu_dual_matches_gaussian_expectation(a: float, b: float, c: float) -> None:
    u, v = _gaussian_pairs(a, b, c, 2_000_000, seed=1)
    relu_u, relu_v = np.maximum(u, 0), np.maximum(v, 0)
    V, V_prime = relu_dual(np.array(a), np.array(b), np.array(c))
    prod = relu_u * relu_v
    step = (u > 0) & (v > 0)
    # 5 standard errors of the Monte-Carlo mean.
    assert abs(prod.mean() - V) < 5 * prod.std() / np.sqrt(prod.size)
    assert abs(step.mean() - V_prime) < 5 * step.std() / np.sqrt(step.size)


@pytest.mark.parametrize("a, b, c", [(1.0, 1.0, 0.3), (2.0, 0.5, -0.7), (0.4, 1.7, 0.8)])
def test_erf_dual_matches_gaussian_expectation(a: float, b: float, c: float) -> None:
    from scipy.special import erf

    u, v = _gaussian_pairs(a, b, c, 2_000_000, seed=2)
    prod = erf(u) * erf(v)
    dprod = (4 / np.pi) * np.exp(-u * u - v * v)
    V, V_prime = erf_dual(np.array(a), np.array(b), np.array(c))
    assert abs(prod.mean() - V) < 5 * prod.std() / np.sqrt(prod.size)
    assert abs(dprod.mean() - V_prime) < 5 * dprod.std() / np.sqrt(dprod.size)


def test_diagonal_closed_forms() -> None:
    q = np.array([0.0, 0.3, 1.0, 7.5])
    V, V_prime = relu_dual(q, q, q)
    np.testing.assert_allclose(V, relu_variance(q), rtol=1e-15)
    np.testing.assert_array_equal(V_prime, 0.5)  # exact: the angle is exactly 0
    V, V_prime = erf_dual(q, q, q)
    np.testing.assert_allclose(V, erf_variance(q), rtol=1e-14)
    np.testing.assert_allclose(V_prime, (4 / np.pi) / np.sqrt(1 + 4 * q), rtol=1e-14)


def test_relu_angle_is_stable_near_the_diagonal() -> None:
    # c = sqrt(ab)(1 - e): the true angle is arccos(1 - e) ~ sqrt(2e).
    a, b = 2.0, 3.0
    for e in (1e-6, 1e-10, 1e-14):
        c = np.sqrt(a * b) * (1 - e)
        exact = np.sqrt(2 * e) * (1 + e / 12)  # arccos(1-e) series
        assert relu_angle(np.array(a), np.array(b), np.array(c)) == pytest.approx(exact, rel=0.05)


def test_fast_acos_and_asin_are_accurate_to_a_few_ulp() -> None:
    x = np.concatenate([np.linspace(-1, 1, 200_001), [-1.0, -0.5, 0.0, 0.5, 1.0]])
    acos = np.array([_fused.fast_acos(v) for v in x])
    asin = np.array([_fused.fast_asin(v) for v in x])
    assert np.max(np.abs(acos - np.arccos(x))) < 4 * np.finfo(float).eps * np.pi
    assert np.max(np.abs(asin - np.arcsin(x))) < 4 * np.finfo(float).eps * np.pi / 2
    assert _fused.fast_acos(1.0) == 0.0
    assert _fused.fast_acos(-1.0) == pytest.approx(np.pi, abs=1e-15)
