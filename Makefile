# The two commands of the README, and a few helpers.
PYTHON ?= python3
PIP ?= $(PYTHON) -m pip
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test browser-deps lint check

demo:  ## install, migrate, load the demo data and serve on http://127.0.0.1:8000
	$(PIP) install -e .
	demineurs migrate
	demineurs seed-demo
	demineurs serve

browser-deps:  ## Debian's Chromium for the browser tests (Playwright's own browser download is not used)
	@[ -x $(CHROMIUM) ] || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-dejavu-core; }

test: browser-deps  ## install what the tests need and run them all
	$(PIP) install -q -e '.[test]'
	$(PYTHON) -m pytest

lint:  ## style, and the security rules (ruff's S, bandit: nothing of medium severity or more)
	$(PYTHON) -m ruff check app tests migrations bench
	$(PYTHON) -m bandit -q -r app -ll

check: lint test
