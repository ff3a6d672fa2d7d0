/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fwctl-bpf run as an operator runs it, for the in-VM tests and the
 * stress suite: build/fwctl-bpf, or another command (bpftool, jq, the
 * site baseline script), as a child process started by argv, no shell,
 * with the test's environment (setenv() first). Its stdout and stderr are
 * kept apart. What cannot be run at all fails the calling test.
 *
 * A struct cli_result is zeroed before its first use; each run frees what
 * it held, cli_result_free() the last.
 */
#ifndef FWCTL_BPF_TESTS_CLI_H
#define FWCTL_BPF_TESTS_CLI_H

#include <sys/types.h>

/* The loader, relative to the checkout the tests run in */
#define CLI_LOADER "build/fwctl-bpf"

struct cli_result {
	int status;	/* the exit code, or 128 + the signal that ended it */
	char *out;	/* stdout, NUL-terminated */
	char *err;	/* stderr, NUL-terminated */
	char *cmd;	/* the command line, for messages */
};

/* A command started, not waited for yet */
struct cli_proc {
	pid_t pid;
	int out, err;	/* the memfds its stdout and stderr go to */
	char *cmd;
};

/* PROG ARG... (NULL-terminated; PROG looked up in PATH): r->status */
int cli_cmd(struct cli_result *r, const char *prog, ...) __attribute__((sentinel));
/* fwctl-bpf ARG... (NULL-terminated): r->status */
#define cli_run(r, ...) cli_cmd(r, CLI_LOADER, __VA_ARGS__)
/* @argv with @input on its stdin (NULL: none): r->status */
int cli_exec(struct cli_result *r, const char *input, const char *const *argv);
void cli_result_free(struct cli_result *r);

/* The same in two steps, for commands that run alongside the test */
void cli_start(struct cli_proc *p, const char *input, const char *const *argv);
/* What @p has written to stdout so far (malloc'd) */
char *cli_peek(const struct cli_proc *p);
/* Wait for @p to end: its result into @r, r->status */
int cli_wait(struct cli_proc *p, struct cli_result *r);

#endif
