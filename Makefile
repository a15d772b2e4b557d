# Thin front door over CMake. `make test` and `make demo` work on a fresh
# Debian 12 machine as root: both install what they need first (make deps).
#
#   make deps    apt packages (only the missing ones) and test npm packages
#   make build   release build in build/ (gcc)
#   make test    deps + both builds + every test under ASan/UBSan (clang, build-san/)
#   make demo    deps + build + the main job against the bundled catalog
#   make bench   benchmarks (bench/), printing their numbers
#   make fuzz    libFuzzer targets (tests/fuzz/), each for FUZZ_SECONDS
SHELL := /bin/bash

APT_PACKAGES := build-essential cmake pkg-config clang libclang-rt-14-dev \
  libcurl4-openssl-dev libcjson-dev libssh2-1-dev libarchive-dev libssl-dev \
  libcriterion-dev libyaml-dev libxml2-dev libxml2-utils libmicrohttpd-dev \
  openssl ca-certificates openssh-server golang-go golang-github-vmware-govmomi-dev
# the test server checks client certificates with GnuTLS (libmicrohttpd's TLS)
APT_PACKAGES += libgnutls28-dev
# the lab's kubectl tests read JSON answers with jq
APT_PACKAGES += jq
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 30
BUILD_TYPE ?= RelWithDebInfo

.PHONY: all deps deps-apt deps-npm build build-san test unit demo bench fuzz clean

all: build

deps: deps-apt deps-npm

deps-apt:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "deps: apt packages present"; fi

deps: deps-kubectl
.PHONY: deps-kubectl
# kubectl for the lab's tests: Debian's kubernetes-client, only when no kubectl
# is on PATH (it would conflict with an installed /usr/bin/kubectl).
deps-kubectl:
	@if command -v kubectl >/dev/null; then echo "deps: kubectl present"; else \
	  echo "deps: installing kubernetes-client (kubectl)"; \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends kubernetes-client; \
	fi

deps-npm:
	@if [ -f tests/node/package.json ]; then \
	  command -v npm >/dev/null || { sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	    $$sudo apt-get install -y -qq --no-install-recommends nodejs npm; }; \
	  if [ ! -d tests/node/node_modules ] || [ tests/node/package.json -nt tests/node/node_modules ]; then \
	    echo "deps: npm packages for the tests"; \
	    (cd tests/node && npm install --no-audit --no-fund --loglevel=error) && touch tests/node/node_modules; \
	  else echo "deps: npm packages present"; fi; \
	fi

build:
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DBUILD_TESTS=ON >/dev/null
	@cmake --build build -j $(JOBS)

build-san:
	@CC=clang cmake -S . -B build-san -DCMAKE_BUILD_TYPE=Debug -DSANITIZE=ON >/dev/null
	@cmake --build build-san -j $(JOBS)

test: deps build build-san
	@cd build-san && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

unit: build-san
	@cd build-san && ctest --output-on-failure -j $(JOBS) -R '^unit/' $(CTEST_ARGS)

demo: deps build
	@bash tests/demo.sh build/mtv-validate

bench: deps
	@cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTS=OFF >/dev/null
	@cmake --build build-bench -j $(JOBS) --target benches
	@for b in build-bench/bench_*; do echo "== $$b"; "$$b" || exit 1; done

fuzz: deps
	@CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DFUZZ=ON -DBUILD_TESTS=OFF >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@for f in build-fuzz/fuzz_*; do \
	  name=$$(basename $$f); mkdir -p build-fuzz/corpus/$$name; \
	  echo "== $$name for $(FUZZ_SECONDS)s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 build-fuzz/corpus/$$name tests/fuzz/corpus/$$name || exit 1; \
	done

clean:
	rm -rf build build-san build-bench build-fuzz
