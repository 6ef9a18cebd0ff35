# Thin wrapper over CMake. The targets are the commands README.md gives.
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CTEST_ARGS ?=

.PHONY: all deps build demo test test-asan bench install package clean

all: build

# Installs the Debian packages nsx needs (only the missing ones).
deps:
	@tools/install-deps.sh

$(BUILD)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: $(BUILD)/Makefile
	@cmake --build $(BUILD) -j $(JOBS) >/dev/null

# A first scan: starts a small service on 127.0.0.1 and runs real Nmap
# scripts against it.
demo: deps build
	@tools/demo.sh $(BUILD)

test: deps build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DNSX_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

bench: deps build
	@bench/run.sh $(BUILD)

# Fuzzes each tests/fuzz target for FUZZ_TIME seconds in a clang build of
# its own (FUZZ_ARGS=--merge adds new coverage to the seed corpora).
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME ?= 10
FUZZ_ARGS ?=
fuzz: deps
	@sh tests/fuzz/run.sh --build $(FUZZ_BUILD) --time $(FUZZ_TIME) $(FUZZ_ARGS)

# Installs bin/nsx, the man page, bash completion and the JSON Lines schema
# under PREFIX (default: the build's CMAKE_INSTALL_PREFIX, /usr/local),
# staged under DESTDIR if given:  make install PREFIX=/opt/nsx DESTDIR=/tmp/s
install: build
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) \
	  $(if $(PREFIX),--prefix "$(PREFIX)")

# A Debian package of the same files under /usr, built by CPack:
# $(BUILD)/nsx_<version>_<arch>.deb
package: build
	cd $(BUILD) && cpack -G DEB

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
