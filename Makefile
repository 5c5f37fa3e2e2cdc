# Set-up and checks. `make demo` and `make test` each install everything they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STAMP_IT := $(VENV)/.installed-integration

.PHONY: setup demo test install-check lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The CPU wheel of torch; an unpinned torch would pull several GB of CUDA packages.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The integration tier's real llama.cpp server, built from source once into a wheel kept in
# $(WHEELS). Portable CPU kernels (AVX2): a native build picks AVX-512/AMX kernels that
# segfault on the first multi-token batch on this workplace's sandboxed machines.
LLAMA_VERSION := 0.3.36
LLAMA_CMAKE := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
WHEELS ?= $(HOME)/.cache/icp-agent/wheels
LLAMA_WHEEL = $(firstword $(wildcard $(WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl))

$(STAMP_IT): $(STAMP)
	@if [ -z "$(LLAMA_WHEEL)" ]; then \
	  echo "building llama-cpp-python $(LLAMA_VERSION) (about 9 minutes on 2 cores, once)"; \
	  CMAKE_ARGS="$(LLAMA_CMAKE)" $(BIN)/pip wheel --quiet --no-cache-dir --no-deps \
	    -w $(WHEELS) llama-cpp-python==$(LLAMA_VERSION); fi
	$(BIN)/pip install --quiet --no-deps --force-reinstall \
	  $$(ls $(WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl | head -1)
	$(BIN)/pip install --quiet -e '.[dev,integration]'
	touch $(STAMP_IT)

setup: $(STAMP)

demo: setup
	$(BIN)/icp demo

# The browser tier drives Debian's Chromium (never a browser downloaded by Playwright).
/usr/bin/chromium:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null

# Real-data tests skip, named, on a clone without ../shared; .ci/run sets
# ICP_REQUIRE_SHARED_DATA=1 so that there they must run.
test: $(STAMP_IT) /usr/bin/chromium
	$(BIN)/ruff check .
	$(BIN)/mypy
	ICP_REQUIRE_INTEGRATION=1 $(BIN)/pytest -q

# A non-editable install into a fresh venv runs the demo and an eval (CI runs it too).
install-check:
	.ci/install-check

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: setup
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/mine_draft.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
