/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Policies the kernel runs: struct_ops links whose map is a fwctl_bpf_ops
 * map, read back through the map value (the kernel returns what userspace
 * wrote, with program ids in the op slots) and the running kernel's BTF.
 */
#ifndef FWCTL_BPF_LOADER_LIVE_H
#define FWCTL_BPF_LOADER_LIVE_H

#ifdef __bpf__
#error "userspace only"
#endif

#include <limits.h>
#include <stdint.h>
#include <time.h>

struct live_policy {
	uint32_t link_id;
	uint32_t map_id;
	char map_name[16];
	char name[16];
	uint32_t device_type;
	uint32_t dev_index;
	uint32_t prio;
	uint32_t flags;
	uint32_t filter_prog_id;	/* 0: no rpc_filter */
	uint32_t done_prog_id;		/* 0: no rpc_done */
	char pinned[PATH_MAX];		/* link pin, "" if none found */
	time_t pinned_at;		/* pin's creation time, 0 if unknown */
	int order;			/* 1-based execution position */
};

/* Read a fwctl_bpf_ops map's live value; -ENOTSUP for other maps */
int live_policy_read_map(int map_fd, struct live_policy *p);

/*
 * Every attached policy, in execution order (prio, then link id, which
 * grows with attach order). *@out is malloc'd; returns the count or -errno.
 */
int live_policies(struct live_policy **out);

/* A program's run counts (kernel.bpf_stats_enabled=1 counts them) */
struct prog_stats {
	uint32_t id;
	char name[16];
	uint64_t run_cnt;
	uint64_t run_time_ns;
};

/* Program @id's; all zero but the id if it is gone */
void prog_stats(uint32_t id, struct prog_stats *s);

/* The link pinned at @path: fd, with its map id in *@map_id; -errno */
int live_link_open(const char *path, uint32_t *link_id, uint32_t *map_id);

#endif
