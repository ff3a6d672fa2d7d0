// SPDX-License-Identifier: GPL-2.0
/*
 * replay: a candidate policy against a recorded audit trail, before
 * rollout, on a simulated device (mlx5_sim: built into the test kernel,
 * a module of the -dkms package), never on production firmware.
 *
 * Each run adds a fresh simulated device (default firmware state, so the
 * same trace and policy give the same result), attaches the candidate on
 * it alone, sends every mlx5 record's request as the recorded caller (uid,
 * gid and scope; the request is the record's head, FWCTL_AUDIT_HEAD_LEN
 * bytes, zero-padded to its in_len) and reads the decision from the hook's
 * counters of that device: rejected, replied, rewritten or allowed, and the
 * errno. Then the candidate is detached and the device removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/prctl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/securebits.h>
#include <fwctl/bpf.h>

#include "attach.h"
#include "audit.h"
#include "fwctl.h"
#include "live.h"
#include "main.h"
#include "mlx5_names.h"
#include "site_config.h"

#define SIM_DEBUGFS	"/sys/kernel/debug/mlx5_sim"
#define REPLAY_NAME	"replay"		/* replayK on simK */
#define REPLAY_MAX_IN	65536

enum { V_ALLOWED, V_REJECTED, V_REPLIED, V_REWRITTEN, V_SKIPPED, NR_V };
static const char *const v_names[NR_V] = { "allowed", "rejected", "replied", "rewritten",
					   "skipped" };

struct replay {
	const char *policy, *trace, *objects;
	const char *sets[ATTACH_MAX_SETS];
	int nr_sets;
	int sim;			/* K of the fresh simK */
	char dev[32];			/* its fwctlN */
	char name[16];			/* the candidate's: replayK, one per run */
	unsigned int dev_index;
	int fd;
	unsigned long count[NR_V], changed, total;
	unsigned long no_request;	/* skipped: recorded without its bytes */
};

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		err = -errno;
	close(fd);
	return err;
}

static int read_str(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static bool sim_exists(int k)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), SIM_DEBUGFS "/sim%d", k);
	return !stat(path, &st);
}

/* A fresh simulated device: simK, its fwctlN */
static int sim_add(struct replay *rp)
{
	char path[128];
	bool had[256];
	int k, err;

	for (k = 0; k < 256; k++)
		had[k] = sim_exists(k);
	err = write_str(SIM_DEBUGFS "/add", "1");
	if (err) {
		p_err("can't replay: no simulated device: %s/add: %s (replay runs on mlx5_sim: "
		      "the test kernel's, or \"modprobe mlx5_sim\" of the -dkms package; debugfs "
		      "mounted)", SIM_DEBUGFS, strerror(-err));
		return -1;
	}
	for (k = 0; k < 256 && (had[k] || !sim_exists(k)); k++)
		;
	if (k == 256) {
		p_err("can't replay: the new simulated device is not in %s", SIM_DEBUGFS);
		return -1;
	}
	rp->sim = k;
	snprintf(rp->name, sizeof(rp->name), REPLAY_NAME "%d", k);
	snprintf(path, sizeof(path), SIM_DEBUGFS "/sim%d/fwctl", k);
	if (read_str(path, rp->dev, sizeof(rp->dev)) ||
	    sscanf(rp->dev, "fwctl%u", &rp->dev_index) != 1) {
		p_err("can't replay: sim%d has no fwctl device", k);
		return -1;
	}
	return 0;
}

static void sim_remove(const struct replay *rp)
{
	char k[16];

	snprintf(k, sizeof(k), "%d", rp->sim);
	write_str(SIM_DEBUGFS "/remove", k);
}

static long long sim_executed(const struct replay *rp)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), SIM_DEBUGFS "/sim%d/executed", rp->sim);
	return read_str(path, buf, sizeof(buf)) ? -1 : atoll(buf);
}

/*
 * Another policy that decides on the simulated device would make the
 * result the stack's, not the candidate's: only recorders (F_AUDIT) and
 * complain-mode policies may run beside it.
 */
