// SPDX-License-Identifier: GPL-2.0
/*
 * Every claim of every policy in policies/, proven against the simulated
 * mlx5 device: what the caller gets and what the firmware ran.
 */
#include <criterion/criterion.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "bpf_test.h"
#include "fwctl.h"
#include "fwctl/bpf.h"
#include "fwctl_audit_common.h"
#include "fwctl_policy_common.h"
#include "mlx5_names.h"
#include "policy.h"
#include "sim.h"
#include "sim_test.h"

#include "policies/generic__observe.skel.h"
#include "policies/generic__rate_limit.skel.h"
#include "policies/generic__readonly.skel.h"
#include "policies/mlx5__cached_qa.skel.h"
#include "policies/mlx5__clamp_hca_cap.skel.h"
#include "policies/mlx5__deny_mtmp_write.skel.h"
#include "policies/mlx5__deny_nv_write.skel.h"
#include "policies/mlx5__opcode_allow.skel.h"
#include "policies/mlx5__redact_serial.skel.h"

#define MBOX_HDR 16


/* Load and attach a policy skeleton: name__open_and_load + attach */
#define ATTACH(skel, ops)						\
	({								\
		struct bpf_link *__l = bpf_map__attach_struct_ops((skel)->maps.ops); \
		cr_assert(__l, "attach " #ops ": %s", strerror(errno));	\
		__l;							\
	})

TestSuite(policy, .init = sim_restore, .fini = sim_restore);

static int cmd(int fd, enum fwctl_rpc_scope scope, uint16_t opcode, uint16_t op_mod)
{
	uint8_t in[MBOX_HDR] = {}, out[MBOX_HDR];
	uint32_t out_len = sizeof(out);

	sim_hdr(in, opcode, op_mod);
	return fwctl_rpc(fd, scope, in, sizeof(in), out, &out_len);
}

static int nop(int fd)
{
	return cmd(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_NOP, 0);
}

/* generic__readonly */

Test(policy, readonly_passes_read_only_rpcs_only)
{
	struct generic__readonly *skel = generic__readonly__open_and_load();
	struct bpf_link *link = ATTACH(skel, readonly);
	int fd = sim_open(0);
	long long before = sim_executed(0);

	cr_assert_eq(nop(fd), 0);
	cr_assert_eq(sim_executed(0), before + 1);
	/* QUERY_ADAPTER is allowed by the driver in the configuration scope */
	cr_assert_eq(cmd(fd, FWCTL_RPC_CONFIGURATION, MLX5_CMD_OP_QUERY_ADAPTER, 0), -EACCES);
	cr_assert_eq(cmd(fd, FWCTL_RPC_DEBUG_WRITE, MLX5_CMD_OP_NOP, 0), -EACCES);
	cr_assert_eq(sim_executed(0), before + 1, "a non-read-only RPC ran");
	bpf_link__destroy(link);
	generic__readonly__destroy(skel);
}

/* mlx5__opcode_allow */

static void allow(struct mlx5__opcode_allow *skel, uint16_t opcode, uint16_t op_mod)
{
	struct fwctl_mlx5_allow_key key = { .opcode = opcode, .op_mod = op_mod };
	uint8_t one = 1;

	cr_assert_eq(bpf_map__update_elem(skel->maps.allowed, &key, sizeof(key),
					  &one, sizeof(one), BPF_ANY), 0);
}

Test(policy, allowlist_denies_by_default_and_follows_live_map_edits)
{
	struct mlx5__opcode_allow *skel = mlx5__opcode_allow__open_and_load();
	struct bpf_link *link = ATTACH(skel, opcode_allow);
	int fd = sim_open(0);
	long long before = sim_executed(0);

	cr_assert_eq(nop(fd), -EACCES, "default deny");
	cr_assert_eq(sim_executed(0), before);

	allow(skel, MLX5_CMD_OP_NOP, FWCTL_MLX5_ANY_OP_MOD);
	cr_assert_eq(nop(fd), 0, "allowed after the map edit");
	cr_assert_eq(sim_executed(0), before + 1);
	cr_assert_eq(cmd(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_QUERY_ISSI, 0), -EACCES);

	/* an exact op_mod entry allows that op_mod only */
	allow(skel, MLX5_CMD_OP_QUERY_HCA_CAP, 1);
	cr_assert_eq(cmd(fd, FWCTL_RPC_CONFIGURATION, MLX5_CMD_OP_QUERY_HCA_CAP, 0), -EACCES);
	bpf_link__destroy(link);
	mlx5__opcode_allow__destroy(skel);
}

Test(policy, allowlist_rejects_a_request_shorter_than_the_header)
{
	struct mlx5__opcode_allow *skel = mlx5__opcode_allow__open_and_load();
	struct bpf_link *link = ATTACH(skel, opcode_allow);
	uint8_t in[8] = {}, out[MBOX_HDR];
	uint32_t out_len = sizeof(out);
	int fd = sim_open(0);

	allow(skel, MLX5_CMD_OP_NOP, FWCTL_MLX5_ANY_OP_MOD);
	sim_hdr(in, MLX5_CMD_OP_NOP, 0);
	cr_assert_eq(fwctl_rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, sizeof(in), out, &out_len),
		     -EMSGSIZE);
	bpf_link__destroy(link);
	mlx5__opcode_allow__destroy(skel);
}

