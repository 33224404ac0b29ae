"""Where fetched data sets live: the data home, and whether a data set is in it.

Light on purpose (no numpy, pandas or requests): `rntk-bench datasets` lists what is
cached through this module alone.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from rntk_bench.errors import InputError

__all__ = ["DATA_HOME_ENV", "SPLITS", "cached_files", "data_home", "is_cached"]

DATA_HOME_ENV = "RNTK_BENCH_DATA"
SPLITS = ("TRAIN", "TEST")


def data_home(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Return the data home: the folder that caches data sets and their lock file.

    Parameters
    ----------
    data_dir : path-like or None
        An explicit folder (the CLI's ``--data-dir``). When None, the environment
        variable ``RNTK_BENCH_DATA``, else the platform's user cache folder for
        "rntk-bench" (e.g. ``~/.cache/rntk-bench`` on Linux).

    Returns
    -------
    pathlib.Path
        The folder, user-expanded; it is created only when something is written.

    Raises
    ------
    InputError
        If ``RNTK_BENCH_DATA`` names a file, or a path under a file.
    """
    if data_dir is not None:
        return Path(data_dir).expanduser()
    # The one place outside the CLI that reads the environment (DESIGN.md allows the
    # data-home variable so that library users and the CLI share one cache).
    env = os.environ.get(DATA_HOME_ENV, "").strip()
    if env:
        return _folder_from_env(env)
    return Path(platformdirs.user_cache_dir("rntk-bench", appauthor=False))


def _folder_from_env(value: str) -> Path:
    """The data home the variable names; refused in one line when it cannot be a folder."""
    path = Path(value).expanduser()
    # The nearest part that exists must be a folder (what is missing is made later).
    existing = next((p for p in (path, *path.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        what = "is a file" if existing == path else f"lies under the file {existing}"
        raise InputError(
            f"{DATA_HOME_ENV}={value!r} {what}; it must name a folder (the data home, "
            f"made if missing): point {DATA_HOME_ENV} at a folder, or unset it to use "
            "the default cache folder (--data-dir overrides it for one command)."
        )
    return path


def cached_files(home: Path, name: str) -> dict[str, Path] | None:
    """The cached split files of ``name`` in ``home`` (.ts or .tsv), or None."""
    folder = home / name
    for ext in ("ts", "tsv"):
        files = {s: folder / f"{name}_{s}.{ext}" for s in SPLITS}
        if all(f.is_file() for f in files.values()):
            return files
    return None


def is_cached(name: str, data_dir: str | os.PathLike[str] | None = None) -> bool:
    """Return whether both split files of ``name`` are in the data home (unverified)."""
    from rntk_bench.data.registry import get_registry

    info = get_registry().info(name)
    return cached_files(data_home(data_dir), info.name) is not None
