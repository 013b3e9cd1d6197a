# The commands a newcomer needs (see README.md).
PYTHON ?= python3.11
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
# pip warns about every missing local mirror directory of this machine's pip config: noise.
PIP_QUIET := 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }

.PHONY: run test bench venv clean

run: venv
	@scripts/run.sh

test: venv
	@scripts/test.sh

bench: venv
	@scripts/bench.sh $(ARGS)

venv: .venv/.installed

.venv/.installed: requirements.txt requirements-dev.txt
	@test -x .venv/bin/python || $(PYTHON) -m venv .venv
	.venv/bin/pip install --quiet -r requirements-dev.txt $(PIP_QUIET)
	@touch $@

clean:
	scripts/services.sh down
	rm -rf var/staticfiles var/screenshots
