"""``export`` cannot lie or escape: every result once, variants apart, names plain.

Run folders come from real runs (GunPoint bundled with sktime, a synthetic data set of
unequal lengths), then copied and tampered with the way a hostile or damaged folder
would be. None of these tests needs tsml-eval (tests/ecosystem reads the files back
with its loader).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from rntk_bench.cli import main
from rntk_bench.records import Result, identity_hash, iter_results, write_result


def _run(results: Path, name: str, *args: str) -> Path:
    common = ("--grid", "quick", "--folds", "3", "-q", "--n-jobs", "1")
    command = ["run", *args, *common, "--results-dir", str(results), "--name", name]
    outcome = CliRunner().invoke(main, command)
    assert outcome.exit_code == 0, outcome.output
    return results / name


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """A run with a truncated-test variant and one with a second length policy."""
    root = tmp_path_factory.mktemp("export-runs")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RNTK_BENCH_DATA", str(root / "data"))
        env.delenv("RNTK_BENCH_SOURCE", raising=False)
        return {
            "truncated": _run(
                root, "truncated", "GunPoint", "--kernels", "rbf,linear",
                "--truncate-test", "1,0.5", "--resamples", "2",
            ),
            "policies": _run(
                root, "policies", "SynthEnd-r0.50-noise1", "--kernels", "rbf,linear",
                "--length-policy", "resample,pad-start",
            ),
        }  # fmt: skip


def export(run_dir: Path, out: Path, *args: str):
    return CliRunner().invoke(main, ["export", str(run_dir), str(out), *args])


def csv_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def wrote(output: str) -> int:
    line = next(line for line in output.splitlines() if line.startswith("Wrote "))
    return int(line.split()[1])


def skipped(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("skipped ")]


def copy_run(run_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    return copy


def one_file(run_dir: Path) -> Path:
    """The rbf result of plain GunPoint, resample 0 (not the truncated variant)."""
    (path,) = (
        path
        for path, item in iter_results(run_dir)
        if item.kernel == "rbf" and item.resample == 0 and not item.dataset.get("variant")
    )
    return path


def edit(path: Path, change: Callable[[dict], None]) -> None:
    payload = json.loads(path.read_text())
    change(payload)
    path.write_text(json.dumps(payload))


def before_and_after(tmp_path: Path) -> set[Path]:
    return {p for p in tmp_path.parent.rglob("*") if "export-runs" not in str(p)}


# ------------------------------------------------------------------ variants apart


def test_a_truncated_test_split_is_its_own_data_set(runs, tmp_path):
    result = export(runs["truncated"], tmp_path / "out")
    assert result.exit_code == 0, result.output
    files = csv_files(tmp_path / "out")
    assert wrote(result.output) == len(files) == 8  # 2 kernels x 2 variants x 2 resamples
    names = {p.relative_to(tmp_path / "out").parts[2] for p in files}
    assert names == {"GunPoint", "GunPoint[test-last-50pct]"}
    # Each file holds its own result: the accuracy on line 3 is the result file's.
    for source, item in iter_results(runs["truncated"]):
        variant = "[test-last-50pct]" if item.dataset.get("variant") else ""
        path = tmp_path / "out" / item.kernel / "Predictions" / f"GunPoint{variant}"
        lines = (path / f"testResample{item.resample}.csv").read_text().splitlines()
        assert float(lines[2].split(",")[0]) == pytest.approx(item.accuracy, abs=1e-12), source
        assert lines[0].endswith(item.id[:12])


def test_a_second_length_policy_is_its_own_method(runs, tmp_path):
    result = export(runs["policies"], tmp_path / "out", "--method-name", "rbf=RBF")
    assert result.exit_code == 0, result.output
    files = csv_files(tmp_path / "out")
    assert wrote(result.output) == len(files) == 4
    methods = sorted(p.relative_to(tmp_path / "out").parts[0] for p in files)
    assert methods == ["RBF", "RBF+pad-start", "linear", "linear+pad-start"]
    for source, item in iter_results(runs["policies"]):
        method = "RBF" if item.kernel == "rbf" else item.kernel
        if item.protocol.get("length_option") == "pad-start":
            method += "+pad-start"
        path = tmp_path / "out" / method / "Predictions" / "SynthEnd-r0.50-noise1"
        line3 = (path / "testResample0.csv").read_text().splitlines()[2]
        assert float(line3.split(",")[0]) == pytest.approx(item.accuracy, abs=1e-12), source


# ------------------------------------------------------------------ names


@pytest.mark.parametrize(
    "value", ["rbf=..", "rbf=.", "rbf=../up", "rbf=a/b", "rbf=/abs", "rbf=a\\b", "rbf=a,b",
              "rbf=", "rbf=.hidden", "rbf"],
)  # fmt: skip
def test_a_method_name_that_is_not_plain_is_one_line_and_nothing_is_written(runs, tmp_path, value):
    result = export(runs["policies"], tmp_path / "out", "--method-name", value)
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith("Error: --method-name"), line
    assert not (tmp_path / "out").exists() and not (tmp_path / "Predictions").exists()
    assert not (tmp_path / "up").exists() and not Path("/abs").exists()


@pytest.mark.parametrize(
    "args",
    [
        ("--method-name", "rbf=X", "--method-name", "linear=X"),
        ("--method-name", "rbf=linear"),
    ],
)
def test_two_kernels_given_one_name_are_one_error_before_anything_is_written(runs, tmp_path, args):
    result = export(runs["policies"], tmp_path / "out", *args)
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith("Error: different methods would share the file"), line
    assert "linear" in line and "rbf" in line and line.endswith("Nothing was written.")
    assert not (tmp_path / "out").exists()


def test_a_method_name_for_a_kernel_the_run_lacks_is_an_error(runs, tmp_path):
    result = export(runs["policies"], tmp_path / "out", "--method-name", "ntk=NTK")
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: --method-name names ntk, but {runs['policies']} holds no results of that "
        "kernel (it has linear, rbf). Nothing was written."
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("dataset", "../escape"),
        ("dataset", "../../escape"),
        ("dataset", "/tmp/absolute-escape"),
        ("dataset", "a/b"),
        ("kernel", "../.."),
        ("kernel", ".."),
        ("kernel", "."),
        ("dataset", "x\n"),
    ],
)
@pytest.mark.parametrize("with_identity", [False, True])
def test_names_read_from_result_files_never_leave_out(runs, tmp_path, field, value, with_identity):
    """A run folder received from elsewhere: its names are data, never paths."""
    run_dir = copy_run(runs["truncated"], tmp_path)
    target = one_file(run_dir)

    def change(payload: dict) -> None:
        if field == "dataset":
            payload["dataset"]["name"] = value
        else:
            payload["kernel"] = value
        if with_identity:  # a consistent forgery: identity and hash edited too
            payload["identity"][field] = value
            payload["id"] = identity_hash(payload["identity"])

    edit(target, change)
    before = before_and_after(tmp_path)
    result = export(run_dir, tmp_path / "out")
    assert result.exit_code == 0, result.output
    (reason,) = skipped(result.output)
    assert str(target) in reason and ("is a path, not a name" in reason or "control" in reason)
    assert wrote(result.output) == len(csv_files(tmp_path / "out")) == 7
    out = tmp_path / "out"
    new = before_and_after(tmp_path) - before
    assert all(p == out or out in p.parents for p in new), new
    written = {p.relative_to(out).as_posix() for p in csv_files(out)}
    assert all(
        re.fullmatch(
            r"(rbf|linear)/Predictions/GunPoint(\[test-last-50pct\])?/"
            r"testResample[01]\.csv",
            p,
        )
        for p in written
    ), written
    assert not Path("/tmp/absolute-escape").exists()


@pytest.mark.parametrize(
    ("field", "value", "written_as"),
    [
        ("dataset", "My Data", "My_Data"),  # one's own data set, named after its folder
        ("dataset", "Données,v2", "Donn_es_v2"),
        ("kernel", "pkg.kernels:cosine", "pkg.kernels_cosine"),  # a method's import path
        ("kernel", ".hidden", "_.hidden"),
    ],
)
def test_other_names_from_result_files_are_made_plain(runs, tmp_path, field, value, written_as):
    """Names a run can write but tsml-eval's files cannot hold: other characters become _."""
    run_dir = copy_run(runs["truncated"], tmp_path)
    target = one_file(run_dir)
    payload = json.loads(target.read_text())
    payload["identity"][field] = value
    if field == "dataset":
        payload["dataset"]["name"] = value
    else:
        payload["kernel"] = value
    payload["id"] = identity_hash(payload["identity"])
    result = Result(**payload)
    write_result(run_dir, result)  # where a run would put it
    target.unlink()
    done = export(run_dir, tmp_path / "out")
    assert done.exit_code == 0 and skipped(done.output) == [], done.output
    files = csv_files(tmp_path / "out")
    assert wrote(done.output) == len(files) == 8
    method = written_as if field == "kernel" else "rbf"
    dataset = written_as if field == "dataset" else "GunPoint"
    path = tmp_path / "out" / method / "Predictions" / dataset / "testResample0.csv"
    assert path.read_text().split(",")[:2] == [dataset, method]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda p: p["dataset"].update(name="Coffee"), "its identity says dataset 'GunPoint'"),
        (lambda p: p.update(kernel="linear"), "its identity says kernel 'rbf'"),
        (lambda p: p.update(resample=1), "its identity says resample 0"),
        (lambda p: p["protocol"].update(folds=10), "its protocol disagrees with its identity"),
        (lambda p: p["dataset"].pop("variant", None) or p["dataset"].pop("test_truncation"),
         "its data set variant disagrees with its identity"),
        (lambda p: p["dataset"].update(variant="test: last 50%", test_truncation={
            "fraction": 0.5, "side": "end"}), "its data set variant disagrees"),
        (lambda p: p["protocol"].update(length_option="pad-start"),
         "its length policy disagrees with its identity"),
    ],
)  # fmt: skip
def test_a_file_whose_identity_disagrees_with_its_contents_is_skipped(
    runs, tmp_path, change, reason
):
    run_dir = copy_run(runs["truncated"], tmp_path)
    # A variant file for the variant edits that remove it, a plain one otherwise.
    variant = "variant disagrees" in reason and "pop" in str(change.__code__.co_names)
    candidates = [
        path
        for path, item in iter_results(run_dir)
        if item.kernel == "rbf"
        and item.resample == 0
        and bool(item.dataset.get("variant")) == variant
    ]
    edit(candidates[0], change)
    result = export(run_dir, tmp_path / "out")
    assert result.exit_code == 0, result.output
    (line,) = skipped(result.output)
    assert str(candidates[0]) in line and reason in line, line
    assert wrote(result.output) == len(csv_files(tmp_path / "out")) == 7