static int check_alone(const struct replay *rp)
{
	struct live_policy *list = NULL;
	int i, n = live_policies(&list), ret = 0;

	for (i = 0; i < n && !ret; i++) {
		const struct live_policy *p = &list[i];
		bool here = p->flags & FWCTL_BPF_F_DEV_INDEX ? p->dev_index == rp->dev_index :
			    !p->device_type || p->device_type == FWCTL_DEVICE_TYPE_MLX5;

		if (!here || (p->flags & (FWCTL_BPF_F_AUDIT | FWCTL_BPF_F_COMPLAIN)) ||
		    !strcmp(p->name, rp->name))
			continue;
		p_err("can't replay: policy %s decides on %s too (it matches every %sdevice): "
		      "the result would be the stack's; replay where no enforcing policy matches "
		      "every device (a staging host without the site's policies.d, or the test "
		      "VM: docs/operations.md)", p->name, rp->dev, p->device_type ? "mlx5 " : "");
		ret = -1;
	}
	free(list);
	return ret;
}

static int attach_candidate(const struct replay *rp)
{
	size_t n = strlen(rp->policy);
	struct attach_opts o = {};
	int i;

	if (n > 5 && !strcmp(rp->policy + n - 5, ".conf"))
		return apply_attach_file(rp->policy, rp->objects, rp->name, rp->dev_index);
	o.object = rp->policy;
	o.name = rp->name;
	o.match = MATCH_DEVICE;
	o.dev_index = rp->dev_index;
	o.complain = 0;
	o.quiet = true;
	for (i = 0; i < rp->nr_sets; i++)
		o.sets[i] = rp->sets[i];
	o.nr_sets = rp->nr_sets;
	return attach_policy(&o);
}

/* The hook's decision counters of the device */
struct counts {
	long long rejected, replied, rewritten;
};

static void counts_of(const struct replay *rp, struct counts *c)
{
	c->rejected = fwctl_bpf_attr(rp->dev, "rejected");
	c->replied = fwctl_bpf_attr(rp->dev, "replied");
	c->rewritten = fwctl_bpf_attr(rp->dev, "rewritten");
}

/* The child's exit codes: what it could not do */
enum { CHILD_OK, CHILD_NO_CREDS = 100, CHILD_NO_WRITE };

/* In the child: become the record's caller, send, write the errno to @out */
static __attribute__((noreturn)) void send_as(const struct replay *rp,
					      const struct fwctl_audit_record *r, void *in,
					      uint32_t in_len, void *buf, uint32_t out_len, int out)
{
	int ret;

	/* the securebits keep root's capabilities (the scope's) across the change */
	if (prctl(PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED) ||
	    setgroups(0, NULL) || setresgid(r->gid, r->gid, r->gid) ||
	    setresuid(r->uid, r->uid, r->uid) || getuid() != r->uid || getgid() != r->gid)
		_exit(CHILD_NO_CREDS);
	ret = fwctl_rpc(rp->fd, r->scope, in, in_len, buf, &out_len);
	_exit(write(out, &ret, sizeof(ret)) == sizeof(ret) ? CHILD_OK : CHILD_NO_WRITE);
}

/*
 * Send @in as the recorded caller: a child becomes uid/gid (no supplementary
 * groups) and sends it; replay itself never changes its credentials, so
 * nothing another process of that uid does (a signal) reaches it. The RPC's
 * errno, or -ECHILD with what went wrong printed.
 */
