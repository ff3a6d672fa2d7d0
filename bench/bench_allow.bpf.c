// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark's minimal policy (configuration 3): one rpc_filter that
 * allows every RPC. What it costs is the hook's own cost: the policy list
 * walk under RCU, one struct_ops call, the verdict check.
 */
#include "vmlinux.h"
#include "fwctl_bpf.h"

SEC("struct_ops/rpc_filter")
int BPF_PROG(bench_allow_filter, struct fwctl_bpf_ctx *rpc)
{
	return FWCTL_BPF_ALLOW;
}

FWCTL_BPF_OPS(bench_allow_ops) = {
	.rpc_filter = (void *)bench_allow_filter,
	.prio = FWCTL_BPF_PRIO_DEFAULT,
	.name = "bench_allow",
};

char _license[] SEC("license") = "GPL";
