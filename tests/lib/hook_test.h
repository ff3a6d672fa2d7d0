/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hook's in-VM tests: instances of the configurable test policy
 * (tests/progs/hook_policy.bpf.c) and NOP RPCs, asserting as they go.
 */
#ifndef FWCTL_BPF_TESTS_HOOK_TEST_H
#define FWCTL_BPF_TESTS_HOOK_TEST_H

#include <stdint.h>

#include "hook_policy.skel.h"

#define MBOX_HDR 16

struct policy {
	struct hook_policy *skel;
	struct bpf_link *link;
};

/* Open, name, set prio, configure through @cfg, load and attach. */
struct policy policy_add(const char *name, uint32_t prio,
			 void (*cfg)(struct hook_policy *, void *), void *arg);
/* The same, up to the attach, which may fail: errno tells */
struct policy policy_try_add(const char *name, uint32_t prio,
			     void (*cfg)(struct hook_policy *, void *), void *arg);
/* A policy whose rpc_filter returns @verdict, raw */
struct policy policy_verdict(const char *name, uint32_t prio, int verdict);
void policy_del(struct policy *p);

/* NOP in the read-only scope; returns the ioctl's result. */
int send_nop(int fd, uint8_t *out, uint32_t *out_len);
int nop(int fd);

#endif
