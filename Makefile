# Relais developer commands. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

RELAIS_CACHE_DIR ?= $(HOME)/.cache/relais
TOOLS := $(RELAIS_CACHE_DIR)/tools
UV_VERSION := 0.13.8
# Our pinned uv first.
export PATH := $(TOOLS)/bin:$(PATH)
# Never let uv download an interpreter: use the machine's Python 3.11+.
export UV_PYTHON_DOWNLOADS := never

UV := $(TOOLS)/bin/uv
# axe-core (accessibility rules) from npm, for the browser tests; never copied into the repo.
AXE_VERSION := 4.14.1
AXE_STAMP := $(RELAIS_CACHE_DIR)/axe/.installed-$(AXE_VERSION)
VENV_STAMP := .venv/.synced
RELAIS := .venv/bin/relais
PYTEST := .venv/bin/pytest

# Run the shell command $(1) with Kafka and the store (SecantusDB) up; afterwards stop only
# what this target started (what was already running stays up). The command's exit code is kept.
define with_infra
	@started=$$(mktemp); \
	trap '$(RELAIS) infra down --started-file "$$started" >/dev/null; rm -f "$$started"' EXIT; \
	$(RELAIS) infra up --started-file "$$started" && $(1)
endef

.PHONY: help run up down status test test-unit bench contracts lint fmt screenshots .venv

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV_STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@

.venv: $(VENV_STAMP) ## Create or update the virtualenv from uv.lock

$(AXE_STAMP):
	npm install --silent --no-audit --no-fund --prefix $(RELAIS_CACHE_DIR)/axe axe-core@$(AXE_VERSION)
	@touch $@

run: $(VENV_STAMP) ## Run infrastructure and all services in the foreground (Ctrl-C stops)
	$(RELAIS) stack run

up: $(VENV_STAMP) ## Start infrastructure and all services in the background
	$(RELAIS) stack up

down: $(VENV_STAMP) ## Stop what `make up` started
	$(RELAIS) stack down

status: $(VENV_STAMP) ## Show what runs where
	$(RELAIS) stack status

test: $(VENV_STAMP) $(AXE_STAMP) ## Run every test tier against real Kafka and SecantusDB
	$(call with_infra,{ $(PYTEST) -q; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; fi; \
	  exit $$rc; })

test-unit: $(VENV_STAMP) ## Run the tests that need no infrastructure
	$(PYTEST) -q -m "not integration and not e2e"

bench: $(VENV_STAMP) ## Run the benchmarks against real Kafka and SecantusDB
	$(call with_infra,.venv/bin/python -m tests.bench)

screenshots: $(VENV_STAMP) ## Screenshots of the main pages into docs/screenshots/ (Chromium)
	$(call with_infra,.venv/bin/python -m tests.e2e.screenshots)

contracts: $(VENV_STAMP) ## Regenerate contracts/ (JSON Schemas, AsyncAPI, OpenAPI) from the code
	.venv/bin/python -c 'from tools.contracts import write_all; print(*write_all(), sep="\n")'

lint: $(VENV_STAMP) ## ruff (lint and format check) and mypy
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

fmt: $(VENV_STAMP) ## Format and fix what ruff can
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .
