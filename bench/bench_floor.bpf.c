// SPDX-License-Identifier: GPL-2.0
/*
 * The site stack's shape with empty programs (extra configuration "floor"):
 * three policies with an rpc_filter and a last one with an rpc_filter and
 * an rpc_done, like configuration 5's deny_nv_write, allowlist and
 * rate_limit, then observe. Every program returns at once, so what it costs
 * is what any four-policy stack with an audit record pays before its
 * programs do anything: the hook, four rpc_filter calls and one rpc_done
 * call through their struct_ops trampolines.
 */
#include "vmlinux.h"
#include "fwctl_bpf.h"

SEC("struct_ops/rpc_filter")
int BPF_PROG(floor_filter, struct fwctl_bpf_ctx *rpc)
{
	return FWCTL_BPF_ALLOW;
}

SEC("struct_ops/rpc_done")
int BPF_PROG(floor_done, struct fwctl_bpf_ctx *rpc)
{
	return FWCTL_BPF_ALLOW;
}

FWCTL_BPF_OPS(floor_1) = {
	.rpc_filter = (void *)floor_filter,
	.name = "floor_1",
};

FWCTL_BPF_OPS(floor_2) = {
	.rpc_filter = (void *)floor_filter,
	.name = "floor_2",
};

FWCTL_BPF_OPS(floor_3) = {
	.rpc_filter = (void *)floor_filter,
	.name = "floor_3",
};

FWCTL_BPF_OPS(floor_last) = {
	.rpc_filter = (void *)floor_filter,
	.rpc_done = (void *)floor_done,
	.prio = FWCTL_BPF_PRIO_LAST,
	.name = "floor_last",
};

char _license[] SEC("license") = "GPL";
