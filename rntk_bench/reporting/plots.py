"""Plots: the critical difference diagram and per-data-set scatter plots.

Every function returns ``(fig, ax)`` and leaves saving to the caller
(:func:`save_figure` writes PNG and SVG). Figures are built on matplotlib's Agg
canvas directly, without pyplot, so they never open a window, never touch the
global pyplot state of a session that imports the library, and are freed with
their last reference. A plot that does not apply (one method, no shared data set,
all ties) raises :class:`~rntk_bench.reporting.metrics.NotApplicableError` whose
message the report shows instead of the plot.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from rntk_bench.reporting.metrics import FriedmanResult, NotApplicableError

__all__ = ["cd_diagram", "save_figure", "scatter_versus"]

_TIE = 1e-12


def _figure(width: float, height: float) -> tuple[Figure, Axes]:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)  # attach the Agg canvas: rendering without a display
    return fig, fig.add_subplot()


def cd_diagram(result: FriedmanResult) -> tuple[Figure, Axes]:
    """Critical difference diagram of a Friedman + Nemenyi analysis.

    Methods are placed at their mean rank (1 = best, left); methods joined by a bar
    are not significantly different (Nemenyi, ``result.alpha``). Drawn by
    scikit-posthocs' ``critical_difference_diagram``.

    Parameters
    ----------
    result : FriedmanResult
        From :func:`rntk_bench.reporting.metrics.friedman_nemenyi`.

    Returns
    -------
    (Figure, Axes)
    """
    import scikit_posthocs as sp

    if result.n_methods < 2:
        raise NotApplicableError("a critical difference diagram needs at least 2 methods.")
    fig, ax = _figure(7.0, 1.2 + 0.35 * result.n_methods)
    sp.critical_difference_diagram(
        result.ranks,
        result.nemenyi,
        alpha=result.alpha,
        ax=ax,
        cd=result.critical_difference,
        label_fmt_left="{label} ({rank:.2f})",
        label_fmt_right="({rank:.2f}) {label}",
    )
    verdict = "differ" if result.pvalue < result.alpha else "do not differ significantly"
    ax.set_title(
        f"Mean rank over {result.n_datasets} data sets (1 = best). Friedman "
        f"p = {result.pvalue:.2g}: ranks {verdict}; bars join methods Nemenyi cannot "
        f"separate (alpha = {result.alpha:g}, CD = {result.critical_difference:.2f}).",
        fontsize=8,
        wrap=True,
        pad=18,
    )
    return fig, ax


def scatter_versus(mean: pd.DataFrame, versus: str, other: str) -> tuple[Figure, Axes]:
    """Scatter the accuracies of ``versus`` (y) against ``other`` (x), one point per data set.

    Points above the diagonal are data sets where ``versus`` is more accurate; the
    title counts them. Data sets where either method has no result are left out
    (the title says how many points there are).

    Parameters
    ----------
    mean : DataFrame of shape (n_datasets, n_methods)
        Mean accuracy per data set (e.g. ``AccuracyTable.mean``).
    versus, other : str
        Two columns of ``mean``.

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
    fig, ax = _figure(5.0, 5.0)
    low = float(min(x.min(), y.min()))
    low = max(0.0, np.floor(low * 10.0) / 10.0 - 0.05)
    ax.plot([low, 1.0], [low, 1.0], color="0.5", linewidth=1, linestyle="--", zorder=1)
    ax.scatter(x, y, s=18, alpha=0.8, zorder=2)
    ax.set_xlim(low, 1.0)
    ax.set_ylim(low, 1.0)
    ax.set_aspect("equal")
    ax.set_xlabel(f"{other} accuracy")
    ax.set_ylabel(f"{versus} accuracy")
    ax.set_title(
        f"{versus} vs {other}: {len(pair)} data sets\n"
        f"{above} above ({versus} better), {below} below, {on} on the diagonal",
        fontsize=9,
    )
    ax.grid(True, linewidth=0.3)
    return fig, ax


def save_figure(fig: Figure, stem: Path, formats: Sequence[str] = ("png", "svg")) -> list[Path]:
    """Save ``fig`` as ``<stem>.<format>`` for each format; returns the paths."""
    paths = []
    stem.parent.mkdir(parents=True, exist_ok=True)
    for fmt in formats:
        path = stem.with_name(f"{stem.name}.{fmt}")
        # No timestamp in the SVG so re-generated reports diff cleanly in git.
        metadata = {"Date": None} if fmt == "svg" else None
        fig.savefig(path, format=fmt, dpi=150, metadata=metadata)
        paths.append(path)
    return paths
