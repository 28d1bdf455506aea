# The single entry point of the workshop: the README and CI call these targets, nothing else.
#   make install   create .venv/ and install the pinned stack and workshop_utils
#   make data      download the recording (or generate the synthetic stand-in when offline)
#   make book      execute every notebook and build the website into _build/html
#   make test      run the test suite (it builds the book from scratch too)
#   make bench     measure notebook time, build times, page weight and peak memory
#   make variants  write the student and presenter notebooks into variants/
#   make check     check a laptop's setup before a workshop
#   make notebooks regenerate each paired .ipynb from its MyST .md source
#   make lint      ruff on the package, tests and notebooks
#   make clean     remove the built book, its execution cache and the variants

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BOOK_FLAGS ?= --warningiserror --nitpick --keep-going

.PHONY: install data book test bench variants check notebooks lint clean

install: $(STAMP)

# Reinstall whenever the pinned stack changes; `make test` and `make book` depend on this.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "The workshop stack needs Python 3.11 (NeMoS 0.2.8 is pinned); found " + sys.version.split()[0] + ". Run: make install PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable ".[book,test]"
	@touch $@

data: $(STAMP)
	$(BIN)/python -m workshop_utils.fetch

# The book offers the student and presenter notebooks as downloads, so it needs them first.
# The data comes first too, so that a download's progress bar lands in the terminal, not a page.
book: $(STAMP) variants data
	$(BIN)/jupyter-book build . $(BOOK_FLAGS)

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

variants: $(STAMP)
	$(BIN)/python -m workshop_utils.variants --output variants notebooks/*.md

check: $(STAMP)
	$(BIN)/python -m workshop_utils.check

notebooks: $(STAMP)
	$(BIN)/jupytext --update --to ipynb notebooks/*.md

lint: $(STAMP)
	$(BIN)/ruff check workshop_utils tests benchmarks book/_ext

clean:
	rm -rf _build variants
