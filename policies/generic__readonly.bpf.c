// SPDX-License-Identifier: GPL-2.0
/*
 * generic__readonly: only FWCTL_RPC_DEBUG_READ_ONLY RPCs reach firmware.
 *
 * Why: monitoring and diagnostics (temperatures, counters, module
 * inventory) need read-only debug access; configuration writes and the
 * debug-write scopes, which taint the kernel and may leave the device
 * unsupported, are what a site wants to rule out on production hosts.
 * fwctl's scopes are declared by the caller and checked per opcode by the
 * driver; this policy enforces that nobody asks for more.
 *
 * Rejects with -EACCES. Configure: nothing.
 */
#include "vmlinux.h"
#include "fwctl_bpf.h"

SEC("struct_ops/rpc_filter")
int BPF_PROG(readonly_filter, struct fwctl_bpf_ctx *rpc)
{
	return rpc->scope == FWCTL_RPC_DEBUG_READ_ONLY ? FWCTL_BPF_ALLOW : -EACCES;
}

FWCTL_BPF_OPS(readonly) = {
	.rpc_filter = (void *)readonly_filter,
	.prio = FWCTL_BPF_PRIO_DEFAULT,
	.name = "readonly",
};

char _license[] SEC("license") = "GPL";
