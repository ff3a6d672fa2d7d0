// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fwctl/mlx5.h>

#include "file.h"
#include "fwctl.h"
#include "sim.h"

static int sim_path(char *buf, size_t len, int k, const char *file)
{
	int n;

	if (k < 0)
		n = snprintf(buf, len, SIM_DEBUGFS "/%s", file);
	else
		n = snprintf(buf, len, SIM_DEBUGFS "/sim%d/%s", k, file);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int write_file(const char *path, const char *s)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}

static ssize_t sim_text(int k, const char *file, char *buf, size_t len)
{
	char path[128];
	int ret;

	ret = sim_path(path, sizeof(path), k, file);
	if (ret)
		return ret;
	return read_text(path, buf, len);
}

int sim_fwctl_name(int k, char *buf, size_t len)
{
	ssize_t n = sim_text(k, "fwctl", buf, len);

	if (n < 0)
		return n;
	buf[strcspn(buf, "\n")] = '\0';
	return buf[0] ? 0 : -ENODEV;
}

int sim_open(int k)
{
	char name[32], path[64];
	int ret;

	ret = sim_fwctl_name(k, name, sizeof(name));
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/dev/fwctl/%s", name);
	return fwctl_open(path);
}

int sim_exists(int k)
{
	char path[128];

	snprintf(path, sizeof(path), SIM_DEBUGFS "/sim%d", k);
	return access(path, F_OK) == 0;
}

long long sim_executed(int k)
{
	char buf[64];
	ssize_t n = sim_text(k, "executed", buf, sizeof(buf));

	return n < 0 ? n : strtoll(buf, NULL, 10);
}

long long sim_opcode_count(int k, uint16_t opcode)
{
	char buf[4096], *line, *save = NULL;
	ssize_t n = sim_text(k, "opcodes", buf, sizeof(buf));
	unsigned int op;
	long long count;

	if (n < 0)
		return n;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "0x%x %lld", &op, &count) == 2 && op == opcode)
			return count;
	return 0;
}

int sim_reset_counters(int k)
{
	char path[128];

	sim_path(path, sizeof(path), k, "opcodes");
	return write_file(path, "0");
}

ssize_t sim_last_in(int k, void *buf, size_t len)
{
	char path[128];

	sim_path(path, sizeof(path), k, "last_in");
	return read_file(path, buf, len);
}

ssize_t sim_state(int k, char *buf, size_t len)
{
	return sim_text(k, "state", buf, len);
}

int sim_add(void)
{
	return write_file(SIM_DEBUGFS "/add", "1");
}

int sim_add_private(void)
{
	return sim_add_private_kind("1");
}

int sim_add_private_kind(const char *kind)
{
	int ret = write_file(SIM_DEBUGFS "/add", kind), k;

	if (ret)
		return ret;
	/* add takes the lowest free index: the new one is the highest */
	for (k = 63; k >= 0; k--)
		if (sim_exists(k))
			return k;
	return -ENODEV;
}

int sim_remove(int k)
{
	char s[16];

	snprintf(s, sizeof(s), "%d", k);
	return write_file(SIM_DEBUGFS "/remove", s);
}

int sim_fault(int k, const char *spec)
{
	char path[128];

	sim_path(path, sizeof(path), k, "fault");
	return write_file(path, spec);
}

int sim_fault_get(int k, char *buf, size_t len)
{
	ssize_t n = sim_text(k, "fault", buf, len);

	if (n < 0)
		return n;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int sim_info(int fd, uint32_t *uid, uint32_t *uctx_caps)
{
	struct fwctl_info_mlx5 info = { 0 };
	uint32_t len = sizeof(info), type = 0;
	int ret;

	ret = fwctl_info(fd, &type, &info, &len);
	if (ret)
		return ret;
	if (type != FWCTL_DEVICE_TYPE_MLX5 || len != sizeof(info))
		return -EPROTO;
	if (uid)
		*uid = info.uid;
	if (uctx_caps)
		*uctx_caps = info.uctx_caps;
	return 0;
}

void sim_hdr(void *in, uint16_t opcode, uint16_t op_mod)
{
	MLX5_SET(mbox_in_hdr, in, opcode, opcode);
	MLX5_SET(mbox_in_hdr, in, op_mod, op_mod);
}

int sim_rpc(int fd, uint16_t opcode)
{
	uint8_t in[16] = {}, out[256];
	uint32_t len = sizeof(out);

	sim_hdr(in, opcode, 0);
	return fwctl_rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, sizeof(in), out, &len);
}

uint8_t sim_status(const void *out)
{
	return MLX5_GET(mbox_out_hdr, out, status);
}

uint32_t sim_syndrome(const void *out)
{
	return MLX5_GET(mbox_out_hdr, out, syndrome);
}

int sim_access_reg(int fd, enum fwctl_rpc_scope scope, uint16_t reg_id,
		   int op_mod, const void *reg, size_t reg_len, void *reg_out,
		   uint8_t *status)
{
	size_t in_len = MLX5_ST_SZ_BYTES(access_register_in) + reg_len;
	size_t out_len = MLX5_ST_SZ_BYTES(access_register_out) + reg_len;
	uint8_t *in = calloc(1, in_len), *out = calloc(1, out_len);
	uint32_t olen = out_len;
	int ret = -ENOMEM;

	if (!in || !out)
		goto out;
	sim_hdr(in, MLX5_CMD_OP_ACCESS_REG, op_mod);
	MLX5_SET(access_register_in, in, register_id, reg_id);
	memcpy(in + MLX5_ST_SZ_BYTES(access_register_in), reg, reg_len);
	ret = fwctl_rpc(fd, scope, in, in_len, out, &olen);
	if (!ret) {
		*status = sim_status(out);
		if (reg_out)
			memcpy(reg_out, out + MLX5_ST_SZ_BYTES(access_register_out),
			       reg_len);
	}
out:
	free(in);
	free(out);
	return ret;
}

void sim_restore(void)
{
	int k;

	for (k = 0; k < 2; k++)
		if (!sim_exists(k))
			sim_add();
	for (k = 2; k < 64; k++)
		if (sim_exists(k))
			sim_remove(k);
	for (k = 0; k < 2; k++)
		sim_fault(k, "off");
}
