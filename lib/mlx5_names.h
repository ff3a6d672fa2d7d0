/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names of mlx5 opcodes, access registers and command statuses, for logs,
 * audit records and the CLI. The tables are generated from the kernel
 * source (scripts/gen-mlx5-names.sh); names are the kernel's without the
 * MLX5_CMD_OP_ / MLX5_REG_ / MLX5_CMD_STAT_ prefix.
 */
#ifndef FWCTL_BPF_LIB_MLX5_NAMES_H
#define FWCTL_BPF_LIB_MLX5_NAMES_H

#include <stdint.h>

/* NULL when the value has no name */
const char *mlx5_opcode_name(uint16_t opcode);
const char *mlx5_register_name(uint16_t register_id);
const char *mlx5_status_name(uint8_t status);

/* Reverse lookups, case-insensitive; -1 when unknown */
int mlx5_opcode_by_name(const char *name);
int mlx5_register_by_name(const char *name);

#endif
