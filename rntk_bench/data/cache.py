"""Cache transactions: stage, check, and commit a data set into the data home.

Whatever a source gives (:mod:`rntk_bench.data.sources`) is written to a staging
folder inside the data home, parsed and checked against the registry, verified
against the checksum lock, and only then moved into the cache in one rename, so a
failure leaves the cache and the lock file as they were. Staging and replaced-copy
folders carry their process id, so that what a killed process left behind is
cleaned up (or put back) by the next fetch of the same data set.

The size limits live here too: no file of a registered data set can exceed what
the registry's sizes allow, and every file is measured before it is read.

Cache layout::

    <home>/sha256.lock.json              checksums (see rntk_bench.data._lock)
    <home>/<Name>/<Name>_TRAIN.ts|.tsv   the files as received (zips are unpacked)
    <home>/<Name>/<Name>_TEST.ts|.tsv
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rntk_bench.data._home import SPLITS
from rntk_bench.data._lock import ChecksumLock, sha256_file, verify_pinned
from rntk_bench.data._parse import ParsedSplit, read_split, verify_splits
from rntk_bench.data.registry import DatasetInfo
from rntk_bench.errors import DataError

__all__ = [
    "MAX_VARIABLE_LENGTH",
    "Committed",
    "Staged",
    "cache_fix",
    "check_size",
    "clean_leftovers",
    "commit_staged",
    "dataset_checksum",
    "lock_entry",
    "max_split_bytes",
    "max_zip_bytes",
    "one_line",
    "parse_pair",
    "source_error",
    "staging",
    "verify_cached",
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
# A data set's zip may also hold the .arff/.txt/.csv copies of the same data.
_ZIP_COPIES = 4


# -------------------------------------------------------------------------- limits


def max_split_bytes(info: DatasetInfo, split: str) -> int:
    """The most bytes a split file of ``info`` can take (text, generous; see above)."""
    n_cases = info.n_train if split == "TRAIN" else info.n_test
    length = info.length or MAX_VARIABLE_LENGTH
    return _HEADER_BYTES + n_cases * (_SERIES_BYTES + info.n_channels * length * _VALUE_BYTES)


def max_zip_bytes(info: DatasetInfo) -> int:
    """The most bytes a data set's zip can take (every copy of both splits)."""
    return _ZIP_COPIES * sum(max_split_bytes(info, s) for s in SPLITS)


def check_size(
    info: DatasetInfo,
    split: str,
    path: Path,
    size: int,
    source: str,
    fix: str = "it is not this data set's file: use another source.",
) -> None:
    """Refuse a split file larger than :func:`max_split_bytes` allows (before reading)."""
    limit = max_split_bytes(info, split)
    if size > limit:
        raise source_error(
            info,
            source,
            f"{path.name} is {size} bytes, more than the {limit} bytes {info.name}'s "
            f"{split.lower()} split can take ({_shape_words(info, split)})",
            fix,
        )


def _shape_words(info: DatasetInfo, split: str) -> str:
    n_cases = info.n_train if split == "TRAIN" else info.n_test
    length = info.length or f"at most {MAX_VARIABLE_LENGTH}"
    return f"{n_cases} series x {info.n_channels} channel(s) x length {length}"


def one_line(text: object) -> str:
    return " ".join(str(text).split())


def source_error(info: DatasetInfo, source: str, reason: str, fix: str) -> DataError:
    """A DataError "<name> from <source>: <reason>; <fix>" that remembers its reason."""
    reason = one_line(reason).rstrip(".")
    exc = DataError(f"{info.name} from {source}: {reason}; {one_line(fix)}")
    exc.reason = reason  # type: ignore[attr-defined]
    return exc


# ------------------------------------------------------------------------ checksums


def dataset_checksum(digests: dict[str, str]) -> str:
    """One digest over the (file name, sha256) pairs, independent of where they lie."""
    total = hashlib.sha256()
    for filename in sorted(digests):
        total.update(f"{filename}\0{digests[filename]}\n".encode())
    return total.hexdigest()


def lock_entry(path: Path, digest: str | None = None) -> dict[str, Any]:
    """The lock file's entry of ``path``: its sha256 and size."""
    return {"sha256": digest or sha256_file(path), "bytes": path.stat().st_size}


def cache_fix(name: str, folder: Path) -> str:
    return f"refetch it with `rntk-bench download {name} --force` (or delete {folder})."


def verify_cached(info: DatasetInfo, lock: ChecksumLock, files: dict[str, Path]) -> dict[str, str]:
    """Check the cached files against the lock (recording new ones); file name -> sha256."""
    digests: dict[str, str] = {}
    new: dict[str, dict[str, Any]] = {}
    for path in files.values():
        digest = sha256_file(path)
        key = f"cache:{info.name}/{path.name}"
        verify_pinned(
            info.pinned_sha256(path.name),
            digest,
            dataset=info.name,
            what=f"cached file {path}",
            fix="the file was modified or damaged; " + cache_fix(info.name, path.parent),
        )
        seen = lock.verify(
            key,
            digest,
            dataset=info.name,
            what=f"cached file {path}",
            fix="the file was modified or damaged; " + cache_fix(info.name, path.parent),
        )
        if not seen:  # e.g. the lock file was deleted: record what is there now
            new[key] = lock_entry(path, digest)
        digests[path.name] = digest
    if new:
        lock.update(new)
    return digests


