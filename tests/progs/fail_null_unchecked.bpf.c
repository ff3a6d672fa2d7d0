// SPDX-License-Identifier: GPL-2.0
/* Must not load: uses a request view without checking it for NULL. */
#include "vmlinux.h"
#include "fwctl_bpf.h"

SEC("struct_ops/rpc_filter")
int BPF_PROG(null_unchecked_filter, struct fwctl_bpf_ctx *rpc)
{
	__u8 *h = fwctl_bpf_request_data(rpc, 0, 16);

	return h[0] ? FWCTL_BPF_ALLOW : -EACCES;
}

FWCTL_BPF_OPS(null_unchecked_ops) = {
	.rpc_filter = (void *)null_unchecked_filter,
	.name = "null_unchecked",
};

char _license[] SEC("license") = "GPL";
