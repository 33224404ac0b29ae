"""Per-class scores and probabilities from LIBSVM's one-vs-one values."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.svm import SVC

from rntk_bench.svm.decision import class_probabilities, class_scores
from rntk_bench.svm.libsvm import PrecomputedSVC


def _problem(n_classes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_classes, 6)) * 1.5
    y = np.repeat(np.arange(n_classes), 12)
    X = centres[y] + rng.normal(size=(len(y), 6))
    X_new = centres[rng.integers(0, n_classes, 25)] + rng.normal(size=(25, 6))
    return X @ X.T, X_new @ X.T, y


@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_scores_are_svc_decision_function_and_probabilities_agree(n_classes):
    gram, new, y = _problem(n_classes)
    ours = PrecomputedSVC(1.0).fit(gram, y)
    svc = SVC(kernel="precomputed", C=1.0).fit(gram, y)  # decision_function_shape="ovr"
    scores = class_scores(ours.decision_function(new), n_classes)
    np.testing.assert_allclose(scores, svc.decision_function(new), rtol=1e-9, atol=1e-9)
    proba = class_probabilities(scores, n_classes)
    assert proba.shape == (25, n_classes)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    predicted = ours.predict(new)
    assert np.array_equal(np.argmax(proba, axis=1), predicted)
    if n_classes == 2:
        assert np.array_equal(scores > 0, predicted == 1)
        np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-scores)))


def test_one_vs_one_values_have_libsvm_sign():
    gram, new, y = _problem(2, seed=1)
    values = PrecomputedSVC(10.0).fit(gram, y).decision_function(new)
    assert values.shape == (25, 1)
    # positive votes for the first class of the pair (class 0)
    assert np.array_equal(values[:, 0] > 0, PrecomputedSVC(10.0).fit(gram, y).predict(new) == 0)


def test_one_class_gives_certain_probabilities():
    model = PrecomputedSVC(1.0).fit(np.eye(3), np.array([4, 4, 4]))
    values = model.decision_function(np.ones((2, 3)))
    assert values.shape == (2, 0)
    np.testing.assert_array_equal(class_probabilities(class_scores(values, 1), 1), [[1], [1]])
