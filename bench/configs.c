// SPDX-License-Identifier: GPL-2.0
/*
 * The seven configurations of issue 8 (what is measured in each: figures.c).
 * Every configuration runs the same workload (workload.c); what differs is
 * what stands between the client and the device:
 *
 *   baseline     the unpatched core (the bench-baseline kernel, FWCTL_BPF=n)
 *   nopolicy     the patched core, nothing attached
 *   allow        one minimal policy that allows everything (bench_allow)
 *   allowlist    mlx5__opcode_allow, NOP allowed
 *   site         observe + deny_nv_write + opcode_allow +
 *                rate_limit (huge limit), audit ring drained by a thread
 *   peer_lsm     Peer A: sleepable BPF LSM on file_ioctl (bench_lsm)
 *   peer_broker  Peer B: a broker process owning the fwctl FD
 *
 * and six extras that split the site stack's cost: observe (with its
 * consumer), enforcers (the other three), floor (the stack's shape with
 * empty programs: what four policies cost before they do anything),
 * minimal (the least allowlist + audit can cost: bench_minimal),
 * minimal_decision (the same recording the decision only, as an LSM
 * must) and peer_lsm_audit (Peer A doing minimal's work).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.h"
#include "configs.h"
#include "fwctl.h"
#include "fwctl_audit_common.h"
#include "fwctl_policy_common.h"
#include "policy.h"
#include "sim.h"

#include "bench/bench_allow.skel.h"
#include "bench/bench_floor.skel.h"
#include "bench/bench_minimal.skel.h"
#include "bench/bench_lsm.skel.h"
#include "policies/generic__observe.skel.h"
#include "policies/generic__rate_limit.skel.h"
#include "policies/mlx5__deny_nv_write.skel.h"
#include "policies/mlx5__opcode_allow.skel.h"

/* ---- helpers */

static long long fdinfo_memlock(int fd)
{
	char path[64], line[256];
	long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* Kernel memory of an object's maps and programs, as the kernel accounts it. */
static double object_kib(struct bpf_object *obj)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	long long bytes = 0;

	bpf_object__for_each_map(map, obj)
		if (bpf_map__fd(map) >= 0)
			bytes += fdinfo_memlock(bpf_map__fd(map));
	bpf_object__for_each_program(prog, obj)
		if (bpf_program__fd(prog) >= 0)
			bytes += fdinfo_memlock(bpf_program__fd(prog));
	return bytes / 1024.0;
}

static int attach_ops(struct state *st, struct bpf_map *ops, struct bpf_link **out)
{
	struct bpf_link *l;

	if (st->nr_links == MAX_LINKS)
		return -E2BIG;
	l = bpf_map__attach_struct_ops(ops);
	if (!l)
		return -errno;
	st->links[st->nr_links++] = l;
	if (out)
		*out = l;
	return 0;
}

static int allow_nop(int map_fd)
{
	struct fwctl_mlx5_allow_key key = { .opcode = MLX5_CMD_OP_NOP,
					    .op_mod = FWCTL_MLX5_ANY_OP_MOD };
	uint8_t one = 1;

	return bpf_map_update_elem(map_fd, &key, &one, BPF_ANY) ? -errno : 0;
}

/* Two opcode_allow instances sharing one "allowed" map: the swap pair. */
static int setup_allowlist_pair(struct state *st)
{
	int i, err;

	for (i = 0; i < 2; i++) {
		st->al[i] = mlx5__opcode_allow__open();
		if (!st->al[i])
			return -errno;
		if (i && (err = bpf_map__reuse_fd(st->al[1]->maps.allowed,
						  bpf_map__fd(st->al[0]->maps.allowed))))
			return err;
		err = mlx5__opcode_allow__load(st->al[i]);
		if (err)
			return err;
	}
	/* libbpf writes an ops map's value only when it attaches it */
	err = fwctl_policy_write_value(st->al[1]->obj);
	if (err)
		return err;
	err = allow_nop(bpf_map__fd(st->al[0]->maps.allowed));
	if (err)
		return err;
	err = attach_ops(st, st->al[0]->maps.opcode_allow, &st->swap_link);
	if (err)
		return err;
	st->swap_fd[0] = bpf_map__fd(st->al[0]->maps.opcode_allow);
	st->swap_fd[1] = bpf_map__fd(st->al[1]->maps.opcode_allow);
	return 0;
}

/* A policy that writes records to @ring, and the consumer that drains it. */
static int attach_recorder(struct state *st, struct bpf_map *ops, struct bpf_map *ring)
{
	return attach_ops(st, ops, NULL) ?:
	       audit_consumer_start(bpf_map__fd(ring), &st->consumer);
}

/* ---- setups */

static int setup_none(struct state *st)
{
	return 0;
}

