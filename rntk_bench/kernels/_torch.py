"""The torch backend of the RNTK (optional extra ``gpu``; imported lazily).

The recursion of :mod:`._reference`, vectorised over blocks of rows x all columns,
on any torch device, in float64 or float32. The angle uses the stable
``atan2(sqrt(ab - c^2), c)`` form and identical series are pinned to correlation 1,
as in the other backends.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rntk_bench._validation import SeriesBatch
from rntk_bench.errors import InputError
from rntk_bench.kernels._params import RNNParams, padded_values, per_sample_variances, series_ids


def import_torch() -> Any:
    """Import torch or explain how to install it."""
    try:
        import torch
    except ImportError:  # pragma: no cover - depends on the environment
        raise InputError(
            "backend='torch' needs PyTorch: pip install 'rntk-bench[gpu]' (or pip install torch)."
        ) from None
    return torch


def torch_device_available(device: str) -> bool:
    """True if torch is installed and ``device`` can be used."""
    try:
        torch = import_torch()
    except InputError:
        return False
    if device.startswith("cuda"):
        return bool(torch.cuda.is_available())
    if device.startswith("mps"):
        return bool(torch.backends.mps.is_available())
    return device == "cpu"


def rnn_kernels_torch(
    X: SeriesBatch,
    Y: SeriesBatch,
    params: RNNParams,
    *,
    device: str = "cpu",
    dtype: str = "float64",
    block_size: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """RNTK and RNNGP with torch; see :func:`rntk_bench.kernels.rnn_kernels`.

    Returns
    -------
    ntk, nngp : ndarray of shape (n_X, n_Y), float64 (computed in ``dtype``)
    """
    torch = import_torch()
    if not torch_device_available(device):
        raise InputError(
            f"device={device!r} is not available to torch on this machine; use "
            "device='cpu' or check the CUDA installation (torch.cuda.is_available())."
        )
    tdtype = torch.float64 if dtype == "float64" else torch.float32
    dev = torch.device(device)
    n_steps = max(X.max_length, Y.max_length)
    ids_x, ids_y = series_ids(X, Y)

    def to(a: np.ndarray, dt: Any = tdtype) -> Any:
        return torch.as_tensor(np.ascontiguousarray(a), device=dev, dtype=dt)

    x_values = padded_values(X, n_steps)
    y_values = padded_values(Y, n_steps)
    x_start = n_steps - X.lengths
    y_start = n_steps - Y.lengths
    qx = to(per_sample_variances(x_values, x_start, params))  # (L, T, n_X)
    qy = to(per_sample_variances(y_values, y_start, params))
    y_t = to(y_values.transpose(2, 0, 1))  # (T, n_Y, m)
    x_t = to(x_values.transpose(2, 0, 1))
    ys = to(y_start, torch.int64)
    ids_y_t = to(ids_y, torch.int64)

    if block_size is None:
        # ~24 temporaries of (rows, n_Y) per layer in the chosen dtype: ~1 GiB.
        item = 8 if dtype == "float64" else 4
        block_size = max(1, 2**30 // (24 * item * Y.n_cases * params.n_layers))
    ntk = np.empty((X.n_cases, Y.n_cases))
    nngp = np.empty_like(ntk)
    with torch.no_grad():
        for lo in range(0, X.n_cases, block_size):
            hi = min(lo + block_size, X.n_cases)
            k, g = _block(
                torch,
                params,
                x_t[:, lo:hi],
                to(x_start[lo:hi], torch.int64),
                to(ids_x[lo:hi], torch.int64),
                qx[:, :, lo:hi],
                y_t,
                ys,
                ids_y_t,
                qy,
            )
            ntk[lo:hi] = k.double().cpu().numpy()
            nngp[lo:hi] = g.double().cpu().numpy()
    return ntk, nngp


def _block(
    torch: Any,
    p: RNNParams,
    x_t: Any,
    xs: Any,
    ids_x: Any,
    qx: Any,
    y_t: Any,
    ys: Any,
    ids_y: Any,
    qy: Any,
) -> tuple[Any, Any]:
    n_steps, _, n_channels = x_t.shape
    sw2, su2, sb2, sh2 = p.sigma_w**2, p.sigma_u**2, p.sigma_b**2, p.sigma_h**2
    first_step = torch.maximum(xs[:, None], ys[None, :])
    identical = ids_x[:, None] == ids_y[None, :]
    if p.h0 == "shared":
        overlap = xs[:, None] == ys[None, :]
    else:
        overlap = identical
    init = overlap.to(qx.dtype) * sh2
    shape = first_step.shape
    V = [torch.zeros(shape, dtype=qx.dtype, device=qx.device) for _ in range(p.n_layers)]
    P = [torch.zeros_like(V[0]) for _ in range(p.n_layers)]
    zero = torch.zeros((), dtype=qx.dtype, device=qx.device)
    for t in range(int(first_step.min()), n_steps):
        first = first_step == t
        below_v = (x_t[t] @ y_t[t].T) * (su2 / n_channels)
        below_p = None
        for layer in range(p.n_layers):
            a = qx[layer, t][:, None]
            b = qy[layer, t][None, :]
            prev_v = torch.where(first, init, V[layer])
            prev_p = torch.where(first, zero, P[layer])
            sigma = sw2 * prev_v + below_v + sb2
            sigma = torch.where(identical, a.expand_as(sigma), sigma)
            theta = sigma + sw2 * prev_p
            if below_p is not None:
                theta = theta + below_p
            if p.activation == "relu":
                sin_term = torch.sqrt(torch.clamp(a * b - sigma * sigma, min=0.0))
                sin_term = torch.where(identical, zero, sin_term)
                angle = math.pi - torch.atan2(sin_term, sigma)
                V[layer] = (sin_term + angle * sigma) / (2 * math.pi)
                P[layer] = angle / (2 * math.pi) * theta
            else:
                norm = (1 + 2 * a) * (1 + 2 * b)
                z = torch.clamp(2 * sigma / torch.sqrt(norm), -1.0, 1.0)
                V[layer] = (2 / math.pi) * torch.asin(z)
                det = torch.clamp(norm - 4 * sigma * sigma, min=torch.finfo(qx.dtype).tiny)
                P[layer] = (4 / math.pi) / torch.sqrt(det) * theta
            below_v, below_p = su2 * V[layer], su2 * P[layer]
    sv2 = p.sigma_v**2
    return sv2 * (V[-1] + P[-1]), sv2 * V[-1]
