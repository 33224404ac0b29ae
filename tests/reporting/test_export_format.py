"""``export --format tsml`` writes tsml-eval's text format itself: checked line by line.

The expected text below is derived by hand from tsml-eval's documented format
(``tsml_eval/utils/results_writing.py``: ``write_classification_results`` builds line
3 as accuracy, fit time, predict time, benchmark time, memory, number of classes,
train-estimate method, train-estimate time, fit-and-estimate time, and
``write_results_to_tsml_format`` writes line 1 as data set, estimator, split,
resample, time unit, comment and each case as ``label,prediction`` then ``,`` and
``,p`` per class), not from our writer; tests/ecosystem compares the two writers
byte for byte where tsml-eval is installed. None of these tests needs tsml-eval.
"""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner

from rntk_bench.cli import main
from rntk_bench.evaluation.protocol import PAPER_C_GRID
from rntk_bench.records import Result, write_result
from rntk_bench.reporting.export import export_tsml
from rntk_bench.reporting.export_checks import tsml_dataset_name, tsml_method_name
from rntk_bench.reporting.tsml_format import name_problem, tsml_codes

# Classes in our code order; as strings "1" < "10" < "2", so tsml-eval's codes are
# "1" -> 0, "10" -> 1, "2" -> 2: our code 1 ("2") is tsml code 2, our 2 ("10") is 1.
CLASSES = ["1", "2", "10"]
Y_TRUE = [0, 1, 2, 2]
Y_PRED = [0, 2, 2, 1]  # right, wrong, right, wrong: accuracy 0.5
PROBABILITIES = [  # columns in our order: "1", "2", "10"
    [0.7, 0.2, 0.1],
    [0.1, 0.3, 0.6],
    [0.25, 0.25, 0.5],
    [0.2, 0.5, 0.3],
]
EXPECTED_ROWS = [  # true, predicted, "", then the columns "1", "10", "2"
    "0,0,,0.7,0.1,0.2",
    "2,1,,0.1,0.6,0.3",
    "1,1,,0.25,0.5,0.25",
    "1,2,,0.2,0.3,0.5",
]


def demo_result(**changes: object) -> Result:
    """A complete, self-consistent result of kernel "rntk" on "Demo", resample 3."""
    setting = {"sigma_w": 1.4, "sigma_b": 0.0, "n_layers": 1}
    protocol = {"folds": 3, "c_grid": list(PAPER_C_GRID), "seed": 0}
    fields: dict[str, object] = {
        "identity": {
            "dataset": "Demo",
            "data_checksum": "abc",
            "kernel": "rntk",
            "settings": [setting],
            "protocol": protocol,
            "resample": 3,
        },
        "dataset": {"name": "Demo", "n_classes": 3, "checksum": "abc", "classes": CLASSES},
        "kernel": "rntk",
        "grid": "quick",
        "protocol": {**protocol, "cv_scheme": "stratified"},
        "resample": 3,
        "selected": {"setting": setting, "resolved": {}, "C": 10.0, "cv_accuracy": 0.75},
        "cv": {"settings": [setting], "c_grid": list(PAPER_C_GRID)},
        "test": {
            "accuracy": 0.5,
            "n_test": 4,
            "y_true": Y_TRUE,
            "y_pred": Y_PRED,
            "probabilities": PROBABILITIES,
        },
        "timing": {
            "gram_train": 1.0,
            "svm_select": 0.5,
            "refit": 0.125,
            "predict": 0.25,
            "gram_test": 0.2,
            "svm_test": 0.05,
        },
        "environment": {"finished": "2026-01-01T00:00:00+00:00"},
    }
    fields.update(changes)
    return Result(**fields)  # type: ignore[arg-type]


def test_the_file_is_tsml_evals_format_line_by_line(tmp_path):
    result = demo_result()
    write_result(tmp_path / "run", result)
    done = export_tsml(tmp_path / "run", tmp_path / "out", {"rntk": "RNTK"})
    path = tmp_path / "out" / "RNTK" / "Predictions" / "Demo" / "testResample3.csv"
    assert done.written == [path] and done.skipped == []
    text = path.read_text()
    assert text.endswith("\n") and "\r" not in text
    lines = text.split("\n")[:-1]
    assert lines[0] == f"Demo,RNTK,TEST,3,MILLISECONDS,rntk-bench result {result.id[:12]}"
    # fit = gram_train + svm_select + refit = 1.625 s; predict 0.25 s; 3 classes.
    assert lines[2] == "0.5,1625,250,-1,-1,3,,-1,-1"
    assert lines[3:] == EXPECTED_ROWS
    parameters = json.loads(lines[1])
    assert parameters["kernel"] == "rntk" and parameters["C"] == 10.0
    assert parameters["setting"] == {"sigma_w": 1.4, "sigma_b": 0.0, "n_layers": 1}
    assert parameters["classes"] == ["1", "10", "2"]  # the labels in tsml code order


