// SPDX-License-Identifier: GPL-2.0
/*
 * list, stats: the policies the kernel runs, in execution order, whoever
 * attached them (fwctl-bpf, bpftool struct_ops register, a program).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <fwctl/bpf.h>

#include "fwctl.h"
#include "live.h"
#include "main.h"
#include "metrics.h"

void prog_stats(uint32_t id, struct prog_stats *s)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd;

	memset(s, 0, sizeof(*s));
	s->id = id;
	if (!id)
		return;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return;
	if (!bpf_prog_get_info_by_fd(fd, &info, &len)) {
		snprintf(s->name, sizeof(s->name), "%s", info.name);
		s->run_cnt = info.run_cnt;
		s->run_time_ns = info.run_time_ns;
	}
	close(fd);
}

bool bpf_stats_enabled(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	int v = 0;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

static const char *type_name(uint32_t type)
{
	return type ? fwctl_device_type_name(type) : "any";
}

static void format_match(const struct live_policy *p, char *buf, size_t size)
{
	if (p->flags & FWCTL_BPF_F_DEV_INDEX)
		snprintf(buf, size, "device fwctl%u%s%s", p->dev_index,
			 p->device_type ? " type " : "", p->device_type ? type_name(p->device_type) : "");
	else if (p->device_type)
		snprintf(buf, size, "type %s", type_name(p->device_type));
	else
		snprintf(buf, size, "any");
}

static void json_prog(const char *op, const struct prog_stats *s)
{
	jw_name(json_wtr, op);
	if (!s->id) {
		jw_null(json_wtr);
		return;
	}
	jw_start_object(json_wtr);
	jw_uint_field(json_wtr, "id", s->id);
	jw_string_field(json_wtr, "name", s->name);
	jw_uint_field(json_wtr, "run_cnt", s->run_cnt);
	jw_uint_field(json_wtr, "run_time_ns", s->run_time_ns);
	jw_end_object(json_wtr);
}

static void print_policy_json(const struct live_policy *p)
{
	struct prog_stats f, d;

	prog_stats(p->filter_prog_id, &f);
	prog_stats(p->done_prog_id, &d);
	jw_start_object(json_wtr);
	jw_uint_field(json_wtr, "order", p->order);
	jw_string_field(json_wtr, "name", p->name);
	jw_uint_field(json_wtr, "link_id", p->link_id);
	jw_uint_field(json_wtr, "map_id", p->map_id);
	jw_string_field(json_wtr, "map_name", p->map_name);
	jw_uint_field(json_wtr, "prio", p->prio);
	jw_uint_field(json_wtr, "device_type", p->device_type);
	jw_string_field(json_wtr, "device_type_name", type_name(p->device_type));
	if (p->flags & FWCTL_BPF_F_DEV_INDEX)
		jw_uint_field(json_wtr, "dev_index", p->dev_index);
	else
		jw_null_field(json_wtr, "dev_index");
	jw_uint_field(json_wtr, "flags", p->flags);
	jw_bool_field(json_wtr, "complain", p->flags & FWCTL_BPF_F_COMPLAIN);
	jw_string_field(json_wtr, "pinned", p->pinned[0] ? p->pinned : NULL);
	if (p->pinned_at)
		jw_uint_field(json_wtr, "attach_time", p->pinned_at);
	else
		jw_null_field(json_wtr, "attach_time");
	jw_name(json_wtr, "progs");
	jw_start_object(json_wtr);
	json_prog("rpc_filter", &f);
	json_prog("rpc_done", &d);
	jw_end_object(json_wtr);
	jw_end_object(json_wtr);
}

static void print_prog_plain(const char *op, const struct prog_stats *s)
{
	if (!s->id)
		return;
	printf("  %s prog %u %s run_cnt %llu run_time_ns %llu", op, s->id, s->name,
	       (unsigned long long)s->run_cnt, (unsigned long long)s->run_time_ns);
}

static void print_policy_plain(const struct live_policy *p)
{
	char match[64], name[TEXT_ESCAPE_SIZE];
	struct prog_stats f, d;

	prog_stats(p->filter_prog_id, &f);
	prog_stats(p->done_prog_id, &d);
	format_match(p, match, sizeof(match));
	/* the ops' name is whoever attached it's, not only the loader's */
	text_escape(p->name, SIZE_MAX, name, sizeof(name));
	printf("%d: %s  prio %u  match %s%s  link %u  map %u %s\n", p->order, name, p->prio, match,
	       p->flags & FWCTL_BPF_F_COMPLAIN ? "  complain" : "", p->link_id, p->map_id,
	       p->map_name);
	if (p->pinned[0]) {
		char when[64];
		struct tm tm;

		localtime_r(&p->pinned_at, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", &tm);
		printf("\tpinned %s  attached %s\n", p->pinned, when);
	}
	printf("\t");
	print_prog_plain("rpc_filter", &f);
	print_prog_plain("rpc_done", &d);
	printf("\n");
}

static int help_list(void)
{
	if (json_output) {
		jw_null(json_wtr);
		return 0;
	}
	fprintf(stderr,
		"Usage: %s list\n"
		"\n"
		"The attached policies in execution order (prio, then attach order), whoever\n"
		"attached them: device match, link and map ids, pin and attach time, and the\n"
		"programs' run counts (counted while kernel.bpf_stats_enabled=1).\n",
		bin_name);
	return 0;
}

