// SPDX-License-Identifier: GPL-2.0
/*
 * fwctl-bpf: attach, list, swap and detach fwctl BPF policies; see
 * docs/fwctl-bpf.8. Everything but main() lives in the other loader
 * files, so the host unit tests can run the CLI in-process.
 */
#include "main.h"

int main(int argc, char **argv)
{
	return fwctl_bpf_main(argc, argv);
}
