// SPDX-License-Identifier: GPL-2.0
/*
 * `fwctl-bpf rpc` against the simulated mlx5 device, run as an operator
 * runs it (build/fwctl-bpf as a subprocess): replies decoded, a policy's
 * rejection reported with its errno name, JSON that jq reads, and
 * SET_HCA_CAP pre-configuring a VF, changing only the caps it is given.
 *
 * Policies are pinned under a root of this suite's own, and the fixture
 * detaches them, so a failed test leaves no policy running.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <fwctl/bpf.h>

#include "cli.h"
#include "fwctl.h"
#include "sim.h"

#define ROOT	"/sys/fs/bpf/loader_rpc_test"
#define READONLY "build/policies/generic__readonly.bpf.o"
#define HOOK	"build/hook_policy.bpf.o"

static struct cli_result r;	/* the last command's */
static char dev0[32];	/* fwctlN of sim0 */

#define loader(...) cli_run(&r, __VA_ARGS__, NULL)

/* jq @opt @filter of @json: its exit code; its output in @j */
static int jq(struct cli_result *j, const char *json, const char *opt, const char *filter)
{
	return cli_exec(j, json, (const char *const[]){ "jq", opt, filter, NULL });
}

/* whatever the tests attach, when it is attached */
static void detach(void)
{
	loader("detach", "hcashort");
	loader("detach", "readonly");
}

static void setup(void)
{
	cr_assert_eq(setenv("FWCTL_BPF_PIN_ROOT", ROOT, 1), 0);
	sim_restore();
	detach();
	cr_assert_eq(sim_fwctl_name(0, dev0, sizeof(dev0)), 0);
	dev0[strcspn(dev0, "\n")] = '\0';
}

static void teardown(void)
{
	detach();
	rmdir(ROOT);
	sim_restore();
}

TestSuite(loader_rpc, .init = setup, .fini = teardown);

Test(loader_rpc, nop_succeeds)
{
	long long before = sim_opcode_count(0, MLX5_CMD_OP_NOP);

	cr_assert_eq(loader("rpc", dev0, "NOP"), 0, "%s", r.err);
	cr_assert_str_eq(r.out, "status OK (0x0) syndrome 0x0 out_len 16\n"
			        "  0000: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n");
	cr_assert_str_eq(r.err, "");
	cr_assert_eq(sim_opcode_count(0, MLX5_CMD_OP_NOP), before + 1, "one NOP reached firmware");
}

Test(loader_rpc, every_device_spelling_reaches_the_device)
{
	const char *n = dev0 + strlen("fwctl");
	char path[64];

	snprintf(path, sizeof(path), "/dev/fwctl/%s", dev0);
	cr_assert_eq(loader("rpc", path, "nop"), 0, "%s", r.err);
	cr_assert_eq(loader("rpc", n, "0x80d"), 0, "%s", r.err);
	cr_assert(strstr(r.out, "status OK (0x0)"), "%s", r.out);
}

Test(loader_rpc, query_adapter_shows_the_psid_and_vendor_ids)
{
	cr_assert_eq(loader("rpc", dev0, "QUERY_ADAPTER"), 0, "%s", r.err);
	cr_assert_str_eq(r.out, "status OK (0x0) syndrome 0x0 out_len 272\n"
			        "  psid MT_0000000834\n"
			      "  ieee_vendor_id 0x0002c9\n"
			      "  vsd_vendor_id 0x15b3\n");
}

