/* SPDX-License-Identifier: GPL-2.0 */
/* Reading the files tests look at: sysfs, debugfs, what a command left. */
#ifndef FWCTL_BPF_TESTS_FILE_H
#define FWCTL_BPF_TESTS_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* Up to @len bytes of @path into @buf: the count read, or -errno */
ssize_t read_file(const char *path, void *buf, size_t len);
/*
 * @path as a string into @buf, at most @size - 1 bytes and the NUL ("" when
 * it cannot be read): its length, or -errno
 */
ssize_t read_text(const char *path, char *buf, size_t size);

#endif
