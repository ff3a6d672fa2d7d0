// SPDX-License-Identifier: GPL-2.0
/*
 * Issue 9, test 4: a bounded, seeded fuzzer of the fwctl ioctls with
 * policies attached.
 *
 * Worker threads send FWCTL_RPC (and some FWCTL_INFO and unknown ioctls)
 * with random scopes, lengths from {0, 1, 15, 16, 17, 4095, 4096, 4097,
 * 2 MiB, 2 MiB + 1, ~0, random}, random or well-formed mlx5 payloads, and
 * pointers that are NULL, unmapped, PROT_NONE, read-only (for out and for
 * the struct itself), a kernel address, oddly aligned, or straddling a
 * guard page; the struct's size field is below, at and above the kernel's,
 * with zero and non-zero tails. Meanwhile one thread closes, reopens and
 * dup2()s the descriptors the workers use and forks children that use
 * them, and another swaps the attached policies (link update, attach,
 * detach). Everything runs against devices of the test's own.
 *
 * Pass: every result is in the documented errno set, every RPC the core
 * must reject before the hook gets exactly the predicted errno, and the
 * kernel stays quiet (tests/vm/run fails the run on any warning, and on
 * the debug kernel panic_on_warn stops it). FWCTL_STRESS_SEED=N replays a
 * run's per-thread operation sequences (the interleaving is the
 * scheduler's).
 */
#include <criterion/criterion.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fwctl.h"
#include "sim.h"
#include "stress.h"

#define NR_SLOTS	8
#define SLOT_FD(i)	(700 + (i))	/* fixed numbers: a reused number is ours */
#define MAX_RPC		(2u << 20)
#define PAGE		4096u
#define RPC_MIN		32u		/* offsetofend(struct fwctl_rpc, out) */

/* The documented errnos of FWCTL_RPC / FWCTL_INFO (docs/security.md) */
static const int documented[] = {
	0, EFAULT, EINVAL, E2BIG, ENODEV, EMSGSIZE, EOPNOTSUPP, EPERM, ENOMEM,
	EACCES, EBUSY, EBADMSG, EBADF, ENOTTY,
};
#define NR_ERRNO 134

static struct {
	uint8_t *big;		/* MAX_RPC + 2 pages, read-write */
	uint8_t *guard;		/* a page followed by a PROT_NONE page */
	uint8_t *none;		/* PROT_NONE */
	uint8_t *ro;		/* read-only, holds a valid struct fwctl_rpc */
	uint8_t *unmapped;
	int k[2];		/* the devices */
	atomic_long ops, target, unexpected, mispredicted;
	atomic_long forks, churns, swaps, child_bad;
	atomic_long seen[NR_ERRNO];
	atomic_int stop;
	uint64_t seed;
} F;

static bool is_documented(int err)
{
	unsigned int i;

	for (i = 0; i < sizeof(documented) / sizeof(documented[0]); i++)
		if (documented[i] == err)
			return true;
	return false;
}

static uint32_t pick_len(uint64_t *s)
{
	static const uint32_t lens[] = { 0, 1, 15, 16, 17, 4095, 4096, 4097 };
	uint64_t r = stress_rand(s) % 1000;

	if (r < 6)
		return MAX_RPC;
	if (r < 12)
		return MAX_RPC + 1;
	if (r < 24)
		return 0xffffffffu;
	if (r < 300)
		return stress_rand(s) % 8192;
	return lens[r % (sizeof(lens) / sizeof(lens[0]))];
}

enum ptr_kind { P_OK, P_ODD, P_NULL, P_UNMAPPED, P_NONE, P_RO, P_KERNEL, P_STRADDLE, P_NR };

/* A pointer of @kind for @len bytes; *valid: the whole range is readable (and, unless P_RO, writable) */
static uint8_t *pick_ptr(uint64_t *s, enum ptr_kind kind, uint32_t len, bool *valid)
{
	uint32_t before;

	switch (kind) {
	case P_OK:
		*valid = len <= MAX_RPC + PAGE;
		return F.big + (stress_rand(s) % 8) * 8;
	case P_ODD:
		*valid = len <= MAX_RPC;
		return F.big + 1 + stress_rand(s) % 7;
	case P_NULL:
		*valid = false;
		return NULL;
	case P_UNMAPPED:
		*valid = false;
		return F.unmapped;
	case P_NONE:
		*valid = false;
		return F.none;
	case P_RO:
		*valid = len <= PAGE;
		return F.ro;
	case P_KERNEL:
		*valid = false;
		return (uint8_t *)0xffffffff81000000ul;
	default:
		before = 1 + stress_rand(s) % 64;
		*valid = len <= before;
		return F.guard + PAGE - before;
	}
}