/* mlx5__deny_nv_write */

static int mnvda(int fd, int op_mod, uint8_t num_vfs, uint8_t *got_vfs)
{
	uint8_t req[MLX5_ST_SZ_BYTES(mnvda_reg)] = {}, reg[MLX5_ST_SZ_BYTES(mnvda_reg)];
	uint8_t *data = MLX5_ADDR_OF(mnvda_reg, req, configuration_item_data), status;
	int ret;

	MLX5_SET(mnvda_reg, req, type, 0x80);	/* the simulator's pci_conf item */
	if (op_mod == SIM_REG_WRITE) {
		MLX5_SET(mnvda_reg, req, length, 12);
		data[0] = 0x80;
		data[7] = num_vfs;
	}
	ret = sim_access_reg(fd, op_mod == SIM_REG_WRITE ? FWCTL_RPC_CONFIGURATION :
			     FWCTL_RPC_DEBUG_READ_ONLY, FWCTL_MLX5_REG_MNVDA, op_mod,
			     req, sizeof(req), reg, &status);
	if (!ret && got_vfs)
		*got_vfs = ((uint8_t *)MLX5_ADDR_OF(mnvda_reg, reg, configuration_item_data))[7];
	if (!ret && status)
		return -EREMOTEIO;
	return ret;
}

Test(policy, nvconfig_write_is_rejected_and_never_reaches_firmware)
{
	struct mlx5__deny_nv_write *skel = mlx5__deny_nv_write__open_and_load();
	struct bpf_link *link = ATTACH(skel, deny_nv_write);
	int fd = sim_open(0);
	long long before = sim_executed(0);
	uint8_t vfs = 0;

	cr_assert_eq(mnvda(fd, SIM_REG_WRITE, 4, NULL), -EACCES);
	cr_assert_eq(sim_executed(0), before, "the NV write reached firmware");
	cr_assert_eq(mnvda(fd, SIM_REG_READ, 0, &vfs), 0, "reads stay allowed");
	cr_assert_eq(vfs, 8, "NUM_OF_VFS unchanged");
	bpf_link__destroy(link);
	mlx5__deny_nv_write__destroy(skel);
}

