"""Protocol records and preprocessing pinned where mutation testing found them loose.

tools/mutate.py changes rntk_bench/evaluation/protocol.py and preprocessing.py one
operator or constant at a time; each test here fails on a change the other tests let
through (the list and the equivalent survivors: docs/guarantees.md).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from rntk_bench.evaluation.preprocessing import Preprocessing, normalise_gram, preprocess
from rntk_bench.evaluation.protocol import (
    LENGTH_POLICIES,
    LENGTH_POLICY_TEXT,
    Protocol,
    TestTruncation,
    protocol_changes,
)


def test_every_length_policy_is_described_in_result_files():
    assert set(LENGTH_POLICY_TEXT) == set(LENGTH_POLICIES)


@pytest.mark.parametrize("name", ["tie_break", "tie_fallback", "svm_max_iter"])
def test_the_code_fixed_protocol_fields_cannot_be_chosen(name):
    value = getattr(Protocol(), name)
    with pytest.raises(TypeError):
        Protocol(**{name: value})
    paper = Protocol().as_dict()
    assert protocol_changes(paper, {**paper, name: "other"}) == ""


@pytest.mark.parametrize("record", [Protocol(), TestTruncation(0.5), Preprocessing("maxnorm", 2.0)])
def test_records_that_determine_results_are_immutable_and_hashable(record):
    field = dataclasses.fields(record)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(record, field, getattr(record, field))
    assert hash(record) == hash(dataclasses.replace(record))


def test_the_scale_is_one_unless_maxnorm_has_a_non_zero_training_series():
    X = np.random.default_rng(0).normal(size=(3, 1, 4))
    assert Preprocessing("none").scale == 1.0
    assert Preprocessing.fit(X, "znorm").scale == Preprocessing.fit(X, "none").scale == 1.0
    zeros = np.zeros((3, 1, 4))
    fitted = Preprocessing.fit(zeros, "maxnorm")
    assert fitted.scale == 1.0
    np.testing.assert_array_equal(fitted.apply(zeros), 0.0)  # no 0 / 0


def test_a_leading_zero_series_does_not_hide_the_largest_norm():
    X = np.random.default_rng(1).normal(size=(3, 1, 4))
    X[0] = 0.0
    assert Preprocessing.fit(X, "maxnorm").scale == max(np.linalg.norm(s) for s in X[1:])


def test_none_returns_copies_also_of_lists():
    X = [np.ones((1, 3)), np.ones((1, 5))]
    a, _ = preprocess(X, [np.ones((1, 2))], "none")
    assert not any(np.shares_memory(x, y) for x, y in zip(X, a, strict=True))


def test_znorm_of_a_zero_channel_leaves_the_other_channel_bit_for_bit():
    s = np.random.default_rng(2).normal(3, 2, size=(2, 7))
    s[1] = 0.0
    (out,), _ = preprocess(s[None], s[None], "znorm")
    expected = (s[0] - s[0].mean()) / s[0].std()
    np.testing.assert_array_equal(out[0], expected)
    np.testing.assert_array_equal(out[1], 0.0)


def test_mean_diagonal_divides_by_a_mean_below_one_too():
    gram = np.array([[0.2, 0.1], [0.1, 0.4]])
    scale = float(np.mean(np.diag(gram)))  # 0.3 up to rounding
    np.testing.assert_array_equal(
        normalise_gram(gram, "mean-diagonal", np.diag(gram).copy()), gram / scale
    )


def test_normalisations_whose_sums_or_products_overflow():
    plain = np.array([[1.0, 0.5], [0.5, 1.5]])
    huge = plain * 1e308  # finite entries, the diagonal's sum overflows
    np.testing.assert_allclose(
        normalise_gram(huge, "mean-diagonal", np.diag(huge).copy()), plain / 1.25, rtol=1e-14
    )
    mixed = np.array([[1.5e308, 1e154], [1e154, 0.5]])  # outer product overflows
    diagonal = np.diag(mixed).copy()
    expected = mixed / np.sqrt(diagonal)[:, None] / np.sqrt(diagonal)[None, :]
    np.testing.assert_allclose(normalise_gram(mixed, "cosine", diagonal), expected, rtol=1e-14)


def test_cosine_gives_zeros_for_a_zero_series():
    gram = np.array([[2.0, 0.0], [0.0, 0.0]])
    out = normalise_gram(gram, "cosine", np.diag(gram).copy())
    np.testing.assert_array_equal(out, [[1.0, 0.0], [0.0, 0.0]])
