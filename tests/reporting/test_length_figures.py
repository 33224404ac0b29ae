"""experiments/length_figures.py: the sweep tables hold the run's accuracies, deterministically."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from rntk_bench.evaluation.protocol import Protocol, TestTruncation
from rntk_bench.experiment import RunConfig, run_experiment
from rntk_bench.experiment.parallel import executor
from rntk_bench.reporting import load_results

SCRIPT = Path(__file__).resolve().parents[2] / "experiments" / "length_figures.py"


@pytest.fixture(scope="module")
def figures():
    spec = importlib.util.spec_from_file_location("length_figures", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(run_dir: Path, datasets: tuple[str, ...], **options) -> None:
    config = RunConfig(
        datasets=datasets,
        kernels=("linear",),
        grid="quick",
        protocol=Protocol(folds=3),  # the paper C grid: plain method names in reports
        **options,
    )
    with executor(1) as pool:
        list(run_experiment(config, run_dir, pool))


def test_synthetic_sweep_table_and_figure(tmp_path, figures):
    run_dir = tmp_path / "synthetic"
    _run(
        run_dir,
        ("SynthEnd-r1.00-noise0.5", "SynthEnd-r0.50-noise0.5"),
        length_policies=("resample", "pad-start"),
    )
    written = figures.synthetic(run_dir)
    assert [p.name for p in written] == [
        "accuracy_vs_r.csv",
        "accuracy_vs_r.md",
        "accuracy_vs_r.png",
        "accuracy_vs_r.svg",
    ]
    table = pd.read_csv(run_dir / "accuracy_vs_r.csv")
    assert list(table.columns) == ["position", "noise", "r", "linear", "linear+pad-start"]
    assert table["r"].tolist() == [1.0, 0.5]
    results, _ = load_results(run_dir)
    expected = results.set_index(["dataset", "method"])["accuracy"]
    row = table.iloc[1]
    assert row["linear"] == pytest.approx(expected[("SynthEnd-r0.50-noise0.5", "linear")], abs=1e-4)
    # Equal lengths (r = 1): the policies have nothing to do, the accuracies agree.
    assert table.iloc[0]["linear"] == table.iloc[0]["linear+pad-start"]
    before = {p.name: p.read_bytes() for p in written}
    figures.synthetic(run_dir)
    assert {p.name: p.read_bytes() for p in written} == before  # no byte changes


def test_truncated_sweep_has_fraction_one_for_both_sides(tmp_path, figures):
    run_dir = tmp_path / "truncated"
    _run(run_dir, ("GunPoint",))
    _run(
        run_dir,
        ("GunPoint",),
        truncations=(TestTruncation(0.5, "end"), TestTruncation(0.5, "start")),
    )
    figures.truncated(run_dir)
    table = pd.read_csv(run_dir / "accuracy_vs_fraction.csv")
    assert table[["side", "fraction"]].values.tolist() == [
        ["end kept", 1.0],
        ["end kept", 0.5],
        ["start kept", 1.0],
        ["start kept", 0.5],
    ]
    results, _ = load_results(run_dir)
    acc = results.set_index("dataset")["accuracy"]
    assert table["linear"].tolist() == pytest.approx(
        [
            acc["GunPoint"],
            acc["GunPoint [test: last 50%]"],
            acc["GunPoint"],
            acc["GunPoint [test: first 50%]"],
        ],
        abs=1e-4,
    )
    assert (run_dir / "accuracy_vs_fraction.svg").is_file()
