// SPDX-License-Identifier: GPL-2.0
/*
 * audit: query the audit store (never the rings: they have one consumer,
 * `audit collect`), then account for every decision: delivered to the
 * store + waiting in a ring + lost == the kernel's count, per recorder.
 */
#include <errno.h>
#include <math.h>	/* INFINITY */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fwctl/bpf.h>

#include "audit.h"
#include "audit_collect.h"
#include "audit_store.h"
#include "main.h"
#include "number.h"

struct query {
	struct audit_filter filter;
	const char *store;
	bool follow;
	uint64_t shown;
	uint64_t bad;
	int out_err;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static int do_help(void)
{
	if (json_output) {
		jw_null(json_wtr);
		return 0;
	}
	fprintf(stderr,
		"Usage: %1$s audit [--follow] [--device DEV] [--verdict VERDICT] [--since SECS]\n"
		"                 [--policy NAME] [--recorder NAME] [--store DIR]\n"
		"       %1$s audit collect [--follow] [--store DIR] [--syslog] [--journal] ...\n"
		"\n"
		"Print the audit trail from the audit store (%2$s, or --store /\n"
		"$FWCTL_BPF_AUDIT_DIR), oldest first, then account for every decision of\n"
		"every attached recorder policy (one built with bpf/fwctl_audit.bpf.h, e.g.\n"
		"generic__observe): delivered to the store + waiting in its ring + lost ==\n"
		"the kernel's count. Queries never consume: \"audit collect\" is the one\n"
		"consumer of the rings (\"%1$s audit collect help\").\n"
		"\n"
		"  --follow         keep printing what the consumer stores, until SIGINT/SIGTERM\n"
		"  --device DEV     only /dev/fwctl/fwctlN (fwctlN or N)\n"
		"  --verdict V      only allowed, rejected, replied, failed, withheld or\n"
		"                   would-reject (a prefix will do)\n"
		"  --since SECS     only decisions of the last SECS seconds (e.g. 300)\n"
		"  --policy NAME    only decisions of policy NAME\n"
		"  --recorder NAME  only records of recorder NAME\n"
		"  --store DIR      the store directory\n"
		"\n"
		"With -j, one JSON object per line per record (stable keys, docs/audit.md);\n"
		"the accounting goes to stderr. Exit status 1 when a decision is missing.\n",
		bin_name, AUDIT_STORE_DIR);
	return 0;
}

/* One option's value into @q; 0 or CMD_USAGE with the error printed */
static int set_option(struct query *q, const char *opt, const char *v)
{
	if (!strcmp(opt, "--device")) {
		q->filter.dev_index = parse_device(v);
		if (q->filter.dev_index < 0)
			return usage_err("can't query the audit trail: bad device %s", v);
	} else if (!strcmp(opt, "--verdict")) {
		q->filter.verdict = audit_verdict_parse(v);
		if (q->filter.verdict < 0)
			return usage_err("can't query the audit trail: bad verdict %s (allowed, "
					 "rejected, replied, failed, withheld, would-reject)", v);
	} else if (!strcmp(opt, "--since")) {
		struct timespec now;
		char msg[160];
		double secs;
		int64_t now_ns;

		if (parse_seconds(opt, v, INFINITY, &secs, msg, sizeof(msg)))
			return usage_err("can't query the audit trail: %s", msg);
		clock_gettime(CLOCK_REALTIME, &now);
		now_ns = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
		/* further back than the epoch: everything, never a wrap */
		q->filter.since_real_ns = secs * 1e9 >= (double)now_ns ?
					  0 : now_ns - (int64_t)(secs * 1e9);
	} else if (!strcmp(opt, "--policy")) {
		q->filter.policy = v;
	} else if (!strcmp(opt, "--recorder")) {
		q->filter.recorder = v;
	} else {
		q->store = v;
	}
	return 0;
}

static int parse_args(struct query *q, int argc, char **argv)
{
	static const char *const with_value[] = {
		"--device", "--verdict", "--since", "--policy", "--recorder", "--store", NULL
	};

	for (; argc; NEXT_ARG()) {
		const char *opt = *argv, *name, *v;
		int err;

		if (is_help(opt))
			return do_help() ?: 1;
		if (!strcmp(opt, "--follow") || !strcmp(opt, "-f")) {
			q->follow = true;
			continue;
		}
		err = opt_value_in(with_value, &argc, &argv, &name, &v, "query the audit trail") ?:
		      set_option(q, name, v);
		if (err)
			return err;
	}
	return 0;
}

static int on_entry(void *ctx, const struct audit_entry *e)
{
	struct query *q = ctx;

	if (!audit_match(&q->filter, e))
		return 0;
	q->shown++;
	if (json_output) {
		/* JSON lines: a writer of its own per record, for jq and SIEMs */
		json_writer_t *jw = jw_new(stdout, false);

		if (!jw)
			return -ENOMEM;
		audit_print_json(jw, e);
		jw_destroy(&jw);	/* ends the line, flushes */
	} else {
		audit_print_text(stdout, e);
		putchar('\n');
	}
	if (q->follow || ferror(stdout))
		fflush(stdout);
	if (ferror(stdout)) {
		q->out_err = errno ? -errno : -EIO;
		return q->out_err;
	}
	return 0;
}

/* Accounting */

/* Decisions the recorder is accountable for; -1 when it cannot be known */
static long long expected(const struct recorder_stats *s, long long decisions)
{
	if (decisions < 0)
		return -1;
	if (s->first)
		return decisions - (long long)s->first + 1;
	if (s->base)
		return decisions - (long long)s->base + 1;
	return -1;
}

static bool account_live(const struct recorder_view *v, const struct audit_ring_state *st,
			 long long decisions)
{
	const struct recorder_stats *s = &v->stats;
	uint64_t delivered = st ? st->delivered : 0, dropped = st ? st->dropped : 0;
	uint64_t sum = delivered + v->waiting + s->lost;
	long long want = expected(s, decisions);
	bool ok = true;

	if (want < 0) {
		fprintf(stderr, "audit: %s: delivered %llu + waiting %llu + lost %llu, kernel "
			"decisions %lld (UNVERIFIED: no RPC recorded yet and no start "
			"recorded at attach; attach recorders with %s)\n", v->name,
			(unsigned long long)delivered, (unsigned long long)v->waiting,
			(unsigned long long)s->lost, decisions, bin_name);
		return false;
	}
	ok = (long long)sum + (long long)dropped == want;
	fprintf(stderr, "audit: %s: delivered %llu + waiting %llu + lost %llu%s = %llu, kernel "
		"decisions since seq %llu: %lld%s\n", v->name,
		(unsigned long long)delivered, (unsigned long long)v->waiting,
		(unsigned long long)s->lost, dropped ? " + dropped" : "",
		(unsigned long long)(sum + dropped),
		(unsigned long long)(s->first ?: s->base), want,
		!ok ? " (MISMATCH: a device the recorder does not match, or RPCs in flight)" :
		dropped ? " (accounted, NOT all stored)" : " (reconciled)");
	/* counted is not stored: a dropped record is a hole in the trail */
	if (dropped)
		fprintf(stderr, "audit: %s: DROPPED: %llu records the consumer took from the ring "
			"but could not store (see its log)\n", v->name,
			(unsigned long long)dropped);
	ok = ok && !dropped;
	if (delivered + dropped + v->waiting < s->records)
		fprintf(stderr, "audit: %s: GAP: %llu records left the ring without reaching the "
			"store (another reader of the ring, or the store's state.json was lost)\n",
			v->name, (unsigned long long)(s->records - delivered - dropped - v->waiting));
	if (s->strict)
		fprintf(stderr, "audit: %s: %llu RPCs rejected by strict mode\n", v->name,
			(unsigned long long)s->strict);
	return ok && delivered + dropped + v->waiting == s->records;
}

static bool account_retired(const struct audit_ring_state *st)
{
	bool ok = st->delivered + st->dropped >= st->written;

	fprintf(stderr, "audit: %s (retired ring %u): delivered %llu + lost %llu of %llu "
		"records written + lost%s\n", st->recorder, st->ring_id,
		(unsigned long long)st->delivered, (unsigned long long)st->lost,
		(unsigned long long)(st->written + st->lost),
		!ok ? " (GAP: records destroyed unread)" :
		st->dropped ? " (NOT all stored)" : " (complete)");
	if (st->dropped)
		fprintf(stderr, "audit: %s (retired ring %u): DROPPED: %llu records the consumer "
			"took from the ring but could not store\n", st->recorder, st->ring_id,
			(unsigned long long)st->dropped);
	return ok && !st->dropped;
}

static int account(const char *dir)
{
	struct recorder_view v[2 * FWCTL_BPF_MAX_POLICIES];
	char boot_id[AUDIT_BOOT_ID_LEN];
	struct audit_state st;
	long long decisions = kernel_decisions();
	uint64_t waiting = 0;
	pid_t holder = 0;
	bool ok = true, busy = audit_store_busy(dir, &holder);
	int n, i, err;

	fflush(stdout);	/* the records first, also when both go to one pipe */
	audit_boot_id(boot_id);
	err = audit_state_load(dir, &st);
	if (err)
		fprintf(stderr, "audit: can't read %s/state.json: %s\n", dir, strerror(-err));
	n = recorders_view(v, sizeof(v) / sizeof(v[0]), true);
	if (n <= 0)
		fprintf(stderr, "audit: no recorder policy is attached (%s/*/fwctl_audit)\n",
			pin_root());
	for (i = 0; i < n; i++) {
		ok &= account_live(&v[i], audit_state_ring(&st, boot_id, v[i].ring_id, false),
				   decisions);
		waiting += v[i].waiting;
	}
	for (i = 0; i < st.nr; i++)
		if (st.ring[i].retired && !strcmp(st.ring[i].boot_id, boot_id))
			ok &= account_retired(&st.ring[i]);
	if (busy)
		fprintf(stderr, "audit: the consumer (pid %d) collects into %s\n", (int)holder, dir);
	else if (waiting || n > 0)
		fprintf(stderr, "audit: no consumer is running: %llu records wait in the rings "
			"(start fwctl-bpf-audit.service, or run \"%s audit collect\")\n",
			(unsigned long long)waiting, bin_name);
	return ok && !err ? 0 : -1;
}

int do_audit(int argc, char **argv)
{
	struct query q = { .filter = { .dev_index = -1 } };
	const char *dir;
	int err;

	if (argc && !strcmp(argv[0], "collect"))
		return do_audit_collect(argc - 1, argv + 1);
	err = parse_args(&q, argc, argv);
	if (err)
		return err > 0 ? 0 : err;
	dir = audit_store_dir(q.store);
	if (audit_store_trusted(dir))
		return -1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	err = audit_store_read(dir, q.follow, &stop, on_entry, &q, &q.bad);
	if (err == -ENOENT) {
		fprintf(stderr, "audit: no audit store at %s yet: no consumer has run (start "
			"fwctl-bpf-audit.service, or run \"%s audit collect\")\n", dir, bin_name);
	} else if (err && err == q.out_err) {
		p_err("can't write the records: %s", strerror(-err));
		return -1;
	} else if (err) {
		p_err("can't read the audit store %s: %s", dir, strerror(-err));
		return -1;
	}
	if (q.bad)
		fprintf(stderr, "audit: %llu lines of the store are not records (skipped)\n",
			(unsigned long long)q.bad);
	if (fflush(stdout)) {
		p_err("can't write the records: %s", strerror(errno));
		return -1;
	}
	return account(dir);
}
