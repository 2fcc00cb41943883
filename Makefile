# One command to run the service, one to test it. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
# Parallel test workers (pytest-xdist); `make test WORKERS=0` runs in one process.
WORKERS ?= auto

export FLASK_APP := wsgi:app

.PHONY: venv run test test-slow test-all lint format migrate upgrade clean

venv: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

## Start the API on SQLite at http://$(HOST):$(PORT) (docs at /docs).
run: venv
	APP_ENV=development $(BIN)/flask db upgrade
	APP_ENV=development $(BIN)/flask run --host $(HOST) --port $(PORT)

## The whole fast suite (TEST_DATABASE_URL picks the database; SQLite by default).
test: venv
	$(BIN)/pytest -n $(WORKERS) -m "not slow"

## Long-running suites: end-to-end servers, large randomised runs.
test-slow: venv
	$(BIN)/pytest -n $(WORKERS) -m slow; status=$$?; [ $$status -eq 5 ] || exit $$status

test-all: venv
	$(BIN)/pytest -n $(WORKERS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Create a migration from model changes: make migrate m="what changed"
migrate: venv
	APP_ENV=development $(BIN)/flask db migrate -m "$(m)"

upgrade: venv
	APP_ENV=development $(BIN)/flask db upgrade

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build dist *.egg-info