def test_a_missing_timing_is_written_as_tsml_evals_unknown(tmp_path):
    result = demo_result()
    del result.timing["refit"], result.timing["predict"]  # an older file
    write_result(tmp_path / "run", result)
    export_tsml(tmp_path / "run", tmp_path / "out")
    path = tmp_path / "out" / "rntk" / "Predictions" / "Demo" / "testResample3.csv"
    assert path.read_text().split("\n")[2] == "0.5,-1,-1,-1,-1,3,,-1,-1"


def test_export_needs_no_tsml_eval(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tsml_eval", None)  # importing it would fail
    monkeypatch.setitem(sys.modules, "tsml_eval.utils.results_writing", None)
    write_result(tmp_path / "run", demo_result())
    result = CliRunner().invoke(main, ["export", str(tmp_path / "run"), str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        f"Wrote 1 tsml-eval result files (rntk) to {tmp_path / 'out'}."
    )
    assert (tmp_path / "out/rntk/Predictions/Demo/testResample3.csv").is_file()


def test_tsml_codes_follow_the_string_order_of_the_labels():
    assert tsml_codes(CLASSES).tolist() == [0, 2, 1]
    assert tsml_codes([str(k) for k in range(1, 12)]).tolist() == [0, *range(3, 11), 1, 2]


@pytest.mark.parametrize(
    "name",
    [
        "RNTK",
        "rbf+pad-start",
        "rntk[L=2;erf]",
        "SynthEnd-r0.50-noise1",
        "GunPoint[test-last-50pct]",
    ],
)
def test_plain_names_pass(name):
    assert name_problem(name) == ""


@pytest.mark.parametrize(
    "name",
    ["", ".", "..", "../x", "a/b", "/abs", "a\\b", "C:x", "a,b", "a b", ".hidden", "-x",
     "x\n", "é", "x" * 201, None, 3],
)  # fmt: skip
def test_names_that_are_not_plain_are_refused(name):
    assert name_problem(name)


def test_variants_get_names_of_their_own():
    assert tsml_method_name("rbf", None, []) == "rbf"
    assert tsml_method_name("RBF", "pad-start", []) == "RBF+pad-start"
    # The report's "rntk[L=1/2,relu/erf]": no comma (tsml-eval's first line) and no slash.
    assert tsml_method_name("rntk", None, ["L=1/2", "relu/erf"]) == "rntk[L=1+2;relu+erf]"
    assert tsml_method_name("ntk", None, ["C=0.001..1e5"]) == "ntk[C=0.001..1e5]"
    from rntk_bench.evaluation.protocol import TestTruncation

    assert tsml_dataset_name("GunPoint", None) == "GunPoint"
    assert tsml_dataset_name("GunPoint", TestTruncation(0.5)) == "GunPoint[test-last-50pct]"
    assert (
        tsml_dataset_name("GunPoint", TestTruncation(0.25, "start")) == "GunPoint[test-first-25pct]"
    )


def test_protocol_variant_tags_name_the_method_apart(tmp_path):
    settings = [
        {"sigma_w": 1.4, "n_layers": 1, "activation": "relu"},
        {"sigma_w": 1.4, "n_layers": 2, "activation": "erf"},
    ]
    base = demo_result()
    result = demo_result(
        identity={**base.identity, "settings": settings},
        cv={"settings": settings, "c_grid": list(PAPER_C_GRID)},
    )
    write_result(tmp_path / "run", result)
    done = export_tsml(tmp_path / "run", tmp_path / "out")
    assert [p.relative_to(tmp_path / "out").parts[0] for p in done.written] == [
        "rntk[L=1+2;relu+erf]"
    ]
    first = done.written[0].read_text().split("\n")[0]
    assert first.split(",")[:3] == ["Demo", "rntk[L=1+2;relu+erf]", "TEST"]


def test_a_full_disk_is_one_line_naming_the_file_and_leaves_nothing(tmp_path, monkeypatch):
    """A write that fails leaves neither a half-written file nor a temporary file."""
    write_result(tmp_path / "run", demo_result())
    out = tmp_path / "out"
    import rntk_bench.reporting.tsml_format as tsml_format

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")  # as a write to a full disk: no file

    monkeypatch.setattr(tsml_format.os, "fsync", full_disk)
    result = CliRunner().invoke(main, ["export", str(tmp_path / "run"), str(out)])
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    target = out / "rntk" / "Predictions" / "Demo" / "testResample3.csv"
    assert line.startswith("Error:") and str(target) in line, line
    assert "no space left on device" in line.lower(), line
    assert [p for p in out.rglob("*") if p.is_file()] == []


def test_a_timing_too_large_for_milliseconds_is_skipped(tmp_path):
    result = demo_result()
    result.timing["refit"] = 1e308  # finite seconds, infinite milliseconds
    write_result(tmp_path / "run", result)
    done = export_tsml(tmp_path / "run", tmp_path / "out")
    assert done.written == [] and len(done.skipped) == 1
    assert "too large to be milliseconds" in done.skipped[0]


def test_an_earlier_export_is_replaced_and_said_so(tmp_path):
    write_result(tmp_path / "run", demo_result())
    args = ["export", str(tmp_path / "run"), str(tmp_path / "out")]
    CliRunner().invoke(main, args)
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0
    assert "(1 of them replaced files of an earlier export)" in again.output
