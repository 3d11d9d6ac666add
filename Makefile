# Forløb — build, run and test.
#
#   make run         set up .venv, migrate, seed demo data, serve on http://127.0.0.1:8000
#   make test        everything CI checks: lint, migrations, pytest on SQLite and PostgreSQL
#   make test-sqlite / test-pg / e2e / lint / fmt / bench / clean
#
# Everything the project needs is installed from here (Debian packages via apt-get,
# Python packages into .venv), so a fresh machine only needs Python 3.11 and make.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
FORLOB := $(BIN)/forlob
RUFF   := $(BIN)/ruff
PYTEST := $(BIN)/pytest

# What ruff looks at: only the directories/files that exist (bench/ may not).
PY_PATHS := $(wildcard src tests bench *.py)

# Parallel pytest on the 2-core machine. Measured with ~490 tests on an idle machine,
# 3 runs each: SQLite 15.4 s serial vs 12.7 s with -n 2; PostgreSQL 22.6 s vs 19.2 s.
# Each worker pays ~2 s of CPU to start Django and build its own test database, so the
# gain grows with the suite. Serial for one run: `make test-sqlite XDIST=`.
XDIST ?= -p xdist -n 2
# Extra pytest arguments, e.g. `make test-sqlite PYTEST_ARGS='-k referral -x'`.
PYTEST_ARGS ?=

export PIP_DISABLE_PIP_VERSION_CHECK := 1
export DEBIAN_FRONTEND := noninteractive

# apt-get needs root; use sudo when we are not root (CI and dev boxes run as root).
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

# Prints a banner between phases so a long CI log is easy to scan.
banner = @printf '\n==================== %s ====================\n\n' "$(1)"

.PHONY: help run test lint fmt test-sqlite test-pg e2e bench bench-monitoring clean \
        install install-test messages sysdeps-run sysdeps-test sysdeps-e2e \
        check-format check-lint check-migrations

help:
	@echo "make run          set up .venv, migrate, seed demo data, serve on http://127.0.0.1:8000"
	@echo "make test         all CI checks: ruff, migrations check, pytest on SQLite and PostgreSQL"
	@echo "make test-sqlite  pytest on SQLite"
	@echo "make test-pg      pytest on a throwaway PostgreSQL cluster"
	@echo "make e2e          browser tests only (pytest -m e2e)"
	@echo "make lint         ruff format --check + ruff check"
	@echo "make fmt          ruff check --fix + ruff format"
	@echo "make bench        run bench/*.py"
	@echo "make bench-monitoring  KPI timing vs hand-written SQL on SQLite and PostgreSQL"
	@echo "                  (BENCH_ARGS='--scale 0.1' for a smaller region)"
	@echo "make clean        remove .venv, var/ and build artefacts"

# --- system packages (Debian) ----------------------------------------------------------
# How to tell a package is already there. PostgreSQL's server binaries are not on PATH
# on Debian; they live in /usr/lib/postgresql/VERSION/bin.
HAVE_chromium   := test -x /usr/bin/chromium
HAVE_postgresql := compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null
HAVE_gettext    := command -v msgfmt >/dev/null
# Monitoring: WeasyPrint (the annual report's PDF) needs Pango and a font; the tests render the
# PDF with pdftoppm/pdftotext from poppler-utils.
HAVE_poppler-utils      := command -v pdftoppm >/dev/null
HAVE_libpango-1.0-0     := ldconfig -p | grep 'libpango-1.0.so.0' >/dev/null
HAVE_libpangoft2-1.0-0  := ldconfig -p | grep 'libpangoft2-1.0.so.0' >/dev/null
HAVE_fonts-dejavu-core  := test -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
PDF_DEBS := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core

# $(call apt_ensure,PKG...) installs whichever of PKG... is missing, with a single
# apt-get update, and does nothing (no network) when all are present.
define apt_ensure
@missing=""; \
$(foreach p,$(1),{ $(HAVE_$(p)); } || missing="$$missing $(p)";) \
if [ -n "$$missing" ]; then \
    echo "Installing Debian packages:$$missing"; \
    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq; \
    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
fi
endef

sysdeps-run:  ; $(call apt_ensure,gettext $(PDF_DEBS))
# test-pg needs chromium too: the PostgreSQL run includes the browser tests.
sysdeps-test: ; $(call apt_ensure,chromium postgresql gettext poppler-utils $(PDF_DEBS))
sysdeps-e2e:  ; $(call apt_ensure,chromium gettext poppler-utils $(PDF_DEBS))

# --- Python environment ------------------------------------------------------------------
# pip runs again only when pyproject.toml is newer than the stamp: `make` compares the
# files' times. The venv itself is created once.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Compiled catalogues (.mo) are not in git. Django's compilemessages skips catalogues
# whose .mo is already newer than the .po. --ignore=.venv keeps it away from the .po
# files of installed packages (they ship their own .mo).
messages: install
	@if find src -name '*.po' -print -quit | grep -q .; then \
	    $(FORLOB) compilemessages --ignore=$(VENV) -v0; \
	fi

