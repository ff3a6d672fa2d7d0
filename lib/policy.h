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

#endif