static int setup_allow(struct state *st)
{
	int i, err;

	for (i = 0; i < 2; i++) {
		st->allow[i] = bench_allow__open_and_load();
		if (!st->allow[i])
			return -errno;
	}
	err = fwctl_policy_write_value(st->allow[1]->obj);
	if (err)
		return err;
	err = attach_ops(st, st->allow[0]->maps.bench_allow_ops, &st->swap_link);
	if (err)
		return err;
	st->swap_fd[0] = bpf_map__fd(st->allow[0]->maps.bench_allow_ops);
	st->swap_fd[1] = bpf_map__fd(st->allow[1]->maps.bench_allow_ops);
	st->mem_kib = object_kib(st->allow[0]->obj);
	return 0;
}

/*
 * The floor of allowlist + audit: one policy, an array, a 24-byte record of
 * the outcome (rpc_done) or, @decision, of the decision (rpc_filter).
 */
static int setup_lean(struct state *st, bool decision)
{
	struct bpf_map *ops;
	int err;

	st->minimal = bench_minimal__open();
	if (!st->minimal)
		return -errno;
	ops = decision ? st->minimal->maps.minimal_decision_ops : st->minimal->maps.minimal_ops;
	bpf_map__set_autocreate(st->minimal->maps.minimal_ops, !decision);
	bpf_map__set_autocreate(st->minimal->maps.minimal_decision_ops, decision);
	err = bench_minimal__load(st->minimal);
	if (err)
		return err;
	st->minimal->data_bench_allowed->bench_allowed[MLX5_CMD_OP_NOP] = 1;
	err = attach_recorder(st, ops, st->minimal->maps.bench_ring);
	if (!err)
		st->mem_kib = object_kib(st->minimal->obj);
	return err;
}

static int setup_minimal(struct state *st)
{
	return setup_lean(st, false);
}

static int setup_minimal_decision(struct state *st)
{
	return setup_lean(st, true);
}

static int setup_floor(struct state *st)
{
	int err;

	st->floor = bench_floor__open_and_load();
	if (!st->floor)
		return -errno;
	err = attach_ops(st, st->floor->maps.floor_1, NULL) ?:
	      attach_ops(st, st->floor->maps.floor_2, NULL) ?:
	      attach_ops(st, st->floor->maps.floor_3, NULL) ?:
	      attach_ops(st, st->floor->maps.floor_last, NULL);
	if (!err)
		st->mem_kib = object_kib(st->floor->obj);
	return err;
}

static int setup_allowlist(struct state *st)
{
	int err = setup_allowlist_pair(st);

	if (!err)
		st->mem_kib = object_kib(st->al[0]->obj);
	return err;
}

static int setup_observe(struct state *st)
{
	int err;

	st->obs = generic__observe__open_and_load();
	if (!st->obs)
		return -errno;
	err = attach_recorder(st, st->obs->maps.observe, st->obs->maps.fwctl_audit);
	if (!err)
		st->mem_kib = object_kib(st->obs->obj);
	return err;
}

/* The site stack's enforcing part: deny_nv_write, allowlist, rate_limit. */
static int setup_enforcers(struct state *st)
{
	struct fwctl_rate_limit huge = { .rate = 1000000000, .burst = 1000000000 };
	uint32_t any = FWCTL_RATE_ANY_UID;
	int err;

	st->nv = mlx5__deny_nv_write__open_and_load();
	if (!st->nv)
		return -errno;
	err = attach_ops(st, st->nv->maps.deny_nv_write, NULL);
	if (err)
		return err;
	err = setup_allowlist_pair(st);
	if (err)
		return err;
	st->rl = generic__rate_limit__open_and_load();
	if (!st->rl)
		return -errno;
	if (bpf_map__update_elem(st->rl->maps.limits, &any, sizeof(any), &huge,
				 sizeof(huge), BPF_ANY))
		return -errno;
	err = attach_ops(st, st->rl->maps.rate_limit, NULL);
	if (err)
		return err;
	st->mem_kib += object_kib(st->nv->obj) + object_kib(st->al[0]->obj) +
		       object_kib(st->rl->obj);
	return 0;
}

/* The site baseline: observe (audit, consumer process) + the enforcers. */
static int setup_site(struct state *st)
{
	return setup_observe(st) ?: setup_enforcers(st);
}