static int rpc_as(const struct replay *rp, const struct fwctl_audit_record *r, void *in,
		  uint32_t in_len, void *out, uint32_t out_len)
{
	int pipefd[2], status = 0, result;
	pid_t pid, got;

	if (pipe2(pipefd, O_CLOEXEC)) {
		p_err("can't replay: pipe: %s", strerror(errno));
		return -ECHILD;
	}
	pid = fork();
	if (!pid)
		send_as(rp, r, in, in_len, out, out_len, pipefd[1]);
	close(pipefd[1]);
	if (pid < 0) {
		p_err("can't replay: fork: %s", strerror(errno));
		close(pipefd[0]);
		return -ECHILD;
	}
	if (read(pipefd[0], &result, sizeof(result)) != sizeof(result))
		result = -ECHILD;
	close(pipefd[0]);
	do
		got = waitpid(pid, &status, 0);
	while (got < 0 && errno == EINTR);
	if (got != pid)
		p_err("can't replay: waitpid: %s", strerror(errno));
	else if (WIFSIGNALED(status))
		p_err("can't replay: the RPC's process (uid %u) was killed by signal %d", r->uid,
		      WTERMSIG(status));
	else if (WEXITSTATUS(status) == CHILD_NO_CREDS)
		p_err("can't replay: can't become uid %u gid %u", r->uid, r->gid);
	else if (WEXITSTATUS(status) || result == -ECHILD)
		p_err("can't replay: the RPC's process could not report its result");
	else
		return result;
	return -ECHILD;
}

static int verdict_of_recorded(const struct fwctl_audit_record *r)
{
	if (r->flags & FWCTL_BPF_RPC_REPLIED)
		return V_REPLIED;
	if (r->verdict == FWCTL_AUDIT_REJECTED)
		return V_REJECTED;
	if (r->flags & FWCTL_BPF_RPC_REWRITTEN)
		return V_REWRITTEN;
	return V_ALLOWED;
}

static void print_row(const struct replay *rp, const struct audit_entry *e, int recorded,
		      int verdict, int status, long long executed)
{
	const struct fwctl_audit_record *r = &e->r;
	const char *op = mlx5_opcode_name(r->opcode), *reg = mlx5_register_name(r->reg_id);

	if (json_output) {
		jw_start_object(json_wtr);
		jw_uint_field(json_wtr, "seq", r->seq);
		jw_uint_field(json_wtr, "opcode", r->opcode);
		jw_string_field(json_wtr, "opcode_name", op ?: "");
		jw_uint_field(json_wtr, "reg_id", r->reg_id);
		jw_uint_field(json_wtr, "uid", r->uid);
		jw_string_field(json_wtr, "scope", fwctl_scope_name(r->scope));
		jw_string_field(json_wtr, "recorded", v_names[recorded]);
		jw_string_field(json_wtr, "verdict", v_names[verdict]);
		jw_string_field(json_wtr, "errno", errno_name(status));
		jw_int_field(json_wtr, "executed", executed);
		jw_bool_field(json_wtr, "changed", verdict != recorded && verdict != V_SKIPPED);
		jw_end_object(json_wtr);
		return;
	}
	printf("%-8llu %-24s %-8s uid %-6u %-9s -> %-9s %-10s%s\n", (unsigned long long)r->seq,
	       op ?: "?", r->reg_id ? (reg ?: "reg?") : "", r->uid, v_names[recorded],
	       v_names[verdict], errno_name(status),
	       verdict != recorded && verdict != V_SKIPPED ? "  changed" : "");
}

static int replay_one(struct replay *rp, const struct audit_entry *e)
{
	const struct fwctl_audit_record *r = &e->r;
	static unsigned char in[REPLAY_MAX_IN], out[REPLAY_MAX_IN];
	uint32_t in_len = r->in_len > r->head_len ? r->in_len : r->head_len;
	uint32_t out_len = r->out_len > 4096 ? r->out_len : 4096;
	int recorded = verdict_of_recorded(r), verdict, status;
	struct counts a, b;
	long long x;

	/* (uid_t)-1 is "unchanged" to setresuid(): such a record can't be sent as its caller */
	if (r->device_type != FWCTL_DEVICE_TYPE_MLX5 || !r->head_len || in_len > sizeof(in) ||
	    out_len > sizeof(out) || r->uid == (uint32_t)-1 || r->gid == (uint32_t)-1) {
		rp->count[V_SKIPPED]++;
		rp->no_request += !r->head_len;
		print_row(rp, e, recorded, V_SKIPPED, 0, 0);
		return 0;
	}
	memset(in, 0, in_len);
	memcpy(in, r->head, r->head_len);
	counts_of(rp, &a);
	x = sim_executed(rp);
	status = rpc_as(rp, r, in, in_len, out, out_len);
	if (status == -ECHILD)
		return -1;
	counts_of(rp, &b);
	x = sim_executed(rp) - x;
	verdict = b.rejected > a.rejected ? V_REJECTED : b.replied > a.replied ? V_REPLIED :
		  b.rewritten > a.rewritten ? V_REWRITTEN : V_ALLOWED;
	rp->count[verdict]++;
	rp->changed += verdict != recorded;
	print_row(rp, e, recorded, verdict, status, x);
	return 0;
}

