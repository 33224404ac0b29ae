"""Plots return (fig, ax), carry the counts in the title, save PNG and SVG."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.text import Text

from rntk_bench.reporting import (
    PALETTE,
    NotApplicableError,
    cd_diagram,
    friedman_posthoc,
    save_figure,
    scatter_versus,
)


@pytest.fixture
def mean() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rntk": [0.9, 0.8, 0.7, 0.95, 0.6],
            "rbf": [0.8, 0.8, 0.75, 0.9, math.nan],
            "ntk": [0.7, 0.6, 0.65, 0.85, 0.5],
        },
        index=["D1", "D2", "D3", "D4", "D5"],
    )


def test_scatter_counts_points_above_and_below(mean: pd.DataFrame, tmp_path: Path) -> None:
    fig, ax = scatter_versus(mean, "rntk", "rbf")
    assert isinstance(fig, Figure) and isinstance(ax, Axes)
    # D5 lacks rbf: 4 points; rntk better on D1 and D4, worse on D3, equal on D2.
    assert ax.get_title() == (
        "rntk vs rbf: 4 data sets\n2 above (rntk better), 1 below, 1 on the diagonal"
    )
    assert ax.get_xlabel() == "rbf accuracy" and ax.get_ylabel() == "rntk accuracy"
    diagonal = ax.lines[0]
    x, y = np.asarray(diagonal.get_xdata()), np.asarray(diagonal.get_ydata())
    assert x.tolist() == y.tolist()  # y = x
    points = np.asarray(ax.collections[0].get_offsets())
    assert len(points) == 4
    paths = save_figure(fig, tmp_path / "scatter")
    assert [p.name for p in paths] == ["scatter.png", "scatter.svg"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in paths[1].read_text()


def test_scatter_not_applicable(mean: pd.DataFrame) -> None:
    with pytest.raises(NotApplicableError, match="against itself"):
        scatter_versus(mean, "rntk", "rntk")
    with pytest.raises(NotApplicableError, match="no accuracies"):
        scatter_versus(mean, "rntk", "gp")
    disjoint = pd.DataFrame({"a": [0.9, math.nan], "b": [math.nan, 0.8]})
    with pytest.raises(NotApplicableError, match="share no data set"):
        scatter_versus(disjoint, "a", "b")


def test_cd_diagram(mean: pd.DataFrame, tmp_path: Path) -> None:
    result = friedman_posthoc(mean.dropna())
    fig, ax = cd_diagram(result)
    assert isinstance(fig, Figure) and isinstance(ax, Axes)
    assert "Mean rank over 4 data sets" in ax.get_title()
    assert "Wilcoxon signed-rank, Holm-corrected" in ax.get_title()
    labels = {t.get_text() for t in ax.texts}
    # Ranks per data set (rntk, rbf, ntk): D1 1,2,3; D2 1.5,1.5,3; D3 2,1,3; D4 1,2,3.
    assert {"rntk (1.38)", "rbf (1.62)", "(3.00) ntk"} <= labels
    paths = save_figure(fig, tmp_path / "cd")
    assert all(p.stat().st_size > 1000 for p in paths)


def _many_methods(k: int, n: int = 12) -> pd.DataFrame:
    # Method j is 0.01 j worse than method 0 plus a little seeded noise: a clear order
    # with close neighbours, so labels crowd and several bars stack.
    rng = np.random.default_rng(0)
    base = rng.uniform(0.6, 0.9, size=(n, 1))
    values = base - 0.01 * np.arange(k) + rng.normal(0.0, 0.02, size=(n, k))
    return pd.DataFrame(
        values.clip(0, 1), columns=[f"method-with-a-long-name-{j}" for j in range(k)]
    )


def _text_boxes(fig: Figure) -> list[tuple[str, object]]:
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    return [(t.get_text(), t.get_window_extent(renderer)) for t in texts]


@pytest.mark.parametrize("test", ["wilcoxon-holm", "nemenyi"])
def test_cd_diagram_of_16_methods_has_no_overlapping_text_and_distinct_colours(
    test: str,
) -> None:
    result = friedman_posthoc(_many_methods(16), test=test)
    fig, ax = cd_diagram(result)
    boxes = _text_boxes(fig)
    labels = [t for t in ax.texts if "method-with-a-long-name" in t.get_text()]
    assert len(labels) == 16
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        assert not box_a.overlaps(box_b), f"{a!r} overlaps {b!r}"  # type: ignore[attr-defined]
    colours = [to_rgb(t.get_color()) for t in labels]
    gaps = [np.abs(np.subtract(a, b)).sum() for a, b in itertools.combinations(colours, 2)]
    assert min(gaps) > 0.15  # sum of |RGB| differences: no two methods look alike
    name = "Nemenyi, CD = " if test == "nemenyi" else "Wilcoxon signed-rank, Holm-corrected"
    assert name in ax.get_title()
    with pytest.raises(NotApplicableError, match="repeat colours"):
        cd_diagram(friedman_posthoc(_many_methods(len(PALETTE) + 1)))


def test_scatter_names_the_extreme_data_sets_and_keeps_markers_at_1_whole() -> None:
    mean = pd.DataFrame(
        {
            "rntk": [1.0, 0.9, 0.5, 0.8, 0.7, 0.6],
            "rbf": [1.0, 0.6, 0.8, 0.78, 0.71, 0.6],
        },
        index=["Perfect", "Up", "Down", "SlightUp", "SlightDown", "Same"],
    )
    _, ax = scatter_versus(mean, "rntk", "rbf", n_labels=1)
    assert sorted(t.get_text() for t in ax.texts) == ["Down", "Up"]
    _, ax = scatter_versus(mean, "rntk", "rbf")
    # 3 per side at most, only points off the diagonal: Perfect and Same stay unnamed.
    assert sorted(t.get_text() for t in ax.texts) == ["Down", "SlightDown", "SlightUp", "Up"]
    assert ax.get_xlim()[1] > 1.0 and ax.get_ylim()[1] > 1.0
    assert not ax.collections[0].get_clip_on()


def test_save_figure_is_byte_identical_when_repeated(mean: pd.DataFrame, tmp_path: Path) -> None:
    fig, _ = cd_diagram(friedman_posthoc(mean.dropna()))
    first = [p.read_bytes() for p in save_figure(fig, tmp_path / "a" / "cd")]
    fig, _ = cd_diagram(friedman_posthoc(mean.dropna()))
    second = [p.read_bytes() for p in save_figure(fig, tmp_path / "b" / "cd")]
    assert first == second
    assert b"<dc:date>" not in first[1]  # no wall-clock time in the SVG
