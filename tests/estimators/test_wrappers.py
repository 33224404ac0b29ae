"""The sktime and aeon wrappers: same model as the scikit-learn estimator, their input types."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rntk_bench.data import fetch_dataset
from rntk_bench.estimators import KernelSVMClassifier

PARAMS = {"grid": {"sigma_w": [1.3, 1.4]}, "c_grid": (0.1, 1.0), "folds": 3}


@pytest.fixture(scope="module")
def italy():
    data = fetch_dataset("ItalyPowerDemand")
    labels = np.asarray(data.classes)
    return data.X_train, labels[data.y_train], data.X_test[:50], labels[data.y_test[:50]]


@pytest.fixture(scope="module")
def reference(italy):
    X, y, X_test, _ = italy
    model = KernelSVMClassifier(**PARAMS).fit(X, y)
    return model.predict(X_test), model.predict_proba(X_test)


def test_sktime_classifier(italy, reference):
    pytest.importorskip("sktime")
    from rntk_bench.estimators.sktime import SktimeKernelSVMClassifier

    X, y, X_test, y_test = italy
    clf = SktimeKernelSVMClassifier(**PARAMS).fit(X, y)
    assert np.array_equal(clf.predict(X_test), reference[0])
    np.testing.assert_allclose(clf.predict_proba(X_test), reference[1], rtol=1e-12)
    assert clf.score(X_test, y_test) == pytest.approx(np.mean(reference[0] == y_test))
    # unequal lengths through sktime's df-list type (time x variables frames)
    frames = [pd.DataFrame(x[:, : 16 + i % 8].T) for i, x in enumerate(X)]
    ragged = SktimeKernelSVMClassifier(**PARAMS).fit(frames, y)
    assert ragged.predict_proba([pd.DataFrame(x.T) for x in X_test]).shape == (50, 2)


@pytest.mark.slow  # sktime's 258 checks take about a minute
def test_sktime_estimator_checks():
    pytest.importorskip("sktime")
    from sktime.utils.estimator_checks import check_estimator

    from rntk_bench.estimators.sktime import SktimeKernelSVMClassifier

    failed = {
        name: result
        for name, result in check_estimator(SktimeKernelSVMClassifier, verbose=False).items()
        if result != "PASSED"
    }
    assert not failed, failed


def test_aeon_classifier(italy, reference):
    pytest.importorskip("aeon")
    from rntk_bench.estimators.aeon import AeonKernelSVMClassifier

    X, y, X_test, _ = italy
    clf = AeonKernelSVMClassifier(**PARAMS).fit(X, y)
    assert np.array_equal(clf.predict(X_test), reference[0])
    np.testing.assert_allclose(clf.predict_proba(X_test), reference[1], rtol=1e-12)
    ragged = AeonKernelSVMClassifier(**PARAMS).fit([x[:, : 16 + i % 8] for i, x in enumerate(X)], y)
    assert ragged.predict_proba(list(X_test)).shape == (50, 2)
