# lgsco-report: the two quick-start commands are `make letters` and `make test`.
PYTHON ?= python3
YEAR ?= 2020

# Inside an activated conda environment made from environment.yml (not "base"),
# use that environment; otherwise build a private virtualenv in .venv.
ifneq ($(and $(CONDA_PREFIX),$(filter-out base,$(CONDA_DEFAULT_ENV))),)
ENV_DIR := $(CONDA_PREFIX)
BIN := $(CONDA_PREFIX)/bin
MAKE_ENV := @true
# conda-forge's weasyprint brings Pango into the environment: check Python only.
CHECK_SYSTEM := $(BIN)/python .ci/check_system.py --python-only
else
ENV_DIR := .venv
BIN := $(ENV_DIR)/bin
MAKE_ENV := $(PYTHON) -m venv $(ENV_DIR)
CHECK_SYSTEM := $(PYTHON) .ci/check_system.py
endif
STAMP := $(ENV_DIR)/.lgsco-report-installed

.PHONY: help setup check-system letters sample-data test test-fast bench lab clean site

help:
	@echo "make letters  set up, make the sample data, write every council's $(YEAR) letter under outputs/"
	@echo "make test     run the test suite"
	@echo "make test-fast  the suite without the slow tests (batches, notebooks): under 90 s"
	@echo "make bench    speed and memory benchmarks"
	@echo "make lab      open JupyterLab on notebooks/"

# Python 3.11+ and WeasyPrint's system library (Pango) are all the machine must
# have; check them first so a missing one is one clear line, not a traceback.
check-system:
	@$(CHECK_SYSTEM)

# The environment is rebuilt only when the package's dependencies change.
$(STAMP): pyproject.toml
	@$(CHECK_SYSTEM)
	$(MAKE_ENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (lgsco-report)" >/dev/null
	@touch $(STAMP)

setup: $(STAMP)

sample-data: $(STAMP)
	$(BIN)/lgsco-report sample-data

letters: sample-data
	$(BIN)/lgsco-report letters --year $(YEAR)

site: sample-data
	$(BIN)/lgsco-report site

# --durations=25: the slowest tests are named on every run (and kept in CI's log).
test: $(STAMP)
	@if command -v npm >/dev/null 2>&1; then cd tests/axe && npm ci --no-audit --no-fund --silent; fi
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2 --durations=25
	@$(BIN)/python tests/browser.py

# Leaves out the tests marked slow (real batches, executed notebooks, a process per case).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2 -m "not slow" --durations=25

bench: sample-data
	$(BIN)/python bench/run_all.py --full

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks

clean:
	rm -rf .venv data/sample outputs/*/
