// SPDX-License-Identifier: GPL-2.0
/*
 * `fwctl-bpf audit` end to end: policies attached with the loader, a mixed
 * workload on the simulated device, the trail read back as an auditor
 * would, with the kernel's count of decisions as the check.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fwctl.h"
#include "sim.h"

#define LOADER "build/fwctl-bpf"

static void sh(const char *cmd)
{
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* Run CMD, return its stdout (malloc'd); its stderr goes to ERRFILE */
static char *capture(const char *cmd)
{
	static char buf[64 * 1024];
	size_t n;
	FILE *p = popen(cmd, "r");

	cr_assert(p, "%s", cmd);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	cr_assert_eq(pclose(p), 0, "%s", cmd);
	return strdup(buf);
}

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void attach_stack(void)
{
	sh(LOADER " attach build/policies/generic__observe.bpf.o >/dev/null");
	sh(LOADER " attach build/policies/generic__readonly.bpf.o >/dev/null");
}

static void detach_all(void)
{
	if (system(LOADER " detach observe >/dev/null 2>&1; "
		   LOADER " detach readonly >/dev/null 2>&1"))
		return;
}

static void setup(void)
{
	sim_restore();
	detach_all();
}

TestSuite(audit_cli, .init = setup, .fini = detach_all);

static int rpc(int fd, enum fwctl_rpc_scope scope, uint16_t opcode)
{
	uint8_t in[16] = {}, out[16];
	uint32_t out_len = sizeof(out);

	sim_hdr(in, opcode, 0);
	return fwctl_rpc(fd, scope, in, sizeof(in), out, &out_len);
}

Test(audit_cli, prints_every_rpc_of_a_mixed_workload_once_and_reconciles)
{
	int fd = sim_open(0);
	char *json, *again, *err;

	attach_stack();
	cr_assert_eq(rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP), 0);
	cr_assert_eq(rpc(fd, FWCTL_RPC_CONFIGURATION, MLX5_CMD_OP_QUERY_ADAPTER), -EACCES);
	cr_assert_eq(rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_QUERY_ISSI), 0);

	json = capture(LOADER " -j audit 2>/tmp/audit.err");
	cr_assert_eq(lines(json), 3, "one record per RPC:\n%s", json);
	err = capture("cat /tmp/audit.err");
	cr_assert(strstr(err, "(reconciled)"), "no reconciliation: %s", err);

	/* every line is a JSON object an auditor's jq understands */
	free(capture("printf '%s' \"$(" LOADER " -j audit 2>/dev/null)\" | jq -e . >/dev/null"));
	cr_assert(strstr(json, "\"opcode_name\":\"NOP\""), "%s", json);
	cr_assert(strstr(json, "\"verdict\":\"rejected\""), "%s", json);
	cr_assert(strstr(json, "\"policy\":\"readonly\""), "%s", json);
	cr_assert(strstr(json, "\"errno\":\"EACCES\""), "%s", json);
	cr_assert(strstr(json, "\"opcode_name\":\"QUERY_ISSI\""), "%s", json);

	again = capture(LOADER " audit 2>/dev/null");
	cr_assert_eq(lines(again), 0, "records are printed once:\n%s", again);
	free(json);
	free(again);
	free(err);
	close(fd);
}

Test(audit_cli, filters_what_an_auditor_asks_for)
{
	int fd = sim_open(0);
	char *out;

	attach_stack();
	cr_assert_eq(rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP), 0);
	cr_assert_eq(rpc(fd, FWCTL_RPC_CONFIGURATION, MLX5_CMD_OP_QUERY_ADAPTER), -EACCES);
	out = capture(LOADER " audit --verdict reject 2>/dev/null");
	cr_assert_eq(lines(out), 1, "%s", out);
	cr_assert(strstr(out, " verdict=rejected status=EACCES "), "%s", out);
	cr_assert(strstr(out, " opcode=QUERY_ADAPTER(0x101) "), "%s", out);
	cr_assert(strstr(out, " policy=readonly"), "%s", out);
	free(out);
	close(fd);
}

Test(audit_cli, says_clearly_when_no_recorder_is_attached)
{
	char *out = capture(LOADER " audit 2>&1; echo rc=$?");

	cr_assert(strstr(out, "Error: can't find audit rings"), "%s", out);
	cr_assert(strstr(out, "rc=1"), "%s", out);
	free(out);
}

Test(audit_cli, follow_streams_records_as_they_come_and_stops_on_sigint)
{
	int fd = sim_open(0), i;
	char *out;

	attach_stack();
	/* a few records, far fewer than wake a reader: --follow must drain them */
	sh(LOADER " audit --follow >/tmp/follow.out 2>/tmp/follow.err & echo $! >/tmp/follow.pid");
	usleep(300000);
	for (i = 0; i < 3; i++)
		cr_assert_eq(rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP), 0);
	usleep(800000);
	sh("kill -INT $(cat /tmp/follow.pid); while kill -0 $(cat /tmp/follow.pid) 2>/dev/null; do sleep 0.1; done");
	out = capture("cat /tmp/follow.out");
	cr_assert_eq(lines(out), 3, "--follow printed:\n%s", out);
	free(out);
	out = capture("cat /tmp/follow.err");
	cr_assert(strstr(out, "(reconciled)"), "%s", out);
	free(out);
	close(fd);
}
