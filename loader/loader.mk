# SPDX-License-Identifier: GPL-2.0
#
# fwctl-bpf, the loader (included by the top Makefile). Every loader file
# but main.c is also linked into the host unit tests (tests/unit/test_loader_*.c).

LOADER_SRCS := $(filter-out loader/main.c,$(wildcard loader/*.c))
LOADER_OBJS := $(LOADER_SRCS:%.c=$(BUILD)/obj/%.o)
LOADER_HDRS := $(wildcard loader/*.h)

ALL += $(BUILD)/fwctl-bpf

$(LOADER_OBJS) $(BUILD)/obj/loader/main.o: $(LOADER_HDRS)

$(BUILD)/fwctl-bpf: $(BUILD)/obj/loader/main.o $(LOADER_OBJS) $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/unit-tests: $(LOADER_OBJS)

# The loader's unit tests include loader headers.
$(BUILD)/obj/tests/unit/test_loader_%.o $(BUILD)/obj/tests/unit/loader_cli.o: CFLAGS += -Iloader
$(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/unit/test_loader_*.c)): $(LOADER_HDRS)

# apply finds Object=NAME among the installed policies
$(BUILD)/obj/loader/apply.o: CFLAGS += -DFWCTL_BPF_POLICY_DIR='"$(POLICYDIR)"'
