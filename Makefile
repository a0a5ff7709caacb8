# NexusOne — two commands for a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test install install-dev migrate demo lint format check-migrations schema messages clean

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/activate
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/activate
	$(PIP) install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

## Serve http://127.0.0.1:8000 on SQLite with in-process jobs and a demo workspace.
run: demo
	@echo "NexusOne on http://127.0.0.1:8000 — demo login: demo@nexusone.local / demo-password-123"
	$(PY) manage.py runserver_jobs 127.0.0.1:8000

## The whole suite (PostgreSQL when DATABASE_URL is set).
test: install-dev
	$(VENV)/bin/pytest -n 2 -q

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## A real migrate on an empty database, and no model change without a migration.
check-migrations: install-dev
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py migrate --noinput

schema: install-dev
	$(PY) manage.py spectacular --file docs/openapi.yaml --validate --fail-on-warn

messages: install-dev
	$(PY) manage.py makemessages -l es -l pt -l ar -l he --ignore=.venv --ignore=staticfiles --no-obsolete --no-wrap
	@# normalized like the committed catalogs (unwrapped lines), so diffs between helpers stay small
	$(PY) -c "import glob, polib; [polib.pofile(p, wrapwidth=0).save(p) for p in glob.glob('locale/*/LC_MESSAGES/django.po')]"
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
