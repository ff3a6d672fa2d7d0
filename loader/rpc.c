// SPDX-License-Identifier: GPL-2.0
/* rpc: send one mlx5 RPC through /dev/fwctl/fwctlN and decode the reply. */
#include <stdio.h>

#include "main.h"

int do_rpc(int argc, char **argv)
{
	p_err("can't send rpc: not implemented yet");
	return -1;
}
