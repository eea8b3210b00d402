# lgsco-report: the two quick-start commands are `make letters` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
YEAR ?= 2020
STAMP := $(VENV)/.installed

.PHONY: help setup letters sample-data test bench lab clean

help:
	@echo "make letters  set up, make the sample data, write every council's $(YEAR) letter under outputs/"
	@echo "make test     run the test suite"
	@echo "make bench    speed and memory benchmarks"
	@echo "make lab      open JupyterLab on notebooks/"

# The venv is rebuilt only when the package's dependencies change.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (lgsco-report)" >/dev/null
	@touch $(STAMP)

setup: $(STAMP)

sample-data: $(STAMP)
	$(BIN)/lgsco-report sample-data

letters: sample-data
	$(BIN)/lgsco-report letters --year $(YEAR)

test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2

bench: sample-data
	$(BIN)/python bench/run_all.py --full

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks

clean:
	rm -rf $(VENV) data/sample outputs/*/
