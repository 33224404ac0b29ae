"""Invariants every registered kernel must satisfy (DESIGN.md, Tests)."""

from __future__ import annotations

import numpy as np
import pytest

from rntk_bench.methods import FAMILIES, kernel_names, load_grid, lookup

# One representative setting per kernel (the middle of its quick grid).
SETTINGS = {
    "rntk": dict(sigma_w=1.4142, sigma_b=0.1, sigma_h=0.5),
    "rnngp": dict(sigma_w=1.34, sigma_b=1.0, sigma_h=0.5, n_layers=2),
    "ntk": dict(depth=3, fix_first=1),
    "nngp": dict(depth=2),
    "rbf": dict(gamma=0.05),
    "polynomial": dict(degree=3, gamma=0.1, coef0=1.0),
    "linear": dict(),
    "gak": dict(sigma=1.5),
}


def test_every_registered_kernel_is_covered_here():
    assert set(SETTINGS) == set(kernel_names())
    assert {k for f in FAMILIES.values() for k in f.kernels} == set(kernel_names())


@pytest.fixture(params=["equal", "unequal", "multichannel"])
def data(request, equal_series, unequal_series, multichannel_series):
    return {"equal": equal_series, "unequal": unequal_series, "multichannel": multichannel_series}[
        request.param
    ]


@pytest.mark.parametrize("name", kernel_names())
def test_invariants(name, data):
    k = lookup(name).member.function
    params = SETTINGS[name]
    X = data
    Y = [s * 0.8 + 0.1 for s in data[:4]]
    X_before = [np.array(s, copy=True) for s in X]

    gram = k(X, **params)
    n = len(X)
    assert gram.shape == (n, n)
    assert np.isfinite(gram).all()
    np.testing.assert_allclose(gram, gram.T, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(k(X, X, **params), gram, rtol=1e-12, atol=1e-14)
    eig = np.linalg.eigvalsh((gram + gram.T) / 2)
    assert eig.min() > -1e-9 * eig.max(), f"{name} is not positive semi-definite"

    cross = k(X, Y, **params)
    assert cross.shape == (n, 4)
    np.testing.assert_allclose(k(Y, X, **params), cross.T, rtol=1e-12, atol=1e-14)
    # Blocked (rows in pieces) equals unblocked, for every kernel and input kind. On
    # unequal lengths the fixed-length kernels (ntk, nngp, rbf, polynomial, linear)
    # resample to the longest series among X and Y; Y holds one of the longest (12),
    # so every block uses the same common length, as the engine's blocks do with
    # their explicit length. GAK and the recurrent kernels are pairwise by nature.
    blocked = np.vstack([k(X[:5], Y, **params), k(X[5:], Y, **params)])
    np.testing.assert_allclose(blocked, cross, rtol=1e-12, atol=1e-14)
    for before, after in zip(X_before, X, strict=True):
        np.testing.assert_array_equal(before, after)  # inputs not mutated


@pytest.mark.parametrize("symmetric", [False, True])
def test_family_grams_equal_the_public_functions(equal_series, symmetric):
    """The engine's shared-work path gives the same Gram as the kernel function."""
    grid = load_grid("quick")
    X = equal_series
    Y = None if symmetric else equal_series[:3] + 0.05
    for family in FAMILIES.values():
        settings = family.settings(grid[family.name])
        for setting, grams in zip(settings, family.compute(X, Y, settings, fit_X=X), strict=True):
            for name, gram in grams.items():
                params = family.projection(name, setting)
                # Data-derived values (absolute gamma, sigma) replace their scales; a
                # family without any resolves to {}.
                params = {k: v for k, v in params.items() if not k.endswith("_scale")}
                params.update(family.resolve(setting, X, None))
                np.testing.assert_allclose(
                    gram,
                    lookup(name).member.function(X, Y, **params),
                    rtol=1e-12,
                    err_msg=f"{name} {setting}",
                )
