# The single entry point of the workshop: the README and CI call these targets, nothing else.
#   make install   create .venv/ and install the pinned stack and workshop_utils
#   make data      download the recording (or generate the synthetic stand-in when offline)
#   make book      execute every notebook and build the website into _build/html
#   make test      run the test suite (it builds the book from scratch too), in about 5 minutes
#   make test-platforms  install the Binder and the simulated Colab environments from the
#                  package index and run the notebooks there (a few minutes more; CI runs both)
#   make test-fast run the tests that neither build the book nor execute notebooks (under 90 s)
#   make bench     measure notebook time, build times, page weight and peak memory
#   make variants  write the student and presenter notebooks into variants/
#   make check     check a laptop's setup, then run each notebook once to compile its models
#   make notebooks regenerate each paired .ipynb from its MyST .md source
#   make sync      regenerate every copy of the repository address (from _config.yml) and the
#                  notebooks' Colab install cell (from pyproject.toml and _config.yml)
#   make linkcheck check every external link of the book (Sphinx linkcheck, no execution)
#   make lint      ruff on the package, tests and notebooks (and the package's formatting)
#   make clean     remove the built book, its execution cache and the variants nobody edited

# A supported Python (3.12-3.14) found on PATH or among pyenv's versions; override with
# `make install PYTHON=/path/to/python3.13`.
PYTHON ?= $(shell sh tools/find_python.sh)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BOOK_FLAGS ?= --warningiserror --nitpick --keep-going
NOTEBOOKS := $(wildcard notebooks/*.md)
EXECUTION_CACHE := _build/.jupyter_cache

# The fast tier: every test without a marker of pyproject.toml's list (book build, browser,
# notebook execution, model fits, the Binder environment, the real recording). The macOS and
# Windows CI jobs run the same selection (tests/test_workflows.py keeps the three in step).
FAST_TESTS := not book and not browser and not notebook and not slow and not binder and not colab and not realdata
# The platform tests: fresh environments installed from the package index (Binder's, Colab's, and
# pip's dry runs for every supported Python and system), apart from `make test`.
PLATFORM_TESTS := binder or colab

.PHONY: install data book test test-platforms test-fast bench variants check notebooks sync linkcheck lint clean

install: $(STAMP)

# Reinstall whenever the pinned stack changes; `make test` and `make book` depend on this.
$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "No Python 3.12, 3.13 or 3.14 found (PATH, pyenv). Install one: python.org's installer, \`uv python install 3.13\`, or conda (see book/setup.md); then run make install again, or make install PYTHON=/path/to/python3.13." >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if (3, 12) <= sys.version_info[:2] <= (3, 14) else "The workshop needs Python 3.12, 3.13 or 3.14; found " + sys.version.split()[0] + ". Run: make install PYTHON=/path/to/python3.13")'
	@if [ -x $(BIN)/python ] && ! $(BIN)/python -c 'import sys; sys.exit(not (3, 12) <= sys.version_info[:2] <= (3, 14))'; then echo "Removing $(VENV): it was made with an unsupported Python."; rm -rf $(VENV); fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable ".[book,lab,test,tools]"
	@touch $@

data: $(STAMP)
	$(BIN)/python -m workshop_utils.fetch

# The data comes first, so that a download's progress bar lands in the terminal, not a page.
# The notebooks run two at a time into the execution cache first (tools/execute_notebooks.py);
# the build then reads them from there. A notebook that fails there is run again by the build,
# which reports its error: that step saves time and never decides whether the build passes.
# The book offers the student and presenter notebooks as downloads, so they are written next,
# from the executed notebooks (their figure checks are the figures of that run).
book: $(STAMP) data
	-$(BIN)/python -m tools.execute_notebooks $(NOTEBOOKS)
	$(write_variants)
	$(BIN)/jupyter-book build . $(BOOK_FLAGS)

test: $(STAMP)
	$(BIN)/python -m pytest -m "not ($(PLATFORM_TESTS))"

test-platforms: $(STAMP)
	$(BIN)/python -m pytest -m "$(PLATFORM_TESTS)"

# One test process per core (pytest-xdist): the fast tier is single-threaded Python.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n auto -m "$(FAST_TESTS)"

bench: $(STAMP)
	$(BIN)/python -m benchmarks.bench

# The users notebooks' figure checks come from the book's executed notebooks: after `make book`
# (which runs this too) every figure has one; before it, the tool says which are missing.
define write_variants
	$(BIN)/python -m tools.variants --output variants --results benchmarks/results.json --executed $(EXECUTION_CACHE) notebooks/*.md
	$(BIN)/python -m tools.agendas book/agendas.yml notebooks/*.md --results benchmarks/results.json
endef

variants: $(STAMP)
	$(write_variants)

check: $(STAMP)
	$(BIN)/python -m workshop_utils.check --warm

notebooks: $(STAMP)
	$(BIN)/python -m tools.generated notebooks/*.md

sync: $(STAMP)
	$(BIN)/python tools/repository.py
	$(BIN)/python -m tools.generated notebooks/*.md

# The book offers the student and presenter notebooks as downloads: they must exist.
linkcheck: $(STAMP) variants
	$(BIN)/python tools/linkcheck.py

lint: $(STAMP)
	$(BIN)/ruff check workshop_utils tests benchmarks book/_ext tools
	$(BIN)/ruff format --check workshop_utils

clean:
	rm -rf _build
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m tools.generated --clean variants; \
	else echo "variants/ kept: without $(VENV) nothing can tell whether someone typed in it."; fi