Test(policy, nvconfig_write_passes_for_an_allowed_uid)
{
	struct mlx5__deny_nv_write *skel = mlx5__deny_nv_write__open_and_load();
	struct bpf_link *link = ATTACH(skel, deny_nv_write);
	uint32_t uid = getuid();
	uint8_t one = 1, vfs = 0;
	int k = sim_private_device(), fd = sim_open(k);

	cr_assert_eq(bpf_map__update_elem(skel->maps.allowed_uids, &uid, sizeof(uid),
					  &one, sizeof(one), BPF_ANY), 0);
	cr_assert_eq(mnvda(fd, SIM_REG_WRITE, 4, NULL), 0);
	cr_assert_eq(mnvda(fd, SIM_REG_READ, 0, &vfs), 0);
	cr_assert_eq(vfs, 4, "the allowed write took effect");
	bpf_link__destroy(link);
	mlx5__deny_nv_write__destroy(skel);
}

/* mlx5__redact_serial */

static void mcia_read(int fd, unsigned int addr, unsigned int size, uint8_t *data)
{
	uint8_t req[MLX5_ST_SZ_BYTES(mcia_reg)] = {}, reg[MLX5_ST_SZ_BYTES(mcia_reg)], status;

	MLX5_SET(mcia_reg, req, i2c_device_address, 0x50);
	MLX5_SET(mcia_reg, req, device_address, addr);
	MLX5_SET(mcia_reg, req, size, size);
	cr_assert_eq(sim_access_reg(fd, FWCTL_RPC_DEBUG_READ_ONLY, FWCTL_MLX5_REG_MCIA,
				    SIM_REG_READ, req, sizeof(req), reg, &status), 0);
	cr_assert_eq(status, FWCTL_MLX5_STAT_OK);
	memcpy(data, MLX5_ADDR_OF(mcia_reg, reg, dwords), size);
}

Test(policy, module_serial_is_zeroed_and_the_rest_of_the_eeprom_kept)
{
	struct mlx5__redact_serial *skel = mlx5__redact_serial__open_and_load();
	uint8_t plain[32], redacted[32], zero[16] = {};
	struct bpf_link *link;
	int fd = sim_open(0);
	long long before;

	mcia_read(fd, 188, 32, plain);
	cr_assert_eq(memcmp(plain + 8, "MT2205VS", 8), 0, "the serial is there without the policy");

	link = ATTACH(skel, redact_serial);
	before = sim_executed(0);
	mcia_read(fd, 188, 32, redacted);
	cr_assert_eq(sim_executed(0), before + 1, "the firmware still runs the read");
	cr_assert_eq(memcmp(redacted + 8, zero, 16), 0, "serial bytes 196-211 zeroed");
	cr_assert_eq(memcmp(redacted, plain, 8), 0, "bytes before the serial kept");
	cr_assert_eq(memcmp(redacted + 24, plain + 24, 8), 0, "bytes after the serial kept");
	cr_assert_eq(skel->bss->redacted_bytes, 16);

	/* the vendor name (148-163) is not redacted */
	mcia_read(fd, 148, 16, redacted);
	cr_assert_eq(memcmp(redacted, "Mellanox        ", 16), 0);
	bpf_link__destroy(link);
	mlx5__redact_serial__destroy(skel);
}

/* mlx5__clamp_hca_cap */

/* The current general caps of VF @vf (other_function; 0: the device itself) */
static void query_cur_caps(int fd, unsigned int vf, uint8_t *out)
{
	uint8_t in[MLX5_ST_SZ_BYTES(query_hca_cap_in)] = {};
	uint32_t out_len = MLX5_ST_SZ_BYTES(query_hca_cap_out);

	sim_hdr(in, MLX5_CMD_OP_QUERY_HCA_CAP,
		MLX5_SET_HCA_CAP_OP_MOD_GENERAL_DEVICE << 1 | 1 /* current */);
	if (vf) {
		MLX5_SET(query_hca_cap_in, in, other_function, 1);
		MLX5_SET(query_hca_cap_in, in, function_id, vf);
	}
	cr_assert_eq(fwctl_rpc(fd, FWCTL_RPC_DEBUG_READ_ONLY, in, sizeof(in), out, &out_len), 0);
	cr_assert_eq(sim_status(out), FWCTL_MLX5_STAT_OK);
}

