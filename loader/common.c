// SPDX-License-Identifier: GPL-2.0
/* Messages, command dispatch, libbpf logging and pin paths. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fwctl/fwctl.h>

#include "main.h"
#include "number.h"

const char *bin_name = "fwctl-bpf";
bool json_output;
bool pretty_output;
bool verbose;
json_writer_t *json_wtr;

bool is_prefix(const char *pfx, const char *str)
{
	return pfx && *pfx && !strncmp(str, pfx, strlen(pfx));
}

const char *errno_name(int status)
{
	const char *name = status < 0 ? strerrorname_np(-status) : NULL;

	return status ? (name ?: "unknown") : "0";
}

bool is_help(const char *arg)
{
	return !strcmp(arg, "help") || !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

const char *opt_value(const char *opt, int *argc, char ***argv, bool *missing)
{
	const char *a = (*argv)[0];
	size_t n = strlen(opt);

	if (strncmp(a, opt, n))
		return NULL;	/* another argument: *@missing as it was */
	if (a[n] == '=') {
		*missing = !a[n + 1];	/* "--store=": an unset variable, not a value */
		return *missing ? NULL : a + n + 1;
	}
	if (a[n])
		return NULL;
	*missing = *argc < 2;
	if (*missing)
		return NULL;
	(*argc)--;
	(*argv)++;
	return (*argv)[0];
}

int opt_value_in(const char *const *names, int *argc, char ***argv, const char **name,
		 const char **value, const char *verb)
{
	const char *arg = (*argv)[0];
	bool missing = false;

	*value = NULL;
	for (*name = NULL; *names && !*value && !missing; names++) {
		*value = opt_value(*names, argc, argv, &missing);
		*name = *names;
	}
	if (missing)
		return usage_err("can't %s: %s needs a value", verb, arg);
	if (!*value)
		return usage_err("can't %s: unknown option %s", verb, arg);
	return 0;
}

int cmd_select(const struct cmd *cmds, int argc, char **argv, int (*help)(int argc, char **argv))
{
	int i;

	if (argc < 1)
		return help(argc, argv);
	for (i = 0; cmds[i].cmd; i++)
		if (is_prefix(argv[0], cmds[i].cmd))
			return cmds[i].func(argc - 1, argv + 1);
	p_err("unknown command '%s' (see \"%s help\")", argv[0], bin_name);
	return CMD_USAGE;
}

static bool json_error_out;	/* an {"error"} object is on stdout */

void p_err_reset(void)
{
	json_error_out = false;
}

static void vp_err(const char *fmt, va_list ap)
{
	/* one {"error": ...} on stdout: the first; any other goes to stderr */
	if (json_output && json_error_out) {
		fprintf(stderr, "Error: ");
		vfprintf(stderr, fmt, ap);
		fprintf(stderr, "\n");
		return;
	}
	if (json_output) {
		char msg[1024];

		json_error_out = true;
		vsnprintf(msg, sizeof(msg), fmt, ap);
		if (!json_wtr) {
			json_wtr = jw_new(stdout, pretty_output);
			if (!json_wtr)
				return;
		}
		jw_start_object(json_wtr);
		jw_string_field(json_wtr, "error", msg);
		jw_end_object(json_wtr);
		return;
	}
	fprintf(stderr, "Error: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
}

void p_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vp_err(fmt, ap);
	va_end(ap);
}

int usage_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vp_err(fmt, ap);
	va_end(ap);
	return CMD_USAGE;
}

