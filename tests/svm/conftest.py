"""A small three-class problem shared by the SVM tests."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 5))
    y = np.argmax(X[:, :3] + 0.5 * rng.normal(size=(60, 3)), axis=1) * 10 + 3  # labels 3, 13, 23
    K = np.exp(-0.2 * ((X[:, None] - X[None]) ** 2).sum(-1))
    return K, y
