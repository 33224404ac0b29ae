"""Generate datasets.yaml, the data-set registry, from the UCR summary table.

Developer tool; the generated datasets.yaml is committed and the package never runs
this script. Inputs:

- ``DataSummary_UCR.csv`` of the UCR Time Series Classification Archive 2018 (all 128
  univariate data sets: sizes, classes, length or "Vary", published 1-NN error rates);
- the UEA multivariate data sets bundled with the installed sktime (BasicMotions,
  JapaneseVowels), whose sizes are read off their .ts files;
- the installed sktime's data folder, to mark which archive data sets ship with it;
- the variable-length UEA data sets in ``UEA_DOWNLOADED`` (shapes from the archive) and
  the seeded synthetic data sets of ``rntk_bench.data.synthetic``.

Run::

    .venv/bin/python tools/make_registry.py [--summary ARCHIVE/DataSummary_UCR.csv]
        [--output datasets.yaml] [--check]

``--check`` compares with the existing file instead of writing it (exit code 1 if
different).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SUMMARY = ROOT.parent / "shared" / "ucr" / "DataSummary_UCR.csv"

# The summary has no missing-value column. The archive's briefing document (Dau et al.
# 2018, "The UCR Time Series Archive", section on missing values) names the four data
# sets with missing values; DodgerLoopDay/Game/Weekend were checked against the mirror
# (their raw .tsv files hold NaN, and the archive ships adjusted versions of them).
MISSING_VALUES = {"DodgerLoopDay", "DodgerLoopGame", "DodgerLoopWeekend", "MelbournePedestrian"}

# UEA multivariate data sets that ship inside sktime. Problem types from the UEA
# archive paper (Bagnall et al. 2018, "The UEA multivariate time series classification
# archive", Table 1).
UEA_BUNDLED = {"BasicMotions": "HAR", "JapaneseVowels": "Audio"}

# Variable-length UEA data sets that are not bundled (downloaded from the archive's
# per-data-set zips). Shapes from the UEA archive paper (Bagnall et al. 2018, Table 1)
# and the archive's data set pages: train/test sizes, dimensions, classes; both have
# variable lengths (CharacterTrajectories 60-182, SpokenArabicDigits 4-93 time points).
UEA_DOWNLOADED: dict[str, dict[str, Any]] = {
    "CharacterTrajectories": {
        "problem_type": "Motion",
        "n_train": 1422,
        "n_test": 1436,
        "n_classes": 20,
        "n_channels": 3,
    },
    "SpokenArabicDigits": {
        "problem_type": "Speech",
        "n_train": 6599,
        "n_test": 2199,
        "n_classes": 10,
        "n_channels": 13,
    },
}

# The pre-registered reconstruction of the paper's 56 UCR data sets (docs/protocol.md §2).
UCR56_MAX_TRAIN = 300
UCR56_MAX_LENGTH = 1000
UCR56_EXPECTED = 56

CI_SUITE = ["ArrowHead", "BasicMotions", "GunPoint", "ItalyPowerDemand", "JapaneseVowels"]

_DTW_LEARNED = re.compile(r"^\s*([0-9.]+)\s*\(\s*(\d+)\s*\)\s*$")


def sktime_data_dir() -> Path:
    """Return the installed sktime's bundled-data folder (without importing sktime)."""
    spec = importlib.util.find_spec("sktime")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("sktime is not installed; run `make install` first")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data"


def read_summary(path: Path) -> list[dict[str, Any]]:
    """Parse DataSummary_UCR.csv into one registry entry per data set."""
    # utf-8-sig drops the byte-order mark the file starts with.
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    entries = []
    for row in rows:
        row = {k.strip(): (v or "").strip() for k, v in row.items()}
        name = row["Name"]
        length = None if row["Length"].lower() == "vary" else int(row["Length"])
        match = _DTW_LEARNED.match(row["DTW (learned_w)"])
        if match is None:
            raise SystemExit(f"{name}: cannot parse DTW (learned_w) {row['DTW (learned_w)']!r}")
        entries.append(
            {
                "name": name,
                "archive": "UCR",
                "problem_type": row["Type"],
                "n_train": int(row["Train"]),
                "n_test": int(row["Test"]),
                "n_classes": int(row["Class"]),
                "n_channels": 1,
                "length": length,
                "missing": name in MISSING_VALUES,
                "bundled": False,  # set in build()
                "ed_error": float(row["ED (w=0)"]),
                "dtw_learned_error": float(match.group(1)),
                "dtw_learned_window": int(match.group(2)),
                "dtw_full_error": float(row["DTW (w=100)"]),
            }
        )
    if len(entries) != 128:
        raise SystemExit(f"expected 128 UCR data sets in {path}, found {len(entries)}")
    return entries


