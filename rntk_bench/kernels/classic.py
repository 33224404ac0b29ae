"""Classical kernels on flattened series: RBF, polynomial, linear.

Thin wrappers over :mod:`sklearn.metrics.pairwise` that accept time-series input
and apply the unequal-length policy of :mod:`._fixed_length`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rntk_bench._validation import check_finite_real, check_positive, check_positive_int
from rntk_bench.kernels._fixed_length import flatten_pair

__all__ = ["linear", "polynomial", "polynomial_params", "rbf", "squared_distances"]

# scikit-learn is imported where a kernel is computed, not with the package: listing
# the kernels (`rntk-bench kernels`) then starts without it (~2 s of CPU on import).


def rbf(X: Any, Y: Any = None, *, gamma: float, length: int | None = None) -> np.ndarray:
    """Gaussian kernel ``exp(-gamma ||x - x'||^2)`` on flattened series.

    Parameters
    ----------
    X, Y : arrays (n, n_channels, n_timepoints) or lists of (n_channels, t_i)
    gamma : float > 0
        Inverse squared length scale (grids set it relative to the median heuristic).
    length : int, optional
        Common length for unequal-length input.

    Returns
    -------
    ndarray of shape (n_X, n_Y)
    """
    gamma = check_positive(gamma, "gamma")
    fx, fy, _ = flatten_pair(X, Y, length)
    from sklearn.metrics.pairwise import rbf_kernel

    return rbf_kernel(fx, fy, gamma=gamma)


def polynomial(
    X: Any,
    Y: Any = None,
    *,
    degree: int = 3,
    gamma: float = 1.0,
    coef0: float = 1.0,
    length: int | None = None,
) -> np.ndarray:
    """Polynomial kernel ``(gamma <x, x'> + coef0) ** degree`` on flattened series.

    Returns
    -------
    ndarray of shape (n_X, n_Y)
    """
    degree, gamma, coef0 = polynomial_params(degree, gamma, coef0)
    fx, fy, _ = flatten_pair(X, Y, length)
    from sklearn.metrics.pairwise import polynomial_kernel

    return polynomial_kernel(fx, fy, degree=degree, gamma=gamma, coef0=coef0)


def polynomial_params(degree: Any, gamma: Any, coef0: Any) -> tuple[int, float, float]:
    """Checked (degree, gamma, coef0) of :func:`polynomial`; InputError names a bad one."""
    return (
        check_positive_int(degree, "degree"),
        check_positive(gamma, "gamma"),
        check_finite_real(coef0, "coef0"),
    )


def linear(X: Any, Y: Any = None, *, length: int | None = None) -> np.ndarray:
    """Linear kernel ``<x, x'>`` on flattened series.

    Returns
    -------
    ndarray of shape (n_X, n_Y)
    """
    fx, fy, _ = flatten_pair(X, Y, length)
    from sklearn.metrics.pairwise import linear_kernel

    return linear_kernel(fx, fy)


def squared_distances(X: Any, Y: Any = None, *, length: int | None = None) -> np.ndarray:
    """Squared Euclidean distances between flattened series, shape (n_X, n_Y).

    Shared by every RBF setting of a grid (one distance matrix, many gammas).
    """
    fx, fy, symmetric = flatten_pair(X, Y, length)
    from sklearn.metrics.pairwise import euclidean_distances

    d = euclidean_distances(fx, fy, squared=True)
    if symmetric:
        np.fill_diagonal(d, 0.0)
    return d