def parse_pair(
    info: DatasetInfo, files: dict[str, Path], source: str, fix: str, strip: Path | None = None
) -> tuple[ParsedSplit, ParsedSplit]:
    """Read both splits and check them against the registry; errors name ``source``."""
    for split, path in files.items():
        # refuse before reading: parsing would take minutes and GiBs
        check_size(info, split, path, path.stat().st_size, source, fix)
    try:
        train = read_split(files["TRAIN"], info)
        test = read_split(files["TEST"], info)
        verify_splits(info, train, test)
    except DataError as exc:
        message = str(exc)
        if strip is not None:  # staged files: name the file, not the temporary folder
            message = message.replace(f"{strip}{os.sep}", "").replace(str(strip), "files")
        raise source_error(info, source, message, fix) from None
    return train, test


# ---------------------------------------------------------------------- transactions


@dataclass
class Staged:
    """Files a source wrote into a staging folder, with where they came from."""

    files: dict[str, Path]  # split -> staged file
    origin: dict[str, dict[str, Any]]  # lock key -> entry, for where it came from
    action: str
    source: str
    n_bytes: int


@dataclass(frozen=True)
class Committed:
    """A data set just moved into the cache: its checksum, files and parsed splits."""

    checksum: str
    files: tuple[Path, ...]
    train: ParsedSplit
    test: ParsedSplit


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process, or not a pid: leave its folder alone
    return True


def clean_leftovers(home: Path, name: str) -> None:
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
                _remove(path)


def _remove(path: Path) -> None:
    """Remove a folder, or the link itself when it is a symlink (never what it points to).

    A cached data set may be a symlink to a folder elsewhere; rmtree refuses links.
    """
    if path.is_symlink():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def staging(home: Path, name: str) -> Iterator[Path]:
    """A temporary folder inside the data home (same file system: renames are atomic).

    Sources write the split files into its ``files`` subfolder. A full disk raises an
    OSError (ENOSPC) naming the data home, whatever file was being written.
    """
    path = None
    try:
        home.mkdir(parents=True, exist_ok=True)
        clean_leftovers(home, name)
        path = Path(tempfile.mkdtemp(prefix=f".staging-{name}-{os.getpid()}-", dir=home))
        (path / "files").mkdir()
        yield path
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        # A copy names its source first: the file that did not fit is in the data home.
        raise OSError(exc.errno, exc.strerror, str(home)) from None
    finally:
        if path is not None:
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
        _remove(old)


def commit_staged(
    info: DatasetInfo,
    home: Path,
    lock: ChecksumLock,
    staged: Staged,
    *,
    force: bool,
    fix: str,
) -> Committed:
    """Parse and check staged files, move them into the cache, then update the lock.

    Without ``force`` the staged files must equal what the lock recorded for the
    cache (a different copy needs ``--force``). The lock gains the source's entries
    and the new cache entries, and loses cache entries of files no longer there.
    """
    files_dir = next(iter(staged.files.values())).parent
    train, test = parse_pair(info, staged.files, staged.source, fix, strip=files_dir)
    cache_entries: dict[str, dict[str, Any]] = {}
    digests: dict[str, str] = {}
    for path in staged.files.values():
        digest = sha256_file(path)
        key = f"cache:{info.name}/{path.name}"
        verify_pinned(  # even with force: the registry pins the archive's own file
            info.pinned_sha256(path.name),
            digest,
            dataset=info.name,
            what=f"{path.name} from {staged.source}",
            fix="this source does not hold the archive's file; nothing was cached. Use "
            "another --archive or --source.",
        )
        if not force:
            lock.verify(
                key,
                digest,
                dataset=info.name,
                what=f"{path.name} from {staged.source}",
                fix=f"the cache held a different copy before; run `rntk-bench download "
                f"{info.name} --force` to replace it.",
            )
        cache_entries[key] = lock_entry(path, digest)
        digests[path.name] = digest
    target = home / info.name
    _commit(files_dir, target)
    stale = [
        k for k in lock.keys() if k.startswith(f"cache:{info.name}/") and k not in cache_entries
    ]
    lock.update({**staged.origin, **cache_entries}, remove=stale)
    return Committed(
        checksum=dataset_checksum(digests),
        files=tuple(target / p.name for p in staged.files.values()),
        train=ParsedSplit(target / train.path.name, train.X, train.labels, train.lines),
        test=ParsedSplit(target / test.path.name, test.X, test.labels, test.lines),
    )
