// SPDX-License-Identifier: GPL-2.0
/*
 * posix_spawnp() of argv, stdin, stdout and stderr each a memfd: the
 * input is written before the command starts and the output read after
 * it ended (or while it runs), so no pipe can fill up and block either
 * side.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

#define CLI_MAX_ARGS 64	/* argv[0] and the NULL included */

extern char **environ;

/* A memfd holding @text (NULL: nothing), read from its start */
static int memfd_with(const char *name, const char *text)
{
	size_t len = text ? strlen(text) : 0;
	int fd = memfd_create(name, MFD_CLOEXEC);

	cr_assert_geq(fd, 0, "memfd_create: %s", strerror(errno));
	if (len)
		cr_assert_eq(write(fd, text, len), (ssize_t)len, "%s: %s", name, strerror(errno));
	cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/* All that memfd @fd holds, NUL-terminated (malloc'd) */
static char *memfd_text(int fd)
{
	struct stat st;
	ssize_t n;
	char *s;

	cr_assert_eq(fstat(fd, &st), 0, "fstat: %s", strerror(errno));
	s = malloc(st.st_size + 1);
	cr_assert(s);
	n = pread(fd, s, st.st_size, 0);
	cr_assert_geq(n, 0, "pread: %s", strerror(errno));
	s[n] = '\0';
	return s;
}

/* @argv as one line (malloc'd) */
static char *cmdline(const char *const *argv)
{
	size_t len;
	char *s;
	FILE *f = open_memstream(&s, &len);
	int i;

	cr_assert(f);
	for (i = 0; argv[i]; i++)
		fprintf(f, "%s%s", i ? " " : "", argv[i]);
	cr_assert_eq(fclose(f), 0);
	return s;
}

void cli_start(struct cli_proc *p, const char *input, const char *const *argv)
{
	posix_spawn_file_actions_t fa;
	int in = memfd_with("cli_in", input), ret;

	p->out = memfd_with("cli_out", NULL);
	p->err = memfd_with("cli_err", NULL);
	p->cmd = cmdline(argv);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in, 0);
	posix_spawn_file_actions_adddup2(&fa, p->out, 1);
	posix_spawn_file_actions_adddup2(&fa, p->err, 2);
	ret = posix_spawnp(&p->pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in);
	cr_assert_eq(ret, 0, "can't run %s: %s", p->cmd, strerror(ret));
}

char *cli_peek(const struct cli_proc *p)
{
	return memfd_text(p->out);
}

int cli_wait(struct cli_proc *p, struct cli_result *r)
{
	int status;

	cr_assert_eq(waitpid(p->pid, &status, 0), p->pid, "%s: %s", p->cmd, strerror(errno));
	cli_result_free(r);
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	r->out = memfd_text(p->out);
	r->err = memfd_text(p->err);
	r->cmd = p->cmd;
	close(p->out);
	close(p->err);
	*p = (struct cli_proc){ 0 };
	return r->status;
}

int cli_exec(struct cli_result *r, const char *input, const char *const *argv)
{
	struct cli_proc p;

	cli_start(&p, input, argv);
	return cli_wait(&p, r);
}

int cli_cmd(struct cli_result *r, const char *prog, ...)
{
	const char *argv[CLI_MAX_ARGS] = { prog };
	va_list ap;
	int n = 1;

	va_start(ap, prog);
	while ((argv[n] = va_arg(ap, const char *)))
		cr_assert_lt(++n, CLI_MAX_ARGS, "%s: too many arguments", prog);
	va_end(ap);
	return cli_exec(r, NULL, argv);
}

void cli_result_free(struct cli_result *r)
{
	free(r->out);
	free(r->err);
	free(r->cmd);
	*r = (struct cli_result){ 0 };
}
