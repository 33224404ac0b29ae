"""The SVM: LIBSVM's C-SVC on precomputed Gram matrices, cross-validated and selected.

- :mod:`.libsvm`: the LIBSVM options of every fit, written out once (``OPTIONS``,
  ``MAX_ITER``), and :class:`PrecomputedSVC`, the refit through scikit-learn's binding;
- :mod:`._csvc`: LIBSVM's solver step for step in numba (the same models bit for bit),
  behind the fast cross-validation;
- :mod:`.cv`: cross-validation scores of every C (``cv_scores``), of a block of Gram
  matrices with pruning (``cv_scores_block``), and the plain reference loop;
- :mod:`.select`: the tie rule (``select_best``) and the grid-centre fallback when the
  CV table ties everywhere;
- :mod:`.decision`: per-class scores and probabilities from the one-vs-one values.

This package imports nothing of the benchmark but its errors and validation helpers
(it sits below the evaluation layer). Names resolve on first use (PEP 562): reading
``MAX_ITER`` loads neither scikit-learn nor numba.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rntk_bench.svm.cv import (
        SOLVERS,
        CVScores,
        cv_scores,
        cv_scores_block,
        reference_cv_scores,
    )
    from rntk_bench.svm.decision import class_probabilities, class_scores
    from rntk_bench.svm.libsvm import MAX_ITER, OPTIONS, LibsvmOptions, PrecomputedSVC
    from rntk_bench.svm.select import FALLBACK_RULE, cv_ties, grid_centre, select_best

_WHERE = {
    "SOLVERS": "cv",
    "CVScores": "cv",
    "cv_scores": "cv",
    "cv_scores_block": "cv",
    "reference_cv_scores": "cv",
    "class_probabilities": "decision",
    "class_scores": "decision",
    "MAX_ITER": "libsvm",
    "OPTIONS": "libsvm",
    "LibsvmOptions": "libsvm",
    "PrecomputedSVC": "libsvm",
    "FALLBACK_RULE": "select",
    "cv_ties": "select",
    "grid_centre": "select",
    "select_best": "select",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


__all__ = [
    "FALLBACK_RULE",
    "MAX_ITER",
    "OPTIONS",
    "SOLVERS",
    "CVScores",
    "LibsvmOptions",
    "PrecomputedSVC",
    "class_probabilities",
    "class_scores",
    "cv_scores",
    "cv_scores_block",
    "cv_ties",
    "grid_centre",
    "reference_cv_scores",
    "select_best",
]
