# `make demo` and `make test` work from nothing but Python 3.11 and pip.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test install browser lint readme train bench case-study clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first, pinned: its CPU build; nothing installed after it may pull another one.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --upgrade pip
	$(BIN)/pip install torch==2.13.0
	$(BIN)/pip install -e '.[test,scale]'
	touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/analyze demo --db demo.db

# Debian's chromium for the browser tests; skipped (tests skip too) where apt is not usable.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium not installed and apt-get not usable: browser tests will be skipped"; fi; }

# The lint gate: ruff (lint and format) and mypy on the package; `make test` runs it first.
lint: $(STAMP)
	$(BIN)/ruff check analyzer tests benchmarks scripts setup.py
	$(BIN)/ruff format --check analyzer tests benchmarks scripts setup.py
	$(BIN)/mypy

test: $(STAMP) browser lint
	$(BIN)/python -m pytest -q -p no:cacheprovider tests

# README's CLI reference, regenerated from the commands' --help.
readme: $(STAMP)
	$(BIN)/python tests/browse/cli_reference.py

train: $(STAMP)
	$(BIN)/pip install -e '.[teacher]'
	$(BIN)/analyze train

# The real-history case study: docs/case-study.md and docs/case-study/*.png (work files in build/).
case-study: $(STAMP)
	$(BIN)/python scripts/case_study.py

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) *.egg-info demo.db demo.db-*
