"""Where the pruned selection spends its time: cells that end complete or pruned.

    python benchmarks/profile_pruning.py --archive PATH \\
        [--datasets SyntheticControl,Worms,InsectWingbeatSound,Computers,Fish] [--blocks 2]

For each data set, ``--blocks`` blocks of 50 paper-grid RNTK settings (drawn with a
fixed seed) are computed and selected with pruning, one after another with the floor a
run would hand them (the best complete mean of the earlier blocks). Every LIBSVM fold
call is timed and its CPU time shared out over the (setting, C) cells it scored. It
prints the share of selection time spent on cells that end complete (they had to be
scored whatever the bound), on cells that were pruned after some folds, on the first
fold (scored for every cell before any bound exists), and the time per C value.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _machine import machine  # benchmarks/_machine.py (scripts run from this folder)

from rntk_bench.data import fetch_dataset
from rntk_bench.evaluation.preprocessing import normalise_gram
from rntk_bench.evaluation.protocol import Protocol
from rntk_bench.evaluation.splits import cv_folds, make_split
from rntk_bench.methods import FAMILIES, family_aliases, load_grid
from rntk_bench.svm import cv as svm

_BLOCK = 50  # settings per task, as in a run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", help="local copy of the UCR archive")
    parser.add_argument(
        "--datasets", default="SyntheticControl,Worms,InsectWingbeatSound,Computers,Fish"
    )
    parser.add_argument("--blocks", type=int, default=2, help="RNTK blocks per data set")
    args = parser.parse_args()

    calls: list[tuple[int, np.ndarray, float, int]] = []
    score_fold = svm._score_fold

    def timed(gram, fold, *args):  # type: ignore[no-untyped-def]
        started = time.process_time()
        result = score_fold(gram, fold, *args)
        wanted = args[2]
        calls.append((id(gram), wanted.copy(), time.process_time() - started, fold.index))
        return result

    svm._score_fold = timed  # cv_scores_block looks it up at call time
    protocol = Protocol()
    family = FAMILIES["rnn"]
    settings = family.settings(load_grid("paper", families=family_aliases())["rnn"])
    rng = np.random.default_rng(1)
    complete_s = pruned_s = first_fold_s = 0.0
    by_c = np.zeros(len(protocol.c_grid))
    print(machine())
    for name in args.datasets.split(","):
        split = make_split(fetch_dataset(name, archive=args.archive, sources=[]), 0, protocol)
        folds = cv_folds(split.y_train, protocol.folds, protocol.seed)
        n_blocks = -(-len(settings) // _BLOCK)
        floor = -np.inf
        for block in sorted(rng.choice(n_blocks, args.blocks, replace=False)):
            chosen = settings[block * _BLOCK : (block + 1) * _BLOCK]
            raw = family.compute(
                split.X_train, None, chosen, fit_X=split.X_train, length=split.length, n_threads=1
            )
            grams = [
                normalise_gram(g["rntk"], protocol.normalisation, np.diag(g["rntk"]).copy())
                for g in raw
            ]
            calls.clear()
            scores = svm.cv_scores_block(grams, split.y_train, folds, protocol.c_grid, floor=floor)
            index = {id(g): i for i, g in enumerate(grams)}
            for gram_id, wanted, seconds, fold_index in calls:
                complete = ~np.isnan(scores[index[gram_id]].mean)
                share = seconds / wanted.sum()
                first_fold_s += seconds if fold_index == 0 else 0.0
                for c in np.flatnonzero(wanted):
                    by_c[c] += share
                    if complete[c]:
                        complete_s += share
                    else:
                        pruned_s += share
            means = [s.mean for s in scores if not np.isnan(s.mean).all()]
            if means:
                floor = max(floor, max(float(np.nanmax(m)) for m in means))
            print(f"{name} block {block}: {complete_s + pruned_s:.1f} s so far", flush=True)
    total = complete_s + pruned_s
    print(f"selection CPU {total:.1f} s over {len(args.datasets.split(','))} data sets")
    print(f"  on cells that end complete: {complete_s / total:.0%}")
    print(f"  on cells pruned after some folds: {pruned_s / total:.0%}")
    print(f"  on the first fold (every cell): {first_fold_s / total:.0%}")
    print(
        "  per C value (s): "
        + ", ".join(f"C={c:g} {t:.1f}" for c, t in zip(protocol.c_grid, by_c, strict=True))
    )


if __name__ == "__main__":
    main()
