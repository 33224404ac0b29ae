"""The compiled helpers of the fused path against their numpy twins."""

from __future__ import annotations

import numpy as np
import pytest

from rntk_bench._validation import as_series_batch
from rntk_bench.kernels import _fused, rnn_kernels, rnn_kernels_grid
from rntk_bench.kernels._params import RNNParams, padded_values, per_sample_variances


@pytest.mark.parametrize("activation", ["relu", "erf"])
def test_variance_table_matches_numpy(unequal_series, activation):
    batch = as_series_batch(unequal_series)
    p = RNNParams(
        sigma_w=1.3, sigma_u=0.9, sigma_b=0.4, sigma_h=0.7, n_layers=3, activation=activation
    )
    values = padded_values(batch, batch.max_length)
    starts = (batch.max_length - batch.lengths).astype(np.int64)
    q = per_sample_variances(values, starts, p)
    table = _fused.variance_table(
        values,
        starts,
        p.sigma_w**2,
        p.sigma_u**2,
        p.sigma_b**2,
        p.sigma_h**2,
        3,
        _fused.ACTIVATION_CODES[activation],
        16,
    )
    np.testing.assert_allclose(table[0, :, :, : batch.n_cases], q, rtol=1e-14)
    np.testing.assert_array_equal(table[0, :, :, batch.n_cases :], 1.0)  # padding
    if activation == "relu":
        np.testing.assert_allclose(table[1, :, :, : batch.n_cases], np.sqrt(q), rtol=1e-15)
    else:
        np.testing.assert_allclose(table[2, :, :, : batch.n_cases], 1 / np.sqrt(1 + 2 * q))


def test_grid_equals_one_call_per_setting(equal_series):
    settings = [dict(sigma_w=w, sigma_b=b, sigma_h=0.5) for w in (1.3, 1.45) for b in (0, 1)]
    for setting, (k, g) in zip(
        settings, rnn_kernels_grid(equal_series, equal_series[:7], settings), strict=True
    ):
        k1, g1 = rnn_kernels(equal_series, equal_series[:7], **setting)
        np.testing.assert_array_equal(k, k1)
        np.testing.assert_array_equal(g, g1)


def test_grid_validates_every_setting_before_computing(equal_series):
    from rntk_bench.errors import InputError

    with pytest.raises(InputError, match="sigma_b must be >= 0"):
        next(rnn_kernels_grid(equal_series, None, [dict(sigma_w=1.4), dict(sigma_w=1, sigma_b=-1)]))
