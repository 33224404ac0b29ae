"""The torch backend (optional extra) against the float64 reference: CPU, and CUDA if present."""

from __future__ import annotations

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
