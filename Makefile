# Draftsmith — the usual targets. Every target installs what it needs first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
TOPIC ?= Why local language models matter for writers
ARGS ?=

.PHONY: install install-dev draft test test-deps lint format typecheck unit integration bench ui clean

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

## draft: write a post with --model auto, e.g. make draft TOPIC="Sourdough for beginners": a Llama 3
## already downloaded, else (online) the one recommended for this computer, pulled once with its
## size and a progress bar, else (offline) the embedded model, saying so in one line
draft: install
	$(PY) cli.py draft "$(TOPIC)" $(ARGS)

## test: lint, type-check and run every test suite
test: install-dev lint typecheck test-deps
	$(PY) -m pytest

## test-deps: what the tests need from outside, fetched before they run (the tests themselves never
## reach beyond 127.0.0.1): Debian's Chromium for the browser test and the tiny Llama 3 model's
## tokenizer; each one missing is one line saying which tests will be skipped
test-deps: install-dev
	@.ci/install-chromium
	@$(PY) -m tests.tiny_llama3 >/dev/null \
		|| echo "tiny Llama 3 tests skipped: llama-cpp-python's sdist could not be fetched from PyPI"

unit: install-dev
	$(PY) -m pytest tests/unit

integration: install-dev
	$(PY) -m pytest tests/integration

lint: install-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

format: install-dev
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

typecheck: install-dev
	$(PY) -m mypy

## bench: the embedded model, then a model that can write (CAPABLE=FILE.gguf; default: the file
## below when it exists), on every bench topic, each beside the one-prompt baseline on the same
## model (the capable model takes 10-30 minutes a topic on 2 cores)
CAPABLE ?= $(HOME)/.cache/draftsmith-eval/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf
bench: install-dev
	$(PY) -m bench.run --all-topics $(ARGS)
	@if [ -f "$(CAPABLE)" ]; then $(PY) -m bench.run --model "$(CAPABLE)" --all-topics --grounded-only --threads 1 $(ARGS); \
	else echo "capable-model bench skipped: no $(CAPABLE) (pass CAPABLE=FILE.gguf, e.g. Qwen2.5-Coder-1.5B-Instruct Q4_K_M)"; fi

ui: install
	$(PY) -m streamlit run app.py --server.address 127.0.0.1 --server.headless true

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
