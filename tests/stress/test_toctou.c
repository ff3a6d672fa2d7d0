// SPDX-License-Identifier: GPL-2.0
/*
 * Issue 9, test 1: time of check to time of use.
 *
 * A second thread keeps changing what a FWCTL_RPC asks for while the first
 * sends it: it flips the mlx5 opcode in the request buffer between NOP
 * (allowed) and QUERY_ADAPTER (forbidden), and swaps the struct's `in`
 * pointer between that buffer and one that always holds QUERY_ADAPTER.
 *
 * Positive control: a sleepable BPF LSM program on file_ioctl that reads
 * the request from user memory (progs/lsm_toctou.bpf.c). fwctl reads the
 * same memory again later, so the firmware runs QUERY_ADAPTER now and
 * then: at least one bypass, or the race is not exercised and the test is
 * invalid. Then fwctl-bpf (progs/stress_deny.bpf.c) decides on the
 * kernel's own copy: 0 bypasses. Ground truth: the simulator's count of
 * executed QUERY_ADAPTER commands (simK/opcodes). The policy also counts
 * what it allowed by opcode; that must equal what the firmware executed,
 * opcode by opcode.
 */
#include <criterion/criterion.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fwctl.h"
#include "sim.h"
#include "stress.h"
#include "lsm_toctou.skel.h"

#define ALLOWED_OP	MLX5_CMD_OP_NOP
#define FORBIDDEN_OP	MLX5_CMD_OP_QUERY_ADAPTER

struct race {
	struct fwctl_rpc rpc;
	/* the mailbox header's first 16 bits are the opcode, big-endian */
	_Alignas(64) uint8_t flip[16];	/* NOP <-> QUERY_ADAPTER */
	_Alignas(64) uint8_t bad[16];	/* always QUERY_ADAPTER */
	_Alignas(64) uint8_t out[16];
	atomic_int stop;
	atomic_ulong flips;
};

static const uint16_t be_allowed = ALLOWED_OP >> 8 | (ALLOWED_OP & 0xff) << 8;
static const uint16_t be_forbidden = FORBIDDEN_OP >> 8 | (FORBIDDEN_OP & 0xff) << 8;

/*
 * The racer toggles the request between "NOP in the flip buffer" and
 * "QUERY_ADAPTER, in either buffer" every few tens of microseconds, as a
 * SCHED_FIFO thread woken by a high-resolution timer: its wakeup preempts
 * the RPC thread wherever it is, in the kernel too, so the window between
 * the LSM's read and fwctl's copy is hit on one CPU as well as on several
 * (the test VM may have one: a spinning racer on the same CPU only ever
 * stops at a loop boundary under TCG, and never races).
 */
static void *racer(void *arg)
{
	struct race *r = arg;
	volatile uint16_t *op = (volatile uint16_t *)r->flip;
	volatile uint64_t *in = (volatile uint64_t *)&r->rpc.in;
	uint64_t flip = (uintptr_t)r->flip, bad = (uintptr_t)r->bad, n = 0;
	uint64_t seed = 0x70c70u;
	struct sched_param sp = { .sched_priority = 1 };
	struct timespec ts = {};

	sched_setscheduler(0, SCHED_FIFO, &sp);	/* best effort: root in the VM */
	while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		if (n & 1) {
			*op = be_allowed;
			*in = flip;
		} else {
			*op = be_forbidden;
			if (stress_rand(&seed) & 1)
				*in = bad;
		}
		atomic_store_explicit(&r->flips, ++n, memory_order_relaxed);
		ts.tv_nsec = 5000 + stress_rand(&seed) % 40000;
		nanosleep(&ts, NULL);
	}
	return NULL;
}

struct outcome {
	long ok, eperm, other;
	unsigned long flips;
};

/* @n RPCs with the racer running; returns what the ioctls returned. */
static struct outcome race_rpcs(int fd, long n)
{
	static struct race r;
	struct outcome o = {};
	pthread_t t;
	long i;

	memset(&r, 0, sizeof(r));
	sim_hdr(r.flip, ALLOWED_OP, 0);
	sim_hdr(r.bad, FORBIDDEN_OP, 0);
	r.rpc.size = sizeof(r.rpc);
	r.rpc.scope = FWCTL_RPC_DEBUG_READ_ONLY;
	r.rpc.in_len = sizeof(r.flip);
	r.rpc.in = (uintptr_t)r.flip;
	r.rpc.out = (uintptr_t)r.out;
	cr_assert_eq(pthread_create(&t, NULL, racer, &r), 0);
	/* the racer runs before the first RPC */
	while (atomic_load(&r.flips) < 2)
		sched_yield();
	for (i = 0; i < n; i++) {
		/* the kernel writes the struct back: only out_len matters */
		r.rpc.out_len = sizeof(r.out);
		if (!ioctl(fd, FWCTL_RPC, &r.rpc))
			o.ok++;
		else if (errno == EPERM)
			o.eperm++;
		else
			o.other++;	/* torn opcodes: -EBADMSG from the driver */
	}
	atomic_store(&r.stop, 1);
	pthread_join(t, NULL);
	o.flips = atomic_load(&r.flips);
	return o;
}

TestSuite(toctou, .init = sim_restore, .fini = sim_restore);