#define CUR_CAP(out, fld) \
	MLX5_GET(cmd_hca_cap, MLX5_ADDR_OF(query_hca_cap_out, out, capability), fld)

/*
 * SET_HCA_CAP asking for RoCE and 2^18 QPs, the other caps the function's
 * current ones, for VF @vf (other_function; 0: the device's own function).
 * The mailbox status.
 */
static uint8_t set_roce_and_log_max_qp_18(int fd, unsigned int vf, uint8_t *out)
{
	static uint8_t in[MLX5_ST_SZ_BYTES(set_hca_cap_in)], cur[MLX5_ST_SZ_BYTES(query_hca_cap_out)];
	void *cap = MLX5_ADDR_OF(set_hca_cap_in, in, capability);
	uint32_t out_len = MBOX_HDR;

	query_cur_caps(fd, vf, cur);
	memset(in, 0, sizeof(in));
	memcpy(cap, MLX5_ADDR_OF(query_hca_cap_out, cur, capability), MLX5_ST_SZ_BYTES(cmd_hca_cap));
	sim_hdr(in, MLX5_CMD_OP_SET_HCA_CAP, MLX5_SET_HCA_CAP_OP_MOD_GENERAL_DEVICE << 1);
	if (vf) {
		MLX5_SET(set_hca_cap_in, in, other_function, 1);
		MLX5_SET(set_hca_cap_in, in, function_id, vf);
	}
	MLX5_SET(cmd_hca_cap, cap, roce, 1);
	MLX5_SET(cmd_hca_cap, cap, log_max_qp, 18);
	cr_assert_eq(fwctl_rpc(fd, FWCTL_RPC_CONFIGURATION, in, sizeof(in), out, &out_len), 0);
	return sim_status(out);
}

Test(policy, vf_preconfiguration_runs_with_forbidden_bits_cleared_and_sizes_clamped)
{
	struct mlx5__clamp_hca_cap *skel = mlx5__clamp_hca_cap__open_and_load();
	struct bpf_link *link = ATTACH(skel, clamp_hca_cap);
	static uint8_t cur[MLX5_ST_SZ_BYTES(query_hca_cap_out)];
	static uint8_t ran[MLX5_ST_SZ_BYTES(set_hca_cap_in)];
	uint8_t out[MBOX_HDR];
	int k = sim_private_device(), fd = sim_open(k);
	void *cap;

	cr_assert_eq(set_roce_and_log_max_qp_18(fd, 1, out), FWCTL_MLX5_STAT_OK,
		     "syndrome 0x%x", sim_syndrome(out));

	/* what the firmware ran: VF 1's pre-configuration, clamped */
	cr_assert_eq(sim_last_in(k, ran, sizeof(ran)), (ssize_t)sizeof(ran));
	cr_assert_eq(MLX5_GET(set_hca_cap_in, ran, opcode), MLX5_CMD_OP_SET_HCA_CAP);
	cr_assert_eq(MLX5_GET(set_hca_cap_in, ran, other_function), 1);
	cr_assert_eq(MLX5_GET(set_hca_cap_in, ran, function_id), 1);
	cap = MLX5_ADDR_OF(set_hca_cap_in, ran, capability);
	cr_assert_eq(MLX5_GET(cmd_hca_cap, cap, roce), 0, "firmware ran roce=1");
	cr_assert_eq(MLX5_GET(cmd_hca_cap, cap, log_max_qp), 16, "firmware ran an unclamped size");
	cr_assert_eq(skel->bss->rewritten, 2);

	/* what VF 1 now runs with; VF 2 and the device itself are untouched */
	query_cur_caps(fd, 1, cur);
	cr_assert_eq(CUR_CAP(cur, roce), 0);
	cr_assert_eq(CUR_CAP(cur, log_max_qp), 16);
	query_cur_caps(fd, 2, cur);
	cr_assert_eq(CUR_CAP(cur, roce), 1);
	cr_assert_eq(CUR_CAP(cur, log_max_qp), 17);
	query_cur_caps(fd, 0, cur);
	cr_assert_eq(CUR_CAP(cur, roce), 1);
	cr_assert_eq(CUR_CAP(cur, log_max_qp), 17);
	bpf_link__destroy(link);
	mlx5__clamp_hca_cap__destroy(skel);
}

