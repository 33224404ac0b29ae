"""Published rows per resample: a run of k resamples meets published resamples 0..k-1.

The rule is per data set: each data set's published mean is over the resamples the
run has there, and the report says how many resamples every row averages (the
leaderboard's ``resamples`` column, the accuracy table's "(n)" and ``resamples``
column, the README's sentences). Accuracies in the fake bake-off file are dyadic
fractions, so means are exact and compared with ``==``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from rntk_bench.reporting import build_report, format_accuracy, write_report

from .conftest import WriteRun

FAKE = "Fake (published)"
# Five published resamples; the means over 0..2 (0.75 and 0.625) differ from resample 0
# alone and from all five, so a wrong rule cannot pass.
FAKE_CSV = "Resamples:,0,1,2,3,4\nGunPoint,0.5,0.75,1.0,0.125,0.0\nCoffee,0.25,0.625,1.0,0.5,1.0\n"


@pytest.fixture
def fake_file(tmp_path: Path) -> Path:
    path = tmp_path / "Fake_accuracy.csv"
    path.write_text(FAKE_CSV)
    return path


def test_a_run_of_3_resamples_meets_published_resamples_0_to_2(
    write_run: WriteRun, fake_file: Path, tmp_path: Path
) -> None:
    run = write_run({("GunPoint", "rntk"): [0.9, 0.8, 0.7], ("Coffee", "rntk"): [1.0, 1.0, 0.9]})
    report = build_report(run, published=[fake_file], registry=False, with_published=True)
    published = report.tidy[report.tidy["method"] == FAKE]
    assert sorted(published["resample"].unique()) == [0, 1, 2]
    assert report.accuracy.mean.at["GunPoint", FAKE] == (0.5 + 0.75 + 1.0) / 3 == 0.75
    assert report.accuracy.mean.at["Coffee", FAKE] == (0.25 + 0.625 + 1.0) / 3
    assert report.accuracy.n[FAKE].tolist() == [3, 3]
    assert report.board.table["resamples"].to_dict() == {FAKE: 3, "rntk": 3}

    out = tmp_path / "report"
    write_report(report, out, plots=False)
    board = pd.read_csv(out / "leaderboard.csv", index_col=0)
    assert list(board.columns[:3]) == ["source", "n_datasets", "resamples"]
    assert board["resamples"].to_dict() == {FAKE: 3, "rntk": 3}
    # Mean over the data sets of the 0..2 means: (0.75 + 0.625) / 2.
    assert "| Fake (published) | 2 | 3 | 0.688 ± 0.088 |" in (out / "leaderboard.md").read_text()
    long = pd.read_csv(out / "accuracy_long.csv")
    assert long["n_resamples"].tolist() == [3, 3, 3, 3]
    readme = (out / "README.md").read_text()
    assert "resamples: the number of resamples" in readme
    assert "the published resamples the run has there (0..k-1 for a run of k" in readme


def test_data_sets_with_different_counts_each_use_their_own(
    write_run: WriteRun, fake_file: Path, tmp_path: Path
) -> None:
    # GunPoint has 3 resamples in the run, Coffee 1: GunPoint's published mean is over
    # resamples 0..2, Coffee's is resample 0 alone.
    run = write_run({("GunPoint", "rntk"): [0.9, 0.8, 0.7], ("Coffee", "rntk"): [1.0]})
    report = build_report(run, published=[fake_file], registry=False)
    assert report.accuracy.mean.at["GunPoint", FAKE] == 0.75
    assert report.accuracy.mean.at["Coffee", FAKE] == 0.25
    assert report.accuracy.n[FAKE].to_dict() == {"Coffee": 1, "GunPoint": 3}
    # Not partial: the published row has exactly the run's count on each data set.
    assert report.missing.empty
    assert report.board.table.at["rntk", "resamples"] == "1-3"
    formatted = format_accuracy(report.accuracy)
    assert formatted["resamples"].to_dict() == {"Coffee": "1", "GunPoint": "3"}
    assert formatted.at["GunPoint", FAKE] == "0.750 ± 0.250"
    write_report(report, tmp_path / "report", plots=False)
    readme = (tmp_path / "report" / "README.md").read_text()
    assert "(resamples per data set: 1, 3; column resamples)" in readme
    assert "| Coffee | 1 | 1.000 | 0.250 |" in readme


def test_a_single_split_source_in_a_run_of_3_says_1(write_run: WriteRun, tmp_path: Path) -> None:
    # The registry publishes GunPoint's official split only: 1 - 0.0867 for 1-NN ED.
    run = write_run({("GunPoint", "rntk"): [0.9, 0.8, 0.7]})
    report = build_report(run, with_published=True)
    ed = "1NN-ED (published)"
    assert report.accuracy.mean.at["GunPoint", ed] == 0.9133
    assert report.board.table.at[ed, "resamples"] == 1
    assert format_accuracy(report.accuracy).at["GunPoint", ed] == "0.913 (1)"
    write_report(report, tmp_path / "report", plots=False)
    readme = (tmp_path / "report" / "README.md").read_text()
    assert "(n) after a value: it averages n resamples" in readme


def test_a_single_resample_run_keeps_its_accuracy_table(write_run: WriteRun) -> None:
    run = write_run({("GunPoint", "rntk"): 0.9, ("Coffee", "rntk"): 1.0})
    report = build_report(run)
    formatted = format_accuracy(report.accuracy)
    # No resamples column and no "(n)": one count everywhere, stated in the text.
    assert list(formatted.columns) == ["rntk", "1NN-DTW-w (published)", "1NN-ED (published)"]
    assert formatted.at["GunPoint", "1NN-ED (published)"] == "0.913"
    assert report.board.table["resamples"].tolist() == [1]


def _cells(path: Path, dataset: str) -> list[float]:
    with path.open() as handle:
        for row in csv.reader(handle):
            if row[0] == dataset:
                return [float(v) for v in row[1:]]
    raise AssertionError(f"{dataset} not in {path}")


@pytest.mark.parametrize("k", [1, 3])
def test_real_bakeoff_gunpoint(ucr_mirror: Path, write_run: WriteRun, k: int) -> None:
    path = ucr_mirror / "published" / "1NN-DTW_accuracy.csv"
    if not path.is_file():
        pytest.skip(f"{path} is not available")
    run = write_run({("GunPoint", "rntk"): [0.9] * k})
    report = build_report(run, published=[path], registry=False, with_published=True)
    cells = _cells(path, "GunPoint")
    value = report.accuracy.mean.at["GunPoint", "1NN-DTW (published)"]
    if k == 1:
        assert value == cells[0] == pytest.approx(0.9067, abs=1e-4)
    else:
        assert value == pytest.approx(sum(cells[:3]) / 3, abs=0, rel=1e-15)
    assert report.board.table.at["1NN-DTW (published)", "resamples"] == k
