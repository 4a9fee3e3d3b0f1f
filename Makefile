# The two commands of the README, and a few helpers.
PYTHON ?= python3
PIP ?= $(PYTHON) -m pip
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# What runs again on PostgreSQL: every test that touches the database through the app.
# (Not the command-line tests: they are about the embedded SQLite file, its backup and WAL.)
POSTGRES_TESTS ?= tests/services tests/routers tests/browser tests/test_migrations.py tests/test_postgres.py tests/test_crash.py

.PHONY: demo test browser-deps postgres-deps lint check

demo:  ## install, migrate, load the demo data and serve on http://127.0.0.1:8000
	$(PIP) install -e .
	demineurs migrate
	demineurs seed-demo
	demineurs serve

browser-deps:  ## Debian's Chromium for the browser tests (Playwright's own browser download is not used)
	@[ -x $(CHROMIUM) ] || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-dejavu-core; }

postgres-deps:  ## Debian's PostgreSQL server, started by the tests themselves on loopback
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql; }

test: browser-deps postgres-deps  ## install what the tests need, run them all on SQLite, then on PostgreSQL
	$(PIP) install -q -e '.[test]'
	$(PYTHON) -m pytest
	DEMINEURS_TEST_DATABASE=postgresql $(PYTHON) -m pytest -p no:cacheprovider $(POSTGRES_TESTS)

lint:  ## style, and the security rules (ruff's S, bandit: nothing of medium severity or more)
	$(PYTHON) -m ruff check app tests migrations bench
	$(PYTHON) -m bandit -q -r app -ll

check: lint test
