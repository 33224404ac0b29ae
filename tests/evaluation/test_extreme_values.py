"""Values near the float limit: right answers where the maths allows, a clear stop where not.

Before: maxnorm computed the norm of a series near 1e301 as inf, every series became
zero, and the run wrote chance accuracy as a valid result.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from rntk_bench.cli import main
from rntk_bench.errors import NumericalError
from rntk_bench.evaluation.preprocessing import check_finite, normalise_gram, preprocess
from rntk_bench.evaluation.protocol import Protocol
from rntk_bench.experiment import DataOptions, RunConfig
from rntk_bench.records import iter_results

from .conftest import run_all, write_ts

HUGE = 2.0**1000  # ~1e301: exact in binary, its squares overflow
NAME = "Coffee"  # not bundled: the archive folder below is its only source (28 + 28 x 286)


def _archive(root: Path, scale: float) -> Path:
    """A Coffee-shaped data set: two classes of noisy sine waves, times ``scale``."""
    rng = np.random.default_rng(0)
    t = np.linspace(0, 6, 286)
    folder = root / NAME
    folder.mkdir(parents=True)
    for split in ("TRAIN", "TEST"):
        y = np.array([0, 1] * 14)
        X = np.sin(t[None, :] * (1 + 0.3 * y[:, None])) + 0.8 * rng.standard_normal((28, 286))
        write_ts(folder / f"{NAME}_{split}.ts", NAME, X * scale, y)
    return root


def test_preprocessing_is_scale_free_near_the_float_limit():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((5, 2, 30))
    for method in ("maxnorm", "znorm"):
        small = preprocess(X, X[:2], method)
        huge = preprocess(X * HUGE, X[:2] * HUGE, method)
        for a, b in zip(small, huge, strict=True):
            assert np.isfinite(b).all()
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)
        assert np.abs(huge[0]).max() > 0.1  # not collapsed to zeros


def test_gram_normalisations_do_not_overflow_on_huge_finite_grams():
    gram = np.array([[1.0, 0.5], [0.5, 2.0]])
    for method in ("mean-diagonal", "cosine"):
        plain = normalise_gram(gram, method, np.diag(gram).copy())
        big = gram * 1e307
        huge = normalise_gram(big, method, np.diag(big).copy())
        np.testing.assert_allclose(huge, plain, rtol=1e-12)


def test_check_finite_names_the_values_and_the_fix():
    check_finite([np.ones(3), np.zeros((2, 2))], "x", "fix it.")
    with pytest.raises(NumericalError, match=r"^GunPoint: K has non-finite values .* Use it\.$"):
        check_finite(np.array([1.0, np.inf]), "GunPoint: K", "Use it.")


@pytest.fixture(scope="module")
def archives(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("extreme")
    return {"plain": _archive(root / "plain", 1.0), "huge": _archive(root / "huge", HUGE)}


def _config(preprocessing: str) -> RunConfig:
    return RunConfig(
        datasets=(NAME,),
        kernels=("linear", "rbf", "ntk"),
        grid="quick",
        protocol=Protocol(folds=3, preprocessing=preprocessing),
    )


@pytest.mark.parametrize("preprocessing", ["maxnorm", "znorm"])
def test_a_data_set_near_the_float_limit_gives_the_results_of_the_unscaled_one(
    archives, tmp_path, preprocessing
):
    results = {}
    for kind, archive in archives.items():
        run_all(
            _config(preprocessing),
            tmp_path / kind,
            data_options=DataOptions(data_dir=str(tmp_path / f"home-{kind}"), archive=str(archive)),
        )
        found = [r for _, r in iter_results(tmp_path / kind)]
        results[kind] = {r.kernel: (r.accuracy, r.test["y_pred"]) for r in found}
    assert len(results["huge"]) == 3
    assert results["huge"] == results["plain"]
    assert min(acc for acc, _ in results["plain"].values()) > 0.7  # not chance


def test_overflowing_grams_stop_the_task_and_write_no_result(archives, tmp_path):
    with pytest.raises(NumericalError, match=r"^Coffee: the linear training Gram matrix of \{\}"):
        run_all(
            RunConfig(
                datasets=(NAME,),
                kernels=("linear",),
                grid="quick",
                protocol=Protocol(folds=3, preprocessing="none"),
            ),
            tmp_path / "run",
            data_options=DataOptions(
                data_dir=str(tmp_path / "home"), archive=str(archives["huge"])
            ),
        )
    assert not list((tmp_path / "run").rglob("runs/*/*.json"))
    result = CliRunner().invoke(
        main,
        [
            *("run", NAME, "--kernels", "linear", "--grid", "quick", "--folds", "3"),
            *("--preprocessing", "none", "--n-jobs", "1", "-q"),
            *("--archive", str(archives["huge"]), "--data-dir", str(tmp_path / "home")),
            *("--results-dir", str(tmp_path / "results")),
        ],
    )
    assert result.exit_code == 1
    (error,) = result.stderr.strip().splitlines()  # one line: no numpy warnings either
    assert error.startswith("Error: Coffee: the linear training Gram matrix")
    assert "--preprocessing maxnorm or znorm" in error
    assert "Traceback" not in result.output
    assert not list((tmp_path / "results").rglob("runs/*/*.json"))
