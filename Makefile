# The commands a newcomer needs (see README.md).
PYTHON ?= python3.11

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
	.venv/bin/pip install --quiet --upgrade pip
	.venv/bin/pip install --quiet -r requirements-dev.txt
	@touch $@

clean:
	scripts/services.sh down
	rm -rf var/staticfiles var/screenshots
