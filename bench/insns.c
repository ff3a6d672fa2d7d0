// SPDX-License-Identifier: GPL-2.0
/*
 * fwctl-bench insns: the workloads whose guest instructions per RPC the
 * tbcount QEMU plugin counts between markers (bench/profile/tbcount.c,
 * bench_mark()), as many as wanted in one boot (scripts/bench.sh,
 * docs/benchmarks.md "Instructions per RPC, in one boot"):
 *
 *   CONFIG          a configuration of configs.c, 16-byte NOPs, one client
 *   CONFIG@BYTES    the same with BYTES-byte NOPs (the payload curve)
 *   CONFIGxN        N clients, each a process with a device of its own
 *                   (simK, K < N), sending at once (the client curve)
 *   stackN          N bench_allow policies on every device, all of which
 *                   run (the policy curve)
 *   stackotherN     N bench_allow policies bound to another device than the
 *                   one the RPCs go to (they must cost it nothing)
 *
 * For each: set up, warm up, then three windows of RPCS RPCs per client,
 * each between two markers, and after each one line
 * "@window,NAME,FIGURE,RPCS" (RPCS in all; 0 if the window failed) on
 * stdout. Each window executes exactly two markers, so the plugin's
 * marks pair with the lines in order, across processes (the stock-kernel
 * run swaps fwctl.ko between two of them).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <fwctl/bpf.h>

#include "bench.h"
#include "configs.h"
#include "policy.h"
#include "sim.h"

#include "bench/bench_allow.skel.h"

#define WINDOWS		3
#define WARMUP		200
#define MIN_RPCS	200
#define MAX_CLIENTS	8

/* One workload: what is attached (a configuration, or a stack of N). */
struct spec {
	char name[32];		/* the report's configuration */
	char figure[32];
	const struct config *cfg;
	int stack;		/* stackN / stackotherN: N */
	bool other;		/* stackotherN */
	uint32_t size;
	int clients;
};

static int parse_spec(const char *s, struct spec *sp)
{
	char base[32];
	const char *at = strchr(s, '@'), *x = strrchr(s, 'x');
	size_t n;

	memset(sp, 0, sizeof(*sp));
	sp->size = BENCH_SMALL;
	sp->clients = 1;
	if (x && x[1] >= '1' && x[1] <= '9' && !strchr(x, '@'))
		sp->clients = atoi(x + 1);
	else
		x = NULL;
	if (at)
		sp->size = strtoul(at + 1, NULL, 0);
	n = at ? (size_t)(at - s) : x ? (size_t)(x - s) : strlen(s);
	if (n >= sizeof(base) || sp->clients > MAX_CLIENTS || sp->size < BENCH_SMALL ||
	    sp->size > BENCH_MAX_RPC)
		return -EINVAL;
	memcpy(base, s, n);
	base[n] = '\0';
	if (!strncmp(base, "stackother", 10)) {
		sp->stack = atoi(base + 10);
		sp->other = true;
	} else if (!strncmp(base, "stack", 5)) {
		sp->stack = atoi(base + 5);
	} else {
		sp->cfg = config_by_name(base);
		if (!sp->cfg)
			return -ENOENT;
	}
	if (!sp->cfg && (sp->stack < 1 || sp->stack > FWCTL_BPF_MAX_POLICIES))
		return -EINVAL;
	snprintf(sp->name, sizeof(sp->name), "%s", base);
	if (sp->clients > 1)
		snprintf(sp->figure, sizeof(sp->figure), "insns16_c%d", sp->clients);
	else if (sp->size != BENCH_SMALL)
		snprintf(sp->figure, sizeof(sp->figure), "insns_%u", sp->size);
	else
		snprintf(sp->figure, sizeof(sp->figure), "insns16");
	return 0;
}

/* The minor of simK's /dev/fwctl/fwctlN */
static int sim_dev_index(int k)
{
	char name[32];
	int err = sim_fwctl_name(k, name, sizeof(name));

	return err ?: atoi(name + strlen("fwctl"));
}

