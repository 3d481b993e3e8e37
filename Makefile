# The few words every contributor types. The README's two commands are `make run` and `make test`.
VENV ?= .venv
DATA ?= data
LISTEN ?= 127.0.0.1:8080
PYTEST_ARGS ?=
TEMPEST_ARGS ?=

.PHONY: setup run test lint bench tempest clean

setup:
	@scripts/setup.sh

run: setup
	$(VENV)/bin/cheptel serve --listen $(LISTEN) --data-dir $(DATA)

lint: setup
	$(VENV)/bin/ruff check cheptel tests bench scripts

test: export CHEPTEL_WITH_POSTGRES = 1
test: setup lint
	@$(VENV)/bin/pytest -q -rs $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure here"; exit 1; fi; \
	exit $$rc

bench: setup
	$(VENV)/bin/python bench/identity.py
	$(VENV)/bin/python bench/boot.py

# Tempest's selected API tests against a fresh cheptel: docs/tempest-summary.md, and
# docs/support-matrix.md regenerated from the route tables and the results.
# TEMPEST_ARGS=--fast for CI's subset, --all for every identity/compute/image/network test,
# or --regex '...'.
tempest: setup
	$(VENV)/bin/python scripts/tempest.py $(TEMPEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
