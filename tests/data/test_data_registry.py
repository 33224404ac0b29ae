"""datasets.yaml: contents, suites and name resolution."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from rntk_bench.data import DatasetInfo, get_registry, resolve_names, suite_names
from rntk_bench.data.registry import registry_path
from rntk_bench.errors import InputError, UnknownNameError

BUNDLED = {
    "ACSF1",
    "ArrowHead",
    "GunPoint",
    "ItalyPowerDemand",
    "OSULeaf",
    "PLAID",
    "BasicMotions",
    "JapaneseVowels",
}
MISSING = {"DodgerLoopDay", "DodgerLoopGame", "DodgerLoopWeekend", "MelbournePedestrian"}


def test_registry_holds_the_whole_ucr_2018_and_uea_2018_archives() -> None:
    registry = get_registry()
    archives = [info.archive for info in registry.values()]
    assert archives.count("UCR") == 128
    uea = {n for n, i in registry.items() if i.archive == "UEA"}
    assert len(uea) == 30
    assert {"BasicMotions", "CharacterTrajectories", "JapaneseVowels", "SpokenArabicDigits"} < uea
    assert {"Epilepsy", "PEMS-SF", "EigenWorms", "InsectWingbeat", "DuckDuckGeese"} < uea
    assert archives.count("synthetic") == 16
    names = list(registry)
    assert names == sorted(names, key=str.lower)
    assert all(isinstance(i, DatasetInfo) and i.name == n for n, i in registry.items())


def test_summary_fields_are_parsed() -> None:
    registry = get_registry()
    # Adiac's row: 1,Image,Adiac,390,391,37,176,0.3887,0.3913 (3),0.3964,...
    assert registry["Adiac"] == DatasetInfo(
        name="Adiac",
        archive="UCR",
        problem_type="Image",
        n_train=390,
        n_test=391,
        n_classes=37,
        n_channels=1,
        length=176,
        missing=False,
        bundled=False,
        ed_error=0.3887,
        dtw_learned_error=0.3913,
        dtw_learned_window=3,
        dtw_full_error=0.3964,
    )
    # GunPoint's DTW cell is " 0.0867 (0) " (spaces around it in the csv).
    gun = registry["GunPoint"]
    assert (gun.dtw_learned_error, gun.dtw_learned_window) == (0.0867, 0)
    assert registry["PLAID"].length is None and not registry["PLAID"].equal_length
    assert registry["HouseTwenty"].dtw_learned_window == 33


def test_uea_entries_were_read_off_the_bundled_files() -> None:
    registry = get_registry()
    vowels, motions = registry["JapaneseVowels"], registry["BasicMotions"]
    assert (vowels.n_train, vowels.n_test, vowels.n_classes) == (270, 370, 9)
    assert (vowels.n_channels, vowels.length) == (12, None)
    assert (motions.n_train, motions.n_test, motions.n_classes) == (40, 40, 4)
    assert (motions.n_channels, motions.length) == (6, 100)
    assert motions.ed_error is None and motions.dtw_learned_window is None


def test_missing_value_flags() -> None:
    assert {n for n, i in get_registry().items() if i.missing} == MISSING


def test_bundled_flags_match_the_installed_sktime() -> None:
    registry = get_registry()
    assert {n for n, i in registry.items() if i.bundled} == BUNDLED
    spec = importlib.util.find_spec("sktime")
    assert spec is not None and spec.submodule_search_locations
    data = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data"
    for name in BUNDLED:
        assert (data / name / f"{name}_TEST.ts").is_file(), name


def test_ucr56_is_the_preregistered_rule() -> None:
    registry = get_registry()
    ucr56 = resolve_names(suite="ucr56")
    rule = [
        n
        for n, i in registry.items()
        if i.archive == "UCR" and i.length is not None and i.n_train <= 300 and i.length <= 1000
    ]
    assert ucr56 == rule
    assert len(ucr56) == 56
    # docs/protocol.md §2: without the three DodgerLoop sets (missing values) the rule gives 53.
    assert len([n for n in ucr56 if not registry[n].missing]) == 53
    assert {"Symbols", "Yoga", "Coffee", "Worms"} <= set(ucr56)
    assert not {"Adiac", "MelbournePedestrian", "PLAID", "ACSF1"} & set(ucr56)


def test_bundled_and_ci_suites() -> None:
    assert suite_names() == [
        "ucr56",
        "bundled",
        "ci",
        "varlen",
        "synthetic",
        "ucr128",
        "ucr112",
        "uea30",
        "uea26",
    ]
    assert set(resolve_names(suite="bundled")) == BUNDLED
    ci = resolve_names(suite="ci")
    assert ci == ["ArrowHead", "BasicMotions", "GunPoint", "ItalyPowerDemand", "JapaneseVowels"]
    assert set(ci) <= BUNDLED  # CI needs no network


def test_resolve_names_unions_in_registry_order_without_duplicates() -> None:
    got = resolve_names(["Wine", "gunpoint", "Adiac", "GunPoint"], suite="ci")
    assert got == [
        "Adiac",
        "ArrowHead",
        "BasicMotions",
        "GunPoint",
        "ItalyPowerDemand",
        "JapaneseVowels",
        "Wine",
    ]
    assert resolve_names("Coffee") == ["Coffee"]  # a lone string is one name
    assert resolve_names() == []


def test_unknown_names_suggest_close_matches() -> None:
    with pytest.raises(UnknownNameError) as info:
        resolve_names(["GunPiont"])
    message = str(info.value)
    assert "'GunPiont'" in message and "GunPoint" in message
    assert "rntk-bench datasets" in message
    assert isinstance(info.value, InputError) and isinstance(info.value, KeyError)
    with pytest.raises(UnknownNameError, match=r"unknown suite 'ucr65'.*ucr56"):
        resolve_names(suite="ucr65")


def test_registry_is_read_once() -> None:
    assert get_registry() is get_registry()
    assert registry_path().name == "datasets.yaml"


@pytest.mark.ucr
def test_datasets_yaml_is_what_the_script_generates(ucr_mirror: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    script = root / "tools" / "make_registry.py"
    result = subprocess.run(
        [
            sys.executable,
            str(script),
            "--summary",
            str(ucr_mirror / "DataSummary_UCR.csv"),
            "--output",
            str(registry_path()),
            "--check",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "is up to date (174 data sets)" in result.stdout
    assert "pinned the sha256 of the archive's files of 65 data sets" in result.stdout


def test_varlen_suite_is_every_variable_length_archive_set() -> None:
    registry = get_registry()
    varlen = resolve_names(suite="varlen")
    ucr = [n for n in varlen if registry[n].archive == "UCR"]
    assert len(ucr) == 11 and all(registry[n].length is None for n in varlen)
    assert ucr == [n for n, i in registry.items() if i.archive == "UCR" and i.length is None]
    assert {"PLAID", "GestureMidAirD1", "AllGestureWiimoteX", "ShakeGestureWiimoteZ"} <= set(ucr)
    uea = {n: registry[n] for n in varlen if registry[n].archive == "UEA"}
    assert set(uea) == {"CharacterTrajectories", "JapaneseVowels", "SpokenArabicDigits"}
    # The UEA archive's shapes (Bagnall et al. 2018, Table 1).
    chars, digits = uea["CharacterTrajectories"], uea["SpokenArabicDigits"]
    assert (chars.n_train, chars.n_test, chars.n_channels, chars.n_classes) == (1422, 1436, 3, 20)
    assert (digits.n_train, digits.n_test, digits.n_channels, digits.n_classes) == (
        6599,
        2199,
        13,
        10,
    )
    assert not chars.bundled and not digits.bundled


def test_synthetic_suite_sweeps_r_noise_and_position() -> None:
    from rntk_bench.data.synthetic import SYNTHETIC

    registry = get_registry()
    names = resolve_names(suite="synthetic")
    assert sorted(names) == sorted(SYNTHETIC) and len(names) == 16
    specs = [SYNTHETIC[n] for n in names]
    assert {s.length_variability for s in specs} == {1.0, 0.75, 0.5, 0.25}
    assert {s.noise for s in specs} == {0.5, 1.0}
    assert {s.position for s in specs} == {"start", "end"}
    assert len({s.seed for s in specs}) == 16
    for name, spec in zip(names, specs, strict=True):
        info = registry[name]
        assert info.archive == "synthetic" and not info.bundled
        assert (info.n_train, info.n_test, info.n_classes) == (120, 300, 3)
        assert info.length == (128 if spec.length_variability == 1 else None)
