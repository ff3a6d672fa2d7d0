// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated mlx5 fwctl device alone (no policy attached): the fwctl
 * contract of drivers/fwctl/mlx5, the firmware model's commands and state,
 * bad inputs, fault injection and unplug. See docs/simulator.md.
 *
 * Tests that change firmware state do it on a device of their own (sim2,
 * added by the test); sim_restore() puts back sim0 and sim1 without faults
 * and removes every other device, before and after each test.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fwctl.h"
#include "sim.h"

static void setup(void)
{
	sim_restore();
	cr_assert(sim_exists(0) && sim_exists(1), "simulated devices sim0/sim1 missing");
}

TestSuite(sim, .init = setup, .fini = sim_restore);

/* A device for tests that change firmware state; removed by sim_restore() */
static int private_device(void)
{
	int k = sim_add_private();

	cr_assert_eq(k, 2, "sim_add did not create sim2: %d", k);
	return k;
}

static int open_dev(int k)
{
	int fd = sim_open(k);

	cr_assert_geq(fd, 0, "open sim%d: %s", k, strerror(-fd));
	return fd;
}

/* An RPC that must reach the firmware: returns the mailbox status */
static uint8_t rpc_status(int fd, enum fwctl_rpc_scope scope, void *in,
			  uint32_t in_len, void *out, uint32_t out_len)
{
	uint32_t len = out_len;
	int ret = fwctl_rpc(fd, scope, in, in_len, out, &len);

	cr_assert_eq(ret, 0, "fwctl_rpc: %s", strerror(-ret));
	cr_assert_eq(len, out_len);
	return sim_status(out);
}

/* The general caps of VF @func (other_function, function_id @func); 0: the device's */
static void query_hca_cap_of(int fd, unsigned int func, int cur, void *out)
{
	uint8_t in[MLX5_ST_SZ_BYTES(query_hca_cap_in)] = { 0 };

	sim_hdr(in, MLX5_CMD_OP_QUERY_HCA_CAP, (0 /* general */ << 1) | cur);
	if (func) {
		MLX5_SET(query_hca_cap_in, in, other_function, 1);
		MLX5_SET(query_hca_cap_in, in, function_id, func);
	}
	cr_assert_eq(rpc_status(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, sizeof(in), out,
				MLX5_ST_SZ_BYTES(query_hca_cap_out)), FWCTL_MLX5_STAT_OK);
}

static void query_hca_cap(int fd, int cur, void *out)
{
	query_hca_cap_of(fd, 0, cur, out);
}

static unsigned int cap_log_max_qp(const void *out)
{
	return MLX5_GET(cmd_hca_cap, MLX5_ADDR_OF(query_hca_cap_out, out, capability),
			log_max_qp);
}

/* fwctl contract */

Test(sim, gives_each_fd_its_own_uid_with_tools_caps)
{
	uint32_t uid1, uid2, caps1, caps2;
	int fd1 = open_dev(0), fd2 = open_dev(0);

	cr_assert_eq(sim_info(fd1, &uid1, &caps1), 0);
	cr_assert_eq(sim_info(fd2, &uid2, &caps2), 0);
	cr_expect_neq(uid1, 0);
	cr_expect_neq(uid2, 0);
	cr_expect_neq(uid1, uid2);
	cr_expect_eq(caps1, 0x4, "uctx_caps 0x%x, want TOOLS_RESOURCES", caps1);
	cr_expect_eq(caps2, 0x4);
	close(fd1);
	close(fd2);
}

Test(sim, stamps_the_fd_uid_into_the_executed_mailbox)
{
	uint8_t in[MLX5_ST_SZ_BYTES(nop_in)] = { 0 }, out[MLX5_ST_SZ_BYTES(nop_out)];
	uint8_t last[64];
	uint32_t uid1, uid2;
	int fd1 = open_dev(0), fd2 = open_dev(0);

	cr_assert_eq(sim_info(fd1, &uid1, NULL), 0);
	cr_assert_eq(sim_info(fd2, &uid2, NULL), 0);

	sim_hdr(in, MLX5_CMD_OP_NOP, 0);
	MLX5_SET(mbox_in_hdr, in, uid, 0x7777);	/* forged: must be replaced */
	cr_assert_eq(rpc_status(fd1, FWCTL_RPC_DEBUG_READ_ONLY, in, sizeof(in), out,
				sizeof(out)), FWCTL_MLX5_STAT_OK);
	cr_assert_eq(sim_last_in(0, last, sizeof(last)), (ssize_t)sizeof(in));
	cr_expect_eq(MLX5_GET(mbox_in_hdr, last, opcode), MLX5_CMD_OP_NOP);
	cr_expect_eq(MLX5_GET(mbox_in_hdr, last, uid), uid1);

	cr_assert_eq(rpc_status(fd2, FWCTL_RPC_DEBUG_READ_ONLY, in, sizeof(in), out,
				sizeof(out)), FWCTL_MLX5_STAT_OK);
	cr_assert_eq(sim_last_in(0, last, sizeof(last)), (ssize_t)sizeof(in));
	cr_expect_eq(MLX5_GET(mbox_in_hdr, last, uid), uid2);
	close(fd1);
	close(fd2);
}

Test(sim, rejects_debug_write_opcode_in_read_only_scope)
{
	uint8_t in[MLX5_ST_SZ_BYTES(set_diagnostic_params_in)] = { 0 };
	uint8_t out[MLX5_ST_SZ_BYTES(set_diagnostic_params_out)];
	uint32_t len = sizeof(out);
	int fd = open_dev(0);
	long long before = sim_executed(0);

	sim_hdr(in, MLX5_CMD_OP_SET_DIAGNOSTIC_PARAMS, 0);
	cr_expect_eq(fwctl_rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, sizeof(in), out, &len),
		     -EBADMSG);
	cr_expect_eq(sim_executed(0), before, "a rejected RPC reached the firmware");
	close(fd);
}

Test(sim, rejects_query_in_configuration_scope)
{
	uint8_t in[MLX5_ST_SZ_BYTES(query_issi_in)] = { 0 };
	uint8_t out[MLX5_ST_SZ_BYTES(query_issi_out)];
	uint32_t len = sizeof(out);
	int fd = open_dev(0);
	long long before = sim_executed(0);

	sim_hdr(in, MLX5_CMD_OP_QUERY_ISSI, 0);
	cr_expect_eq(fwctl_rpc(fd, FWCTL_RPC_CONFIGURATION, in, sizeof(in), out, &len),
		     -EBADMSG);
	cr_expect_eq(sim_executed(0), before);
	close(fd);
}

