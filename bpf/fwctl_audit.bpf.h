/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The standard audit record, for any policy: include after fwctl_bpf.h and
 * fwctl_bpf_mlx5.h, call fwctl_audit_rpc(rpc) from rpc_done, and, for the
 * strict mode, fwctl_audit_admit(rpc) from rpc_filter.
 *
 * The object gets two maps that `fwctl-bpf audit` reads from their pins:
 *   fwctl_audit       BPF_MAP_TYPE_RINGBUF of struct fwctl_audit_record,
 *                     never created with overwrite: a full ring drops the
 *                     new record, which is counted, never an old one;
 *   fwctl_audit_stats ARRAY of FWCTL_AUDIT_NR_STATS u64 counters
 *                     (records, lost, strict rejects, the first RPC seq
 *                     seen).
 * For every RPC the policy sees, records + lost grows by exactly one. The
 * kernel numbers every RPC it decides (seq, per boot, all devices) and
 * counts them per device (/sys/class/fwctl/fwctlN/bpf/rpcs), so for a
 * recorder matching every device, records + lost == the sum of the rpcs
 * counters - first seq + 1 once no RPC is in flight: `fwctl-bpf audit`
 * checks exactly that.
 *
 * Knobs (rodata, set before load, e.g. fwctl-bpf attach --set):
 *   fwctl_audit_strict: reject with -ENOBUFS what cannot be recorded, as
 *   auditd's "deny access if no audit trail can be made".
 *   fwctl_audit_requests: keep the first 64 request bytes in the record
 *   (head), what fwctl-bpf replay sends again. Off by default: a request
 *   carries what the site's tools write (NV configuration values, keys);
 *   the mlx5 fields (opcode, op_mod, reg_id) are decoded either way.
 */
#ifndef FWCTL_AUDIT_BPF_H
#define FWCTL_AUDIT_BPF_H

#include "fwctl_audit_common.h"

#ifndef FWCTL_AUDIT_RING_SIZE
#define FWCTL_AUDIT_RING_SIZE	(1024 * 1024)	/* ~5000 records */
#endif

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, FWCTL_AUDIT_RING_SIZE);
} fwctl_audit SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FWCTL_AUDIT_NR_STATS);
	__type(key, __u32);
	__type(value, __u64);
} fwctl_audit_stats SEC(".maps");

const volatile bool fwctl_audit_strict;
const volatile bool fwctl_audit_requests;

static __always_inline void fwctl_audit_count(__u32 stat)
{
	__u64 *v = bpf_map_lookup_elem(&fwctl_audit_stats, &stat);

	if (v)
		__sync_fetch_and_add(v, 1);
}

/*
 * Strict mode, in rpc_filter: refuse the RPC before the firmware runs it if
 * the ring has no room for its record now. A record can still be lost to a
 * concurrent writer between here and rpc_done; fwctl_audit_rpc() then
 * withholds the response with -ENOBUFS.
 * Return: FWCTL_BPF_ALLOW or -ENOBUFS.
 */
static __always_inline int fwctl_audit_admit(struct fwctl_bpf_ctx *rpc)
{
	__u64 avail;

	if (!fwctl_audit_strict)
		return FWCTL_BPF_ALLOW;
	avail = bpf_ringbuf_query(&fwctl_audit, BPF_RB_RING_SIZE) -
		bpf_ringbuf_query(&fwctl_audit, BPF_RB_AVAIL_DATA);
	/* a record plus the ring's 8-byte header */
	if (avail >= sizeof(struct fwctl_audit_record) + 8)
		return FWCTL_BPF_ALLOW;
	fwctl_audit_count(FWCTL_AUDIT_STAT_STRICT_REJECTS);
	return -ENOBUFS;
}

/*
 * Who decided is in the flags: a policy (REJECTED, WITHHELD: ctx.policy
 * names it), the hook (FAIL_CLOSED, WRITE_REFUSED) or, for a failed RPC
 * handed to the driver (SENT), the driver.
 */
static __always_inline __u8 fwctl_audit_verdict(const struct fwctl_bpf_ctx *rpc)
{
	__u32 flags = rpc->flags;

	if (flags & (FWCTL_BPF_RPC_REJECTED | FWCTL_BPF_RPC_FAIL_CLOSED |
		     FWCTL_BPF_RPC_WRITE_REFUSED))
		return FWCTL_AUDIT_REJECTED;
	if (flags & FWCTL_BPF_RPC_WITHHELD)
		return FWCTL_AUDIT_WITHHELD;
	if (rpc->status)
		return FWCTL_AUDIT_FAILED;
	if (flags & FWCTL_BPF_RPC_REPLIED)
		return FWCTL_AUDIT_REPLIED;
	if (flags & FWCTL_BPF_RPC_WOULD_REJECT)
		return FWCTL_AUDIT_WOULD_REJECT;
	return FWCTL_AUDIT_ALLOWED;
}

/*
 * The mlx5 fields, decoded from the request header already copied into
 * r->head (no second view of the request) and from the response header.
 */
