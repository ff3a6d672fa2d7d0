// SPDX-License-Identifier: GPL-2.0
/*
 * One name per policy (docs/policies.md): for every object of the policy
 * library, the file's stem after its target (mlx5__deny_nv_write.bpf.o:
 * deny_nv_write) is its ops map's name (what bpftool pins the link under)
 * and its ops' .name (what the kernel, list, the pin directory and the
 * audit record carry).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "policy.h"

/* The objects the library's sources build, as make check-unit lists them */
#define POLICIES	"FWCTL_BPF_POLICY_OBJS"

/* @path's name: the stem between "TARGET__" and ".bpf.o" */
static void name_of(const char *path, char *buf, size_t size)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	const char *name = strstr(base, "__");

	cr_assert(name, "%s: not TARGET__NAME.bpf.o", path);
	name += 2;
	cr_assert_lt(strcspn(name, "."), size, "%s: name too long", path);
	snprintf(buf, strcspn(name, ".") + 1, "%s", name);
}

static void check_one(const char *path)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	const char *ops_name;
	struct bpf_map *ops;
	char name[16];
	size_t size;

	cr_assert(obj, "%s does not open", path);
	name_of(path, name, sizeof(name));
	ops = fwctl_policy_ops_map(obj);
	cr_assert(ops, "%s has no fwctl_bpf_ops map", path);
	cr_assert_str_eq(bpf_map__name(ops), name, "%s: FWCTL_BPF_OPS(%s), not (%s)", path,
			 bpf_map__name(ops), name);
	ops_name = fwctl_policy_ops_field(obj, "name", &size);
	cr_assert(ops_name, "%s: no .name", path);
	cr_assert_str_eq(ops_name, name, "%s: .name = \"%s\", not \"%s\"", path, ops_name, name);
	bpf_object__close(obj);
}

Test(policy_names, every_policy_has_one_name_from_file_to_pin)
{
	const char *list = getenv(POLICIES);
	char *copy, *path, *save = NULL;
	int n = 0;

	cr_assert(list && *list, "$%s is not set (make check-unit sets it)", POLICIES);
	copy = strdup(list);
	cr_assert(copy);
	for (path = strtok_r(copy, " ", &save); path; path = strtok_r(NULL, " ", &save), n++)
		check_one(path);
	free(copy);
	cr_assert_geq(n, 9, "the library has fewer policies than it documents");
}