static void fill_payload(uint64_t *s, uint8_t *p, uint32_t len)
{
	static const uint16_t opcodes[] = {
		MLX5_CMD_OP_NOP, MLX5_CMD_OP_QUERY_HCA_CAP, MLX5_CMD_OP_SET_HCA_CAP,
		MLX5_CMD_OP_QUERY_ADAPTER, MLX5_CMD_OP_QUERY_ISSI,
		MLX5_CMD_OP_QUERY_VPORT_STATE, MLX5_CMD_OP_QUERY_NIC_VPORT_CONTEXT,
		MLX5_CMD_OP_ACCESS_REG, MLX5_CMD_OP_CREATE_UCTX, 0x819, 0x820, 0x821,
	};
	uint32_t i, n = len < 64 ? len : 64;

	for (i = 0; i < n; i++)
		p[i] = stress_rand(s);
	if (len >= 16 && stress_rand(s) % 3) {
		sim_hdr(p, opcodes[stress_rand(s) % (sizeof(opcodes) / sizeof(opcodes[0]))],
			stress_rand(s) % 4);
		p[4] = p[5] = 0;	/* uid: stamped by the driver anyway */
	}
}

static void record(int err, bool ok, long *unexpected)
{
	if (err >= 0 && err < NR_ERRNO)
		atomic_fetch_add(&F.seen[err], 1);
	if (!ok || !is_documented(err)) {
		if (atomic_fetch_add(&F.unexpected, 1) < 10)
			fprintf(stderr, "fuzz: unexpected errno %d (%s)\n", err, strerror(err));
		(*unexpected)++;
	}
}

