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
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fwctl/bpf.h>

#include "fwctl.h"
#include "sim.h"

#define LOADER	"build/fwctl-bpf"
#define ROOT	"/sys/fs/bpf/loader_rpc_test"
#define READONLY "build/policies/generic__readonly.bpf.o"
#define HOOK	"build/hook_policy.bpf.o"

static char out[64 * 1024], err[64 * 1024];
static char dev0[32];	/* fwctlN of sim0 */

static void read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? 0 : read(fd, buf, size - 1);

	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

/* Run a shell command line; its stdout and stderr into out/err; exit code */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int status;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	strncat(cmd, " >/tmp/rpc_out 2>/tmp/rpc_err", sizeof(cmd) - strlen(cmd) - 1);
	status = system(cmd);
	read_file("/tmp/rpc_out", out, sizeof(out));
	read_file("/tmp/rpc_err", err, sizeof(err));
	cr_assert(status != -1 && WIFEXITED(status), "%s", cmd);
	return WEXITSTATUS(status);
}

static void detach(void)
{
	if (system(LOADER " detach hcashort >/dev/null 2>&1")) {
		/* nothing was attached */
	}
	if (system(LOADER " detach readonly >/dev/null 2>&1"))
		return;	/* nothing was attached */
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

	cr_assert_eq(sh(LOADER " rpc %s NOP", dev0), 0, "%s", err);
	cr_assert_str_eq(out, "status OK (0x0) syndrome 0x0 out_len 16\n"
			      "  0000: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n");
	cr_assert_str_eq(err, "");
	cr_assert_eq(sim_opcode_count(0, MLX5_CMD_OP_NOP), before + 1, "one NOP reached firmware");
}

Test(loader_rpc, every_device_spelling_reaches_the_device)
{
	const char *n = dev0 + strlen("fwctl");

	cr_assert_eq(sh(LOADER " rpc /dev/fwctl/%s nop", dev0), 0, "%s", err);
	cr_assert_eq(sh(LOADER " rpc %s 0x80d", n), 0, "%s", err);
	cr_assert(strstr(out, "status OK (0x0)"), "%s", out);
}

Test(loader_rpc, query_adapter_shows_the_psid_and_vendor_ids)
{
	cr_assert_eq(sh(LOADER " rpc %s QUERY_ADAPTER", dev0), 0, "%s", err);
	cr_assert_str_eq(out, "status OK (0x0) syndrome 0x0 out_len 272\n"
			      "  psid MT_0000000834\n"
			      "  ieee_vendor_id 0x0002c9\n"
			      "  vsd_vendor_id 0x15b3\n");
}

Test(loader_rpc, query_hca_cap_issi_and_vport_are_decoded)
{
	cr_assert_eq(sh(LOADER " rpc %s QUERY_HCA_CAP", dev0), 0, "%s", err);
	cr_assert(strstr(out, "status OK (0x0) syndrome 0x0 out_len 4112\n"), "%s", out);
	cr_assert(strstr(out, "  log_max_qp 17\n"), "%s", out);
	cr_assert(strstr(out, "  roce 1\n"), "%s", out);
	cr_assert(strstr(out, "  port_type 1\n"), "%s", out);
	cr_assert(strstr(out, "  num_ports 1\n"), "%s", out);
	cr_assert(strstr(out, "  uctx_cap 0x7\n"), "%s", out);

	cr_assert_eq(sh(LOADER " rpc %s QUERY_ISSI", dev0), 0, "%s", err);
	cr_assert(strstr(out, "  current_issi 1\n  supported_issi_dw0 0x3\n"), "%s", out);

	cr_assert_eq(sh(LOADER " rpc %s QUERY_NIC_VPORT_CONTEXT", dev0), 0, "%s", err);
	cr_assert(strstr(out, "  permanent_address b8:3f:d2:5a:1c:00\n"), "%s", out);

	/* a command's own header field: another vport is refused by the model */
	cr_assert_eq(sh(LOADER " rpc %s QUERY_NIC_VPORT_CONTEXT other_vport=1 vport_number=1",
			dev0), 1, "%s", err);
	cr_assert(strstr(out, "status BAD_PARAM_ERR (0x3) syndrome 0x5a0d0007"), "%s", out);
}

