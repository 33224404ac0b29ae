"""Seeded synthetic series for the kernel tests."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20210514)


@pytest.fixture
def equal_series(rng: np.random.Generator) -> np.ndarray:
    """12 univariate series of length 15, shape (12, 1, 15)."""
    return 0.6 * rng.standard_normal((12, 1, 15))


@pytest.fixture
def multichannel_series(rng: np.random.Generator) -> np.ndarray:
    """9 series of 3 channels and length 8, shape (9, 3, 8)."""
    return 0.6 * rng.standard_normal((9, 3, 8))


@pytest.fixture
def unequal_series(rng: np.random.Generator) -> list[np.ndarray]:
    """10 series of 2 channels and lengths 3..12 (two share a length), each (2, t_i)."""
    lengths = [3, 12, 7, 5, 12, 9, 4, 11, 6, 8]
    return [0.6 * rng.standard_normal((2, t)) for t in lengths]