Test(sim, rejects_opcodes_outside_the_allow_list_in_every_scope)
{
	static const uint16_t ops[] = { MLX5_CMD_OP_CREATE_UCTX, MLX5_CMD_OP_DESTROY_UCTX,
					MLX5_CMD_OP_CREATE_MKEY, 0x7777 };
	uint8_t in[64] = { 0 }, out[64];
	int fd = open_dev(0);
	long long before = sim_executed(0);
	unsigned int i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		uint32_t len = sizeof(out);

		sim_hdr(in, ops[i], 0);
		cr_expect_eq(fwctl_rpc(fd, FWCTL_RPC_DEBUG_WRITE_FULL, in, sizeof(in), out,
				       &len), -EBADMSG, "opcode 0x%x", ops[i]);
	}
	cr_expect_eq(sim_executed(0), before);
	close(fd);
}

Test(sim, allows_access_reg_write_but_not_read_in_configuration_scope)
{
	uint8_t reg[MLX5_ST_SZ_BYTES(mnvda_reg)] = { 0 }, status = 0xff;
	int k = private_device(), fd = open_dev(k);
	long long before = sim_executed(k);

	MLX5_SET(mnvda_reg, reg, type, 0x01010012);
	MLX5_SET(mnvda_reg, reg, length, 4);
	reg[MLX5_BYTE_OFF(mnvda_reg, configuration_item_data) + 3] = 2;
	cr_expect_eq(sim_access_reg(fd, FWCTL_RPC_CONFIGURATION, FWCTL_MLX5_REG_MNVDA,
				    SIM_REG_WRITE, reg, sizeof(reg), NULL, &status), 0);
	cr_expect_eq(status, FWCTL_MLX5_STAT_OK);
	cr_expect_eq(sim_executed(k), before + 1);
	cr_expect_eq(sim_access_reg(fd, FWCTL_RPC_CONFIGURATION, FWCTL_MLX5_REG_MNVDA,
				    SIM_REG_READ, reg, sizeof(reg), NULL, &status), -EBADMSG);
	cr_expect_eq(sim_executed(k), before + 1);
	close(fd);
}

/* Commands */

Test(sim, answers_nop_and_counts_it)
{
	uint8_t in[MLX5_ST_SZ_BYTES(nop_in)] = { 0 }, out[MLX5_ST_SZ_BYTES(nop_out)];
	int fd = open_dev(0);
	long long before = sim_executed(0), nops = sim_opcode_count(0, MLX5_CMD_OP_NOP);

	sim_hdr(in, MLX5_CMD_OP_NOP, 0);
	memset(out, 0xaa, sizeof(out));
	cr_expect_eq(rpc_status(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, sizeof(in), out,
				sizeof(out)), FWCTL_MLX5_STAT_OK);
	cr_expect_eq(sim_syndrome(out), 0);
	cr_expect_eq(sim_executed(0), before + 1);
	cr_expect_eq(sim_opcode_count(0, MLX5_CMD_OP_NOP), nops + 1);
	close(fd);
}

Test(sim, answers_in_place_when_the_output_is_not_longer_than_the_input)
{
	uint8_t in[256] = { 0 }, out[MLX5_ST_SZ_BYTES(query_vport_state_out)];
	int fd = open_dev(0);

	sim_hdr(in, MLX5_CMD_OP_QUERY_VPORT_STATE, 0);
	memset(in + 16, 0, sizeof(in) - 16);
	cr_expect_eq(rpc_status(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, sizeof(in), out,
				sizeof(out)), FWCTL_MLX5_STAT_OK);
	cr_expect_eq(MLX5_GET(query_vport_state_out, out, state), 1);
	close(fd);
}

Test(sim, reports_connectx7_general_caps_current_and_max)
{
	uint8_t cur[MLX5_ST_SZ_BYTES(query_hca_cap_out)], max[MLX5_ST_SZ_BYTES(query_hca_cap_out)];
	void *c = MLX5_ADDR_OF(query_hca_cap_out, cur, capability);
	int fd = open_dev(0);

	query_hca_cap(fd, 1, cur);
	query_hca_cap(fd, 0, max);
	cr_expect_eq(cap_log_max_qp(cur), 17);
	cr_expect_eq(cap_log_max_qp(max), 18);
	cr_expect_eq(MLX5_GET(cmd_hca_cap, c, port_type), 1 /* Ethernet */);
	cr_expect_eq(MLX5_GET(cmd_hca_cap, c, uctx_cap) & 0x4, 0x4);
	cr_expect_eq(MLX5_GET(cmd_hca_cap, c, vhca_id), 0);
	close(fd);
}

Test(sim, rejects_query_hca_cap_of_an_unmodelled_cap_type)
{
	uint8_t in[MLX5_ST_SZ_BYTES(query_hca_cap_in)] = { 0 };
	uint8_t out[MLX5_ST_SZ_BYTES(query_hca_cap_out)];
	int fd = open_dev(0);

	sim_hdr(in, MLX5_CMD_OP_QUERY_HCA_CAP, (0x7f << 1) | 1);
	cr_expect_eq(rpc_status(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, sizeof(in), out,
				sizeof(out)), FWCTL_MLX5_STAT_BAD_PARAM_ERR);
	cr_expect_eq(sim_syndrome(out), SIM_SYND_BAD_OP_MOD);
	close(fd);
}

Test(sim, reports_each_vf_its_own_caps_through_other_function)
{
	uint8_t out[MLX5_ST_SZ_BYTES(query_hca_cap_out)];
	void *c = MLX5_ADDR_OF(query_hca_cap_out, out, capability);
	uint8_t in[MLX5_ST_SZ_BYTES(query_hca_cap_in)] = { 0 };
	unsigned int vf;
	int fd = open_dev(0);

	for (vf = 1; vf <= SIM_NUM_VFS; vf++) {
		query_hca_cap_of(fd, vf, 1, out);
		cr_expect_eq(MLX5_GET(cmd_hca_cap, c, vhca_id), SIM_VF_VHCA_ID_BASE + vf);
		cr_expect_eq(MLX5_GET(cmd_hca_cap, c, vport_group_manager), 0,
			     "VF %u is an eswitch manager", vf);
		cr_expect_eq(cap_log_max_qp(out), 17);
		query_hca_cap_of(fd, vf, 0, out);
		cr_expect_eq(cap_log_max_qp(out), 18);
	}

	/* function_id 0 in the other function mode is the device itself */
	sim_hdr(in, MLX5_CMD_OP_QUERY_HCA_CAP, 1);
	MLX5_SET(query_hca_cap_in, in, other_function, 1);
	cr_assert_eq(rpc_status(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, sizeof(in), out,
				sizeof(out)), FWCTL_MLX5_STAT_OK);
	cr_expect_eq(MLX5_GET(cmd_hca_cap, c, vhca_id), 0);
	cr_expect_eq(MLX5_GET(cmd_hca_cap, c, vport_group_manager), 1);
	close(fd);
}

