/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fwctl-bpf, the loader: what its command files share. bpftool's layout:
 * one file per verb group with do_<verb>() handlers and do_help(), a
 * command table matched by prefix, p_err()/p_info() for messages and a
 * JSON writer for -j/-p.
 */
#ifndef FWCTL_BPF_LOADER_MAIN_H
#define FWCTL_BPF_LOADER_MAIN_H

#ifdef __bpf__
#error "userspace only"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bpf/libbpf.h>

#include "json_writer.h"

#ifndef FWCTL_BPF_VERSION	/* the Makefile's, from debian/changelog */
#define FWCTL_BPF_VERSION	"unknown"
#endif
/* Where policies are pinned; FWCTL_BPF_PIN_ROOT overrides it. */
#define FWCTL_BPF_PIN_ROOT	"/sys/fs/bpf/fwctl"

/* Exit codes (documented in docs/fwctl-bpf.8) */
#define EXIT_OK		0
#define EXIT_ERR	1	/* the command failed */
#define EXIT_USAGE	2	/* bad command line */

/* Handlers return 0, -1 (failed; message printed) or CMD_USAGE. */
#define CMD_USAGE	(-2)

extern const char *bin_name;
extern bool json_output;
extern bool pretty_output;
extern bool verbose;
extern json_writer_t *json_wtr;

struct cmd {
	const char *cmd;
	int (*func)(int argc, char **argv);
};

/* Run the command whose name @argv[0] is a prefix of; help if argc is 0 */
int cmd_select(const struct cmd *cmds, int argc, char **argv, int (*help)(int argc, char **argv));
bool is_prefix(const char *pfx, const char *str);
/*
 * (*@argv)[0] is option @opt: "--opt VALUE" (consumed: *@argv and *@argc
 * move past VALUE) or "--opt=VALUE". Returns VALUE; NULL if it is another
 * argument (*@missing left as it was, so that one flag serves a chain of
 * calls), or @opt without its value or with an empty one (*@missing set).
 */
const char *opt_value(const char *opt, int *argc, char ***argv, bool *missing);
/*
 * (*@argv)[0] is one of the options @names (NULL-terminated) that take a
 * value: which in *@name, its value in *@value (consumed as opt_value()
 * does); 0, or CMD_USAGE with "can't VERB: ..." printed (another option,
 * or the value missing).
 */
int opt_value_in(const char *const *names, int *argc, char ***argv, const char **name,
		 const char **value, const char *verb);
/* A -errno as its name ("EACCES"), "0" for 0, "unknown" otherwise */
const char *errno_name(int status);
/* "help", "-h" or "--help" */
bool is_help(const char *arg);

/* "Error: ..." on stderr, or {"error": "..."} in JSON mode */
void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Information on stderr (not in JSON mode) */
void p_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Under -j the first p_err() is the {"error"} on stdout, the others go to stderr */
void p_err_reset(void);
/* p_err() and CMD_USAGE */
int usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The whole CLI, main() minus process setup; returns an exit code. */
int fwctl_bpf_main(int argc, char **argv);

/*
 * Up to @len bytes of @s (stopping at a NUL) made safe for a terminal:
 * printable ASCII as is, '\\' doubled, every other byte (control
 * characters, DEL, bytes >= 0x80) as \xNN, so that an object's names
 * cannot move the cursor, clear a line or hide a program from a reviewer.
 * Truncated (at a whole escape) to fit @size with its NUL; returns @buf.
 * 4 * strlen + 1 bytes always suffice. JSON output needs none of this:
 * json_writer escapes every such byte itself.
 */
const char *text_escape(const char *s, size_t len, char *buf, size_t size);
/* A name of at most 255 bytes escaped: TEXT_ESCAPE_SIZE bytes hold it */
#define TEXT_ESCAPE_SIZE	(4 * 255 + 1)

/* libbpf messages: warnings to stderr, debug with -v; the verifier log
 * of a failed load is also kept for load_failure_reason().
 */
int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap);
void libbpf_log_reset(void);
/* The verifier's reason for the last failed program load ("" if none) */
const char *load_failure_reason(void);
/* The program whose load failed last ("" if none) */
const char *load_failure_prog(void);

/* Pin root and paths under it */
const char *pin_root(void);
int pin_path(char *buf, size_t size, const char *name, const char *file);
/* A policy name usable as a pin directory and kernel name */
int check_policy_name(const char *name);
/* bpffs refuses '.': "obj.bss" -> "bss", other '.' -> '_' */
void pin_name(char *buf, size_t size, const char *map_name);
/* Create @path and its parents (mode 0700 for new ones) */
int mkdir_p(const char *path);
/*
 * Remove the directory @path and the pins in it: never follows a symlink
 * (@path itself a symlink: -ELOOP, nothing removed; a symlink in it is
 * removed, its target never) and never descends (a directory in it:
 * -EISDIR, left in place).
 */
int remove_pin_dir(const char *path);
/*
 * @path is a directory of the pin tree only root (or our euid) can change:
 * not a symlink, owned by root or us, no group or other write. 0, or
 * -errno (-ENOENT, -ELOOP, -ENOTDIR, -EPERM) with the reason in @msg.
 */
int check_pin_dir(const char *path, char *msg, size_t size);
/*
 * The loader's lock on the pin tree: creates the pin root (0700) if
 * needed, refuses a root others can change (check_pin_dir's rules) and
 * takes flock(LOCK_EX) on the root directory, so attach, swap and detach
 * of any policy run one at a time. Returns the fd holding the lock, or -1
 * with "can't VERB policy NAME: ..." printed. Nested calls in one process
 * (apply's attach, swap and detach steps) share the lock: the last
 * pin_root_unlock() drops it.
 */
int pin_root_lock(const char *verb, const char *name);
void pin_root_unlock(int fd);

/* Device matching */
/* "mlx5", "cxl", ... or a number; -1 if unknown */
int parse_device_type(const char *s);
/* "/dev/fwctl/fwctlN", "fwctlN" or "N"; -1 if not one */
int parse_device(const char *s);

/* Where the fwctl devices are, and the hook's attributes under NAME/bpf/ */
#define FWCTL_CLASS	"/sys/class/fwctl"

/* The hook's per-device counters, in the order status prints them */
struct device_counter {
	const char *attr;	/* /sys/class/fwctl/fwctlN/bpf/ATTR */
	const char *help;	/* what it counts */
};
extern const struct device_counter device_counters[];
extern const size_t nr_device_counters;

struct dirent;
/*
 * The fwctl devices, in number order (scandir(): free each entry and the
 * array); their count, 0 when there is no fwctl class.
 */
int fwctl_devices(struct dirent ***devs);

/* kernel.bpf_stats_enabled: programs' run_cnt/run_time_ns are counted */
bool bpf_stats_enabled(void);

/* Command groups */
int do_attach(int argc, char **argv);
int do_detach(int argc, char **argv);
int do_swap(int argc, char **argv);
int do_list(int argc, char **argv);
int do_inspect(int argc, char **argv);
int do_stats(int argc, char **argv);
int do_status(int argc, char **argv);
int do_rpc(int argc, char **argv);
int do_audit(int argc, char **argv);
int do_apply(int argc, char **argv);
int do_replay(int argc, char **argv);

#define NEXT_ARG()	({ argc--; argv++; })

#endif
