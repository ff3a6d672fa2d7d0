/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's own mlx5 interface definitions (include/linux/mlx5/mlx5_ifc.h,
 * copied from the kernel source by the Makefile into build/include/mlx5/)
 * made usable in userspace, with the field accessors of
 * include/linux/mlx5/device.h re-implemented on top of them.
 *
 * Every mailbox layout, opcode and field offset in fwctl-bpf's userspace
 * therefore comes from the same file the mlx5 driver is built from.
 */
#ifndef FWCTL_BPF_MLX5_IFC_USER_H
#define FWCTL_BPF_MLX5_IFC_USER_H

#include <endian.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;

#ifndef BIT
#define BIT(n) (1UL << (n))
#endif
#ifndef BIT_ULL
#define BIT_ULL(n) (1ULL << (n))
#endif
#define DECLARE_FLEX_ARRAY(type, name) \
	struct { struct { } __empty_##name; type name[]; }

#include <mlx5/mlx5_ifc.h>

/*
 * The generic command header every mailbox starts with. mlx5_ifc.h spells
 * it out per command; drivers/fwctl/mlx5/main.c defines these two for its
 * validation, and so do we, with the same layout.
 */
struct mlx5_ifc_mbox_in_hdr_bits {
	u8 opcode[0x10];
	u8 uid[0x10];

	u8 reserved_at_20[0x10];
	u8 op_mod[0x10];

	u8 reserved_at_40[0x40];
};

struct mlx5_ifc_mbox_out_hdr_bits {
	u8 status[0x8];
	u8 reserved_at_8[0x18];

	u8 syndrome[0x20];

	u8 reserved_at_40[0x40];
};

/* The following mirror include/linux/mlx5/device.h. */
#define __mlx5_bit_sz(typ, fld) sizeof(((struct mlx5_ifc_##typ##_bits *)0)->fld)
#define __mlx5_bit_off(typ, fld) (offsetof(struct mlx5_ifc_##typ##_bits, fld))
#define __mlx5_dw_off(typ, fld) (__mlx5_bit_off(typ, fld) / 32)
#define __mlx5_dw_bit_off(typ, fld) \
	(32 - __mlx5_bit_sz(typ, fld) - (__mlx5_bit_off(typ, fld) & 0x1f))
#define __mlx5_mask(typ, fld) ((uint32_t)((1ULL << __mlx5_bit_sz(typ, fld)) - 1))
#define __mlx5_dw_mask(typ, fld) (__mlx5_mask(typ, fld) << __mlx5_dw_bit_off(typ, fld))
#define MLX5_ST_SZ_BYTES(typ) (sizeof(struct mlx5_ifc_##typ##_bits) / 8)
#define MLX5_ST_SZ_DW(typ) (sizeof(struct mlx5_ifc_##typ##_bits) / 32)
#define MLX5_BYTE_OFF(typ, fld) (__mlx5_bit_off(typ, fld) / 8)
#define MLX5_FLD_SZ_BYTES(typ, fld) (__mlx5_bit_sz(typ, fld) / 8)
#define MLX5_ADDR_OF(typ, p, fld) ((void *)((uint8_t *)(p) + MLX5_BYTE_OFF(typ, fld)))

#define MLX5_SET(typ, p, fld, v)                                              \
	do {                                                                  \
		uint32_t *__d = (uint32_t *)(p) + __mlx5_dw_off(typ, fld);    \
		uint32_t __v = be32toh(*__d) & ~__mlx5_dw_mask(typ, fld);     \
		__v |= ((uint32_t)(v) & __mlx5_mask(typ, fld))                \
		       << __mlx5_dw_bit_off(typ, fld);                        \
		*__d = htobe32(__v);                                          \
	} while (0)

#define MLX5_GET(typ, p, fld)                                                 \
	((be32toh(*((const uint32_t *)(p) + __mlx5_dw_off(typ, fld))) >>      \
	  __mlx5_dw_bit_off(typ, fld)) & __mlx5_mask(typ, fld))

#define MLX5_GET64(typ, p, fld) \
	be64toh(*((const uint64_t *)(p) + __mlx5_bit_off(typ, fld) / 64))
#define MLX5_SET64(typ, p, fld, v) \
	(*((uint64_t *)(p) + __mlx5_bit_off(typ, fld) / 64) = htobe64(v))

#endif
