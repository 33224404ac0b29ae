"""Published reference accuracies: rows of the tidy table that were NOT recomputed.

Two sources, both labelled ``"<name> (published)"`` with ``source="published"``:

- the registry (datasets.yaml, from the UCR archive's summary table): 1-NN with the
  Euclidean distance ("1NN-ED (published)") and with DTW and a window learned on
  the training split ("1NN-DTW-w (published)"); accuracy = 1 - published error, for
  the official split (resample 0) only;
- bake-off files ``<Classifier>_accuracy.csv`` (Middlehurst, Schafer and Bagnall,
  2023): first column the data set, then one column per resample (0 = the official
  split), read from a folder, a file, or an http(s) URL of either.

For a fair comparison :func:`align_published` keeps, per data set, only the
published resamples that the computed run also has (resamples 0..k-1 for a run
with k resamples), so that their mean is over the same splits. The rule is per data
set: in a run whose data sets have different resample counts (3 on one, 1 on
another), each data set's published mean is over that data set's resamples, the
union over the run's methods; a source with fewer resamples there (the registry's
official split) gives the mean of those it has, and the report says how many.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from io import StringIO
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pandas as pd
import requests

from rntk_bench.data.registry import get_registry
from rntk_bench.errors import InputError
from rntk_bench.reporting.tidy import Problem, tidy_frame

__all__ = [
    "BAKEOFF_CLASSIFIERS",
    "PUBLISHED_SUFFIX",
    "align_published",
    "is_published",
    "parse_published_csv",
    "published_frames",
    "published_name",
    "read_published",
    "registry_published",
]

PUBLISHED_SUFFIX = " (published)"
#: The classifiers of the 2023 bake-off looked for when a URL serves no folder listing.
BAKEOFF_CLASSIFIERS = ("1NN-DTW", "GRAIL", "HC2", "InceptionTime", "MiniROCKET", "ROCKET")
_FILE_SUFFIX = "_accuracy.csv"
_TIMEOUT = 30.0


def published_name(name: str) -> str:
    """The leaderboard name of a published method: ``"ROCKET"`` -> ``"ROCKET (published)"``."""
    return name if name.endswith(PUBLISHED_SUFFIX) else name + PUBLISHED_SUFFIX


def is_published(method: str) -> bool:
    """Whether a method name is a published reference row."""
    return method.endswith(PUBLISHED_SUFFIX)


def _published_row(dataset: str, method: str, resample: int, accuracy: float, where: str) -> dict:
    return {
        "dataset": dataset,
        "method": method,
        "resample": resample,
        "accuracy": accuracy,
        "source": "published",
        "path": where,
    }


def registry_published(datasets: Iterable[str]) -> pd.DataFrame:
    """The registry's published 1-NN accuracies of ``datasets`` (official split only).

    Parameters
    ----------
    datasets : iterable of str
        Data-set names; unregistered names and data sets without published errors
        (the UEA data sets) give no rows.

    Returns
    -------
    DataFrame
        Tidy rows (see :data:`rntk_bench.reporting.tidy.TIDY_COLUMNS`) with method
        "1NN-ED (published)" (1 - ``ed_error``) and "1NN-DTW-w (published)"
        (1 - ``dtw_learned_error``), resample 0, source "published".
    """
    registry = get_registry()
    rows = []
    for name in datasets:
        if name not in registry:
            continue
        info = registry[name]
        for method, error in (
            ("1NN-ED", info.ed_error),
            ("1NN-DTW-w", info.dtw_learned_error),
        ):
            if error is not None and math.isfinite(error):
                # Round away the float noise of 1 - 0.0867 so tables show 0.9133.
                accuracy = round(1.0 - float(error), 10)
                rows.append(_published_row(name, published_name(method), 0, accuracy, "registry"))
    return tidy_frame(rows)


def parse_published_csv(text: str, method: str, where: str) -> pd.DataFrame:
    """Parse one bake-off accuracy file into tidy rows.

    Parameters
    ----------
    text : str
        CSV text: header row, then one row per data set; first column the data-set
        name, then one column per resample (header: the resample number).
    method : str
        The classifier's name (without the "(published)" suffix).
    where : str
        Path or URL, for messages and the ``path`` column.

    Returns
    -------
    DataFrame
        Tidy rows: dataset, method "<method> (published)", resample, accuracy,
        source "published". Empty cells give no row.

    Raises
    ------
    InputError
        If the header's resample columns are not integers, a value is not a number,
        an accuracy is outside [0, 1], or a data set appears twice.
    """
    try:
        wide = pd.read_csv(StringIO(text), index_col=0)
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputError(f"{where} is not a CSV file ({' '.join(str(exc).split())}).") from None
    fix = "expected the bake-off layout: data set, then one column per resample 0, 1, ..."
    try:
        resamples = [int(str(c).strip()) for c in wide.columns]
    except ValueError:
        raise InputError(
            f"{where}: resample columns must be integers; got {list(wide.columns)[:5]}; {fix}"
        ) from None
    if not resamples or min(resamples) < 0:
        raise InputError(f"{where}: no resample columns; {fix}")
    if wide.index.duplicated().any():
        twice = sorted(set(wide.index[wide.index.duplicated()].astype(str)))
        raise InputError(f"{where}: data sets listed twice: {', '.join(twice[:5])}; {fix}")
    values = wide.apply(pd.to_numeric, errors="coerce")
    bad = values.isna() & wide.notna()
    if bad.to_numpy().any():
        dataset = str(bad.any(axis=1).idxmax())
        raise InputError(f"{where}: non-numeric accuracy for {dataset}; {fix}")
    outside = (values < 0) | (values > 1)
    if outside.to_numpy().any():
        dataset = str(outside.any(axis=1).idxmax())
        raise InputError(
            f"{where}: accuracy outside [0, 1] for {dataset} (percentages?); expected fractions."
        )
    values.columns = resamples
    values.index = values.index.astype(str).str.strip()
    long = values.stack().dropna().reset_index()  # empty cells (not run) give no row
    long.columns = ["dataset", "resample", "accuracy"]
    name = published_name(method)
    rows = [
        _published_row(d, name, int(r), float(a), where) for d, r, a in long.itertuples(index=False)
    ]
    return tidy_frame(rows)


def _method_of(name: str) -> str:
    return name[: -len(_FILE_SUFFIX)] if name.endswith(_FILE_SUFFIX) else Path(name).stem


def _is_url(source: str) -> bool:
    return urlparse(source).scheme in ("http", "https")


def _get(url: str) -> requests.Response:
    try:
        return requests.get(url, timeout=_TIMEOUT)
    except requests.RequestException as exc:
        raise InputError(
            f"--published {url} could not be fetched ({type(exc).__name__}); check the URL "
            "or use a local folder."
        ) from None


def _url_files(source: str) -> list[tuple[str, str]]:
    """(method, url) of the accuracy files behind a URL of a file or a folder."""
    if source.lower().endswith(".csv"):
        return [(_method_of(Path(urlparse(source).path).name), source)]
    folder = source if source.endswith("/") else source + "/"
    response = _get(folder)
    links: list[str] = []
    if response.ok:
        # A directory listing (python -m http.server, nginx autoindex, Apache) links the files.
        links = re.findall(r'href="([^"?#]+' + re.escape(_FILE_SUFFIX) + ')"', response.text)
    if links:
        files = {urljoin(folder, link) for link in links}
        return sorted((_method_of(Path(urlparse(u).path).name), u) for u in files)
    # No listing: look for the bake-off's own classifiers by name.
    return [(m, urljoin(folder, m + _FILE_SUFFIX)) for m in BAKEOFF_CLASSIFIERS]


def read_published(source: str | Path) -> tuple[pd.DataFrame, list[Problem]]:
    """Read bake-off accuracy files from a folder, a file, or an http(s) URL of either.

    Parameters
    ----------
    source : str or Path
        A folder holding ``<Classifier>_accuracy.csv`` files, one such file, or an
        http(s) URL of either (a folder URL is read through its directory listing,
        else the files of :data:`BAKEOFF_CLASSIFIERS` are tried).

    Returns
    -------
    table : DataFrame
        Tidy rows (dataset, method "<Classifier> (published)", resample, accuracy,
        source "published", path), sorted by method, dataset, resample.
    problems : list of Problem
        Files that could not be read or parsed (left out), so one bad file does not
        hide the others.

    Raises
    ------
    InputError
        If ``source`` does not exist, cannot be fetched, or yields no usable file.
    """
    text_source = str(source)
    problems: list[Problem] = []
    frames: list[pd.DataFrame] = []
    if _is_url(text_source):
        for method, url in _url_files(text_source):
            response = _get(url)
            if response.status_code == 404 and not text_source.lower().endswith(".csv"):
                continue  # a classifier the folder does not have
            if not response.ok:
                problems.append(Problem(url, f"HTTP {response.status_code}; file left out."))
                continue
            try:
                frames.append(parse_published_csv(response.text, method, url))
            except InputError as exc:
                problems.append(Problem(url, str(exc)))
    else:
        path = Path(text_source)
        if path.is_dir():
            paths = sorted(path.glob("*" + _FILE_SUFFIX))
        elif path.is_file():
            paths = [path]
        else:
            raise InputError(
                f"--published {path} does not exist; expected a folder of "
                f"<Classifier>{_FILE_SUFFIX} files, one such file, or an http(s) URL."
            )
        for file in paths:
            try:
                text = file.read_text(encoding="utf-8")
                frames.append(parse_published_csv(text, _method_of(file.name), str(file)))
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(Problem(str(file), f"unreadable ({exc}); file left out."))
            except InputError as exc:
                problems.append(Problem(str(file), str(exc)))
    frames = [f for f in frames if not f.empty]
    if not frames:
        detail = f" ({'; '.join(p.reason for p in problems[:3])})" if problems else ""
        raise InputError(
            f"--published {text_source}: no usable <Classifier>{_FILE_SUFFIX} file found"
            f"{detail}; expected the bake-off layout (data set, then one column per resample)."
        )
    table = pd.concat(frames, ignore_index=True)
    table = table.sort_values(["method", "dataset", "resample"], kind="stable")
    return table.reset_index(drop=True), problems


def align_published(computed: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """Keep the published rows comparable with the computed ones.

    Published data-set names are matched case-insensitively to the computed ones
    (and take their spelling); per data set only the resamples the computed run has
    there (any of its methods) are kept, so a run with resamples 0..k-1 is compared
    with the published mean over resamples 0..k-1, each data set with its own k.
    Data sets the run does not have are dropped.

    Parameters
    ----------
    computed, published : DataFrame
        Tidy tables (:data:`rntk_bench.reporting.tidy.TIDY_COLUMNS`).

    Returns
    -------
    DataFrame
        The aligned subset of ``published``.
    """
    if published.empty or computed.empty:
        return published.iloc[0:0]
    spelling = {name.lower(): name for name in computed["dataset"].unique()}
    published = published.assign(dataset=published["dataset"].str.lower().map(spelling))
    splits = computed[["dataset", "resample"]].drop_duplicates()
    aligned = published.merge(splits, on=["dataset", "resample"], how="inner")
    return aligned[published.columns].reset_index(drop=True)


def _describe(source: str | Path) -> str:
    text = str(source)
    if text.startswith(("http://", "https://")):
        return text
    return f"{Path(text).name} (local)"


def published_frames(
    computed: pd.DataFrame,
    sources: Sequence[str | Path] = (),
    *,
    registry: bool = True,
) -> tuple[pd.DataFrame, list[Problem], list[str]]:
    """All published rows aligned with ``computed``: registry rows and bake-off files.

    Returns
    -------
    table : DataFrame
        Aligned published tidy rows.
    problems : list of Problem
        Files left out.
    used : list of str
        Where the rows came from: "registry ...", URLs as given, local folders and files
        by their name only (a report must not carry the layout of one machine).
    """
    frames: list[pd.DataFrame] = []
    problems: list[Problem] = []
    used: list[str] = []
    datasets = list(computed["dataset"].unique()) if not computed.empty else []
    if registry:
        frames.append(registry_published(datasets))
        used.append("registry (datasets.yaml: UCR archive summary, official split)")
    for source in sources:
        table, found = read_published(source)
        frames.append(table)
        problems.extend(found)
        used.append(_describe(source))
    non_empty = [f for f in frames if not f.empty]
    if not non_empty:
        return tidy_frame([]), problems, used
    combined = pd.concat(non_empty, ignore_index=True)
    return align_published(computed, combined), problems, used
