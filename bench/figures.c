// SPDX-License-Identifier: GPL-2.0
/*
 * The figures measured in each configuration of configs.c: latency and
 * throughput (with and without the simulated firmware delay), the hot
 * swap, fwctl-bpf swap, the audit rate, and the plain workload that
 * scripts/profile.sh counts (spin).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.h"
#include "configs.h"
#include "fwctl.h"
#include "fwctl_audit_common.h"
#include "sim.h"

#include "policies/generic__observe.skel.h"

extern char **environ;

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
	result(cn, "swap_update_med", "us", median(t, bp.n_swap));
	result(cn, "swap_update_max", "us", quantile(t, bp.n_swap, 1));
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
		result(cn, "swap_cli_med", "ms", median(t, bp.n_cli_swap));
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
		uint64_t cpu = audit_consumer_cpu_ns(st->consumer);
		uint64_t seen = audit_consumer_seen(st->consumer);
		char fig[64];

		err = audit_load(st, threads[i], 0, &rec_s, &lost);
		if (err)
			return bench_error(cn, "audit load: %s", strerror(-err));
		snprintf(fig, sizeof(fig), "audit_rps_%dclient", threads[i]);
		result(cn, fig, "rec/s", rec_s);
		snprintf(fig, sizeof(fig), "audit_lost_%dclient", threads[i]);
		result(cn, fig, "count", lost);
		/* the consumer's CPU per record drained (as of its last poll) */
		seen = audit_consumer_seen(st->consumer) - seen;
		cpu = audit_consumer_cpu_ns(st->consumer) - cpu;
		snprintf(fig, sizeof(fig), "audit_consumer_ns_%dclient", threads[i]);
		if (seen)
			result(cn, fig, "ns/rec", (double)cpu / seen);
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
	result(cn, "syscall_med", "us", median(t, n));
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
