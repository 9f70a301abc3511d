# Veikart — the two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install install-test lint typecheck pytest messages check-deploy audit clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

## make demo: install, build the demo organisation (once), serve the UI on http://127.0.0.1:8000
demo: install
	$(BIN)/veikart migrate --no-input -v 0
	$(BIN)/veikart demo
	@echo "Veikart runs on http://$(HOST):$(PORT)/ — stop with Ctrl+C."
	$(BIN)/veikart runserver $(HOST):$(PORT)

## make test: lint, type-check and run the whole test suite
test: lint typecheck pytest

lint: install-test
	$(BIN)/ruff check src tests bench

typecheck: install-test
	$(BIN)/mypy

pytest: install-test
	$(BIN)/pytest

## make messages: extract translatable strings and compile the catalogues (needs gettext)
messages: install
	cd src/veikart && VEIKART_DATA_DIR=$(CURDIR)/var ../../$(BIN)/veikart makemessages -l nb --no-obsolete --add-location file
	cd src/veikart && VEIKART_DATA_DIR=$(CURDIR)/var ../../$(BIN)/veikart compilemessages -v 0

## make check-deploy: Django's deployment checks with a production-like environment
check-deploy: install
	VEIKART_PRODUCTION=true \
	SECRET_KEY=$$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))') \
	VEIKART_PSEUDONYM_KEY=$$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))') \
	VEIKART_ALLOWED_HOSTS=veikart.example.kommune.no VEIKART_DATA_DIR=$$(mktemp -d) \
	$(BIN)/veikart check --deploy --fail-level WARNING

## make audit: known vulnerabilities in the installed dependencies (pip-audit, OSV; needs network)
audit: install-test
	$(BIN)/pip-audit --skip-editable --strict --vulnerability-service osv --progress-spinner off

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
