// SPDX-License-Identifier: GPL-2.0
/*
 * audit: stream the audit trail of every recorder policy (one whose object
 * includes bpf/fwctl_audit.bpf.h) from its pinned ring buffer, and check it
 * against the kernel's own count of decisions.
 */
#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fwctl/bpf.h>
#include <fwctl/fwctl.h>

#include "audit.h"
#include "fwctl.h"
#include "main.h"
#include "mlx5_names.h"

/* Audit record decoding */

static const char *const verdict_names[] = {
	[FWCTL_AUDIT_ALLOWED] = "allowed",
	[FWCTL_AUDIT_REJECTED] = "rejected",
	[FWCTL_AUDIT_REPLIED] = "replied",
	[FWCTL_AUDIT_FAILED] = "failed",
	[FWCTL_AUDIT_WITHHELD] = "withheld",
	[FWCTL_AUDIT_WOULD_REJECT] = "would-reject",
};
#define NR_VERDICTS (sizeof(verdict_names) / sizeof(verdict_names[0]))

static const struct {
	uint32_t flag;
	const char *name;
} flag_names[] = {
	{ FWCTL_BPF_RPC_REWRITTEN, "rewritten" },
	{ FWCTL_BPF_RPC_REPLIED, "replied" },
	{ FWCTL_BPF_RPC_REJECTED, "rejected" },
	{ FWCTL_BPF_RPC_REDACTED, "redacted" },
	{ FWCTL_BPF_RPC_INVALID_VERDICT, "invalid_verdict" },
	{ FWCTL_BPF_RPC_FAIL_CLOSED, "fail_closed" },
	{ FWCTL_BPF_RPC_WOULD_REJECT, "would_reject" },
	{ FWCTL_BPF_RPC_WITHHELD, "withheld" },
	{ FWCTL_BPF_RPC_WRITE_REFUSED, "write_refused" },
	{ FWCTL_BPF_RPC_SENT, "sent" },
	{ FWCTL_BPF_RPC_USER_PAYLOAD, "user_payload" },
};
#define NR_FLAGS (sizeof(flag_names) / sizeof(flag_names[0]))

const char *audit_verdict_name(unsigned int verdict)
{
	return verdict < NR_VERDICTS ? verdict_names[verdict] : NULL;
}

int audit_verdict_parse(const char *s)
{
	unsigned int i;

	for (i = 1; i < NR_VERDICTS; i++)
		if (*s && !strncmp(verdict_names[i], s, strlen(s)))
			return i;
	return -1;
}

int64_t audit_boot_to_realtime(void)
{
	struct timespec boot, real;

	clock_gettime(CLOCK_BOOTTIME, &boot);
	clock_gettime(CLOCK_REALTIME, &real);
	return (real.tv_sec - boot.tv_sec) * 1000000000LL + real.tv_nsec - boot.tv_nsec;
}

bool audit_match(const struct audit_filter *f, const struct fwctl_audit_record *r)
{
	if (f->dev_index >= 0 && r->dev_index != (uint32_t)f->dev_index)
		return false;
	if (f->verdict && r->verdict != f->verdict)
		return false;
	if (r->boot_ns < f->since_boot_ns)
		return false;
	if (f->policy && strncmp(r->policy, f->policy, sizeof(r->policy)))
		return false;
	return true;
}

int audit_check(const void *data, size_t size)
{
	const struct fwctl_audit_record *r = data;

	if (size < offsetof(struct fwctl_audit_record, version) + 4 ||
	    r->version != FWCTL_AUDIT_VERSION || r->size < sizeof(*r) || r->size > size)
		return -EPROTO;
	return 0;
}

static void format_time(char *buf, size_t size, uint64_t boot_ns, int64_t boot_to_real)
{
	int64_t ns = (int64_t)boot_ns + boot_to_real;
	time_t sec = ns / 1000000000;
	struct tm tm;

	gmtime_r(&sec, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (long)(ns % 1000000000 / 1000));
}

