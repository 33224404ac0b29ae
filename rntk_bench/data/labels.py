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

__all__ = ["encode_labels", "label_order"]


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


def encode_labels(
    train: Sequence[Any] | np.ndarray, test: Sequence[Any] | np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Encode the labels of both splits as codes 0..K-1 in :func:`label_order`'s order.

    Parameters
    ----------
    train : array-like of shape (n_train,)
    test : array-like of shape (n_test,), optional

    Returns
    -------
    classes : ndarray of shape (n_classes,)
        The distinct labels of both splits, in code order (``classes[code]``).
    train_codes : ndarray of shape (n_train,), int64
    test_codes : ndarray of shape (n_test,), int64, or None without ``test``
    """
    train = np.asarray(train)
    both = train if test is None else np.concatenate([train, np.asarray(test)])
    distinct, inverse = np.unique(both, return_inverse=True)
    order = label_order(distinct)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    codes = rank[inverse.reshape(-1)]
    return distinct[order], codes[: len(train)], None if test is None else codes[len(train) :]
