"""scikit-learn estimators: the benchmark's kernel SVM as a classifier you can fit.

- :class:`KernelSVMClassifier` (``kernel="rntk"``, ``"rbf"``, ... any registered
  kernel) and :class:`RNTKClassifier` (the RNTK, for short). ``fit`` runs the tool's own
  protocol on the training data it is given, through the very functions ``rntk-bench
  run`` uses (:func:`rntk_bench.evaluation.evaluate.cross_validate`): preprocessing with training
  statistics, one Gram matrix per grid setting shared by every C and every fold,
  stratified cross-validation, the deterministic tie-break, Gram normalisation, refit
  on all training series. On the same data, grid and protocol the CLI and the
  estimator select the same setting and predict the same labels (tested).
- :class:`SeriesKernel`: a registered kernel with fixed parameters, usable as
  ``SVC(kernel=SeriesKernel(...))`` (a callable) or as a transformer that produces the
  Gram matrix against the training series (``Pipeline([("gram", SeriesKernel(...)),
  ("svm", SVC(kernel="precomputed"))])``), for users who bring their own learner.
- :mod:`rntk_bench.estimators.sktime` / :mod:`rntk_bench.estimators.aeon`: thin
  wrappers that make :class:`KernelSVMClassifier` an sktime / aeon classifier.

Input: a 3-D array (n_cases, n_channels, n_timepoints); a list of (n_channels, t_i)
arrays (unequal lengths; 1-D arrays are univariate series); or a 2-D array
(n_cases, n_timepoints) of univariate series. For 2-D arrays the number of time points
is scikit-learn's ``n_features_in_`` and must not change at predict time (pass 3-D
arrays or lists to predict series of other lengths).

Probabilities (``predict_proba``) are a softmax of the per-class decision scores
(logistic of the margin for two classes), see :mod:`rntk_bench.svm.decision`:
deterministic and consistent with ``decision_function``, not calibrated.

scikit-learn conformance: :func:`sklearn.utils.estimator_checks.check_estimator`
passes on the classifiers and on :class:`SeriesKernel` (tests/estimators); none of its
checks is skipped or expected to fail (scikit-learn itself skips its array-API check
unless ``SCIPY_ARRAY_API`` is set).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d

from rntk_bench.data.labels import label_order
from rntk_bench.errors import InputError
from rntk_bench.evaluation.evaluate import cross_validate
from rntk_bench.evaluation.finish import FittedSVM, fit_selected, select
from rntk_bench.evaluation.preprocessing import Preprocessing
from rntk_bench.evaluation.protocol import PAPER_C_GRID, Protocol
from rntk_bench.methods import KernelFamily, load_family_grid, lookup
from rntk_bench.svm import class_probabilities, class_scores

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # pragma: no cover - older scikit-learn

    def _validate_data(estimator: Any, X: Any, **kwargs: Any) -> Any:
        return estimator._validate_data(X, **kwargs)


__all__ = ["KernelSVMClassifier", "RNTKClassifier", "SeriesKernel"]

Grid = str | Mapping[str, Any]


def _is_ragged(X: Any) -> bool:
    """True for a list/tuple of series that cannot be stacked into one array."""
    if not isinstance(X, (list, tuple)) or not X:
        return False
    shapes = {np.shape(x) for x in X}
    return len(shapes) > 1


def _ragged_series(X: Sequence[Any]) -> list[np.ndarray]:
    out = []
    for i, x in enumerate(X):
        arr = check_array(np.atleast_2d(np.asarray(x)), dtype=np.float64, input_name=f"X[{i}]")
        out.append(arr)
    channels = {a.shape[0] for a in out}
    if len(channels) > 1:
        raise InputError(
            f"every series must have the same number of channels; got {sorted(channels)}."
        )
    return out


def _is_nested_frame(X: Any) -> bool:
    """True for sktime's nested DataFrame (cells holding pandas Series)."""
    if type(X).__name__ != "DataFrame" or not hasattr(X, "iloc") or X.size == 0:
        return False
    return hasattr(X.iloc[0, 0], "index")


