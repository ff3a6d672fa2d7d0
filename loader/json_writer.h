/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small streaming JSON writer in the spirit of bpftool's: objects and
 * arrays nest, commas are inserted for the caller, strings are escaped,
 * and pretty mode indents by four spaces. Strings are taken as bytes (an
 * object's names, a sender's comm): control characters, DEL and every
 * byte >= 0x80 are written as \u00NN, so the output is always ASCII and
 * valid JSON, and a reader gets each byte back as the code point of its
 * value (U+0080..U+00FF), never invalid UTF-8. Output is complete (balanced)
 * only when every start has its end; jw_destroy() does not close them.
 */
#ifndef FWCTL_BPF_LOADER_JSON_WRITER_H
#define FWCTL_BPF_LOADER_JSON_WRITER_H

#ifdef __bpf__
#error "userspace only"
#endif

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct json_writer json_writer_t;

json_writer_t *jw_new(FILE *f, bool pretty);
/* Ends the line and flushes; frees the writer */
void jw_destroy(json_writer_t **jw);

void jw_start_object(json_writer_t *jw);
void jw_end_object(json_writer_t *jw);
void jw_start_array(json_writer_t *jw);
void jw_end_array(json_writer_t *jw);
/* Key of the next value inside an object */
void jw_name(json_writer_t *jw, const char *name);

void jw_string(json_writer_t *jw, const char *s);
/* Up to @len bytes of @s, stopping at a NUL */
void jw_string_n(json_writer_t *jw, const char *s, size_t len);
void jw_uint(json_writer_t *jw, uint64_t v);
void jw_int(json_writer_t *jw, int64_t v);
void jw_bool(json_writer_t *jw, bool v);
void jw_null(json_writer_t *jw);

/* key: value shorthands */
void jw_string_field(json_writer_t *jw, const char *name, const char *s);
void jw_uint_field(json_writer_t *jw, const char *name, uint64_t v);
void jw_int_field(json_writer_t *jw, const char *name, int64_t v);
void jw_bool_field(json_writer_t *jw, const char *name, bool v);
void jw_null_field(json_writer_t *jw, const char *name);

#endif
