// SPDX-License-Identifier: GPL-2.0
/*
 * The one consumer of the recorders' rings (audit_collect.h). It holds a
 * lock on each recorder's pin directory while it reads its ring, so a
 * second consumer is refused rather than silently competing, and it takes
 * every record into the store before it counts it as delivered.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "audit.h"
#include "audit_collect.h"
#include "audit_journal.h"
#include "audit_store.h"
#include "fwctl.h"
#include "main.h"
#include "number.h"

/* A record's footprint in a ring: its 8-byte header, rounded up to 8 */
#define RING_SLOT	((sizeof(struct fwctl_audit_record) + 8 + 7) & ~7UL)
#define MAX_RINGS	(2 * FWCTL_BPF_MAX_POLICIES)
/* Cycles a ring whose pin went away is still read: records in flight */
#define GONE_CYCLES	3

static void sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, ms % 1000 * 1000000L };

	nanosleep(&t, NULL);
}

static uint64_t stat_of(int fd, uint32_t i)
{
	uint64_t v = 0;

	if (fd >= 0)
		bpf_map_lookup_elem(fd, &i, &v);
	return v;
}

static void stats_of(int fd, struct recorder_stats *s)
{
	s->records = stat_of(fd, FWCTL_AUDIT_STAT_RECORDS);
	s->lost = stat_of(fd, FWCTL_AUDIT_STAT_LOST);
	s->strict = stat_of(fd, FWCTL_AUDIT_STAT_STRICT_REJECTS);
	s->first = stat_of(fd, FWCTL_AUDIT_STAT_FIRST_SEQ);
	s->base = stat_of(fd, FWCTL_AUDIT_STAT_BASE);
}

static uint32_t map_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_map_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

long long kernel_decisions(void)
{
	long long sum = 0, v;
	glob_t g;
	size_t i;

	if (glob("/sys/class/fwctl/fwctl*", 0, NULL, &g))
		return -1;
	for (i = 0; i < g.gl_pathc; i++) {
		v = fwctl_bpf_attr(strrchr(g.gl_pathv[i], '/') + 1, "rpcs");
		if (v > 0)
			sum += v;
	}
	globfree(&g);
	return sum;
}

/* The pinned rings: "ROOT/NAME/fwctl_audit" for each recorder NAME */
static int glob_rings(glob_t *g)
{
	char pattern[PATH_MAX];
	int err;

	snprintf(pattern, sizeof(pattern), "%s/*/" FWCTL_AUDIT_RING_MAP, pin_root());
	err = glob(pattern, 0, NULL, g);
	if (err == GLOB_NOMATCH)
		g->gl_pathc = 0;
	return err && err != GLOB_NOMATCH ? -EIO : 0;
}

/* NAME of ROOT/NAME/fwctl_audit */
static void name_of(char *buf, size_t size, const char *ring_path)
{
	const char *end = strrchr(ring_path, '/'), *start = end;

	while (start > ring_path && start[-1] != '/')
		start--;
	snprintf(buf, size, "%.*s", (int)(end - start), start);
}

static int open_dir_of(const char *name)
{
	char dir[PATH_MAX];

	if (pin_path(dir, sizeof(dir), name, NULL))
		return -1;
	return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
}

static int noop_record(void *ctx, void *data, size_t size)
{
	return 0;
}

/* Records in the ring @fd not consumed yet (its reader's position) */
static uint64_t ring_waiting(int fd)
{
	struct ring_buffer *rb = ring_buffer__new(fd, noop_record, NULL, NULL);
	uint64_t n = 0;

	if (rb) {
		n = ring__avail_data_size(ring_buffer__ring(rb, 0)) / RING_SLOT;
		ring_buffer__free(rb);
	}
	return n;
}

