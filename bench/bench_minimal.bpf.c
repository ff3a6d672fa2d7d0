// SPDX-License-Identifier: GPL-2.0
/*
 * The least "allowlist + audit" can cost on this hook (extra configuration
 * "minimal"): one policy, the cheapest allowlist BPF has, the smallest
 * record an auditor could still reconcile. Not a policy for a site: it
 * shows what no design of configuration 5 can go below.
 *
 *   rpc_filter  decode the mailbox header (fwctl_mlx5_parse) and look the
 *               opcode up in a global array (a bounds check and a load,
 *               no map helper); -EACCES for anything not in it
 *   rpc_done    a 24-byte record (seq, flags, status, uid, opcode,
 *               op_mod) into a ring buffer, the consumer woken only once
 *               the ring is a quarter full, as fwctl_audit.bpf.h does
 *
 * What it leaves out of the standard record (time, pid, comm, cgroup,
 * the request head, the firmware status, the deciding policy) is what
 * makes it a floor, not a trail a site would want.
 */
#include "vmlinux.h"
#include "fwctl_bpf.h"
#include "fwctl_bpf_mlx5.h"

#define MINIMAL_RING_SIZE	(1024 * 1024)

struct minimal_record {
	__u64 seq;
	__u32 flags;
	__s32 status;
	__u32 uid;
	__u16 opcode;
	__u16 op_mod;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, MINIMAL_RING_SIZE);
} minimal_ring SEC(".maps");

/* set by the benchmark after load: allowed[opcode] != 0 */
__u8 allowed[MLX5_CMD_OP_MAX];
__u64 lost;

SEC("struct_ops/rpc_filter")
int BPF_PROG(minimal_filter, struct fwctl_bpf_ctx *rpc)
{
	struct fwctl_mlx5_cmd cmd;

	if (fwctl_mlx5_parse(rpc, &cmd))
		return -EMSGSIZE;
	if (cmd.opcode < MLX5_CMD_OP_MAX && allowed[cmd.opcode])
		return FWCTL_BPF_ALLOW;
	return -EACCES;
}

SEC("struct_ops/rpc_done")
int BPF_PROG(minimal_done, struct fwctl_bpf_ctx *rpc)
{
	const __u8 *in = fwctl_bpf_request_data(rpc, 0, MLX5_ST_SZ_BYTES(mbox_in_hdr));
	struct minimal_record *r;

	r = bpf_ringbuf_reserve(&minimal_ring, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&lost, 1);
		return 0;
	}
	r->seq = rpc->seq;
	r->flags = rpc->flags;
	r->status = rpc->status;
	r->uid = fwctl_bpf_caller_uid();
	r->opcode = in ? MLX5_GET(mbox_in_hdr, in, opcode) : 0;
	r->op_mod = in ? MLX5_GET(mbox_in_hdr, in, op_mod) : 0;
	bpf_ringbuf_submit(r, bpf_ringbuf_query(&minimal_ring, BPF_RB_AVAIL_DATA) >
			      MINIMAL_RING_SIZE / 4 ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
	return 0;
}

FWCTL_BPF_OPS(minimal_ops) = {
	.rpc_filter = (void *)minimal_filter,
	.rpc_done = (void *)minimal_done,
	.device_type = FWCTL_DEVICE_TYPE_MLX5,
	.prio = FWCTL_BPF_PRIO_LAST,
	.name = "bench_minimal",
};

char _license[] SEC("license") = "GPL";
