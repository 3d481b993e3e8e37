# The few words every contributor types. The README's two commands are `make run` and `make test`.
VENV ?= .venv
DATA ?= data
LISTEN ?= 127.0.0.1:8080
PYTEST_ARGS ?=
TEMPEST_ARGS ?=
WORKERS ?= 3

.PHONY: setup setup-run run test lint bench tempest clean

# Everything the tests need (pyproject.toml's `test` extras, PostgreSQL for `make test`).
setup:
	@scripts/setup.sh test

# Only what running needs: cheptel, the openstack CLI of the README's walkthrough, the dashboard.
setup-run:
	@scripts/setup.sh cli

run: setup-run
	$(VENV)/bin/cheptel serve --listen $(LISTEN) --data-dir $(DATA)

lint: setup
	$(VENV)/bin/ruff check cheptel tests bench scripts
	$(VENV)/bin/mypy

# Three workers (one test module each at a time: most integration tests wait on clouds,
# clients and the engine, so a third keeps two cores busy), then the dataplane tests alone (they
# restart dockerd and time iptables changes to the second). pytest's exit 5 (nothing collected) is a failure here.
test: export CHEPTEL_WITH_POSTGRES = 1
test: setup lint
	@$(VENV)/bin/pytest -q -rs -n $(WORKERS) --dist loadfile --no-loadscope-reorder -m "not serial" $(PYTEST_ARGS); \
	rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests: a failure here"; fi; \
	[ $$rc -eq 0 ] || exit 1; \
	$(VENV)/bin/pytest -q -rs -m serial $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ] && [ -z "$(PYTEST_ARGS)" ]; then echo "no serial test collected"; exit 1; fi; \
	[ $$rc -eq 5 ] || exit $$rc

bench: setup
	$(VENV)/bin/python bench/identity.py
	$(VENV)/bin/python bench/api.py
	$(VENV)/bin/python bench/boot.py
	$(VENV)/bin/python bench/dashboard.py
	$(VENV)/bin/python bench/balancers.py

# Tempest's selected API tests against a fresh cheptel: docs/tempest-summary.md, and
# docs/support-matrix.md regenerated from the route tables and the results.
# TEMPEST_ARGS=--fast for CI's subset, --all for every identity/compute/image/network test,
# or --regex '...'.
tempest: setup
	$(VENV)/bin/python scripts/tempest.py $(TEMPEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
