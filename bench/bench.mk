# SPDX-License-Identifier: GPL-2.0
#
# make bench: what the filter costs, side by side with what a site would use
# instead (issue 8, docs/benchmarks.md). Included by the top Makefile; not
# part of "make all": nothing here can fail a build.
#
#   make bench        two boots (baseline kernel, then the patched one), all
#                     seven configurations; table on stdout, build/bench/
#                     results.{csv,json}, docs/benchmarks.md updated; then
#                     the counted boots, Debian's kernel's among them
#                     (build/bench/stock/)
#   make bench-smoke  under a minute: the patched boot, every configuration
#                     but the baseline, a few iterations each; fails only if
#                     the benchmark itself is broken
#   make profile      guest instructions per RPC by kernel symbol, counted by
#                     QEMU (scripts/profile.sh), for PROFILE_CONFIGS

BENCH_BPF_SRCS := $(wildcard bench/*.bpf.c)
BENCH_BPF_OBJS := $(BENCH_BPF_SRCS:bench/%.bpf.c=$(BUILD)/bench/%.bpf.o)
BENCH_SKELS    := $(BENCH_BPF_OBJS:%.bpf.o=%.skel.h)
BENCH_SRCS     := $(filter-out %.bpf.c,$(wildcard bench/*.c))
BENCH_OBJS     := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/obj/%.o)
BENCH_BIN      := $(BUILD)/bench/fwctl-bench

PROFILE_CONFIGS ?= nopolicy allow floor site

.PHONY: bench bench-smoke bench-build profile

BENCH_PLUGIN   := $(BUILD)/bench/tbcount.so

bench-build: $(BENCH_BIN) $(BENCH_BPF_OBJS) $(BUILD)/fwctl-bpf $(BENCH_PLUGIN)

# the QEMU plugin that counts guest instructions (scripts/bench.sh, profile.sh)
$(BENCH_PLUGIN): bench/profile/tbcount.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -Wall -shared -fPIC -o $@ $<

# Debian's kernel is counted too when root (scripts/stock.sh): the
# packages of make deb, installed with apt, against the same source
# without the hook. BENCH_STOCK=0 skips it.
BENCH_STOCK ?= $(if $(filter 0,$(shell id -u)),1,0)

bench: deps bench-build $(if $(filter 1,$(BENCH_STOCK)),deb)
	$(Q)BENCH_STOCK=$(BENCH_STOCK) scripts/bench.sh

bench-smoke: deps bench-build
	$(Q)scripts/bench.sh --smoke

profile: deps bench-build
	$(Q)scripts/profile.sh $(PROFILE_CONFIGS)

$(BUILD)/bench/%.bpf.o: bench/%.bpf.c $(GENERATED) $(wildcard bpf/*.h bench/*.bpf.h)
	$(BPF_OBJ_RECIPE)

$(BUILD)/bench/%.skel.h: $(BUILD)/bench/%.bpf.o
	$(call SKEL_RECIPE,$*)

# policies/policies.mk is read after this file: $$(POLICY_SKELS) expands
# when the rule is used, not now (when it is still empty)
.SECONDEXPANSION:
$(BUILD)/bench/obj/%.o: bench/%.c $(wildcard bench/*.h) $(GENERATED) $(BENCH_SKELS) $$(POLICY_SKELS) \
		$(wildcard lib/*.h bpf/*_common.h tests/lib/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -Ibench -c $< -o $@

$(BENCH_BIN): $(BENCH_OBJS) $(LIB_OBJS) $(BUILD)/obj/tests/lib/sim.o $(BUILD)/obj/tests/lib/file.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ -o $@ $(LDLIBS) -lpthread -lm
