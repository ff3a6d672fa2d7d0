// SPDX-License-Identifier: GPL-2.0
/*
 * Must not load: writes the request in rpc_done, where the request may
 * already be the response and the firmware has run it.
 */
#include "vmlinux.h"
#include "fwctl_bpf.h"

SEC("struct_ops/rpc_done")
int BPF_PROG(request_in_done, struct fwctl_bpf_ctx *rpc)
{
	__u8 *h = fwctl_bpf_request_data_rw(rpc, 0, 1);

	if (h)
		*h = 0;
	return FWCTL_BPF_ALLOW;
}

FWCTL_BPF_OPS(request_in_done_ops) = {
	.rpc_done = (void *)request_in_done,
	.name = "request_in_done",
};

char _license[] SEC("license") = "GPL";
