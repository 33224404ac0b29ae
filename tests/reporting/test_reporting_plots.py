"""Plots return (fig, ax), carry the counts in the title, save PNG and SVG."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from rntk_bench.reporting import (
    NotApplicableError,
    cd_diagram,
    friedman_nemenyi,
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
    assert list(diagonal.get_xdata()) == list(diagonal.get_ydata())  # y = x
    points = ax.collections[0].get_offsets()
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
    result = friedman_nemenyi(mean.dropna())
    fig, ax = cd_diagram(result)
    assert isinstance(fig, Figure) and isinstance(ax, Axes)
    assert "Mean rank over 4 data sets" in ax.get_title()
    labels = {t.get_text() for t in ax.texts}
    # Ranks per data set (rntk, rbf, ntk): D1 1,2,3; D2 1.5,1.5,3; D3 2,1,3; D4 1,2,3.
    assert {"rntk (1.38)", "rbf (1.62)", "(3.00) ntk"} <= labels
    paths = save_figure(fig, tmp_path / "cd")
    assert all(p.stat().st_size > 1000 for p in paths)
