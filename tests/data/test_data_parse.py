"""Parsing .tsv and .ts files, labels, and the missing-value policy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rntk_bench.data import DatasetInfo, fetch_dataset, interpolate_missing
from rntk_bench.data._parse import encode_labels, read_split, verify_splits
from rntk_bench.errors import DataError


def toy(**overrides: object) -> DatasetInfo:
    fields: dict[str, object] = {
        "name": "Toy",
        "archive": "UCR",
        "problem_type": "Simulated",
        "n_train": 3,
        "n_test": 2,
        "n_classes": 2,
        "n_channels": 1,
        "length": 4,
        "missing": False,
        "bundled": False,
    }
    fields.update(overrides)
    return DatasetInfo(**fields)  # type: ignore[arg-type]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def one_line(exc: pytest.ExceptionInfo[BaseException]) -> str:
    message = str(exc.value)
    assert "\n" not in message
    return message


# ---------------------------------------------------------------------------- .tsv


def test_tsv_values_and_labels(tmp_path: Path) -> None:
    path = write(tmp_path, "Toy_TRAIN.tsv", "1\t0.5\t1\t-2\t3e-1\n-1\t0\t0\t0\t0\n1\t1\t2\t3\t4\n")
    split = read_split(path, toy())
    assert isinstance(split.X, np.ndarray) and split.X.dtype == np.float64
    np.testing.assert_array_equal(split.X[:, 0], [[0.5, 1, -2, 0.3], [0, 0, 0, 0], [1, 2, 3, 4]])
    assert split.labels.tolist() == ["1", "-1", "1"]
    assert split.lines.tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", r"Toy_TRAIN.tsv is empty"),
        ("1\t1\t2\t3\t4\n2\t1\t2\t3\n1\t1\t2\t3\t4\n", r"line 2 has 4 fields but line 1 has 5"),
        ("1\t1\t2\t3\t4\n2\t1\t2\tx3\t4\n", r"line 2, field 4: 'x3' is not a number"),
        ("0.25\t1\t2\t3\t4\n", r"line 1: the first field '0.25' is not a class label"),
        ("1\t1\t2\t3\t4\n\n2\t1\t2\t3\t4\n", r"line 2 is empty"),
        ("1 2 3 4 5\n", r"line 1: no tab-separated values"),
        ("1\t1\t2\tinf\t4\n", r"line 1: infinite value"),
        ("1\t1\tNaN\t3\t4\n", r"line 1: missing value \(NaN\) but the registry says Toy has none"),
        ("1\t1\t2\t3\n", r"series of length 3 but the registry says Toy has length 4"),
    ],
)
def test_malformed_tsv_is_refused_naming_file_and_line(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path, "Toy_TRAIN.tsv", text)
    with pytest.raises(DataError, match=expected) as exc:
        read_split(path, toy())
    assert str(path) in one_line(exc)


def test_variable_length_tsv_loses_its_nan_padding(tmp_path: Path) -> None:
    path = write(
        tmp_path, "Toy_TRAIN.tsv", "1\t1\t2\tNaN\tNaN\n2\t1\t2\t3\t4\n1\t5\tNaN\tNaN\tNaN\n"
    )
    split = read_split(path, toy(length=None))
    assert isinstance(split.X, list)
    assert [s.tolist() for s in split.X] == [[[1, 2]], [[1, 2, 3, 4]], [[5]]]


# ----------------------------------------------------------------------------- .ts

TS_HEADER = (
    "# comment\n@problemName Toy\n@timeStamps false\n@missing false\n@univariate false\n"
    "@dimensions 2\n@equalLength true\n@seriesLength 3\n@classLabel true Walk Run\n@data\n"
)


def test_ts_keeps_the_labels_as_written(tmp_path: Path) -> None:
    # sktime's reader lowercases labels; the loader must return them as written.
    body = "1,2,3:4,5,6:Walk\n0,0,0:1,1,1:Run\n7,8,9:1,2,3:Walk\n"
    split = read_split(
        write(tmp_path, "Toy_TRAIN.ts", TS_HEADER + body), toy(n_channels=2, length=3)
    )
    assert split.labels.tolist() == ["Walk", "Run", "Walk"]
    assert isinstance(split.X, np.ndarray) and split.X.shape == (3, 2, 3)
    np.testing.assert_array_equal(split.X[0], [[1, 2, 3], [4, 5, 6]])
    assert split.lines.tolist() == [11, 12, 13]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("1,2,3:4,5,6:Walk\n1,2,3:4,5,6:Jog\n", r"line 12: class label 'Jog' is not among"),
        ("1,2,3:4,5,6:Walk\n1,a,3:4,5,6:Run\n", r"line 12: 'a' is not a number"),
        ("1,2,3:4,5:Walk\n", r"line 11: the channels have different lengths \[2, 3\]"),
        ("1,2,3,4:4,5,6,7:Walk\n", r"line 11: series of length 4 but the registry says"),
        ("", r"has a header but no data lines"),
    ],
)
def test_malformed_ts_is_refused_naming_file_and_line(
    tmp_path: Path, body: str, expected: str
) -> None:
    path = write(tmp_path, "Toy_TRAIN.ts", TS_HEADER + body)
    with pytest.raises(DataError, match=expected) as exc:
        read_split(path, toy(n_channels=2, length=3))
    assert str(path) in one_line(exc)


def test_ts_without_data_section(tmp_path: Path) -> None:
    path = write(tmp_path, "Toy_TRAIN.ts", "1,2,3:1\n")
    with pytest.raises(DataError, match=r"has no @data line"):
        read_split(path, toy())


def test_ts_with_missing_values(tmp_path: Path) -> None:
    header = TS_HEADER.replace("@missing false", "@missing true")
    split = read_split(
        write(tmp_path, "Toy_TEST.ts", header + "1,?,3:4,5,NaN:Run\n"),
        toy(n_channels=2, length=3, missing=True),
    )
    assert np.isnan(split.X).tolist() == [[[False, True, False], [False, False, True]]]


# ---------------------------------------------------------------- registry checks


def test_sizes_and_classes_are_checked(tmp_path: Path) -> None:
    train = read_split(write(tmp_path, "Toy_TRAIN.tsv", "1\t1\t2\t3\t4\n2\t0\t0\t0\t0\n"), toy())
    test = read_split(write(tmp_path, "Toy_TEST.tsv", "1\t1\t2\t3\t4\n3\t0\t0\t0\t0\n"), toy())
    with pytest.raises(DataError, match=r"Toy_TRAIN.tsv has 2 training series but the registry"):
        verify_splits(toy(), train, test)
    with pytest.raises(DataError, match=r"has 3 classes but the registry says Toy has 2"):
        verify_splits(toy(n_train=2), train, test)
    verify_splits(toy(n_train=2, n_classes=3), train, test)


# ------------------------------------------------------------------------ labels


def test_labels_sort_numerically_and_encode_both_splits_alike() -> None:
    classes, y_train, y_test = encode_labels(
        np.array(["10", "-1", "2", "1"]), np.array(["2", "3", "10"])
    )
    assert classes == ("-1", "1", "2", "3", "10")
    assert y_train.dtype == np.int64
    assert y_train.tolist() == [4, 0, 2, 1]
    assert y_test.tolist() == [2, 3, 4]


def test_string_labels_sort_as_strings() -> None:
    classes, y_train, y_test = encode_labels(np.array(["b", "a", "10"]), np.array(["a"]))
    assert classes == ("10", "a", "b")
    assert y_train.tolist() == [2, 1, 0] and y_test.tolist() == [1]


# ------------------------------------------------------------------ missing values


def test_interpolation_is_linear_inside_and_constant_outside() -> None:
    series = np.array([[np.nan, 1.0, np.nan, 3.0, np.nan, np.nan], [0, 1, 2, 3, 4, 5]])
    filled = interpolate_missing(series)
    np.testing.assert_array_equal(filled, [[1, 1, 2, 3, 3, 3], [0, 1, 2, 3, 4, 5]])
    assert np.isnan(series[0, 0])  # the input is not modified
    clean = np.ones((1, 3))
    assert interpolate_missing(clean) is clean
    with pytest.raises(ValueError, match="channel 0 has no values"):
        interpolate_missing(np.full((1, 3), np.nan))


@pytest.mark.ucr
@pytest.mark.parametrize("name", ["DodgerLoopDay", "DodgerLoopGame", "DodgerLoopWeekend"])
def test_interpolation_equals_the_archives_adjusted_files(
    name: str, ucr_mirror: Path, home: Path
) -> None:
    ds = fetch_dataset(name, data_dir=home, archive=ucr_mirror, sources=[])
    adjusted = (
        ucr_mirror / "UCRArchive_2018" / "Missing_value_and_variable_length_datasets_adjusted"
    )
    raw_nan = 0
    for split, X, y in (("TRAIN", ds.X_train, ds.y_train), ("TEST", ds.X_test, ds.y_test)):
        reference = pd.read_csv(adjusted / name / f"{name}_{split}.tsv", sep="\t", header=None)
        raw = pd.read_csv(
            ucr_mirror / "UCRArchive_2018" / name / f"{name}_{split}.tsv", sep="\t", header=None
        )
        raw_nan += int(raw.isna().sum().sum())
        assert isinstance(X, np.ndarray) and not np.isnan(X).any()
        np.testing.assert_allclose(X[:, 0, :], reference.iloc[:, 1:].to_numpy(), rtol=0, atol=1e-5)
        labels = np.array(ds.classes)[y]
        assert labels.tolist() == reference.iloc[:, 0].astype(str).tolist()
    assert raw_nan > 30  # the raw files really had gaps to fill


@pytest.mark.ucr
def test_missing_error_policy_refuses_nan(ucr_mirror: Path, home: Path) -> None:
    with pytest.raises(DataError, match=r"DodgerLoopGame: DodgerLoopGame_TRAIN.tsv has 65 missing"):
        fetch_dataset("DodgerLoopGame", data_dir=home, archive=ucr_mirror, missing="error")
    # Data sets without missing values load under either policy.
    ds = fetch_dataset("Coffee", data_dir=home, archive=ucr_mirror, missing="error")
    assert ds.X_train.shape == (28, 1, 286)