Test(sim, refuses_hca_caps_of_a_function_the_device_does_not_have)
{
	uint8_t out[MLX5_ST_SZ_BYTES(query_hca_cap_out)];
	static uint8_t in[MLX5_ST_SZ_BYTES(set_hca_cap_in)];
	int fd = open_dev(0);
	long long before = sim_executed(0);

	/* QUERY_HCA_CAP and SET_HCA_CAP share the function fields' layout */
	memset(in, 0, sizeof(in));
	sim_hdr(in, MLX5_CMD_OP_QUERY_HCA_CAP, 1);
	MLX5_SET(query_hca_cap_in, in, other_function, 1);
	MLX5_SET(query_hca_cap_in, in, function_id, SIM_NUM_VFS + 1);
	cr_expect_eq(rpc_status(fd, FWCTL_RPC_DEBUG_READ_ONLY, in,
				MLX5_ST_SZ_BYTES(query_hca_cap_in), out, sizeof(out)),
		     FWCTL_MLX5_STAT_BAD_PARAM_ERR);
	cr_expect_eq(sim_syndrome(out), SIM_SYND_BAD_FUNCTION);

	sim_hdr(in, MLX5_CMD_OP_SET_HCA_CAP, 0);
	cr_expect_eq(rpc_status(fd, FWCTL_RPC_CONFIGURATION, in, sizeof(in), out,
				MLX5_ST_SZ_BYTES(set_hca_cap_out)), FWCTL_MLX5_STAT_BAD_PARAM_ERR);
	cr_expect_eq(sim_syndrome(out), SIM_SYND_BAD_FUNCTION);

	/* an embedded CPU VF: the model has none */
	MLX5_SET(set_hca_cap_in, in, function_id, 1);
	MLX5_SET(set_hca_cap_in, in, ec_vf_function, 1);
	cr_expect_eq(rpc_status(fd, FWCTL_RPC_CONFIGURATION, in, sizeof(in), out,
				MLX5_ST_SZ_BYTES(set_hca_cap_out)), FWCTL_MLX5_STAT_BAD_PARAM_ERR);
	cr_expect_eq(sim_syndrome(out), SIM_SYND_BAD_FUNCTION);
	cr_expect_eq(sim_executed(0), before + 3, "refused, but executed by the firmware");
	close(fd);
}

/*
 * SET_HCA_CAP of log_max_qp = @v, the other fields from @caps (a
 * QUERY_HCA_CAP output); the function fields as given. The status; the
 * syndrome into *syndrome.
 */
static uint8_t set_hca_cap(int fd, int other_function, unsigned int function_id,
			   const void *caps, unsigned int v, uint32_t *syndrome)
{
	static uint8_t in[MLX5_ST_SZ_BYTES(set_hca_cap_in)];
	uint8_t out[MLX5_ST_SZ_BYTES(set_hca_cap_out)];
	void *cap = MLX5_ADDR_OF(set_hca_cap_in, in, capability);
	uint8_t status;

	memset(in, 0, sizeof(in));
	memcpy(cap, MLX5_ADDR_OF(query_hca_cap_out, caps, capability),
	       MLX5_ST_SZ_BYTES(cmd_hca_cap));
	sim_hdr(in, MLX5_CMD_OP_SET_HCA_CAP, 0);
	MLX5_SET(set_hca_cap_in, in, other_function, other_function);
	MLX5_SET(set_hca_cap_in, in, function_id, function_id);
	MLX5_SET(cmd_hca_cap, cap, log_max_qp, v);
	status = rpc_status(fd, FWCTL_RPC_CONFIGURATION, in, sizeof(in), out, sizeof(out));
	if (syndrome)
		*syndrome = sim_syndrome(out);
	return status;
}

/*
 * Like mlx5_core pre-configuring VF @func: start from the VF's current
 * caps, change one field (@func 0: the device's own function).
 */
static uint8_t set_log_max_qp(int fd, unsigned int func, unsigned int v, uint32_t *syndrome)
{
	uint8_t cur[MLX5_ST_SZ_BYTES(query_hca_cap_out)];

	query_hca_cap_of(fd, func, 1, cur);
	return set_hca_cap(fd, func != 0, func, cur, v, syndrome);
}

Test(sim, set_hca_cap_preconfigures_a_vf_and_query_hca_cap_other_function_returns_it)
{
	uint8_t out[MLX5_ST_SZ_BYTES(query_hca_cap_out)];
	static char state[16384];
	int k = private_device(), fd = open_dev(k);
	long long before = sim_executed(k);

	cr_assert_eq(set_log_max_qp(fd, 1, 12, NULL), FWCTL_MLX5_STAT_OK);
	query_hca_cap_of(fd, 1, 1, out);
	cr_expect_eq(cap_log_max_qp(out), 12);
	query_hca_cap_of(fd, 1, 0, out);
	cr_expect_eq(cap_log_max_qp(out), 18, "SET_HCA_CAP changed the VF's max caps");
	/* QUERY, SET, QUERY, QUERY */
	cr_expect_eq(sim_executed(k), before + 4);

	/* that VF only: the other VF and the device itself are as they were */
	query_hca_cap_of(fd, 2, 1, out);
	cr_expect_eq(cap_log_max_qp(out), 17, "SET_HCA_CAP of VF 1 changed VF 2");
	query_hca_cap(fd, 1, out);
	cr_expect_eq(cap_log_max_qp(out), 17, "SET_HCA_CAP of VF 1 changed the device");
	cr_assert_gt(sim_state(k, state, sizeof(state)), 0);
	cr_expect(strstr(state, "\nvf1 hca_cap.log_max_qp cur 12 max 18\n"), "%s", state);
	cr_expect(strstr(state, "\nvf2 hca_cap.log_max_qp cur 17 max 18\n"), "%s", state);
	cr_expect(strstr(state, "\nhca_cap.log_max_qp cur 17 max 18\n"), "%s", state);
	close(fd);

	/* Other devices keep their own state */
	fd = open_dev(0);
	query_hca_cap_of(fd, 1, 1, out);
	cr_expect_eq(cap_log_max_qp(out), 17);
	close(fd);
}

