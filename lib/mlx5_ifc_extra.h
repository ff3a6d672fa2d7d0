/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mlx5 layouts the Programmer's Reference Manual defines but the kernel's
 * include/linux/mlx5/mlx5_ifc.h does not (yet) carry. The simulated device
 * (drivers/fwctl/mlx5_sim/fw.c) defines the same structures, and so would
 * any driver speaking these commands. Include after mlx5_ifc_user.h.
 */
#ifndef FWCTL_BPF_MLX5_IFC_EXTRA_H
#define FWCTL_BPF_MLX5_IFC_EXTRA_H

#include "mlx5_ifc_user.h"

/* Opcodes drivers/fwctl/mlx5/main.c defines locally */
enum {
	MLX5_CMD_OP_QUERY_DIAGNOSTIC_PARAMS = 0x819,
	MLX5_CMD_OP_SET_DIAGNOSTIC_PARAMS = 0x820,
	MLX5_CMD_OP_QUERY_DIAGNOSTIC_COUNTERS = 0x821,
};

/* PRM "Diagnostic Counters" */
struct mlx5_ifc_diagnostic_counter_id_bits {
	u8 reserved_at_0[0x10];
	u8 counter_id[0x10];
};

struct mlx5_ifc_diagnostic_params_context_bits {
	u8 num_of_counters[0x10];
	u8 reserved_at_10[0x8];
	u8 log_num_of_samples[0x8];

	u8 single[0x1];
	u8 repetitive[0x1];
	u8 sync[0x1];
	u8 clear[0x1];
	u8 on_demand[0x1];
	u8 enable[0x1];
	u8 reserved_at_26[0x12];
	u8 log_sample_period[0x8];

	u8 reserved_at_40[0x80];

	struct mlx5_ifc_diagnostic_counter_id_bits counter_id[];
};

struct mlx5_ifc_query_diagnostic_params_in_bits {
	u8 opcode[0x10];
	u8 uid[0x10];

	u8 reserved_at_20[0x10];
	u8 op_mod[0x10];

	u8 reserved_at_40[0x40];
};

struct mlx5_ifc_query_diagnostic_params_out_bits {
	u8 status[0x8];
	u8 reserved_at_8[0x18];

	u8 syndrome[0x20];

	struct mlx5_ifc_diagnostic_params_context_bits diagnostic_params_context;
};

struct mlx5_ifc_set_diagnostic_params_in_bits {
	u8 opcode[0x10];
	u8 uid[0x10];

	u8 reserved_at_20[0x10];
	u8 op_mod[0x10];

	struct mlx5_ifc_diagnostic_params_context_bits diagnostic_params_context;
};

struct mlx5_ifc_set_diagnostic_params_out_bits {
	u8 status[0x8];
	u8 reserved_at_8[0x18];

	u8 syndrome[0x20];

	u8 reserved_at_40[0x40];
};

struct mlx5_ifc_diagnostic_cntr_struct_bits {
	u8 counter_id[0x10];
	u8 sample_id[0x10];

	u8 time_stamp_31_0[0x20];

	u8 counter_value_h[0x20];

	u8 counter_value_l[0x20];
};

struct mlx5_ifc_query_diagnostic_cntrs_in_bits {
	u8 opcode[0x10];
	u8 uid[0x10];

	u8 reserved_at_20[0x10];
	u8 op_mod[0x10];

	u8 num_of_samples[0x10];
	u8 sample_index[0x10];

	u8 reserved_at_60[0x20];
};

struct mlx5_ifc_query_diagnostic_cntrs_out_bits {
	u8 status[0x8];
	u8 reserved_at_8[0x18];

	u8 syndrome[0x20];

	u8 reserved_at_40[0x40];

	struct mlx5_ifc_diagnostic_cntr_struct_bits diag_counter[];
};

/*
 * MNVDA (register 0x9024), "Management NV Data Access": one non-volatile
 * configuration item (TLV), as mlxconfig reads and writes it. type is
 * type_class << 24 | index (per-port classes carry the port in bits 23:16).
 */
struct mlx5_ifc_mnvda_reg_bits {
	u8 reserved_at_0[0x2];
	u8 priority[0x2];
	u8 reserved_at_4[0x2];
	u8 over_en[0x1];
	u8 rd_en[0x1];
	u8 default_[0x1];
	u8 read_current[0x1];
	u8 reserved_at_a[0x1];
	u8 writer_id[0x5];
	u8 version[0x4];
	u8 writer_host_id[0x3];
	u8 length[0x9];

	u8 type[0x20];

	u8 reserved_at_40[0x20];

	u8 configuration_item_data[0x800];
};

#endif
