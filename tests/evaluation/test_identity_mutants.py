"""Guards that mutation testing found missing: training statistics, result identities.

Three changes once passed the whole suite, each a silent wrong result waiting to happen:
max-norm preprocessing taking its scale from the test series too (a leak of test data),
and a result identity without the data checksum or without the kernel settings (a
changed data set or grid would reuse old results). The tests below fail on each.
"""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from rntk_bench.data import fetch_dataset
from rntk_bench.estimators import KernelSVMClassifier
from rntk_bench.evaluation.protocol import Protocol, TestTruncation
from rntk_bench.evaluation.splits import make_split, prepare_split, resample_split, take
from rntk_bench.experiment import RunConfig
from rntk_bench.experiment import engine as engine_module
from rntk_bench.experiment.events import ResultDone, ResultSkipped
from rntk_bench.experiment.plan import result_identity
from rntk_bench.records import identity_hash, iter_results

from .conftest import run_all


@pytest.fixture(scope="module")
def italy():
    return fetch_dataset("ItalyPowerDemand")  # bundled: no network


def _norms(X: Any) -> np.ndarray:
    return np.array([np.linalg.norm(s) for s in X])


# ------------------------------------------- preprocessing statistics: training only


@pytest.mark.parametrize("resample", [0, 2])
@pytest.mark.parametrize("method", ["maxnorm", "znorm", "none"])
def test_make_split_takes_statistics_from_the_training_split_alone(italy, resample, method):
    protocol = Protocol(preprocessing=method)
    base = make_split(italy, resample, protocol)
    train_index, test_index = resample_split(
        italy.y_train, italy.y_test, resample, protocol.seed, labels=italy.classes
    )
    n_train = len(italy.y_train)
    # Blow up the series that land in this resample's test split (by 1e6: far above
    # every training norm, so a scale taken from them would show at once).
    X_train, X_test = italy.X_train.copy(), italy.X_test.copy()
    for i in test_index:
        (X_train if i < n_train else X_test)[i % n_train if i < n_train else i - n_train] *= 1e6
    changed = make_split(
        dataclasses.replace(italy, X_train=X_train, X_test=X_test), resample, protocol
    )
    np.testing.assert_array_equal(changed.X_train, base.X_train)  # bit for bit
    np.testing.assert_array_equal(changed.y_train, base.y_train)
    if method == "maxnorm":
        pooled = np.concatenate([italy.X_train, italy.X_test])
        raw_train, raw_test = take(pooled, train_index), take(pooled, test_index)
        scale = _norms(raw_train).max()
        np.testing.assert_array_equal(base.X_train, raw_train / scale)
        np.testing.assert_array_equal(base.X_test, raw_test / scale)
        np.testing.assert_allclose(changed.X_test, raw_test * 1e6 / scale, rtol=1e-15)
        assert _norms(base.X_train).max() == pytest.approx(1.0)


def test_prepare_split_scales_the_test_series_by_the_training_norm():
    rng = np.random.default_rng(0)
    X_train, X_test = rng.normal(size=(6, 2, 9)), rng.normal(size=(4, 2, 9))
    y = np.array([0, 1] * 3)
    scale = _norms(X_train).max()
    for factor in (1.0, 1e6, 1e-6):  # test series far larger or smaller than training
        split = prepare_split(X_train, y, X_test * factor, y[:4], "maxnorm", "x")
        np.testing.assert_array_equal(split.X_train, X_train / scale)
        np.testing.assert_array_equal(split.X_test, X_test * factor / scale)


