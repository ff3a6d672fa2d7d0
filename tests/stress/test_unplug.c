// SPDX-License-Identifier: GPL-2.0
/*
 * Issue 9, test 5: unplug under load.
 *
 * A simulated device is removed and added again, over and over, while
 * client threads send RPCs to it (and to sim0), with a global policy
 * (counting decisions per device) and a per-device policy (rejecting
 * QUERY_ADAPTER on that device with -EBUSY) attached. After each removal:
 * every RPC on a descriptor of the removed device gets -ENODEV, neither
 * policy records a decision for it any more, and the per-device policy is
 * detached: the device added next (which gets the same fwctl index) runs
 * QUERY_ADAPTER until the policy is attached again. The kernel must stay
 * quiet throughout (tests/vm/run).
 */
#include <criterion/criterion.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fwctl.h"
#include "sim.h"
#include "stress.h"

#define NR_CLIENTS 2

struct unplug {
	atomic_int fd;			/* of the device under test, -1 between rounds */
	atomic_int stop;
	atomic_long rpcs, enodev, after_removal, not_enodev;
	atomic_int removed;		/* set once sim_remove() returned */
	atomic_int round;		/* bumped before fd changes: fd numbers are reused */
	int fd0;			/* sim0, never removed */
};

static void *client(void *arg)
{
	struct unplug *u = arg;
	int i = 0;

	while (!atomic_load(&u->stop)) {
		int round = atomic_load(&u->round);
		int fd = atomic_load(&u->fd), removed, ret;

		if (fd < 0) {
			stress_cmd(u->fd0, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP);
			usleep(100);
			continue;
		}
		removed = atomic_load(&u->removed);
		ret = stress_cmd(fd, FWCTL_RPC_DEBUG_READ_ONLY,
				 i++ % 2 ? MLX5_CMD_OP_NOP : MLX5_CMD_OP_QUERY_ADAPTER);
		atomic_fetch_add(&u->rpcs, 1);
		if (ret == -ENODEV)
			atomic_fetch_add(&u->enodev, 1);
		/* a round that ended meanwhile may have closed fd and given its
		 * number to the next round's device: this RPC proves nothing */
		if (removed && atomic_load(&u->round) == round) {
			atomic_fetch_add(&u->after_removal, 1);
			if (ret != -ENODEV && ret != -EBADF)
				atomic_fetch_add(&u->not_enodev, 1);
		}
	}
	return NULL;
}

TestSuite(unplug, .init = sim_restore, .fini = sim_restore);

Test(unplug, removal_under_load_detaches_and_leaves_no_decision, .timeout = 7200)
{
	long rounds = stress_count("UNPLUG_ROUNDS", 50, 1000), r;
	static const uint16_t adapter = MLX5_CMD_OP_QUERY_ADAPTER;
	static struct unplug u;
	struct stress_deny *global, *dev = NULL;
	struct bpf_link *glink, *dlink = NULL;
	pthread_t t[NR_CLIENTS];
	long late_decisions = 0, not_detached = 0, reloads = 0;
	int ret;
	unsigned int idx, dev_idx = ~0u;
	long long before;
	double t0;
	int k, i;

	memset(&u, 0, sizeof(u));
	atomic_store(&u.fd, -1);
	u.fd0 = sim_open(0);
	cr_assert_geq(u.fd0, 0);
	global = stress_deny_load("unplug_all", EACCES, NULL, 0, 10, -1);
	glink = stress_attach(global->maps.deny_ops);
	for (i = 0; i < NR_CLIENTS; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, client, &u), 0);

	t0 = stress_now();
	for (r = 0; r < rounds; r++) {
		uint64_t g0, d0, g1, d1;
		long n0;
		int fd;

		k = sim_private_device();
		idx = sim_fwctl_index(k);
		fd = sim_open(k);
		cr_assert_geq(fd, 0);
		/* The last round's per-device policy was detached with its device. */
		before = sim_opcode_count(k, adapter);
		if (stress_cmd(fd, FWCTL_RPC_DEBUG_READ_ONLY, adapter) ||
		    sim_opcode_count(k, adapter) != before + 1)
			not_detached++;
		/*
		 * The policy's map takes its match at the first attach: a new
		 * index needs a new object (the index is normally reused).
		 */
		if (dlink)
			bpf_link__destroy(dlink);
		if (idx != dev_idx) {
			if (dev)
				stress_deny__destroy(dev);
			dev = stress_deny_load("unplug_dev", EBUSY, &adapter, 1, 5, idx);
			dev_idx = idx;
			reloads++;
		}
		dlink = stress_attach(dev->maps.deny_ops);
		ret = stress_cmd(fd, FWCTL_RPC_DEBUG_READ_ONLY, adapter);
		cr_assert_eq(ret, -EBUSY, "round %ld: the per-device policy does not apply: %d",
			     r, ret);

		/* Load, then pull the device. */
		atomic_store(&u.removed, 0);
		atomic_fetch_add(&u.round, 1);
		atomic_store(&u.fd, fd);
		n0 = atomic_load(&u.rpcs);
		while (atomic_load(&u.rpcs) < n0 + 20)
			usleep(100);
		cr_assert_eq(sim_remove(k), 0);
		g0 = stress_map_u64(global->maps.dev_calls, idx);
		d0 = stress_map_u64(dev->maps.dev_calls, idx);
		atomic_store(&u.removed, 1);
		n0 = atomic_load(&u.rpcs);
		while (atomic_load(&u.rpcs) < n0 + 20)
			usleep(100);
		atomic_fetch_add(&u.round, 1);
		atomic_store(&u.fd, -1);
		usleep(1000);	/* clients finish the RPC they were in */
		g1 = stress_map_u64(global->maps.dev_calls, idx);
		d1 = stress_map_u64(dev->maps.dev_calls, idx);
		late_decisions += (g1 - g0) + (d1 - d0);
		close(fd);
	}
	atomic_store(&u.stop, 1);
	for (i = 0; i < NR_CLIENTS; i++)
		pthread_join(t[i], NULL);

	stress_figure("unplug: %ld remove/add cycles under RPC load in %.1f s (%ld RPCs, %ld "
		      "-ENODEV): %ld of %ld RPCs after removal did not get -ENODEV, %ld decisions "
		      "recorded after removal, per-device policy still attached after removal in "
		      "%ld of %ld rounds (%ld policy loads)",
		      rounds, stress_now() - t0, atomic_load(&u.rpcs), atomic_load(&u.enodev),
		      atomic_load(&u.not_enodev), atomic_load(&u.after_removal), late_decisions,
		      not_detached, rounds, reloads);
	cr_expect_eq(atomic_load(&u.not_enodev), 0);
	cr_expect_eq(late_decisions, 0);
	cr_expect_eq(not_detached, 0);
	cr_expect_geq(atomic_load(&u.after_removal), rounds * 20);

	if (dlink)
		bpf_link__destroy(dlink);
	bpf_link__destroy(glink);
	if (dev)
		stress_deny__destroy(dev);
	stress_deny__destroy(global);
	close(u.fd0);
}

