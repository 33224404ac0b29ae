"""Checkpoints go with the work they saved: no empty partial/ folders after a run."""

from __future__ import annotations

from rntk_bench.evaluation.protocol import Protocol
from rntk_bench.experiment import RunConfig

from .conftest import run_all


def test_no_empty_partial_folders_remain_after_a_data_set_finishes(tmp_path):
    config = RunConfig(
        datasets=("GunPoint", "ItalyPowerDemand"),
        kernels=("linear", "rbf"),
        grid="quick",
        protocol=Protocol(folds=3),
    )
    run_dir = tmp_path / "run"
    (run_dir / "partial" / "Other").mkdir(parents=True)  # someone else's: kept
    (run_dir / "partial" / "Other" / "block-0.json").write_text("{}")
    run_all(config, run_dir)
    assert sorted(p.name for p in (run_dir / "partial").iterdir()) == ["Other"]
    (run_dir / "partial" / "Other" / "block-0.json").unlink()
    (run_dir / "partial" / "Other").rmdir()
    run_all(config, run_dir, overwrite=True)
    assert not (run_dir / "partial").exists()
