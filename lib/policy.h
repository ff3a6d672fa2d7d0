/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Working with a policy object's fwctl_bpf_ops struct_ops map before it is
 * loaded: its fields are found by name in the object's BTF, so this works
 * for any policy, with or without a skeleton.
 */
#ifndef FWCTL_BPF_LIB_POLICY_H
#define FWCTL_BPF_LIB_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <bpf/libbpf.h>

struct btf;
struct btf_type;
struct btf_member;

/* The member of struct type @t named @name, or NULL; its index in *@idx */
const struct btf_member *fwctl_btf_member(const struct btf *btf, const struct btf_type *t,
					  const char *name, int *idx);

/* The object's struct_ops map of type fwctl_bpf_ops, or NULL */
struct bpf_map *fwctl_policy_ops_map(struct bpf_object *obj);

/*
 * Pointer to member @field of the initial value of @obj's ops map, with
 * its size in *@size; NULL (errno set) if there is no such member.
 */
void *fwctl_policy_ops_field(struct bpf_object *obj, const char *field, size_t *size);

/* Set a u32 member (device_type, dev_index, prio, flags); 0 or -errno */
int fwctl_policy_set_u32(struct bpf_object *obj, const char *field, uint32_t value);

/* Set the policy's name (truncated names are refused); 0 or -errno */
int fwctl_policy_set_name(struct bpf_object *obj, const char *name);

/*
 * Write @obj's loaded ops map value to the kernel, as libbpf does at
 * attach time (libbpf >= 1.3 writes it only there): program slots get the
 * fds of the programs libbpf loaded, scalar and array members are copied
 * by name from the object's initial value, private members stay zero.
 * Needed before a map can replace another one by BPF_LINK_UPDATE on a
 * link libbpf did not create (a pinned one). Needs the running kernel's
 * BTF (btf__load_vmlinux_btf). Returns 0 or -errno.
 */
int fwctl_policy_write_value(struct bpf_object *obj);

/*
 * The running kernel's BTF that defines type @name of @kind, its id in
 * *@id: vmlinux's, or a module's (split on vmlinux's) when the type lives
 * in a module, as with fwctl.ko built out of tree on a distribution
 * kernel. NULL (errno set) if no kernel BTF has it. Release with
 * fwctl_kernel_btf_put(); vmlinux's BTF is loaded once and kept.
 */
struct btf *fwctl_kernel_btf_find(const char *name, unsigned int kind, int *id);
void fwctl_kernel_btf_put(struct btf *btf);

/* Name of the kernel BTF type of a fwctl_bpf_ops map's value */
#define FWCTL_POLICY_VALUE_TYPE "bpf_struct_ops_fwctl_bpf_ops"

#endif
