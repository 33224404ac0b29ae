"""Compare the result files of two run folders, field by field (a developer tool).

What it is for: evidence that a change to the engine left the results as they were.
Run the same command with the old code (the baseline) and with the new code, each into
its own results folder, then compare the two run folders::

    python tools/compare_runs.py BASE_RUN_DIR NEW_RUN_DIR
    python tools/compare_runs.py results-old/ci results-new/ci

A run folder holds ``runs/<Dataset>/<kernel>-r<k>-<id12>.json`` (see
rntk_bench/records/files.py). Files are paired by their path relative to the run
folder: the id in the name is a hash of the result's identity, so equal paths mean
equal identities. A file present on one side only is reported.

Each pair is compared on every field except ``timing`` and ``environment`` (wall
times, host, dates, versions): identity, dataset, protocol, selected, cv, test, id,
schema, ... Equality is exact: the same keys, the same JSON types, the same list
lengths, integers and strings equal, floats equal bit for bit (so 0.0 and -0.0 differ,
and NaN equals NaN).

Pruned CV cells (``--tolerate-pruning``): by default ``rntk-bench run`` leaves CV cells
that can no longer be selected NaN, and which ones depends on the order in which the
parallel blocks of settings finish (each block prunes against the best finished one),
so two runs of the SAME code may differ there (seen with --grid paper, 18 blocks per
kernel; the quick grid is one block). With the option a cell of cv.mean or cv.std that
is NaN on one side only counts as equal (pruned), and cv.pruned_cells is not compared;
every cell scored on both sides, the selection and the test predictions stay exact.
Without it (the default) the tables must agree cell for cell: use it for runs made with
``--full-cv`` or with one block per kernel::

    python tools/compare_runs.py --tolerate-pruning results-old/paper10 results-new/paper10

Output: one line per differing file naming the differing keys as dotted paths (list
positions left out, with the number of differing entries), one line per file that is
on one side only, and a closing summary::

    N result files compared: I identical, M differ, A only in base, B only in new

Exit status: 0 when every file is identical and none is missing, 1 when anything
differs or is missing (or nothing was compared), 2 when a folder has no runs/ folder.
Only the standard library is used, so it runs in any Python >= 3.10.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import struct
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

IGNORED_FIELDS = frozenset({"timing", "environment"})
MAX_KEYS_SHOWN = 5
_INDEX = re.compile(r"\[\d+\]")


def result_files(run_dir: Path) -> dict[str, Path]:
    """The result files of a run folder, keyed by their path relative to it (posix)."""
    root = run_dir / "runs"
    return {
        path.relative_to(run_dir).as_posix(): path
        for path in sorted(root.glob("*/*.json"))
        if path.is_file()
    }


def _float_bits(value: float) -> bytes:
    # Every NaN compares equal to every other NaN (JSON has one NaN).
    return b"nan" if math.isnan(value) else struct.pack("<d", value)


def differences(base: Any, new: Any, path: str = "") -> list[str]:
    """Paths (``a.b[3].c``) where ``base`` and ``new`` differ; empty when equal.

    Dicts by key (a key on one side only is a difference at that key), lists item by
    item (a different length is a difference of the list), floats bit for bit with
    NaN equal to NaN, any other value by type and ``==``.
    """
    if type(base) is not type(new):
        return [path or "."]
    if isinstance(base, dict):
        found: list[str] = []
        for key in sorted(set(base) | set(new), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in base or key not in new:
                found.append(where)
            else:
                found.extend(differences(base[key], new[key], where))
        return found
    if isinstance(base, list):
        if len(base) != len(new):
            return [path or "."]
        found = []
        for index, (a, b) in enumerate(zip(base, new, strict=True)):
            found.extend(differences(a, b, f"{path}[{index}]"))
        return found
    if isinstance(base, float):
        return [] if _float_bits(base) == _float_bits(new) else [path or "."]
    return [] if base == new else [path or "."]


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def align_pruned_cells(base: dict[str, Any], new: dict[str, Any]) -> int:
    """Make cells of cv.mean and cv.std that are NaN on one side only NaN on both.

    Modifies both payloads in place (and drops cv.pruned_cells from both); returns the
    number of cells so aligned. Tables of different shapes are left as they are (they
    differ anyway).
    """
    base_cv, new_cv = base.get("cv"), new.get("cv")
    if not (isinstance(base_cv, dict) and isinstance(new_cv, dict)):
        return 0
    base_cv.pop("pruned_cells", None)
    new_cv.pop("pruned_cells", None)
    aligned = 0
    for table in ("mean", "std"):
        rows_a, rows_b = base_cv.get(table), new_cv.get(table)
        if not (isinstance(rows_a, list) and isinstance(rows_b, list)):
            continue
        if len(rows_a) != len(rows_b):
            continue
        for row_a, row_b in zip(rows_a, rows_b, strict=True):
            if not (isinstance(row_a, list) and isinstance(row_b, list)):
                continue
            if len(row_a) != len(row_b):
                continue
            for j, (a, b) in enumerate(zip(row_a, row_b, strict=True)):
                if _is_nan(a) != _is_nan(b):
                    row_a[j] = row_b[j] = math.nan
                    aligned += 1
    return aligned


def compare_payloads(base: Any, new: Any, tolerate_pruning: bool = False) -> list[str]:
    """Differing paths of two result payloads, the ignored top-level fields left out.

    With ``tolerate_pruning`` the CV cells pruned on one side only are not compared
    (:func:`align_pruned_cells`; the payloads are modified).
    """
    if isinstance(base, dict) and isinstance(new, dict):
        if tolerate_pruning:
            align_pruned_cells(base, new)
        base = {k: v for k, v in base.items() if k not in IGNORED_FIELDS}
        new = {k: v for k, v in new.items() if k not in IGNORED_FIELDS}
    return differences(base, new)


def summarise_paths(paths: Sequence[str], limit: int = MAX_KEYS_SHOWN) -> str:
    """``test.y_pred (2 entries), cv.mean (14 entries)``: list positions folded, in order."""
    counts: dict[str, int] = {}
    for path in paths:
        key = _INDEX.sub("", path) or "."
        counts[key] = counts.get(key, 0) + 1
    shown = [f"{key} ({n} entr{'y' if n == 1 else 'ies'})" for key, n in counts.items()]
    extra = len(shown) - limit
    text = ", ".join(shown[:limit])
    return f"{text}, and {extra} more key(s)" if extra > 0 else text


def _load(path: Path) -> tuple[Any, str]:
    try:
        return json.loads(path.read_text()), ""
    except (OSError, ValueError) as exc:
        return None, f"unreadable ({exc})"


def compare_runs(
    base_dir: Path, new_dir: Path, out: Any = None, *, tolerate_pruning: bool = False
) -> int:
    """Compare two run folders, print the report to ``out``; returns the exit status."""
    out = out if out is not None else sys.stdout
    for run_dir in (base_dir, new_dir):
        if not (run_dir / "runs").is_dir():
            print(f"error: {run_dir} has no runs/ folder (not a run folder)", file=out)
            return 2
    base_files, new_files = result_files(base_dir), result_files(new_dir)
    paired = sorted(set(base_files) & set(new_files))
    only_base = sorted(set(base_files) - set(new_files))
    only_new = sorted(set(new_files) - set(base_files))
    identical = differ = tolerated = tolerated_files = 0
    for rel in paired:
        (base, base_problem), (new, new_problem) = _load(base_files[rel]), _load(new_files[rel])
        if base_problem or new_problem:
            differ += 1
            problems = f"base {base_problem or 'ok'}, new {new_problem or 'ok'}"
            print(f"DIFFER  {rel}: {problems}", file=out)
            continue
        if tolerate_pruning and isinstance(base, dict) and isinstance(new, dict):
            cells = align_pruned_cells(base, new)
            tolerated += cells
            tolerated_files += cells > 0
        found = compare_payloads(base, new)
        if found:
            differ += 1
            print(f"DIFFER  {rel}: {summarise_paths(found)}", file=out)
        else:
            identical += 1
    for rel in only_base:
        print(f"ONLY IN BASE  {rel}", file=out)
    for rel in only_new:
        print(f"ONLY IN NEW   {rel}", file=out)
    if tolerate_pruning:
        print(
            f"pruning tolerated: {tolerated} CV cells NaN on one side only, in "
            f"{tolerated_files} files (cv.pruned_cells not compared)",
            file=out,
        )
    print(
        f"{len(paired)} result files compared: {identical} identical, {differ} differ, "
        f"{len(only_base)} only in base, {len(only_new)} only in new",
        file=out,
    )
    if not paired and not only_base and not only_new:
        print("error: no result files on either side: nothing was compared", file=out)
        return 1
    return 1 if differ or only_base or only_new else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=(
            "Compare the result files of two run folders field by field "
            "(timing and environment aside); exit 1 if anything differs or is missing."
        )
    )
    parser.add_argument("base_run_dir", type=Path, help="the baseline run folder")
    parser.add_argument("new_run_dir", type=Path, help="the run folder to check against it")
    parser.add_argument(
        "--tolerate-pruning",
        action="store_true",
        help=(
            "CV cells NaN on one side only count as equal and cv.pruned_cells is not "
            "compared (runs without --full-cv prune in a schedule-dependent order)"
        ),
    )
    args = parser.parse_args(argv)
    return compare_runs(args.base_run_dir, args.new_run_dir, tolerate_pruning=args.tolerate_pruning)


if __name__ == "__main__":
    sys.exit(main())
