"""Width sweep of the trained RNN: does its accuracy approach the RNTK's as it widens?

    python experiments/rnn_width.py --archive PATH [--widths 32,128,512,1024]
        [--out results/rnn_width]

For each data set and width, the ``rnn`` method's "paper" grid (learning rate x
sigma_w) at that width is selected on the training split exactly as in a run
(:func:`rntk_bench.methods._rnn_training.fit_rnn`, seed 0), and its test accuracy recorded
in OUT/width_sweep.csv with CPU and wall seconds; OUT/width_sweep.png plots it
against the width, with the RNTK's accuracy on the same data sets (paper protocol,
read from results/ucr56/report/accuracy.csv) as horizontal lines.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from rntk_bench.data import fetch_dataset
from rntk_bench.evaluation.protocol import Protocol
from rntk_bench.evaluation.splits import make_split
from rntk_bench.methods._rnn_training import RNN_GRIDS, fit_rnn
from rntk_bench.methods.grids import grid_settings

DATASETS = ("ItalyPowerDemand", "SonyAIBORobotSurface1", "ECG200", "GunPoint")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", default=None)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--widths", default="32,128,512,1024")
    parser.add_argument("--out", default="results/rnn_width")
    parser.add_argument("--rntk", default="results/ucr56/report/accuracy.csv")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    csv = out / "width_sweep.csv"
    rows = pd.read_csv(csv).to_dict("records") if csv.exists() else []
    done = {(r["dataset"], int(r["width"])) for r in rows}
    widths = [int(w) for w in args.widths.split(",")]
    for name in args.datasets.split(","):
        data = fetch_dataset(name, archive=args.archive, sources=[])
        split = make_split(data, 0, Protocol())
        for width in widths:
            if (name, width) in done:
                continue
            settings = grid_settings({**RNN_GRIDS["paper"], "width": (width,)})
            wall, cpu = time.perf_counter(), time.process_time()
            fitted = fit_rnn(split.X_train, split.y_train, split.X_test, settings, n_threads=1)
            chosen = fitted["records"][fitted["chosen"]]
            rows.append(
                {
                    "dataset": name,
                    "width": width,
                    "accuracy": float(np.mean(fitted["y_pred"] == split.y_test)),
                    "val_accuracy": chosen["val_accuracy"],
                    "lr": settings[fitted["chosen"]]["lr"],
                    "sigma_w": settings[fitted["chosen"]]["sigma_w"],
                    "best_epoch": chosen["best_epoch"],
                    "cpu_seconds": round(time.process_time() - cpu, 1),
                    "wall_seconds": round(time.perf_counter() - wall, 1),
                }
            )
            print(rows[-1], flush=True)
            pd.DataFrame(rows).to_csv(csv, index=False, lineterminator="\n")
    frame = pd.DataFrame(rows)
    rntk = pd.read_csv(args.rntk, index_col=0) if Path(args.rntk).exists() else None
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for i, (name, group) in enumerate(frame.groupby("dataset", sort=True)):
        group = group.sort_values("width")
        colour = f"C{i}"
        ax.plot(group["width"], group["accuracy"], "o-", color=colour, label=f"{name}: RNN")
        if rntk is not None and name in rntk.index and "rntk" in rntk.columns:
            ax.axhline(rntk.loc[name, "rntk"], color=colour, ls="--", lw=1)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("RNN width (hidden units)")
    ax.set_ylabel("test accuracy")
    ax.set_title("Trained RNN vs width; dashed: RNTK (paper protocol)")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(out / "width_sweep.png", dpi=120, metadata={"Software": None})
    print(f"wrote {csv} and {out / 'width_sweep.png'}")


if __name__ == "__main__":
    main()
