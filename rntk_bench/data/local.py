"""Your own data: a folder in the archive's layout, read in place without registration.

A data-set argument is a **path** when it contains a path separator (``path/to/MyData``,
``./MyData``; :func:`is_path`), else a **name**: a registered data set, or a folder of an
``--archive`` that holds data sets the registry does not know. A bare name is never
read as a folder of the working directory (a folder ``GunPoint`` there would silently
replace the registered GunPoint); the error for an unknown name says how to give one.

The folder ``MyData`` holds ``MyData_TRAIN.tsv`` and ``MyData_TEST.tsv`` (UCR: one
series per line, the label first) or ``MyData_TRAIN.ts`` and ``MyData_TEST.ts``
(sktime/aeon, uni- or multivariate). The shapes are inferred and checked: both splits
have series and the same number of channels, labels parse, at least two classes are in
the training split. Lengths: equal when every series has the same length; in a .tsv,
NaN at the end of a line are the archive's padding of a shorter series and NaN elsewhere
are missing values (filled as for a registered data set). The files are read where they
are, never copied into the data home; the data set is named after its folder and its
checksum covers the files' names and sha256 and the inferred layout, so results are
cached and resumed exactly as for a registered data set.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from rntk_bench.data._home import SPLITS
from rntk_bench.data._lock import sha256_file
from rntk_bench.data._parse import ParsedSplit, Series, check_layout, finish, read_raw
from rntk_bench.data.cache import dataset_checksum
from rntk_bench.data.registry import DatasetInfo, get_registry, resolve_names
from rntk_bench.errors import DataError, InputError, UnknownNameError

__all__ = [
    "LOCAL_ARCHIVE",
    "find_in_archive",
    "is_path",
    "load_local",
    "local_folder",
    "resolve_datasets",
]

#: ``DatasetInfo.archive`` of a data set read from a folder of one's own.
LOCAL_ARCHIVE = "local"
_EXTENSIONS = ("tsv", "ts")


def is_path(name: str) -> bool:
    """Whether a data-set argument is a folder's path: it contains a path separator.

    Registered names never contain one; ``./MyData`` names the folder ``MyData`` of the
    working directory.
    """
    separators = {"/", os.sep} | ({os.altsep} if os.altsep else set())
    return any(sep in name for sep in separators)


def _dataset_name(folder: Path) -> str:
    return Path(os.path.abspath(folder)).name  # "." and "MyData/" name their folder


def _split_files(folder: Path) -> dict[str, Path] | None:
    name = _dataset_name(folder)
    for ext in _EXTENSIONS:
        files = {s: folder / f"{name}_{s}.{ext}" for s in SPLITS}
        if all(f.is_file() for f in files.values()):
            return files
    return None


def find_in_archive(archive: str | os.PathLike[str], name: str) -> Path | None:
    """The folder of data set ``name`` in an archive folder, or None.

    Looks for ``<archive>/UCRArchive_2018/<name>/`` and ``<archive>/<name>/`` holding
    both split files (.tsv or .ts), as the registered data sets' archive source does.
    """
    base = Path(archive).expanduser()
    for root in (base / "UCRArchive_2018", base):
        if _split_files(root / name) is not None:
            return root / name
    return None


def local_folder(name: str, archive: str | os.PathLike[str] | None = None) -> Path | None:
    """The folder of an unregistered data set named ``name``, or None for a registered one.

    A path (:func:`is_path`) is that folder; a bare name that is registered gives
    None; an unregistered bare name is looked up in ``archive``.

    Raises
    ------
    UnknownNameError
        For a bare name that is neither registered nor in ``archive``.
    """
    if is_path(name):
        return Path(name).expanduser()
    try:
        get_registry().canonical(name)
        return None
    except UnknownNameError as exc:
        found = find_in_archive(archive, name) if archive is not None else None
        if found is not None:
            return found
        raise UnknownNameError(f"{exc} {_own_data_hint(name, archive)}") from None


def _own_data_hint(name: str, archive: str | os.PathLike[str] | None) -> str:
    where = f" (it is not in the archive {archive} either)" if archive is not None else ""
    if Path(name).is_dir():
        return (
            f"A folder {name} is here{where}: to run it as your own data, give its path, ./{name}"
        )
    return (
        f"For your own data{where}, give its folder's path (with a '/', e.g. ./{name}) or "
        f"--archive DIR holding {name}/{name}_TRAIN.tsv."
    )


def resolve_datasets(
    names: Sequence[str] = (),
    suite: str | None = None,
    archive: str | os.PathLike[str] | None = None,
) -> list[str]:
    """The data sets of a run: registered names, then the folders of one's own data.

    Parameters
    ----------
    names : sequence of str
        Registered names (any case), paths of folders (:func:`is_path`), or names of
        unregistered data sets in ``archive``.
    suite : str, optional
        A suite of registered data sets.
    archive : path-like, optional
        A folder holding ``<Name>/<Name>_TRAIN.tsv`` (or ``UCRArchive_2018/<Name>/``).

    Returns
    -------
    list of str
        Registered names in registry order, then one folder path per own data set in
        the order given (an archive's folder as ``<archive>/<Name>``);
        :func:`rntk_bench.data.fetch_dataset` takes either.

    Raises
    ------
    UnknownNameError
        For a name that is neither registered, a path nor in ``archive``.
    InputError
        For a path that is not a folder in the archive's layout, or two data sets of
        one name (results are filed by name).
    """
    if isinstance(names, str):
        names = [names]
    registered: list[str] = []
    folders: list[Path] = []
    for name in names:
        folder = local_folder(name, archive)
        if folder is None:
            registered.append(name)
        elif not any(os.path.samefile(folder, f) for f in folders if folder.exists()):
            check_folder(folder)
            folders.append(folder)
    out = resolve_names(registered, suite)
    seen = {n.lower(): n for n in out}
    for folder in folders:
        own = _dataset_name(folder)
        if own.lower() in seen:
            raise InputError(
                f"two data sets named {own}: {seen[own.lower()]} and {folder}; results are "
                "filed by data-set name, so run them separately (another --name) or rename "
                "the folder."
            )
        # Path("./MyData") prints as "MyData": keep a separator, or it reads as a name.
        text = str(folder) if is_path(str(folder)) else os.path.join(os.curdir, folder)
        seen[own.lower()] = text
        out.append(text)
    return out


def check_folder(folder: Path) -> dict[str, Path]:
    """The split files of an own data set's folder; InputError in one line if absent."""
    name = _dataset_name(folder)
    layout = f"{name}_TRAIN.tsv and {name}_TEST.tsv (or {name}_TRAIN.ts and {name}_TEST.ts)"
    if folder.is_file():
        raise InputError(
            f"{folder} is a file; give the folder of your data set ({folder.parent}), which "
            "holds <Name>_TRAIN.tsv and <Name>_TEST.tsv (or .ts files)."
        )
    if not folder.is_dir():
        raise InputError(
            f"{folder} does not exist; a data set of your own is a folder {name}/ holding {layout}."
        )
    files = _split_files(folder)
    if files is None:
        present = sorted(p.name for p in folder.iterdir() if p.suffix in (".tsv", ".ts"))
        found = f"it has {', '.join(present)}" if present else "it has no .tsv or .ts file"
        raise InputError(f"{folder} should hold {layout}; {found}.")
    return files


# --------------------------------------------------------------------- inference


def _channels(split: ParsedSplit) -> int:
    found = {s.shape[0] for s in split.X}
    if len(found) != 1:
        raise DataError(
            f"{split.path}: the cases have different numbers of channels {sorted(found)}."
        )
    return found.pop()


def _lengths(split: ParsedSplit) -> np.ndarray:
    """Each case's length: for a .tsv without the NaN padding at the end of its line."""
    if split.path.suffix != ".tsv":
        return np.array([s.shape[1] for s in split.X], dtype=np.int64)
    X = np.asarray(split.X)
    observed = ~np.isnan(X).all(axis=1)  # (n_cases, width)
    lengths = X.shape[2] - np.argmax(observed[:, ::-1], axis=1)
    lengths[~observed.any(axis=1)] = 0
    return lengths


def _infer(name: str, train: ParsedSplit, test: ParsedSplit) -> tuple[DatasetInfo, int | None]:
    """The layout both splits share; (info, the common length or None)."""
    channels = _channels(train)
    if _channels(test) != channels:
        raise DataError(
            f"{test.path} has {_channels(test)} channel(s) but {train.path} has {channels}; "
            "both splits must have the same channels."
        )
    lengths = {}
    for split in (train, test):
        lengths[split.path] = _lengths(split)
        empty = np.flatnonzero(lengths[split.path] == 0)
        if empty.size:
            raise DataError(
                f"{split.path}, line {split.lines[empty[0]]}: the series has no values."
            )
    distinct = set(np.concatenate(list(lengths.values())).tolist())
    length = distinct.pop() if len(distinct) == 1 else None
    classes = sorted(set(train.labels.tolist()))
    if len(classes) < 2:
        raise DataError(
            f"{train.path}: every training series has the label {classes[0]!r}; "
            "classification needs at least two classes."
        )
    info = DatasetInfo(
        name=name,
        archive=LOCAL_ARCHIVE,
        problem_type="",
        n_train=train.n_cases,
        n_test=test.n_cases,
        n_classes=len(set(classes) | set(test.labels.tolist())),
        n_channels=channels,
        length=length,
        missing=False,
        bundled=False,
    )
    return info, length


def _has_nan(split: ParsedSplit) -> bool:
    return any(bool(np.isnan(s).any()) for s in split.X)


def load_local(
    folder: str | os.PathLike[str], missing: str = "interpolate"
) -> tuple[DatasetInfo, Series, np.ndarray, Series, np.ndarray, tuple[str, ...], str]:
    """Read an own data set's folder, inferring and checking its layout.

    Parameters
    ----------
    folder : path-like
        The folder ``MyData`` holding ``MyData_TRAIN``/``_TEST`` .tsv or .ts files.
    missing : {"interpolate", "error"}
        As in :func:`rntk_bench.data.fetch_dataset`.

    Returns
    -------
    info, X_train, y_train, X_test, y_test, classes, checksum
        ``info`` the inferred :class:`DatasetInfo` (archive "local"); X and y as in
        :class:`rntk_bench.data.Dataset`; the checksum over the files' names and
        sha256 and the inferred layout.

    Raises
    ------
    InputError
        When the folder is not in the archive's layout.
    DataError
        In one line naming the file and the line, for a file that does not parse or
        splits that disagree.
    """
    folder = Path(folder).expanduser()
    files = check_folder(folder)
    raw = {s: read_raw(path) for s, path in files.items()}
    info, length = _infer(_dataset_name(folder), raw["TRAIN"], raw["TEST"])
    if length is not None:  # a .tsv whose every line ends in the same NaN columns
        raw = {
            s: replace(p, X=np.asarray(p.X)[:, :, :length]) if p.path.suffix == ".tsv" else p
            for s, p in raw.items()
        }
    # Missing values are NaN left once the padding is gone; the layout check strips it.
    probe = {s: check_layout(p, replace(info, missing=True)) for s, p in raw.items()}
    info = replace(info, missing=any(_has_nan(p) for p in probe.values()))
    train, test = probe["TRAIN"], probe["TEST"]
    X_train, y_train, X_test, y_test, classes = finish(info, train, test, missing)
    digests = {path.name: sha256_file(path) for path in files.values()}
    layout = (
        f"{info.n_channels} channel(s), length {info.length or 'variable'}, "
        f"{'with' if info.missing else 'without'} missing values"
    )
    checksum = dataset_checksum({**digests, "(inferred layout)": layout})
    return info, X_train, y_train, X_test, y_test, classes, checksum
