# trowel: make demo · make test · make bench · make fixtures · make fuzz
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
SYSDEP := $(VENV)/.system-deps-stamp
BENCHDEP := $(VENV)/.bench-stamp

.PHONY: demo test bench bench-quick fixtures lint clean fuzz

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

$(BENCHDEP): $(STAMP)
	$(PY) -m pip install -q -e '.[test,bench]'
	touch $(BENCHDEP)

$(SYSDEP): scripts/system-deps.sh
	bash scripts/system-deps.sh
	@mkdir -p $(VENV) && touch $(SYSDEP)

fixtures: $(STAMP) $(SYSDEP)
	$(PY) scripts/build_fixtures.py

demo: $(STAMP) $(SYSDEP)
	$(PY) scripts/demo.py

test: $(STAMP) $(SYSDEP)
	$(PY) -m ruff check src tests scripts bench fixtures-src
	$(PY) -m mypy
	$(PY) -m pytest -q -p no:cacheprovider

# the long mutation campaign (make test runs a short one): FUZZ_RUNS mutated inputs per reader
FUZZ_RUNS ?= 150
fuzz: $(STAMP) $(SYSDEP)
	$(PY) -m tests.fuzz.campaign --runs $(FUZZ_RUNS) --keep test-artifacts/fuzz

bench: $(BENCHDEP) $(SYSDEP)
	$(PY) bench/run_all.py

bench-quick: $(BENCHDEP) $(SYSDEP)
	$(PY) bench/run_all.py --quick

lint: $(STAMP)
	$(PY) -m ruff check src tests scripts bench fixtures-src
	$(PY) -m mypy

clean:
	rm -rf build test-artifacts
