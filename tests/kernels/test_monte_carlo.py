"""Analytic kernels against the empirical kernels of wide, finite random networks.

Agreement is judged in standard errors of the Monte-Carlo mean over independent
initialisations (seeds fixed, so the tests are deterministic). The short versions run
by default; the long ones (more widths, layers, networks) carry the ``slow`` marker.
A negative control shows the check has teeth: start-aligned unequal lengths fail it.
"""

from __future__ import annotations

import numpy as np
import pytest

from rntk_bench.kernels import monte_carlo_kernels, nngp, ntk, rnn_kernels

Z_LIMIT = 4.5  # |mean - analytic| / s.e. over a handful of entries, 20+ networks


def _assert_agrees(X, width, n_networks, **params):
    mc = monte_carlo_kernels(X, width=width, n_networks=n_networks, seed=11, **params)
    k, g = rnn_kernels(X, **params)
    z_ntk = np.abs(mc.ntk_mean - k) / mc.ntk_se
    z_nngp = np.abs(mc.nngp_mean - g) / mc.nngp_se
    assert z_ntk.max() < Z_LIMIT, f"RNTK off by {z_ntk.max():.1f} s.e."
    assert z_nngp.max() < Z_LIMIT, f"RNNGP off by {z_nngp.max():.1f} s.e."
    # ... and the estimate is tight enough for that to mean something (a few %).
    assert np.max(mc.ntk_se) < 0.1 * np.max(np.abs(k))


def _inputs(rng, unequal: bool, channels: int = 1):
    if unequal:
        return [0.8 * rng.standard_normal((channels, t)) for t in (3, 6, 5, 6)]
    return 0.8 * rng.standard_normal((4, channels, 6))


SHORT = [
    ("relu", 1, False, "shared"),
    ("relu", 2, True, "shared"),
    ("erf", 1, True, "shared"),
    ("erf", 2, False, "independent"),
]


@pytest.mark.parametrize("activation, n_layers, unequal, h0", SHORT)
def test_rntk_agrees_with_finite_networks(activation, n_layers, unequal, h0):
    X = _inputs(np.random.default_rng(5), unequal)
    _assert_agrees(
        X,
        width=1000,
        n_networks=20,
        sigma_w=1.25,
        sigma_b=0.3,
        sigma_h=0.8,
        n_layers=n_layers,
        activation=activation,
        h0=h0,
    )


@pytest.mark.slow
@pytest.mark.parametrize("activation", ["relu", "erf"])
@pytest.mark.parametrize("n_layers", [1, 2])
@pytest.mark.parametrize("unequal", [False, True])
@pytest.mark.parametrize("channels", [1, 3])
def test_rntk_agrees_with_finite_networks_long(activation, n_layers, unequal, channels):
    X = _inputs(np.random.default_rng(7), unequal, channels)
    _assert_agrees(
        X,
        width=2000,
        n_networks=40,
        sigma_w=1.4142,
        sigma_u=0.9,
        sigma_b=0.2,
        sigma_h=0.6,
        sigma_v=1.3,
        n_layers=n_layers,
        activation=activation,
    )


def test_start_aligned_unequal_lengths_fail_the_check():
    rng = np.random.default_rng(5)
    X = _inputs(rng, unequal=True)
    params = dict(sigma_w=1.2, sigma_b=0.3, sigma_h=0.8)
    mc = monte_carlo_kernels(X, width=1000, n_networks=20, seed=11, **params)
    right_padded = np.zeros((4, 1, 6))
    for i, s in enumerate(X):
        right_padded[i, :, : s.shape[1]] = s
    k, _ = rnn_kernels(right_padded, **params)
    assert np.max(np.abs(mc.ntk_mean - k) / mc.ntk_se) > 10


def _mlp_empirical_ntk(x: np.ndarray, depth: int, fix_first: int, width: int, seed: int):
    """Empirical NTK and NNGP of one ReLU MLP (NTK parameterisation, sigma_w^2 = 2)."""
    rng = np.random.default_rng(seed)
    d = x.shape[1]
    sizes = [d] + [width] * depth
    weights = [rng.standard_normal((sizes[i + 1], sizes[i])) for i in range(depth)]
    v = rng.standard_normal(width)
    scale = np.sqrt(2.0)
    acts, pres = [x.T], []
    for W, fan_in in zip(weights, sizes[:-1], strict=True):
        pres.append(scale / np.sqrt(fan_in) * W @ acts[-1])
        acts.append(np.maximum(pres[-1], 0))
    nngp = 2.0 / width * acts[-1].T @ acts[-1]
    kernel = nngp.copy()
    delta = scale / np.sqrt(width) * v[:, None] * (pres[-1] > 0)
    for layer in reversed(range(depth)):
        if layer >= fix_first:
            kernel += 2.0 / sizes[layer] * (delta.T @ delta) * (acts[layer].T @ acts[layer])
        if layer:
            delta = (
                scale / np.sqrt(sizes[layer]) * (weights[layer].T @ delta) * (pres[layer - 1] > 0)
            )
    return kernel, nngp


@pytest.mark.parametrize("depth, fix_first", [(1, 0), (2, 1), (3, 0)])
def test_fc_ntk_agrees_with_finite_mlps(depth, fix_first):
    X = np.random.default_rng(2).standard_normal((5, 2, 4))
    flat = X.reshape(5, -1)
    samples = [_mlp_empirical_ntk(flat, depth, fix_first, 1500, s) for s in range(30)]
    k_mc = np.stack([s[0] for s in samples])
    g_mc = np.stack([s[1] for s in samples])
    se = k_mc.std(0, ddof=1) / np.sqrt(30)
    k = ntk(X, depth=depth, fix_first=fix_first)
    g = nngp(X, depth=depth)
    assert np.max(np.abs(k_mc.mean(0) - k) / se) < Z_LIMIT
    assert np.max(np.abs(g_mc.mean(0) - g) / (g_mc.std(0, ddof=1) / np.sqrt(30))) < Z_LIMIT