/* Peer A, with or without an audit record: one of bench_lsm's programs. */
static int setup_lsm(struct state *st, bool audit)
{
	char name[32], path[64];
	struct stat s;
	int err;

	err = sim_fwctl_name(bp.dev, name, sizeof(name));
	if (err)
		return err;
	snprintf(path, sizeof(path), "/dev/fwctl/%s", name);
	if (stat(path, &s))
		return -errno;
	st->lsm = bench_lsm__open();
	if (!st->lsm)
		return -errno;
	st->lsm->rodata->fwctl_major = major(s.st_rdev);
	st->lsm->rodata->fwctl_rpc_cmd = FWCTL_RPC;
	bpf_program__set_autoload(st->lsm->progs.fwctl_peer_ioctl, !audit);
	bpf_program__set_autoload(st->lsm->progs.fwctl_peer_ioctl_audit, audit);
	bpf_map__set_autocreate(st->lsm->maps.bench_ring, audit);
	bpf_map__set_autocreate(st->lsm->maps.data_bench_allowed, audit);
	err = bench_lsm__load(st->lsm);
	if (err)
		return err;
	if (audit)
		st->lsm->data_bench_allowed->bench_allowed[MLX5_CMD_OP_NOP] = 1;
	err = allow_nop(bpf_map__fd(st->lsm->maps.allowed));
	if (err)
		return err;
	err = bench_lsm__attach(st->lsm);
	if (err)
		return err;
	if (audit) {
		err = audit_consumer_start(bpf_map__fd(st->lsm->maps.bench_ring), &st->consumer);
		if (err)
			return err;
	}
	st->mem_kib = object_kib(st->lsm->obj);
	return 0;
}

static int setup_peer_lsm(struct state *st)
{
	return setup_lsm(st, false);
}

static int setup_peer_lsm_audit(struct state *st)
{
	return setup_lsm(st, true);
}

static int setup_peer_broker(struct state *st)
{
	st->broker = broker_start(bp.dev, st->broker_addr, sizeof(st->broker_addr));
	return st->broker < 0 ? st->broker : 0;
}

void teardown(struct state *st)
{
	int i;

	audit_consumer_stop(st->consumer);
	for (i = st->nr_links - 1; i >= 0; i--)
		bpf_link__destroy(st->links[i]);
	bench_lsm__destroy(st->lsm);
	bench_floor__destroy(st->floor);
	bench_minimal__destroy(st->minimal);
	generic__rate_limit__destroy(st->rl);
	mlx5__deny_nv_write__destroy(st->nv);
	generic__observe__destroy(st->obs);
	for (i = 1; i >= 0; i--) {
		mlx5__opcode_allow__destroy(st->al[i]);
		bench_allow__destroy(st->allow[i]);
	}
	broker_stop(st->broker);
	sim_fault(bp.dev, "off");
}

const struct config configs[] = {
	{ "baseline", false, false, setup_none },
	{ "nopolicy", true, false, setup_none },
	{ "allow", true, false, setup_allow },
	{ "allowlist", true, true, setup_allowlist },
	{ "site", true, true, setup_site },
	{ "peer_lsm", false, true, setup_peer_lsm },
	{ "peer_broker", false, true, setup_peer_broker },
	/* extras, to attribute the site stack's cost */
	{ "observe", true, false, setup_observe },
	{ "enforcers", true, true, setup_enforcers },
	{ "floor", true, false, setup_floor },
	{ "minimal", true, true, setup_minimal },
	{ "minimal_decision", true, true, setup_minimal_decision },
	{ "peer_lsm_audit", false, true, setup_peer_lsm_audit },
};
const int nr_configs = sizeof(configs) / sizeof(configs[0]);

const struct config *config_by_name(const char *name)
{
	int i;

	for (i = 0; i < nr_configs; i++)
		if (!strcmp(configs[i].name, name))
			return &configs[i];
	return NULL;
}

const char *config_name(const struct config *cfg)
{
	return cfg->name;
}

const char *broker_of(struct state *st)
{
	return st->broker > 0 ? st->broker_addr : NULL;
}

static bool kernel_has_hook(void)
{
	char name[32], path[96];

	if (sim_fwctl_name(bp.dev, name, sizeof(name)))
		return false;
	snprintf(path, sizeof(path), "/sys/class/fwctl/%s/bpf", name);
	return access(path, F_OK) == 0;
}

/* Set @cfg up and check that it decides; the caller tears down. */
int setup_checked(struct state *st)
{
	const char *cn = st->cfg->name;
	struct client c;
	int err, ret;

	if (!strcmp(cn, "baseline") && kernel_has_hook()) {
		bench_error(cn, "this kernel has the hook: boot the bench-baseline variant");
		return -EINVAL;
	}
	if (st->cfg->hook && !kernel_has_hook()) {
		bench_error(cn, "this kernel has no fwctl BPF hook");
		return -EINVAL;
	}
	progress("%s: setup", cn);
	err = st->cfg->setup(st);
	if (err) {
		bench_error(cn, "setup: %s", strerror(-err));
		return err;
	}
	/* The configuration really decides: a command nobody allows. */
	err = client_open(&c, broker_of(st));
	if (err) {
		bench_error(cn, "client: %s", strerror(-err));
		return err;
	}
	ret = denied_rpc(&c);
	client_close(&c);
	if (st->cfg->enforces ? ret != -EACCES : ret != 0) {
		bench_error(cn, "QUERY_ISSI gave %d (%s), expected %s", ret, strerror(-ret),
			    st->cfg->enforces ? "-EACCES" : "success");
		return -EPROTO;
	}
	return 0;
}
