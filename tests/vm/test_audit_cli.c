// SPDX-License-Identifier: GPL-2.0
/*
 * `fwctl-bpf audit` end to end, as an auditor and an operator see it: one
 * consumer (`audit collect`) takes the recorders' rings into the store;
 * queries read the store as often as anyone likes and never consume; the
 * accounting holds delivered + waiting + lost against the kernel's count
 * of decisions, across consumer restarts, detaches and swaps, and says so
 * when it does not.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "fwctl.h"
#include "sim.h"

#define STORE "/tmp/audit-store"
#define OBSERVE "build/policies/generic__observe.bpf.o"

static struct cli_result r;	/* the last command's */

/* fwctl-bpf ARG...: its exit code; its output in r */
#define loader(...) cli_run(&r, __VA_ARGS__, NULL)

/* @res's command exited 0, or the test fails showing what it printed */
static void ok(const struct cli_result *res)
{
	cr_assert_eq(res->status, 0, "%s exited %d:\n%s%s", res->cmd, res->status, res->out,
		     res->err);
}

/* fwctl-bpf ARG..., which must exit 0 */
#define loader_ok(...) do { loader(__VA_ARGS__); ok(&r); } while (0)

/* A shell command line (mkdir, mount, ...), which must succeed */
static void sh(const char *cmd)
{
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/*
 * `audit` prints @n records and exits 0, and its accounting (stderr) says
 * @says and, unless NULL, @also.
 */
static void assert_trail(int n, const char *says, const char *also)
{
	int rc = loader("audit");

	cr_assert_eq(lines(r.out), n, "%d records expected:\n%s", n, r.out);
	cr_assert_eq(rc, 0, "%s", r.err);
	cr_assert_null(strstr(r.err, "GAP"), "%s", r.err);
	cr_assert(strstr(r.err, says), "%s", r.err);
	cr_assert(!also || strstr(r.err, also), "%s", r.err);
}

static void attach_stack(void)
{
	loader_ok("attach", OBSERVE);
	loader_ok("attach", "build/policies/generic__readonly.bpf.o");
}

/*
 * The consumers a test runs alongside (audit collect --follow, audit
 * --follow), stopped with SIGINT as systemd stops the service
 */
static struct cli_proc bg[2];
static int nr_bg;

/* fwctl-bpf ARG... in the background */
#define start(...) start_((const char *const[]){ CLI_LOADER, __VA_ARGS__, NULL })

static struct cli_proc *start_(const char *const *argv)
{
	cr_assert_lt(nr_bg, (int)(sizeof(bg) / sizeof(bg[0])), "more consumers than bg[] holds");
	cli_start(&bg[nr_bg], NULL, argv);
	return &bg[nr_bg++];
}

/* Stop @p if it still runs; what it printed into @res */
static void stop(struct cli_proc *p, struct cli_result *res)
{
	if (!p->pid)
		return;
	kill(p->pid, SIGINT);
	cli_wait(p, res);
}

/* This test's consumers, then any a failed test left behind */
static void stop_consumers(void)
{
	while (nr_bg)
		stop(&bg[--nr_bg], &r);
	if (system("pkill -INT -f 'fwctl-bpf audit' 2>/dev/null; "
		   "while pgrep -f 'fwctl-bpf audit' >/dev/null; do sleep 0.1; done"))
		return;
}

static void detach_all(void)
{
	stop_consumers();
	loader("detach", "observe");
	loader("detach", "readonly");
}

static void setup(void)
{
	sim_restore();
	detach_all();
	setenv("FWCTL_BPF_AUDIT_DIR", STORE, 1);
	sh("rm -rf " STORE);
}

static void teardown(void)
{
	detach_all();
	if (system("umount " STORE " 2>/dev/null"))
		return;
}

TestSuite(audit_cli, .init = setup, .fini = teardown);

static int rpc(int fd, enum fwctl_rpc_scope scope, uint16_t opcode)
{
	uint8_t in[16] = {}, out[16];
	uint32_t out_len = sizeof(out);

	sim_hdr(in, opcode, 0);
	return fwctl_rpc(fd, scope, in, sizeof(in), out, &out_len);
}

static void mixed_workload(int fd)
{
	cr_assert_eq(rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP), 0);
	cr_assert_eq(rpc(fd, FWCTL_RPC_CONFIGURATION, MLX5_CMD_OP_QUERY_ADAPTER), -EACCES);
	cr_assert_eq(rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_QUERY_ISSI), 0);
}

