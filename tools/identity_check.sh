#!/usr/bin/env bash
# identity_check.sh: rerun the baseline runs with the CURRENT code and compare every
# result file with the baseline's (tools/compare_runs.py: all fields but timing and
# environment, floats bit for bit).
#
#   bash tools/identity_check.sh BASE_RESULTS_DIR NEW_RESULTS_DIR [ARCHIVE]
#
# BASE_RESULTS_DIR holds the baseline runs ci/ and paper10/ (and paper10full/,
# bundled/ where they were made) of the old code, commit f90aa9a, made by the commands
# below, with OLD a scratch folder outside the checkout:
#
#   git worktree add OLD/src f90aa9a
#   cd OLD/src
#   export RNTK_BENCH_DATA=OLD/data     # empty before the ci run
#   export PYTHONPATH=OLD/src           # the old package, with this checkout's .venv
#   nice -n 10 CHECKOUT/.venv/bin/python -m rntk_bench.cli run <RUN_name options below> \
#       --results-dir OLD/results -q
#
# NEW_RESULTS_DIR receives the same runs made with the code of this checkout; it must
# not hold them yet (a rerun into an existing run folder would skip finished results
# and compare old files). ARCHIVE is the local UCR mirror [default: the repository's
# ../shared/ucr]; it must be the path the baseline read: a result's dataset.source
# records it ("archive <ARCHIVE>/UCRArchive_2018/BME").
# The data home is a fresh NEW_RESULTS_DIR/data-home, as the baseline's was:
# dataset.source says where each data set was read from (sktime, archive, cache), so
# the runs go in the baseline's order, ci first (ItalyPowerDemand is read from sktime
# there, from the cache in paper10). Data checksums are part of every result's
# identity, hence of the file names that are paired.
# PYTHON overrides the interpreter [default: the repository's .venv/bin/python].
#
# paper10 is compared with --tolerate-pruning: without --full-cv the run leaves CV
# cells that can no longer be selected NaN, and which ones depends on the order in
# which the parallel blocks of settings finish (two runs of f90aa9a itself differ
# there, on rntk and rnngp: 18 blocks of 50 settings each); every cell scored on both
# sides, the selections and the predictions are still compared exactly. paper10full
# (the same with --full-cv: every cell scored, deterministic) is compared exactly.
# ci (the quick grid: one block per kernel) is compared exactly.
#
# Exit status 0 when every run finished and every comparison found the files identical.
# The runs are niced and made one at a time. Baseline wall times on 2 shared, busy
# cores: ci about 1-2 min, paper10 about 2-3 min (on a quiet machine 20-30 s each). bundled (8 kernels with gak) was not made: estimated at over 25 min.
set -u -o pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: bash tools/identity_check.sh BASE_RESULTS_DIR NEW_RESULTS_DIR [ARCHIVE]" >&2
    exit 2
fi

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BASE=$(realpath -m "$1")
NEW=$(realpath -m "$2")
ARCHIVE=$(realpath -m "${3:-$REPO/../shared/ucr}")
PY=${PYTHON:-$REPO/.venv/bin/python}
if ! command -v "$PY" >/dev/null; then
    echo "no interpreter $PY: set PYTHON to the environment's python" >&2
    exit 2
fi
export RNTK_BENCH_DATA=$NEW/data-home
# The current checkout's package, whatever is installed in the interpreter.
export PYTHONPATH="$REPO${PYTHONPATH:+:$PYTHONPATH}"

# b. the paper protocol on the 10 cheapest ucr56 data sets present in the mirror:
# ucr56 sorted by n_train^2 x length (datasets.yaml; ties by name), Symbols and Yoga
# being absent from the mirror. BME ties with CBF, DodgerLoopGame, DodgerLoopWeekend
# (115200); the name decides.
PAPER10=(
    Chinatown              # n_train 20, length 24
    SonyAIBORobotSurface1  # 20, 70
    MoteStrain             # 20, 84
    TwoLeadECG             # 23, 82
    SonyAIBORobotSurface2  # 27, 65
    Fungi                  # 18, 201
    ECGFiveDays            # 23, 136
    DiatomSizeReduction    # 16, 345
    ItalyPowerDemand       # 67, 24 (bundled with sktime: read from there)
    BME                    # 30, 128
)
SEVEN=rntk,rnngp,ntk,nngp,rbf,polynomial,linear

