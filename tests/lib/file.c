// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "file.h"

ssize_t read_file(const char *path, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got < len) {
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (!n)
			break;
		got += n;
	}
	close(fd);
	return got;
}

ssize_t read_text(const char *path, char *buf, size_t size)
{
	ssize_t n = read_file(path, buf, size - 1);

	buf[n < 0 ? 0 : n] = '\0';
	return n;
}
