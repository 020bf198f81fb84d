# The front door. `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# Generate and link 20,000 demo records, then serve them (with the trained model)
# on 127.0.0.1:50051 until Ctrl-C. The service starts from a fresh store each time.
demo: $(STAMP)
	$(VENV)/bin/linkage demo --records 20000 --out out/demo
	rm -rf out/service
	$(VENV)/bin/linkage serve --config config/server.toml

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test: $(STAMP) lint
	$(VENV)/bin/pytest -q

# The benchmark suite: pytest-benchmark stage timings (benchmarks/test_bench_*.py), then
# this project vs Splink vs the Python Record Linkage Toolkit on FEBRL4, FEBRL3 and the
# generator at BENCH_SIZES, written to BENCHMARKS.md. Add 1M with
# `make bench BENCH_SIZES="10000 100000 1000000"` (minutes per tool).
BENCH_SIZES ?= 10000 100000
bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	mkdir -p data/bench/peers
	$(VENV)/bin/pytest benchmarks -q --benchmark-json data/bench/peers/stages.json
	$(PY) benchmarks/peers.py --sizes $(BENCH_SIZES) --stages-json data/bench/peers/stages.json --out BENCHMARKS.md

clean:
	rm -rf $(VENV) out
