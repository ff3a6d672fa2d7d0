// SPDX-License-Identifier: GPL-2.0
/*
 * Policy A of the hot-swap test: QUERY_ADAPTER and QUERY_ISSI get -EACCES.
 * Baked in (no knobs) so that bpftool can register the object as it is.
 */
#define STRESS_OPS	swap_a_ops
#define STRESS_NAME	"swap_a"
#define STRESS_ERRNO	EACCES
#define STRESS_DENY_OPS	MLX5_CMD_OP_QUERY_ADAPTER, MLX5_CMD_OP_QUERY_ISSI
#include "stress_deny.bpf.c"
