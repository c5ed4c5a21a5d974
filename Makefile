# The same commands run on a laptop and in CI (.ci/run calls `make test`).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: run init dev test lint typecheck pytest fmt serve fake-instantly db-upgrade bench clean

## Install and start the app on the embedded default (SQLite, mock Instantly when no key).
run: $(BIN)/ravensearch
	$(BIN)/ravensearch serve

$(BIN)/ravensearch: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

init: $(BIN)/.dev-installed

$(BIN)/.dev-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

## Install what the tests need, then lint, type-check and run the whole suite.
test: init lint typecheck pytest

lint: init
	$(BIN)/ruff format --check ravensearch tests benchmarks
	$(BIN)/ruff check ravensearch tests benchmarks
	$(BIN)/lint-imports

typecheck: init
	$(BIN)/mypy ravensearch

pytest: init
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

fmt: init
	$(BIN)/ruff format ravensearch tests benchmarks
	$(BIN)/ruff check --fix ravensearch tests benchmarks

serve: run

fake-instantly: init
	$(BIN)/ravensearch fake-instantly --port 8765

db-upgrade: init
	$(BIN)/ravensearch db upgrade

bench: init
	$(BIN)/python benchmarks/dispatch.py
	$(BIN)/python benchmarks/webhooks.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
