/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the stress suite's BPF programs and its C tests: no
 * vmlinux.h, no libc.
 */
#ifndef FWCTL_BPF_STRESS_COMMON_H
#define FWCTL_BPF_STRESS_COMMON_H

/* Opcodes a stress_deny instance rejects (0 = unused slot) */
#define STRESS_MAX_DENY		4
/* Devices counted by index in dev_calls (fwctl0 .. fwctl63) */
#define STRESS_MAX_DEV		64
/* Opcodes are 16 bits: one counter each */
#define STRESS_NR_OPCODES	65536

/* Index of the counters in a stress_deny instance's "stats" array */
#define STRESS_FILTER_CALLS	0	/* rpc_filter runs */
#define STRESS_DONE_CALLS	1	/* rpc_done runs */
#define STRESS_DENIED		2	/* rejections by this policy */
#define STRESS_MISMATCH		3	/* rpc_done saw another opcode than rpc_filter */
#define STRESS_INFLIGHT_FULL	4	/* the seq -> opcode map was full */
#define STRESS_EXECUTED		5	/* RPCs the driver ran, as rpc_done saw them */
#define STRESS_NR_STATS		6

#endif
