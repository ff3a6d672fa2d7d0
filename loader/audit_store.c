// SPDX-License-Identifier: GPL-2.0
/*
 * The audit store (audit_store.h): appending with rotation under the
 * consumer's lock, the per-ring state, and reading it all back.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#include "audit_store.h"

#define LOG_NAME	"audit.jsonl"
#define STATE_NAME	"state.json"
#define LOCK_NAME	"lock"

const char *audit_store_dir(const char *override)
{
	const char *env = secure_getenv("FWCTL_BPF_AUDIT_DIR");

	if (override && *override)
		return override;
	return env && *env ? env : AUDIT_STORE_DIR;
}

static int path_of(char *buf, const char *dir, const char *name, unsigned int n)
{
	int len = n ? snprintf(buf, PATH_MAX, "%s/%s.%u", dir, name, n) :
		      snprintf(buf, PATH_MAX, "%s/%s", dir, name);

	return len < 0 || len >= PATH_MAX ? -ENAMETOOLONG : 0;
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd))
		err = -errno;
	close(fd);
	return err;
}

static pid_t read_holder(int fd)
{
	char buf[32] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	return n > 0 ? (pid_t)atoi(buf) : 0;
}

static int open_lock(const char *dir)
{
	char path[PATH_MAX];

	if (path_of(path, dir, LOCK_NAME, 0))
		return -ENAMETOOLONG;
	return open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
}

bool audit_store_busy(const char *dir, pid_t *holder)
{
	char path[PATH_MAX];
	bool busy = false;
	int fd;

	if (path_of(path, dir, LOCK_NAME, 0))
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	if (flock(fd, LOCK_SH | LOCK_NB)) {
		busy = errno == EWOULDBLOCK;
		*holder = read_holder(fd);
	}
	close(fd);
	return busy;
}

static int open_log(struct audit_store *s)
{
	char path[PATH_MAX];
	struct stat st;

	if (path_of(path, s->dir, LOG_NAME, 0))
		return -ENAMETOOLONG;
	s->log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (s->log_fd < 0 || fstat(s->log_fd, &st))
		return -errno;
	s->size = st.st_size;
	return 0;
}

int audit_store_open(struct audit_store *s, const char *dir, pid_t *holder)
{
	char pid[32];
	int err, n;

	memset(s, 0, sizeof(*s));
	s->lock_fd = s->log_fd = -1;
	s->max_size = AUDIT_STORE_MAX_SIZE;
	s->keep = AUDIT_STORE_KEEP;
	if (snprintf(s->dir, sizeof(s->dir), "%s", dir) >= (int)sizeof(s->dir))
		return -ENAMETOOLONG;
	if (mkdir(dir, 0750) && errno != EEXIST)
		return -errno;
	s->lock_fd = open_lock(dir);
	if (s->lock_fd < 0)
		return -errno;
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB)) {
		err = -errno;
		*holder = read_holder(s->lock_fd);
		audit_store_close(s);
		return err;
	}
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(s->lock_fd, 0) || pwrite(s->lock_fd, pid, n, 0) != n) {
		err = -errno;
		audit_store_close(s);
		return err;
	}
	err = open_log(s);
	if (err)
		audit_store_close(s);
	return err;
}

void audit_store_close(struct audit_store *s)
{
	if (s->log_fd >= 0)
		close(s->log_fd);
	if (s->lock_fd >= 0)
		close(s->lock_fd);	/* drops the lock */
	s->log_fd = s->lock_fd = -1;
}

int audit_store_reopen(struct audit_store *s)
{
	if (s->log_fd >= 0)
		close(s->log_fd);
	s->log_fd = -1;
	return open_log(s);
}

/* audit.jsonl -> .1 -> .2 ... -> .keep (dropped) */
static int rotate(struct audit_store *s)
{
	char from[PATH_MAX], to[PATH_MAX];
	unsigned int i;

	for (i = s->keep; i > 0; i--) {
		if (path_of(from, s->dir, LOG_NAME, i - 1) || path_of(to, s->dir, LOG_NAME, i))
			return -ENAMETOOLONG;
		if (rename(from, to) && errno != ENOENT)
			return -errno;
	}
	return audit_store_reopen(s) ?: sync_dir(s->dir);
}

int audit_store_append(struct audit_store *s, const char *buf, size_t len)
{
	off_t start;
	int err;

	if (!len)
		return 0;
	if (s->size && s->size + len > s->max_size) {
		err = rotate(s);
		if (err)
			return err;
	}
	start = s->size;
	while (len) {
		ssize_t n = write(s->log_fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			goto undo;
		}
		buf += n;
		len -= n;
		s->size += n;
	}
	if (!fdatasync(s->log_fd))
		return 0;
	err = -errno;
undo:
	/*
	 * The caller writes the whole buffer again: no half line, no line
	 * twice (a failed fdatasync does not tell which pages reached the disk).
	 */
	if (!ftruncate(s->log_fd, start))
		s->size = start;
	return err;
}

