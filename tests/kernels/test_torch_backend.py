"""The torch backend (optional extra) against the float64 reference: CPU, and CUDA if present."""

from __future__ import annotations

import numpy as np
import pytest

from rntk_bench.kernels import rnn_kernels
from rntk_bench.kernels._torch import torch_device_available

from .test_backends import KINDS, PARAMS, TOLERANCE, _inputs, _max_relative

torch = pytest.importorskip("torch", reason="the torch extra is not installed")


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("params", PARAMS)
def test_torch_cpu_matches_reference(
    dtype, kind, params, equal_series, multichannel_series, unequal_series
):
    X, Y = _inputs(kind, equal_series, multichannel_series, unequal_series)
    ref = rnn_kernels(X, Y, backend="numpy", **params)
    out = rnn_kernels(X, Y, backend="torch", device="cpu", dtype=dtype, block_size=4, **params)
    for a, b in zip(out, ref, strict=True):
        assert _max_relative(a, b) < TOLERANCE[dtype]


@pytest.mark.gpu
@pytest.mark.skipif(not torch_device_available("cuda"), reason="no CUDA device")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("params", PARAMS)
def test_cuda_matches_reference(dtype, params, unequal_series):
    ref = rnn_kernels(unequal_series, backend="numpy", **params)
    out = rnn_kernels(unequal_series, device="cuda", dtype=dtype, **params)
    for a, b in zip(out, ref, strict=True):
        assert _max_relative(a, b) < TOLERANCE[dtype]


@pytest.mark.torch
@pytest.mark.parametrize("symmetric", [True, False])
def test_a_batched_grid_equals_one_setting_at_a_time(symmetric, unequal_series, monkeypatch):
    from rntk_bench.kernels import _torch
    from rntk_bench.kernels.rntk import rnn_kernels_grid

    X = unequal_series
    Y = None if symmetric else unequal_series[:3]
    sigmas = [
        dict(sigma_w=w, sigma_b=b, sigma_h=h)
        for w in (1.3, 1.45)
        for b in (0.0, 0.4)
        for h in (0, 1)
    ]
    # Structures interleaved: the grid is cut into batches of one structure each.
    grid = [
        dict(s, n_layers=layers, activation=act)
        for layers in (1, 2)
        for act in ("relu", "erf")
        for s in sigmas
    ]
    grid.insert(3, dict(sigma_w=1.4, n_layers=3))
    # The grid batches on GPUs only: ask for "cuda", run each batch on the CPU.
    sizes = []
    batch = _torch.rnn_kernels_torch_batch

    def on_cpu(X, Y, settings, **options):
        sizes.append(len(settings))
        return batch(X, Y, settings, **{**options, "device": "cpu"})

    monkeypatch.setattr(_torch, "rnn_kernels_torch_batch", on_cpu)
    monkeypatch.setattr(_torch, "torch_device_available", lambda device: True)
    batched = list(rnn_kernels_grid(X, Y, grid, backend="torch", device="cuda"))
    assert sizes == [3, 1, 5, 8, 8, 8]  # cut where the structure changes
    assert len(batched) == len(grid)
    for setting, (ntk, nngp) in zip(grid, batched, strict=True):
        one = rnn_kernels(X, Y, backend="torch", **setting)
        # Same operations; vectorised and scalar math (atan2, sqrt) may differ in the
        # last bit, so rounding-level agreement rather than bit for bit.
        np.testing.assert_allclose(ntk, one[0], rtol=1e-13, atol=0)
        np.testing.assert_allclose(nngp, one[1], rtol=1e-13, atol=0)
        ref = rnn_kernels(X, Y, backend="numpy", **setting)
        assert _max_relative(ntk, ref[0]) < TOLERANCE["float64"]