Test(loader_rpc, query_hca_cap_issi_and_vport_are_decoded)
{
	cr_assert_eq(loader("rpc", dev0, "QUERY_HCA_CAP"), 0, "%s", r.err);
	cr_assert(strstr(r.out, "status OK (0x0) syndrome 0x0 out_len 4112\n"), "%s", r.out);
	cr_assert(strstr(r.out, "  log_max_qp 17\n"), "%s", r.out);
	cr_assert(strstr(r.out, "  roce 1\n"), "%s", r.out);
	cr_assert(strstr(r.out, "  port_type 1\n"), "%s", r.out);
	cr_assert(strstr(r.out, "  num_ports 1\n"), "%s", r.out);
	cr_assert(strstr(r.out, "  uctx_cap 0x7\n"), "%s", r.out);

	cr_assert_eq(loader("rpc", dev0, "QUERY_ISSI"), 0, "%s", r.err);
	cr_assert(strstr(r.out, "  current_issi 1\n  supported_issi_dw0 0x3\n"), "%s", r.out);

	cr_assert_eq(loader("rpc", dev0, "QUERY_NIC_VPORT_CONTEXT"), 0, "%s", r.err);
	cr_assert(strstr(r.out, "  permanent_address b8:3f:d2:5a:1c:00\n"), "%s", r.out);

	/* a command's own header field: another vport is refused by the model */
	cr_assert_eq(loader("rpc", dev0, "QUERY_NIC_VPORT_CONTEXT", "other_vport=1",
			    "vport_number=1"), 1, "%s", r.err);
	cr_assert(strstr(r.out, "status BAD_PARAM_ERR (0x3) syndrome 0x5a0d0007"), "%s", r.out);
}

Test(loader_rpc, mcia_reads_the_cable_vendor_name)
{
	cr_assert_eq(loader("rpc", dev0, "ACCESS_REG", "reg=MCIA", "addr=148", "size=16"), 0,
		     "%s", r.err);
	cr_assert(strstr(r.out, "  register MCIA\n  mcia_status 0x0\n"), "%s", r.out);
	cr_assert(strstr(r.out, "  data 4d656c6c616e6f782020202020202020\n"), "%s", r.out);
	cr_assert(strstr(r.out, "  ascii \"Mellanox        \"\n"), "%s", r.out);

	/* the empty cage: the command succeeds, the register says why not */
	cr_assert_eq(loader("rpc", dev0, "ACCESS_REG", "reg=MCIA", "module=1"), 0, "%s", r.err);
	cr_assert(strstr(r.out, "  mcia_status 0x3\n"), "%s", r.out);
}

Test(loader_rpc, mtmp_reads_the_asic_temperature_in_celsius)
{
	cr_assert_eq(loader("rpc", dev0, "ACCESS_REG", "reg=MTMP", "sensor=0"), 0, "%s", r.err);
	cr_assert(strstr(r.out, "  name asic\n  temperature 58 C\n  max_temperature 71 C\n"),
		  "%s", r.out);
}

Test(loader_rpc, a_policy_rejection_prints_the_errno_name_and_exits_1)
{
	struct cli_result j = {};
	long long before;

	cr_assert_eq(loader("attach", READONLY), 0, "%s", r.err);
	before = sim_opcode_count(0, MLX5_CMD_OP_QUERY_ADAPTER);

	cr_assert_eq(loader("rpc", dev0, "--scope", "configuration", "QUERY_ADAPTER"), 1);
	cr_assert_eq(strcmp(dev0, "fwctl0"), 0, "the demo's device is sim0");
	cr_assert_str_eq(r.err, "Error: can't send QUERY_ADAPTER to /dev/fwctl/fwctl0: "
			        "Permission denied (EACCES)\n");
	cr_assert_str_eq(r.out, "");

	loader("-j", "rpc", dev0, "--scope", "conf", "QUERY_ADAPTER");
	cr_assert_eq(jq(&j, r.out, "-r", ".errno, .error"), 0, "%s%s", r.err, j.err);
	cr_assert_str_eq(j.out, "EACCES\ncan't send QUERY_ADAPTER to /dev/fwctl/fwctl0: "
				"Permission denied\n");
	cr_assert_eq(sim_opcode_count(0, MLX5_CMD_OP_QUERY_ADAPTER), before,
		     "rejected RPCs never reach firmware");

	/* what the policy allows still goes through */
	cr_assert_eq(loader("rpc", dev0, "QUERY_ADAPTER"), 0, "%s", r.err);
	cr_assert(strstr(r.out, "  psid MT_0000000834\n"), "%s", r.out);
	cli_result_free(&j);
}

