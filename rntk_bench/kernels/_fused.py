"""The default CPU path of the RNTK: one fused, compiled loop (numba).

Why it is fast (measured in benchmarks/bench_kernels.py):

- fused: every pair's state stays in a few per-row vectors instead of a dozen
  (n_X, n_Y) temporaries per step, so memory traffic is O(n_Y) per row and step;
- vectorised: the innermost loop runs over the columns j with no function calls,
  so LLVM emits SIMD code; this needs an arccos that is plain arithmetic, hence
  :func:`fast_asin` (a degree-11 polynomial, about 1 ulp, see tools/fit_asin.py)
  instead of libm's scalar call;
- symmetric: a Gram of X with itself computes each pair once;
- parallel: rows are spread over numba's threads in an order that balances the
  triangle of a symmetric Gram.

All arithmetic is float64; tests compare it with :mod:`._reference`.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numba as nb
import numpy as np

# asin(y) = y + y^3 p(y^2) on [0, 1/2]; coefficients of p from tools/fit_asin.py.
_ASIN_COEFFS = (
    0.1666666666666665,
    0.07500000000020764,
    0.044642857103423646,
    0.03038194736709848,
    0.02237204763174451,
    0.017355259955786323,
    0.013929652902326633,
    0.011875494382636922,
    0.0078029494773533175,
    0.01603551434914882,
    -0.010749050339697808,
    0.028169218060881414,
)
(_A0, _A1, _A2, _A3, _A4, _A5, _A6, _A7, _A8, _A9, _A10, _A11) = _ASIN_COEFFS
_PI = math.pi
_HALF_PI = 0.5 * math.pi
_INV_2PI = 0.5 / math.pi

RELU, ERF = 0, 1
# Column counts are padded to a multiple of this (>= the widest SIMD loop step).
LANES = 16
ACTIVATION_CODES = {"relu": RELU, "erf": ERF}

_jit = nb.njit(cache=True, nogil=True, fastmath={"contract"}, error_model="numpy")
# Inlined into the caller by numba itself, so no per-call overhead in the hot loop.
_jit_inline = nb.njit(
    cache=True, nogil=True, fastmath={"contract"}, error_model="numpy", inline="always"
)


@_jit
def _asin_core(y: float) -> float:
    """asin(y) for 0 <= y <= 1/2."""
    u = y * y
    p = _A11
    p = p * u + _A10
    p = p * u + _A9
    p = p * u + _A8
    p = p * u + _A7
    p = p * u + _A6
    p = p * u + _A5
    p = p * u + _A4
    p = p * u + _A3
    p = p * u + _A2
    p = p * u + _A1
    p = p * u + _A0
    return y + y * u * p


@_jit
def fast_asin(x: float) -> float:
    """arcsin of x in [-1, 1] in branch-free arithmetic (vectorisable), about 1 ulp.

    For |x| > 1/2 it uses asin|x| = pi/2 - 2 asin(sqrt((1 - |x|) / 2)).
    """
    ax = abs(x)
    big = ax > 0.5
    y_big = math.sqrt(max(0.5 * (1.0 - ax), 0.0))
    core = _asin_core(y_big if big else ax)
    r = _HALF_PI - 2.0 * core if big else core
    return r if x >= 0.0 else -r


@_jit
def fast_acos(x: float) -> float:
    """arccos of x in [-1, 1], branch-free, about 1 ulp; exact 0 at x = 1."""
    ax = abs(x)
    big = ax > 0.5
    # Both branches are computed and one is selected, so that loops vectorise.
    y_big = math.sqrt(max(0.5 * (1.0 - ax), 0.0))
    core = _asin_core(y_big if big else ax)
    # |x| <= 1/2: pi/2 - asin(x);  x > 1/2: 2 asin(y);  x < -1/2: pi - 2 asin(y).
    positive = x >= 0.0
    small = _HALF_PI - core if positive else _HALF_PI + core
    large = 2.0 * core if positive else _PI - 2.0 * core
    return large if big else small


@_jit
def _balanced_row(k: int, n: int) -> int:
    """Row order 0, n-1, 1, n-2, ...: equal-size chunks get equal triangle areas."""
    half = k // 2
    return half if k % 2 == 0 else n - 1 - half


# The column loops below index with np.uint64: numba then knows the index is not
# negative (no wrap-around select), which is what lets LLVM vectorise them.


@_jit_inline
def _input_term(x, y_t, i, t, j0, n_y, su2_per_channel, below_v, below_p):
    """Layer 1's input term sigma_u^2 <x_t, y_t> / m of row i against every column."""
    xc = x[i, 0, t] * su2_per_channel
    for j in range(np.uint64(j0), np.uint64(n_y)):
        below_v[j] = xc * y_t[t, 0, j]
        below_p[j] = 0.0
    for c in range(1, x.shape[1]):
        xc = x[i, c, t] * su2_per_channel
        for j in range(np.uint64(j0), np.uint64(n_y)):
            below_v[j] += xc * y_t[t, c, j]


