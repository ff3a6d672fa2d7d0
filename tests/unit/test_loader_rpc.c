// SPDX-License-Identifier: GPL-2.0
/*
 * `fwctl-bpf rpc` without a device: the command line parsed into a
 * request, the request encoded into an mlx5 mailbox (every byte read back
 * with MLX5_GET from the kernel's layouts), canned replies decoded into
 * fields and printed as text and as JSON (checked with jq). The ioctl
 * itself is tested in the VM (tests/vm/test_loader_rpc.c).
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mlx5/fwctl_mlx5_names.h>

#include "json_writer.h"
#include "loader_cli.h"
#include "main.h"
#include "mlx5_ifc_user.h"
#include "mlx5_ifc_extra.h"
#include "rpc.h"

/* rpc_parse() of "rpc ARGS..."; 0 or CMD_USAGE */
static int parse_(struct rpc_request *req, const char **args, int n)
{
	char *argv[32];
	int i;

	for (i = 0; i < n; i++)
		argv[i] = strdup(args[i]);
	i = rpc_parse(n, argv, req);
	while (n--)
		free(argv[n]);
	return i;
}

#define parse(req, ...) \
	({ const char *a_[] = { __VA_ARGS__ }; parse_(req, a_, sizeof(a_) / sizeof(a_[0])); })

static struct rpc_request req;

static void init(void)
{
	cr_redirect_stdout();
	cr_redirect_stderr();
	json_output = pretty_output = verbose = false;
	json_wtr = NULL;
}

TestSuite(loader_rpc, .init = init);

/* Encode @r into a fresh, aligned buffer of rpc_in_len() bytes */
static uint8_t *encode(const struct rpc_request *r, const void *caps)
{
	size_t len = rpc_in_len(r);
	uint8_t *in = aligned_alloc(8, (len + 7) & ~7ul);

	cr_assert(in);
	memset(in, 0xa5, len);	/* rpc_encode() must clear it */
	rpc_encode(r, caps, in, len);
	return in;
}

/* Parsing */

Test(loader_rpc, parses_device_scope_out_len_and_command)
{
	cr_assert_eq(parse(&req, "/dev/fwctl/fwctl3", "NOP"), 0);
	cr_assert_eq(req.dev, 3);
	cr_assert_eq(req.opcode, MLX5_CMD_OP_NOP);
	cr_assert_eq(req.scope, FWCTL_RPC_DEBUG_READ_ONLY, "default scope");
	cr_assert(!req.has_out_len);

	cr_assert_eq(parse(&req, "fwctl1", "--scope", "configuration", "--out-len", "64",
			   "query_adapter"), 0);
	cr_assert_eq(req.dev, 1);
	cr_assert_eq(req.scope, FWCTL_RPC_CONFIGURATION);
	cr_assert_eq(req.out_len, 64);
	cr_assert_eq(req.opcode, MLX5_CMD_OP_QUERY_ADAPTER, "names are case-insensitive");
	cr_assert_eq(rpc_out_len(&req), 64);

	cr_assert_eq(parse(&req, "fwctl1", "--out-len=0", "NOP"), 0);
	cr_assert_eq(rpc_out_len(&req), 0, "0 is sent as asked (the kernel refuses it)");

	cr_assert_eq(parse(&req, "0", "0x80d", "--scope=debug_write_full"), 0);
	cr_assert_eq(req.dev, 0);
	cr_assert_eq(req.opcode, 0x80d);
	cr_assert_eq(req.scope, FWCTL_RPC_DEBUG_WRITE_FULL);
}

Test(loader_rpc, scope_names_and_unique_prefixes)
{
	cr_assert_eq(rpc_parse_scope("configuration"), FWCTL_RPC_CONFIGURATION);
	cr_assert_eq(rpc_parse_scope("conf"), FWCTL_RPC_CONFIGURATION);
	cr_assert_eq(rpc_parse_scope("debug_read_only"), FWCTL_RPC_DEBUG_READ_ONLY);
	cr_assert_eq(rpc_parse_scope("debug_r"), FWCTL_RPC_DEBUG_READ_ONLY);
	cr_assert_eq(rpc_parse_scope("debug_write"), FWCTL_RPC_DEBUG_WRITE, "exact beats prefix");
	cr_assert_eq(rpc_parse_scope("debug_write_f"), FWCTL_RPC_DEBUG_WRITE_FULL);
	cr_assert_eq(rpc_parse_scope("DEBUG-WRITE-FULL"), FWCTL_RPC_DEBUG_WRITE_FULL);
	cr_assert_eq(rpc_parse_scope("3"), FWCTL_RPC_DEBUG_WRITE_FULL);
	cr_assert_eq(rpc_parse_scope("debug"), -1, "ambiguous");
	cr_assert_eq(rpc_parse_scope("debug_w"), -1, "ambiguous");
	cr_assert_eq(rpc_parse_scope("4"), -1);
	cr_assert_eq(rpc_parse_scope("admin"), -1);
	cr_assert_eq(rpc_parse_scope(""), -1);
}

Test(loader_rpc, hex_bytes_with_or_without_separators)
{
	uint8_t b[4];

	cr_assert_eq(rpc_parse_hex("0x0102a0ff", b, sizeof(b)), 4);
	cr_assert_eq(b[0], 1);
	cr_assert_eq(b[2], 0xa0);
	cr_assert_eq(b[3], 0xff);
	cr_assert_eq(rpc_parse_hex("de:ad:BE:ef", b, sizeof(b)), 4);
	cr_assert_eq(b[2], 0xbe);
	cr_assert_eq(rpc_parse_hex("", b, sizeof(b)), 0);
	cr_assert_eq(rpc_parse_hex("123", b, sizeof(b)), -1, "odd digits");
	cr_assert_eq(rpc_parse_hex("zz", b, sizeof(b)), -1);
	cr_assert_eq(rpc_parse_hex("0102030405", b, sizeof(b)), -1, "too long");
}

