"""Degenerate data after preprocessing: one clear line, never a chance result written as valid.

Before: one training value of 1e308 under max-norm scaling made every other series
about 1e-307; their products underflowed, every kernel saw zeros and the run wrote
chance accuracy (Coffee 0.464 for rbf, gak, linear and rntk) as a valid result. The
same in ``evaluate()`` and ``KernelSVMClassifier``.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from rntk_bench import evaluate
from rntk_bench.cli import main
from rntk_bench.data import fetch_dataset
from rntk_bench.errors import DegenerateDataError, NumericalError
from rntk_bench.estimators import KernelSVMClassifier
from rntk_bench.evaluation.preprocessing import (
    UNDERFLOW,
    Preprocessing,
    check_gram,
    preprocess,
)
from rntk_bench.evaluation.protocol import PREPROCESSINGS, Protocol
from rntk_bench.evaluation.splits import make_split, prepare_split
from rntk_bench.records import iter_results

from .conftest import write_ts

NAME = "Coffee"  # not bundled: the .ts archive below is its only source
EXTREME = 1e308


def _coffee_like(extreme: float | None = None) -> tuple[np.ndarray, ...]:
    """Coffee-shaped data (28 + 28 x 286): two classes of noisy sine waves."""
    rng = np.random.default_rng(0)
    t = np.linspace(0, 6, 286)
    y = np.array([0, 1] * 14)
    X_train, X_test = (
        np.sin(t[None, :] * (1 + 0.3 * y[:, None])) + 0.8 * rng.standard_normal((28, 286))
        for _ in range(2)
    )
    if extreme is not None:
        X_train[0, 4] = extreme
    return X_train, y, X_test, y.copy()


def _archive(root: Path, extreme: float) -> Path:
    X_train, y_train, X_test, y_test = _coffee_like(extreme)
    folder = root / NAME
    folder.mkdir(parents=True)
    for split, X, y in (("TRAIN", X_train, y_train), ("TEST", X_test, y_test)):
        write_ts(folder / f"{NAME}_{split}.ts", NAME, X, y)
    return root


def _run(tmp_path: Path, archive: Path, *extra: str):
    return CliRunner().invoke(
        main,
        [
            *("run", NAME, "--kernels", "rbf,linear", "--grid", "quick", "--folds", "3"),
            *("--n-jobs", "1", "-q", "--archive", str(archive)),
            *("--data-dir", str(tmp_path / "home"), "--results-dir", str(tmp_path / "results")),
            *extra,
        ],
    )


# ------------------------------------------------------------- the hostile case


def test_run_refuses_one_extreme_training_value_in_one_line_and_writes_nothing(tmp_path):
    archive = _archive(tmp_path / "archive", EXTREME)
    result = _run(tmp_path, archive)
    assert result.exit_code == 1
    (error,) = result.stderr.strip().splitlines()
    assert error.startswith(
        "Error: Coffee, training split: degenerate data after preprocessing (maxnorm): "
        "the largest training series (norm 1e+308) is "
    )
    assert "times larger than the median series" in error
    assert "27 of 28 series underflow" in error
    assert "--preprocessing znorm" in error and "remove the extreme value" in error
    assert "Traceback" not in result.output
    assert not list((tmp_path / "results").rglob("runs/*/*.json"))
    # The fix the message names works: znorm scales each series by itself.
    fixed = _run(tmp_path, archive, "--preprocessing", "znorm", "--name", "znorm")
    assert fixed.exit_code == 0, fixed.output
    found = [r for _, r in iter_results(tmp_path / "results" / "znorm")]
    assert {r.kernel for r in found} == {"rbf", "linear"}
    assert min(r.accuracy for r in found) > 0.7  # not chance


def test_evaluate_and_the_estimator_refuse_it_too():
    X_train, y_train, X_test, y_test = _coffee_like(EXTREME)
    with pytest.raises(DegenerateDataError, match=r"^the data, training split: degenerate"):
        evaluate("rbf", X_train, y_train, X_test, y_test)
    with pytest.raises(DegenerateDataError, match=r"^the training series: degenerate"):
        KernelSVMClassifier("rbf").fit(X_train, y_train)
    assert issubclass(DegenerateDataError, NumericalError)  # one CLI line, like overflows
    # New series scaled by a healthy fit's statistics are checked as well.
    clean = _coffee_like()
    model = KernelSVMClassifier("linear", folds=3).fit(clean[0], clean[1])
    with pytest.raises(DegenerateDataError, match=r"^X: degenerate .* 1 of 2 series"):
        model.predict(np.stack([clean[2][0], clean[2][1] * 1e-160]))


def test_the_threshold_is_where_products_of_scaled_values_underflow():
    X = np.ones((3, 1, 4))
    X[0, 0, 0] = 2.0  # the largest norm, a little above 2
    scale = Preprocessing.fit(X, "maxnorm").scale
    for factor, degenerate in ((1.0001, False), (0.9999, True)):
        tiny = X.copy()
        tiny[1:] *= factor * UNDERFLOW * scale  # the scaled peak just above / below
        fitted = Preprocessing.fit(tiny, "maxnorm")
        mask, _ = fitted.underflowing(list(tiny))
        assert mask.tolist() == [False, degenerate, degenerate]
    assert UNDERFLOW**2 == pytest.approx(np.finfo(np.float64).tiny)
    # An extreme value that does not make the others underflow is no error (1e150:
    # scaled values near 1e-150, products near 1e-300, still normal floats).
    X_train, y_train, X_test, _ = _coffee_like(1e150)
    split = prepare_split(X_train, y_train, X_test, y_train, "maxnorm", "x")
    assert np.abs(split.X_train[1:]).max() > UNDERFLOW


@pytest.mark.parametrize("method", PREPROCESSINGS)
def test_zero_series_are_not_degenerate(method):
    X = np.random.default_rng(0).normal(size=(4, 2, 5))
    X[2] = 0.0
    a, b = preprocess(X, np.zeros((1, 2, 5)), method)
    np.testing.assert_array_equal(a[2], 0.0)
    np.testing.assert_array_equal(b, 0.0)


def test_tiny_data_underflow_with_none_and_are_scale_free_with_maxnorm_and_znorm():
    X = np.random.default_rng(2).normal(size=(6, 2, 9))
    with pytest.raises(DegenerateDataError, match=r"\(none\): 6 of 6 series have no value"):
        preprocess(X * 1e-200, X[:1] * 1e-200, "none", "Tiny")
    with pytest.raises(DegenerateDataError, match=r"--preprocessing maxnorm or znorm"):
        preprocess(X * 1e-200, X[:1] * 1e-200, "none", "Tiny")
    # 1e-160: squares are deep subnormals (a few digits left), 1e-200: zeros.
    for method, factor in itertools.product(("maxnorm", "znorm"), (1e-160, 1e-200)):
        plain = preprocess(X, X[:2], method)
        tiny = preprocess(X * factor, X[:2] * factor, method)
        for a, b in zip(plain, tiny, strict=True):
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)
        assert np.abs(tiny[0]).max() > 0.1  # not collapsed to zeros


def test_the_message_gives_the_median_of_the_non_zero_series():
    X = np.zeros((5, 1, 4))  # two all-zero series: left out of the median
    X[0, 0, 0] = 1e300
    X[1], X[2] = 0.01, 0.02  # norms 0.02 and 0.04 (below 1 on purpose)
    with pytest.raises(
        DegenerateDataError, match=r"e\+301 times larger than the median series \(norm 0\.04\)"
    ):
        preprocess(X, X[:1], "maxnorm", "Small")


def test_a_few_tiny_series_among_ordinary_ones_are_named():
    X = np.random.default_rng(3).normal(size=(5, 1, 8))
    X[3] *= 1e-170
    with pytest.raises(
        DegenerateDataError,
        match=r"1 of 5 series are at most \de-17\d times.* rescale those series\.$",
    ):
        preprocess(X, X[:1], "maxnorm", "Few")


# ------------------------------------------------------------------ Gram matrices


def test_check_gram_refuses_constant_and_underflowed_grams_only():
    X = np.random.default_rng(4).normal(size=(3, 1, 5))
    gram = np.array([[2.0, 0.5, 0.1], [0.5, 1.0, 0.0], [0.1, 0.0, 3.0]])
    check_gram(gram, np.diag(gram).copy(), X, "ok")  # zeros off the diagonal are fine
    with pytest.raises(DegenerateDataError, match=r"^K is degenerate: every entry is 1, "):
        check_gram(np.ones((3, 3)), np.ones(3), X, "K")
    with pytest.raises(DegenerateDataError, match=r"^K is degenerate: every entry is 0,"):
        check_gram(np.zeros((3, 3)), np.full(3, 1.0), X, "K")
    nearly = np.ones((3, 3))
    nearly[0, 1] = nearly[1, 0] = 1 - 1e-12
    check_gram(nearly, np.ones(3), X, "nearly constant is not constant")
    check_gram(np.ones((1, 1)), np.ones(1), X[:1], "one series")
    with pytest.raises(DegenerateDataError, match=r"any two of the 2 training series"):
        check_gram(np.ones((2, 2)), np.ones(2), X[:2], "two identical series")
    diagonal = np.diag(gram).copy()
    diagonal[1] = 1e-310  # subnormal: an underflow
    with pytest.raises(DegenerateDataError, match=r"k\(x, x\) underflows to 1e-310 for 1 of 3"):
        check_gram(gram, diagonal, X, "K")
    zero = X.copy()
    zero[1] = 0.0  # a zero series has k(x, x) = 0 legitimately
    diagonal[1] = 0.0
    check_gram(gram, diagonal, zero, "zero series")


def test_degenerate_grams_stop_evaluate_with_the_kernel_and_setting():
    X_train, y_train, X_test, y_test = _coffee_like()
    same = np.repeat(X_train[:1], len(X_train), axis=0)  # identical series, both classes
    with pytest.raises(DegenerateDataError, match=r"^the data: the linear training Gram matrix"):
        evaluate("linear", same, y_train, X_test, y_test)
    grid = {"gamma": [1e-300], "degree": [3], "coef0": [0.0]}
    with pytest.raises(DegenerateDataError, match=r"'gamma': 1e-300.* k\(x, x\) underflows"):
        evaluate("polynomial", X_train, y_train, X_test, y_test, grid=grid)


# ------------------------------------------------------- never on the real data


@pytest.mark.parametrize("name", ["ArrowHead", "BasicMotions", "GunPoint", "ItalyPowerDemand"])
def test_bundled_data_sets_are_never_degenerate(name):
    data = fetch_dataset(name)
    for method in PREPROCESSINGS:
        split = make_split(data, 0, Protocol(preprocessing=method))
        assert len(split.X_train) == len(data.y_train)  # no DegenerateDataError


def test_no_mirror_data_set_comes_near_the_threshold(ucr_mirror):
    smallest = np.inf
    for folder in sorted((ucr_mirror / "UCRArchive_2018").iterdir()):
        path = folder / f"{folder.name}_TRAIN.tsv"
        if not path.is_file():
            continue
        series = [
            row[1:][~np.isnan(row[1:])][None, :]
            for row in np.atleast_2d(np.genfromtxt(path, delimiter="\t"))
        ]
        fitted = Preprocessing.fit(series, "maxnorm")
        mask, scaled = fitted.underflowing(series)
        assert not mask.any(), folder.name
        smallest = min(smallest, float(scaled[scaled > 0].min()))
    assert smallest > 1e-10 > UNDERFLOW  # PLAID's ~5.5e-8 is the smallest: 146 decades clear
