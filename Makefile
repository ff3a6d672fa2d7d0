# SPDX-License-Identifier: GPL-2.0
#
# fwctl-bpf. The two commands a user needs:
#   make demo    boot the test kernel and show a policy at work
#   make check   every test: host unit tests, then the in-VM suite
# Everything else (deps, kernel, policies, bench, stress) is reachable from
# "make help". V=1 shows the commands.

.DELETE_ON_ERROR:
.SECONDARY:
.SUFFIXES:

V ?= 0
ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

BUILD    := build
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
ARCH     := x86

# Debian's hardening flags, all of them (dpkg-buildflags): stack protector,
# _FORTIFY_SOURCE, PIE, RELRO, BIND_NOW, stack clash and CET protection.
# A package build passes its own; scripts/check-hardening.sh checks the
# result in make check-unit. ($(shell) does not see make's exports.)
HARDENING := DEB_BUILD_MAINT_OPTIONS=hardening=+all
CFLAGS   ?= $(shell $(HARDENING) dpkg-buildflags --get CFLAGS)
CPPFLAGS ?= $(shell $(HARDENING) dpkg-buildflags --get CPPFLAGS)
LDFLAGS  ?= $(shell $(HARDENING) dpkg-buildflags --get LDFLAGS)
CFLAGS   += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
	    -D_GNU_SOURCE -I$(BUILD) -I$(BUILD)/include -Ilib -Ibpf -Itests/lib -Itests/progs
LDLIBS   := -lbpf -lelf -lz -ljson-c -lsystemd -linih
# One version, debian/changelog's: the loader's -V, the man pages, the
# packages and the DKMS module version.
VERSION  := $(shell dpkg-parsechangelog -l debian/changelog -S Version 2>/dev/null | sed 's/-[^-]*$$//')
CFLAGS   += -DFWCTL_BPF_VERSION='"$(or $(VERSION),unknown)"'

# vmlinux.h of 7.x kernels has anonymous tagged struct members, which
# clang accepts only as a Microsoft extension.
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	      -fms-extensions -Wno-microsoft-anon-tag \
	      -Wno-gnu-variable-sized-type-not-at-end \
	      -I$(BUILD) -I$(BUILD)/include -Ibpf -Itests/progs -idirafter /usr/include

