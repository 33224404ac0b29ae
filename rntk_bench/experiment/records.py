"""The one place that turns an evaluated method into a result record.

Kernel SVMs (:func:`kernel_result`) and trained methods (:func:`trained_result`) give
their method-specific sections; :func:`build_result` assembles every record, so the
schema (:class:`rntk_bench.records.Result`) is written in one place.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import numpy as np

from rntk_bench.data import Dataset
from rntk_bench.evaluation.outcome import CVTable, Selected, TestScores, Timing
from rntk_bench.evaluation.protocol import LENGTH_POLICY_TEXT, TestTruncation
from rntk_bench.evaluation.splits import Split
from rntk_bench.experiment.config import RunConfig
from rntk_bench.methods import Capabilities, TrainedMethod
from rntk_bench.methods.trained import MethodOutcome
from rntk_bench.records import Result

__all__ = ["build_result", "kernel_result", "length_policy_text", "trained_result"]


def length_policy_text(capabilities: Capabilities, split: Split, policy: str | None) -> str:
    """How the method got its series' lengths, in words (recorded in the protocol)."""
    if capabilities.native_lengths:
        if split.length is None:
            return "equal lengths"
        return f"native ({capabilities.alignment})" if capabilities.alignment else "native"
    if policy in (None, "resample"):
        if split.length is None:
            return "equal lengths"
        return f"linear resampling to {split.length} points"
    # The split was brought to one length by the policy (None when it already had one).
    return f"{LENGTH_POLICY_TEXT[policy]} ({split.X_train.shape[-1]} points)"


def build_result(
    *,
    identity: dict[str, Any],
    data: Dataset,
    split: Split,
    truncation: TestTruncation | None,
    method: str,
    config: RunConfig,
    protocol: Mapping[str, Any],
    resample: int,
    selected: dict[str, Any],
    cv: dict[str, Any],
    test: dict[str, Any],
    timing: dict[str, Any],
    environment: dict[str, Any],
) -> Result:
    """A result record: the data set's and the test's common parts around the sections."""
    info = data.info
    y_pred = np.asarray(test["y_pred"])
    return Result(
        identity=identity,
        dataset={
            "name": info.name,
            "n_train": len(split.y_train),
            "n_test": len(split.y_test),
            "n_classes": info.n_classes,
            "n_channels": info.n_channels,
            "length": info.length,
            "checksum": data.checksum,
            "source": data.source,
            "classes": list(data.classes),
            **(
                {"variant": truncation.label, "test_truncation": truncation.as_dict()}
                if truncation is not None
                else {}
            ),
        },
        kernel=method,
        grid=config.grid,
        protocol={**config.protocol.as_dict(), **protocol},
        resample=resample,
        selected=selected,
        cv=cv,
        test={
            "accuracy": float(np.mean(y_pred == split.y_test)),
            "n_test": len(split.y_test),
            "y_true": split.y_test.tolist(),
            **test,
        },
        timing=timing,
        environment={"host": platform.node(), **environment},
    )


def kernel_result(
    *,
    identity: dict[str, Any],
    data: Dataset,
    split: Split,
    truncation: TestTruncation | None,
    kernel: str,
    capabilities: Capabilities,
    policy: str | None,
    scheme: str,
    config: RunConfig,
    resample: int,
    selected: Selected,
    cv: CVTable,
    test: TestScores,
    timing: Timing,
    environment: dict[str, Any],
) -> Result:
    """The result record of one kernel SVM."""
    return build_result(
        identity=identity,
        data=data,
        split=split,
        truncation=truncation,
        method=kernel,
        config=config,
        protocol={
            "cv_scheme": scheme,
            "length_policy": length_policy_text(capabilities, split, policy),
            **({"length_option": policy} if policy is not None else {}),
        },
        resample=resample,
        selected=selected.as_dict(),
        cv={
            "settings": cv.settings,
            "c_grid": cv.c_grid,
            "mean": cv.mean.tolist(),
            "std": cv.std.tolist(),
            # SVM fits stopped at the iteration cap (nearly singular Gram matrices)
            "capped_fits": cv.capped_fits,
            # (setting, C) cells left NaN because they could no longer be selected
            "pruned_cells": cv.pruned_cells,
        },
        test={
            "y_pred": test.y_pred.tolist(),
            "scores": None if test.scores is None else test.scores.tolist(),
            "probabilities": None if test.probabilities is None else test.probabilities.tolist(),
        },
        timing={
            "gram_train": timing.gram_train,
            "svm_select": timing.svm_select,
            "gram_test": timing.gram_test,
            "svm_test": timing.svm_test,
            "refit": timing.refit,
            "predict": timing.predict,
            "total": timing.total,
            "note": "seconds of work; gram_train and svm_select are shared by the family's kernels",
        },
        environment={
            "backend": config.backend,
            "device": config.device,
            "dtype": config.dtype,
            "svm_solver": config.svm_solver,
            **environment,
        },
    )


def trained_result(
    *,
    outcome: MethodOutcome,
    identity: dict[str, Any],
    data: Dataset,
    split: Split,
    truncation: TestTruncation | None,
    method: TrainedMethod,
    config: RunConfig,
    environment: dict[str, Any],
) -> Result:
    """The result record of a trained method: the same schema as a kernel's.

    ``split`` is the one the method saw (after its length policy, ``outcome.policy``).
    """
    policy = outcome.policy
    test: dict[str, Any] = {"y_pred": list(outcome.y_pred)}
    if outcome.probabilities is not None:
        test["probabilities"] = outcome.probabilities
    return build_result(
        identity=identity,
        data=data,
        split=split,
        truncation=truncation,
        method=outcome.method,
        config=config,
        protocol={
            "cv_scheme": outcome.cv["scheme"],
            "length_policy": length_policy_text(method.capabilities, split, policy),
            **({"length_option": policy} if policy is not None else {}),
            "training": identity["options"],
        },
        resample=outcome.resample,
        selected=outcome.selected,
        cv=outcome.cv,
        test=test,
        timing={**outcome.timing, "note": method.timing_note},
        environment={
            **method.environment,
            **environment,
            "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        },
    )
