# The two commands: `make demo` runs a hub and four simulated devices; `make test` runs every test.
SWIFT ?= swift
BIN := $(shell pwd)/.build/debug
# Debian's multiarch triplet of this machine (x86_64-linux-gnu, aarch64-linux-gnu, ...): nothing assumes x86_64.
MULTIARCH := $(shell gcc -print-multiarch)

.PHONY: demo test lint deps build build-gpiod2 unit-tests benchmark-smoke system-tests screenshots hil benchmarks fuzz manuals clean deb deb-test systemd-test package-tests

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build --build-tests

demo: build
	@scripts/demo.sh "$(BIN)"

# The alert delivery tests talk to a real SMTP server (aiosmtpd) from the Python environment; the storage
# tests run on SQLite and on a throwaway PostgreSQL server of their own (scripts/with-postgres.sh).
unit-tests: build
	@scripts/python-env.sh >/dev/null
	scripts/with-postgres.sh $(SWIFT) test --skip-build

system-tests: build
	@scripts/install-deps.sh chromium chromium-driver
	@Tests/system/demo-smoke.sh "$(BIN)" "$$(scripts/python-env.sh)"
	@"$$(scripts/python-env.sh)" Tests/system/metrics_scrape.py "$(BIN)"
	@Tests/system/arguments-without-proc.sh "$(BIN)"
	@scripts/with-postgres.sh "$$(scripts/python-env.sh)" Tests/system/postgres_two_hubs.py "$(BIN)"
	@scripts/with-postgres.sh "$$(scripts/python-env.sh)" Tests/system/postgres_people.py "$(BIN)"
	@scripts/with-postgres.sh "$$(scripts/python-env.sh)" Tests/system/hub_cli_backends.py "$(BIN)"
	@scripts/with-postgres.sh "$$(scripts/python-env.sh)" Tests/system/postgres_weekly_reports.py "$(BIN)"
	@scripts/with-postgres.sh Tests/system/postgres_browser.sh "$(BIN)" "$$(scripts/python-env.sh)"

# Screenshots of the overview and a centre page for docs/, taken from the demo by the browser tests.
screenshots: build
	@scripts/install-deps.sh chromium chromium-driver
	@SMILEY_SMOKE_HISTORY_DAYS=91 Tests/system/demo-smoke.sh "$(BIN)" "$$(scripts/python-env.sh)" \
		--screenshots "$$(pwd)/docs/screenshots"

test: lint unit-tests benchmark-smoke system-tests hil package-tests

# The tree is formatted with `swift format` (.swift-format); `swift format format -i -r Sources Tests Benchmarks Fuzz Package.swift` fixes it.
lint:
	swift format lint --strict -r Sources Tests Benchmarks Fuzz Package.swift

# Each benchmark once at a tiny size (debug build; `build` builds every benchmark target), so none can rot
# unnoticed; figures come from `make benchmarks`. The device-in-VM benchmark boots a VM (minutes): its
# scripts are only checked for syntax here; `make hil` exercises the same VM.
benchmark-smoke: build
	$(BIN)/DebouncerThroughput 20000 1
	$(BIN)/IngestThroughput 200 1
	scripts/with-postgres.sh $(BIN)/HeatmapWindow 2000 4
	scripts/with-postgres.sh $(BIN)/PostgresIngest 1000 1
	$(BIN)/AlertEvaluation 50 2
	$(BIN)/LoadGenerator --hub $(BIN)/smiley-hub --devices 20 --seconds 4 --batch-seconds 2 --heartbeat-seconds 4
	$(BIN)/LoadGenerator --hub $(BIN)/smiley-hub --devices 8 --seconds 2 --mode saturate --workers 4
	$(BIN)/LoadGenerator --hub $(BIN)/smiley-hub --devices 8 --seconds 1 --mode saturate --workers 4 \
		--readers 2 --read-rate 12 --phases 2 --warmup-seconds 1
	scripts/with-postgres.sh Benchmarks/LoadGenerator/on-postgres.sh $(BIN) --hubs 2 --devices 20 --seconds 4 \
		--batch-seconds 2 --heartbeat-seconds 4
	bash -n Benchmarks/device-in-vm/run.sh && bash -n Benchmarks/device-in-vm/guest.sh
	python3 Benchmarks/device-idle/idle-wakeups.py $(BIN)/smiley-device --seconds 3 --settle 2 --watchdog-usec 2000000

# smiley-device built against libgpiod 2.x (Debian's bookworm-backports, unpacked into a private prefix).
build-gpiod2: deps
	prefix="$$(Hardware/sim/libgpiod2-prefix.sh)" && \
	export PKG_CONFIG_PATH="$$prefix/usr/lib/$(MULTIARCH)/pkgconfig" && \
	$(SWIFT) build --product smiley-device --scratch-path .build-gpiod2 && \
	$(SWIFT) build --product smileyctl --scratch-path .build-gpiod2

