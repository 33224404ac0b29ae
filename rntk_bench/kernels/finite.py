"""Finite-width random RNNs: the Monte-Carlo yardstick of the analytic kernels.

The RNTK is the limit, as the width n grows, of the empirical neural tangent kernel

    Theta_n(x, x') = sum over trained parameters p of <df(x)/dp, df(x')/dp>

of the network of docs/rntk.md §1 at a random initialisation, and the
RNNGP is the limit of its read-out part sigma_v^2 <h(L,T)(x), h(L,T)(x')> / n.
This module computes both by explicit forward and backward passes in numpy (no
autograd, no shared code with the recursion), so that averaging over seeds gives
an independent check of :func:`rntk_bench.kernels.rnn_kernels`.

Series of different lengths each run from their own first step; a batch is
end-aligned and a series' state stays at its initial value until it starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from rntk_bench._validation import as_series_batch, check_positive_int
from rntk_bench.kernels._params import RNNParams, padded_values

__all__ = ["MonteCarloKernel", "empirical_kernels", "monte_carlo_kernels"]


def _activation(name: str) -> tuple[Any, Any]:
    if name == "relu":
        return (lambda g: np.maximum(g, 0.0)), (lambda g: (g > 0).astype(g.dtype))
    from scipy.special import erf  # here, not at import: listing kernels stays light

    return erf, (lambda g: 2.0 / np.sqrt(np.pi) * np.exp(-g * g))


def empirical_kernels(
    X: Any, params: RNNParams, width: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Empirical NTK and NNGP of ONE random RNN of the given width.

    Parameters
    ----------
    X : array (n_cases, n_channels, n_timepoints) or list of (n_channels, t_i)
    params : RNNParams
    width : int
        Hidden width n of every layer.
    rng : numpy Generator
        Draws W, U, b, v and the initial state(s).

    Returns
    -------
    ntk, nngp : ndarray of shape (n_cases, n_cases)
    """
    batch = as_series_batch(X)
    n = check_positive_int(width, "width")
    n_steps = batch.max_length
    x = padded_values(batch, n_steps)  # (N, m, T)
    n_cases, m, _ = x.shape
    starts = n_steps - batch.lengths
    active = np.arange(n_steps)[:, None] >= starts[None, :]  # (T, N)
    phi, dphi = _activation(params.activation)
    sw, su, sb, sh, sv = (
        params.sigma_w,
        params.sigma_u,
        params.sigma_b,
        params.sigma_h,
        params.sigma_v,
    )
    L = params.n_layers

    W = [rng.standard_normal((n, n)) for _ in range(L)]
    U = [rng.standard_normal((n, m if layer == 0 else n)) for layer in range(L)]
    b = [rng.standard_normal((n, 1)) for _ in range(L)]
    v = rng.standard_normal(n)
    if params.h0 == "shared":
        h0 = [np.repeat(sh * rng.standard_normal((n, 1)), n_cases, axis=1) for _ in range(L)]
    else:
        h0 = [sh * rng.standard_normal((n, n_cases)) for _ in range(L)]

    # Forward: pre-activations g[l][t] and states h[l][t] (n, N); prev[l][t] is the
    # state that entered step t.
    g = [[np.empty(0)] * n_steps for _ in range(L)]
    h = [[np.empty(0)] * n_steps for _ in range(L)]
    prev = [[np.empty(0)] * n_steps for _ in range(L)]
    for layer in range(L):
        state = h0[layer]
        fan_in = m if layer == 0 else n
        for t in range(n_steps):
            below = x[:, :, t].T if layer == 0 else h[layer - 1][t]
            pre = (
                sw / np.sqrt(n) * (W[layer] @ state)
                + su / np.sqrt(fan_in) * (U[layer] @ below)
                + sb * b[layer]
            )
            prev[layer][t] = state
            g[layer][t] = pre
            state = np.where(active[t], phi(pre), state)
            h[layer][t] = state

    # Backward: delta[l][t] = df/dg(l, t), zero before a series starts.
    delta = [[np.zeros((n, n_cases))] * n_steps for _ in range(L)]
    for t in reversed(range(n_steps)):
        for layer in reversed(range(L)):
            upstream = np.zeros((n, n_cases))
            if layer == L - 1 and t == n_steps - 1:
                upstream += sv / np.sqrt(n) * v[:, None]
            if t + 1 < n_steps:
                upstream += sw / np.sqrt(n) * (W[layer].T @ delta[layer][t + 1])
            if layer + 1 < L:
                upstream += su / np.sqrt(n) * (U[layer + 1].T @ delta[layer + 1][t])
            delta[layer][t] = np.where(active[t], dphi(g[layer][t]) * upstream, 0.0)

    def pair_sum(left: list[np.ndarray], right: list[np.ndarray]) -> np.ndarray:
        # sum over t, t' of <left_a(t), left_b(t')> * <right_a(t), right_b(t')>
        lm = np.concatenate(left, axis=1)  # (n, T*N), column t*N + a
        rm = np.concatenate(right, axis=1)
        prod = (lm.T @ lm) * (rm.T @ rm)
        return prod.reshape(n_steps, n_cases, n_steps, n_cases).sum(axis=(0, 2))

    h_last = h[L - 1][n_steps - 1]
    nngp = sv**2 / n * (h_last.T @ h_last)
    ntk = nngp.copy()
    ones = [np.ones((1, n_cases))] * n_steps
    for layer in range(L):
        fan_in = m if layer == 0 else n
        below = [x[:, :, t].T for t in range(n_steps)] if layer == 0 else h[layer - 1]
        ntk += sw**2 / n * pair_sum(delta[layer], prev[layer])
        ntk += su**2 / fan_in * pair_sum(delta[layer], below)
        ntk += sb**2 * pair_sum(delta[layer], ones)
    return ntk, nngp


