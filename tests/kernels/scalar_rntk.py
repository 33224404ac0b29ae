"""A scalar, one-pair-at-a-time transcription of docs/rntk.md §2-4.

Deliberately naive and independent of the package: plain Python floats and math,
no padding, no masks, no shared helpers. Used to check the vectorised reference.
"""

from __future__ import annotations

import math

import numpy as np


def _relu(a: float, b: float, c: float) -> tuple[float, float]:
    if a * b == 0.0:
        return 0.0, 0.5  # V' = (pi - arccos 0) / 2pi at rho = 0
    rho = max(-1.0, min(1.0, c / math.sqrt(a * b)))
    v = (
        math.sqrt(a * b)
        / (2 * math.pi)
        * (rho * (math.pi - math.acos(rho)) + math.sqrt(1 - rho * rho))
    )
    return v, (math.pi - math.acos(rho)) / (2 * math.pi)


def _erf(a: float, b: float, c: float) -> tuple[float, float]:
    v = 2 / math.pi * math.asin(2 * c / math.sqrt((1 + 2 * a) * (1 + 2 * b)))
    vp = 4 / math.pi / math.sqrt((1 + 2 * a) * (1 + 2 * b) - 4 * c * c)
    return v, vp


def _variances(x: np.ndarray, p: dict) -> list[list[float]]:
    """q[layer][t] for one series x of shape (m, T)."""
    m, T = x.shape
    dual = _relu if p["activation"] == "relu" else _erf
    q = [[0.0] * T for _ in range(p["n_layers"])]
    for t in range(T):
        below = float(x[:, t] @ x[:, t]) / m
        for layer in range(p["n_layers"]):
            prev = (
                p["sigma_h"] ** 2
                if t == 0
                else dual(q[layer][t - 1], q[layer][t - 1], q[layer][t - 1])[0]
            )
            q[layer][t] = p["sigma_w"] ** 2 * prev + p["sigma_u"] ** 2 * below + p["sigma_b"] ** 2
            below = dual(q[layer][t], q[layer][t], q[layer][t])[0]
    return q


def scalar_rnn_kernels(
    x: np.ndarray, y: np.ndarray, identical: bool = False, **p
) -> tuple[float, float]:
    """RNTK and RNNGP of one pair x (m, T), y (m, T') with the ends aligned."""
    p = {
        "sigma_u": 1.0,
        "sigma_b": 0.0,
        "sigma_h": 0.0,
        "sigma_v": 1.0,
        "n_layers": 1,
        "activation": "relu",
        "h0": "shared",
        **p,
    }
    if x.shape[1] > y.shape[1]:
        return scalar_rnn_kernels(y, x, identical, **p)
    dual = _relu if p["activation"] == "relu" else _erf
    m, T = x.shape
    tau = y.shape[1] - T
    qx, qy = _variances(x, p), _variances(y, p)
    L = p["n_layers"]
    sw2, su2, sb2, sh2 = (p[k] ** 2 for k in ("sigma_w", "sigma_u", "sigma_b", "sigma_h"))
    if tau > 0:
        i0 = 0.0
    elif p["h0"] == "shared":
        i0 = 1.0
    else:
        i0 = 1.0 if identical else 0.0
    S = [[0.0] * T for _ in range(L)]
    Th = [[0.0] * T for _ in range(L)]
    for t in range(T):
        for layer in range(L):
            if layer == 0:
                below_v, below_th = float(x[:, t] @ y[:, t + tau]) / m, None
            else:
                below_v, vp_below = dual(qx[layer - 1][t], qy[layer - 1][t + tau], S[layer - 1][t])
                below_th = vp_below * Th[layer - 1][t]
            if t == 0:
                prev_v, prev_th = sh2 * i0, 0.0
            else:
                prev_v, vp_prev = dual(qx[layer][t - 1], qy[layer][t - 1 + tau], S[layer][t - 1])
                prev_th = vp_prev * Th[layer][t - 1]
            S[layer][t] = sw2 * prev_v + su2 * below_v + sb2
            Th[layer][t] = (
                S[layer][t] + sw2 * prev_th + (su2 * below_th if below_th is not None else 0.0)
            )
    v, vp = dual(qx[L - 1][T - 1], qy[L - 1][T - 1 + tau], S[L - 1][T - 1])
    sv2 = p["sigma_v"] ** 2
    return sv2 * (v + vp * Th[L - 1][T - 1]), sv2 * v
