// SPDX-License-Identifier: GPL-2.0
/*
 * generic__rate_limit: a token bucket per caller uid, so no user can flood
 * device firmware with RPCs.
 *
 * Why: firmware command interfaces are slow and shared: mlx5 executes
 * commands one at a time per queue, and the driver's own commands (link
 * changes, health polling, RDMA object creation) wait behind a tool that
 * loops on queries. A per-uid budget keeps monitoring agents and curious
 * users from starving the kernel's commands.
 *
 * Configure: the hash map "limits" (pinned by fwctl-bpf attach), key the
 * uid (__u32), value struct fwctl_rate_limit {__u32 rate; __u32 burst}
 * (RPCs per second, bucket size); the entry for uid 0xffffffff
 * (FWCTL_RATE_ANY_UID) applies to every uid without its own. A uid with no
 * limit at all is not limited. Rejects with -EAGAIN when the bucket is
 * empty:
 *   bpftool map update pinned /sys/fs/bpf/fwctl/NAME/limits \
 *       key hex ff ff ff ff value hex 0a 00 00 00 14 00 00 00  # 10/s, burst 20
 */
#include "vmlinux.h"
#include "fwctl_bpf.h"
#include "fwctl_policy_common.h"

#define NSEC_PER_SEC	1000000000ULL

struct rate_bucket {
	struct bpf_spin_lock lock;
	__u64 tokens;		/* in 1/NSEC_PER_SEC tokens */
	__u64 last_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, fwctl_uid_t);	/* FWCTL_RATE_ANY_UID: the default */
	__type(value, struct fwctl_rate_limit);
} limits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);	/* spin locks need a plain hash */
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct rate_bucket);
} buckets SEC(".maps");

__u64 limited;

static struct fwctl_rate_limit *limit_of(__u32 uid)
{
	struct fwctl_rate_limit *l = bpf_map_lookup_elem(&limits, &uid);
	__u32 any = FWCTL_RATE_ANY_UID;

	return l ?: bpf_map_lookup_elem(&limits, &any);
}

SEC("struct_ops/rpc_filter")
int BPF_PROG(rate_limit_filter, struct fwctl_bpf_ctx *rpc)
{
	__u32 uid = fwctl_bpf_caller_uid();
	struct fwctl_rate_limit *l = limit_of(uid);
	__u64 now = bpf_ktime_get_ns(), cap, elapsed;
	struct rate_bucket *b, fresh = {};
	bool ok;

	if (!l || !l->rate)
		return FWCTL_BPF_ALLOW;
	cap = (__u64)l->burst * NSEC_PER_SEC;
	b = bpf_map_lookup_elem(&buckets, &uid);
	if (!b) {
		fresh.tokens = cap;
		fresh.last_ns = now;
		bpf_map_update_elem(&buckets, &uid, &fresh, BPF_NOEXIST);
		b = bpf_map_lookup_elem(&buckets, &uid);
		if (!b)
			return -EAGAIN;
	}

	bpf_spin_lock(&b->lock);
	elapsed = now > b->last_ns ? now - b->last_ns : 0;
	b->last_ns = now;
	/* refill; bound elapsed first so the product cannot overflow */
	if (elapsed > cap / l->rate)
		elapsed = cap / l->rate;
	b->tokens += elapsed * l->rate;
	if (b->tokens > cap)
		b->tokens = cap;
	ok = b->tokens >= NSEC_PER_SEC;
	if (ok)
		b->tokens -= NSEC_PER_SEC;
	bpf_spin_unlock(&b->lock);

	if (ok)
		return FWCTL_BPF_ALLOW;
	__sync_fetch_and_add(&limited, 1);
	return -EAGAIN;
}

FWCTL_BPF_OPS(rate_limit) = {
	.rpc_filter = (void *)rate_limit_filter,
	.prio = FWCTL_BPF_PRIO_DEFAULT,
	.name = "rate_limit",
};

char _license[] SEC("license") = "GPL";
