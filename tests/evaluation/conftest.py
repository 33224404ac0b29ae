"""Small, real experiments for the engine tests (bundled data: no network)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from rntk_bench.evaluation.protocol import Protocol
from rntk_bench.experiment import RunConfig, run_experiment
from rntk_bench.experiment.parallel import executor

TINY_GRID = """\
base: quick
rntk: {sigma_w: [1.3, 1.4142], sigma_b: [0, 0.5], sigma_h: [0]}
fc: {depth: [1, 2], fix_first: [0, 1]}
rbf: {gamma_scale: [0.5, 2]}
polynomial: {degree: [2], coef0: [1]}
"""


@pytest.fixture
def tiny_grid(tmp_path: Path) -> str:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY_GRID)
    return str(path)


@pytest.fixture
def make_config(tiny_grid: str):
    def make(**overrides) -> RunConfig:
        base = dict(
            datasets=("ItalyPowerDemand", "GunPoint"),
            kernels=("rntk", "rnngp", "ntk", "nngp", "rbf", "polynomial", "linear"),
            grid=tiny_grid,
            protocol=Protocol(folds=5),
            settings_per_task=2,
        )
        base.update(overrides)
        return RunConfig(**base)

    return make


def run_all(config: RunConfig, run_dir: Path, n_jobs: int = 1, **kwargs) -> list:
    """Run to completion and return the events."""
    with executor(n_jobs) as pool:
        return list(run_experiment(config, run_dir, pool, **kwargs))


SUBPROCESS_GRID = (
    "rntk: {sigma_w: [1.3, 1.35, 1.4, 1.45], sigma_b: [0, 0.1, 0.5], sigma_h: [0, 0.5]}\n"
)


def run_command(tmp_path: Path, name: str, settings_per_task: int, *extra: str) -> list[str]:
    """argv of a real `rntk-bench run` (3 bundled sets, rntk + linear, a 24-setting
    grid) for the tests that signal, kill or pipe a run in its own process."""
    grid = tmp_path / "g.yaml"
    grid.write_text(SUBPROCESS_GRID)
    return [
        sys.executable,
        "-m",
        "rntk_bench.cli",
        "run",
        "GunPoint",
        "ItalyPowerDemand",
        "ArrowHead",
        "--kernels",
        "rntk,linear",
        "--grid",
        str(grid),
        "--settings-per-task",
        str(settings_per_task),
        "-q",
        "--results-dir",
        str(tmp_path / "results"),
        "--name",
        name,
        *extra,
    ]


def write_ts(path: Path, name: str, X: np.ndarray, y: np.ndarray) -> None:
    """An equal-length univariate .ts file of two classes labelled 0 and 1.

    Values are written with repr, so the file holds them exactly (extreme ones too).
    """
    header = [
        f"@problemName {name}",
        "@timeStamps false",
        "@missing false",
        "@univariate true",
        "@equalLength true",
        f"@seriesLength {X.shape[-1]}",
        "@classLabel true 0 1",
        "@data",
    ]
    body = [
        ",".join(repr(float(v)) for v in row) + f":{label}" for row, label in zip(X, y, strict=True)
    ]
    path.write_text("\n".join(header + body) + "\n")