/* N bench_allow instances, each named apart, on all devices or on sim1. */
static int setup_stack(struct state *st, struct bench_allow **objs, const struct spec *sp)
{
	int i, err, other = sp->other ? sim_dev_index(bp.dev + 1) : 0;
	char name[16];

	if (other < 0)
		return other;
	for (i = 0; i < sp->stack; i++) {
		struct bpf_link *l;

		objs[i] = bench_allow__open();
		if (!objs[i])
			return -errno;
		snprintf(name, sizeof(name), "bench_stack%u", i & 0xff);
		err = fwctl_policy_set_name(objs[i]->obj, name);
		if (!err && sp->other)
			err = fwctl_policy_set_u32(objs[i]->obj, "flags", FWCTL_BPF_F_DEV_INDEX) ?:
			      fwctl_policy_set_u32(objs[i]->obj, "dev_index", other);
		if (!err)
			err = bench_allow__load(objs[i]);
		if (err)
			return err;
		l = bpf_map__attach_struct_ops(objs[i]->maps.bench_allow_ops);
		if (!l)
			return -errno;
		st->links[st->nr_links++] = l;
	}
	return 0;
}

/* @n NOPs of @size bytes from @c */
static int spin(struct client *c, uint32_t size, long n)
{
	uint8_t *in = calloc(1, size);
	int err = in ? 0 : -ENOMEM;
	long i;

	for (i = 0; !err && i < n; i++)
		err = nop_rpc(c, in, size);
	free(in);
	return err;
}

/*
 * A client process: warms up on simK and says so on @done, then for each
 * window waits for a byte on @go, sends @n NOPs, and answers with its
 * result on @done.
 */
static void client_main(int k, uint32_t size, long n, int go, int done)
{
	struct client c = { .fd = sim_open(k) };
	int err = c.fd < 0 ? c.fd : spin(&c, size, WARMUP);
	char b;

	if (write(done, &err, sizeof(err)) != sizeof(err))
		_exit(1);
	while (read(go, &b, 1) == 1) {
		if (!err)
			err = spin(&c, size, n);
		if (write(done, &err, sizeof(err)) != sizeof(err))
			break;
	}
	_exit(err ? 1 : 0);
}

/*
 * The audit consumer, if any, reads the window's records inside it: its
 * cost is part of the record's, and lands in the window that wrote them.
 */
static int drain(struct state *st)
{
	return st->consumer ? audit_consumer_drain(st->consumer) : 0;
}

/* One client: its own FD, or Peer B's broker */
static void windows_one_client(struct state *st, const struct spec *sp, long n)
{
	struct client c;
	int w, err = client_open(&c, broker_of(st));

	if (!err)
		err = spin(&c, sp->size, WARMUP) ?: drain(st);
	for (w = 0; w < WINDOWS; w++) {
		bench_mark();
		if (!err)
			err = spin(&c, sp->size, n) ?: drain(st);
		bench_mark();
		if (err)
			bench_error(sp->name, "%s: %s", sp->figure, strerror(-err));
		printf("@window,%s,%s,%ld\n", sp->name, sp->figure, err ? 0 : n);
		fflush(stdout);
	}
	client_close(&c);
}

/*
 * Several clients at once, each a process (threads would share the file
 * table, and every RPC would take fdget()'s reference-counted path) with a
 * device of its own.
 */
static void windows_clients(struct state *st, const struct spec *sp, long n)
{
	int go[2], done[2], i, w, nr = 0, bad = 0, err;
	pid_t pids[MAX_CLIENTS];

	if (pipe(go) || pipe(done)) {
		bench_error(sp->name, "%s: pipe: %s", sp->figure, strerror(errno));
		return;
	}
	for (i = 0; i < sp->clients; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			close(go[1]);
			close(done[0]);
			client_main(bp.dev + i, sp->size, n, go[0], done[1]);
		}
		if (pids[i] > 0)
			nr++;
	}
	close(go[0]);
	close(done[1]);
	/* warmed up, and their warm-up's records read */
	for (i = 0; i < nr; i++)
		bad |= read(done[0], &err, sizeof(err)) != sizeof(err) || err;
	bad |= drain(st) != 0;
	for (w = 0; w < WINDOWS; w++) {
		bench_mark();
		for (i = 0; i < nr; i++)
			bad |= write(go[1], "g", 1) != 1;
		for (i = 0; i < nr; i++)
			bad |= read(done[0], &err, sizeof(err)) != sizeof(err) || err;
		bad |= drain(st) != 0;
		bench_mark();
		bad |= nr != sp->clients;
		if (bad)
			bench_error(sp->name, "%s: a client failed", sp->figure);
		printf("@window,%s,%s,%ld\n", sp->name, sp->figure, bad ? 0 : n * nr);
		fflush(stdout);
	}
	close(go[1]);
	close(done[0]);
	for (i = 0; i < sp->clients; i++)
		if (pids[i] > 0)
			waitpid(pids[i], NULL, 0);
}

