"""The global alignment kernel: tslearn's values, direct references, bandwidth, errors.

The default backend is the package's compiled all-pairs recursion (row-rescaled, with a
log-space fallback); tslearn's ``cdist_gak`` and plain-loop recursions are its references.
tslearn is optional (the ``dev`` extra): the tests that need it skip without it.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from rntk_bench.cli import main
from rntk_bench.errors import InputError
from rntk_bench.kernels import gak, gak_bandwidth
from rntk_bench.methods import FAMILIES, load_grid


@pytest.fixture
def tslearn_metrics():
    """tslearn.metrics, the reference (an optional package): the test skips without it."""
    return pytest.importorskip("tslearn.metrics")


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


def _direct_log_gak(x: np.ndarray, y: np.ndarray, sigma: float) -> float:
    """log of the unnormalised kernel by a log-sum-exp recursion with plain loops."""
    n, m = x.shape[1], y.shape[1]
    table = np.full((n + 1, m + 1), -np.inf)
    table[0, 0] = 0.0
    for i in range(n):
        for j in range(m):
            log_kappa = -float(np.sum((x[:, i] - y[:, j]) ** 2)) / (2 * sigma**2)
            log_local = log_kappa - math.log(2 - math.exp(log_kappa))
            table[i + 1, j + 1] = log_local + np.logaddexp.reduce(
                [table[i, j], table[i + 1, j], table[i, j + 1]]
            )
    return float(table[n, m])


def _log_pairs(X: list[np.ndarray], Y: list[np.ndarray], sigma: float) -> np.ndarray:
    """The compiled recursion's log values for every pair of X x Y (all cores)."""
    from rntk_bench._validation import as_series_batch
    from rntk_bench.kernels._gak_fused import log_gak_pairs
    from rntk_bench.kernels.gak import _time_major

    x_values, x_lengths = _time_major(as_series_batch(X, "X"))
    y_values, y_lengths = _time_major(as_series_batch(Y, "Y"))
    rows, cols = (g.ravel().astype(np.int64) for g in np.indices((len(X), len(Y))))
    logs = log_gak_pairs(
        x_values, x_lengths, y_values, y_lengths, rows, cols, 1 / (2 * sigma**2), 3
    )
    return logs.reshape(len(X), len(Y))


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


def test_entries_equal_tslearn_pairwise_gak_and_a_direct_recursion(unequal_series, tslearn_metrics):
    """Multichannel, unequal lengths: the channel axis must reach tslearn as features."""
    X = unequal_series  # 2 channels, lengths 3..12
    Y = [s[:, ::-1] * 1.3 for s in X[:3]]
    sigma = 0.9
    cross = gak(X, Y, sigma=sigma)
    for i, j in [(0, 0), (1, 2), (4, 1), (9, 0)]:
        expected = float(tslearn_metrics.gak(X[i].T, Y[j].T, sigma=sigma))
        assert cross[i, j] == pytest.approx(expected, rel=1e-12)
        assert cross[i, j] == pytest.approx(_direct_gak(X[i], Y[j], sigma), rel=1e-10)


def test_long_series_stay_finite_and_normalised(rng, tslearn_metrics):
    """T = 600: the unnormalised kernel overflows float64 here; row rescaling does not."""
    X = rng.standard_normal((3, 1, 600))
    assert not np.isfinite(tslearn_metrics.unnormalized_gak(X[0, 0], X[0, 0], sigma=5.0))
    gram = gak(X, sigma=5.0)
    assert np.isfinite(gram).all()
    np.testing.assert_allclose(np.diag(gram), 1.0, rtol=1e-12)
    assert (gram > 0).all() and (gram <= 1.0 + 1e-12).all()


@pytest.mark.parametrize("sigma", [0.3, 1.0, 4.0, 20.0])
def test_default_backend_equals_tslearn_on_long_unequal_series(rng, sigma, tslearn_metrics):
    """Lengths 2..700, two channels: short pairs stay in range, long ones need rescaling
    (tslearn redoes those in log space); every entry agrees to 1e-10 relative."""
    X = [rng.standard_normal((2, t)) for t in (2, 35, 260, 700)]
    Y = [rng.standard_normal((2, t)) * 0.7 for t in (9, 480)]
    for ours, theirs in (
        (gak(X, Y, sigma=sigma), gak(X, Y, sigma=sigma, backend="tslearn")),
        (gak(X, sigma=sigma), gak(X, sigma=sigma, backend="tslearn")),
    ):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-300)
    assert np.diag(gak(X, sigma=sigma)).tolist() == [1.0] * 4


