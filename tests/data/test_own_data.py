"""Your own data (a folder in the archive's layout, unregistered) and the archive's labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import rntk_bench
from rntk_bench.cli import main
from rntk_bench.data import fetch_dataset, load_dataset
from rntk_bench.data.labels import label_order
from rntk_bench.data.local import is_path, resolve_datasets
from rntk_bench.errors import DataError, InputError, UnknownNameError
from rntk_bench.estimators import KernelSVMClassifier
from rntk_bench.records import iter_results

RNG = np.random.default_rng(7)


def _tsv_text(labels: list[str], rows: list[list[float]]) -> str:
    def value(v: float) -> str:
        return "NaN" if np.isnan(v) else repr(float(v))

    return "".join(
        f"{k}\t" + "\t".join(value(v) for v in r) + "\n" for k, r in zip(labels, rows, strict=True)
    )


def write_tsv(
    folder: Path, train: tuple[list[str], np.ndarray], test: tuple[list[str], np.ndarray]
):
    folder.mkdir(parents=True, exist_ok=True)
    for split, (labels, X) in (("TRAIN", train), ("TEST", test)):
        (folder / f"{folder.name}_{split}.tsv").write_text(_tsv_text(labels, X.tolist()))
    return folder


def write_ts(folder: Path, splits: dict[str, tuple[list[str], list[np.ndarray]]]) -> Path:
    """A multivariate .ts pair: one (channels, t_i) array per case."""
    folder.mkdir(parents=True, exist_ok=True)
    classes = sorted({k for labels, _ in splits.values() for k in labels})
    for split, (labels, X) in splits.items():
        head = [
            f"@problemName {folder.name}",
            "@timeStamps false",
            "@missing false",
            "@univariate false",
            f"@dimensions {X[0].shape[0]}",
            "@equalLength true",
            f"@seriesLength {X[0].shape[1]}",
            "@classLabel true " + " ".join(classes),
            "@data",
        ]
        body = [
            ":".join(",".join(repr(float(v)) for v in c) for c in x) + f":{k}"
            for k, x in zip(labels, X, strict=True)
        ]
        (folder / f"{folder.name}_{split}.ts").write_text("\n".join(head + body) + "\n")
    return folder


def words(root: Path, name: str = "Words") -> Path:
    """Univariate, string labels, two classes a unit apart."""
    labels = ["cat", "dog"] * 10
    X = RNG.normal(size=(20, 30)) + np.array([k == "dog" for k in labels])[:, None]
    Xt = RNG.normal(size=(12, 30)) + np.array([k == "dog" for k in labels[:12]])[:, None]
    return write_tsv(root / name, (labels, X), (labels[:12], Xt))


def motion(root: Path) -> Path:
    """Multivariate (3 channels) .ts, three classes."""
    labels = ["walk", "run", "sit"] * 6

    def series(k: str) -> np.ndarray:
        return RNG.normal(size=(3, 16)) + ["walk", "run", "sit"].index(k)

    return write_ts(
        root / "Motion",
        {
            "TRAIN": (labels, [series(k) for k in labels]),
            "TEST": (labels[:9], [series(k) for k in labels[:9]]),
        },
    )


def _run(*args: str) -> object:
    return CliRunner().invoke(main, ["run", *args, "--n-jobs", "1", "-q"])


# -------------------------------------------------------------------- the CLI


def test_own_folders_run_like_registered_data_sets_and_resume(tmp_path: Path) -> None:
    w, m = words(tmp_path), motion(tmp_path)
    results = tmp_path / "results"
    args = [str(w), str(m), "--kernels", "linear,rbf", "--grid", "quick"]
    args += ["--results-dir", str(results), "--name", "own"]
    first = _run(*args)
    assert first.exit_code == 0, first.output
    assert "2 data sets x 2 kernels" in first.output
    assert "4 results written" in first.output
    found = {
        (r.dataset["name"], r.kernel): r for _, r in iter_results(results / "own", strict=True)
    }
    assert sorted(found) == [
        ("Motion", "linear"),
        ("Motion", "rbf"),
        ("Words", "linear"),
        ("Words", "rbf"),
    ]
    words_result = found["Words", "rbf"]
    assert words_result.dataset["classes"] == ["cat", "dog"]
    assert words_result.dataset["n_channels"] == 1 and words_result.dataset["length"] == 30
    assert words_result.dataset["source"] == f"folder {w}"
    motion_result = found["Motion", "linear"]
    assert motion_result.dataset["classes"] == ["run", "sit", "walk"]
    assert motion_result.dataset["n_channels"] == 3 and motion_result.dataset["length"] == 16
    # y_true stay codes into the classes list (the result-file schema is unchanged).
    assert motion_result.test["y_true"] == [2, 0, 1] * 3
    assert motion_result.accuracy == 1.0
    files = sorted((results / "own" / "runs").rglob("*.json"))
    stamps = [p.stat().st_mtime_ns for p in files]

    second = _run(*args)
    assert second.exit_code == 0, second.output
    assert "4 results already done, 0 to compute" in second.output
    assert [
        p.stat().st_mtime_ns for p in sorted((results / "own" / "runs").rglob("*.json"))
    ] == stamps


def test_archive_holding_unregistered_data_sets(tmp_path: Path) -> None:
    words(tmp_path / "archive")
    args = ["Words", "--archive", str(tmp_path / "archive"), "--kernels", "linear"]
    result = _run(*args, "--grid", "quick", "--results-dir", str(tmp_path / "r"))
    assert result.exit_code == 0, result.output
    ((_, record),) = list(iter_results(tmp_path / "r" / "custom", strict=True))
    assert record.dataset["name"] == "Words" and record.dataset["classes"] == ["cat", "dog"]
    # The same files given by path are the same data set: same checksum, so resumed.
    again = _run(str(tmp_path / "archive" / "Words"), "--kernels", "linear", "--grid", "quick",
                 "--results-dir", str(tmp_path / "r"))  # fmt: skip
    assert "1 results already done, 0 to compute" in again.output, again.output


def test_a_malformed_file_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    folder = words(tmp_path)
    train = folder / "Words_TRAIN.tsv"
    lines = train.read_text().splitlines()
    lines[6] = "dog\t0.5\t0.25"
    train.write_text("\n".join(lines) + "\n")
    results = tmp_path / "results"
    result = _run(
        str(folder), "--kernels", "linear,rbf", "--grid", "quick", "--results-dir", str(results)
    )
    assert result.exit_code == 1
    message = result.output.strip()
    assert message.count("\n") == 0 and "Traceback" not in message
    assert message.startswith(f"Error: {train}, line 7 has 3 fields but line 1 has 31")
    assert not list(results.rglob("*.json"))  # no result, no run.json


def test_unknown_bare_name_says_how_to_give_a_folder(tmp_path: Path, monkeypatch) -> None:
    words(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = _run("Words", "--kernels", "linear")
    assert result.exit_code == 1
    assert "unknown data set 'Words'" in result.output
    assert "give its path, ./Words" in result.output
    assert _run("./Words", "--kernels", "linear", "--grid", "quick").exit_code == 0


# -------------------------------------------------------------- names vs paths


def test_a_path_has_a_separator_and_a_name_has_none(tmp_path: Path) -> None:
    assert is_path("./GunPoint") and is_path("data/MyData") and is_path("MyData/")
    assert not is_path("GunPoint") and not is_path("MyData")
    w = words(tmp_path)
    # registered names first (registry order), then folders as given
    assert resolve_datasets(["GunPoint", str(w), "ArrowHead"]) == ["ArrowHead", "GunPoint", str(w)]
    # one folder written two ways is one data set
    assert resolve_datasets([str(w), str(w) + "/", f"{w}/../Words"]) == [str(w)]
    with pytest.raises(InputError, match="two data sets named Words"):
        resolve_datasets([str(w), str(words(tmp_path / "other"))])
    with pytest.raises(InputError, match="does not exist"):
        resolve_datasets([str(tmp_path / "Nope")])
    with pytest.raises(InputError, match="is a file; give the folder"):
        resolve_datasets([str(w / "Words_TRAIN.tsv")])
    (tmp_path / "Empty").mkdir()
    with pytest.raises(InputError, match=r"should hold Empty_TRAIN\.tsv and Empty_TEST\.tsv"):
        resolve_datasets([str(tmp_path / "Empty")])
    with pytest.raises(UnknownNameError, match="--archive DIR"):
        resolve_datasets(["Words"], archive=tmp_path / "elsewhere")


# --------------------------------------------------------------- shapes, checks


def test_shapes_are_inferred_padding_and_missing_values(tmp_path: Path) -> None:
    labels = ["1", "2", "10"] * 3
    X = RNG.normal(size=(9, 12))
    ragged = X.copy()
    ragged[0, 8:] = np.nan  # a shorter series: the archive's NaN padding
    ragged[4, 3] = np.nan  # a missing value
    ds = fetch_dataset(str(write_tsv(tmp_path / "Ragged", (labels, ragged), (labels, X))))
    assert ds.info.length is None and ds.info.missing and ds.info.n_classes == 3
    assert ds.X_train[0].shape == (1, 8) and ds.X_train[1].shape == (1, 12)
    assert not np.isnan(ds.X_train[4]).any()  # interpolated, as a registered data set
    assert ds.classes == ("1", "2", "10")  # numeric labels sort numerically
    with pytest.raises(DataError, match="missing values"):
        fetch_dataset(str(tmp_path / "Ragged"), missing="error")
    # Every line ends in the same NaN columns: equal length, without them.
    padded = np.hstack([X, np.full((9, 2), np.nan)])
    ds = fetch_dataset(str(write_tsv(tmp_path / "Padded", (labels, padded), (labels, X))))
    assert ds.info.length == 12 and not ds.info.missing and ds.X_train.shape == (9, 1, 12)
    np.testing.assert_allclose(ds.X_train[:, 0], X, rtol=1e-14)  # pandas parses to ~1 ulp


def test_the_checks_of_an_own_data_set(tmp_path: Path) -> None:
    X = RNG.normal(size=(6, 5))
    one_class = write_tsv(tmp_path / "One", (["a"] * 6, X), (["a", "b"] * 3, X))
    with pytest.raises(DataError, match="every training series has the label 'a'"):
        fetch_dataset(str(one_class))
    unlabelled = write_tsv(tmp_path / "Bare", (["0.5"] * 6, X), (["1"] * 6, X))
    with pytest.raises(DataError, match=r"line 1: the first field '0\.5' is not a class label"):
        fetch_dataset(str(unlabelled))
    (tmp_path / "Half").mkdir()
    (tmp_path / "Half" / "Half_TRAIN.tsv").write_text(_tsv_text(["a", "b"], X[:2].tolist()))
    (tmp_path / "Half" / "Half_TEST.tsv").write_text("")
    with pytest.raises(DataError, match=r"Half_TEST\.tsv is empty"):
        fetch_dataset(str(tmp_path / "Half"))
    # channels: 2 in training, 3 in test
    labels = ["x", "y"] * 2
    two = [RNG.normal(size=(2, 4)) for _ in labels]
    folder = write_ts(tmp_path / "Chan", {"TRAIN": (labels, two), "TEST": (labels, two)})
    test_file = folder / "Chan_TEST.ts"
    three = [RNG.normal(size=(3, 4)) for _ in labels]
    write_ts(tmp_path / "Three", {"TRAIN": (labels, three), "TEST": (labels, three)})
    test_file.write_text((tmp_path / "Three" / "Three_TEST.ts").read_text())
    with pytest.raises(
        DataError, match=r"Chan_TEST.ts has 3 channel\(s\) but .*Chan_TRAIN.ts has 2"
    ):
        fetch_dataset(str(folder))


def test_own_data_checksum_follows_the_files(tmp_path: Path) -> None:
    folder = words(tmp_path)
    first = fetch_dataset(str(folder))
    assert fetch_dataset(str(folder)).checksum == first.checksum
    train = folder / "Words_TRAIN.tsv"
    train.write_text(train.read_text().replace("cat", "cow", 1))
    changed = fetch_dataset(str(folder))
    assert changed.checksum != first.checksum and changed.classes == ("cat", "cow", "dog")


# -------------------------------------------------------------- archive labels


def test_load_dataset_gives_the_archive_labels_and_evaluate_the_same_accuracy() -> None:
    X_train, y_train, X_test, y_test = load_dataset("GunPoint")
    assert y_train.dtype.kind == "U" and sorted(set(y_train.tolist())) == ["1", "2"]
    data = fetch_dataset("GunPoint")
    by_label = rntk_bench.evaluate("linear", X_train, y_train, X_test, y_test)
    by_code = rntk_bench.evaluate("linear", X_train, data.y_train, X_test, data.y_test)
    assert by_label.accuracy == by_code.accuracy == pytest.approx(134 / 150)
    assert by_label.test.y_pred.tolist() == by_code.test.y_pred.tolist()
    assert by_label.predictions.tolist() == [data.classes[c] for c in by_code.predictions]


def test_text_numbers_are_encoded_in_a_runs_order_everywhere() -> None:
    distinct = np.unique([str(k) for k in (1, 2, 10, 11)])  # "1", "10", "11", "2"
    assert distinct[label_order(distinct)].tolist() == ["1", "2", "10", "11"]
    assert label_order(np.array(["b", "a"])).tolist() == [1, 0]
    assert label_order(np.array([3, 1, 2])).tolist() == [1, 2, 0]
    # Four classes labelled "1", "2", "10", "11": the lexicographic order would put "10"
    # second; a run (and so evaluate and the estimator) encodes them as the integers.
    y = np.repeat([1, 2, 10, 11], 6)
    X = (
        RNG.normal(size=(24, 1, 10))
        + (np.arange(24) % 6 < 3)[:, None, None]
        + y[:, None, None] / 10
    )
    text = y.astype(str)
    as_text = rntk_bench.evaluate("linear", X[::2], text[::2], X[1::2], text[1::2], grid="quick")
    as_int = rntk_bench.evaluate("linear", X[::2], y[::2], X[1::2], y[1::2], grid="quick")
    assert as_text.classes.tolist() == ["1", "2", "10", "11"]
    assert as_text.test.y_pred.tolist() == as_int.test.y_pred.tolist()
    np.testing.assert_array_equal(as_text.probabilities, as_int.probabilities)
    est_text = KernelSVMClassifier("linear", folds=3).fit(X[::2], text[::2])
    est_int = KernelSVMClassifier("linear", folds=3).fit(X[::2], y[::2])
    assert est_text.classes_.tolist() == ["1", "10", "11", "2"]  # scikit-learn's sorted classes_
    assert est_text.code_order_.tolist() == [0, 3, 1, 2]
    assert est_text.predict(X[1::2]).tolist() == est_int.predict(X[1::2]).astype(str).tolist()
    # Columns follow classes_: "1", "10", "11", "2" against 1, 2, 10, 11.
    np.testing.assert_array_equal(
        est_text.predict_proba(X[1::2]), est_int.predict_proba(X[1::2])[:, [0, 2, 3, 1]]
    )
    np.testing.assert_array_equal(
        est_text.decision_function(X[1::2]), est_int.decision_function(X[1::2])[:, [0, 2, 3, 1]]
    )


def test_two_text_classes_out_of_string_order_keep_scikit_learns_sign() -> None:
    y = np.repeat([9, 10], 8)
    X = RNG.normal(size=(16, 1, 6)) + (y == 10)[:, None, None]
    est_text = KernelSVMClassifier("linear", folds=2).fit(X, y.astype(str))
    est_int = KernelSVMClassifier("linear", folds=2).fit(X, y)
    assert est_text.classes_.tolist() == ["10", "9"]
    # positive margin for classes_[1]: "9" for text, 10 for integers
    np.testing.assert_array_equal(est_text.decision_function(X), -est_int.decision_function(X))
    np.testing.assert_array_equal(est_text.predict_proba(X), est_int.predict_proba(X)[:, ::-1])
    assert est_text.predict(X).tolist() == est_int.predict(X).astype(str).tolist()
