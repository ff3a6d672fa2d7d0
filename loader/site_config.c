// SPDX-License-Identifier: GPL-2.0
/* /etc/fwctl-bpf/policies.d/: the site's policies, one INI file each (libinih). */
#include <dirent.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ini.h>

#include "main.h"
#include "number.h"
#include "site_config.h"

/* One file's parse: the reader counts lines, the handler fills @p. */
struct file_parse {
	FILE *f;
	const char *path;
	unsigned int line;
	struct site_policy *p;
	struct site_map *map;		/* the [Map NAME] being read, or NULL */
	char err[PATH_MAX + 256];
};

static int on_section(struct file_parse *fp, const char *section);
static int fail(struct file_parse *fp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A "[NAME]" line (as inih sees it: after leading blanks) starts a section */
static void section_line(struct file_parse *fp, const char *line)
{
	const char *end;
	char name[128];

	line += strspn(line, " \t");
	end = *line == '[' ? strchr(line, ']') : NULL;
	if (!end || fp->err[0])
		return;
	snprintf(name, sizeof(name), "%.*s", (int)(end - line - 1), line + 1);
	on_section(fp, name);
}

/* A line of text after blanks: inih would join it to the previous value */
static bool indented(const char *line)
{
	const char *p = line;

	while (isspace((unsigned char)*p))
		p++;
	return (*line == ' ' || *line == '\t') && *p && !strchr(";#", *p);
}

/*
 * inih's reader: a whole line at a time, so that line numbers are right and
 * a line longer than inih's buffer is an error, not two lines. It also
 * sees the section lines (Debian's libinih does not call the handler for
 * them), so that an empty [Map NAME] counts.
 */
static char *read_line(char *str, int num, void *stream)
{
	struct file_parse *fp = stream;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, fp->f);

	if (n < 0) {
		free(line);
		return NULL;
	}
	fp->line++;
	if (fp->line == 1 && n >= 3 && !memcmp(line, "\xef\xbb\xbf", 3)) {
		memmove(line, line + 3, n - 2);	/* a UTF-8 byte order mark */
		n -= 3;
	}
	/* inih's buffer holds the text, "\r\n" and a NUL: one limit for every ending */
	if (n - (n && line[n - 1] == '\n') - (n > 1 && line[n - 2] == '\r') > num - 3) {
		fail(fp, "line longer than %d bytes", num - 3);
		n = 0;		/* an empty line for inih; the error is ours */
	} else if (memchr(line, '\0', n)) {
		fail(fp, "a NUL byte in the line");
		n = 0;
	} else if (indented(line)) {
		/* inih would join it to the previous key's value: say so instead */
		fail(fp, "an indented line (continuation lines are not allowed: remove the "
		     "indentation)");
		n = 0;
	}
	memcpy(str, line, n);
	str[n] = '\0';
	free(line);
	section_line(fp, str);
	return str;
}

static int fail(struct file_parse *fp, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!fp->err[0])
		snprintf(fp->err, sizeof(fp->err), "%s:%u: %s", fp->path, fp->line, msg);
	return 0;	/* inih: stop at the first error */
}

/* Copy @value into @dst of @size; false if it does not fit */
static bool copy(char *dst, size_t size, const char *value)
{
	return (size_t)snprintf(dst, size, "%s", value) < size;
}

