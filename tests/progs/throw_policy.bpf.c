// SPDX-License-Identifier: GPL-2.0
/*
 * A policy whose programs may end in bpf_throw(), which leaves the
 * cookie as the return value: 0 (or any cookie but a verdict) must fail
 * the RPC closed in either op.
 */
#include "vmlinux.h"
#include "fwctl_bpf.h"

int throw_in_filter, throw_in_done;	/* knobs */
__u64 cookie;

SEC("struct_ops/rpc_filter")
int BPF_PROG(throw_filter, struct fwctl_bpf_ctx *rpc)
{
	if (throw_in_filter)
		bpf_throw(cookie);
	return FWCTL_BPF_ALLOW;
}

SEC("struct_ops/rpc_done")
int BPF_PROG(throw_done, struct fwctl_bpf_ctx *rpc)
{
	if (throw_in_done)
		bpf_throw(cookie);
	return FWCTL_BPF_ALLOW;
}

FWCTL_BPF_OPS(throw_ops) = {
	.rpc_filter = (void *)throw_filter,
	.rpc_done = (void *)throw_done,
	.name = "throw",
};

char _license[] SEC("license") = "GPL";
