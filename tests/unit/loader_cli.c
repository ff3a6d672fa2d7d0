// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>

#include "loader_cli.h"
#include "main.h"

char out[64 * 1024], err[64 * 1024];

void loader_cli_redirect(void)
{
	cr_redirect_stdout();
	cr_redirect_stderr();
}

void slurp(FILE *f, char *buf, size_t size)
{
	size_t n = fread(buf, 1, size - 1, f);

	buf[n] = '\0';
}

int cli_(const char *const *args, int n)
{
	char *argv[32];
	int i, rc;

	argv[0] = "fwctl-bpf";
	for (i = 0; i < n && i < 30; i++)
		argv[i + 1] = (char *)args[i];
	argv[i + 1] = NULL;
	rc = fwctl_bpf_main(i + 1, argv);
	fflush(stdout);
	fflush(stderr);
	slurp(cr_get_redirected_stdout(), out, sizeof(out));
	slurp(cr_get_redirected_stderr(), err, sizeof(err));
	return rc;
}
