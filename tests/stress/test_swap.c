// SPDX-License-Identifier: GPL-2.0
/*
 * Issue 9, test 2: hot swap under load.
 *
 * Policy A (progs/stress_swap_a.bpf.c) rejects QUERY_ADAPTER and
 * QUERY_ISSI with -EACCES, policy B (stress_swap_b.bpf.c) QUERY_VPORT_STATE
 * and QUERY_ISSI with -EBUSY. Client threads send NOP, QUERY_ADAPTER,
 * QUERY_VPORT_STATE and QUERY_ISSI in turn while the policy is swapped:
 *   1. in place, by BPF_LINK_UPDATE (A <-> B on one link);
 *   2. make-before-break with libbpf: attach the new one, destroy the old
 *      one's link;
 *   3. make-before-break with bpftool: "bpftool struct_ops register" the
 *      new object, then remove the old one's pinned link.
 * Pass: every result is one A or B gives (NOP: 0; QUERY_ADAPTER: 0 or
 * -EACCES; QUERY_VPORT_STATE: 0 or -EBUSY; QUERY_ISSI: -EACCES or -EBUSY);
 * RPCs that started and ended while one policy alone was attached got that
 * policy's verdict; the simulator executed QUERY_ISSI 0 times; and with
 * generic__observe attached to the device, audit records + lost == the
 * device's decisions (sysfs bpf/rpcs).
 */
#include <criterion/criterion.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf_test.h"
#include "cli.h"
#include "fwctl.h"
#include "fwctl_audit_common.h"
#include "policy.h"
#include "sim.h"
#include "stress.h"
#include "policies/generic__observe.skel.h"
#include "stress_swap_a.skel.h"
#include "stress_swap_b.skel.h"

#define NR_CLIENTS 4
#define PIN_DIR "/sys/fs/bpf/fwctl_stress_swap"

static const uint16_t ops[4] = {
	MLX5_CMD_OP_NOP, MLX5_CMD_OP_QUERY_ADAPTER,
	MLX5_CMD_OP_QUERY_VPORT_STATE, MLX5_CMD_OP_QUERY_ISSI,
};

/* The verdict of A (which = 0) or B (1) for ops[i] */
static int verdict(int which, int i)
{
	static const int v[2][4] = {
		{ 0, -EACCES, 0, -EACCES },
		{ 0, 0, -EBUSY, -EBUSY },
	};
	return v[which][i];
}

struct swap_state {
	int k;
	/* a sequence count: odd while a swap is in progress */
	atomic_ulong phase;
	atomic_int which;		/* attached when phase is even: 0 A, 1 B */
	atomic_int stop;
	atomic_long rpcs, foreign, stale, checked;
	atomic_long result[4][3];	/* per opcode: 0, -EACCES, -EBUSY */
};

static void *client(void *arg)
{
	struct swap_state *s = arg;
	int fd = sim_open(s->k), i = 0, ret;
	unsigned long p0, p1;
	int w;

	if (fd < 0) {
		atomic_fetch_add(&s->foreign, 1);
		return NULL;
	}
	while (!atomic_load(&s->stop)) {
		i = (i + 1) % 4;
		p0 = atomic_load(&s->phase);
		w = atomic_load(&s->which);
		ret = stress_cmd(fd, FWCTL_RPC_DEBUG_READ_ONLY, ops[i]);
		p1 = atomic_load(&s->phase);
		atomic_fetch_add(&s->rpcs, 1);
		if (ret != verdict(0, i) && ret != verdict(1, i)) {
			if (atomic_fetch_add(&s->foreign, 1) < 5)
				fprintf(stderr, "swap: opcode 0x%x got %d\n", ops[i], ret);
			continue;
		}
		atomic_fetch_add(&s->result[i][ret == 0 ? 0 : ret == -EACCES ? 1 : 2], 1);
		if (p0 == p1 && !(p0 & 1)) {
			atomic_fetch_add(&s->checked, 1);
			if (ret != verdict(w, i))
				atomic_fetch_add(&s->stale, 1);
		}
	}
	close(fd);
	return NULL;
}

static void phase_begin(struct swap_state *s)
{
	atomic_fetch_add(&s->phase, 1);
}

static void phase_end(struct swap_state *s, int which)
{
	atomic_store(&s->which, which);
	atomic_fetch_add(&s->phase, 1);
}

/*
 * Unpin a bpftool-registered link and wait until the kernel has detached
 * its policy: the link is freed from a work item soon after, its id goes
 * first and the policy (unreg) only with the link's deferred dealloc,
 * which then drops the struct_ops map. So wait for the map's id: once it
 * is gone the old version no longer runs and its name is free.
 */
