# `make demo` and `make test` work from nothing but Python 3.11 and pip.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test install browser train bench clean

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

test: $(STAMP) browser
	$(BIN)/python -m pytest -q -p no:cacheprovider tests

train: $(STAMP)
	$(BIN)/analyze train

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) *.egg-info demo.db demo.db-*
