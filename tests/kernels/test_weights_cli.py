"""`rntk-bench weights`: the CSV's values, the figure files, one-line errors."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from rntk_bench.cli import main
from rntk_bench.kernels import rntk_time_weight_curve


def _read(path: Path) -> list[dict[str, str]]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


def _weights(rows, activation, sigma_w, pairs):
    """steps_before_end -> weight of one curve (layer 1)."""
    return {
        int(r["steps_before_end"]): float(r["weight"])
        for r in rows
        if r["activation"] == activation
        and r["sigma_w"] == sigma_w
        and r["pairs"] == pairs
        and r["layer"] == "1"
    }


def test_white_noise_csv_values_and_deterministic_figure(tmp_path):
    args = ["weights", "--n-series", "6", "--length", "20", "--sigma-w", "1.34,sqrt2,1.47"]
    result = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    rows = _read(tmp_path / "a" / "time_weights.csv")
    assert len(rows) == 2 * 3 * 2 * 20  # activations x sigma_w x pair kinds x steps
    # ReLU, x = x': w = sigma_v^2 / 2 (sigma_w^2 / 2)^k, k steps before the end.
    for sigma_w, label in [(1.34, "1.34"), (math.sqrt(2), "1.41421"), (1.47, "1.47")]:
        same = _weights(rows, "relu", label, "same")
        for k in (0, 7, 19):
            assert same[k] == pytest.approx(0.5 * (sigma_w**2 / 2) ** k, rel=1e-6)
    # Distinct pairs: the library's curve on the same seeded, max-normed noise.
    X = np.random.default_rng(0).standard_normal((6, 1, 20))
    X = X / np.linalg.norm(X.reshape(6, -1), axis=1).max()
    curve = rntk_time_weight_curve(X, sigma_w=1.47, activation="erf")
    distinct = _weights(rows, "erf", "1.47", "distinct")
    for k in (0, 10, 19):
        assert distinct[k] == pytest.approx(curve.weight_mean[0, 19 - k], rel=1e-6)
    assert {r["n_pairs"] for r in rows if r["pairs"] == "distinct"} == {"30"}
    assert {r["n_pairs"] for r in rows if r["pairs"] == "same"} == {"6"}
    # Below the edge ReLU forgets, at sqrt(2) a series with itself keeps every step.
    assert _weights(rows, "relu", "1.34", "distinct")[19] < 1e-3 * distinct[0]
    assert _weights(rows, "relu", "1.41421", "same")[19] == pytest.approx(0.5, rel=1e-9)
    for suffix in ("png", "svg"):
        assert (tmp_path / "a" / f"time_weights.{suffix}").stat().st_size > 10_000
    again = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "b")])
    assert again.exit_code == 0, again.output
    for name in ("time_weights.csv", "time_weights.svg"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_dataset_training_split(tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "weights",
            "--dataset",
            "GunPoint",
            "--max-series",
            "5",
            "--sigma-w",
            "sqrt2",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "GunPoint training split, 5 of 50 series x 150 steps" in result.output
    rows = _read(tmp_path / "time_weights.csv")
    assert len(rows) == 2 * 2 * 150
    assert {r["n_pairs"] for r in rows if r["pairs"] == "distinct"} == {"20"}
    relu_same = _weights(rows, "relu", "1.41421", "same")
    assert relu_same[149] == pytest.approx(0.5, rel=1e-9)  # flat at the edge, any input


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--sigma-w", "1.3,x"], "--sigma-w must be comma-separated numbers or 'sqrt2'"),
        (["--sigma-w", "-1"], "sigma_w must be >= 0"),
        (["--layer", "2"], "--layer must be between 1 and --n-layers (1); got 2"),
        (["--length", "1"], "--length must be >= 2"),
        (["--dataset", "NoSuchData"], "NoSuchData"),
        (["--seed", "-1"], "--seed must be >= 0 (numpy's seeds are non-negative); got -1."),
        # weights that overflow: refused after computing, before any file is written
        (
            ["--sigma-w", "1.3,1e10", "--n-series", "4", "--length", "10"],
            "the RNTK time-step weights of sigma_w=1e+10 (relu, 1 layer) overflow float64 "
            "over 10 steps",
        ),
        # 100 series x 1e8 steps: refused up front with the estimate, not a MemoryError
        (["--length", "100000000"], "needs about 1438.1 GiB of memory; this process may use"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(tmp_path, extra, message):
    result = CliRunner().invoke(main, ["weights", *extra, "--out", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_weights_a_log_axis_cannot_span_are_in_the_csv_only(tmp_path):
    """3,000 steps at sigma_w 1.47: erf weights of a series with itself reach 1e269."""
    args = ["weights", "--n-series", "3", "--length", "3000", "--sigma-w", "1.47"]
    result = CliRunner().invoke(main, [*args, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "weights outside 1e-200..1e+200 are in the CSV, not in the figure" in result.output
    same = _weights(_read(tmp_path / "time_weights.csv"), "erf", "1.47", "same")
    assert 1e268 < same[2999] < 1e270 and math.isfinite(same[2999])
    assert (tmp_path / "time_weights.svg").stat().st_size > 10_000


def test_a_memory_limit_is_the_limit_of_the_estimate(tmp_path, monkeypatch):
    """Under an address-space limit (ulimit -v) the estimate compares with the limit."""
    import resource

    from rntk_bench.cli import weights

    monkeypatch.setattr(resource, "getrlimit", lambda _: (300 * 2**20, resource.RLIM_INFINITY))
    assert weights._available_memory() == 300 * 2**20
    args = ["weights", "--n-series", "100", "--length", "1000000", "--out", str(tmp_path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and "this process may use 0.3 GiB" in result.output
