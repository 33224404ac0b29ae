"""Variant method names, reports over several runs, CV fallbacks and grid edges."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from rntk_bench.cli import main
from rntk_bench.records import Result, method_name, write_result
from rntk_bench.reporting import build_report, write_report
from rntk_bench.reporting.selection import selection_table
from rntk_bench.reporting.tidy import load_results, load_runs
from rntk_bench.reporting.variants import variant_tags

from .conftest import make_result

PAPER_C = [0.01, 0.1, 1.0, 10.0, 100.0]


def _result(
    dataset: str,
    kernel: str,
    accuracy: float,
    *,
    settings: list[dict] | None = None,
    chosen: dict | None = None,
    C: float = 1.0,
    c_grid: list[float] | None = None,
    fallback: bool = False,
    **protocol: object,
) -> Result:
    result = make_result(dataset, kernel, accuracy)
    c_grid = PAPER_C if c_grid is None else c_grid
    settings = settings if settings is not None else [{"sigma_w": 1.4, "n_layers": 1}]
    result.protocol = {
        "c_grid": c_grid,
        "preprocessing": "maxnorm",
        "normalisation": "mean-diagonal",
        **protocol,
    }
    result.cv = {
        "settings": settings,
        "c_grid": c_grid,
        "mean": [[0.5] * len(c_grid) for _ in settings],
    }
    result.selected = {
        "setting": chosen if chosen is not None else settings[0],
        "C": C,
        "cv_accuracy": 0.5,
        "fallback": "grid centre" if fallback else None,
    }
    return result


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({}, "rntk"),
        ({"settings": [{"sigma_w": 1.4, "n_layers": 2, "activation": "erf"}]}, "rntk[L=2,erf]"),
        (
            {
                "settings": [
                    {"n_layers": n, "activation": a} for n in (3, 1, 2) for a in ("erf", "relu")
                ]
            },
            "rntk[L=1/2/3,relu/erf]",
        ),
        ({"settings": [{"sigma_w": 1.4, "h0": "independent"}]}, "rntk[h0=independent]"),
        ({"preprocessing": "znorm", "normalisation": "cosine"}, "rntk[prep=znorm,gram=cosine]"),
        ({"c_grid": [0.001, 0.01, 1.0, 1000.0, 100000.0]}, "rntk[C=0.001..1e5]"),
    ],
)
def test_a_variant_is_named_by_what_differs_from_the_headline(kwargs, name, tmp_path: Path):
    result = _result("GunPoint", "rntk", 0.9, **kwargs)
    assert method_name(result.kernel, None, variant_tags(result)) == name
    # The tidy table names it so (through the same function).
    write_result(tmp_path, result)
    table, problems = load_results(tmp_path)
    assert problems == [] and table["method"].tolist() == [name]


@pytest.mark.parametrize(
    ("option", "kwargs", "name"),
    [
        (None, {}, "rbf"),
        ("resample", {}, "rbf"),  # the default length policy keeps the plain name
        ("pad-start", {}, "rbf+pad-start"),
        ("pad-start", {"c_grid": [1.0]}, "rbf+pad-start[C=1]"),
        ("truncate", {"preprocessing": "znorm"}, "rbf+truncate[prep=znorm]"),
    ],
)
def test_length_policy_and_variant_tags_make_one_name(option, kwargs, name, tmp_path: Path):
    result = _result("GunPoint", "rbf", 0.9, settings=[{"gamma": 1.0}], **kwargs)
    if option is not None:
        result.protocol["length_option"] = option
    write_result(tmp_path, result)
    table, problems = load_results(tmp_path)
    assert problems == [] and table["method"].tolist() == [name]
    assert method_name("rbf", option, variant_tags(result)) == name


def test_a_data_set_variant_is_its_own_row(tmp_path: Path):
    plain = _result("GunPoint", "rntk", 0.9)
    truncated = _result("GunPoint", "rntk", 0.7)
    truncated.dataset["variant"] = "test: last 50%"
    truncated.identity["variant"] = "test: last 50%"
    truncated.id = ""
    truncated.__post_init__()  # a new identity, a new file
    write_result(tmp_path, plain)
    write_result(tmp_path, truncated)
    table, problems = load_results(tmp_path)
    assert problems == []
    assert table["dataset"].tolist() == ["GunPoint", "GunPoint [test: last 50%]"]
    assert table["method"].tolist() == ["rntk", "rntk"]


def test_records_naming_by_hand():
    assert method_name("rntk", None) == "rntk"
    assert method_name("rntk", "resample", ()) == "rntk"
    assert method_name("ntk", "pad-end") == "ntk+pad-end"
    assert method_name("rntk", None, ["L=2", "erf"]) == "rntk[L=2,erf]"
    assert method_name("rbf", "pad-start", ["C=1"]) == "rbf+pad-start[C=1]"


def test_structure_tags_only_name_rnn_kernels_and_the_defaults_stay_plain():
    # An FC kernel's depth is a grid parameter, not a variant of the RNTK.
    result = _result("GunPoint", "ntk", 0.9, settings=[{"depth": 2}, {"depth": 3}])
    assert variant_tags(result) == []
    assert method_name(result.kernel, None, variant_tags(result)) == "ntk"


def test_merged_runs_keep_variants_apart_and_suffix_shared_names(tmp_path: Path):
    base, deep, again = tmp_path / "base", tmp_path / "L2", tmp_path / "again"
    for dataset, acc in (("GunPoint", 0.9), ("Coffee", 1.0)):
        write_result(base, _result(dataset, "rntk", acc))
        write_result(base, _result(dataset, "rbf", acc - 0.1, settings=[{"gamma": 1.0}]))
        write_result(deep, _result(dataset, "rntk", acc - 0.05, settings=[{"n_layers": 2}]))
        write_result(again, _result(dataset, "rbf", acc - 0.2, settings=[{"gamma": 1.0}]))
    table, problems = load_runs([base, deep, again])
    assert problems == []
    assert sorted(table["method"].unique()) == ["rbf@again", "rbf@base", "rntk", "rntk[L=2]"]
    one, _ = load_runs([base])
    assert sorted(one["method"].unique()) == ["rbf", "rntk"]
    report = build_report([base, deep, again])
    assert report.title == "base + L2 + again"
    assert report.accuracy.mean.loc["GunPoint", "rntk[L=2]"] == pytest.approx(0.85)
    assert report.accuracy.mean.loc["Coffee", "rbf@again"] == pytest.approx(0.8)


def test_the_cli_merges_runs_and_asks_for_out(tmp_path: Path):
    a, b = tmp_path / "a", tmp_path / "b"
    for dataset, acc in (("GunPoint", 0.9), ("Coffee", 1.0), ("Beef", 0.7)):
        write_result(a, _result(dataset, "rntk", acc))
        write_result(b, _result(dataset, "rntk", acc - 0.1, settings=[{"activation": "erf"}]))
    runner = CliRunner()
    refused = runner.invoke(main, ["report", str(a), str(b)])
    assert refused.exit_code == 1
    assert "--out" in refused.output
    out = tmp_path / "merged"
    done = runner.invoke(main, ["report", str(a), str(b), "--out", str(out), "--no-plots"])
    assert done.exit_code == 0, done.output
    board = pd.read_csv(out / "leaderboard.csv", index_col=0)
    assert set(board.index) == {"rntk", "rntk[erf]"}
    assert "W/T/L" in (out / "leaderboard.md").read_text() or "wins" in board.columns[-1]
    assert "# Report: a + b" in (out / "README.md").read_text()


def test_fallbacks_and_grid_edges_are_counted_per_method(tmp_path: Path):
    grid = [{"sigma_w": w, "sigma_b": b} for w in (1.3, 1.4, 1.5) for b in (0.0, 1.0)]
    run = tmp_path / "run"
    # C at the top twice, at the bottom once, inside once; sigma_w low/high/inside.
    cases = [
        ("A", {"sigma_w": 1.3, "sigma_b": 0.0}, 100.0, False),
        ("B", {"sigma_w": 1.5, "sigma_b": 1.0}, 100.0, False),
        ("C", {"sigma_w": 1.4, "sigma_b": 1.0}, 0.01, False),
        ("D", {"sigma_w": 1.4, "sigma_b": 0.0}, 1.0, False),
        ("Fungi", {"sigma_w": 1.5, "sigma_b": 0.0}, 100.0, True),  # a fallback: no edge
    ]
    for dataset, chosen, C, fallback in cases:
        write_result(
            run,
            _result(dataset, "rntk", 0.8, settings=grid, chosen=chosen, C=C, fallback=fallback),
        )
    write_result(run, _result("A", "linear", 0.7, settings=[{}], chosen={}, C=100.0))
    tidy, _ = load_results(run)
    summary, edges = selection_table(tidy)
    rntk = summary.set_index("method").loc["rntk"]
    assert (rntk["results"], rntk["fallback"], rntk["C_low"], rntk["C_high"]) == (5, 1, 1, 2)
    # sigma_b has two values: always an edge, so it is not counted.
    assert rntk["parameter_edges"] == "sigma_w 1 low / 1 high"
    linear = summary.set_index("method").loc["linear"]
    assert (linear["C_high"], linear["parameter_edges"]) == (1, "")
    assert set(edges["parameter"]) == {"C", "sigma_w"}
    assert edges[edges["dataset"] == "Fungi"]["edge"].isna().all()


def test_the_report_shows_the_selection_table(tmp_path: Path):
    run = tmp_path / "run"
    for dataset in ("A", "B", "Fungi"):
        write_result(run, _result(dataset, "rntk", 0.8, C=100.0, fallback=dataset == "Fungi"))
    report = build_report(run)
    files = write_report(report, tmp_path / "out", plots=False)
    readme = (tmp_path / "out" / "README.md").read_text()
    assert "## Selection: CV fallbacks and grid edges" in readme
    frame = pd.read_csv(tmp_path / "out" / "selection.csv", index_col=0)
    assert frame.loc["rntk", "fallback"] == 1
    assert frame.loc["rntk", "C_high"] == 2
    assert tmp_path / "out" / "selection_edges.csv" in files
