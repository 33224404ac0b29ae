"""``rntk-bench weights``: how the RNTK weights time steps (docs/time_weights.md)."""

from __future__ import annotations

import csv
import math
import os
import resource
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from rntk_bench.errors import InputError
from rntk_bench.evaluation.preprocessing import preprocess
from rntk_bench.evaluation.protocol import PREPROCESSINGS
from rntk_bench.kernels import TimeWeightCurve, rntk_time_weight_curve
from rntk_bench.reporting.plots import save_figure

DEFAULT_SIGMA_W = "1.34,1.38,sqrt2,1.43,1.47"
# The figure's log axes draw weights in this range; the CSV keeps every value. Wider,
# matplotlib's log ticks (the data's range plus margins, plus one tick stride) reach
# 10^-324 or 10^309 and it fails to format them (OverflowError).
_DRAWN = (1e-200, 1e200)
# Memory model of _memory_needed: the interpreter with numpy and matplotlib loaded,
# and what matplotlib keeps per point of a curve while it saves a PNG and an SVG.
_BASELINE_BYTES = 150 * 2**20
_FIGURE_BYTES_PER_POINT = 100
ACTIVATIONS = ("relu", "erf")
PAIR_KINDS = {
    "same": "x = x' (each series with itself)",
    "distinct": "x != x' (mean over distinct pairs)",
}
CSV_COLUMNS = (
    "activation",
    "sigma_w",
    "pairs",
    "layer",
    "steps_before_end",
    "weight",
    "contribution",
    "n_pairs",
)


def _sigma_w_list(value: str) -> tuple[float, ...]:
    out = []
    for token in (v.strip() for v in value.split(",")):
        if not token:
            continue
        try:
            out.append(math.sqrt(2.0) if token == "sqrt2" else float(token))
        except ValueError:
            raise InputError(
                f"--sigma-w must be comma-separated numbers or 'sqrt2'; got {value!r}."
            ) from None
    if not out:
        raise InputError("--sigma-w needs at least one value, e.g. 1.34,sqrt2,1.47.")
    return tuple(dict.fromkeys(out))


def _input(
    dataset: str | None, n_series: int, length: int, seed: int, max_series: int | None
) -> tuple[Any, str]:
    """The series to average over and a description of them."""
    X: Any
    if dataset is None:
        X = np.random.default_rng(seed).standard_normal((n_series, 1, length))
        return X, f"white noise, {n_series} series x {length} steps, seed {seed}"
    from rntk_bench.data import load_dataset

    X, _, _, _ = load_dataset(dataset)
    cases = len(X)
    if max_series is not None and cases > max_series:
        X = X[:max_series]
    lengths = [s.shape[-1] for s in X]
    span = f"{min(lengths)}" if min(lengths) == max(lengths) else f"{min(lengths)}-{max(lengths)}"
    return X, f"{dataset} training split, {len(X)} of {cases} series x {span} steps"


def _rows(curves: dict[tuple[str, float, str], TimeWeightCurve]) -> Iterator[dict[str, Any]]:
    """The CSV rows, one at a time (long series make millions)."""
    for (activation, sigma_w, pairs), curve in curves.items():
        weight, contribution = curve.weight_mean, curve.contribution_mean
        for layer in range(weight.shape[0]):
            for t in range(weight.shape[1] - 1, -1, -1):
                if curve.n_pairs[t] == 0:
                    continue
                yield {
                    "activation": activation,
                    "sigma_w": f"{sigma_w:.6g}",
                    "pairs": pairs,
                    "layer": layer + 1,
                    "steps_before_end": int(curve.steps_before_end[t]),
                    "weight": f"{weight[layer, t]:.6e}",
                    "contribution": f"{contribution[layer, t]:.6e}",
                    "n_pairs": int(curve.n_pairs[t]),
                }


