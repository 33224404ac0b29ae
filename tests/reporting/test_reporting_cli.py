"""``rntk-bench report`` and ``rntk-bench check`` end to end (CliRunner, tmp_path)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from rntk_bench.cli import main

from .conftest import WriteRun

# rntk beats rbf on GunPoint and Coffee, ties on ECG200; ntk lacks Beef.
ACCURACIES = {
    ("GunPoint", "rntk"): [0.98, 0.96],
    ("GunPoint", "rbf"): [0.94, 0.92],
    ("GunPoint", "ntk"): [0.90, 0.90],
    ("Coffee", "rntk"): [1.0, 1.0],
    ("Coffee", "rbf"): [0.96, 0.96],
    ("Coffee", "ntk"): [0.93, 0.93],
    ("ECG200", "rntk"): [0.88, 0.86],
    ("ECG200", "rbf"): [0.86, 0.88],
    ("ECG200", "ntk"): [0.80, 0.82],
    ("Beef", "rntk"): [0.8, 0.7],
    ("Beef", "rbf"): [0.7, 0.7],
}


def invoke(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def run(write_run: WriteRun) -> Path:
    return write_run(ACCURACIES)


def _snapshot(folder: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in sorted(folder.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------------ report


def test_report_writes_every_file_and_never_touches_runs(run: Path) -> None:
    before = _snapshot(run / "runs")
    result = invoke("report", run)
    assert result.exit_code == 0, result.output
    assert _snapshot(run / "runs") == before
    out = run / "report"
    names = {p.name for p in out.iterdir()}
    assert {
        "accuracy.md",
        "accuracy.csv",
        "accuracy.tex",
        "accuracy_long.csv",
        "leaderboard.md",
        "leaderboard.csv",
        "leaderboard.tex",
        "missing.csv",
        "cd_diagram.png",
        "cd_diagram.svg",
        "scatter_rntk_vs_rbf.png",
        "scatter_rntk_vs_rbf.svg",
        "scatter_rntk_vs_ntk.png",
        "scatter_rntk_vs_ntk.svg",
        "selection.md",
        "selection.csv",
        "selection.tex",
        "selection_edges.csv",
        "summary.json",
        "README.md",
    } == names
    # The leaderboard on stdout: rntk first (ranks 1, 1, 1.5 on the 3 shared data sets).
    # Over GunPoint, Coffee, ECG200: mean (0.97 + 1 + 0.87) / 3, std sqrt(0.009267 / 2).
    # Two resamples per data set: the resamples column says 2.
    assert "| rntk | 4 | 2 | 0.947 ± 0.068 | 1.17 |" in result.output
    assert "over the 3 data sets that all 3 compared methods share (of 4 in the run)" in (
        result.output
    )
    assert "1 missing (data set, method) pair: see missing.csv." in result.output
    assert "summary.json" in result.output

    summary = json.loads((out / "summary.json").read_text())
    assert summary["counts"]["shared_datasets"] == 3
    assert summary["counts"]["missing_pairs"] == 1
    assert summary["versus"] == "rntk"
    board = {row["method"]: row for row in summary["leaderboard"]}
    # rbf vs rntk on GunPoint, Coffee (losses) and ECG200 (0.87 = 0.87, a tie).
    assert (board["rbf"]["wins"], board["rbf"]["ties"], board["rbf"]["losses"]) == (0, 1, 2)
    assert board["ntk"]["friedman_rank"] == 3.0
    missing = pd.read_csv(out / "missing.csv")
    assert missing[["dataset", "method", "status"]].values.tolist() == [["Beef", "ntk", "missing"]]
    readme = (out / "README.md").read_text()
    assert "![critical difference diagram](cd_diagram.png)" in readme
    assert "![rbf](scatter_rntk_vs_rbf.png)" in readme
    assert "## Accuracy per data set" in readme and "| Beef | – |" in readme
    accuracy = pd.read_csv(out / "accuracy.csv", index_col=0)
    assert accuracy.at["ECG200", "rbf"] == pytest.approx(0.87)
    # Published 1-NN rows appear in the accuracy table, not in the ranks.
    assert "1NN-ED (published)" in accuracy.columns
    assert "published" not in (out / "leaderboard.md").read_text()


def test_report_with_published_ranks_them(run: Path, tmp_path: Path) -> None:
    out = tmp_path / "rep"
    result = invoke("report", run, "--out", out, "--with-published", "--no-plots")
    assert result.exit_code == 0, result.output
    board = pd.read_csv(out / "leaderboard.csv", index_col=0)
    assert {"1NN-ED (published)", "1NN-DTW-w (published)"} <= set(board.index)
    assert set(board.loc[board.index.str.endswith("(published)"), "source"]) == {"published"}
    assert not any(p.suffix in (".png", ".svg") for p in out.iterdir())
    # Coffee: datasets.yaml ed_error 0.0 -> accuracy 1.0 on the official split.
    accuracy = pd.read_csv(out / "accuracy.csv", index_col=0)
    assert accuracy.at["Coffee", "1NN-ED (published)"] == 1.0


def test_report_with_bakeoff_folder(run: Path, tmp_path: Path, ucr_mirror: Path) -> None:
    folder = ucr_mirror / "published"
    out = tmp_path / "rep"
    result = invoke(
        "report", run, "--out", out, "--with-published", "--published", folder, "--no-plots"
    )
    assert result.exit_code == 0, result.output
    board = pd.read_csv(out / "leaderboard.csv", index_col=0)
    assert "ROCKET (published)" in board.index
    # The run has resamples 0 and 1: ROCKET's GunPoint accuracy is the mean of those two.
    cells = pd.read_csv(folder / "ROCKET_accuracy.csv", index_col=0).loc["GunPoint"]
    accuracy = pd.read_csv(out / "accuracy.csv", index_col=0)
    assert accuracy.at["GunPoint", "ROCKET (published)"] == pytest.approx(cells.iloc[:2].mean())
    # The report names the folder, not where it lies on this machine.
    readme = (out / "README.md").read_text()
    assert "Published rows from: registry" in readme and "published (local)" in readme
    assert str(folder.parent) not in readme + (out / "summary.json").read_text()


def _contents(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))}


def test_regenerating_a_report_changes_no_byte(run: Path, tmp_path: Path) -> None:
    # What `make run` relies on for a clean `git status`: same results, same files,
    # byte for byte, plots included (no dates, fixed SVG ids, no absolute paths), also
    # from another process with another string-hash seed (set order must not leak).
    assert invoke("report", run, "--with-published").exit_code == 0
    first = _contents(run / "report")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    command = [sys.executable, "-m", "rntk_bench.cli", "report", str(run), "--with-published"]
    subprocess.run(command, env=env, check=True, capture_output=True)
    assert _contents(run / "report") == first
    assert {"cd_diagram.svg", "cd_diagram.png"} <= set(first)
    everything = b"".join(first.values())
    assert str(tmp_path).encode() not in everything


def test_report_says_which_test_drew_the_bars(run: Path, tmp_path: Path) -> None:
    result = invoke("report", run, "--out", tmp_path / "w")
    assert result.exit_code == 0, result.output
    readme = (tmp_path / "w" / "README.md").read_text()
    assert "two-sided Wilcoxon signed-rank test cannot separate" in readme
    assert "Holm's correction over all 3 pairs" in readme
    summary = json.loads((tmp_path / "w" / "summary.json").read_text())
    assert summary["friedman"]["posthoc_test"] == "wilcoxon-holm"
    assert summary["friedman"]["critical_difference"] is None
    # Against rntk on the 3 shared sets. rbf: GunPoint -0.04, Coffee -0.04, ECG200 tie
    # (dropped): 2 of 4 sign patterns are as extreme, p = 0.5. ntk: 3 losses of distinct
    # size: 2 of 8 patterns, p = 0.25. Holm over the two: 2 * 0.25 = 0.5, max(0.5, 0.5).
    board = {row["method"]: row for row in summary["leaderboard"]}
    assert board["ntk"]["wilcoxon_p"] == pytest.approx(0.5)
    assert board["rbf"]["wilcoxon_p"] == pytest.approx(0.5)
    assert board["rntk"]["wilcoxon_p"] is None
    assert "| p vs rntk (Holm) |" in result.output
    result = invoke("report", run, "--out", tmp_path / "n", "--cd-test", "nemenyi")
    assert result.exit_code == 0, result.output
    readme = (tmp_path / "n" / "README.md").read_text()
    assert "Nemenyi critical difference at alpha = 0.05, 1.914" in readme
    result = invoke("report", run, "--cd-test", "sign")
    assert result.exit_code == 2 and "'sign' is not one of" in result.output


def test_report_lists_a_corrupt_file(run: Path) -> None:
    corrupt = run / "runs" / "Coffee" / "rbf-r9-deadbeef0000.json"
    corrupt.write_text("{")
    result = invoke("report", run, "--no-plots")
    assert result.exit_code == 0, result.output
    assert f"error: result file {corrupt} is unreadable" in result.output
    problems = pd.read_csv(run / "report" / "problems.csv")
    assert problems["path"].tolist() == ["runs/Coffee/rbf-r9-deadbeef0000.json"]
    assert json.loads((run / "report" / "summary.json").read_text())["counts"]["problems"] == 1


def test_report_one_method_skips_plots_with_a_note(write_run: WriteRun) -> None:
    run = write_run({("GunPoint", "rntk"): 0.9})
    result = invoke("report", run)
    assert result.exit_code == 0, result.output
    assert "note: No Friedman test or critical difference diagram" in result.output
    assert "note: No scatter plots: rntk is the only compared method." in result.output
    assert not list((run / "report").glob("*.png"))


def test_report_versus_and_errors(run: Path, tmp_path: Path) -> None:
    result = invoke("report", run, "--versus", "rbf", "--no-plots")
    assert result.exit_code == 0 and "W/T/L vs rbf" in result.output
    result = invoke("report", run, "--versus", "1NN-ED (published)")
    assert result.exit_code == 1
    assert "Add --with-published" in result.output
    result = invoke("report", run, "--out", run / "runs" / "x")
    assert result.exit_code == 1 and "never writes there" in result.output
    (tmp_path / "empty").mkdir()
    for folder in (tmp_path / "empty", tmp_path / "absent"):
        result = invoke("report", folder)
        assert result.exit_code == 1
        assert result.output.startswith("Error: ") and len(result.output.splitlines()) == 1


# ------------------------------------------------------------------------- check


@pytest.fixture
def reference(run: Path, tmp_path: Path) -> Path:
    path = tmp_path / "reference" / "ci.csv"
    result = invoke("check", run, "--reference", path, "--update")
    assert result.exit_code == 0, result.output
    assert f"Wrote 11 accuracies (4 data sets, 3 methods) to {path}." in result.output
    return path


def _edit(path: Path, dataset: str, method: str, delta: float) -> None:
    frame = pd.read_csv(path)
    row = (frame["dataset"] == dataset) & (frame["method"] == method)
    assert row.sum() == 1
    frame.loc[row, "accuracy"] += delta
    frame.to_csv(path, index=False)


def test_update_writes_a_reference_that_passes(run: Path, reference: Path) -> None:
    frame = pd.read_csv(reference)
    assert list(frame.columns) == ["dataset", "method", "accuracy", "n_resamples"]
    assert frame["n_resamples"].unique().tolist() == [2]
    result = invoke("check", run, "--reference", reference)
    assert result.exit_code == 0, result.output
    assert result.output == "OK: 11 reference accuracies checked, tolerance 0.\n"


def test_check_fails_on_a_perturbed_reference(run: Path, reference: Path) -> None:
    _edit(reference, "ECG200", "rntk", +0.1)  # 0.87 -> 0.97
    result = invoke("check", run, "--reference", reference)
    assert result.exit_code == 1, result.output
    assert "| dataset | method | reference | now | delta | status | note |" in result.output
    assert "| ECG200 | rntk | 0.9700 | 0.8700 | -0.1000 | regressed |  |" in result.output
    assert "FAIL: 11 reference accuracies checked, tolerance 0 (1 regressed)." in result.output
    # Within a tolerance of 0.15 the same drop passes, and is still shown.
    result = invoke("check", run, "--reference", reference, "--tolerance", "0.15")
    assert result.exit_code == 0, result.output
    assert "within tolerance" in result.output
    assert "OK: 11 reference accuracies checked, tolerance 0.15 (1 within tolerance)." in (
        result.output
    )


def test_check_tolerance_boundary(run: Path, reference: Path) -> None:
    _edit(reference, "Coffee", "rbf", +0.02)
    assert invoke("check", run, "--reference", reference, "--tolerance", "0.02").exit_code == 0
    assert invoke("check", run, "--reference", reference, "--tolerance", "0.019").exit_code == 1


def test_improvements_and_new_methods_pass(run: Path, reference: Path) -> None:
    _edit(reference, "Beef", "rbf", -0.05)
    frame = pd.read_csv(reference)
    frame[frame["method"] != "ntk"].to_csv(reference, index=False)
    result = invoke("check", run, "--reference", reference)
    assert result.exit_code == 0, result.output
    assert "| Beef | rbf | 0.6500 | 0.7000 | +0.0500 | improved |  |" in result.output
    assert "| Coffee | ntk | – | 0.9300 | – | new |  |" in result.output
    assert "(1 improved, 3 new)" in result.output


@pytest.mark.parametrize(
    ("dataset", "method"), [("GunPoint", "gp"), ("Wafer", "rntk")], ids=["method", "dataset"]
)
def test_check_fails_when_the_run_lacks_a_reference_pair(
    run: Path, reference: Path, dataset: str, method: str
) -> None:
    with reference.open("a") as handle:
        handle.write(f"{dataset},{method},0.5,2\n")
    result = invoke("check", run, "--reference", reference)
    assert result.exit_code == 1
    assert f"| {dataset} | {method} | 0.5000 | – | – | missing |  |" in result.output
    assert "(1 missing)" in result.output


def test_check_fails_on_other_resample_counts(run: Path, reference: Path) -> None:
    frame = pd.read_csv(reference)
    frame.loc[0, "n_resamples"] = 5
    frame.to_csv(reference, index=False)
    result = invoke("check", run, "--reference", reference)
    assert result.exit_code == 1
    assert "| resamples | 2 resamples, reference 5 |" in result.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("dataset,method\nGunPoint,rntk\n", "must have columns dataset, method, accuracy"),
        ("dataset,method,accuracy\nGunPoint,rntk,high\n", "accuracy must be a number"),
        ("dataset,method,accuracy\nGunPoint,rntk,97\n", "must be a fraction in [0, 1]"),
        ("dataset,method,accuracy\nGunPoint,rntk,0.9\nGunPoint,rntk,0.8\n", "more than once"),
        ("dataset,method,accuracy\n", "has no rows"),
        ("", "not a readable CSV"),
        ("dataset,method,accuracy,n_resamples\nGunPoint,rntk,0.9,1.5\n", "n_resamples must"),
        # Rows with more fields than the header: pandas took the first column as the
        # index and blamed (or silently read) the wrong columns.
        (
            "dataset,method,accuracy\nGunPoint,rntk,0.9,extra\n",
            "line 2 has 4 fields but its header names 3 (dataset, method, accuracy): the "
            "extra field 'extra' belongs to no column",
        ),
        (
            "dataset,method,accuracy\nGunPoint,rntk,0.98,0.5\n",  # read as accuracy 0.5
            "line 2 has 4 fields but its header names 3",
        ),
        (
            "dataset,method,accuracy,n_resamples\nGunPoint,rntk,0.97,2,2\n",
            "line 2 has 5 fields but its header names 4 (dataset, method, accuracy, "
            "n_resamples): the extra field '2' belongs",
        ),
        (
            "dataset,method,accuracy\nGunPoint,rntk,0.97\nCoffee,rbf,0.96,,\n",
            "line 3 has 5 fields but its header names 3 (dataset, method, accuracy): the "
            "extra fields '', '' belong to no column; remove them",
        ),
    ],
)
def test_check_errors_on_a_malformed_reference(
    run: Path, tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    result = invoke("check", run, "--reference", path)
    assert result.exit_code == 1
    assert result.output.startswith("Error: reference ")
    assert message in result.output and len(result.output.splitlines()) == 1


def test_check_missing_reference_and_empty_run(run: Path, tmp_path: Path) -> None:
    result = invoke("check", run, "--reference", tmp_path / "none.csv")
    assert result.exit_code == 1 and "--update" in result.output
    (tmp_path / "empty").mkdir()
    result = invoke("check", tmp_path / "empty", "--reference", tmp_path / "none.csv")
    assert result.exit_code == 1 and "no results" in result.output


def test_update_shows_what_changed(run: Path, reference: Path) -> None:
    _edit(reference, "GunPoint", "rbf", -0.1)
    result = invoke("check", run, "--reference", reference, "--update")
    assert result.exit_code == 0
    assert "Changes against the previous" in result.output
    assert "| GunPoint | rbf | 0.8300 | 0.9300 | +0.1000 | improved |  |" in result.output
    assert invoke("check", run, "--reference", reference).exit_code == 0


def test_report_without_rntk_and_stale_plots_removed(write_run: WriteRun) -> None:
    run = write_run({("A", "rbf"): 0.9, ("A", "ntk"): 0.8, ("B", "rbf"): 0.7, ("B", "ntk"): 0.7})
    result = invoke("report", run)
    assert result.exit_code == 0, result.output
    assert "note: No 'rntk' results: no wins/ties/losses or scatter plots" in result.output
    assert "W/T/L" not in result.output
    assert invoke("report", run, "--versus", "rbf").exit_code == 0
    assert (run / "report" / "scatter_rbf_vs_ntk.png").is_file()
    # A later report without plots does not leave the earlier plots behind.
    assert invoke("report", run, "--no-plots").exit_code == 0
    assert not list((run / "report").glob("scatter_*"))
    assert "Plots not drawn (--no-plots)." in (run / "report" / "README.md").read_text()