/* The whole trace first: a line that is not a record changes nothing */
static int load_trace(struct replay *rp, struct audit_entry **out, size_t *nr)
{
	struct audit_entry *v = NULL, *nv;
	char *line = NULL;
	size_t cap = 0, n = 0;
	unsigned long lineno = 0;
	FILE *f = strcmp(rp->trace, "-") ? fopen(rp->trace, "re") : stdin;
	int ret = 0;

	if (!f) {
		p_err("can't replay: %s: %s", rp->trace, strerror(errno));
		return -1;
	}
	while (!ret && getline(&line, &cap, f) > 0) {
		lineno++;
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		nv = (n % 256) ? v : realloc(v, (n + 256) * sizeof(*v));
		if (!nv) {
			p_err("can't replay: out of memory");
			ret = -1;
		} else if (v = nv, audit_entry_parse(line, &v[n])) {
			p_err("can't replay: %s:%lu: not an audit record (\"%s -j audit\" prints "
			      "them)", rp->trace, lineno, bin_name);
			ret = -1;
		} else {
			n++;
		}
	}
	free(line);
	if (f != stdin)
		fclose(f);
	if (ret) {
		free(v);
		return ret;
	}
	*out = v;
	*nr = n;
	return 0;
}

static int replay_trace(struct replay *rp, const struct audit_entry *v, size_t n)
{
	size_t i;
	int ret = 0;

	if (json_output) {
		jw_name(json_wtr, "rpcs");
		jw_start_array(json_wtr);
	}
	for (i = 0; i < n && !ret; i++) {
		rp->total++;
		ret = replay_one(rp, &v[i]);
	}
	if (json_output)
		jw_end_array(json_wtr);
	return ret;
}

static void print_summary(const struct replay *rp)
{
	int i;

	if (json_output) {
		jw_name(json_wtr, "summary");
		jw_start_object(json_wtr);
		jw_uint_field(json_wtr, "rpcs", rp->total);
		for (i = 0; i < NR_V; i++)
			jw_uint_field(json_wtr, v_names[i], rp->count[i]);
		jw_uint_field(json_wtr, "changed", rp->changed);
		jw_uint_field(json_wtr, "without_request", rp->no_request);
		jw_end_object(json_wtr);
		return;
	}
	if (rp->no_request)
		p_info("%lu records hold no request bytes: the recorder runs without "
		       "fwctl_audit_requests=1 (Set= in its file, or attach --set)", rp->no_request);
	printf("%lu RPCs:", rp->total);
	for (i = 0; i < NR_V; i++)
		printf(" %s %lu%s", v_names[i], rp->count[i], i < NR_V - 1 ? "," : "");
	printf("; %lu changed from the trace\n", rp->changed);
}

static int help_replay(void)
{
	if (json_output) {
		jw_null(json_wtr);
		return 0;
	}
	fprintf(stderr,
		"Usage: %s replay POLICY.bpf.o TRACE [--set KEY=VALUE]...\n"
		"       %s replay FILE.conf TRACE [--objects DIR]\n"
		"\n"
		"Run a candidate policy against a recorded trail (TRACE: the lines of\n"
		"\"%s -j audit\", or the store's audit.jsonl; - for stdin) on a fresh\n"
		"simulated mlx5 device, never on firmware: what it would have allowed,\n"
		"rejected, rewritten or answered, per RPC and in sum. A FILE.conf of\n"
		"policies.d is replayed as apply would attach it (knobs and map entries).\n"
		"Each request is the record's head (%d bytes) zero-padded to its length, sent\n"
		"as the recorded uid and gid with the recorded scope. Needs mlx5_sim (the test\n"
		"kernel's, or \"modprobe mlx5_sim\" from the -dkms package) and debugfs.\n"
		"\n"
		"  --set K=V      set the object's global variable K\n"
		"  --objects DIR  where a FILE.conf's Object=NAME is found\n",
		bin_name, bin_name, bin_name, FWCTL_AUDIT_HEAD_LEN);
	return 0;
}

