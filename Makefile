# The two commands of the README, and a few helpers. Everything is set up on first use.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
PYTHON ?= python3
UV := $(PYTHON) -m uv

.PHONY: demo test down setup lint status logs chaos

## demo: install what is missing, start Kafka, Temporal, PostgreSQL and the five services, play the brief's three cases
demo: setup
	deploy/demo.sh

## test: install what is missing, start what the tests need, run lint, types and every test, stop what it started
test: setup
	deploy/test.sh

## down: stop the services and the infrastructure started by `make demo`
down:
	deploy/services.sh stop
	deploy/infra.sh down

## setup: the Python environment from the committed lock file (uv), and the Kafka jars
setup: .venv/.synced
	deploy/kafka.sh install

.venv/.synced: pyproject.toml uv.lock
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --frozen
	@touch $@

## chaos: the chaos suite on its own ports (tests/chaos/): faults under load, then nothing lost or doubled
chaos: setup
	.venv/bin/python -m tests.chaos.run

## lint: ruff and mypy only
lint: setup
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy

## status: what is running
status:
	-deploy/infra.sh status
	-deploy/services.sh status
