"""Result files in tsml-eval's format, for the field's evaluation tools.

One file per (method, data set, resample)::

    OUT/<method>/Predictions/<Dataset>/testResample<k>.csv

in the plain-text format of tsml-eval's ``write_classification_results``, written by
:mod:`.tsml_format` (no tsml-eval needed), so that tsml-eval's
``load_classifier_results`` and ``evaluate_classifiers_by_problem`` (and aeon's
readers) read them as they read tsml-eval's own runs. Everything comes from the
result files (labels, predictions, probabilities, timings); nothing is refit.

Names. The method is the name reports give it (:func:`rntk_bench.records.method_name`):
the kernel, or its ``method_names`` entry, then ``+<policy>`` for a length policy
other than the default and the report's variant tags in brackets, written with ``;``
for ``,`` and ``+`` for ``/`` (a comma would split tsml-eval's first line, a slash
would make a folder): ``rbf+pad-start``, ``rntk[L=2;erf]``. A data set with a
truncated test split is ``<Dataset>[test-<last|first>-<percent>pct]``. So a variant
never lands under the plain method's or data set's name. Every name must be plain
(:func:`.tsml_format.name_problem`); a result file whose names are not, or whose
identity disagrees with its contents or its path, is skipped with the reason.

Every result is written once: two results for the same file of one kernel (an older
protocol's, say) keep the newest, as reports do, and list the other as superseded;
two kernels that would share a file (``--method-name rbf=X --method-name linear=X``)
are an error before anything is written. The file is checked in full before it is
written (class codes in range, probabilities that are rows of finite numbers summing
to 1, timings that are numbers, a selected setting); one that fails is skipped with
the reason, and each file is written to a temporary file and renamed, so none is
ever half-written.

What goes where: line 1 names the data set, method, TEST, resample, MILLISECONDS
and the result id; line 2 is one JSON object (kernel, selected setting and C, CV
accuracy, grid, protocol, test truncation, class labels in file order); line 3 the
accuracy, fit time (the method's whole selection on the training split, Gram
matrices shared by a kernel family counted in full, plus the refit; -1 when the file
lacks one of them), predict time (test Gram + prediction; -1 when unknown), -1, -1,
the number of classes; then one row per test case. Classes are tsml-eval's codes:
``sklearn.preprocessing.LabelEncoder`` order of the original labels (sorted as
strings, so "10" comes before "2"), the probabilities' columns permuted to match.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from rntk_bench.errors import InputError, ResultError
from rntk_bench.records import Result, iter_results, read_result
from rntk_bench.reporting.export_checks import Skip, tsml_names, tsml_result, variant_key
from rntk_bench.reporting.tsml_format import name_problem, tsml_codes, tsml_path, write_text

__all__ = ["Export", "export_tsml", "tsml_codes"]


@dataclass
class Export:
    """What :func:`export_tsml` wrote and what it left out.

    Attributes
    ----------
    written : list of Path
        The files written, one per exported result.
    skipped : list of str
        One line per result file left out, with the reason.
    replaced : int
        How many of ``written`` replaced a file already there (an earlier export).
    """

    written: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    replaced: int = 0


@dataclass(frozen=True)
class _Planned:
    """A result that passed every check, and where it goes (relative to OUT)."""

    source: Path
    target: Path
    kernel: str
    variant: str  # kernel, test truncation, length policy: what the name stands for
    result_id: str
    finished: datetime


def _check_method_names(method_names: Mapping[str, str] | None) -> dict[str, str]:
    names = dict(method_names or {})
    for kernel, name in names.items():
        problem = name_problem(name)
        if problem:
            raise InputError(
                f"--method-name {kernel}={name}: {problem}; "
                f"e.g. --method-name {kernel}={kernel.upper()}."
            )
    return names


def _finished(result: Result, path: Path) -> datetime:
    """When the result was finished (UTC), else the file's modification time."""
    environment = result.environment if isinstance(result.environment, dict) else {}
    value = environment.get("finished")
    try:
        stamp = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        stamp = None
    if stamp is None:
        return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)


