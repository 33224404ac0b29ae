"""Fetch data sets into the data home, verify them, and load them as arrays.

The public functions (:func:`fetch_dataset`, :func:`load_dataset`, :func:`download`)
and the order of the work: (1) the cache in the data home, its files verified
against the checksum lock; else (2) the sources of :mod:`rntk_bench.data.sources`
in turn - the data sets bundled with sktime, a local copy of the archive
(``archive=PATH``), per-data-set zip files over HTTP(S) from a list of URL templates
(a registered synthetic data set is generated instead) - each staged, checked and
committed into the cache by :mod:`rntk_bench.data.cache`, so a failure leaves the
cache and the lock file as they were. A failing download falls through to the next
URL; any other failure, and every checksum mismatch, stops at once.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rntk_bench._validation import check_choice
from rntk_bench.data._home import cached_files, data_home, is_cached
from rntk_bench.data._http import DownloadLimits
from rntk_bench.data._lock import ChecksumLock
from rntk_bench.data._parse import MISSING_POLICIES, ParsedSplit, Series, finish
from rntk_bench.data.cache import (
    cache_fix,
    clean_leftovers,
    commit_staged,
    dataset_checksum,
    parse_pair,
    staging,
    verify_cached,
)
from rntk_bench.data.local import load_local, local_folder
from rntk_bench.data.registry import DatasetInfo, get_registry
from rntk_bench.data.sources import (
    DEFAULT_SOURCES,
    check_archive,
    check_sources,
    no_source_error,
    plan,
)
from rntk_bench.errors import ChecksumError, DataError

__all__ = [
    "DEFAULT_SOURCES",
    "Dataset",
    "DownloadLimits",
    "FetchReport",
    "download",
    "fetch_dataset",
    "is_cached",
    "load_dataset",
]

PathLike = str | os.PathLike[str]


@dataclass(frozen=True, eq=False)
class Dataset:
    """A loaded data set: arrays, labels and provenance.

    Attributes
    ----------
    info : DatasetInfo
        The registry entry; for a folder of one's own data, the inferred layout
        (``info.archive == "local"``, see :mod:`rntk_bench.data.local`).
    X_train, X_test : ndarray of shape (n_cases, n_channels, n_timepoints), or list of
        arrays of shape (n_channels, t_i) for variable-length data sets
        float64, without NaN.
    y_train, y_test : ndarray of shape (n_cases,), int64
        Class codes 0..K-1, the same encoding for both splits: the encoding of a run
        and of its result files. :attr:`labels_train` / :attr:`labels_test` are the
        labels as the archive writes them (what :func:`load_dataset` returns).
    classes : tuple of str
        The archive's labels, in code order (``classes[y]`` is the label): sorted
        numerically when all of them are numbers, else as strings.
    checksum : str
        sha256 hex digest over the names and sha256 of the exact files used; stable
        across runs and machines for the same files.
    source : str
        Where the files came from: "cache", "sktime", "archive <path>", a URL, or
        "folder <path>" for one's own data.
    """

    info: DatasetInfo
    X_train: Series
    y_train: np.ndarray
    X_test: Series
    y_test: np.ndarray
    classes: tuple[str, ...]
    checksum: str
    source: str

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def labels_train(self) -> np.ndarray:
        """The training labels as the archive writes them, shape (n_train,), str."""
        return np.asarray(self.classes, dtype=str)[self.y_train]

    @property
    def labels_test(self) -> np.ndarray:
        """The test labels as the archive writes them, shape (n_test,), str."""
        return np.asarray(self.classes, dtype=str)[self.y_test]


@dataclass(frozen=True)
class FetchReport:
    """What :func:`download` did for one data set.

    Attributes
    ----------
    name : str
    action : {"cached", "sktime", "archive", "download", "synthetic"}
        Already cached / imported from sktime / imported from a local archive /
        downloaded / generated (a seeded synthetic data set).
    source : str
        "cache", "sktime", "archive <path>" or the URL.
    n_bytes : int
        Bytes received for a download (the zip), else the size of the files.
    checksum : str
        The data set's checksum (see :attr:`Dataset.checksum`).
    files : tuple of Path
        The cached files.
    """

    name: str
    action: str
    source: str
    n_bytes: int
    checksum: str
    files: tuple[Path, ...] = field(default=())

    def describe(self) -> str:
        """A short phrase: "already cached", "downloaded from <url>", ..."""
        if self.action == "cached":
            return "already cached"
        if self.action == "sktime":
            return "imported from sktime (bundled)"
        if self.action == "archive":
            return f"imported from {self.source}"
        if self.action == "synthetic":
            return "generated (seeded synthetic data)"
        return f"downloaded from {self.source}"


# ------------------------------------------------------------------------- the flow


def _obtain(
    info: DatasetInfo,
    home: Path,
    *,
    archive: Path | None,
    sources: tuple[str, ...],
    progress: bool,
    allow_download: bool,
    force: bool,
    parse_cached: bool,
    limits: DownloadLimits | None = None,
) -> tuple[FetchReport, ParsedSplit | None, ParsedSplit | None]:
    lock = ChecksumLock(home)
    if home.is_dir():
        clean_leftovers(home, info.name)
    cached = None if force else cached_files(home, info.name)
    if cached is not None:
        return _from_cache(info, lock, cached, parse=parse_cached)
    steps = plan(
        info,
        lock,
        archive=archive,
        sources=sources,
        allow_download=allow_download,
        progress=progress,
        limits=limits or DownloadLimits(),
    )
    failures: list[tuple[str, DataError]] = []
    for step in steps:
        with staging(home, info.name) as folder:
            try:
                staged = step.stage(folder)
                if staged is None:
                    continue
                done = commit_staged(info, home, lock, staged, force=force, fix=step.fix)
            except ChecksumError:
                raise  # a changed file needs a person's look, not the next mirror
            except DataError as exc:
                if step.kind != "url":
                    raise
                failures.append((step.where, exc))
                continue
            report = FetchReport(
                name=info.name,
                action=staged.action,
                source=staged.source,
                n_bytes=staged.n_bytes,
                checksum=done.checksum,
                files=done.files,
            )
            return report, done.train, done.test
    raise no_source_error(info, home, archive, allow_download, failures)


def _from_cache(
    info: DatasetInfo, lock: ChecksumLock, cached: dict[str, Path], *, parse: bool
) -> tuple[FetchReport, ParsedSplit | None, ParsedSplit | None]:
    """Verify a cached data set against the lock (and parse it when asked)."""
    digests = verify_cached(info, lock, cached)
    train = test = None
    if parse:
        folder = cached["TRAIN"].parent
        train, test = parse_pair(info, cached, "cache", cache_fix(info.name, folder))
    report = FetchReport(
        name=info.name,
        action="cached",
        source="cache",
        n_bytes=sum(p.stat().st_size for p in cached.values()),
        checksum=dataset_checksum(digests),
        files=tuple(cached.values()),
    )
    return report, train, test


# ------------------------------------------------------------------------- public


def fetch_dataset(
    name: str,
    *,
    data_dir: PathLike | None = None,
    archive: PathLike | None = None,
    sources: Sequence[str] | None = None,
    missing: str = "interpolate",
    progress: bool = False,
    download: bool = True,
    limits: DownloadLimits | None = None,
) -> Dataset:
    """Load a data set, fetching it into the data home first if needed.

    Parameters
    ----------
    name : str
        A registered data-set name (case-insensitive), see ``rntk-bench datasets``; or
        one's own data: the path of a folder ``MyData`` holding ``MyData_TRAIN.tsv`` and
        ``MyData_TEST.tsv`` (or .ts files), told from a name by its path separator
        (``./MyData``), or the name of such a folder in ``archive`` that is not
        registered. Own data are read in place with their shapes inferred
        (:mod:`rntk_bench.data.local`); data home, sources and downloads are not used.
    data_dir : path-like, optional
        The data home; default :func:`rntk_bench.data.data_home`.
    archive : path-like, optional
        A local copy of the archive: a folder holding ``UCRArchive_2018/<Name>/``, the
        ``UCRArchive_2018`` folder itself, or a folder of ``<Name>.zip`` files or
        ``<Name>/<Name>_TRAIN.ts`` files.
    sources : sequence of str, optional
        URL templates with ``{name}``, tried in order; default
        :data:`DEFAULT_SOURCES`. ``[]`` turns downloads off.
    missing : {"interpolate", "error"}
        "interpolate": fill missing values by linear interpolation along time,
        constant beyond the ends (as the archive's adjusted files); "error": raise
        DataError if the data set has missing values.
    progress : bool
        Show a progress bar on stderr while downloading.
    download : bool
        Allow HTTP downloads (the cache, sktime and ``archive`` are always used).
    limits : DownloadLimits, optional
        Total deadline, minimum rate and timeouts of each download; default
        ``DownloadLimits()`` (30 min, 1 KiB/s over 30 s windows).

    Returns
    -------
    Dataset
        X_train of shape (n_train, n_channels, length) float64, or a list of
        (n_channels, t_i) arrays for variable-length data sets; y_train (n_train,)
        int64 codes into ``classes``; likewise for the test split. Never NaN.

    Raises
    ------
    UnknownNameError
        For an unregistered name that is not in ``archive`` either.
    InputError
        For a path that is not a folder in the archive's layout.
    DataError, DownloadError, ChecksumError
        When no source gives files that parse and match the registry and the lock
        (own data: a file that does not parse, or splits that disagree).
    """
    check_choice(missing, "missing", MISSING_POLICIES)
    folder = local_folder(name, archive)
    if folder is not None:
        return _own_dataset(folder, missing)
    info = get_registry().info(name)
    home = data_home(data_dir)
    report, train, test = _obtain(
        info,
        home,
        archive=check_archive(archive),
        sources=check_sources(sources),
        progress=progress,
        allow_download=download,
        force=False,
        parse_cached=True,
        limits=limits,
    )
    assert train is not None and test is not None
    X_train, y_train, X_test, y_test, classes = finish(info, train, test, missing)
    return Dataset(
        info=info,
        X_train=X_train,
        y_train=y_train,
        X_test=X_test,
        y_test=y_test,
        classes=classes,
        checksum=report.checksum,
        source=report.source,
    )


def _own_dataset(folder: Path, missing: str) -> Dataset:
    """A folder of one's own data, read in place (:mod:`rntk_bench.data.local`)."""
    info, X_train, y_train, X_test, y_test, classes, checksum = load_local(folder, missing)
    return Dataset(
        info=info,
        X_train=X_train,
        y_train=y_train,
        X_test=X_test,
        y_test=y_test,
        classes=classes,
        checksum=checksum,
        source=f"folder {os.path.abspath(folder)}",
    )


def load_dataset(
    name: str,
    *,
    data_dir: PathLike | None = None,
    archive: PathLike | None = None,
    sources: Sequence[str] | None = None,
    missing: str = "interpolate",
    progress: bool = False,
    download: bool = True,
    limits: DownloadLimits | None = None,
) -> tuple[Series, np.ndarray, Series, np.ndarray]:
    """Return ``(X_train, y_train, X_test, y_test)`` of a data set, labels as in the archive.

    Same parameters as :func:`fetch_dataset`, which also returns the class list, the
    codes a run uses and the checksum. X: float64 of shape (n_cases, n_channels,
    n_timepoints), or a list of (n_channels, t_i) arrays for variable length; y: the
    labels as the archive writes them, shape (n_cases,), str (``"1"``/``"2"`` for
    GunPoint, ``"Badminton"``... for BasicMotions), as aeon's ``load_classification``.
    """
    ds = fetch_dataset(
        name,
        data_dir=data_dir,
        archive=archive,
        sources=sources,
        missing=missing,
        progress=progress,
        download=download,
        limits=limits,
    )
    return ds.X_train, ds.labels_train, ds.X_test, ds.labels_test


def download(
    names: Sequence[str],
    *,
    data_dir: PathLike | None = None,
    archive: PathLike | None = None,
    sources: Sequence[str] | None = None,
    force: bool = False,
    progress: bool = False,
    limits: DownloadLimits | None = None,
) -> list[FetchReport]:
    """Fetch data sets into the data home without loading them.

    Parameters
    ----------
    names : sequence of str
        Registered data-set names (see :func:`resolve_names` for suites).
    data_dir, archive, sources, progress, limits
        As in :func:`fetch_dataset`.
    force : bool
        Refetch even when cached; the new files replace the cached ones only once
        they have been verified (checksums of their source, shapes).

    Returns
    -------
    list of FetchReport
        One per data set, in the order given. Already-cached data sets have their
        checksums verified.

    Raises
    ------
    DataError, DownloadError, ChecksumError
        On the first data set that fails; the ones before it stay fetched.
    """
    registry = get_registry()
    if isinstance(names, str):
        names = [names]
    infos = [registry.info(n) for n in names]
    home = data_home(data_dir)
    archive_path = check_archive(archive)
    templates = check_sources(sources)
    reports = []
    for info in infos:
        report, _, _ = _obtain(
            info,
            home,
            archive=archive_path,
            sources=templates,
            progress=progress,
            allow_download=True,
            force=force,
            parse_cached=False,
            limits=limits,
        )
        reports.append(report)
    return reports