Test(loader_rpc, the_driver_s_refusals_have_their_errno_names_too)
{
	/* mlx5ctl_validate_rpc(): not an allowed opcode */
	cr_assert_eq(loader("rpc", dev0, "CREATE_MKEY"), 1);
	cr_assert_str_eq(r.err, "Error: can't send CREATE_MKEY to /dev/fwctl/fwctl0: "
			        "Bad message (EBADMSG)\n");
	/* out_len < 16 */
	cr_assert_eq(loader("rpc", dev0, "--out-len", "8", "NOP"), 1);
	cr_assert(strstr(r.err, ": Message too long (EMSGSIZE)\n"), "%s", r.err);
}

/* A private simulated device: its index; its fwctl name in @dev */
static int add_private(char *dev, size_t size)
{
	int k = sim_add_private();

	cr_assert(k >= 0, "%s", strerror(-k));
	cr_assert_eq(sim_fwctl_name(k, dev, size), 0);
	dev[strcspn(dev, "\n")] = '\0';
	return k;
}

Test(loader_rpc, a_firmware_error_status_is_printed_and_exits_1)
{
	char dev[32];
	int k = add_private(dev, sizeof(dev));
	cr_assert_eq(sim_fault(k, "status 0x6 1"), 0);
	cr_assert_eq(loader("rpc", dev, "QUERY_ADAPTER"), 1, "%s", r.err);
	cr_assert(strstr(r.out, "status RES_BUSY (0x6) syndrome 0x5a0dfa17 out_len 272\n"), "%s",
		  r.out);
	cr_assert(!strstr(r.out, "psid"), "no fields of a failed command: %s", r.out);
	cr_assert_str_eq(r.err, "");

	cr_assert_eq(loader("rpc", dev, "QUERY_CQ"), 1);
	cr_assert(strstr(r.out, "status BAD_OP_ERR (0x2) syndrome 0x5a0d0001 out_len 4096\n"
			        "  0000: 02 00 00 00 5a 0d 00 01"), "%s", r.out);
}

Test(loader_rpc, json_output_parses_with_jq)
{
	struct cli_result j = {};

	loader("-j", "rpc", dev0, "QUERY_ADAPTER");
	cr_assert_eq(jq(&j, r.out, "-r", "[.status, .status_name, .syndrome, .out_len, "
			".fields.psid, .fields.vsd_vendor_id, (.out | length)] | "
			"map(tostring) | join(\" \")"), 0, "%s%s", r.err, j.err);
	cr_assert_str_eq(j.out, "0 OK 0 272 MT_0000000834 5555 544\n");

	loader("-p", "rpc", dev0, "ACCESS_REG", "reg=MCIA", "addr=148", "size=16");
	cr_assert_eq(jq(&j, r.out, "-r", ".fields.ascii"), 0, "%s%s", r.err, j.err);
	cr_assert_str_eq(j.out, "Mellanox        \n");

	loader("-j", "rpc", dev0, "ACCESS_REG", "reg=MTMP", "sensor=0");
	cr_assert_eq(jq(&j, r.out, "-e", ".fields.temperature_mc == 58000"), 0, "%s", j.out);
	cli_result_free(&j);
}

/* QUERY_HCA_CAP's general current caps of VF @vf (0: the device itself) into @caps */
static void query_caps(int fd, unsigned int vf, void *caps)
{
	uint8_t in[MLX5_ST_SZ_BYTES(query_hca_cap_in)] = {};
	static uint8_t o[MLX5_ST_SZ_BYTES(query_hca_cap_out)];
	uint32_t len = sizeof(o);

	sim_hdr(in, MLX5_CMD_OP_QUERY_HCA_CAP, 1);
	if (vf) {
		MLX5_SET(query_hca_cap_in, in, other_function, 1);
		MLX5_SET(query_hca_cap_in, in, function_id, vf);
	}
	cr_assert_eq(fwctl_rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, sizeof(in), o, &len), 0);
	cr_assert_eq(sim_status(o), 0);
	memcpy(caps, MLX5_ADDR_OF(query_hca_cap_out, o, capability),
	       MLX5_FLD_SZ_BYTES(query_hca_cap_out, capability));
}

