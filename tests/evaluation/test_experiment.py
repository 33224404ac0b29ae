"""The engine end to end on real bundled data: results, skipping, resuming, parallel, Dask."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from rntk_bench.errors import DataError, InputError, ResultError, UnknownNameError
from rntk_bench.evaluation.protocol import Protocol
from rntk_bench.experiment import DataOptions, run_experiment
from rntk_bench.experiment.events import ResultDone, ResultSkipped, RunPlanned, TaskDone, Warned
from rntk_bench.experiment.parallel import executor
from rntk_bench.records import iter_results, read_result

from .conftest import run_all


def _results(run_dir: Path) -> dict[tuple[str, str, int], dict]:
    out = {}
    for path, result in iter_results(run_dir):
        assert not isinstance(result, Exception), result
        out[(result.dataset["name"], result.kernel, result.resample)] = {
            "accuracy": result.accuracy,
            "y_pred": result.test["y_pred"],
            "selected": result.selected,
            "cv": result.cv["mean"],
            "path": path,
        }
    return out


def test_a_run_writes_one_complete_result_per_dataset_and_kernel(make_config, tmp_path):
    config = make_config()
    events = run_all(config, tmp_path / "run")
    planned = next(e for e in events if isinstance(e, RunPlanned))
    assert planned.results_to_compute == 14 and planned.results_done == 0
    done = [e for e in events if isinstance(e, ResultDone)]
    assert len(done) == 14
    results = _results(tmp_path / "run")
    assert set(results) == {(d, k, 0) for d in config.datasets for k in config.kernels}
    r = read_result(results[("GunPoint", "rntk", 0)]["path"])
    assert r.dataset["n_train"] == 50 and r.dataset["n_test"] == 150
    assert len(r.test["y_pred"]) == len(r.test["y_true"]) == 150
    assert r.accuracy == pytest.approx(np.mean(np.array(r.test["y_pred"]) == r.test["y_true"]))
    assert r.selected["C"] in config.protocol.c_grid
    assert np.array(r.cv["mean"]).shape == (4, 5)  # 2 sigma_w x 2 sigma_b settings, 5 C
    best = np.nanmax(np.array(r.cv["mean"]))
    assert r.selected["cv_accuracy"] == pytest.approx(best)
    assert r.protocol["cv_scheme"] == "stratified 5-fold"
    assert r.environment["versions"]["rntk-bench"]
    assert r.accuracy > 0.8  # GunPoint is easy; a broken pipeline scores ~0.5
    # NNGP ignores fix_first: its CV table has the 2 depths only.
    nngp = read_result(results[("GunPoint", "nngp", 0)]["path"])
    assert [s["depth"] for s in nngp.cv["settings"]] == [1, 2]
    rbf = read_result(results[("GunPoint", "rbf", 0)]["path"])
    assert rbf.selected["resolved"]["gamma"] > 0  # the data-derived gamma is recorded


def test_task_costs_weigh_the_progress(make_config, tmp_path):
    events = run_all(make_config(kernels=("rntk", "linear")), tmp_path / "run")
    planned = next(e for e in events if isinstance(e, RunPlanned))
    done = [e for e in events if isinstance(e, TaskDone)]
    assert planned.cost == pytest.approx(sum(e.cost for e in done))
    rnn = min(e.cost for e in done if e.family == "rnn")
    linear = max(e.cost for e in done if e.family == "linear")
    assert rnn > linear  # a block of RNTK settings over time steps outweighs one linear Gram


def test_a_rerun_skips_everything_and_changes_nothing(make_config, tmp_path):
    config = make_config(kernels=("rntk", "rbf"))
    run_all(config, tmp_path / "run")
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "run").rglob("*.json")}
    events = run_all(config, tmp_path / "run")
    assert next(e for e in events if isinstance(e, RunPlanned)).tasks == 0
    assert len([e for e in events if isinstance(e, ResultSkipped)]) == 4
    assert not [e for e in events if isinstance(e, ResultDone)]
    after = {
        p: p.stat().st_mtime_ns for p in (tmp_path / "run").rglob("*.json") if p.name != "run.json"
    }
    assert all(before[p] == t for p, t in after.items())


def test_a_different_protocol_is_refused_in_the_same_run_folder(make_config, tmp_path):
    from rntk_bench.reporting import load_results

    run_all(make_config(kernels=("rbf",)), tmp_path / "run")
    before = sorted((tmp_path / "run").rglob("*.json"))
    other = make_config(kernels=("rbf",), protocol=Protocol(folds=3, c_grid=(1.0, 10.0)))
    # One clear line naming what differs, before any work: nothing is written.
    with pytest.raises(InputError, match=r"another protocol \(folds 5 -> 3, c_grid") as exc:
        run_all(other, tmp_path / "run")
    assert "\n" not in str(exc.value) and "--name" in str(exc.value)
    assert sorted((tmp_path / "run").rglob("*.json")) == before
    # Kept apart in a folder of its own, the other protocol runs: a different result.
    events = run_all(other, tmp_path / "other")
    assert len([e for e in events if isinstance(e, ResultDone)]) == 2
    # A folder mixed by hand (GunPoint from the other protocol) is refused by the report.
    gunpoint = tmp_path / "run" / "runs" / "GunPoint"
    for old in gunpoint.glob("rbf-*.json"):
        old.unlink()
    moved = next((tmp_path / "other" / "runs" / "GunPoint").glob("rbf-*.json"))
    (gunpoint / moved.name).write_bytes(moved.read_bytes())
    mixed = r"mixes results of different protocols .*folds (5 -> 3|3 -> 5)"
    with pytest.raises(ResultError, match=mixed):
        load_results(tmp_path / "run")


def test_an_interrupted_run_resumes_from_its_checkpoints(make_config, tmp_path):
    config = make_config(datasets=("GunPoint",), kernels=("rntk", "rnngp"))
    reference = _results(_complete(config, tmp_path / "clean"))
    with executor(1) as pool:
        events = run_experiment(config, tmp_path / "run", pool)
        for event in events:
            if isinstance(event, TaskDone):
                break  # "Ctrl-C" after the first of two blocks
        events.close()
    checkpoints = list((tmp_path / "run" / "partial").rglob("block-*.json"))
    assert len(checkpoints) == 1
    events = run_all(config, tmp_path / "run")
    assert next(e for e in events if isinstance(e, RunPlanned)).tasks == 1  # one block left
    assert [e.restored for e in events if isinstance(e, TaskDone)] == [True, False]
    resumed = _results(tmp_path / "run")
    for key, value in reference.items():
        assert resumed[key]["y_pred"] == value["y_pred"]
        assert resumed[key]["cv"] == value["cv"]
    assert not list((tmp_path / "run" / "partial").rglob("*.json"))  # cleaned up


def test_full_cv_does_not_resume_from_a_pruned_run(make_config, tmp_path):
    config = make_config(datasets=("GunPoint",), kernels=("rntk",))
    with executor(1) as pool:
        events = run_experiment(config, tmp_path / "run", pool)
        for event in events:
            if isinstance(event, TaskDone):
                break
        events.close()
    assert len(list((tmp_path / "run" / "partial").rglob("block-*.json"))) == 1
    full = dataclasses.replace(config, full_cv=True)
    events = run_all(full, tmp_path / "run")
    assert [e.restored for e in events if isinstance(e, TaskDone)] == [False, False]
    (result,) = _results(tmp_path / "run").values()
    assert not np.isnan(np.array(result["cv"])).any()  # every cell scored


def _complete(config, run_dir: Path) -> Path:
    run_all(config, run_dir)
    return run_dir


def test_a_corrupt_result_file_is_reported_and_recomputed(make_config, tmp_path):
    config = make_config(datasets=("GunPoint",), kernels=("linear",))
    run_all(config, tmp_path / "run")
    (path,) = (tmp_path / "run" / "runs" / "GunPoint").glob("linear-*.json")
    good = json.loads(path.read_text())
    path.write_text(path.read_text()[:100])  # a crash mid-write of an older version
    events = run_all(config, tmp_path / "run")
    warnings = [e.message for e in events if isinstance(e, Warned)]
    assert len(warnings) == 1 and "unreadable" in warnings[0] and "Recomputing" in warnings[0]
    assert json.loads(path.read_text())["test"] == good["test"]


def test_parallel_and_sequential_runs_agree(make_config, tmp_path):
    config = make_config(datasets=("ItalyPowerDemand",))
    one = _results(_complete(config, tmp_path / "one"))
    run_all(config, tmp_path / "two", n_jobs=2)
    two = _results(tmp_path / "two")
    assert one.keys() == two.keys()
    for key in one:
        assert one[key]["y_pred"] == two[key]["y_pred"]
        assert one[key]["selected"] == two[key]["selected"]
        # Which cells pruning leaves NaN depends on the order blocks finish in; every
        # cell scored in both runs has the same value.
        a, b = np.array(one[key]["cv"]), np.array(two[key]["cv"])
        both = ~np.isnan(a) & ~np.isnan(b)
        assert both.any()
        np.testing.assert_array_equal(a[both], b[both])


def test_a_local_dask_cluster_gives_the_local_results(make_config, tmp_path):
    pytest.importorskip("dask.distributed")
    config = make_config(datasets=("GunPoint",), kernels=("rntk", "rbf"))
    local = _results(_complete(config, tmp_path / "local"))
    with executor(dask_local=2) as pool:
        assert pool.description == "local Dask cluster x 2"
        list(run_experiment(config, tmp_path / "dask", pool))
    dask = _results(tmp_path / "dask")
    assert local.keys() == dask.keys()
    for key in local:
        assert local[key]["y_pred"] == dask[key]["y_pred"]
        assert local[key]["selected"] == dask[key]["selected"]


def test_resamples_are_seeded_and_resample_zero_is_official(make_config, tmp_path):
    config = make_config(datasets=("GunPoint",), kernels=("rbf",), resamples=3)
    first = _results(_complete(config, tmp_path / "a"))
    second = _results(_complete(config, tmp_path / "b"))
    assert {k[2] for k in first} == {0, 1, 2}
    for key in first:
        assert first[key]["y_pred"] == second[key]["y_pred"]
    official = _results(
        _complete(make_config(datasets=("GunPoint",), kernels=("rbf",)), tmp_path / "c")
    )
    assert official[("GunPoint", "rbf", 0)]["y_pred"] == first[("GunPoint", "rbf", 0)]["y_pred"]


def test_test_labels_never_influence_selection(make_config, tmp_path):
    """Shuffling the test labels changes the accuracy, not the predictions."""
    from rntk_bench.data import fetch_dataset
    from rntk_bench.experiment import engine

    real = fetch_dataset("GunPoint")
    rng = np.random.default_rng(0)
    scrambled = type(real)(**{**real.__dict__, "y_test": rng.permutation(real.y_test)})
    config = make_config(datasets=("GunPoint",), kernels=("rntk",))

    def run_with(data, run_dir):
        original = engine.fetch_dataset
        engine.fetch_dataset = lambda *a, **k: data
        try:
            return _results(_complete(config, run_dir))[("GunPoint", "rntk", 0)]
        finally:
            engine.fetch_dataset = original

    a, b = run_with(real, tmp_path / "a"), run_with(scrambled, tmp_path / "b")
    assert a["y_pred"] == b["y_pred"] and a["selected"] == b["selected"]
    assert a["accuracy"] != b["accuracy"]


@pytest.mark.parametrize(
    "overrides, error, message",
    [
        (dict(kernels=("rntk", "lstm")), UnknownNameError, "unknown method 'lstm'"),
        (dict(kernels=()), InputError, "no kernels to run"),
        (dict(datasets=()), InputError, "no data sets to run"),
        (dict(grid="huge"), UnknownNameError, "unknown grid 'huge'"),
        (dict(resamples=0), InputError, "resamples must be >= 1"),
        (dict(svm_solver="svmlight"), InputError, "svm_solver .--svm-solver. must be one of"),
        # a device: a device's name, used by one of the methods (it was ignored silently)
        (dict(device="nonsense"), InputError, r"device \(--device\) must be cpu, cuda, cuda:N"),
        (dict(kernels=("rnn",), device="nonsense"), InputError, "got 'nonsense'"),
        (
            dict(kernels=("rnn", "rbf"), device="cuda"),
            InputError,
            r"--device cuda: none of the chosen methods \(rnn, rbf\) runs on a device; only "
            r"rntk, rnngp do \(the trained rnn trains on the CPU\)",
        ),
    ],
)
def test_bad_configurations_are_refused_before_any_work(
    make_config, tmp_path, overrides, error, message
):
    with pytest.raises(error, match=message):
        run_all(make_config(**overrides), tmp_path / "run")
    assert not (tmp_path / "run" / "runs").exists()


def test_an_impossible_grid_value_is_refused(make_config, tmp_path):
    grid = tmp_path / "bad.yaml"
    grid.write_text("rntk: {sigma_w: [1.4], n_layers: [0]}\n")
    # The family by its kernels: "rnn" alone would read as the trained RNN method.
    family = r"RNTK/RNNGP family \(grid key rnn\)"
    with pytest.raises(InputError, match=rf"grid for {family}: setting .*n_layers must be an"):
        run_all(make_config(grid=str(grid)), tmp_path / "run")


def test_an_unknown_or_unavailable_dataset_is_refused(make_config, tmp_path):
    with pytest.raises(DataError, match="Coffee"):
        run_all(
            make_config(datasets=("Coffee",)),
            tmp_path / "run",
            data_options=DataOptions(sources=()),
        )


def test_an_unusable_device_is_refused_before_any_work(make_config, tmp_path):
    from rntk_bench.kernels._torch import torch_device_available

    if torch_device_available("cuda"):
        pytest.skip("a CUDA device is present")
    with pytest.raises(InputError, match=r"(not available to torch|needs PyTorch)"):
        run_all(make_config(device="cuda"), tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_an_unwritable_results_folder_is_refused(make_config, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ResultError, match="is not writable"):
        run_all(make_config(), blocker / "run")


def test_the_gram_cache_skips_kernels_on_a_rerun_with_another_c_grid(
    make_config, tmp_path, monkeypatch
):
    from rntk_bench.methods import FAMILIES

    calls = []
    family = FAMILIES["rbf"]
    original = family.compute

    def counting(*args, **kwargs):
        calls.append(len(args[2]))  # settings per call
        return original(*args, **kwargs)

    monkeypatch.setattr(family, "compute", counting)
    cache = str(tmp_path / "grams")
    first = make_config(datasets=("GunPoint",), kernels=("rbf",), gram_cache=cache)
    run_all(first, tmp_path / "a")
    # the block (2 settings), then the test Gram of the best: the refit's training Gram
    # is the block's, from the cache
    assert calls == [2, 1]
    calls.clear()
    run_all(make_config(datasets=("GunPoint",), kernels=("rbf",)), tmp_path / "plain")
    assert calls == [2, 1, 1]  # without a cache the refit computes it again
    (cached,), (plain,) = ([r for _, r in iter_results(tmp_path / name)] for name in ("a", "plain"))
    assert cached.selected == plain.selected and cached.test == plain.test
    calls.clear()
    second = make_config(
        datasets=("GunPoint",),
        kernels=("rbf",),
        gram_cache=cache,
        protocol=Protocol(folds=5, c_grid=(0.5, 5.0)),
    )
    run_all(second, tmp_path / "b")
    assert calls == [1]  # every training Gram came from the cache, only the test Gram not


def test_unavailable_datasets_can_be_skipped_with_a_warning(make_config, tmp_path):
    config = make_config(datasets=("Coffee", "GunPoint"), kernels=("linear",))
    events = run_all(
        config, tmp_path / "run", data_options=DataOptions(sources=(), skip_unavailable=True)
    )
    warnings = [e.message for e in events if isinstance(e, Warned)]
    assert len(warnings) == 1 and warnings[0].startswith("skipping Coffee:")
    assert {e.dataset for e in events if isinstance(e, ResultDone)} == {"GunPoint"}
    with pytest.raises(
        InputError, match=r"none of the data sets could be loaded \(skipping Coffee"
    ):
        run_all(
            make_config(datasets=("Coffee",)),
            tmp_path / "other",
            data_options=DataOptions(sources=(), skip_unavailable=True),
        )


def test_result_files_keep_scores_and_probabilities_for_export(make_config, tmp_path):
    run_all(make_config(datasets=("ItalyPowerDemand",), kernels=("rbf",)), tmp_path / "run")
    [(_, r)] = list(iter_results(tmp_path / "run"))
    proba = np.array(r.test["probabilities"])
    assert proba.shape == (r.dataset["n_test"], 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.array_equal(np.argmax(proba, axis=1), r.test["y_pred"])
    margin = np.array(r.test["scores"])
    assert np.array_equal(margin > 0, np.array(r.test["y_pred"]) == 1)
    assert r.dataset["classes"] == ["1", "2"]
    assert r.timing["refit"] + r.timing["predict"] == pytest.approx(
        r.timing["gram_test"] + r.timing["svm_test"]
    )


def test_result_run_checkpoint_and_cache_files_are_group_readable(make_config, tmp_path):
    import os
    import stat

    from rntk_bench.records import atomic_write_json

    old = os.umask(0o022)
    try:
        config = make_config(
            datasets=("ItalyPowerDemand",), kernels=("linear",), gram_cache=str(tmp_path / "g")
        )
        run_all(config, tmp_path / "r")
        atomic_write_json(tmp_path / "r" / "partial" / "x" / "block-0.json", {"scores": {}})
        os.umask(0o027)
        atomic_write_json(tmp_path / "strict.json", {})
    finally:
        os.umask(old)
    files = [p for p in (tmp_path / "r").rglob("*.json")]
    assert len(files) == 3  # run.json, one result, the checkpoint
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
    assert stat.S_IMODE((tmp_path / "strict.json").stat().st_mode) == 0o640
    cached = list((tmp_path / "g").rglob("*.npz"))
    assert cached and all(stat.S_IMODE(p.stat().st_mode) == 0o644 for p in cached)
