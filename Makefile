# Two commands do everything on a fresh machine:
#   make run    set up, load the demo course and users, serve on http://127.0.0.1:8000
#   make test   set up and run the whole test suite
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1:8000

.PHONY: run test setup system-deps browser-deps migrate bench lint worker serve-prod clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

system-deps:
	@scripts/system-deps.sh

browser-deps:
	@scripts/system-deps.sh --browser || echo "Browser tests will be skipped: Chromium is missing."

migrate: $(STAMP)
	$(PY) manage.py migrate --noinput

setup: $(STAMP) system-deps migrate

run: setup
	$(PY) manage.py load_demo
	$(PY) manage.py runserver $(HOST)

test: setup browser-deps
	$(PY) -m pytest $(PYTEST_ARGS)

bench: setup
	$(PY) -m benchmarks

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy knowledge_graph planner circuits

# A Celery worker for a broker-backed setup (CELERY_BROKER_URL set).
worker: setup
	$(VENV)/bin/celery -A kirchhoff worker --loglevel=info

# The production profile: DEBUG=0 plus SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, CELERY_BROKER_URL.
serve-prod: setup
	$(PY) manage.py collectstatic --noinput
	$(VENV)/bin/gunicorn kirchhoff.wsgi --bind $(HOST) --workers 3

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
