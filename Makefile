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

bench: $(STAMP)
	$(VENV)/bin/pytest benchmarks -q

clean:
	rm -rf $(VENV) out
