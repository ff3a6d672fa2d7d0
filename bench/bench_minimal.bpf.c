// SPDX-License-Identifier: GPL-2.0
/*
 * The least "allowlist + audit" can cost on this hook (extra configuration
 * "minimal"): one policy, the cheapest allowlist BPF has, the smallest
 * record an auditor could still reconcile. Not a policy for a site: it
 * shows what no design of configuration 5 can go below.
 *
 *   rpc_filter  decode the mailbox header (fwctl_mlx5_parse) and look the
 *               opcode up in bench_allowed; -EACCES for anything not in it
 *   rpc_done    a 24-byte record (seq, flags, status, uid, opcode,
 *               op_mod)
 * (bench_lean.bpf.h: the same work as peer_lsm_audit's).
 *
 * minimal_decision_ops (configuration "minimal_decision") records from
 * rpc_filter instead, as an LSM must: the decision, not the outcome (no
 * firmware status, no redaction), and no rpc_done call. The benchmark
 * creates one of the two ops maps.
 *
 * What it leaves out of the standard record (time, pid, comm, cgroup,
 * the request head, the firmware status, the deciding policy) is what
 * makes it a floor, not a trail a site would want.
 */
#include "vmlinux.h"
#include "fwctl_bpf.h"
#include "fwctl_bpf_mlx5.h"

#include "bench_lean.bpf.h"

static __always_inline int decide(struct fwctl_bpf_ctx *rpc, struct fwctl_mlx5_cmd *cmd)
{
	if (fwctl_mlx5_parse(rpc, cmd))
		return -EMSGSIZE;
	return bench_allowed[cmd->opcode] ? FWCTL_BPF_ALLOW : -EACCES;
}

SEC("struct_ops/rpc_filter")
int BPF_PROG(minimal_filter, struct fwctl_bpf_ctx *rpc)
{
	struct fwctl_mlx5_cmd cmd;

	return decide(rpc, &cmd);
}

SEC("struct_ops/rpc_done")
int BPF_PROG(minimal_done, struct fwctl_bpf_ctx *rpc)
{
	const __u8 *in = fwctl_bpf_request_data(rpc, 0, MLX5_ST_SZ_BYTES(mbox_in_hdr));

	bench_record(rpc->seq, rpc->flags, rpc->status,
		     in ? MLX5_GET(mbox_in_hdr, in, opcode) : 0,
		     in ? MLX5_GET(mbox_in_hdr, in, op_mod) : 0);
	return FWCTL_BPF_ALLOW;
}

SEC("struct_ops/rpc_filter")
int BPF_PROG(minimal_decision_filter, struct fwctl_bpf_ctx *rpc)
{
	struct fwctl_mlx5_cmd cmd = {};
	int ret = decide(rpc, &cmd);

	bench_record(rpc->seq, rpc->flags, ret == FWCTL_BPF_ALLOW ? 0 : ret, cmd.opcode,
		     cmd.op_mod);
	return ret;
}

FWCTL_BPF_OPS(minimal_decision_ops) = {
	.rpc_filter = (void *)minimal_decision_filter,
	.device_type = FWCTL_DEVICE_TYPE_MLX5,
	.prio = FWCTL_BPF_PRIO_LAST,
	.name = "bench_min_dec",
};

FWCTL_BPF_OPS(minimal_ops) = {
	.rpc_filter = (void *)minimal_filter,
	.rpc_done = (void *)minimal_done,
	.device_type = FWCTL_DEVICE_TYPE_MLX5,
	.prio = FWCTL_BPF_PRIO_LAST,
	.name = "bench_minimal",
};

char _license[] SEC("license") = "GPL";
