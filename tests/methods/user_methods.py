"""Methods a user might write, named by import path in tests (tests.methods.user_methods:...)."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

#: Every call's input, for tests that check what a kernel receives.
SEEN: list[object] = []


def linear(X, Y=None):
    """The linear kernel, written as a user would: <x, x'> of the flattened series."""
    x = X.reshape(len(X), -1)
    y = x if Y is None else Y.reshape(len(Y), -1)
    return x @ y.T


def scaled(X, Y=None, *, scale=1.0, offset=0.0):
    """scale * <x, x'> + offset (two parameters for the grid tests)."""
    return float(scale) * linear(X, Y) + float(offset)


def any_params(X, Y=None, **params):
    """A kernel that takes any parameter name."""
    return linear(X, Y) * (1.0 + len(params))


def recording(X, Y=None):
    """Linear, and remembers what it was given."""
    SEEN.append(X)
    return linear(X, Y)


def endpoints(X, Y=None):
    """Takes unequal lengths: the product of the series' last values, plus one."""
    SEEN.append(X)
    last_x = np.array([float(np.asarray(s)[0, -1]) for s in X])
    last_y = last_x if Y is None else np.array([float(np.asarray(s)[0, -1]) for s in Y])
    return 1.0 + np.outer(last_x, last_y)


endpoints.unequal_length = True  # type: ignore[attr-defined]


def wrong_shape(X, Y=None):
    return np.zeros(len(X))


def not_finite(X, Y=None):
    gram = linear(X, Y)
    gram[0, 0] = np.nan
    return gram


def fails(X, Y=None, depth=1):
    if depth > 1:
        raise ValueError("depth > 1 is not implemented")
    return linear(X, Y)


def one_argument(X):
    return X


NOT_CALLABLE = 42


class NotAClassifier(BaseEstimator):
    """An estimator, but a transformer."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X


class MeanClassifier(ClassifierMixin, BaseEstimator):
    """Predicts the class whose training mean is nearest; no predict_proba."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.means_ = np.stack([np.asarray(X)[y == c].mean(axis=0) for c in self.classes_])
        return self

    def predict(self, X):
        d = ((np.asarray(X)[:, None, :] - self.means_[None]) ** 2).sum(axis=2)
        return self.classes_[d.argmin(axis=1)]
