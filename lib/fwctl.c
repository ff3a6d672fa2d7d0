// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fwctl.h"

int fwctl_open(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int fwctl_info(int fd, uint32_t *device_type, void *data, uint32_t *data_len)
{
	struct fwctl_info info = {
		.size = sizeof(info),
		.device_data_len = data_len ? *data_len : 0,
		.out_device_data = (uintptr_t)data,
	};

	if (ioctl(fd, FWCTL_INFO, &info))
		return -errno;
	if (device_type)
		*device_type = info.out_device_type;
	if (data_len)
		*data_len = info.device_data_len;
	return 0;
}

int fwctl_rpc(int fd, enum fwctl_rpc_scope scope, const void *in,
	      uint32_t in_len, void *out, uint32_t *out_len)
{
	struct fwctl_rpc rpc = {
		.size = sizeof(rpc),
		.scope = scope,
		.in_len = in_len,
		.out_len = *out_len,
		.in = (uintptr_t)in,
		.out = (uintptr_t)out,
	};

	if (ioctl(fd, FWCTL_RPC, &rpc))
		return -errno;
	*out_len = rpc.out_len;
	return 0;
}

long long fwctl_bpf_attr(const char *fwctl, const char *attr)
{
	long long v = -1;
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/fwctl/%s/bpf/%s", fwctl, attr);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

const char *fwctl_scope_name(uint32_t scope)
{
	static const char *const names[] = {
		[FWCTL_RPC_CONFIGURATION] = "configuration",
		[FWCTL_RPC_DEBUG_READ_ONLY] = "debug_read_only",
		[FWCTL_RPC_DEBUG_WRITE] = "debug_write",
		[FWCTL_RPC_DEBUG_WRITE_FULL] = "debug_write_full",
	};

	return scope < sizeof(names) / sizeof(names[0]) ? names[scope] : "unknown";
}

const char *fwctl_device_type_name(uint32_t type)
{
	switch (type) {
	case FWCTL_DEVICE_TYPE_MLX5: return "mlx5";
	case FWCTL_DEVICE_TYPE_CXL: return "cxl";
	case FWCTL_DEVICE_TYPE_BNXT: return "bnxt";
	case FWCTL_DEVICE_TYPE_PDS: return "pds";
	default: return "unknown";
	}
}
