"""Plots: the critical difference diagram and per-data-set scatter plots.

Every function returns ``(fig, ax)`` and leaves saving to the caller
(:func:`save_figure` writes PNG and SVG). Figures are built on matplotlib's Agg
canvas directly, without pyplot, so they never open a window, never touch the
global pyplot state of a session that imports the library, and are freed with
their last reference. A plot that does not apply (one method, no shared data set,
all ties) raises :class:`~rntk_bench.reporting.statistics.NotApplicableError` whose
message the report shows instead of the plot.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from rntk_bench.reporting.statistics import FriedmanResult, NotApplicableError

__all__ = ["PALETTE", "cd_diagram", "save_figure", "scatter_versus"]

_TIE = 1e-12

#: 16 colours that stay apart on white: matplotlib's tab10, then six darker hues
#: (tab20b's dark row and a teal), so no two methods of a diagram share a colour.
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
    "#005f5f",
)


def _figure(width: float, height: float) -> tuple[Figure, Axes]:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)  # attach the Agg canvas: rendering without a display
    return fig, fig.add_subplot()


def _cliques(joined: pd.DataFrame) -> list[tuple[int, int]]:
    """Runs of methods (in rank order) that the diagram joins with one bar.

    For each method i, the longest run i..j whose every pair is joined; runs inside
    another run are dropped. Returns (first, last) positions, first ascending.
    """
    same = joined.to_numpy(dtype=bool)
    k = len(same)
    runs: list[tuple[int, int]] = []
    for i in range(k):
        j = i
        while j + 1 < k and same[i : j + 2, i : j + 2].all():
            j += 1
        if j > i and not any(a <= i and j <= b for a, b in runs):
            runs.append((i, j))
    return runs


def cd_diagram(result: FriedmanResult) -> tuple[Figure, Axes]:
    """Critical difference diagram of a Friedman analysis and its post-hoc test.

    Methods are placed at their mean rank (1 = best, left) on a top axis, one
    colour each, with their labels on rows of their own (the better half on the
    left, the rest on the right), so no two labels overlap. A bar joins each
    longest run of methods, in rank order, whose every pair is not significantly
    different by ``result.test`` (Wilcoxon signed-rank with Holm's correction, or
    Nemenyi) at ``result.alpha``; one bar joins all when the Friedman test does
    not reject. The title names the test. Drawing order depends on the ranks and
    names only, so the saved files are reproducible.

    Parameters
    ----------
    result : FriedmanResult
        From :func:`rntk_bench.reporting.statistics.friedman_posthoc`.

    Returns
    -------
    (Figure, Axes)

    Raises
    ------
    NotApplicableError
        Fewer than 2 methods, or more than the palette's 16 colours.
    """
    k = result.n_methods
    if k < 2:
        raise NotApplicableError("a critical difference diagram needs at least 2 methods.")
    if k > len(PALETTE):
        raise NotApplicableError(
            f"a critical difference diagram of {k} methods would repeat colours "
            f"(at most {len(PALETTE)}); compare fewer methods."
        )
    names = list(result.ranks.index)
    ranks = result.ranks.to_numpy(dtype="float64")
    runs = _cliques(result.joined().loc[names, names])
    # Stack the bars: each on the first level where it meets no other bar.
    levels: list[list[tuple[float, float]]] = []
    bar_level: list[int] = []
    for first, last in runs:
        low, high = ranks[first], ranks[last]
        for n, spans in enumerate(levels):
            if all(high < a - 0.05 or low > b + 0.05 for a, b in spans):
                spans.append((low, high))
                bar_level.append(n)
                break
        else:
            levels.append([(low, high)])
            bar_level.append(len(levels) - 1)
    step = 0.5  # vertical spacing of bars and label rows, in data units
    first_row = step * (len(levels) + 1)
    n_left = (k + 1) // 2
    n_rows = max(n_left, k - n_left)
    fig, ax = _figure(7.5, 1.3 + 0.3 * (len(levels) + n_rows))
    left_edge, right_edge = 0.6, k + 0.4
    ax.set_xlim(left_edge, right_edge)
    ax.set_ylim(-(first_row + step * (n_rows - 1)) - step / 2, step / 2)
    # The rank axis is the top spine moved down to y = 0, ticks and numbers above it.
    ax.set_xticks(range(1, k + 1))
    ax.xaxis.set_ticks_position("top")
    ax.tick_params(axis="x", direction="out", labelsize=8)
    ax.spines["top"].set_position(("data", 0.0))
    ax.yaxis.set_visible(False)
    for side in ("left", "right", "bottom"):
        ax.spines[side].set_visible(False)
    for i, (name, rank) in enumerate(zip(names, ranks, strict=True)):
        colour = PALETTE[i]
        left = i < n_left
        row = i if left else k - 1 - i  # rows fill from the top on both sides
        y = -(first_row + step * row)
        x_end = left_edge if left else right_edge
        ax.plot([rank, rank, x_end], [0.0, y, y], color=colour, linewidth=1.2)
        ax.scatter([rank], [0.0], color=colour, s=22, zorder=3, clip_on=False)
        ax.text(
            x_end,
            y,
            f"{name} ({rank:.2f})" if left else f"({rank:.2f}) {name}",
            ha="right" if left else "left",
            va="center",
            fontsize=9,
            color=colour,
        )
    for (first, last), n in zip(runs, bar_level, strict=True):
        y = -step * (n + 1) * 0.8
        ax.plot([ranks[first] - 0.04, ranks[last] + 0.04], [y, y], color="black", linewidth=2.5)
    if result.test == "nemenyi":
        how = f"Nemenyi, CD = {result.critical_difference:.2f}"
    else:
        how = "Wilcoxon signed-rank, Holm-corrected"
    verdict = "" if result.significant else "; Friedman does not reject: one bar"
    ax.set_title(
        f"Mean rank over {result.n_datasets} data sets (1 = best), Friedman "
        f"p = {result.pvalue:.2g}.\nBars join methods not significantly different "
        f"({how}, alpha = {result.alpha:g}{verdict}).",
        fontsize=9,
        pad=12,
    )
    return fig, ax


def scatter_versus(
    mean: pd.DataFrame, versus: str, other: str, *, n_labels: int = 3
) -> tuple[Figure, Axes]:
    """Scatter the accuracies of ``versus`` (y) against ``other`` (x), one point per data set.

    Points above the diagonal are data sets where ``versus`` is more accurate; the
    title counts them. Data sets where either method has no result are left out
    (the title says how many points there are). The ``n_labels`` points farthest
    above and the ``n_labels`` farthest below the diagonal carry their data set's
    name. The axes end a little past 1.0 so markers at 1.0 are whole.

    Parameters
    ----------
    mean : DataFrame of shape (n_datasets, n_methods)
        Mean accuracy per data set (e.g. ``AccuracyTable.mean``), data sets as index.
    versus, other : str
        Two columns of ``mean``.
    n_labels : int
        Named points on each side of the diagonal.

    Returns
    -------
    (Figure, Axes)

    Raises
    ------
    NotApplicableError
        If a column is absent, the two are the same, or they share no data set.
    """
    for name in (versus, other):
        if name not in mean.columns:
            raise NotApplicableError(f"no accuracies for {name!r}; cannot plot.")
    if versus == other:
        raise NotApplicableError(f"{versus!r} against itself is the diagonal; not plotted.")
    pair = mean[[other, versus]].dropna().astype("float64")
    if pair.empty:
        raise NotApplicableError(f"{versus} and {other} share no data set; not plotted.")
    x = pair[other].to_numpy()
    y = pair[versus].to_numpy()
    above = int(np.sum(y > x + _TIE))
    below = int(np.sum(y < x - _TIE))
    on = len(pair) - above - below
    fig, ax = _figure(5.5, 5.5)
    low = float(min(x.min(), y.min()))
    low = max(0.0, np.floor(low * 10.0) / 10.0 - 0.05)
    high = 1.0 + 0.025 * (1.0 - low)  # room for a whole marker at 1.0
    ax.plot([low, high], [low, high], color="0.5", linewidth=1, linestyle="--", zorder=1)
    ax.scatter(x, y, s=18, alpha=0.8, zorder=2, clip_on=False)
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_aspect("equal")
    _label_extremes(ax, pair.index, x, y, n_labels)
    ax.set_xlabel(f"{other} accuracy")
    ax.set_ylabel(f"{versus} accuracy")
    ax.set_title(
        f"{versus} vs {other}: {len(pair)} data sets\n"
        f"{above} above ({versus} better), {below} below, {on} on the diagonal",
        fontsize=9,
    )
    ax.grid(True, linewidth=0.3)
    return fig, ax


def _label_extremes(ax: Axes, names: pd.Index, x: np.ndarray, y: np.ndarray, n_labels: int) -> None:
    """Name the ``n_labels`` points farthest above and below the diagonal."""
    gap = y - x
    order = np.argsort(gap, kind="stable")
    below = [int(i) for i in order[:n_labels] if gap[i] < -_TIE]
    above = [int(i) for i in order[::-1][:n_labels] if gap[i] > _TIE]
    for i in above + below:
        # Above the diagonal the free space is up-left, below it down-right.
        up = gap[i] > 0
        ax.annotate(
            str(names[i]),
            (x[i], y[i]),
            xytext=(-4, 4) if up else (4, -4),
            textcoords="offset points",
            ha="right" if up else "left",
            va="bottom" if up else "top",
            fontsize=7,
            color="0.25",
        )


def save_figure(fig: Figure, stem: Path, formats: Sequence[str] = ("png", "svg")) -> list[Path]:
    """Save ``fig`` as ``<stem>.<format>`` for each format; returns the paths."""
    paths = []
    stem.parent.mkdir(parents=True, exist_ok=True)
    # Byte-identical files for identical figures, so a regenerated report changes
    # nothing in git: no date in the SVG, and SVG element ids drawn from a fixed salt
    # instead of a random one.
    with matplotlib.rc_context({"svg.hashsalt": "rntk-bench"}):
        for fmt in formats:
            path = stem.with_name(f"{stem.name}.{fmt}")
            metadata = {"Date": None} if fmt == "svg" else None
            fig.savefig(path, format=fmt, dpi=150, metadata=metadata)
            paths.append(path)
    return paths
