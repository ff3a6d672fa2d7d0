// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "bpf_test.h"

/*
 * libbpf reports every refused load on stderr; the tests check the reasons
 * themselves. FWCTL_BPF_TEST_VERBOSE=1 shows libbpf's messages again.
 */
static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

__attribute__((constructor)) static void bpf_test_quiet_libbpf(void)
{
	if (!getenv("FWCTL_BPF_TEST_VERBOSE"))
		libbpf_set_print(quiet_print);
}

int bpf_test_load_must_fail(const char *name, char *log, size_t log_size)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .kernel_log_buf = log,
		    .kernel_log_size = log_size, .kernel_log_level = 1);
	struct bpf_object *obj;
	char path[256];
	int err;

	log[0] = '\0';
	snprintf(path, sizeof(path), "build/%s.bpf.o", name);
	obj = bpf_object__open_file(path, &opts);
	if (!obj)
		return -errno;
	err = bpf_object__load(obj);
	bpf_object__close(obj);
	return err;
}

static int sysfs_path(char *buf, size_t size, const char *fwctl, const char *attr)
{
	return snprintf(buf, size, "/sys/class/fwctl/%s/bpf/%s", fwctl, attr);
}

int fwctl_bpf_attr_write(const char *fwctl, const char *attr, const char *value)
{
	char path[128];
	ssize_t n;
	int fd;

	sysfs_path(path, sizeof(path), fwctl, attr);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, value, strlen(value));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

unsigned long kernel_taint(void)
{
	unsigned long v = 0;
	FILE *f = fopen("/proc/sys/kernel/tainted", "r");

	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}