@_jit_inline
def _relu_layer(
    j0,
    n,
    same,
    below_v,
    below_p,
    below_scale,
    V,
    P,
    layer,
    t,
    qa,
    ra,
    ia,
    qy,
    sw2,
    sb2,
):
    """One ReLU layer, one time step, columns j0..n-1 of one row (updates V, P)."""
    for j in range(np.uint64(j0), np.uint64(n)):
        sigma = sw2 * V[layer, j] + below_scale * below_v[j] + sb2
        # Identical series: the covariance is the variance, exactly (see _reference).
        sigma = qa if same[j] else sigma
        theta = sigma + sw2 * P[layer, j] + below_scale * below_p[j]
        rho = sigma * ia * qy[2, layer, t, j]
        rho = min(max(rho, -1.0), 1.0)
        rho = 1.0 if same[j] else rho  # q / (sqrt(q) sqrt(q)) may round below 1
        angle = _PI - fast_acos(rho)
        sin_term = ra * qy[1, layer, t, j] * math.sqrt(max(1.0 - rho * rho, 0.0))
        V[layer, j] = (sin_term + angle * sigma) * _INV_2PI
        P[layer, j] = angle * _INV_2PI * theta


@_jit_inline
def _erf_layer(
    j0,
    n,
    same,
    below_v,
    below_p,
    below_scale,
    V,
    P,
    layer,
    t,
    qa,
    ra,
    ia,
    qy,
    sw2,
    sb2,
):
    """One erf layer, one time step, columns j0..n-1 of one row (updates V, P)."""
    for j in range(np.uint64(j0), np.uint64(n)):
        sigma = sw2 * V[layer, j] + below_scale * below_v[j] + sb2
        sigma = qa if same[j] else sigma
        theta = sigma + sw2 * P[layer, j] + below_scale * below_p[j]
        z = 2.0 * sigma * ia * qy[2, layer, t, j]
        z = min(max(z, -1.0), 1.0)
        det = max(ra * qy[1, layer, t, j] - 4.0 * sigma * sigma, 1e-300)
        V[layer, j] = (2.0 / _PI) * fast_asin(z)
        P[layer, j] = (4.0 / _PI) / math.sqrt(det) * theta