/* Devices up to simK; they stay (nothing the other workloads use) */
static int ensure_device(int k)
{
	int err;

	while (!sim_exists(k)) {
		err = sim_add();
		if (err < 0)
			return err;
	}
	return 0;
}

/* A failed setup still marks its windows, so that the marks stay paired. */
static void windows_failed(const struct spec *sp, int err)
{
	int w;

	bench_error(sp->name, "%s: setup: %s", sp->figure, strerror(-err));
	for (w = 0; w < WINDOWS; w++) {
		bench_mark();
		bench_mark();
		printf("@window,%s,%s,0\n", sp->name, sp->figure);
	}
	fflush(stdout);
}

static void measure_spec(const struct spec *sp, long rpcs)
{
	struct bench_allow *objs[FWCTL_BPF_MAX_POLICIES] = {};
	struct state st = { .cfg = sp->cfg, .broker = -1 };
	/*
	 * The same bytes per window at every size, but at least MIN_RPCS:
	 * at 1 and 2 MiB windows of 50 RPCs were tens of thousands of
	 * instructions per RPC apart (work that comes every so many RPCs,
	 * not attributed), more than the hook's whole cost.
	 */
	long n = sp->size == BENCH_SMALL ? rpcs : rpcs * BENCH_SMALL / sp->size;
	int i, err;

	if (n < MIN_RPCS)
		n = MIN_RPCS;
	/* stackotherN binds to the next device; clients each have one */
	err = ensure_device(bp.dev + (sp->clients > 1 ? sp->clients - 1 : 1));
	if (!err)
		err = sp->cfg ? setup_checked(&st) : setup_stack(&st, objs, sp);
	if (!err && broker_of(&st) && sp->clients > 1)
		err = -EOPNOTSUPP;
	if (err)
		windows_failed(sp, err);
	else if (sp->clients > 1)
		windows_clients(&st, sp, n);
	else
		windows_one_client(&st, sp, n);
	teardown(&st);
	for (i = 0; i < FWCTL_BPF_MAX_POLICIES; i++)
		bench_allow__destroy(objs[i]);
}

/*
 * What the boot left to do (deferred work, RCU callbacks, the first
 * translations) lands in no window: RPCs before the first one.
 */
static void settle(void)
{
	struct client c = { .fd = sim_open(bp.dev) };

	if (c.fd >= 0 && spin(&c, BENCH_SMALL, 20 * WARMUP))
		bench_error("insns", "settling: the device does not answer");
	client_close(&c);
}

int insns_main(int argc, char **argv)
{
	long rpcs = 20000;
	struct spec sp;
	int i, err;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--rpcs") && i + 1 < argc) {
			rpcs = atol(argv[++i]);
			continue;
		}
		err = parse_spec(argv[i], &sp);
		if (err) {
			fprintf(stderr, "fwctl-bench insns: %s: %s\n", argv[i],
				err == -ENOENT ? "no such configuration" : "bad workload");
			return 2;
		}
	}
	printf("@meta,rounds,1\n@meta,cpus,%ld\n", sysconf(_SC_NPROCESSORS_ONLN));
	settle();
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--rpcs")) {
			i++;
			continue;
		}
		parse_spec(argv[i], &sp);
		progress("insns: %s", argv[i]);
		measure_spec(&sp, rpcs);
	}
	return 0;
}
