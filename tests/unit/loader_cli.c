// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

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

struct child_out {
	char out[sizeof(out)], err[sizeof(err)];
};

int cli_child_(unsigned int timeout, const char *const *args, int n)
{
	struct child_out *shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
					MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status, rc;
	pid_t pid;

	if (shared == MAP_FAILED)
		return -SIGABRT;
	shared->out[0] = shared->err[0] = '\0';
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		munmap(shared, sizeof(*shared));
		return -SIGABRT;
	}
	if (!pid) {
		alarm(timeout);
		rc = cli_(args, n);
		memcpy(shared->out, out, sizeof(out));
		memcpy(shared->err, err, sizeof(err));
		_exit(rc & 0xff);
	}
	while (waitpid(pid, &status, 0) < 0)
		;
	memcpy(out, shared->out, sizeof(out));
	memcpy(err, shared->err, sizeof(err));
	out[sizeof(out) - 1] = err[sizeof(err) - 1] = '\0';
	munmap(shared, sizeof(*shared));
	return WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
}