/* The reproduction: a filtered read, then a full one */
Test(audit_cli, reading_the_trail_never_consumes_it)
{
	int fd = sim_open(0);

	attach_stack();
	mixed_workload(fd);
	loader_ok("audit", "collect");

	loader_ok("audit", "--verdict", "rejected");
	cr_assert_eq(lines(r.out), 1, "%s", r.out);
	loader_ok("-j", "audit");
	cr_assert_eq(lines(r.out), 3, "every record, after a filtered read:\n%s", r.out);
	cr_assert(strstr(r.err, "delivered 3 + waiting 0 + lost 0 = 3, kernel decisions since seq"),
		  "%s", r.err);
	cr_assert(strstr(r.err, "(reconciled)"), "%s", r.err);
	loader_ok("audit");
	cr_assert_eq(lines(r.out), 3, "and again:\n%s", r.out);
	close(fd);
}

Test(audit_cli, json_records_say_who_sent_what_and_what_was_decided)
{
	struct cli_result jq = {};
	int fd = sim_open(0);

	attach_stack();
	mixed_workload(fd);
	loader_ok("audit", "collect");
	loader_ok("-j", "audit");
	cli_exec(&jq, r.out, (const char *const[]){ "jq", "-e", ".", NULL });
	ok(&jq);
	cr_assert(strstr(r.out, "\"opcode_name\":\"NOP\""), "%s", r.out);
	cr_assert(strstr(r.out, "\"verdict\":\"rejected\""), "%s", r.out);
	cr_assert(strstr(r.out, "\"policy\":\"readonly\""), "%s", r.out);
	cr_assert(strstr(r.out, "\"errno\":\"EACCES\""), "%s", r.out);
	cr_assert(strstr(r.out, "\"opcode_name\":\"QUERY_ISSI\""), "%s", r.out);
	cr_assert(strstr(r.out, "\"recorder\":\"observe\""), "%s", r.out);
	cli_result_free(&jq);
	close(fd);
}

Test(audit_cli, filters_what_an_auditor_asks_for)
{
	int fd = sim_open(0);

	attach_stack();
	mixed_workload(fd);
	loader_ok("audit", "collect");
	loader_ok("audit", "--verdict", "reject");
	cr_assert_eq(lines(r.out), 1, "%s", r.out);
	cr_assert(strstr(r.out, " verdict=rejected status=EACCES "), "%s", r.out);
	cr_assert(strstr(r.out, " opcode=QUERY_ADAPTER(0x101) "), "%s", r.out);
	cr_assert(strstr(r.out, " policy=readonly"), "%s", r.out);
	loader_ok("audit", "--since", "3600", "--device", "fwctl0");
	cr_assert_eq(lines(r.out), 3, "%s", r.out);
	/* longer ago than the machine is up: everything, not nothing */
	loader_ok("audit", "--since", "999999999");
	cr_assert_eq(lines(r.out), 3, "%s", r.out);
	loader_ok("audit", "--since", "0.000001", "--verdict", "allowed");
	cr_assert_eq(lines(r.out), 0, "%s", r.out);
	close(fd);
}

Test(audit_cli, says_clearly_when_there_is_no_recorder_or_no_store)
{
	loader("audit");
	cr_assert(strstr(r.err, "no audit store at " STORE " yet"), "%s%s", r.out, r.err);
	cr_assert(strstr(r.err, "no recorder policy is attached"), "%s%s", r.out, r.err);
}

/* Records wait in the ring until the consumer takes them: told, not lost */
Test(audit_cli, records_waiting_for_a_consumer_are_counted_and_told)
{
	int fd = sim_open(0);

	attach_stack();
	mixed_workload(fd);
	loader("audit");
	cr_assert(strstr(r.err, "delivered 0 + waiting 3 + lost 0 = 3"), "%s%s", r.out, r.err);
	cr_assert(strstr(r.err, "no consumer is running: 3 records wait in the rings"), "%s%s",
		  r.out, r.err);
	loader_ok("audit", "collect");
	cr_assert(strstr(r.out, "collected 3 audit records into " STORE), "%s", r.out);
	close(fd);
}

/* Delivered counts live in the store: a new consumer carries on */
Test(audit_cli, the_accounting_holds_across_consumer_restarts)
{
	int fd = sim_open(0);

	attach_stack();
	cr_assert_eq(rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP), 0);
	loader_ok("audit", "collect");
	cr_assert_eq(rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP), 0);
	cr_assert_eq(rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP), 0);
	loader_ok("audit", "collect");
	loader_ok("audit");
	cr_assert(strstr(r.err, "delivered 3 + waiting 0 + lost 0 = 3"), "%s", r.err);
	cr_assert(strstr(r.err, "(reconciled)"), "%s", r.err);
	close(fd);
}

