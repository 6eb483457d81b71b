# Fangkong 防控平台 — `make demo` runs it, `make test` checks it. Needs python3 >= 3.11 and make.
#
# Steps are stamped in .venv/ so a second run only does what changed. Variables you may set:
#   make demo HOST=0.0.0.0 PORT=8080 RESIDENTS=5000
#   make test PYTEST_ARGS="-k resident"
#   FANGKONG_TEST_DATABASE_URL=postgres://user:pw@host:5432/db make test

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FK := $(BIN)/fangkong
PIP := $(BIN)/python -m pip --disable-pip-version-check
HOST ?= 127.0.0.1
PORT ?= 8000
RESIDENTS ?= 20000
PYTEST_ARGS ?=
BENCH_ARGS ?=
STATUS_BENCH_ARGS ?=
TRACING_BENCH_ARGS ?=
DASHBOARD_BENCH_ARGS ?=
LISTS_BENCH_ARGS ?=
LOAD_BENCH_ARGS ?=
FUZZ_EXAMPLES ?= 50
IMPORT_FUZZ_ROWS ?= 2000

PO_FILES := $(wildcard fangkong/locale/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)
# Recompile when a .po changed or a .mo is missing (they are not committed).
MO_MISSING := $(filter-out $(wildcard $(MO_FILES)),$(MO_FILES))

.PHONY: help demo test lint test-sqlite test-postgres migrate load-demo serve i18n bench clean distclean FORCE

help:
	@echo "make demo    创建环境、编译翻译、迁移数据库、加载演示城市并启动 http://$(HOST):$(PORT)"
	@echo "             set up, compile translations, migrate, load the demo city, serve"
	@echo "make test    ruff, makemigrations --check, pytest on SQLite, then on PostgreSQL"
	@echo "make lint    ruff check + ruff format --check"
	@echo "make i18n    sync-translations (makemessages + OpenCC zh_Hant) and compile"
	@echo "make bench   import, status, tracing, load, dashboard, list pages benchmarks, scan ingest, API fuzz run"
	@echo "make clean   remove .venv and caches (keeps var/: database and keys)"

# --- environment ------------------------------------------------------------------------

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "Fangkong needs Python 3.11 or newer / 需要 Python 3.11 或更高版本 (found: $$($(PYTHON) --version 2>&1))"; \
	  exit 1; }
	@$(PYTHON) -m venv $(VENV) || { \
	  echo "python3 -m venv failed; on Debian/Ubuntu install python3-venv / 请安装 python3-venv"; \
	  rm -rf $(VENV); exit 1; }

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo "== pip install -e . =="
	$(PIP) install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	@echo "== pip install -e .[dev] =="
	$(PIP) install --quiet -e ".[dev]"
	@touch $@

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-dev
	@echo "== pip install -e .[dev,bench] =="
	$(PIP) install --quiet -e ".[dev,bench]"
	@touch $@

$(VENV)/.translations: $(PO_FILES) $(VENV)/.installed $(if $(MO_MISSING),FORCE)
	$(FK) compile-translations
	@touch $@

FORCE:

# --- the demo -----------------------------------------------------------------------------

migrate: $(VENV)/.installed
	$(FK) migrate --noinput -v1

load-demo: migrate
	$(FK) load-demo --residents $(RESIDENTS)

serve: $(VENV)/.installed $(VENV)/.translations
	$(FK) serve --host $(HOST) --port $(PORT)

demo: $(VENV)/.installed $(VENV)/.translations
	$(FK) migrate --noinput -v1
	$(FK) load-demo --residents $(RESIDENTS)
	$(FK) serve --host $(HOST) --port $(PORT)

# --- checks -------------------------------------------------------------------------------

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test-sqlite: $(VENV)/.installed-dev $(VENV)/.translations
	@echo "== pytest on SQLite =="
	env -u DATABASE_URL $(BIN)/pytest -n auto -m "not postgres" $(PYTEST_ARGS)

test-postgres: $(VENV)/.installed-dev $(VENV)/.translations
	@echo "== pytest on PostgreSQL =="
	$(BIN)/python -m fangkong.core.testing.postgres run -- $(BIN)/pytest -n auto $(PYTEST_ARGS)

test: $(VENV)/.installed-dev $(VENV)/.translations
	@echo "== ruff check =="
	$(BIN)/ruff check .
	@echo "== makemigrations --check =="
	env -u DATABASE_URL DJANGO_SETTINGS_MODULE=fangkong.settings.test $(FK) makemigrations --check --dry-run -v1
	@$(MAKE) --no-print-directory test-sqlite test-postgres

# --- translations, benchmark, cleaning ---------------------------------------------------

i18n: $(VENV)/.installed-dev
	$(FK) sync-translations
	$(FK) compile-translations
	@touch $(VENV)/.translations

bench: $(VENV)/.installed-bench
	@# All run even when one misses a target; the exit status is the worst of them.
	$(BIN)/python -m bench import $(BENCH_ARGS); a=$$?; \
	  $(BIN)/python -m bench status $(STATUS_BENCH_ARGS); b=$$?; \
	  $(BIN)/python -m bench tracing $(TRACING_BENCH_ARGS); c=$$?; \
	  $(BIN)/python -m bench load $(LOAD_BENCH_ARGS); d=$$?; \
	  $(BIN)/python -m bench.ingest; e=$$?; \
	  FANGKONG_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FANGKONG_FUZZ_COVERAGE=1 \
	    $(BIN)/pytest -n 0 -q fangkong/core/tests/test_api_fuzz.py; f=$$?; \
	  FANGKONG_IMPORT_FUZZ_ROWS=$(IMPORT_FUZZ_ROWS) \
	    $(BIN)/pytest -q fangkong/core/tests/test_import_fuzz.py; i=$$?; \
	  $(BIN)/python -m bench dashboard $(DASHBOARD_BENCH_ARGS); g=$$?; \
	  $(BIN)/python -m bench lists $(LISTS_BENCH_ARGS); h=$$?; \
	  m=0; for x in $$a $$b $$c $$d $$e $$f $$g $$h $$i; do m=$$(( m > x ? m : x )); done; exit $$m

clean:
	rm -rf $(VENV) build dist *.egg-info .ruff_cache .pytest_cache
	find fangkong bench -name __pycache__ -type d -prune -exec rm -rf {} + 2>/dev/null || true
	find fangkong -name '*.mo' -delete

# Also deletes var/: the demo database, its encryption keys and the demo passwords.
distclean: clean
	rm -rf var