Test(loader_rpc, access_reg_takes_the_register_and_its_fields_in_any_order)
{
	cr_assert_eq(parse(&req, "fwctl0", "ACCESS_REG", "addr=148", "reg=mcia", "size=16"), 0);
	cr_assert_eq(req.reg_id, FWCTL_MLX5_REG_MCIA);
	cr_assert_eq(req.nr_sets, 2, "%d", req.nr_sets);
	cr_assert_eq(rpc_op_mod(&req), FWCTL_MLX5_ACCESS_REG_READ, "read by default");

	cr_assert_eq(parse(&req, "fwctl0", "ACCESS_REG", "reg=0x900a", "write", "sensor=64"), 0);
	cr_assert_eq(req.reg_id, FWCTL_MLX5_REG_MTMP);
	cr_assert_eq(rpc_op_mod(&req), FWCTL_MLX5_ACCESS_REG_WRITE);

	/* docs/writing-policies.md spells it register_id= op_mod= */
	cr_assert_eq(parse(&req, "fwctl0", "--scope", "configuration", "ACCESS_REG",
			   "register_id=MTMP", "op_mod=0"), 0);
	cr_assert_eq(req.reg_id, FWCTL_MLX5_REG_MTMP);
	cr_assert_eq(rpc_op_mod(&req), 0);

	cr_assert_eq(parse(&req, "fwctl0", "ACCESS_REG", "reg=MNVDA", "op_mod=1", "write"), 0);
	cr_assert_eq(rpc_op_mod(&req), 1, "op_mod= wins over read/write");
}

Test(loader_rpc, unknown_arguments_are_usage_errors_naming_them)
{
	cr_assert_eq(cli("rpc", "fwctl0", "QUERY_ADAPTER", "bogus=1"), EXIT_USAGE);
	cr_assert_str_eq(err, "Error: can't send QUERY_ADAPTER: unknown argument 'bogus=1' "
			 "(see \"fwctl-bpf rpc help\")\n");
	cr_assert_str_eq(out, "");

	cr_assert_eq(cli("rpc", "fwctl0", "ACCESS_REG", "reg=MTMP", "module=1"), EXIT_USAGE);
	cr_assert(strstr(err, "unknown argument 'module=1'"), "MCIA's field on MTMP: %s", err);
	cr_assert_eq(cli("rpc", "fwctl0", "NOP", "write"), EXIT_USAGE);
	cr_assert(strstr(err, "unknown argument 'write'"), "%s", err);
	cr_assert_eq(cli("rpc", "fwctl0", "QUERY_HCA_CAP", "roce=1"), EXIT_USAGE,
		     "cap fields are SET_HCA_CAP's");
	cr_assert(strstr(err, "unknown argument 'roce=1'"), "%s", err);
	cr_assert_eq(cli("rpc", "fwctl0", "ACCESS_REG", "reg=MCIA", "data=00"), EXIT_USAGE);
	cr_assert(strstr(err, "unknown argument 'data=00'"), "%s", err);
	cr_assert_eq(cli("rpc", "fwctl0", "--bogus", "NOP"), EXIT_USAGE);
	cr_assert(strstr(err, "unknown option '--bogus'"), "%s", err);
}

