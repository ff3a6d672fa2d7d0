/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What configs.c (the configurations) and figures.c (what is measured in
 * each) share: the state of one configuration while it is measured.
 */
#ifndef FWCTL_BPF_BENCH_CONFIGS_H
#define FWCTL_BPF_BENCH_CONFIGS_H

#include <sys/types.h>

#include "bench.h"

#define MAX_LINKS 16	/* FWCTL_BPF_MAX_POLICIES */

struct state {
	const struct config *cfg;
	struct bpf_link *links[MAX_LINKS];
	int nr_links;
	/* the hot-swap pair: the link and the two ops maps it alternates */
	struct bpf_link *swap_link;
	int swap_fd[2];
	int swap_cur;
	/* the objects, destroyed at teardown */
	struct bench_allow *allow[2];
	struct bench_floor *floor;
	struct bench_minimal *minimal;
	struct mlx5__opcode_allow *al[2];
	struct generic__observe *obs;
	struct mlx5__deny_nv_write *nv;
	struct generic__rate_limit *rl;
	struct bench_lsm *lsm;
	/* the audit consumer, a process of its own (consumer.c) */
	struct audit_consumer *consumer;
	/* Peer B */
	pid_t broker;
	char broker_addr[96];
	double mem_kib;
};

/* Set st->cfg up and check that it decides; the caller tears down. */
int setup_checked(struct state *st);
void teardown(struct state *st);
/* The broker's address in Peer B, else NULL (a client's own FD) */
const char *broker_of(struct state *st);

#endif
