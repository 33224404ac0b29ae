"""Data layer: the registry of UCR/UEA data sets, fetching, verification and parsing.

::

    from rntk_bench.data import load_dataset, resolve_names
    X_train, y_train, X_test, y_test = load_dataset("GunPoint")
    names = resolve_names(suite="ucr56")

Sources, in order: the cache in the data home, the data sets bundled with sktime, a
local copy of the archive (``archive=``), HTTP(S) downloads (``sources=``). Every
file's sha256 is recorded in ``<data home>/sha256.lock.json`` when first seen and
verified on every later use; shapes are checked against datasets.yaml on every load.
This package never imports the kernels, evaluation, reporting or CLI layers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rntk_bench.data._home import data_home
    from rntk_bench.data._lock import LOCK_NAME
    from rntk_bench.data._parse import interpolate_missing
    from rntk_bench.data.fetch import (
        DEFAULT_SOURCES,
        Dataset,
        DownloadLimits,
        FetchReport,
        download,
        fetch_dataset,
        is_cached,
        load_dataset,
    )
    from rntk_bench.data.registry import (
        DatasetInfo,
        Registry,
        get_registry,
        resolve_names,
        suite_names,
    )

# Names resolve on first use (PEP 562), so `from rntk_bench.data.registry import ...`
# or the data home does not import the parsing and download code (pandas, requests).
_WHERE = {
    "data_home": "_home",
    "is_cached": "_home",
    "LOCK_NAME": "_lock",
    "interpolate_missing": "_parse",
    "DEFAULT_SOURCES": "fetch",
    "Dataset": "fetch",
    "DownloadLimits": "fetch",
    "FetchReport": "fetch",
    "download": "fetch",
    "fetch_dataset": "fetch",
    "load_dataset": "fetch",
    "DatasetInfo": "registry",
    "Registry": "registry",
    "get_registry": "registry",
    "resolve_names": "registry",
    "suite_names": "registry",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_SOURCES",
    "LOCK_NAME",
    "Dataset",
    "DatasetInfo",
    "DownloadLimits",
    "FetchReport",
    "Registry",
    "data_home",
    "download",
    "fetch_dataset",
    "get_registry",
    "interpolate_missing",
    "is_cached",
    "load_dataset",
    "resolve_names",
    "suite_names",
]