def _figure(
    curves: dict[tuple[str, float, str], TimeWeightCurve],
    sigma_ws: tuple[float, ...],
    layer: int,
    n_layers: int,
    title: str,
) -> Figure:
    fig = Figure(figsize=(10, 7.5))
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(PAIR_KINDS), len(ACTIVATIONS), sharex=True, squeeze=False)
    colours = matplotlib.colormaps["viridis"](np.linspace(0.0, 0.9, len(sigma_ws)))
    for row, (pairs, pairs_label) in enumerate(PAIR_KINDS.items()):
        for col, activation in enumerate(ACTIVATIONS):
            ax = axes[row, col]
            for colour, sigma_w in zip(colours, sigma_ws, strict=True):
                curve = curves[(activation, sigma_w, pairs)]
                edge = math.isclose(sigma_w, math.sqrt(2.0))
                ax.semilogy(
                    curve.steps_before_end,
                    _drawable(curve.weight_mean[layer]),
                    color="black" if edge else colour,
                    linestyle="--" if edge else "-",
                    linewidth=1.4,
                    label="sqrt(2)" if edge else f"{sigma_w:g}",
                )
            ax.set_title(f"{activation}, {pairs_label}", fontsize=10)
            ax.grid(True, which="major", linewidth=0.3)
            if row == len(PAIR_KINDS) - 1:
                ax.set_xlabel("steps before the end")
            if col == 0:
                ax.set_ylabel("time-step weight w")
    axes[0, 0].legend(title="sigma_w", fontsize=8, title_fontsize=8)
    which = f", layer {layer + 1} of {n_layers}" if n_layers > 1 else ""
    fig.suptitle(f"RNTK time-step weights{which}: {title}", fontsize=11)
    fig.tight_layout()
    return fig


def _drawable(weights: np.ndarray) -> np.ndarray:
    """The weights the figure draws: values outside ``_DRAWN`` left out (NaN)."""
    return np.where((weights >= _DRAWN[0]) & (weights <= _DRAWN[1]), weights, np.nan)


def _available_memory() -> int | None:
    """Bytes this process may use: physical memory, or a lower address-space limit."""
    try:
        total = int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):  # not a POSIX system: no estimate
        return None
    limit, _ = resource.getrlimit(resource.RLIMIT_AS)
    return total if limit == resource.RLIM_INFINITY else min(total, int(limit))


def _memory_needed(n: int, channels: int, steps: int, layers: int, n_sigma_w: int) -> int:
    """Peak bytes of the command, a little above what it takes.

    Measured peaks (one layer, one channel): 167 MB for 100 series x 3,000 steps and 5
    sigma_w (model: 238 MiB), 186 MB for 300 x 500 (217 MiB), 293 MB for 2 x 200,000
    and 2 sigma_w (442 MiB): inputs, the pair recursion's stores (a row block, at
    least 48 MiB), the curves and the figure's points.
    """
    series = 4 * n * channels * steps  # inputs, preprocessed, padded for the pairs
    pairs = 10 * n * layers * steps + max(6 * 2**20, 2 * n * layers * steps)
    curves = 2 * len(ACTIVATIONS) * n_sigma_w * (3 * layers * steps + steps)
    figure = 2 * len(ACTIVATIONS) * n_sigma_w * steps * _FIGURE_BYTES_PER_POINT // 8
    return _BASELINE_BYTES + 8 * (series + pairs + curves + 2 * n * n + figure)


def _check_memory(shape: tuple[int, int, int], n_layers: int, n_sigma_w: int, what: str) -> None:
    """Refuse up front a computation that cannot fit in the memory this process has.

    ``shape`` is (series, channels, longest length) of the input.
    """
    n, channels, steps = shape
    needed = _memory_needed(n, channels, steps, n_layers, n_sigma_w)
    available = _available_memory()
    if available is not None and needed > 0.8 * available:
        raise InputError(
            f"weights on {n} series x {steps} steps of {what} with {n_layers} "
            f"layer{'s' if n_layers > 1 else ''} and {n_sigma_w} sigma_w value"
            f"{'s' if n_sigma_w > 1 else ''} needs about {needed / 2**30:.1f} GiB of memory; "
            f"this process may use {available / 2**30:.1f} GiB. Use a smaller --length or "
            "--n-series (--max-series with --dataset), fewer --sigma-w values or layers."
        )