def test_the_estimator_scales_new_series_by_the_training_statistics(italy):
    X_train, y_train = italy.X_train[:40], italy.y_train[:40]
    model = KernelSVMClassifier("linear", folds=3).fit(X_train, y_train)
    scale = _norms(X_train).max()
    assert model.preprocessing_.scale == scale
    np.testing.assert_array_equal(model.svm_.X_train, X_train / scale)
    X = italy.X_test[:5]
    alone = model.decision_function(X)
    # The other series of a batch change nothing: no statistic comes from the batch.
    batch = np.concatenate([X, italy.X_test[5:8] * 1e6])
    np.testing.assert_allclose(model.decision_function(batch)[:5], alone, rtol=1e-12)
    np.testing.assert_allclose(model.decision_function(X[2:3]), alone[2:3], rtol=1e-12)
    # ... and they are the SVM's scores of the series divided by the training scale.
    _, scores, _ = model.svm_.decision(model.svm_.gram(X / scale))
    np.testing.assert_array_equal(scores, alone)


# --------------------------------------------------------------- result identity

SETTINGS = [{"gamma_scale": 0.25}, {"gamma_scale": 1.0}, {"gamma_scale": 4.0}]
DATA = SimpleNamespace(info=SimpleNamespace(name="GunPoint"), checksum="ab" * 32)
CONFIG = RunConfig(datasets=("GunPoint",), kernels=("rbf",))


def _identity(**changes: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "data": DATA,
        "method": "rbf",
        "settings": SETTINGS,
        "config": CONFIG,
        "resample": 0,
        "version": "1.0.0",
    }
    arguments.update(changes)
    data, method, settings, config = (
        arguments.pop(k) for k in ("data", "method", "settings", "config")
    )
    return result_identity(data, method, settings, config, **arguments)


def _protocol_with(name: str) -> Protocol:
    """The default protocol with one field changed (init=False fields included)."""
    protocol = Protocol()
    value = getattr(protocol, name)
    changed = {int: lambda v: v + 1, str: lambda v: v + " (changed)", tuple: lambda v: v[:-1]}
    object.__setattr__(protocol, name, changed[type(value)](value))
    return protocol


def _variants() -> dict[str, dict[str, Any]]:
    out = {
        "data checksum": _identity(data=SimpleNamespace(info=DATA.info, checksum="cd" * 32)),
        "data set": _identity(
            data=SimpleNamespace(info=SimpleNamespace(name="Coffee"), checksum=DATA.checksum)
        ),
        "kernel": _identity(method="linear"),
        "a setting added": _identity(settings=[*SETTINGS, {"gamma_scale": 8.0}]),
        "a setting dropped": _identity(settings=SETTINGS[:-1]),
        "settings reordered": _identity(settings=SETTINGS[::-1]),  # grid order breaks ties
        "resample 1": _identity(resample=1),
        "resample 2": _identity(resample=2),
        "dtype": _identity(config=dataclasses.replace(CONFIG, dtype="float32")),
        "version": _identity(version="1.0.1"),
        "truncation end 0.5": _identity(truncation=TestTruncation(0.5)),
        "truncation end 0.75": _identity(truncation=TestTruncation(0.75)),
        "truncation start 0.5": _identity(truncation=TestTruncation(0.5, "start")),
        "policy pad-start": _identity(policy="pad-start"),
        "policy pad-end": _identity(policy="pad-end"),
        "policy truncate": _identity(policy="truncate"),
        "trained options": _identity(method="rnn", options={"epochs": 10}),
        "trained options changed": _identity(method="rnn", options={"epochs": 20}),
    }
    if "origin" in inspect.signature(result_identity).parameters:  # a user's kernel
        out["origin"] = _identity(origin={"import": "mine:k", "version": "1"})
        out["origin changed"] = _identity(origin={"import": "mine:k", "version": "2"})
    for i, setting in enumerate(SETTINGS):
        for key, value in setting.items():
            changed = [dict(s) for s in SETTINGS]
            changed[i][key] = value * 3
            out[f"setting {i} {key}"] = _identity(settings=changed)
    for field in dataclasses.fields(Protocol):  # every protocol field, present and future
        config = dataclasses.replace(CONFIG, protocol=_protocol_with(field.name))
        out[f"protocol {field.name}"] = _identity(config=config)
    return out


