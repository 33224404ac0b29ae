"""The RNTK recursion against independent transcriptions and closed forms."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from rntk_bench.kernels import nngp as fc_nngp
from rntk_bench.kernels import ntk as fc_ntk
from rntk_bench.kernels import rnn_kernels, rntk

from .scalar_rntk import scalar_rnn_kernels

CASES = [
    dict(sigma_w=1.3, sigma_b=0.2, sigma_h=0.7, n_layers=1, activation="relu", h0="shared"),
    dict(
        sigma_w=1.45,
        sigma_u=0.8,
        sigma_b=0.0,
        sigma_h=0.3,
        n_layers=2,
        activation="relu",
        h0="independent",
        sigma_v=1.7,
    ),
    dict(sigma_w=0.9, sigma_b=0.4, sigma_h=1.0, n_layers=3, activation="erf", h0="shared"),
    dict(sigma_w=1.2, sigma_b=0.1, sigma_h=0.5, n_layers=2, activation="erf", h0="independent"),
]


@pytest.mark.parametrize("params", CASES)
@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_matches_scalar_transcription_unequal_lengths(
    unequal_series: list[np.ndarray], params: dict, backend: str
) -> None:
    X = unequal_series[:6]
    Y = unequal_series[4:]
    ntk, nngp = rnn_kernels(X, Y, backend=backend, **params)
    for i, j in itertools.product(range(len(X)), range(len(Y))):
        expected = scalar_rnn_kernels(X[i], Y[j], identical=(i == j + 4), **params)
        np.testing.assert_allclose([ntk[i, j], nngp[i, j]], expected, rtol=1e-9)


def test_single_step_is_a_one_hidden_layer_network(multichannel_series: np.ndarray) -> None:
    # T = 1, sigma_b = sigma_h = 0, sigma_u = sigma_v = s: the RNN is a one-hidden-layer
    # perceptron with weight scale s on both layers (docs/rntk.md §3 with T = 1). (Several
    # channels: collinear inputs would sit where the angle is ill-conditioned.)
    X = multichannel_series[:, :, :1]
    k, g = rnn_kernels(X, sigma_w=1.1, sigma_u=1.3, sigma_v=1.3)
    np.testing.assert_allclose(k, fc_ntk(X, depth=1, sigma_w=1.3), rtol=1e-13)
    np.testing.assert_allclose(g, fc_nngp(X, depth=1, sigma_w=1.3), rtol=1e-13)


def test_single_step_relu_nngp_is_the_arc_cosine_kernel(multichannel_series: np.ndarray) -> None:
    # Cho & Saul (2009): E[relu(w.x) relu(w.y)] = |x||y| (sin t + (pi - t) cos t) / (2 pi)
    # for w ~ N(0, I / m), i.e. sigma_u = 1 and the input scaled by 1/sqrt(m).
    x = multichannel_series[:, :, 0] / np.sqrt(3)
    _, g = rnn_kernels(multichannel_series[:, :, :1], sigma_w=1.0)
    norm = np.linalg.norm(x, axis=1)
    cos = np.clip(x @ x.T / np.outer(norm, norm), -1, 1)
    t = np.arccos(cos)
    expected = np.outer(norm, norm) * (np.sin(t) + (np.pi - t) * cos) / (2 * np.pi)
    np.testing.assert_allclose(g, expected, rtol=1e-12)


def test_zero_recurrence_sees_only_the_last_step(equal_series: np.ndarray) -> None:
    # sigma_w = 0: the last state depends on x_T only, and only U_1 and v are trained
    # through it (earlier steps get no gradient through W).
    k = rntk(equal_series, sigma_w=0.0, sigma_b=0.3)
    k_last = rntk(equal_series[:, :, -1:], sigma_w=0.0, sigma_b=0.3)
    np.testing.assert_allclose(k, k_last, rtol=1e-14)


def test_left_zero_padding_equals_end_alignment_without_bias_or_state(
    unequal_series: list[np.ndarray],
) -> None:
    # docs/rntk.md §4: with sigma_b = sigma_h = 0 and ReLU, zeros before a series leave the
    # state at 0, so left padding gives exactly the end-aligned kernel ...
    longest = max(s.shape[1] for s in unequal_series)
    left = np.zeros((len(unequal_series), 2, longest))
    right = np.zeros_like(left)
    for i, s in enumerate(unequal_series):
        left[i, :, longest - s.shape[1] :] = s
        right[i, :, : s.shape[1]] = s
    k = rntk(unequal_series, sigma_w=1.4)
    np.testing.assert_allclose(rntk(left, sigma_w=1.4), k, rtol=1e-12)
    # ... and right padding is wrong.
    assert np.max(np.abs(rntk(right, sigma_w=1.4) - k) / np.abs(k)) > 0.1


def test_sigma_v_scales_both_kernels(equal_series: np.ndarray) -> None:
    k1, g1 = rnn_kernels(equal_series, sigma_w=1.4, sigma_b=0.1)
    k2, g2 = rnn_kernels(equal_series, sigma_w=1.4, sigma_b=0.1, sigma_v=2.5)
    np.testing.assert_allclose(k2, 6.25 * k1, rtol=1e-14)
    np.testing.assert_allclose(g2, 6.25 * g1, rtol=1e-14)


def test_h0_conventions_agree_without_initial_state_and_differ_with_it(
    equal_series: np.ndarray,
) -> None:
    a = rntk(equal_series, sigma_w=1.4, h0="shared")
    b = rntk(equal_series, sigma_w=1.4, h0="independent")
    np.testing.assert_allclose(a, b, rtol=1e-14)
    a = rntk(equal_series, sigma_w=1.4, sigma_h=0.5, h0="shared")
    b = rntk(equal_series, sigma_w=1.4, sigma_h=0.5, h0="independent")
    np.testing.assert_allclose(np.diag(a), np.diag(b), rtol=1e-14)  # same series
    off = ~np.eye(len(a), dtype=bool)
    assert np.all(a[off] > b[off])  # a shared state adds covariance to every pair


def test_unequal_pairs_have_no_initial_state_term(unequal_series: list[np.ndarray]) -> None:
    # Pairs of different lengths never meet the initial state (docs/rntk.md §4): both h0
    # conventions agree on them, while equal-length pairs differ.
    X = unequal_series  # lengths 3, 12, 7, 5, 12, ...: pair (1, 4) has equal lengths
    a = rntk(X, sigma_w=1.4, sigma_h=0.8, h0="shared")
    b = rntk(X, sigma_w=1.4, sigma_h=0.8, h0="independent")
    lengths = np.array([s.shape[1] for s in X])
    differ = lengths[:, None] != lengths[None, :]
    np.testing.assert_allclose(a[differ], b[differ], rtol=1e-14)
    assert abs(a[1, 4] - b[1, 4]) > 1e-3 * abs(a[1, 4])


def test_relu_kernel_grows_like_t_squared_at_the_edge_of_stability(rng) -> None:
    # Single layer, sigma_w = sqrt(2): V' = 1/2 on the diagonal, so Theta grows by S each
    # step and S grows linearly: the diagonal grows like T^2 (docs/protocol.md §4, conditioning).
    x = rng.standard_normal((1, 1, 800))
    d = [rntk(x[:, :, :T], sigma_w=np.sqrt(2), sigma_b=0.1)[0, 0] for T in (200, 400, 800)]
    assert d[1] / d[0] == pytest.approx(4, rel=0.15)
    assert d[2] / d[1] == pytest.approx(4, rel=0.15)
