"""The compiled C-SVC (_csvc) against scikit-learn's LIBSVM: bit for bit."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn.svm import _libsvm

from rntk_bench.evaluation.splits import cv_folds
from rntk_bench.svm import _csvc
from rntk_bench.svm.cv import cv_scores, reference_cv_scores

C_GRID = (0.01, 0.1, 1.0, 10.0, 100.0)


def _gram(rng: np.random.Generator, n: int, kind: int) -> np.ndarray:
    d = int(rng.integers(1, 12))
    X = rng.normal(size=(n, d)) * rng.uniform(0.1, 3.0)
    if kind == 0:  # linear, rank <= d: singular when d < n
        return X @ X.T / d
    if kind == 1:
        return np.exp(-((X[:, None] - X[None]) ** 2).sum(-1) / d)
    if kind == 2:  # duplicated series: identical rows and columns
        X[n // 2 :] = X[: n - n // 2]
        return (X @ X.T / d + 1.0) ** 2
    K = np.abs(X @ X.T / d) + 0.5  # an RNTK-like positive, badly conditioned matrix
    return K / np.mean(np.diag(K))


def _codes(rng: np.random.Generator, n: int, n_class: int) -> np.ndarray:
    codes = np.arange(n) % n_class  # every class present
    rng.shuffle(codes)
    return codes


def _libsvm_fit(K: np.ndarray, codes: np.ndarray, C: float, max_iter: int) -> tuple:
    _libsvm.set_verbosity_wrap(0)
    support, _, n_class_sv, sv_coef, intercept, _, _, _, n_iter = _libsvm.fit(
        K,
        codes.astype(np.float64),
        svm_type=0,
        kernel="precomputed",
        C=C,
        tol=1e-3,
        shrinking=1,
        cache_size=200,
        max_iter=max_iter,
        random_seed=0,
        sample_weight=np.ones(len(codes)),
    )
    return support, n_class_sv, sv_coef, intercept, n_iter


def _fit_ovo(
    k_train: np.ndarray, codes: np.ndarray, C: float, eps: float = 1e-3, max_iter: int = 1_000_000
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The model scikit-learn's ``_libsvm.fit`` returns, from the compiled solver.

    Parameters
    ----------
    k_train : ndarray of shape (n, n), float64
    codes : ndarray of shape (n,), int
        Class codes 0 .. n_class - 1, each present.
    C, eps, max_iter : as LIBSVM's

    Returns
    -------
    support : ndarray of shape (n_sv,), int32
    n_class_sv : ndarray of shape (n_class,), int32
    sv_coef : ndarray of shape (n_class - 1, n_sv)
    intercept : ndarray of shape (n_pairs,)
        -rho (0 where rho is 0, as scikit-learn writes it).
    n_iter : ndarray of shape (n_pairs,), int32
    """
    k_train = np.ascontiguousarray(k_train, dtype=np.float64)
    codes = np.asarray(codes, dtype=np.int64)
    n_class = int(codes.max()) + 1
    members, start, count = _csvc._pairs(codes, n_class)
    nonzero = np.zeros(len(codes), bool)  # by position in ``members``
    solutions = []
    for ci in range(n_class):
        for cj in range(ci + 1, n_class):
            index, kernel, diagonal, labels = _csvc._pair_problem(
                k_train, np.arange(len(codes)), members, start, count, ci, cj
            )
            coef = np.zeros(len(index))
            rho, n_iter, _ = _csvc._solve(kernel, diagonal, labels, float(C), eps, max_iter, coef)
            solutions.append((ci, cj, coef, rho, n_iter))
            nonzero[start[ci] : start[ci] + count[ci]] |= coef[: count[ci]] != 0
            nonzero[start[cj] : start[cj] + count[cj]] |= coef[count[ci] :] != 0
    n_class_sv = np.array(
        [nonzero[start[c] : start[c] + count[c]].sum() for c in range(n_class)], np.int32
    )
    nz_start = np.concatenate([[0], np.cumsum(n_class_sv)[:-1]])
    sv_coef = np.zeros((n_class - 1, int(nonzero.sum())))
    for ci, cj, coef, _, _ in solutions:
        own_i = nonzero[start[ci] : start[ci] + count[ci]]
        own_j = nonzero[start[cj] : start[cj] + count[cj]]
        sv_coef[cj - 1, nz_start[ci] : nz_start[ci] + own_i.sum()] = coef[: count[ci]][own_i]
        sv_coef[ci, nz_start[cj] : nz_start[cj] + own_j.sum()] = coef[count[ci] :][own_j]
    rho = np.array([s[3] for s in solutions])
    intercept = np.where(rho != 0, -rho, 0.0)
    n_iter = np.array([s[4] for s in solutions], np.int32)
    return members[nonzero].astype(np.int32), n_class_sv, sv_coef, intercept, n_iter


