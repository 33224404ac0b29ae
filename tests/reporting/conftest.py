"""Synthetic, schema-valid result files with known accuracies.

Accuracies are chosen as exact fractions of small test sets so every metric can
be computed by hand in the tests (see the comments there).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from rntk_bench.evaluation.protocol import PAPER_C_GRID
from rntk_bench.records import Result, write_result

WriteRun = Callable[..., Path]


def make_result(
    dataset: str,
    kernel: str,
    accuracy: float,
    resample: int = 0,
    *,
    finished: str = "2024-01-01T00:00:00+00:00",
    protocol: str = "paper",
    n_test: int = 100,
) -> Result:
    """A complete result with ``test.accuracy == accuracy`` and plausible other fields."""
    n_correct = round(accuracy * n_test)
    y_true = [0] * n_test
    y_pred = [0] * n_correct + [1] * (n_test - n_correct)
    setting = {"sigma_w": 1.0, "n_layers": 1} if kernel.startswith("r") else {"gamma": 0.5}
    return Result(
        identity={
            "dataset": dataset,
            "kernel": kernel,
            "resample": resample,
            "protocol": protocol,
            "finished": finished,  # part of the identity so duplicates get distinct files
        },
        dataset={"name": dataset, "n_train": 20, "n_test": n_test, "n_classes": 2},
        kernel=kernel,
        grid="paper",
        protocol={"folds": 5, "c_grid": list(PAPER_C_GRID), "seed": 0},
        resample=resample,
        selected={"setting": setting, "resolved": {}, "C": 1.0, "cv_accuracy": 0.5},
        # The paper's C grid: the method is named as the plain kernel (reporting/variants.py).
        cv={"settings": [setting], "c_grid": list(PAPER_C_GRID), "mean": [[0.5] * 5]},
        test={
            "accuracy": accuracy,
            "n_test": n_test,
            "y_true": y_true,
            "y_pred": y_pred,
            "classes": ["a", "b"],
        },
        # The engine's layout (rntk_bench/evaluation/experiment.py): flat seconds.
        timing={
            "gram_train": 1.0,
            "svm_select": 0.5,
            "gram_test": 0.25,
            "svm_test": 0.125,
            "total": 1.875,
        },
        environment={"host": "test", "backend": "numpy", "finished": finished},
    )


@pytest.fixture
def write_run(tmp_path: Path) -> WriteRun:
    """``write_run(accuracies, name="run")``: a run folder from {(dataset, kernel): acc}.

    A value may be a list: one accuracy per resample 0, 1, ...
    """

    def _write(
        accuracies: Mapping[tuple[str, str], float | list[float]], name: str = "run"
    ) -> Path:
        run_dir = tmp_path / name
        for (dataset, kernel), value in accuracies.items():
            values = value if isinstance(value, list) else [value]
            for resample, accuracy in enumerate(values):
                write_result(run_dir, make_result(dataset, kernel, accuracy, resample))
        (run_dir / "runs").mkdir(parents=True, exist_ok=True)
        return run_dir

    return _write
