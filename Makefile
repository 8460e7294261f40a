# The two commands of the README. Both set up everything a fresh machine needs first:
# a virtual environment in .venv with the pinned dependency set (requirements.lock).
PYTHON ?= python3
VENV   := .venv
STAMP  := $(VENV)/.installed

.PHONY: demo test setup

demo: $(STAMP)
	$(VENV)/bin/trawl demo

test: $(STAMP)
	$(VENV)/bin/pytest

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -r requirements.lock
	$(VENV)/bin/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)
