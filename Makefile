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

# Tempest against a fresh cheptel; results in docs/tempest-summary.md.
# TEMPEST_ARGS=--full for identity/compute/image/network, or --regex '...'.
tempest: setup
	$(VENV)/bin/python scripts/tempest.py $(TEMPEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