def test_a_copied_or_renamed_result_file_is_not_exported_twice(runs, tmp_path):
    run_dir = copy_run(runs["truncated"], tmp_path)
    source = one_file(run_dir)
    shutil.copy(source, source.with_name("rbf-r0-copy.json"))
    (run_dir / "runs" / "Other").mkdir()
    shutil.copy(source, run_dir / "runs" / "Other" / source.name)
    result = export(run_dir, tmp_path / "out")
    assert result.exit_code == 0, result.output
    lines = skipped(result.output)
    assert len(lines) == 2 and all("its path does not match its contents" in x for x in lines)
    assert wrote(result.output) == len(csv_files(tmp_path / "out")) == 8


def test_an_older_result_for_the_same_file_is_superseded_as_in_reports(runs, tmp_path):
    run_dir = copy_run(runs["truncated"], tmp_path)
    source = one_file(run_dir)
    payload = json.loads(source.read_text())
    payload["identity"]["rntk_bench"] = "0.0.1"  # an older version's result
    payload["id"] = identity_hash(payload["identity"])
    payload["environment"]["finished"] = "2000-01-01T00:00:00+00:00"
    older = source.with_name(f"rbf-r0-{payload['id'][:12]}.json")
    older.write_text(json.dumps(payload))
    result = export(run_dir, tmp_path / "out")
    (line,) = skipped(result.output)
    assert line.startswith(f"skipped {older}: superseded by the newer result {source}")
    assert wrote(result.output) == len(csv_files(tmp_path / "out")) == 8
    assert "8 tsml-eval result files" in result.output and "1 result files skipped" in result.output


