"""LIBSVM's C-SVC on precomputed Gram matrices: its options, written out once, and the refit.

The SVM is LIBSVM's C-SVC (one-vs-one), as in the paper, reached through
scikit-learn. Selection fits thousands of small problems (a Gram per setting, five
C values, ten folds), where :class:`sklearn.svm.SVC`'s input validation costs more
than the fit itself (~0.7 ms of ~0.8 ms for 30 series). :class:`PrecomputedSVC` calls
the same LIBSVM binding that SVC wraps, with SVC's defaults (:data:`OPTIONS`: tol 1e-3,
shrinking, no class weights), and falls back to SVC if that private binding ever
changes; a test checks that both give identical predictions.

One difference from SVC's defaults: a fit stops after :data:`MAX_ITER` iterations.
scikit-learn's LIBSVM has no cap by default, and on some nearly singular Gram
matrices it cycles for ever (seen: the RNNGP of PLAID at sigma_w = sqrt(2), C = 100,
never converged; capped at 1e5 iterations it gave the same predictions in 0.02 s).
Capped fits are counted and recorded in the result files.

Every fit of the benchmark takes its options from :data:`OPTIONS`: the binding's
(:meth:`LibsvmOptions.fit_arguments`), the SVC fallback's
(:meth:`LibsvmOptions.svc`) and the compiled solver's (:mod:`._csvc` replicates this
configuration, takes ``tol`` and ``max_iter`` from here and refuses any other).
scikit-learn is imported on the first fit, not with this module (the protocol record
reads :data:`MAX_ITER` from here).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sklearn.svm import SVC

__all__ = ["MAX_ITER", "OPTIONS", "LibsvmOptions", "PrecomputedSVC", "binding"]

#: LIBSVM iteration cap of every fit; part of a result's identity
#: (:attr:`rntk_bench.evaluation.protocol.Protocol.svm_max_iter`).
MAX_ITER = 1_000_000


@dataclass(frozen=True)
class LibsvmOptions:
    """The options of every C-SVC fit: scikit-learn SVC's defaults, with an iteration cap.

    Class and sample weights: none (every series weighs 1), as SVC's default; the
    cross-validation's binding path passes unit sample weights, the same fit.

    Attributes
    ----------
    svm_type : int
        LIBSVM's C_SVC (0).
    kernel : str
        "precomputed": Gram matrices in, LIBSVM's kernel type 4.
    tol : float
        LIBSVM's stopping tolerance ``eps`` (SVC's ``tol``).
    shrinking : int
        LIBSVM's shrinking heuristic (1: on, SVC's default).
    cache_size : float
        Kernel cache in MB (SVC's default; it changes speed, never a model).
    max_iter : int
        Iteration cap (:data:`MAX_ITER`; SVC's default is none).
    random_seed : int
        LIBSVM's seed (used by its probability estimates only, which are not used).
    """

    svm_type: int = 0
    kernel: str = "precomputed"
    tol: float = 1e-3
    shrinking: int = 1
    cache_size: float = 200
    max_iter: int = MAX_ITER
    random_seed: int = 0

    def fit_arguments(self) -> dict[str, Any]:
        """Keyword arguments of ``sklearn.svm._libsvm.fit`` (the data and C aside)."""
        return {
            "svm_type": self.svm_type,
            "kernel": self.kernel,
            "tol": self.tol,
            "shrinking": self.shrinking,
            "cache_size": self.cache_size,
            "max_iter": self.max_iter,
            "random_seed": self.random_seed,
        }

    def predict_arguments(self) -> dict[str, Any]:
        """Keyword arguments of the binding's ``predict`` and ``decision_function``."""
        return {"svm_type": self.svm_type, "kernel": self.kernel}

    def svc(self, C: float) -> SVC:
        """The public :class:`sklearn.svm.SVC` with these options (one-vs-one values)."""
        from sklearn.svm import SVC

        return SVC(
            kernel=self.kernel,
            C=C,
            tol=self.tol,
            shrinking=bool(self.shrinking),
            cache_size=self.cache_size,
            max_iter=self.max_iter,
            decision_function_shape="ovo",
        )

    def capped(self, n_iter: Any) -> bool:
        """Whether a fit with these iteration counts (one per pair) stopped at the cap."""
        return int(np.max(n_iter)) >= self.max_iter


#: The options of every SVM fit of the benchmark.
OPTIONS = LibsvmOptions()


@functools.cache
def binding() -> Any:
    """scikit-learn's LIBSVM binding behind SVC (``sklearn.svm._libsvm``), None if gone."""
    try:
        from sklearn.svm import _libsvm
    except ImportError:  # pragma: no cover - depends on the scikit-learn version
        return None
    return _libsvm


def fit_binding(gram: np.ndarray, labels: np.ndarray, C: float, **extra: Any) -> tuple:
    """``_libsvm.fit`` with :data:`OPTIONS`; ``extra`` (e.g. ``sample_weight``) is passed on.

    Returns the binding's model tuple (support, support vectors, n_class_sv, sv_coef,
    intercept, prob_a, prob_b, fit status, n_iter).
    """
    return binding().fit(gram, labels, C=C, **OPTIONS.fit_arguments(), **extra)


class PrecomputedSVC:
    """C-SVC with a precomputed kernel: LIBSVM directly, SVC as the fallback.

    Parameters
    ----------
    C : float
        Regularisation.
    """

    def __init__(self, C: float) -> None:
        self.C = float(C)
        self._model: tuple | SVC | None = None
        self._classes: np.ndarray | None = None
        self.capped = False  # True when the fit stopped at MAX_ITER

    def fit(self, gram: np.ndarray, y: np.ndarray) -> PrecomputedSVC:
        """Fit on a (n_train, n_train) Gram matrix and labels (n_train,)."""
        classes, codes = np.unique(y, return_inverse=True)
        self._classes = classes
        if len(classes) == 1:
            self._model = None  # one class: LIBSVM refuses; the prediction is that class
            return self
        if binding() is not None:
            try:
                binding().set_verbosity_wrap(0)  # LIBSVM prints its progress otherwise
                self._model = fit_binding(
                    np.ascontiguousarray(gram, dtype=np.float64), codes.astype(np.float64), self.C
                )
                self.capped = OPTIONS.capped(self._model[-1])
                return self
            except TypeError:  # pragma: no cover - private binding changed
                pass
        model = OPTIONS.svc(self.C).fit(gram, codes)
        self.capped = OPTIONS.capped(model.n_iter_)
        self._model = model
        return self

    def predict(self, gram: np.ndarray) -> np.ndarray:
        """Predict from a (n_rows, n_train) Gram matrix; returns labels (n_rows,)."""
        assert self._classes is not None, "fit first"
        if self._model is None:
            return np.full(gram.shape[0], self._classes[0])
        if not isinstance(self._model, tuple):  # the SVC fallback
            codes = self._model.predict(gram)
        else:
            codes = self._libsvm(binding().predict, gram)
        return self._classes[codes.astype(np.int64)]

    def _libsvm(self, function: Any, gram: np.ndarray) -> np.ndarray:
        """Call a LIBSVM prediction ``function`` with the fitted model on ``gram``."""
        assert isinstance(self._model, tuple), "a LIBSVM model is fitted"
        support, sv, n_class_sv, sv_coef, intercept, prob_a, prob_b, _, _ = self._model
        return function(
            np.ascontiguousarray(gram, dtype=np.float64),
            support,
            sv,
            n_class_sv,
            sv_coef,
            intercept,
            prob_a,
            prob_b,
            **OPTIONS.predict_arguments(),
        )

    def decision_function(self, gram: np.ndarray) -> np.ndarray:
        """LIBSVM's one-vs-one decision values for a (n_rows, n_train) Gram matrix.

        Returns
        -------
        ndarray of shape (n_rows, n_classes * (n_classes - 1) / 2)
            Column order (0, 1), (0, 2), ..., (1, 2), ... over the fitted classes in
            sorted order; a positive value votes for the first class of the pair (LIBSVM's
            sign, the opposite of SVC.decision_function in the binary case). No columns
            when only one class was seen.
        """
        assert self._classes is not None, "fit first"
        if self._model is None:
            return np.zeros((gram.shape[0], 0))
        if not isinstance(self._model, tuple):  # the SVC fallback
            values = self._model.decision_function(gram)
            # SVC flips the binary sign and ravels; give LIBSVM's convention back.
            return -values[:, None] if values.ndim == 1 else values
        return np.asarray(self._libsvm(binding().decision_function, gram))
