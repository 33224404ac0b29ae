"""``rntk-bench kernels`` (the registry) and ``rntk-bench verify`` (kernel vs finite networks)."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click
import numpy as np

from rntk_bench.errors import InputError
from rntk_bench.kernels import monte_carlo_kernels, rnn_kernels
from rntk_bench.methods import Entry, KernelFamily, TrainedMethod, load_grid
from rntk_bench.methods.registry import listed_methods


@click.command("kernels")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option(
    "--kernels",
    "names",
    default="",
    help="Also list (and check) these comma-separated methods, e.g. a run's import paths: "
    "my_pkg.kernels:cosine,sklearn.neighbors:KNeighborsClassifier.",
)
def kernels_command(fmt: str, names: str) -> None:
    """List the registered kernels, their grids and capabilities.

    Built-in methods, those of installed plugins (entry point group
    rntk_bench.methods) and, with --kernels, import paths; the source column says
    which. A plugin that cannot be imported is one warning line on stderr.
    """
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    entries, warnings = listed_methods(wanted)
    for line in warnings:
        click.echo(f"Warning: {line}", err=True)
    rows = [_row(entry) for entry in entries]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=1))
        return
    width = max(11, *(len(r["name"]) for r in rows))
    source = max(8, *(len(r["source"]) for r in rows))
    click.echo(
        f"{'name':<{width}} {'family':<11} {'paper':>5} {'quick':>5}  {'lengths':<9} "
        f"{'gpu':<3}  {'source':<{source}}  summary"
    )
    for r in rows:
        click.echo(
            f"{r['name']:<{width}} {r['family']:<11} {r['paper_grid']:>5} {r['quick_grid']:>5}  "
            f"{r['unequal_length']:<9} {'yes' if r['gpu'] else 'no':<3}  "
            f"{r['source']:<{source}}  {r['summary']}"
        )
    click.echo(
        "paper/quick: distinct settings in each grid (a plugin's or import path's: its "
        "defaults; a grid file sets more). Kernels of one family are computed together "
        "(one recursion)."
    )


def _row(entry: Entry) -> dict[str, Any]:
    """One method's line of the listing."""
    description = entry.description
    built_in = entry.source == "built-in"
    sizes = {}
    for name in ("paper", "quick"):
        if not built_in:
            sizes[name] = 1  # named grids know no user method: its defaults
        elif isinstance(description, KernelFamily):
            settings = description.settings(load_grid(name)[description.name])
            distinct = {
                json.dumps(description.projection(entry.name, s), sort_keys=True) for s in settings
            }
            sizes[name] = len(distinct)
        else:
            sizes[name] = len(description.settings(name))
    capabilities = description.capabilities
    if isinstance(description, TrainedMethod):
        family = "trained" if built_in else "classifier"
    else:
        family = description.name if built_in else "user kernel"
    return {
        "name": entry.name,
        "family": family,
        "paper_grid": sizes["paper"],
        "quick_grid": sizes["quick"],
        "unequal_length": "native" if capabilities.native_lengths else "resampled",
        "multivariate": capabilities.multivariate,
        "gpu": capabilities.gpu,
        "source": entry.source,
        "summary": entry.summary,
    }


def _physical_memory() -> int | None:
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):  # not a POSIX system: no estimate
        return None


def _check_memory(n_series: int, length: int, channels: int, width: int, layers: int) -> None:
    """Refuse up front a simulation that cannot fit in this machine's memory."""
    # One network at a time: L recurrent (n x n) and input weights, the forward and
    # backward states of every series and step, and a few (S x S) kernel matrices.
    values = (
        layers * (2 * width * width + width * (channels + 2))
        + 4 * layers * length * width * n_series
        + 8 * n_series * n_series
    )
    needed = 8 * values
    total = _physical_memory()
    if total is not None and needed > 0.8 * total:
        raise InputError(
            f"verify with --width {width}, --series {n_series}, --length {length} and "
            f"--layers {layers} needs about {needed / 2**30:.1f} GiB of memory per random "
            f"network; this machine has {total / 2**30:.1f} GiB. Use a smaller --width or "
            "fewer --series."
        )


