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
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fwctl.h"
#include "sim.h"

#define LOADER "build/fwctl-bpf"
#define STORE "/tmp/audit-store"
#define OBSERVE "build/policies/generic__observe.bpf.o"

static void sh(const char *cmd)
{
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* Run CMD through sh; its stdout (malloc'd); *rc its exit status */
static char *run(const char *cmd, int *rc)
{
	static char buf[64 * 1024];
	size_t n;
	FILE *p = popen(cmd, "r");
	int status;

	cr_assert(p, "%s", cmd);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	status = pclose(p);
	*rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return strdup(buf);
}

/* CMD's stdout; CMD must succeed */
static char *capture(const char *cmd)
{
	int rc;
	char *out = run(cmd, &rc);

	cr_assert_eq(rc, 0, "%s exited %d:\n%s", cmd, rc, out);
	return out;
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
	int rc;
	char *out = run(LOADER " audit 2>/tmp/audit.err", &rc);

	cr_assert_eq(lines(out), n, "%d records expected:\n%s", n, out);
	free(out);
	out = capture("cat /tmp/audit.err");
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert_null(strstr(out, "GAP"), "%s", out);
	cr_assert(strstr(out, says), "%s", out);
	cr_assert(!also || strstr(out, also), "%s", out);
	free(out);
}

static void attach_stack(void)
{
	sh(LOADER " attach " OBSERVE " >/dev/null");
	sh(LOADER " attach build/policies/generic__readonly.bpf.o >/dev/null");
}

static void stop_consumers(void)
{
	if (system("pkill -INT -f 'fwctl-bpf audit' 2>/dev/null; "
		   "while pgrep -f 'fwctl-bpf audit' >/dev/null; do sleep 0.1; done"))
		return;
}

static void detach_all(void)
{
	stop_consumers();
	if (system(LOADER " detach observe >/dev/null 2>&1; "
		   LOADER " detach readonly >/dev/null 2>&1"))
		return;
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
	char *out, *err;

	attach_stack();
	mixed_workload(fd);
	free(capture(LOADER " audit collect"));

	out = capture(LOADER " audit --verdict rejected 2>/dev/null");
	cr_assert_eq(lines(out), 1, "%s", out);
	free(out);
	out = capture(LOADER " -j audit 2>/tmp/audit.err");
	cr_assert_eq(lines(out), 3, "every record, after a filtered read:\n%s", out);
	err = capture("cat /tmp/audit.err");
	cr_assert(strstr(err, "delivered 3 + waiting 0 + lost 0 = 3, kernel decisions since seq"),
		  "%s", err);
	cr_assert(strstr(err, "(reconciled)"), "%s", err);
	free(err);
	free(out);
	out = capture(LOADER " audit 2>/dev/null");
	cr_assert_eq(lines(out), 3, "and again:\n%s", out);
	free(out);
	close(fd);
}

Test(audit_cli, json_records_say_who_sent_what_and_what_was_decided)
{
	int fd = sim_open(0);
	char *json;

	attach_stack();
	mixed_workload(fd);
	free(capture(LOADER " audit collect"));
	json = capture(LOADER " -j audit 2>/dev/null");
	free(capture("printf '%s' \"$(" LOADER " -j audit 2>/dev/null)\" | jq -e . >/dev/null"));
	cr_assert(strstr(json, "\"opcode_name\":\"NOP\""), "%s", json);
	cr_assert(strstr(json, "\"verdict\":\"rejected\""), "%s", json);
	cr_assert(strstr(json, "\"policy\":\"readonly\""), "%s", json);
	cr_assert(strstr(json, "\"errno\":\"EACCES\""), "%s", json);
	cr_assert(strstr(json, "\"opcode_name\":\"QUERY_ISSI\""), "%s", json);
	cr_assert(strstr(json, "\"recorder\":\"observe\""), "%s", json);
	free(json);
	close(fd);
}

Test(audit_cli, filters_what_an_auditor_asks_for)
{
	int fd = sim_open(0);
	char *out;

	attach_stack();
	mixed_workload(fd);
	free(capture(LOADER " audit collect"));
	out = capture(LOADER " audit --verdict reject 2>/dev/null");
	cr_assert_eq(lines(out), 1, "%s", out);
	cr_assert(strstr(out, " verdict=rejected status=EACCES "), "%s", out);
	cr_assert(strstr(out, " opcode=QUERY_ADAPTER(0x101) "), "%s", out);
	cr_assert(strstr(out, " policy=readonly"), "%s", out);
	free(out);
	out = capture(LOADER " audit --since 3600 --device fwctl0 2>/dev/null");
	cr_assert_eq(lines(out), 3, "%s", out);
	free(out);
	/* longer ago than the machine is up: everything, not nothing */
	out = capture(LOADER " audit --since 999999999 2>/dev/null");
	cr_assert_eq(lines(out), 3, "%s", out);
	free(out);
	out = capture(LOADER " audit --since 0.000001 --verdict allowed 2>/dev/null");
	cr_assert_eq(lines(out), 0, "%s", out);
	free(out);
	close(fd);
}

Test(audit_cli, says_clearly_when_there_is_no_recorder_or_no_store)
{
	int rc;
	char *out = run(LOADER " audit 2>&1", &rc);

	cr_assert(strstr(out, "no audit store at " STORE " yet"), "%s", out);
	cr_assert(strstr(out, "no recorder policy is attached"), "%s", out);
	free(out);
}

/* Records wait in the ring until the consumer takes them: told, not lost */
Test(audit_cli, records_waiting_for_a_consumer_are_counted_and_told)
{
	int fd = sim_open(0), rc;
	char *out;

	attach_stack();
	mixed_workload(fd);
	out = run(LOADER " audit 2>&1", &rc);
	cr_assert(strstr(out, "delivered 0 + waiting 3 + lost 0 = 3"), "%s", out);
	cr_assert(strstr(out, "no consumer is running: 3 records wait in the rings"), "%s", out);
	free(out);
	out = capture(LOADER " audit collect");
	cr_assert(strstr(out, "collected 3 audit records into " STORE), "%s", out);
	free(out);
	close(fd);
}

/* Delivered counts live in the store: a new consumer carries on */
Test(audit_cli, the_accounting_holds_across_consumer_restarts)
{
	int fd = sim_open(0);
	char *out;

	attach_stack();
	cr_assert_eq(rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP), 0);
	free(capture(LOADER " audit collect"));
	cr_assert_eq(rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP), 0);
	cr_assert_eq(rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP), 0);
	free(capture(LOADER " audit collect"));
	out = capture(LOADER " audit 2>&1 >/dev/null");
	cr_assert(strstr(out, "delivered 3 + waiting 0 + lost 0 = 3"), "%s", out);
	cr_assert(strstr(out, "(reconciled)"), "%s", out);
	free(out);
	close(fd);
}