Test(sim, set_hca_cap_of_the_own_function_is_refused_for_the_tools_uid)
{
	uint8_t cur[MLX5_ST_SZ_BYTES(query_hca_cap_out)];
	static uint8_t last[MLX5_ST_SZ_BYTES(set_hca_cap_in)];
	int k = private_device(), fd = open_dev(k);
	uint32_t uid, syndrome = 0;
	long long before;

	cr_assert_eq(sim_info(fd, &uid, NULL), 0);
	query_hca_cap(fd, 1, cur);
	before = sim_executed(k);
	cr_expect_eq(set_hca_cap(fd, 0, 0, cur, 12, &syndrome), FWCTL_MLX5_STAT_BAD_PARAM_ERR);
	cr_expect_eq(syndrome, SIM_SYND_OWN_CAPS_FROM_UID, "syndrome 0x%x", syndrome);
	/* the firmware saw it, as the FD's UID sent it, and refused it */
	cr_expect_eq(sim_executed(k), before + 1);
	cr_assert_eq(sim_last_in(k, last, sizeof(last)), (ssize_t)sizeof(last));
	cr_expect_eq(MLX5_GET(set_hca_cap_in, last, opcode), MLX5_CMD_OP_SET_HCA_CAP);
	cr_expect_eq(MLX5_GET(mbox_in_hdr, last, uid), uid);
	cr_expect_eq(MLX5_GET(set_hca_cap_in, last, capability.cmd_hca_cap.log_max_qp), 12);

	/* function_id 0 in the other function mode is the device itself too */
	syndrome = 0;
	cr_expect_eq(set_hca_cap(fd, 1, 0, cur, 12, &syndrome), FWCTL_MLX5_STAT_BAD_PARAM_ERR);
	cr_expect_eq(syndrome, SIM_SYND_OWN_CAPS_FROM_UID, "syndrome 0x%x", syndrome);

	query_hca_cap(fd, 1, cur);
	cr_expect_eq(cap_log_max_qp(cur), 17, "a refused SET_HCA_CAP changed the caps");
	query_hca_cap_of(fd, 1, 1, cur);
	cr_expect_eq(cap_log_max_qp(cur), 17);
	close(fd);
}

Test(sim, set_hca_cap_of_a_vf_above_max_fails_with_bad_param_and_changes_nothing)
{
	uint8_t out[MLX5_ST_SZ_BYTES(query_hca_cap_out)];
	int k = private_device(), fd = open_dev(k);
	uint32_t syndrome = 0;

	cr_expect_eq(set_log_max_qp(fd, 1, 19, &syndrome), FWCTL_MLX5_STAT_BAD_PARAM_ERR);
	cr_expect_eq(syndrome, SIM_SYND_CAP_EXCEEDS_MAX, "syndrome 0x%x", syndrome);
	query_hca_cap_of(fd, 1, 1, out);
	cr_expect_eq(cap_log_max_qp(out), 17);
	close(fd);
}

Test(sim, query_adapter_reports_the_psid_and_mellanox_vendor_ids)
{
	uint8_t in[MLX5_ST_SZ_BYTES(query_adapter_in)] = { 0 };
	uint8_t out[MLX5_ST_SZ_BYTES(query_adapter_out)];
	void *blk = MLX5_ADDR_OF(query_adapter_out, out, query_adapter_struct);
	int fd = open_dev(0);

	sim_hdr(in, MLX5_CMD_OP_QUERY_ADAPTER, 0);
	cr_assert_eq(rpc_status(fd, FWCTL_RPC_CONFIGURATION, in, sizeof(in), out,
				sizeof(out)), FWCTL_MLX5_STAT_OK);
	cr_expect_eq(MLX5_GET(query_adapter_param_block, blk, vsd_vendor_id), 0x15b3);
	cr_expect_eq(MLX5_GET(query_adapter_param_block, blk, ieee_vendor_id), 0x0002c9);
	cr_expect_str_eq((char *)MLX5_ADDR_OF(query_adapter_param_block, blk, vsd_contd_psid),
			 "MT_0000000834");
	close(fd);
}

Test(sim, query_issi_reports_issi_1_supported_0_and_1)
{
	uint8_t in[MLX5_ST_SZ_BYTES(query_issi_in)] = { 0 };
	uint8_t out[MLX5_ST_SZ_BYTES(query_issi_out)];
	int fd = open_dev(0);

	sim_hdr(in, MLX5_CMD_OP_QUERY_ISSI, 0);
	cr_assert_eq(rpc_status(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, sizeof(in), out,
				sizeof(out)), FWCTL_MLX5_STAT_OK);
	cr_expect_eq(MLX5_GET(query_issi_out, out, current_issi), 1);
	cr_expect_eq(MLX5_GET(query_issi_out, out, supported_issi_dw0), 0x3);
	close(fd);
}

Test(sim, query_vport_state_reports_up_and_rejects_other_vports)
{
	uint8_t in[MLX5_ST_SZ_BYTES(query_vport_state_in)] = { 0 };
	uint8_t out[MLX5_ST_SZ_BYTES(query_vport_state_out)];
	int fd = open_dev(0);

	sim_hdr(in, MLX5_CMD_OP_QUERY_VPORT_STATE, 0);
	cr_assert_eq(rpc_status(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, sizeof(in), out,
				sizeof(out)), FWCTL_MLX5_STAT_OK);
	cr_expect_eq(MLX5_GET(query_vport_state_out, out, state), 1);
	cr_expect_eq(MLX5_GET(query_vport_state_out, out, admin_state), 2);

	MLX5_SET(query_vport_state_in, in, other_vport, 1);
	MLX5_SET(query_vport_state_in, in, vport_number, 5);
	cr_expect_eq(rpc_status(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, sizeof(in), out,
				sizeof(out)), FWCTL_MLX5_STAT_BAD_PARAM_ERR);
	close(fd);
}