def test_a_link_inside_out_is_refused_before_writing(runs, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "rbf").symlink_to(outside, target_is_directory=True)
    result = export(runs["truncated"], tmp_path / "out")
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert "is a symbolic link" in line and line.endswith("Nothing was written.")
    assert list(outside.iterdir()) == [] and csv_files(tmp_path / "out") == []


# ------------------------------------------------------------------ tampered values


def _set_code(payload: dict, code: object, field: str = "y_pred") -> None:
    test = payload["test"]
    test[field][0] = code
    right = sum(a == b for a, b in zip(test["y_true"], test["y_pred"], strict=True))
    test["accuracy"] = right / test["n_test"]  # consistent, so the reader accepts it


TAMPERED = {
    "class code -1": (lambda p: _set_code(p, -1), "test.y_pred holds the class code -1"),
    "class code 7": (lambda p: _set_code(p, 7), "test.y_pred holds the class code 7"),
    "true code 2": (lambda p: _set_code(p, 2, "y_true"), "test.y_true holds the class code 2"),
    "text timing": (
        lambda p: p["timing"].update(gram_train="12 s"),
        "timing.gram_train must be a number of seconds",
    ),
    "negative timing": (
        lambda p: p["timing"].update(refit=-1.0),
        "timing.refit must be a number of seconds",
    ),
    "empty selected": (lambda p: p.update(selected={}), "selected lacks the chosen setting and C"),
    "no class list": (
        lambda p: p["dataset"].pop("classes"),
        "dataset.classes (the class labels in code order) is missing",
    ),
    "duplicate classes": (
        lambda p: p["dataset"].update(classes=["1", "1"]),
        "dataset.classes (the class labels in code order) is missing or not a list",
    ),
    "no probabilities": (
        lambda p: p["test"].pop("probabilities"),
        "written before result files kept class probabilities",
    ),
    "a row short": (
        lambda p: p["test"]["probabilities"].pop(),
        "test.probabilities must be 150 rows of 2 finite numbers",
    ),
    "a row not summing to 1": (
        lambda p: p["test"]["probabilities"].__setitem__(0, [0.9, 0.9]),
        "a row that does not sum to 1",
    ),
    "text probability": (
        lambda p: p["test"]["probabilities"].__setitem__(0, ["0.5", 0.5]),
        "a value that is not a number",
    ),
    "NaN probability": (
        lambda p: p["test"]["probabilities"].__setitem__(0, [float("nan"), 1.0]),
        "a value outside [0, 1]",
    ),
}