int recorders_view(struct recorder_view *v, int max, bool probe_held)
{
	glob_t g;
	size_t i;
	int n = 0, err = glob_rings(&g), fd, sfd, dfd;

	if (err)
		return err;
	for (i = 0; i < g.gl_pathc && n < max; i++) {
		char stats[PATH_MAX + 8];

		fd = bpf_obj_get(g.gl_pathv[i]);
		if (fd < 0)
			continue;
		memset(&v[n], 0, sizeof(v[n]));
		name_of(v[n].name, sizeof(v[n].name), g.gl_pathv[i]);
		v[n].ring_id = map_id(fd);
		v[n].waiting = ring_waiting(fd);
		snprintf(stats, sizeof(stats), "%s_stats", g.gl_pathv[i]);
		sfd = bpf_obj_get(stats);
		stats_of(sfd, &v[n].stats);
		dfd = probe_held ? open_dir_of(v[n].name) : -1;
		if (dfd >= 0 && flock(dfd, LOCK_SH | LOCK_NB))
			v[n].held = errno == EWOULDBLOCK;
		if (dfd >= 0)
			close(dfd);	/* and the lock, if we got it */
		if (sfd >= 0)
			close(sfd);
		close(fd);
		n++;
	}
	globfree(&g);
	return n;
}

void audit_mark_attached(const char *name)
{
	char path[PATH_MAX];
	long long decisions = kernel_decisions();
	uint32_t key = FWCTL_AUDIT_STAT_BASE;
	uint64_t base;
	int fd;

	if (pin_path(path, sizeof(path), name, FWCTL_AUDIT_STATS_MAP) || decisions < 0)
		return;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return;
	/* a swap that kept the counters keeps their start */
	if (!bpf_map_lookup_elem(fd, &key, &base) && !base) {
		base = decisions + 1;
		bpf_map_update_elem(fd, &key, &base, BPF_ANY);
	}
	close(fd);
}

/* The collector */

struct collector;

struct ring_src {
	struct collector *c;
	char name[16];
	int dir_fd;		/* its pin directory, locked while we read */
	int ring_fd;
	int stats_fd;
	uint32_t ring_id;
	bool seen;		/* still pinned at the last scan */
	int gone;		/* cycles since its pin went away */
	uint64_t pending;	/* its records in c->pending, not yet stored */
	uint64_t bad;		/* its records of an unknown layout, not stored */
};

struct collector {
	struct audit_store store;
	struct audit_state state;
	struct audit_state saved;	/* as last written to state.json */
	bool saved_once;
	char boot_id[AUDIT_BOOT_ID_LEN];
	const char *only;	/* collect this recorder only */
	bool to_syslog;
	bool to_journal;
	int journal_err;	/* the last journal error told, 0 if none */
	bool quiet;		/* no warnings about other consumers */
	struct ring_src src[MAX_RINGS];
	int nr;
	struct ring_buffer *rb;
	bool rebuild;
	uint32_t refused[MAX_RINGS];	/* rings another process holds: told once */
	int nr_refused;
	char *pending;
	size_t plen, pcap;
	int64_t boot_to_real;
	int write_err;		/* the last store error told, 0 if none */
	uint64_t delivered;
};

static volatile sig_atomic_t stop, reopen;

static void on_stop(int sig)
{
	stop = 1;
}

static void on_hup(int sig)
{
	reopen = 1;
}

static struct audit_ring_state *state_of(struct ring_src *s)
{
	struct audit_ring_state *st;

	st = audit_state_ring(&s->c->state, s->c->boot_id, s->ring_id, true);
	if (st && !st->recorder[0])
		snprintf(st->recorder, sizeof(st->recorder), "%s", s->name);
	return st;
}

static int add_pending(struct collector *c, const char *line, size_t len)
{
	if (c->plen + len > c->pcap) {
		size_t cap = (c->pcap + len) * 2;
		char *p = realloc(c->pending, cap);

		if (!p)
			return -ENOMEM;
		c->pending = p;
		c->pcap = cap;
	}
	memcpy(c->pending + c->plen, line, len);
	c->plen += len;
	return 0;
}

