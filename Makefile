# dorf: the two commands the README opens with, and a few for developers.
#
#   make demo   install what is missing, build, import the sample region, show what it holds
#   make test   install what is missing, build, run the whole suite plain and under ASan+UBSan,
#               then a short run of every fuzz target
#
# Both work as root on a fresh Debian 12 machine; scripts/install-deps adds missing packages.

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
DEMO_DB ?= demo/region.dorf
DEMO_EXTRACT ?= data-samples/north-bayreuth.osm.pbf
FUZZ_SECONDS ?= 20

.PHONY: all deps deps-postgres build release asan fuzz demo test test-plain test-asan test-fuzz bench clean

all: build

deps:
	@scripts/install-deps

# The suite's tests/routing/test_pgrouting.sh compares routes with pgRouting on a throwaway
# PostgreSQL (scripts/pg-test-server), so every target that runs ctest installs it too.
deps-postgres:
	@scripts/install-deps --postgres

build: deps
	cmake --preset debug >/dev/null
	cmake --build build/debug -j$(JOBS)

release: deps
	cmake --preset release >/dev/null
	cmake --build build/release -j$(JOBS)

asan: deps
	cmake --preset asan >/dev/null
	cmake --build build/asan -j$(JOBS)

fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build build/fuzz -j$(JOBS)

demo: release
	@mkdir -p $(dir $(DEMO_DB))
	build/release/cli/dorf import --db $(DEMO_DB) $(DEMO_EXTRACT)
	@echo
	build/release/cli/dorf info --db $(DEMO_DB)

test: deps-postgres build asan fuzz
	scripts/run-tests

test-plain: deps-postgres build
	ctest --test-dir build/debug --output-on-failure -j$(JOBS)

test-asan: deps-postgres asan
	ctest --test-dir build/asan --output-on-failure -j$(JOBS)

test-fuzz: fuzz
	scripts/run-fuzz $(FUZZ_SECONDS)

bench: release
	scripts/install-deps --bench
	tests/bench/import/run build/release/cli/dorf
	tests/bench/routing/run build/release

clean:
	rm -rf build demo
