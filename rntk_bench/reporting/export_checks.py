"""What a result file must pass before it becomes a tsml-eval file, and the names it gets.

:func:`tsml_names` checks that the file's names are plain and that its identity (the
hashed record of what determined it) agrees with its contents and its path, then
names the method and data set so that a variant never takes a plain name.
:func:`tsml_result` checks the values the file is made of and builds it. Either
raises :class:`Skip` with the reason, which the export lists; nothing is written for
a result that fails.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeGuard

import numpy as np

from rntk_bench.errors import InputError
from rntk_bench.evaluation.protocol import LENGTH_POLICIES, TestTruncation
from rntk_bench.records import Result, method_name, result_path
from rntk_bench.records.naming import DEFAULT_LENGTH_POLICY
from rntk_bench.reporting.tsml_format import (
    TsmlResult,
    name_problem,
    path_problem,
    plain_name,
    tsml_codes,
)
from rntk_bench.reporting.variants import variant_tags

__all__ = [
    "Skip",
    "tsml_dataset_name",
    "tsml_method_name",
    "tsml_names",
    "tsml_result",
    "variant_key",
]

_DAMAGED = "the file was edited or damaged; delete it to recompute it"


class Skip(Exception):
    """A result file left out of the export; the message says why and what to do."""


def tsml_method_name(base: str, policy: str | None, tags: list[str]) -> str:
    """The report's method name, with ``;`` for ``,`` and ``+`` for ``/``.

    ``rntk``, ``rbf+pad-start``, ``rntk[L=1+2;relu+erf]``: a comma would split
    tsml-eval's first line, a slash would make a folder.
    """
    return method_name(base, policy, [tag.replace("/", "+") for tag in tags]).replace(",", ";")


def tsml_dataset_name(name: str, truncation: TestTruncation | None) -> str:
    """``GunPoint``, or ``GunPoint[test-last-50pct]`` for a truncated test split."""
    if truncation is None:
        return name
    which = "last" if truncation.side == "end" else "first"
    return f"{name}[test-{which}-{100 * truncation.fraction:.10g}pct]"


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _brief(value: Any) -> str:
    """A value for a message: its repr, cut to 80 characters (a file may hold anything)."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _check_identity(result: Result, path: Path) -> None:
    """Skip unless the identity, the contents and the path name the same result."""
    identity, name = result.identity, result.dataset["name"]
    for key, value in (("dataset", name), ("kernel", result.kernel), ("resample", result.resample)):
        if identity.get(key, "(missing)") != value:
            raise Skip(
                f"its identity says {key} {_brief(identity.get(key, '(missing)'))} but its "
                f"contents say {_brief(value)}; {_DAMAGED}"
            )
    if "data_checksum" in identity and identity["data_checksum"] != result.dataset.get("checksum"):
        raise Skip(f"its identity and dataset.checksum name different data; {_DAMAGED}")
    home = result_path(Path(), name, result.kernel, result.resample, result.id)
    if (path.parent.name, path.name) != home.parts[-2:]:
        raise Skip(
            f"its path does not match its contents (this result belongs at {home}); "
            "move it there or delete it"
        )
    protocol = identity.get("protocol")
    if isinstance(protocol, dict):
        changed = [
            k for k, v in protocol.items() if k not in result.protocol or result.protocol[k] != v
        ]
        if changed:
            raise Skip(
                f"its protocol disagrees with its identity ({', '.join(changed)}); {_DAMAGED}"
            )
    settings = identity.get("settings")
    if isinstance(settings, list) and settings != result.cv.get("settings", settings):
        raise Skip(f"its cv.settings disagree with its identity; {_DAMAGED}")


def _truncation(result: Result) -> TestTruncation | None:
    """The test truncation (identity and dataset must agree), None for the data set as it is."""
    in_identity = result.identity.get("test_truncation")
    in_dataset = result.dataset.get("test_truncation")
    variant = result.dataset.get("variant")
    if in_identity != in_dataset or bool(variant) != (in_identity is not None):
        raise Skip(
            f"its data set variant disagrees with its identity (identity: {_brief(in_identity)}, "
            f"dataset: {_brief(in_dataset)}, variant {_brief(variant)}); {_DAMAGED}"
        )
    if in_identity is None:
        return None
    try:
        return TestTruncation(**in_identity)
    except (TypeError, InputError) as exc:
        raise Skip(
            f"its test truncation {_brief(in_identity)} is invalid ({exc}); {_DAMAGED}"
        ) from None