static void to_syslog(const struct audit_entry *e)
{
	char *line = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&line, &len);

	if (!mem)
		return;
	audit_print_text(mem, e);
	fclose(mem);
	syslog(LOG_AUTHPRIV | LOG_INFO, "%s", line);
	free(line);
}

/*
 * A copy to the journal, as structured fields; the store stays the
 * trail's authority, so a journal that cannot take it is told, once per
 * error, and collecting goes on.
 */
static void to_journal(struct collector *c, const struct audit_entry *e, const char *json)
{
	struct journal_fields jf;
	int err = audit_journal_fields(&jf, e, json) ?: audit_journal_send(&jf);

	if (err && err != c->journal_err)
		p_err("can't write audit record %llu to the journal: %s",
		      (unsigned long long)e->r.seq, strerror(-err));
	c->journal_err = err;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct ring_src *s = ctx;
	struct collector *c = s->c;
	struct audit_entry e = {};
	char *line = NULL;
	size_t len = 0;
	json_writer_t *jw;
	FILE *mem;
	int err;

	if (audit_check(data, size)) {
		s->bad++;
		return 0;
	}
	memcpy(&e.r, data, sizeof(e.r));
	snprintf(e.recorder, sizeof(e.recorder), "%s", s->name);
	memcpy(e.boot_id, c->boot_id, sizeof(e.boot_id));
	e.real_ns = (int64_t)e.r.boot_ns + c->boot_to_real;
	mem = open_memstream(&line, &len);
	jw = mem ? jw_new(mem, false) : NULL;
	if (!jw) {
		if (mem)
			fclose(mem);
		free(line);
		s->bad++;	/* counted, not hidden: dropped below */
		return 0;
	}
	audit_print_json(jw, &e);
	jw_destroy(&jw);	/* ends the line */
	fclose(mem);
	err = add_pending(c, line, len);
	if (!err && c->to_journal)
		to_journal(c, &e, line);
	free(line);
	if (err) {
		s->bad++;
		return 0;
	}
	s->pending++;
	if (c->to_syslog)
		to_syslog(&e);
	return 0;
}