@dataclass(frozen=True)
class MonteCarloKernel:
    """Mean and standard error of the empirical kernels over random networks.

    Attributes
    ----------
    ntk_mean, ntk_se, nngp_mean, nngp_se : ndarray of shape (n_cases, n_cases)
    width : int
    n_networks : int
    """

    ntk_mean: np.ndarray
    ntk_se: np.ndarray
    nngp_mean: np.ndarray
    nngp_se: np.ndarray
    width: int
    n_networks: int


def monte_carlo_kernels(
    X: Any,
    *,
    width: int = 1000,
    n_networks: int = 20,
    seed: int = 0,
    **params: Any,
) -> MonteCarloKernel:
    """Average the empirical NTK / NNGP of ``n_networks`` random RNNs.

    Parameters
    ----------
    X : array (n_cases, n_channels, n_timepoints) or list of (n_channels, t_i)
    width : int
        Hidden width of every layer.
    n_networks : int (>= 2)
        Independent initialisations; the standard error is std / sqrt(n_networks).
    seed : int
        Seed of the first network; network k uses seed + k.
    **params
        The RNN's hyper-parameters, as for :func:`rntk_bench.kernels.rnn_kernels`.

    Returns
    -------
    MonteCarloKernel
    """
    p = RNNParams.validated(**params)
    count = check_positive_int(n_networks, "n_networks", minimum=2)
    ntks, nngps = [], []
    for k in range(count):
        ntk, nngp = empirical_kernels(X, p, width, np.random.default_rng(seed + k))
        ntks.append(ntk)
        nngps.append(nngp)
    a, b = np.stack(ntks), np.stack(nngps)
    root = np.sqrt(count)
    return MonteCarloKernel(
        ntk_mean=a.mean(0),
        ntk_se=a.std(0, ddof=1) / root,
        nngp_mean=b.mean(0),
        nngp_se=b.std(0, ddof=1) / root,
        width=int(width),
        n_networks=count,
    )
