# Shortcuts to dev.py, which holds the README's two commands (it needs nothing but Python).
PYTHON ?= python3
VENV_PYTHON = $(or $(DEMINEURS_VENV),.venv)/bin/python

.PHONY: demo test lock lint check

demo:  ## a virtualenv in .venv, the locked versions, migrate, the demo data, serve on :8000
	$(PYTHON) dev.py demo

test:  ## Debian's chromium, postgresql and nginx if missing; the whole suite on SQLite, then PostgreSQL
	$(PYTHON) dev.py test

lock:  ## constraints.txt anew from the newest versions pyproject.toml allows
	$(PYTHON) dev.py lock

lint:  ## style, types (mypy: app and tests), and the security rules (ruff's S, bandit: nothing of medium severity or more)
	$(VENV_PYTHON) -m ruff check app tests migrations bench docs dev.py
	$(VENV_PYTHON) -m mypy
	$(VENV_PYTHON) -m bandit -q -r app -ll

check: test lint