Test(toctou, lsm_baseline_is_bypassed_and_fwctl_bpf_is_not, .timeout = 7200)
{
	/*
	 * The baseline runs until it was bypassed at least once and sent at
	 * least lsm_min RPCs, at most lsm_max: the bypass rate depends on how
	 * often the racer's timer fires, which the VM decides.
	 */
	long lsm_min = stress_count("TOCTOU_LSM_RPCS", 20000, 1000000);
	long lsm_max = stress_count("TOCTOU_LSM_MAX_RPCS", 1000000, 10000000), lsm_n = 0;
	long n = stress_count("TOCTOU_RPCS", 50000, 1000000);
	uint16_t forbidden = FORBIDDEN_OP;
	int k = sim_private_device(), fd = sim_open(k);
	struct lsm_toctou *lsm;
	struct stress_deny *ours;
	struct bpf_link *link;
	struct outcome lo, o;
	long long lsm_bypass, bypass, exec_allowed, exec_total;
	uint64_t seen_allowed, seen_forbidden, seen_total, mismatch;
	double t0, t_lsm, t_ours;

	cr_assert_geq(fd, 0);

	/* The positive control: the BPF LSM, deciding on user memory. */
	lsm = lsm_toctou__open();
	cr_assert(lsm);
	lsm->rodata->rpc_cmd = FWCTL_RPC;
	lsm->rodata->target_tgid = getpid();
	lsm->rodata->forbidden_op = FORBIDDEN_OP;
	cr_assert_eq(lsm_toctou__load(lsm), 0, "load the LSM program: %s", strerror(errno));
	cr_assert_eq(lsm_toctou__attach(lsm), 0,
		     "toctou: INVALID, the positive control cannot run: attaching the BPF LSM "
		     "failed (%s); is \"bpf\" in the kernel's lsm= list?", strerror(errno));
	cr_assert_eq(sim_reset_counters(k), 0);
	t0 = stress_now();
	memset(&lo, 0, sizeof(lo));
	do {
		long chunk = lsm_min < 20000 ? lsm_min : 20000;
		struct outcome c = race_rpcs(fd, chunk);

		lo.ok += c.ok;
		lo.eperm += c.eperm;
		lo.other += c.other;
		lo.flips += c.flips;
		lsm_n += chunk;
		lsm_bypass = sim_opcode_count(k, FORBIDDEN_OP);
		cr_assert_geq(lsm_bypass, 0);
	} while (lsm_n < lsm_max && (lsm_n < lsm_min || !lsm_bypass));
	t_lsm = stress_now() - t0;
	cr_assert_gt(lsm->bss->calls, 0, "the LSM program never ran");
	lsm_toctou__destroy(lsm);
	if (lsm_bypass == 0)
		cr_assert_fail("toctou: INVALID: the LSM baseline was never bypassed in %ld RPCs "
			 "(%ld allowed, %ld denied, %lu flips): the race was not exercised, so 0 bypasses "
			 "for fwctl-bpf would prove nothing (raise FWCTL_STRESS_TOCTOU_LSM_RPCS)",
			 lsm_n, lo.ok, lo.eperm, lo.flips);

	/* fwctl-bpf: the same race against a policy on the kernel's copy. */
	ours = stress_deny_load("toctou", EPERM, &forbidden, 1, FWCTL_BPF_PRIO_DEFAULT,
				sim_fwctl_index(k));
	link = stress_attach(ours->maps.deny_ops);
	cr_assert_eq(sim_reset_counters(k), 0);
	t0 = stress_now();
	o = race_rpcs(fd, n);
	t_ours = stress_now() - t0;
	bypass = sim_opcode_count(k, FORBIDDEN_OP);
	exec_allowed = sim_opcode_count(k, ALLOWED_OP);
	exec_total = sim_executed(k);
	seen_allowed = stress_map_u64(ours->maps.executed, ALLOWED_OP);
	seen_forbidden = stress_map_u64(ours->maps.executed, FORBIDDEN_OP);
	seen_total = stress_map_u64(ours->maps.stats, STRESS_EXECUTED);
	mismatch = stress_map_u64(ours->maps.stats, STRESS_MISMATCH);
	bpf_link__destroy(link);
	stress_deny__destroy(ours);
	close(fd);

	stress_figure("toctou: %lld bypasses in %ld RPCs (LSM baseline: %lld bypasses in %ld RPCs); "
		      "opcode seen by the policy == opcode executed by the firmware in %llu/%lld "
		      "executed RPCs, %llu head mismatches [LSM: %.1f s, %lu racer toggles; fwctl-bpf: %.1f s, "
		      "%lu racer toggles, %ld allowed, %ld rejected, %ld torn]",
		      bypass, n, lsm_bypass, lsm_n,
		      (unsigned long long)(seen_allowed == (uint64_t)exec_allowed &&
					   seen_total == (uint64_t)exec_total ? seen_total : 0),
		      exec_total, (unsigned long long)mismatch, t_lsm, lo.flips, t_ours, o.flips, o.ok,
		      o.eperm, o.other);
	cr_expect_eq(bypass, 0, "fwctl-bpf was bypassed %lld times", bypass);
	cr_expect_eq(seen_forbidden, 0);
	cr_expect_eq(seen_allowed, (uint64_t)exec_allowed,
		     "the policy allowed %llu NOPs, the firmware ran %lld",
		     (unsigned long long)seen_allowed, exec_allowed);
	cr_expect_eq(seen_total, (uint64_t)exec_total,
		     "the policy saw %llu executed RPCs, the firmware ran %lld",
		     (unsigned long long)seen_total, exec_total);
	cr_expect_eq(mismatch, 0);
	cr_expect_eq(o.ok + o.eperm + o.other, n);
}
