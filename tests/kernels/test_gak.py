"""The global alignment kernel: tslearn's values, a direct reference, bandwidth, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from click.testing import CliRunner

from rntk_bench.cli import main
from rntk_bench.errors import InputError
from rntk_bench.kernels import FAMILIES, gak, gak_bandwidth, load_grid

tslearn_metrics = pytest.importorskip("tslearn.metrics")


def _direct_gak(x: np.ndarray, y: np.ndarray, sigma: float) -> float:
    """Cuturi's recursion written out with plain loops, normalised.

    x, y: (n_channels, t) arrays. Local kernel kappa / (2 - kappa) with
    kappa = exp(-||x_i - y_j||^2 / (2 sigma^2)), summed over all alignments.
    """

    def unnormalised(a: np.ndarray, b: np.ndarray) -> float:
        n, m = a.shape[1], b.shape[1]
        table = np.zeros((n + 1, m + 1))
        table[0, 0] = 1.0
        for i in range(n):
            for j in range(m):
                kappa = math.exp(-float(np.sum((a[:, i] - b[:, j]) ** 2)) / (2 * sigma**2))
                local = kappa / (2 - kappa)
                table[i + 1, j + 1] = local * (table[i, j] + table[i + 1, j] + table[i, j + 1])
        return float(table[n, m])

    return unnormalised(x, y) / math.sqrt(unnormalised(x, x) * unnormalised(y, y))


def test_tslearn_documented_values():
    # The examples of tslearn's own cdist_gak docstring, in our layout (n, channels, t).
    X = np.array([[1, 2, 2, 3], [1.0, 2.0, 3.0, 4.0]])[:, None, :]
    np.testing.assert_allclose(gak(X, sigma=2.0), [[1.0, 0.65629661], [0.65629661, 1.0]], atol=1e-8)
    rows = [np.array([[1.0, 2, 2]]), np.array([[1.0, 2, 3, 4]])]
    cols = [np.array([[1.0, 2, 2, 3]]), np.array([[1.0, 2, 3, 4]]), np.array([[1.0, 2, 2, 3]])]
    np.testing.assert_allclose(
        gak(rows, cols, sigma=2.0),
        [[0.71059484, 0.29722877, 0.71059484], [0.65629661, 1.0, 0.65629661]],
        atol=1e-8,
    )


def test_entries_equal_tslearn_pairwise_gak_and_a_direct_recursion(unequal_series):
    """Multichannel, unequal lengths: the channel axis must reach tslearn as features."""
    X = unequal_series  # 2 channels, lengths 3..12
    Y = [s[:, ::-1] * 1.3 for s in X[:3]]
    sigma = 0.9
    cross = gak(X, Y, sigma=sigma)
    for i, j in [(0, 0), (1, 2), (4, 1), (9, 0)]:
        expected = float(tslearn_metrics.gak(X[i].T, Y[j].T, sigma=sigma))
        assert cross[i, j] == pytest.approx(expected, rel=1e-12)
        assert cross[i, j] == pytest.approx(_direct_gak(X[i], Y[j], sigma), rel=1e-10)


def test_long_series_stay_finite_and_normalised(rng):
    """T = 600: the unnormalised kernel overflows float64 here; the log path does not."""
    X = rng.standard_normal((3, 1, 600))
    assert not np.isfinite(tslearn_metrics.unnormalized_gak(X[0, 0], X[0, 0], sigma=5.0))
    gram = gak(X, sigma=5.0)
    assert np.isfinite(gram).all()
    np.testing.assert_allclose(np.diag(gram), 1.0, rtol=1e-12)
    assert (gram > 0).all() and (gram <= 1.0 + 1e-12).all()


def test_bandwidth_rule_by_hand():
    # Time points {0, 1} and {0, 3}: positive distances 1, 3, 1, 2, 3 -> median 2;
    # median length 2 -> sigma = 2 sqrt(2).
    X = np.array([[[0.0, 1.0]], [[0.0, 3.0]]])
    assert gak_bandwidth(X) == pytest.approx(2.0 * math.sqrt(2.0), rel=1e-14)
    # Lengths 3 and 5 (median 4), two channels: distances of 2-d points.
    series = [np.zeros((2, 3)), np.ones((2, 5))]
    assert gak_bandwidth(series) == pytest.approx(math.sqrt(2.0) * 2.0, rel=1e-14)
    assert gak_bandwidth(np.zeros((2, 1, 4))) == 1.0  # no positive distance


def test_bandwidth_is_deterministic_on_a_sample(rng):
    X = rng.standard_normal((40, 2, 100))  # 4000 points > the 2000 sampled
    assert gak_bandwidth(X) == gak_bandwidth(X.copy())
    # Close to the full-data median (the sample is an estimate of it).
    from scipy.spatial.distance import pdist

    full = np.median(pdist(X.transpose(0, 2, 1).reshape(-1, 2))) * math.sqrt(100)
    assert gak_bandwidth(X) == pytest.approx(full, rel=0.05)


def test_family_resolves_sigma_from_the_training_split(equal_series):
    family = FAMILIES["gak"]
    train, test = equal_series[:8], equal_series[8:]
    setting = {"sigma_scale": 2.0}
    sigma = family.resolve(setting, train, None)["sigma"]
    assert sigma == pytest.approx(2.0 * gak_bandwidth(train))
    gram = next(family.compute(test, train, [setting], fit_X=train))["gak"]
    np.testing.assert_allclose(gram, gak(test, train, sigma=sigma), rtol=1e-14)
    assert len(family.settings(load_grid("paper")["gak"])) == 5


@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_nonpositive_bandwidth_is_refused(equal_series, bad):
    with pytest.raises(InputError, match="sigma"):
        gak(equal_series, sigma=bad)
    for key in ("sigma", "sigma_scale"):
        with pytest.raises(InputError, match=f"GAK bandwidth {key} must be > 0"):
            FAMILIES["gak"].settings({key: (1.0, bad)})


def test_cli_refuses_a_nonpositive_bandwidth_in_one_line(tmp_path):
    grid = tmp_path / "g.yaml"
    grid.write_text("gak: {sigma_scale: [1, -0.5]}\n")
    result = CliRunner().invoke(
        main,
        [
            "run",
            "GunPoint",
            "--kernels",
            "gak",
            "--grid",
            str(grid),
            "--results-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 1, result.output
    assert "GAK bandwidth sigma_scale must be > 0; got -0.5" in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_runs_inside_a_process_based_joblib_context(equal_series):
    """The engine runs inside joblib's loky backend; tslearn's threads must not inherit it."""
    import joblib

    expected = gak(equal_series[:4], sigma=1.0, n_jobs=1)
    with joblib.parallel_config(backend="loky"):
        np.testing.assert_allclose(gak(equal_series[:4], sigma=1.0, n_jobs=2), expected, rtol=0)