def test_log_values_equal_a_log_space_recursion_where_local_kernels_underflow(rng):
    """sigma = 0.02 on unit-scale noise: exp(-d^2 / (2 sigma^2)) is 0 for most cells,
    rows vanish, and the pair goes to the log-space loop; moderate pairs stay linear.
    Both paths must give the plain log-sum-exp recursion's log k(x, y)."""
    X = [rng.standard_normal((1, t)) for t in (4, 7)]
    Y = [rng.standard_normal((1, t)) for t in (5, 6)] + [X[0] + 1e-3]
    for sigma in (0.02, 0.5):
        logs = _log_pairs(X, Y, sigma)
        expected = np.array([[_direct_log_gak(x, y, sigma) for y in Y] for x in X])
        assert np.isfinite(expected).all()
        np.testing.assert_allclose(logs, expected, rtol=1e-12)
    # the small bandwidth really sent pairs to the log-space loop
    from rntk_bench.kernels._gak_fused import _log_gak_linear

    buffers = [np.empty(8) for _ in range(3)]
    x, y = (np.ascontiguousarray(s.T) for s in (X[1], Y[0]))
    assert _log_gak_linear(x, y, 1 / (2 * 0.02**2), *buffers) == -np.inf
    assert np.isfinite(_log_gak_linear(x, y, 1 / (2 * 0.5**2), *buffers))


def test_values_do_not_depend_on_the_thread_count(unequal_series):
    one = gak(unequal_series, sigma=0.7, n_jobs=1)
    assert np.array_equal(one, gak(unequal_series, sigma=0.7, n_jobs=-1))
    assert np.array_equal(one, gak(unequal_series, sigma=0.7, n_jobs=2))


def test_unknown_backend_is_refused(equal_series):
    with pytest.raises(InputError, match="backend must be one of 'numba', 'tslearn'; got 'gpu'"):
        gak(equal_series, sigma=1.0, backend="gpu")


def test_the_tslearn_backend_without_tslearn_says_how_to_install_it(equal_series, monkeypatch):
    """tslearn is optional: its backend fails with an InputError naming the install."""
    monkeypatch.setitem(sys.modules, "tslearn", None)  # import tslearn -> ImportError
    monkeypatch.setitem(sys.modules, "tslearn.metrics", None)
    with pytest.raises(InputError, match=r"pip install tslearn") as exc:
        gak(equal_series, sigma=1.0, backend="tslearn")
    assert 'backend="tslearn"' in str(exc.value) and "\n" not in str(exc.value)
    assert gak(equal_series, sigma=1.0).shape == (12, 12)  # the default needs no tslearn


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
    setting = family.setting({"sigma_scale": 2.0})
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


def test_runs_inside_a_process_based_joblib_context(equal_series, tslearn_metrics):
    """The engine runs inside joblib's loky backend; tslearn's threads must not inherit it."""
    import joblib

    expected = gak(equal_series[:4], sigma=1.0, n_jobs=1, backend="tslearn")
    with joblib.parallel_config(backend="loky"):
        for backend in ("tslearn", "numba"):
            got = gak(equal_series[:4], sigma=1.0, n_jobs=2, backend=backend)
            np.testing.assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"sigma_scale": 1e-300}, "the GAK bandwidth sigma = sigma_scale 1e-300 x the data's "),
        ({"sigma_scale": 1e300}, "the GAK bandwidth sigma = sigma_scale 1e+300 x the data's "),
    ],
)
def test_a_bandwidth_float64_cannot_use_is_refused_naming_it(equal_series, values, message):
    """2 sigma^2 that underflows divided by zero (a ZeroDivisionError traceback)."""
    family = FAMILIES["gak"]
    setting = family.setting(values)
    with pytest.raises(InputError, match="outside what float64 can use") as raised:
        next(family.compute(equal_series, None, [setting], fit_X=equal_series))
    assert str(raised.value).startswith(message)
    assert "sigma between 5.3e-155 and 9.5e+153" in str(raised.value)
    with pytest.raises(InputError, match="the GAK bandwidth sigma = 1e-300 is outside"):
        family.setting({"sigma": 1e-300})  # an absolute one: refused before any work
    tiny = family.setting({"sigma": 1e-150})  # small, but float64 can use it
    assert np.isfinite(next(family.compute(equal_series, None, [tiny]))["gak"]).all()


def test_cli_refuses_a_bandwidth_float64_cannot_use_in_one_line(tmp_path):
    grid = tmp_path / "g.yaml"
    grid.write_text("gak: {sigma_scale: [1.0e-300]}\n")
    args = ["run", "GunPoint", "--kernels", "gak", "--grid", str(grid), "--n-jobs", "1"]
    result = CliRunner().invoke(main, [*args, "--results-dir", str(tmp_path)])
    assert result.exit_code == 1, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("Error: the GAK bandwidth sigma = sigma_scale 1e-300 x the data's ")
    assert "Traceback" not in result.output and "ZeroDivisionError" not in result.output


def test_a_bandwidth_float64_cannot_square_is_one_input_error():
    from rntk_bench.errors import InputError

    X = np.zeros((2, 1, 3))
    for sigma in (1e-300, 1e200):
        with pytest.raises(InputError, match="outside what float64 can use"):
            gak(X, sigma=sigma)
