// SPDX-License-Identifier: GPL-2.0
/*
 * The seven configurations of issue 8 and the figures measured in each.
 * Every configuration runs the same workload (workload.c); what differs is
 * what stands between the client and the device:
 *
 *   baseline     the unpatched core (the bench-baseline kernel, FWCTL_BPF=n)
 *   nopolicy     the patched core, nothing attached
 *   allow        one minimal policy that allows everything (bench_allow)
 *   allowlist    mlx5__opcode_allowlist, NOP allowed
 *   site         observe + deny_nvconfig_write + opcode_allowlist +
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
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.h"
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
#include "policies/mlx5__deny_nvconfig_write.skel.h"
#include "policies/mlx5__opcode_allowlist.skel.h"

extern char **environ;

#define MAX_LINKS 8

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
	struct mlx5__opcode_allowlist *al[2];
	struct generic__observe *obs;
	struct mlx5__deny_nvconfig_write *nv;
	struct generic__rate_limit *rl;
	struct bench_lsm *lsm;
	/* the audit consumer, a process of its own (consumer.c) */
	struct audit_consumer *consumer;
	/* Peer B */
	pid_t broker;
	char broker_addr[96];
	double mem_kib;
};

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

/* Two opcode_allowlist instances sharing one "allowed" map: the swap pair. */
static int setup_allowlist_pair(struct state *st)
{
	int i, err;

	for (i = 0; i < 2; i++) {
		st->al[i] = mlx5__opcode_allowlist__open();
		if (!st->al[i])
			return -errno;
		if (i && (err = bpf_map__reuse_fd(st->al[1]->maps.allowed,
						  bpf_map__fd(st->al[0]->maps.allowed))))
			return err;
		err = mlx5__opcode_allowlist__load(st->al[i]);
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
	err = attach_ops(st, st->al[0]->maps.allowlist_ops, &st->swap_link);
	if (err)
		return err;
	st->swap_fd[0] = bpf_map__fd(st->al[0]->maps.allowlist_ops);
	st->swap_fd[1] = bpf_map__fd(st->al[1]->maps.allowlist_ops);
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
	err = attach_recorder(st, st->obs->maps.observe_ops, st->obs->maps.fwctl_audit);
	if (!err)
		st->mem_kib = object_kib(st->obs->obj);
	return err;
}

/* The site stack's enforcing part: deny_nvconfig_write, allowlist, rate_limit. */
static int setup_enforcers(struct state *st)
{
	struct fwctl_rate_limit huge = { .rate = 1000000000, .burst = 1000000000 };
	uint32_t any = FWCTL_RATE_ANY_UID;
	int err;

	st->nv = mlx5__deny_nvconfig_write__open_and_load();
	if (!st->nv)
		return -errno;
	err = attach_ops(st, st->nv->maps.nvconfig_ops, NULL);
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
	err = attach_ops(st, st->rl->maps.rate_limit_ops, NULL);
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

static void teardown(struct state *st)
{
	int i;

	audit_consumer_stop(st->consumer);
	for (i = st->nr_links - 1; i >= 0; i--)
		bpf_link__destroy(st->links[i]);
	bench_lsm__destroy(st->lsm);
	bench_floor__destroy(st->floor);
	bench_minimal__destroy(st->minimal);
	generic__rate_limit__destroy(st->rl);
	mlx5__deny_nvconfig_write__destroy(st->nv);
	generic__observe__destroy(st->obs);
	for (i = 1; i >= 0; i--) {
		mlx5__opcode_allowlist__destroy(st->al[i]);
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

/* ---- the figures */

static const char *broker_of(struct state *st)
{
	return st->broker > 0 ? st->broker_addr : NULL;
}

static int swap_once(struct state *st)
{
	LIBBPF_OPTS(bpf_link_update_opts, o, .flags = BPF_F_REPLACE,
		    .old_map_fd = st->swap_fd[st->swap_cur]);
	int err = bpf_link_update(bpf_link__fd(st->swap_link), st->swap_fd[!st->swap_cur], &o);

	if (err)
		return err;
	st->swap_cur = !st->swap_cur;
	return 0;
}

struct swapper {
	struct state *st;
	atomic_bool stop;
	atomic_long swaps;
	int err;
};

/* A swap every swap_interval_us, until stopped. */
static void *swapper_main(void *arg)
{
	struct swapper *s = arg;
	struct timespec ts = { .tv_nsec = bp.swap_interval_us * 1000L };

	while (!atomic_load(&s->stop) && !s->err) {
		s->err = swap_once(s->st);
		atomic_fetch_add(&s->swaps, 1);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static bool swapper_short(void *arg)
{
	struct swapper *s = arg;

	return atomic_load(&s->swaps) < bp.n_swapping && !s->err;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void fig_swap(struct state *st)
{
	const char *cn = st->cfg->name;
	struct client c;
	struct swapper sw = { .st = st };
	pthread_t tid;
	double *t = calloc(bp.n_swap, sizeof(*t)), med, p99;
	int i, err = 0;

	for (i = 0; i < bp.n_swap && t && !err; i++) {
		double t0 = now_ns();

		err = swap_once(st);
		t[i] = (now_ns() - t0) / 1e3;
	}
	if (!t || err) {
		bench_error(cn, "link update: %s", strerror(t ? -err : ENOMEM));
		free(t);
		return;
	}
	qsort(t, bp.n_swap, sizeof(*t), cmp_double);
	result(cn, "swap_update_med", "us", t[bp.n_swap / 2]);
	result(cn, "swap_update_max", "us", t[bp.n_swap - 1]);
	free(t);

	if (client_open(&c, broker_of(st)))
		return;
	pthread_create(&tid, NULL, swapper_main, &sw);
	err = measure_latency_while(&c, BENCH_SMALL, bp.n_small, swapper_short, &sw, &med, &p99,
				    NULL);
	atomic_store(&sw.stop, true);
	pthread_join(tid, NULL);
	client_close(&c);
	if (err || sw.err) {
		bench_error(cn, "latency while swapping: %s (swapper: %s)", strerror(-err),
			    strerror(-sw.err));
		return;
	}
	result(cn, "swapping_lat16_med", "us", med);
	result(cn, "swapping_lat16_p99", "us", p99);
	result(cn, "swapping_swaps", "count", atomic_load(&sw.swaps));
}

static int run_loader(const char *const argv[])
{
	posix_spawn_file_actions_t fa;
	int status, err;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	err = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err)
		return -err;
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -ECHILD;
}

/* One "fwctl-bpf swap" end to end: open, verify, load, pin, link update. */
static void fig_cli_swap(const char *cn)
{
	char obj[512];
	const char *attach[] = { bp.loader, "attach", obj, "--name", "bench_cli", NULL };
	const char *swap[] = { bp.loader, "swap", "bench_cli", obj, NULL };
	const char *detach[] = { bp.loader, "detach", "bench_cli", NULL };
	double *t = calloc(bp.n_cli_swap, sizeof(*t));
	int i, err;

	snprintf(obj, sizeof(obj), "%s/bench_allow.bpf.o", bp.objdir);
	err = t ? run_loader(attach) : -ENOMEM;
	for (i = 0; i < bp.n_cli_swap && !err; i++) {
		double t0 = now_ns();

		err = run_loader(swap);
		t[i] = (now_ns() - t0) / 1e6;
	}
	run_loader(detach);
	if (err) {
		bench_error(cn, "%s attach/swap failed (%s)", bp.loader, strerror(-err));
	} else {
		qsort(t, bp.n_cli_swap, sizeof(*t), cmp_double);
		result(cn, "swap_cli_med", "ms", t[bp.n_cli_swap / 2]);
	}
	free(t);
}

static int audit_stat(struct state *st, uint32_t idx, uint64_t *v)
{
	return bpf_map__lookup_elem(st->obs->maps.fwctl_audit_stats, &idx, sizeof(idx), v,
				    sizeof(*v), 0) ? -errno : 0;
}

/*
 * One audit load: @threads clients at full speed, or one paced at @rate
 * (when @rate > 0). Returns the records/s written and *lost.
 */
static int audit_load(struct state *st, int threads, double rate, double *rec_s,
		      uint64_t *lost)
{
	uint64_t r0, r1, l0, l1;
	double rps, t0, secs;
	int err, w;

	if (audit_stat(st, FWCTL_AUDIT_STAT_RECORDS, &r0) ||
	    audit_stat(st, FWCTL_AUDIT_STAT_LOST, &l0))
		return -EIO;
	t0 = now_ns();
	err = rate > 0 ? measure_paced(rate, bp.audit_secs, &rps) :
			 measure_throughput(NULL, threads, bp.audit_secs, &rps);
	secs = (now_ns() - t0) / 1e9;
	if (err)
		return err;
	if (audit_stat(st, FWCTL_AUDIT_STAT_RECORDS, &r1) ||
	    audit_stat(st, FWCTL_AUDIT_STAT_LOST, &l1))
		return -EIO;
	/* the consumer must have seen every record written */
	for (w = 0; w < 200 && audit_consumer_seen(st->consumer) < r1; w++)
		usleep(10000);
	if (audit_consumer_seen(st->consumer) < r1)
		bench_error(st->cfg->name, "the consumer is behind: %llu of %llu records",
			    (unsigned long long)audit_consumer_seen(st->consumer),
			    (unsigned long long)r1);
	*rec_s = (r1 - r0) / secs;
	*lost = l1 - l0;
	return 0;
}

/*
 * Records lost with 1, 2, 4 clients at full speed while the consumer
 * drains the default ring; then the highest sustained rate with none lost:
 * the best full-speed run without loss, else one client paced at falling
 * fractions of its full speed.
 */
static void fig_audit(struct state *st)
{
	static const int threads[] = { 1, 2, 4 };
	static const double fractions[] = { 0.75, 0.5, 0.25, 0.1 };
	const char *cn = st->cfg->name;
	double best = 0, full1 = 0, rec_s;
	uint64_t lost;
	size_t i;
	int err;

	for (i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
		char fig[64];

		err = audit_load(st, threads[i], 0, &rec_s, &lost);
		if (err)
			return bench_error(cn, "audit load: %s", strerror(-err));
		snprintf(fig, sizeof(fig), "audit_rps_%dclient", threads[i]);
		result(cn, fig, "rec/s", rec_s);
		snprintf(fig, sizeof(fig), "audit_lost_%dclient", threads[i]);
		result(cn, fig, "count", lost);
		if (!lost && rec_s > best)
			best = rec_s;
		if (i == 0)
			full1 = rec_s;
	}
	for (i = 0; !best && i < sizeof(fractions) / sizeof(fractions[0]); i++) {
		err = audit_load(st, 1, full1 * fractions[i], &rec_s, &lost);
		if (err)
			return bench_error(cn, "paced audit load: %s", strerror(-err));
		if (!lost)
			best = rec_s;
	}
	result(cn, "audit_max_rps_zero_lost", "rec/s", best);
}

/*
 * The cost of a null system call in this boot: the boot-to-boot drift
 * (host load, TCG's translation cache) that the baseline ratios carry.
 */
static void fig_syscall(const char *cn)
{
	int n = bp.n_small, i;
	double *t = calloc(n, sizeof(*t));

	if (!t)
		return;
	for (i = 0; i < n; i++) {
		double t0 = now_ns();

		syscall(SYS_getppid);
		t[i] = (now_ns() - t0) / 1e3;
	}
	qsort(t, n, sizeof(*t), cmp_double);
	result(cn, "syscall_med", "us", t[n / 2]);
	free(t);
}

static void fig_latency(struct state *st, const char *prefix)
{
	static const struct { uint32_t len; const char *name; } sizes[] = {
		{ BENCH_SMALL, "lat16" }, { BENCH_64K, "lat64k" }, { BENCH_1M, "lat1m" },
	};
	const char *cn = st->cfg->name;
	bool delay = *prefix;
	struct client c;
	size_t i;
	int err;

	err = client_open(&c, broker_of(st));
	if (err)
		return bench_error(cn, "client: %s", strerror(-err));
	for (i = 0; i < (delay ? 1 : 3); i++) {
		int n = delay ? bp.n_delay : i == 0 ? bp.n_small : i == 1 ? bp.n_64k : bp.n_1m;
		double med, p99, mean;
		char fig[64];

		err = measure_latency_mean(&c, sizes[i].len, n, &med, &p99, &mean);
		if (err) {
			bench_error(cn, "%s%s: %s", prefix, sizes[i].name, strerror(-err));
			continue;
		}
		snprintf(fig, sizeof(fig), "%s%s_med", prefix, sizes[i].name);
		result(cn, fig, "us", med);
		snprintf(fig, sizeof(fig), "%s%s_p99", prefix, sizes[i].name);
		result(cn, fig, "us", p99);
		if (i == 0) {
			snprintf(fig, sizeof(fig), "%s%s_mean", prefix, sizes[i].name);
			result(cn, fig, "us", mean);
		}
	}
	client_close(&c);
}

static void fig_throughput(struct state *st, const char *prefix)
{
	static const int threads[] = { 1, 2, 4 };
	const char *cn = st->cfg->name;
	size_t i;

	for (i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
		char fig[64];
		double rps;
		int err = measure_throughput(broker_of(st), threads[i], bp.tput_secs, &rps);

		if (err) {
			bench_error(cn, "%stput_%d: %s", prefix, threads[i], strerror(-err));
			continue;
		}
		snprintf(fig, sizeof(fig), "%stput_%d", prefix, threads[i]);
		result(cn, fig, "rpc/s", rps);
	}
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
static int setup_checked(struct state *st)
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

/* The JITed programs and trampolines, for scripts/profile.sh's symbols. */
static void print_bpf_ksyms(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "[bpf]"))
			printf("@ksym %s", line);
	fclose(f);
}

/*
 * @n 16-byte NOPs from one client and nothing else: the workload that
 * scripts/profile.sh counts guest instructions of.
 */
int spin_config(const struct config *cfg, long n)
{
	struct state st = { .cfg = cfg, .broker = -1 };
	uint8_t in[BENCH_SMALL] = { 0 };
	struct client c;
	long i = 0;
	int err;

	err = setup_checked(&st);
	if (!err)
		err = client_open(&c, broker_of(&st));
	if (!err) {
		for (; !err && i < n; i++)
			err = nop_rpc(&c, in, sizeof(in));
		client_close(&c);
	}
	print_bpf_ksyms();
	if (err)
		bench_error(cfg->name, "spin: %s after %ld RPCs", strerror(-err), i);
	teardown(&st);
	return err;
}

int run_config(const struct config *cfg)
{
	struct state st = { .cfg = cfg, .broker = -1 };
	const char *cn = cfg->name;
	char spec[32];
	int err;

	err = setup_checked(&st);
	if (err)
		goto out;

	progress("%s: latency", cn);
	fig_syscall(cn);
	fig_latency(&st, "");
	progress("%s: throughput", cn);
	fig_throughput(&st, "");

	progress("%s: %d us firmware delay", cn, BENCH_DELAY_US);
	snprintf(spec, sizeof(spec), "delay_us %d", BENCH_DELAY_US);
	err = sim_fault(bp.dev, spec);
	if (err) {
		bench_error(cn, "fault %s: %s", spec, strerror(-err));
	} else {
		fig_latency(&st, "delay_");
		fig_throughput(&st, "delay_");
		sim_fault(bp.dev, "off");
	}

	if (st.obs) {
		progress("%s: audit", cn);
		fig_audit(&st);
	}
	if (st.swap_link) {
		progress("%s: hot swap", cn);
		fig_swap(&st);
	}
	if (!strcmp(cn, "allow") && bp.n_cli_swap > 0) {
		progress("%s: fwctl-bpf swap", cn);
		fig_cli_swap(cn);
	}
	if (st.broker > 0)
		st.mem_kib = broker_rss_kib(st.broker);
	if (st.mem_kib > 0)
		result(cn, "mem", "KiB", st.mem_kib);
	err = 0;
out:
	teardown(&st);
	return err;
}