static void unpin_and_wait(const char *path)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path), i;

	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(bpf_link_get_info_by_fd(fd, &info, &len), 0);
	close(fd);
	cr_assert_neq(info.struct_ops.map_id, 0);
	cr_assert_eq(unlink(path), 0, "%s: %s", path, strerror(errno));
	for (i = 0; i < 1000; i++) {
		fd = bpf_map_get_fd_by_id(info.struct_ops.map_id);
		if (fd < 0)
			return;
		close(fd);
		usleep(2000);
	}
	cr_assert_fail("map %u of %s outlived its link", info.struct_ops.map_id, path);
}

/* Attached and detached once, so that the map can replace another by link update. */
static void make_ready(struct bpf_map *map)
{
	struct bpf_link *l = stress_attach(map);

	bpf_link__destroy(l);
}

/* bpftool struct_ops register stress_swap_@which.bpf.o in PIN_DIR/@which */
static int bpftool_register(struct cli_result *r, const char *which)
{
	char obj[256], dir[128];

	snprintf(obj, sizeof(obj), STRESS_BUILD "/stress/stress_swap_%s.bpf.o", which);
	snprintf(dir, sizeof(dir), PIN_DIR "/%s", which);
	return cli_cmd(r, "bpftool", "struct_ops", "register", obj, dir, NULL);
}

static uint64_t audit_stat(struct generic__observe *o, uint32_t i)
{
	return stress_map_u64(o->maps.fwctl_audit_stats, i);
}

static int count_record(void *ctx, void *data, size_t size)
{
	(*(long *)ctx)++;
	return 0;
}

struct consumer {
	struct ring_buffer *rb;
	atomic_int stop;
	long records;
};

static void *consume(void *arg)
{
	struct consumer *c = arg;

	while (!atomic_load(&c->stop))
		ring_buffer__poll(c->rb, 50);
	ring_buffer__consume(c->rb);
	return NULL;
}

TestSuite(swap, .init = sim_restore, .fini = sim_restore);

