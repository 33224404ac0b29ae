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
    ((ntk, nngp),) = rnn_kernels_torch_batch(
        X, Y, [params], device=device, dtype=dtype, block_size=block_size
    )
    return ntk, nngp


# Memory of one pass: ~24 temporaries of (settings, rows, n_Y) per layer, ~1 GiB in all.
PASS_BYTES = 2**30


def pair_bytes(dtype: str, n_layers: int) -> int:
    """Bytes of temporaries one (row, column) pair of one setting needs in a pass."""
    return 24 * (8 if dtype == "float64" else 4) * n_layers


def structure(p: RNNParams) -> tuple[int, str, str]:
    """What settings sharing one batched pass (:func:`rnn_kernels_torch_batch`) must agree on."""
    return (p.n_layers, p.activation, p.h0)


def rnn_kernels_torch_batch(
    X: SeriesBatch,
    Y: SeriesBatch,
    grid: list[RNNParams],
    *,
    device: str = "cpu",
    dtype: str = "float64",
    block_size: int | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """RNTK and RNNGP of several settings in one pass over the time steps.

    The settings are stacked on a leading axis, so each time step is one set of
    device kernels for all of them: on a GPU the small Gram matrices of the UCR
    suite are otherwise bound by kernel launches (one T-step loop per setting).
    Every setting must have the same depth, activation and h0 (:func:`structure`);
    the sigmas may differ. Each result equals that of a pass of its own.

    Parameters
    ----------
    X, Y : SeriesBatch
    grid : list of RNNParams
    device, dtype, block_size : as for :func:`rnn_kernels_torch`
        ``block_size`` counts rows of X per pass (for all settings together).

    Returns
    -------
    list of (ntk, nngp), ndarrays of shape (n_X, n_Y), one pair per setting, in order
    """
    torch = import_torch()
    if not torch_device_available(device):
        raise InputError(
            f"device={device!r} is not available to torch on this machine; use "
            "device='cpu' or check the CUDA installation (torch.cuda.is_available())."
        )
    if len({structure(p) for p in grid}) > 1:
        raise InputError("a batch of settings must share n_layers, activation and h0.")
    first = grid[0]
    tdtype = torch.float64 if dtype == "float64" else torch.float32
    dev = torch.device(device)
    n_steps = max(X.max_length, Y.max_length)
    ids_x, ids_y = series_ids(X, Y)

    def to(a: Any, dt: Any = tdtype) -> Any:
        return torch.as_tensor(np.ascontiguousarray(a), device=dev, dtype=dt)

    x_values = padded_values(X, n_steps)
    y_values = padded_values(Y, n_steps)
    x_start = n_steps - X.lengths
    y_start = n_steps - Y.lengths
    # (S, L, T, n): the variance tables of every setting
    qx = to(np.stack([per_sample_variances(x_values, x_start, p) for p in grid]))
    qy = to(np.stack([per_sample_variances(y_values, y_start, p) for p in grid]))
    y_t = to(y_values.transpose(2, 0, 1))  # (T, n_Y, m)
    x_t = to(x_values.transpose(2, 0, 1))
    ys = to(y_start, torch.int64)
    ids_y_t = to(ids_y, torch.int64)
    # (S, 1, 1): one value per setting, broadcast over the pairs
    sigmas = {
        name: to(np.array([getattr(p, name) ** 2 for p in grid]).reshape(-1, 1, 1))
        for name in ("sigma_w", "sigma_u", "sigma_b", "sigma_h", "sigma_v")
    }

    if block_size is None:
        per_row = pair_bytes(dtype, first.n_layers) * Y.n_cases * len(grid)
        block_size = max(1, PASS_BYTES // per_row)
    ntk = np.empty((len(grid), X.n_cases, Y.n_cases))
    nngp = np.empty_like(ntk)
    with torch.no_grad():
        for lo in range(0, X.n_cases, block_size):
            hi = min(lo + block_size, X.n_cases)
            k, g = _block(
                torch,
                first,
                sigmas,
                x_t[:, lo:hi],
                to(x_start[lo:hi], torch.int64),
                to(ids_x[lo:hi], torch.int64),
                qx[:, :, :, lo:hi],
                y_t,
                ys,
                ids_y_t,
                qy,
            )
            ntk[:, lo:hi] = k.double().cpu().numpy()
            nngp[:, lo:hi] = g.double().cpu().numpy()
    return [(ntk[i], nngp[i]) for i in range(len(grid))]


def _block(
    torch: Any,
    p: RNNParams,
    sigmas: dict[str, Any],
    x_t: Any,
    xs: Any,
    ids_x: Any,
    qx: Any,
    y_t: Any,
    ys: Any,
    ids_y: Any,
    qy: Any,
) -> tuple[Any, Any]:
    """One block of rows for S settings; ``p`` gives the shared structure only.

    qx, qy : (S, L, T, rows) and (S, L, T, n_Y); returns two (S, rows, n_Y) tensors.
    """
    n_steps, _, n_channels = x_t.shape
    sw2, su2, sb2, sh2 = (sigmas[k] for k in ("sigma_w", "sigma_u", "sigma_b", "sigma_h"))
    first_step = torch.maximum(xs[:, None], ys[None, :])
    identical = ids_x[:, None] == ids_y[None, :]
    if p.h0 == "shared":
        overlap = xs[:, None] == ys[None, :]
    else:
        overlap = identical
    init = overlap.to(qx.dtype) * sh2  # (S, rows, n_Y)
    shape = (qx.shape[0], *first_step.shape)
    V = [torch.zeros(shape, dtype=qx.dtype, device=qx.device) for _ in range(p.n_layers)]
    P = [torch.zeros_like(V[0]) for _ in range(p.n_layers)]
    zero = torch.zeros((), dtype=qx.dtype, device=qx.device)
    for t in range(int(first_step.min()), n_steps):
        first = first_step == t
        below_v = (x_t[t] @ y_t[t].T) * (su2 / n_channels)
        below_p = None
        for layer in range(p.n_layers):
            a = qx[:, layer, t][:, :, None]
            b = qy[:, layer, t][:, None, :]
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
    sv2 = sigmas["sigma_v"]
    return sv2 * (V[-1] + P[-1]), sv2 * V[-1]
