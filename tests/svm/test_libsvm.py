"""The direct LIBSVM path and the one definition of its options."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.svm import SVC

from rntk_bench.evaluation.protocol import Protocol
from rntk_bench.svm import _csvc
from rntk_bench.svm.libsvm import MAX_ITER, OPTIONS, PrecomputedSVC


@pytest.mark.parametrize("C", [0.01, 1.0, 100.0])
def test_direct_libsvm_predicts_exactly_like_svc(problem, C):
    K, y = problem
    train, test = np.arange(40), np.arange(40, 60)
    ours = PrecomputedSVC(C).fit(K[np.ix_(train, train)], y[train]).predict(K[np.ix_(test, train)])
    theirs = SVC(kernel="precomputed", C=C).fit(K[np.ix_(train, train)], y[train])
    np.testing.assert_array_equal(ours, theirs.predict(K[np.ix_(test, train)]))
    assert set(ours) <= {3, 13, 23}


def test_single_class_training_predicts_that_class():
    model = PrecomputedSVC(1.0).fit(np.eye(3), np.array([5, 5, 5]))
    np.testing.assert_array_equal(model.predict(np.ones((2, 3))), [5, 5])


def test_the_options_are_svcs_defaults_with_an_iteration_cap():
    svc = SVC().get_params()
    assert OPTIONS.tol == svc["tol"]
    assert bool(OPTIONS.shrinking) is svc["shrinking"]
    assert OPTIONS.cache_size == svc["cache_size"]
    assert svc["class_weight"] is None and svc["max_iter"] == -1  # ours: a cap
    assert OPTIONS.max_iter == MAX_ITER == Protocol.svm_max_iter == 1_000_000
    assert OPTIONS.svc(2.0).get_params() == {
        **svc,
        "C": 2.0,
        "kernel": "precomputed",
        "max_iter": MAX_ITER,
        "decision_function_shape": "ovo",
    }
    # the compiled solver replicates exactly this configuration
    assert {name: getattr(OPTIONS, name) for name in _csvc.REPLICATES} == _csvc.REPLICATES
