# MedSign — `make run` to start the platform, `make test` to run every test layer.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
BUILD ?= build
DATA ?= ./var
CMAKE_COMMON := -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
# ccache hits across clones (CI builds a fresh clone in another folder).
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: all deps build build-asan build-fuzz web run test clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=Release

build: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

build-asan:
	cmake -S . -B build-asan $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=Debug -DMEDSIGN_SANITIZE=ON -DMEDSIGN_BENCH=OFF
	cmake --build build-asan -j $(JOBS) --target unit_all

build-fuzz:
	CC=clang CXX=clang++ cmake -S . -B build-fuzz $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEDSIGN_FUZZ=ON -DMEDSIGN_BENCH=OFF
	cmake --build build-fuzz -j $(JOBS) --target fuzz_all

# The web console (React + Vite) is built into web/console/dist and served by medsign serve at /.
web:
	@if [ -f web/console/package.json ]; then bash scripts/build-web.sh; fi

run: deps build web
	@bash scripts/run.sh $(BUILD)/bin/medsign $(DATA)

test: deps build build-asan build-fuzz web
	@bash scripts/test.sh

clean:
	rm -rf build build-asan build-fuzz