static int take(void *ctx, void *data, size_t size)
{
	return 0;
}

/* Another reader takes records off the ring: a gap, exit status 1 */
Test(audit_cli, a_second_reader_of_the_ring_shows_as_a_gap)
{
	int fd = sim_open(0), ring, rc;
	struct ring_buffer *rb;
	char *out;

	attach_stack();
	mixed_workload(fd);
	ring = bpf_obj_get("/sys/fs/bpf/fwctl/observe/fwctl_audit");
	cr_assert_geq(ring, 0);
	rb = ring_buffer__new(ring, take, NULL, NULL);
	cr_assert(rb);
	cr_assert_eq(ring_buffer__consume(rb), 3, "the thief took 3");
	ring_buffer__free(rb);
	close(ring);
	free(capture(LOADER " audit collect"));
	out = run(LOADER " audit 2>&1 >/dev/null", &rc);
	cr_assert(strstr(out, "GAP: 3 records left the ring without reaching the store"),
		  "%s", out);
	cr_assert_eq(rc, 1, "%s", out);
	free(out);
	close(fd);
}

static char *wait_for(const char *cmd, const char *what)
{
	char *out = NULL;
	int i, rc;

	for (i = 0; i < 100; i++) {
		free(out);
		out = run(cmd, &rc);
		if (strstr(out, what))
			return out;
		usleep(100000);
	}
	cr_assert_fail("no \"%s\" from %s:\n%s", what, cmd, out);
	return NULL;
}

/* The service and a follower; a second consumer is refused */
Test(audit_cli, one_consumer_a_follower_and_a_refused_second_consumer)
{
	int fd = sim_open(0), i, rc;
	char *out;

	attach_stack();
	sh(LOADER " audit collect --follow 2>/tmp/collect.err & "
	   LOADER " audit --follow >/tmp/follow.out 2>/tmp/follow.err &");
	free(wait_for(LOADER " audit 2>&1 >/dev/null", "audit: the consumer (pid"));
	out = run(LOADER " audit collect 2>&1", &rc);
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(strstr(out, "another consumer (pid "), "%s", out);
	free(out);
	/* a few records, far fewer than wake a reader: both must see them */
	for (i = 0; i < 3; i++)
		cr_assert_eq(rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP), 0);
	free(wait_for("cat /tmp/follow.out", "seq="));
	out = wait_for("wc -l </tmp/follow.out", "3");
	free(out);
	out = run(LOADER " audit 2>&1 >/dev/null", &rc);
	cr_assert(strstr(out, "audit: the consumer (pid "), "%s", out);
	cr_assert(strstr(out, "delivered 3 + waiting 0 + lost 0 = 3"), "%s", out);
	free(out);
	stop_consumers();
	out = capture("cat /tmp/follow.err");
	cr_assert(strstr(out, "(reconciled)"), "%s", out);
	free(out);
	close(fd);
}