Test(swap, every_verdict_comes_from_a_or_b_and_nothing_both_forbid_runs, .timeout = 7200)
{
	long n_update = stress_count("SWAP_UPDATES", 1000, 10000);
	long n_mbb = stress_count("SWAP_MBB", 100, 1000);
	long n_bpftool = stress_count("SWAP_BPFTOOL", 4, 50);
	static struct swap_state s;
	struct cli_result r = {};
	struct consumer c = {};
	struct generic__observe *obs;
	struct stress_swap_a *a;
	struct stress_swap_b *b;
	struct bpf_link *obs_link, *link, *la, *lb = NULL;
	pthread_t t[NR_CLIENTS], ct;
	char name[16], path[128];
	long long rpcs0, decisions, issi;
	uint64_t records, lost;
	double t0;
	long i;

	memset(&s, 0, sizeof(s));
	s.k = sim_private_device();
	stress_fwctl_name(s.k, name);

	/* The auditor, on this device only, with a consumer running. */
	obs = generic__observe__open();
	cr_assert(obs);
	cr_assert_eq(fwctl_policy_set_u32(obs->obj, "flags", FWCTL_BPF_F_DEV_INDEX), 0);
	cr_assert_eq(fwctl_policy_set_u32(obs->obj, "dev_index", sim_fwctl_index(s.k)), 0);
	cr_assert_eq(generic__observe__load(obs), 0);
	obs_link = stress_attach(obs->maps.observe);
	c.rb = ring_buffer__new(bpf_map__fd(obs->maps.fwctl_audit), count_record, &c.records, NULL);
	cr_assert(c.rb);
	cr_assert_eq(pthread_create(&ct, NULL, consume, &c), 0);

	a = stress_swap_a__open_and_load();
	b = stress_swap_b__open_and_load();
	cr_assert(a && b);
	make_ready(b->maps.swap_b_ops);
	make_ready(a->maps.swap_a_ops);

	rpcs0 = fwctl_bpf_attr(name, "rpcs");
	cr_assert_eq(sim_reset_counters(s.k), 0);
	link = stress_attach(a->maps.swap_a_ops);	/* phase 0: A */
	for (i = 0; i < NR_CLIENTS; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, client, &s), 0);
	while (atomic_load(&s.rpcs) < 100)
		usleep(1000);

	/* 1. In place: one link, A <-> B. */
	t0 = stress_now();
	for (i = 0; i < n_update; i++) {
		phase_begin(&s);
		cr_assert_eq(bpf_link__update_map(link, i % 2 ? a->maps.swap_a_ops :
						  b->maps.swap_b_ops), 0, "link update %ld", i);
		phase_end(&s, i % 2 ? 0 : 1);
	}
	/* n_update is even: A is attached again */
	cr_assert_eq(n_update % 2, 0);
	la = link;

	/* 2. Make-before-break, libbpf: attach the new, destroy the old. */
	for (i = 0; i < n_mbb; i++) {
		phase_begin(&s);
		if (i % 2 == 0) {
			lb = stress_attach(b->maps.swap_b_ops);
			bpf_link__destroy(la);
		} else {
			la = stress_attach(a->maps.swap_a_ops);
			bpf_link__destroy(lb);
		}
		phase_end(&s, i % 2 ? 0 : 1);
	}
	cr_assert_eq(n_mbb % 2, 0);

	/*
	 * 3. Make-before-break, bpftool: register the new, unpin the old.
	 * Two attached policies never share a name, so the new version is
	 * the other object: B first, while libbpf's A is still attached.
	 */
	cr_assert_eq(cli_cmd(&r, "rm", "-rf", PIN_DIR, NULL), 0);
	cr_assert_eq(cli_cmd(&r, "mkdir", "-p", PIN_DIR "/a", PIN_DIR "/b", NULL), 0);
	phase_begin(&s);
	cr_assert_eq(bpftool_register(&r, "b"), 0);
	bpf_link__destroy(la);
	phase_end(&s, 1);
	for (i = 0; i < n_bpftool; i++) {
		const char *new = i % 2 ? "b" : "a", *old = i % 2 ? "a" : "b";

		phase_begin(&s);
		cr_assert_eq(bpftool_register(&r, new), 0, "bpftool struct_ops register (swap %ld)",
			     i);
		snprintf(path, sizeof(path), PIN_DIR "/%s/swap_%s_ops", old, old);
		unpin_and_wait(path);
		phase_end(&s, i % 2 ? 1 : 0);
	}
	cr_assert_eq(n_bpftool % 2, 0);

	/* A few more RPCs with B alone, then stop. */
	i = atomic_load(&s.rpcs);
	while (atomic_load(&s.rpcs) < i + 100)
		usleep(1000);
	atomic_store(&s.stop, 1);
	for (i = 0; i < NR_CLIENTS; i++)
		pthread_join(t[i], NULL);
	cli_cmd(&r, "rm", "-rf", PIN_DIR, NULL);
	cli_result_free(&r);

	issi = sim_opcode_count(s.k, MLX5_CMD_OP_QUERY_ISSI);
	decisions = fwctl_bpf_attr(name, "rpcs") - rpcs0;
	atomic_store(&c.stop, 1);
	pthread_join(ct, NULL);
	records = audit_stat(obs, FWCTL_AUDIT_STAT_RECORDS);
	lost = audit_stat(obs, FWCTL_AUDIT_STAT_LOST);

	stress_figure("swap: %ld foreign verdicts, %ld stale verdicts (of %ld RPCs inside one "
		      "policy's span), %lld QUERY_ISSI executed in %ld RPCs by %d clients over "
		      "%ld link updates + %ld libbpf make-before-break + %ld bpftool "
		      "make-before-break swaps in %.1f s; audit: %llu records + %llu lost == "
		      "%lld decisions (%ld records consumed)",
		      atomic_load(&s.foreign), atomic_load(&s.stale), atomic_load(&s.checked),
		      issi, atomic_load(&s.rpcs), NR_CLIENTS, n_update, n_mbb, n_bpftool,
		      stress_now() - t0, (unsigned long long)records, (unsigned long long)lost,
		      decisions, c.records);
	cr_expect_eq(atomic_load(&s.foreign), 0, "verdicts from neither A nor B");
	cr_expect_eq(atomic_load(&s.stale), 0, "verdicts of the policy no longer attached");
	cr_expect_eq(issi, 0, "QUERY_ISSI, forbidden by both, reached the firmware");
	cr_expect_eq(records + lost, (uint64_t)decisions, "records + lost != decisions");
	cr_expect_eq((uint64_t)c.records, records, "records counted but not in the ring");
	cr_expect_gt(atomic_load(&s.result[1][1]), 0, "A never decided");
	cr_expect_gt(atomic_load(&s.result[2][2]), 0, "B never decided");

	ring_buffer__free(c.rb);
	bpf_link__destroy(obs_link);
	generic__observe__destroy(obs);
	stress_swap_a__destroy(a);
	stress_swap_b__destroy(b);
}
