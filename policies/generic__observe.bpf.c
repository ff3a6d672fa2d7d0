// SPDX-License-Identifier: GPL-2.0
/*
 * generic__observe: allow every RPC and record every decision.
 *
 * Why: the first step of a rollout. Attach it on every device, collect the
 * audit trail (fwctl-bpf audit) for a while, and derive the allowlist the
 * site really needs before enforcing anything. Being an rpc_done-only
 * policy it also sees RPCs other policies reject, so it is the auditor's
 * view of a stack: attach it next to enforcing policies to record theirs.
 *
 * Configure: nothing. fwctl_audit_strict=1 (fwctl-bpf attach --set)
 * rejects RPCs with -ENOBUFS when their record cannot be written;
 * fwctl_audit_requests=1 keeps each request's first 64 bytes in its record
 * (what fwctl-bpf replay sends again; off: requests carry what tools write).
 */
#include "vmlinux.h"
#include "fwctl_bpf.h"
#include "fwctl_bpf_mlx5.h"
#include "fwctl_audit.bpf.h"

SEC("struct_ops/rpc_filter")
int BPF_PROG(observe_filter, struct fwctl_bpf_ctx *rpc)
{
	return fwctl_audit_admit(rpc);
}

SEC("struct_ops/rpc_done")
int BPF_PROG(observe_done, struct fwctl_bpf_ctx *rpc)
{
	return fwctl_audit_rpc(rpc);
}

FWCTL_BPF_OPS(observe) = {
	.rpc_filter = (void *)observe_filter,
	.rpc_done = (void *)observe_done,
	/* last: its rpc_done sees the final outcome, after every other
	 * policy's rewrite or redaction (rpc_done runs in prio order too) */
	.prio = FWCTL_BPF_PRIO_LAST,
	/* it records; it never keeps a fail-closed device open */
	.flags = FWCTL_BPF_F_AUDIT,
	.name = "observe",
};

char _license[] SEC("license") = "GPL";
