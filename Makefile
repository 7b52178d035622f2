# Two commands do everything from a fresh clone:
#   make serve   install (first time), build the index (first time), start the web app
#   make test    install (first time, with Chromium for the browser tests), lint, run the tests and the eval gate
#   make test-fast   the unit tier only (a fake encoder, no model): seconds
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed
SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: serve test test-fast install browser lint eval bench

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# torch first and pinned: the CPU build; an unpinned torch pulls GBs of CUDA packages.
	$(BIN)/pip install torch==2.13.0
	$(BIN)/pip install -e '.[dev,milvus]'
	touch $(STAMP)

browser:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium chromium-driver; }

serve: $(STAMP)
	$(BIN)/askhist serve

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

eval: $(STAMP)
	$(BIN)/askhist eval --report eval/report

bench: $(STAMP)
	$(BIN)/python -m bench

test-fast: $(STAMP)
	$(BIN)/pytest -m unit -q

test: $(STAMP) browser lint
	$(BIN)/pytest
	$(BIN)/askhist eval
	# The same gate with the search in Milvus Lite (README, Deployment).
	$(BIN)/askhist eval --backend milvus --milvus-uri $(VENV)/milvus-eval.db
