#!/usr/bin/env bash
# identity_check.sh: rerun the baseline runs with the CURRENT code and compare every
# result file with the baseline's (tools/compare_runs.py: all fields but timing and
# environment, floats bit for bit).
#
#   bash tools/identity_check.sh BASE_RESULTS_DIR NEW_RESULTS_DIR [ARCHIVE]
#
# BASE_RESULTS_DIR holds the baseline runs ci/ and paper10/ (and bundled/ if it was
# made), produced with the old code (commit f90aa9a) by exactly the commands below:
#
#   git -C /work/main worktree add /tmp/base f90aa9a
#   cd /tmp/base && export RNTK_BENCH_DATA=/tmp/rb-data PYTHONPATH=/tmp/base
#   nice -n 10 /work/main/.venv/bin/python -m rntk_bench.cli run <run options below> \
#       --results-dir /tmp/base-results -q
#
# NEW_RESULTS_DIR receives the same runs made with the code of this checkout; each run
# folder must not exist yet (a rerun into an existing folder would skip finished
# results and compare old files). ARCHIVE is the local UCR mirror [default: the
# repository's ../shared/ucr]. The data home is RNTK_BENCH_DATA if set, else a fresh
# NEW_RESULTS_DIR/data-home: the data are imported again (bundled sktime data, the
# mirror), and their checksums are part of every result's identity, hence of its path.
# PYTHON overrides the interpreter [default: the repository's .venv/bin/python].
#
# Exit status 0 when every run finished and every comparison found the files identical.
# Two cores: the runs are niced and one runs at a time. Baseline wall times (2 shared
# cores): ci about 1 min, paper10 see the report of the baseline run.
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
export RNTK_BENCH_DATA=${RNTK_BENCH_DATA:-$NEW/data-home}
# The current checkout's package, whatever is installed in the interpreter.
export PYTHONPATH="$REPO${PYTHONPATH:+:$PYTHONPATH}"

# b. the paper protocol on the 10 cheapest ucr56 data sets present in the mirror:
# ucr56 sorted by n_train^2 x length (datasets.yaml; ties by name), Symbols and Yoga
# absent from the mirror. BME ties with CBF, DodgerLoopGame, DodgerLoopWeekend (115200).
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

# name, then the run options (exactly as in the baseline)
RUN_ci=(--suite ci --grid quick --name ci --n-jobs 2)
RUN_paper10=("${PAPER10[@]}" --kernels "$SEVEN" --grid paper --name paper10 --n-jobs 2
    --archive "$ARCHIVE")
RUN_bundled=(--suite bundled --grid quick --name bundled --n-jobs 2
    --kernels "$SEVEN,gak")

echo "current code: $("$PY" -c 'import rntk_bench; print(rntk_bench.__file__)')"
echo "git HEAD: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null) (working tree as it is)"
echo "baseline: $BASE   new: $NEW   archive: $ARCHIVE   data home: $RNTK_BENCH_DATA"
mkdir -p "$NEW/logs"

failed=0
for name in ci paper10 bundled; do
    if [ ! -d "$BASE/$name/runs" ]; then
        echo "== $name: no baseline ($BASE/$name/runs), skipped"
        continue
    fi
    if [ -e "$NEW/$name" ]; then
        echo "== $name: $NEW/$name exists already; use a fresh NEW_RESULTS_DIR" >&2
        failed=1
        continue
    fi
    declare -n options="RUN_$name"
    echo "== $name: rntk-bench run ${options[*]} --results-dir $NEW -q"
    start=$SECONDS
    (cd "$REPO" && nice -n 10 "$PY" -m rntk_bench.cli run "${options[@]}" \
        --results-dir "$NEW" -q) >"$NEW/logs/$name.log" 2>&1
    status=$?
    unset -n options
    echo "   exit $status after $((SECONDS - start)) s (log: $NEW/logs/$name.log)"
    if [ "$status" -ne 0 ]; then
        tail -n 20 "$NEW/logs/$name.log"
        failed=1
    fi
    echo "== $name: compare_runs $BASE/$name $NEW/$name"
    "$PY" "$REPO/tools/compare_runs.py" "$BASE/$name" "$NEW/$name" | tee "$NEW/logs/$name.compare"
    [ "${PIPESTATUS[0]}" -eq 0 ] || failed=1
done

if [ "$failed" -eq 0 ]; then
    echo "IDENTICAL: every result file equals the baseline's (timing and environment aside)"
else
    echo "NOT IDENTICAL (or a run failed): see above and $NEW/logs" >&2
fi
exit "$failed"
