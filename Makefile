# Two commands do everything from a fresh clone:
#   make serve   install (first time), build the index (first time), start the web app
#   make test    install (first time, with Chromium for the browser tests), lint, run the tests and the eval gate
#   make test-fast   the unit tier only (a fake encoder, no model): seconds
#   make readme-examples   rewrite the README's example output from a real run
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed
SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: serve test test-fast install browser lint eval bench readme-examples

install: $(STAMP)

$(STAMP): pyproject.toml
	@echo "==> [1/3] Installing askhist into $(VENV) (first run only; a few minutes, mostly torch)"
	$(PYTHON) -m venv $(VENV)
	# torch first and pinned: the CPU build; an unpinned torch pulls GBs of CUDA packages.
	@echo "==> [1/3] Installing torch (CPU build)"
	$(BIN)/pip install --progress-bar on torch==2.13.0
	@echo "==> [1/3] Installing askhist and its other dependencies"
	$(BIN)/pip install --progress-bar on -e '.[dev,milvus]'
	touch $(STAMP)
	@echo "==> [1/3] Installed"

browser:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium chromium-driver; }

serve: $(STAMP)
	@echo "==> [2/3] Loading the collection; the first start builds its index (with a progress bar)"
	@echo "==> [3/3] Then the web app starts and prints its address"
	$(BIN)/askhist serve

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

eval: $(STAMP)
	$(BIN)/askhist eval --report eval/report

bench: $(STAMP)
	$(BIN)/python -m bench

readme-examples: $(STAMP)
	$(BIN)/python docs/make_readme_examples.py

test-fast: $(STAMP)
	$(BIN)/pytest -m unit -q

test: $(STAMP) browser lint
	$(BIN)/pytest
	$(BIN)/askhist eval
	# The same gate with the search in Milvus Lite (README, Deployment).
	$(BIN)/askhist eval --backend milvus --milvus-uri $(VENV)/milvus-eval.db
