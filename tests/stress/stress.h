/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the reliability and security suite (tests/stress/, issue 9).
 *
 * Every test runs a short version by default (make check-stress) and the
 * issue's counts with FWCTL_STRESS=full (make stress, on the debug
 * kernel). FWCTL_STRESS_<NAME>=N overrides one count, e.g.
 * FWCTL_STRESS_TOCTOU_RPCS=1000000. Each test ends with one figure line on
 * stdout, "<test>: <numbers>", with the numbers of that run.
 */
#ifndef FWCTL_BPF_STRESS_H
#define FWCTL_BPF_STRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <bpf/libbpf.h>

#include "fwctl/bpf.h"
#include "sim_test.h"	/* sim_private_device(), sim_fwctl_index() */
#include "stress_common.h"
#include "stress_deny.skel.h"

/* true under FWCTL_STRESS=full */
bool stress_full(void);
/* FWCTL_STRESS_<name> if set, else full_n under FWCTL_STRESS=full, else short_n */
long stress_count(const char *name, long short_n, long full_n);
/* the figure line: printed and flushed at once (stdout is the serial line) */
void stress_figure(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* CLOCK_MONOTONIC in seconds */
double stress_now(void);

/* "fwctlN" of simK into name[16], asserted */
void stress_fwctl_name(int k, char *name);

/*
 * Load a stress_deny policy that rejects @ops[0..n) with -@err; with
 * @dev_index >= 0 it matches that device only. Not attached.
 */
struct stress_deny *stress_deny_load(const char *name, int err, const uint16_t *ops,
				     int n, uint32_t prio, int dev_index);
/* attach a struct_ops map, asserted */
struct bpf_link *stress_attach(struct bpf_map *ops);

/* element @key of a u64 array map (stats, executed, dev_calls) */
uint64_t stress_map_u64(struct bpf_map *map, uint32_t key);

/*
 * One mlx5 command with a zeroed 64-byte request and a 256-byte response
 * buffer: 0 or -errno (the firmware's status is not looked at).
 */
int stress_cmd(int fd, uint32_t scope, uint16_t opcode);

/* libbpf's messages go to @buf (NUL-terminated) until stress_capture_end() */
void stress_capture_libbpf(char *buf, size_t size);
void stress_capture_end(void);

/* a small seeded PRNG (xorshift64*), reproducible across runs */
static inline uint64_t stress_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

#endif