/* Take @s's pin directory lock: dup ours if another src has that directory */
static int lock_dir(struct collector *c, const char *name)
{
	struct stat a, b;
	int fd = open_dir_of(name), i;

	if (fd < 0 || fstat(fd, &a))
		goto fail;
	for (i = 0; i < c->nr; i++) {
		if (strcmp(c->src[i].name, name) || fstat(c->src[i].dir_fd, &b) ||
		    a.st_ino != b.st_ino || a.st_dev != b.st_dev)
			continue;
		close(fd);
		return dup(c->src[i].dir_fd);	/* one lock, one holder */
	}
	if (!flock(fd, LOCK_EX | LOCK_NB))
		return fd;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

static bool was_refused(struct collector *c, uint32_t id)
{
	int i;

	for (i = 0; i < c->nr_refused; i++)
		if (c->refused[i] == id)
			return true;
	if (c->nr_refused < MAX_RINGS)
		c->refused[c->nr_refused++] = id;
	return false;
}

static struct ring_src *src_by_id(struct collector *c, uint32_t id)
{
	int i;

	for (i = 0; i < c->nr; i++)
		if (c->src[i].ring_id == id)
			return &c->src[i];
	return NULL;
}

static void add_src(struct collector *c, const char *path, const char *name, int fd,
		    uint32_t id)
{
	struct ring_src *s;
	char stats[PATH_MAX + 8];
	int dir_fd;

	if (c->nr == MAX_RINGS) {
		close(fd);
		return;
	}
	dir_fd = lock_dir(c, name);
	if (dir_fd < 0) {
		if (!c->quiet && !was_refused(c, id))
			p_info("Warning: can't collect the audit ring of %s: another process reads "
			       "it (it holds the lock on %s/%s)", name, pin_root(), name);
		close(fd);
		return;
	}
	s = &c->src[c->nr++];
	memset(s, 0, sizeof(*s));
	s->c = c;
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->dir_fd = dir_fd;
	s->ring_fd = fd;
	s->ring_id = id;
	s->seen = true;
	snprintf(stats, sizeof(stats), "%s_stats", path);
	s->stats_fd = bpf_obj_get(stats);
	c->rebuild = true;
}

/* Pick up new recorder rings; notice the ones whose pin went away */
static int scan(struct collector *c)
{
	char name[16];
	glob_t g;
	size_t i;
	int j, fd, err = glob_rings(&g);
	struct ring_src *s;
	uint32_t id;

	if (err)
		return err;
	for (j = 0; j < c->nr; j++)
		c->src[j].seen = false;
	for (i = 0; i < g.gl_pathc; i++) {
		name_of(name, sizeof(name), g.gl_pathv[i]);
		if (c->only && strcmp(name, c->only))
			continue;
		fd = bpf_obj_get(g.gl_pathv[i]);
		id = fd >= 0 ? map_id(fd) : 0;
		s = id ? src_by_id(c, id) : NULL;
		if (s) {
			s->seen = true;
			s->gone = 0;
		}
		if (s || !id) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		add_src(c, g.gl_pathv[i], name, fd, id);
	}
	globfree(&g);
	return 0;
}

static int rebuild_rb(struct collector *c)
{
	int i, err = 0;

	ring_buffer__free(c->rb);
	c->rb = NULL;
	for (i = 0; i < c->nr && !err; i++) {
		struct ring_src *s = &c->src[i];

		if (!c->rb) {
			c->rb = ring_buffer__new(s->ring_fd, on_record, s, NULL);
			err = c->rb ? 0 : -errno;
		} else {
			err = ring_buffer__add(c->rb, s->ring_fd, on_record, s);
		}
	}
	/* a ring set that failed is retried at the next scan, not given up */
	c->rebuild = err != 0;
	return err;
}

/* Counters of every ring into the state */
static void update_state(struct collector *c)
{
	struct recorder_stats rs;
	int i;

	for (i = 0; i < c->nr; i++) {
		struct audit_ring_state *st = state_of(&c->src[i]);

		if (!st)
			continue;
		stats_of(c->src[i].stats_fd, &rs);
		st->written = rs.records;
		st->lost = rs.lost;
		st->dropped += c->src[i].bad;
		c->src[i].bad = 0;
	}
}

/* The pending records into the store; on success they count as delivered */
static int flush(struct collector *c)
{
	int err = audit_store_append(&c->store, c->pending, c->plen), i;

	if (err) {
		if (err != c->write_err)
			p_err("can't write the audit trail to %s/audit.jsonl: %s (%zu bytes wait; "
			      "retrying)", c->store.dir, strerror(-err), c->plen);
		c->write_err = err;
		return err;
	}
	if (c->write_err)
		p_info("audit: writing to %s/audit.jsonl again", c->store.dir);
	c->write_err = 0;
	for (i = 0; i < c->nr; i++) {
		struct audit_ring_state *st = state_of(&c->src[i]);

		if (st)
			st->delivered += c->src[i].pending;
		c->delivered += c->src[i].pending;
		c->src[i].pending = 0;
	}
	c->plen = 0;
	return 0;
}

/* Give up on what could not be written: counted as dropped, never hidden */
static uint64_t drop_pending(struct collector *c)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < c->nr; i++) {
		struct audit_ring_state *st = state_of(&c->src[i]);

		if (st)
			st->dropped += c->src[i].pending;
		n += c->src[i].pending;
		c->src[i].pending = 0;
	}
	c->plen = 0;
	return n;
}

static void close_src(struct ring_src *s)
{
	close(s->ring_fd);
	if (s->stats_fd >= 0)
		close(s->stats_fd);
	close(s->dir_fd);
}