def _policy(result: Result) -> str | None:
    """The length policy the method is named with (None: the default or native lengths)."""
    option = result.protocol.get("length_option")
    policy = None if option in (None, DEFAULT_LENGTH_POLICY) else option
    if policy != result.identity.get("length_policy") or (
        policy is not None and policy not in LENGTH_POLICIES
    ):
        raise Skip(
            f"its length policy disagrees with its identity (protocol.length_option "
            f"{_brief(option)}, identity {_brief(result.identity.get('length_policy'))}); "
            f"{_DAMAGED}"
        )
    return policy


def tsml_names(result: Result, path: Path, method_names: Mapping[str, str]) -> tuple[str, str]:
    """The (method, data set) names of a result's tsml-eval file.

    Names read from the file are made plain (:func:`.tsml_format.plain_name`: "My Data"
    -> "My_Data"); ``method_names`` (already plain) replace the kernel's.

    Raises
    ------
    Skip
        A kernel or data-set name that is a path (``..``, ``/``, absolute), an identity
        that disagrees with the contents or the path.
    """
    for what, value in (("kernel", result.kernel), ("data-set", result.dataset["name"])):
        problem = path_problem(value)
        if problem:
            raise Skip(f"its {what} name {problem}; {_DAMAGED}")
    _check_identity(result, path)
    try:
        tags = variant_tags(result)
    except (TypeError, ValueError, AttributeError) as exc:
        raise Skip(f"its cv settings or C grid are unreadable ({exc}); {_DAMAGED}") from None
    base = method_names.get(result.kernel) or plain_name(result.kernel)
    method = tsml_method_name(base, _policy(result), tags)
    dataset = tsml_dataset_name(plain_name(result.dataset["name"]), _truncation(result))
    for what, value in (("method", method), ("data-set", dataset)):
        problem = name_problem(value)
        if problem:
            raise Skip(f"its {what} name {problem}")
    return method, dataset


def variant_key(result: Result) -> str:
    """What a result's file stands for: data set, kernel, test truncation, length policy.

    Two results with one key are one result recomputed (the newer supersedes the
    older); two keys that get one file name are a collision.
    """
    return json.dumps(
        [
            result.dataset["name"],
            result.kernel,
            result.identity.get("test_truncation"),
            result.identity.get("length_policy"),
        ],
        sort_keys=True,
        default=str,
    )


def _classes(result: Result) -> list[str]:
    classes = result.dataset.get("classes")
    n_classes = result.dataset.get("n_classes", None)
    if (
        not isinstance(classes, list)
        or len(classes) < 2
        or not all(isinstance(c, str) or _is_int(c) for c in classes)
        or len({str(c) for c in classes}) != len(classes)
    ):
        raise Skip(
            f"dataset.classes (the class labels in code order) is missing or not a list of "
            f"two or more distinct labels; {_DAMAGED}"
        )
    if n_classes is not None and n_classes != len(classes):
        raise Skip(
            f"dataset.n_classes {_brief(n_classes)} disagrees with its {len(classes)} classes"
        )
    return [str(c) for c in classes]


def _codes(values: list[Any], n_classes: int, name: str) -> np.ndarray:
    for value in values:
        if not _is_int(value) or not 0 <= value < n_classes:
            raise Skip(
                f"{name} holds the class code {_brief(value)}, outside 0..{n_classes - 1} "
                f"({n_classes} classes); {_DAMAGED}"
            )
    return np.asarray(values, dtype=np.int64)