@click.command()
@click.option(
    "--width", type=click.IntRange(min=1), default=1000, show_default=True, help="Hidden width n."
)
@click.option(
    "--networks",
    type=click.IntRange(min=2),
    default=20,
    show_default=True,
    help="Random initialisations averaged (>= 2: the spread needs two).",
)
@click.option(
    "--series",
    "n_series",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Random input series (every pair is compared).",
)
@click.option(
    "--length", type=click.IntRange(min=1), default=6, show_default=True, help="Series length."
)
@click.option("--unequal", is_flag=True, help="Give the series different lengths (ends aligned).")
@click.option("--channels", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--sigma-w", type=float, default=1.3, show_default=True)
@click.option("--sigma-u", type=float, default=1.0, show_default=True)
@click.option("--sigma-b", type=float, default=0.3, show_default=True)
@click.option("--sigma-h", type=float, default=0.8, show_default=True)
@click.option("--sigma-v", type=float, default=1.0, show_default=True)
@click.option("--layers", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--activation", type=click.Choice(["relu", "erf"]), default="relu", show_default=True)
@click.option(
    "--h0", type=click.Choice(["shared", "independent"]), default="shared", show_default=True
)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
def verify(
    width: int,
    networks: int,
    n_series: int,
    length: int,
    unequal: bool,
    channels: int,
    sigma_w: float,
    sigma_u: float,
    sigma_b: float,
    sigma_h: float,
    sigma_v: float,
    layers: int,
    activation: str,
    h0: str,
    seed: int,
) -> None:
    """Show that the kernels are right: analytic RNTK/RNNGP next to finite wide RNNs.

    Draws random series, computes the empirical NTK and NNGP of NETWORKS random RNNs
    of the given WIDTH (explicit forward and backward passes) and prints their mean
    +- standard error beside the analytic kernels, with the gap in standard errors
    (z). Exit code 1 if some |z| exceeds 4.5.
    """
    _check_memory(n_series, length, channels, width, layers)
    rng = np.random.default_rng(seed)
    if unequal:
        lengths = rng.integers(max(1, length // 2), length + 1, size=n_series)
        lengths[0] = length
        X: object = [0.8 * rng.standard_normal((channels, int(t))) for t in lengths]
    else:
        lengths = np.full(n_series, length)
        X = 0.8 * rng.standard_normal((n_series, channels, length))
    params: dict[str, Any] = dict(
        sigma_w=sigma_w,
        sigma_u=sigma_u,
        sigma_b=sigma_b,
        sigma_h=sigma_h,
        sigma_v=sigma_v,
        n_layers=layers,
        activation=activation,
        h0=h0,
    )
    click.echo(
        f"{n_series} series (lengths {', '.join(map(str, lengths))}), {networks} random RNNs of "
        f"width {width}, {layers} layer(s), {activation}, sigma_w={sigma_w:g} sigma_u={sigma_u:g} "
        f"sigma_b={sigma_b:g} sigma_h={sigma_h:g} sigma_v={sigma_v:g}, h0={h0}"
    )
    with click.progressbar(length=1, label="simulating", file=sys.stderr) as bar:
        mc = monte_carlo_kernels(X, width=width, n_networks=networks, seed=seed, **params)
        bar.update(1)
    ntk, nngp = rnn_kernels(X, **params)
    click.echo(
        f"{'pair':<7} {'RNTK':>10} {'finite nets':>20} {'z':>6}   "
        f"{'RNNGP':>10} {'finite nets':>20} {'z':>6}"
    )
    worst = 0.0
    for i in range(n_series):
        for j in range(i, n_series):
            z1 = (mc.ntk_mean[i, j] - ntk[i, j]) / mc.ntk_se[i, j]
            z2 = (mc.nngp_mean[i, j] - nngp[i, j]) / mc.nngp_se[i, j]
            worst = max(worst, abs(z1), abs(z2))
            click.echo(
                f"({i},{j})   {ntk[i, j]:>10.4f} {mc.ntk_mean[i, j]:>10.4f} +- "
                f"{mc.ntk_se[i, j]:<7.4f} {z1:>6.2f}   {nngp[i, j]:>10.4f} "
                f"{mc.nngp_mean[i, j]:>10.4f} +- {mc.nngp_se[i, j]:<7.4f} {z2:>6.2f}"
            )
    verdict = "agree" if worst <= 4.5 else "DISAGREE"
    click.echo(f"largest |z| = {worst:.2f}: analytic and finite-network kernels {verdict}.")
    if worst > 4.5:
        sys.exit(1)
