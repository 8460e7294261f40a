# The two commands of the README. Both set up everything a fresh machine needs first:
# a virtual environment in .venv with the pinned dependency set (requirements.lock).
PYTHON ?= python3
VENV   := .venv
STAMP  := $(VENV)/.installed

.PHONY: demo test setup browser

demo: $(STAMP)
	$(VENV)/bin/trawl demo

test: $(STAMP) browser
	$(VENV)/bin/pytest -n 2 --dist loadfile --no-loadscope-reorder

setup: $(STAMP)

# Tests open the HTML report and Data Docs in headless Chromium, as a person would.
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

$(STAMP): requirements.lock requirements-bench.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -r requirements.lock
	$(VENV)/bin/python -m pip install --quiet --no-deps -r requirements-bench.lock
	$(VENV)/bin/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)
