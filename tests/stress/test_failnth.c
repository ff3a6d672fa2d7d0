// SPDX-License-Identifier: GPL-2.0
/*
 * Issue 9, row 8 of the research notes: every allocation and user copy an
 * RPC makes fails once, in turn (fail-nth), with a site stack attached.
 *
 * On a device of its own: mlx5__opcode_allow (NOP, ACCESS_REG and
 * QUERY_ADAPTER allowed, QUERY_ISSI not), mlx5__redact_serial,
 * mlx5__cached_qa (replies with memory of its own) and
 * generic__observe (the audit record). For each of four RPCs, the sweep
 * writes n = 1, 2, ... to /proc/thread-self/fail-nth, which makes the n-th
 * slab allocation of the thread's next system calls fail (failslab, with
 * ignore-gfp-wait off so GFP_KERNEL allocations count), until an RPC runs
 * without reaching its n-th. User copies are not failed here (that would
 * fail the sweep's own read of fail-nth): the fuzzer's bad pointers fail
 * them at every copy the core makes.
 *
 * Pass: every result is 0 or the errno of a clean failure (-ENOMEM;
 * -ENOBUFS when the replying policy cannot allocate its reply);
 * no injected failure lets QUERY_ISSI reach the firmware, sends
 * QUERY_ADAPTER to it, or returns the module's serial number unredacted;
 * the audit trail still accounts for every decision (records + lost ==
 * the device's decisions); each sweep injected at least one failure. The
 * kernel stays quiet and, on the debug kernel, leaks nothing
 * (run-suite.sh's kmemleak scan).
 *
 * Needs CONFIG_FAULT_INJECTION, FAILSLAB and FAULT_INJECTION_DEBUG_FS
 * (kernel/config).
 */
#include <criterion/criterion.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "fwctl.h"
#include "fwctl_audit_common.h"
#include "fwctl_policy_common.h"
#include "policy.h"
#include "sim.h"
#include "stress.h"
#include "policies/generic__observe.skel.h"
#include "policies/mlx5__cached_qa.skel.h"
#include "policies/mlx5__opcode_allow.skel.h"
#include "policies/mlx5__redact_serial.skel.h"

#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define FAILSLAB	"/sys/kernel/debug/failslab/"
#define MAX_NTH		1000	/* no RPC makes that many failable calls */
#define SERIAL_OFF	196	/* SFF-8636 vendor serial number, 16 bytes */

/* debugfs knobs the sweep needs, and their values before it */
static const struct knob {
	const char *path, *value;
} knobs[] = {
	{ FAILSLAB "ignore-gfp-wait", "N" },	/* GFP_KERNEL counts too */
	{ FAILSLAB "verbose", "0" },		/* no stack dump per failure */
};
static char saved[sizeof(knobs) / sizeof(knobs[0])][16];

static int write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, value, strlen(value));
	close(fd);
	return n < 0 ? -errno : 0;
}

static void knobs_set(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		cr_assert_geq(read_text(knobs[i].path, saved[i], sizeof(saved[i])), 0,
			      "%s: no fault injection debugfs", knobs[i].path);
		saved[i][strcspn(saved[i], "\n")] = '\0';
		cr_assert_eq(write_file(knobs[i].path, knobs[i].value), 0, "%s", knobs[i].path);
	}
}

static void knobs_restore(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
		if (saved[i][0])
			write_file(knobs[i].path, saved[i]);
}

/* What one sweep saw */
struct sweep {
	const char *what;
	int injected;		/* RPCs that had a failure injected */
	int ok, enomem, policy, other;
	int other_err;		/* the first errno outside the expected set */
};

/* One RPC of a sweep; returns 0 or -errno. */
typedef int (*rpc_fn)(int fd, void *ctx);

/*
 * Run @rpc with the n-th failable call failing, n = 1, 2, ... until it
 * ran without reaching the n-th. @policy_err is the errno the stack
 * itself answers this RPC with (0 if it allows it).
 */
static struct sweep sweep(const char *what, int fd, rpc_fn rpc, void *ctx, int policy_err)
{
	int nth = open(FAIL_NTH, O_RDWR);
	struct sweep s = { .what = what };
	char buf[16];
	int n;