static int take(void *ctx, void *data, size_t size)
{
	return 0;
}

/* Another reader takes records off the ring: a gap, exit status 1 */
Test(audit_cli, a_second_reader_of_the_ring_shows_as_a_gap)
{
	int fd = sim_open(0), ring;
	struct ring_buffer *rb;

	attach_stack();
	mixed_workload(fd);
	ring = bpf_obj_get("/sys/fs/bpf/fwctl/observe/fwctl_audit");
	cr_assert_geq(ring, 0);
	rb = ring_buffer__new(ring, take, NULL, NULL);
	cr_assert(rb);
	cr_assert_eq(ring_buffer__consume(rb), 3, "the thief took 3");
	ring_buffer__free(rb);
	close(ring);
	loader_ok("audit", "collect");
	loader("audit");
	cr_assert(strstr(r.err, "GAP: 3 records left the ring without reaching the store"),
		  "%s", r.err);
	cr_assert_eq(r.status, 1, "%s", r.err);
	close(fd);
}

/* `audit` until its accounting says @what, 10 s at the most; r holds it */
static void wait_for_audit(const char *what)
{
	int i;

	for (i = 0; i < 100; i++) {
		loader("audit");
		if (strstr(r.err, what))
			return;
		usleep(100000);
	}
	cr_assert_fail("no \"%s\" from %s:\n%s", what, r.cmd, r.err);
}

/* Until @p has printed @n records, 10 s at the most */
static void wait_for_records(const struct cli_proc *p, int n)
{
	char *out = NULL;
	int i;

	for (i = 0; i < 100; i++) {
		free(out);
		out = cli_peek(p);
		if (strstr(out, "seq=") && lines(out) == n)
			break;
		usleep(100000);
	}
	cr_assert(i < 100, "no %d records from %s:\n%s", n, p->cmd, out);
	free(out);
}

/* The service and a follower; a second consumer is refused */
Test(audit_cli, one_consumer_a_follower_and_a_refused_second_consumer)
{
	struct cli_result followed = {};
	struct cli_proc *follow;
	int fd = sim_open(0), i;

	attach_stack();
	start("audit", "collect", "--follow");
	follow = start("audit", "--follow");
	wait_for_audit("audit: the consumer (pid");
	cr_assert_eq(loader("audit", "collect"), 1, "%s%s", r.out, r.err);
	cr_assert(strstr(r.err, "another consumer (pid "), "%s%s", r.out, r.err);
	/* a few records, far fewer than wake a reader: both must see them */
	for (i = 0; i < 3; i++)
		cr_assert_eq(rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP), 0);
	wait_for_records(follow, 3);
	loader("audit");
	cr_assert(strstr(r.err, "audit: the consumer (pid "), "%s", r.err);
	cr_assert(strstr(r.err, "delivered 3 + waiting 0 + lost 0 = 3"), "%s", r.err);
	stop(follow, &followed);
	stop_consumers();
	cr_assert(strstr(followed.err, "(reconciled)"), "%s", followed.err);
	cli_result_free(&followed);
	close(fd);
}

/* Detaching a recorder with no consumer running saves its ring first */
Test(audit_cli, a_detach_never_drops_the_trail)
{
	int fd = sim_open(0);

	attach_stack();
	mixed_workload(fd);
	loader_ok("detach", "observe");
	loader("audit");
	cr_assert_eq(lines(r.out), 3, "the detached recorder's records are stored:\n%s", r.out);
	cr_assert(strstr(r.err, "(retired ring "), "%s", r.err);
	cr_assert(strstr(r.err, "delivered 3 + lost 0 of 3 records written + lost (complete)"),
		  "%s", r.err);
	close(fd);
}

/* With a consumer running, a detach loses nothing either */
Test(audit_cli, a_detach_under_a_running_consumer_never_drops_the_trail)
{
	int fd = sim_open(0);

	attach_stack();
	start("audit", "collect", "--follow");
	wait_for_audit("audit: the consumer (pid");
	mixed_workload(fd);
	loader_ok("detach", "observe");
	wait_for_audit("(complete)");
	cr_assert(strstr(r.err, "delivered 3 + lost 0 of 3"), "%s", r.err);
	loader_ok("audit");
	cr_assert_eq(lines(r.out), 3, "%s", r.out);
	close(fd);
}

