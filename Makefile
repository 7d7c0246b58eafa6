# The portal's two everyday commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint bench clean-var

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## make run: the portal with the demo city on http://127.0.0.1:8000 (embedded PostgreSQL without DATABASE_URL)
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py seed_demo
	@echo "Second factor of the demo users: $(BIN)/python manage.py demo_totp USERNAME prints the current code"
	@echo "Serving the portal on http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## make test: the whole suite against the real database; non-zero on any failure
test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

## make bench: every benchmark, with its figures and ratio to its reference; writes bench/REPORT.md
bench: install
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	$(BIN)/python -m bench

clean-var:
	rm -rf var