/*
 * Issue 13, finding 2: the first hook kept every policy on one global RCU
 * list and moved a removed device's policies onto a list on the remover's
 * stack before the grace period, so an RPC on another device standing on
 * such an entry followed it off the list. Here clients hammer sim0, which
 * three global policies decide (one before, two after the per-device
 * policy in prio order), while another device with a per-device policy is
 * added and removed in a loop. Every sim0 RPC must be decided by exactly
 * the three global policies, succeed, and never meet the other device's
 * policy; the kernel stays quiet (tests/vm/run, lockdep and KASAN on the
 * debug kernel) and nothing hangs.
 */
struct neighbour {
	atomic_int stop;
	atomic_long rpcs, failed;
	int fd0;
};

static void *neighbour_client(void *arg)
{
	struct neighbour *n = arg;

	while (!atomic_load(&n->stop)) {
		if (stress_cmd(n->fd0, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP))
			atomic_fetch_add(&n->failed, 1);
		atomic_fetch_add(&n->rpcs, 1);
	}
	return NULL;
}

Test(unplug, removal_never_disturbs_rpcs_on_another_device, .timeout = 7200)
{
	long rounds = stress_count("UNPLUG_NEIGHBOUR_ROUNDS", 50, 1000), r;
	static const uint16_t adapter = MLX5_CMD_OP_QUERY_ADAPTER;
	static const uint32_t prio[3] = { 1, 10, 20 };
	static struct neighbour n;
	struct stress_deny *global[3], *dev;
	struct bpf_link *glink[3], *dlink;
	unsigned int idx0 = sim_fwctl_index(0);
	pthread_t t[NR_CLIENTS];
	uint64_t decided[3], dev_on_sim0 = 0;
	long long before;
	double t0;
	int i;

	memset(&n, 0, sizeof(n));
	n.fd0 = sim_open(0);
	cr_assert_geq(n.fd0, 0);
	for (i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "neighbour%d", i);
		global[i] = stress_deny_load(name, EACCES, &adapter, 1, prio[i], -1);
		glink[i] = stress_attach(global[i]->maps.deny_ops);
	}
	before = sim_executed(0);
	for (i = 0; i < NR_CLIENTS; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, neighbour_client, &n), 0);

	t0 = stress_now();
	for (r = 0; r < rounds; r++) {
		int k = sim_private_device();

		dev = stress_deny_load("neighbour_dev", EBUSY, &adapter, 1, 5,
				       sim_fwctl_index(k));
		dlink = stress_attach(dev->maps.deny_ops);
		usleep(500);
		cr_assert_eq(sim_remove(k), 0);
		dev_on_sim0 += stress_map_u64(dev->maps.dev_calls, idx0);
		bpf_link__destroy(dlink);
		stress_deny__destroy(dev);
	}
	atomic_store(&n.stop, 1);
	for (i = 0; i < NR_CLIENTS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < 3; i++)
		decided[i] = stress_map_u64(global[i]->maps.dev_calls, idx0);

	stress_figure("unplug neighbour: %ld add/remove cycles of a device with its own policy "
		      "in %.1f s while %ld RPCs ran on sim0: %ld failed, %llu reached its "
		      "firmware, decided by the global policies %llu/%llu/%llu times, seen by "
		      "the other device's policy %llu times",
		      rounds, stress_now() - t0, atomic_load(&n.rpcs), atomic_load(&n.failed),
		      (unsigned long long)(sim_executed(0) - before),
		      (unsigned long long)decided[0], (unsigned long long)decided[1],
		      (unsigned long long)decided[2], (unsigned long long)dev_on_sim0);
	cr_expect_eq(atomic_load(&n.failed), 0);
	cr_expect_eq(sim_executed(0) - before, atomic_load(&n.rpcs));
	for (i = 0; i < 3; i++)
		cr_expect_eq(decided[i], (uint64_t)atomic_load(&n.rpcs), "global policy %d", i);
	cr_expect_eq(dev_on_sim0, 0);

	for (i = 0; i < 3; i++) {
		bpf_link__destroy(glink[i]);
		stress_deny__destroy(global[i]);
	}
	close(n.fd0);
}
