/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The audit record a policy writes for every RPC it sees (fwctl_audit.bpf.h)
 * and `fwctl-bpf audit` decodes. Shared by BPF and userspace: no vmlinux.h,
 * no libc. The layout is versioned; fields are only ever appended, and a
 * reader uses `size` to skip what it does not know.
 */
#ifndef FWCTL_BPF_AUDIT_COMMON_H
#define FWCTL_BPF_AUDIT_COMMON_H

#ifndef __bpf__
#include <linux/types.h>
#endif
#include <fwctl/bpf.h>		/* FWCTL_BPF_REQUEST_HEAD: plain macros */

#define FWCTL_AUDIT_VERSION		1
/* the request head the kernel keeps for rpc_done, recorded whole */
#define FWCTL_AUDIT_HEAD_LEN		FWCTL_BPF_REQUEST_HEAD

/* fwctl_audit_record.verdict: what became of the RPC */
#define FWCTL_AUDIT_ALLOWED		1	/* the driver ran it */
#define FWCTL_AUDIT_REJECTED		2	/* a policy or fail-closed refused it */
#define FWCTL_AUDIT_REPLIED		3	/* a policy answered it */
#define FWCTL_AUDIT_FAILED		4	/* allowed, but the driver failed */
#define FWCTL_AUDIT_WITHHELD		5	/* the driver ran it, a policy withheld the response */
#define FWCTL_AUDIT_WOULD_REJECT	6	/* ran; a complain-mode policy objected */

/* The recorder's maps, by name: the loader pins and finds them so */
/* The journal's MESSAGE_ID of a record (fwctl-bpf audit collect --journal) */
#define FWCTL_AUDIT_MESSAGE_ID		"849e9c78a7bb414c908463a149991b5d"

#define FWCTL_AUDIT_RING_MAP		"fwctl_audit"
#define FWCTL_AUDIT_STATS_MAP		"fwctl_audit_stats"

/* Index of the counters in the fwctl_audit_stats array map */
#define FWCTL_AUDIT_STAT_RECORDS	0	/* records written */
#define FWCTL_AUDIT_STAT_LOST		1	/* records the ring had no room for */
#define FWCTL_AUDIT_STAT_STRICT_REJECTS	2	/* RPCs refused by strict mode */
#define FWCTL_AUDIT_STAT_FIRST_SEQ	3	/* lowest RPC seq seen (0: none yet) */
/*
 * Written by the loader when it attaches the recorder: the kernel's count
 * of decisions then, plus one (0: not attached by fwctl-bpf). Until the
 * recorder sees its first RPC, this is where its accounting starts.
 */
#define FWCTL_AUDIT_STAT_BASE		4
#define FWCTL_AUDIT_NR_STATS		5

struct fwctl_audit_record {
	__u16 version;		/* FWCTL_AUDIT_VERSION */
	__u16 size;		/* sizeof(struct fwctl_audit_record) */
	__u32 flags;		/* FWCTL_BPF_RPC_* */
	__u64 seq;		/* the kernel's per-boot RPC number */
	__u64 boot_ns;		/* CLOCK_BOOTTIME of the decision */
	__u64 cgroup_id;	/* caller's cgroup v2 id */
	__u32 dev_index;	/* N of /dev/fwctl/fwctlN */
	__u32 device_type;	/* enum fwctl_device_type */
	__u32 pid;		/* caller thread */
	__u32 tgid;		/* caller process */
	__u32 uid;
	__u32 gid;
	char comm[16];
	__u32 scope;		/* enum fwctl_rpc_scope */
	__u32 in_len;
	__u32 out_len;		/* length the driver (or reply) returned */
	__s32 status;		/* 0 or the -errno the RPC ended with */
	__u8 verdict;		/* FWCTL_AUDIT_* */
	__u8 fw_status;		/* mlx5: mailbox status of the response */
	__u16 opcode;		/* mlx5: command opcode */
	__u16 op_mod;		/* mlx5: op_mod */
	__u16 reg_id;		/* mlx5: ACCESS_REG register id, else 0 */
	__u32 fw_syndrome;	/* mlx5: syndrome of the response */
	__u32 policy_id;	/* struct_ops map id of the deciding policy */
	char policy[16];	/* its name; empty when all allowed */
	__u32 head_len;		/* valid bytes of head */
	__u8 head[FWCTL_AUDIT_HEAD_LEN]; /* start of the request sent */
	__u32 __pad;
};

#endif