LIB_SRCS     := $(wildcard lib/*.c)
LIB_OBJS     := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_SRCS    := $(wildcard tests/unit/*.c)
VM_SRCS      := $(wildcard tests/vm/*.c tests/lib/*.c)
TEST_PROGS   := $(wildcard tests/progs/*.bpf.c)
TEST_OBJS    := $(TEST_PROGS:tests/progs/%.bpf.c=$(BUILD)/%.bpf.o)
# fail_*.bpf.c must not load: tests open the object file, no skeleton.
TEST_SKELS   := $(patsubst tests/progs/%.bpf.c,$(BUILD)/%.skel.h,\
		  $(filter-out tests/progs/fail_%,$(TEST_PROGS)))

# Generated from the kernel build: everything compiled depends on them.
GENERATED := $(BUILD)/vmlinux.h $(BUILD)/include/mlx5/mlx5_ifc.h \
	     $(BUILD)/include/mlx5/fwctl_mlx5_names.h $(BUILD)/include/fwctl/fwctl.h

# Parts of the tree add their own targets to ALL and TEST_SKELS
# (policies/policies.mk, loader/loader.mk); included here, after the
# variables they use and before the rules that use theirs.
ALL := $(BUILD)/unit-tests $(BUILD)/vm-tests
-include $(wildcard */*.mk tests/*/*.mk)

.PHONY: deb deb-src check-stock-fail-closed check-stock-vm check-stock-systemd install all deps kernel kernel-compile-test check check-unit check-vm check-stock check-vm-fail-closed demo clean help FORCE

all: $(ALL)

help:
	@echo 'make demo           boot the VM and show fwctl-bpf end to end'
	@echo 'make check          host unit tests + in-VM tests; ends with "N passed, N failed"'
	@echo 'make deps           install the Debian packages (run implicitly)'
	@echo 'make kernel         download, patch and build the test kernel (cached)'
	@echo 'make kernel-compile-test  compile drivers/fwctl/ incl. the real mlx5 driver'
	@echo 'make bench          benchmarks: ratios to the unpatched kernel, a BPF LSM, a broker'
	@echo 'make profile        guest instructions per RPC by kernel symbol (PROFILE_CONFIGS=...)'
	@echo 'make check-stress   the reliability suite, short (part of make check)'
	@echo 'make check-stock    the in-VM suite on Debian'"'"'s own kernel (root; docs/stock-kernel.md)'
	@echo 'make stress         the reliability suite, full counts, debug kernel'
	@echo 'make deb            the Debian packages into build/deb (lintian-checked)'
	@echo 'make install        install into DESTDIR/PREFIX (what the package ships)'
	@echo 'make clean          remove build/ (the kernel cache stays)'
	@echo 'tests/vm/run --help run anything in the VM'

deps:
	$(Q)scripts/deps.sh

kernel: deps
	$(Q)scripts/kernel.sh build >/dev/null

# The real mlx5 fwctl driver (MLX5_CORE=m) still compiles against the
# patched core.
kernel-compile-test: deps
	$(Q)scripts/kernel.sh compile-test

# A source tree made by make deb carries the files generated from the
# kernel in gen/ (its build needs no kernel, no network, no deps);
# otherwise they come from the test kernel's build and source.
ifneq ($(wildcard gen/vmlinux.h),)
$(GENERATED): $(BUILD)/%: gen/%
	$(call msg,COPY,$@)
	$(Q)mkdir -p $(@D)
	$(Q)cp $(dir $<)*.h $(@D)/
else
# The kernel's artifact directory, rewritten only when it changes so that
# everything generated from the kernel is rebuilt only then.
$(BUILD)/kernel-dir: FORCE | deps
	$(Q)mkdir -p $(BUILD)
	$(Q)d=$$(scripts/kernel.sh build) && \
		{ [ "$$(cat $@ 2>/dev/null)" = "$$d" ] || echo "$$d" >$@; }

$(BUILD)/vmlinux.h: $(BUILD)/kernel-dir scripts/vmlinux-h.sh
	$(call msg,GEN,$@)
	$(Q)scripts/vmlinux-h.sh $$(cat $<)/vmlinux >$@.tmp && mv $@.tmp $@

# mlx5's interface definitions and the fwctl uAPI, from the same source
# tree as the kernel (bookworm's linux-libc-dev predates fwctl).
$(BUILD)/include/mlx5/mlx5_ifc.h: $(BUILD)/kernel-dir
	$(call msg,COPY,$(@D))
	$(Q)mkdir -p $(@D)
	$(Q)src=$$(scripts/kernel.sh source) && \
		cp $$src/include/linux/mlx5/mlx5_ifc.h $$src/include/linux/mlx5/mlx5_ifc_fpga.h $(@D)/

# Opcode, register and status names: generated, never typed by hand.
$(BUILD)/include/mlx5/fwctl_mlx5_names.h: $(BUILD)/kernel-dir scripts/gen-mlx5-names.sh
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)scripts/gen-mlx5-names.sh $$(scripts/kernel.sh source) >$@.tmp && mv $@.tmp $@

$(BUILD)/include/fwctl/fwctl.h: $(BUILD)/kernel-dir
	$(call msg,COPY,$(@D))
	$(Q)mkdir -p $(@D)
	$(Q)src=$$(scripts/kernel.sh source) && cp $$src/include/uapi/fwctl/*.h $(@D)/
endif


# How every BPF object and skeleton in the tree is built (the .mk files
# use these too): clang, then bpftool gen object (BTF dedup, as libbpf
# wants); bpftool 7.5 also fills bpf_map_skeleton.link (struct_ops
# auto-attach, libbpf 1.5), which libbpf 1.4 lacks: we attach explicitly,
# so that line goes. $(1) of SKEL_RECIPE: the skeleton's name.
define BPF_OBJ_RECIPE
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp
	$(Q)$(BPFTOOL) gen object $@ $@.tmp && rm -f $@.tmp
endef

define SKEL_RECIPE
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(1) | sed '/^\tmap->link = /d' >$@
endef

$(BUILD)/%.bpf.o: tests/progs/%.bpf.c $(GENERATED) $(wildcard bpf/*.h tests/progs/*.h)
	$(BPF_OBJ_RECIPE)

# A program's shared header (tests/progs/NAME.h, the types of its
# globals) is included by its skeleton, so users need not remember it.
$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call SKEL_RECIPE,$(subst -,_,$*))
	$(Q)[ ! -f tests/progs/$*.h ] || sed -i '1i #include "$*.h"' $@

$(BUILD)/obj/%.o: %.c $(GENERATED) $(wildcard lib/*.h bpf/*_common.h tests/lib/*.h tests/progs/*.h) | $(TEST_SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/unit-tests: $(UNIT_SRCS:%.c=$(BUILD)/obj/%.o) $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ -o $@ -lcriterion $(LDLIBS)

$(BUILD)/vm-tests: $(VM_SRCS:%.c=$(BUILD)/obj/%.o) $(LIB_OBJS) $(TEST_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(filter %.o,$(filter-out %.bpf.o,$^)) -o $@ -lcriterion $(LDLIBS)

# tests/vm/test_metrics.c checks stats --format prometheus with Prometheus'
# own checker
$(BUILD)/tools/promtool:
	$(call msg,GET,$@)
	$(Q)scripts/promtool.sh $@

# Criterion runs each test in its own process; the in-VM tests share the
# simulated devices' counters, so they run one at a time.
# tests/unit/test_bench_report.c runs the benchmark's report
# tests/unit/test_policy_names.c checks the library's objects: the ones its
# sources build, not whatever an older tree left in build/policies
check-unit: $(BUILD)/unit-tests $(BENCH_BIN) $(BUILD)/fwctl-bpf $(POLICY_OBJS)
	$(Q)mkdir -p $(BUILD)/logs
	@echo '== host unit tests'
	$(Q)scripts/check-hardening.sh $(BUILD)/fwctl-bpf 2>&1 | tee $(BUILD)/logs/hardening.log; \
		h=$${PIPESTATUS[0]}; \
		FWCTL_BPF_POLICY_OBJS="$(POLICY_OBJS)" $(BUILD)/unit-tests --jobs 2 2>&1 | \
		tee $(BUILD)/logs/unit.log; \
		u=$${PIPESTATUS[0]}; [ $$h -eq 0 ] && exit $$u || exit $$h

check-vm: $(BUILD)/vm-tests $(BUILD)/tools/promtool
	$(Q)mkdir -p $(BUILD)/logs
	@echo '== in-VM tests (tests/vm/run)'
	$(Q)tests/vm/run -- $(BUILD)/vm-tests --jobs 1 2>&1 | tee $(BUILD)/logs/vm.log; \
		exit $${PIPESTATUS[0]}

# The in-VM suite on Debian's own, unmodified kernel (trixie-backports),
# three boots: fail-closed by the package's /etc/modprobe.d file, the
# whole suite without it, and the installed host with systemd as PID 1.
# Each boot has the packages of make deb installed with apt on a trixie
# rootfs (DKMS built the modules), and the suite runs the installed
# loader and policies (tests/vm/stock-installed). Needs root; see
# docs/stock-kernel.md.
check-stock: deps all deb $(BUILD)/tools/promtool
	$(Q)rm -f $(BUILD)/logs/vm-stock*.log
	$(Q)f=0; $(MAKE) -s check-stock-fail-closed || f=$$?; \
	    v=0; $(MAKE) -s check-stock-vm || v=$$?; \
	    y=0; $(MAKE) -s check-stock-systemd || y=$$?; \
	    scripts/summary.sh $(BUILD)/logs/vm-stock-fail-closed.log:$$f $(BUILD)/logs/vm-stock.log:$$v \
		$(BUILD)/logs/vm-stock-systemd.log:$$y

# The host as installed, booted with systemd as PID 1: the units run
check-stock-systemd:
	$(Q)mkdir -p $(BUILD)/logs
	@echo '== on the stock Debian kernel, booted with systemd (tests/vm/run --stock --systemd)'
	$(Q)tests/vm/run --stock --systemd -- $(BUILD)/vm-tests --jobs 1 --filter 'installed_boot/*' 2>&1 | \
		tee $(BUILD)/logs/vm-stock-systemd.log; exit $${PIPESTATUS[0]}

check-stock-fail-closed:
	$(Q)mkdir -p $(BUILD)/logs
	@echo '== in-VM tests on the stock Debian kernel, fail-closed by modprobe.d'
	$(Q)tests/vm/run --stock -- tests/vm/stock-installed --fail-closed 2>&1 | \
		tee $(BUILD)/logs/vm-stock-fail-closed.log; exit $${PIPESTATUS[0]}

check-stock-vm: $(BUILD)/tools/promtool
	$(Q)mkdir -p $(BUILD)/logs
	@echo '== in-VM tests on the stock Debian kernel (tests/vm/run --stock)'
	$(Q)tests/vm/run --stock --timeout 1800 -- tests/vm/stock-installed 2>&1 | \
		tee $(BUILD)/logs/vm-stock.log; exit $${PIPESTATUS[0]}

# A second boot, every device fail-closed from the command line.
check-vm-fail-closed: $(BUILD)/vm-tests
	$(Q)mkdir -p $(BUILD)/logs
	@echo '== in-VM tests, booted with fwctl.bpf_fail_closed=1'
	$(Q)tests/vm/run --append fwctl.bpf_fail_closed=1 -- \
		$(BUILD)/vm-tests --jobs 1 --filter 'fail_closed_boot/*' 2>&1 | \
		tee $(BUILD)/logs/vm-fail-closed.log; exit $${PIPESTATUS[0]}

check: SHELL := /bin/bash
check-unit check-vm check-vm-fail-closed check-stock check-stock-fail-closed check-stock-vm check-stock-systemd: SHELL := /bin/bash
check: deps all
	$(Q)rm -f $(BUILD)/logs/*.log
	$(Q)k=0; $(MAKE) -s kernel-compile-test || k=$$?; \
	    u=0; $(MAKE) -s check-unit || u=$$?; \
	    v=0; $(MAKE) -s check-vm || v=$$?; \
	    f=0; $(MAKE) -s check-vm-fail-closed || f=$$?; \
	    s=0; $(MAKE) -s check-stress || s=$$?; \
	    $(MAKE) -s deb >$(BUILD)/logs/deb.log 2>&1 || { tail -n 20 $(BUILD)/logs/deb.log; echo '== make deb: FAILED'; }; \
	    c=0; $(MAKE) -s check-stock-fail-closed || c=$$?; \
	    d=0; $(MAKE) -s check-stock-vm || d=$$?; \
	    y=0; $(MAKE) -s check-stock-systemd || y=$$?; \
	    b=0; $(MAKE) -s bench-smoke >$(BUILD)/logs/bench-smoke.log 2>&1 || b=$$?; \
	    [ $$b -eq 0 ] && echo '== bench smoke: ok' || \
		{ tail -n 20 $(BUILD)/logs/bench-smoke.log; echo '== bench smoke: FAILED'; }; \
	    scripts/summary.sh $(BUILD)/logs/unit.log:$$u $(BUILD)/logs/vm.log:$$v \
		$(BUILD)/logs/vm-fail-closed.log:$$f $(BUILD)/logs/stress-short.log:$$s \
		$(BUILD)/logs/vm-stock-fail-closed.log:$$c $(BUILD)/logs/vm-stock.log:$$d \
		$(BUILD)/logs/vm-stock-systemd.log:$$y && \
		[ $$k -eq 0 ] && [ $$b -eq 0 ]

demo: deps all
	$(Q)tests/vm/run -- scripts/demo.sh

clean:
	rm -rf $(BUILD)

# The Debian packages, with Debian's tooling, built in a trixie root file
# system (scripts/stock.sh buildroot; root) from a copy of the tracked
# files plus the kernel-generated headers and the module source (gen/):
# build/deb/*.deb, lintian-checked (errors fail).
deb-src: $(GENERATED)
	$(Q)rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/src/gen
	$(Q)git ls-files -z | xargs -0 cp -a --parents -t $(BUILD)/deb/src
	$(Q)cd $(BUILD) && cp -a --parents vmlinux.h include deb/src/gen/
	$(Q)scripts/dkms-tree.sh $(BUILD)/deb/src/gen/dkms >/dev/null

deb: deb-src
	$(Q)scripts/stock.sh deb $(BUILD)/deb/src
	$(Q)ls $(BUILD)/deb/*.deb

# What the fwctl-bpf Debian package ships (debian/ calls this with
# DESTDIR); the kernel modules are fwctl-bpf-dkms's.
PREFIX     ?= /usr
UNITDIR    ?= $(or $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null),\
		   /usr/lib/systemd/system)
SBINDIR    := $(PREFIX)/sbin
DATADIR    := $(PREFIX)/share/fwctl-bpf
POLICYDIR  := $(PREFIX)/lib/fwctl-bpf/policies
SDKDIR     := $(PREFIX)/include/fwctl-bpf
INSTALL    ?= install

install: $(BUILD)/fwctl-bpf $(POLICY_OBJS) $(BUILD)/include/mlx5/fwctl_mlx5_names.h
	$(INSTALL) -D -m 0755 $(BUILD)/fwctl-bpf $(DESTDIR)$(SBINDIR)/fwctl-bpf
	$(INSTALL) -d $(DESTDIR)$(PREFIX)/share/man/man8
	sed 's/"fwctl-bpf [0-9][^"]*"/"fwctl-bpf $(VERSION)"/' docs/fwctl-bpf.8 \
		>$(DESTDIR)$(PREFIX)/share/man/man8/fwctl-bpf.8
	$(INSTALL) -D -m 0644 loader/bash-completion/fwctl-bpf \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/fwctl-bpf
	$(INSTALL) -d $(DESTDIR)$(SDKDIR)/mlx5 $(DESTDIR)$(POLICYDIR) $(DESTDIR)$(DATADIR)/policies
	$(INSTALL) -m 0644 bpf/*.h $(DESTDIR)$(SDKDIR)/
	$(INSTALL) -m 0644 $(BUILD)/include/mlx5/*.h $(DESTDIR)$(SDKDIR)/mlx5/
	$(INSTALL) -m 0644 $(POLICY_OBJS) $(DESTDIR)$(POLICYDIR)/
	$(INSTALL) -m 0644 $(POLICY_SRCS) $(DESTDIR)$(DATADIR)/policies/
	$(INSTALL) -D -m 0644 -t $(DESTDIR)$(UNITDIR) systemd/*.service systemd/*.timer
	$(INSTALL) -D -m 0644 -t $(DESTDIR)/etc/fwctl-bpf/policies.d etc/policies.d/*.conf