Test(policy, clamp_leaves_a_set_hca_cap_of_the_own_function_to_the_firmware)
{
	struct mlx5__clamp_hca_cap *skel = mlx5__clamp_hca_cap__open_and_load();
	struct bpf_link *link = ATTACH(skel, clamp_hca_cap);
	static uint8_t cur[MLX5_ST_SZ_BYTES(query_hca_cap_out)];
	static uint8_t ran[MLX5_ST_SZ_BYTES(set_hca_cap_in)];
	uint8_t out[MBOX_HDR];
	int k = sim_private_device(), fd = sim_open(k);
	void *cap;

	/* not rewritten, and refused by the firmware for the tools UID */
	cr_assert_eq(set_roce_and_log_max_qp_18(fd, 0, out), FWCTL_MLX5_STAT_BAD_PARAM_ERR);
	cr_assert_eq(sim_syndrome(out), SIM_SYND_OWN_CAPS_FROM_UID, "syndrome 0x%x",
		     sim_syndrome(out));
	cr_assert_eq(sim_last_in(k, ran, sizeof(ran)), (ssize_t)sizeof(ran));
	cr_assert_eq(MLX5_GET(set_hca_cap_in, ran, other_function), 0);
	cap = MLX5_ADDR_OF(set_hca_cap_in, ran, capability);
	cr_assert_eq(MLX5_GET(cmd_hca_cap, cap, roce), 1, "the policy rewrote the own function");
	cr_assert_eq(MLX5_GET(cmd_hca_cap, cap, log_max_qp), 18);
	cr_assert_eq(skel->bss->rewritten, 0);
	query_cur_caps(fd, 0, cur);
	cr_assert_eq(CUR_CAP(cur, log_max_qp), 17);
	bpf_link__destroy(link);
	mlx5__clamp_hca_cap__destroy(skel);
}

/* mlx5__cached_qa */

static int query_adapter(int fd, uint8_t *out, uint32_t *out_len)
{
	uint8_t in[MLX5_ST_SZ_BYTES(query_adapter_in)] = {};

	sim_hdr(in, MLX5_CMD_OP_QUERY_ADAPTER, 0);
	return fwctl_rpc(fd, FWCTL_RPC_CONFIGURATION, in, sizeof(in), out, out_len);
}

#define QA(out, fld) \
	MLX5_GET(query_adapter_param_block, MLX5_ADDR_OF(query_adapter_out, out, \
							 query_adapter_struct), fld)