Test(loader_rpc, mcia_reads_the_cable_vendor_name)
{
	cr_assert_eq(sh(LOADER " rpc %s ACCESS_REG reg=MCIA addr=148 size=16", dev0), 0, "%s", err);
	cr_assert(strstr(out, "  register MCIA\n  mcia_status 0x0\n"), "%s", out);
	cr_assert(strstr(out, "  data 4d656c6c616e6f782020202020202020\n"), "%s", out);
	cr_assert(strstr(out, "  ascii \"Mellanox        \"\n"), "%s", out);

	/* the empty cage: the command succeeds, the register says why not */
	cr_assert_eq(sh(LOADER " rpc %s ACCESS_REG reg=MCIA module=1", dev0), 0, "%s", err);
	cr_assert(strstr(out, "  mcia_status 0x3\n"), "%s", out);
}

Test(loader_rpc, mtmp_reads_the_asic_temperature_in_celsius)
{
	cr_assert_eq(sh(LOADER " rpc %s ACCESS_REG reg=MTMP sensor=0", dev0), 0, "%s", err);
	cr_assert(strstr(out, "  name asic\n  temperature 58 C\n  max_temperature 71 C\n"),
		  "%s", out);
}

Test(loader_rpc, a_policy_rejection_prints_the_errno_name_and_exits_1)
{
	long long before;

	cr_assert_eq(sh(LOADER " attach " READONLY), 0, "%s", err);
	before = sim_opcode_count(0, MLX5_CMD_OP_QUERY_ADAPTER);

	cr_assert_eq(sh(LOADER " rpc %s --scope configuration QUERY_ADAPTER", dev0), 1);
	cr_assert_eq(strcmp(dev0, "fwctl0"), 0, "the demo's device is sim0");
	cr_assert_str_eq(err, "Error: can't send QUERY_ADAPTER to /dev/fwctl/fwctl0: "
			      "Permission denied (EACCES)\n");
	cr_assert_str_eq(out, "");

	cr_assert_eq(sh(LOADER " -j rpc %s --scope conf QUERY_ADAPTER | jq -r '.errno, .error'",
			dev0), 0, "%s", err);
	cr_assert_str_eq(out, "EACCES\ncan't send QUERY_ADAPTER to /dev/fwctl/fwctl0: "
			      "Permission denied\n");
	cr_assert_eq(sim_opcode_count(0, MLX5_CMD_OP_QUERY_ADAPTER), before,
		     "rejected RPCs never reach firmware");

	/* what the policy allows still goes through */
	cr_assert_eq(sh(LOADER " rpc %s QUERY_ADAPTER", dev0), 0, "%s", err);
	cr_assert(strstr(out, "  psid MT_0000000834\n"), "%s", out);
}

Test(loader_rpc, the_driver_s_refusals_have_their_errno_names_too)
{
	/* mlx5ctl_validate_rpc(): not an allowed opcode */
	cr_assert_eq(sh(LOADER " rpc %s CREATE_MKEY", dev0), 1);
	cr_assert_str_eq(err, "Error: can't send CREATE_MKEY to /dev/fwctl/fwctl0: "
			      "Bad message (EBADMSG)\n");
	/* out_len < 16 */
	cr_assert_eq(sh(LOADER " rpc %s --out-len 8 NOP", dev0), 1);
	cr_assert(strstr(err, ": Message too long (EMSGSIZE)\n"), "%s", err);
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
	cr_assert_eq(sh(LOADER " rpc %s QUERY_ADAPTER", dev), 1, "%s", err);
	cr_assert(strstr(out, "status RES_BUSY (0x6) syndrome 0x5a0dfa17 out_len 272\n"), "%s", out);
	cr_assert(!strstr(out, "psid"), "no fields of a failed command: %s", out);
	cr_assert_str_eq(err, "");

	cr_assert_eq(sh(LOADER " rpc %s QUERY_CQ", dev), 1);
	cr_assert(strstr(out, "status BAD_OP_ERR (0x2) syndrome 0x5a0d0001 out_len 4096\n"
			      "  0000: 02 00 00 00 5a 0d 00 01"), "%s", out);
}

