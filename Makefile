# The two commands of the README: `make run` and `make test`. Each installs what is missing
# (scripts/install-deps.sh: Debian packages; scripts/build-web.sh: npm packages and the Vite
# build of web/, which the binary embeds), builds, and runs.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
export CCACHE_BASEDIR ?= $(CURDIR)

.PHONY: all deps build run test bench format clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@bash scripts/build-web.sh
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@bash scripts/run.sh $(BUILD)/redress

test: deps
	@bash scripts/test.sh

bench: build
	@python3 bench/run.py $(BUILD)/redress

format:
	@clang-format -i $$(git ls-files 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'tests/*.hpp')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
