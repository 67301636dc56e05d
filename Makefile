# The two commands: `make demo` runs a hub and three simulated devices; `make test` runs every test.
SWIFT ?= swift
BIN := $(shell pwd)/.build/debug

.PHONY: demo test deps build unit-tests system-tests hil benchmarks clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build --build-tests

demo: build
	@scripts/demo.sh "$(BIN)"

unit-tests: build
	$(SWIFT) test --skip-build

system-tests: build
	@scripts/install-deps.sh chromium
	@Tests/system/demo-smoke.sh "$(BIN)"

test: unit-tests system-tests

# Hardware-in-the-loop (docs/hardware-in-the-loop.md): the real firmware against a kernel gpio-sim chip
# in a small VM. Builds the kernel once (cached outside the repo). Not yet part of `make test`.
hil: build
	@Tests/hil/run.sh "$(BIN)/smiley-device"

benchmarks: deps
	$(SWIFT) build -c release --product DebouncerThroughput
	.build/release/DebouncerThroughput

clean:
	rm -rf .build .demo-state
