# SPDX-License-Identifier: MIT
# VoIP media gateway firmware: top-level build.
#
#   make deps    install every Debian package the project needs (idempotent)
#   make         build all programs and libraries into build/
#   make check   deps + build + unit tests (ASan/UBSan) + integration + fuzz smoke
#   make run     deps + build + the simulated board, until Ctrl-C
#   make bench   performance figures (never fails the build)
#   make fuzz    longer fuzzing runs (FUZZ_SECONDS per target)
#   make clean

SHELL     := /bin/bash
BUILD     := build
CC        ?= gcc
ifeq ($(origin CC),default)
CC        := gcc
endif
FUZZ_CC   := clang

# Every Debian package the project needs: build, tests, benchmarks, the lab.
DEB_PACKAGES := build-essential pkg-config clang libclang-rt-14-dev \
	libcmocka-dev libinih-dev liblwip-dev libnl-route-3-dev \
	libspandsp-dev libtiff-dev libspeexdsp-dev libortp-dev libbctoolbox-dev \
	dahdi-source libtonezone-dev sox libjansson-dev \
	libsofia-sip-ua-dev libsrtp2-dev libbcg729-dev sip-tester baresip-core jq \
	iproute2 iputils-ping ethtool util-linux procps python3 iperf3 \
	stress-ng rt-tests \
	libssl-dev libsqlite3-dev libpq-dev postgresql libmicrohttpd-dev curl \
	openssl chromium nodejs socat kamailio

# Installed only when the command is missing (COMMAND:PACKAGE): a machine's
# own nodejs may bring npm with it, and then conflicts with Debian's npm.
DEB_IF_NO_COMMAND := npm:npm

# npm packages of the browser test (playwright-core, which drives Debian's
# chromium), from the committed package.json and package-lock.json
NPM_DIR   := tests/integration/webui

PKGS      := inih lwip libnl-route-3.0 spandsp speexdsp ortp jansson \
	sofia-sip-ua libsrtp2 libssl libcrypto sqlite3 libpq libmicrohttpd libtiff-4 \
	libbcg729
WARN      := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wvla -Werror
CFLAGS_COMMON := -std=c11 -D_GNU_SOURCE -I. $(WARN) -g -pthread \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS    := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -pthread -lm

CFLAGS    := $(CFLAGS_COMMON) -O2
SAN       := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
CFLAGS_SAN := $(CFLAGS_COMMON) -O1 $(SAN) -DRTK_DEBUG=1
CFLAGS_FUZZ := $(CFLAGS_COMMON) -O1 \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer \
	-DRTK_DEBUG=1 -DFUZZING=1

# Components: every .c in these folders is part of libgw, except programs
# (files ending in _main.c), which become build/bin/<name>.
COMPONENTS := rtos-kernel sharednet board hal media signalling billing linux-side
include $(wildcard $(addsuffix /*.mk,$(COMPONENTS)))

ALL_SRCS  := $(foreach d,$(COMPONENTS),$(wildcard $(d)/*.c $(d)/*/*.c))
MAIN_SRCS := $(filter %_main.c,$(ALL_SRCS))
LIB_SRCS  := $(filter-out $(MAIN_SRCS),$(ALL_SRCS))
PROGS     := $(patsubst %_main.c,$(BUILD)/bin/%,$(notdir $(MAIN_SRCS)))

LIB       := $(BUILD)/lib/libgw.a
LIB_SAN   := $(BUILD)/san/lib/libgw.a
LIB_FUZZ  := $(BUILD)/fuzz/lib/libgw.a

UNIT_SRCS := $(sort $(wildcard tests/unit/*/test_*.c tests/unit/*/*/test_*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/san/tests/unit/%,$(UNIT_SRCS))
FAKE_SRCS := $(wildcard tests/fakes/*.c)
FUZZ_DIRS := $(sort $(dir $(wildcard tests/fuzz/*/fuzz_*.c)))
FUZZ_BINS := $(foreach d,$(FUZZ_DIRS),$(BUILD)/fuzz/$(notdir $(d:/=)))
REPLAY_BINS := $(foreach d,$(FUZZ_DIRS),$(BUILD)/san/replay/$(notdir $(d:/=)))
BENCH_SRCS := $(wildcard tests/bench/bench_*.c)
BENCH_BINS := $(patsubst tests/bench/%.c,$(BUILD)/bin/%,$(BENCH_SRCS))
# test tools (probes, receivers) used by integration tests and benchmarks
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(patsubst tests/tools/%.c,$(BUILD)/bin/%,$(TOOL_SRCS))

