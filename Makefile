# The front door. `make demo` and `make test` are the README's quick start.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test lint format install bench clean messages

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP)

install: $(STAMP)

## Run the whole product on embedded defaults: SQLite, file-system broker, console e-mail.
demo: $(STAMP)
	DJANGO_DEBUG=true $(PY) manage.py demo

## Run the whole suite (PostgreSQL, Redis and Chromium when DATABASE_URL/REDIS_URL are set).
test: $(TEST_STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	DJANGO_DEBUG=true $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

## After changing a string a person reads: refresh the catalogues (locale/), translate what is new
## in them, then run this again to compile (docs/languages.md#adding-or-changing-a-string).
messages: $(TEST_STAMP)
	$(PY) tools/i18n.py extract
	$(PY) tools/i18n.py compile

lint: $(TEST_STAMP)
	$(PY) -m ruff check .

format: $(TEST_STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf .demo .staticfiles