Test(sim, query_nic_vport_context_reports_a_permanent_mac_per_device)
{
	uint8_t in[MLX5_ST_SZ_BYTES(query_nic_vport_context_in)] = { 0 };
	uint8_t out[MLX5_ST_SZ_BYTES(query_nic_vport_context_out)];
	static const uint8_t mac0[6] = { 0xb8, 0x3f, 0xd2, 0x5a, 0x1c, 0x00 };
	static const uint8_t mac1[6] = { 0xb8, 0x3f, 0xd2, 0x5a, 0x1c, 0x02 };
	int k;

	for (k = 0; k < 2; k++) {
		int fd = open_dev(k);
		void *ctx = MLX5_ADDR_OF(query_nic_vport_context_out, out, nic_vport_context);
		void *mac = MLX5_ADDR_OF(nic_vport_context, ctx, permanent_address);

		sim_hdr(in, MLX5_CMD_OP_QUERY_NIC_VPORT_CONTEXT, 0);
		cr_assert_eq(rpc_status(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, sizeof(in), out,
					sizeof(out)), FWCTL_MLX5_STAT_OK);
		cr_expect_arr_eq(MLX5_ADDR_OF(mac_address_layout, mac, mac_addr_47_32),
				 k ? mac1 : mac0, 6, "sim%d", k);
		cr_expect_eq(MLX5_GET(nic_vport_context, ctx, roce_en), 1);
		close(fd);
	}
}

Test(sim, diagnostic_counters_need_set_diagnostic_params_first)
{
	uint8_t qin[MLX5_ST_SZ_BYTES(query_diagnostic_cntrs_in)] = { 0 };
	uint8_t qout[MLX5_ST_SZ_BYTES(query_diagnostic_cntrs_out) +
		     2 * MLX5_ST_SZ_BYTES(diagnostic_cntr_struct)];
	uint8_t sin[MLX5_ST_SZ_BYTES(set_diagnostic_params_in) +
		    2 * MLX5_ST_SZ_BYTES(diagnostic_counter_id)] = { 0 };
	uint8_t sout[MLX5_ST_SZ_BYTES(set_diagnostic_params_out)];
	uint8_t pin[MLX5_ST_SZ_BYTES(query_diagnostic_params_in)] = { 0 };
	uint8_t pout[MLX5_ST_SZ_BYTES(query_diagnostic_params_out) +
		     4 * MLX5_ST_SZ_BYTES(diagnostic_counter_id)];
	void *ctx = MLX5_ADDR_OF(set_diagnostic_params_in, sin, diagnostic_params_context);
	void *pctx = MLX5_ADDR_OF(query_diagnostic_params_out, pout, diagnostic_params_context);
	int k = private_device(), fd = open_dev(k);

	sim_hdr(qin, MLX5_CMD_OP_QUERY_DIAGNOSTIC_COUNTERS, 0);
	MLX5_SET(query_diagnostic_cntrs_in, qin, num_of_samples, 1);
	cr_expect_eq(rpc_status(fd, FWCTL_RPC_DEBUG_READ_ONLY, qin, sizeof(qin), qout,
				sizeof(qout)), FWCTL_MLX5_STAT_BAD_SYS_STATE_ERR);
	cr_expect_eq(sim_syndrome(qout), SIM_SYND_DIAG_DISABLED);

	sim_hdr(sin, MLX5_CMD_OP_SET_DIAGNOSTIC_PARAMS, 0);
	MLX5_SET(diagnostic_params_context, ctx, num_of_counters, 2);
	MLX5_SET(diagnostic_params_context, ctx, enable, 1);
	MLX5_SET(diagnostic_params_context, ctx, single, 1);
	MLX5_SET(diagnostic_params_context, ctx, log_num_of_samples, 2);
	MLX5_SET(diagnostic_counter_id, MLX5_ADDR_OF(diagnostic_params_context, ctx,
						     counter_id[0]), counter_id, 0x0401);
	MLX5_SET(diagnostic_counter_id, MLX5_ADDR_OF(diagnostic_params_context, ctx,
						     counter_id[1]), counter_id, 0x2006);
	cr_assert_eq(rpc_status(fd, FWCTL_RPC_DEBUG_WRITE, sin, sizeof(sin), sout,
				sizeof(sout)), FWCTL_MLX5_STAT_OK);

	sim_hdr(pin, MLX5_CMD_OP_QUERY_DIAGNOSTIC_PARAMS, 0);
	cr_assert_eq(rpc_status(fd, FWCTL_RPC_DEBUG_READ_ONLY, pin, sizeof(pin), pout,
				sizeof(pout)), FWCTL_MLX5_STAT_OK);
	cr_expect_eq(MLX5_GET(diagnostic_params_context, pctx, enable), 1);
	cr_expect_eq(MLX5_GET(diagnostic_params_context, pctx, num_of_counters), 2);
	cr_expect_eq(MLX5_GET(diagnostic_counter_id,
			      MLX5_ADDR_OF(diagnostic_params_context, pctx, counter_id[1]),
			      counter_id), 0x2006);

	cr_assert_eq(rpc_status(fd, FWCTL_RPC_DEBUG_READ_ONLY, qin, sizeof(qin), qout,
				sizeof(qout)), FWCTL_MLX5_STAT_OK);
	cr_expect_eq(MLX5_GET(diagnostic_cntr_struct,
			      MLX5_ADDR_OF(query_diagnostic_cntrs_out, qout, diag_counter[0]),
			      counter_id), 0x0401);
	cr_expect_eq(MLX5_GET(diagnostic_cntr_struct,
			      MLX5_ADDR_OF(query_diagnostic_cntrs_out, qout, diag_counter[1]),
			      counter_id), 0x2006);
	close(fd);
}

Test(sim, set_diagnostic_params_rejects_an_unknown_counter)
{
	uint8_t sin[MLX5_ST_SZ_BYTES(set_diagnostic_params_in) +
		    MLX5_ST_SZ_BYTES(diagnostic_counter_id)] = { 0 };
	uint8_t sout[MLX5_ST_SZ_BYTES(set_diagnostic_params_out)];
	void *ctx = MLX5_ADDR_OF(set_diagnostic_params_in, sin, diagnostic_params_context);
	int k = private_device(), fd = open_dev(k);

	sim_hdr(sin, MLX5_CMD_OP_SET_DIAGNOSTIC_PARAMS, 0);
	MLX5_SET(diagnostic_params_context, ctx, num_of_counters, 1);
	MLX5_SET(diagnostic_params_context, ctx, enable, 1);
	MLX5_SET(diagnostic_counter_id, MLX5_ADDR_OF(diagnostic_params_context, ctx,
						     counter_id[0]), counter_id, 0x7fff);
	cr_expect_eq(rpc_status(fd, FWCTL_RPC_DEBUG_WRITE, sin, sizeof(sin), sout,
				sizeof(sout)), FWCTL_MLX5_STAT_BAD_PARAM_ERR);
	close(fd);
}

