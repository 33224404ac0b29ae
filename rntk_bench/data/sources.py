"""Where a data set's files come from, each source writing them into a staging folder.

Sources, in the order :func:`plan` lists them: the data sets bundled with sktime; a
local copy of the archive (``archive=PATH``: a folder of ``<Name>/<Name>_TRAIN.tsv``
or ``.ts`` files, or of ``<Name>.zip`` files); per-data-set zip files over HTTP(S)
from URL templates; and, for the registered synthetic data sets, the seeded
generator (their only source). The cache in the data home comes before all of them
(:mod:`rntk_bench.data.fetch`). Every source checks what it read against the
checksum lock (keys: ``sktime:``, ``archive:``, ``synthetic:``, the URL) and returns
a :class:`~rntk_bench.data.cache.Staged` for the cache transaction;
:func:`no_source_error` says where it looked when none of them gave the data set.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rntk_bench.data._home import SPLITS
from rntk_bench.data._http import DownloadLimits, download_file
from rntk_bench.data._lock import ChecksumLock, sha256_file
from rntk_bench.data._zip import extract_zip
from rntk_bench.data.cache import Staged, lock_entry, max_zip_bytes, one_line
from rntk_bench.data.registry import DatasetInfo
from rntk_bench.data.synthetic import SYNTHETIC, generate, write_ts
from rntk_bench.errors import DataError, DownloadError, InputError

__all__ = [
    "DEFAULT_SOURCES",
    "Step",
    "check_archive",
    "check_sources",
    "no_source_error",
    "plan",
    "sktime_data_dir",
]

DEFAULT_SOURCES: tuple[str, ...] = ("https://timeseriesclassification.com/aeon-toolkit/{name}.zip",)
PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class Step:
    """One source to try: its kind, where it is (for messages) and how to stage it."""

    kind: str  # "sktime", "archive", "url" or "synthetic"
    where: str
    stage: Callable[[Path], Staged | None]  # staging folder -> staged files, or None
    fix: str  # what to do when its files do not parse or match the registry


_LOCAL_FIX = {
    "sktime": "reinstall sktime, or fetch the data set with --archive PATH or a download.",
    "archive": "the archive copy is damaged or not the UCR/UEA 2018 version; restore it "
    "or use another --archive.",
    "synthetic": "the generator and the registry disagree; regenerate datasets.yaml "
    "with tools/make_registry.py.",
}
_URL_FIX = (
    "the source does not hold the version this registry describes; "
    "use another --source or --archive PATH."
)


def plan(
    info: DatasetInfo,
    lock: ChecksumLock,
    *,
    archive: Path | None,
    sources: tuple[str, ...],
    allow_download: bool,
    progress: bool,
    limits: DownloadLimits,
) -> list[Step]:
    """The sources to try for ``info``, in order (the cache is not among them)."""
    if info.archive == "synthetic":  # generated here: no other source, no network
        generator = functools.partial(_stage_synthetic, info, lock=lock)
        return [Step("synthetic", "generator", generator, _LOCAL_FIX["synthetic"])]
    bundled = functools.partial(_stage_sktime, info, lock=lock)
    steps = [Step("sktime", "sktime", bundled, _LOCAL_FIX["sktime"])]
    if archive is not None:
        local = functools.partial(_stage_archive, info, archive, lock=lock)
        steps.append(Step("archive", f"archive {archive}", local, _LOCAL_FIX["archive"]))
    if allow_download:
        for template in sources:
            url = template.format(name=info.name)
            remote = functools.partial(
                _stage_url, info, url, lock=lock, progress=progress, limits=limits
            )
            steps.append(Step("url", url, remote, _URL_FIX))
    return steps


# -------------------------------------------------------------------- user input


def check_sources(sources: Sequence[str] | str | None) -> tuple[str, ...]:
    """The URL templates to try (default :data:`DEFAULT_SOURCES`); InputError if bad."""
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


def check_archive(archive: PathLike | None) -> Path | None:
    """The local archive folder as an absolute path (None stays None); InputError if bad."""
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


# ------------------------------------------------------------------------ sktime


def sktime_data_dir() -> Path | None:
    """The folder of the data sets bundled with the installed sktime, or None.

    Found by path inside sktime's package, not through sktime's public loaders
    (``sktime.datasets.load_UCR_UEA_dataset``, the ``UCRUEADataset`` classes): those
    return parsed frames, not the files, and this layer needs the files themselves -
    their sha256 goes into the checksum lock and they are cached as received; sktime's
    reader lowercases the class labels (ours keep them as written); and for a name it
    does not bundle the loader downloads into sktime's own folder instead of failing.
    ``find_spec`` locates the package without importing it (sktime takes ~1 s).
    """
    spec = importlib.util.find_spec("sktime")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data"


def _stage_sktime(info: DatasetInfo, staging: Path, *, lock: ChecksumLock) -> Staged | None:
    data_dir = sktime_data_dir()
    if not info.bundled or data_dir is None:
        return None
    found = {s: data_dir / info.name / f"{info.name}_{s}.ts" for s in SPLITS}
    if not all(f.is_file() for f in found.values()):
        return None
    return _copy_files(info, found, staging, lock, "sktime", "sktime", "sktime")


# --------------------------------------------------------------------- synthetic


def _stage_synthetic(info: DatasetInfo, staging: Path, *, lock: ChecksumLock) -> Staged:
    """Generate a registered synthetic data set into .ts files (then checked as any)."""
    spec = SYNTHETIC.get(info.name)
    if spec is None:
        raise DataError(
            f"{info.name} is registered as synthetic but rntk_bench.data.synthetic has no "
            "generator for it; regenerate datasets.yaml with tools/make_registry.py."
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
        origin[key] = lock_entry(path, digest)
    source = "synthetic generator"
    n_bytes = sum(f.stat().st_size for f in files.values())
    return Staged(files, origin, "synthetic", source, n_bytes)


# ----------------------------------------------------------------------- archive


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
    info: DatasetInfo, archive: Path, staging: Path, *, lock: ChecksumLock
) -> Staged | None:
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
    files = extract_zip(info, where, staging / "files", source)
    return Staged(files, {key: lock_entry(where, digest)}, "archive", source, where.stat().st_size)


def _copy_files(
    info: DatasetInfo,
    found: dict[str, Path],
    staging: Path,
    lock: ChecksumLock,
    prefix: str,
    source: str,
    action: str,
    root: Path | None = None,
) -> Staged:
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
        origin[key] = lock_entry(path, digest)
        files[split] = staging / "files" / path.name
        shutil.copyfile(path, files[split])
    n_bytes = sum(f.stat().st_size for f in files.values())
    return Staged(files, origin, action, source, n_bytes)


# ---------------------------------------------------------------------- download


def _stage_url(
    info: DatasetInfo,
    url: str,
    staging: Path,
    *,
    lock: ChecksumLock,
    progress: bool,
    limits: DownloadLimits,
) -> Staged:
    zip_path = staging / f"{info.name}.zip"
    if limits.max_bytes is None:
        limits = dataclasses.replace(limits, max_bytes=max_zip_bytes(info))
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
    files = extract_zip(info, zip_path, staging / "files", url)
    return Staged(files, {url: lock_entry(zip_path, digest)}, "download", url, n_bytes)


# ---------------------------------------------------------------------- failures


def no_source_error(
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
    return cls(one_line(f"{label}: every source failed: {reasons}. {fix}"))


def _reason(exc: DataError) -> str:
    return str(getattr(exc, "reason", None) or exc).rstrip(".")
