// SPDX-License-Identifier: GPL-2.0
/*
 * Issue 13, finding 3: a policy that allocates a reply and then allows
 * the RPC. The first hook never freed such a reply (up to 64 KiB per
 * RPC, charged to the caller, driven by any fwctl user). Here one policy
 * does it on every RPC; on the debug kernel kmemleak must find nothing
 * the hook allocated, elsewhere the free memory must not fall by what
 * the replies would take.
 */
#include <criterion/criterion.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fwctl.h"
#include "hook_test.h"
#include "sim.h"
#include "stress.h"

#define REPLY_LEN 65536
#define KMEMLEAK "/sys/kernel/debug/kmemleak"

static void set_reply_then_allow(struct hook_policy *skel, void *arg)
{
	skel->bss->reply_len = REPLY_LEN;
	skel->data->verdict = FWCTL_BPF_ALLOW;
}

static long long mem_free_kib(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	long long kib = -1;
	char line[128];

	cr_assert(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %lld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static int kmemleak(const char *cmd)
{
	FILE *f = fopen(KMEMLEAK, "w");
	int ret;

	if (!f)
		return -errno;
	ret = fputs(cmd, f) < 0 ? -EIO : 0;
	return fclose(f) ? -errno : ret;
}

/* kmemleak's reports whose backtrace goes through the hook */
static long hook_leaks(void)
{
	FILE *f = fopen(KMEMLEAK, "r");
	char line[256];
	long n = 0;

	cr_assert(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "fwctl_bpf_reply_alloc"))
			n++;
	fclose(f);
	return n;
}

TestSuite(reply_leak, .init = sim_restore, .fini = sim_restore);

Test(reply_leak, a_reply_the_policy_did_not_return_is_freed, .timeout = 600)
{
	long rpcs = stress_count("REPLY_LEAK_RPCS", 400, 5000), i;
	bool leak_check = access(KMEMLEAK, W_OK) == 0;
	struct policy p = policy_add("reply_allow", 10, set_reply_then_allow, NULL);
	static uint8_t out[REPLY_LEN];
	uint8_t in[MBOX_HDR] = {};
	int fd = sim_open(0);
	long long free0, drop, leaks = 0;

	if (leak_check)
		cr_assert_eq(kmemleak("clear"), 0);
	sim_hdr(in, MLX5_CMD_OP_NOP, 0);
	free0 = mem_free_kib();
	for (i = 0; i < rpcs; i++) {
		uint32_t out_len = sizeof(out);

		cr_assert_eq(fwctl_rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, sizeof(in), out,
				       &out_len), 0);
	}
	drop = free0 - mem_free_kib();
	cr_assert_eq(p.skel->bss->filter_calls, (uint64_t)rpcs);
	policy_del(&p);
	if (leak_check) {
		/* objects younger than 5 s are never reported: scan, wait, scan */
		cr_assert_eq(kmemleak("scan"), 0);
		sleep(6);
		cr_assert_eq(kmemleak("scan"), 0);
		leaks = hook_leaks();
	}
	stress_figure("reply_leak: %ld RPCs each allocating a %d-byte reply and allowing: free "
		      "memory fell by %lld KiB (a leak: %ld KiB), kmemleak %s %lld reports from "
		      "the hook", rpcs, REPLY_LEN, drop, rpcs * (REPLY_LEN / 1024),
		      leak_check ? "found" : "(absent)", leaks);
	cr_expect_eq(leaks, 0);
	cr_expect_lt(drop, rpcs * (REPLY_LEN / 1024) / 2, "%lld KiB gone", drop);
	close(fd);
}