static const char *errno_name(int status)
{
	const char *name = status < 0 ? strerrorname_np(-status) : NULL;

	return status ? (name ?: "unknown") : "0";
}

static void comm_of(char *buf, const struct fwctl_audit_record *r)
{
	size_t i;

	for (i = 0; i < sizeof(r->comm) && r->comm[i]; i++)
		buf[i] = (r->comm[i] >= 0x20 && r->comm[i] < 0x7f) ? r->comm[i] : '?';
	buf[i] = '\0';
}

static void policy_of(char *buf, const struct fwctl_audit_record *r)
{
	memcpy(buf, r->policy, sizeof(r->policy));
	buf[sizeof(r->policy)] = '\0';
}

static bool is_mlx5(const struct fwctl_audit_record *r)
{
	return r->device_type == FWCTL_DEVICE_TYPE_MLX5;
}

void audit_print_text(FILE *f, const struct fwctl_audit_record *r, int64_t boot_to_real)
{
	char when[64], comm[17], policy[17];
	const char *name;
	unsigned int i;

	format_time(when, sizeof(when), r->boot_ns, boot_to_real);
	comm_of(comm, r);
	policy_of(policy, r);
	fprintf(f, "%s seq=%llu fwctl%u %s pid=%u tgid=%u uid=%u gid=%u comm=%s cgroup=%llu scope=%s",
		when, (unsigned long long)r->seq, r->dev_index,
		fwctl_device_type_name(r->device_type), r->pid, r->tgid, r->uid, r->gid,
		comm, (unsigned long long)r->cgroup_id, fwctl_scope_name(r->scope));
	if (is_mlx5(r)) {
		name = mlx5_opcode_name(r->opcode);
		fprintf(f, " opcode=%s(0x%x) op_mod=0x%x", name ?: "?", r->opcode, r->op_mod);
		if (r->reg_id) {
			name = mlx5_register_name(r->reg_id);
			fprintf(f, " reg=%s(0x%x)", name ?: "?", r->reg_id);
		}
	}
	name = audit_verdict_name(r->verdict);
	fprintf(f, " verdict=%s status=%s", name ?: "?", errno_name(r->status));
	if (is_mlx5(r) && r->verdict != FWCTL_AUDIT_REJECTED) {
		name = mlx5_status_name(r->fw_status);
		fprintf(f, " fw_status=%s(0x%x) syndrome=0x%x", name ?: "?", r->fw_status,
			r->fw_syndrome);
	}
	fprintf(f, " in=%u out=%u policy=%s", r->in_len, r->out_len, *policy ? policy : "-");
	for (i = 0; i < NR_FLAGS; i++)
		if (r->flags & flag_names[i].flag)
			fprintf(f, " %s", flag_names[i].name);
}