/* Detaching a recorder with no consumer running saves its ring first */
Test(audit_cli, a_detach_never_drops_the_trail)
{
	int fd = sim_open(0), rc;
	char *out;

	attach_stack();
	mixed_workload(fd);
	sh(LOADER " detach observe >/dev/null 2>&1");
	out = run(LOADER " audit 2>/tmp/audit.err", &rc);
	cr_assert_eq(lines(out), 3, "the detached recorder's records are stored:\n%s", out);
	free(out);
	out = capture("cat /tmp/audit.err");
	cr_assert(strstr(out, "(retired ring "), "%s", out);
	cr_assert(strstr(out, "delivered 3 + lost 0 of 3 records written + lost (complete)"),
		  "%s", out);
	free(out);
	close(fd);
}

/* With a consumer running, a detach loses nothing either */
Test(audit_cli, a_detach_under_a_running_consumer_never_drops_the_trail)
{
	int fd = sim_open(0);
	char *out;

	attach_stack();
	sh(LOADER " audit collect --follow 2>/tmp/collect.err &");
	free(wait_for(LOADER " audit 2>&1 >/dev/null", "audit: the consumer (pid"));
	mixed_workload(fd);
	sh(LOADER " detach observe >/dev/null");
	out = wait_for(LOADER " audit 2>&1 >/dev/null", "(complete)");
	cr_assert(strstr(out, "delivered 3 + lost 0 of 3"), "%s", out);
	free(out);
	out = capture(LOADER " audit 2>/dev/null");
	cr_assert_eq(lines(out), 3, "%s", out);
	free(out);
	close(fd);
}

/* A recorder that sees nothing while the kernel decides is not "reconciled" */
Test(audit_cli, a_recorder_that_missed_every_decision_is_a_mismatch)
{
	int fd = sim_open(0), rc;
	char other[32], cmd[256], *out;

	/* the recorder matches another device only; the RPCs go to sim0, where
	 * another policy makes the kernel count them */
	sh(LOADER " attach build/policies/generic__readonly.bpf.o >/dev/null");
	cr_assert_eq(sim_exists(1), 1);
	cr_assert_eq(sim_fwctl_name(1, other, sizeof(other)), 0);
	snprintf(cmd, sizeof(cmd), LOADER " attach " OBSERVE " --device %s >/dev/null", other);
	sh(cmd);
	cr_assert_eq(rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP), 0);
	cr_assert_eq(rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP), 0);
	free(capture(LOADER " audit collect"));
	out = run(LOADER " audit 2>&1 >/dev/null", &rc);
	cr_assert(strstr(out, "delivered 0 + waiting 0 + lost 0 = 0"), "%s", out);
	cr_assert(strstr(out, ": 2 (MISMATCH"), "%s", out);
	cr_assert_eq(rc, 1, "%s", out);
	free(out);
	close(fd);
}

/* A tenant names its process to fake fields in the trail */
Test(audit_cli, a_sender_cannot_forge_fields_with_its_process_name)
{
	int fd = sim_open(0), status;
	pid_t pid;
	char *out;

	attach_stack();
	pid = fork();
	if (!pid) {
		prctl(PR_SET_NAME, " uid=0 gid=0");
		_exit(rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP) ? 1 : 0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert_eq(status, 0);
	free(capture(LOADER " audit collect"));
	out = capture(LOADER " audit 2>/dev/null");
	cr_assert(strstr(out, " comm=\" uid=0 gid=0\" "), "%s", out);
	cr_assert_null(strstr(out, "comm= uid=0"), "%s", out);
	free(out);
	close(fd);
}

/* Output that cannot be written is an error, not a silent success */
Test(audit_cli, write_errors_are_errors)
{
	int fd = sim_open(0), rc;
	char *out;

	attach_stack();
	mixed_workload(fd);
	free(capture(LOADER " audit collect"));
	out = run(LOADER " audit 2>&1 >/dev/full", &rc);
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(strstr(out, "can't write the records: No space left on device"), "%s", out);
	free(out);

	/* a full store: the consumer says so, and the accounting shows the hole */
	sh("rm -rf " STORE " && mkdir -p " STORE " && mount -t tmpfs -o size=8k,mode=0750 tmpfs " STORE);
	free(capture(LOADER " audit collect"));	/* lock + state: the 2 pages */
	cr_assert_eq(rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP), 0);
	out = run(LOADER " audit collect 2>&1", &rc);
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(strstr(out, "No space left on device"), "%s", out);
	free(out);
	/* the full store itself: whatever its state says, not "reconciled" */
	out = run(LOADER " audit 2>&1 >/dev/null", &rc);
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(strstr(out, "DROPPED: ") || strstr(out, "GAP: "), "%s", out);
	cr_assert_null(strstr(out, "(reconciled)"), "%s", out);
	free(out);
	sh("umount " STORE);
	out = run(LOADER " audit 2>&1 >/dev/null", &rc);
	cr_assert(strstr(out, "GAP: "), "%s", out);
	cr_assert_eq(rc, 1, "%s", out);
	free(out);
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
	char *out;

	attach_stack();
	nops(fd, 2);
	sh(LOADER " swap observe " OBSERVE " >/dev/null");
	nops(fd, 2);
	/* another ring layout: the old ring goes, its records first */
	out = capture(LOADER " swap observe " OBSERVE_TINY);
	cr_assert(strstr(out, "fwctl_audit_stats (its ring is new)"),
		  "the counters go with their ring: %s", out);
	free(out);
	nops(fd, 2);
	free(capture(LOADER " audit collect"));
	assert_trail(6, "(complete)", "(reconciled)");	/* before and after both swaps */
	close(fd);
}