def _as_series(estimator: Any, X: Any, reset: bool) -> Any:
    """Validate input; 2-D -> (n, 1, T), 3-D as is, ragged lists -> list of (c, t_i)."""
    if _is_nested_frame(X):
        raise InputError(
            "X is an sktime nested DataFrame (one pandas Series per cell); this scikit-learn "
            "estimator takes arrays (n_cases, n_channels, n_timepoints) or lists of series. "
            "Use rntk_bench.estimators.sktime.SktimeKernelSVMClassifier, which converts "
            "sktime's formats, or convert with sktime's convert_to(X, 'numpy3D')."
        )
    if _is_ragged(X):
        return _ragged_series(X)
    arr = _validate_data(
        estimator, X, reset=reset, allow_nd=True, dtype=np.float64, ensure_min_features=1
    )
    if arr.ndim == 2:
        return arr[:, None, :]
    if arr.ndim != 3:
        raise InputError(
            f"X must have shape (n_cases, n_timepoints), (n_cases, n_channels, "
            f"n_timepoints) or be a list of (n_channels, t_i) arrays; got {arr.shape}."
        )
    return arr


def _family(name: str) -> KernelFamily:
    description = lookup(name).description
    if not isinstance(description, KernelFamily):
        raise InputError(
            f"{name!r} is a trained method, not a kernel; the kernel SVM estimators take "
            "a kernel (rntk-bench kernels)."
        )
    return description


