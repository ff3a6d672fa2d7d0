// SPDX-License-Identifier: GPL-2.0
/*
 * generic__gate: no RPC reaches firmware; every one fails with -EAGAIN.
 *
 * Why: "fwctl-bpf apply" attaches a site's policies one at a time. On a
 * fail-closed device with nothing enforcing yet (at boot), the first
 * policy attached would open the device for whatever that one policy
 * allows until the rest of the stack is attached. apply attaches this
 * gate first, then the stack, then detaches the gate: callers see
 * -EAGAIN ("try again") for those milliseconds instead of a partial stack.
 * It runs first (prio 1) and is audited as any rejection is.
 *
 * Configure: nothing. The name "gate" is apply's.
 */
#include "vmlinux.h"
#include "fwctl_bpf.h"

SEC("struct_ops/rpc_filter")
int BPF_PROG(gate_filter, struct fwctl_bpf_ctx *rpc)
{
	return -EAGAIN;
}

FWCTL_BPF_OPS(gate) = {
	.rpc_filter = (void *)gate_filter,
	.prio = 1,
	.name = "gate",
};

char _license[] SEC("license") = "GPL";