Test(loader_rpc, json_output_parses_with_jq)
{
	cr_assert_eq(sh(LOADER " -j rpc %s QUERY_ADAPTER | jq -r "
			"'[.status, .status_name, .syndrome, .out_len, .fields.psid, "
			".fields.vsd_vendor_id, (.out | length)] | map(tostring) | join(\" \")'",
			dev0), 0, "%s", err);
	cr_assert_str_eq(out, "0 OK 0 272 MT_0000000834 5555 544\n");

	cr_assert_eq(sh(LOADER " -p rpc %s ACCESS_REG reg=MCIA addr=148 size=16 | "
			"jq -r '.fields.ascii'", dev0), 0, "%s", err);
	cr_assert_str_eq(out, "Mellanox        \n");

	cr_assert_eq(sh(LOADER " -j rpc %s ACCESS_REG reg=MTMP sensor=0 | "
			"jq -e '.fields.temperature_mc == 58000'", dev0), 0, "%s", out);
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

	cr_assert_eq(sh(LOADER " rpc %s --scope configuration SET_HCA_CAP other_function=1 "
			"function_id=1 log_max_qp=16 roce=0", dev), 0, "%s%s", out, err);
	cr_assert(strstr(out, "status OK (0x0) syndrome 0x0 out_len 16\n"), "%s", out);
	query_caps(fd, 1, after);
	MLX5_SET(cmd_hca_cap, before, log_max_qp, 16);
	MLX5_SET(cmd_hca_cap, before, roce, 0);
	cr_assert(!memcmp(before, after, sizeof(before)), "caps other than the two changed");
	/* that VF only */
	query_caps(fd, 0, after);
	cr_assert(!memcmp(own, after, sizeof(own)), "the device's own caps changed");
	query_caps(fd, 2, after);
	cr_assert(!memcmp(vf2, after, sizeof(vf2)), "VF 2's caps changed");

	cr_assert_eq(sh(LOADER " rpc %s QUERY_HCA_CAP other_function=1 function_id=1", dev), 0,
		     "%s", err);
	cr_assert(strstr(out, "  log_max_qp 16\n"), "%s", out);
	cr_assert(strstr(out, "  roce 0\n"), "%s", out);

	/* above the maximum: the firmware's status, nothing changed */
	cr_assert_eq(sh(LOADER " rpc %s --scope configuration SET_HCA_CAP other_function=1 "
			"function_id=1 log_max_qp=31", dev), 1);
	cr_assert(strstr(out, "status BAD_PARAM_ERR (0x3) syndrome 0x5a0d0006"), "%s", out);
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
	cr_assert_eq(sh(LOADER " rpc %s --scope configuration SET_HCA_CAP log_max_qp=16", dev), 1,
		     "%s%s", out, err);
	cr_assert(strstr(out, "status BAD_PARAM_ERR (0x3) syndrome 0x5a0d0012"), "%s", out);
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
	char dev[32];
	int k = add_private(dev, sizeof(dev)), fd;
	fd = sim_open(k);
	cr_assert(fd >= 0);
	query_caps(fd, 1, before);
	cr_assert_eq(sh(LOADER " attach " HOOK " --name hcashort --device %s --set match_opcode=%d "
			"--set reply_len=16 --set verdict=%d", dev, MLX5_CMD_OP_QUERY_HCA_CAP,
			FWCTL_BPF_REPLY), 0, "%s", err);
	cr_assert_eq(sh(LOADER " rpc %s --scope configuration SET_HCA_CAP other_function=1 "
			"function_id=1 log_max_qp=16", dev), 1, "%s%s", out, err);
	cr_assert(strstr(err, "can't read the current caps for SET_HCA_CAP: QUERY_HCA_CAP returned "
			      "status OK with 16 bytes, fewer than the 4112 of the current caps"),
		  "%s", err);
	cr_assert_eq(sh(LOADER " detach hcashort"), 0, "%s", err);
	query_caps(fd, 1, after);
	cr_assert(!memcmp(before, after, sizeof(before)), "the VF's caps changed");
	close(fd);
}

Test(loader_rpc, mnvda_write_then_read_round_trips)
{
	char dev[32];

	add_private(dev, sizeof(dev));
	cr_assert_eq(sh(LOADER " rpc %s --scope configuration ACCESS_REG reg=MNVDA write "
			"type=0x01010012 data=00000001", dev), 0, "%s%s", out, err);
	cr_assert_eq(sh(LOADER " rpc %s ACCESS_REG reg=MNVDA type=0x01010012", dev), 0, "%s", err);
	cr_assert(strstr(out, "  type 0x01010012\n  length 4\n"), "%s", out);
	cr_assert(strstr(out, "  data 00000001\n"), "%s", out);
	/* the running value is still the default (next boot) */
	cr_assert_eq(sh(LOADER " rpc %s ACCESS_REG reg=MNVDA type=0x01010012 read_current=1", dev),
		     0, "%s", err);
	cr_assert(strstr(out, "  data 00000002\n"), "%s", out);
}