# Hardware-in-the-loop (docs/hardware-in-the-loop.md): the real firmware, built against libgpiod 1.6 and
# 2.x, against a kernel gpio-sim chip in a small VM. The kernel is built once and cached outside the repo.
hil: build build-gpiod2
	Hardware/sim/build-kernel.sh >/dev/null
	prefix="$$(Hardware/sim/libgpiod2-prefix.sh)" && \
	Tests/hil/run.sh "libgpiod1.6=$(BIN)/smiley-device" \
		"libgpiod2=.build-gpiod2/debug/smiley-device:$$prefix/usr/lib/$(MULTIARCH)"

benchmarks: deps
	$(SWIFT) build -c release --product DebouncerThroughput
	.build/release/DebouncerThroughput
	$(SWIFT) build -c release --product IngestThroughput
	.build/release/IngestThroughput
	$(SWIFT) build -c release --product HeatmapWindow
	.build/release/HeatmapWindow
	$(SWIFT) build -c release --product PostgresIngest
	scripts/with-postgres.sh .build/release/PostgresIngest
	$(SWIFT) build -c release --product AlertEvaluation
	.build/release/AlertEvaluation
	$(SWIFT) build -c release --product LoadGenerator
	$(SWIFT) build -c release --product smiley-hub
	.build/release/LoadGenerator --hub .build/release/smiley-hub --devices 1000 --seconds 120
	.build/release/LoadGenerator --hub .build/release/smiley-hub --devices 10000 --seconds 120
	.build/release/LoadGenerator --hub .build/release/smiley-hub --devices 1000 --seconds 30 --mode saturate
	test -f /tmp/hw-1m.sqlite || HEATMAP_WINDOW_DATABASE=/tmp/hw-1m.sqlite .build/release/HeatmapWindow 1000000 200
	.build/release/LoadGenerator --hub .build/release/smiley-hub --hub-file /tmp/hw-1m.sqlite --devices 1000 \
		--mode saturate --seconds 20 --phases 6 --readers 4 --read-rate 6
	scripts/with-postgres.sh sh -c 'for hubs in 1 2 1 2; do \
		Benchmarks/LoadGenerator/on-postgres.sh .build/release --devices 1000 --seconds 60 --hubs $$hubs; done'
	$(SWIFT) build -c release --product smiley-device
	python3 Benchmarks/device-idle/idle-wakeups.py .build/release/smiley-device --runs 2

# Coverage-guided fuzzing of the decoders (scripts/fuzz.sh): FUZZ_SECONDS per target, corpus in Fuzz/corpus.
FUZZ_SECONDS ?= 60
fuzz: deps
	scripts/fuzz.sh $(FUZZ_SECONDS)

# Man pages and shell completions, generated from the command definitions into docs/.
manuals: build
	$(SWIFT) package --allow-writing-to-package-directory generate-manual --configuration debug
	mkdir -p docs/man docs/completions
	cp .build/plugins/GenerateManual/outputs/*/*.1 docs/man/
	for tool in smileyctl smiley-hub smiley-device; do for shell in bash zsh fish; do \
		$(BIN)/$$tool --generate-completion-script $$shell > docs/completions/$$tool.$$shell; done; done

# Debian packages of this machine's architecture (docs/packaging.md): release binaries with the Swift
# runtime linked in, into .build/deb/.
deb: deps
	$(SWIFT) build -c release --static-swift-stdlib --product smiley-device
	$(SWIFT) build -c release --static-swift-stdlib --product smileyctl
	$(SWIFT) build -c release --static-swift-stdlib --product smiley-hub
	packaging/build-deb.sh "$$(pwd)/.build/release" "$$(pwd)/.build/deb"

# Installs both packages with apt-get into a copy of a cached minimal Debian root, checks files, users
# and modes, purges them and checks what remains (as root: debootstrap and chroot).
deb-test: deb
	@scripts/install-deps.sh debootstrap
	packaging/deb-test.sh "$$(pwd)/.build/deb"

# The shipped units under systemd as PID 1: both packages installed with apt into a Debian root booted
# in the hardware-in-the-loop kernel (docs/packaging.md, "Under systemd"). As root.
systemd-test: deb
	@scripts/install-deps.sh debootstrap qemu-system-x86 e2fsprogs
	packaging/systemd-test.sh "$$(pwd)/.build/deb"

# deb-test and systemd-test as part of `make test`, on packages of the debug build: the three commands
# linked again from its objects with the Swift runtime linked in (packaging/link-static.py: a link, not a
# compile), packed into .build/deb-debug/. As root (with the kernel of `make hil`, which runs before);
# not root: fails with CI set, otherwise says it skipped them.
package-tests: build
	@packaging/package-tests.sh "$(SWIFT)"

clean:
	rm -rf .build .demo-state
