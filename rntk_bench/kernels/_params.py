"""Validated hyper-parameters of the recurrent network behind the RNTK."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from rntk_bench._validation import (
    SeriesBatch,
    check_choice,
    check_nonnegative,
    check_positive_int,
)
from rntk_bench.kernels.dual import ACTIVATIONS, VARIANCES

H0_CONVENTIONS = ("shared", "independent")


@dataclass(frozen=True)
class RNNParams:
    """Hyper-parameters of the ReLU/erf RNN of docs/rntk.md §1.

    Attributes
    ----------
    sigma_w : float
        Scale of the recurrent weights W (hidden-to-hidden).
    sigma_u : float
        Scale of the input weights U (input-to-hidden; layer l-1 to l).
    sigma_b : float
        Scale of the biases b.
    sigma_h : float
        Standard deviation of the initial hidden state h(l, 0).
    sigma_v : float
        Scale of the read-out weights v.
    n_layers : int
        Number of stacked recurrent layers L (>= 1).
    activation : {"relu", "erf"}
        The activation phi.
    h0 : {"shared", "independent"}
        "shared": one initial state for every input (a standard RNN; the finite-
        network check confirms it). "independent": one initial state per input, as in
        the authors' public code: the initial states of two inputs correlate only if
        the inputs are the same series.
    """

    sigma_w: float
    sigma_u: float = 1.0
    sigma_b: float = 0.0
    sigma_h: float = 0.0
    sigma_v: float = 1.0
    n_layers: int = 1
    activation: str = "relu"
    h0: str = "shared"

    @classmethod
    def validated(cls, **kwargs: Any) -> RNNParams:
        """Build the parameters, checking every value (raises InputError)."""
        out: dict[str, Any] = {}
        for name in ("sigma_w", "sigma_u", "sigma_b", "sigma_h", "sigma_v"):
            if name in kwargs:
                out[name] = check_nonnegative(kwargs.pop(name), name)
        if "sigma_w" not in out:
            from rntk_bench.errors import InputError

            raise InputError("sigma_w is required (the recurrent weight scale, e.g. 1.4142).")
        if "n_layers" in kwargs:
            out["n_layers"] = check_positive_int(kwargs.pop("n_layers"), "n_layers")
        if "activation" in kwargs:
            out["activation"] = check_choice(kwargs.pop("activation"), "activation", ACTIVATIONS)
        if "h0" in kwargs:
            out["h0"] = check_choice(kwargs.pop("h0"), "h0", H0_CONVENTIONS)
        if kwargs:
            from rntk_bench.errors import InputError

            raise InputError(
                f"unknown RNTK parameter(s) {sorted(kwargs)}; valid: sigma_w, sigma_u, "
                "sigma_b, sigma_h, sigma_v, n_layers, activation, h0."
            )
        return cls(**out)


def initial_state_overlap(
    X: SeriesBatch, Y: SeriesBatch, h0: str, identical: np.ndarray
) -> np.ndarray:
    """I0 of docs/rntk.md §3-4 for every pair: the correlation of the two initial states.

    Parameters
    ----------
    X, Y : SeriesBatch
    h0 : {"shared", "independent"}
    identical : ndarray of shape (n_X, n_Y), bool
        :func:`same_series` of X and Y.

    Returns
    -------
    ndarray of shape (n_X, n_Y), float64
        1 where the initial states are shared and the pair's ends meet with no
        offset (equal lengths); under h0="independent", 1 only where the two series
        are identical; 0 elsewhere.
    """
    if h0 == "shared":
        return (X.lengths[:, None] == Y.lengths[None, :]).astype(np.float64)
    return identical.astype(np.float64)


def identity_ids(keys_x: Iterable[bytes], keys_y: Iterable[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Integer ids that agree exactly where two byte keys are equal.

    Returns
    -------
    ids_x, ids_y : ndarray of int64, one id per key
    """
    seen: dict[bytes, int] = {}

    def ids(keys: Iterable[bytes]) -> np.ndarray:
        return np.array([seen.setdefault(k, len(seen)) for k in keys], dtype=np.int64)

    return ids(keys_x), ids(keys_y)


def series_ids(X: SeriesBatch, Y: SeriesBatch) -> tuple[np.ndarray, np.ndarray]:
    """Integer ids that agree exactly where two series are identical.

    Returns
    -------
    ids_X : ndarray of shape (n_X,), int64
    ids_Y : ndarray of shape (n_Y,), int64
        ``ids_X[i] == ids_Y[j]`` iff X[i] and Y[j] have the same length and values.
    """

    def keys(batch: SeriesBatch) -> Iterator[bytes]:
        for i in range(batch.n_cases):
            yield int(batch.lengths[i]).to_bytes(8, "little") + batch.series(i).tobytes()

    return identity_ids(keys(X), keys(Y))


def same_series(X: SeriesBatch, Y: SeriesBatch) -> np.ndarray:
    """Boolean (n_X, n_Y) matrix: True where X[i] and Y[j] are the identical series."""
    ids_x, ids_y = series_ids(X, Y)
    return ids_x[:, None] == ids_y[None, :]


def padded_values(batch: SeriesBatch, length: int) -> np.ndarray:
    """End-aligned values of ``batch`` left-padded with zeros to ``length`` steps.

    Returns
    -------
    ndarray of shape (n_cases, n_channels, length)
    """
    extra = length - batch.max_length
    if extra == 0:
        return batch.values
    return np.pad(batch.values, ((0, 0), (0, 0), (extra, 0)))


def per_sample_variances(values: np.ndarray, starts: np.ndarray, p: RNNParams) -> np.ndarray:
    """Pre-activation variances q(l, t)(x) = Sigma(l, t)(x, x) of every series.

    Parameters
    ----------
    values : ndarray of shape (n_cases, n_channels, n_steps)
        End-aligned, zero left-padded series.
    starts : ndarray of shape (n_cases,)
        First valid step of every series (``n_steps - length``).
    p : RNNParams

    Returns
    -------
    ndarray of shape (n_layers, n_steps, n_cases)
        q(l, t); entries before a series' start are 0.
    """
    n_cases, n_channels, n_steps = values.shape
    dual_diag = VARIANCES[p.activation]
    sw2, su2, sb2, sh2 = p.sigma_w**2, p.sigma_u**2, p.sigma_b**2, p.sigma_h**2
    q = np.zeros((p.n_layers, n_steps, n_cases))
    for t in range(n_steps):
        first = t == starts
        below = (values[:, :, t] ** 2).sum(axis=1) / n_channels
        for layer in range(p.n_layers):
            # V of the previous state; the initial state itself at the first step.
            prev = sh2 if t == 0 else np.where(first, sh2, dual_diag(q[layer, t - 1]))
            q[layer, t] = sw2 * prev + su2 * below + sb2
            below = dual_diag(q[layer, t])
        q[:, t, t < starts] = 0.0
    return q