# --- run -----------------------------------------------------------------------------------
run: sysdeps-run install
	@$(MAKE) messages
	$(FORLOB) migrate --noinput
	$(FORLOB) collectstatic --noinput -v0
	$(FORLOB) seed-demo --if-empty
# The background worker (`forlob worker`: reminders, questionnaire links, reports) runs
# beside the server and stops with it. With a worker we cannot `exec` the server (the shell, and with it the trap that
# stops the worker, would be gone), so the server runs as a child instead.
	@if $(FORLOB) help worker >/dev/null 2>&1; then \
	    $(FORLOB) worker & worker=$$!; \
	    trap 'kill $$worker 2>/dev/null || true; wait $$worker 2>/dev/null || true' EXIT; \
	    trap 'exit 130' INT; trap 'exit 143' TERM; \
	    echo "Started task worker (pid $$worker)"; \
	    $(FORLOB) serve; \
	else \
	    exec $(FORLOB) serve; \
	fi

# --- test ----------------------------------------------------------------------------------
# Runs every phase even after one fails, so one CI log shows all problems, then exits
# non-zero if any failed. Setup (system packages, venv, translations) must succeed first.
TEST_PHASES := check-format check-lint check-migrations test-sqlite test-pg

test: sysdeps-test install-test
	$(call banner,compile translations)
	@$(MAKE) messages
	@failed=""; \
	for phase in $(TEST_PHASES); do \
	    $(MAKE) $$phase || failed="$$failed $$phase"; \
	done; \
	echo; \
	if [ -n "$$failed" ]; then echo "make test: FAILED:$$failed"; exit 1; fi; \
	echo "make test: all phases passed"

check-format: install-test
	$(call banner,ruff format --check)
	$(RUFF) format --check $(PY_PATHS)

check-lint: install-test
	$(call banner,ruff check)
	$(RUFF) check $(PY_PATHS)

# Fails when models changed without a migration.
check-migrations: install-test
	$(call banner,makemigrations --check)
	env -u DATABASE_URL $(FORLOB) makemigrations --check --dry-run

lint: check-format check-lint

# Fix what ruff can fix, format, then show what is left (non-zero if anything is).
fmt: install-test
	$(RUFF) check --fix --exit-zero --quiet $(PY_PATHS)
	$(RUFF) format $(PY_PATHS)
	$(RUFF) check $(PY_PATHS)

# SQLite: DATABASE_URL unset, so settings fall back to SQLite (pytest-django makes its
# own throwaway test database).
test-sqlite: sysdeps-e2e install-test
	@$(MAKE) messages
	$(call banner,pytest on SQLite)
	env -u DATABASE_URL $(PYTEST) $(XDIST) $(PYTEST_ARGS)

# PostgreSQL: a throwaway cluster per run (scripts/with-postgres stops and deletes it
# whatever happens); pytest-django creates test_forlob from DATABASE_URL.
test-pg: sysdeps-test install-test
	@$(MAKE) messages
	$(call banner,pytest on PostgreSQL)
	scripts/with-postgres $(PYTEST) $(XDIST) $(PYTEST_ARGS)

# Browser journeys only (Playwright driving Debian's /usr/bin/chromium).
e2e: sysdeps-e2e install-test
	@$(MAKE) messages
	$(call banner,pytest -m e2e)
	env -u DATABASE_URL $(PYTEST) -m e2e $(PYTEST_ARGS)

# --- bench ---------------------------------------------------------------------------------
bench: install-test
	@$(MAKE) messages
	@shopt -s nullglob; scripts=(bench/*.py); \
	if [ $${#scripts[@]} -eq 0 ]; then echo "No benchmarks (bench/*.py)"; exit 0; fi; \
	for s in "$${scripts[@]}"; do \
	    printf '\n==================== %s ====================\n\n' "$$s"; \
	    $(BIN)/python "$$s"; \
	done

# The monitoring benchmark on both databases: a regional dataset (4 municipalities × 5 years,
# about 2 million appointments at the default scale), KPI time against one hand-written query.
BENCH_ARGS ?=
bench-monitoring: sysdeps-test install-test
	@$(MAKE) messages
	$(call banner,bench/monitoring.py on SQLite)
	env -u DATABASE_URL $(BIN)/python bench/monitoring.py $(BENCH_ARGS)
	$(call banner,bench/monitoring.py on PostgreSQL)
	scripts/with-postgres $(BIN)/python bench/monitoring.py $(BENCH_ARGS)

# --- clean ---------------------------------------------------------------------------------
clean:
	rm -rf $(VENV) var build dist test-results .pytest_cache .ruff_cache .hypothesis
	find . -path ./.git -prune -o -name '*.egg-info' -type d -prune -exec rm -rf {} +
	find . -path ./.git -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
	find src -name '*.mo' -delete
