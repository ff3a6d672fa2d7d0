/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cheapest allowlist and the smallest record, shared by the benchmark's
 * configurations "minimal" and "minimal_decision" (on the fwctl-bpf hook)
 * and "peer_lsm_audit" (Peer A's LSM) so that they do the same work:
 *
 *   bench_allowed  a global array indexed by opcode, set by the benchmark
 *                  after load: a load, no map helper, no bounds check (an
 *                  opcode is 16 bits);
 *   bench_record() the smallest record an auditor could still reconcile,
 *                  into a 1 MiB ring buffer whose consumer is woken only
 *                  once it is a quarter full (as fwctl_audit.bpf.h does);
 *                  records it had no room for are counted in "lost".
 */
#ifndef BENCH_LEAN_BPF_H
#define BENCH_LEAN_BPF_H

/* a map of its own, so that an object can leave it out (peer_lsm) */
__u8 bench_allowed[1 << 16] SEC(".data.bench_allowed");

#define BENCH_RING_SIZE	(1024 * 1024)

struct bench_record {
	__u64 seq;
	__u32 flags;
	__s32 status;
	__u32 uid;
	__u16 opcode;
	__u16 op_mod;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, BENCH_RING_SIZE);
} bench_ring SEC(".maps");

__u64 lost;

static __always_inline void bench_record(__u64 seq, __u32 flags, __s32 status,
					 __u16 opcode, __u16 op_mod)
{
	struct bench_record *r = bpf_ringbuf_reserve(&bench_ring, sizeof(*r), 0);

	if (!r) {
		__sync_fetch_and_add(&lost, 1);
		return;
	}
	r->seq = seq;
	r->flags = flags;
	r->status = status;
	r->uid = (__u32)bpf_get_current_uid_gid();
	r->opcode = opcode;
	r->op_mod = op_mod;
	bpf_ringbuf_submit(r, bpf_ringbuf_query(&bench_ring, BPF_RB_AVAIL_DATA) >
			      BENCH_RING_SIZE / 4 ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

#endif
