/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's own mlx5 interface definitions (include/linux/mlx5/mlx5_ifc.h,
 * copied from the kernel source by the Makefile into build/include/mlx5/)
 * for BPF policies and userspace alike, with the field accessors of
 * include/linux/mlx5/device.h re-implemented on top of them.
 *
 * Every mailbox layout and field offset in fwctl-bpf comes from the same
 * file the mlx5 driver is built from. BPF programs include this after
 * vmlinux.h (which provides u8); userspace includes lib/mlx5_ifc_user.h.
 */
#ifndef FWCTL_BPF_MLX5_IFC_COMMON_H
#define FWCTL_BPF_MLX5_IFC_COMMON_H

#ifdef __bpf__
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>	/* offsetof */
typedef __u32 fwctl_mlx5_dw;
#define fwctl_mlx5_be32_to_cpu(x) bpf_ntohl(x)
#define fwctl_mlx5_cpu_to_be32(x) bpf_htonl(x)
#else
#include <endian.h>
#include <stddef.h>
#include <stdint.h>
typedef uint8_t u8;
typedef uint32_t fwctl_mlx5_dw;
#define fwctl_mlx5_be32_to_cpu(x) be32toh(x)
#define fwctl_mlx5_cpu_to_be32(x) htobe32(x)
#endif

#ifndef BIT
#define BIT(n) (1UL << (n))
#endif
#ifndef BIT_ULL
#define BIT_ULL(n) (1ULL << (n))
#endif
#ifndef DECLARE_FLEX_ARRAY
#define DECLARE_FLEX_ARRAY(type, name) \
	struct { struct { } __empty_##name; type name[]; }
#endif

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
#define __mlx5_mask(typ, fld) ((fwctl_mlx5_dw)((1ULL << __mlx5_bit_sz(typ, fld)) - 1))
#define __mlx5_dw_mask(typ, fld) (__mlx5_mask(typ, fld) << __mlx5_dw_bit_off(typ, fld))
#define MLX5_ST_SZ_BYTES(typ) (sizeof(struct mlx5_ifc_##typ##_bits) / 8)
#define MLX5_ST_SZ_DW(typ) (sizeof(struct mlx5_ifc_##typ##_bits) / 32)
#define MLX5_BYTE_OFF(typ, fld) (__mlx5_bit_off(typ, fld) / 8)
#define MLX5_FLD_SZ_BYTES(typ, fld) (__mlx5_bit_sz(typ, fld) / 8)
#define MLX5_ADDR_OF(typ, p, fld) ((void *)((u8 *)(p) + MLX5_BYTE_OFF(typ, fld)))

#define MLX5_SET(typ, p, fld, v)                                              \
	do {                                                                  \
		fwctl_mlx5_dw *__d = (fwctl_mlx5_dw *)(p) + __mlx5_dw_off(typ, fld); \
		fwctl_mlx5_dw __v = fwctl_mlx5_be32_to_cpu(*__d) &            \
				    ~__mlx5_dw_mask(typ, fld);                \
		__v |= ((fwctl_mlx5_dw)(v) & __mlx5_mask(typ, fld))           \
		       << __mlx5_dw_bit_off(typ, fld);                        \
		*__d = fwctl_mlx5_cpu_to_be32(__v);                           \
	} while (0)

#define MLX5_GET(typ, p, fld)                                                 \
	((fwctl_mlx5_be32_to_cpu(*((const fwctl_mlx5_dw *)(p) +               \
				   __mlx5_dw_off(typ, fld))) >>               \
	  __mlx5_dw_bit_off(typ, fld)) & __mlx5_mask(typ, fld))

/*
 * ACCESS_REG's op_mod: mlx5_core_access_reg() (drivers/net/ethernet/
 * mellanox/mlx5/core/port.c) sends 0 to write a register and 1 to read
 * it; drivers/fwctl/mlx5/main.c treats op_mod 0 as the write.
 */
#define FWCTL_MLX5_ACCESS_REG_WRITE	0
#define FWCTL_MLX5_ACCESS_REG_READ	1

#endif
