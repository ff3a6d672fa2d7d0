// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fwctl.h"
#include "fwctl/bpf.h"
#include "policy.h"
#include "sim.h"
#include "stress.h"

bool stress_full(void)
{
	const char *s = getenv("FWCTL_STRESS");

	return s && !strcmp(s, "full");
}

long stress_count(const char *name, long short_n, long full_n)
{
	char var[96];
	const char *s;

	snprintf(var, sizeof(var), "FWCTL_STRESS_%s", name);
	s = getenv(var);
	if (s && *s)
		return strtol(s, NULL, 0);
	return stress_full() ? full_n : short_n;
}

void stress_figure(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

double stress_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void stress_fwctl_name(int k, char *name)
{
	cr_assert_eq(sim_fwctl_name(k, name, 16), 0, "sim%d has no fwctl device", k);
}

struct stress_deny *stress_deny_load(const char *name, int err, const uint16_t *ops,
				     int n, uint32_t prio, int dev_index)
{
	struct stress_deny *skel = stress_deny__open();
	int i;

	cr_assert(skel, "open stress_deny: %s", strerror(errno));
	cr_assert_leq(n, STRESS_MAX_DENY);
	skel->rodata->deny_errno = err;
	for (i = 0; i < n; i++)
		skel->rodata->deny_op[i] = ops[i];
	cr_assert_eq(fwctl_policy_set_name(skel->obj, name), 0);
	cr_assert_eq(fwctl_policy_set_u32(skel->obj, "prio", prio), 0);
	if (dev_index >= 0) {
		cr_assert_eq(fwctl_policy_set_u32(skel->obj, "flags", FWCTL_BPF_F_DEV_INDEX), 0);
		cr_assert_eq(fwctl_policy_set_u32(skel->obj, "dev_index", dev_index), 0);
	}
	cr_assert_eq(stress_deny__load(skel), 0, "load %s: %s", name, strerror(errno));
	return skel;
}

struct bpf_link *stress_attach(struct bpf_map *ops)
{
	struct bpf_link *link = bpf_map__attach_struct_ops(ops);

	cr_assert(link, "attach %s: %s", bpf_map__name(ops), strerror(errno));
	return link;
}

uint64_t stress_map_u64(struct bpf_map *map, uint32_t key)
{
	uint64_t v = 0;

	cr_assert_eq(bpf_map__lookup_elem(map, &key, sizeof(key), &v, sizeof(v), 0), 0,
		     "read %s[%u]", bpf_map__name(map), key);
	return v;
}

int stress_cmd(int fd, uint32_t scope, uint16_t opcode)
{
	uint8_t in[64] = {}, out[256];
	uint32_t out_len = sizeof(out);

	sim_hdr(in, opcode, 0);
	return fwctl_rpc(fd, scope, in, sizeof(in), out, &out_len);
}

static char *capture_buf;
static size_t capture_size, capture_len;
static libbpf_print_fn_t capture_old;

static int capture_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	int n;

	if (!capture_buf || capture_len + 1 >= capture_size)
		return 0;
	n = vsnprintf(capture_buf + capture_len, capture_size - capture_len, fmt, ap);
	if (n > 0)
		capture_len += (size_t)n < capture_size - capture_len ? (size_t)n :
			       capture_size - capture_len - 1;
	return n;
}

void stress_capture_libbpf(char *buf, size_t size)
{
	capture_buf = buf;
	capture_size = size;
	capture_len = 0;
	buf[0] = '\0';
	capture_old = libbpf_set_print(capture_print);
}

void stress_capture_end(void)
{
	libbpf_set_print(capture_old);
	capture_buf = NULL;
}
