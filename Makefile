# The Compendium pipeline. Every target works on a fresh clone: the first one
# run creates .venv and installs the package with its test tools.
#
#   make pdf        screen + print PDFs in build/en/
#   make test       the test suite (what CI runs)
#   make help       every target with one line

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
COMPENDIUM := $(BIN)/compendium

.DEFAULT_GOAL := help
.PHONY: help check test pdf lint clean proof

help: ## Show every target with one line
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	@echo "installing the pipeline into $(VENV) (first run only)..."
	@$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

check: $(STAMP) ## Check the source: references, footnotes, numbering, links (form only)
	$(COMPENDIUM) check

test: $(STAMP) ## Run the test suite (builds real artifacts and opens them)
	$(BIN)/python -m pytest -q

lint: $(STAMP) ## ruff over the pipeline and tests
	$(BIN)/ruff check pipeline tests

clean: ## Remove build/ (outputs and caches)
	rm -rf build
