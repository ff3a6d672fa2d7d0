// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <bpf/btf.h>

#include "policy.h"

struct bpf_map *fwctl_policy_ops_map(struct bpf_object *obj)
{
	const struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		const struct btf_type *t;

		if (bpf_map__type(map) != BPF_MAP_TYPE_STRUCT_OPS || !btf)
			continue;
		t = btf__type_by_id(btf, bpf_map__btf_value_type_id(map));
		if (t && !strcmp(btf__name_by_offset(btf, t->name_off), "fwctl_bpf_ops"))
			return map;
	}
	return NULL;
}

void *fwctl_policy_ops_field(struct bpf_object *obj, const char *field, size_t *size)
{
	const struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map = fwctl_policy_ops_map(obj);
	const struct btf_member *m;
	const struct btf_type *t;
	size_t value_size;
	char *value;
	int i;

	if (!map) {
		errno = ENOENT;
		return NULL;
	}
	value = bpf_map__initial_value(map, &value_size);
	t = btf__type_by_id(btf, bpf_map__btf_value_type_id(map));
	if (!value || !t || !btf_is_struct(t)) {
		errno = EINVAL;
		return NULL;
	}
	for (i = 0, m = btf_members(t); i < btf_vlen(t); i++, m++) {
		__s64 msize;

		if (strcmp(btf__name_by_offset(btf, m->name_off), field))
			continue;
		msize = btf__resolve_size(btf, m->type);
		if (msize < 0 || btf_member_bit_offset(t, i) % 8 ||
		    btf_member_bit_offset(t, i) / 8 + (size_t)msize > value_size) {
			errno = EINVAL;
			return NULL;
		}
		*size = msize;
		return value + btf_member_bit_offset(t, i) / 8;
	}
	errno = ENOENT;
	return NULL;
}

int fwctl_policy_set_u32(struct bpf_object *obj, const char *field, uint32_t value)
{
	size_t size;
	void *p = fwctl_policy_ops_field(obj, field, &size);

	if (!p)
		return -errno;
	if (size != sizeof(value))
		return -EINVAL;
	memcpy(p, &value, sizeof(value));
	return 0;
}

int fwctl_policy_set_name(struct bpf_object *obj, const char *name)
{
	size_t size;
	char *p = fwctl_policy_ops_field(obj, "name", &size);

	if (!p)
		return -errno;
	if (!*name || strlen(name) >= size)
		return -ENAMETOOLONG;
	memset(p, 0, size);
	memcpy(p, name, strlen(name));
	return 0;
}