@click.command("weights")
@click.option("--dataset", help="Average over pairs of this data set's training split.")
@click.option(
    "--sigma-w",
    "sigma_w",
    default=DEFAULT_SIGMA_W,
    show_default=True,
    help="Comma-separated recurrent weight scales, one curve each ('sqrt2' allowed).",
)
@click.option("--n-layers", type=int, default=1, show_default=True, help="RNN layers L.")
@click.option(
    "--layer", type=int, default=1, show_default=True, help="Layer whose weights the figure shows."
)
@click.option("--sigma-u", type=float, default=1.0, show_default=True)
@click.option("--sigma-b", type=float, default=0.0, show_default=True)
@click.option("--sigma-h", type=float, default=0.0, show_default=True)
@click.option(
    "--preprocessing",
    type=click.Choice(PREPROCESSINGS),
    default="maxnorm",
    show_default=True,
    help="Input scaling, as in `run` (ReLU weights do not depend on it when sigma_b = "
    "sigma_h = 0; erf weights do).",
)
@click.option("--n-series", type=int, default=100, show_default=True, help="White noise: series.")
@click.option("--length", type=int, default=300, show_default=True, help="White noise: steps.")
@click.option("--seed", type=int, default=0, show_default=True, help="White noise: seed.")
@click.option("--max-series", type=int, help="Use at most this many training series.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results/weights"),
    show_default=True,
    help="Folder for time_weights.csv, .png and .svg.",
)
def weights_command(
    dataset: str | None,
    sigma_w: str,
    n_layers: int,
    layer: int,
    sigma_u: float,
    sigma_b: float,
    sigma_h: float,
    preprocessing: str,
    n_series: int,
    length: int,
    seed: int,
    max_series: int | None,
    out_dir: Path,
) -> None:
    """How the RNTK weights time steps: a CSV and a figure of w against steps before the end.

    The RNTK of a pair is a read-out term plus a sum over steps of w_t x Sigma_t
    (docs/time_weights.md). For every sigma_w and both activations this writes the mean
    weight per step over the pairs (x, x) and over the distinct pairs (x, x') of white
    noise (default) or of a data set's training split.

    \b
    Examples:
      rntk-bench weights
      rntk-bench weights --dataset GunPoint --sigma-w 1.34,sqrt2,1.47
    """
    sigma_ws = _sigma_w_list(sigma_w)
    for name, value in (("--n-series", n_series), ("--length", length)):
        if value < 2 and dataset is None:
            raise InputError(f"{name} must be >= 2; got {value}.")
    if seed < 0:
        raise InputError(f"--seed must be >= 0 (numpy's seeds are non-negative); got {seed}.")
    if not 1 <= layer <= n_layers:
        raise InputError(f"--layer must be between 1 and --n-layers ({n_layers}); got {layer}.")
    if max_series is not None and max_series < 2:
        raise InputError(f"--max-series must be >= 2 (pairs need two series); got {max_series}.")
    if dataset is None:  # before the noise is drawn: it alone may not fit
        _check_memory((n_series, 1, length), n_layers, len(sigma_ws), "white noise")
    started = time.perf_counter()
    X, description = _input(dataset, n_series, length, seed, max_series)
    if dataset is not None:
        longest = max(np.shape(s)[-1] for s in X)
        _check_memory((len(X), np.shape(X[0])[0], longest), n_layers, len(sigma_ws), dataset)
    X, _ = preprocess(X, X[:1], preprocessing)
    rnn: dict[str, Any] = dict(sigma_u=sigma_u, sigma_b=sigma_b, sigma_h=sigma_h, n_layers=n_layers)
    try:  # every curve before any file: an overflow (NumericalError) writes nothing
        curves = {
            (activation, s, pairs): rntk_time_weight_curve(
                X, pairs=pairs, sigma_w=s, activation=activation, **rnn
            )
            for activation in ACTIVATIONS
            for s in sigma_ws
            for pairs in PAIR_KINDS
        }
    except MemoryError:  # the estimate passed, but others took the memory meanwhile
        raise InputError(
            f"weights ran out of memory on {description}; free memory or use a smaller "
            "--length or --n-series (--max-series with --dataset)."
        ) from None
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / "time_weights.csv"
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(_rows(curves))
    title = f"{description}, {preprocessing} inputs"
    fig = _figure(curves, sigma_ws, layer - 1, n_layers, title)
    paths = save_figure(fig, out_dir / "time_weights")  # byte-reproducible SVG
    click.echo(f"{description}: {len(sigma_ws)} sigma_w x {len(ACTIVATIONS)} activations")
    for (activation, s, pairs), curve in curves.items():
        w = curve.weight_mean[layer - 1]
        last, first = w[-1], w[np.flatnonzero(curve.n_pairs)[0]]
        click.echo(
            f"  {activation:<4} sigma_w={s:<7.4g} {pairs:<8} w(last step) {last:9.3e}  "
            f"w({int(curve.steps_before_end[np.flatnonzero(curve.n_pairs)[0]])} steps "
            f"before) {first:9.3e}"
        )
    undrawn = sum(
        int(np.sum(np.isnan(_drawable(c.weight_mean[layer - 1])) & (c.n_pairs > 0)))
        for c in curves.values()
    )
    if undrawn:
        click.echo(
            f"  {undrawn} weights outside {_DRAWN[0]:g}..{_DRAWN[1]:g} are in the CSV, not "
            "in the figure (a log axis cannot span them)."
        )
    seconds = time.perf_counter() - started
    click.echo(f"Wrote {csv_path}, {', '.join(str(p) for p in paths)} in {seconds:.1f} s.")