def _plan(
    run_dir: Path, names: Mapping[str, str], report: Export
) -> tuple[list[_Planned], set[str]]:
    """Check every result file; the exportable ones and every kernel the run holds."""
    planned: list[_Planned] = []
    kernels: set[str] = set()
    found = False
    for path, result in iter_results(run_dir):
        found = True
        if isinstance(result, ResultError):  # the reader's message names the file
            report.skipped.append(str(result) if str(path) in str(result) else f"{path}: {result}")
            continue
        kernels.add(result.kernel)
        try:
            method, dataset = tsml_names(result, path, names)
            tsml_result(result, method, dataset)  # every check, before anything is written
        except Skip as skip:
            report.skipped.append(f"{path}: {skip}")
            continue
        target = tsml_path(method, dataset, result.resample)
        planned.append(
            _Planned(
                path, target, result.kernel, variant_key(result), result.id, _finished(result, path)
            )
        )
    if not found:
        raise ResultError(
            f"no results in {run_dir} (expected runs/<Dataset>/*.json); run `rntk-bench run` first."
        )
    return planned, kernels


def _one_per_file(planned: list[_Planned], report: Export) -> list[_Planned]:
    """One result per output file: the newest of one method's; InputError across methods."""
    by_target: dict[Path, list[_Planned]] = {}
    for item in planned:
        by_target.setdefault(item.target, []).append(item)
    kept = []
    for target, items in by_target.items():
        if len({item.variant for item in items}) > 1:
            sources = ", ".join(f"{item.kernel} ({item.source})" for item in items)
            raise InputError(
                f"different methods would share the file {target}: {sources}; give each "
                "kernel its own --method-name. Nothing was written."
            )
        items.sort(key=lambda item: (item.finished, str(item.source)), reverse=True)
        kept.append(items[0])
        for older in items[1:]:
            report.skipped.append(
                f"{older.source}: superseded by the newer result {items[0].source} for "
                f"{target} (as in reports); delete the older file to silence this"
            )
    return sorted(kept, key=lambda item: str(item.target))


def _check_targets(out: Path, planned: list[_Planned]) -> None:
    """InputError when a link or a file stands where export would write, before writing."""
    seen: set[Path] = set()
    for item in planned:
        current = out
        for depth, part in enumerate(item.target.parts, start=1):
            current = current / part
            if current in seen:
                continue
            seen.add(current)
            last = depth == len(item.target.parts)
            if current.is_symlink():
                raise InputError(
                    f"{current} is a symbolic link; export writes only inside {out}, into "
                    "real folders: remove the link or choose another OUT. Nothing was written."
                )
            if current.exists() and current.is_dir() == last:
                what = "a folder" if last else "a file"
                raise InputError(
                    f"{current} is {what} where export writes the "
                    f"{'file' if last else 'folder'} {item.target}: move it or choose another "
                    "OUT. Nothing was written."
                )


def export_tsml(run_dir: Path, out: Path, method_names: Mapping[str, str] | None = None) -> Export:
    """Write every result of a run folder as a tsml-eval result file.

    Parameters
    ----------
    run_dir : Path
        A run folder (``results/<run-name>``).
    out : Path
        Where ``<method>/Predictions/<Dataset>/testResample<k>.csv`` go.
    method_names : mapping, optional
        Kernel name -> method name in the files (default: the kernel name); a length
        policy or variant tags are still appended (see the module docstring).

    Returns
    -------
    Export
        ``written`` holds exactly the files written, ``skipped`` one line per result
        file left out.

    Raises
    ------
    InputError
        A method name that is not plain, one for a kernel the run lacks, two kernels
        that would share a file, or a link or file in the way: before anything is
        written.
    ResultError
        When the folder holds no result file.
    """
    run_dir, out = Path(run_dir), Path(out)
    names = _check_method_names(method_names)
    report = Export()
    planned, kernels = _plan(run_dir, names, report)
    missing = sorted(set(names) - kernels)
    if missing:
        raise InputError(
            f"--method-name names {', '.join(missing)}, but {run_dir} holds no results of "
            f"{'that kernel' if len(missing) == 1 else 'those kernels'} (it has "
            f"{', '.join(sorted(kernels)) or 'none'}). Nothing was written."
        )
    planned = _one_per_file(planned, report)
    _check_targets(out, planned)
    for item in planned:
        # Read again: one result's arrays at a time, never the whole run in memory.
        try:
            result = read_result(item.source)
            if result.id != item.result_id:
                raise Skip("it changed during the export; export again")
            method, dataset = tsml_names(result, item.source, names)
            text = tsml_result(result, method, dataset).text()
        except (ResultError, Skip) as exc:
            report.skipped.append(f"{item.source}: {exc}")
            continue
        path = out / item.target
        path.parent.mkdir(parents=True, exist_ok=True)
        report.replaced += path.exists()
        write_text(path, text)
        report.written.append(path)
    return report
