/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers for in-VM tests of BPF policies. */
#ifndef FWCTL_BPF_TESTS_BPF_TEST_H
#define FWCTL_BPF_TESTS_BPF_TEST_H

#include <stddef.h>

/*
 * Open and load build/NAME.bpf.o and expect the load to fail. Returns the
 * load error (negative) and leaves the verifier's log in @log, or 0 if the
 * object loaded (a test failure for the caller to report).
 */
int bpf_test_load_must_fail(const char *name, char *log, size_t log_size);

/* Write VALUE to /sys/class/fwctl/FWCTL/bpf/ATTR; 0 or -errno */
int fwctl_bpf_attr_write(const char *fwctl, const char *attr, const char *value);

/* The kernel's taint mask (/proc/sys/kernel/tainted) */
unsigned long kernel_taint(void);

#endif