def check_missing_against_mirror(summary: Path, datasets: dict[str, dict[str, Any]]) -> int:
    """Check the missing-value flags against the .tsv files next to the summary.

    Equal-length data sets hold NaN exactly when they have missing values (variable
    length ones are NaN-padded, so they say nothing). Returns how many were checked.
    """
    archive = summary.parent / "UCRArchive_2018"
    checked = 0
    for name, e in datasets.items():
        files = [archive / name / f"{name}_{split}.tsv" for split in ("TRAIN", "TEST")]
        if e["length"] is None or not all(f.is_file() for f in files):
            continue
        has_nan = any(b"NaN" in f.read_bytes() for f in files)
        if has_nan != e["missing"]:
            raise SystemExit(f"{name}: missing={e['missing']} but the mirror says {has_nan}")
        checked += 1
    return checked


def read_uea_bundled(data_dir: Path) -> list[dict[str, Any]]:
    """Read the sizes of the bundled UEA data sets off their .ts files."""
    from sktime.datasets import load_from_tsfile_to_dataframe

    entries = []
    for name, problem_type in UEA_BUNDLED.items():
        splits = {}
        for split in ("TRAIN", "TEST"):
            X, y = load_from_tsfile_to_dataframe(str(data_dir / name / f"{name}_{split}.ts"))
            splits[split] = (X, y)
        X_train, y_train = splits["TRAIN"]
        X_test, y_test = splits["TEST"]
        lengths = {len(s) for frame in (X_train, X_test) for s in frame.to_numpy().ravel()}
        entries.append(
            {
                "name": name,
                "archive": "UEA",
                "problem_type": problem_type,
                "n_train": len(X_train),
                "n_test": len(X_test),
                "n_classes": len(set(y_train) | set(y_test)),
                "n_channels": X_train.shape[1],
                "length": lengths.pop() if len(lengths) == 1 else None,
                "missing": False,
                "bundled": False,
                "ed_error": None,
                "dtw_learned_error": None,
                "dtw_learned_window": None,
                "dtw_full_error": None,
            }
        )
    return entries


def uea_downloaded() -> list[dict[str, Any]]:
    """Registry entries of :data:`UEA_DOWNLOADED` (variable length, no published errors)."""
    return [
        {
            "name": name,
            "archive": "UEA",
            **shape,
            "length": None,
            "missing": False,
            "bundled": False,
            "ed_error": None,
            "dtw_learned_error": None,
            "dtw_learned_window": None,
            "dtw_full_error": None,
        }
        for name, shape in UEA_DOWNLOADED.items()
    ]


def synthetic_entries() -> list[dict[str, Any]]:
    """Registry entries of the seeded synthetic data sets (rntk_bench.data.synthetic)."""
    sys.path.insert(0, str(ROOT))
    from rntk_bench.data.synthetic import PERIODS, SYNTHETIC

    return [
        {
            "name": name,
            "archive": "synthetic",
            "problem_type": "Synthetic",
            "n_train": spec.n_train,
            "n_test": spec.n_test,
            "n_classes": len(PERIODS),
            "n_channels": 1,
            "length": spec.t_max if spec.equal_length else None,
            "missing": False,
            "bundled": False,
            "ed_error": None,
            "dtw_learned_error": None,
            "dtw_learned_window": None,
            "dtw_full_error": None,
        }
        for name, spec in SYNTHETIC.items()
    ]


