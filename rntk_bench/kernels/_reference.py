"""The plain float64 reference of the RNTK / RNNGP recursion.

This is docs/rntk.md §3-4 written out as directly as numpy allows:
every pair of series at once, one time step and one layer after the other, with
the textbook dual activations of :mod:`rntk_bench.kernels.dual`. It is the yardstick
that every fast path is tested against and the baseline of
``benchmarks/bench_kernels.py``. Memory: a few (n_X, n_Y) arrays per layer.
"""

from __future__ import annotations

import numpy as np

from rntk_bench._validation import SeriesBatch
from rntk_bench.kernels._params import (
    RNNParams,
    initial_state_overlap,
    padded_values,
    per_sample_variances,
    same_series,
)
from rntk_bench.kernels.dual import DUALS


def rnn_kernels_reference(
    X: SeriesBatch, Y: SeriesBatch, p: RNNParams
) -> tuple[np.ndarray, np.ndarray]:
    """RNTK and RNNGP Gram matrices by the plain vectorised recursion.

    Parameters
    ----------
    X : SeriesBatch with n_X cases
    Y : SeriesBatch with n_Y cases and the same number of channels
    p : RNNParams

    Returns
    -------
    ntk, nngp : ndarray of shape (n_X, n_Y), float64
    """
    n_steps = max(X.max_length, Y.max_length)
    xv, yv = padded_values(X, n_steps), padded_values(Y, n_steps)
    x_start, y_start = n_steps - X.lengths, n_steps - Y.lengths
    qx = per_sample_variances(xv, x_start, p)
    qy = per_sample_variances(yv, y_start, p)
    # A pair's recursion starts where both series are valid: the ends are aligned.
    pair_start = np.maximum(x_start[:, None], y_start[None, :])
    # Identical series have identical pre-activations: their covariance IS the
    # variance q. Said explicitly because the correlation-1 fixed point can be
    # unstable (ReLU: infinite slope of the dual; erf, sigma_w large: chaos), so
    # rounding would otherwise grow along the recursion.
    identical = same_series(X, Y)
    initial = p.sigma_h**2 * initial_state_overlap(X, Y, p.h0, identical)
    dual = DUALS[p.activation]
    sw2, su2, sb2 = p.sigma_w**2, p.sigma_u**2, p.sigma_b**2
    n_channels = xv.shape[1]

    shape = (X.n_cases, Y.n_cases)
    V = [np.zeros(shape) for _ in range(p.n_layers)]  # V(l, t - 1)
    P = [np.zeros(shape) for _ in range(p.n_layers)]  # V'(l, t - 1) * Theta(l, t - 1)
    for t in range(int(pair_start.min()), n_steps):
        first = t == pair_start
        waiting = t < pair_start  # pairs whose shorter series has not started yet
        # Layer 1 sees the inputs; U is trained but the input carries no Theta.
        below_V = xv[:, :, t] @ yv[:, :, t].T / n_channels
        below_P = np.zeros(shape)
        for layer in range(p.n_layers):
            prev_V = np.where(first, initial, V[layer])
            prev_P = np.where(first, 0.0, P[layer])
            a = qx[layer, t][:, None]
            b = qy[layer, t][None, :]
            sigma = sw2 * prev_V + su2 * below_V + sb2
            sigma = np.where(identical, a, sigma)
            theta = sigma + sw2 * prev_P + su2 * below_P
            V[layer], V_prime = dual(a, b, sigma)
            P[layer] = V_prime * theta
            if waiting.any():  # keep their (unused) state finite
                V[layer][waiting] = P[layer][waiting] = 0.0
            below_V, below_P = V[layer], P[layer]
    sv2 = p.sigma_v**2
    return sv2 * (V[-1] + P[-1]), sv2 * V[-1]