/* A recorder that sees nothing while the kernel decides is not "reconciled" */
Test(audit_cli, a_recorder_that_missed_every_decision_is_a_mismatch)
{
	int fd = sim_open(0);
	char other[32];

	/* the recorder matches another device only; the RPCs go to sim0, where
	 * another policy makes the kernel count them */
	loader_ok("attach", "build/policies/generic__readonly.bpf.o");
	cr_assert_eq(sim_exists(1), 1);
	cr_assert_eq(sim_fwctl_name(1, other, sizeof(other)), 0);
	loader_ok("attach", OBSERVE, "--device", other);
	cr_assert_eq(rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP), 0);
	cr_assert_eq(rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP), 0);
	loader_ok("audit", "collect");
	loader("audit");
	cr_assert(strstr(r.err, "delivered 0 + waiting 0 + lost 0 = 0"), "%s", r.err);
	cr_assert(strstr(r.err, ": 2 (MISMATCH"), "%s", r.err);
	cr_assert_eq(r.status, 1, "%s", r.err);
	close(fd);
}

/* A tenant names its process to fake fields in the trail */
Test(audit_cli, a_sender_cannot_forge_fields_with_its_process_name)
{
	int fd = sim_open(0), status;
	pid_t pid;

	attach_stack();
	pid = fork();
	if (!pid) {
		prctl(PR_SET_NAME, " uid=0 gid=0");
		_exit(rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP) ? 1 : 0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert_eq(status, 0);
	loader_ok("audit", "collect");
	loader_ok("audit");
	cr_assert(strstr(r.out, " comm=\" uid=0 gid=0\" "), "%s", r.out);
	cr_assert_null(strstr(r.out, "comm= uid=0"), "%s", r.out);
	close(fd);
}

/* Output that cannot be written is an error, not a silent success */
Test(audit_cli, write_errors_are_errors)
{
	int fd = sim_open(0);

	attach_stack();
	mixed_workload(fd);
	loader_ok("audit", "collect");
	/* the shell only puts stdout on /dev/full */
	cli_cmd(&r, "sh", "-c", "exec " CLI_LOADER " audit >/dev/full", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert(strstr(r.err, "can't write the records: No space left on device"), "%s", r.err);

	/* a full store: the consumer says so, and the accounting shows the hole */
	sh("rm -rf " STORE " && mkdir -p " STORE " && mount -t tmpfs -o size=8k,mode=0750 tmpfs " STORE);
	loader_ok("audit", "collect");	/* lock + state: the 2 pages */
	cr_assert_eq(rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP), 0);
	cr_assert_eq(loader("audit", "collect"), 1, "%s%s", r.out, r.err);
	cr_assert(strstr(r.err, "No space left on device"), "%s%s", r.out, r.err);
	/* the full store itself: whatever its state says, not "reconciled" */
	cr_assert_eq(loader("audit"), 1, "%s", r.err);
	cr_assert(strstr(r.err, "DROPPED: ") || strstr(r.err, "GAP: "), "%s", r.err);
	cr_assert_null(strstr(r.err, "(reconciled)"), "%s", r.err);
	sh("umount " STORE);
	loader("audit");
	cr_assert(strstr(r.err, "GAP: "), "%s", r.err);
	cr_assert_eq(r.status, 1, "%s", r.err);
	close(fd);
}

#define OBSERVE_TINY "build/stress/stress_observe_tiny.bpf.o"

static void nops(int fd, int n)
{
	while (n--)
		cr_assert_eq(rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP), 0);
}

/* Records from before and after swaps, kept or replaced rings: all stored */
Test(audit_cli, a_swap_never_drops_the_trail)
{
	int fd = sim_open(0);

	attach_stack();
	nops(fd, 2);
	loader_ok("swap", "observe", OBSERVE);
	nops(fd, 2);
	/* another ring layout: the old ring goes, its records first */
	loader_ok("swap", "observe", OBSERVE_TINY);
	cr_assert(strstr(r.out, "fwctl_audit_stats (its ring is new)"),
		  "the counters go with their ring: %s", r.out);
	nops(fd, 2);
	loader_ok("audit", "collect");
	assert_trail(6, "(complete)", "(reconciled)");	/* before and after both swaps */
	close(fd);
}