	cr_assert_geq(nth, 0, FAIL_NTH ": %s", strerror(errno));
	for (n = 1; n <= MAX_NTH; n++) {
		ssize_t len = snprintf(buf, sizeof(buf), "%d", n);
		int ret;

		cr_assert_eq(pwrite(nth, buf, len, 0), len, "fail-nth %d: %s", n, strerror(errno));
		ret = rpc(fd, ctx);
		len = pread(nth, buf, sizeof(buf) - 1, 0);
		cr_assert_gt(len, 0, "read fail-nth: %s", strerror(errno));
		buf[len] = '\0';
		if (atoi(buf) != 0) {
			/* not injected: the RPC made fewer than n failable calls */
			cr_assert_eq(pwrite(nth, "0", 1, 0), 1);
			break;
		}
		s.injected++;
		if (ret == 0)
			s.ok++;
		else if (ret == -ENOMEM)
			s.enomem++;
		else if (policy_err && ret == -policy_err)
			s.policy++;
		else if (!s.other++)
			s.other_err = -ret;
	}
	close(nth);
	cr_assert_leq(n, MAX_NTH, "%s: still failing calls after %d", what, MAX_NTH);
	return s;
}

static int nop(int fd, void *ctx)
{
	return stress_cmd(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP);
}

static int query_issi(int fd, void *ctx)
{
	return stress_cmd(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_QUERY_ISSI);
}

static int query_adapter(int fd, void *ctx)
{
	return stress_cmd(fd, FWCTL_RPC_CONFIGURATION, MLX5_CMD_OP_QUERY_ADAPTER);
}

/* An MCIA read of the module's serial; counts replies that carry it. */
static int read_serial(int fd, void *ctx)
{
	uint8_t req[MLX5_ST_SZ_BYTES(mcia_reg)] = {}, reg[MLX5_ST_SZ_BYTES(mcia_reg)];
	static const uint8_t zero[16];
	int *leaks = ctx, ret;
	uint8_t status = 0xff;

	MLX5_SET(mcia_reg, req, i2c_device_address, 0x50);
	MLX5_SET(mcia_reg, req, device_address, SERIAL_OFF);
	MLX5_SET(mcia_reg, req, size, 16);
	memset(reg, 0xa5, sizeof(reg));
	ret = sim_access_reg(fd, FWCTL_RPC_DEBUG_READ_ONLY, FWCTL_MLX5_REG_MCIA, SIM_REG_READ,
			     req, sizeof(req), reg, &status);
	if (!ret && !status && memcmp(MLX5_ADDR_OF(mcia_reg, reg, dwords), zero, 16))
		(*leaks)++;
	return ret;
}

static void allow(struct mlx5__opcode_allow *al, uint16_t opcode)
{
	struct fwctl_mlx5_allow_key key = { .opcode = opcode,
					    .op_mod = FWCTL_MLX5_ANY_OP_MOD };
	uint8_t one = 1;

	cr_assert_eq(bpf_map__update_elem(al->maps.allowed, &key, sizeof(key), &one,
					  sizeof(one), BPF_ANY), 0);
}

/* Bind an opened policy object to device simK before it is loaded. */
static void on_device(struct bpf_object *obj, int k)
{
	cr_assert_eq(fwctl_policy_set_u32(obj, "flags", FWCTL_BPF_F_DEV_INDEX), 0);
	cr_assert_eq(fwctl_policy_set_u32(obj, "dev_index", sim_fwctl_index(k)), 0);
}

static void report(const struct sweep *s)
{
	stress_figure("failnth %s: %d failures injected: %d ok, %d -ENOMEM, %d the stack's "
		      "errno, %d other", s->what, s->injected, s->ok, s->enomem, s->policy,
		      s->other);
	cr_expect_gt(s->injected, 0, "%s: no failure was injected: the sweep did not test",
		     s->what);
	cr_expect_eq(s->other, 0, "%s: an injected failure ended in errno %d", s->what,
		     s->other_err);
}

static void skip_without_fault_injection(void)
{
	if (access(FAIL_NTH, F_OK))
		cr_skip_test("this kernel has no fault injection (" FAIL_NTH ")");
}

static void failnth_fini(void)
{
	knobs_restore();
	sim_restore();
}

TestSuite(failnth, .init = sim_restore, .fini = failnth_fini);

