# Two commands set everything up on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9

# A project-local Airflow: SQLite, no examples, this project's DAGs and plugins.
export AIRFLOW_HOME := $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER := $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN := sqlite:///$(AIRFLOW_HOME)/airflow.db
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS := admin:admin
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE := $(AIRFLOW_HOME)/passwords.json
# The connection form's Test button (off by default in Airflow 3): a local, single-user Airflow.
export AIRFLOW__CORE__TEST_CONNECTION := Enabled
# `airflow standalone` starts its components by name: the venv's bin must come first.
export PATH := $(BIN):$(PATH)

.PHONY: venv airflow-home airflow-db browser node-deps cluster-deps lint test test-fast demo up cluster bench proto localcloud-proto sdk-suites lock clean

venv: $(VENV)/.installed

# The development venv: the runtime set and the tools of requirements-dev.lock, this package
# (editable), and include/ (the local servers, the demo tooling) on the path, not installed.
$(VENV)/.installed: requirements-dev.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync -q --python $(BIN)/python requirements-dev.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps --no-build-isolation -e .
	echo $(CURDIR)/include > $$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')/tablestore-channels-devtools.pth
	touch $@

lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy

# The project-local Airflow home and its local-only login; airflow-db migrates its SQLite DB
# (make demo's, and the CLI's), make up migrates the DB it runs on itself.
airflow-home:
	mkdir -p $(AIRFLOW_HOME)
	test -f $(AIRFLOW_HOME)/passwords.json || echo '{"admin": "admin"}' > $(AIRFLOW_HOME)/passwords.json

airflow-db: venv airflow-home
	$(BIN)/airflow db migrate > $(AIRFLOW_HOME)/db-migrate.log 2>&1 || (cat $(AIRFLOW_HOME)/db-migrate.log; exit 1)

# Debian's chromium for the real-browser test of the web UI (Playwright drives it; it downloads
# no browser of its own).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	test -x $(CHROMIUM) || ($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium)

# The official Node.js SDKs the conformance tests (tests/conformance) run, exactly as the lock pins them.
NODE_DIR := tests/conformance/node
node-deps: $(NODE_DIR)/node_modules/.installed

$(NODE_DIR)/node_modules/.installed: $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# Debian's postgresql and redis-server, installed when missing: make up's metadata DB, and the
# Celery stack's (make cluster, its test, its bench) DB and broker. They run as unprivileged
# processes with project-local data.
cluster-deps:
	@if ! command -v redis-server > /dev/null || ! { command -v initdb > /dev/null || ls /usr/lib/postgresql/*/bin/initdb > /dev/null 2>&1; }; then \
		echo "Installing Debian's postgresql and redis-server"; \
		$(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql redis-server; \
	fi

# Three xdist workers on two cores: the tests with an Airflow stack of their own first, one stack
# on each of two workers (they mostly wait on their schedulers and tasks), the third on the slow
# modules from the start; then the rest by module on whichever is free (tests/conftest.py
# schedules them). The 20 slowest tests are listed at the end.
PYTEST_WORKERS ?= -n 3
# A freshly migrated metadata DB that each xdist worker copies (tests/conftest.py): the tests
# start from no runs, whatever .airflow/airflow.db (make up's, make demo's) holds.
TEST_DB_TEMPLATE := $(AIRFLOW_HOME)/tests-template.db
test: airflow-db browser node-deps cluster-deps
	rm -f $(TEST_DB_TEMPLATE)
	AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=sqlite:///$(TEST_DB_TEMPLATE) $(BIN)/airflow db migrate > $(AIRFLOW_HOME)/tests-db-migrate.log 2>&1 \
		|| (cat $(AIRFLOW_HOME)/tests-db-migrate.log; exit 1)
	$(BIN)/python -m pytest $(PYTEST_WORKERS) --durations=20 $(PYTEST_ARGS)

# Unit tests only (tests/conftest.py marks the rest `integration`): the venv, no servers, no metadata DB (a path that cannot open).
test-fast: venv
	AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=sqlite:///$(AIRFLOW_HOME)/unit-tests-have-no-metadata-db/airflow.db \
		$(BIN)/python -m pytest -m "not integration" $(PYTEST_ARGS)

demo: airflow-db
	$(BIN)/python -m devstack.demo

up: venv airflow-home cluster-deps
	$(BIN)/python -m devstack.up

# The CeleryExecutor stack with two workers on this machine, settings from .env (the file
# docker-compose reads; made from .env.example with new secrets when missing). Ctrl-C stops it.
cluster: venv cluster-deps
	$(BIN)/python -m devstack.cluster $(CLUSTER_ARGS)

# Every benchmark with its defaults, but the scaled runs (bench/bench_scaled.py) at a tenth of
# issue 23's sizes: `make bench BENCH_SCALED_ARGS=` runs them at 2,000,000 rows and 1,000,000 changes.
BENCH_SCALED_ARGS ?= --rows 200000 --small 100000 --changes 100000
bench: venv cluster-deps
	for script in bench/bench_*.py; do echo "== $$script"; \
		$(BIN)/python $$script $$([ $$script = bench/bench_scaled.py ] && echo "$(BENCH_SCALED_ARGS)") || exit 1; done

# Regenerate the protobuf module of the Tablestore calls the SDK lacks.
proto: venv
	cd plugins && $(BIN)/python -m grpc_tools.protoc -I. --python_out=. --pyi_out=. tablestore_channels/ots_client/ots_api.proto

# Regenerate the local Tablestore server's own protobuf module (stream, split and table messages).
localcloud-proto: venv
	cd include && $(BIN)/python -m grpc_tools.protoc -I. --python_out=. localcloud/tablestore/messages.proto

# The official Python SDKs' own test suites (oss2, tablestore; sdists from PyPI) against localcloud,
# their failures compared with tests/conformance/sdk_suites_expected.txt. Not part of `make test`.
sdk-suites: venv
	$(BIN)/python tests/conformance/sdk_suites.py

# Re-resolve both locks after editing requirements*.txt: the runtime lock is the runtime part of
# the development lock, so both hold the same versions.
LOCK_TARGET := --python-version 3.11 --python-platform x86_64-unknown-linux-gnu
lock: venv
	$(BIN)/uv pip compile -q requirements-dev.txt -o requirements-dev.lock $(LOCK_TARGET)
	$(BIN)/uv pip compile -q requirements.txt -c requirements-dev.lock -o requirements.lock $(LOCK_TARGET)

clean:
	rm -rf $(VENV) $(AIRFLOW_HOME) .localcloud .cluster .pytest_cache $(NODE_DIR)/node_modules
