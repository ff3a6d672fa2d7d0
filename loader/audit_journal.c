// SPDX-License-Identifier: GPL-2.0
/* audit collect --journal: a record as journal fields (audit_journal.h). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <json-c/json.h>
#include <systemd/sd-journal.h>

#include "audit.h"
#include "audit_journal.h"

#define MAX_FIELDS	(int)(sizeof(((struct journal_fields *)0)->iov) / sizeof(struct iovec))

/* One field NAME=VALUE (printf) appended; -E2BIG when it does not fit */
static int __attribute__((format(printf, 2, 3))) add(struct journal_fields *jf,
						      const char *fmt, ...)
{
	size_t room = sizeof(jf->buf) - jf->used;
	va_list ap;
	int len;

	if (jf->n == MAX_FIELDS)
		return -E2BIG;
	va_start(ap, fmt);
	len = vsnprintf(jf->buf + jf->used, room, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= room)
		return -E2BIG;
	jf->iov[jf->n].iov_base = jf->buf + jf->used;
	jf->iov[jf->n].iov_len = len;
	jf->n++;
	jf->used += len + 1;
	return 0;
}

/* A journal field name of a JSON key: FWCTL_ and the key in capitals */
static void field_name(char *buf, size_t size, const char *key)
{
	size_t i, n = snprintf(buf, size, "FWCTL_");

	for (i = 0; key[i] && n + 1 < size; i++)
		buf[n++] = isalnum((unsigned char)key[i]) ? toupper((unsigned char)key[i]) : '_';
	buf[n] = '\0';
}

/* An array's elements, space-separated */
static int add_array(struct journal_fields *jf, const char *name, json_object *a)
{
	char v[512] = "";
	size_t i, n = 0;

	for (i = 0; i < json_object_array_length(a); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(a, i));

		n += snprintf(v + n, n < sizeof(v) ? sizeof(v) - n : 0, "%s%s", i ? " " : "", s);
		if (n >= sizeof(v))
			return -E2BIG;
	}
	return add(jf, "%s=%s", name, v);
}

static int add_json_fields(struct journal_fields *jf, const char *json)
{
	json_object *o = json_tokener_parse(json);
	char name[64];
	int err = o && json_object_is_type(o, json_type_object) ? 0 : -EINVAL;

	if (!err) {
		json_object_object_foreach(o, key, v) {
			field_name(name, sizeof(name), key);
			if (!v)
				continue;	/* null: no field */
			if (json_object_is_type(v, json_type_array))
				err = add_array(jf, name, v);
			else
				err = add(jf, "%s=%s", name, json_object_get_string(v));
			if (err)
				break;
		}
	}
	json_object_put(o);
	return err;
}

static int priority_of(unsigned int verdict)
{
	switch (verdict) {
	case FWCTL_AUDIT_REJECTED:
	case FWCTL_AUDIT_WOULD_REJECT:
		return LOG_NOTICE;
	default:
		return LOG_INFO;
	}
}

int audit_journal_fields(struct journal_fields *jf, const struct audit_entry *e,
			 const char *json)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	int err;

	jf->n = 0;
	jf->used = 0;
	if (!mem)
		return -ENOMEM;
	audit_print_text(mem, e);
	fclose(mem);
	err = add(jf, "MESSAGE=%s", text);
	free(text);
	err = err ?: add(jf, "PRIORITY=%d", priority_of(e->r.verdict)) ?:
	      add(jf, "SYSLOG_FACILITY=%d", LOG_AUTHPRIV >> 3) ?:
	      add(jf, "SYSLOG_IDENTIFIER=fwctl-bpf") ?:
	      add(jf, "MESSAGE_ID=%s", FWCTL_AUDIT_MESSAGE_ID) ?:
	      add(jf, "FWCTL_DEVICE=fwctl%u", e->r.dev_index) ?:
	      add_json_fields(jf, json);
	if (err)
		jf->n = 0;
	return err;
}

int audit_journal_send(const struct journal_fields *jf)
{
	return jf->n ? sd_journal_sendv(jf->iov, jf->n) : -EINVAL;
}