/*
 * Rings whose pin went away: read a few more cycles (records in flight),
 * then record their final counts and let them go.
 */
static void retire_gone(struct collector *c, bool now)
{
	bool removed = false;
	int i, j;

	for (i = 0; i < c->nr; i++) {
		struct ring_src *s = &c->src[i];
		struct audit_ring_state *st;

		if (s->seen || (++s->gone < GONE_CYCLES && !now) || s->pending)
			continue;
		st = state_of(s);
		if (st)
			st->retired = true;
		close_src(s);
		s->ring_fd = -1;
		removed = true;
	}
	if (!removed)
		return;
	for (i = j = 0; i < c->nr; i++)
		if (c->src[i].ring_fd >= 0)
			c->src[j++] = c->src[i];
	c->nr = j;
	/* the ring set's callbacks point into src[]: rebuild it now */
	if (rebuild_rb(c))
		p_err("can't read the audit rings: %s", strerror(errno));
}

/* Rings of the state that are gone without us: final as last seen */
static void retire_unseen(struct collector *c)
{
	int i;

	for (i = 0; i < c->state.nr; i++) {
		struct audit_ring_state *st = &c->state.ring[i];

		if (c->only && strcmp(st->recorder, c->only))
			continue;
		if (strcmp(st->boot_id, c->boot_id) || !src_by_id(c, st->ring_id))
			st->retired = true;
	}
}

/* One cycle: scan, read, store. Returns the store error, if any. */
static int cycle(struct collector *c, int timeout_ms)
{
	int err;

	if (!c->plen) {
		scan(c);
		if (c->rebuild) {
			/* what the old set holds first: a ring set is rebuilt only empty */
			if (c->rb)
				ring_buffer__consume(c->rb);
			if (rebuild_rb(c))
				p_err("can't read the audit rings: %s", strerror(errno));
		}
		c->boot_to_real = audit_boot_to_realtime();
		if (c->rb && timeout_ms)
			ring_buffer__poll(c->rb, timeout_ms);
		else if (timeout_ms)
			sleep_ms(timeout_ms);
		if (c->rb)
			ring_buffer__consume(c->rb);
	} else {
		sleep_ms(1000);		/* the store failed: retry, read nothing new */
	}
	err = flush(c);
	update_state(c);
	if (!err)
		retire_gone(c, false);
	return err;
}

static void collector_free(struct collector *c)
{
	int i;

	ring_buffer__free(c->rb);
	for (i = 0; i < c->nr; i++)
		close_src(&c->src[i]);
	free(c->pending);
	audit_store_close(&c->store);
}

int audit_store_trusted(const char *dir)
{
	char msg[PATH_MAX + 128];
	int err = check_pin_dir(dir, msg, sizeof(msg));

	if (err && err != -ENOENT)
		p_err("refusing the audit store: %s", msg);
	return err == -ENOENT ? 0 : err;
}

static int collector_open(struct collector *c, const char *dir)
{
	pid_t holder = 0;
	int err;

	audit_boot_id(c->boot_id);
	err = audit_store_trusted(dir);
	if (err)
		return err;
	err = audit_store_open(&c->store, dir, &holder);
	if (err == -EWOULDBLOCK) {
		p_err("can't collect the audit trail into %s: another consumer (pid %d) does",
		      dir, (int)holder);
		return err;
	}
	if (err) {
		p_err("can't open the audit store %s: %s", dir, strerror(-err));
		return err;
	}
	err = audit_state_load(dir, &c->state);
	if (err) {
		p_err("can't read %s/state.json: %s (move it away to start a new count)", dir,
		      strerror(-err));
		audit_store_close(&c->store);
	}
	return err;
}

