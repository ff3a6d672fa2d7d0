// SPDX-License-Identifier: GPL-2.0
/* Must not load: the context is read-only. */
#include "vmlinux.h"
#include "fwctl_bpf.h"

SEC("struct_ops/rpc_filter")
int BPF_PROG(ctx_write_filter, struct fwctl_bpf_ctx *rpc)
{
	rpc->scope = FWCTL_RPC_DEBUG_READ_ONLY;
	return FWCTL_BPF_ALLOW;
}

FWCTL_BPF_OPS(ctx_write_ops) = {
	.rpc_filter = (void *)ctx_write_filter,
	.name = "ctx_write",
};

char _license[] SEC("license") = "GPL";