def _probabilities(values: Any, n_test: int, n_classes: int) -> np.ndarray:
    def fail(detail: str) -> Skip:
        return Skip(
            f"test.probabilities must be {n_test} rows of {n_classes} finite numbers in "
            f"[0, 1] that sum to 1 ({detail}); delete the file to recompute it"
        )

    if not isinstance(values, list) or len(values) != n_test:
        raise fail(f"got {len(values) if isinstance(values, list) else type(values).__name__}")
    if not all(isinstance(row, list) and len(row) == n_classes for row in values):
        raise fail("a row of another length")
    if not all(_is_number(v) for row in values for v in row):
        raise fail("a value that is not a number")
    proba = np.asarray(values, dtype=np.float64)
    if not np.isfinite(proba).all() or (proba < 0).any() or (proba > 1).any():
        raise fail("a value outside [0, 1]")
    if np.abs(proba.sum(axis=1) - 1.0).max() > 1e-6:  # tsml-eval's loader allows 1e-5
        raise fail("a row that does not sum to 1")
    return proba


def _milliseconds(timing: dict[str, Any], *keys: str) -> int:
    """The sum of ``keys`` in milliseconds; -1 (tsml-eval's "unknown") when one is absent."""
    total = 0.0
    for key in keys:
        if key not in timing:
            return -1
        value = timing[key]
        if not _is_number(value) or not math.isfinite(value) or value < 0:
            raise Skip(
                f"timing.{key} must be a number of seconds >= 0; got {_brief(value)}; {_DAMAGED}"
            )
        total += float(value)
    if not math.isfinite(1000 * total):
        raise Skip(f"timing {'+'.join(keys)} is too large to be milliseconds; {_DAMAGED}")
    return round(1000 * total)


def _parameters(result: Result, classes: list[str]) -> str:
    """Line 2: the selected setting, C and the protocol as one JSON object."""
    selected = result.selected
    setting, c = selected.get("setting"), selected.get("C")
    # A trained method (an empty C grid: it selects without C) records C as None.
    trained = c is None and isinstance(result.cv, dict) and result.cv.get("c_grid") == []
    valid_c = trained or (_is_number(c) and math.isfinite(c) and c > 0)
    if not isinstance(setting, dict) or not valid_c:
        raise Skip(f"selected lacks the chosen setting and C (got {_brief(selected)}); {_DAMAGED}")
    parameters = {
        "kernel": result.kernel,
        "setting": setting,
        "resolved": selected.get("resolved", {}),
        "C": c,
        "cv_accuracy": selected.get("cv_accuracy"),
        "grid": result.grid,
        "protocol": result.protocol,
        "classes": classes,
    }
    if result.dataset.get("test_truncation") is not None:
        parameters["test_truncation"] = result.dataset["test_truncation"]
    return json.dumps(parameters, separators=(",", ":"), default=str)


def tsml_result(result: Result, method: str, dataset: str) -> TsmlResult:
    """Check a result's values and build its tsml-eval file.

    Raises
    ------
    Skip
        No probabilities (an older file, a trained method), a missing class list, class
        codes out of range, probabilities that are not a distribution per row, a timing
        that is not a number, an empty ``selected``.
    """
    test = result.test
    if test.get("probabilities") is None:
        if "options" in result.identity:
            raise Skip(
                f"{result.kernel} is a trained method: its result files hold no class "
                "probabilities, which tsml-eval's AUROC and log loss need; not exported"
            )
        raise Skip(
            "written before result files kept class probabilities; rerun it with "
            "--overwrite (export never refits)"
        )
    classes = _classes(result)
    n_test, n_classes = test["n_test"], len(classes)
    if n_test == 0:
        raise Skip(f"it has no test cases; {_DAMAGED}")
    y_true = _codes(test["y_true"], n_classes, "test.y_true")
    y_pred = _codes(test["y_pred"], n_classes, "test.y_pred")
    proba = _probabilities(test["probabilities"], n_test, n_classes)
    codes = tsml_codes(classes)
    columns = np.argsort(codes)  # tsml column j = the class whose tsml code is j
    timing = result.timing
    return TsmlResult(
        dataset=dataset,
        method=method,
        resample=result.resample,
        comment=f"rntk-bench result {result.id[:12]}",
        parameters=_parameters(result, [classes[i] for i in columns]),
        y_true=codes[y_true],
        y_pred=codes[y_pred],
        probabilities=proba[:, columns],
        fit_ms=_milliseconds(timing, "gram_train", "svm_select", "refit"),
        predict_ms=_milliseconds(timing, "predict"),
    )
