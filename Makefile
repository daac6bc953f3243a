# The commands of the README. Each sets up everything it needs on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

# The unit tests (no services, seconds); before tests/ is split by layer, the service-free files.
UNIT_TESTS := $(if $(wildcard tests/unit),tests/unit,tests/test_detection_rules.py tests/test_ingest_parse.py \
	tests/test_ingest_headers.py tests/test_ingest_kinds.py tests/test_ingest_mbox_from_lines.py tests/test_sync_units.py \
	tests/test_domain_addresses.py)

.PHONY: demo check test system-packages clean

demo: $(INSTALLED)
	$(BIN)/followup demo

# Lint (ruff), the import contracts (import-linter, in pyproject.toml) and the unit tests
# but the few marked slow (the whole demo mailbox, a few large imports): `make test` runs those.
check: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest -q -n auto -m "not slow" $(UNIT_TESTS)

test: $(INSTALLED) system-packages
	$(BIN)/pytest

system-packages:
	scripts/system-packages.sh

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $@

clean:
	rm -rf $(VENV) var .pytest_cache