static int policy_key(struct file_parse *fp, const char *name, const char *value)
{
	struct site_policy *p = fp->p;
	uint64_t v;
	char msg[160];
	int idx;

	if (!strcmp(name, "Object")) {
		if (p->line_object)
			return fail(fp, "Object= given twice (line %u)", p->line_object);
		if (!*value || !copy(p->object, sizeof(p->object), value))
			return fail(fp, "Object= needs a path or a policy name");
		p->line_object = fp->line;
	} else if (!strcmp(name, "Name")) {
		if (p->line_name)
			return fail(fp, "Name= given twice (line %u)", p->line_name);
		if (check_policy_name(value) || !copy(p->name, sizeof(p->name), value))
			return fail(fp, "Name=%s: not 1 to 15 letters, digits or _", value);
		if (!strcmp(value, "gate"))
			return fail(fp, "Name=gate: the name of apply's own gate policy");
		p->line_name = fp->line;
	} else if (!strcmp(name, "Device") || !strcmp(name, "Type")) {
		if (p->line_match)
			return fail(fp, "%s=: the match was given at line %u (Device= and Type= "
				    "exclude each other)", name, p->line_match);
		if (!strcmp(name, "Device") && !strcmp(value, "all")) {
			p->match = MATCH_ALL;
		} else if (!strcmp(name, "Device")) {
			idx = parse_device(value);
			if (idx < 0)
				return fail(fp, "Device=%s: not fwctlN, /dev/fwctl/fwctlN or all",
					    value);
			p->match = MATCH_DEVICE;
			p->dev_index = idx;
		} else {
			idx = parse_device_type(value);
			if (idx < 0)
				return fail(fp, "Type=%s: unknown device type (mlx5, cxl, pds, "
					    "bnxt or a number)", value);
			p->match = MATCH_TYPE;
			p->device_type = idx;
		}
		p->line_match = fp->line;
	} else if (!strcmp(name, "Priority")) {
		if (p->line_prio)
			return fail(fp, "Priority= given twice (line %u)", p->line_prio);
		if (parse_unsigned("Priority", value, 0, UINT32_MAX, &v, msg, sizeof(msg)))
			return fail(fp, "%s", msg);
		p->has_prio = true;
		p->prio = v;
		p->line_prio = fp->line;
	} else if (!strcmp(name, "Mode")) {
		if (p->line_mode)
			return fail(fp, "Mode= given twice (line %u)", p->line_mode);
		if (strcmp(value, "enforce") && strcmp(value, "complain"))
			return fail(fp, "Mode=%s: enforce or complain", value);
		p->complain = !strcmp(value, "complain");
		p->line_mode = fp->line;
	} else if (!strcmp(name, "Set")) {
		const char *eq = strchr(value, '=');

		if (!eq || eq == value)
			return fail(fp, "Set=%s: not KNOB=VALUE", value);
		if (p->nr_sets == ATTACH_MAX_SETS)
			return fail(fp, "more than %d Set=", ATTACH_MAX_SETS);
		if (!copy(p->sets[p->nr_sets], sizeof(p->sets[0]), value))
			return fail(fp, "Set=: longer than %d bytes", SITE_MAX_VALUE - 1);
		p->line_sets[p->nr_sets++] = fp->line;
	} else {
		return fail(fp, "unknown key %s= in [Policy] (Object, Name, Device, Type, "
			    "Priority, Mode, Set)", name);
	}
	return 1;
}

/* "KEY VALUE": KEY a {...} group or a word, VALUE the rest */
static int map_entry(struct file_parse *fp, const char *value)
{
	struct site_map *m = fp->map;
	struct site_entry *e;
	const char *p = value;
	int nest = 0;

	if (strcmp(value, "") == 0)
		return fail(fp, "Entry= needs KEY VALUE");
	if (m->nr_entries == SITE_MAX_ENTRIES)
		return fail(fp, "more than %d entries in [Map %s]", SITE_MAX_ENTRIES, m->name);
	for (; *p && (nest || (*p != ' ' && *p != '\t')); p++) {
		nest += *p == '{' ? 1 : *p == '}' ? -1 : 0;
		if (nest < 0)
			break;
	}
	if (nest)
		return fail(fp, "Entry=%s: unbalanced braces", value);
	if (!*p)
		return fail(fp, "Entry=%s: KEY VALUE expected (no value)", value);
	if (!(m->nr_entries % 64)) {
		e = realloc(m->entries, (m->nr_entries + 64) * sizeof(*e));
		if (!e)
			return fail(fp, "out of memory");
		m->entries = e;
	}
	e = &m->entries[m->nr_entries];
	memset(e, 0, sizeof(*e));
	if ((size_t)(p - value) >= sizeof(e->key))
		return fail(fp, "Entry=: key longer than %d bytes", SITE_MAX_VALUE - 1);
	memcpy(e->key, value, p - value);
	while (*p == ' ' || *p == '\t')
		p++;
	if (!copy(e->value, sizeof(e->value), p))
		return fail(fp, "Entry=: value longer than %d bytes", SITE_MAX_VALUE - 1);
	e->line = fp->line;
	m->nr_entries++;
	return 1;
}

/* A map's name in an object: 1 to 63 of [A-Za-z0-9_.] */
static bool valid_map_name(const char *s)
{
	size_t n = strlen(s);

	return n && n < 64 && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					"0123456789_.") == n;
}

static int start_map(struct file_parse *fp, const char *section)
{
	struct site_policy *p = fp->p;
	const char *name = section + 4;
	int i;

	if (!p->line_policy)
		return fail(fp, "[%s] before [Policy]", section);
	if (!valid_map_name(name))
		return fail(fp, "[%s]: not [Map NAME] with the map's name in the object", section);
	for (i = 0; i < p->nr_maps; i++)
		if (!strcmp(p->maps[i].name, name))
			return fail(fp, "[Map %s] given twice (line %u)", name, p->maps[i].line);
	if (p->nr_maps == SITE_MAX_MAPS)
		return fail(fp, "more than %d [Map] sections", SITE_MAX_MAPS);
	fp->map = &p->maps[p->nr_maps++];
	copy(fp->map->name, sizeof(fp->map->name), name);
	fp->map->line = fp->line;
	return 1;
}

static int on_section(struct file_parse *fp, const char *section)
{
	fp->map = NULL;
	if (!strcmp(section, "Policy")) {
		if (fp->p->line_policy)
			return fail(fp, "[Policy] given twice (line %u): one policy per file",
				    fp->p->line_policy);
		fp->p->line_policy = fp->line;
		return 1;
	}
	if (!strncmp(section, "Map ", 4))
		return start_map(fp, section);
	return fail(fp, "unknown section [%s] ([Policy] or [Map NAME])", section);
}