/* One FWCTL_RPC; returns 0 or the errno it got. */
static void fuzz_rpc(uint64_t *s, int fd, uint8_t *sbuf, long *unexpected)
{
	struct fwctl_rpc rpc = {};
	uint32_t size, in_len = pick_len(s), out_len = pick_len(s), scope;
	enum ptr_kind in_kind = stress_rand(s) % 3 ? P_OK : stress_rand(s) % P_NR;
	enum ptr_kind out_kind = stress_rand(s) % 3 ? P_OK : stress_rand(s) % P_NR;
	enum ptr_kind st_kind = stress_rand(s) % 8 ? P_OK : stress_rand(s) % P_NR;
	bool in_ok, out_ok, st_ok = true, tail_nonzero = false;
	uint8_t *in, *out, *st;
	int predicted = 0, ret, err;
	uint64_t r = stress_rand(s) % 100;

	/* the struct's size: mostly right, else below, above, huge */
	if (r < 70)
		size = sizeof(rpc);
	else if (r < 80)
		size = stress_rand(s) % RPC_MIN;
	else if (r < 95)
		size = RPC_MIN + 1 + stress_rand(s) % (2 * PAGE);
	else
		size = 0xffffffffu - stress_rand(s) % 2;
	scope = stress_rand(s) % 6 ? stress_rand(s) % 4 : stress_rand(s) % 2 ? 4 : 0xffffffffu;
	in = pick_ptr(s, in_kind, in_len, &in_ok);
	out = pick_ptr(s, out_kind, out_len, &out_ok);
	if (in_ok && in_kind != P_RO)
		fill_payload(s, in, in_len);

	rpc.size = size;
	rpc.scope = scope;
	rpc.in_len = in_len;
	rpc.out_len = out_len;
	rpc.in = (uintptr_t)in;
	rpc.out = (uintptr_t)out;

	/* sbuf: 2 pages read-write, then a PROT_NONE page */
	memset(sbuf, 0, 2 * PAGE);
	switch (st_kind) {
	case P_OK:
	case P_ODD:
		st = sbuf + (st_kind == P_ODD ? 1 : 0);
		break;
	case P_STRADDLE:
		/* the size field readable, the rest past the guard */
		st = sbuf + 2 * PAGE - 4 - 4 * (stress_rand(s) % 4);
		st_ok = false;
		break;
	default:
		st = pick_ptr(s, st_kind, sizeof(rpc), &st_ok);
		st_ok = false;
		break;
	}
	if (st_kind == P_OK || st_kind == P_ODD) {
		uint32_t avail = 2 * PAGE - (st - sbuf);

		memcpy(st, &rpc, sizeof(rpc));
		if (size > sizeof(rpc) && stress_rand(s) % 2 && size - sizeof(rpc) < avail - sizeof(rpc)) {
			st[sizeof(rpc) + stress_rand(s) % (size - sizeof(rpc))] = 1 + stress_rand(s) % 255;
			tail_nonzero = true;
		}
		/* the prediction of the checks before the hook */
		if (size < RPC_MIN)
			predicted = EINVAL;
		else if (tail_nonzero)
			predicted = E2BIG;
		else if (size > avail)
			predicted = EFAULT;	/* the zero tail runs into the guard */
		else if (in_len > MAX_RPC || out_len > MAX_RPC)
			predicted = EMSGSIZE;
		else if (scope > FWCTL_RPC_DEBUG_WRITE_FULL)
			predicted = EOPNOTSUPP;
		else if (in_len && !in_ok)
			predicted = EFAULT;
	} else if (st_kind == P_STRADDLE) {
		uint32_t avail = 2 * PAGE - (st - sbuf);

		memcpy(st, &rpc, avail);	/* size and what fits */
		predicted = size < RPC_MIN ? EINVAL : EFAULT;
	} else if (st_kind == P_RO) {
		/* F.ro holds a valid NOP RPC: it runs, the write-back faults */
		predicted = -1;
	} else {
		predicted = EFAULT;
	}

	ret = ioctl(fd, FWCTL_RPC, st);
	err = ret ? errno : 0;
	if (err == EBADF || err == ENOTTY || err == ENODEV) {
		record(err, true, unexpected);	/* the churn thread's doing */
		return;
	}
	if (predicted > 0) {
		if (err != predicted) {
			if (atomic_fetch_add(&F.mispredicted, 1) < 10)
				fprintf(stderr, "fuzz: size %u scope %u in_len %u out_len %u "
					"kinds %d/%d/%d: got %d, predicted %d\n", size, scope,
					in_len, out_len, st_kind, in_kind, out_kind, err, predicted);
		}
		record(err, true, unexpected);
		return;
	}
	/* past the core's checks: a policy, the driver, or the copy out decides */
	record(err, err == 0 || err == EACCES || err == EBUSY || err == EMSGSIZE ||
	       err == EBADMSG || err == ENOMEM || err == EFAULT, unexpected);
}

static void fuzz_info(uint64_t *s, int fd, long *unexpected)
{
	struct fwctl_info info = {};
	enum ptr_kind kind = stress_rand(s) % P_NR;
	bool ok;
	int err;

	info.size = stress_rand(s) % 3 ? sizeof(info) : stress_rand(s) % 64;
	info.flags = stress_rand(s) % 4 ? 0 : stress_rand(s);
	info.device_data_len = pick_len(s) % (PAGE * 2);
	info.out_device_data = (uintptr_t)pick_ptr(s, kind, info.device_data_len, &ok);
	err = ioctl(fd, FWCTL_INFO, &info) ? errno : 0;
	record(err, true, unexpected);
}

static void *worker(void *arg)
{
	uint64_t s = F.seed ^ (0x9e3779b97f4a7c15ull * ((uintptr_t)arg + 1));
	long unexpected = 0;
	uint8_t *sbuf;

	sbuf = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sbuf == MAP_FAILED || mprotect(sbuf + 2 * PAGE, PAGE, PROT_NONE))
		return NULL;
	stress_rand(&s);
	while (atomic_fetch_add(&F.ops, 1) < atomic_load(&F.target)) {
		int fd = SLOT_FD(stress_rand(&s) % NR_SLOTS);
		uint64_t r = stress_rand(&s) % 100;

		if (r < 90)
			fuzz_rpc(&s, fd, sbuf, &unexpected);
		else if (r < 97)
			fuzz_info(&s, fd, &unexpected);
		else
			/* an ioctl fwctl does not have */
			record(ioctl(fd, _IO(FWCTL_TYPE, stress_rand(&s) % 8 + 2), NULL) ?
			       errno : 0, true, &unexpected);
	}
	munmap(sbuf, 3 * PAGE);
	return NULL;
}

