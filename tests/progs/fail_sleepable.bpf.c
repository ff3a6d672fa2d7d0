// SPDX-License-Identifier: GPL-2.0
/* Must not load: the hook runs under RCU, so policies cannot sleep. */
#include "vmlinux.h"
#include "fwctl_bpf.h"

SEC("struct_ops.s/rpc_filter")
int BPF_PROG(sleepable_filter, struct fwctl_bpf_ctx *rpc)
{
	return FWCTL_BPF_ALLOW;
}

FWCTL_BPF_OPS(sleepable_ops) = {
	.rpc_filter = (void *)sleepable_filter,
	.name = "sleepable",
};

char _license[] SEC("license") = "GPL";