/* Registers */

static void mcia_read(int fd, int module, unsigned int addr, unsigned int size,
		      uint8_t *reg, uint8_t *status)
{
	uint8_t req[MLX5_ST_SZ_BYTES(mcia_reg)] = { 0 };

	MLX5_SET(mcia_reg, req, module, module);
	MLX5_SET(mcia_reg, req, i2c_device_address, 0x50);
	MLX5_SET(mcia_reg, req, device_address, addr);
	MLX5_SET(mcia_reg, req, size, size);
	cr_assert_eq(sim_access_reg(fd, FWCTL_RPC_DEBUG_READ_ONLY, FWCTL_MLX5_REG_MCIA,
				    SIM_REG_READ, req, sizeof(req), reg, status), 0);
}

Test(sim, mcia_reads_the_module_vendor_name_and_serial_number)
{
	uint8_t reg[MLX5_ST_SZ_BYTES(mcia_reg)], status;
	const char *data = (char *)MLX5_ADDR_OF(mcia_reg, reg, dwords);
	int fd = open_dev(1);

	mcia_read(fd, 0, 0, 4, reg, &status);
	cr_assert_eq(status, FWCTL_MLX5_STAT_OK);
	cr_expect_eq(MLX5_GET(mcia_reg, reg, status), 0);
	cr_expect_eq((uint8_t)data[0], 0x11, "identifier: want QSFP28");

	mcia_read(fd, 0, 148, 16, reg, &status);
	cr_assert_eq(status, FWCTL_MLX5_STAT_OK);
	cr_expect_eq(memcmp(data, "Mellanox        ", 16), 0, "vendor %.16s", data);

	mcia_read(fd, 0, 196, 16, reg, &status);
	cr_assert_eq(status, FWCTL_MLX5_STAT_OK);
	cr_expect_eq(memcmp(data, "MT2205VS0001    ", 16), 0, "serial %.16s", data);
	close(fd);
}

Test(sim, mcia_reports_an_empty_cage_and_rejects_reads_past_the_page)
{
	uint8_t reg[MLX5_ST_SZ_BYTES(mcia_reg)], status;
	int fd = open_dev(0);

	mcia_read(fd, 1, 0, 4, reg, &status);
	cr_expect_eq(status, FWCTL_MLX5_STAT_OK);
	cr_expect_eq(MLX5_GET(mcia_reg, reg, status), 0x3, "want MODULE_NOT_CONNECTED");

	mcia_read(fd, 0, 250, 16, reg, &status);
	cr_expect_eq(status, FWCTL_MLX5_STAT_BAD_PARAM_ERR);
	close(fd);
}

Test(sim, mtmp_reports_asic_temperature_and_resets_the_maximum)
{
	uint8_t req[MLX5_ST_SZ_BYTES(mtmp_reg)] = { 0 }, reg[MLX5_ST_SZ_BYTES(mtmp_reg)];
	uint8_t status;
	int k = private_device(), fd = open_dev(k);

	cr_assert_eq(sim_access_reg(fd, FWCTL_RPC_DEBUG_READ_ONLY, FWCTL_MLX5_REG_MTMP,
				    SIM_REG_READ, req, sizeof(req), reg, &status), 0);
	cr_assert_eq(status, FWCTL_MLX5_STAT_OK);
	cr_expect_eq(MLX5_GET(mtmp_reg, reg, temperature), 58 * 8);
	cr_expect_eq(MLX5_GET(mtmp_reg, reg, max_temperature), 71 * 8);
	cr_expect_eq(memcmp(MLX5_ADDR_OF(mtmp_reg, reg, sensor_name_hi), "asic\0\0\0\0", 8), 0);

	MLX5_SET(mtmp_reg, req, mte, 1);
	MLX5_SET(mtmp_reg, req, mtr, 1);
	MLX5_SET(mtmp_reg, req, temp_threshold_hi, 105 * 8);
	MLX5_SET(mtmp_reg, req, temp_threshold_lo, 100 * 8);
	cr_assert_eq(sim_access_reg(fd, FWCTL_RPC_CONFIGURATION, FWCTL_MLX5_REG_MTMP,
				    SIM_REG_WRITE, req, sizeof(req), reg, &status), 0);
	cr_assert_eq(status, FWCTL_MLX5_STAT_OK);
	memset(req, 0, sizeof(req));
	cr_assert_eq(sim_access_reg(fd, FWCTL_RPC_DEBUG_READ_ONLY, FWCTL_MLX5_REG_MTMP,
				    SIM_REG_READ, req, sizeof(req), reg, &status), 0);
	cr_expect_eq(MLX5_GET(mtmp_reg, reg, max_temperature), 58 * 8);
	close(fd);
}

static void mnvda(int fd, int op_mod, uint32_t type, int read_current,
		  const uint8_t *data, unsigned int len, uint8_t *reg, uint8_t *status)
{
	uint8_t req[MLX5_ST_SZ_BYTES(mnvda_reg)] = { 0 };

	MLX5_SET(mnvda_reg, req, type, type);
	MLX5_SET(mnvda_reg, req, read_current, read_current);
	MLX5_SET(mnvda_reg, req, length, len);
	if (data)
		memcpy(MLX5_ADDR_OF(mnvda_reg, req, configuration_item_data), data, len);
	cr_assert_eq(sim_access_reg(fd, op_mod == SIM_REG_WRITE ? FWCTL_RPC_CONFIGURATION :
				    FWCTL_RPC_DEBUG_READ_ONLY, FWCTL_MLX5_REG_MNVDA, op_mod,
				    req, sizeof(req), reg, status), 0);
}