/* A child uses the inherited descriptors, then exits: 0 if all errnos were documented. */
static void child(uint64_t seed)
{
	uint8_t in[64] = {}, out[64];
	int i, bad = 0;

	for (i = 0; i < 20; i++) {
		struct fwctl_rpc rpc = {
			.size = sizeof(rpc), .scope = FWCTL_RPC_DEBUG_READ_ONLY,
			.in_len = sizeof(in), .out_len = sizeof(out),
			.in = (uintptr_t)in, .out = (uintptr_t)out,
		};

		in[0] = (MLX5_CMD_OP_NOP >> 8) + (i % 2);
		in[1] = MLX5_CMD_OP_NOP & 0xff;
		if (ioctl(SLOT_FD(stress_rand(&seed) % NR_SLOTS), FWCTL_RPC, &rpc) &&
		    !is_documented(errno))
			bad++;
	}
	if (stress_rand(&seed) % 2)
		close(SLOT_FD(0));	/* the child's own copy */
	_exit(bad);
}

static void *churn(void *arg)
{
	uint64_t s = F.seed ^ 0xc4u;

	while (!atomic_load(&F.stop)) {
		int slot = stress_rand(&s) % NR_SLOTS, fd, st;
		uint64_t r = stress_rand(&s) % 100;

		if (r < 50) {
			fd = sim_open(F.k[stress_rand(&s) % 2]);
			if (fd >= 0) {
				dup2(fd, SLOT_FD(slot));
				close(fd);
			}
		} else if (r < 85) {
			dup2(SLOT_FD(stress_rand(&s) % NR_SLOTS), SLOT_FD(slot));
		} else if (r < 90) {
			close(SLOT_FD(slot));
		} else {
			pid_t pid = fork();

			if (pid == 0)
				child(s);
			if (pid > 0 && waitpid(pid, &st, 0) == pid) {
				atomic_fetch_add(&F.forks, 1);
				if (!WIFEXITED(st) || WEXITSTATUS(st))
					atomic_fetch_add(&F.child_bad, 1);
			}
		}
		atomic_fetch_add(&F.churns, 1);
		usleep(200);
	}
	return NULL;
}

struct swapper {
	struct stress_deny *p[3];
};

static void *swap_policies(void *arg)
{
	struct swapper *w = arg;
	struct bpf_link *link = bpf_map__attach_struct_ops(w->p[0]->maps.deny_ops), *extra = NULL;
	uint64_t s = F.seed ^ 0x5a5au;
	int cur = 0;

	while (link && !atomic_load(&F.stop)) {
		if (stress_rand(&s) % 4) {
			cur = !cur;
			bpf_link__update_map(link, w->p[cur]->maps.deny_ops);
		} else if (extra) {
			bpf_link__destroy(extra);
			extra = NULL;
		} else {
			extra = bpf_map__attach_struct_ops(w->p[2]->maps.deny_ops);
		}
		atomic_fetch_add(&F.swaps, 1);
		usleep(500);
	}
	bpf_link__destroy(extra);
	bpf_link__destroy(link);
	return NULL;
}

