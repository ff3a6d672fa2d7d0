// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "live.h"
#include "policy.h"

/* The kernel BTF of fwctl_bpf_ops: vmlinux's or fwctl.ko's, kept */
static const struct btf *kernel_btf(void)
{
	static struct btf *btf;
	int id;

	if (!btf)
		btf = fwctl_kernel_btf_find(FWCTL_POLICY_VALUE_TYPE, BTF_KIND_STRUCT, &id);
	return btf;
}

/* Member @name of @t and its byte offset in *@off, or NULL */
static const struct btf_member *member(const struct btf *btf, const struct btf_type *t,
				       const char *name, __u32 *off)
{
	const struct btf_member *m;
	int idx;

	m = fwctl_btf_member(btf, t, name, &idx);
	if (m)
		*off = btf_member_bit_offset(t, idx) / 8;
	return m;
}

static uint32_t get_u32(const struct btf *btf, const struct btf_type *t, const char *v,
			const char *name)
{
	uint32_t x = 0;
	__u32 off;

	if (member(btf, t, name, &off))
		memcpy(&x, v + off, sizeof(x));
	return x;
}

int live_policy_read_map(int map_fd, struct live_policy *p)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), off, zero = 0;
	const struct btf *btf = kernel_btf();
	const struct btf_member *data;
	const struct btf_type *vt, *ops;
	unsigned long prog;
	char *value;
	int err;

	if (!btf)
		return -errno;
	if (bpf_map_get_info_by_fd(map_fd, &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_STRUCT_OPS || !info.btf_vmlinux_value_type_id)
		return -ENOTSUP;
	vt = btf__type_by_id(btf, info.btf_vmlinux_value_type_id);
	if (!vt || strcmp(btf__name_by_offset(btf, vt->name_off), FWCTL_POLICY_VALUE_TYPE))
		return -ENOTSUP;
	data = member(btf, vt, "data", &off);
	if (!data)
		return -EINVAL;
	ops = btf__type_by_id(btf, btf__resolve_type(btf, data->type));
	value = calloc(1, info.value_size);
	if (!value)
		return -ENOMEM;
	err = bpf_map_lookup_elem(map_fd, &zero, value) ? -errno : 0;
	if (!err) {
		const char *d = value + off;
		__u32 moff;

		p->map_id = info.id;
		snprintf(p->map_name, sizeof(p->map_name), "%s", info.name);
		p->device_type = get_u32(btf, ops, d, "device_type");
		p->dev_index = get_u32(btf, ops, d, "dev_index");
		p->prio = get_u32(btf, ops, d, "prio");
		p->flags = get_u32(btf, ops, d, "flags");
		if (member(btf, ops, "name", &moff))
			snprintf(p->name, sizeof(p->name), "%.15s", d + moff);
		if (member(btf, ops, "rpc_filter", &moff)) {
			memcpy(&prog, d + moff, sizeof(prog));
			p->filter_prog_id = prog;
		}
		if (member(btf, ops, "rpc_done", &moff)) {
			memcpy(&prog, d + moff, sizeof(prog));
			p->done_prog_id = prog;
		}
	}
	free(value);
	return err;
}

int live_link_open(const char *path, uint32_t *link_id, uint32_t *map_id)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path), err;

	if (fd < 0)
		return -errno;
	if (bpf_link_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		close(fd);
		return err == -EINVAL ? -ENOTSUP : err;	/* not a link */
	}
	if (info.type != BPF_LINK_TYPE_STRUCT_OPS) {
		close(fd);
		return -ENOTSUP;
	}
	if (link_id)
		*link_id = info.id;
	if (map_id)
		*map_id = info.struct_ops.map_id;
	return fd;
}

/* Link pins anywhere under /sys/fs/bpf: ours and bpftool's LINK_DIRs. */
static struct live_policy *walk_list;
static int walk_n;

static int walk_pin(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	uint32_t id;
	int fd, i;

	if (flag != FTW_F)
		return 0;
	fd = live_link_open(path, &id, NULL);
	if (fd < 0)
		return 0;
	close(fd);
	for (i = 0; i < walk_n; i++) {
		if (walk_list[i].link_id == id && !walk_list[i].pinned[0]) {
			snprintf(walk_list[i].pinned, sizeof(walk_list[i].pinned), "%s", path);
			walk_list[i].pinned_at = st->st_ctime;
		}
	}
	return 0;
}

static int by_order(const void *a, const void *b)
{
	const struct live_policy *x = a, *y = b;

	if (x->prio != y->prio)
		return x->prio < y->prio ? -1 : 1;
	return x->link_id < y->link_id ? -1 : x->link_id > y->link_id;
}

int live_policies(struct live_policy **out)
{
	struct live_policy *list = NULL, *tmp;
	__u32 id = 0;
	int n = 0, i, err;

	while (!(err = bpf_link_get_next_id(id, &id))) {
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		struct live_policy p = {};
		int fd = bpf_link_get_fd_by_id(id), mfd;

		if (fd < 0)
			continue;	/* gone meanwhile */
		err = bpf_link_get_info_by_fd(fd, &info, &len);
		close(fd);
		if (err || info.type != BPF_LINK_TYPE_STRUCT_OPS)
			continue;
		mfd = bpf_map_get_fd_by_id(info.struct_ops.map_id);
		if (mfd < 0)
			continue;
		err = live_policy_read_map(mfd, &p);
		close(mfd);
		if (err)
			continue;
		p.link_id = id;
		tmp = realloc(list, (n + 1) * sizeof(*list));
		if (!tmp) {
			free(list);
			return -ENOMEM;
		}
		list = tmp;
		list[n++] = p;
	}
	if (err != -ENOENT) {
		free(list);
		return err;
	}
	walk_list = list;
	walk_n = n;
	if (n)
		nftw("/sys/fs/bpf", walk_pin, 16, FTW_PHYS | FTW_MOUNT);
	qsort(list, n, sizeof(*list), by_order);
	for (i = 0; i < n; i++)
		list[i].order = i + 1;
	*out = list;
	return n;
}