/* inih: called for every "name = value" */
static int on_line(void *user, const char *section, const char *name, const char *value)
{
	struct file_parse *fp = user;

	if (fp->err[0])		/* the reader's, at a section line */
		return 0;
	if (!*section)
		return fail(fp, "%s= before [Policy]", name);
	if (!strcmp(section, "Policy"))
		return policy_key(fp, name, value);
	if (!fp->map)	/* a section start_map() refused: its error is set */
		return 0;
	if (strcmp(name, "Entry"))
		return fail(fp, "unknown key %s= in [Map %s] (Entry)", name, fp->map->name);
	return map_entry(fp, value);
}

static void free_policy(struct site_policy *p)
{
	int i;

	for (i = 0; i < p->nr_maps; i++)
		free(p->maps[i].entries);
	p->nr_maps = 0;
}

static int parse_file(const char *dir, const char *name, struct site_policy *p, char *err,
		      size_t size)
{
	struct file_parse fp = { .p = p };
	char path[PATH_MAX];
	int rc;

	memset(p, 0, sizeof(*p));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(p->file, sizeof(p->file), "%s", path);
	fp.path = p->file;
	fp.f = fopen(path, "re");
	if (!fp.f) {
		snprintf(err, size, "%s: %s", path, strerror(errno));
		return -errno;
	}
	rc = ini_parse_stream(read_line, &fp, on_line, &fp);
	fclose(fp.f);
	if (!fp.err[0] && rc > 0)	/* inih's own: no '=', unclosed '[' */
		snprintf(fp.err, sizeof(fp.err), "%s:%d: not a section, KEY=VALUE or comment",
			 path, rc);
	if (!fp.err[0] && rc < 0)
		snprintf(fp.err, sizeof(fp.err), "%s: can't read it", path);
	if (!fp.err[0] && !p->line_policy)
		snprintf(fp.err, sizeof(fp.err), "%s: no [Policy] section", path);
	if (!fp.err[0] && !p->line_object)
		snprintf(fp.err, sizeof(fp.err), "%s:%u: [Policy] without Object=", path,
			 p->line_policy);
	if (!fp.err[0])
		return 0;
	snprintf(err, size, "%s", fp.err);
	free_policy(p);
	return -EINVAL;
}

static int is_conf(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return de->d_name[0] != '.' && n > 5 && !strcmp(de->d_name + n - 5, ".conf");
}

static int check_unique(struct site_config *c, char *err, size_t size)
{
	int i, j;

	for (i = 0; i < c->nr; i++) {
		for (j = 0; j < i; j++) {
			const struct site_policy *a = &c->policies[j], *b = &c->policies[i];

			if (a->name[0] && !strcmp(a->name, b->name)) {
				snprintf(err, size, "%s:%u: Name=%s: also %s:%u's", b->file,
					 b->line_name, b->name, a->file, a->line_name);
				return -EEXIST;
			}
		}
	}
	return 0;
}

int site_config_load(const char *dir, struct site_config *c, char *err, size_t size)
{
	struct dirent **names = NULL;
	int i, n, ret = 0;

	memset(c, 0, sizeof(*c));
	snprintf(c->dir, sizeof(c->dir), "%s", dir);
	n = scandir(dir, &names, is_conf, alphasort);
	if (n < 0) {
		snprintf(err, size, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	if (n > SITE_MAX_POLICIES) {
		snprintf(err, size, "%s: %d policies; the kernel runs at most %d", dir, n,
			 SITE_MAX_POLICIES);
		ret = -E2BIG;
	}
	c->policies = calloc(n ? n : 1, sizeof(*c->policies));
	if (!ret && !c->policies) {
		snprintf(err, size, "out of memory");
		ret = -ENOMEM;
	}
	for (i = 0; !ret && i < n; i++) {
		ret = parse_file(dir, names[i]->d_name, &c->policies[i], err, size);
		if (!ret)
			c->nr++;
	}
	if (!ret)
		ret = check_unique(c, err, size);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (ret)
		site_config_free(c);
	return ret;
}

int site_config_load_file(const char *path, struct site_config *c, char *err, size_t size)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int ret;

	memset(c, 0, sizeof(*c));
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	snprintf(c->dir, sizeof(c->dir), "%s", dir);
	c->policies = calloc(1, sizeof(*c->policies));
	if (!c->policies) {
		snprintf(err, size, "out of memory");
		return -ENOMEM;
	}
	ret = parse_file(dir, slash ? slash + 1 : path, c->policies, err, size);
	if (ret) {
		free(c->policies);
		c->policies = NULL;
		return ret;
	}
	c->nr = 1;
	return 0;
}

void site_config_free(struct site_config *c)
{
	int i;

	for (i = 0; i < c->nr; i++)
		free_policy(&c->policies[i]);
	free(c->policies);
	c->policies = NULL;
	c->nr = 0;
}
