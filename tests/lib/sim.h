/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for in-VM tests against the simulated mlx5 fwctl device
 * (drivers/fwctl/mlx5_sim, debugfs /sys/kernel/debug/mlx5_sim/, see
 * docs/simulator.md). Functions return 0 / a value, or a negative errno.
 */
#ifndef FWCTL_BPF_TESTS_SIM_H
#define FWCTL_BPF_TESTS_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <fwctl/fwctl.h>

#include <mlx5/fwctl_mlx5_names.h>

#include "mlx5_ifc_user.h"
#include "mlx5_ifc_extra.h"

#define SIM_DEBUGFS "/sys/kernel/debug/mlx5_sim"

/* mlx5 command statuses: FWCTL_MLX5_STAT_*, generated from device.h */
#include <mlx5/fwctl_mlx5_names.h>

/* The simulator's syndromes (drivers/fwctl/mlx5_sim/mlx5_sim.h) */
enum {
	SIM_SYND_BAD_OPCODE = 0x5a0d0001,
	SIM_SYND_BAD_INP_LEN = 0x5a0d0002,
	SIM_SYND_BAD_OUTP_LEN = 0x5a0d0003,
	SIM_SYND_BAD_OP_MOD = 0x5a0d0004,
	SIM_SYND_BAD_FUNCTION = 0x5a0d0005,
	SIM_SYND_CAP_EXCEEDS_MAX = 0x5a0d0006,
	SIM_SYND_BAD_REGISTER = 0x5a0d0008,
	SIM_SYND_DIAG_DISABLED = 0x5a0d000f,
	SIM_SYND_OWN_CAPS_FROM_UID = 0x5a0d0012,
	SIM_SYND_INJECTED = 0x5a0dfa17,
};

/*
 * The VFs of every simulated device: QUERY/SET_HCA_CAP other_function=1
 * function_id=1..SIM_NUM_VFS; VF k's vhca_id is SIM_VF_VHCA_ID_BASE + k.
 */
enum { SIM_NUM_VFS = 2, SIM_VF_VHCA_ID_BASE = 0x100 };

/* ACCESS_REG op_mod */
enum { SIM_REG_WRITE = 0, SIM_REG_READ = 1 };

/* "fwctlN" of device simK into buf; 0 or -errno */
int sim_fwctl_name(int k, char *buf, size_t len);
/* open /dev/fwctl/fwctlN of device simK; fd or -errno */
int sim_open(int k);
/* 1 when simK exists */
int sim_exists(int k);
/* simK/executed; -errno on error */
long long sim_executed(int k);
/* the count of OPCODE in simK/opcodes (0 when absent); -errno on error */
long long sim_opcode_count(int k, uint16_t opcode);
/* write 0 to simK/opcodes */
int sim_reset_counters(int k);
/* simK/last_in into buf; length or -errno */
ssize_t sim_last_in(int k, void *buf, size_t len);
/* simK/state into buf (NUL-terminated); length or -errno */
ssize_t sim_state(int k, char *buf, size_t len);
/* add one device; remove device simK */
int sim_add(void);
int sim_remove(int k);
/*
 * Add a device for one test to change state on (firmware config, fault,
 * fail-closed, removal) without touching sim0/sim1; returns its index, or
 * a negative errno. sim_restore() removes it.
 */
int sim_add_private(void);
/* the same with what is written to add: "user-payload" for a device
 * whose driver declares no kernel payload (like pds or bnxt) */
int sim_add_private_kind(const char *kind);
/* write SPEC to simK/fault ("off", "status 0x3 1", ...); read it back */
int sim_fault(int k, const char *spec);
int sim_fault_get(int k, char *buf, size_t len);

/* FWCTL_INFO of an fd: the mlx5 uid and uctx_caps */
int sim_info(int fd, uint32_t *uid, uint32_t *uctx_caps);

/* Mailbox helpers */
void sim_hdr(void *in, uint16_t opcode, uint16_t op_mod);
/* OPCODE (op_mod 0) with a bare 16-byte header, read-only scope: the
 * ioctl's result (the answer, up to 256 bytes, is dropped) */
int sim_rpc(int fd, uint16_t opcode);
uint8_t sim_status(const void *out);
uint32_t sim_syndrome(const void *out);

/*
 * ACCESS_REG of register REG_ID (op_mod SIM_REG_READ/WRITE) with REG_LEN
 * bytes of register data from REG (copied into the mailbox) and the
 * output register data into REG_OUT (REG_LEN bytes). Returns the ioctl's
 * result; *status gets the mailbox status.
 */
int sim_access_reg(int fd, enum fwctl_rpc_scope scope, uint16_t reg_id,
		   int op_mod, const void *reg, size_t reg_len, void *reg_out,
		   uint8_t *status);

/* Restore the shared simulator state: devices sim0 and sim1, no faults */
void sim_restore(void);

#endif