void audit_print_json(json_writer_t *jw, const struct fwctl_audit_record *r,
		      int64_t boot_to_real)
{
	char when[64], comm[17], policy[17], hex[2 * FWCTL_AUDIT_HEAD_LEN + 1];
	const char *name;
	unsigned int i;

	format_time(when, sizeof(when), r->boot_ns, boot_to_real);
	comm_of(comm, r);
	policy_of(policy, r);
	jw_start_object(jw);
	jw_string_field(jw, "time", when);
	jw_uint_field(jw, "boot_ns", r->boot_ns);
	jw_uint_field(jw, "seq", r->seq);
	jw_uint_field(jw, "dev_index", r->dev_index);
	jw_string_field(jw, "device_type", fwctl_device_type_name(r->device_type));
	jw_uint_field(jw, "pid", r->pid);
	jw_uint_field(jw, "tgid", r->tgid);
	jw_uint_field(jw, "uid", r->uid);
	jw_uint_field(jw, "gid", r->gid);
	jw_string_field(jw, "comm", comm);
	jw_uint_field(jw, "cgroup_id", r->cgroup_id);
	jw_string_field(jw, "scope", fwctl_scope_name(r->scope));
	jw_uint_field(jw, "in_len", r->in_len);
	jw_uint_field(jw, "out_len", r->out_len);
	name = audit_verdict_name(r->verdict);
	jw_string_field(jw, "verdict", name ?: "unknown");
	jw_int_field(jw, "status", r->status);
	jw_string_field(jw, "errno", errno_name(r->status));
	if (is_mlx5(r)) {
		jw_uint_field(jw, "opcode", r->opcode);
		name = mlx5_opcode_name(r->opcode);
		name ? jw_string_field(jw, "opcode_name", name) : jw_null_field(jw, "opcode_name");
		jw_uint_field(jw, "op_mod", r->op_mod);
		jw_uint_field(jw, "reg_id", r->reg_id);
		name = r->reg_id ? mlx5_register_name(r->reg_id) : NULL;
		name ? jw_string_field(jw, "reg_name", name) : jw_null_field(jw, "reg_name");
		jw_uint_field(jw, "fw_status", r->fw_status);
		jw_uint_field(jw, "fw_syndrome", r->fw_syndrome);
	}
	*policy ? jw_string_field(jw, "policy", policy) : jw_null_field(jw, "policy");
	jw_uint_field(jw, "policy_id", r->policy_id);
	jw_name(jw, "flags");
	jw_start_array(jw);
	for (i = 0; i < NR_FLAGS; i++)
		if (r->flags & flag_names[i].flag)
			jw_string(jw, flag_names[i].name);
	jw_end_array(jw);
	for (i = 0; i < r->head_len && i < FWCTL_AUDIT_HEAD_LEN; i++)
		sprintf(hex + 2 * i, "%02x", r->head[i]);
	hex[2 * i] = '\0';
	jw_string_field(jw, "head", hex);
	jw_end_object(jw);
}

/* The command */

struct recorder {
	char name[64];		/* policy (pin directory) name */
	int ring_fd;
	int stats_fd;
};