GOLDEN = {  # identity hashes of results made before this test, never to change
    "official split": ({}, "7046cbc8e91ebd2471ff668b1f47a9c14ed29b1de480c096593317ac13388620"),
    "resample 1": (
        {"resample": 1},
        "18b09da4b7b068c975274cebea40d71dee9f816611da358cd97b35f256cd2289",
    ),
    "trained method, resample 1": (
        {"method": "rnn", "options": {"epochs": 10}, "resample": 1},
        "f9916a77d076bf14fe18211bcd8668eb2697acb2292a2f4026ad062625b8a805",
    ),
    "truncated test": (
        {"truncation": TestTruncation(0.5)},
        "787731fbc8ef5807d0c9501138d9694f729e4a9ac6e5c1b1284b40453aa065e3",
    ),
    "pad-start": (
        {"policy": "pad-start"},
        "6955297dc34e5a7bcd5650c1642ffbc47211906b82120986bc750c882697d002",
    ),
}


@pytest.mark.parametrize("case", sorted(GOLDEN))
def test_the_identity_of_an_existing_result_never_changes(case):
    # The hash names the result file: a new key or a renamed one for existing methods
    # and defaults would make every finished result look missing (and recompute it),
    # a key dropped would reuse results made another way (resamples drawn before the
    # tsml-eval scheme lack "resampling"; trained methods never had it).
    changes, expected = GOLDEN[case]
    assert identity_hash(_identity(**changes)) == expected
    assert _identity(policy="resample") == _identity()  # the default policy adds no key


def test_a_result_identity_changes_with_each_thing_that_determines_it():
    base = identity_hash(_identity())
    hashes = {name: identity_hash(identity) for name, identity in _variants().items()}
    assert [name for name, h in hashes.items() if h == base] == []
    assert len(set(hashes.values())) == len(hashes)  # and no two changes collide
    assert {"data checksum", "setting 0 gamma_scale", "protocol svm_max_iter"} <= set(hashes)


# -------------------------------------------------- a rerun then recomputes

GRID = "rbf: {gamma_scale: [0.5, 2]}\n"


def _rerun(tmp_path: Path, grid: str = GRID) -> tuple[list[str], list[str]]:
    """Run ItalyPowerDemand x (rbf, linear) into one folder; (computed, skipped) kernels."""
    path = tmp_path / "grid.yaml"
    path.write_text(grid)
    config = RunConfig(
        datasets=("ItalyPowerDemand",),
        kernels=("rbf", "linear"),
        grid=str(path),
        protocol=Protocol(folds=3),
    )
    events = run_all(config, tmp_path / "run")
    done = sorted(e.kernel for e in events if isinstance(e, ResultDone))
    skipped = sorted(e.kernel for e in events if isinstance(e, ResultSkipped))
    return done, skipped


def test_a_rerun_recomputes_exactly_when_something_that_determines_a_result_changed(
    tmp_path, monkeypatch
):
    assert _rerun(tmp_path) == (["linear", "rbf"], [])
    assert _rerun(tmp_path) == ([], ["linear", "rbf"])  # nothing changed: nothing computed
    # Another rbf grid: rbf only.
    assert _rerun(tmp_path, "rbf: {gamma_scale: [0.5, 4]}\n") == (["rbf"], ["linear"])
    # The same files with another checksum (a changed data set): everything.
    fetch = engine_module.fetch_dataset

    def changed_data(*args: Any, **kwargs: Any) -> Any:
        return dataclasses.replace(fetch(*args, **kwargs), checksum="0" * 64)

    monkeypatch.setattr(engine_module, "fetch_dataset", changed_data)
    assert _rerun(tmp_path) == (["linear", "rbf"], [])
    monkeypatch.setattr(engine_module, "fetch_dataset", fetch)
    # Another version of the package: everything.
    versions = engine_module.versions
    monkeypatch.setattr(
        engine_module, "versions", lambda: {**versions(), "rntk-bench": "0.0.0-changed"}
    )
    assert _rerun(tmp_path) == (["linear", "rbf"], [])
    checksums = {r.identity["data_checksum"] for _, r in iter_results(tmp_path / "run")}
    assert "0" * 64 in checksums and len(checksums) == 2
