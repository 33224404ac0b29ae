# rntk-bench: reproducibility targets. `make run` and `make test` do all the set-up.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
RB     := $(BIN)/rntk-bench
JOBS   ?= 2
# Where `make reproduce` reads a local copy of the UCR archive; leave empty to download.
# Set it from the environment or the command line: `make reproduce ARCHIVE=~/ucr-archive`.
ARCHIVE ?=

.PHONY: help install install-torch test test-all test-ecosystem check run ci reproduce ablation bench \
	clean lengths-synthetic lengths-varlen lengths-truncated lengths

## help: list the targets and what they do (the default target: plain `make`)
help:
	@awk '/^## [A-Za-z0-9_-]+:/ { sub(/^## /, ""); n = index($$0, ":"); \
	  printf "  %-18s %s\n", substr($$0, 1, n - 1), substr($$0, n + 2); next } \
	  /^## / { sub(/^## /, ""); printf "  %-18s %s\n", "", $$0 }' $(firstword $(MAKEFILE_LIST))

## install: the virtual environment .venv with rntk-bench and its dev extra
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@

## install-torch: the optional torch backend, CPU build (torch 2.13.0+cpu, which the
## wheel cache of our machines holds); without it the torch tests skip. The +cpu pin
## never falls back to a multi-GB CUDA download from PyPI.
install-torch: install
	$(BIN)/python -m pip install -q "torch==2.13.0+cpu" \
	  || echo "torch 2.13.0+cpu is not available here: the torch tests will skip"

## test: the default test suite (no network, no GPU, no slow tests)
test: install
	$(BIN)/python -m pytest -q

## test-all: also the slow Monte-Carlo and full-suite tests
test-all: install
	$(BIN)/python -m pytest -q -m "not network and not gpu"

## test-ecosystem: tsml-eval export, library resamples and the aeon/sktime wrappers, in a
## separate environment (.venv-ecosystem): the ecosystem extra pins older numpy, pandas,
## scikit-learn, scipy and numba (see docs/python.md), so it stays out of .venv; also the
## compiled SVM solver against that older scikit-learn's LIBSVM (bit for bit)
ECO := .venv-ecosystem
test-ecosystem:
	test -x $(ECO)/bin/python || $(PYTHON) -m venv $(ECO)
	$(ECO)/bin/python -m pip install -q -e ".[dev,ecosystem]"
	$(ECO)/bin/python -m pytest -q tests/ecosystem tests/estimators tests/svm/test_csvc.py

## check: lint, types and the import layering
check: install
	$(BIN)/ruff check rntk_bench tests benchmarks experiments tools
	$(BIN)/ruff format --check rntk_bench tests benchmarks experiments tools
	$(BIN)/mypy
	$(BIN)/lint-imports

## run: the main job on data that needs no network (the data sets bundled with sktime)
## The seven kernels of the committed report; the global alignment kernel (gak) is left
## out here: on ACSF1 (length 1460) and PLAID it takes longer than all others together.
run: install
	$(RB) run --suite bundled --grid quick --name bundled --n-jobs $(JOBS) \
	  --kernels rntk,rnngp,ntk,nngp,rbf,polynomial,linear
	$(RB) report results/bundled

## ci: the CI accuracy regression on the `ci` suite
ci: install
	$(RB) run --suite ci --grid quick --name ci --n-jobs $(JOBS)
	$(RB) check results/ci --reference results/reference/ci.csv --tolerance 0.03

## reproduce: the paper protocol on the whole ucr56 suite (~19 min on 2 cores without AVX-512)
# The seven kernels of the committed ucr56 report; GAK (O(T^2) per pair) is measured on the
# length experiments instead, where it is the competitor that matters.
UCR56_KERNELS ?= rntk,rnngp,ntk,nngp,rbf,polynomial,linear
reproduce: install
	-$(RB) download --suite ucr56 $(if $(ARCHIVE),--archive $(ARCHIVE))
	$(RB) run --suite ucr56 --grid paper --name ucr56 --n-jobs $(JOBS) --skip-unavailable \
	  --kernels $(UCR56_KERNELS)
	$(RB) report results/ucr56
	$(RB) report results/ucr56 --with-published --out results/ucr56/report-with-published \
	  $(if $(ARCHIVE),--published $(ARCHIVE)/published)

