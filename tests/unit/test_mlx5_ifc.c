// SPDX-License-Identifier: GPL-2.0
/*
 * lib/mlx5_ifc_user.h re-implements the kernel's MLX5_SET/MLX5_GET over the
 * kernel's own mlx5_ifc.h. These tests pin the byte layout a real ConnectX
 * expects (big-endian dwords, PRM bit offsets), so every tool built on it
 * encodes mailboxes the way the mlx5 driver does.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "fwctl.h"
#include "mlx5_ifc_user.h"
#include "mlx5_names.h"

Test(mlx5_ifc, encodes_the_mailbox_header_big_endian)
{
	uint8_t in[MLX5_ST_SZ_BYTES(query_hca_cap_in)] = { 0 };

	MLX5_SET(query_hca_cap_in, in, opcode, MLX5_CMD_OP_QUERY_HCA_CAP);
	MLX5_SET(query_hca_cap_in, in, op_mod, 0x1234);
	cr_assert_eq(sizeof(in), 16);
	cr_assert_eq(in[0], 0x01);
	cr_assert_eq(in[1], 0x00);
	cr_assert_eq(in[6], 0x12);
	cr_assert_eq(in[7], 0x34);
	cr_assert_eq(MLX5_GET(query_hca_cap_in, in, opcode), 0x100);
	cr_assert_eq(MLX5_GET(query_hca_cap_in, in, op_mod), 0x1234);
}

Test(mlx5_ifc, sets_a_field_without_touching_its_neighbours)
{
	uint8_t in[MLX5_ST_SZ_BYTES(access_register_in)];

	memset(in, 0xff, sizeof(in));
	MLX5_SET(access_register_in, in, register_id, 0x9014);
	cr_assert_eq(in[10], 0x90);
	cr_assert_eq(in[11], 0x14);
	cr_assert_eq(in[8], 0xff);
	cr_assert_eq(in[9], 0xff);
	cr_assert_eq(in[12], 0xff);
	cr_assert_eq(MLX5_GET(access_register_in, in, register_id), 0x9014);
}

Test(mlx5_ifc, reads_sub_byte_fields_at_prm_bit_offsets)
{
	uint8_t out[MLX5_ST_SZ_BYTES(mbox_out_hdr)] = { 0 };

	out[0] = 0x03;			/* status: BAD_PARAM */
	out[4] = 0xde; out[5] = 0xad; out[6] = 0xbe; out[7] = 0xef;
	cr_assert_eq(MLX5_GET(mbox_out_hdr, out, status), 0x03);
	cr_assert_eq(MLX5_GET(mbox_out_hdr, out, syndrome), 0xdeadbeef);
	cr_assert_eq(MLX5_GET(query_issi_out, out, syndrome), 0xdeadbeef);
}

Test(fwctl_lib, names_scopes_and_device_types)
{
	cr_assert_str_eq(fwctl_scope_name(FWCTL_RPC_DEBUG_READ_ONLY), "debug_read_only");
	cr_assert_str_eq(fwctl_scope_name(FWCTL_RPC_DEBUG_WRITE_FULL), "debug_write_full");
	cr_assert_str_eq(fwctl_scope_name(4), "unknown");
	cr_assert_str_eq(fwctl_device_type_name(FWCTL_DEVICE_TYPE_MLX5), "mlx5");
	cr_assert_str_eq(fwctl_device_type_name(0), "unknown");
}

Test(mlx5_names, names_opcodes_registers_and_statuses_from_the_kernel_source)
{
	cr_assert_str_eq(mlx5_opcode_name(MLX5_CMD_OP_QUERY_HCA_CAP), "QUERY_HCA_CAP");
	cr_assert_str_eq(mlx5_opcode_name(MLX5_CMD_OP_ACCESS_REG), "ACCESS_REG");
	cr_assert_str_eq(mlx5_register_name(0x9014), "MCIA");
	cr_assert_str_eq(mlx5_status_name(0x3), "BAD_PARAM_ERR");
	cr_assert_null(mlx5_opcode_name(0xfffe));
	cr_assert_eq(mlx5_opcode_by_name("query_adapter"), MLX5_CMD_OP_QUERY_ADAPTER);
	cr_assert_eq(mlx5_register_by_name("MNVDA"), 0x9024);
	cr_assert_eq(mlx5_register_by_name("NOPE"), -1);
}