class KernelSVMClassifier(ClassifierMixin, BaseEstimator):
    """C-SVM on a registered time-series kernel, selected by the benchmark's protocol.

    Parameters
    ----------
    kernel : str, default="rntk"
        A registered kernel (``rntk-bench kernels``): rntk, rnngp, ntk, nngp, rbf,
        polynomial, linear, gak.
    grid : str or mapping, default="quick"
        "quick", "paper", a YAML grid file, or {parameter: list of values} of the
        kernel's family (e.g. ``{"sigma_w": [1.35, 1.41], "sigma_b": [0, 0.1]}``).
    c_grid : sequence of float, default=(0.01, 0.1, 1, 10, 100)
    folds : int, default=10
        Stratified folds on the training data (capped by the smallest class).
    preprocessing : {"maxnorm", "znorm", "none"}, default="maxnorm"
    normalisation : {"mean-diagonal", "cosine", "none"}, default="mean-diagonal"
    seed : int, default=0
        Seeds the folds.
    backend, device, dtype : str
        Kernel backend options (RNTK/RNNGP), as for ``rntk-bench run``.
    n_jobs : int, default=1
        Blocks of grid settings computed side by side during selection (joblib
        processes; -1: all cores). The selection is the same for any value.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The original labels, sorted (scikit-learn's convention: ``predict_proba``'s
        columns).
    code_order_ : ndarray of shape (n_classes,)
        The SVM's class codes: code k is ``classes_[code_order_[k]]``. The order of
        ``rntk-bench run`` (text labels that are all numbers sort numerically, "2"
        before "10"), so the archive's labels give the run's one-vs-one problems and
        vote tie-breaks.
    best_params_ : dict
        The selected kernel setting.
    best_C_ : float
    best_score_ : float
        Its mean cross-validation accuracy (NaN when nothing could be validated).
    cv_results_ : dict
        scikit-learn's ``GridSearchCV`` layout, one entry per (setting, C):
        ``params``, ``param_<name>``, ``mean_test_score``, ``std_test_score``,
        ``rank_test_score``; ``pd.DataFrame(cv_results_)`` has one row per cell.
    cv_scheme_ : str
        The folds used.
    n_features_in_ : int
        Time points (2-D input) or channels (3-D input).
    svm_ : FittedSVM
        The refit SVM with its training series.
    """

    def __init__(
        self,
        kernel: str = "rntk",
        grid: Grid = "quick",
        c_grid: Sequence[float] = PAPER_C_GRID,
        folds: int = 10,
        preprocessing: str = "maxnorm",
        normalisation: str = "mean-diagonal",
        seed: int = 0,
        backend: str = "auto",
        device: str = "cpu",
        dtype: str = "float64",
        n_jobs: int = 1,
    ) -> None:
        self.kernel = kernel
        self.grid = grid
        self.c_grid = c_grid
        self.folds = folds
        self.preprocessing = preprocessing
        self.normalisation = normalisation
        self.seed = seed
        self.backend = backend
        self.device = device
        self.dtype = dtype
        self.n_jobs = n_jobs

    def _kernel_name(self) -> str:
        return str(self.kernel)

    def fit(self, X: Any, y: Any) -> KernelSVMClassifier:
        """Select (kernel setting, C) by cross-validation on (X, y), then refit.

        Parameters
        ----------
        X : array (n_cases, n_channels, n_timepoints), (n_cases, n_timepoints), or list
            of (n_channels, t_i) arrays
        y : array-like of shape (n_cases,)
            Class labels of any type numpy can sort.

        Returns
        -------
        self
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        series = _as_series(self, X, reset=True)
        y = column_or_1d(y, warn=True)
        if len(y) != len(series):
            raise ValueError(f"X has {len(series)} series but y has {len(y)} labels.")
        check_classification_targets(y)
        self.classes_, inverse = np.unique(y, return_inverse=True)
        self.code_order_ = label_order(self.classes_)
        codes = np.argsort(self.code_order_)[inverse.reshape(-1)]
        protocol = Protocol(
            folds=self.folds,
            c_grid=tuple(float(c) for c in self.c_grid),
            preprocessing=self.preprocessing,
            normalisation=self.normalisation,
            seed=self.seed,
        )
        name = self._kernel_name()
        family = _family(name)
        params = load_family_grid(self.grid, family)[family.name]
        self.preprocessing_ = Preprocessing.fit(series, protocol.preprocessing)
        X_train = self.preprocessing_.apply(series, "the training series")
        # Fixed-length kernels: lists go to the longest training series (the CLI takes
        # the longest series of train + test); equal lengths stay as they are.
        self.length_ = max(s.shape[-1] for s in series) if isinstance(series, list) else None
        backend_options = {
            "backend": self.backend,
            "device": self.device,
            "dtype": self.dtype,
            "n_threads": None,
        }
        cv = cross_validate(
            family, name, X_train, codes, self.length_, params, protocol, backend_options,
            n_jobs=self.n_jobs,
            prune=False,  # cv_results_ is the complete table, as in GridSearchCV
        )  # fmt: skip
        table = cv.table
        chosen = select(cv.plan, cv.settings, table.mean, table.std, protocol.c_grid)
        self.svm_: FittedSVM = fit_selected(
            family,
            name,
            chosen.family_setting,
            chosen.C,
            X_train,
            codes,
            self.length_,
            protocol.normalisation,
            backend_options,
            n_classes=len(self.classes_),
        )
        self.best_params_ = dict(chosen.kernel_setting)
        self.best_C_ = chosen.C
        self.best_score_ = float("nan") if chosen.cv_accuracy is None else chosen.cv_accuracy
        self.cv_results_ = table.grid_search_results()
        self.cv_scheme_ = table.scheme
        return self

    def _gram(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "svm_")
        series = _as_series(self, X, reset=False)
        length = self.length_
        if length is None and not _family(self._kernel_name()).capabilities.native_lengths:
            # Equal-length training series keep their length; other series are resampled
            # to it (the fixed-length kernels' policy).
            length = self.svm_.X_train.shape[-1]
        return self.svm_.gram(self.preprocessing_.apply(series, "X"), length)

    def decision_function(self, X: Any) -> np.ndarray:
        """Per-class scores: scikit-learn's "ovr" aggregation of the one-vs-one values.

        Returns
        -------
        ndarray of shape (n_cases,) for two classes (positive: ``classes_[1]``), else
        (n_cases, n_classes).
        """
        return self._in_class_order(self._code_scores(X))

    def _code_scores(self, X: Any) -> np.ndarray:
        gram = self._gram(X)  # checks that the estimator is fitted
        ovo = self.svm_.model.decision_function(gram)
        return class_scores(ovo, len(self.classes_))

    def _in_class_order(self, values: np.ndarray) -> np.ndarray:
        """Per-code columns (or the two-class margin) in ``classes_`` order."""
        order = self.code_order_
        if np.array_equal(order, np.arange(len(order))):
            return values
        if values.ndim == 1:  # margin of code 1, which is classes_[0] here
            return -values
        return values[:, np.argsort(order)]

    def predict(self, X: Any) -> np.ndarray:
        """LIBSVM's one-vs-one vote, as original labels; shape (n_cases,)."""
        gram = self._gram(X)
        codes = self.svm_.model.predict(gram)
        return np.asarray(self.classes_[self.code_order_[codes.astype(np.int64)]])

    def predict_proba(self, X: Any) -> np.ndarray:
        """Softmax of :meth:`decision_function`; shape (n_cases, n_classes), rows sum to 1."""
        scores = self._code_scores(X)  # checks that the estimator is fitted
        n_classes = len(self.classes_)
        probabilities = class_probabilities(scores, n_classes)
        return probabilities[:, np.argsort(self.code_order_)] if n_classes > 1 else probabilities

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`."""
        return np.log(self.predict_proba(X))


class RNTKClassifier(KernelSVMClassifier):
    """:class:`KernelSVMClassifier` with the Recurrent Neural Tangent Kernel.

    Same parameters as :class:`KernelSVMClassifier` without ``kernel``; ``grid`` maps the
    RNTK's parameters (sigma_w, sigma_u, sigma_b, sigma_h, n_layers, ...) to values.
    """

    def __init__(
        self,
        grid: Grid = "quick",
        c_grid: Sequence[float] = PAPER_C_GRID,
        folds: int = 10,
        preprocessing: str = "maxnorm",
        normalisation: str = "mean-diagonal",
        seed: int = 0,
        backend: str = "auto",
        device: str = "cpu",
        dtype: str = "float64",
        n_jobs: int = 1,
    ) -> None:
        self.grid = grid
        self.c_grid = c_grid
        self.folds = folds
        self.preprocessing = preprocessing
        self.normalisation = normalisation
        self.seed = seed
        self.backend = backend
        self.device = device
        self.dtype = dtype
        self.n_jobs = n_jobs

    def _kernel_name(self) -> str:
        return "rntk"


class SeriesKernel(TransformerMixin, BaseEstimator):
    """A registered kernel with fixed parameters: a callable and a Gram transformer.

    Parameters
    ----------
    kernel : str, default="rntk"
    params : mapping, optional
        Keyword arguments of the kernel function (e.g. ``{"sigma_w": 1.41}`` for the
        RNTK, ``{"gamma": 0.1}`` for the RBF kernel); see ``rntk-bench kernels``.

    Notes
    -----
    ``SeriesKernel(...)(X, Y)`` returns the (n_X, n_Y) Gram matrix: pass it as
    ``SVC(kernel=SeriesKernel(...))``; SVC hands it 2-D arrays, read as univariate series.
    As a transformer, ``fit(X)`` keeps the training series and ``transform(X)`` returns
    the Gram matrix of X against them, shape (n_X, n_train). The values are the raw
    kernel's: the RNTK's grow with the series length, so scale the input (e.g. divide
    by the largest training norm) or the C grid accordingly.
    """

    def __init__(self, kernel: str = "rntk", params: Mapping[str, Any] | None = None) -> None:
        self.kernel = kernel
        self.params = params

    def _function(self) -> Any:
        member = _family(self.kernel).member(self.kernel)
        return member.function

    def __call__(self, X: Any, Y: Any = None) -> np.ndarray:
        """Gram matrix of X against Y (or X), shape (n_X, n_Y)."""
        fx = _plain_series(X)
        fy = None if Y is None else _plain_series(Y)
        return np.asarray(self._function()(fx, fy, **dict(self.params or {})))

    def fit(self, X: Any, y: Any = None) -> SeriesKernel:
        """Keep the training series (the Gram matrix's columns)."""
        self.X_fit_ = _as_series(self, X, reset=True)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Gram matrix of X against the training series, shape (n_X, n_train)."""
        check_is_fitted(self, "X_fit_")
        series = _as_series(self, X, reset=False)
        return np.asarray(self._function()(series, self.X_fit_, **dict(self.params or {})))


def _plain_series(X: Any) -> Any:
    if _is_ragged(X):
        return _ragged_series(X)
    arr = check_array(X, allow_nd=True, dtype=np.float64)
    return arr[:, None, :] if arr.ndim == 2 else arr
