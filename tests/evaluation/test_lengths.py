"""Lengths: truncated test series, the fixed-length policies, and their result identities."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from rntk_bench.cli import main
from rntk_bench.data import fetch_dataset
from rntk_bench.errors import DataError, InputError
from rntk_bench.evaluation.protocol import Protocol, TestTruncation
from rntk_bench.evaluation.splits import (
    apply_length_policy,
    fixed_length_split,
    make_split,
    truncate_series,
)
from rntk_bench.experiment import RunConfig
from rntk_bench.experiment.events import ResultDone, ResultSkipped, RunPlanned
from rntk_bench.records import iter_results
from rntk_bench.reporting import load_results

from .conftest import run_all


def _series(*lengths: int) -> list[np.ndarray]:
    return [np.arange(1.0, t + 1)[None, :] for t in lengths]


# ------------------------------------------------------------------ truncation


def test_truncation_keeps_the_end_or_the_start() -> None:
    X = _series(10, 7, 4)
    end = truncate_series(X, TestTruncation(0.5, "end"))
    start = truncate_series(X, TestTruncation(0.5, "start"))
    # round(0.5 * t), halves up: 5, 4 (3.5), 2
    assert [s[0].tolist() for s in end] == [[6, 7, 8, 9, 10], [4, 5, 6, 7], [3, 4]]
    assert [s[0].tolist() for s in start] == [[1, 2, 3, 4, 5], [1, 2, 3, 4], [1, 2]]
    whole = truncate_series(np.stack([X[0][0], X[0][0]])[:, None, :], TestTruncation(1.0))
    assert all(np.array_equal(s, X[0]) for s in whole)


@pytest.mark.parametrize("fraction", [0.0, -0.1, 1.01, float("nan"), float("inf")])
def test_a_fraction_outside_0_1_is_refused(fraction: float) -> None:
    with pytest.raises(InputError, match=r"fraction must be in \(0, 1\]") as exc:
        TestTruncation(fraction)
    assert "\n" not in str(exc.value)
    with pytest.raises(InputError, match=r"side must be one of 'end', 'start'"):
        TestTruncation(0.5, "middle")


def test_a_data_set_too_short_for_a_truncation_is_one_line() -> None:
    with pytest.raises(DataError, match=r"Tiny is too short for --truncate-test 0.1") as exc:
        truncate_series(_series(30, 12), TestTruncation(0.1), "Tiny")
    message = str(exc.value)
    assert "\n" not in message
    assert "shortest test series (12 points) would keep 1" in message
    assert "use a fraction >= 0.13" in message
    assert len(truncate_series(_series(12), TestTruncation(0.13))[0][0]) == 2  # the bound works


def test_make_split_truncates_test_only_before_preprocessing() -> None:
    data = fetch_dataset("GunPoint")
    protocol = Protocol(preprocessing="znorm")
    split = make_split(data, 0, protocol, TestTruncation(0.5, "end"))
    assert all(s.shape == (1, 150) for s in split.X_train)
    assert all(s.shape == (1, 75) for s in split.X_test) and split.length == 150
    # z-normalised after the cut: each truncated series has mean 0, std 1 on its own.
    assert abs(float(split.X_test[0].mean())) < 1e-12
    assert float(split.X_test[0].std()) == pytest.approx(1.0)
    whole = make_split(data, 0, Protocol(preprocessing="none"))
    cut = make_split(data, 0, Protocol(preprocessing="none"), TestTruncation(0.5, "start"))
    assert np.array_equal(cut.X_test[3], whole.X_test[3][:, :75])
    assert np.array_equal(np.stack(cut.X_train), whole.X_train)
    assert whole.length is None


# --------------------------------------------------------------- length policies


def test_length_policies_pad_truncate_or_leave_to_the_kernel() -> None:
    train, test = _series(4, 2), _series(3)
    same = apply_length_policy(train, test, "resample")
    assert same[0] is train and same[2] == 4
    a, b, length = apply_length_policy(train, test, "pad-start")
    assert length is None
    assert a[:, 0].tolist() == [[1, 2, 3, 4], [0, 0, 1, 2]] and b[0, 0].tolist() == [0, 1, 2, 3]
    a, b, _ = apply_length_policy(train, test, "pad-end")
    assert a[:, 0].tolist() == [[1, 2, 3, 4], [1, 2, 0, 0]] and b[0, 0].tolist() == [1, 2, 3, 0]
    a, b, _ = apply_length_policy(train, test, "truncate")
    assert a[:, 0].tolist() == [[1, 2], [1, 2]] and b[0, 0].tolist() == [1, 2]
    equal = np.ones((2, 1, 5))
    assert apply_length_policy(equal, equal, "pad-start")[0] is equal  # nothing to do
    with pytest.raises(InputError, match=r"length policy must be one of"):
        apply_length_policy(train, test, "stretch")


def test_fixed_length_split_of_a_truncated_split() -> None:
    data = fetch_dataset("GunPoint")
    split = make_split(data, 0, Protocol(), TestTruncation(0.5, "end"))
    assert fixed_length_split(split, "resample") is split
    padded = fixed_length_split(split, "pad-start")
    assert padded.X_train.shape == (50, 1, 150) and padded.X_test.shape == (150, 1, 150)
    assert np.all(padded.X_test[:, :, :75] == 0) and padded.length is None
    assert np.array_equal(padded.X_test[:, :, 75:], np.stack(split.X_test))
    cut = fixed_length_split(split, "truncate")
    assert cut.X_train.shape == (50, 1, 75) and cut.X_test.shape == (150, 1, 75)


# -------------------------------------------------------- engine, identity, report


def test_variants_and_policies_are_separate_results_named_in_the_report(tmp_path):
    config = RunConfig(
        datasets=("SynthEnd-r0.50-noise0.5",),
        kernels=("rntk", "rbf"),
        grid="quick",
        protocol=Protocol(folds=3, c_grid=(1.0,)),
        settings_per_task=18,
        length_policies=("resample", "pad-start"),
        truncations=(None, TestTruncation(0.5, "end")),
    )
    run_dir = tmp_path / "run"
    events = run_all(config, run_dir)
    # The CV work depends on the training split only: the two variants share it
    # (rnn: 1 block; rbf: 1 per policy), so 3 tasks run, not 6.
    assert next(e for e in events if isinstance(e, RunPlanned)).tasks == 3
    done = {(e.dataset, e.kernel): e.accuracy for e in events if isinstance(e, ResultDone)}
    names = ("SynthEnd-r0.50-noise0.5", "SynthEnd-r0.50-noise0.5 [test: last 50%]")
    assert set(done) == {(d, m) for d in names for m in ("rntk", "rbf", "rbf+pad-start")}
    # The burst is at the end: aligning the ends (the RNTK natively, or padding at the
    # start) separates the classes; resampling stretches the period and does not.
    assert done[(names[0], "rntk")] > 0.9
    assert done[(names[0], "rbf+pad-start")] > done[(names[0], "rbf")]
    # Six files, six distinct identities; the truncation and the policy are recorded.
    results = [r for _, r in iter_results(run_dir)]
    assert len({r.id for r in results}) == 6
    by_variant = {
        (r.kernel, r.protocol.get("length_option"), "variant" in r.dataset): r for r in results
    }
    for (kernel, option, truncated), r in by_variant.items():
        if truncated:  # the same CV table and selection as the whole test split
            whole = by_variant[(kernel, option, False)]
            assert r.cv["mean"] == whole.cv["mean"] and r.selected == whole.selected
    assert not (run_dir / "partial").exists() or not any((run_dir / "partial").rglob("*.json"))
    for r in results:
        truncated = "test_truncation" in r.identity
        assert truncated == ("variant" in r.dataset)
        assert ("length_policy" in r.identity) == (r.protocol.get("length_option") == "pad-start")
        if r.kernel == "rntk":
            assert r.protocol["length_policy"] == "native (ends aligned)"
            assert "length_option" not in r.protocol
    table, problems = load_results(run_dir)
    assert not problems  # nothing superseded: no collision between variants
    assert set(table["dataset"]) == set(names)
    # Reports name the one-value C grid of this test (reporting/variants.py).
    assert set(table["method"]) == {"rntk[C=1]", "rbf[C=1]", "rbf+pad-start[C=1]"}
    pad = table[table["method"] == "rbf+pad-start[C=1]"]["length_policy"].iloc[0]
    assert pad == "zeros before each series up to the longest (ends aligned) (128 points)"
    # A rerun skips all six; the untruncated default run's identity is unchanged by the
    # new options (no test_truncation / length_policy keys for the defaults).
    again = run_all(config, run_dir)
    assert sum(isinstance(e, ResultSkipped) for e in again) == 6
    plain = RunConfig(
        **{**config.__dict__, "length_policies": ("resample",), "truncations": (None,)}
    )
    assert sum(isinstance(e, ResultSkipped) for e in run_all(plain, run_dir)) == 2


def test_cli_truncation_policy_and_report(tmp_path):
    results = tmp_path / "results"
    args = [
        "run",
        "SynthStart-r0.50-noise0.5",
        "--kernels",
        "linear",
        "--grid",
        "quick",
        "--folds",
        "3",
        "--c-grid",
        "1",
        "--results-dir",
        str(results),
        "--name",
        "lengths",
        "-q",
        "--n-jobs",
        "1",
        "--length-policy",
        "resample,pad-end",
        "--truncate-test",
        "0.5",
        "--truncate-side",
        "end,start",
    ]
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 0, out.output
    assert "1 data sets x 2 truncations x 1 kernels x 2 length policies" in out.output
    assert "SynthStart-r0.50-noise0.5 [test: first 50%] linear " in out.output
    assert "linear+pad-end 0." in out.output
    report = CliRunner().invoke(main, ["report", str(results / "lengths"), "--no-plots"])
    assert report.exit_code == 0, report.output
    readme = (results / "lengths" / "report" / "README.md").read_text()
    assert "SynthStart-r0.50-noise0.5 [test: last 50%]" in readme
    assert "linear[C=1]: linear resampling to the longest series" in readme
    assert "linear+pad-end[C=1]: zeros after each series up to the longest" in readme


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--truncate-test", "1.5", "--truncate-test fractions must be in (0, 1]"),
        ("--truncate-test", "0", "--truncate-test fractions must be in (0, 1]"),
        ("--truncate-test", "half", "--truncate-test takes fractions in (0, 1]"),
        ("--truncate-side", "middle", "--truncate-side takes a comma-separated list of end"),
        ("--length-policy", "stretch", "--length-policy takes a comma-separated list of"),
    ],
)
def test_cli_bad_length_options_are_one_line(tmp_path, option, value, message):
    args = ["run", "GunPoint", "--results-dir", str(tmp_path), "-q", option, value]
    if option == "--truncate-side":
        args += ["--truncate-test", "0.5"]
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 1
    assert out.output.count("\n") == 1 and message in out.output


def test_cli_too_short_for_a_truncation_is_one_line_before_any_work(tmp_path):
    args = ["run", "ItalyPowerDemand", "--kernels", "linear", "--results-dir", str(tmp_path)]
    out = CliRunner().invoke(main, [*args, "-q", "--truncate-test", "0.05"])
    assert out.exit_code == 1 and out.output.count("\n") == 1
    assert "ItalyPowerDemand is too short for --truncate-test 0.05" in out.output
    assert not list(tmp_path.rglob("*.json"))[1:]  # at most run.json, no result


def test_report_methods_keeps_the_named_methods_only(tmp_path):
    results = tmp_path / "results"
    args = ["run", "GunPoint", "--kernels", "linear", "--grid", "quick", "--folds", "3"]
    # The paper's C grid, so that the report names the methods plainly (a one-value
    # grid would be named linear[C=1], see reporting/variants.py).
    args += ["--results-dir", str(results), "--name", "m", "-q"]
    args += ["--n-jobs", "1", "--truncate-test", "0.5", "--length-policy", "resample,pad-start"]
    assert CliRunner().invoke(main, args).exit_code == 0
    run_dir = str(results / "m")
    out = CliRunner().invoke(main, ["report", run_dir, "--no-plots", "--methods", "linear"])
    assert out.exit_code == 0, out.output
    board = (results / "m" / "report" / "leaderboard.csv").read_text()
    assert "linear+pad-start" not in board and "linear" in board
    bad = CliRunner().invoke(main, ["report", run_dir, "--methods", "linear,rbf"])
    assert bad.exit_code == 1 and bad.output.count("\n") == 1
    assert (
        "--methods must name methods of the run (linear, linear+pad-start); got rbf" in bad.output
    )
