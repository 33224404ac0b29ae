"""Result files -> the tidy table: values, problems listed, duplicates resolved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rntk_bench.errors import ResultError
from rntk_bench.records import write_result
from rntk_bench.reporting import TIDY_COLUMNS, load_results

from .conftest import WriteRun, make_result


def test_one_row_per_result_with_the_schema_values(write_run: WriteRun) -> None:
    run = write_run({("GunPoint", "rntk"): [0.9, 0.8], ("Coffee", "rbf"): 1.0})
    table, problems = load_results(run)
    assert problems == []
    assert list(table.columns) == list(TIDY_COLUMNS)
    assert table[["dataset", "method", "resample", "accuracy"]].values.tolist() == [
        ["Coffee", "rbf", 0, 1.0],
        ["GunPoint", "rntk", 0, 0.9],
        ["GunPoint", "rntk", 1, 0.8],
    ]
    row = table.iloc[1]
    assert row["cv_accuracy"] == 0.5 and row["C"] == 1.0
    assert json.loads(row["setting"]) == {"n_layers": 1, "sigma_w": 1.0}
    assert row["gram_seconds"] == 1.25  # gram_train + gram_test
    assert row["svm_seconds"] == 0.625  # svm_select + svm_test
    assert row["total_seconds"] == 1.875
    assert row["n_test"] == 100
    assert set(table["source"]) == {"computed"}
    assert Path(row["path"]).is_file()


def test_a_corrupt_file_is_listed_not_fatal(write_run: WriteRun) -> None:
    run = write_run({("GunPoint", "rntk"): 0.9})
    corrupt = run / "runs" / "GunPoint" / "rbf-r0-000000000000.json"
    corrupt.write_text('{"schema": "rntk-bench/result/1", "trunc')
    table, problems = load_results(run)
    assert len(table) == 1
    assert [(p.path, p.severity) for p in problems] == [(str(corrupt), "error")]
    assert "unreadable" in problems[0].reason
    assert str(problems[0]).startswith("error: result file")


def test_a_text_c_grid_is_listed_not_a_traceback(write_run: WriteRun) -> None:
    run = write_run({("GunPoint", "rntk"): 0.9})
    path = next((run / "runs").glob("*/*.json"))
    payload = json.loads(path.read_text())
    payload["cv"]["c_grid"] = ["one", "ten"]  # not in the identity hash
    path.write_text(json.dumps(payload))
    table, problems = load_results(run)
    assert table.empty
    assert "C grid are unreadable" in problems[0].reason


def test_an_accuracy_outside_0_1_is_listed(write_run: WriteRun) -> None:
    run = write_run({("GunPoint", "rntk"): 0.9})
    path = next((run / "runs").glob("*/*.json"))
    payload = json.loads(path.read_text())
    payload["test"]["accuracy"] = 90.0  # a percentage: accuracy is not in the identity hash
    path.write_text(json.dumps(payload))
    table, problems = load_results(run)
    assert table.empty
    assert "must be in [0, 1]; got 90.0" in problems[0].reason


def test_the_newest_duplicate_wins_and_the_older_is_a_warning(tmp_path: Path) -> None:
    run = tmp_path / "run"
    old = write_result(
        run, make_result("GunPoint", "rntk", 0.7, finished="2023-05-01T10:00:00+00:00")
    )
    new = write_result(
        run,
        make_result(
            "GunPoint", "rntk", 0.9, finished="2024-05-01T10:00:00+00:00", protocol="paper-v2"
        ),
    )
    table, problems = load_results(run)
    assert table["accuracy"].tolist() == [0.9]
    assert table["path"].tolist() == [str(new)]
    assert [(p.path, p.severity) for p in problems] == [(str(old), "warning")]
    assert "superseded by the newer result" in problems[0].reason


def test_missing_run_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ResultError, match="does not exist"):
        load_results(tmp_path / "nope")


def test_an_empty_run_folder_gives_an_empty_table(tmp_path: Path) -> None:
    table, problems = load_results(tmp_path)
    assert table.empty and problems == []
    assert list(table.columns) == list(TIDY_COLUMNS)
