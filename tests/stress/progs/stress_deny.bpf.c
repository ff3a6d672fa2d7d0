// SPDX-License-Identifier: GPL-2.0
/*
 * The stress suite's policy: reject the opcodes in deny_op[] with
 * -deny_errno, allow everything else, and count what it saw, so that the
 * tests can hold it against the simulator's own count of what the firmware
 * executed:
 *
 *   executed[opcode]  RPCs this policy allowed (saw opcode in rpc_filter)
 *                     and the driver then ran (rpc_done: not rejected, not
 *                     replied, status 0)
 *   dev_calls[N]      rpc_filter runs for /dev/fwctl/fwctlN
 *   stats[]           STRESS_* counters (stress_common.h); MISMATCH counts
 *                     RPCs whose request head in rpc_done (what the driver
 *                     got) has another opcode than rpc_filter decided on
 *
 * Knobs are rodata (set through the skeleton before load). The
 * stress_swap_{a,b}.bpf.c objects bake them in with the STRESS_* macros,
 * so that bpftool can register them as they are.
 */
#include "vmlinux.h"
#include "fwctl_bpf.h"
#include "fwctl_bpf_mlx5.h"
#include "stress_common.h"

#ifndef STRESS_OPS
#define STRESS_OPS	deny_ops
#endif
#ifndef STRESS_NAME
#define STRESS_NAME	"stress_deny"
#endif
#ifndef STRESS_ERRNO
#define STRESS_ERRNO	EACCES
#endif
#ifndef STRESS_DENY_OPS
#define STRESS_DENY_OPS	0
#endif

const volatile int deny_errno = STRESS_ERRNO;
const volatile __u16 deny_op[STRESS_MAX_DENY] = { STRESS_DENY_OPS };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, STRESS_NR_OPCODES);
	__type(key, __u32);
	__type(value, __u64);
} executed SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, STRESS_MAX_DEV);
	__type(key, __u32);
	__type(value, __u64);
} dev_calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, STRESS_NR_STATS);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/* seq -> opcode decided in rpc_filter, consumed by rpc_done */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u32);
} inflight SEC(".maps");

static __always_inline void count(void *map, __u32 key)
{
	__u64 *v = bpf_map_lookup_elem(map, &key);

	if (v)
		__sync_fetch_and_add(v, 1);
}

static __always_inline int opcode_of(const __u8 *h)
{
	return h ? (h[0] << 8 | h[1]) : -1;
}

SEC("struct_ops/rpc_filter")
int BPF_PROG(stress_filter, struct fwctl_bpf_ctx *rpc)
{
	int op = opcode_of(fwctl_bpf_request_data(rpc, 0, 2));
	__u64 seq = rpc->seq;
	__u32 v;
	int i;

	count(&stats, STRESS_FILTER_CALLS);
	count(&dev_calls, rpc->dev_index);
	if (op < 0)
		return FWCTL_BPF_ALLOW;
	for (i = 0; i < STRESS_MAX_DENY; i++) {
		if (deny_op[i] && deny_op[i] == op) {
			count(&stats, STRESS_DENIED);
			return -deny_errno;
		}
	}
	v = op;
	if (bpf_map_update_elem(&inflight, &seq, &v, BPF_ANY))
		count(&stats, STRESS_INFLIGHT_FULL);
	return FWCTL_BPF_ALLOW;
}

SEC("struct_ops/rpc_done")
int BPF_PROG(stress_done, struct fwctl_bpf_ctx *rpc)
{
	int op = opcode_of(fwctl_bpf_request_data(rpc, 0, 2));
	__u64 seq = rpc->seq;
	__u32 *seen;

	count(&stats, STRESS_DONE_CALLS);
	seen = bpf_map_lookup_elem(&inflight, &seq);
	if (!seen)
		return FWCTL_BPF_ALLOW;	/* not allowed by this policy */
	if (*seen != op)
		count(&stats, STRESS_MISMATCH);
	if (!(rpc->flags & (FWCTL_BPF_RPC_REJECTED | FWCTL_BPF_RPC_REPLIED)) &&
	    !rpc->status) {
		count(&executed, *seen);
		count(&stats, STRESS_EXECUTED);
	}
	bpf_map_delete_elem(&inflight, &seq);
	return FWCTL_BPF_ALLOW;
}

FWCTL_BPF_OPS(STRESS_OPS) = {
	.rpc_filter = (void *)stress_filter,
	.rpc_done = (void *)stress_done,
	.prio = FWCTL_BPF_PRIO_DEFAULT,
	.name = STRESS_NAME,
};

char _license[] SEC("license") = "GPL";
