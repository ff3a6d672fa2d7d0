/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Map layouts of the policies in policies/, shared with userspace (the
 * loader, tests, operators' tools). No vmlinux.h, no libc.
 */
#ifndef FWCTL_BPF_POLICY_COMMON_H
#define FWCTL_BPF_POLICY_COMMON_H

#ifndef __bpf__
#include <linux/types.h>
#endif

/*
 * Named number types: the loader's configuration (fwctl-bpf apply, a
 * [Map NAME] entry) takes a user name for an fwctl_uid_t and an mlx5
 * command name (QUERY_ADAPTER) for an fwctl_mlx5_opcode_t, as well as
 * the number. Same bytes as __u32 and __u16.
 */
typedef __u32 fwctl_uid_t;
typedef __u16 fwctl_mlx5_opcode_t;

/* mlx5__opcode_allow: key of the "allowed" map (host byte order) */
struct fwctl_mlx5_allow_key {
	fwctl_mlx5_opcode_t opcode;
	__u16 op_mod;		/* FWCTL_MLX5_ANY_OP_MOD: every op_mod */
};
#define FWCTL_MLX5_ANY_OP_MOD	0xffff

/* generic__rate_limit: value of the "limits" map, keyed by uid (fwctl_uid_t);
 * uid FWCTL_RATE_ANY_UID holds the default for uids without an entry.
 */
struct fwctl_rate_limit {
	__u32 rate;		/* RPCs per second refilled */
	__u32 burst;		/* bucket size */
};
#define FWCTL_RATE_ANY_UID	0xffffffff

#endif
