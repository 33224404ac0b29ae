"""Fetch data sets into the data home, verify them, and load them as arrays.

Sources, in order: (1) the cache in the data home; (2) the data sets bundled with
sktime; (3) a local copy of the archive (``archive=PATH``); (4) per-data-set zip files
over HTTP(S) from a list of URL templates. Whatever comes from (2)-(4) is staged in
a temporary folder inside the data home, parsed and checked against the registry,
and only then moved into the cache in one rename, so a failure leaves the cache and
the lock file as they were.

Cache layout::

    <home>/sha256.lock.json              checksums (see rntk_bench.data._lock)
    <home>/<Name>/<Name>_TRAIN.ts|.tsv   the files as received (zips are unpacked)
    <home>/<Name>/<Name>_TEST.ts|.tsv
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import importlib.util
import os
import shutil
import tempfile
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rntk_bench._validation import check_choice
from rntk_bench.data._home import SPLITS, cached_files, data_home, is_cached
from rntk_bench.data._http import DownloadLimits, download_file
from rntk_bench.data._lock import ChecksumLock, sha256_file
from rntk_bench.data._parse import (
    MISSING_POLICIES,
    ParsedSplit,
    Series,
    finish,
    read_split,
    verify_splits,
)
from rntk_bench.data.registry import DatasetInfo, get_registry
from rntk_bench.data.synthetic import SYNTHETIC, generate, write_ts
from rntk_bench.errors import ChecksumError, DataError, DownloadError, InputError

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

# Sizes that no file of a registered data set can exceed: the registry knows the
# number of series, channels and the length, and a value in a text file takes far
# fewer than _VALUE_BYTES characters. Unpacking checks zip entries against this
# before reading a byte, so a small zip that expands to GiBs is refused at once.
_VALUE_BYTES = 48
_SERIES_BYTES = 1024  # label, separators, line end
_HEADER_BYTES = 1 << 20
# Variable-length sets: the registry has no length; the longest in the UCR/UEA
# archives is far below this.
MAX_VARIABLE_LENGTH = 10_000
_MAX_ZIP_ENTRIES = 1000
# A data set's zip may also hold the .arff/.txt/.csv copies of the same data.
_ZIP_COPIES = 4

DEFAULT_SOURCES: tuple[str, ...] = ("https://timeseriesclassification.com/aeon-toolkit/{name}.zip",)
PathLike = str | os.PathLike[str]


@dataclass(frozen=True, eq=False)
class Dataset:
    """A loaded data set: arrays, labels and provenance.

    Attributes
    ----------
    info : DatasetInfo
        The registry entry.
    X_train, X_test : ndarray of shape (n_cases, n_channels, n_timepoints), or list of
        arrays of shape (n_channels, t_i) for variable-length data sets
        float64, without NaN.
    y_train, y_test : ndarray of shape (n_cases,), int64
        Class codes 0..K-1, the same encoding for both splits.
    classes : tuple of str
        The original labels, in code order (``classes[y]`` is the label).
    checksum : str
        sha256 hex digest over the names and sha256 of the exact files used; stable
        across runs and machines for the same files.
    source : str
        Where the files came from: "cache", "sktime", "archive <path>" or a URL.
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


# ------------------------------------------------------------------------- helpers


def _dataset_checksum(digests: dict[str, str]) -> str:
    """One digest over the (file name, sha256) pairs, independent of where they lie."""
    total = hashlib.sha256()
    for filename in sorted(digests):
        total.update(f"{filename}\0{digests[filename]}\n".encode())
    return total.hexdigest()


def _entry(path: Path, digest: str | None = None) -> dict[str, Any]:
    return {"sha256": digest or sha256_file(path), "bytes": path.stat().st_size}


def _sktime_data_dir() -> Path | None:
    # find_spec locates the package without importing it (sktime takes ~1 s to import).
    spec = importlib.util.find_spec("sktime")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data"


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def max_split_bytes(info: DatasetInfo, split: str) -> int:
    """The most bytes a split file of ``info`` can take (text, generous; see above)."""
    n_cases = info.n_train if split == "TRAIN" else info.n_test
    length = info.length or MAX_VARIABLE_LENGTH
    return _HEADER_BYTES + n_cases * (_SERIES_BYTES + info.n_channels * length * _VALUE_BYTES)


