# SPDX-License-Identifier: GPL-2.0
#
# tests/stress/: the reliability and security suite (issue 9), included by
# the top Makefile.
#
#   make check-stress  the short version of every test, default kernel,
#                      about a minute in the VM (part of make check)
#   make stress        the issue's counts, debug kernel (KASAN, lockdep,
#                      UBSAN, kmemleak, fault injection, panic_on_warn)
#
# build/stress-tests is one Criterion binary; tests/stress/run-suite.sh
# runs it in the guest and then checks the kernel (taint, kmemleak).

STRESS_SRCS  := $(wildcard tests/stress/*.c)
STRESS_OBJS  := $(STRESS_SRCS:%.c=$(BUILD)/obj/%.o)
STRESS_PROGS := $(wildcard tests/stress/progs/*.bpf.c)
STRESS_BPF   := $(STRESS_PROGS:tests/stress/progs/%.bpf.c=$(BUILD)/stress/%.bpf.o)
# fail_*.bpf.c must not load: the tests open the object file, no skeleton.
STRESS_SKELS := $(patsubst tests/stress/progs/%.bpf.c,$(BUILD)/stress/%.skel.h,\
		  $(filter-out tests/stress/progs/fail_%,$(STRESS_PROGS)))
STRESS_TEST_LIB := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/lib/*.c))
STRESS_TIMEOUT ?= 5400

ALL += $(BUILD)/stress-tests

.PHONY: stress check-stress stress-build

stress-build: $(BUILD)/stress-tests

$(BUILD)/stress/%.bpf.o: tests/stress/progs/%.bpf.c $(GENERATED) \
		$(wildcard bpf/*.h tests/stress/progs/*.h policies/*.bpf.c)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -Itests/stress/progs -c $< -o $@.tmp
	$(Q)$(BPFTOOL) gen object $@ $@.tmp && rm -f $@.tmp

$(BUILD)/stress/%.skel.h: $(BUILD)/stress/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) | sed '/^\tmap->link = /d' >$@

# The policies' skeletons (generic__observe) and the hook tests' objects
# (tests/progs/fail_*.bpf.o, loaded by path) are used too.
$(STRESS_OBJS): CFLAGS += -I$(BUILD)/stress -Itests/stress -Itests/stress/progs -DSTRESS_BUILD=\"$(BUILD)\"
$(STRESS_OBJS): $(STRESS_SKELS) $(TEST_SKELS) $(wildcard tests/stress/*.h tests/stress/progs/*.h)

$(BUILD)/stress-tests: $(STRESS_OBJS) $(STRESS_TEST_LIB) $(LIB_OBJS) $(STRESS_BPF) $(TEST_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(filter %.o,$(filter-out %.bpf.o,$^)) -o $@ -lcriterion -lpthread $(LDLIBS)

check-stress: SHELL := /bin/bash
check-stress: $(BUILD)/stress-tests
	$(Q)mkdir -p $(BUILD)/logs
	@echo '== stress suite, short (tests/stress, default kernel)'
	$(Q)tests/vm/run -- env FWCTL_STRESS_BIN=$(BUILD)/stress-tests tests/stress/run-suite.sh \
		2>&1 | tee $(BUILD)/logs/stress-short.log; \
		exit $${PIPESTATUS[0]}

stress: SHELL := /bin/bash
stress: deps $(BUILD)/stress-tests
	$(Q)mkdir -p $(BUILD)/logs
	@echo '== stress suite, full (tests/stress, debug kernel, panic_on_warn)'
	$(Q)tests/vm/run --debug --timeout $(STRESS_TIMEOUT) -- \
		env FWCTL_STRESS=full FWCTL_STRESS_BIN=$(BUILD)/stress-tests tests/stress/run-suite.sh \
		2>&1 | tee $(BUILD)/logs/stress.log; \
		exit $${PIPESTATUS[0]}
