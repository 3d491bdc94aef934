# Two commands on a fresh machine: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
HOST   ?= 127.0.0.1
PORT   ?= 8000
WORKERS ?= 2

.PHONY: install run test lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Testigo needs Python 3.11 or newer")'
	@echo "installing Testigo and its dependencies in $(VENV) (a few minutes the first time; pip's output: $(VENV)/install.log)"
	@$(PYTHON) -m venv $(VENV)
	@{ $(BIN)/python -m pip install --upgrade pip && $(BIN)/python -m pip install -e '.[dev]'; } \
		> $(VENV)/install.log 2>&1 || { tail -n 30 $(VENV)/install.log; echo "install failed: see $(VENV)/install.log"; exit 1; }
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

## run: migrate the embedded database, load, link and scan the demo data, serve on http://$(HOST):$(PORT) with $(WORKERS) workers (as the README shows)
run: install
	$(BIN)/testigo db upgrade
	$(BIN)/testigo demo
	$(BIN)/testigo link
	$(BIN)/testigo alerts scan
	$(BIN)/testigo alerts list
	@echo "open http://$(HOST):$(PORT)/ (the supplier check) and sign in with the key in var/demo-api-key;"
	@echo "the alert above (a real ComprasMX contract signed inside an SFP debarment) and its firm page are at http://$(HOST):$(PORT)/alerts"
	$(BIN)/testigo serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

## test: the whole suite (PostgreSQL tests are skipped, and say so, when no server answers)
test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install
	$(BIN)/python -m bench.ingest_speed

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
