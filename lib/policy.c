// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "policy.h"

static struct btf *vmlinux_btf;

struct btf *fwctl_kernel_btf_find(const char *name, unsigned int kind, int *id)
{
	__u32 bid = 0;

	if (!vmlinux_btf && !(vmlinux_btf = btf__load_vmlinux_btf()))
		return NULL;
	*id = btf__find_by_name_kind(vmlinux_btf, name, kind);
	if (*id > 0)
		return vmlinux_btf;
	/* module BTFs: every kernel BTF object but vmlinux's */
	while (!bpf_btf_get_next_id(bid, &bid)) {
		struct bpf_btf_info info = {};
		__u32 len = sizeof(info);
		char bname[64] = "";
		struct btf *btf;
		int fd;

		fd = bpf_btf_get_fd_by_id(bid);
		if (fd < 0)
			continue;
		info.name = (__u64)(unsigned long)bname;
		info.name_len = sizeof(bname);
		if (bpf_btf_get_info_by_fd(fd, &info, &len) || !info.kernel_btf ||
		    !strcmp(bname, "vmlinux")) {
			close(fd);
			continue;
		}
		close(fd);
		btf = btf__load_from_kernel_by_id_split(bid, vmlinux_btf);
		if (!btf)
			continue;
		*id = btf__find_by_name_kind(btf, name, kind);
		if (*id > 0)
			return btf;
		btf__free(btf);
	}
	errno = ENOENT;
	return NULL;
}

void fwctl_kernel_btf_put(struct btf *btf)
{
	if (btf && btf != vmlinux_btf)
		btf__free(btf);
}

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
	__s64 msize;
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
	m = fwctl_btf_member(btf, t, field, &i);
	if (!m) {
		errno = ENOENT;
		return NULL;
	}
	msize = btf__resolve_size(btf, m->type);
	if (msize < 0 || btf_member_bit_offset(t, i) % 8 ||
	    btf_member_bit_offset(t, i) / 8 + (size_t)msize > value_size) {
		errno = EINVAL;
		return NULL;
	}
	*size = msize;
	return value + btf_member_bit_offset(t, i) / 8;
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

const struct btf_member *fwctl_btf_member(const struct btf *btf, const struct btf_type *t,
					  const char *name, int *idx)
{
	const struct btf_member *m = btf_members(t);
	int i;

	for (i = 0; i < btf_vlen(t); i++, m++) {
		if (!strcmp(btf__name_by_offset(btf, m->name_off), name)) {
			*idx = i;
			return m;
		}
	}
	return NULL;
}

static bool is_func_ptr(const struct btf *btf, __u32 type_id)
{
	const struct btf_type *t = btf__type_by_id(btf, type_id);

	while (t && btf_is_mod(t))
		t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_ptr(t))
		return false;
	t = btf__type_by_id(btf, t->type);
	while (t && btf_is_mod(t))
		t = btf__type_by_id(btf, t->type);
	return t && btf_is_func_proto(t);
}

/* Members copied as bytes: integers, enums and arrays of them. */
static bool is_plain_data(const struct btf *btf, __u32 type_id)
{
	const struct btf_type *t = btf__type_by_id(btf, btf__resolve_type(btf, type_id));

	return t && (btf_is_int(t) || btf_is_any_enum(t) || btf_is_array(t));
}

static int fill_value(const struct btf *kbtf, const struct btf_type *kops, char *kdata,
		      const struct btf *obtf, const struct btf_type *oops, const char *odata,
		      size_t osize)
{
	const struct btf_member *km = btf_members(kops);
	int i;

	for (i = 0; i < btf_vlen(kops); i++, km++) {
		const char *name = btf__name_by_offset(kbtf, km->name_off);
		__u32 koff = btf_member_bit_offset(kops, i) / 8;
		const struct btf_member *om;
		__s64 ksize, osz;
		__u32 ooff;
		int oi;

		om = fwctl_btf_member(obtf, oops, name, &oi);
		if (!om)
			continue;	/* not set by the object: stays zero */
		ooff = btf_member_bit_offset(oops, oi) / 8;
		if (is_func_ptr(kbtf, km->type)) {
			const struct bpf_program *prog;
			unsigned long fd;

			if (ooff + sizeof(prog) > osize)
				return -EINVAL;
			memcpy(&prog, odata + ooff, sizeof(prog));
			if (!prog)
				continue;
			fd = bpf_program__fd(prog);
			if ((long)fd < 0)
				return -EBADF;
			memcpy(kdata + koff, &fd, sizeof(fd));
			continue;
		}
		if (!is_plain_data(kbtf, km->type) || btf_member_bitfield_size(kops, i))
			continue;	/* private (list, pointers): stays zero */
		ksize = btf__resolve_size(kbtf, km->type);
		osz = btf__resolve_size(obtf, om->type);
		if (ksize < 0 || osz != ksize || ooff + (size_t)osz > osize)
			return -EINVAL;
		memcpy(kdata + koff, odata + ooff, ksize);
	}
	return 0;
}

int fwctl_policy_write_value(struct bpf_object *obj)
{
	const struct btf *obtf = bpf_object__btf(obj);
	struct bpf_map *map = fwctl_policy_ops_map(obj);
	const struct btf_type *vt, *kops, *oops;
	const struct btf_member *data;
	struct btf *kbtf;
	size_t osize;
	const char *odata;
	char *value = NULL;
	__u32 zero = 0;
	int vid;
	int err, idx;

	if (!map)
		return -ENOENT;
	if (bpf_map__fd(map) < 0)
		return -EBADF;		/* not loaded */
	odata = bpf_map__initial_value(map, &osize);
	oops = btf__type_by_id(obtf, bpf_map__btf_value_type_id(map));
	if (!odata || !oops || !btf_is_struct(oops))
		return -EINVAL;

	kbtf = fwctl_kernel_btf_find(FWCTL_POLICY_VALUE_TYPE, BTF_KIND_STRUCT, &vid);
	if (!kbtf)
		return -errno;
	err = -EINVAL;
	vt = btf__type_by_id(kbtf, vid);
	if (vt->size != bpf_map__value_size(map))
		goto out;
	data = fwctl_btf_member(kbtf, vt, "data", &idx);
	if (!data)
		goto out;
	kops = btf__type_by_id(kbtf, btf__resolve_type(kbtf, data->type));
	if (!kops || !btf_is_struct(kops))
		goto out;
	err = -ENOMEM;
	value = calloc(1, vt->size);
	if (!value)
		goto out;
	err = fill_value(kbtf, kops, value + btf_member_bit_offset(vt, idx) / 8, obtf, oops,
			 odata, osize);
	if (err)
		goto out;
	err = bpf_map_update_elem(bpf_map__fd(map), &zero, value, 0) ? -errno : 0;
out:
	free(value);
	fwctl_kernel_btf_put(kbtf);
	return err;
}
