"""Formatted tables and the Markdown / CSV / LaTeX writers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from rntk_bench.reporting import (
    accuracy_table,
    format_accuracy,
    format_leaderboard,
    leaderboard,
    load_results,
    to_latex,
    to_markdown,
)
from rntk_bench.reporting.tables import write_table

from .conftest import WriteRun


def test_markdown_pipe_table_escapes_and_aligns() -> None:
    frame = pd.DataFrame(
        {"acc": ["0.900 ± 0.010", "–"], "note": ["a|b", "x"]},
        index=pd.Index(["D_1", "D2"], name="dataset"),
    )
    assert to_markdown(frame) == (
        "| dataset | acc | note |\n"
        "| :--- | ---: | :--- |\n"
        "| D_1 | 0.900 ± 0.010 | a\\|b |\n"
        "| D2 | – | x |\n"
    )
    assert to_markdown(frame, index=False).startswith("| acc | note |\n")


def test_latex_escapes_names_and_uses_booktabs() -> None:
    frame = pd.DataFrame(
        {"P90 %": ["75.0"], "acc": ["0.900 ± 0.010"]},
        index=pd.Index(["rntk_2 & co"], name="method"),
    )
    tex = to_latex(frame, caption="over 4 data sets")
    assert tex.splitlines() == [
        "% over 4 data sets",
        "\\begin{tabular}{lrr}",
        "\\toprule",
        "method & P90 \\% & acc \\\\",
        "\\midrule",
        "rntk\\_2 \\& co & 75.0 & 0.900 $\\pm$ 0.010 \\\\",
        "\\bottomrule",
        "\\end{tabular}",
    ]


def test_accuracy_shows_std_only_with_several_resamples(write_run: WriteRun) -> None:
    run = write_run({("A", "rntk"): [0.8, 0.9, 1.0], ("A", "rbf"): 0.5, ("B", "rntk"): [0.25]})
    formatted = format_accuracy(accuracy_table(load_results(run)[0]))
    # A has 3 resamples, B 1: a resamples column, and rbf's single one on A says (1).
    assert formatted.to_dict() == {
        "resamples": {"A": "3", "B": "1"},
        "rbf": {"A": "0.500 (1)", "B": "–"},
        "rntk": {"A": "0.900 ± 0.100", "B": "0.250"},
    }


def test_leaderboard_strings() -> None:
    mean = pd.DataFrame(
        {"rntk": [0.9, 0.5], "rbf": [0.8, 0.5]}, index=pd.Index(["D1", "D2"], name="dataset")
    )
    formatted = format_leaderboard(leaderboard(mean, versus="rntk"))
    assert list(formatted.columns) == [
        "data sets with results",
        "mean acc ± std",
        "rank",
        "P90 %",
        "P95 %",
        "PMA % ± std",
        "W/T/L vs rntk",
        "p vs rntk (Holm)",
    ]
    assert formatted.loc["rntk"].tolist() == [
        "2",
        "0.700 ± 0.283",
        "1.25",
        "100.0",
        "100.0",
        "100.0 ± 0.0",
        "–",
        "–",
    ]
    # rbf: ranks 2 and 1.5; 0.8 < 0.9 * 0.9 misses P90 and P95 on D1;
    # PMA (100 * 0.8 / 0.9 + 100) / 2 = 94.4; loses D1, ties D2. Wilcoxon: the tie is
    # dropped, one difference is left, and either sign is as likely: p = 1.
    assert formatted.loc["rbf"].tolist() == [
        "2",
        "0.650 ± 0.212",
        "1.75",
        "50.0",
        "50.0",
        "94.4 ± 7.9",
        "0/1/1",
        "1.000",
    ]


def test_leaderboard_small_p_values_never_read_as_zero() -> None:
    # rntk beats rbf by distinct margins on 30 data sets: exact two-sided p = 2 / 2^30.
    index = pd.Index([f"D{i}" for i in range(30)], name="dataset")
    rntk = [0.5 + 0.01 * i for i in range(30)]
    rbf = [a - 0.001 * (i + 1) for i, a in enumerate(rntk)]
    mean = pd.DataFrame({"rntk": rntk, "rbf": rbf}, index=index)
    formatted = format_leaderboard(leaderboard(mean, versus="rntk"))
    assert formatted.loc["rbf", "p vs rntk (Holm)"] == "<0.001"
    # "<0.001" still reads as a number: the column is right-aligned.
    assert to_markdown(formatted).splitlines()[1].endswith("---: |")


def test_write_table_three_files_csv_full_precision(tmp_path: Path) -> None:
    numeric = pd.DataFrame({"acc": [1 / 3]}, index=pd.Index(["D1"], name="dataset"))
    formatted = pd.DataFrame({"acc": ["0.333"]}, index=numeric.index)
    paths = write_table(numeric, formatted, tmp_path / "t", caption="c")
    assert [p.name for p in paths] == ["t.md", "t.csv", "t.tex"]
    again = pd.read_csv(tmp_path / "t.csv", index_col=0)
    assert again.at["D1", "acc"] == 1 / 3
    assert "| D1 | 0.333 |" in (tmp_path / "t.md").read_text()
    assert "D1 & 0.333 \\\\" in (tmp_path / "t.tex").read_text()
