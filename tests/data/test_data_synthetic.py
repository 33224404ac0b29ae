"""The seeded synthetic length data sets: the generator, and fetching them like any data set."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from rntk_bench.data import LOCK_NAME, download, fetch_dataset
from rntk_bench.data.synthetic import PERIODS, SYNTHETIC, make_length_dataset
from rntk_bench.errors import ChecksumError, InputError

NAME = "SynthEnd-r0.50-noise0.5"


def test_same_seed_same_data_other_seed_other_data() -> None:
    X1, y1 = make_length_dataset(30, length_variability=0.5, noise=0.5, seed=3)
    X2, y2 = make_length_dataset(30, length_variability=0.5, noise=0.5, seed=3)
    X3, _ = make_length_dataset(30, length_variability=0.5, noise=0.5, seed=4)
    assert np.array_equal(y1, y2)
    assert all(np.array_equal(a, b) for a, b in zip(X1, X2, strict=True))
    assert not all(a.shape == b.shape and np.array_equal(a, b) for a, b in zip(X1, X3, strict=True))


@pytest.mark.parametrize("r", [1.0, 0.75, 0.25])
def test_lengths_lie_in_r_tmax_to_tmax(r: float) -> None:
    X, y = make_length_dataset(300, length_variability=r, noise=1.0, t_max=100, burst=20)
    lengths = np.array([x.shape[-1] for x in X])
    assert lengths.min() >= math.ceil(r * 100) and lengths.max() <= 100
    if r == 1.0:
        assert set(lengths.tolist()) == {100}
    else:  # uniform over the range: both halves are used
        assert lengths.min() < (1 + r) / 2 * 100 < lengths.max()
    assert np.bincount(y).tolist() == [100, 100, 100]
    assert all(x.shape[0] == 1 and x.dtype == np.float64 for x in X)


@pytest.mark.parametrize("position", ["start", "end"])
def test_without_noise_the_burst_is_the_class_sine_at_its_place(position: str) -> None:
    X, y = make_length_dataset(
        12, length_variability=0.5, noise=0.0, position=position, burst=20, seed=1
    )
    steps = np.arange(20)
    for x, k in zip(X, y, strict=True):
        s = x[0]
        burst, rest = (s[:20], s[20:]) if position == "start" else (s[-20:], s[:-20])
        assert np.all(rest == 0.0)
        # A sine of the class period with some phase: fit a*sin + b*cos exactly.
        basis = np.stack(
            [np.sin(2 * np.pi * steps / PERIODS[k]), np.cos(2 * np.pi * steps / PERIODS[k])]
        )
        coef, *_ = np.linalg.lstsq(basis.T, burst, rcond=None)
        np.testing.assert_allclose(basis.T @ coef, burst, atol=1e-12)
        assert np.hypot(*coef) == pytest.approx(1.0)  # amplitude 1


@pytest.mark.parametrize("r", [0.0, -0.5, 1.5, float("nan"), float("inf")])
def test_length_variability_outside_0_1_is_refused(r: float) -> None:
    with pytest.raises(InputError, match=r"length_variability must be") as exc:
        make_length_dataset(10, length_variability=r, noise=0.5)
    assert "\n" not in str(exc.value)


def test_other_bad_arguments_are_refused() -> None:
    with pytest.raises(InputError, match=r"burst \(40\) must fit in the shortest series"):
        make_length_dataset(10, length_variability=0.25, noise=0.5, t_max=128, burst=40)
    with pytest.raises(InputError, match=r"noise must be a finite number >= 0"):
        make_length_dataset(10, length_variability=0.5, noise=-1.0)
    with pytest.raises(InputError, match=r"position must be one of 'start', 'end'"):
        make_length_dataset(10, length_variability=0.5, noise=0.5, position="middle")


def test_fetch_generates_verifies_and_caches(tmp_path: Path) -> None:
    home = tmp_path / "home"
    data = fetch_dataset(NAME, data_dir=home, download=False)
    spec = SYNTHETIC[NAME]
    assert data.source == "synthetic generator"
    assert len(data.X_train) == 120 and len(data.X_test) == 300
    assert isinstance(data.X_train, list)
    lengths = [x.shape[-1] for x in [*data.X_train, *data.X_test]]
    assert min(lengths) >= 64 and max(lengths) <= 128
    assert np.bincount(data.y_train).tolist() == [40, 40, 40]
    assert np.bincount(data.y_test).tolist() == [100, 100, 100]
    assert data.classes == ("0", "1", "2")
    # The .ts text round-trips every float exactly: the arrays are the generator's.
    from rntk_bench.data.synthetic import generate

    X_train, y_train, X_test, _ = generate(spec)
    assert all(np.array_equal(a, b) for a, b in zip(data.X_train, X_train, strict=True))
    assert np.array_equal(data.y_train, y_train)
    assert all(np.array_equal(a, b) for a, b in zip(data.X_test, X_test, strict=True))
    keys = set(json.loads((home / LOCK_NAME).read_text())["files"])
    assert keys == {
        f"{prefix}:{NAME}/{NAME}_{split}.ts"
        for prefix in ("synthetic", "cache")
        for split in ("TRAIN", "TEST")
    }
    again = fetch_dataset(NAME, data_dir=home, download=False)
    assert again.source == "cache" and again.checksum == data.checksum
    # Generated again from scratch (cache deleted): the same bytes, the same checksum.
    shutil.rmtree(home / NAME)
    (report,) = download([NAME], data_dir=home)
    assert report.action == "synthetic" and report.checksum == data.checksum
    assert report.describe() == "generated (seeded synthetic data)"


def test_a_generator_that_changed_is_a_checksum_error(tmp_path: Path) -> None:
    home = tmp_path / "home"
    fetch_dataset(NAME, data_dir=home)
    shutil.rmtree(home / NAME)
    lock = json.loads((home / LOCK_NAME).read_text())
    lock["files"][f"synthetic:{NAME}/{NAME}_TRAIN.ts"]["sha256"] = "0" * 64
    (home / LOCK_NAME).write_text(json.dumps(lock))
    with pytest.raises(ChecksumError, match=r"generator now gives other data") as exc:
        fetch_dataset(NAME, data_dir=home)
    assert "\n" not in str(exc.value)
    assert not (home / NAME).exists()  # nothing half-written entered the cache


def test_equal_length_setting_loads_as_an_array(tmp_path: Path) -> None:
    data = fetch_dataset("SynthStart-r1.00-noise1", data_dir=tmp_path)
    assert isinstance(data.X_train, np.ndarray) and data.X_train.shape == (120, 1, 128)
    assert data.X_test.shape == (300, 1, 128)
