// SPDX-License-Identifier: GPL-2.0
/* Must not load: reads one byte past a 16-byte request view. */
#include "vmlinux.h"
#include "fwctl_bpf.h"

SEC("struct_ops/rpc_filter")
int BPF_PROG(oob_read_filter, struct fwctl_bpf_ctx *rpc)
{
	__u8 *h = fwctl_bpf_request_data(rpc, 0, 16);

	if (!h)
		return -EINVAL;
	return h[16] ? FWCTL_BPF_ALLOW : -EACCES;
}

FWCTL_BPF_OPS(oob_read_ops) = {
	.rpc_filter = (void *)oob_read_filter,
	.name = "oob_read",
};

char _license[] SEC("license") = "GPL";
