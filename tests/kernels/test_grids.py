"""Named grids and YAML grid files."""

from __future__ import annotations

import math

import pytest

from rntk_bench.errors import InputError, UnknownNameError
from rntk_bench.methods import FAMILIES, family_aliases, load_grid


def test_paper_rnn_grid_is_the_papers_900_settings():
    grid = load_grid("paper")
    settings = [s.values for s in FAMILIES["rnn"].settings(grid["rnn"])]
    assert len(settings) == 900
    sigma_w = sorted({s["sigma_w"] for s in settings})
    assert len(sigma_w) == 15
    assert sigma_w[0] == 1.34 and sigma_w[-1] == 1.47
    assert math.sqrt(2) in sigma_w and 1.42 in sigma_w and 1.43 in sigma_w
    assert sorted({s["sigma_b"] for s in settings}) == [
        0,
        0.01,
        0.05,
        0.1,
        0.2,
        0.3,
        0.4,
        0.5,
        0.7,
        0.9,
        1,
        2,
    ]
    assert sorted({s["sigma_h"] for s in settings}) == [0, 0.01, 0.1, 0.5, 1]
    assert {s["sigma_u"] for s in settings} == {1.0}
    assert {s["n_layers"] for s in settings} == {1}


def test_paper_baseline_grids():
    grid = load_grid("paper")
    fc = FAMILIES["fc"].settings(grid["fc"])
    assert len(fc) == 15  # depth 1..5, fix_first < depth
    assert len({tuple(FAMILIES["fc"].projection("nngp", s).items()) for s in fc}) == 5
    assert len(FAMILIES["rbf"].settings(grid["rbf"])) == 9
    assert len(FAMILIES["polynomial"].settings(grid["polynomial"])) == 8
    assert [s.values for s in FAMILIES["linear"].settings(grid["linear"])] == [{}]


def test_quick_rnn_grid_is_the_18_setting_approximation():
    assert len(FAMILIES["rnn"].settings(load_grid("quick")["rnn"])) == 18


def test_yaml_grid_overrides_its_base(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text(
        "base: paper\nrntk:\n  sigma_w: [1.3, 1.4]\n  sigma_h: 0\nrbf: {gamma_scale: [1]}\n"
    )
    grid = load_grid(path, families=family_aliases())
    rnn = [s.values for s in FAMILIES["rnn"].settings(grid["rnn"])]
    assert len(rnn) == 2 * 12  # sigma_b from the paper grid
    assert {s["sigma_h"] for s in rnn} == {0}
    assert [s.values for s in FAMILIES["rbf"].settings(grid["rbf"])] == [{"gamma_scale": 1}]
    assert len(FAMILIES["fc"].settings(grid["fc"])) == 15


@pytest.mark.parametrize(
    "text, message",
    [
        ("rntk: {sigma_w: []}", r"rntk.sigma_w is an empty list"),
        ("lstm: {units: [1]}", r"unknown kernel or family 'lstm'"),
        ("base: huge", r"base must be one of"),
        ("rntk: [1, 2]", r"rntk must map parameters to values"),
        ("[1, 2]", r"must hold a mapping"),
        ("rntk: {sigma_w: [1.4", r"is not valid YAML"),
    ],
)
def test_bad_grid_files(tmp_path, text, message):
    path = tmp_path / "g.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        load_grid(path, families=family_aliases())


def test_unknown_grid_name():
    with pytest.raises(UnknownNameError, match=r"unknown grid 'papr'; use one of 'paper', 'quick'"):
        load_grid("papr")
    with pytest.raises(InputError, match=r"does not exist"):
        load_grid("missing.yaml")
