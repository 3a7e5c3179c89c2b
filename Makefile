# The Compendium pipeline. Every target works on a fresh clone: the first one
# run creates .venv, installs the package with its test tools, and installs
# the system libraries WeasyPrint can use (or says in one line what is missing).
#
#   make pdf        screen + print PDFs in build/en/
#   make test       the test suite (what CI runs)
#   make help       every target with one line

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
COMPENDIUM := $(BIN)/compendium
# The web edition's browser tests: Debian's chromium (never a downloaded
# browser) and axe-core from npm, in a git-ignored folder.
BROWSER_STAMP := $(VENV)/.browser-installed
AXE_VERSION := 4.14.1
AXE := .vendor/node_modules/axe-core/axe.min.js
# Where the web edition will be published (canonical links, sitemap.xml), e.g.
#   make web SITE_URL=https://www.example.org/compendium/
SITE_URL ?=

.DEFAULT_GOAL := help
# DAISY Ace (npm), driven by the same Debian chromium, for the accessibility checks.
ACE_STAMP := .vendor/.ace-installed

.PHONY: help check test pdf epub factsheets translations all bench proof linkcheck fuzz lint clean i18n-extract i18n-update i18n-status web serve a11y

help: ## Show every target with one line
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml scripts/sysdeps.sh scripts/apt.sh
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	@echo "installing the pipeline into $(VENV) (first run only)..."
	@$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	@bash scripts/sysdeps.sh
	@touch $@

check: $(STAMP) ## Check the source and translations; fails if translations/compendium.pot is stale
	$(COMPENDIUM) check
	$(COMPENDIUM) i18n extract --check

pdf: $(STAMP) ## Build the screen and print PDFs: build/en/compendium.pdf, compendium-print.pdf
	$(COMPENDIUM) build pdf print-pdf

factsheets: $(STAMP) ## Build the sector factsheets: build/en/factsheet-<sector>.pdf
	$(COMPENDIUM) build factsheets

translations: $(STAMP) ## Build every language's editions, then validate the EPUBs: EPUBCheck, DAISY Ace if installed (STRICT=1: no English fallback)
	$(COMPENDIUM) build --all-languages $(if $(filter 1,$(STRICT)),--strict-translations)
	$(COMPENDIUM) validate

all: $(STAMP) ## Every artifact of every language, incrementally; writes build/manifest.json
	$(COMPENDIUM) build --all-languages

bench: $(STAMP) ## Benchmark against Pandoc and WeasyPrint alone (a table of medians; not a test)
	@bash scripts/sysdeps.sh pandoc
	$(BIN)/python scripts/bench.py

epub: $(STAMP) ## Build the EPUB (build/en/compendium.epub) and validate it (EPUBCheck; DAISY Ace if installed)
	$(COMPENDIUM) build epub
	$(COMPENDIUM) validate build/en/compendium.epub

proof: $(STAMP) ## Render every page of the built PDFs to PNG + a contact sheet per edition (build/proof/)
	$(COMPENDIUM) proof

$(BROWSER_STAMP): scripts/sysdeps.sh scripts/apt.sh
	@bash scripts/sysdeps.sh chromium
	@touch $@

$(AXE):
	@echo "installing axe-core $(AXE_VERSION) into .vendor/ (first run only)..."
	@mkdir -p .vendor && npm install --prefix .vendor --ignore-scripts --no-audit --no-fund --silent axe-core@$(AXE_VERSION)

web: $(STAMP) ## The web edition of every language, with its downloads: build/web/ (publish it on any static host)
	COMPENDIUM_SITE_URL=$(SITE_URL) $(COMPENDIUM) build --all-languages pdf print-pdf epub factsheets web

serve: $(STAMP) ## Live preview of the web edition on 127.0.0.1 (lang=fr for another language; Ctrl-C stops)
	$(COMPENDIUM) serve $(if $(lang),--lang $(lang))

$(ACE_STAMP): scripts/tools.sh scripts/apt.sh $(BROWSER_STAMP)
	@bash scripts/tools.sh
	@mkdir -p .vendor && touch $@

a11y: $(STAMP) $(ACE_STAMP) ## Build every edition, then check their accessibility (PDF structure, contrast, DAISY Ace)
	$(COMPENDIUM) build --all-languages
	$(COMPENDIUM) a11y --all-languages

test: $(STAMP) $(BROWSER_STAMP) $(AXE) $(ACE_STAMP) ## Run the test suite (builds real artifacts and opens them)
	$(BIN)/python -m pytest -q

linkcheck: $(STAMP) ## Check that every external link still answers (the one target that uses the network)
	$(COMPENDIUM) links

fuzz: $(STAMP) ## Long property-based run over the loader, Markdown, PO import and link-check answers (Hypothesis)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q tests/test_fuzz.py

i18n-extract: $(STAMP) ## Write the translation template translations/compendium.pot
	$(COMPENDIUM) i18n extract

i18n-update: $(STAMP) ## Merge the template into every translations/<lang>.po
	$(COMPENDIUM) i18n update

i18n-status: $(STAMP) ## Translation progress per language and part
	$(COMPENDIUM) i18n status

lint: $(STAMP) ## ruff over the pipeline and tests
	$(BIN)/ruff check pipeline tests

clean: ## Remove build/ (outputs and caches)
	rm -rf build