void p_info(const char *fmt, ...)
{
	va_list ap;

	if (json_output)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

/* Text from an object or the kernel, for a terminal */

const char *text_escape(const char *s, size_t len, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, n = 0;

	if (!size)
		return buf;
	for (i = 0; s && i < len && s[i]; i++) {
		unsigned char c = s[i];
		char e[5] = { c };
		size_t k = 1;

		if (c == '\\') {
			e[1] = '\\';
			k = 2;
		} else if (c < 0x20 || c >= 0x7f) {
			e[0] = '\\';
			e[1] = 'x';
			e[2] = hex[c >> 4];
			e[3] = hex[c & 15];
			k = 4;
		}
		if (n + k >= size)
			break;	/* never half an escape */
		memcpy(buf + n, e, k);
		n += k;
	}
	buf[n] = '\0';
	return buf;
}

/*
 * libbpf's messages quote the object (names, the verifier log's source
 * lines from .BTF.ext): escaped as text_escape(), lines and tabs kept.
 */
static int fputs_escaped(const char *s, FILE *f)
{
	char e[8];

	for (; *s; s++) {
		if (*s == '\n' || *s == '\t')
			fputc(*s, f);
		else
			fputs(text_escape(s, 1, e, sizeof(e)), f);
	}
	return ferror(f) ? EOF : 0;
}

/* libbpf */

static char fail_reason[512];
static char fail_prog[64];

void libbpf_log_reset(void)
{
	fail_reason[0] = '\0';
	fail_prog[0] = '\0';
}

const char *load_failure_reason(void)
{
	return fail_reason;
}

const char *load_failure_prog(void)
{
	return fail_prog;
}

static bool is_log_summary(const char *line, size_t len)
{
	static const char *const skip[] = {
		"processed ", "verification time", "stack depth", "max_states_per_insn",
		"peak_states", "mark_read",
	};
	size_t i;

	if (!len)
		return true;
	for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (!strncmp(line, skip[i], strlen(skip[i])))
			return true;
	return false;
}

/*
 * libbpf prints a failed program's verifier log as one message:
 * "prog 'NAME': -- BEGIN PROG LOAD LOG --\n<log>-- END PROG LOAD LOG --\n".
 * The reason is the log's last line that is not a statistic.
 */
static void keep_load_log(const char *msg)
{
	const char *begin = strstr(msg, "-- BEGIN PROG LOAD LOG --\n");
	const char *end, *p, *line = NULL;
	size_t line_len = 0;

	if (!begin)
		return;
	p = strstr(msg, "prog '");
	if (p && p < begin) {
		const char *q = strchr(p + 6, '\'');

		if (q)
			snprintf(fail_prog, sizeof(fail_prog), "%.*s", (int)(q - p - 6), p + 6);
	}
	begin += strlen("-- BEGIN PROG LOAD LOG --\n");
	end = strstr(begin, "-- END PROG LOAD LOG --");
	if (!end)
		end = begin + strlen(begin);
	for (p = begin; p < end;) {
		const char *nl = memchr(p, '\n', end - p);
		size_t len = (nl ? nl : end) - p;

		if (!is_log_summary(p, len)) {
			line = p;
			line_len = len;
		}
		p = nl ? nl + 1 : end;
	}
	if (line)
		snprintf(fail_reason, sizeof(fail_reason), "%.*s", (int)line_len, line);
}

int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char msg[64 * 1024];
	va_list cp;

	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	va_copy(cp, ap);
	vsnprintf(msg, sizeof(msg), fmt, cp);
	va_end(cp);
	if (level == LIBBPF_WARN)
		keep_load_log(msg);
	return fputs_escaped(msg, stderr);
}

/* Pins */

/*
 * secure_getenv: a setuid or file-capability copy of the loader must not
 * let its caller choose where it pins and what it removes.
 */
const char *pin_root(void)
{
	const char *root = secure_getenv("FWCTL_BPF_PIN_ROOT");

	return root && *root ? root : FWCTL_BPF_PIN_ROOT;
}