/* The consumer notices a swapped ring and moves to the new one */
Test(audit_cli, a_running_consumer_follows_a_swapped_ring)
{
	int fd = sim_open(0);

	attach_stack();
	start("audit", "collect", "--follow");
	wait_for_audit("audit: the consumer (pid");
	nops(fd, 2);
	loader_ok("swap", "observe", OBSERVE_TINY);
	nops(fd, 3);
	wait_for_audit("delivered 3 + waiting 0 + lost 0 = 3");
	stop_consumers();
	assert_trail(5, "delivered 2 + lost 0 of 2 records written + lost (complete)", NULL);
	close(fd);
}

/* A query holds the recorder's directory shared while it counts its ring */
static int hold_like_a_query(const char *name)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/sys/fs/bpf/fwctl/%s", name);
	fd = open(path, O_RDONLY | O_DIRECTORY);
	cr_assert_geq(fd, 0, "%s", path);
	cr_assert_eq(flock(fd, LOCK_SH), 0);
	return fd;
}

/* A query at the moment of a detach is no consumer: the records still go to the store */
Test(audit_cli, a_detach_during_a_query_keeps_the_ring_until_it_is_stored)
{
	int fd = sim_open(0), lock;

	attach_stack();
	mixed_workload(fd);
	lock = hold_like_a_query("observe");
	cr_assert_eq(loader("detach", "observe"), 1, "the ring could not be stored: %s%s", r.out,
		     r.err);
	cr_assert(strstr(r.err, "stays pinned"), "%s%s", r.out, r.err);
	cr_assert_eq(access("/sys/fs/bpf/fwctl/observe/fwctl_audit", F_OK), 0);
	close(lock);
	loader_ok("detach", "observe");
	assert_trail(3, "(complete)", NULL);
	close(fd);
}

/* The line of `list` that names observe (malloc'd) */
static char *observe_line(void)
{
	struct cli_result grep = {};
	char *line;

	loader_ok("list");
	cli_exec(&grep, r.out, (const char *const[]){ "grep", "-w", "observe", NULL });
	ok(&grep);
	line = strdup(grep.out);
	cli_result_free(&grep);
	return line;
}

/* A swap that would replace a ring it cannot store changes nothing */
Test(audit_cli, a_swap_that_cannot_store_the_old_ring_changes_nothing)
{
	int fd = sim_open(0), lock, rc;
	char *before, *after;

	attach_stack();
	nops(fd, 2);
	before = observe_line();
	lock = hold_like_a_query("observe");
	rc = loader("swap", "observe", OBSERVE_TINY);
	close(lock);
	cr_assert_eq(rc, 1, "%s%s", r.out, r.err);
	cr_assert(strstr(r.err, "nothing changed"), "%s%s", r.out, r.err);
	after = observe_line();
	cr_assert_str_eq(before, after, "the old policy and ring run on");
	free(before);
	free(after);
	nops(fd, 1);
	loader_ok("audit", "collect");
	assert_trail(3, "(reconciled)", NULL);
	close(fd);
}

/* A store anyone can write could be made to lie: refused, by consumer and queries */
Test(audit_cli, an_unsafe_store_is_refused)
{
	attach_stack();
	sh("mkdir -p " STORE " && chmod 0777 " STORE);
	cr_assert_eq(loader("audit", "collect"), 1, "%s%s", r.out, r.err);
	cr_assert(strstr(r.err, "refusing the audit store: " STORE
			 " is writable by group or others"), "%s%s", r.out, r.err);
	cr_assert_eq(loader("audit"), 1, "%s%s", r.out, r.err);
	cr_assert(strstr(r.err, "refusing the audit store"), "%s%s", r.out, r.err);
	sh("rm -rf " STORE " && mkdir -p /tmp/elsewhere && ln -s /tmp/elsewhere " STORE);
	cr_assert_eq(loader("audit", "collect"), 1, "%s%s", r.out, r.err);
	cr_assert(strstr(r.err, "refusing the audit store"), "%s%s", r.out, r.err);
	sh("rm -rf " STORE " /tmp/elsewhere");
}

#define OBSERVE_STATS8 "build/stress/stress_observe_stats8.bpf.o"

/* New counters never describe an old ring: the ring goes too, its records first */
Test(audit_cli, a_ring_never_carries_without_its_counters)
{
	int fd = sim_open(0);

	attach_stack();
	nops(fd, 2);
	loader_ok("swap", "observe", OBSERVE_STATS8);
	cr_assert(strstr(r.out, "fwctl_audit (its counters are new)"), "%s", r.out);
	nops(fd, 2);
	loader_ok("audit", "collect");
	assert_trail(4, "(complete)", "(reconciled)");	/* before and after the swap */
	close(fd);
}
