"""``export --format tsml``: tsml-eval's own loader and evaluation read the files.

Export writes the format itself (no tsml-eval needed: tests/reporting/test_export_*.py);
the tests that import tsml-eval skip cleanly without it (``make test-ecosystem`` runs
them in an environment that has it).
"""

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
# The run's C grid is not the paper's: reports and export name every method with that tag.
TAG = "[C=0.1..10]"
METHODS = tuple(k + TAG for k in KERNELS)


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
        (r.dataset["name"], r.kernel + TAG, r.resample, r.accuracy)
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
    assert f"Wrote 18 tsml-eval result files (linear{TAG}, rbf{TAG}, rntk{TAG})" in result.output
    ours = _ours(run_dir)
    for row in ours.itertuples():
        path = out / row.method / "Predictions" / row.dataset / f"testResample{row.resample}.csv"
        loaded = load_classifier_results(str(path))  # verifies sizes, sums, accuracy
        assert loaded.accuracy == pytest.approx(row.accuracy, abs=1e-12)
        assert loaded.n_classes == 2 or row.dataset == "ArrowHead"
        assert loaded.probabilities.shape == (loaded.n_cases, loaded.n_classes)
        assert '"C":' in loaded.parameter_info
    evaluate_classifiers_by_problem(
        str(out), list(METHODS), list(DATASETS), str(tmp_path / "eval"), resamples=2
    )
    folder = next((tmp_path / "eval").rglob("Accuracy"))
    theirs = pd.read_csv(folder / "accuracy_mean.csv", index_col=0)
    their_ranks = pd.read_csv(folder / "accuracy_ranks.csv", index_col=0)
    mean = ours.groupby(["dataset", "method"])["accuracy"].mean().unstack()
    ranks = mean.apply(lambda r: pd.Series(rankdata(-r.to_numpy()), index=r.index), axis=1)
    for dataset in DATASETS:
        for method in METHODS:
            assert theirs.loc[dataset, method] == pytest.approx(mean.loc[dataset, method])
            assert their_ranks.loc[dataset, method] == ranks.loc[dataset, method]
            per_resample = pd.read_csv(
                folder / "all_resamples" / f"{method}_accuracy.csv", index_col=0
            )
            for k in (0, 1):
                mine = ours.query("dataset == @dataset and method == @method and resample == @k")
                assert per_resample.loc[dataset, str(k)] == pytest.approx(mine.accuracy.item())


def test_rows_follow_tsml_label_codes_and_resample_order(run_dir, tmp_path):
    CliRunner().invoke(main, ["export", str(run_dir), str(tmp_path), "--method-name", "rntk=RNTK"])
    result = next(
        r
        for _, r in iter_results(run_dir)
        if r.kernel == "rntk" and r.dataset["name"] == "ArrowHead" and r.resample == 1
    )
    lines = (
        (tmp_path / f"RNTK{TAG}/Predictions/ArrowHead/testResample1.csv").read_text().splitlines()
    )
    assert lines[0].startswith(f"ArrowHead,RNTK{TAG},TEST,1,MILLISECONDS,rntk-bench result")
    codes = tsml_codes(result.dataset["classes"])
    first = lines[3].split(",")
    assert int(first[0]) == codes[result.test["y_true"][0]]
    assert int(first[1]) == codes[result.test["y_pred"][0]]
    assert [float(v) for v in first[3:]] == pytest.approx(
        np.asarray(result.test["probabilities"][0])[np.argsort(codes)], abs=1e-6
    )


def test_results_without_usable_probabilities_are_skipped_not_refit(run_dir, tmp_path):
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


def test_our_writer_gives_tsml_evals_bytes(run_dir, tmp_path):
    """Every exported file, byte for byte, is what tsml-eval's own writer writes."""
    pytest.importorskip("tsml_eval")
    from tsml_eval.utils.results_writing import write_classification_results

    from rntk_bench.reporting.export import export_tsml
    from rntk_bench.reporting.export_checks import tsml_names, tsml_result

    done = export_tsml(run_dir, tmp_path / "ours", {"rntk": "RNTK"})
    assert len(done.written) == 18 and done.skipped == []
    for path, result in iter_results(run_dir):
        method, dataset = tsml_names(result, path, {"rntk": "RNTK"})
        file = tsml_result(result, method, dataset)
        write_classification_results(
            file.y_pred,
            file.probabilities,
            file.y_true,
            method,
            dataset,
            str(tmp_path / "theirs"),
            full_path=False,
            split="TEST",
            resample_id=result.resample,
            time_unit="MILLISECONDS",
            first_line_comment=file.comment,
            parameter_info=file.parameters,
            accuracy=file.accuracy,
            fit_time=file.fit_ms,
            predict_time=file.predict_ms,
            n_classes=file.probabilities.shape[1],
        )
        relative = Path(method, "Predictions", dataset, f"testResample{result.resample}.csv")
        theirs = (tmp_path / "theirs" / relative).read_bytes()
        assert (tmp_path / "ours" / relative).read_bytes() == theirs, relative


def test_tsml_eval_reads_variants_under_their_own_names(tmp_path):
    """A truncated-test variant: tsml-eval loads and evaluates it as a data set apart."""
    pytest.importorskip("tsml_eval")
    from tsml_eval.evaluation.multiple_estimator_evaluation import (
        evaluate_classifiers_by_problem,
    )
    from tsml_eval.evaluation.storage import load_classifier_results

    runner = CliRunner()
    run = ("run", "GunPoint", "--kernels", "rbf,linear", "--grid", "quick", "--folds", "3")
    variant = ("--truncate-test", "1,0.5", "--results-dir", str(tmp_path), "--name", "v", "-q")
    outcome = runner.invoke(main, [*run, *variant])
    assert outcome.exit_code == 0, outcome.output
    exported = runner.invoke(main, ["export", str(tmp_path / "v"), str(tmp_path / "tsml")])
    assert "Wrote 4 tsml-eval result files (linear, rbf)" in exported.output
    datasets = ["GunPoint", "GunPoint[test-last-50pct]"]
    for _, result in iter_results(tmp_path / "v"):
        dataset = datasets[1] if result.dataset.get("variant") else datasets[0]
        path = tmp_path / "tsml" / result.kernel / "Predictions" / dataset / "testResample0.csv"
        loaded = load_classifier_results(str(path))
        assert loaded.dataset_name == dataset
        assert loaded.accuracy == pytest.approx(result.accuracy, abs=1e-12)
    evaluate_classifiers_by_problem(
        str(tmp_path / "tsml"), ["rbf", "linear"], datasets, str(tmp_path / "eval"), resamples=1
    )
    folder = next((tmp_path / "eval").rglob("Accuracy"))
    theirs = pd.read_csv(folder / "accuracy_mean.csv", index_col=0)
    assert sorted(theirs.index) == datasets