Test(failnth, no_injected_failure_lets_a_forbidden_rpc_through_or_a_secret_out,
     .timeout = 600)
{
	struct mlx5__opcode_allow *al;
	struct mlx5__redact_serial *rs;
	struct mlx5__cached_qa *qa;
	struct generic__observe *obs;
	struct bpf_link *links[4];
	struct sweep s[4];
	long long issi0, qa0, rpcs0, decisions;
	uint64_t records, lost;
	int k, fd, i, leaks = 0;
	char name[16];

	skip_without_fault_injection();
	k = sim_private_device();
	fd = sim_open(k);
	cr_assert_geq(fd, 0);
	stress_fwctl_name(k, name);

	al = mlx5__opcode_allow__open();
	rs = mlx5__redact_serial__open();
	qa = mlx5__cached_qa__open();
	obs = generic__observe__open();
	cr_assert(al && rs && qa && obs);
	on_device(al->obj, k);
	on_device(rs->obj, k);
	on_device(qa->obj, k);
	on_device(obs->obj, k);
	cr_assert_eq(mlx5__opcode_allow__load(al), 0);
	cr_assert_eq(mlx5__redact_serial__load(rs), 0);
	cr_assert_eq(mlx5__cached_qa__load(qa), 0);
	cr_assert_eq(generic__observe__load(obs), 0);
	allow(al, MLX5_CMD_OP_NOP);
	allow(al, MLX5_CMD_OP_ACCESS_REG);
	allow(al, MLX5_CMD_OP_QUERY_ADAPTER);
	links[0] = stress_attach(al->maps.opcode_allow);
	links[1] = stress_attach(rs->maps.redact_serial);
	links[2] = stress_attach(qa->maps.cached_qa);
	links[3] = stress_attach(obs->maps.observe);

	/* the stack works before anything fails */
	cr_assert_eq(nop(fd, NULL), 0);
	cr_assert_eq(query_issi(fd, NULL), -EACCES);
	cr_assert_eq(read_serial(fd, &leaks), 0);
	cr_assert_eq(leaks, 0, "the serial is not redacted even without failures");
	cr_assert_eq(query_adapter(fd, NULL), 0);

	issi0 = sim_opcode_count(k, MLX5_CMD_OP_QUERY_ISSI);
	qa0 = sim_opcode_count(k, MLX5_CMD_OP_QUERY_ADAPTER);
	rpcs0 = fwctl_bpf_attr(name, "rpcs");
	knobs_set();
	s[0] = sweep("NOP", fd, nop, NULL, 0);
	s[1] = sweep("QUERY_ISSI (forbidden)", fd, query_issi, NULL, EACCES);
	s[2] = sweep("MCIA serial read (redacted)", fd, read_serial, &leaks, 0);
	s[3] = sweep("QUERY_ADAPTER (policy replies)", fd, query_adapter, NULL, ENOBUFS);
	knobs_restore();
	memset(saved, 0, sizeof(saved));

	decisions = fwctl_bpf_attr(name, "rpcs") - rpcs0;
	records = stress_map_u64(obs->maps.fwctl_audit_stats, FWCTL_AUDIT_STAT_RECORDS);
	lost = stress_map_u64(obs->maps.fwctl_audit_stats, FWCTL_AUDIT_STAT_LOST);
	for (i = 0; i < 4; i++)
		report(&s[i]);
	stress_figure("failnth: QUERY_ISSI executed %lld times, QUERY_ADAPTER %lld times, "
		      "%d serials unredacted; audit %llu records + %llu lost (before and during "
		      "the sweeps) vs %lld decisions during them",
		      sim_opcode_count(k, MLX5_CMD_OP_QUERY_ISSI) - issi0,
		      sim_opcode_count(k, MLX5_CMD_OP_QUERY_ADAPTER) - qa0, leaks,
		      (unsigned long long)records, (unsigned long long)lost, decisions);
	cr_expect_eq(s[1].ok, 0, "an injected failure allowed a forbidden RPC");
	cr_expect_eq(sim_opcode_count(k, MLX5_CMD_OP_QUERY_ISSI), issi0,
		     "the firmware ran the forbidden QUERY_ISSI");
	cr_expect_eq(sim_opcode_count(k, MLX5_CMD_OP_QUERY_ADAPTER), qa0,
		     "QUERY_ADAPTER reached the firmware instead of the policy's reply");
	cr_expect_eq(leaks, 0, "an injected failure returned the serial unredacted");
	/* four RPCs were decided (and recorded) before the sweeps */
	cr_expect_eq(records + lost, (uint64_t)decisions + 4,
		     "the audit trail lost track of a decision");

	for (i = 3; i >= 0; i--)
		bpf_link__destroy(links[i]);
	generic__observe__destroy(obs);
	mlx5__cached_qa__destroy(qa);
	mlx5__redact_serial__destroy(rs);
	mlx5__opcode_allow__destroy(al);
	close(fd);
}
