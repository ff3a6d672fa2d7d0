// SPDX-License-Identifier: GPL-2.0
/*
 * Must not load: reads user memory, which may differ from the kernel copy
 * the firmware will run (the TOCTOU that fwctl-bpf exists to close).
 */
#include "vmlinux.h"
#include "fwctl_bpf.h"

__u64 user_ptr;

SEC("struct_ops/rpc_filter")
int BPF_PROG(user_memory_filter, struct fwctl_bpf_ctx *rpc)
{
	__u8 b = 0;

	bpf_probe_read_user(&b, 1, (void *)user_ptr);
	return b ? FWCTL_BPF_ALLOW : -EACCES;
}

FWCTL_BPF_OPS(user_memory_ops) = {
	.rpc_filter = (void *)user_memory_filter,
	.name = "user_memory",
};

char _license[] SEC("license") = "GPL";