@pytest.mark.parametrize("case", list(TAMPERED))
def test_a_tampered_result_is_one_line_and_nothing_half_written(runs, tmp_path, case):
    change, reason = TAMPERED[case]
    run_dir = copy_run(runs["truncated"], tmp_path)
    target = one_file(run_dir)
    edit(target, change)
    result = export(run_dir, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    (line,) = skipped(result.output)
    assert line.startswith(f"skipped {target}: ") and reason in line, line
    files = csv_files(tmp_path / "out")
    assert wrote(result.output) == len(files) == 7
    assert not (tmp_path / "out/rbf/Predictions/GunPoint/testResample0.csv").exists()


def test_a_trained_method_is_skipped_for_the_right_reason(runs, tmp_path):
    run_dir = copy_run(runs["truncated"], tmp_path)
    target = one_file(run_dir)

    def trained(payload: dict) -> None:  # as the rnn method writes it: no probabilities
        payload["identity"]["options"] = {"epochs": 10}
        payload["id"] = identity_hash(payload["identity"])
        del payload["test"]["probabilities"]

    edit(target, trained)
    moved = target.with_name(f"rbf-r0-{json.loads(target.read_text())['id'][:12]}.json")
    target.rename(moved)
    result = export(run_dir, tmp_path / "out")
    (line,) = skipped(result.output)
    assert "rbf is a trained method" in line and "no class probabilities" in line, line