Test(loader_rpc, bad_values_are_usage_errors)
{
	const struct {
		const char *args[6];
		const char *msg;
	} cases[] = {
		{ { "rpc" }, "missing DEV" },
		{ { "rpc", "eth0", "NOP" }, "'eth0' is not a fwctl device" },
		{ { "rpc", "fwctl0" }, "missing COMMAND" },
		{ { "rpc", "fwctl0", "QUERY_NOTHING" }, "unknown command 'QUERY_NOTHING'" },
		{ { "rpc", "fwctl0", "0x10000" }, "unknown command '0x10000'" },
		{ { "rpc", "fwctl0", "--scope", "debug", "NOP" }, "unknown scope 'debug'" },
		{ { "rpc", "fwctl0", "NOP", "--scope" }, "--scope needs a value" },
		{ { "rpc", "fwctl0", "--out-len", "-1", "NOP" }, "bad --out-len '-1'" },
		{ { "rpc", "fwctl0", "ACCESS_REG" }, "missing reg=NAME|ID" },
		{ { "rpc", "fwctl0", "ACCESS_REG", "reg=NOPE" }, "unknown register 'NOPE'" },
		{ { "rpc", "fwctl0", "ACCESS_REG", "reg=MCIA", "size=65536" },
		  "bad value '65536' for size (0..65535)" },
		{ { "rpc", "fwctl0", "SET_HCA_CAP", "roce=2" }, "bad value '2' for roce (0..1)" },
		{ { "rpc", "fwctl0", "SET_HCA_CAP", "log_max_qp=x" }, "bad value 'x' for log_max_qp" },
		{ { "rpc", "fwctl0", "NOP", "op_mod=0x10000" }, "bad value '0x10000' for op_mod" },
		{ { "rpc", "fwctl0", "NOP", "in=abc" }, "bad value 'abc' for in" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = 0;

		while (n < 6 && cases[i].args[n])
			n++;
		cr_assert_eq(cli_(cases[i].args, n), EXIT_USAGE, "case %zu", i);
		cr_assert(strstr(err, cases[i].msg), "case %zu: want \"%s\" in: %s", i,
			  cases[i].msg, err);
	}
}

Test(loader_rpc, help_lists_the_settable_fields)
{
	cr_assert_eq(cli("rpc", "help"), 0);
	cr_assert(strstr(err, "Usage: fwctl-bpf rpc DEV [--scope SCOPE] [--out-len N] COMMAND [ARG...]"),
		  "%s", err);
	cr_assert(strstr(err, "MCIA   module i2c page addr size"), "%s", err);
	cr_assert(strstr(err, "log_max_qp roce"), "%s", err);
	cr_assert_eq(cli("-j", "rpc", "--help"), 0);
	cr_assert_str_eq(out, "null\n");
}

Test(loader_rpc, a_missing_device_fails_with_the_errno_name)
{
	cr_assert_eq(cli("rpc", "fwctl999", "NOP"), EXIT_ERR);
	cr_assert_str_eq(err, "Error: can't open /dev/fwctl/fwctl999: No such file or directory (ENOENT)\n");
	cr_assert_eq(cli("-j", "rpc", "fwctl999", "NOP"), EXIT_ERR);
	cr_assert_str_eq(out, "{\"error\":\"can't open /dev/fwctl/fwctl999: No such file or directory\","
			 "\"errno\":\"ENOENT\"}\n");
}

/* Encoding */

Test(loader_rpc, encodes_the_header_and_sizes_from_the_command_layouts)
{
	uint8_t *in;

	cr_assert_eq(parse(&req, "fwctl0", "NOP"), 0);
	cr_assert_eq(rpc_in_len(&req), MLX5_ST_SZ_BYTES(nop_in));
	cr_assert_eq(rpc_out_len(&req), MLX5_ST_SZ_BYTES(nop_out));
	in = encode(&req, NULL);
	cr_assert_eq(MLX5_GET(mbox_in_hdr, in, opcode), MLX5_CMD_OP_NOP);
	cr_assert_eq(MLX5_GET(mbox_in_hdr, in, op_mod), 0);
	cr_assert_eq(MLX5_GET(mbox_in_hdr, in, uid), 0, "the driver stamps the uid");
	cr_assert_eq(in[0], 0x08);
	cr_assert_eq(in[1], 0x0d);
	free(in);

	cr_assert_eq(parse(&req, "fwctl0", "QUERY_HCA_CAP"), 0);
	cr_assert_eq(rpc_in_len(&req), MLX5_ST_SZ_BYTES(query_hca_cap_in));
	cr_assert_eq(rpc_out_len(&req), MLX5_ST_SZ_BYTES(query_hca_cap_out));
	in = encode(&req, NULL);
	cr_assert_eq(MLX5_GET(query_hca_cap_in, in, op_mod), 1, "general caps, current");
	free(in);

	cr_assert_eq(parse(&req, "fwctl0", "QUERY_ADAPTER"), 0);
	cr_assert_eq(rpc_out_len(&req), MLX5_ST_SZ_BYTES(query_adapter_out));

	cr_assert_eq(parse(&req, "fwctl0", "QUERY_CQ"), 0);
	cr_assert_eq(rpc_in_len(&req), 16, "unknown layout: the header");
	cr_assert_eq(rpc_out_len(&req), RPC_DEFAULT_OUT_LEN);
}

Test(loader_rpc, in_hex_follows_the_header_and_hdr_hex_fills_its_last_8_bytes)
{
	uint8_t *in;

	cr_assert_eq(parse(&req, "fwctl0", "QUERY_CQ", "op_mod=5", "hdr=00000001",
			   "in=00000000deadbeef0000000000000000"), 0);
	cr_assert_eq(rpc_in_len(&req), 32);
	in = encode(&req, NULL);
	cr_assert_eq(MLX5_GET(mbox_in_hdr, in, opcode), MLX5_CMD_OP_QUERY_CQ);
	cr_assert_eq(MLX5_GET(mbox_in_hdr, in, op_mod), 5);
	cr_assert_eq(MLX5_GET(query_cq_in, in, cqn), 1, "hdr= is bytes 8..15");
	cr_assert_eq(in[16], 0);
	cr_assert_eq(in[20], 0xde);
	cr_assert_eq(in[23], 0xef);
	free(in);

	/* the command's own header fields, by name */
	cr_assert_eq(parse(&req, "fwctl0", "QUERY_NIC_VPORT_CONTEXT", "other_vport=1",
			   "vport_number=3"), 0);
	cr_assert_eq(rpc_in_len(&req), MLX5_ST_SZ_BYTES(query_nic_vport_context_in));
	in = encode(&req, NULL);
	cr_assert_eq(MLX5_GET(query_nic_vport_context_in, in, other_vport), 1);
	cr_assert_eq(MLX5_GET(query_nic_vport_context_in, in, vport_number), 3);
	cr_assert_eq(MLX5_GET(query_nic_vport_context_in, in, opcode),
		     MLX5_CMD_OP_QUERY_NIC_VPORT_CONTEXT);
	free(in);

	cr_assert_eq(parse(&req, "fwctl0", "QUERY_HCA_CAP", "other_function=1", "function_id=2"), 0);
	in = encode(&req, NULL);
	cr_assert_eq(MLX5_GET(query_hca_cap_in, in, other_function), 1);
	cr_assert_eq(MLX5_GET(query_hca_cap_in, in, function_id), 2);
	cr_assert_eq(MLX5_GET(query_hca_cap_in, in, op_mod), 1);
	free(in);
}

Test(loader_rpc, encodes_mcia_fields_with_defaults)
{
	uint8_t *in, *reg;

	cr_assert_eq(parse(&req, "fwctl0", "ACCESS_REG", "reg=MCIA", "addr=148", "size=16"), 0);
	cr_assert_eq(rpc_in_len(&req), MLX5_ST_SZ_BYTES(access_register_in) +
				       MLX5_ST_SZ_BYTES(mcia_reg));
	cr_assert_eq(rpc_out_len(&req), MLX5_ST_SZ_BYTES(access_register_out) +
					MLX5_ST_SZ_BYTES(mcia_reg));
	in = encode(&req, NULL);
	reg = in + MLX5_ST_SZ_BYTES(access_register_in);
	cr_assert_eq(MLX5_GET(access_register_in, in, opcode), MLX5_CMD_OP_ACCESS_REG);
	cr_assert_eq(MLX5_GET(access_register_in, in, op_mod), FWCTL_MLX5_ACCESS_REG_READ);
	cr_assert_eq(MLX5_GET(access_register_in, in, register_id), FWCTL_MLX5_REG_MCIA);
	cr_assert_eq(MLX5_GET(access_register_in, in, argument), 0);
	cr_assert_eq(MLX5_GET(mcia_reg, reg, module), 0);
	cr_assert_eq(MLX5_GET(mcia_reg, reg, i2c_device_address), 0x50, "default");
	cr_assert_eq(MLX5_GET(mcia_reg, reg, page_number), 0);
	cr_assert_eq(MLX5_GET(mcia_reg, reg, device_address), 148);
	cr_assert_eq(MLX5_GET(mcia_reg, reg, size), 16);
	free(in);

	cr_assert_eq(parse(&req, "fwctl0", "ACCESS_REG", "reg=MCIA", "module=1", "i2c=0x51",
			   "page=3", "write"), 0);
	in = encode(&req, NULL);
	reg = in + MLX5_ST_SZ_BYTES(access_register_in);
	cr_assert_eq(MLX5_GET(access_register_in, in, op_mod), FWCTL_MLX5_ACCESS_REG_WRITE);
	cr_assert_eq(MLX5_GET(mcia_reg, reg, module), 1);
	cr_assert_eq(MLX5_GET(mcia_reg, reg, i2c_device_address), 0x51);
	cr_assert_eq(MLX5_GET(mcia_reg, reg, page_number), 3);
	cr_assert_eq(MLX5_GET(mcia_reg, reg, size), 16, "default");
	free(in);
}

Test(loader_rpc, encodes_mtmp_and_mnvda)
{
	uint8_t *in, *reg, *data;

	cr_assert_eq(parse(&req, "fwctl0", "ACCESS_REG", "reg=MTMP", "sensor=64", "write",
			   "mtr=1", "threshold_hi=840"), 0);
	in = encode(&req, NULL);
	reg = in + MLX5_ST_SZ_BYTES(access_register_in);
	cr_assert_eq(rpc_in_len(&req), 16 + MLX5_ST_SZ_BYTES(mtmp_reg));
	cr_assert_eq(MLX5_GET(mtmp_reg, reg, sensor_index), 64);
	cr_assert_eq(MLX5_GET(mtmp_reg, reg, mtr), 1);
	cr_assert_eq(MLX5_GET(mtmp_reg, reg, mte), 0);
	cr_assert_eq(MLX5_GET(mtmp_reg, reg, temp_threshold_hi), 840);
	free(in);

	cr_assert_eq(parse(&req, "fwctl0", "ACCESS_REG", "reg=MNVDA", "type=0x01010012", "write",
			   "data=00000001"), 0);
	cr_assert_eq(rpc_in_len(&req), 16 + MLX5_ST_SZ_BYTES(mnvda_reg));
	in = encode(&req, NULL);
	reg = in + MLX5_ST_SZ_BYTES(access_register_in);
	data = MLX5_ADDR_OF(mnvda_reg, reg, configuration_item_data);
	cr_assert_eq(MLX5_GET(access_register_in, in, register_id), FWCTL_MLX5_REG_MNVDA);
	cr_assert_eq(MLX5_GET(access_register_in, in, op_mod), FWCTL_MLX5_ACCESS_REG_WRITE);
	cr_assert_eq(MLX5_GET(mnvda_reg, reg, type), 0x01010012);
	cr_assert_eq(MLX5_GET(mnvda_reg, reg, length), 4, "data= sets the length");
	cr_assert_eq(data[3], 1);
	cr_assert_eq(data[4], 0);
	free(in);

	cr_assert_eq(parse(&req, "fwctl0", "ACCESS_REG", "reg=MNVDA", "type=0x80", "read_current=1"),
		     0);
	in = encode(&req, NULL);
	reg = in + MLX5_ST_SZ_BYTES(access_register_in);
	cr_assert_eq(MLX5_GET(mnvda_reg, reg, read_current), 1);
	cr_assert_eq(MLX5_GET(mnvda_reg, reg, default_), 0);
	cr_assert_eq(MLX5_GET(mnvda_reg, reg, length), 0);
	free(in);
}

Test(loader_rpc, access_reg_in_hex_is_the_register_data_and_fields_go_on_top)
{
	uint8_t *in, *reg;

	cr_assert_eq(parse(&req, "fwctl0", "ACCESS_REG", "reg=MCIA", "in=01000000", "addr=7"), 0);
	in = encode(&req, NULL);
	reg = in + MLX5_ST_SZ_BYTES(access_register_in);
	cr_assert_eq(MLX5_GET(mcia_reg, reg, module), 0, "in= replaced the first dword");
	cr_assert_eq(MLX5_GET(mcia_reg, reg, l), 0);
	cr_assert_eq(reg[0], 0x01);
	cr_assert_eq(MLX5_GET(mcia_reg, reg, device_address), 7);
	free(in);

	/* a register fwctl-bpf has no layout for: in= is all of it */
	cr_assert_eq(parse(&req, "fwctl0", "ACCESS_REG", "reg=PAOS", "in=0001000000000000"), 0);
	cr_assert_eq(rpc_in_len(&req), 16 + 8);
	cr_assert_eq(rpc_out_len(&req), RPC_DEFAULT_OUT_LEN);
	in = encode(&req, NULL);
	cr_assert_eq(MLX5_GET(access_register_in, in, register_id), FWCTL_MLX5_REG_PAOS);
	cr_assert_eq(MLX5_GET(paos_reg, in + 16, local_port), 1);
	free(in);
}

Test(loader_rpc, set_hca_cap_changes_the_given_fields_of_the_current_caps)
{
	size_t cap_len = MLX5_FLD_SZ_BYTES(set_hca_cap_in, capability);
	uint8_t *caps = aligned_alloc(8, cap_len), *want = aligned_alloc(8, cap_len), *in, *got;
	size_t i;

	cr_assert(caps && want);
	for (i = 0; i < cap_len; i++)
		caps[i] = i * 7 + 3;	/* "current caps": every bit matters */
	memcpy(want, caps, cap_len);
	MLX5_SET(cmd_hca_cap, want, log_max_qp, 16);
	MLX5_SET(cmd_hca_cap, want, roce, 0);

	cr_assert_eq(parse(&req, "fwctl0", "--scope", "configuration", "SET_HCA_CAP",
			   "log_max_qp=16", "roce=0"), 0);
	cr_assert_eq(rpc_in_len(&req), MLX5_ST_SZ_BYTES(set_hca_cap_in));
	cr_assert_eq(rpc_cap_query_op_mod(&req), 1, "QUERY_HCA_CAP general, current");
	in = encode(&req, caps);
	got = MLX5_ADDR_OF(set_hca_cap_in, in, capability);
	cr_assert_eq(MLX5_GET(set_hca_cap_in, in, opcode), MLX5_CMD_OP_SET_HCA_CAP);
	cr_assert_eq(MLX5_GET(set_hca_cap_in, in, op_mod), 0);
	cr_assert_eq(MLX5_GET(set_hca_cap_in, in, other_function), 0);
	cr_assert_eq(MLX5_GET(cmd_hca_cap, got, log_max_qp), 16);
	cr_assert_eq(MLX5_GET(cmd_hca_cap, got, roce), 0);
	cr_assert(!memcmp(got, want, cap_len), "only log_max_qp and roce changed");
	free(in);
	free(caps);
	free(want);
}

Test(loader_rpc, set_hca_cap_of_a_vf_addresses_it_in_the_mailbox_not_in_the_caps)
{
	size_t cap_len = MLX5_FLD_SZ_BYTES(set_hca_cap_in, capability);
	uint8_t *caps = aligned_alloc(8, cap_len), *want = aligned_alloc(8, cap_len), *in, *got;
	size_t i;

	cr_assert(caps && want);
	for (i = 0; i < cap_len; i++)
		caps[i] = i * 5 + 1;
	memcpy(want, caps, cap_len);
	MLX5_SET(cmd_hca_cap, want, roce, 0);

	/* the pre-configuration of VF 1, the SET_HCA_CAP firmware accepts from fwctl */
	cr_assert_eq(parse(&req, "fwctl0", "--scope", "configuration", "SET_HCA_CAP",
			   "other_function=1", "function_id=1", "roce=0"), 0);
	cr_assert_eq(rpc_cap_query_op_mod(&req), 1);
	in = encode(&req, caps);
	got = MLX5_ADDR_OF(set_hca_cap_in, in, capability);
	cr_assert_eq(MLX5_GET(set_hca_cap_in, in, op_mod), 0);
	cr_assert_eq(MLX5_GET(set_hca_cap_in, in, other_function), 1);
	cr_assert_eq(MLX5_GET(set_hca_cap_in, in, function_id), 1);
	cr_assert(!memcmp(got, want, cap_len), "only roce changed in the caps");
	free(in);
	free(caps);
	free(want);
}

/* Decoding */

static uint8_t reply[8192] __attribute__((aligned(8)));

static void reply_hdr(uint8_t status, uint32_t syndrome)
{
	memset(reply, 0, sizeof(reply));
	MLX5_SET(mbox_out_hdr, reply, status, status);
	MLX5_SET(mbox_out_hdr, reply, syndrome, syndrome);
}

static const char *str(const struct rpc_reply *r, const char *name)
{
	const struct rpc_value *v = rpc_value(r, name);

	cr_assert(v, "no field %s", name);
	return v->str;
}

static int64_t num(const struct rpc_reply *r, const char *name)
{
	const struct rpc_value *v = rpc_value(r, name);

	cr_assert(v, "no field %s", name);
	return v->num;
}

static struct rpc_reply rep;

static void query_adapter_reply(void)
{
	void *blk = MLX5_ADDR_OF(query_adapter_out, reply, query_adapter_struct);

	reply_hdr(0, 0);
	MLX5_SET(query_adapter_param_block, blk, ieee_vendor_id, 0x0002c9);
	MLX5_SET(query_adapter_param_block, blk, vsd_vendor_id, 0x15b3);
	memcpy(MLX5_ADDR_OF(query_adapter_param_block, blk, vsd_contd_psid), "MT_0000000834", 13);
}

Test(loader_rpc, decodes_query_adapter)
{
	cr_assert_eq(parse(&req, "fwctl0", "QUERY_ADAPTER"), 0);
	query_adapter_reply();
	rpc_decode(&req, reply, MLX5_ST_SZ_BYTES(query_adapter_out), rpc_out_len(&req), &rep);
	cr_assert(rep.has_header);
	cr_assert_eq(rep.status, 0);
	cr_assert_str_eq(str(&rep, "psid"), "MT_0000000834");
	cr_assert_eq(num(&rep, "ieee_vendor_id"), 0x2c9);
	cr_assert_eq(num(&rep, "vsd_vendor_id"), 0x15b3);
}

Test(loader_rpc, decodes_general_caps_only)
{
	void *cap = MLX5_ADDR_OF(query_hca_cap_out, reply, capability);

	reply_hdr(0, 0);
	MLX5_SET(cmd_hca_cap, cap, log_max_qp, 17);
	MLX5_SET(cmd_hca_cap, cap, roce, 1);
	MLX5_SET(cmd_hca_cap, cap, port_type, 1);
	MLX5_SET(cmd_hca_cap, cap, num_ports, 1);
	MLX5_SET(cmd_hca_cap, cap, uctx_cap, 7);
	cr_assert_eq(parse(&req, "fwctl0", "QUERY_HCA_CAP"), 0);
	rpc_decode(&req, reply, MLX5_ST_SZ_BYTES(query_hca_cap_out), rpc_out_len(&req), &rep);
	cr_assert_eq(num(&rep, "log_max_qp"), 17);
	cr_assert_eq(num(&rep, "roce"), 1);
	cr_assert_eq(num(&rep, "port_type"), 1);
	cr_assert_eq(num(&rep, "num_ports"), 1);
	cr_assert_eq(num(&rep, "uctx_cap"), 7);

	/* op_mod 2: cap type 1 (ethernet offloads) is not cmd_hca_cap */
	cr_assert_eq(parse(&req, "fwctl0", "QUERY_HCA_CAP", "op_mod=2"), 0);
	rpc_decode(&req, reply, MLX5_ST_SZ_BYTES(query_hca_cap_out), rpc_out_len(&req), &rep);
	cr_assert_eq(rep.nr, 0);
}

Test(loader_rpc, decodes_issi_and_the_permanent_mac)
{
	void *ctx, *mac;

	reply_hdr(0, 0);
	MLX5_SET(query_issi_out, reply, current_issi, 1);
	MLX5_SET(query_issi_out, reply, supported_issi_dw0, 3);
	cr_assert_eq(parse(&req, "fwctl0", "QUERY_ISSI"), 0);
	rpc_decode(&req, reply, MLX5_ST_SZ_BYTES(query_issi_out), rpc_out_len(&req), &rep);
	cr_assert_eq(num(&rep, "current_issi"), 1);
	cr_assert_eq(num(&rep, "supported_issi_dw0"), 3);

	reply_hdr(0, 0);
	ctx = MLX5_ADDR_OF(query_nic_vport_context_out, reply, nic_vport_context);
	mac = MLX5_ADDR_OF(nic_vport_context, ctx, permanent_address);
	MLX5_SET(mac_address_layout, mac, mac_addr_47_32, 0xb83f);
	MLX5_SET(mac_address_layout, mac, mac_addr_31_0, 0xd25a1c02);
	MLX5_SET(nic_vport_context, ctx, mtu, 1522);
	cr_assert_eq(parse(&req, "fwctl0", "QUERY_NIC_VPORT_CONTEXT"), 0);
	rpc_decode(&req, reply, rpc_out_len(&req), rpc_out_len(&req), &rep);
	cr_assert_str_eq(str(&rep, "permanent_address"), "b8:3f:d2:5a:1c:02");
	cr_assert_eq(num(&rep, "mtu"), 1522);
}

static void mcia_reply(void)
{
	uint8_t *reg = reply + MLX5_ST_SZ_BYTES(access_register_out);

	reply_hdr(0, 0);
	MLX5_SET(mcia_reg, reg, i2c_device_address, 0x50);
	MLX5_SET(mcia_reg, reg, device_address, 148);
	MLX5_SET(mcia_reg, reg, size, 10);
	memcpy(MLX5_ADDR_OF(mcia_reg, reg, dwords), "Mellanox\x01 ", 10);
}

Test(loader_rpc, decodes_mcia_as_hex_and_ascii)
{
	cr_assert_eq(parse(&req, "fwctl0", "ACCESS_REG", "reg=MCIA", "addr=148", "size=10"), 0);
	mcia_reply();
	rpc_decode(&req, reply, rpc_out_len(&req), rpc_out_len(&req), &rep);
	cr_assert_str_eq(str(&rep, "register"), "MCIA");
	cr_assert_eq(num(&rep, "mcia_status"), 0);
	cr_assert_eq(num(&rep, "addr"), 148);
	cr_assert_eq(num(&rep, "size"), 10);
	cr_assert_str_eq(str(&rep, "data"), "4d656c6c616e6f780120");
	cr_assert_str_eq(str(&rep, "ascii"), "Mellanox. ");
}

Test(loader_rpc, decodes_mtmp_in_celsius)
{
	uint8_t *reg = reply + MLX5_ST_SZ_BYTES(access_register_out);

	reply_hdr(0, 0);
	MLX5_SET(mtmp_reg, reg, sensor_index, 0);
	MLX5_SET(mtmp_reg, reg, temperature, 58 * 8 + 1);	/* 58.125 C */
	MLX5_SET(mtmp_reg, reg, max_temperature, 71 * 8);
	MLX5_SET(mtmp_reg, reg, temp_threshold_hi, (uint16_t)-12);	/* -1.5 C */
	memcpy(MLX5_ADDR_OF(mtmp_reg, reg, sensor_name_hi), "asic", 4);
	cr_assert_eq(parse(&req, "fwctl0", "ACCESS_REG", "reg=MTMP", "sensor=0"), 0);
	rpc_decode(&req, reply, rpc_out_len(&req), rpc_out_len(&req), &rep);
	cr_assert_str_eq(str(&rep, "name"), "asic");
	cr_assert_eq(num(&rep, "temperature"), 58125, "millidegrees");
	cr_assert_eq(num(&rep, "max_temperature"), 71000);
	cr_assert_eq(num(&rep, "threshold_hi"), -1500, "signed");

	rpc_print(&req, &rep, reply);
	fflush(stdout);
	slurp(cr_get_redirected_stdout(), out, sizeof(out));
	cr_assert(strstr(out, "  temperature 58.125 C\n"), "%s", out);
	cr_assert(strstr(out, "  max_temperature 71 C\n"), "%s", out);
	cr_assert(strstr(out, "  threshold_hi -1.5 C\n"), "%s", out);
}

Test(loader_rpc, decodes_mnvda)
{
	uint8_t *reg = reply + MLX5_ST_SZ_BYTES(access_register_out);

	reply_hdr(0, 0);
	MLX5_SET(mnvda_reg, reg, type, 0x80);
	MLX5_SET(mnvda_reg, reg, length, 3);
	MLX5_SET(mnvda_reg, reg, writer_id, 1);
	memcpy(MLX5_ADDR_OF(mnvda_reg, reg, configuration_item_data), "\x80\x00\x08\xff", 4);
	cr_assert_eq(parse(&req, "fwctl0", "ACCESS_REG", "reg=MNVDA", "type=0x80"), 0);
	rpc_decode(&req, reply, rpc_out_len(&req), rpc_out_len(&req), &rep);
	cr_assert_eq(num(&rep, "type"), 0x80);
	cr_assert_eq(num(&rep, "length"), 3);
	cr_assert_eq(num(&rep, "writer_id"), 1);
	cr_assert_str_eq(str(&rep, "data"), "800008", "length bytes only");
}

Test(loader_rpc, a_failed_status_or_a_short_reply_decodes_no_fields)
{
	cr_assert_eq(parse(&req, "fwctl0", "QUERY_ADAPTER"), 0);
	query_adapter_reply();
	MLX5_SET(mbox_out_hdr, reply, status, FWCTL_MLX5_STAT_BAD_PARAM_ERR);
	MLX5_SET(mbox_out_hdr, reply, syndrome, 0x5a0d0004);
	rpc_decode(&req, reply, rpc_out_len(&req), rpc_out_len(&req), &rep);
	cr_assert(rep.has_header);
	cr_assert_eq(rep.status, 3);
	cr_assert_eq(rep.syndrome, 0x5a0d0004);
	cr_assert_eq(rep.nr, 0);

	/* --out-len shorter than the layout: the header only */
	query_adapter_reply();
	rpc_decode(&req, reply, 16, 16, &rep);
	cr_assert(rep.has_header);
	cr_assert_eq(rep.nr, 0);

	rpc_decode(&req, reply, 8, 8, &rep);
	cr_assert(!rep.has_header);

	/* the driver reports more than the buffer held */
	rpc_decode(&req, reply, 300, 16, &rep);
	cr_assert_eq(rep.out_len, 300);
	cr_assert_eq(rep.len, 16);
}

/*
 * SET_HCA_CAP reads the current caps first and writes them all back: a
 * QUERY_HCA_CAP answer with status OK but shorter than the caps (a
 * policy's REPLY of a bare header) must be refused, not taken as zeroes.
 * The old read_caps() copied the capability whatever out_len said.
 */
Test(loader_rpc, set_hca_cap_refuses_a_short_ok_answer_to_its_query)
{
	size_t cap_len = MLX5_FLD_SZ_BYTES(query_hca_cap_out, capability);
	uint32_t full = MLX5_ST_SZ_BYTES(query_hca_cap_out);
	uint8_t *caps = calloc(1, cap_len);
	char msg[256];

	cr_assert(caps);
	memset(reply, 0, sizeof(reply));
	memset(MLX5_ADDR_OF(query_hca_cap_out, reply, capability), 0x5a, cap_len);

	/* a REPLY of the 16-byte header, status OK */
	cr_assert_eq(rpc_current_caps(reply, 16, full, caps, msg, sizeof(msg)), -1);
	cr_assert(strstr(msg, "QUERY_HCA_CAP returned status OK with 16 bytes, fewer than the "
			 "4112 of the current caps"), "%s", msg);
	cr_assert_eq(caps[0], 0, "caps taken from a short reply");
	/* one byte short */
	cr_assert_eq(rpc_current_caps(reply, full - 1, full, caps, msg, sizeof(msg)), -1);
	/* the driver claims the full length, the buffer held less */
	cr_assert_eq(rpc_current_caps(reply, full, 16, caps, msg, sizeof(msg)), -1);
	/* less than a header */
	cr_assert_eq(rpc_current_caps(reply, 8, full, caps, msg, sizeof(msg)), -1);
	cr_assert(strstr(msg, "not even the 16 of the output header"), "%s", msg);

	/* a failed status is named */
	MLX5_SET(mbox_out_hdr, reply, status, FWCTL_MLX5_STAT_BAD_PARAM_ERR);
	MLX5_SET(mbox_out_hdr, reply, syndrome, 0x1234);
	cr_assert_eq(rpc_current_caps(reply, full, full, caps, msg, sizeof(msg)), -1);
	cr_assert(strstr(msg, "QUERY_HCA_CAP status BAD_PARAM_ERR (0x3) syndrome 0x1234"), "%s",
		  msg);

	/* the whole answer: the caps, byte for byte */
	MLX5_SET(mbox_out_hdr, reply, status, 0);
	cr_assert_eq(rpc_current_caps(reply, full, full, caps, msg, sizeof(msg)), 0);
	cr_assert(!memcmp(caps, MLX5_ADDR_OF(query_hca_cap_out, reply, capability), cap_len));
	free(caps);
}

/* Printing */

Test(loader_rpc, text_has_the_status_line_then_the_fields)
{
	cr_assert_eq(parse(&req, "fwctl0", "QUERY_ADAPTER"), 0);
	query_adapter_reply();
	rpc_decode(&req, reply, rpc_out_len(&req), rpc_out_len(&req), &rep);
	rpc_print(&req, &rep, reply);
	fflush(stdout);
	slurp(cr_get_redirected_stdout(), out, sizeof(out));
	cr_assert_str_eq(out, "status OK (0x0) syndrome 0x0 out_len 272\n"
			      "  psid MT_0000000834\n"
			      "  ieee_vendor_id 0x0002c9\n"
			      "  vsd_vendor_id 0x15b3\n");
}

Test(loader_rpc, text_hexdumps_what_it_does_not_decode)
{
	cr_assert_eq(parse(&req, "fwctl0", "QUERY_CQ"), 0);
	reply_hdr(FWCTL_MLX5_STAT_BAD_OP_ERR, 0x5a0d0001);
	reply[70] = 0x42;
	rpc_decode(&req, reply, 96, rpc_out_len(&req), &rep);
	rpc_print(&req, &rep, reply);
	fflush(stdout);
	slurp(cr_get_redirected_stdout(), out, sizeof(out));
	cr_assert_str_eq(out,
		"status BAD_OP_ERR (0x2) syndrome 0x5a0d0001 out_len 96\n"
		"  0000: 02 00 00 00 5a 0d 00 01 00 00 00 00 00 00 00 00\n"
		"  0010: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
		"  *\n"
		"  0040: 00 00 00 00 00 00 42 00 00 00 00 00 00 00 00 00\n"
		"  0050: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n");
}

/* jq -r FILTER on JSON */
static char *jq(const char *json, const char *filter)
{
	char path[] = "/tmp/rpc_json.XXXXXX", cmd[256];
	static char res[4096];
	int fd = mkstemp(path);
	size_t n;
	FILE *p;

	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, json, strlen(json)), (ssize_t)strlen(json));
	close(fd);
	snprintf(cmd, sizeof(cmd), "jq -r '%s' %s", filter, path);
	p = popen(cmd, "r");
	cr_assert(p);
	n = fread(res, 1, sizeof(res) - 1, p);
	res[n] = '\0';
	cr_assert_eq(pclose(p), 0, "jq %s failed on: %s", filter, json);
	unlink(path);
	res[strcspn(res, "\n")] = '\0';
	return res;
}

