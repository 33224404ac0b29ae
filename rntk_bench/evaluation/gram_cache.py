"""A data-only cache of training Gram matrices (``rntk-bench run --gram-cache DIR``).

One ``.npz`` file per (family, setting, training inputs, length, dtype, package
version), named by the sha256 of all of them, holds that setting's Gram matrix for
each kernel of the family plus the key itself. A file is checked before any of its
arrays is read: its size on disk, then the zip directory (member names, count,
compression) and the ``.npy`` header of each member it needs (shape ``(n, n)``, a
float dtype, an uncompressed size equal to what the header describes), so a small
file that declares a huge array costs nothing. Arrays are then read with
``allow_pickle=False``, so a cache file can only ever yield arrays: a planted or
damaged file (a pickle, object arrays, another key, wrong shapes or sizes,
non-finite entries, a Gram that is not symmetric) is never executed; it is ignored,
reported in one line and recomputed (and overwritten). Writes go to a temporary
file renamed into place, so a file that exists is complete.

The backend, device and thread count are not part of the key: they agree to
rounding. The dtype is.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rntk_bench._version import __version__
from rntk_bench.records import shared_mode

__all__ = ["GramCache", "inputs_digest", "setting_key", "symmetry_tolerance"]

_FORMAT = "rntk-bench/gram/1"
_KEY_ARRAY = "__key__"
# A cache file is a few Gram matrices; anything far larger is not ours.
_MAX_MEMBERS = 64
# Room for a member's .npy header and zip entries, and for the key's member.
_MEMBER_OVERHEAD = 4096
_KEY_LENGTH = 64  # a sha256 in hex: the key array is a 0-d '<U64'
# np.savez stores; np.savez_compressed deflates: nothing else is a cache file.
_COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_ROWS_PER_CHECK = 1024  # rows of the symmetry check at a time (bounded temporaries)


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
        self, family: str, key: str, kernels: Sequence[str], n: int, dtype: str = "float64"
    ) -> dict[str, np.ndarray] | None:
        """The cached (n, n) Gram of each kernel, or None (absent, or unusable: warned).

        ``dtype`` is the run's (the key's): it sets how far from symmetric a stored
        Gram may be (:func:`symmetry_tolerance`).
        """
        path = self.path(family, key)
        if not path.is_file():
            return None
        try:
            return _read(path, key, kernels, n, symmetry_tolerance(dtype))
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
            # numpy refuses pickled content with ValueError; a damaged zip gives the rest.
            reason = " ".join(str(exc).split())[:200]
            self.warnings.append(
                f"ignored the Gram cache file {path} ({reason}); recomputing it and "
                "replacing the file."
            )
            return None

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
                fix = (
                    "Free space on its disk" if exc.errno == errno.ENOSPC else "Fix its permissions"
                )
                self.warnings.append(
                    f"cannot write to the Gram cache {self.folder} ({exc.strerror or exc}); "
                    f"going on without caching. {fix} or choose another --gram-cache folder."
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
            self.load(family, key, kernels, n, dtype) for key in keys
        ]
        missing = [i for i, got in enumerate(out) if got is None]
        if missing:
            computed = compute(missing)
            for i, gram_set in zip(missing, computed, strict=True):
                out[i] = gram_set
                if all(np.isfinite(g).all() for g in gram_set.values()):
                    self.save(family, keys[i], gram_set)
        return [g for g in out if g is not None]


def symmetry_tolerance(dtype: str) -> float:
    """How far from symmetric a stored training Gram may be, relative to its largest entry.

    sqrt(eps) of the run's dtype (1.5e-8 for float64, 3.5e-4 for float32): the
    kernels compute a training Gram symmetric exactly (RNN, FC, GAK, linear,
    polynomial on the CPU) or to rounding (RBF: 1 ulp; torch float32: below one
    float32 ulp of the largest entry on the CPU, rounding that builds up over the
    steps of a long series on a GPU); a damaged or foreign matrix is asymmetric by
    a fraction of its entries. Exact equality would refuse, and recompute on every
    run, the Grams of a GPU that round the two triangles differently.
    """
    try:
        return float(np.sqrt(np.finfo(np.dtype(dtype)).eps))
    except TypeError:  # not a float dtype name: the strictest of ours
        return float(np.sqrt(np.finfo(np.float64).eps))


def _file_limit(n: int) -> int:
    """The most bytes a cache file of an n-series training split can take."""
    return _MAX_MEMBERS * (n * n * 8 + _MEMBER_OVERHEAD) + _MEMBER_OVERHEAD


def _read(
    path: Path, key: str, kernels: Sequence[str], n: int, tolerance: float
) -> dict[str, np.ndarray] | None:
    """The Grams of one file, every size and header checked before any array is read."""
    size = path.stat().st_size
    if size > _file_limit(n):
        raise ValueError(
            f"it takes {size} bytes, more than a cache file of {n} training series can "
            f"({_file_limit(n)})"
        )
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        members = {i.filename[: -len(".npy")]: i for i in infos if i.filename.endswith(".npy")}
        if len(infos) > _MAX_MEMBERS or len(members) != len(infos) or _KEY_ARRAY not in members:
            raise ValueError("not a rntk-bench Gram cache file")
        if str(_member(archive, members[_KEY_ARRAY], ())) != key:
            raise ValueError("it belongs to another key")
        if not set(kernels) <= set(members):
            return None  # written for other kernels of the family: a plain miss
        grams = {kernel: _member(archive, members[kernel], (n, n)) for kernel in kernels}
    for kernel, gram in grams.items():
        if not np.isfinite(gram).all():
            raise ValueError(f"its {kernel} matrix has non-finite entries")
        scale = float(np.abs(gram).max()) if n else 0.0
        asymmetry = _asymmetry(gram)
        if asymmetry > tolerance * scale:
            raise ValueError(
                f"its {kernel} matrix is not symmetric: max |G - G^T| = {asymmetry:.3g}, "
                f"{asymmetry / scale:.3g} of its largest entry (tolerance {tolerance:.2g})"
            )
    return grams


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, shape: tuple[int, ...]) -> Any:
    """One member's array, read only after its header matched ``shape`` and its size.

    ``shape`` () is the key (a 0-d '<U64'); (n, n) a Gram (float32 or float64).
    """
    name = info.filename[: -len(".npy")]
    if info.compress_type not in _COMPRESSIONS:
        raise ValueError(f"its {name} member uses zip compression method {info.compress_type}")
    with archive.open(info) as member:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            declared, _, dtype = np.lib.format.read_array_header_1_0(member)
        elif version == (2, 0):
            declared, _, dtype = np.lib.format.read_array_header_2_0(member)
        else:
            raise ValueError(f"its {name} member is .npy version {version}")
        header = member.tell()
    if shape == ():
        expected = dtype.kind == "U" and dtype.itemsize == 4 * _KEY_LENGTH
    else:
        expected = dtype.kind == "f" and dtype.itemsize in (4, 8)
    if declared != shape or not expected:
        what = "the key" if shape == () else f"a float matrix of shape {shape}"
        raise ValueError(f"its {name} member declares {dtype} {declared}, not {what}")
    data = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if info.file_size != header + data:
        raise ValueError(
            f"its {name} member holds {info.file_size} bytes; its header describes {header + data}"
        )
    with archive.open(info) as member:
        return np.lib.format.read_array(member, allow_pickle=False)


def _asymmetry(gram: np.ndarray) -> float:
    """max |G - G^T|, by blocks of rows (temporaries of a block, not of the matrix)."""
    worst = 0.0
    for lo in range(0, len(gram), _ROWS_PER_CHECK):
        hi = lo + _ROWS_PER_CHECK
        worst = max(worst, float(np.abs(gram[lo:hi] - gram[:, lo:hi].T).max()))
    return worst
