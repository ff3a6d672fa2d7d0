// SPDX-License-Identifier: GPL-2.0
#include <stddef.h>
#include <strings.h>

#include <mlx5/fwctl_mlx5_names.h>

#include "mlx5_names.h"

struct mlx5_name {
	unsigned int value;
	const char *name;
};

#define ENTRY(v, n) { v, #n },
static const struct mlx5_name opcodes[] = { FWCTL_MLX5_OPCODES(ENTRY) };
static const struct mlx5_name registers[] = { FWCTL_MLX5_REGISTERS(ENTRY) };
static const struct mlx5_name statuses[] = { FWCTL_MLX5_STATUSES(ENTRY) };
#undef ENTRY

#define TABLE_LEN(t) (sizeof(t) / sizeof((t)[0]))

static const char *lookup(const struct mlx5_name *t, size_t n, unsigned int value)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].value == value)
			return t[i].name;
	return NULL;
}

static int lookup_name(const struct mlx5_name *t, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcasecmp(t[i].name, name))
			return t[i].value;
	return -1;
}

const char *mlx5_opcode_name(uint16_t opcode)
{
	return lookup(opcodes, TABLE_LEN(opcodes), opcode);
}

const char *mlx5_register_name(uint16_t register_id)
{
	return lookup(registers, TABLE_LEN(registers), register_id);
}

const char *mlx5_status_name(uint8_t status)
{
	return lookup(statuses, TABLE_LEN(statuses), status);
}

int mlx5_opcode_by_name(const char *name)
{
	return lookup_name(opcodes, TABLE_LEN(opcodes), name);
}

int mlx5_register_by_name(const char *name)
{
	return lookup_name(registers, TABLE_LEN(registers), name);
}
