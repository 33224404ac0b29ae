"""Preprocessing, Gram normalisation, folds (with the singleton fallback) and resamples."""

from __future__ import annotations

import numpy as np
import pytest

from rntk_bench.errors import InputError
from rntk_bench.evaluation.preprocessing import normalise_gram, preprocess
from rntk_bench.evaluation.protocol import Protocol, protocol_changes
from rntk_bench.evaluation.splits import cv_folds, resample_split


def test_folds_are_stratified_and_capped_by_the_smallest_class():
    y = np.array([0] * 3 + [1] * 10 + [2] * 7)
    folds = cv_folds(y, 10, seed=0)
    assert len(folds.splits) == 3
    assert "capped from 10" in folds.scheme
    seen = np.concatenate([valid for _, valid in folds.splits])
    assert sorted(seen) == list(range(len(y)))  # every series validated exactly once
    for train, valid in folds.splits:
        assert set(y[valid]) == {0, 1, 2}  # stratified: every class in every fold
        assert not set(train) & set(valid)


def test_folds_are_reproducible_and_seeded():
    y = np.repeat(np.arange(4), 12)
    a, b, c = cv_folds(y, 10, 1), cv_folds(y, 10, 1), cv_folds(y, 10, 2)
    assert all(np.array_equal(x[1], z[1]) for x, z in zip(a.splits, b.splits, strict=True))
    assert not all(np.array_equal(x[1], z[1]) for x, z in zip(a.splits, c.splits, strict=True))


def test_singleton_classes_fall_back_to_leave_one_out_on_the_others():
    y = np.array([0, 1, 2, 2, 3, 3, 3])
    folds = cv_folds(y, 10, seed=0)
    held = [int(v[0]) for _, v in folds.splits]
    assert held == [2, 3, 4, 5, 6]  # the series of classes 2 and 3, one at a time
    for train, _valid in folds.splits:
        assert {0, 1} <= set(y[train])  # singletons always train
        assert len(train) == 6
    assert folds.scheme.startswith("leave-one-out over the 5 series")


def test_all_singletons_have_no_folds():
    folds = cv_folds(np.arange(18), 10, seed=0)  # Fungi: 18 classes, 18 series
    assert folds.splits == []
    assert folds.scheme.startswith("none")


def test_resample_zero_is_the_official_split_and_others_keep_the_class_counts():
    y_train = np.array([0] * 10 + [1] * 30)
    y_test = np.array([0] * 15 + [1] * 45)
    train, test = resample_split(y_train, y_test, 0, seed=3)
    assert list(train) == list(range(40)) and list(test) == list(range(40, 100))
    train, test = resample_split(y_train, y_test, 1, seed=3)
    y = np.concatenate([y_train, y_test])
    assert len(train) == 40 and len(test) == 60 and not set(train) & set(test)
    assert np.sum(y[train] == 0) == 10 and np.sum(y[test] == 0) == 15  # official counts
    again, _ = resample_split(y_train, y_test, 1, seed=3)
    other, _ = resample_split(y_train, y_test, 2, seed=3)
    assert np.array_equal(train, again) and not np.array_equal(train, other)
    # seed + k is the library's random_state: seed 3, resample 1 == seed 0, resample 4
    assert np.array_equal(train, resample_split(y_train, y_test, 4, seed=0)[0])


def test_resample_draws_classes_in_the_sort_order_of_the_original_labels():
    # Codes 0..10 of labels "0".."10": as strings "10" sorts before "2", which changes
    # which class consumes which random numbers.
    labels = tuple(str(k) for k in range(11))
    y_train = np.repeat(np.arange(11), 3)
    y_test = np.repeat(np.arange(11), 4)
    by_string = resample_split(y_train, y_test, 1, seed=0, labels=labels)
    by_code = resample_split(y_train, y_test, 1, seed=0)
    assert not np.array_equal(by_string[0], by_code[0])
    y = np.concatenate([y_train, y_test])
    # grouped by class in string order: 0, 1, 10, 2, ...
    assert list(dict.fromkeys(y[by_string[0]].tolist())) == [0, 1, 10, *range(2, 10)]
    assert sorted(np.concatenate(by_string).tolist()) == list(range(len(y)))


def test_maxnorm_divides_by_the_largest_training_norm():
    rng = np.random.default_rng(0)
    X_train, X_test = rng.normal(size=(5, 2, 7)) * 3, rng.normal(size=(3, 2, 7)) * 3
    before = X_train.copy()
    a, b = preprocess(X_train, X_test, "maxnorm")
    scale = max(np.linalg.norm(x) for x in X_train)
    np.testing.assert_allclose(a, X_train / scale)
    np.testing.assert_allclose(b, X_test / scale)
    assert max(np.linalg.norm(x) for x in a) == pytest.approx(1.0)
    np.testing.assert_array_equal(X_train, before)  # not mutated


def test_znorm_works_per_series_and_channel_also_for_unequal_lengths():
    rng = np.random.default_rng(1)
    X = [rng.normal(3, 2, size=(2, n)) for n in (5, 9)]
    const = [np.full((2, 4), 7.0)]
    a, b = preprocess(X, const, "znorm")
    for s in a:
        np.testing.assert_allclose(s.mean(axis=1), 0, atol=1e-12)
        np.testing.assert_allclose(s.std(axis=1), 1)
    np.testing.assert_array_equal(b[0], 0.0)  # constant series -> zeros, no NaN


def test_gram_normalisations():
    rng = np.random.default_rng(2)
    F = rng.normal(size=(6, 4))
    K = F @ F.T
    diag = np.diag(K).copy()
    m = normalise_gram(K, "mean-diagonal", diag)
    assert np.mean(np.diag(m)) == pytest.approx(1.0)
    c = normalise_gram(K, "cosine", diag)
    np.testing.assert_allclose(np.diag(c), 1.0)
    rows = rng.normal(size=(2, 4))
    test = normalise_gram(rows @ F.T, "cosine", diag, np.sum(rows**2, axis=1))
    expected = (rows @ F.T) / np.outer(np.linalg.norm(rows, axis=1), np.linalg.norm(F, axis=1))
    np.testing.assert_allclose(test, expected)
    assert normalise_gram(K, "none", diag) is K


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(folds=1), "folds must be an integer >= 2"),
        (dict(c_grid=()), "c_grid must hold at least one value"),
        (dict(c_grid=(1.0, -1.0)), "every C in c_grid must be > 0"),
        (dict(c_grid=(1.0, 1.0)), "repeated values"),
        (dict(preprocessing="minmax"), "preprocessing must be one of"),
        (dict(normalisation="trace"), "normalisation must be one of"),
    ],
)
def test_protocol_refuses_impossible_values(kwargs, message):
    with pytest.raises(InputError, match=message):
        Protocol(**kwargs)


def test_protocol_changes_name_the_user_chosen_fields_only():
    paper = Protocol().as_dict()
    other = Protocol(folds=5, preprocessing="znorm").as_dict()
    assert protocol_changes(paper, other) == "folds 10 -> 5, preprocessing maxnorm -> znorm"
    assert protocol_changes(paper, paper) == ""
    # A code-fixed field (init=False) or one an older record lacks is a version change,
    # not a user's choice of protocol.
    assert protocol_changes(paper, {**paper, "tie_break": "another rule"}) == ""
    older = {k: v for k, v in paper.items() if k != "seed"}
    assert protocol_changes(older, {**paper, "seed": 3}) == ""