@pytest.mark.parametrize("max_iter", [1_000_000, 1, 4, 30])
def test_every_multiplier_rho_and_iteration_count_equal_libsvms(max_iter):
    rng = np.random.default_rng(max_iter)
    compared = 0
    for trial in range(60):
        n = int(rng.integers(4, 90))
        K = _gram(rng, n, trial % 4)
        codes = _codes(rng, n, int(rng.integers(2, min(6, n // 2) + 1)))
        for C in C_GRID:
            theirs = _libsvm_fit(K, codes, C, max_iter)
            ours = _fit_ovo(K, codes, C, max_iter=max_iter)
            names = ("support", "n_class_sv", "sv_coef", "intercept", "n_iter")
            for name, a, b in zip(names, theirs, ours, strict=True):
                np.testing.assert_array_equal(b, a, err_msg=f"{name}, trial {trial}, C {C}")
            compared += 1
    assert compared == 300


def test_a_solution_that_never_reached_its_bound_is_the_solution_for_larger_c():
    # The reuse rule of fold_accuracies: untouched at C means the very same steps at C' > C.
    rng = np.random.default_rng(7)
    untouched = 0
    for trial in range(60):
        n = int(rng.integers(6, 60))
        K = _gram(rng, n, 1 + 2 * (trial % 2))  # RBF (often separable) and RNTK-like
        labels = np.where(np.arange(n) < n // 2, 1.0, -1.0)
        Q = (labels[:, None] * labels[None] * K).astype(np.float32)
        for C, larger in itertools.pairwise(C_GRID):
            coef, coef_larger = np.zeros(n), np.zeros(n)
            rho, n_iter, touched = _csvc._solve(Q, np.diag(K).copy(), labels, C, 1e-3, 10**6, coef)
            if touched:
                continue
            untouched += 1
            result = _csvc._solve(Q, np.diag(K).copy(), labels, larger, 1e-3, 10**6, coef_larger)
            assert result[:2] == (rho, n_iter)
            np.testing.assert_array_equal(coef_larger, coef)
            assert np.abs(coef).max() < C
    assert untouched > 10


@pytest.mark.parametrize("n_class", [2, 3, 5])
def test_fold_accuracies_with_and_without_reuse_equal_libsvm_in_a_loop(n_class):
    rng = np.random.default_rng(n_class)
    for trial in range(8):
        n = 60
        K = np.ascontiguousarray(_gram(rng, n, trial % 4))
        y = _codes(rng, n, n_class) * 3 + 1  # labels 1, 4, 7, ...
        folds = cv_folds(y, 5, seed=trial)
        reference = reference_cv_scores(K, y, folds, C_GRID)
        for c_path in (False, True):
            for solver in ("numba", "libsvm"):
                scores = cv_scores(K, y, folds, C_GRID, c_path=c_path, solver=solver)
                np.testing.assert_array_equal(scores.mean, reference.mean)
                np.testing.assert_array_equal(scores.std, reference.std)
        # reuse changes no accuracy, fold by fold
        train, valid = folds.splits[0]
        classes, codes = np.unique(y[train], return_inverse=True)
        target = np.searchsorted(classes, y[valid]).astype(np.int64)
        outs = []
        for reuse in (False, True):
            out = np.empty(len(C_GRID))
            _csvc.fold_accuracies(
                K,
                train.astype(np.int64),
                valid.astype(np.int64),
                codes.astype(np.int64),
                len(classes),
                target,
                np.array(C_GRID),
                1e-3,
                10**6,
                False,
                reuse,
                out,
            )
            outs.append(out)
        np.testing.assert_array_equal(outs[0], outs[1])


def test_unknown_solver_is_refused():
    K, y = np.eye(4), np.array([0, 0, 1, 1])
    with pytest.raises(ValueError, match="solver"):
        cv_scores(K, y, cv_folds(y, 2, 0), (1.0,), solver="svmlight")
