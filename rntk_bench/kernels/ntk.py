"""Fully connected NTK and NNGP on flattened series (Jacot et al. 2018; Arora et al. 2020).

A ReLU multilayer perceptron with ``depth`` hidden layers of infinite width on the
flattened series x in R^d (d = n_channels * n_timepoints)::

    S_0 = sigma_w^2 <x, x'> / d + sigma_b^2,                 Theta_0 = S_0
    S_h = sigma_w^2 V[K_{h-1}] + sigma_b^2
    Theta_h = [h >= fix_first] S_h + sigma_w^2 V'[K_{h-1}] Theta_{h-1}    (h = 1..depth)
    NNGP = S_depth,   NTK = Theta_depth

``fix_first`` is the "fix_dep" variant of Arora et al.: the first ``fix_first`` layers
keep their initial weights (their gradients are left out of the NTK); 0 trains all.
The recursion for one depth passes through every smaller depth, so
:func:`fc_kernels_all_depths` returns the whole (depth, fix_first) grid at the cost
of the deepest kernel. Unequal lengths: see :mod:`._fixed_length`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rntk_bench._validation import (
    check_choice,
    check_nonnegative,
    check_positive_int,
)
from rntk_bench.errors import InputError
from rntk_bench.kernels._fixed_length import flatten_pair, identical_rows
from rntk_bench.kernels.dual import ACTIVATIONS, DUALS, VARIANCES

__all__ = ["fc_kernels_all_depths", "nngp", "ntk"]


def fc_kernels_all_depths(
    X: Any,
    Y: Any = None,
    *,
    max_depth: int,
    sigma_w: float = np.sqrt(2.0),
    sigma_b: float = 0.0,
    activation: str = "relu",
    length: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """NTK for every (depth, fix_first) and NNGP for every depth, in one recursion.

    Parameters
    ----------
    X : array (n_X, n_channels, n_timepoints) or list of (n_channels, t_i)
    Y : same kinds, optional (None: the Gram of X)
    max_depth : int >= 1
        Largest number of hidden layers.
    sigma_w, sigma_b : float
        Weight and bias scales (Arora et al.: sqrt(2) and 0).
    activation : {"relu", "erf"}
    length : int, optional
        Common length for unequal-length input (see :mod:`._fixed_length`).

    Returns
    -------
    ntk : ndarray of shape (max_depth, max_depth, n_X, n_Y)
        ``ntk[depth - 1, fix_first]``; entries with fix_first >= depth are NaN.
    nngp : ndarray of shape (max_depth, n_X, n_Y)
        ``nngp[depth - 1]``.
    """
    max_depth = check_positive_int(max_depth, "max_depth")
    sw2 = check_nonnegative(sigma_w, "sigma_w") ** 2
    sb2 = check_nonnegative(sigma_b, "sigma_b") ** 2
    activation = check_choice(activation, "activation", ACTIVATIONS)
    fx, fy, symmetric = flatten_pair(X, Y, length)
    dual, diag = DUALS[activation], VARIANCES[activation]
    d = fx.shape[1]

    sigma = sw2 * (fx @ fy.T) / d + sb2  # S_0
    qx = sw2 * np.einsum("ij,ij->i", fx, fx) / d + sb2
    qy = qx if symmetric else sw2 * np.einsum("ij,ij->i", fy, fy) / d + sb2
    # theta[f] = Theta_h of the network whose first f layers are fixed.
    theta = [sigma.copy()] + [np.zeros_like(sigma) for _ in range(max_depth - 1)]
    ntk = np.full((max_depth, max_depth, *sigma.shape), np.nan)
    nngp = np.empty((max_depth, *sigma.shape))
    # Identical inputs: covariance = variance exactly, so that rounding does not move
    # the angle where the dual's slope is infinite (and k(X) == k(X, X)).
    identical = identical_rows(fx, fy)
    for depth in range(1, max_depth + 1):
        sigma = np.where(identical, qx[:, None], sigma)
        V, V_prime = dual(qx[:, None], qy[None, :], sigma)
        sigma = sw2 * V + sb2
        qx, qy = sw2 * diag(qx) + sb2, sw2 * diag(qy) + sb2
        for fix in range(max_depth):
            theta[fix] = sw2 * V_prime * theta[fix]
            if depth >= fix:
                theta[fix] += sigma
        nngp[depth - 1] = sigma
        for fix in range(depth):
            ntk[depth - 1, fix] = theta[fix]
    return ntk, nngp


def _check_depths(depth: Any, fix_first: Any) -> tuple[int, int]:
    depth = check_positive_int(depth, "depth")
    fix_first = check_positive_int(fix_first, "fix_first", minimum=0)
    if fix_first >= depth:
        raise InputError(
            f"fix_first must be smaller than depth (at least the last hidden layer is "
            f"trained); got fix_first={fix_first}, depth={depth}."
        )
    return depth, fix_first


def ntk(
    X: Any,
    Y: Any = None,
    *,
    depth: int = 1,
    fix_first: int = 0,
    sigma_w: float = np.sqrt(2.0),
    sigma_b: float = 0.0,
    activation: str = "relu",
    length: int | None = None,
) -> np.ndarray:
    """Fully connected NTK of a ``depth``-hidden-layer network on flattened series.

    Parameters
    ----------
    X, Y : arrays (n, n_channels, n_timepoints) or lists of (n_channels, t_i)
    depth : int >= 1
        Number of hidden layers.
    fix_first : int, 0 <= fix_first < depth
        Layers at the input kept at their initialisation (Arora et al.'s fix_dep).
    sigma_w, sigma_b, activation, length
        See :func:`fc_kernels_all_depths`.

    Returns
    -------
    ndarray of shape (n_X, n_Y)
    """
    depth, fix_first = _check_depths(depth, fix_first)
    out, _ = fc_kernels_all_depths(
        X,
        Y,
        max_depth=depth,
        sigma_w=sigma_w,
        sigma_b=sigma_b,
        activation=activation,
        length=length,
    )
    return out[depth - 1, fix_first]


def nngp(
    X: Any,
    Y: Any = None,
    *,
    depth: int = 1,
    sigma_w: float = np.sqrt(2.0),
    sigma_b: float = 0.0,
    activation: str = "relu",
    length: int | None = None,
) -> np.ndarray:
    """Fully connected NNGP (GP kernel) of a ``depth``-hidden-layer network.

    Returns
    -------
    ndarray of shape (n_X, n_Y)
    """
    depth = check_positive_int(depth, "depth")
    _, out = fc_kernels_all_depths(
        X,
        Y,
        max_depth=depth,
        sigma_w=sigma_w,
        sigma_b=sigma_b,
        activation=activation,
        length=length,
    )
    return out[depth - 1]
