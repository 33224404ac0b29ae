"""Accuracy against length variability (synthetic) or the kept fraction (truncated runs).

The figures of "Where does the RNTK pay off?" (docs/experiments/lengths.md): reads a run
folder's result files (never reruns anything) and writes, next to its report:

- ``synthetic``: ``accuracy_vs_r.{csv,md,png,svg}``: test accuracy of every method on
  every synthetic data set, by position (start/end), noise and r; the figure has one
  panel per (position, noise), one line per method (the kernels under their default
  length policy, plus the RBF kernel under the padding policies);
- ``truncated``: ``accuracy_vs_fraction.{csv,md,png,svg}``: mean test accuracy over the
  data sets of every method, by kept side and fraction (1 = untruncated).

Run::

    .venv/bin/python experiments/length_figures.py results/synthetic --kind synthetic
    .venv/bin/python experiments/length_figures.py results/truncated --kind truncated

Output is deterministic (no timestamps), so rerunning it changes no byte.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from rntk_bench.reporting import load_results
from rntk_bench.reporting.plots import save_figure
from rntk_bench.reporting.tables import to_markdown

_SYNTH = re.compile(r"^Synth(?P<position>Start|End)-r(?P<r>[0-9.]+)-noise(?P<noise>[0-9.]+)$")
_TRUNC = re.compile(r"^(?P<dataset>.+) \[test: (?P<which>last|first) (?P<percent>[0-9.]+)%\]$")
# Drawn as lines; every method is in the tables.
_PLOTTED_EXTRA = ("rbf+pad-start", "rbf+pad-end")


def _methods(table: pd.DataFrame) -> list[str]:
    """Methods in a stable order: default-policy kernels first, then the policy variants."""
    methods = sorted(set(table["method"]))
    return sorted(methods, key=lambda m: ("+" in m, m))


def _plotted(methods: list[str]) -> list[str]:
    return [m for m in methods if "+" not in m or m in _PLOTTED_EXTRA]


def _style(method: str) -> dict[str, object]:
    if method in ("rntk", "rnngp"):
        return {"linewidth": 2.4, "marker": "o"}
    if "+" in method:
        return {"linestyle": "--", "marker": "x"}
    return {"linewidth": 1.2, "marker": "."}


def synthetic(run_dir: Path) -> list[Path]:
    """The synthetic sweep: accuracy against r per (position, noise) and method."""
    table, _ = load_results(run_dir)
    parts = table["dataset"].str.extract(_SYNTH)
    table = table.assign(
        position=parts["position"].str.lower(),
        r=pd.to_numeric(parts["r"]),
        noise=pd.to_numeric(parts["noise"]),
    ).dropna(subset=["r"])
    wide = table.pivot_table(
        index=["position", "noise", "r"], columns="method", values="accuracy", aggfunc="mean"
    )
    methods = _methods(table)
    wide = wide[methods].sort_index(ascending=[False, True, False])
    out = run_dir / "accuracy_vs_r"
    wide.to_csv(out.with_suffix(".csv"), float_format="%.4f", lineterminator="\n")
    shown = wide.reset_index()
    shown["r"] = shown["r"].map("{:.2f}".format)
    out.with_suffix(".md").write_text(
        to_markdown(shown.round(3), index=False) + "\n", encoding="utf-8"
    )
    present = set(zip(table["position"], table["noise"], strict=True))
    cases = sorted(present, key=lambda c: (c[0] != "end", c[1]))
    fig, axes = plt.subplots(
        1, len(cases), figsize=(4.2 * len(cases), 4.2), sharey=True, squeeze=False
    )
    for ax, (position, noise) in zip(axes[0], cases, strict=True):
        at = (wide.index.get_level_values("position") == position) & (
            wide.index.get_level_values("noise") == noise
        )
        block = wide[at].droplevel(["position", "noise"]).sort_index()
        for method in _plotted(methods):
            ax.plot(block.index, block[method], label=method, **_style(method))
        ax.set_title(f"burst at the {position}, noise {noise:g}")
        ax.set_xlabel("length variability r (lengths in [r T, T])")
        ax.invert_xaxis()
        ax.set_xticks([1.0, 0.75, 0.5, 0.25])
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("test accuracy")
    axes[0, 0].set_ylim(0, 1.02)
    axes[0, -1].legend(loc="lower left", fontsize=7)
    fig.tight_layout()
    paths = save_figure(fig, out)
    plt.close(fig)
    return [out.with_suffix(".csv"), out.with_suffix(".md"), *paths]


def truncated(run_dir: Path) -> list[Path]:
    """Truncated test series: mean accuracy over data sets per (side, fraction), method."""
    table, _ = load_results(run_dir)
    parts = table["dataset"].str.extract(_TRUNC)
    side = parts["which"].map({"last": "end kept", "first": "start kept"})
    fraction = pd.to_numeric(parts["percent"]) / 100
    base = parts["dataset"].fillna(table["dataset"])
    table = table.assign(base=base, side=side, fraction=fraction.fillna(1.0))
    # Untruncated results belong to both curves (fraction 1).
    whole = table[table["side"].isna()]
    table = pd.concat(
        [
            table[table["side"].notna()],
            whole.assign(side="end kept"),
            whole.assign(side="start kept"),
        ]
    )
    # Only data sets every method has at every (side, fraction): a fair mean.
    counts = table.groupby("base")["accuracy"].count()
    complete = counts[counts == counts.max()].index
    table = table[table["base"].isin(complete)]
    wide = table.pivot_table(
        index=["side", "fraction"], columns="method", values="accuracy", aggfunc="mean"
    )
    methods = _methods(table)
    wide = wide[methods].sort_index(ascending=[True, False])
    out = run_dir / "accuracy_vs_fraction"
    wide.to_csv(out.with_suffix(".csv"), float_format="%.4f", lineterminator="\n")
    shown = wide.reset_index()
    out.with_suffix(".md").write_text(
        f"Mean test accuracy over the {len(complete)} data sets with every result.\n\n"
        + to_markdown(shown.round(3), index=False)
        + "\n",
        encoding="utf-8",
    )
    sides = ["end kept", "start kept"]
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.2), sharey=True)
    for ax, which in zip(axes, sides, strict=True):
        block = wide.loc[which].sort_index()
        for method in _plotted(methods):
            ax.plot(block.index, block[method], label=method, **_style(method))
        ax.set_title(f"test series truncated, {which}")
        ax.set_xlabel("fraction of each test series kept")
        ax.invert_xaxis()
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(f"mean test accuracy ({len(complete)} data sets)")
    axes[-1].legend(loc="lower left", fontsize=7)
    fig.tight_layout()
    paths = save_figure(fig, out)
    plt.close(fig)
    return [out.with_suffix(".csv"), out.with_suffix(".md"), *paths]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--kind", choices=("synthetic", "truncated"), required=True)
    args = parser.parse_args(argv)
    written = (synthetic if args.kind == "synthetic" else truncated)(args.run_dir)
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
