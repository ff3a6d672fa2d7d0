/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running fwctl-bpf's CLI in-process (fwctl_bpf_main) from host unit
 * tests, with stdout and stderr captured: the test's init must be
 * loader_cli_redirect (Criterion redirects the streams).
 */
#ifndef FWCTL_BPF_TESTS_LOADER_CLI_H
#define FWCTL_BPF_TESTS_LOADER_CLI_H

#include <stdio.h>

/* What the last cli() printed */
extern char out[64 * 1024], err[64 * 1024];

void loader_cli_redirect(void);
/* Read what is left of @f into @buf, NUL-terminated */
void slurp(FILE *f, char *buf, size_t size);
/* Run "fwctl-bpf ARGS..."; its output into out/err; the exit code */
int cli_(const char *const *args, int n);
#define cli(...) ({ const char *a_[] = { __VA_ARGS__ }; cli_(a_, sizeof(a_) / sizeof(a_[0])); })

/*
 * cli_() in a child process killed after @timeout seconds (SIGALRM), for
 * input that may crash or hang the loader: the exit code, or minus the
 * signal that ended it (-SIGALRM: the timeout, -SIGSEGV: a crash). out
 * and err as cli() (empty when the child died).
 */
int cli_child_(unsigned int timeout, const char *const *args, int n);
#define cli_child(timeout, ...) \
	({ const char *a_[] = { __VA_ARGS__ }; cli_child_(timeout, a_, sizeof(a_) / sizeof(a_[0])); })

#endif