def _max_zip_bytes(info: DatasetInfo) -> int:
    return _ZIP_COPIES * sum(max_split_bytes(info, s) for s in SPLITS)


def _check_size(info: DatasetInfo, split: str, path: Path, size: int, source: str) -> None:
    limit = max_split_bytes(info, split)
    if size > limit:
        raise _source_error(
            info,
            source,
            f"{path.name} is {size} bytes, more than the {limit} bytes {info.name}'s "
            f"{split.lower()} split can take ({_shape_words(info, split)})",
            "it is not this data set's file: use another source.",
        )


def _shape_words(info: DatasetInfo, split: str) -> str:
    n_cases = info.n_train if split == "TRAIN" else info.n_test
    length = info.length or f"at most {MAX_VARIABLE_LENGTH}"
    return f"{n_cases} series x {info.n_channels} channel(s) x length {length}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process, or not a pid: leave its folder alone
    return True


def _clean_leftovers(home: Path, name: str) -> None:
    """Remove what an interrupted fetch of ``name`` (a killed process) left behind.

    Staging and old-copy folders carry their process id; those of processes that are
    gone are removed, and an old copy whose replacement never arrived is put back.
    Folders of running processes (a concurrent fetch) are left alone.
    """
    for prefix in (".staging", ".old"):
        for path in home.glob(f"{prefix}-{name}-*"):
            pid = path.name[len(prefix) + len(name) + 2 :].split("-", 1)[0]
            if not pid.isdigit() or _pid_alive(int(pid)):
                continue
            target = home / name
            if prefix == ".old" and not target.exists():
                os.replace(path, target)
            else:
                shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def _staging(home: Path, name: str) -> Iterator[Path]:
    """A temporary folder inside the data home (same file system: renames are atomic)."""
    home.mkdir(parents=True, exist_ok=True)
    _clean_leftovers(home, name)
    path = Path(tempfile.mkdtemp(prefix=f".staging-{name}-{os.getpid()}-", dir=home))
    try:
        (path / "files").mkdir()
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _commit(files_dir: Path, target: Path) -> None:
    """Move a staged folder to ``target``, replacing an older copy only once it worked."""
    old = None
    if target.exists():
        old = target.with_name(f".old-{target.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        os.replace(target, old)
    try:
        os.replace(files_dir, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# ------------------------------------------------------------------------- sources


@dataclass
class _Staged:
    files: dict[str, Path]  # split -> staged file
    origin: dict[str, dict[str, Any]]  # lock key -> entry, for where it came from
    action: str
    source: str
    n_bytes: int


def _stage_sktime(info: DatasetInfo, staging: Path, lock: ChecksumLock) -> _Staged | None:
    data_dir = _sktime_data_dir()
    if not info.bundled or data_dir is None:
        return None
    found = {s: data_dir / info.name / f"{info.name}_{s}.ts" for s in SPLITS}
    if not all(f.is_file() for f in found.values()):
        return None
    return _copy_files(info, found, staging, lock, "sktime", "sktime", "sktime")


def _stage_synthetic(info: DatasetInfo, staging: Path, lock: ChecksumLock) -> _Staged:
    """Generate a registered synthetic data set into .ts files (then checked as any)."""
    spec = SYNTHETIC.get(info.name)
    if spec is None:
        raise DataError(
            f"{info.name} is registered as synthetic but rntk_bench.data.synthetic has no "
            "generator for it; regenerate datasets.yaml with scripts/make_registry.py."
        )
    X_train, y_train, X_test, y_test = generate(spec)
    files = {s: staging / "files" / f"{info.name}_{s}.ts" for s in SPLITS}
    write_ts(files["TRAIN"], info.name, X_train, y_train)
    write_ts(files["TEST"], info.name, X_test, y_test)
    origin = {}
    for path in files.values():
        digest = sha256_file(path)
        key = f"synthetic:{info.name}/{path.name}"
        lock.verify(
            key,
            digest,
            dataset=info.name,
            what=f"generated {path.name}",
            fix="the generator now gives other data than when it first ran here (another "
            "numpy?); use the numpy version first used, or delete the entry from the lock "
            "file if the change is expected.",
        )
        origin[key] = _entry(path, digest)
    source = "synthetic generator"
    n_bytes = sum(f.stat().st_size for f in files.values())
    return _Staged(files, origin, "synthetic", source, n_bytes)


def _find_in_archive(archive: Path, name: str) -> tuple[Path, dict[str, Path] | Path] | None:
    """Locate a data set in a local archive copy: (root, split files) or (root, zip)."""
    for root in (archive / "UCRArchive_2018", archive):
        for ext in ("tsv", "ts"):
            files = {s: root / name / f"{name}_{s}.{ext}" for s in SPLITS}
            if all(f.is_file() for f in files.values()):
                return root, files
        if (root / f"{name}.zip").is_file():
            return root, root / f"{name}.zip"
    return None


def _stage_archive(
    info: DatasetInfo, archive: Path, staging: Path, lock: ChecksumLock
) -> _Staged | None:
    found = _find_in_archive(archive, info.name)
    if found is None:
        return None
    root, where = found
    if isinstance(where, dict):
        source = f"archive {where['TRAIN'].parent}"
        return _copy_files(info, where, staging, lock, "archive", source, "archive", root)
    source = f"archive {where}"
    digest = sha256_file(where)
    key = f"archive:{where.name}"
    lock.verify(
        key,
        digest,
        dataset=info.name,
        what=str(where),
        fix="this archive copy differs from the one first imported; use the original "
        "copy, or delete the entry from the lock file if the change is expected.",
    )
    files = _extract_zip(info, where, staging / "files", source)
    return _Staged(files, {key: _entry(where, digest)}, "archive", source, where.stat().st_size)


def _copy_files(
    info: DatasetInfo,
    found: dict[str, Path],
    staging: Path,
    lock: ChecksumLock,
    prefix: str,
    source: str,
    action: str,
    root: Path | None = None,
) -> _Staged:
    origin: dict[str, dict[str, Any]] = {}
    files: dict[str, Path] = {}
    for split, path in found.items():
        digest = sha256_file(path)
        relative = path.relative_to(root) if root is not None else Path(info.name, path.name)
        key = f"{prefix}:{relative.as_posix()}"
        lock.verify(
            key,
            digest,
            dataset=info.name,
            what=str(path),
            fix=(
                "the installed sktime's copy changed (an sktime upgrade?); reinstall the "
                "sktime version first used, or delete the entry from the lock file if the "
                "change is expected."
                if prefix == "sktime"
                else "this archive copy differs from the one first imported; use the "
                "original copy, or delete the entry from the lock file if the change is "
                "expected."
            ),
        )
        origin[key] = _entry(path, digest)
        files[split] = staging / "files" / path.name
        shutil.copyfile(path, files[split])
    n_bytes = sum(f.stat().st_size for f in files.values())
    return _Staged(files, origin, action, source, n_bytes)


def _stage_url(
    info: DatasetInfo,
    url: str,
    staging: Path,
    *,
    lock: ChecksumLock,
    progress: bool,
    limits: DownloadLimits,
) -> _Staged:
    zip_path = staging / f"{info.name}.zip"
    if limits.max_bytes is None:
        limits = dataclasses.replace(limits, max_bytes=_max_zip_bytes(info))
    n_bytes = download_file(url, zip_path, progress=progress, label=info.name, limits=limits)
    digest = sha256_file(zip_path)
    lock.verify(
        url,
        digest,
        dataset=info.name,
        what=url,
        fix=f"the file at this URL changed since it was first downloaded; use another "
        f"--source, or if the change is expected delete the URL's entry from the lock "
        f"file and run `rntk-bench download {info.name} --force`.",
    )
    files = _extract_zip(info, zip_path, staging / "files", url)
    return _Staged(files, {url: _entry(zip_path, digest)}, "download", url, n_bytes)


def _extract_zip(info: DatasetInfo, zip_path: Path, out: Path, source: str) -> dict[str, Path]:
    """Copy <Name>_TRAIN/TEST.ts (or .tsv) out of a zip, wherever they lie inside it.

    The entries' declared sizes are checked against what the registry allows before
    anything is unpacked, and reading stops at that size whatever the zip claims.
    """
    try:
        with zipfile.ZipFile(zip_path) as archive:
            infos = archive.infolist()
            if len(infos) > _MAX_ZIP_ENTRIES:
                raise _source_error(
                    info,
                    source,
                    f"the zip has {len(infos)} entries (a data set's zip has a handful)",
                    "it is not the archive's zip of this data set: use another source.",
                )
            members = {Path(m.filename).name.lower(): m for m in infos}
            for ext in ("ts", "tsv"):
                wanted = {s: f"{info.name}_{s}.{ext}" for s in SPLITS}
                if all(w.lower() in members for w in wanted.values()):
                    break
            else:
                listing = ", ".join(sorted(Path(m).name for m in archive.namelist())[:6])
                raise _source_error(
                    info,
                    source,
                    f"the zip holds no {info.name}_TRAIN.ts and {info.name}_TEST.ts (it "
                    f"has: {listing or 'nothing'})",
                    "it is not the archive's zip of this data set: use another source.",
                )
            for split, filename in wanted.items():
                member = members[filename.lower()]
                _check_size(info, split, Path(filename), member.file_size, source)
            files = {}
            for split, filename in wanted.items():
                # Write under our own name: never trust paths inside a zip.
                files[split] = out / filename
                limit = max_split_bytes(info, split)
                with archive.open(members[filename.lower()]) as src, files[split].open("wb") as dst:
                    copied = 0
                    while chunk := src.read(1 << 20):
                        copied += len(chunk)
                        if copied > limit:
                            _check_size(info, split, Path(filename), copied, source)
                        dst.write(chunk)
            return files
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise _source_error(
            info,
            source,
            f"not a valid zip file ({exc})",
            "the file is corrupt or truncated: retry, or use another source.",
        ) from None


# ---------------------------------------------------------------------- the flow


def _check_sources(sources: Sequence[str] | str | None) -> tuple[str, ...]:
    if sources is None:
        return DEFAULT_SOURCES
    if isinstance(sources, str):
        sources = [sources]
    out = []
    for i, template in enumerate(sources):
        ok = isinstance(template, str) and template.startswith(("http://", "https://"))
        try:
            ok = ok and "{name}" in template and bool(template.format(name="X"))
        except (KeyError, IndexError, ValueError):
            ok = False
        if not ok:
            raise InputError(
                f"sources[{i}] must be an http(s) URL template containing {{name}}, e.g. "
                f"{DEFAULT_SOURCES[0]}; got {template!r}."
            )
        out.append(template)
    return tuple(out)


def _check_archive(archive: PathLike | None) -> Path | None:
    if archive is None:
        return None
    # Absolute (without resolving links), so that Dataset.source is usable provenance.
    path = Path(os.path.abspath(Path(archive).expanduser()))
    if not path.is_dir():
        raise InputError(
            f"archive must be a folder holding UCRArchive_2018/<Name>/<Name>_TRAIN.tsv, "
            f"<Name>/<Name>_TRAIN.ts or <Name>.zip files; got {str(archive)!r}, which "
            f"{'is not a folder' if path.exists() else 'does not exist'}."
        )
    return path


def _cache_fix(name: str, folder: Path) -> str:
    return f"refetch it with `rntk-bench download {name} --force` (or delete {folder})."


def _verify_cached(info: DatasetInfo, lock: ChecksumLock, files: dict[str, Path]) -> dict[str, str]:
    digests: dict[str, str] = {}
    new: dict[str, dict[str, Any]] = {}
    for path in files.values():
        digest = sha256_file(path)
        key = f"cache:{info.name}/{path.name}"
        seen = lock.verify(
            key,
            digest,
            dataset=info.name,
            what=f"cached file {path}",
            fix="the file was modified or damaged; " + _cache_fix(info.name, path.parent),
        )
        if not seen:  # e.g. the lock file was deleted: record what is there now
            new[key] = _entry(path, digest)
        digests[path.name] = digest
    if new:
        lock.update(new)
    return digests


def _parse_pair(
    info: DatasetInfo, files: dict[str, Path], source: str, fix: str, strip: Path | None = None
) -> tuple[ParsedSplit, ParsedSplit]:
    for split, path in files.items():
        size, limit = path.stat().st_size, max_split_bytes(info, split)
        if size > limit:  # refuse before reading: parsing would take minutes and GiBs
            raise _source_error(
                info,
                source,
                f"{path.name} is {size} bytes, more than the {limit} bytes {info.name}'s "
                f"{split.lower()} split can take ({_shape_words(info, split)})",
                fix,
            )
    try:
        train = read_split(files["TRAIN"], info)
        test = read_split(files["TEST"], info)
        verify_splits(info, train, test)
    except DataError as exc:
        message = str(exc)
        if strip is not None:  # staged files: name the file, not the temporary folder
            message = message.replace(f"{strip}{os.sep}", "").replace(str(strip), "files")
        raise _source_error(info, source, message, fix) from None
    return train, test


def _import(
    info: DatasetInfo,
    home: Path,
    lock: ChecksumLock,
    staged: _Staged,
    *,
    force: bool,
    fix: str,
) -> tuple[FetchReport, ParsedSplit, ParsedSplit]:
    files_dir = next(iter(staged.files.values())).parent
    train, test = _parse_pair(info, staged.files, staged.source, fix, strip=files_dir)
    cache_entries: dict[str, dict[str, Any]] = {}
    digests: dict[str, str] = {}
    for path in staged.files.values():
        digest = sha256_file(path)
        key = f"cache:{info.name}/{path.name}"
        if not force:
            lock.verify(
                key,
                digest,
                dataset=info.name,
                what=f"{path.name} from {staged.source}",
                fix=f"the cache held a different copy before; run `rntk-bench download "
                f"{info.name} --force` to replace it.",
            )
        cache_entries[key] = _entry(path, digest)
        digests[path.name] = digest
    target = home / info.name
    _commit(files_dir, target)
    stale = [
        k for k in lock.keys() if k.startswith(f"cache:{info.name}/") and k not in cache_entries
    ]
    lock.update({**staged.origin, **cache_entries}, remove=stale)
    report = FetchReport(
        name=info.name,
        action=staged.action,
        source=staged.source,
        n_bytes=staged.n_bytes,
        checksum=_dataset_checksum(digests),
        files=tuple(target / p.name for p in staged.files.values()),
    )
    train = ParsedSplit(target / train.path.name, train.X, train.labels, train.lines)
    test = ParsedSplit(target / test.path.name, test.X, test.labels, test.lines)
    return report, train, test


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
        _clean_leftovers(home, info.name)
    cached = None if force else cached_files(home, info.name)
    if cached is not None:
        digests = _verify_cached(info, lock, cached)
        train = test = None
        if parse_cached:
            folder = cached["TRAIN"].parent
            train, test = _parse_pair(info, cached, "cache", _cache_fix(info.name, folder))
        report = FetchReport(
            name=info.name,
            action="cached",
            source="cache",
            n_bytes=sum(p.stat().st_size for p in cached.values()),
            checksum=_dataset_checksum(digests),
            files=tuple(cached.values()),
        )
        return report, train, test

    local_fix = {
        "sktime": "reinstall sktime, or fetch the data set with --archive PATH or a download.",
        "archive": "the archive copy is damaged or not the UCR/UEA 2018 version; restore it "
        "or use another --archive.",
        "synthetic": "the generator and the registry disagree; regenerate datasets.yaml "
        "with scripts/make_registry.py.",
    }
    steps: list[tuple[str, str, Callable[[Path], _Staged | None]]] = [
        ("sktime", "sktime", lambda s: _stage_sktime(info, s, lock))
    ]
    if info.archive == "synthetic":  # generated here: no other source, no network
        steps = [("synthetic", "generator", lambda s: _stage_synthetic(info, s, lock))]
    elif archive is not None:
        folder = archive
        steps.append(
            ("archive", f"archive {folder}", lambda s: _stage_archive(info, folder, s, lock))
        )
    if allow_download and info.archive != "synthetic":
        for template in sources:
            url = template.format(name=info.name)
            steps.append(
                (
                    "url",
                    url,
                    functools.partial(
                        _stage_url,
                        info,
                        url,
                        lock=lock,
                        progress=progress,
                        limits=limits or DownloadLimits(),
                    ),
                )
            )
    failures: list[tuple[str, DataError]] = []
    for kind, where, stage in steps:
        with _staging(home, info.name) as staging:
            try:
                staged = stage(staging)
                if staged is None:
                    continue
                fix = local_fix.get(
                    kind,
                    "the source does not hold the version this registry describes; "
                    "use another --source or --archive PATH.",
                )
                return _import(info, home, lock, staged, force=force, fix=fix)
            except ChecksumError:
                raise  # a changed file needs a person's look, not the next mirror
            except DataError as exc:
                if kind != "url":
                    raise
                failures.append((where, exc))
    raise _nothing_worked(info, home, archive, allow_download, failures)


def _nothing_worked(
    info: DatasetInfo,
    home: Path,
    archive: Path | None,
    allow_download: bool,
    failures: list[tuple[str, DataError]],
) -> DataError:
    """One error for a data set no source could give, listing every failure."""
    if not failures:
        looked = f"{info.name} is not in the data home {home}"
        if archive is not None:
            looked += f" nor in the archive {archive}"
        if not allow_download:
            return DataError(
                f"{looked} and downloads are off; fetch it with `rntk-bench download "
                f"{info.name}` (add --archive PATH to import a local copy)."
            )
        return DataError(f"{looked} and no download source is configured; pass --source URL.")
    fix = (
        "Fix: check the name and the URL template (--source), retry later, or import a "
        "local copy with --archive PATH."
    )
    # Say where else we looked, so a typo in --archive does not pass unnoticed.
    label = info.name if archive is None else f"{info.name} (not in the archive {archive})"
    if len(failures) == 1:
        where, exc = failures[0]
        if not isinstance(exc, DownloadError):
            return exc  # already names the data set, the source and the fix
        return type(exc)(f"{label}: download from {where} failed: {exc}. {fix}")
    reasons = "; ".join(f"{where}: {_reason(exc)}" for where, exc in failures)
    cls = DownloadError if all(isinstance(e, DownloadError) for _, e in failures) else DataError
    return cls(_one_line(f"{label}: every source failed: {reasons}. {fix}"))


def _reason(exc: DataError) -> str:
    return str(getattr(exc, "reason", None) or exc).rstrip(".")


def _source_error(info: DatasetInfo, source: str, reason: str, fix: str) -> DataError:
    """A DataError "<name> from <source>: <reason>; <fix>" that remembers its reason."""
    reason = _one_line(reason).rstrip(".")
    exc = DataError(f"{info.name} from {source}: {reason}; {_one_line(fix)}")
    exc.reason = reason  # type: ignore[attr-defined]
    return exc


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
        A registered data-set name (case-insensitive), see ``rntk-bench datasets``.
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
        int64; likewise for the test split. Never NaN.

    Raises
    ------
    UnknownNameError
        For an unregistered name.
    DataError, DownloadError, ChecksumError
        When no source gives files that parse and match the registry and the lock.
    """
    info = get_registry().info(name)
    check_choice(missing, "missing", MISSING_POLICIES)
    home = data_home(data_dir)
    report, train, test = _obtain(
        info,
        home,
        archive=_check_archive(archive),
        sources=_check_sources(sources),
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
    """Return ``(X_train, y_train, X_test, y_test)`` of a data set.

    Same parameters as :func:`fetch_dataset`, which also returns the labels and the
    checksum. X: float64 of shape (n_cases, n_channels, n_timepoints), or a list of
    (n_channels, t_i) arrays for variable length; y: int64 codes 0..K-1.
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
    return ds.X_train, ds.y_train, ds.X_test, ds.y_test


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
    archive_path = _check_archive(archive)
    templates = _check_sources(sources)
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