static void setup_memory(void)
{
	static const size_t big_len = MAX_RPC + 2 * PAGE;
	struct fwctl_rpc *valid;
	uint8_t *nop;

	F.big = mmap(NULL, big_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	F.guard = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	F.none = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	F.ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert(F.big != MAP_FAILED && F.guard != MAP_FAILED && F.none != MAP_FAILED &&
		  F.ro != MAP_FAILED);
	/* below vm.mmap_min_addr: never mapped (a munmap()ed page may be reused) */
	F.unmapped = (uint8_t *)0x2000;
	cr_assert_eq(mprotect(F.guard + PAGE, PAGE, PROT_NONE), 0);
	/* F.ro: a valid NOP RPC (request and response in F.big's last page) */
	nop = F.big + MAX_RPC + PAGE;
	sim_hdr(nop, MLX5_CMD_OP_NOP, 0);
	valid = (struct fwctl_rpc *)F.ro;
	valid->size = sizeof(*valid);
	valid->scope = FWCTL_RPC_DEBUG_READ_ONLY;
	valid->in_len = 16;
	valid->out_len = 16;
	valid->in = (uintptr_t)nop;
	valid->out = (uintptr_t)(nop + 64);
	cr_assert_eq(mprotect(F.ro, PAGE, PROT_READ), 0);
}

TestSuite(fuzz, .init = sim_restore, .fini = sim_restore);

Test(fuzz, every_errno_is_documented_and_the_kernel_stays_quiet, .timeout = 7200)
{
	long n = stress_count("FUZZ_OPS", 100000, 1000000);
	long threads = stress_count("FUZZ_THREADS", 4, 16), i;
	static const uint16_t deny1[] = { MLX5_CMD_OP_SET_HCA_CAP, MLX5_CMD_OP_CREATE_UCTX };
	static const uint16_t deny2[] = { MLX5_CMD_OP_ACCESS_REG };
	static const uint16_t deny3[] = { MLX5_CMD_OP_QUERY_ISSI };
	struct swapper w;
	pthread_t t[64], tc, ts;
	char list[1024];
	size_t len = 0;
	double t0;

	cr_assert_leq(threads, 64);
	F.seed = stress_count("SEED", 1, 1);
	F.target = n;
	F.k[0] = sim_private_device();
	F.k[1] = sim_private_device();
	setup_memory();
	for (i = 0; i < NR_SLOTS; i++) {
		int fd = sim_open(F.k[i % 2]);

		cr_assert_geq(fd, 0);
		cr_assert_eq(dup2(fd, SLOT_FD(i)), SLOT_FD(i));
		close(fd);
	}
	/* Policies on the two devices only: sim0 and sim1 stay unfiltered. */
	w.p[0] = stress_deny_load("fuzz1", EACCES, deny1, 2, 10, sim_fwctl_index(F.k[0]));
	w.p[1] = stress_deny_load("fuzz2", EBUSY, deny2, 1, 10, sim_fwctl_index(F.k[0]));
	w.p[2] = stress_deny_load("fuzz3", EACCES, deny3, 1, 20, sim_fwctl_index(F.k[1]));
	/* ready for link updates */
	bpf_link__destroy(stress_attach(w.p[1]->maps.deny_ops));

	t0 = stress_now();
	cr_assert_eq(pthread_create(&ts, NULL, swap_policies, &w), 0);
	cr_assert_eq(pthread_create(&tc, NULL, churn, NULL), 0);
	for (i = 0; i < threads; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i), 0);
	while (atomic_load(&F.ops) < n + threads) {
		sleep(1);
		if (getenv("FWCTL_STRESS_VERBOSE"))
			fprintf(stderr, "fuzz: %ld ops, %ld churns, %ld forks, %ld swaps\n",
				atomic_load(&F.ops), atomic_load(&F.churns), atomic_load(&F.forks),
				atomic_load(&F.swaps));
	}
	for (i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	atomic_store(&F.stop, 1);
	pthread_join(tc, NULL);
	pthread_join(ts, NULL);

	for (i = 0; i < NR_ERRNO; i++) {
		long c = atomic_load(&F.seen[i]);

		if (c && len < sizeof(list) - 64)
			len += snprintf(list + len, sizeof(list) - len, "%s%s %ld", len ? ", " : "",
					i ? strerrorname_np(i) : "0", c);
	}
	stress_figure("fuzz: %ld operations (seed %llu, %ld threads) in %.1f s with %ld fd churns, "
		      "%ld forks, %ld policy swaps: %ld undocumented errnos, %ld mispredicted "
		      "pre-hook errnos, %ld bad child exits; seen: %s",
		      n, (unsigned long long)F.seed, threads, stress_now() - t0,
		      atomic_load(&F.churns), atomic_load(&F.forks), atomic_load(&F.swaps),
		      atomic_load(&F.unexpected), atomic_load(&F.mispredicted),
		      atomic_load(&F.child_bad), list);
	cr_expect_eq(atomic_load(&F.unexpected), 0);
	cr_expect_eq(atomic_load(&F.mispredicted), 0);
	cr_expect_eq(atomic_load(&F.child_bad), 0);
	for (i = 0; i < NR_SLOTS; i++)
		close(SLOT_FD(i));
	for (i = 0; i < 3; i++)
		stress_deny__destroy(w.p[i]);
}