def build(summary: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Return (suites, datasets) of the registry."""
    data_dir = sktime_data_dir()
    synthetic = synthetic_entries()
    synthetic_names = [e["name"] for e in synthetic]  # generator order: position, noise, r
    entries = read_summary(summary) + read_uea_bundled(data_dir) + uea_downloaded() + synthetic
    entries.sort(key=lambda e: e["name"].lower())
    for e in entries:
        e["bundled"] = (data_dir / e["name"] / f"{e['name']}_TRAIN.ts").is_file()
    datasets = {e.pop("name"): e for e in entries}
    checked = check_missing_against_mirror(summary, datasets)
    print(f"missing-value flags agree with the {checked} equal-length data sets in the mirror")

    ucr56 = [
        name
        for name, e in datasets.items()
        if e["archive"] == "UCR"
        and e["length"] is not None
        and e["n_train"] <= UCR56_MAX_TRAIN
        and e["length"] <= UCR56_MAX_LENGTH
    ]
    if len(ucr56) != UCR56_EXPECTED:
        raise SystemExit(f"the ucr56 rule gave {len(ucr56)} data sets, expected 56")
    bundled = [name for name, e in datasets.items() if e["bundled"]]
    suites = {
        "ucr56": {
            "description": (
                "Pre-registered reconstruction of the RNTK paper's 56 UCR data sets: every "
                f"UCR 2018 data set with equal-length series, n_train <= {UCR56_MAX_TRAIN} "
                f"and length <= {UCR56_MAX_LENGTH}"
            ),
            "names": ucr56,
        },
        "bundled": {
            "description": "The archive data sets that ship inside sktime (no network needed)",
            "names": bundled,
        },
        "ci": {
            "description": (
                "Small bundled data sets for the CI regression run: univariate and "
                "multivariate, equal and variable length"
            ),
            "names": [n for n in datasets if n in CI_SUITE],
        },
        "varlen": {
            "description": (
                "Every variable-length univariate UCR 2018 data set and the registered "
                "variable-length UEA data sets"
            ),
            "names": [
                name
                for name, e in datasets.items()
                if e["archive"] in ("UCR", "UEA") and e["length"] is None
            ],
        },
        "synthetic": {
            "description": (
                "The pre-registered length experiment: 3 classes of sinusoidal bursts at the "
                "start or the end of each series, length variability r in {1, 0.75, 0.5, "
                "0.25}, noise 0.5 or 1 (seeded, generated locally)"
            ),
            "names": synthetic_names,
        },
    }
    missing_ci = set(CI_SUITE) - set(bundled)
    if missing_ci:
        raise SystemExit(f"ci data sets not bundled with this sktime: {sorted(missing_ci)}")
    return suites, datasets


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    # Quote anything YAML could read as something other than this string.
    if yaml.safe_load(text) != text or ":" in text or "#" in text:
        return '"' + text.replace('"', '\\"') + '"'
    return text


def render(suites: dict[str, Any], datasets: dict[str, dict[str, Any]], source: str) -> str:
    """Render the registry as YAML: one flow mapping per data set, one line each."""
    lines = [
        "# rntk-bench data-set registry.",
        f"# GENERATED by tools/make_registry.py from {source} and the data sets",
        "# bundled with sktime; do not edit by hand: change the script and rerun it.",
        "#",
        "# Per data set: archive (UCR univariate 2018 / UEA multivariate), problem_type,",
        "# n_train, n_test, n_classes, n_channels, length (null = variable length),",
        "# missing (has missing values), bundled (ships inside sktime), and the published",
        "# 1-NN test error rates of the UCR summary: ed_error (Euclidean), dtw_learned_error",
        "# with dtw_learned_window (% of the length, learned on the training split) and",
        "# dtw_full_error (unconstrained DTW); null for UEA data sets. archive: synthetic",
        "# marks the seeded data sets generated by rntk_bench/data/synthetic.py.",
        "version: 1",
        "",
        "suites:",
    ]
    for suite, spec in suites.items():
        lines.append(f"  {suite}:")
        lines.append(f"    description: {_scalar(spec['description'])}")
        lines.append(f"    names:  # {len(spec['names'])}")
        lines.extend(f"      - {name}" for name in spec["names"])
    lines += ["", "datasets:"]
    for name, e in datasets.items():
        fields = ", ".join(f"{k}: {_scalar(v)}" for k, v in e.items())
        lines.append(f"  {name}: {{{fields}}}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summary", type=Path, default=DEFAULT_SUMMARY)
    parser.add_argument("--output", type=Path, default=ROOT / "datasets.yaml")
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)

    suites, datasets = build(args.summary)
    text = render(suites, datasets, "UCR 2018 DataSummary_UCR.csv")
    # The rendering is hand-made for readability; make sure it reads back the same.
    parsed = yaml.safe_load(text)
    expected = {name: dict(e) for name, e in datasets.items()}
    if parsed["datasets"] != expected or {k: v["names"] for k, v in parsed["suites"].items()} != {
        k: v["names"] for k, v in suites.items()
    }:
        raise SystemExit("rendered YAML does not read back as the registry (bug in render)")
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date; run tools/make_registry.py", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date ({len(datasets)} data sets)")
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(
        f"wrote {args.output}: {len(datasets)} data sets, suites "
        + ", ".join(f"{k} ({len(v['names'])})" for k, v in suites.items())
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