Test(policy, query_adapter_is_answered_by_the_policy_not_the_firmware)
{
	struct mlx5__cached_qa *skel = mlx5__cached_qa__open();
	uint8_t out[MLX5_ST_SZ_BYTES(query_adapter_out)];
	uint32_t out_len = sizeof(out);
	struct bpf_link *link;
	int fd = sim_open(0);
	long long before;
	char *psid;

	cr_assert(skel);
	strcpy((char *)skel->rodata->psid, "MT_SITE_0042");
	cr_assert_eq(mlx5__cached_qa__load(skel), 0);
	link = ATTACH(skel, cached_qa);
	before = sim_executed(0);
	memset(out, 0xff, sizeof(out));
	cr_assert_eq(query_adapter(fd, out, &out_len), 0);
	cr_assert_eq(sim_executed(0), before, "the firmware ran QUERY_ADAPTER");
	cr_assert_eq(out_len, sizeof(out));
	cr_assert_eq(sim_status(out), FWCTL_MLX5_STAT_OK);
	cr_assert_eq(QA(out, ieee_vendor_id), 0x0002c9);
	cr_assert_eq(QA(out, vsd_vendor_id), 0x15b3);
	psid = MLX5_ADDR_OF(query_adapter_param_block,
			    MLX5_ADDR_OF(query_adapter_out, out, query_adapter_struct),
			    vsd_contd_psid);
	cr_assert_str_eq(psid, "MT_SITE_0042");
	cr_assert_eq(*(uint8_t *)MLX5_ADDR_OF(query_adapter_param_block,
		     MLX5_ADDR_OF(query_adapter_out, out, query_adapter_struct), vsd), 0,
		     "vendor-specific data is not handed out");
	cr_assert_eq(nop(fd), 0, "other commands still reach firmware");
	cr_assert_eq(sim_executed(0), before + 1);
	bpf_link__destroy(link);
	mlx5__cached_qa__destroy(skel);
}

Test(policy, query_adapter_reply_is_truncated_to_a_short_buffer)
{
	struct mlx5__cached_qa *skel = mlx5__cached_qa__open_and_load();
	struct bpf_link *link = ATTACH(skel, cached_qa);
	uint8_t out[64];
	uint32_t out_len = sizeof(out);
	int fd = sim_open(0);
	long long before = sim_executed(0);

	cr_assert_eq(query_adapter(fd, out, &out_len), 0);
	cr_assert_eq(out_len, sizeof(out));
	cr_assert_eq(sim_status(out), FWCTL_MLX5_STAT_OK);
	cr_assert_eq(sim_executed(0), before);
	bpf_link__destroy(link);
	mlx5__cached_qa__destroy(skel);
}

/* generic__rate_limit */

Test(policy, rate_limit_rejects_past_the_burst_with_eagain)
{
	struct generic__rate_limit *skel = generic__rate_limit__open_and_load();
	struct bpf_link *link = ATTACH(skel, rate_limit);
	struct fwctl_rate_limit lim = { .rate = 1, .burst = 3 };
	uint32_t uid = getuid();
	int fd = sim_open(0), i;
	long long before;

	cr_assert_eq(nop(fd), 0, "no limit configured: not limited");
	cr_assert_eq(bpf_map__update_elem(skel->maps.limits, &uid, sizeof(uid), &lim,
					  sizeof(lim), BPF_ANY), 0);
	before = sim_executed(0);
	for (i = 0; i < 3; i++)
		cr_assert_eq(nop(fd), 0, "RPC %d within the burst", i);
	cr_assert_eq(nop(fd), -EAGAIN);
	cr_assert_eq(sim_executed(0), before + 3);
	cr_assert_eq(skel->bss->limited, 1);
	bpf_link__destroy(link);
	generic__rate_limit__destroy(skel);
}

/* generic__observe */

struct trail {
	struct fwctl_audit_record rec[16];
	int n;
};

static int collect(void *ctx, void *data, size_t size)
{
	struct trail *t = ctx;

	cr_assert_eq(size, sizeof(struct fwctl_audit_record));
	if (t->n < 16)
		memcpy(&t->rec[t->n++], data, size);
	return 0;
}

static uint64_t audit_stat(struct generic__observe *skel, uint32_t i)
{
	uint64_t v = 0;

	bpf_map__lookup_elem(skel->maps.fwctl_audit_stats, &i, sizeof(i), &v, sizeof(v), 0);
	return v;
}

