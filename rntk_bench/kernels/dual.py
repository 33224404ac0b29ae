"""Dual activations: Gaussian expectations of an activation and its derivative.

For a centred Gaussian pair (u, v) with Var u = a, Var v = b, Cov(u, v) = c::

    V [a, b, c] = E[phi(u) phi(v)]
    V'[a, b, c] = E[phi'(u) phi'(v)]

These are the building blocks of every NTK / NNGP recursion in this package
(docs/rntk.md §2). Each function broadcasts over arrays and works in
the input's floating-point precision.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "ACTIVATIONS",
    "erf_dual",
    "erf_variance",
    "relu_angle",
    "relu_dual",
    "relu_variance",
]

ACTIVATIONS = ("relu", "erf")


def relu_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle between two Gaussian directions, computed stably.

    ``theta = arccos(c / sqrt(a b))`` has an infinite slope at ``c = sqrt(a b)``,
    so the arccos of a rounded correlation loses half the digits on and near the
    diagonal. ``arctan2(sqrt(a b - c^2), c)`` is the same angle without that loss.

    Parameters
    ----------
    a, b : ndarray
        Variances (>= 0), broadcastable against ``c``.
    c : ndarray
        Covariances.

    Returns
    -------
    ndarray
        The angle in [0, pi].
    """
    ab = a * b
    return np.arctan2(np.sqrt(np.maximum(ab - c * c, 0.0)), c)


def relu_dual(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ReLU dual activation and its derivative (arc-cosine kernels of degree 1 and 0).

    Parameters
    ----------
    a, b : ndarray
        Variances (>= 0).
    c : ndarray
        Covariances, ``|c| <= sqrt(a b)``.

    Returns
    -------
    V : ndarray
        ``sqrt(ab) / (2 pi) * (sin theta + (pi - theta) cos theta)``.
    V_prime : ndarray
        ``(pi - theta) / (2 pi)``.
    """
    theta = relu_angle(a, b, c)
    sin_term = np.sqrt(np.maximum(a * b - c * c, 0.0))  # sqrt(ab) sin(theta)
    V = (sin_term + (np.pi - theta) * c) / (2.0 * np.pi)
    V_prime = (np.pi - theta) / (2.0 * np.pi)
    return V, V_prime


def relu_variance(q: np.ndarray) -> np.ndarray:
    """``V[q, q, q]`` for ReLU: ``q / 2``."""
    return 0.5 * q


def erf_dual(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """erf dual activation and its derivative (Williams 1997).

    Parameters
    ----------
    a, b : ndarray
        Variances (>= 0).
    c : ndarray
        Covariances.

    Returns
    -------
    V : ndarray
        ``(2 / pi) arcsin(2c / sqrt((1 + 2a)(1 + 2b)))``.
    V_prime : ndarray
        ``(4 / pi) / sqrt((1 + 2a)(1 + 2b) - 4 c^2)``.
    """
    norm = (1.0 + 2.0 * a) * (1.0 + 2.0 * b)
    V = (2.0 / np.pi) * np.arcsin(np.clip(2.0 * c / np.sqrt(norm), -1.0, 1.0))
    V_prime = (4.0 / np.pi) / np.sqrt(np.maximum(norm - 4.0 * c * c, np.finfo(float).tiny))
    return V, V_prime


def erf_variance(q: np.ndarray) -> np.ndarray:
    """``V[q, q, q]`` for erf: ``(2 / pi) arcsin(2q / (1 + 2q))``."""
    return (2.0 / np.pi) * np.arcsin(2.0 * q / (1.0 + 2.0 * q))


DUALS = {"relu": relu_dual, "erf": erf_dual}
VARIANCES = {"relu": relu_variance, "erf": erf_variance}
