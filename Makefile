# Balise: the two set-up commands are `make demo` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
BALISE := $(VENV)/bin/balise
SHARED ?= $(firstword $(wildcard ../shared /work/shared))
PYTEST := BALISE_SHARED_DIR=$(SHARED) $(VENV)/bin/pytest -n 2 -p no:cacheprovider

.PHONY: install demo test test-sqlite test-postgresql lint bench bench-demo bench-planner \
	bench-hhc bench-evidence bench-indicators bench-journal bench-sync-faults bench-sync-load

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	if [ -n "$(SHARED)" ] && [ -d "$(SHARED)/tools/uhhc-toolbox" ]; then \
	  $(PY) -m pip install -q "$(SHARED)/tools/uhhc-toolbox"; fi
	touch $@

install: $(VENV)/.installed

demo: install
	$(BALISE) init
	$(BALISE) demo-data --if-empty
	$(BALISE) serve --host 127.0.0.1 --port 8000

test: install lint
	$(PYTEST) --db=sqlite
	$(PYTEST) --db=postgresql

test-sqlite: install
	$(PYTEST) --db=sqlite

test-postgresql: install
	$(PYTEST) --db=postgresql

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Benchmarks print a table and write bench/results/*.json; none of them is a test.
bench: bench-demo bench-evidence bench-indicators bench-journal bench-sync-faults bench-planner

bench-demo: install
	$(PY) bench/demo_generation.py

bench-planner: install
	$(PY) bench/planner_solomon.py --time-limit 30

bench-hhc: install
	$(PY) bench/hhc.py --time-limit 60

bench-evidence: install
	$(PY) bench/grid_evidence.py

bench-indicators: install
	$(PY) bench/indicators.py

bench-journal: install
	$(PY) bench/journal_verify.py

bench-sync-faults: install
	$(PY) bench/sync_faults.py

bench-sync-load: install
	$(PY) bench/sync_load.py
