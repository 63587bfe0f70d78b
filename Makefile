# Commerce Hub. `make demo` runs it, `make test` proves it. Every target sets up what it needs, idempotently.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export FLASK_APP := wsgi

.PHONY: setup translations demo test lint test-deps bench-deps services services-down migrate bench bench-import bench-tables bench-dashboard bench-woo bench-woo-paging bench-catalog bench-inventory bench-analytics bench-master clean help
ORDERS ?= 100000

help:
	@echo "make demo    set up and run the hub with sandbox shops (Ctrl-C stops it)"
	@echo "make test    set up and run lint and the whole test suite"
	@echo "make bench   run the benchmarks"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

static/vendor/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "error: npm is needed to fetch the pinned front-end packages (htmx, Pico CSS): install Node.js 18+ (Debian: apt-get install nodejs npm; macOS: brew install node)"; exit 2; }
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
	cp node_modules/@picocss/pico/css/pico.min.css static/vendor/pico.min.css
	@touch $@

# The interface's catalogs (app/translations/<lang>/LC_MESSAGES/messages.po) compiled for Flask-Babel; the .mo
# files are build output (git-ignored).
CATALOGS := $(wildcard app/translations/*/LC_MESSAGES/messages.po)
app/translations/.compiled: $(VENV)/.installed $(CATALOGS)
	$(VENV)/bin/pybabel -q compile -d app/translations
	@touch $@

# After adding or changing strings: extract them and update every catalog, then translate the new msgids (cs, sk).
# Sorted and without source locations, so two changes that add strings rarely touch the same lines.
translations: $(VENV)/.installed
	$(VENV)/bin/pybabel -q extract -F app/babel.cfg --ignore-dirs='.* __pycache__' -k _l -k lazy_gettext --sort-output --no-location --no-wrap \
	  --omit-header -o app/translations/messages.pot app templates
	$(VENV)/bin/pybabel -q update -i app/translations/messages.pot -d app/translations --no-wrap \
	  --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date
	rm -f app/translations/messages.pot
	$(VENV)/bin/pybabel -q compile -d app/translations
	@touch app/translations/.compiled

setup: $(VENV)/.installed static/vendor/.installed app/translations/.compiled

# Starts the embedded PostgreSQL and Valkey unless DATABASE_URL / REDIS_URL are set.
services: setup
	@$(PY) -m app.embedded up >/dev/null

services-down:
	@$(PY) -m app.embedded down

migrate: services
	$(PY) -m flask db upgrade

demo: migrate
	@$(PY) -m flask hub demo-seed
	@eval "$$($(PY) -m app.embedded up)" && export DATABASE_URL REDIS_URL PATH="$(CURDIR)/$(VENV)/bin:$$PATH" && \
	  honcho -f Procfile start

# Debian packages the suite runs: chromium + chromedriver (browser tests), nginx (`nginx -t` of the site),
# shellcheck (deploy.sh). Installed once; a test that is skipped for want of its tool proves nothing.
test-deps:
	@if [ "$$(uname -s)" = Linux ] && ! { command -v chromium && command -v chromedriver && \
	    { command -v nginx || test -x /usr/sbin/nginx; } && command -v shellcheck; } >/dev/null; then \
	  echo "Installing Debian's chromium, chromium-driver, nginx-light and shellcheck for the tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    chromium chromium-driver nginx-light shellcheck >/dev/null; \
	fi

# wrk drives the tables bench's HTTP load run (C, so the load generator leaves the CPU to the server).
bench-deps:
	@if [ "$$(uname -s)" = Linux ] && ! command -v wrk >/dev/null; then \
	  echo "Installing Debian's wrk for the HTTP load run"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; \
	fi

lint: setup
	$(VENV)/bin/ruff check .

# The suite on TEST_WORKERS processes (pytest-xdist), each with a database and a Redis database of its own;
# tests marked xdist_group(name) run on one worker. TEST_WORKERS=0 runs it in this process.
TEST_WORKERS ?= 2
test: setup test-deps lint
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup

bench: bench-import bench-tables bench-dashboard bench-woo bench-woo-paging bench-catalog bench-inventory bench-analytics bench-master

bench-import: services
	$(PY) -m bench.import_bench --orders $(ORDERS)

# Full size (1.4 M orders over 3 shops) unless ORDERS is given: make bench-tables ORDERS=60000
bench-tables: services bench-deps
	$(PY) -m bench.tables_bench $(if $(filter command line environment,$(origin ORDERS)),--orders $(ORDERS))

# A full import of WOO_ORDERS WooCommerce orders against a client that only GETs and parses the same pages.
WOO_ORDERS ?= 200000
bench-woo: services
	$(PY) -m bench.woo_import_bench --orders $(WOO_ORDERS)

# The client's modified-date walk against a bare loop over the same URLs (requests against the minimum).
bench-woo-paging: services
	$(PY) -m bench.woo_paging_bench --orders $(WOO_ORDERS)

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache .ruff_cache

# Dashboard (2-year range, all shops), search (200 queries) and the rollups' import cost; full size unless ORDERS.
bench-dashboard: services
	$(PY) -m bench.dashboard_bench $(if $(filter command line environment,$(origin ORDERS)),--orders $(ORDERS))

# Products table ("missing in L" too) at 50 000 products × 4 languages, bulk suggestion of 10 000 fields against
# the sandbox's DeepL: make bench-catalog PRODUCTS=5000 FIELDS=1000 for a quick run.
bench-catalog: services
	$(PY) -m bench.catalog_bench $(if $(PRODUCTS),--products $(PRODUCTS)) $(if $(FIELDS),--fields $(FIELDS))

# Inventory planning: a full refresh of VARIANTS variants over 2 years, and the per-batch metrics refresh.
VARIANTS ?= 13000
bench-inventory: services
	$(PY) -m bench.inventory_bench --variants $(VARIANTS)

# Customer analytics at the full size (661 k customers, 1.4 M orders over 3 shops) unless ORDERS is given.
bench-analytics: services
	$(PY) -m bench.analytics_bench $(if $(filter command line environment,$(origin ORDERS)),--orders $(ORDERS) --customers $$(( $(ORDERS) * 4721 / 10000 )))

# The master shop's full reconcile (~13 k variants x 3 followers) unless PRODUCTS is given: make bench-master PRODUCTS=100
bench-master: services
	$(PY) -m bench.master_bench $(if $(PRODUCTS),--products $(PRODUCTS))
