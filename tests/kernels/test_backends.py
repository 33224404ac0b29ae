"""Every fast path against the plain float64 reference, with per-dtype tolerances."""

from __future__ import annotations

import numpy as np
import pytest

from rntk_bench.kernels import rnn_kernels

PARAMS = [
    dict(sigma_w=1.4142, sigma_b=0.1, sigma_h=0.5, n_layers=1, activation="relu"),
    dict(
        sigma_w=1.34,
        sigma_u=1.2,
        sigma_b=1.0,
        sigma_h=0.0,
        n_layers=2,
        activation="relu",
        h0="independent",
    ),
    dict(sigma_w=1.47, sigma_b=0.3, sigma_h=1.0, n_layers=3, activation="erf"),
]
# float64 paths differ from the reference by rounding only. float32 keeps ~7 digits,
# but near-collinear pairs (the "rectangular" case pairs x with 1.1 x) sit where the
# ReLU dual's slope is infinite and lose about half of them (docs/rntk.md §2): ~2e-5.
TOLERANCE = {"float64": 1e-11, "float32": 1e-4}


def _max_relative(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def _inputs(kind: str, equal, multi, unequal):
    return {
        "equal": (equal, None),
        "rectangular": (equal, equal[:5] * 1.1),
        "multichannel": (multi, multi[2:6]),
        "unequal": (unequal, None),
        "unequal-rectangular": (unequal[:6], unequal[3:]),
    }[kind]


KINDS = ["equal", "rectangular", "multichannel", "unequal", "unequal-rectangular"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("params", PARAMS)
def test_numba_matches_reference(kind, params, equal_series, multichannel_series, unequal_series):
    X, Y = _inputs(kind, equal_series, multichannel_series, unequal_series)
    ref = rnn_kernels(X, Y, backend="numpy", **params)
    fast = rnn_kernels(X, Y, backend="numba", **params)
    for a, b in zip(fast, ref, strict=True):
        assert _max_relative(a, b) < TOLERANCE["float64"]


def test_numba_is_deterministic_and_thread_count_independent(equal_series):
    a = rnn_kernels(equal_series, sigma_w=1.4, sigma_b=0.2, n_threads=1)
    b = rnn_kernels(equal_series, sigma_w=1.4, sigma_b=0.2, n_threads=2)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_blocked_reference_equals_unblocked(unequal_series):
    whole = rnn_kernels(unequal_series, sigma_w=1.4, sigma_h=0.3, backend="numpy")
    blocked = rnn_kernels(unequal_series, sigma_w=1.4, sigma_h=0.3, backend="numpy", block_size=3)
    np.testing.assert_allclose(whole[0], blocked[0], rtol=1e-14)
