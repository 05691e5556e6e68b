# Balise: the two set-up commands are `make demo` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
BALISE := $(VENV)/bin/balise
SHARED ?= $(firstword $(wildcard ../shared /work/shared))
PYTEST := BALISE_SHARED_DIR=$(SHARED) $(VENV)/bin/pytest -n 2 -p no:cacheprovider

.PHONY: install demo test test-sqlite test-postgresql lint bench bench-demo bench-planner \
	bench-hhc bench-evidence bench-indicators bench-journal bench-sync-faults bench-sync-load \
	bench-faults bench-planner-scale bench-week-plan fuzz

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
bench: bench-demo bench-evidence bench-indicators bench-week-plan bench-journal bench-faults \
	bench-sync-load bench-planner bench-planner-scale

bench-demo: install
	$(PY) bench/demo_generation.py

bench-planner: install
	$(PY) bench/planner_solomon.py --time-limit 30

bench-planner-scale: install
	$(PY) bench/planner_scale.py

bench-hhc: install
	$(PY) bench/hhc.py --time-limit 60

bench-evidence: install
	$(PY) bench/grid_evidence.py

bench-indicators: install
	$(PY) bench/indicators.py

bench-week-plan: install
	$(PY) bench/week_plan_page.py

# schemathesis against the OpenAPI, every role, both engines: 0 server errors expected.
fuzz: install
	$(PY) bench/fuzz.py --max-examples $(or $(MAX_EXAMPLES),5)

bench-journal: install
	$(PY) bench/journal_verify.py

# 200 devices x 50 records under SIGKILLs, PostgreSQL crashes, exits after COMMIT and a
# lossy proxy, on both engines; exits 1 if any record is lost, duplicated or invented.
bench-faults: install
	$(PY) bench/faults.py

bench-sync-faults: bench-faults

bench-sync-load: install
	$(PY) bench/sync_load.py