Test(sim, mnvda_write_persists_for_the_next_boot_and_reads_back)
{
	static const uint8_t vfs4[12] = { 0x80, 0, 0, 0, 0, 0, 0, 4 };
	uint8_t reg[MLX5_ST_SZ_BYTES(mnvda_reg)], status;
	const uint8_t *data = MLX5_ADDR_OF(mnvda_reg, reg, configuration_item_data);
	int k = private_device(), fd = open_dev(k);

	mnvda(fd, SIM_REG_READ, 0x80, 0, NULL, 0, reg, &status);
	cr_assert_eq(status, FWCTL_MLX5_STAT_OK);
	cr_expect_eq(MLX5_GET(mnvda_reg, reg, length), 12);
	cr_expect_eq(data[7], 8, "NUM_OF_VFS %u", data[7]);

	mnvda(fd, SIM_REG_WRITE, 0x80, 0, vfs4, sizeof(vfs4), reg, &status);
	cr_assert_eq(status, FWCTL_MLX5_STAT_OK);
	close(fd);

	/* Persists beyond the writer's file */
	fd = open_dev(k);
	mnvda(fd, SIM_REG_READ, 0x80, 0, NULL, 0, reg, &status);
	cr_assert_eq(status, FWCTL_MLX5_STAT_OK);
	cr_expect_eq(data[7], 4);
	mnvda(fd, SIM_REG_READ, 0x80, 1, NULL, 0, reg, &status);
	cr_assert_eq(status, FWCTL_MLX5_STAT_OK);
	cr_expect_eq(data[7], 8, "the running configuration changed before a reset");
	close(fd);
}

Test(sim, mnvda_rejects_an_unknown_configuration_item)
{
	uint8_t reg[MLX5_ST_SZ_BYTES(mnvda_reg)], status;
	int fd = open_dev(0);

	mnvda(fd, SIM_REG_READ, 0x12345, 0, NULL, 0, reg, &status);
	cr_expect_eq(status, FWCTL_MLX5_STAT_BAD_PARAM_ERR);
	close(fd);
}

Test(sim, access_reg_of_an_unknown_register_fails_with_bad_param_in_firmware)
{
	uint8_t reg[64] = { 0 }, status = 0;
	int fd = open_dev(0);
	long long before = sim_executed(0);

	cr_assert_eq(sim_access_reg(fd, FWCTL_RPC_DEBUG_READ_ONLY, 0x1234, SIM_REG_READ,
				    reg, sizeof(reg), NULL, &status), 0);
	cr_expect_eq(status, FWCTL_MLX5_STAT_BAD_PARAM_ERR);
	cr_expect_eq(sim_executed(0), before + 1);
	close(fd);
}

/* Bad inputs */

Test(sim, rejects_headers_shorter_than_16_bytes_with_emsgsize)
{
	uint8_t in[64] = { 0 }, out[64];
	int fd = open_dev(0);
	long long before = sim_executed(0);
	uint32_t len;

	sim_hdr(in, MLX5_CMD_OP_NOP, 0);
	len = sizeof(out);
	cr_expect_eq(fwctl_rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, 0, out, &len), -EMSGSIZE);
	len = sizeof(out);
	cr_expect_eq(fwctl_rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, 15, out, &len), -EMSGSIZE);
	len = 15;
	cr_expect_eq(fwctl_rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, 16, out, &len), -EMSGSIZE);
	cr_expect_eq(sim_executed(0), before);
	close(fd);
}

Test(sim, rejects_rpcs_larger_than_2mib_with_emsgsize)
{
	size_t big = (2 << 20) + 16;
	uint8_t *in = calloc(1, big), out[64];
	int fd = open_dev(0);
	long long before = sim_executed(0);
	uint32_t len = sizeof(out);

	cr_assert(in);
	sim_hdr(in, MLX5_CMD_OP_NOP, 0);
	cr_expect_eq(fwctl_rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, big, out, &len), -EMSGSIZE);
	cr_expect_eq(sim_executed(0), before);
	free(in);
	close(fd);
}

Test(sim, fails_a_short_input_with_bad_inp_len_in_firmware)
{
	uint8_t in[16] = { 0 }, out[MLX5_ST_SZ_BYTES(set_hca_cap_out)];
	int fd = open_dev(0);
	long long before = sim_executed(0);

	sim_hdr(in, MLX5_CMD_OP_SET_HCA_CAP, 0);
	cr_expect_eq(rpc_status(fd, FWCTL_RPC_CONFIGURATION, in, sizeof(in), out,
				sizeof(out)), FWCTL_MLX5_STAT_BAD_INP_LEN_ERR);
	cr_expect_eq(sim_syndrome(out), SIM_SYND_BAD_INP_LEN);
	cr_expect_eq(sim_executed(0), before + 1);
	close(fd);
}

Test(sim, fails_a_short_output_with_bad_outp_len_in_firmware)
{
	uint8_t in[MLX5_ST_SZ_BYTES(query_hca_cap_in)] = { 0 }, out[64];
	int fd = open_dev(0);

	sim_hdr(in, MLX5_CMD_OP_QUERY_HCA_CAP, 1);
	cr_expect_eq(rpc_status(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, sizeof(in), out,
				sizeof(out)), FWCTL_MLX5_STAT_BAD_OUTP_LEN_ERR);
	cr_expect_eq(sim_syndrome(out), SIM_SYND_BAD_OUTP_LEN);
	close(fd);
}

Test(sim, fails_an_allowed_but_unimplemented_opcode_with_bad_op)
{
	uint8_t in[64] = { 0 }, out[64];
	int fd = open_dev(0);
	long long before = sim_executed(0);

	sim_hdr(in, MLX5_CMD_OP_QUERY_CQ, 0);
	cr_expect_eq(rpc_status(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, sizeof(in), out,
				sizeof(out)), FWCTL_MLX5_STAT_BAD_OP_ERR);
	cr_expect_eq(sim_syndrome(out), SIM_SYND_BAD_OPCODE);
	cr_expect_eq(sim_executed(0), before + 1);
	close(fd);
}

/* Fault injection */

static uint8_t nop(int fd, int *err)
{
	uint8_t in[MLX5_ST_SZ_BYTES(nop_in)] = { 0 }, out[MLX5_ST_SZ_BYTES(nop_out)];
	uint32_t len = sizeof(out);

	sim_hdr(in, MLX5_CMD_OP_NOP, 0);
	memset(out, 0, sizeof(out));
	*err = fwctl_rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, sizeof(in), out, &len);
	return sim_status(out);
}