int pin_path(char *buf, size_t size, const char *name, const char *file)
{
	int n;

	if (file)
		n = snprintf(buf, size, "%s/%s/%s", pin_root(), name, file);
	else
		n = snprintf(buf, size, "%s/%s", pin_root(), name);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int check_policy_name(const char *name)
{
	const char *p;

	if (!*name || strlen(name) >= 16)
		return -ENAMETOOLONG;
	for (p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return -EINVAL;
	return 0;
}

void pin_name(char *buf, size_t size, const char *map_name)
{
	const char *dot = strchr(map_name, '.');
	char *p;

	snprintf(buf, size, "%s", dot ? dot + 1 : map_name);
	for (p = buf; *p; p++)
		if (*p == '.')
			*p = '_';
}

int mkdir_p(const char *path)
{
	char tmp[PATH_MAX], *p;

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/* A directory of the pin tree others cannot change: see check_pin_dir() */
static int check_dir_stat(const struct stat *st, const char *path, char *msg, size_t size)
{
	if (S_ISLNK(st->st_mode)) {
		snprintf(msg, size, "%s is a symlink (refusing to follow it)",
			 path);
		return -ELOOP;
	}
	if (!S_ISDIR(st->st_mode)) {
		snprintf(msg, size, "%s is not a directory", path);
		return -ENOTDIR;
	}
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		snprintf(msg, size, "%s is owned by uid %u, not by root: anyone who owns it can "
			 "replace what is in it (chown root %s)", path, (unsigned int)st->st_uid,
			 path);
		return -EPERM;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(msg, size, "%s is writable by group or others (mode %04o) (chmod go-w %s)",
			 path, (unsigned int)(st->st_mode & 07777), path);
		return -EPERM;
	}
	return 0;
}

int check_pin_dir(const char *path, char *msg, size_t size)
{
	struct stat st;

	if (lstat(path, &st)) {
		snprintf(msg, size, "%s: %s", path, strerror(errno));
		return -errno;
	}
	return check_dir_stat(&st, path, msg, size);
}

/* The pin root's lock, held by this process (lock_depth > 0) */
static int lock_fd = -1, lock_depth;

int pin_root_lock(const char *verb, const char *name)
{
	const char *root = pin_root();
	char msg[PATH_MAX + 128];
	struct stat st;
	int fd, err;

	if (lock_depth) {	/* apply holds it: its steps run under one lock */
		lock_depth++;
		return lock_fd;
	}
	err = mkdir_p(root);
	if (err) {
		p_err("can't %s policy %s: can't create %s: %s", verb, name, root, strerror(-err));
		return -1;
	}
	fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		if (err == ELOOP || err == ENOTDIR)
			p_err("can't %s policy %s: %s is a symlink or not a directory; refusing it",
			      verb, name, root);
		else
			p_err("can't %s policy %s: can't open %s: %s", verb, name, root,
			      strerror(err));
		return -1;
	}
	if (fstat(fd, &st) || check_dir_stat(&st, root, msg, sizeof(msg))) {
		p_err("can't %s policy %s: unsafe pin root: %s", verb, name, msg);
		close(fd);
		return -1;
	}
	while (flock(fd, LOCK_EX)) {
		if (errno == EINTR)
			continue;
		p_err("can't %s policy %s: can't lock %s: %s", verb, name, root, strerror(errno));
		close(fd);
		return -1;
	}
	lock_fd = fd;
	lock_depth = 1;
	return fd;
}

void pin_root_unlock(int fd)
{
	if (fd < 0 || fd != lock_fd || --lock_depth)
		return;
	close(fd);	/* drops the flock */
	lock_fd = -1;
}

int remove_pin_dir(const char *path)
{
	struct dirent *de;
	struct stat st;
	int fd, err = 0;
	DIR *d;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOTDIR && !lstat(path, &st) && S_ISLNK(st.st_mode) ? -ELOOP
										      : -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		/* Never descend: a directory in a policy's directory is not ours. */
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW)) {
			if (!err)
				err = -errno;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (!err)
				err = -EISDIR;
			continue;
		}
		/* unlinkat never follows: a symlink goes, its target stays */
		if (unlinkat(fd, de->d_name, 0) && !err)
			err = -errno;
	}
	closedir(d);
	if (rmdir(path) && !err)
		err = -errno;
	return err;
}

/* Devices */

static const struct {
	const char *name;
	unsigned int type;
} device_types[] = {
	{ "any", 0 },
	{ "mlx5", FWCTL_DEVICE_TYPE_MLX5 },
	{ "cxl", FWCTL_DEVICE_TYPE_CXL },
	{ "pds", FWCTL_DEVICE_TYPE_PDS },
	{ "bnxt", FWCTL_DEVICE_TYPE_BNXT },
};

int parse_device_type(const char *s)
{
	char msg[128];
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(device_types) / sizeof(device_types[0]); i++)
		if (!strcmp(s, device_types[i].name))
			return device_types[i].type;
	if (parse_unsigned(NULL, s, 0, INT_MAX, &v, msg, sizeof(msg)))
		return -1;
	return v;
}

/* N of fwctlN is decimal: "fwctl0x3" is not a device */
int parse_device(const char *s)
{
	char msg[128];
	uint64_t v;
	const char *p;

	if (!strncmp(s, "/dev/fwctl/", 11))
		s += 11;
	if (!strncmp(s, "fwctl", 5))
		s += 5;
	for (p = s; *p; p++)
		if (!isdigit((unsigned char)*p))
			return -1;
	if (parse_unsigned(NULL, s, 0, INT_MAX, &v, msg, sizeof(msg)))
		return -1;
	return v;
}
