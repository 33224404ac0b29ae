"""The RNTK unrolled into time-step weights: K = read-out term + sum_t w_t Sigma_t.

The derivation is in docs/time_weights.md. In short: along the recursion of
docs/rntk.md §3-4, Theta(L, T) is a linear function of the pre-activation
covariances Sigma(l, t) = S(l, t) of every layer and step, with coefficients that are
products of the factors sigma_w^2 V'(l, s) (one step along time) and sigma_u^2 V'(l, s)
(one layer up) over all paths from (l, t) to (L, T). So

    RNTK(x, x') = sigma_v^2 V(L, T)                                  (read-out term)
                + sum_{l, t} w(l, t) S(l, t),   w(l, t) = sigma_v^2 V'(L, T) G(l, t),

where G(l, t) = dTheta(L, T) / dS(l, t) solves the backward (adjoint) recursion

    G(L, T) = 1,
    G(l, t) = sigma_w^2 V'(l, t) G(l, t + 1) + sigma_u^2 V'(l, t) G(l + 1, t).

With one layer, w_t = sigma_v^2 V'_T prod_{s=t}^{T-1} sigma_w^2 V'_s (docs/rntk.md §3). The
read-out term is the RNNGP. Steps are end-aligned: index ``n_steps - 1`` is the last step
of every pair, and a pair of unequal lengths has weight 0 before its shorter series
starts.

- :func:`rntk_time_weights`: per pair, per layer, per step (memory O(n_X n_Y L T): for
  small inputs).
- :func:`rntk_time_weight_curve`: the weights and contributions summed over the pairs
  of a data set, in row blocks (memory O(block n_Y L T), a fixed budget: O(n T)); a
  training split of 300 series x 500 steps takes seconds.

Both raise :class:`~rntk_bench.errors.NumericalError` when the weights overflow float64
(they grow like (sigma_w^2 V')^steps: sigma_w far above the edge of chaos, or very
long series): no non-finite weight is ever returned.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from rntk_bench._validation import (
    SeriesBatch,
    as_series_batch,
    check_choice,
    check_positive_int,
)
from rntk_bench.errors import InputError, NumericalError
from rntk_bench.kernels._params import (
    RNNParams,
    initial_state_overlap,
    padded_values,
    per_sample_variances,
    same_series,
)
from rntk_bench.kernels.dual import DUALS, VARIANCES

__all__ = ["PAIRS", "TimeWeightCurve", "TimeWeights", "rntk_time_weight_curve", "rntk_time_weights"]

_BLOCK_BYTES = 48 * 2**20  # stored S and V' of one row block


@dataclass(frozen=True)
class TimeWeights:
    """The RNTK of every pair split into a read-out term and per-step contributions.

    Attributes
    ----------
    weights : ndarray of shape (n_X, n_Y, n_layers, n_steps)
        w(l, t): the coefficient of S(l, t) in the RNTK; end-aligned (the last index is
        the last step of every pair); 0 before a pair's shorter series starts.
    sigma : ndarray of shape (n_X, n_Y, n_layers, n_steps)
        S(l, t) = Sigma(l, t)(x, x'), the pre-activation covariance (0 where the pair
        has not started).
    readout : ndarray of shape (n_X, n_Y)
        sigma_v^2 V(L, T): the read-out term (equal to the RNNGP).
    """

    weights: np.ndarray
    sigma: np.ndarray
    readout: np.ndarray

    @property
    def contributions(self) -> np.ndarray:
        """w(l, t) S(l, t), shape (n_X, n_Y, n_layers, n_steps)."""
        return self.weights * self.sigma

    @property
    def steps_before_end(self) -> np.ndarray:
        """Steps before the end of every step index, shape (n_steps,): n_steps - 1 .. 0."""
        return np.arange(self.weights.shape[-1])[::-1]

    def kernel(self) -> np.ndarray:
        """Read-out term + the sum of all contributions: the RNTK, shape (n_X, n_Y)."""
        return self.readout + self.contributions.sum(axis=(2, 3))


@dataclass(frozen=True)
class TimeWeightCurve:
    """Time-step weights and contributions summed over the pairs of a data set.

    Attributes
    ----------
    weight_sum : ndarray of shape (n_layers, n_steps)
        Sum over pairs of w(l, t) (end-aligned).
    contribution_sum : ndarray of shape (n_layers, n_steps)
        Sum over pairs of w(l, t) S(l, t).
    n_pairs : ndarray of shape (n_steps,), int64
        Pairs in which both series cover the step (the others have weight 0 there).
    readout_sum : float
        Sum over pairs of the read-out term.
    total_pairs : int
        Pairs summed over.
    """

    weight_sum: np.ndarray
    contribution_sum: np.ndarray
    n_pairs: np.ndarray
    readout_sum: float
    total_pairs: int

    @property
    def steps_before_end(self) -> np.ndarray:
        """Shape (n_steps,): n_steps - 1 .. 0."""
        return np.arange(self.weight_sum.shape[-1])[::-1]

    @property
    def weight_mean(self) -> np.ndarray:
        """Mean w(l, t) over the pairs that cover step t (NaN where none), (n_layers, n_steps)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.n_pairs > 0, self.weight_sum / self.n_pairs, np.nan)

    @property
    def contribution_mean(self) -> np.ndarray:
        """Mean w(l, t) S(l, t) over the pairs that cover step t, (n_layers, n_steps)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.n_pairs > 0, self.contribution_sum / self.n_pairs, np.nan)

    def kernel_sum(self) -> float:
        """Sum of the RNTK over the pairs (read-out + every contribution)."""
        return float(self.readout_sum + self.contribution_sum.sum())


def rntk_time_weights(X: Any, Y: Any = None, **params: Any) -> TimeWeights:
    """Per-pair, per-layer, per-step weights of the RNTK (docs/time_weights.md).

    Parameters
    ----------
    X : array of shape (n_X, n_channels, n_timepoints), or list of (n_channels, t_i)
    Y : same kinds as X, optional
        None means X.
    **params
        The RNN hyper-parameters of :func:`rntk_bench.kernels.rntk` (sigma_w, sigma_u,
        sigma_b, sigma_h, sigma_v, n_layers, activation, h0).

    Returns
    -------
    TimeWeights
        ``weights`` and ``sigma`` of shape (n_X, n_Y, n_layers, n_steps) with
        n_steps = the longest series; ``readout`` (n_X, n_Y);
        ``result.kernel()`` equals ``rntk(X, Y, **params)`` to rounding.

    Notes
    -----
    Memory is O(n_X n_Y n_layers n_steps); for averages over a data set use
    :func:`rntk_time_weight_curve`, which never holds that array.
    """
    p = RNNParams.validated(**params)
    pairs = _Pairs(X, Y, p)
    rows = np.arange(pairs.X.n_cases)
    with np.errstate(over="ignore", invalid="ignore"):  # reported by _check_finite
        readout, sigma, v_prime = pairs.forward(rows)
        weights = np.zeros_like(sigma)
        for t, layer, w in _backward(v_prime, p, p.sigma_v**2):
            weights[:, :, layer, t] = w
        _check_finite(p, pairs.n_steps, readout, weights, weights * sigma)
    return TimeWeights(weights=weights, sigma=sigma, readout=readout)


PAIRS = ("distinct", "same")


def rntk_time_weight_curve(
    X: Any,
    Y: Any = None,
    *,
    pairs: str = "distinct",
    block_size: int | None = None,
    **params: Any,
) -> TimeWeightCurve:
    """Time-step weights and contributions of the RNTK summed over pairs, in row blocks.

    Parameters
    ----------
    X : array of shape (n_X, n_channels, n_timepoints), or list of (n_channels, t_i)
    Y : same kinds as X, optional
        Only with ``pairs="distinct"``: every pair of X x Y.
    pairs : {"distinct", "same"}
        "distinct" with Y None: the pairs (i, j), i != j, of X (a training split's Gram
        without its diagonal). "same": every series with itself (x = x', the Gram's
        diagonal), from the per-series variances alone.
    block_size : int, optional
        Rows per block; default: as many as keep the stored S and V' of a block near
        48 MiB (memory O(block_size n_Y n_layers n_steps), never n_X n_Y n_steps).
    **params
        As for :func:`rntk_time_weights`.

    Returns
    -------
    TimeWeightCurve
    """
    p = RNNParams.validated(**params)
    pairs = check_choice(pairs, "pairs", PAIRS)
    if pairs == "same" and Y is not None:
        raise InputError('pairs="same" pairs every series of X with itself; leave Y out.')
    with np.errstate(over="ignore", invalid="ignore"):  # reported by _check_finite
        if pairs == "same":
            curve = _self_pair_curve(as_series_batch(X, "X"), p)
        else:
            curve = _distinct_pair_curve(X, Y, p, block_size)
    readout = np.array(curve.readout_sum)
    _check_finite(p, curve.weight_sum.shape[-1], readout, curve.weight_sum, curve.contribution_sum)
    return curve


def _check_finite(p: RNNParams, n_steps: int, *arrays: np.ndarray) -> None:
    """Raise NumericalError, naming the parameters, unless every value is finite."""
    if all(np.isfinite(a).all() for a in arrays):
        return
    raise NumericalError(
        f"the RNTK time-step weights of sigma_w={p.sigma_w:g} ({p.activation}, "
        f"{p.n_layers} layer{'s' if p.n_layers > 1 else ''}) overflow float64 over "
        f"{n_steps} steps: they grow like (sigma_w^2 V')^steps. Use a smaller sigma_w "
        "(or sigma_u, sigma_b, sigma_h) or shorter series."
    )


def _distinct_pair_curve(X: Any, Y: Any, p: RNNParams, block_size: int | None) -> TimeWeightCurve:
    """The curve over the distinct pairs (x, x'), in row blocks."""
    data = _Pairs(X, Y, p)
    n_x, n_y, n_steps = data.X.n_cases, data.Y.n_cases, data.n_steps
    total = n_x * n_y - (n_x if data.symmetric else 0)
    if total == 0:
        raise InputError("X holds one series: there is no distinct pair; give Y or more series.")
    if block_size is None:
        block_size = max(1, _BLOCK_BYTES // (2 * 8 * n_y * p.n_layers * n_steps))
    block_size = check_positive_int(block_size, "block_size")
    weight_sum = np.zeros((p.n_layers, n_steps))
    contribution_sum = np.zeros_like(weight_sum)
    n_pairs = np.zeros(n_steps, dtype=np.int64)
    readout_sum = 0.0
    for lo in range(0, n_x, block_size):
        rows = np.arange(lo, min(lo + block_size, n_x))
        readout, sigma, v_prime = data.forward(rows)
        keep = np.ones((len(rows), n_y), dtype=bool)
        if data.symmetric:
            keep[np.arange(len(rows)), rows] = False  # the diagonal is not a distinct pair
        readout_sum += float(readout[keep].sum())
        starts = data.pair_start[rows][keep]
        n_pairs += np.bincount(starts, minlength=n_steps).cumsum()
        for t, layer, w in _backward(v_prime, p, p.sigma_v**2):
            w = np.where(keep, w, 0.0)
            weight_sum[layer, t] += w.sum()
            contribution_sum[layer, t] += (w * sigma[:, :, layer, t]).sum()
        del sigma, v_prime  # free this block's store before the next one is built
    return TimeWeightCurve(weight_sum, contribution_sum, n_pairs, readout_sum, total)


def _self_pair_curve(X: SeriesBatch, p: RNNParams) -> TimeWeightCurve:
    """The curve over the pairs (x, x): S = q and V' = V'[q, q, q] need no pair recursion."""
    n_steps = X.max_length
    starts = n_steps - X.lengths
    q = per_sample_variances(X.values, starts, p)  # (n_layers, n_steps, n_cases)
    sigma = q.transpose(2, 0, 1)  # (n_cases, n_layers, n_steps)
    valid = np.arange(n_steps)[None, :] >= starts[:, None]  # (n_cases, n_steps)
    v_prime = np.where(valid[:, None, :], DUALS[p.activation](sigma, sigma, sigma)[1], 0.0)
    readout = p.sigma_v**2 * VARIANCES[p.activation](q[-1, -1])
    weight_sum = np.zeros((p.n_layers, n_steps))
    contribution_sum = np.zeros_like(weight_sum)
    for t, layer, w in _backward(v_prime, p, p.sigma_v**2):
        weight_sum[layer, t] = w.sum()
        contribution_sum[layer, t] = (w * sigma[:, layer, t]).sum()
    n_pairs = valid.sum(axis=0).astype(np.int64)
    return TimeWeightCurve(weight_sum, contribution_sum, n_pairs, float(readout.sum()), X.n_cases)


def _backward(
    v_prime: np.ndarray, p: RNNParams, readout_factor: float
) -> Iterator[tuple[int, int, np.ndarray]]:
    """Yield (t, layer, w(l, t)) from the last step back, by the adjoint recursion.

    ``w(l, t) = sigma_v^2 V'(L, T) G(l, t)`` with G(L, T) = 1 and
    ``G(l, t) = sigma_w^2 V'(l, t) G(l, t + 1) + sigma_u^2 V'(l, t) G(l + 1, t)``;
    V' = 0 before a pair starts, which ends its paths at its first step.

    Parameters
    ----------
    v_prime : ndarray of shape (..., n_layers, n_steps)
        V'(l, t) of a batch of pairs.
    """
    sw2, su2 = p.sigma_w**2, p.sigma_u**2
    n_layers, n_steps = v_prime.shape[-2:]
    batch = v_prime.shape[:-2]
    scale = readout_factor * v_prime[..., n_layers - 1, n_steps - 1]
    G_next = [np.zeros(batch) for _ in range(n_layers)]  # G(l, t + 1)
    for t in range(n_steps - 1, -1, -1):
        G_now: list[np.ndarray] = [np.zeros(0)] * n_layers
        for layer in range(n_layers - 1, -1, -1):
            if t == n_steps - 1 and layer == n_layers - 1:
                G = np.ones(batch)
            else:
                G = sw2 * v_prime[..., layer, t] * G_next[layer]
                if layer + 1 < n_layers:
                    G = G + su2 * v_prime[..., layer, t] * G_now[layer + 1]
            G_now[layer] = G
            yield t, layer, scale * G
        G_next = G_now


class _Pairs:
    """The forward recursion of docs/rntk.md §3-4 for row blocks, storing S and V' per step.

    It is :mod:`._reference` step for step (same dual activations, same treatment of
    identical series and of the pair's first step), so that the decomposition adds up
    to the kernel to rounding.
    """

    def __init__(self, X: Any, Y: Any, p: RNNParams) -> None:
        self.p = p
        self.X: SeriesBatch = as_series_batch(X, "X")
        self.symmetric = Y is None
        self.Y: SeriesBatch = self.X if Y is None else as_series_batch(Y, "Y")
        if self.Y.n_channels != self.X.n_channels:
            raise InputError(
                f"X and Y must have the same number of channels; got {self.X.n_channels} "
                f"and {self.Y.n_channels}."
            )
        self.n_steps = n_steps = max(self.X.max_length, self.Y.max_length)
        self.xv = padded_values(self.X, n_steps)
        self.yv = padded_values(self.Y, n_steps)
        x_start, y_start = n_steps - self.X.lengths, n_steps - self.Y.lengths
        self.qx = per_sample_variances(self.xv, x_start, p)
        self.qy = per_sample_variances(self.yv, y_start, p)
        self.pair_start = np.maximum(x_start[:, None], y_start[None, :])
        self.identical = same_series(self.X, self.Y)
        self.initial = p.sigma_h**2 * initial_state_overlap(self.X, self.Y, p.h0, self.identical)

    def forward(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Read-out term, S(l, t) and V'(l, t) of the pairs (rows x all columns).

        Returns
        -------
        readout : ndarray (n_rows, n_Y)
        sigma, v_prime : ndarray (n_rows, n_Y, n_layers, n_steps), 0 before a pair starts
        """
        p, n_steps = self.p, self.n_steps
        dual = DUALS[p.activation]
        sw2, su2, sb2 = p.sigma_w**2, p.sigma_u**2, p.sigma_b**2
        xv = self.xv[rows]
        qx = self.qx[:, :, rows]
        pair_start = self.pair_start[rows]
        identical, initial = self.identical[rows], self.initial[rows]
        shape = (len(rows), self.Y.n_cases)
        sigma_store = np.zeros((*shape, p.n_layers, n_steps))
        v_prime_store = np.zeros_like(sigma_store)
        V = [np.zeros(shape) for _ in range(p.n_layers)]  # V(l, t - 1)
        n_channels = xv.shape[1]
        for t in range(int(pair_start.min()), n_steps):
            first = t == pair_start
            waiting = t < pair_start
            below_V = xv[:, :, t] @ self.yv[:, :, t].T / n_channels
            for layer in range(p.n_layers):
                prev_V = np.where(first, initial, V[layer])
                a = qx[layer, t][:, None]
                b = self.qy[layer, t][None, :]
                sigma = sw2 * prev_V + su2 * below_V + sb2
                sigma = np.where(identical, a, sigma)
                V[layer], v_prime = dual(a, b, sigma)
                if waiting.any():  # keep their (unused) state finite and out of the sums
                    V[layer][waiting] = v_prime[waiting] = sigma[waiting] = 0.0
                sigma_store[:, :, layer, t] = sigma
                v_prime_store[:, :, layer, t] = v_prime
                below_V = V[layer]
        return p.sigma_v**2 * V[-1], sigma_store, v_prime_store
