// SPDX-License-Identifier: GPL-2.0
/*
 * One name per policy (docs/policies.md): for every object of the policy
 * library, the file's stem after its target (mlx5__deny_nv_write.bpf.o:
 * deny_nv_write) is its ops map's name (what bpftool pins the link under)
 * and its ops' .name (what the kernel, list, the pin directory and the
 * audit record carry).
 */
#include <criterion/criterion.h>
#include <glob.h>
#include <libgen.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "policy.h"

#define POLICIES	"build/policies/*.bpf.o"

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

Test(policy_names, every_policy_has_one_name_from_file_to_pin)
{
	glob_t g;
	size_t i;

	cr_assert_eq(glob(POLICIES, 0, NULL, &g), 0, "no %s (make policies)", POLICIES);
	cr_assert_geq(g.gl_pathc, 9, "the library has fewer policies than it documents");
	for (i = 0; i < g.gl_pathc; i++) {
		struct bpf_object *obj = bpf_object__open_file(g.gl_pathv[i], NULL);
		char name[16];
		const char *ops_name;
		struct bpf_map *ops;
		size_t size;

		cr_assert(obj, "%s does not open", g.gl_pathv[i]);
		name_of(g.gl_pathv[i], name, sizeof(name));
		ops = fwctl_policy_ops_map(obj);
		cr_assert(ops, "%s has no fwctl_bpf_ops map", g.gl_pathv[i]);
		cr_assert_str_eq(bpf_map__name(ops), name, "%s: FWCTL_BPF_OPS(%s), not (%s)",
				 g.gl_pathv[i], bpf_map__name(ops), name);
		ops_name = fwctl_policy_ops_field(obj, "name", &size);
		cr_assert(ops_name, "%s: no .name", g.gl_pathv[i]);
		cr_assert_str_eq(ops_name, name, "%s: .name = \"%s\", not \"%s\"", g.gl_pathv[i],
				 ops_name, name);
		bpf_object__close(obj);
	}
	globfree(&g);
}
