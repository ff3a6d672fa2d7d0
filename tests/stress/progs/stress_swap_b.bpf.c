// SPDX-License-Identifier: GPL-2.0
/*
 * Policy B of the hot-swap test: QUERY_VPORT_STATE and QUERY_ISSI get
 * -EBUSY. QUERY_ISSI is forbidden by both A and B: the firmware must
 * never run it, whatever the swap is doing.
 */
#define STRESS_OPS	swap_b_ops
#define STRESS_NAME	"swap_b"
#define STRESS_ERRNO	EBUSY
#define STRESS_DENY_OPS	MLX5_CMD_OP_QUERY_VPORT_STATE, MLX5_CMD_OP_QUERY_ISSI
#include "stress_deny.bpf.c"