@nb.njit(cache=True, parallel=True, fastmath={"contract"}, error_model="numpy")
def rnn_gram(
    x: np.ndarray,
    x_start: np.ndarray,
    x_key: np.ndarray,
    x_ident: np.ndarray,
    qx: np.ndarray,
    y_t: np.ndarray,
    y_start: np.ndarray,
    y_key: np.ndarray,
    y_ident: np.ndarray,
    qy: np.ndarray,
    sw2: float,
    su2: float,
    sb2: float,
    sh2: float,
    sv2: float,
    activation: int,
    symmetric: bool,
    out_ntk: np.ndarray,
    out_nngp: np.ndarray,
) -> None:
    """Fill ``out_ntk`` and ``out_nngp`` with the RNTK / RNNGP of every pair.

    Parameters
    ----------
    x : (n_X, n_channels, n_steps) float64, end-aligned, zero left-padded.
    x_start : (n_X,) int64, first valid step of every row series.
    x_key, y_key : (n_X,), (n_Y,) int64; the initial states of a pair correlate
        (I0 = 1) iff the keys agree and the pair's two series start together.
    x_ident, y_ident : (n_X,), (n_Y,) int64; equal iff the two series are identical.
    qx : (3, n_layers, n_steps, n_X) float64: per-sample variance q, then
        sqrt(q) and 1/sqrt(q) (ReLU) or 1 + 2q and 1/sqrt(1 + 2q) (erf).
    y_t : (n_steps, n_channels, n_Y_padded) float64, the column series transposed so
        that the innermost loops read contiguous memory, padded with zero series to a
        multiple of LANES columns (as are y_start, y_key, y_ident and qy).
    y_start : (n_Y_padded,) int64.
    qy : (3, n_layers, n_steps, n_Y_padded) float64, as qx.
    sw2, su2, sb2, sh2, sv2 : squared sigma_w, sigma_u, sigma_b, sigma_h, sigma_v.
    activation : RELU or ERF.
    symmetric : X is Y; only j >= i is computed (mirror afterwards).
    out_ntk, out_nngp : (n_X, n_Y) float64, written in place (n_Y without padding).
    """
    n_x, n_steps = x.shape[0], x.shape[2]
    n_y, n_layers = y_t.shape[2], qx.shape[1]
    su2_per_channel = su2 / x.shape[1]
    for k in nb.prange(n_x):
        i = _balanced_row(np.int64(k), n_x) if symmetric else np.int64(k)
        # Start at a multiple of LANES: with the columns padded to a multiple too, the
        # vector loops never run a scalar remainder (it cost ~200 ns per row and step).
        j0 = (i // LANES) * LANES if symmetric else 0
        # Separate allocations for everything a column loop writes or reads, so that
        # LLVM can prove the loops free of aliasing and vectorise them.
        V = np.zeros((n_layers, n_y))  # V(l, t-1) for every column
        P = np.zeros((n_layers, n_y))  # V'(l, t-1) * Theta(l, t-1)
        below_v = np.zeros(n_y)  # layer 1: sigma_u^2 <x_t, y_t> / m; above: V(l-1, t)
        below_p = np.zeros(n_y)  # layer 1: 0; above: V'(l-1, t) Theta(l-1, t)
        first_step = np.empty(n_y, dtype=np.int64)
        init = np.empty(n_y)
        same = np.empty(n_y, dtype=np.bool_)
        start_i = x_start[i]
        last_first_step = start_i
        for j in range(np.uint64(j0), np.uint64(n_y)):
            first_step[j] = max(start_i, y_start[j])
            last_first_step = max(last_first_step, first_step[j])
            init[j] = sh2 if (x_key[i] == y_key[j] and start_i == y_start[j]) else 0.0
            same[j] = x_ident[i] == y_ident[j]
        for t in range(start_i, n_steps):
            if t <= last_first_step:
                # A pair starts where both series are valid (ends aligned): its
                # previous state is the initial one. With equal lengths: once.
                for layer in range(n_layers):
                    for j in range(np.uint64(j0), np.uint64(n_y)):
                        if first_step[j] == t:
                            V[layer, j] = init[j]
                            P[layer, j] = 0.0
            _input_term(x, y_t, i, t, j0, n_y, su2_per_channel, below_v, below_p)
            for layer in range(n_layers):
                if layer > 0:
                    lower = np.uint64(layer - 1)
                    for j in range(np.uint64(j0), np.uint64(n_y)):
                        below_v[j] = V[lower, j]
                        below_p[j] = P[lower, j]
                below_scale = 1.0 if layer == 0 else su2
                if activation == RELU:
                    _relu_layer(
                        j0, n_y, same, below_v, below_p, below_scale, V, P, np.uint64(layer),
                        np.uint64(t), qx[0, layer, t, i], qx[1, layer, t, i], qx[2, layer, t, i],
                        qy, sw2, sb2,
                    )  # fmt: skip
                else:
                    _erf_layer(
                        j0, n_y, same, below_v, below_p, below_scale, V, P, np.uint64(layer),
                        np.uint64(t), qx[0, layer, t, i], qx[1, layer, t, i], qx[2, layer, t, i],
                        qy, sw2, sb2,
                    )  # fmt: skip
        last = n_layers - 1
        for j in range(np.uint64(j0), np.uint64(out_ntk.shape[1])):
            out_nngp[i, j] = sv2 * V[last, j]
            out_ntk[i, j] = sv2 * (V[last, j] + P[last, j])


@nb.njit(cache=True, parallel=True)
def mirror_upper(a: np.ndarray) -> None:
    """Copy the upper triangle of the square matrix ``a`` onto its lower triangle."""
    n = a.shape[0]
    for i in nb.prange(n):
        for j in range(i):
            a[i, j] = a[j, i]


@_jit
def variance_table(
    values: np.ndarray,
    starts: np.ndarray,
    sw2: float,
    su2: float,
    sb2: float,
    sh2: float,
    n_layers: int,
    activation: int,
    n_padded: int,
) -> np.ndarray:
    """Per-series variances and what :func:`rnn_gram` reads of them, in one pass.

    The compiled twin of :func:`rntk_bench.kernels._params.per_sample_variances`
    (tested against it), which costs more than the Gram itself for short series.

    Parameters
    ----------
    values : (n_cases, n_channels, n_steps) float64, end-aligned, zero left-padded.
    starts : (n_cases,) int64, first valid step of every series.
    n_padded : int >= n_cases; extra cases get q = 1 (harmless padding).

    Returns
    -------
    (3, n_layers, n_steps, n_padded) float64: q; then sqrt(q) and 1/sqrt(q) (0 where
    q = 0) for ReLU, or 1 + 2q and 1/sqrt(1 + 2q) for erf.
    """
    n_cases, n_channels, n_steps = values.shape
    out = np.ones((3, n_layers, n_steps, n_padded))
    for i in range(n_cases):
        for t in range(n_steps):
            if t < starts[i]:
                for layer in range(n_layers):
                    out[0, layer, t, i] = 0.0
                continue
            below = 0.0
            for c in range(n_channels):
                below += values[i, c, t] * values[i, c, t]
            below /= n_channels
            for layer in range(n_layers):
                if t == starts[i]:
                    prev = sh2
                else:
                    q_prev = out[0, layer, t - 1, i]
                    if activation == RELU:
                        prev = 0.5 * q_prev
                    else:
                        prev = (2.0 / _PI) * math.asin(2.0 * q_prev / (1.0 + 2.0 * q_prev))
                q = sw2 * prev + su2 * below + sb2
                out[0, layer, t, i] = q
                if activation == RELU:
                    below = 0.5 * q
                else:
                    below = (2.0 / _PI) * math.asin(2.0 * q / (1.0 + 2.0 * q))
    for layer in range(n_layers):
        for t in range(n_steps):
            for i in range(n_padded):
                q = out[0, layer, t, i]
                if activation == RELU:
                    root = math.sqrt(q)
                    out[1, layer, t, i] = root
                    out[2, layer, t, i] = 1.0 / root if root > 0.0 else 0.0
                else:
                    out[1, layer, t, i] = 1.0 + 2.0 * q
                    out[2, layer, t, i] = 1.0 / math.sqrt(1.0 + 2.0 * q)
    return out


def compiled_on_disk(function: Any = None) -> bool | None:
    """Whether numba's on-disk cache already holds a compiled function.

    ``function``: a ``cache=True`` numba dispatcher, by default the fused Gram loop.
    False means the next call compiles it (tens of seconds for the Gram loop, once per
    install); None where numba's cache layout is unknown.
    """
    dispatcher: Any = rnn_gram if function is None else function
    try:
        index = dispatcher._cache._cache_file._index_path  # numba internals, hence the guard
    except AttributeError:  # pragma: no cover - depends on the numba version
        return None
    return bool(os.path.exists(index))
