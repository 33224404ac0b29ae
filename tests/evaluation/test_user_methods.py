"""A user's kernel and classifier by import path, through the whole engine (GunPoint, bundled)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

import rntk_bench
from rntk_bench.data import fetch_dataset
from rntk_bench.evaluation.protocol import Protocol
from rntk_bench.evaluation.splits import cv_folds, make_split
from rntk_bench.experiment import RunConfig, executor, run_experiment
from rntk_bench.experiment.events import ResultDone
from rntk_bench.kernels import classic
from rntk_bench.methods import lookup
from rntk_bench.records import iter_results
from tests.methods import user_methods

LINEAR = "tests.methods.user_methods:linear"
KNN = "sklearn.neighbors:KNeighborsClassifier"


def _run(tmp_path, config, n_jobs=1, name="run"):
    with executor(n_jobs) as pool:
        return list(run_experiment(config, tmp_path / name, pool))


def _results(tmp_path):
    return {r.kernel: r for _, r in iter_results(tmp_path / "run", strict=True)}


def test_a_users_linear_kernel_gives_exactly_the_builtin_linears_results(tmp_path):
    config = RunConfig(datasets=("GunPoint",), kernels=("linear", LINEAR), grid="quick")
    _run(tmp_path, config)
    results = _results(tmp_path)
    builtin, user = results["linear"], results[LINEAR]
    # Same selection (setting, C, CV accuracy), same CV table, same predictions.
    assert user.selected == builtin.selected
    assert user.cv == builtin.cv
    assert user.test == builtin.test
    assert user.accuracy == builtin.accuracy == pytest.approx(0.8933, abs=1e-4)
    assert user.protocol == builtin.protocol
    # The identity adds where the kernel comes from; a built-in's has no such key.
    assert "origin" not in builtin.identity
    assert user.identity["origin"]["import"] == LINEAR
    # Same Gram: the function sees what the built-in kernel computes on.
    split = make_split(fetch_dataset("GunPoint"), 0, config.protocol)
    family = lookup(LINEAR).description
    (grams,) = family.compute(split.X_train, None, family.settings({}))
    np.testing.assert_array_equal(grams[LINEAR], classic.linear(split.X_train))


def test_knn_from_scikit_learn_gives_1nn_euclideans_published_gunpoint_accuracy(tmp_path):
    grid = tmp_path / "grid.yaml"
    grid.write_text(f"base: quick\n{KNN}: {{n_neighbors: [1]}}\n")
    config = RunConfig(datasets=("GunPoint",), kernels=(KNN,), grid=str(grid))
    events = _run(tmp_path, config)
    (result,) = _results(tmp_path).values()
    data = fetch_dataset("GunPoint")
    # The UCR archive's 1-NN Euclidean error on GunPoint is 0.0867: 137 of 150 right.
    # Global max-norm scaling does not change nearest neighbours.
    assert result.accuracy == pytest.approx(1 - data.info.ed_error, abs=1e-4)
    assert result.accuracy == 137 / 150
    raw = KNeighborsClassifier(n_neighbors=1).fit(data.X_train.reshape(50, -1), data.y_train)
    assert result.test["y_pred"] == raw.predict(data.X_test.reshape(150, -1)).tolist()
    # The result file has the kernels' schema: selection, table, probabilities.
    assert result.selected["setting"] == {"n_neighbors": 1} and result.selected["C"] is None
    assert result.cv["settings"] == [{"n_neighbors": 1}] and result.cv["c_grid"] == []
    assert np.asarray(result.test["probabilities"]).shape == (150, 2)
    assert result.identity["options"]["import"] == KNN
    assert result.protocol["training"]["distribution"] == "scikit-learn"
    assert result.environment["backend"] == "scikit-learn"
    assert "scikit-learn" in result.environment["versions"]
    done = [e for e in events if isinstance(e, ResultDone)]
    assert [(e.kernel, e.accuracy) for e in done] == [(KNN, 137 / 150)]


def test_a_classifier_is_selected_on_the_kernels_folds(tmp_path):
    grid = tmp_path / "grid.yaml"
    grid.write_text(f"{KNN}: {{n_neighbors: [1, 3, 5]}}\n")
    protocol = Protocol(folds=5)
    config = RunConfig(datasets=("GunPoint",), kernels=(KNN, "linear"), grid=str(grid),
                       protocol=protocol)  # fmt: skip
    _run(tmp_path, config)
    results = _results(tmp_path)
    knn = results[KNN]
    assert knn.protocol["cv_scheme"] == results["linear"].protocol["cv_scheme"]
    # The table, worked out by hand on the same folds of the same split.
    split = make_split(fetch_dataset("GunPoint"), 0, protocol)
    X = split.X_train.reshape(len(split.X_train), -1)
    folds = cv_folds(split.y_train, protocol.folds, protocol.seed)
    for row, k in zip(knn.cv["mean"], (1, 3, 5), strict=True):
        scores = [
            np.mean(
                KNeighborsClassifier(n_neighbors=k).fit(X[tr], split.y_train[tr]).predict(X[va])
                == split.y_train[va]
            )
            for tr, va in folds.splits
        ]
        assert row == [pytest.approx(np.mean(scores), abs=1e-12)]
    best = int(np.argmax([row[0] for row in knn.cv["mean"]]))
    assert knn.selected["setting_index"] == best


def test_evaluate_takes_import_paths_and_agrees_with_run(tmp_path):
    grid = tmp_path / "grid.yaml"
    grid.write_text(f"{KNN}: {{n_neighbors: [1, 3]}}\n")
    config = RunConfig(datasets=("GunPoint",), kernels=(LINEAR, KNN), grid=str(grid))
    _run(tmp_path, config)
    results = _results(tmp_path)
    data = fetch_dataset("GunPoint")
    labels = np.asarray(data.classes)
    args = (data.X_train, labels[data.y_train], data.X_test, labels[data.y_test])
    for name, method_grid in ((LINEAR, "quick"), (KNN, {"n_neighbors": [1, 3]})):
        outcome = rntk_bench.evaluate(name, *args, grid=method_grid)
        result = results[name]
        assert outcome.selected.as_dict() == result.selected
        assert outcome.test.y_pred.tolist() == result.test["y_pred"]
        assert outcome.probabilities.tolist() == result.test["probabilities"]
        assert outcome.accuracy == result.accuracy
    # A grid file works too, and a classifier without a grid runs with its defaults.
    outcome = rntk_bench.evaluate(KNN, *args, grid=str(grid))
    assert outcome.cv.settings == [{"n_neighbors": 1}, {"n_neighbors": 3}]
    assert rntk_bench.evaluate(KNN, *args).selected.setting == {}


def test_processes_gram_cache_and_resume_work_as_for_builtin_kernels(tmp_path):
    cache = tmp_path / "grams"
    recording = "tests.methods.user_methods:recording"
    config = RunConfig(datasets=("GunPoint",), kernels=(recording, KNN, "rbf"), grid="quick",
                       gram_cache=str(cache))  # fmt: skip
    events = _run(tmp_path, config, n_jobs=2)
    assert sum(isinstance(e, ResultDone) for e in events) == 3
    family = lookup(recording).description
    assert (cache / family.cache_name).is_dir()  # its own folder, a plain file name
    files = (tmp_path / "run" / "runs" / "GunPoint").iterdir()
    assert sorted(p.name.split("-r0-")[0] for p in files) == [
        "rbf", "sklearn.neighbors_KNeighborsClassifier", "tests.methods.user_methods_recording",
    ]  # fmt: skip
    # A rerun finds every result; another C grid recomputes them from the cached Grams.
    again = _run(tmp_path, config)
    assert not any(isinstance(e, ResultDone) for e in again)
    other = dataclasses.replace(config, protocol=Protocol(c_grid=(0.1, 1.0, 10.0)))
    user_methods.SEEN.clear()
    events = _run(tmp_path, other, name="other")
    assert sum(isinstance(e, ResultDone) for e in events) == 3
    # GunPoint's series met the function once: the test Gram (150 x 50); the training
    # Grams came from the cache (the rest is the check on tiny series before the run).
    assert [len(x) for x in user_methods.SEEN] == [4, 3, 150]


def test_a_kernels_blocks_are_checkpointed_under_a_plain_folder_name(tmp_path, monkeypatch):
    import rntk_bench.experiment.engine as engine

    saved = []
    original = engine.save_checkpoint
    monkeypatch.setattr(
        engine, "save_checkpoint", lambda path, *args: (saved.append(path), original(path, *args))
    )
    grid = tmp_path / "grid.yaml"
    grid.write_text("tests.methods.user_methods:scaled: {scale: [0.5, 1, 2]}\n")
    config = RunConfig(datasets=("GunPoint",), kernels=("tests.methods.user_methods:scaled",),
                       grid=str(grid), settings_per_task=2)  # fmt: skip
    events = _run(tmp_path, config)
    assert sorted(p.name for p in saved) == ["block-0.json", "block-1.json"]
    assert {p.parent.name.split("-r0-")[0] for p in saved} == {"tests.methods.user_methods_scaled"}
    assert sum(isinstance(e, ResultDone) for e in events) == 1
    (result,) = _results(tmp_path).values()
    assert result.cv["settings"] == [{"scale": 0.5}, {"scale": 1}, {"scale": 2}]
    assert result.accuracy == pytest.approx(0.8933, abs=1e-4)  # a scaled linear kernel
    assert not (tmp_path / "run" / "partial").exists()  # dropped once the result is written


def test_a_classifier_runs_once_per_length_policy_on_unequal_lengths(tmp_path):
    config = RunConfig(datasets=("JapaneseVowels",), kernels=(KNN,), grid="quick",
                       length_policies=("resample", "pad-end"))  # fmt: skip
    events = _run(tmp_path, config)
    done = sorted((e.kernel, round(e.accuracy, 3)) for e in events if isinstance(e, ResultDone))
    assert [name for name, _ in done] == [KNN, f"{KNN}+pad-end"]
    assert all(accuracy > 0.85 for _, accuracy in done)
    options = sorted(r.protocol.get("length_option", "") for _, r in iter_results(tmp_path / "run"))
    assert options == ["pad-end", "resample"]