static char *json_of(const struct rpc_request *r, const struct rpc_reply *d, const void *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	json_output = true;
	json_wtr = jw_new(f, false);
	rpc_print(r, d, o);
	jw_destroy(&json_wtr);
	json_output = false;
	fclose(f);
	return buf;
}

Test(loader_rpc, json_has_status_fields_and_the_raw_reply)
{
	char *json;

	cr_assert_eq(parse(&req, "fwctl0", "ACCESS_REG", "reg=MCIA", "addr=148", "size=10"), 0);
	mcia_reply();
	rpc_decode(&req, reply, rpc_out_len(&req), rpc_out_len(&req), &rep);
	json = json_of(&req, &rep, reply);
	cr_assert_str_eq(jq(json, "keys_unsorted | join(\",\")"),
			 "status,status_name,syndrome,out_len,fields,out");
	cr_assert_str_eq(jq(json, ".status"), "0");
	cr_assert_str_eq(jq(json, ".status_name"), "OK");
	cr_assert_str_eq(jq(json, ".syndrome"), "0");
	cr_assert_str_eq(jq(json, ".out_len"), "160");
	cr_assert_str_eq(jq(json, ".fields.register"), "MCIA");
	cr_assert_str_eq(jq(json, ".fields.ascii"), "Mellanox. ");
	cr_assert_str_eq(jq(json, ".fields.i2c"), "80");
	cr_assert_str_eq(jq(json, ".out | length"), "320", "160 bytes in hex");
	cr_assert_str_eq(jq(json, ".out[64:84]"), "4d656c6c616e6f780120", "the register data");
	free(json);

	cr_assert_eq(parse(&req, "fwctl0", "ACCESS_REG", "reg=MTMP"), 0);
	reply_hdr(0, 0);
	MLX5_SET(mtmp_reg, reply + 16, temperature, 58 * 8);
	rpc_decode(&req, reply, rpc_out_len(&req), rpc_out_len(&req), &rep);
	json = json_of(&req, &rep, reply);
	cr_assert_str_eq(jq(json, ".fields.temperature_mc"), "58000");
	free(json);

	cr_assert_eq(parse(&req, "fwctl0", "0x1234"), 0);
	reply_hdr(0x42, 7);
	rpc_decode(&req, reply, 16, rpc_out_len(&req), &rep);
	json = json_of(&req, &rep, reply);
	cr_assert_str_eq(jq(json, ".status"), "66");
	cr_assert_str_eq(jq(json, ".status_name"), "null", "no name for 0x42");
	cr_assert_str_eq(jq(json, ".syndrome"), "7");
	cr_assert_str_eq(jq(json, ".fields | length"), "0");
	cr_assert_str_eq(jq(json, ".out"), "42000000000000070000000000000000");
	free(json);
}
