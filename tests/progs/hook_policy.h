/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by hook_policy.bpf.c and the tests reading its observations. */
#ifndef FWCTL_BPF_TESTS_HOOK_POLICY_H
#define FWCTL_BPF_TESTS_HOOK_POLICY_H

/* A copy of struct fwctl_bpf_ctx as a program saw it. */
struct seen_ctx {
	unsigned long long seq;
	unsigned int dev_index;
	unsigned int device_type;
	unsigned int scope;
	unsigned int in_len;
	unsigned int out_len;
	int status;
	unsigned int flags;
	unsigned int policy_id;
	char policy[16];
};

#endif
