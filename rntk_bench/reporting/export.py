"""Result files in tsml-eval's format, for the field's evaluation tools.

One file per (method, data set, resample)::

    OUT/<method>/Predictions/<Dataset>/testResample<k>.csv

written by tsml-eval's own ``write_classification_results`` (the ``ecosystem`` extra),
so that its ``load_classifier_results`` and ``evaluate_classifiers_by_problem`` (and
aeon's readers) read them as they read tsml-eval's own runs. Everything comes from the
result files (labels, predictions, probabilities, timings); nothing is refit.

What goes where:

- line 1: data set, method, TEST, resample, MILLISECONDS, a comment naming the tool
  and the result id;
- line 2 (parameters, free text): one JSON object with the kernel, the selected
  setting and C, the CV accuracy, the protocol and the class labels in file order;
- line 3: accuracy, fit time (the method's whole selection on the training split, Gram
  matrices shared by a kernel family counted in full, plus the refit), predict time
  (test Gram matrix + prediction), benchmark -1, memory -1, number of classes;
- one row per test case: true class, predicted class, "", class probabilities.

Classes are written as tsml-eval writes them: integer codes of the original labels in
the order ``sklearn.preprocessing.LabelEncoder`` gives (sorted as strings, so "10"
comes before "2"), the probabilities' columns permuted to match. With resamples drawn
as tsml-eval draws them (:func:`rntk_bench.evaluation.splits.resample_split`) the
rows are in the same order as a tsml-eval run's. The probabilities are those of
:mod:`rntk_bench.svm.decision` (softmax of decision scores, not calibrated).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rntk_bench.errors import InputError, ResultError
from rntk_bench.records import Result, iter_results

__all__ = ["Export", "export_tsml", "tsml_codes"]


@dataclass
class Export:
    """What :func:`export_tsml` wrote and what it left out.

    Attributes
    ----------
    written : list of Path
    skipped : list of str
        One line per result file that could not be exported, with the reason.
    """

    written: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def tsml_codes(classes: list[str]) -> np.ndarray:
    """Position of every class (in code order) among the labels sorted as strings.

    Parameters
    ----------
    classes : list of str
        Original labels in the tool's code order (``Result.dataset["classes"]``).

    Returns
    -------
    ndarray of shape (n_classes,), int: ``tsml_codes(classes)[code]`` is the label's
    LabelEncoder code.
    """
    order = np.argsort(np.asarray(classes, dtype=str), kind="stable")
    codes = np.empty(len(classes), dtype=np.int64)
    codes[order] = np.arange(len(classes))
    return codes


def _writer() -> Any:
    try:
        from tsml_eval.utils.results_writing import write_classification_results
    except ImportError:
        raise InputError(
            "export --format tsml needs tsml-eval: pip install 'rntk-bench[ecosystem]' "
            "(tsml-eval 0.6 with aeon 1.1; see the README for the versions it pins)."
        ) from None
    return write_classification_results


def _milliseconds(seconds: float) -> int:
    return round(1000 * float(seconds))


def _export_one(
    result: Result, out: Path, method: str, write: Any
) -> tuple[Path | None, str | None]:
    test = result.test
    probabilities = test.get("probabilities")
    classes = result.dataset.get("classes")
    if probabilities is None or not classes:
        return None, (
            "written before result files kept probabilities; rerun it with --overwrite "
            "(export never refits)"
        )
    codes = tsml_codes(list(classes))
    try:
        proba = np.asarray(probabilities, dtype=np.float64)
    except (TypeError, ValueError):
        proba = np.empty(0)
    if proba.shape != (len(test["y_true"]), len(classes)) or not np.isfinite(proba).all():
        return None, (
            f"test.probabilities must be {len(test['y_true'])} rows of {len(classes)} "
            "finite numbers; delete the file to recompute it"
        )
    columns = np.argsort(codes)  # tsml column j = the class whose tsml code is j
    timing = result.timing
    refit = timing.get("refit", timing.get("gram_test", 0.0) + timing.get("svm_test", 0.0))
    fit_seconds = timing.get("gram_train", 0.0) + timing.get("svm_select", 0.0) + refit
    parameters = {
        "kernel": result.kernel,
        "setting": result.selected["setting"],
        "resolved": result.selected.get("resolved", {}),
        "C": result.selected["C"],
        "cv_accuracy": result.selected.get("cv_accuracy"),
        "grid": result.grid,
        "protocol": result.protocol,
        "classes": [classes[i] for i in columns],
    }
    name = result.dataset["name"]
    write(
        codes[np.asarray(test["y_pred"], dtype=np.int64)],
        proba[:, columns],
        codes[np.asarray(test["y_true"], dtype=np.int64)],
        method,
        name,
        str(out),
        full_path=False,
        split="TEST",
        resample_id=result.resample,
        time_unit="MILLISECONDS",
        first_line_comment=f"rntk-bench result {result.id[:12]}",
        parameter_info=json.dumps(parameters, separators=(",", ":"), default=str),
        accuracy=result.accuracy,
        fit_time=_milliseconds(fit_seconds),
        predict_time=_milliseconds(timing.get("predict", 0.0)),
        n_classes=len(classes),
    )
    return out / method / "Predictions" / name / f"testResample{result.resample}.csv", None


def export_tsml(run_dir: Path, out: Path, method_names: Mapping[str, str] | None = None) -> Export:
    """Write every result of a run folder as a tsml-eval result file.

    Parameters
    ----------
    run_dir : Path
        A run folder (``results/<run-name>``).
    out : Path
        Where ``<method>/Predictions/<Dataset>/testResample<k>.csv`` go.
    method_names : mapping, optional
        Kernel name -> method name in the files (default: the kernel name).

    Returns
    -------
    Export

    Raises
    ------
    InputError
        Without tsml-eval.
    ResultError
        When the folder holds no result file.
    """
    write = _writer()
    report = Export()
    found = False
    for path, result in iter_results(Path(run_dir)):
        found = True
        if isinstance(result, ResultError):
            report.skipped.append(f"{path}: {result}")
            continue
        method = dict(method_names or {}).get(result.kernel, result.kernel)
        written, reason = _export_one(result, Path(out), method, write)
        if written is None:
            report.skipped.append(f"{path}: {reason}")
        else:
            report.written.append(written)
    if not found:
        raise ResultError(
            f"no results in {run_dir} (expected runs/<Dataset>/*.json); run `rntk-bench run` first."
        )
    return report