Test(sim, injected_status_fails_the_next_commands_in_firmware)
{
	int fd = open_dev(0), err;
	long long before = sim_executed(0);
	char f[64];

	cr_assert_eq(sim_fault(0, "status 0x6 2"), 0);
	cr_assert_eq(sim_fault_get(0, f, sizeof(f)), 0);
	cr_expect_str_eq(f, "status 0x06 2");
	cr_expect_eq(nop(fd, &err), 0x6);
	cr_expect_eq(err, 0);
	cr_expect_eq(nop(fd, &err), 0x6);
	cr_expect_eq(nop(fd, &err), FWCTL_MLX5_STAT_OK);
	cr_expect_eq(sim_executed(0), before + 3);
	cr_assert_eq(sim_fault_get(0, f, sizeof(f)), 0);
	cr_expect_str_eq(f, "off");
	close(fd);
}

Test(sim, injected_errno_fails_the_rpc_before_firmware)
{
	int fd = open_dev(0), err;
	long long before = sim_executed(0);

	cr_assert_eq(sim_fault(0, "errno ETIMEDOUT 1"), 0);
	nop(fd, &err);
	cr_expect_eq(err, -ETIMEDOUT);
	cr_assert_eq(sim_fault(0, "errno EIO 1"), 0);
	nop(fd, &err);
	cr_expect_eq(err, -EIO);
	cr_expect_eq(sim_executed(0), before);
	cr_expect_eq(nop(fd, &err), FWCTL_MLX5_STAT_OK);
	cr_expect_eq(err, 0);
	close(fd);
}

Test(sim, injected_delay_slows_the_command_down)
{
	struct timespec a, b;
	int fd = open_dev(0), err;
	double ms;

	cr_assert_eq(sim_fault(0, "delay_us 300000 1"), 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	cr_expect_eq(nop(fd, &err), FWCTL_MLX5_STAT_OK);
	clock_gettime(CLOCK_MONOTONIC, &b);
	cr_expect_eq(err, 0);
	ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
	cr_expect_geq(ms, 300.0, "took %.1f ms", ms);
	close(fd);
}

Test(sim, rejects_malformed_fault_specs)
{
	char f[64];

	cr_expect_eq(sim_fault(0, "status 0 1"), -EINVAL);
	cr_expect_eq(sim_fault(0, "status 0x3"), -EINVAL);
	cr_expect_eq(sim_fault(0, "errno ENOSPC 1"), -EINVAL);
	cr_expect_eq(sim_fault(0, "delay_us 99999999"), -EINVAL);
	cr_expect_eq(sim_fault(0, "explode"), -EINVAL);
	cr_assert_eq(sim_fault_get(0, f, sizeof(f)), 0);
	cr_expect_str_eq(f, "off");
}

/* Counters, state, unplug */

Test(sim, resets_its_counters_on_request)
{
	int fd = open_dev(0), err;

	nop(fd, &err);
	cr_assert_gt(sim_executed(0), 0);
	cr_assert_eq(sim_reset_counters(0), 0);
	cr_expect_eq(sim_executed(0), 0);
	cr_expect_eq(sim_opcode_count(0, MLX5_CMD_OP_NOP), 0);
	nop(fd, &err);
	cr_expect_eq(sim_executed(0), 1);
	cr_expect_eq(sim_opcode_count(0, MLX5_CMD_OP_NOP), 1);
	close(fd);
}

Test(sim, dumps_its_firmware_state)
{
	static char buf[16384];

	cr_assert_gt(sim_state(0, buf, sizeof(buf)), 0);
	cr_expect(strstr(buf, "psid MT_0000000834\n"), "%s", buf);
	cr_expect(strstr(buf, "permanent_mac b8:3f:d2:5a:1c:00\n"));
	cr_expect(strstr(buf, "\nhca_cap.log_max_qp cur 17 max 18\n"));
	cr_expect(strstr(buf, "\nvf1 hca_cap.vhca_id cur 257 "), "%s", buf);
	cr_expect(strstr(buf, "\nvf2 hca_cap.log_max_qp cur 17 max 18\n"), "%s", buf);
}

Test(sim, unplug_with_an_open_fd_gives_enodev_and_add_brings_it_back)
{
	int fd = open_dev(1), err;
	uint32_t uid;

	cr_assert_eq(nop(fd, &err), FWCTL_MLX5_STAT_OK);
	cr_assert_eq(sim_remove(1), 0);
	cr_expect_not(sim_exists(1));
	nop(fd, &err);
	cr_expect_eq(err, -ENODEV);
	cr_expect_eq(sim_info(fd, &uid, NULL), -ENODEV);
	close(fd);

	cr_assert_eq(sim_add(), 0);
	cr_assert(sim_exists(1));
	fd = open_dev(1);
	cr_expect_eq(nop(fd, &err), FWCTL_MLX5_STAT_OK);
	cr_expect_eq(err, 0);
	close(fd);
}

Test(sim, removing_a_missing_device_fails_with_enoent)
{
	cr_expect_eq(sim_remove(42), -ENOENT);
}

struct hammer {
	int fd;
	int ok, enodev, other;
};

static void *hammer_nops(void *arg)
{
	struct hammer *h = arg;
	int i, err;

	/* Until well after the removal (or a bound, for a removal that hangs) */
	for (i = 0; i < 1000000 && h->enodev < 100; i++) {
		uint8_t status = nop(h->fd, &err);

		if (!err && status == FWCTL_MLX5_STAT_OK)
			h->ok++;
		else if (err == -ENODEV)
			h->enodev++;
		else
			h->other++;
	}
	return NULL;
}

Test(sim, survives_concurrent_rpcs_while_the_device_is_removed)
{
	struct hammer h[4];
	pthread_t t[4];
	int k = private_device(), i;

	for (i = 0; i < 4; i++) {
		h[i] = (struct hammer){ .fd = open_dev(k) };
		cr_assert_eq(pthread_create(&t[i], NULL, hammer_nops, &h[i]), 0);
	}
	usleep(20000);
	cr_assert_eq(sim_remove(k), 0);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		cr_expect_eq(h[i].other, 0, "thread %d: %d unexpected results", i, h[i].other);
		cr_expect_gt(h[i].ok, 0, "thread %d: no RPC before the removal", i);
		cr_expect_eq(h[i].enodev, 100, "thread %d: RPCs kept working after the removal", i);
		close(h[i].fd);
	}
}
