/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Thin userspace access to /dev/fwctl/fwctlN (include/uapi/fwctl/fwctl.h):
 * every call returns 0 or a negative errno, never sets errno for the caller
 * to read later.
 */
#ifndef FWCTL_BPF_LIB_FWCTL_H
#define FWCTL_BPF_LIB_FWCTL_H

#include <stddef.h>
#include <stdint.h>
#include <fwctl/fwctl.h>

/* open("/dev/fwctl/fwctlN"); returns the fd or -errno */
int fwctl_open(const char *path);

/* FWCTL_INFO: device type and up to *data_len bytes of driver data;
 * *data_len is set to the length the driver reported.
 */
int fwctl_info(int fd, uint32_t *device_type, void *data, uint32_t *data_len);

/* FWCTL_RPC: on success *out_len is the length the driver returned (which
 * may exceed the buffer; the kernel copies at most the buffer size).
 */
int fwctl_rpc(int fd, enum fwctl_rpc_scope scope, const void *in,
	      uint32_t in_len, void *out, uint32_t *out_len);

/*
 * The BPF hook's per-device attribute /sys/class/fwctl/FWCTL/bpf/ATTR
 * (fail_closed, rpcs, allowed, ...) as a number; -1 if unreadable.
 */
long long fwctl_bpf_attr(const char *fwctl, const char *attr);

const char *fwctl_scope_name(uint32_t scope);
const char *fwctl_device_type_name(uint32_t type);

#endif
