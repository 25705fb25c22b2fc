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
# `airflow standalone` starts its components by name: the venv's bin must come first.
export PATH := $(BIN):$(PATH)

.PHONY: venv airflow-db node-deps test demo up bench proto localcloud-proto lock clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync -q --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps --no-build-isolation -e .
	touch $@

airflow-db: venv
	mkdir -p $(AIRFLOW_HOME)
	test -f $(AIRFLOW_HOME)/passwords.json || echo '{"admin": "admin"}' > $(AIRFLOW_HOME)/passwords.json
	$(BIN)/airflow db migrate > $(AIRFLOW_HOME)/db-migrate.log 2>&1 || (cat $(AIRFLOW_HOME)/db-migrate.log; exit 1)

# The official Node.js SDKs the conformance tests (tests/conformance) run, exactly as the lock pins them.
NODE_DIR := tests/conformance/node
node-deps: $(NODE_DIR)/node_modules/.installed

$(NODE_DIR)/node_modules/.installed: $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

test: airflow-db node-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

demo: airflow-db
	$(BIN)/python -m devstack.demo

up: airflow-db
	$(BIN)/python -m devstack.up

bench: venv
	for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# Regenerate the protobuf module of the Tablestore calls the SDK lacks.
proto: venv
	cd plugins && $(BIN)/python -m grpc_tools.protoc -I. --python_out=. tablestore_channels/tablestore/ots_api.proto

# Regenerate the local Tablestore server's own protobuf module (stream, split and table messages).
localcloud-proto: venv
	cd include && $(BIN)/python -m grpc_tools.protoc -I. --python_out=. localcloud/tablestore/messages.proto

# Re-resolve requirements.lock after editing requirements.txt.
lock: venv
	$(BIN)/uv pip compile -q requirements.txt -o requirements.lock --python-version 3.11 --python-platform x86_64-unknown-linux-gnu

clean:
	rm -rf $(VENV) $(AIRFLOW_HOME) .localcloud .pytest_cache $(NODE_DIR)/node_modules
