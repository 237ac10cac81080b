# finngl: the two commands a fresh machine needs are `make demo` and `make test`.
# Both set up what is missing (scripts/setup.sh is idempotent), build, then run.
BUILD ?= build
PY := .venv/bin/python
JOBS ?= $(shell nproc)

.PHONY: all setup build test test-cpp test-python demo bench clean

all: build

setup:
	@./scripts/setup.sh

build: setup
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

test-cpp: build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

test-python: build
	@FINNGL_BIN=$(abspath $(BUILD))/tools/finngl $(PY) -m pytest -q -n $(JOBS) tests/python

test: test-cpp test-python

demo: build
	@./scripts/demo.sh

bench: build
	@./scripts/bench.sh

clean:
	rm -rf $(BUILD)