int do_list(int argc, char **argv)
{
	struct live_policy *list = NULL;
	int n, i;

	if (argc && is_help(argv[0]))
		return help_list();
	if (argc)
		return usage_err("can't list policies: unexpected argument '%s'", argv[0]);
	n = live_policies(&list);
	if (n < 0) {
		p_err("can't list policies: %s", strerror(-n));
		return -1;
	}
	if (json_output)
		jw_start_array(json_wtr);
	for (i = 0; i < n; i++) {
		if (json_output)
			print_policy_json(&list[i]);
		else
			print_policy_plain(&list[i]);
	}
	if (json_output)
		jw_end_array(json_wtr);
	free(list);
	return 0;
}

static int help_stats(void)
{
	if (json_output) {
		jw_null(json_wtr);
		return 0;
	}
	fprintf(stderr,
		"Usage: %s stats [--format text|prometheus] [--output FILE]\n"
		"\n"
		"Run counts and run time of every attached policy's programs. The kernel counts\n"
		"them only while kernel.bpf_stats_enabled=1 (sysctl); per-device verdicts are\n"
		"in \"%s status\".\n"
		"\n"
		"--format prometheus prints every counter in Prometheus' text format: per device\n"
		"the verdicts and the fail-closed switch, per policy its programs' runs and time,\n"
		"per recorder the audit records written and lost. --output FILE writes it to\n"
		"FILE atomically (for node_exporter's textfile collector; docs/operations.md).\n",
		bin_name, bin_name);
	return 0;
}

struct stats_opts {
	bool prometheus;
	const char *output;
};

static int parse_stats_args(int argc, char **argv, struct stats_opts *o)
{
	memset(o, 0, sizeof(*o));
	for (; argc > 0; NEXT_ARG()) {
		const char *v;
		bool missing = false;

		if ((v = opt_value("--format", &argc, &argv, &missing))) {
			if (strcmp(v, "prometheus") && strcmp(v, "text"))
				return usage_err("can't show stats: unknown format '%s' "
						 "(text or prometheus)", v);
			o->prometheus = !strcmp(v, "prometheus");
		} else if (missing) {
			return usage_err("can't show stats: --format needs a value");
		} else if ((v = opt_value("--output", &argc, &argv, &missing))) {
			o->output = v;
		} else if (missing) {
			return usage_err("can't show stats: --output needs a file");
		} else {
			return usage_err("can't show stats: unexpected argument '%s'", argv[0]);
		}
	}
	if (o->prometheus && json_output)
		return usage_err("can't show stats: --format prometheus and -j exclude each other");
	if (o->output && !o->prometheus)
		return usage_err("can't show stats: --output writes --format prometheus only");
	return 0;
}

static int stats_prometheus(const struct stats_opts *o)
{
	int err = o->output ? write_prometheus(o->output) : print_prometheus(stdout);

	errno = 0;
	if (!err && !o->output && (fflush(stdout) || ferror(stdout)))
		err = errno ? -errno : -EIO;	/* "> file" on a full disk */

	if (err) {
		p_err("can't show stats: %s%s%s", o->output ?: "", o->output ? ": " : "",
		      strerror(-err));
		return -1;
	}
	return 0;
}

int do_stats(int argc, char **argv)
{
	struct live_policy *list = NULL;
	bool enabled = bpf_stats_enabled();
	char name[TEXT_ESCAPE_SIZE];
	struct stats_opts o;
	int n, i, j, err;

	if (argc && is_help(argv[0]))
		return help_stats();
	err = parse_stats_args(argc, argv, &o);
	if (err)
		return err;
	if (o.prometheus)
		return stats_prometheus(&o);
	n = live_policies(&list);
	if (n < 0) {
		p_err("can't show stats: %s", strerror(-n));
		return -1;
	}
	if (json_output) {
		jw_start_object(json_wtr);
		jw_bool_field(json_wtr, "bpf_stats_enabled", enabled);
		jw_name(json_wtr, "policies");
		jw_start_array(json_wtr);
	} else {
		if (!enabled)
			p_info("note: kernel.bpf_stats_enabled=0, programs are not counted");
		printf("%-5s %-15s %-10s %12s %14s %10s\n", "order", "name", "op", "run_cnt",
		       "run_time_ns", "avg_ns");
	}
	for (i = 0; i < n; i++) {
		struct prog_stats s[2];
		const char *ops[2] = { "rpc_filter", "rpc_done" };

		prog_stats(list[i].filter_prog_id, &s[0]);
		prog_stats(list[i].done_prog_id, &s[1]);
		if (json_output) {
			jw_start_object(json_wtr);
			jw_uint_field(json_wtr, "order", list[i].order);
			jw_string_field(json_wtr, "name", list[i].name);
			jw_uint_field(json_wtr, "link_id", list[i].link_id);
			json_prog(ops[0], &s[0]);
			json_prog(ops[1], &s[1]);
			jw_end_object(json_wtr);
			continue;
		}
		text_escape(list[i].name, SIZE_MAX, name, sizeof(name));
		for (j = 0; j < 2; j++) {
			if (!s[j].id)
				continue;
			printf("%-5d %-15s %-10s %12llu %14llu %10llu\n", list[i].order, name,
			       ops[j], (unsigned long long)s[j].run_cnt,
			       (unsigned long long)s[j].run_time_ns,
			       (unsigned long long)(s[j].run_cnt ? s[j].run_time_ns / s[j].run_cnt : 0));
		}
	}
	if (json_output) {
		jw_end_array(json_wtr);
		jw_end_object(json_wtr);
	}
	free(list);
	return 0;
}