Test(policy, observe_records_every_decision_including_other_policies_rejects)
{
	struct generic__observe *skel = generic__observe__open_and_load();
	struct bpf_link *link = ATTACH(skel, observe);
	struct generic__readonly *ro = generic__readonly__open_and_load();
	struct bpf_link *ro_link = ATTACH(ro, readonly);
	struct trail t = {};
	struct ring_buffer *rb;
	int fd = sim_open(0);
	char name[16];
	long long rpcs;

	cr_assert_eq(sim_fwctl_name(0, name, sizeof(name)), 0);
	rpcs = fwctl_bpf_attr(name, "rpcs");
	/* a name longer than a comm: the record must hold its 15 bytes */
	cr_assert_eq(prctl(PR_SET_NAME, "audited-caller-name"), 0);
	cr_assert_eq(nop(fd), 0);
	cr_assert_eq(cmd(fd, FWCTL_RPC_CONFIGURATION, MLX5_CMD_OP_QUERY_ADAPTER, 0), -EACCES);

	rb = ring_buffer__new(bpf_map__fd(skel->maps.fwctl_audit), collect, &t, NULL);
	cr_assert(rb);
	cr_assert_geq(ring_buffer__consume(rb), 0);
	cr_assert_eq(t.n, 2, "one record per RPC");
	cr_assert_eq(audit_stat(skel, FWCTL_AUDIT_STAT_RECORDS) +
		     audit_stat(skel, FWCTL_AUDIT_STAT_LOST),
		     (uint64_t)(fwctl_bpf_attr(name, "rpcs") - rpcs),
		     "records + lost == decisions");

	cr_assert_eq(t.rec[0].version, FWCTL_AUDIT_VERSION);
	cr_assert_eq(t.rec[0].opcode, MLX5_CMD_OP_NOP);
	cr_assert_eq(t.rec[0].verdict, FWCTL_AUDIT_ALLOWED);
	cr_assert_eq(t.rec[0].status, 0);
	cr_assert_eq(t.rec[0].tgid, (uint32_t)getpid());
	cr_assert_eq(t.rec[0].uid, getuid());
	cr_assert_lt(strnlen(t.rec[0].comm, sizeof(t.rec[0].comm)), sizeof(t.rec[0].comm),
		     "the comm is terminated");
	cr_assert_str_eq(t.rec[0].comm, "audited-caller-");
	cr_assert_eq(t.rec[0].device_type, FWCTL_DEVICE_TYPE_MLX5);
	cr_assert_eq(t.rec[0].head_len, 0, "the request's bytes recorded without opting in");
	cr_assert_eq(t.rec[1].seq, t.rec[0].seq + 1);
	cr_assert_eq(t.rec[1].opcode, MLX5_CMD_OP_QUERY_ADAPTER);
	cr_assert_eq(t.rec[1].verdict, FWCTL_AUDIT_REJECTED);
	cr_assert_eq(t.rec[1].status, -EACCES);
	cr_assert_str_eq(t.rec[1].policy, "readonly", "the record names the deciding policy");

	ring_buffer__free(rb);
	bpf_link__destroy(ro_link);
	bpf_link__destroy(link);
	generic__readonly__destroy(ro);
	generic__observe__destroy(skel);
}

/* The site baseline of docs/policies.md, stacked as etc/policies.d attaches it */

static void set_prio(struct bpf_object *obj, uint32_t prio)
{
	cr_assert_eq(fwctl_policy_set_u32(obj, "prio", prio), 0);
}