/* State */

static const char *str_field(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

static uint64_t uint_field(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_uint64(v) : 0;
}

static int ring_from_json(json_object *o, struct audit_ring_state *r)
{
	const char *rec = str_field(o, "recorder"), *boot = str_field(o, "boot_id");
	json_object *v;

	if (!rec || !boot || strlen(rec) >= sizeof(r->recorder) ||
	    strlen(boot) >= sizeof(r->boot_id))
		return -EPROTO;
	strcpy(r->recorder, rec);
	strcpy(r->boot_id, boot);
	r->ring_id = uint_field(o, "ring_id");
	r->delivered = uint_field(o, "delivered");
	r->dropped = uint_field(o, "dropped");
	r->written = uint_field(o, "written");
	r->lost = uint_field(o, "lost");
	r->retired = json_object_object_get_ex(o, "retired", &v) && json_object_get_boolean(v);
	return 0;
}

int audit_state_load(const char *dir, struct audit_state *st)
{
	char path[PATH_MAX];
	json_object *o, *rings;
	size_t i;
	int err = 0;

	memset(st, 0, sizeof(*st));
	if (path_of(path, dir, STATE_NAME, 0))
		return -ENAMETOOLONG;
	if (access(path, F_OK))
		return errno == ENOENT ? 0 : -errno;
	o = json_object_from_file(path);
	if (!o || !json_object_object_get_ex(o, "rings", &rings) ||
	    !json_object_is_type(rings, json_type_array))
		err = -EPROTO;
	for (i = 0; !err && i < json_object_array_length(rings) && i < AUDIT_STATE_MAX; i++)
		err = ring_from_json(json_object_array_get_idx(rings, i), &st->ring[st->nr++]);
	json_object_put(o);
	return err;
}

static json_object *ring_to_json(const struct audit_ring_state *r)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "recorder", json_object_new_string(r->recorder));
	json_object_object_add(o, "boot_id", json_object_new_string(r->boot_id));
	json_object_object_add(o, "ring_id", json_object_new_uint64(r->ring_id));
	json_object_object_add(o, "delivered", json_object_new_uint64(r->delivered));
	json_object_object_add(o, "dropped", json_object_new_uint64(r->dropped));
	json_object_object_add(o, "written", json_object_new_uint64(r->written));
	json_object_object_add(o, "lost", json_object_new_uint64(r->lost));
	json_object_object_add(o, "retired", json_object_new_boolean(r->retired));
	return o;
}

int audit_state_save(const char *dir, const struct audit_state *st)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	json_object *o = json_object_new_object(), *rings = json_object_new_array();
	const char *text;
	int i, fd, err = 0;
	size_t len;

	for (i = 0; i < st->nr; i++)
		json_object_array_add(rings, ring_to_json(&st->ring[i]));
	json_object_object_add(o, "version", json_object_new_int(1));
	json_object_object_add(o, "rings", rings);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	len = strlen(text);
	if (path_of(path, dir, STATE_NAME, 0) ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		json_object_put(o);
		return -ENAMETOOLONG;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
	    fsync(fd))
		err = errno ? -errno : -EIO;
	if (fd >= 0)
		close(fd);
	json_object_put(o);
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	/* the rename itself reaches the disk */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		err = fsync(fd) ? -errno : 0;
		close(fd);
	}
	return err;
}

struct audit_ring_state *audit_state_ring(struct audit_state *st, const char *boot_id,
					  uint32_t ring_id, bool create)
{
	struct audit_ring_state *r;
	int i;

	for (i = 0; i < st->nr; i++)
		if (st->ring[i].ring_id == ring_id && !strcmp(st->ring[i].boot_id, boot_id))
			return &st->ring[i];
	if (!create)
		return NULL;
	if (st->nr == AUDIT_STATE_MAX) {
		for (i = 0; i < st->nr && !st->ring[i].retired; i++)
			;
		if (i == st->nr)
			return NULL;
		memmove(&st->ring[i], &st->ring[i + 1], (st->nr - i - 1) * sizeof(st->ring[0]));
		st->nr--;
	}
	r = &st->ring[st->nr++];
	memset(r, 0, sizeof(*r));
	snprintf(r->boot_id, sizeof(r->boot_id), "%s", boot_id);
	r->ring_id = ring_id;
	return r;
}

/* Reading */

struct line_reader {
	int fd;
	char *buf;
	size_t len, cap;
};

