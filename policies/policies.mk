# SPDX-License-Identifier: GPL-2.0
# policies/: every *.bpf.c builds with -Wall -Werror into build/policies/,
# with a skeleton for the tests.

POLICY_SRCS  := $(wildcard policies/*.bpf.c)
POLICY_OBJS  := $(POLICY_SRCS:policies/%.bpf.c=$(BUILD)/policies/%.bpf.o)
POLICY_SKELS := $(POLICY_SRCS:policies/%.bpf.c=$(BUILD)/policies/%.skel.h)

ALL += $(POLICY_OBJS) $(POLICY_SKELS)
TEST_SKELS += $(POLICY_SKELS)

.PHONY: policies
policies: $(POLICY_OBJS)

$(BUILD)/policies/%.bpf.o: policies/%.bpf.c $(GENERATED) $(wildcard bpf/*.h)
	$(BPF_OBJ_RECIPE)

$(BUILD)/policies/%.skel.h: $(BUILD)/policies/%.bpf.o
	$(call SKEL_RECIPE,$*)
