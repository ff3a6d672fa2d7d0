// SPDX-License-Identifier: GPL-2.0
/*
 * A policy in a plain ".struct_ops" map (no BPF link): the hook refuses
 * it, since only a link lets the kernel detach a policy whose device
 * went away.
 */
#include "vmlinux.h"
#include "fwctl_bpf.h"

SEC("struct_ops/rpc_filter")
int BPF_PROG(nolink_filter, struct fwctl_bpf_ctx *rpc)
{
	return FWCTL_BPF_ALLOW;
}

SEC(".struct_ops")
struct fwctl_bpf_ops nolink_ops = {
	.rpc_filter = (void *)nolink_filter,
	.name = "nolink",
};

char _license[] SEC("license") = "GPL";