# The run options of each run, exactly as in the baseline, and compare_runs's options.
RUN_ci=(--suite ci --grid quick --name ci --n-jobs 2)
CMP_ci=()
RUN_paper10=("${PAPER10[@]}" --kernels "$SEVEN" --grid paper --name paper10 --n-jobs 2
    --archive "$ARCHIVE")
CMP_paper10=(--tolerate-pruning)
RUN_paper10full=("${PAPER10[@]}" --kernels "$SEVEN" --grid paper --name paper10full --n-jobs 2
    --archive "$ARCHIVE" --full-cv)
CMP_paper10full=()
RUN_bundled=(--suite bundled --grid quick --name bundled --n-jobs 2 --kernels "$SEVEN,gak")
CMP_bundled=()

if [ -e "$RNTK_BENCH_DATA" ]; then
    echo "$RNTK_BENCH_DATA exists already: use a fresh NEW_RESULTS_DIR" >&2
    exit 2
fi
BASE_ARCHIVE=$(grep -rhoE '"source": "archive [^"]*' "$BASE" 2>/dev/null | head -1 \
    | sed -E 's/.*"source": "archive (.*)\/UCRArchive_2018\/.*/\1/')
if [ -n "$BASE_ARCHIVE" ] && [ "$ARCHIVE" != "$BASE_ARCHIVE" ]; then
    echo "warning: the baseline read the mirror at $BASE_ARCHIVE, this run $ARCHIVE:" \
        "dataset.source of the archive data sets will differ" >&2
fi
echo "current code: $("$PY" -c 'import rntk_bench; print(rntk_bench.__file__)')"
echo "git HEAD: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null) (working tree as it is)"
echo "baseline: $BASE   new: $NEW   archive: $ARCHIVE   data home: $RNTK_BENCH_DATA"
mkdir -p "$NEW/logs"

failed=0
for name in ci paper10 paper10full bundled; do
    if [ ! -d "$BASE/$name/runs" ]; then
        echo "== $name: no baseline ($BASE/$name/runs), skipped"
        continue
    fi
    if [ -e "$NEW/$name" ]; then
        echo "== $name: $NEW/$name exists already; use a fresh NEW_RESULTS_DIR" >&2
        failed=1
        continue
    fi
    declare -n options="RUN_$name" compare="CMP_$name"
    echo "== $name: rntk-bench run ${options[*]} --results-dir $NEW -q"
    start=$SECONDS
    (cd "$REPO" && nice -n 10 "$PY" -m rntk_bench.cli run "${options[@]}" \
        --results-dir "$NEW" -q) >"$NEW/logs/$name.log" 2>&1
    status=$?
    echo "   exit $status after $((SECONDS - start)) s (log: $NEW/logs/$name.log)"
    if [ "$status" -ne 0 ]; then
        tail -n 20 "$NEW/logs/$name.log"
        failed=1
    fi
    echo "== $name: compare_runs ${compare[*]} $BASE/$name $NEW/$name"
    "$PY" "$REPO/tools/compare_runs.py" "${compare[@]}" "$BASE/$name" "$NEW/$name" \
        | tee "$NEW/logs/$name.compare"
    [ "${PIPESTATUS[0]}" -eq 0 ] || failed=1
    unset -n options compare
done

if [ "$failed" -eq 0 ]; then
    echo "IDENTICAL: every result file equals the baseline's (timing and environment aside)"
else
    echo "NOT IDENTICAL (or a run failed): see above and $NEW/logs" >&2
fi
exit "$failed"
