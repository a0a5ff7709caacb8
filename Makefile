# NexusOne — two commands for a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
# The settings default to DEBUG off (production); the make targets are the development shape.
export DEBUG ?= 1

.PHONY: run test test-money-sqlite fuzz smoke install install-dev migrate demo lint format check-migrations schema messages clean

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

## The money code's SQLite path (`make run`'s default database): the billing,
## content and WhatsApp credit tests once more on SQLite (PostgreSQL-only tests skip themselves).
MONEY_TESTS := billing/tests content/tests/test_retry_while_charging.py content/tests/test_api_content.py \
	content/tests/test_concurrency.py whatsapp/tests/test_refunds_and_cap.py whatsapp/tests/test_sending.py
test-money-sqlite: install-dev
	env -u DATABASE_URL -u REDIS_URL $(VENV)/bin/pytest -n 2 -q $(MONEY_TESTS)

## The API fuzz: schemathesis over every operation of the OpenAPI schema, in process,
## authenticated; fails on a 500 or a 5xx without the error envelope (qa/api_fuzz.py).
fuzz: install-dev
	$(VENV)/bin/pytest -n 2 -q qa/api_fuzz.py

## The browser smoke: the main pages in five languages at 1366 and 390 px in Debian's
## chromium (apt-get install chromium); screenshots in artifacts/screenshots/ (qa/browser_smoke.py).
smoke: install-dev
	$(VENV)/bin/pytest -n 2 -q qa/browser_smoke.py

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