Test(policy, site_baseline_stack_enforces_every_member_and_records_all)
{
	struct generic__observe *obs = generic__observe__open_and_load();
	struct generic__rate_limit *rl = generic__rate_limit__open();
	struct mlx5__deny_nv_write *nv = mlx5__deny_nv_write__open_and_load();
	struct mlx5__opcode_allow *al = mlx5__opcode_allow__open_and_load();
	struct mlx5__redact_serial *rs = mlx5__redact_serial__open_and_load();
	struct fwctl_rate_limit lim = { .rate = 1000, .burst = 1000 };
	uint32_t any = FWCTL_RATE_ANY_UID;
	struct bpf_link *links[5];
	uint8_t eeprom[32], zero[16] = {};
	struct trail t = {};
	struct ring_buffer *rb;
	int fd = sim_open(0), i;
	long long before;

	cr_assert(obs && rl && nv && al && rs);
	set_prio(rl->obj, 100);
	cr_assert_eq(generic__rate_limit__load(rl), 0);
	cr_assert_eq(bpf_map__update_elem(rl->maps.limits, &any, sizeof(any), &lim, sizeof(lim),
					  BPF_ANY), 0);
	allow(al, MLX5_CMD_OP_NOP, FWCTL_MLX5_ANY_OP_MOD);
	allow(al, MLX5_CMD_OP_ACCESS_REG, FWCTL_MLX5_ANY_OP_MOD);
	links[0] = ATTACH(obs, observe);
	links[1] = ATTACH(rl, rate_limit);
	links[2] = ATTACH(nv, deny_nv_write);
	links[3] = ATTACH(al, opcode_allow);
	links[4] = ATTACH(rs, redact_serial);

	before = sim_executed(0);
	cr_assert_eq(nop(fd), 0, "an allowed command passes the whole stack");
	cr_assert_eq(mnvda(fd, SIM_REG_WRITE, 4, NULL), -EACCES, "deny_nv_write");
	cr_assert_eq(cmd(fd, FWCTL_RPC_DEBUG_READ_ONLY, MLX5_CMD_OP_QUERY_ISSI, 0), -EACCES,
		     "opcode_allow");
	mcia_read(fd, 188, 32, eeprom);
	cr_assert_eq(memcmp(eeprom + 8, zero, 16), 0, "redact_serial");
	cr_assert_eq(sim_executed(0), before + 2, "only the NOP and the MCIA read ran");

	rb = ring_buffer__new(bpf_map__fd(obs->maps.fwctl_audit), collect, &t, NULL);
	cr_assert(rb);
	ring_buffer__consume(rb);
	cr_assert_eq(t.n, 4, "observe, first in prio order, records every RPC");
	cr_assert_eq(t.rec[0].verdict, FWCTL_AUDIT_ALLOWED);
	cr_assert_eq(t.rec[1].verdict, FWCTL_AUDIT_REJECTED);
	cr_assert_str_eq(t.rec[1].policy, "deny_nv_write");
	cr_assert_eq(t.rec[1].reg_id, FWCTL_MLX5_REG_MNVDA);
	cr_assert_str_eq(t.rec[2].policy, "opcode_allow");
	cr_assert_eq(t.rec[3].verdict, FWCTL_AUDIT_ALLOWED);
	cr_assert(t.rec[3].flags & FWCTL_BPF_RPC_REDACTED, "the record shows the redaction");
	ring_buffer__free(rb);
	for (i = 4; i >= 0; i--)
		bpf_link__destroy(links[i]);
	generic__observe__destroy(obs);
	generic__rate_limit__destroy(rl);
	mlx5__deny_nv_write__destroy(nv);
	mlx5__opcode_allow__destroy(al);
	mlx5__redact_serial__destroy(rs);
}

/* mlx5__deny_mtmp_write: the example of docs/writing-policies.md, verbatim */

Test(policy, mtmp_threshold_write_is_rejected_and_never_reaches_firmware)
{
	struct mlx5__deny_mtmp_write *skel = mlx5__deny_mtmp_write__open_and_load();
	struct bpf_link *link = ATTACH(skel, deny_mtmp_write);
	uint8_t reg[MLX5_ST_SZ_BYTES(mtmp_reg)] = {}, status;
	int fd = sim_open(0);
	long long before = sim_executed(0);

	cr_assert_eq(sim_access_reg(fd, FWCTL_RPC_CONFIGURATION, FWCTL_MLX5_REG_MTMP,
				    SIM_REG_WRITE, reg, sizeof(reg), NULL, &status), -EACCES);
	cr_assert_eq(sim_executed(0), before, "the write reached firmware");
	bpf_link__destroy(link);
	mlx5__deny_mtmp_write__destroy(skel);
}