static int parse_replay_args(int argc, char **argv, struct replay *rp)
{
	int positional = 0;

	for (; argc > 0; NEXT_ARG()) {
		const char *v;
		bool missing = false;

		if ((v = opt_value("--set", &argc, &argv, &missing))) {
			if (rp->nr_sets == ATTACH_MAX_SETS)
				return usage_err("can't replay: more than %d --set", ATTACH_MAX_SETS);
			rp->sets[rp->nr_sets++] = v;
		} else if ((v = opt_value("--objects", &argc, &argv, &missing))) {
			rp->objects = v;
		} else if (missing) {
			return usage_err("can't replay: %s needs a value", argv[0]);
		} else if (argv[0][0] == '-' && argv[0][1]) {
			return usage_err("can't replay: unknown option %s (see \"%s replay help\")",
					 argv[0], bin_name);
		} else if (positional == 0) {
			rp->policy = argv[0];
			positional++;
		} else if (positional == 1) {
			rp->trace = argv[0];
			positional++;
		} else {
			return usage_err("can't replay: unexpected argument '%s'", argv[0]);
		}
	}
	if (!rp->trace)
		return usage_err("can't replay: POLICY.bpf.o (or FILE.conf) and TRACE expected");
	return 0;
}

int do_replay(int argc, char **argv)
{
	struct replay rp = { .fd = -1, .sim = -1 };
	struct audit_entry *trace = NULL;
	size_t nr = 0;
	char path[64];
	int ret, attached = 0, lock = -1;

	if (argc && is_help(argv[0]))
		return help_replay();
	ret = parse_replay_args(argc, argv, &rp);
	if (ret)
		return ret;
	if (load_trace(&rp, &trace, &nr))
		return -1;
	if (geteuid()) {
		p_err("can't replay: it runs as root (it adds a device and sends as each caller)");
		free(trace);
		return -1;
	}
	ret = -1;
	/* one replay at a time finds "its" new simK; and no attach in between */
	lock = pin_root_lock("replay", rp.trace);
	if (lock < 0 || sim_add(&rp)) {
		pin_root_unlock(lock);
		free(trace);
		return -1;
	}
	if (check_alone(&rp))
		goto out;
	if (attach_candidate(&rp))
		goto out;
	attached = 1;
	pin_root_unlock(lock);
	lock = -1;
	snprintf(path, sizeof(path), "/dev/fwctl/%s", rp.dev);
	rp.fd = fwctl_open(path);
	if (rp.fd < 0) {
		p_err("can't replay: %s: %s", path, strerror(-rp.fd));
		goto out;
	}
	if (json_output) {
		jw_start_object(json_wtr);
		jw_string_field(json_wtr, "policy", rp.policy);
		jw_string_field(json_wtr, "trace", rp.trace);
		jw_string_field(json_wtr, "device", rp.dev);
	} else {
		printf("replaying %s against %s on %s (simulated)\n", rp.trace, rp.policy, rp.dev);
		printf("%-8s %-24s %-8s %-10s %-9s    %-9s %s\n", "seq", "command", "reg", "uid",
		       "recorded", "replayed", "errno");
	}
	ret = replay_trace(&rp, trace, nr);
	if (!ret)
		print_summary(&rp);
	if (json_output)
		jw_end_object(json_wtr);
out:
	pin_root_unlock(lock);
	if (rp.fd >= 0)
		close(rp.fd);
	if (attached && detach_policy(rp.name, true))
		ret = -1;
	sim_remove(&rp);
	free(trace);
	return ret;
}
