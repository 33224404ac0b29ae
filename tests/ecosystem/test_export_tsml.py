"""``export --format tsml``: tsml-eval's own loader and evaluation read the files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy.stats import rankdata

from rntk_bench.cli import main
from rntk_bench.evaluation.protocol import Protocol
from rntk_bench.experiment import RunConfig, run_experiment
from rntk_bench.experiment.parallel import executor
from rntk_bench.records import iter_results
from rntk_bench.reporting.export import tsml_codes

GRID = """\
base: quick
rntk: {sigma_w: [1.3, 1.4142], sigma_b: [0, 0.5], sigma_h: [0]}
rbf: {gamma_scale: [0.5, 2]}
"""
DATASETS = ("ItalyPowerDemand", "GunPoint", "ArrowHead")
KERNELS = ("rntk", "rbf", "linear")


def test_tsml_codes_follow_the_string_order_of_the_labels():
    assert tsml_codes(["1", "2"]).tolist() == [0, 1]
    assert tsml_codes([str(k) for k in range(1, 12)]).tolist() == [0, *range(3, 11), 1, 2]
    assert tsml_codes(["-1", "1"]).tolist() == [0, 1]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("export")
    grid = root / "grid.yaml"
    grid.write_text(GRID)
    config = RunConfig(
        datasets=DATASETS,
        kernels=KERNELS,
        grid=str(grid),
        protocol=Protocol(folds=3, c_grid=(0.1, 1.0, 10.0)),
        resamples=2,
    )
    with executor(1) as pool:
        list(run_experiment(config, root / "run", pool))
    return root / "run"


def _ours(run_dir: Path) -> pd.DataFrame:
    rows = [
        (r.dataset["name"], r.kernel, r.resample, r.accuracy)
        for _, r in iter_results(run_dir)
        if not isinstance(r, Exception)
    ]
    return pd.DataFrame(rows, columns=["dataset", "method", "resample", "accuracy"])


def test_tsml_eval_reads_the_export_with_the_same_accuracies_and_ranks(run_dir, tmp_path):
    pytest.importorskip("tsml_eval")
    from tsml_eval.evaluation.multiple_estimator_evaluation import (
        evaluate_classifiers_by_problem,
    )
    from tsml_eval.evaluation.storage import load_classifier_results

    out = tmp_path / "tsml"
    result = CliRunner().invoke(main, ["export", str(run_dir), str(out), "--format", "tsml"])
    assert result.exit_code == 0, result.output
    assert "Wrote 18 tsml-eval result files (linear, rbf, rntk)" in result.output
    ours = _ours(run_dir)
    for row in ours.itertuples():
        path = out / row.method / "Predictions" / row.dataset / f"testResample{row.resample}.csv"
        loaded = load_classifier_results(str(path))  # verifies sizes, sums, accuracy
        assert loaded.accuracy == pytest.approx(row.accuracy, abs=1e-12)
        assert loaded.n_classes == 2 or row.dataset == "ArrowHead"
        assert loaded.probabilities.shape == (loaded.n_cases, loaded.n_classes)
        assert '"C":' in loaded.parameter_info
    evaluate_classifiers_by_problem(
        str(out), list(KERNELS), list(DATASETS), str(tmp_path / "eval"), resamples=2
    )
    folder = next((tmp_path / "eval").rglob("Accuracy"))
    theirs = pd.read_csv(folder / "accuracy_mean.csv", index_col=0)
    their_ranks = pd.read_csv(folder / "accuracy_ranks.csv", index_col=0)
    mean = ours.groupby(["dataset", "method"])["accuracy"].mean().unstack()
    ranks = mean.apply(lambda r: pd.Series(rankdata(-r.to_numpy()), index=r.index), axis=1)
    for dataset in DATASETS:
        for method in KERNELS:
            assert theirs.loc[dataset, method] == pytest.approx(mean.loc[dataset, method])
            assert their_ranks.loc[dataset, method] == ranks.loc[dataset, method]
            per_resample = pd.read_csv(
                folder / "all_resamples" / f"{method}_accuracy.csv", index_col=0
            )
            for k in (0, 1):
                mine = ours.query("dataset == @dataset and method == @method and resample == @k")
                assert per_resample.loc[dataset, str(k)] == pytest.approx(mine.accuracy.item())


def test_rows_follow_tsml_label_codes_and_resample_order(run_dir, tmp_path):
    pytest.importorskip("tsml_eval")
    CliRunner().invoke(main, ["export", str(run_dir), str(tmp_path), "--method-name", "rntk=RNTK"])
    result = next(
        r
        for _, r in iter_results(run_dir)
        if r.kernel == "rntk" and r.dataset["name"] == "ArrowHead" and r.resample == 1
    )
    lines = (tmp_path / "RNTK/Predictions/ArrowHead/testResample1.csv").read_text().splitlines()
    assert lines[0].startswith("ArrowHead,RNTK,TEST,1,MILLISECONDS,rntk-bench result")
    codes = tsml_codes(result.dataset["classes"])
    first = lines[3].split(",")
    assert int(first[0]) == codes[result.test["y_true"][0]]
    assert int(first[1]) == codes[result.test["y_pred"][0]]
    assert [float(v) for v in first[3:]] == pytest.approx(
        np.asarray(result.test["probabilities"][0])[np.argsort(codes)], abs=1e-6
    )


def test_results_without_usable_probabilities_are_skipped_not_refit(run_dir, tmp_path):
    pytest.importorskip("tsml_eval")
    import json
    import shutil

    from rntk_bench.reporting.export import export_tsml

    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    files = sorted((copy / "runs" / "GunPoint").glob("rbf-*.json"))
    old = json.loads(files[0].read_text())
    del old["test"]["probabilities"]  # as written before probabilities were kept
    files[0].write_text(json.dumps(old))
    bad = json.loads(files[1].read_text())
    bad["test"]["probabilities"] = bad["test"]["probabilities"][:-1]
    files[1].write_text(json.dumps(bad))
    done = export_tsml(copy, tmp_path / "out")
    assert len(done.written) == 16 and len(done.skipped) == 2
    assert "rerun it with --overwrite" in done.skipped[0]
    assert "finite numbers" in done.skipped[1]
