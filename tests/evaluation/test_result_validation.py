"""A result file with invalid contents is corrupt everywhere: run recomputes, report lists."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from rntk_bench.evaluation.protocol import Protocol
from rntk_bench.experiment import RunConfig
from rntk_bench.experiment.events import ResultDone, ResultSkipped, Warned
from rntk_bench.records import iter_results, read_result
from rntk_bench.reporting import load_results

from .conftest import run_all


def _config() -> RunConfig:
    return RunConfig(
        datasets=("GunPoint",), kernels=("linear",), grid="quick", protocol=Protocol(folds=3)
    )


def _break(payload: dict, how: str) -> None:
    test = payload["test"]
    if how == "accuracy-text":
        test["accuracy"] = "0.9"
    elif how == "accuracy-high":
        test["accuracy"] = 1.5
    elif how == "accuracy-nan":
        test["accuracy"] = math.nan
    elif how == "accuracy-bool":
        test["accuracy"] = True
    elif how == "accuracy-missing":
        del test["accuracy"]
    elif how == "accuracy-wrong":
        test["accuracy"] = 0.0 if test["accuracy"] > 0.5 else 1.0
    elif how == "test-list":
        payload["test"] = [1]
    elif how == "predictions-short":
        test["y_pred"] = test["y_pred"][:-1]
    elif how == "resample-negative":
        payload["resample"] = -1
    elif how == "kernel-number":
        payload["kernel"] = 7
    elif how == "dataset-missing":
        del payload["dataset"]


CASES = [
    "accuracy-text",
    "accuracy-high",
    "accuracy-nan",
    "accuracy-bool",
    "accuracy-missing",
    "accuracy-wrong",
    "test-list",
    "predictions-short",
    "resample-negative",
    "kernel-number",
    "dataset-missing",
]


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Path, Path, bytes]:
    run_dir = tmp_path_factory.mktemp("valid") / "run"
    run_all(_config(), run_dir)
    ((path, result),) = list(iter_results(run_dir))
    assert not isinstance(result, Exception)
    return run_dir, path, path.read_bytes()


@pytest.mark.parametrize("how", CASES)
def test_invalid_contents_are_corrupt_for_run_and_report(finished, tmp_path, how):
    source_dir, source, good = finished
    run_dir = tmp_path / "run"
    path = run_dir / source.relative_to(source_dir)
    path.parent.mkdir(parents=True)
    payload = json.loads(good)
    _break(payload, how)
    path.write_text(json.dumps(payload))

    with pytest.raises(Exception) as exc:
        read_result(path)
    assert "invalid contents" in str(exc.value) or "incomplete" in str(exc.value)

    tidy, problems = load_results(run_dir)  # the report lists it, leaves it out
    assert tidy.empty and len(problems) == 1 and str(path) in str(problems[0])

    events = run_all(_config(), run_dir)  # run recomputes it instead of skipping
    warnings = [e.message for e in events if isinstance(e, Warned)]
    assert len(warnings) == 1 and str(path) in warnings[0] and "Recomputing" in warnings[0]
    assert not [e for e in events if isinstance(e, ResultSkipped)]
    assert len([e for e in events if isinstance(e, ResultDone)]) == 1
    assert path.read_bytes() != json.dumps(payload).encode()
    assert read_result(path).accuracy == json.loads(good)["test"]["accuracy"]
