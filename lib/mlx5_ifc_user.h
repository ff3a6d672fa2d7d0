/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace entry point to the kernel's mlx5 interface definitions and
 * MLX5_SET/MLX5_GET (bpf/mlx5_ifc_common.h, shared with BPF policies),
 * plus the big-endian 64-bit accessors only userspace needs.
 */
#ifndef FWCTL_BPF_MLX5_IFC_USER_H
#define FWCTL_BPF_MLX5_IFC_USER_H

#include "mlx5_ifc_common.h"

#define MLX5_GET64(typ, p, fld) \
	be64toh(*((const uint64_t *)(p) + __mlx5_bit_off(typ, fld) / 64))
#define MLX5_SET64(typ, p, fld, v) \
	(*((uint64_t *)(p) + __mlx5_bit_off(typ, fld) / 64) = htobe64(v))

#endif
