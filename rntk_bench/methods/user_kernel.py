"""A user's kernel function as a kernel family: ``--kernels rntk,my_pkg.kernels:cosine``.

The function is ``f(X, Y=None, **params) -> (n_X, n_Y)`` float Gram matrix of
preprocessed series. It gets

- X (and Y) as one float64 array of shape (n, n_channels, length): series of unequal
  lengths are linearly resampled to the split's common length by the routine of the
  built-in fixed-length kernels (:func:`rntk_bench.kernels._fixed_length.flatten_pair`),
  after the run's length policy;
- or, when the function declares ``f.unequal_length = True``, the series as they are:
  a 3-D array when X and Y have one length, else lists of (n_channels, t_i) arrays.

Its parameters are its keyword parameters after X and Y (any name when it takes
``**params``); a grid file sets them under the method's name, and without one it runs
once with its defaults. Each setting is checked once, before any data is loaded, on
tiny seeded series (:meth:`UserKernel.validate`): a call that fails, or a Gram of the
wrong shape or with non-finite values, is one line. Everything else (Grams shared
across C values and folds, pruned CV, the Gram cache, checkpoints, Dask, result files)
is the engine's, as for any family: the engine never asks whose kernel it is.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from rntk_bench._validation import as_series_batch
from rntk_bench.errors import InputError
from rntk_bench.kernels._fixed_length import flatten_pair
from rntk_bench.methods._imports import import_object
from rntk_bench.methods.base import Capabilities, GramSet, KernelFamily, Member, Setting
from rntk_bench.records import file_name

__all__ = ["UNEQUAL_LENGTH_ATTRIBUTE", "UserKernel", "fixed_length_pair", "user_kernel"]

#: The attribute a kernel function sets to True to get unequal-length series as they are.
UNEQUAL_LENGTH_ATTRIBUTE = "unequal_length"

# The probe's series: a few, short, in the range max-norm preprocessing gives.
_PROBE_ROWS, _PROBE_COLUMNS, _PROBE_LENGTH = 3, 4, 16


class UserKernel(KernelFamily):
    """A kernel family of one member: a user's Gram function (see the module docstring).

    Built by :func:`user_kernel`, one subclass per function; pickled by its name,
    import path and origin, so a worker imports the function itself.
    """

    path: str
    function: Callable[..., Any]
    takes_any: bool  # the function has **params: any parameter name is accepted

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # By import path: a worker imports the function (lambdas and closures too).
        origin = tuple(sorted((self.origin or {}).items()))
        return (user_kernel, (self.name, self.path, origin))

    @property
    def cache_name(self) -> str:
        # The origin (version, code digest) keeps a changed kernel's Grams apart.
        text = json.dumps(self.origin or {}, sort_keys=True)
        return f"{file_name(self.name)}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"

    def check_names(self, values: Mapping[str, Any]) -> None:
        if not self.takes_any:
            super().check_names(values)

    def projection(self, kernel: str, setting: Setting) -> dict[str, Any]:
        return dict(setting.values)  # one member: it depends on every parameter

    def block_size(self, n_settings: int, requested: int) -> int:
        # An opaque function shares nothing across settings: blocks of the run's
        # --settings-per-task balance the workers and checkpoint as the RNTK's do.
        return requested

    def validate(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Call the function once on tiny seeded series; refuse a bad Gram in one line."""
        rng = np.random.default_rng(0)
        if self.capabilities.native_lengths:
            lengths = (_PROBE_LENGTH, _PROBE_LENGTH - 5, _PROBE_LENGTH - 2, _PROBE_LENGTH - 7)
            columns: Any = [rng.uniform(-1, 1, (1, t)) for t in lengths]
            rows: Any = [rng.uniform(-1, 1, (1, t)) for t in lengths[:_PROBE_ROWS]]
            what = "unequal-length series"
        else:
            columns = rng.uniform(-1, 1, (_PROBE_COLUMNS, 1, _PROBE_LENGTH))
            rows = rng.uniform(-1, 1, (_PROBE_ROWS, 1, _PROBE_LENGTH))
            what = f"series of length {_PROBE_LENGTH}"
        for X, Y in ((columns, None), (rows, columns)):
            gram = self._call(X, Y, values, f"{what} (a check before the run)")
            if not np.isfinite(gram).all():
                raise InputError(
                    f"{self.path} returned non-finite values on {len(X)} random {what} "
                    f"(a check before the run) with {dict(values)}; a kernel must give a "
                    "finite Gram matrix."
                )
        return dict(values)

    def _call(self, X: Any, Y: Any, values: Mapping[str, Any], where: str) -> np.ndarray:
        """The function's Gram of X against Y (None: X), checked for its shape."""
        expected = (len(X), len(X) if Y is None else len(Y))
        try:
            gram = np.asarray(self.function(X, Y, **dict(values)), dtype=np.float64)
        except Exception as exc:  # a user's code: any failure is one line naming it
            message = " ".join(str(exc).split())[:300]
            raise InputError(
                f"{self.path} failed on {where} with {dict(values)}: "
                f"{type(exc).__name__}: {message}"
            ) from None
        if gram.shape != expected:
            raise InputError(
                f"{self.path} returned an array of shape {gram.shape} on {where} with "
                f"{dict(values)}; a kernel must return the (n_X, n_Y) Gram matrix, here "
                f"{expected}."
            )
        return gram

    def compute(
        self,
        X: Any,
        Y: Any,
        settings: Sequence[Setting],
        *,
        fit_X: Any = None,
        length: int | None = None,
        backend: str = "auto",
        device: str = "cpu",
        dtype: str = "float64",
        n_threads: int | None = None,
    ) -> Iterator[GramSet]:
        x, y = self.inputs(X, Y, length)
        where = f"{len(x)} x {len(x) if y is None else len(y)} series"
        for setting in settings:
            yield {self.name: self._call(x, y, setting.values, where)}

    def inputs(self, X: Any, Y: Any, length: int | None) -> tuple[Any, Any]:
        """X and Y (None: X itself) as the function takes them (module docstring)."""
        if self.capabilities.native_lengths:
            xs = [np.asarray(s, dtype=np.float64) for s in X]
            ys = None if Y is None else [np.asarray(s, dtype=np.float64) for s in Y]
            if len({s.shape for s in xs + (ys or [])}) == 1:
                return np.stack(xs), None if ys is None else np.stack(ys)
            return xs, ys
        return fixed_length_pair(X, Y, length)


