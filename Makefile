# One command to run the service, one to test it. Everything installs into .venv.
# The newest Python 3.12+ found (threaded workers need it), else python3: scripts/find-python.
# Another virtualenv beside it, on another Python (CI tests the oldest supported one too):
#   make test VENV=.venv-3.11 PYTHON=python3.11
PYTHON ?= $(shell scripts/find-python)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
# Parallel test workers (pytest-xdist); `make test WORKERS=0` runs in one process.
WORKERS ?= auto

export FLASK_APP := wsgi:app

# The exact versions (and their hashes) every virtualenv installs: requirements/lock.txt,
# compiled from setup.cfg's ranges (the dev extra included) for Python 3.11 to 3.13 alike.
LOCK := requirements/lock.txt
# uv compiles the lock (`make lock`); it runs from a virtualenv of its own under build/.
UV_VERSION := 0.13.8
UV := build/lock-tool/bin/uv

.PHONY: venv lock run test test-slow test-browser test-all lint format openapi migrate upgrade clean

## The virtualenv: the locked versions, hash-checked, then the project itself (editable,
## without resolving anything: every dependency comes from the lock).
venv: $(STAMP)

$(STAMP): $(LOCK) setup.cfg pyproject.toml
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

## Upgrade every locked version to the newest that setup.cfg's ranges allow (run it after
## changing setup.cfg too), then `make venv` installs them: review and commit the diff.
lock:
	@[ -x $(UV) ] || { $(PYTHON) -m venv build/lock-tool && \
		build/lock-tool/bin/pip install --quiet uv==$(UV_VERSION); }
	$(UV) pip compile setup.cfg --extra dev --universal --python-version 3.11 \
		--generate-hashes --upgrade --custom-compile-command "make lock" --quiet -o $(LOCK)

## Start the service on SQLite: the web app at http://$(HOST):$(PORT)/app/ (`/` leads
## there), the API beside it, interactive docs at /docs.
run: venv
	APP_ENV=development $(BIN)/flask db upgrade
	@echo "Open the app: http://$(HOST):$(PORT)/app/"
	APP_ENV=development $(BIN)/flask run --host $(HOST) --port $(PORT)

## The production stack locally: gunicorn (gunicorn.conf.py) on http://$(HOST):8000, JSON
## logs on stdout. Secrets come from the environment or .env; when unset, throwaway ones are
## generated (tokens then stop working at the next start). Put deploy/nginx.conf in front.
.PHONY: serve
serve: venv
	@mkdir -p instance
	@export APP_ENV=production GUNICORN_BIND="$${GUNICORN_BIND:-$(HOST):8000}"; \
	gen() { $(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(48))'; }; \
	if [ -z "$${SECRET_KEY:-}" ] && ! grep -qs '^SECRET_KEY=' .env; then \
		echo "SECRET_KEY not set: using a throwaway one"; export SECRET_KEY="$$(gen)"; fi; \
	if [ -z "$${JWT_SECRET_KEY:-}" ] && ! grep -qs '^JWT_SECRET_KEY=' .env; then \
		echo "JWT_SECRET_KEY not set: using a throwaway one"; export JWT_SECRET_KEY="$$(gen)"; fi; \
	$(BIN)/flask db upgrade && exec $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

## The whole fast suite (TEST_DATABASE_URL picks the database; SQLite by default).
test: venv
	$(BIN)/pytest -n $(WORKERS) -m "not slow"

## Long-running suites: end-to-end servers, large randomised runs (fails when it collects
## no test, like any pytest run: pytest's exit status 5).
test-slow: venv
	$(BIN)/pytest -n $(WORKERS) -m slow

## The web app in headless chromium against a live gunicorn (part of test-slow too);
## screenshots land in build/screenshots/.
test-browser: venv
	$(BIN)/pytest -n $(WORKERS) -m browser

test-all: venv
	$(BIN)/pytest -n $(WORKERS)

## The production stack under load on a large data set, next to a bare Flask app: prints
## req/s, latency, SQL per request, memory (bench/README.md; BENCH_DB=sqlite, BENCH_SCALE=0.1).
.PHONY: bench
bench: venv
	$(BIN)/python bench/stack.py

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Snapshot the OpenAPI document into docs/openapi.json (a test checks it is current).
openapi: venv
	APP_ENV=development $(BIN)/flask openapi write docs/openapi.json
	$(BIN)/python scripts/openapi-reference docs/openapi.json docs/api-reference.md

## Rewrite the API guide's walkthrough answers from a fresh run of its commands
## (scripts/walkthrough.py; a test checks that the committed guide is current).
.PHONY: walkthrough
walkthrough: venv
	$(BIN)/python scripts/walkthrough.py

## Create a migration from model changes: make migrate m="what changed"
migrate: venv
	APP_ENV=development $(BIN)/flask db migrate -m "$(m)"

upgrade: venv
	APP_ENV=development $(BIN)/flask db upgrade

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis build dist *.egg-info