struct audit_run {
	struct audit_filter filter;
	bool follow;
	bool to_syslog;
	int64_t boot_to_real;
	uint64_t shown;
	uint64_t bad;
	struct recorder rec[FWCTL_BPF_MAX_POLICIES];
	int nr_rec;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static int do_help(int argc, char **argv)
{
	fprintf(stderr,
		"Usage: %1$s audit [--follow] [--device DEV] [--verdict VERDICT]\n"
		"                 [--since WHEN] [--policy NAME] [--syslog]\n"
		"\n"
		"Print the audit records of every attached recorder policy (one built with\n"
		"bpf/fwctl_audit.bpf.h, e.g. generic__observe) from its pinned ring buffer,\n"
		"oldest first, then check them against the kernel's count of decisions.\n"
		"\n"
		"  --follow         keep streaming until interrupted (SIGINT, SIGTERM)\n"
		"  --device DEV     only /dev/fwctl/fwctlN (fwctlN or N)\n"
		"  --verdict V      only allowed, rejected, replied or failed (a prefix will do)\n"
		"  --since WHEN     only records of the last WHEN seconds (e.g. 300)\n"
		"  --policy NAME    only records decided by policy NAME\n"
		"  --syslog         also log each record to syslog (LOG_AUTHPRIV), for journald\n"
		"\n"
		"With -j, one JSON object per line per record (stable keys, docs/audit.md);\n"
		"the reconciliation goes to stderr. Records are consumed: a record is printed\n"
		"once, by whoever reads the ring first.\n",
		bin_name);
	return 0;
}

static int open_recorders(struct audit_run *run)
{
	char pattern[512];
	glob_t g;
	size_t i;

	snprintf(pattern, sizeof(pattern), "%s/*/fwctl_audit", pin_root());
	if (glob(pattern, 0, NULL, &g)) {
		p_err("can't find audit rings: no recorder policy is attached (%s)", pattern);
		return -1;
	}
	for (i = 0; i < g.gl_pathc && run->nr_rec < FWCTL_BPF_MAX_POLICIES; i++) {
		struct recorder *r = &run->rec[run->nr_rec];
		char stats[600], *slash;

		r->ring_fd = bpf_obj_get(g.gl_pathv[i]);
		if (r->ring_fd < 0) {
			p_err("can't open %s: %s", g.gl_pathv[i], strerror(errno));
			globfree(&g);
			return -1;
		}
		snprintf(stats, sizeof(stats), "%s_stats", g.gl_pathv[i]);
		r->stats_fd = bpf_obj_get(stats);
		slash = strrchr(g.gl_pathv[i], '/');
		*slash = '\0';
		snprintf(r->name, sizeof(r->name), "%s", strrchr(g.gl_pathv[i], '/') + 1);
		run->nr_rec++;
	}
	globfree(&g);
	return 0;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct audit_run *run = ctx;
	const struct fwctl_audit_record *r = data;
	char *line = NULL;
	size_t len = 0;
	FILE *mem;

	if (audit_check(data, size)) {
		run->bad++;
		return 0;
	}
	if (!audit_match(&run->filter, r))
		return 0;
	run->shown++;
	if (json_output) {
		/* JSON lines: a writer of its own per record, for jq and SIEMs */
		json_writer_t *jw = jw_new(stdout, false);

		if (!jw)
			return -ENOMEM;
		audit_print_json(jw, r, run->boot_to_real);
		jw_destroy(&jw);	/* ends the line, flushes */
	} else {
		audit_print_text(stdout, r, run->boot_to_real);
		putchar('\n');
	}
	if (run->to_syslog) {
		mem = open_memstream(&line, &len);
		if (mem) {
			audit_print_text(mem, r, run->boot_to_real);
			fclose(mem);
			syslog(LOG_AUTHPRIV | LOG_INFO, "%s", line);
			free(line);
		}
	}
	return 0;
}

static uint64_t stat_of(int fd, uint32_t i)
{
	uint64_t v = 0;

	if (fd >= 0)
		bpf_map_lookup_elem(fd, &i, &v);
	return v;
}

/* Sum of the rpcs counters of every fwctl device (the kernel's decisions) */
static long long kernel_decisions(void)
{
	long long sum = 0, v;
	glob_t g;
	size_t i;

	if (glob("/sys/class/fwctl/fwctl*", 0, NULL, &g))
		return -1;
	for (i = 0; i < g.gl_pathc; i++) {
		v = fwctl_bpf_attr(strrchr(g.gl_pathv[i], '/') + 1, "rpcs");
		if (v > 0)
			sum += v;
	}
	globfree(&g);
	return sum;
}

/*
 * records + lost against the kernel: the recorder has accounted for every
 * RPC from its first seq on, so once none is in flight, records + lost ==
 * decisions - first + 1 (for a recorder matching every device).
 */
static int reconcile(struct audit_run *run)
{
	long long decisions = kernel_decisions();
	int i, bad = 0;

	fflush(stdout);	/* the records first, also when both go to one pipe */

	for (i = 0; i < run->nr_rec; i++) {
		struct recorder *r = &run->rec[i];
		uint64_t records = stat_of(r->stats_fd, FWCTL_AUDIT_STAT_RECORDS);
		uint64_t lost = stat_of(r->stats_fd, FWCTL_AUDIT_STAT_LOST);
		uint64_t strict = stat_of(r->stats_fd, FWCTL_AUDIT_STAT_STRICT_REJECTS);
		uint64_t first = stat_of(r->stats_fd, FWCTL_AUDIT_STAT_FIRST_SEQ);
		long long expect = first ? decisions - (long long)first + 1 : 0;
		bool ok = decisions >= 0 && (long long)(records + lost) == expect;

		fprintf(stderr,
			"audit: %s: records %llu + lost %llu = %llu, kernel decisions since seq %llu: %lld%s\n",
			r->name, (unsigned long long)records, (unsigned long long)lost,
			(unsigned long long)(records + lost), (unsigned long long)first, expect,
			ok ? " (reconciled)" :
			" (MISMATCH: a device the recorder does not match, or RPCs in flight)");
		if (strict)
			fprintf(stderr, "audit: %s: %llu RPCs rejected by strict mode\n", r->name,
				(unsigned long long)strict);
		bad |= !ok;
	}
	if (run->bad)
		fprintf(stderr, "audit: %llu records of an unknown layout skipped\n",
			(unsigned long long)run->bad);
	return bad ? -1 : 0;
}

static int parse_args(struct audit_run *run, int argc, char **argv)
{
	while (argc) {
		const char *opt = *argv;

		if (is_help(opt))
			return do_help(0, NULL) ?: 1;
		if (!strcmp(opt, "--follow") || !strcmp(opt, "-f")) {
			run->follow = true;
		} else if (!strcmp(opt, "--syslog")) {
			run->to_syslog = true;
		} else if (argc < 2) {
			return usage_err("%s needs a value", opt);
		} else if (!strcmp(opt, "--device")) {
			run->filter.dev_index = parse_device(argv[1]);
			if (run->filter.dev_index < 0)
				return usage_err("bad device %s", argv[1]);
			NEXT_ARG();
		} else if (!strcmp(opt, "--verdict")) {
			run->filter.verdict = audit_verdict_parse(argv[1]);
			if (run->filter.verdict < 0)
				return usage_err("bad verdict %s (allowed, rejected, replied, failed)",
						 argv[1]);
			NEXT_ARG();
		} else if (!strcmp(opt, "--since")) {
			char *end;
			double secs = strtod(argv[1], &end);
			struct timespec now;

			if (*end || secs < 0)
				return usage_err("bad --since %s (seconds)", argv[1]);
			clock_gettime(CLOCK_BOOTTIME, &now);
			run->filter.since_boot_ns = (uint64_t)now.tv_sec * 1000000000ULL +
				now.tv_nsec - (uint64_t)(secs * 1e9);
			NEXT_ARG();
		} else if (!strcmp(opt, "--policy")) {
			run->filter.policy = argv[1];
			NEXT_ARG();
		} else {
			return usage_err("unknown option %s", opt);
		}
		NEXT_ARG();
	}
	return 0;
}

int do_audit(int argc, char **argv)
{
	struct audit_run run = { .filter = { .dev_index = -1 } };
	struct ring_buffer *rb = NULL;
	int i, err;

	err = parse_args(&run, argc, argv);
	if (err)
		return err > 0 ? 0 : err;
	if (open_recorders(&run))
		return -1;
	run.boot_to_real = audit_boot_to_realtime();
	for (i = 0; i < run.nr_rec; i++) {
		err = rb ? ring_buffer__add(rb, run.rec[i].ring_fd, on_record, &run) : 0;
		if (!rb)
			rb = ring_buffer__new(run.rec[i].ring_fd, on_record, &run, NULL);
		if (!rb || err) {
			p_err("can't read the audit ring of %s: %s", run.rec[i].name,
			      strerror(errno));
			ring_buffer__free(rb);
			return -1;
		}
	}
	if (run.to_syslog)
		openlog("fwctl-bpf", LOG_PID, LOG_AUTHPRIV);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	/*
	 * Recorders wake readers only when their ring is a quarter full
	 * (bpf/fwctl_audit.bpf.h): after each poll, drain what is there.
	 */
	do {
		err = run.follow ? ring_buffer__poll(rb, 200) : 0;
		if (err >= 0 || err == -EINTR)
			err = ring_buffer__consume(rb);
	} while (run.follow && !stop && err >= 0);
	ring_buffer__free(rb);
	if (err < 0) {
		p_err("can't read the audit rings: %s", strerror(-err));
		return -1;
	}
	return reconcile(&run);
}
