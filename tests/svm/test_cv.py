"""Cross-validation scores: against SVC and the plain loop, the C path, pruning."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sklearn.svm import SVC

from rntk_bench.evaluation.splits import cv_folds
from rntk_bench.svm import libsvm
from rntk_bench.svm.cv import _ovo_accuracy, cv_scores, cv_scores_block, reference_cv_scores
from rntk_bench.svm.libsvm import PrecomputedSVC
from rntk_bench.svm.select import select_best


def test_cv_scores_equal_a_manual_cross_validation(problem):
    K, y = problem
    folds = cv_folds(y, 5, seed=0)
    scores = cv_scores(K, y, folds, [0.1, 10.0])
    for c, C in enumerate([0.1, 10.0]):
        accs = []
        for train, valid in folds.splits:
            m = SVC(kernel="precomputed", C=C).fit(K[np.ix_(train, train)], y[train])
            accs.append(np.mean(m.predict(K[np.ix_(valid, train)]) == y[valid]))
        assert scores.mean[c] == pytest.approx(np.mean(accs))
        assert scores.std[c] == pytest.approx(np.std(accs))


def test_fits_stop_at_the_iteration_cap_and_are_counted(problem, monkeypatch):
    K, y = problem
    folds = cv_folds(y, 5, seed=0)
    assert cv_scores(K, y, folds, [1.0]).capped == 0
    monkeypatch.setattr(libsvm, "OPTIONS", dataclasses.replace(libsvm.OPTIONS, max_iter=2))
    capped = cv_scores(K, y, folds, [1.0, 100.0])
    assert capped.capped == 10  # every fit of 2 C values x 5 folds hit the cap
    assert np.all((capped.mean >= 0) & (capped.mean <= 1))  # and still predicts


# --- the fast path against the plain loop -----------------------------------------------


def _multiclass(n: int = 80, n_classes: int = 4, seed: int = 1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    y = np.argmax(X[:, :n_classes] + 0.8 * rng.normal(size=(n, n_classes)), axis=1) * 7 - 3
    return X @ X.T / 6 + 0.1, y


@pytest.mark.parametrize("c_path", [False, True])
@pytest.mark.parametrize("c_grid", [(0.01, 0.1, 1.0, 10.0, 100.0), (10.0, 0.1, 1000.0, 1.0)])
def test_fast_cv_scores_equal_the_reference_loop_exactly(problem, c_path, c_grid):
    for K, y in (problem, _multiclass(), _multiclass(40, 2, seed=3)):
        folds = cv_folds(y, 5, seed=0)
        fast = cv_scores(K, y, folds, c_grid, c_path=c_path)
        reference = reference_cv_scores(K, y, folds, c_grid)
        np.testing.assert_array_equal(fast.mean, reference.mean)
        np.testing.assert_array_equal(fast.std, reference.std)
        assert fast.capped == reference.capped


def test_replayed_vote_is_libsvms_prediction_exactly():
    K, y = _multiclass(90, 5)
    train, valid = np.arange(60), np.arange(60, 90)
    classes = np.unique(y[train])
    for C in (0.01, 1.0, 100.0):
        model = PrecomputedSVC(C).fit(K[np.ix_(train, train)], y[train])
        predicted = model.predict(K[np.ix_(valid, train)])
        support, _, n_sv, coef, intercept, *_ = model._model
        for row in range(len(valid)):  # one row at a time: each vote must agree
            hit = _ovo_accuracy(
                np.ascontiguousarray(K[np.ix_(valid[row : row + 1], train)]),
                support,
                n_sv.astype(np.int64),
                coef,
                intercept,
                np.array([np.searchsorted(classes, predicted[row])]),
            )
            assert hit == 1.0


def test_c_path_skips_fits_once_no_multiplier_is_at_its_bound(problem, monkeypatch):
    K, y = problem
    folds = cv_folds(y, 5, seed=0)
    calls: list[float] = []
    fit = libsvm.binding().fit

    def counting_fit(*args, **kwargs):
        calls.append(kwargs["C"])
        return fit(*args, **kwargs)

    monkeypatch.setattr(libsvm.binding(), "fit", counting_fit)
    c_grid = (0.01, 1.0, 1e3, 1e4, 1e5)
    full = cv_scores(K, y, folds, c_grid, c_path=False, solver="libsvm")
    assert len(calls) == 25 == full.fits
    calls.clear()
    short = cv_scores(K, y, folds, c_grid, solver="libsvm")
    # This RBF problem is separable: from C = 1e3 on, no multiplier reaches C.
    assert len(calls) < 25 and 1e5 not in calls
    np.testing.assert_array_equal(short.mean, full.mean)
    # The compiled solver takes the same path: the same fits are skipped.
    ours = cv_scores(K, y, folds, c_grid)
    assert ours.fits == short.fits == len(calls)
    np.testing.assert_array_equal(ours.mean, full.mean)


def _rbf_grams(seed: int, n: int = 70, n_classes: int = 3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = np.argmax(X[:, :n_classes] + rng.normal(size=(n, n_classes)), axis=1)
    sq = ((X[:, None] - X[None]) ** 2).sum(-1)
    grams = [np.exp(-g * sq) for g in np.geomspace(1e-3, 30.0, 12)]
    grams.append(np.eye(n))  # a useless kernel: pruned early
    return grams, y


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pruning_changes_no_selection_and_only_drops_cells_that_score_lower(seed):
    grams, y = _rbf_grams(seed, n_classes=2 + seed % 2)
    folds = cv_folds(y, 10, seed=0)
    c_grid = (0.01, 0.1, 1.0, 10.0, 100.0)
    full = cv_scores_block(grams, y, folds, c_grid, prune=False)
    pruned = cv_scores_block(grams, y, folds, c_grid)
    full_mean = np.array([s.mean for s in full])
    mean = np.array([s.mean for s in pruned])
    kept = ~np.isnan(mean)
    assert select_best(mean, c_grid) == select_best(full_mean, c_grid)
    np.testing.assert_array_equal(mean[kept], full_mean[kept])
    np.testing.assert_array_equal(
        np.array([s.std for s in pruned])[kept], np.array([s.std for s in full])[kept]
    )
    assert 0 < (~kept).sum() == sum(s.pruned for s in pruned)
    assert np.all(full_mean[~kept] < full_mean.max() - 1e-9)
    assert sum(s.fits for s in pruned) < sum(s.fits for s in full)
    # the unpruned block is cv_scores, matrix by matrix
    for gram, scores in zip(grams, full, strict=True):
        np.testing.assert_array_equal(scores.mean, cv_scores(gram, y, folds, c_grid).mean)


def test_pruning_keeps_every_cell_of_a_tied_table():
    grams, y = _rbf_grams(0)
    folds = cv_folds(y, 5, seed=0)
    same = [grams[3]] * 4  # every matrix scores alike: nothing is below the bar
    scores = cv_scores_block(same, y, folds, (0.1, 1.0))
    assert sum(s.pruned for s in scores) == 0
    assert not np.isnan(np.array([s.mean for s in scores])).any()


def test_a_floor_from_the_same_table_prunes_more_and_selects_the_same():
    grams, y = _rbf_grams(1)
    folds = cv_folds(y, 10, seed=0)
    c_grid = (0.01, 1.0, 100.0)
    full = np.array([s.mean for s in cv_scores_block(grams, y, folds, c_grid, prune=False)])
    # the first half's best complete mean, as a finished block would report it
    floor = float(np.max(full[:6]))
    alone = cv_scores_block(grams[6:], y, folds, c_grid)
    helped = cv_scores_block(grams[6:], y, folds, c_grid, floor=floor)
    assert sum(s.pruned for s in helped) > sum(s.pruned for s in alone)
    mean = np.vstack([full[:6], [s.mean for s in helped]])
    assert select_best(mean, c_grid) == select_best(full, c_grid)
    kept = ~np.isnan(mean)
    np.testing.assert_array_equal(mean[kept], full[kept])