/* SET_HCA_CAP of VF @vf's caps @caps, without the loader */
static void set_caps(int fd, unsigned int vf, const void *caps)
{
	static uint8_t in[MLX5_ST_SZ_BYTES(set_hca_cap_in)];
	uint8_t o[MLX5_ST_SZ_BYTES(set_hca_cap_out)];
	uint32_t len = sizeof(o);

	memset(in, 0, sizeof(in));
	sim_hdr(in, MLX5_CMD_OP_SET_HCA_CAP, 0);
	MLX5_SET(set_hca_cap_in, in, other_function, 1);
	MLX5_SET(set_hca_cap_in, in, function_id, vf);
	memcpy(MLX5_ADDR_OF(set_hca_cap_in, in, capability), caps,
	       MLX5_FLD_SZ_BYTES(set_hca_cap_in, capability));
	cr_assert_eq(fwctl_rpc(fd, FWCTL_RPC_CONFIGURATION, in, sizeof(in), o, &len), 0);
	cr_assert_eq(sim_status(o), 0, "syndrome 0x%x", sim_syndrome(o));
}

Test(loader_rpc, set_hca_cap_preconfigures_a_vf_changing_only_the_caps_it_is_given)
{
	static uint8_t before[MLX5_FLD_SZ_BYTES(query_hca_cap_out, capability)];
	static uint8_t after[sizeof(before)], own[sizeof(before)], vf2[sizeof(before)];
	char dev[32];
	int k = add_private(dev, sizeof(dev)), fd;
	fd = sim_open(k);
	cr_assert(fd >= 0);
	/*
	 * VF 1's caps made to differ from the device's and VF 2's, so that
	 * the loader keeping another function's caps would show
	 */
	query_caps(fd, 1, before);
	MLX5_SET(cmd_hca_cap, before, log_max_current_mc_list, 3);
	MLX5_SET(cmd_hca_cap, before, cache_line_128byte, 0);
	set_caps(fd, 1, before);
	query_caps(fd, 1, before);
	query_caps(fd, 0, own);
	query_caps(fd, 2, vf2);
	cr_assert_eq(MLX5_GET(cmd_hca_cap, before, log_max_current_mc_list), 3);
	cr_assert_neq(MLX5_GET(cmd_hca_cap, own, log_max_current_mc_list), 3);
	/* fields SET_HCA_CAP would clear if the current caps were not sent */
	cr_assert(MLX5_GET(cmd_hca_cap, before, log_max_current_mc_list) ||
		  MLX5_GET(cmd_hca_cap, before, num_vhca_ports));

	cr_assert_eq(loader("rpc", dev, "--scope", "configuration", "SET_HCA_CAP",
			    "other_function=1", "function_id=1", "log_max_qp=16", "roce=0"), 0,
		     "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "status OK (0x0) syndrome 0x0 out_len 16\n"), "%s", r.out);
	query_caps(fd, 1, after);
	MLX5_SET(cmd_hca_cap, before, log_max_qp, 16);
	MLX5_SET(cmd_hca_cap, before, roce, 0);
	cr_assert(!memcmp(before, after, sizeof(before)), "caps other than the two changed");
	/* that VF only */
	query_caps(fd, 0, after);
	cr_assert(!memcmp(own, after, sizeof(own)), "the device's own caps changed");
	query_caps(fd, 2, after);
	cr_assert(!memcmp(vf2, after, sizeof(vf2)), "VF 2's caps changed");

	cr_assert_eq(loader("rpc", dev, "QUERY_HCA_CAP", "other_function=1", "function_id=1"), 0,
		     "%s", r.err);
	cr_assert(strstr(r.out, "  log_max_qp 16\n"), "%s", r.out);
	cr_assert(strstr(r.out, "  roce 0\n"), "%s", r.out);

	/* above the maximum: the firmware's status, nothing changed */
	cr_assert_eq(loader("rpc", dev, "--scope", "configuration", "SET_HCA_CAP",
			    "other_function=1", "function_id=1", "log_max_qp=31"), 1);
	cr_assert(strstr(r.out, "status BAD_PARAM_ERR (0x3) syndrome 0x5a0d0006"), "%s", r.out);
	query_caps(fd, 1, after);
	cr_assert(!memcmp(before, after, sizeof(before)));
	close(fd);
}

Test(loader_rpc, set_hca_cap_of_the_own_function_reports_the_firmware_refusal)
{
	static uint8_t before[MLX5_FLD_SZ_BYTES(query_hca_cap_out, capability)];
	static uint8_t after[sizeof(before)];
	char dev[32];
	int k = add_private(dev, sizeof(dev)), fd;
	fd = sim_open(k);
	cr_assert(fd >= 0);
	query_caps(fd, 0, before);
	cr_assert_eq(loader("rpc", dev, "--scope", "configuration", "SET_HCA_CAP", "log_max_qp=16"),
		     1, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "status BAD_PARAM_ERR (0x3) syndrome 0x5a0d0012"), "%s", r.out);
	query_caps(fd, 0, after);
	cr_assert(!memcmp(before, after, sizeof(before)), "a refused SET_HCA_CAP changed the caps");
	close(fd);
}