/* Next whole line of @lr (NUL-terminated, no newline) in *@line; 0 at EOF */
static int next_line(struct line_reader *lr, char **line, size_t *used)
{
	char *nl;
	ssize_t n;

	if (*used) {
		memmove(lr->buf, lr->buf + *used, lr->len - *used);
		lr->len -= *used;
		*used = 0;
	}
	for (;;) {
		nl = lr->len ? memchr(lr->buf, '\n', lr->len) : NULL;
		if (nl) {
			*nl = '\0';
			*line = lr->buf;
			*used = nl - lr->buf + 1;
			return 1;
		}
		if (lr->cap - lr->len < 4096) {
			char *p = realloc(lr->buf, lr->cap + 65536);

			if (!p)
				return -ENOMEM;
			lr->buf = p;
			lr->cap += 65536;
		}
		n = read(lr->fd, lr->buf + lr->len, lr->cap - lr->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : 0;	/* a partial line waits */
		lr->len += n;
	}
}

struct store_reader {
	const char *dir;
	audit_entry_fn fn;
	void *ctx;
	uint64_t *bad;
};

/* Every whole line of @lr to the callback */
static int drain_file(struct store_reader *sr, struct line_reader *lr)
{
	struct audit_entry e;
	size_t used = 0;
	char *line = NULL;
	int n, err;

	while ((n = next_line(lr, &line, &used)) > 0) {
		if (audit_entry_parse(line, &e)) {
			(*sr->bad)++;
			continue;
		}
		err = sr->fn(sr->ctx, &e);
		if (err)
			return err;
	}
	if (used) {
		memmove(lr->buf, lr->buf + used, lr->len - used);
		lr->len -= used;
	}
	return n;
}

static int cmp_desc(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* The numbers N of dir/audit.jsonl.N, oldest (largest) first */
static int rotated(const char *dir, unsigned int *nums, int max)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)) && n < max) {
		char *end;
		unsigned long v;

		if (strncmp(de->d_name, LOG_NAME ".", sizeof(LOG_NAME)))
			continue;
		v = strtoul(de->d_name + sizeof(LOG_NAME), &end, 10);
		if (!*end && v > 0 && v < 100000)
			nums[n++] = v;
	}
	closedir(d);
	qsort(nums, n, sizeof(*nums), cmp_desc);
	return n;
}

static bool replaced(const char *path, int fd)
{
	struct stat a, b;

	if (stat(path, &a) || fstat(fd, &b))
		return false;
	return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

static int follow_current(struct store_reader *sr, struct line_reader *lr, const char *path,
			  volatile sig_atomic_t *stop)
{
	const struct timespec tick = { 0, 200 * 1000 * 1000 };
	int err = 0, fd;

	while (!*stop && !err) {
		err = drain_file(sr, lr);
		if (err || !replaced(path, lr->fd)) {
			nanosleep(&tick, NULL);
			continue;
		}
		/* rotated: the rest of the old file, then the new one */
		err = drain_file(sr, lr);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		close(lr->fd);
		lr->fd = fd;
		lr->len = 0;
	}
	return err;
}

int audit_store_read(const char *dir, bool follow, volatile sig_atomic_t *stop,
		     audit_entry_fn fn, void *ctx, uint64_t *bad)
{
	struct store_reader sr = { dir, fn, ctx, bad };
	struct line_reader lr[AUDIT_STORE_KEEP * 4 + 1];
	unsigned int nums[AUDIT_STORE_KEEP * 4];
	char path[PATH_MAX];
	int n, i, nfd = 0, err = 0;

	n = rotated(dir, nums, AUDIT_STORE_KEEP * 4);
	while (n == -ENOENT && follow && !*stop) {	/* no consumer has run yet */
		nanosleep(&(struct timespec){ 0, 200 * 1000 * 1000 }, NULL);
		n = rotated(dir, nums, AUDIT_STORE_KEEP * 4);
	}
	if (n < 0)
		return n;
	/* Open them all first: a rotation meanwhile moves names, not files. */
	for (i = 0; i <= n; i++) {
		if (path_of(path, dir, LOG_NAME, i < n ? nums[i] : 0))
			return -ENAMETOOLONG;
		memset(&lr[nfd], 0, sizeof(lr[nfd]));
		lr[nfd].fd = open(path, O_RDONLY | O_CLOEXEC);
		if (lr[nfd].fd >= 0)
			nfd++;
		else if (i == n && errno != ENOENT)
			err = -errno;
	}
	for (i = 0; i < nfd && !err; i++)
		err = drain_file(&sr, &lr[i]);
	if (!err && follow) {
		path_of(path, dir, LOG_NAME, 0);
		if (!nfd || replaced(path, lr[nfd - 1].fd)) {
			memset(&lr[nfd], 0, sizeof(lr[nfd]));
			while ((lr[nfd].fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 && !*stop)
				nanosleep(&(struct timespec){ 0, 200 * 1000 * 1000 }, NULL);
			nfd += lr[nfd].fd >= 0;
		}
		if (nfd)
			err = follow_current(&sr, &lr[nfd - 1], path, stop);
	}
	for (i = 0; i < nfd; i++) {
		close(lr[i].fd);
		free(lr[i].buf);
	}
	return err;
}
