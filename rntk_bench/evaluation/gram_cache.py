"""A data-only cache of training Gram matrices (``rntk-bench run --gram-cache DIR``).

One ``.npz`` file per (family, setting, training inputs, length, dtype, package
version), named by the sha256 of all of them, holds that setting's Gram matrix for
each kernel of the family plus the key itself. Files are read with
``numpy.load(allow_pickle=False)``, so a cache file can only ever yield arrays:
a planted or damaged file (a pickle, object arrays, another key, wrong shapes,
non-finite entries) is never executed; it is ignored, reported in one line and
recomputed (and overwritten). Writes go to a temporary file renamed into place,
so a file that exists is complete.

The backend, device and thread count are not part of the key: they agree to
rounding. The dtype is.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rntk_bench._version import __version__
from rntk_bench.records import shared_mode

__all__ = ["GramCache", "inputs_digest", "setting_key"]

_FORMAT = "rntk-bench/gram/1"
_KEY_ARRAY = "__key__"
# A cache file is a few Gram matrices; anything far larger is not ours.
_MAX_MEMBERS = 64


def inputs_digest(X: Any) -> str:
    """sha256 over the dtype, shape and bytes of a batch of series.

    Parameters
    ----------
    X : ndarray (n_cases, n_channels, n_timepoints) or list of (n_channels, t_i) arrays
    """
    digest = hashlib.sha256()
    arrays = X if isinstance(X, list) else [np.asarray(X)]
    digest.update(f"{'list' if isinstance(X, list) else 'array'}:{len(arrays)}\n".encode())
    for array in arrays:
        a = np.ascontiguousarray(array)
        digest.update(f"{a.dtype.str}{a.shape}\n".encode())
        digest.update(a.tobytes())
    return digest.hexdigest()


def setting_key(
    family: str, setting: dict[str, Any], inputs: str, length: int | None, dtype: str
) -> str:
    """The cache key of one setting: sha256 of everything that determines its Gram."""
    identity = {
        "format": _FORMAT,
        "family": family,
        "setting": setting,
        "inputs": inputs,
        "length": length,
        "dtype": dtype,
        "rntk_bench": __version__,
    }
    text = json.dumps(identity, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class GramCache:
    """Training Gram matrices on disk, data only.

    Parameters
    ----------
    folder : path-like
        The cache folder (created on the first write).
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.warnings: list[str] = []
        self._write_failed = False

    def path(self, family: str, key: str) -> Path:
        """Where the Gram matrices of ``key`` live."""
        return self.folder / family / key[:2] / f"{key}.npz"

    def load(
        self, family: str, key: str, kernels: Sequence[str], n: int
    ) -> dict[str, np.ndarray] | None:
        """The cached (n, n) Gram of each kernel, or None (absent, or unusable: warned)."""
        path = self.path(family, key)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as archive:
                names = set(archive.files)
                if len(names) > _MAX_MEMBERS or _KEY_ARRAY not in names:
                    raise ValueError("not a rntk-bench Gram cache file")
                if str(archive[_KEY_ARRAY]) != key:
                    raise ValueError("it belongs to another key")
                if not set(kernels) <= names:
                    return None  # written for other kernels of the family: a plain miss
                grams = {}
                for kernel in kernels:
                    gram = archive[kernel]
                    if gram.shape != (n, n) or gram.dtype.kind != "f":
                        raise ValueError(f"its {kernel} matrix is {gram.dtype} {gram.shape}")
                    if not np.isfinite(gram).all():
                        raise ValueError(f"its {kernel} matrix has non-finite entries")
                    grams[kernel] = gram
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            # numpy refuses pickled content with ValueError; a damaged zip gives the rest.
            reason = " ".join(str(exc).split())[:160]
            self.warnings.append(
                f"ignored the Gram cache file {path} ({reason}); recomputing it and "
                "replacing the file."
            )
            return None
        return grams

    def save(self, family: str, key: str, grams: dict[str, np.ndarray]) -> None:
        """Write one setting's Gram matrices atomically; a failure only warns (once)."""
        path = self.path(family, key)
        tmp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{key[:12]}-", suffix=".npz", dir=path.parent)
            os.fchmod(fd, shared_mode())  # readable like the result files
            with os.fdopen(fd, "wb") as handle:
                arrays: dict[str, Any] = {_KEY_ARRAY: np.array(key)}
                arrays.update({k: np.asarray(v) for k, v in grams.items()})
                np.savez(handle, allow_pickle=False, **arrays)
            os.replace(tmp, path)
        except OSError as exc:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            if not self._write_failed:
                self._write_failed = True
                self.warnings.append(
                    f"cannot write to the Gram cache {self.folder} ({exc.strerror or exc}); "
                    "going on without caching. Fix its permissions or choose another "
                    "--gram-cache folder."
                )

    def grams(
        self,
        family: str,
        kernels: Sequence[str],
        X: Any,
        settings: Sequence[dict[str, Any]],
        length: int | None,
        dtype: str,
        compute: Callable[[list[int]], list[dict[str, np.ndarray]]],
    ) -> list[dict[str, np.ndarray]]:
        """The Gram sets of ``settings``: cached ones loaded, the others computed together.

        Parameters
        ----------
        compute : callable
            ``compute(missing) -> list of {kernel: (n, n) Gram}``, one per index of
            ``settings`` in ``missing``, in order.
        """
        n = len(X)
        inputs = inputs_digest(X)
        keys = [setting_key(family, dict(s), inputs, length, dtype) for s in settings]
        out: list[dict[str, np.ndarray] | None] = [
            self.load(family, key, kernels, n) for key in keys
        ]
        missing = [i for i, got in enumerate(out) if got is None]
        if missing:
            computed = compute(missing)
            for i, gram_set in zip(missing, computed, strict=True):
                out[i] = gram_set
                if all(np.isfinite(g).all() for g in gram_set.values()):
                    self.save(family, keys[i], gram_set)
        return [g for g in out if g is not None]
