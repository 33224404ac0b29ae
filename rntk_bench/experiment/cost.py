"""Relative cost of tasks: the largest start first, and progress is weighed by work.

Units: one RNN Gram pair-step (one layer). Measured on ucr56 (2-core AMD EPYC): the
SVM selection of one kernel's Gram costs about as much as an RNN Gram of length ~500.
Each method's Gram work per training pair comes from its description
(:meth:`rntk_bench.methods.KernelFamily.gram_work`), a trained method's from its own
cost model.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rntk_bench.evaluation.blocks import BlockTask
from rntk_bench.methods.trained import MethodTask

__all__ = ["SVM_PAIR_COST", "block_cost", "method_cost"]

SVM_PAIR_COST = 500.0


def _mean_length(X: Any) -> int:
    if isinstance(X, list):
        return max(1, round(float(np.mean([x.shape[-1] for x in X])))) if X else 1
    return int(np.shape(X)[-1])


def _series_length(X: Any) -> int:
    return max(x.shape[-1] for x in X) if isinstance(X, list) else int(np.shape(X)[-1])


def block_cost(task: BlockTask) -> float:
    """Relative cost of a block task: its Gram matrices plus their SVM selection.

    series^2 x (Gram work per pair + selection work per kernel), summed over the
    task's settings, so that the largest tasks start first and the workers finish
    together (no idle tail behind one long task).
    """
    n = len(task.X_train)
    length = task.length or _mean_length(task.X_train)
    selection = SVM_PAIR_COST * len(task.kernels)
    work = sum(task.family.gram_work(s, length) + selection for s in task.settings)
    return float(n * n * work)


def method_cost(task: MethodTask) -> float:
    """Rough work of a trained method's task, in the units of :func:`block_cost`."""
    return task.method.cost(len(task.settings), len(task.y_train), _series_length(task.X_train))
