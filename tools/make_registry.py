"""Generate datasets.yaml, the data-set registry, from the archives' published tables.

Developer tool; the generated datasets.yaml is committed and the package never runs
this script. Inputs:

- ``DataSummary_UCR.csv`` of the UCR Time Series Classification Archive 2018 (all 128
  univariate data sets: sizes, classes, length or "Vary", published 1-NN error rates);
- :data:`UEA_ARCHIVE`: the 30 data sets of the UEA multivariate archive 2018, from the
  archive's description, checked against the .ts files bundled with the installed
  sktime (BasicMotions, JapaneseVowels) and against sktime's pre-computed sizes;
- the installed sktime's data folder, to mark which archive data sets ship with it;
- the archive's own split files next to the summary (``UCRArchive_2018/<Name>/``), whose
  sha256 are pinned in the registry; and the seeded synthetic data sets of
  ``rntk_bench.data.synthetic``.

Run::

    .venv/bin/python tools/make_registry.py [--summary ARCHIVE/DataSummary_UCR.csv]
        [--output datasets.yaml] [--check]

``--check`` compares with the existing file instead of writing it (exit code 1 if
different).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.util
import io
import json
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

# The UEA multivariate archive 2018 (Bagnall et al. 2018, "The UEA multivariate time
# series classification archive, 2018", arXiv:1811.00075, Table 2): name -> (problem
# type, n_train, n_test, channels, length or None for variable length, classes). Types
# follow the paper's groups of problems (HAR, Motion, ECG, EEG/MEG, Audio spectra ->
# "Audio", Other); the four UEA sets registered before keep the types they had. The
# archive's .ts files differ from the paper in two places, and the registry follows
# the files (which the shape check reads): DuckDuckGeese has 50/50 series (paper:
# 60/40) and InsectWingbeat 25000/25000 of variable length 2-22 (paper: 30000/20000,
# length 78), as sktime's sizes pre-computed from the files say. Four sets have
# variable lengths in the .ts files (the paper gives their longest):
# CharacterTrajectories (60-182), InsectWingbeat, JapaneseVowels (7-29) and
# SpokenArabicDigits (4-93).
UEA_ARCHIVE: dict[str, tuple[str, int, int, int, int | None, int]] = {
    "ArticularyWordRecognition": ("Motion", 275, 300, 9, 144, 25),
    "AtrialFibrillation": ("ECG", 15, 15, 2, 640, 3),
    "BasicMotions": ("HAR", 40, 40, 6, 100, 4),
    "CharacterTrajectories": ("Motion", 1422, 1436, 3, None, 20),
    "Cricket": ("HAR", 108, 72, 6, 1197, 12),
    "DuckDuckGeese": ("Audio", 50, 50, 1345, 270, 5),
    "EigenWorms": ("Motion", 128, 131, 6, 17984, 5),
    "Epilepsy": ("HAR", 137, 138, 3, 206, 4),
    "EthanolConcentration": ("Other", 261, 263, 3, 1751, 4),
    "ERing": ("HAR", 30, 270, 4, 65, 6),
    "FaceDetection": ("EEG/MEG", 5890, 3524, 144, 62, 2),
    "FingerMovements": ("EEG/MEG", 316, 100, 28, 50, 2),
    "HandMovementDirection": ("EEG/MEG", 160, 74, 10, 400, 4),
    "Handwriting": ("HAR", 150, 850, 3, 152, 26),
    "Heartbeat": ("Audio", 204, 205, 61, 405, 2),
    "InsectWingbeat": ("Audio", 25000, 25000, 200, None, 10),
    "JapaneseVowels": ("Audio", 270, 370, 12, None, 9),
    "Libras": ("HAR", 180, 180, 2, 45, 15),
    "LSST": ("Other", 2459, 2466, 6, 36, 14),
    "MotorImagery": ("EEG/MEG", 278, 100, 64, 3000, 2),
    "NATOPS": ("HAR", 180, 180, 24, 51, 6),
    "PenDigits": ("Motion", 7494, 3498, 2, 8, 10),
    "PEMS-SF": ("Other", 267, 173, 963, 144, 7),
    "PhonemeSpectra": ("Audio", 3315, 3353, 11, 217, 39),
    "RacketSports": ("HAR", 151, 152, 6, 30, 4),
    "SelfRegulationSCP1": ("EEG/MEG", 268, 293, 6, 896, 2),
    "SelfRegulationSCP2": ("EEG/MEG", 200, 180, 7, 1152, 2),
    "SpokenArabicDigits": ("Speech", 6599, 2199, 13, None, 10),
    "StandWalkJump": ("ECG", 12, 15, 4, 2500, 3),
    "UWaveGestureLibrary": ("HAR", 120, 320, 3, 315, 8),
}
UEA_COUNT, UEA_EQUAL_COUNT = 30, 26

# The 2023 bake-off's UCR list (Middlehurst, Schaefer & Bagnall 2024, "Bake off redux";
# aeon's tsc_datasets.univariate_equal_length, 112 names): every equal-length UCR 2018
# data set without missing values except Fungi (18 training series for 18 classes).
UCR112_EXCLUDED = {"Fungi"}
UCR112_COUNT = 112

# The varlen suite was fixed before the whole UEA archive was registered: its UEA part
# stays these three (InsectWingbeat, 25000 training series, is not in it).
VARLEN_UEA = ("CharacterTrajectories", "JapaneseVowels", "SpokenArabicDigits")

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


def _entry(name: str, archive: str, **fields: Any) -> dict[str, Any]:
    """A registry entry without published error rates (UEA, synthetic)."""
    return {
        "name": name,
        "archive": archive,
        **fields,
        "missing": False,
        "bundled": False,  # set in build()
        "ed_error": None,
        "dtw_learned_error": None,
        "dtw_learned_window": None,
        "dtw_full_error": None,
    }


def uea_entries() -> list[dict[str, Any]]:
    """Registry entries of :data:`UEA_ARCHIVE`."""
    entries = []
    for name, (kind, n_train, n_test, channels, length, classes) in UEA_ARCHIVE.items():
        shape = {"n_train": n_train, "n_test": n_test, "n_classes": classes}
        entries.append(
            _entry(name, "UEA", problem_type=kind, **shape, n_channels=channels, length=length)
        )
    return entries  # archive_suites() checks the counts


def check_uea_against_sktime(data_dir: Path, entries: list[dict[str, Any]]) -> int:
    """Check the UEA table against the .ts files and the sizes sktime ships.

    The bundled .ts files give every field; sktime's pre-computed tags (read off the
    archive's files) give the sizes and classes of all 30. Returns the number checked.
    """
    from sktime.datasets import load_from_tsfile_to_dataframe

    by_name = {e["name"]: e for e in entries}
    checked = 0
    for name, e in by_name.items():
        files = [data_dir / name / f"{name}_{split}.ts" for split in ("TRAIN", "TEST")]
        if not all(f.is_file() for f in files):
            continue
        (X_train, y_train), (X_test, y_test) = (
            load_from_tsfile_to_dataframe(str(f)) for f in files
        )
        lengths = {len(v) for frame in (X_train, X_test) for v in frame.to_numpy().ravel()}
        seen = (len(X_train), len(X_test), len(set(y_train) | set(y_test)), X_train.shape[1])
        seen_length = lengths.pop() if len(lengths) == 1 else None
        table = (e["n_train"], e["n_test"], e["n_classes"], e["n_channels"])
        if seen != table or seen_length != e["length"]:
            raise SystemExit(f"{name}: UEA_ARCHIVE says {table}, {e['length']}; files: {seen}")
        checked += 1
    try:
        from sktime.datasets.classification.ucr_uea_archive._tags import DATASET_TAGS
    except ImportError:  # a private module: the check is a bonus where it exists
        return checked
    for name, e in by_name.items():
        tags = DATASET_TAGS.get(name)
        if tags is None:
            continue
        sizes = (tags["n_instances_train"], tags["n_instances_test"], tags["n_classes"])
        if sizes != (e["n_train"], e["n_test"], e["n_classes"]):
            raise SystemExit(f"{name}: UEA_ARCHIVE sizes differ from sktime's {sizes}")
    return checked


def pin_checksums(summary: Path, datasets: dict[str, dict[str, Any]]) -> int:
    """Pin the sha256 of the archive's own split files found next to the summary.

    A data set is pinned when both ``<Name>_TRAIN.tsv`` and ``_TEST.tsv`` are there (the
    raw files, not the archive's adjusted copies). Returns how many were pinned.
    """
    archive = summary.parent / "UCRArchive_2018"
    pinned = 0
    for name, e in datasets.items():
        files = [archive / name / f"{name}_{split}.tsv" for split in ("TRAIN", "TEST")]
        if e["archive"] != "UCR" or not all(f.is_file() for f in files):
            continue
        e["sha256"] = {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
        pinned += 1
    return pinned


def synthetic_entries() -> list[dict[str, Any]]:
    """Registry entries of the seeded synthetic data sets (rntk_bench.data.synthetic)."""
    sys.path.insert(0, str(ROOT))
    from rntk_bench.data.synthetic import PERIODS, SYNTHETIC

    return [
        _entry(
            name,
            "synthetic",
            problem_type="Synthetic",
            n_train=spec.n_train,
            n_test=spec.n_test,
            n_classes=len(PERIODS),
            n_channels=1,
            length=spec.t_max if spec.equal_length else None,
        )
        for name, spec in SYNTHETIC.items()
    ]


def build(summary: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Return (suites, datasets) of the registry."""
    data_dir = sktime_data_dir()
    synthetic = synthetic_entries()
    synthetic_names = [e["name"] for e in synthetic]  # generator order: position, noise, r
    uea = uea_entries()
    checked = check_uea_against_sktime(data_dir, uea)
    print(f"UEA table agrees with sktime's sizes and with the {checked} bundled UEA sets")
    entries = read_summary(summary) + uea + synthetic
    entries.sort(key=lambda e: e["name"].lower())
    for e in entries:
        e["bundled"] = (data_dir / e["name"] / f"{e['name']}_TRAIN.ts").is_file()
    datasets = {e.pop("name"): e for e in entries}
    checked = check_missing_against_mirror(summary, datasets)
    print(f"missing-value flags agree with the {checked} equal-length data sets in the mirror")
    pinned = pin_checksums(summary, datasets)
    print(f"pinned the sha256 of the archive's files of {pinned} data sets")

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
                "Every variable-length univariate UCR 2018 data set and three variable-"
                "length UEA data sets (CharacterTrajectories, JapaneseVowels, "
                "SpokenArabicDigits)"
            ),
            "names": [
                name
                for name, e in datasets.items()
                if (e["archive"] == "UCR" and e["length"] is None) or name in VARLEN_UEA
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
    return {**suites, **archive_suites(datasets)}, datasets


def archive_suites(datasets: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The whole archives and the equal-length lists of the field's bake-offs."""
    ucr = [n for n, e in datasets.items() if e["archive"] == "UCR"]
    uea = [n for n, e in datasets.items() if e["archive"] == "UEA"]
    ucr112 = [
        n
        for n in ucr
        if datasets[n]["length"] is not None
        and not datasets[n]["missing"]
        and n not in UCR112_EXCLUDED
    ]
    uea26 = [n for n in uea if datasets[n]["length"] is not None]
    counts = (len(ucr), len(ucr112), len(uea), len(uea26))
    if counts != (128, UCR112_COUNT, UEA_COUNT, UEA_EQUAL_COUNT):
        raise SystemExit(f"archive suites have {counts} data sets, expected 128/112/30/26")
    check_against_sktime_lists(ucr112, uea, uea26)
    return {
        "ucr128": {
            "description": "Every data set of the UCR univariate archive 2018",
            "names": ucr,
        },
        "ucr112": {
            "description": (
                "The 2023 bake-off's UCR list (aeon's univariate_equal_length): every "
                "equal-length UCR 2018 data set without missing values except Fungi"
            ),
            "names": ucr112,
        },
        "uea30": {
            "description": "Every data set of the UEA multivariate archive 2018",
            "names": uea,
        },
        "uea26": {
            "description": (
                "The equal-length UEA 2018 data sets (aeon's multivariate_equal_length, the "
                "multivariate bake-off's 26)"
            ),
            "names": uea26,
        },
    }


def check_against_sktime_lists(ucr112: list[str], uea: list[str], uea26: list[str]) -> None:
    """Compare with the name lists sktime copies from aeon's tsc_datasets.

    sktime's univariate_equal_length still holds Fungi (113 names; aeon's has 112), and
    its multivariate list adds three Asphalt*Coordinates sets of 2022 to the 30.
    """
    from sktime.datasets import tsc_dataset_names as lists

    expected = {
        "ucr112": set(lists.univariate_equal_length) - UCR112_EXCLUDED,
        "uea30": set(lists.multivariate) - {n for n in lists.multivariate if "Asphalt" in n},
        "uea26": set(lists.multivariate_equal_length),
    }
    for suite, names in (("ucr112", ucr112), ("uea30", uea), ("uea26", uea26)):
        if set(names) != expected[suite]:
            diff = sorted(set(names) ^ expected[suite])
            raise SystemExit(f"{suite} differs from sktime's list in {diff}")


def render(suites: dict[str, Any], datasets: dict[str, dict[str, Any]], source: str) -> str:
    """Render the registry: a comment header, then JSON with one line per data set.

    JSON is YAML too (the file reads as YAML as well), and Python's json module reads
    it in a few milliseconds where PyYAML takes ~100 ms for the ~6000 nodes (every
    command reads the registry).
    """
    lines = [
        "# rntk-bench data-set registry.",
        f"# GENERATED by tools/make_registry.py from {source}, the UEA",
        "# multivariate archive 2018's description (Bagnall et al. 2018, arXiv:1811.00075)",
        "# and the data sets bundled with sktime; do not edit by hand: change the script",
        "# and rerun it. The body after this header is JSON (and therefore also YAML).",
        "#",
        "# Per data set: archive (UCR univariate 2018 / UEA multivariate), problem_type,",
        "# n_train, n_test, n_classes, n_channels, length (null = variable length),",
        "# missing (has missing values), bundled (ships inside sktime), and the published",
        "# 1-NN test error rates of the UCR summary: ed_error (Euclidean), dtw_learned_error",
        "# with dtw_learned_window (% of the length, learned on the training split) and",
        "# dtw_full_error (unconstrained DTW); null for UEA data sets. archive: synthetic",
        "# marks the seeded data sets generated by rntk_bench/data/synthetic.py. sha256",
        "# (only where the generator had the archive's files) pins the digests of the UCR",
        "# 2018 release's .tsv split files, checked whenever such a file is imported or",
        "# downloaded; every other file is trusted on first use (the data home's lock).",
        "{",
        ' "version": 1,',
        ' "suites": {',
    ]
    for i, (suite, spec) in enumerate(suites.items()):
        names = [f"    {json.dumps(n)}," for n in spec["names"]]
        names[-1] = names[-1].rstrip(",")
        description = f'   "description": {json.dumps(spec["description"])},'
        end = "  }," if i < len(suites) - 1 else "  }"
        lines += [f"  {json.dumps(suite)}: {{", description, '   "names": [', *names, "   ]", end]
    lines += [" },", ' "datasets": {']
    rows = [f"  {json.dumps(name)}: {json.dumps(e)}," for name, e in datasets.items()]
    rows[-1] = rows[-1].rstrip(",")
    return "\n".join([*lines, *rows, " }", "}"]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summary", type=Path, default=DEFAULT_SUMMARY)
    parser.add_argument("--output", type=Path, default=ROOT / "datasets.yaml")
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)

    suites, datasets = build(args.summary)
    text = render(suites, datasets, "UCR 2018 DataSummary_UCR.csv")
    # The rendering is hand-made for readability; make sure it reads back the same,
    # as JSON (the package's fast path) and as YAML (its fallback).
    expected = {name: dict(e) for name, e in datasets.items()}
    body = text[text.index("\n{") :]
    for parsed in (json.loads(body), yaml.safe_load(text)):
        names = {k: v["names"] for k, v in parsed["suites"].items()}
        if parsed["datasets"] != expected or names != {k: v["names"] for k, v in suites.items()}:
            raise SystemExit("rendered registry does not read back as built (bug in render)")
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