.PHONY: all deps check run bench fuzz clean unit-bins fuzz-bins
.DEFAULT_GOAL := all

all: $(PROGS) $(LIB) $(BENCH_BINS) $(TOOL_BINS)

# --- dependencies -----------------------------------------------------------
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q '^install ok installed' || echo $$p; done; \
		for c in $(DEB_IF_NO_COMMAND); do \
		command -v $${c%%:*} >/dev/null || echo $${c#*:}; done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing" $$missing; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y --no-install-recommends $$missing || \
		{ apt-get update && apt-get install -y --no-install-recommends $$missing; }; \
	else echo "deps: all $(words $(DEB_PACKAGES)) packages installed"; fi
	@if [ -e $(NPM_DIR)/node_modules/playwright-core/package.json ] && \
	    [ ! $(NPM_DIR)/package-lock.json -nt \
	      $(NPM_DIR)/node_modules/.package-lock.json ]; then \
		echo "deps: npm packages of $(NPM_DIR) installed"; \
	else cd $(NPM_DIR) && npm ci --no-audit --no-fund; fi

# --- objects ----------------------------------------------------------------
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/san/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_SAN) -MMD -MP -c $< -o $@

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CFLAGS_FUZZ) -MMD -MP -c $< -o $@

$(LIB): $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(LIB_SAN): $(patsubst %.c,$(BUILD)/san/obj/%.o,$(LIB_SRCS))
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(LIB_FUZZ): $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(LIB_SRCS))
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# --- programs ---------------------------------------------------------------
define prog_rule
$(BUILD)/bin/$(notdir $(1:_main.c=)): $(BUILD)/obj/$(1:.c=.o) $(LIB)
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach m,$(MAIN_SRCS),$(eval $(call prog_rule,$(m))))

$(BUILD)/bin/bench_%: $(BUILD)/obj/tests/bench/bench_%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(TOOL_BINS): $(BUILD)/bin/%: $(BUILD)/obj/tests/tools/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# --- unit tests (cmocka, ASan + UBSan) ----------------------------------------
$(BUILD)/san/tests/unit/%: $(BUILD)/san/obj/tests/unit/%.o \
		$(patsubst %.c,$(BUILD)/san/obj/%.o,$(FAKE_SRCS)) $(LIB_SAN)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_SAN) -o $@ $^ -lcmocka $(LDLIBS)

unit-bins: $(UNIT_BINS)

# --- fuzz targets: libFuzzer binaries, and ASan replay binaries that read
# one input from stdin or files (AFL++-style), for gcc-built corpus replay ---
define fuzz_rule
$(BUILD)/fuzz/$(1): $(BUILD)/fuzz/obj/tests/fuzz/$(1)/fuzz_$(1).o $(LIB_FUZZ)
	@mkdir -p $$(@D)
	$$(FUZZ_CC) $$(CFLAGS_FUZZ) -fsanitize=fuzzer -o $$@ $$^ $$(LDLIBS)

$(BUILD)/san/replay/$(1): $(BUILD)/san/obj/tests/fuzz/$(1)/fuzz_$(1).o \
		$(BUILD)/san/obj/tests/fuzz/replay_driver.o $(LIB_SAN)
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS_SAN) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach d,$(FUZZ_DIRS),$(eval $(call fuzz_rule,$(notdir $(d:/=)))))

fuzz-bins: $(FUZZ_BINS) $(REPLAY_BINS)

# --- the two commands, and the rest -----------------------------------------
check: deps
	$(MAKE) all unit-bins fuzz-bins
	@tests/run-all

run: deps
	$(MAKE) all
	@board/sim/run

bench: deps
	$(MAKE) all
	@tests/bench/run-all || true

FUZZ_SECONDS ?= 300
fuzz: deps
	$(MAKE) fuzz-bins
	@for f in $(FUZZ_BINS); do \
		t=$$(basename $$f); mkdir -p $(BUILD)/fuzz/corpus/$$t; \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(BUILD)/fuzz/ \
			$(BUILD)/fuzz/corpus/$$t tests/fuzz/$$t/corpus || exit 1; \
	done

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
