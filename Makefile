# Valinta: `make run` serves the demo, `make test` runs every test. `make help` lists the rest.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app portal
PORT ?= 5000
PROD_PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium
export PORT

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the make targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements/dev.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version' 
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

node_modules/.package-lock.json: package-lock.json package.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

static/vendor/.built: node_modules/.package-lock.json portal/assets.py $(BIN)/.installed
	$(BIN)/python -m portal.assets
	touch $@

.PHONY: bootstrap
bootstrap: $(BIN)/.installed static/vendor/.built translations-compile ## Install Python and front-end dependencies, build assets

.PHONY: run-prod
run-prod: bootstrap ## The production shape here: PostgreSQL, gunicorn, dispatchers, demo login, at http://127.0.0.1:$(PROD_PORT)
	$(BIN)/python -m portal.ops.stack --port $(PROD_PORT)

.PHONY: translations-compile
translations-compile: $(BIN)/.installed ## Compile the four catalogues
	$(FLASK) translations compile

.PHONY: translations-update
translations-update: $(BIN)/.installed ## Extract strings and merge them into the catalogues
	$(FLASK) translations update

.PHONY: translations-check
translations-check: $(BIN)/.installed ## Fail on untranslated or fuzzy messages
	$(FLASK) translations extract
	$(FLASK) translations check

.PHONY: db-upgrade
db-upgrade: $(BIN)/.installed ## Create or migrate the database DATABASE_URL names (default: instance/valinta.sqlite3)
	$(FLASK) db upgrade

.PHONY: run
run: bootstrap db-upgrade ## Serve the portal and the demo identification service at http://127.0.0.1:$(PORT)
	$(FLASK) demo load
	$(FLASK) demo serve --port $(PORT)

.PHONY: browser
browser: ## Install Debian's Chromium for the browser tests when it is missing (never a browser download)
	@if [ ! -x $(CHROMIUM) ]; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; \
	fi

.PHONY: lint
lint: $(BIN)/.installed ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

.PHONY: static
static: $(BIN)/.installed ## Static checks, each failing on a finding: ruff lint and format, mypy, bandit
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/bandit -q -r portal adapters -c pyproject.toml

.PHONY: test
test: bootstrap browser translations-check static ## Run the whole suite: unit, functional, PostgreSQL, browser, accessibility
	$(BIN)/python -m pytest -n 2 --dist worksteal

.PHONY: bench
bench: $(BIN)/.installed ## Measure at national scale (docs/performance.md), then the size-dependent steps at a tenth (docs/scaling.md)
	$(BIN)/python -m bench.run
	@if [ -z "$$BENCH_ONLY" ]; then $(BIN)/python -m bench.scaling; fi

.PHONY: lock
lock: ## Re-resolve the locked Python dependencies (requirements/dev.txt) from pyproject.toml
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements/dev.txt

.PHONY: clean
clean: ## Remove the virtualenv, node_modules and built assets (keeps instance/ data)
	rm -rf $(VENV) node_modules static/vendor