/*
 * A policy REPLYing to QUERY_HCA_CAP with a bare OK header: the old loader
 * took the missing caps as zeroes and wrote them back with SET_HCA_CAP.
 */
Test(loader_rpc, set_hca_cap_refuses_a_short_ok_answer_to_its_caps_query)
{
	static uint8_t before[MLX5_FLD_SZ_BYTES(query_hca_cap_out, capability)];
	static uint8_t after[sizeof(before)];
	char dev[32], match[32], verdict[32];
	int k = add_private(dev, sizeof(dev)), fd;
	fd = sim_open(k);
	cr_assert(fd >= 0);
	query_caps(fd, 1, before);
	snprintf(match, sizeof(match), "match_opcode=%d", MLX5_CMD_OP_QUERY_HCA_CAP);
	snprintf(verdict, sizeof(verdict), "verdict=%d", FWCTL_BPF_REPLY);
	cr_assert_eq(loader("attach", HOOK, "--name", "hcashort", "--device", dev, "--set", match,
			    "--set", "reply_len=16", "--set", verdict), 0, "%s", r.err);
	cr_assert_eq(loader("rpc", dev, "--scope", "configuration", "SET_HCA_CAP",
			    "other_function=1", "function_id=1", "log_max_qp=16"), 1, "%s%s", r.out,
		     r.err);
	cr_assert(strstr(r.err, "can't read the current caps for SET_HCA_CAP: QUERY_HCA_CAP "
				"returned status OK with 16 bytes, fewer than the 4112 of the "
				"current caps"),
		  "%s", r.err);
	cr_assert_eq(loader("detach", "hcashort"), 0, "%s", r.err);
	query_caps(fd, 1, after);
	cr_assert(!memcmp(before, after, sizeof(before)), "the VF's caps changed");
	close(fd);
}

Test(loader_rpc, mnvda_write_then_read_round_trips)
{
	char dev[32];

	add_private(dev, sizeof(dev));
	cr_assert_eq(loader("rpc", dev, "--scope", "configuration", "ACCESS_REG", "reg=MNVDA",
			    "write", "type=0x01010012", "data=00000001"), 0, "%s%s", r.out, r.err);
	cr_assert_eq(loader("rpc", dev, "ACCESS_REG", "reg=MNVDA", "type=0x01010012"), 0, "%s",
		     r.err);
	cr_assert(strstr(r.out, "  type 0x01010012\n  length 4\n"), "%s", r.out);
	cr_assert(strstr(r.out, "  data 00000001\n"), "%s", r.out);
	/* the running value is still the default (next boot) */
	cr_assert_eq(loader("rpc", dev, "ACCESS_REG", "reg=MNVDA", "type=0x01010012",
			    "read_current=1"),
		     0, "%s", r.err);
	cr_assert(strstr(r.out, "  data 00000002\n"), "%s", r.out);
}
