"""Invalid input is refused with a message naming the parameter, the expectation and the fix."""

from __future__ import annotations

import numpy as np
import pytest

from rntk_bench.errors import InputError, UnknownNameError
from rntk_bench.kernels import ntk, rbf, rntk
from rntk_bench.methods import load_grid, lookup


@pytest.mark.parametrize(
    "X, message",
    [
        (
            np.zeros((20, 24)),
            r"shape \(n_cases, n_channels, n_timepoints\).*got shape \(20, 24\).*X\[:, None, :\]",
        ),
        (np.zeros((2, 1, 3, 4)), r"got shape \(2, 1, 3, 4\)"),
        (np.zeros((0, 1, 5)), r"X must not be empty"),
        (np.full((2, 1, 3), np.nan), r"X must be finite; got 6 NaN or infinite"),
        (np.array([[[1.0, np.inf]]]), r"X must be finite"),
        ([np.zeros(5)], r"X\[0\] has shape \(5,\).*X\[i\]\[None, :\]"),
        ([np.zeros((1, 3)), np.zeros((2, 3))], r"same number of channels; got \[1, 2\]"),
        ([], r"X must not be empty"),
        (np.array([[["a"]]]), r"X must hold real numbers"),
    ],
)
def test_bad_series_are_refused(X, message):
    with pytest.raises(InputError, match=message):
        rntk(X, sigma_w=1.4)


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(sigma_w=-1.0), r"sigma_w must be >= 0; got -1.0"),
        (dict(sigma_w=1.4, sigma_b=float("nan")), r"sigma_b must be finite"),
        (dict(sigma_w=1.4, n_layers=0), r"n_layers must be an integer >= 1; got 0"),
        (dict(sigma_w=1.4, n_layers=1.5), r"n_layers must be an integer >= 1; got 1.5"),
        (
            dict(sigma_w=1.4, activation="tanh"),
            r"activation must be one of 'relu', 'erf'; got 'tanh'",
        ),
        (dict(sigma_w=1.4, h0="zero"), r"h0 must be one of 'shared', 'independent'"),
        (dict(sigma_w=1.4, backend="jax"), r"backend must be one of"),
        (dict(sigma_w=1.4, device="cuda", backend="numba"), r"device='cuda' needs backend='torch'"),
        (dict(sigma_w=1.4, dtype="float32", backend="numba"), r"float32.*needs backend='torch'"),
    ],
)
def test_bad_parameters_are_refused(params, message):
    with pytest.raises(InputError, match=message):
        rntk(np.zeros((2, 1, 3)), **params)


def test_python_signature_errors_stay_type_errors():
    with pytest.raises(TypeError, match="sigma_z"):
        rntk(np.zeros((2, 1, 3)), sigma_w=1.4, sigma_z=1.0)
    with pytest.raises(TypeError, match="sigma_w"):
        rntk(np.zeros((2, 1, 3)))


def test_grid_settings_name_unknown_and_missing_parameters():
    from rntk_bench.methods import FAMILIES

    with pytest.raises(
        InputError,
        match=r"unknown RNTK/RNNGP family \(grid key rnn\) parameter 'sigma_z'; valid: sigma_w, "
        r"sigma_u, sigma_b",
    ):
        FAMILIES["rnn"].settings({"sigma_w": [1.4], "sigma_z": [1.0]})
    with pytest.raises(InputError, match=r"sigma_w is required"):
        FAMILIES["rnn"].settings({"sigma_b": [0.1]})


def test_mismatched_channels_between_x_and_y():
    with pytest.raises(InputError, match=r"same number of channels; got 2 and 3"):
        rntk(np.zeros((2, 2, 3)), np.zeros((2, 3, 3)), sigma_w=1.4)


def test_baseline_parameters_are_checked():
    with pytest.raises(InputError, match=r"fix_first must be smaller than depth"):
        ntk(np.zeros((2, 1, 3)), depth=2, fix_first=2)
    with pytest.raises(InputError, match=r"gamma must be > 0; got 0"):
        rbf(np.zeros((2, 1, 3)), gamma=0)


def test_unknown_kernel_lists_the_valid_ones():
    with pytest.raises(UnknownNameError, match=r"unknown method 'rntkk'; valid: rntk, rnngp, ntk"):
        lookup("rntkk")


def test_invalid_values_are_refused_before_anything_runs(tmp_path):
    from rntk_bench.methods import FAMILIES

    path = tmp_path / "grid.yaml"
    path.write_text("rntk: {sigma_w: [1.4, -2]}\n")
    grid = load_grid(path, families={"rntk": "rnn"})
    with pytest.raises(
        InputError,
        match=r"grid for RNTK/RNNGP family \(grid key rnn\): setting .*sigma_w': -2.*sigma_w "
        r"must be >= 0",
    ):
        FAMILIES["rnn"].settings(grid["rnn"])


def test_grid_files_keep_the_key_rnn_for_the_rntk_family(tmp_path):
    """Messages name the family by its kernels; grid files keep its key "rnn"."""
    from rntk_bench.methods import FAMILIES
    from rntk_bench.methods.registry import family_aliases

    path = tmp_path / "grid.yaml"
    path.write_text("rnn: {sigma_w: [1.3], sigma_b: [0.1]}\n")
    grid = load_grid(path, families=family_aliases())
    settings = FAMILIES["rnn"].settings(grid["rnn"])
    assert {(s.values["sigma_w"], s.values["sigma_b"]) for s in settings} == {(1.3, 0.1)}
    assert FAMILIES["rnn"].label == "RNTK/RNNGP family (grid key rnn)"
    assert FAMILIES["rbf"].label == "rbf"