static int save_state(struct collector *c)
{
	int err;

	if (c->saved_once && !memcmp(&c->saved, &c->state, sizeof(c->state)))
		return 0;
	err = audit_state_save(c->store.dir, &c->state);
	if (err) {
		p_err("can't save %s/state.json: %s", c->store.dir, strerror(-err));
		return err;
	}
	c->saved = c->state;
	c->saved_once = true;
	return 0;
}

/* Drain once; what cannot be stored is dropped and counted */
static int collect_once(struct collector *c)
{
	uint64_t dropped;
	int err = cycle(c, 0);

	if (err) {
		dropped = drop_pending(c);
		p_err("%llu audit records taken from the rings could not be stored: lost "
		      "(counted as dropped)", (unsigned long long)dropped);
	}
	retire_unseen(c);
	return save_state(c) ?: err;
}

int audit_handover(const char *name, bool retire)
{
	struct collector *c;
	pid_t holder = 0;
	char ring[PATH_MAX];
	const char *dir = audit_store_dir(NULL);
	int dfd, i, err;

	if (pin_path(ring, sizeof(ring), name, FWCTL_AUDIT_RING_MAP) || access(ring, F_OK))
		return 0;	/* not a recorder */
	for (i = 0; i < 20; i++, sleep_ms(100)) {
		bool busy = audit_store_busy(dir, &holder);

		bool held_ex;

		dfd = open_dir_of(name);
		if (dfd < 0)
			return 0;
		err = flock(dfd, LOCK_EX | LOCK_NB) ? -errno : 0;
		/* a query holds the lock shared; a consumer exclusively */
		held_ex = err == -EWOULDBLOCK && flock(dfd, LOCK_SH | LOCK_NB);
		close(dfd);
		if (held_ex && busy)
			return 0;	/* the running consumer holds the ring: it drains it */
		if (!err && !busy)
			break;		/* no consumer: drain it here */
		/* a query's lock, or a consumer not yet on the ring: wait */
	}
	if (i == 20) {
		if (holder)
			p_err("the audit consumer (pid %d) did not take the ring of %s",
			      (int)holder, name);
		else
			p_err("the ring of %s is held by another process (a consumer of another "
			      "store?)", name);
		return -EBUSY;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->only = name;
	err = collector_open(c, dir);
	if (!err) {
		err = collect_once(c);
		for (i = 0; retire && i < c->nr; i++) {
			struct audit_ring_state *st = state_of(&c->src[i]);

			if (st)
				st->retired = true;
		}
		err = save_state(c) ?: err;
		if (!err && c->delivered)
			p_info("audit: %llu records of %s's ring saved in %s",
			       (unsigned long long)c->delivered, name, dir);
	}
	if (err)
		p_err("the unread records of %s's audit ring could not be stored in %s: %s",
		      name, dir, strerror(-err));
	collector_free(c);
	free(c);
	return err;
}

/* The command */

static int help_collect(void)
{
	if (json_output) {
		jw_null(json_wtr);
		return 0;
	}
	fprintf(stderr,
		"Usage: %s audit collect [--follow] [--store DIR] [--syslog] [--journal]\n"
		"                       [--max-size BYTES] [--keep N]\n"
		"\n"
		"Be the one consumer of every recorder's ring: take each record into the\n"
		"audit store (%s/audit.jsonl, or --store / $FWCTL_BPF_AUDIT_DIR),\n"
		"on disk before it counts as delivered. Queries (\"%s audit\") read the\n"
		"store and never consume. A second consumer is refused.\n"
		"\n"
		"  --follow         keep collecting until SIGINT or SIGTERM (the service);\n"
		"                   SIGHUP reopens audit.jsonl (after an outside rotation)\n"
		"  --store DIR      the store directory\n"
		"  --syslog         also log each record to syslog (LOG_AUTHPRIV), a copy\n"
		"  --journal        also send each record to the journal as fields, a copy:\n"
		"                   journalctl FWCTL_VERDICT=rejected FWCTL_DEVICE=fwctl0\n"
		"  --max-size BYTES rotate audit.jsonl beyond this size (default %llu)\n"
		"  --keep N         rotated files kept (default %d)\n",
		bin_name, AUDIT_STORE_DIR, bin_name, AUDIT_STORE_MAX_SIZE, AUDIT_STORE_KEEP);
	return 0;
}

struct collect_opts {
	bool follow, to_syslog, to_journal;
	const char *store;
	unsigned long long max_size;
	unsigned long keep;
};

/* One option's value into @o; 0 or CMD_USAGE with the error printed */
static int set_collect_option(struct collect_opts *o, const char *opt, const char *v)
{
	char msg[160];
	uint64_t n;

	if (!strcmp(opt, "--store")) {
		o->store = v;
	} else if (!strcmp(opt, "--max-size")) {
		if (parse_unsigned(opt, v, 4096, UINT64_MAX, &n, msg, sizeof(msg)))
			return usage_err("can't collect: %s", msg);
		o->max_size = n;
	} else {
		if (parse_unsigned(opt, v, 1, AUDIT_STORE_KEEP * 4, &n, msg, sizeof(msg)))
			return usage_err("can't collect: %s", msg);
		o->keep = n;
	}
	return 0;
}

static int parse_collect(int argc, char **argv, struct collect_opts *o)
{
	static const char *const with_value[] = { "--store", "--max-size", "--keep", NULL };

	for (; argc; NEXT_ARG()) {
		const char *opt = *argv, *name, *v;
		int err;

		if (is_help(opt))
			return help_collect() ?: 1;
		if (!strcmp(opt, "--follow") || !strcmp(opt, "-f")) {
			o->follow = true;
			continue;
		}
		if (!strcmp(opt, "--syslog")) {
			o->to_syslog = true;
			continue;
		}
		if (!strcmp(opt, "--journal")) {
			o->to_journal = true;
			continue;
		}
		err = opt_value_in(with_value, &argc, &argv, &name, &v, "collect") ?:
		      set_collect_option(o, name, v);
		if (err)
			return err;
	}
	return 0;
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int follow(struct collector *c)
{
	bool first = true;
	int err = 0;

	install_signals();
	while (!stop) {
		if (reopen) {
			reopen = 0;
			err = audit_store_reopen(&c->store);
			if (err)
				p_err("can't reopen %s/audit.jsonl: %s", c->store.dir,
				      strerror(-err));
		}
		cycle(c, 200);
		if (first) {
			/* rings a killed consumer saw go: final as last seen */
			retire_unseen(c);
			first = false;
		}
		save_state(c);
	}
	return collect_once(c);	/* the rest, and what is still pending */
}

int do_audit_collect(int argc, char **argv)
{
	struct collect_opts o = {};
	struct collector *c;
	int err = parse_collect(argc, argv, &o);

	if (err)
		return err > 0 ? 0 : err;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->to_syslog = o.to_syslog;
	c->to_journal = o.to_journal;
	err = collector_open(c, audit_store_dir(o.store));
	if (!err) {
		if (o.max_size)
			c->store.max_size = o.max_size;
		if (o.keep)
			c->store.keep = o.keep;
		if (o.to_syslog)
			openlog("fwctl-bpf", LOG_PID, LOG_AUTHPRIV);
		/* sd_journal_sendv() succeeds silently when there is no journald */
		if (o.to_journal && access("/run/systemd/journal/socket", W_OK))
			fprintf(stderr, "Warning: no journal (/run/systemd/journal/socket: %s): "
				"--journal copies go nowhere; the store still gets every record\n",
				strerror(errno));
		err = o.follow ? follow(c) : collect_once(c);
		if (!err && !o.follow && !json_output)
			printf("collected %llu audit records into %s\n",
			       (unsigned long long)c->delivered, c->store.dir);
	}
	collector_free(c);
	free(c);
	return err ? -1 : 0;
}
