# Linli — `make run` to try it, `make test` to check it. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
export TEST_DATABASE_URL

# Debian packages: PDFs (Pango, CJK font, fast font subsetting) and, for tests, the browser and pdftoppm.
RUN_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk
TEST_PACKAGES := chromium poppler-utils

.PHONY: help run test test-sqlite test-postgres lint system-packages system-packages-test venv translations \
        extract-translations migrate demo clean

help:
	@echo "make run    install what is missing, migrate, load the demo tenants, serve on http://$(HOST):$(PORT)"
	@echo "make test   the whole suite on SQLite, then on PostgreSQL ($(TEST_DATABASE_URL))"
	@echo "make lint   ruff"

# --- installation ------------------------------------------------------------------------
define ensure_debian_packages
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "Missing Debian packages:$$missing"; \
	    echo "Run:  sudo apt-get update && sudo apt-get install -y$$missing"; \
	    exit 1; \
	  fi; \
	fi
endef

system-packages:
	$(call ensure_debian_packages,$(RUN_PACKAGES))

system-packages-test: system-packages
	$(call ensure_debian_packages,$(TEST_PACKAGES))

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

translations: venv
	@$(BIN)/pybabel -q compile -d app/translations

extract-translations: venv
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot .
	$(BIN)/pybabel -q update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/python tools/translations.py || echo "Translate the entries above in app/translations/zh_Hans_CN/LC_MESSAGES/messages.po"

# --- running -----------------------------------------------------------------------------
migrate: venv
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) tenants sync --create-only
	$(FLASK) demo donations
	$(FLASK) demo projects
	$(FLASK) demo logins

run: system-packages venv translations demo
	@echo ""
	@echo "Linli is starting on http://$(HOST):$(PORT)/  (Ctrl+C stops it)"
	@echo "Sign in at http://$(HOST):$(PORT)/login with a demo login above."
	$(FLASK) run --host $(HOST) --port $(PORT)

# --- checking ----------------------------------------------------------------------------
test: system-packages-test venv translations
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres

test-sqlite:
	@echo "=== Test suite on SQLite ==="
	LINLI_TEST_DB=sqlite $(BIN)/pytest $(PYTEST_ARGS)

test-postgres:
	@if $(BIN)/python -c "import os, psycopg; psycopg.connect(os.environ['TEST_DATABASE_URL'], connect_timeout=3).close()" 2>/dev/null; then \
	  echo "=== Test suite on PostgreSQL ($(TEST_DATABASE_URL)) ==="; \
	  LINLI_TEST_DB=postgres $(BIN)/pytest $(PYTEST_ARGS); \
	else \
	  echo ""; \
	  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	  echo "!!  PostgreSQL is NOT reachable at $(TEST_DATABASE_URL)"; \
	  echo "!!  The PostgreSQL half of the suite did NOT run. Set TEST_DATABASE_URL or start it."; \
	  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	  if [ "$$REQUIRE_POSTGRES" = 1 ]; then echo "REQUIRE_POSTGRES=1: failing."; exit 1; fi; \
	fi

lint: venv
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache app/translations/*/LC_MESSAGES/*.mo
