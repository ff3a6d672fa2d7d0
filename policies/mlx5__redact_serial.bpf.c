// SPDX-License-Identifier: GPL-2.0
/*
 * mlx5__redact_serial: zero the vendor serial number of pluggable
 * modules in module EEPROM reads.
 *
 * Why: serial numbers of transceivers and cables identify hardware (and,
 * through asset databases, hosts and tenants). Diagnostic tools read the
 * module EEPROM through MCIA for temperatures, power and type; they do not
 * need the serial, and a multi-tenant site may not want to hand it out.
 *
 * In rpc_done, for a successful ACCESS_REG read of MCIA (PRM register
 * 0x9014) at the lower I2C address (0x50) page 0, the bytes of the
 * response that hold SFF-8636's "Vendor SN" (upper page 00h, bytes
 * 196-211, QSFP modules) are zeroed. The firmware still runs the command;
 * the caller gets the rest of the data. Configure: nothing.
 */
#include "vmlinux.h"
#include "fwctl_bpf.h"
#include "fwctl_bpf_mlx5.h"

#define SFF_I2C_ADDRESS_LOW	0x50
#define SFF8636_VENDOR_SN	196	/* SFF-8636 rev 2.10a, table 6-15 */
#define SFF8636_VENDOR_SN_LEN	16

/* Where the EEPROM bytes start in an ACCESS_REG response */
#define MCIA_DATA_OUT	(FWCTL_MLX5_REG_DATA_OUT + MLX5_BYTE_OFF(mcia_reg, dwords))

__u64 redacted_bytes;

SEC("struct_ops/rpc_done")
int BPF_PROG(redact_serial_done, struct fwctl_bpf_ctx *rpc)
{
	const __u8 *reg;
	__u32 addr, size, i2c, page;
	__u8 status;
	__u32 syndrome;
	int i;

	if (rpc->status || fwctl_mlx5_response_status(rpc, &status, &syndrome) ||
	    status != FWCTL_MLX5_STAT_OK)
		return FWCTL_BPF_ALLOW;
	/* the request head holds the command and MCIA's addressing */
	reg = fwctl_bpf_request_data(rpc, 0, FWCTL_MLX5_REG_DATA_IN +
				     MLX5_BYTE_OFF(mcia_reg, dwords));
	if (!reg || !fwctl_mlx5_is_access_reg(MLX5_GET(mbox_in_hdr, reg, opcode)) ||
	    MLX5_GET(mbox_in_hdr, reg, op_mod) != FWCTL_MLX5_ACCESS_REG_READ ||
	    MLX5_GET(access_register_in, reg, register_id) != FWCTL_MLX5_REG_MCIA)
		return FWCTL_BPF_ALLOW;
	reg += FWCTL_MLX5_REG_DATA_IN;
	i2c = MLX5_GET(mcia_reg, reg, i2c_device_address);
	page = MLX5_GET(mcia_reg, reg, page_number);
	addr = MLX5_GET(mcia_reg, reg, device_address);
	size = MLX5_GET(mcia_reg, reg, size);
	if (i2c != SFF_I2C_ADDRESS_LOW || page != 0)
		return FWCTL_BPF_ALLOW;

	for (i = 0; i < SFF8636_VENDOR_SN_LEN; i++) {
		__u32 byte = SFF8636_VENDOR_SN + i;
		__u8 *b;

		if (byte < addr || byte >= addr + size)
			continue;
		b = fwctl_bpf_response_data_rw(rpc, MCIA_DATA_OUT + byte - addr, 1);
		if (b) {
			*b = 0;
			redacted_bytes++;
		}
	}
	return FWCTL_BPF_ALLOW;
}

FWCTL_BPF_OPS(redact_serial) = {
	.rpc_done = (void *)redact_serial_done,
	.device_type = FWCTL_DEVICE_TYPE_MLX5,
	.prio = FWCTL_BPF_PRIO_DEFAULT,
	.name = "redact_serial",
};

char _license[] SEC("license") = "GPL";
