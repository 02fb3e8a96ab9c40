# Saldo — two commands for a newcomer: `make run` and `make test`. Everything the project needs is
# installed into .venv by these targets; nothing is expected on the machine but Python ≥ 3.11 and make.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
HOST   ?= 127.0.0.1
PORT   ?= 8000
# The demo's three companies (an Italian power seller, a Finnish network and a Finnish heat company).
DEMO_CONFIG ?= config/companies.demo.toml

.PHONY: run test bench lint mutate demo docs-images docs-screenshots clean help

help:
	@echo "make run    - install into .venv, load the demo portfolio into var/saldo.sqlite, serve the API"
	@echo "make test   - install into .venv and run the whole suite on SQLite and PostgreSQL"
	@echo "make bench  - run the benchmarks (PostgreSQL) and print ratios to same-run limits"
	@echo "make lint   - ruff, mypy --strict and the import contracts (.importlinter)"
	@echo "make mutate - mutation testing of the money-critical modules; score into BENCHMARKS.md"
	@echo "make docs-images - render the README's invoice pages (docs/invoice-*.png) with today's renderer"
	@echo "make docs-screenshots - the README's workplace pictures (docs/workplace-*.png), from the demo"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Saldo needs Python >= 3.11; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: $(STAMP)
	SALDO_CONFIG=$(DEMO_CONFIG) $(BIN)/saldo demo --documents
	SALDO_CONFIG=$(DEMO_CONFIG) $(BIN)/saldo serve --host $(HOST) --port $(PORT)

demo: $(STAMP)
	SALDO_CONFIG=$(DEMO_CONFIG) $(BIN)/saldo demo --documents

# The README's invoice pages: an Italian, a Spanish and a Finnish invoice, rendered and rasterised with
# PDFium (pypdfium2's wheel); tests/test_docs_images.py fails when they no longer match the renderer.
docs-images: $(STAMP)
	$(BIN)/python -m tests.docs_images

# The README's workplace pictures: the worklist and an account page of the demo, taken by Playwright in
# Debian's chromium (SALDO_CHROMIUM names another binary).
docs-screenshots: $(STAMP)
	$(BIN)/python -m tests.docs_screenshots

# The suite on every core (pytest-xdist): each worker has its own PostgreSQL database and every test its
# own schema or SQLite file, so workers share nothing. TEST_JOBS=0 runs it in this one process.
TEST_JOBS ?= auto

test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_JOBS)

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

# Mutation testing (tests/mutation/README.md): a fresh mutmut run over the modules in pyproject's
# [tool.mutmut], MUTATE_JOBS workers, derandomised hypothesis (CI=true); then the score per module group,
# written as the "Mutation testing" section of BENCHMARKS.md. Fails if the score is under MUTATE_FLOOR %.
MUTATE_JOBS  ?= 2
MUTATE_FLOOR ?= 90

mutate: $(STAMP)
	rm -rf mutants
	mkdir -p mutants
	@start=$$(date +%s); \
	CI=true $(BIN)/mutmut run --max-children $(MUTATE_JOBS) > mutants/run.log 2>&1 \
		|| { tail -c 4000 mutants/run.log; exit 1; }; \
	$(BIN)/python -m tests.mutation.score --seconds $$(( $$(date +%s) - start )) --fail-under $(MUTATE_FLOOR)

lint: $(STAMP)
	$(BIN)/ruff check ledger projections api importers tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --config .importlinter

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis mutants
