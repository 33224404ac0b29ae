"""Where fetched data sets live: the data home."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = ["DATA_HOME_ENV", "data_home"]

DATA_HOME_ENV = "RNTK_BENCH_DATA"


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
    """
    if data_dir is not None:
        return Path(data_dir).expanduser()
    # The one place outside the CLI that reads the environment (DESIGN.md allows the
    # data-home variable so that library users and the CLI share one cache).
    env = os.environ.get(DATA_HOME_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_cache_dir("rntk-bench", appauthor=False))