def fixed_length_pair(X: Any, Y: Any, length: int | None) -> tuple[np.ndarray, np.ndarray | None]:
    """X and Y at one length, as the built-in fixed-length kernels see them.

    Parameters
    ----------
    X : array (n_X, n_channels, n_timepoints) or list of (n_channels, t_i)
    Y : same kinds, or None
    length : int or None
        The split's common length (None: the longest series of X and Y).

    Returns
    -------
    x : ndarray of shape (n_X, n_channels, length), float64
    y : ndarray of shape (n_Y, n_channels, length), or None when Y is None
        Unequal lengths are linearly resampled (:func:`flatten_pair`'s routine).
    """
    channels = as_series_batch(X, "X").n_channels
    fx, fy, symmetric = flatten_pair(X, Y, length)
    x = fx.reshape(len(fx), channels, -1)
    return x, None if symmetric else fy.reshape(len(fy), channels, -1)


def _signature(function: Callable[..., Any], path: str) -> tuple[tuple[str, ...], bool]:
    """The keyword parameters after X and Y, and whether it takes any (``**params``)."""
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):  # no signature (a compiled function): take any
        return (), True
    positional = [
        p
        for p in parameters
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
    ]
    if len(positional) < 2 and not any(p.kind == p.VAR_POSITIONAL for p in positional):
        raise InputError(
            f"{path} takes {len(positional)} positional argument(s); a kernel is "
            "f(X, Y=None, **params) -> (n_X, n_Y) Gram matrix."
        )
    keywords = [p for p in parameters[2:] if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    takes_any = any(p.kind == p.VAR_KEYWORD for p in parameters)
    return tuple(p.name for p in keywords), takes_any


@functools.cache
def user_kernel(name: str, path: str, origin: tuple[tuple[str, str], ...] = ()) -> UserKernel:
    """The kernel family of a user's Gram function (one per process and name).

    Parameters
    ----------
    name : str
        The method's name: its import path, or its entry point's name.
    path : str
        "module:attribute" of ``function(X, Y=None, **params) -> ndarray (n_X, n_Y)``.
    origin : tuple of (key, value)
        Import path, distribution, version, code digest (part of its results' identity).

    Raises
    ------
    InputError
        When the path cannot be imported, or names no function that takes (X, Y).
    """
    function = import_object(path)
    if not callable(function) or inspect.isclass(function):
        raise InputError(
            f"{path} names an object of type {type(function).__name__}, not a kernel function."
        )
    parameters, takes_any = _signature(function, path)
    native = getattr(function, UNEQUAL_LENGTH_ATTRIBUTE, False) is True
    doc = (inspect.getdoc(function) or "").strip().splitlines()
    summary = doc[0] if doc else f"user kernel {path}"
    attributes = {
        "name": name,
        "summary": summary,
        "members": (Member(name, function, summary, parameters),),
        "parameters": parameters,
        "capabilities": Capabilities(native_lengths=native),
        "origin": dict(origin),
        "path": path,
        "function": staticmethod(function),  # not a method of the family
        "takes_any": takes_any,
    }
    family = type(f"UserKernel[{name}]", (UserKernel,), attributes)
    instance: UserKernel = family()
    return instance
