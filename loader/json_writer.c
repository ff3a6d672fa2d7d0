// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdlib.h>

#include "json_writer.h"

#define JW_MAX_DEPTH 32

struct json_writer {
	FILE *f;
	bool pretty;
	int depth;
	bool first[JW_MAX_DEPTH];	/* nothing written yet at this level */
	bool after_name;		/* a key was written, its value is next */
};

json_writer_t *jw_new(FILE *f, bool pretty)
{
	json_writer_t *jw = calloc(1, sizeof(*jw));

	if (!jw)
		return NULL;
	jw->f = f;
	jw->pretty = pretty;
	jw->first[0] = true;
	return jw;
}

void jw_destroy(json_writer_t **jw)
{
	if (!*jw)
		return;
	/* end the line of what was written; nothing for a silent command */
	if (!(*jw)->first[0])
		fputc('\n', (*jw)->f);
	fflush((*jw)->f);
	free(*jw);
	*jw = NULL;
}

static void jw_indent(json_writer_t *jw)
{
	int i;

	if (!jw->pretty)
		return;
	fputc('\n', jw->f);
	for (i = 0; i < jw->depth; i++)
		fputs("    ", jw->f);
}

/* Separator and indentation before a value or a key. */
static void jw_begin_value(json_writer_t *jw)
{
	if (jw->after_name) {
		jw->after_name = false;
		return;
	}
	if (!jw->first[jw->depth])
		fputc(',', jw->f);
	if (jw->depth)
		jw_indent(jw);
	jw->first[jw->depth] = false;
}

static void jw_escape(json_writer_t *jw, const char *s, size_t len)
{
	size_t i;

	fputc('"', jw->f);
	for (i = 0; i < len && s[i]; i++) {
		unsigned char c = s[i];

		switch (c) {
		case '"': fputs("\\\"", jw->f); break;
		case '\\': fputs("\\\\", jw->f); break;
		case '\n': fputs("\\n", jw->f); break;
		case '\t': fputs("\\t", jw->f); break;
		case '\r': fputs("\\r", jw->f); break;
		case '\b': fputs("\\b", jw->f); break;
		case '\f': fputs("\\f", jw->f); break;
		default:
			/* bytes, not UTF-8: >= 0x80 as the code point of that value */
			if (c < 0x20 || c >= 0x7f)
				fprintf(jw->f, "\\u%04x", c);
			else
				fputc(c, jw->f);
		}
	}
	fputc('"', jw->f);
}

static void jw_open(json_writer_t *jw, char c)
{
	jw_begin_value(jw);
	fputc(c, jw->f);
	if (jw->depth + 1 < JW_MAX_DEPTH)
		jw->depth++;
	jw->first[jw->depth] = true;
}

static void jw_close(json_writer_t *jw, char c)
{
	bool empty = jw->first[jw->depth];

	if (jw->depth)
		jw->depth--;
	if (!empty)
		jw_indent(jw);
	fputc(c, jw->f);
}

void jw_start_object(json_writer_t *jw) { jw_open(jw, '{'); }
void jw_end_object(json_writer_t *jw) { jw_close(jw, '}'); }
void jw_start_array(json_writer_t *jw) { jw_open(jw, '['); }
void jw_end_array(json_writer_t *jw) { jw_close(jw, ']'); }

void jw_name(json_writer_t *jw, const char *name)
{
	jw_begin_value(jw);
	jw_escape(jw, name, SIZE_MAX);
	fputs(jw->pretty ? ": " : ":", jw->f);
	jw->after_name = true;
}

void jw_string(json_writer_t *jw, const char *s)
{
	jw_begin_value(jw);
	jw_escape(jw, s, SIZE_MAX);
}

void jw_string_n(json_writer_t *jw, const char *s, size_t len)
{
	jw_begin_value(jw);
	jw_escape(jw, s, len);
}

void jw_uint(json_writer_t *jw, uint64_t v)
{
	jw_begin_value(jw);
	fprintf(jw->f, "%" PRIu64, v);
}

void jw_int(json_writer_t *jw, int64_t v)
{
	jw_begin_value(jw);
	fprintf(jw->f, "%" PRId64, v);
}

void jw_bool(json_writer_t *jw, bool v)
{
	jw_begin_value(jw);
	fputs(v ? "true" : "false", jw->f);
}

void jw_null(json_writer_t *jw)
{
	jw_begin_value(jw);
	fputs("null", jw->f);
}

void jw_string_field(json_writer_t *jw, const char *name, const char *s)
{
	jw_name(jw, name);
	if (s)
		jw_string(jw, s);
	else
		jw_null(jw);
}

void jw_uint_field(json_writer_t *jw, const char *name, uint64_t v)
{
	jw_name(jw, name);
	jw_uint(jw, v);
}

void jw_int_field(json_writer_t *jw, const char *name, int64_t v)
{
	jw_name(jw, name);
	jw_int(jw, v);
}

void jw_bool_field(json_writer_t *jw, const char *name, bool v)
{
	jw_name(jw, name);
	jw_bool(jw, v);
}

void jw_null_field(json_writer_t *jw, const char *name)
{
	jw_name(jw, name);
	jw_null(jw);
}
