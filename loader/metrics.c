// SPDX-License-Identifier: GPL-2.0
/*
 * stats --format prometheus: the hook's counters in Prometheus' text
 * exposition format (version 0.0.4), for node_exporter's textfile
 * collector (docs/operations.md): per device the sysfs verdict counters
 * and the fail-closed switch, per policy its programs' run counts and
 * time (kernel.bpf_stats_enabled=1), per recorder the audit records
 * written and lost.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <fwctl/bpf.h>

#include "audit_collect.h"
#include "fwctl.h"
#include "live.h"
#include "main.h"
#include "metrics.h"

#define MAX_RECORDERS	FWCTL_BPF_MAX_POLICIES

/*
 * A label value: the text exposition format escapes '\\', '"' and newline;
 * everything else that is not printable ASCII (a name set by another
 * loader may hold any byte) is first spelled \xNN by text_escape(), so the
 * output stays UTF-8.
 */
static void label_value(FILE *f, const char *s)
{
	char buf[TEXT_ESCAPE_SIZE];

	text_escape(s, SIZE_MAX, buf, sizeof(buf));
	for (const char *p = buf; *p; p++) {
		if (*p == '\\' || *p == '"')
			fputc('\\', f);
		fputc(*p, f);
	}
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void print_devices(FILE *f)
{
	struct dirent **devs = NULL;
	char name[64];
	int n = fwctl_devices(&devs);
	size_t c;

	for (c = 0; c < nr_device_counters; c++) {
		snprintf(name, sizeof(name), "fwctl_bpf_device_%s_total", device_counters[c].attr);
		family(f, name, "counter", device_counters[c].help);
		for (int i = 0; i < n; i++) {
			long long v = fwctl_bpf_attr(devs[i]->d_name, device_counters[c].attr);

			if (v >= 0)
				fprintf(f, "%s{device=\"%s\"} %lld\n", name, devs[i]->d_name, v);
		}
	}
	family(f, "fwctl_bpf_device_fail_closed", "gauge",
	       "1 if the device rejects every RPC no enforcing policy decides");
	for (int i = 0; i < n; i++) {
		long long v = fwctl_bpf_attr(devs[i]->d_name, "fail_closed");

		if (v >= 0)
			fprintf(f, "fwctl_bpf_device_fail_closed{device=\"%s\"} %lld\n",
				devs[i]->d_name, v);
	}
	for (int i = 0; i < n; i++)
		free(devs[i]);
	free(devs);
}

/* A policy's programs' run counts (rpc_filter, rpc_done; id 0: none), read once */
struct policy_progs {
	struct prog_stats prog[2];
};

static void prog_samples(FILE *f, const struct live_policy *p, const struct policy_progs *pp,
			 const char *metric, bool seconds)
{
	static const char *const ops[] = { "rpc_filter", "rpc_done" };

	for (int j = 0; j < 2; j++) {
		const struct prog_stats *s = &pp->prog[j];

		if (!s->id)
			continue;
		fprintf(f, "%s{policy=\"", metric);
		label_value(f, p->name);
		fprintf(f, "\",link_id=\"%u\",op=\"%s\"} ", p->link_id, ops[j]);
		if (seconds)
			fprintf(f, "%.9f\n", s->run_time_ns / 1e9);
		else
			fprintf(f, "%llu\n", (unsigned long long)s->run_cnt);
	}
}

static int print_policies(FILE *f)
{
	struct live_policy *list = NULL;
	struct policy_progs *pp;
	int n = live_policies(&list);

	if (n < 0)
		return n;
	pp = calloc(n ?: 1, sizeof(*pp));
	if (!pp) {
		free(list);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		prog_stats(list[i].filter_prog_id, &pp[i].prog[0]);
		prog_stats(list[i].done_prog_id, &pp[i].prog[1]);
	}
	family(f, "fwctl_bpf_policies", "gauge", "policies attached");
	fprintf(f, "fwctl_bpf_policies %d\n", n);
	family(f, "fwctl_bpf_policies_max", "gauge", "policies the kernel can hold");
	fprintf(f, "fwctl_bpf_policies_max %d\n", FWCTL_BPF_MAX_POLICIES);
	family(f, "fwctl_bpf_stats_enabled", "gauge",
	       "1 while kernel.bpf_stats_enabled=1 (the run counters count)");
	fprintf(f, "fwctl_bpf_stats_enabled %d\n", bpf_stats_enabled());
	family(f, "fwctl_bpf_policy_info", "gauge",
	       "an attached policy (its link id tells two of one name apart), its order, "
	       "priority and flags");
	for (int i = 0; i < n; i++) {
		fprintf(f, "fwctl_bpf_policy_info{policy=\"");
		label_value(f, list[i].name);
		fprintf(f, "\",link_id=\"%u\",order=\"%d\",prio=\"%u\",flags=\"%u\","
			"complain=\"%d\"} 1\n", list[i].link_id, list[i].order, list[i].prio,
			list[i].flags, !!(list[i].flags & FWCTL_BPF_F_COMPLAIN));
	}
	family(f, "fwctl_bpf_policy_runs_total", "counter",
	       "runs of a policy's program (counted while bpf_stats is enabled)");
	for (int i = 0; i < n; i++)
		prog_samples(f, &list[i], &pp[i], "fwctl_bpf_policy_runs_total", false);
	family(f, "fwctl_bpf_policy_run_seconds_total", "counter",
	       "time in a policy's program (counted while bpf_stats is enabled)");
	for (int i = 0; i < n; i++)
		prog_samples(f, &list[i], &pp[i], "fwctl_bpf_policy_run_seconds_total", true);
	free(pp);
	free(list);
	return 0;
}

static void recorder_samples(FILE *f, const struct recorder_view *v, int n, const char *metric,
			     int what)
{
	for (int i = 0; i < n; i++) {
		const uint64_t vals[] = { v[i].stats.records, v[i].stats.lost, v[i].waiting };

		fprintf(f, "%s{recorder=\"", metric);
		label_value(f, v[i].name);
		fprintf(f, "\"} %llu\n", (unsigned long long)vals[what]);
	}
}

static int print_recorders(FILE *f)
{
	struct recorder_view v[MAX_RECORDERS];
	int n = recorders_view(v, MAX_RECORDERS, false);	/* no lock a collector trips on */

	if (n < 0)
		return n;	/* no pin tree is 0 recorders; this is an error */
	family(f, "fwctl_bpf_audit_records_total", "counter", "audit records a recorder wrote");
	recorder_samples(f, v, n, "fwctl_bpf_audit_records_total", 0);
	family(f, "fwctl_bpf_audit_lost_total", "counter",
	       "audit records a recorder lost (its ring was full)");
	recorder_samples(f, v, n, "fwctl_bpf_audit_lost_total", 1);
	family(f, "fwctl_bpf_audit_waiting", "gauge", "records in a recorder's ring, not yet collected");
	recorder_samples(f, v, n, "fwctl_bpf_audit_waiting", 2);
	return 0;
}

int print_prometheus(FILE *f)
{
	int err;

	print_devices(f);
	err = print_policies(f);
	if (!err)
		err = print_recorders(f);
	return err;
}

/*
 * A new file beside @path (mkstemp: never an existing file, never through
 * a symlink planted there), readable by node_exporter's user whatever the
 * caller's umask, renamed over @path once whole.
 */
int write_prometheus(const char *path)
{
	char tmp[4096], *slash;
	int fd, err = 0;
	FILE *f;

	slash = strrchr(path, '/');
	if (snprintf(tmp, sizeof(tmp), "%.*s.fwctl-bpf.prom.XXXXXX",
		     slash ? (int)(slash - path + 1) : 0, path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	f = fchmod(fd, 0644) ? NULL : fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		unlink(tmp);
		return err;
	}
	err = print_prometheus(f);
	errno = 0;
	if (fflush(f) || ferror(f))
		err = err ?: (errno ? -errno : -EIO);
	if (fclose(f) && !err)
		err = errno ? -errno : -EIO;
	/* the collector reads the old file or the new one, never half of one */
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}
