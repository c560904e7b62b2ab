# The two commands: `make demo` runs a whole simulated store, `make test` runs the test suite.
# Each installs what it needs: Debian packages (with apt-get, when missing), a virtual environment in .venv,
# and the Python packages. Both are idempotent: a second run installs nothing.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Debian packages the tests and the demo use: a real broker, its clients, a private D-Bus for the virtual BlueZ
# that the real bleak scans, and Chromium, which Playwright drives for the kiosk's and the dashboard's browser tests
# (Debian's package: Playwright's own browser download is not needed).
SYSTEM_PACKAGES := mosquitto mosquitto-clients dbus chromium
PYTEST_ARGS ?=

.PHONY: demo test lint system-deps venv clean help

help:
	@echo "make demo   run a whole simulated store on this machine"
	@echo "make test   run the test suite (installs what it needs)"
	@echo "make lint   ruff and mypy"

demo: system-deps venv
	$(BIN)/corsia demo

test: system-deps venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Install only the packages that are missing; refresh the package lists first, since a fresh machine's can be
# empty. As a non-root user, sudo is used when available.
system-deps:
	@missing=""; \
	for pkg in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$sudo apt-get update -qq; \
	  $$sudo apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@if ! $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then \
	  echo "Corsia needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) -V)"; exit 1; fi
	@if [ ! -x $(BIN)/python ]; then \
	  $(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	    sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
	    DEBIAN_FRONTEND=noninteractive $$sudo apt-get update -qq; \
	    DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq python3-venv >/dev/null; \
	    rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }; \
	fi
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build *.egg-info var