/* The consumer notices a swapped ring and moves to the new one */
Test(audit_cli, a_running_consumer_follows_a_swapped_ring)
{
	int fd = sim_open(0);

	attach_stack();
	sh(LOADER " audit collect --follow 2>/tmp/collect.err &");
	free(wait_for(LOADER " audit 2>&1 >/dev/null", "audit: the consumer (pid"));
	nops(fd, 2);
	sh(LOADER " swap observe " OBSERVE_TINY " >/dev/null");
	nops(fd, 3);
	free(wait_for(LOADER " audit 2>&1 >/dev/null", "delivered 3 + waiting 0 + lost 0 = 3"));
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
	int fd = sim_open(0), lock, rc;
	char *out;

	attach_stack();
	mixed_workload(fd);
	lock = hold_like_a_query("observe");
	out = run(LOADER " detach observe 2>&1", &rc);
	cr_assert_eq(rc, 1, "the ring could not be stored: %s", out);
	cr_assert(strstr(out, "stays pinned"), "%s", out);
	free(out);
	cr_assert_eq(access("/sys/fs/bpf/fwctl/observe/fwctl_audit", F_OK), 0);
	close(lock);
	sh(LOADER " detach observe >/dev/null");
	assert_trail(3, "(complete)", NULL);
	close(fd);
}

/* A swap that would replace a ring it cannot store changes nothing */
Test(audit_cli, a_swap_that_cannot_store_the_old_ring_changes_nothing)
{
	int fd = sim_open(0), lock, rc;
	char *before, *after, *out;

	attach_stack();
	nops(fd, 2);
	before = capture(LOADER " list | grep -w observe");
	lock = hold_like_a_query("observe");
	out = run(LOADER " swap observe " OBSERVE_TINY " 2>&1", &rc);
	close(lock);
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(strstr(out, "nothing changed"), "%s", out);
	free(out);
	after = capture(LOADER " list | grep -w observe");
	cr_assert_str_eq(before, after, "the old policy and ring run on");
	free(before);
	free(after);
	nops(fd, 1);
	free(capture(LOADER " audit collect"));
	assert_trail(3, "(reconciled)", NULL);
	close(fd);
}

/* A store anyone can write could be made to lie: refused, by consumer and queries */
Test(audit_cli, an_unsafe_store_is_refused)
{
	int rc;
	char *out;

	attach_stack();
	sh("mkdir -p " STORE " && chmod 0777 " STORE);
	out = run(LOADER " audit collect 2>&1", &rc);
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(strstr(out, "refusing the audit store: " STORE " is writable by group or others"),
		  "%s", out);
	free(out);
	out = run(LOADER " audit 2>&1", &rc);
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(strstr(out, "refusing the audit store"), "%s", out);
	free(out);
	sh("rm -rf " STORE " && mkdir -p /tmp/elsewhere && ln -s /tmp/elsewhere " STORE);
	out = run(LOADER " audit collect 2>&1", &rc);
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(strstr(out, "refusing the audit store"), "%s", out);
	free(out);
	sh("rm -rf " STORE " /tmp/elsewhere");
}

#define OBSERVE_STATS8 "build/stress/stress_observe_stats8.bpf.o"

/* New counters never describe an old ring: the ring goes too, its records first */
Test(audit_cli, a_ring_never_carries_without_its_counters)
{
	int fd = sim_open(0);
	char *out;

	attach_stack();
	nops(fd, 2);
	out = capture(LOADER " swap observe " OBSERVE_STATS8);
	cr_assert(strstr(out, "fwctl_audit (its counters are new)"), "%s", out);
	free(out);
	nops(fd, 2);
	free(capture(LOADER " audit collect"));
	assert_trail(4, "(complete)", "(reconciled)");	/* before and after the swap */
	close(fd);
}