static __always_inline void fwctl_audit_mlx5(struct fwctl_bpf_ctx *rpc,
					     struct fwctl_audit_record *r)
{
	__u32 syndrome;
	__u8 status;

	if (r->head_len >= MLX5_ST_SZ_BYTES(mbox_in_hdr)) {
		r->opcode = MLX5_GET(mbox_in_hdr, r->head, opcode);
		r->op_mod = MLX5_GET(mbox_in_hdr, r->head, op_mod);
		if (fwctl_mlx5_is_access_reg(r->opcode))
			r->reg_id = MLX5_GET(access_register_in, r->head,
					     register_id);
	}
	if (!rpc->status && !fwctl_mlx5_response_status(rpc, &status, &syndrome)) {
		r->fw_status = status;
		r->fw_syndrome = syndrome;
	}
}

/*
 * The caller's comm, read from its task_struct: what
 * bpf_get_current_comm() returns, without the helper's strscpy_pad().
 * A comm being renamed at the same time may come out mixed, never
 * unterminated.
 */
static __always_inline void fwctl_audit_comm(char comm[16])
{
	struct task_struct *task = bpf_get_current_task_btf();

	_Static_assert(sizeof(task->comm) == 16, "TASK_COMM_LEN changed");
	__builtin_memcpy(comm, task->comm, 16);
	comm[15] = '\0';
}

/* Keep the lowest seq seen, the start of what this recorder accounts for. */
static __always_inline void fwctl_audit_first_seq(__u64 seq)
{
	__u32 i = FWCTL_AUDIT_STAT_FIRST_SEQ;
	__u64 *first = bpf_map_lookup_elem(&fwctl_audit_stats, &i), old;
	int tries;

	if (!first)
		return;
	for (tries = 0; tries < 4; tries++) {
		old = *first;
		if (old && old <= seq)
			return;
		if (__sync_val_compare_and_swap(first, old, seq) == old)
			return;
	}
}

/*
 * Write the record of this RPC, in rpc_done.
 * Return: FWCTL_BPF_ALLOW, or -ENOBUFS in strict mode when the record was
 * lost (the caller returns it to withhold the response).
 */
static __always_inline int fwctl_audit_rpc(struct fwctl_bpf_ctx *rpc)
{
	struct fwctl_audit_record *r;
	__u64 id;

	fwctl_audit_first_seq(rpc->seq);
	r = bpf_ringbuf_reserve(&fwctl_audit, sizeof(*r), 0);
	if (!r) {
		fwctl_audit_count(FWCTL_AUDIT_STAT_LOST);
		return fwctl_audit_strict ? -ENOBUFS : FWCTL_BPF_ALLOW;
	}
	__builtin_memset(r, 0, sizeof(*r));
	r->version = FWCTL_AUDIT_VERSION;
	r->size = sizeof(*r);
	r->flags = rpc->flags;
	r->seq = rpc->seq;
	r->boot_ns = bpf_ktime_get_boot_ns();
	r->cgroup_id = bpf_get_current_cgroup_id();
	r->dev_index = rpc->dev_index;
	r->device_type = rpc->device_type;
	id = bpf_get_current_pid_tgid();
	r->pid = (__u32)id;
	r->tgid = id >> 32;
	id = bpf_get_current_uid_gid();
	r->uid = (__u32)id;
	r->gid = id >> 32;
	fwctl_audit_comm(r->comm);
	r->scope = rpc->scope;
	r->in_len = rpc->in_len;
	r->out_len = rpc->out_len;
	r->status = rpc->status;
	r->verdict = fwctl_audit_verdict(rpc);
	r->policy_id = rpc->policy_id;
	__builtin_memcpy(r->policy, rpc->policy, sizeof(r->policy));
	r->head_len = fwctl_bpf_copy(rpc, FWCTL_BPF_REQUEST, 0, r->head,
				     sizeof(r->head));
	if ((__s32)r->head_len < 0)
		r->head_len = 0;
	if (rpc->device_type == FWCTL_DEVICE_TYPE_MLX5)
		fwctl_audit_mlx5(rpc, r);
	if (!fwctl_audit_requests) {	/* decoded above; the bytes stay out */
		__builtin_memset(r->head, 0, sizeof(r->head));
		r->head_len = 0;
	}
	/*
	 * Wake the consumer only once the ring is a quarter full: one wakeup
	 * per record costs more than the record at high RPC rates, and a
	 * consumer that polls with a timeout (fwctl-bpf audit --follow) picks
	 * up the rest within it.
	 */
	bpf_ringbuf_submit(r, bpf_ringbuf_query(&fwctl_audit, BPF_RB_AVAIL_DATA) >
			      FWCTL_AUDIT_RING_SIZE / 4 ? BPF_RB_FORCE_WAKEUP :
							  BPF_RB_NO_WAKEUP);
	fwctl_audit_count(FWCTL_AUDIT_STAT_RECORDS);
	return FWCTL_BPF_ALLOW;
}

#endif
