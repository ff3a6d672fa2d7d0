// SPDX-License-Identifier: GPL-2.0
/*
 * mlx5__cached_qa: answer QUERY_ADAPTER from the policy, with a
 * sanitized reply, without touching firmware.
 *
 * Why: inventory agents poll QUERY_ADAPTER on every host, often every few
 * seconds. Its answer does not change while the host runs, and it carries
 * vendor-specific data (VSD) a site may not want every agent to read. The
 * policy replies itself (FWCTL_BPF_REPLY): status OK, the Mellanox IEEE
 * OUI, the PCI vendor id, the PSID the site configured, VSD zeroed. The
 * firmware never sees the command.
 *
 * Configure (rodata): psid, the 16-byte board id to report (default
 * "MT_0000000834", a ConnectX-7 PSID). A caller whose buffer is shorter
 * than the full reply gets the part that fits, as from firmware.
 */
#include "vmlinux.h"
#include "fwctl_bpf.h"
#include "fwctl_bpf_mlx5.h"

#define MELLANOX_IEEE_OUI	0x0002c9
#define MELLANOX_PCI_VENDOR	0x15b3
#define PSID_LEN		16
#define QA(fld)			query_adapter_struct.fld

const volatile char psid[PSID_LEN] = "MT_0000000834";

__u64 replies;

SEC("struct_ops/rpc_filter")
int BPF_PROG(cached_qa_filter, struct fwctl_bpf_ctx *rpc)
{
	__u32 len = MLX5_ST_SZ_BYTES(query_adapter_out);
	struct fwctl_mlx5_cmd cmd;
	__u8 *p;
	int i;

	if (fwctl_mlx5_parse(rpc, &cmd))
		return -EMSGSIZE;
	if (cmd.opcode != MLX5_CMD_OP_QUERY_ADAPTER)
		return FWCTL_BPF_ALLOW;
	/* No room even for a status: let the driver refuse it as usual. */
	if (rpc->out_len < MLX5_ST_SZ_BYTES(mbox_out_hdr))
		return FWCTL_BPF_ALLOW;
	if (len > rpc->out_len)
		len = rpc->out_len;
	if (fwctl_bpf_reply_alloc(rpc, len))
		return -ENOBUFS;

	/* status and syndrome stay 0 (MLX5_CMD_STAT_OK) */
	fwctl_mlx5_response_set(rpc, query_adapter_out, QA(ieee_vendor_id),
				MELLANOX_IEEE_OUI);
	fwctl_mlx5_response_set(rpc, query_adapter_out, QA(vsd_vendor_id),
				MELLANOX_PCI_VENDOR);
	p = fwctl_bpf_response_data_rw(rpc, MLX5_BYTE_OFF(query_adapter_out,
							  QA(vsd_contd_psid)),
				       PSID_LEN);
	if (p)
		for (i = 0; i < PSID_LEN; i++)
			p[i] = psid[i];
	replies++;
	return FWCTL_BPF_REPLY;
}

FWCTL_BPF_OPS(cached_qa) = {
	.rpc_filter = (void *)cached_qa_filter,
	.device_type = FWCTL_DEVICE_TYPE_MLX5,
	.prio = FWCTL_BPF_PRIO_DEFAULT,
	.name = "cached_qa",
};

char _license[] SEC("license") = "GPL";
