# Set-up and checks. `make demo` and `make test` each install everything they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STAMP_IT := $(VENV)/.installed-integration

.PHONY: setup demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The CPU wheel of torch; an unpinned torch would pull several GB of CUDA packages.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The integration tier's real llama.cpp server (builds from source the first time).
$(STAMP_IT): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,integration]'
	touch $(STAMP_IT)

setup: $(STAMP)

demo: setup
	$(BIN)/icp demo

# The browser tier drives Debian's Chromium (never a browser downloaded by Playwright).
/usr/bin/chromium:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null

test: $(STAMP_IT) /usr/bin/chromium
	$(BIN)/ruff check .
	ICP_REQUIRE_INTEGRATION=1 ICP_REQUIRE_SHARED_DATA=1 $(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check .

bench: setup
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/mine_draft.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
