# ustack: the two set-up commands are `make demo` and `make test` (see README.md).
# Every target first installs what is missing from Debian, then configures and builds.

SHELL := /bin/bash
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 120

# Debian packages the build, the tests and the tools need.
PACKAGES := build-essential cmake ninja-build pkg-config clang clang-format libclang-rt-14-dev \
            libpcap-dev libfmt-dev libcli11-dev libexpected-dev googletest libgtest-dev \
            libgmock-dev libbenchmark-dev liblwip-dev iperf3 tcpdump tshark iproute2 ethtool iputils-ping \
            python3 curl netcat-openbsd nftables util-linux

CMAKE_FLAGS := -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON

.PHONY: all deps release debug test demo fuzz bench golden format clean

all: release

# Installs only what is missing: one `apt-get update`, then `apt-get install -y`.
deps:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -q && apt-get install -y -q $$missing; \
	fi

release: deps
	cmake -S . -B build $(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=Release
	cmake --build build -j $(JOBS)

debug: deps
	cmake -S . -B build-debug $(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=Debug
	cmake --build build-debug -j $(JOBS)

# Every test, in the Debug build with AddressSanitizer and UndefinedBehaviorSanitizer.
test: debug
	cd build-debug && TZ=UTC ctest --output-on-failure -j $(JOBS)

# The main job: the seed articles' exchange (handshake, "hello", echo, three-packet close, TIME-WAIT)
# between two ustack stacks on a simulated link, printed as tcpdump prints it with each side's
# state changes in between; writes demo.pcap. `./build/ustack demo --help` lists the variants.
demo: release
	./build/ustack demo

# libFuzzer targets (clang), each run for FUZZ_SECONDS.
fuzz: deps
	CXX=clang++ cmake -S . -B build-fuzz $(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DUSTACK_FUZZ=ON
	cmake --build build-fuzz -j $(JOBS)
	tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

bench: release
	bench/print_vs_tcpdump.sh
	bench/compare.sh build

# Regenerates tests/golden/ from the Linux kernel in network namespaces (needs root).
golden: release
	tests/golden/make_corpus.sh

format:
	find src tests bench -name '*.cpp' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf build build-debug build-fuzz
