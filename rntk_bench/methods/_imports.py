"""Import paths ("package.module:name") and where the object they name comes from."""

from __future__ import annotations

import functools
import hashlib
import importlib
import sys
from importlib import metadata
from typing import Any

from rntk_bench.errors import InputError

__all__ = ["import_object", "is_import_path", "origin_of"]


def is_import_path(name: str) -> bool:
    """True for a name written as an import path ("module:attribute")."""
    return ":" in name


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:300]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def import_object(path: str) -> Any:
    """The object ``path`` ("package.module:name", or "module:Class.attr") names.

    Raises
    ------
    InputError
        One line: not an import path, a module that fails to import (any error it
        raises), or a missing attribute.
    """
    module_name, _, attribute = path.partition(":")
    module_name, attribute = module_name.strip(), attribute.strip()
    if not module_name or not attribute or ":" in attribute:
        raise InputError(
            f"{path!r} is not an import path; write it as 'package.module:name' "
            "(e.g. my_pkg.kernels:cosine)."
        )
    try:
        target: Any = importlib.import_module(module_name)
    except Exception as exc:  # a user's module: whatever it raises, one line
        raise InputError(f"cannot import {module_name} (for {path}): {_one_line(exc)}") from None
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise InputError(
                f"{module_name} has no attribute {attribute!r} (for {path})."
            ) from None
    return target


@functools.lru_cache(maxsize=1)
def _distributions() -> dict[str, list[str]]:
    return dict(metadata.packages_distributions())


def _code_digest(obj: Any) -> str | None:
    """sha256 (16 hex digits) of the file that defines ``obj``: a changed method reruns."""
    module = sys.modules.get(getattr(obj, "__module__", "") or "")
    filename = getattr(module, "__file__", None)
    if not filename:
        return None
    try:
        with open(filename, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()[:16]
    except OSError:
        return None


def origin_of(path: str, obj: Any, distribution: str | None = None) -> dict[str, str]:
    """Where a user's method comes from, as its results' identity records it.

    Parameters
    ----------
    path : str
        Its import path.
    obj : object
        What the path names.
    distribution : str, optional
        The distribution that declares it (an entry point's); default: the one that
        installs the path's top-level package, when one does.

    Returns
    -------
    dict
        ``import``, and when known ``distribution`` and ``version`` (installed) and
        ``code`` (digest of the defining module's file).
    """
    origin = {"import": path}
    if distribution is None:
        top = path.partition(":")[0].split(".")[0]
        candidates = _distributions().get(top, [])
        distribution = candidates[0] if candidates else None
    if distribution is not None:
        try:
            version = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            version = None
        if version is not None:
            origin.update(distribution=distribution, version=version)
    digest = _code_digest(obj)
    if digest is not None:
        origin["code"] = digest
    return origin
