"""The order of class labels: the one every layer encodes them in.

The archives write labels as text ("1", "-1", "Badminton"). A run encodes them as codes
0..K-1 in this order (the result files keep the codes and the class list), and
:func:`rntk_bench.evaluate` and the estimators use it too, so that the same data give
the same one-vs-one sub-problems, vote tie-breaks and predictions everywhere. Light on
purpose (numpy only): the evaluation and estimator layers import it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["label_order"]


def label_order(classes: Sequence[Any] | np.ndarray) -> np.ndarray:
    """Indices that put distinct class labels in the archive's order.

    Text labels sort numerically when every one of them reads as a number (so
    "-1" < "1" < "2" < "10"), else as strings; labels of any other type (numbers)
    in their natural order.

    Parameters
    ----------
    classes : sequence of shape (n_classes,)
        Distinct labels, e.g. ``numpy.unique(y)``.

    Returns
    -------
    ndarray of shape (n_classes,), int64
        ``classes[order]`` is the archive's order; ``order[k]`` is the class of code k.
    """
    values = (
        list(np.asarray(classes).tolist()) if isinstance(classes, np.ndarray) else list(classes)
    )
    n = len(values)
    if all(isinstance(v, str) for v in values):
        try:
            keys: list[Any] = [(float(v), v) for v in values]
        except ValueError:
            keys = values  # not all numeric: the string order
        return np.array(sorted(range(n), key=keys.__getitem__), dtype=np.int64)
    return np.argsort(np.asarray(values), kind="stable").astype(np.int64)