## lengths: the three experiments of "Where does the RNTK pay off?"
## (docs/experiments/lengths.md); quick grid
LENGTH_POLICIES := resample,pad-start,pad-end,truncate
# The policy variants a report shows (a CD diagram takes at most 16 methods).
SHOWN := rbf+pad-start,rbf+pad-end,rbf+truncate,ntk+pad-start,ntk+pad-end,ntk+truncate
# GAK costs O(T T') per pair: on the varlen suite its quick grid visits 2e11 alignment
# cells (PLAID 1.4e11); lengths-varlen took 16 min on 2 quiet cores (docs/experiments/lengths.md).

lengths: lengths-synthetic lengths-varlen lengths-truncated

## lengths-synthetic: the seeded synthetic suite, every kernel under every length policy
lengths-synthetic: install
	$(RB) run --suite synthetic --kernels all --grid quick --length-policy $(LENGTH_POLICIES) \
	  --name synthetic --n-jobs $(JOBS)
	$(RB) report results/synthetic --methods rntk,rnngp,gak,ntk,nngp,rbf,polynomial,linear,$(SHOWN)
	$(BIN)/python experiments/length_figures.py results/synthetic --kind synthetic

## lengths-varlen: the variable-length archive sets (GAK included: about 16 min on 2 cores)
lengths-varlen: install
	-$(RB) download --suite varlen $(if $(ARCHIVE),--archive $(ARCHIVE))
	$(RB) run --suite varlen --kernels all --grid quick --length-policy $(LENGTH_POLICIES) \
	  --name varlen --n-jobs $(JOBS) --skip-unavailable
	$(RB) report results/varlen --methods rntk,rnngp,gak,ntk,nngp,rbf,polynomial,linear,$(SHOWN)

## lengths-truncated: ucr56 with test series cut to 75% and 50%, end or start kept
lengths-truncated: install
	-$(RB) download --suite ucr56 $(if $(ARCHIVE),--archive $(ARCHIVE))
	$(RB) run --suite ucr56 --kernels rntk,rnngp,ntk,nngp,rbf,polynomial,linear --grid quick \
	  --length-policy resample,pad-start --truncate-test 1,0.75,0.5 --truncate-side end,start \
	  --name truncated --n-jobs $(JOBS) --skip-unavailable --gram-cache results/truncated/grams
	$(RB) report results/truncated
	$(BIN)/python experiments/length_figures.py results/truncated --kind truncated

## ablation: the RNTK ablation on ucr56 (depth, activation, preprocessing, h0, Gram
## normalisation, best-of, wider C grid), every RNTK variant with the paper's 900
## settings (about 10-25 min per variant on 2 free cores) -> results/ablation-paper/.
## ABLATION_GRID=quick: the reduced version committed in results/ablation/ (18 settings;
## the committed best-of was assembled from the variant runs: add ABLATION_ARGS=--assemble).
ABLATION_GRID ?= paper
ablation: install
	$(BIN)/python experiments/ablation.py --grid $(ABLATION_GRID) --n-jobs $(JOBS) $(ABLATION_ARGS) \
	  $(if $(ARCHIVE),--archive $(ARCHIVE))

## bench: kernel and protocol benchmarks (print their figures)
bench: install
	$(BIN)/python benchmarks/bench_kernels.py
	$(BIN)/python benchmarks/bench_run.py $(if $(ARCHIVE),--archive $(ARCHIVE)) --n-jobs $(JOBS)

## clean: remove .venv, build outputs and caches
clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
