// SPDX-License-Identifier: GPL-2.0
/*
 * A hostile policy object: what inspect (the review step) and attach --set
 * do with BTF an attacker wrote. Three layers:
 *
 *  - the BTF walkers (loader/config.h) on BTF built with libbpf's
 *    btf__new_empty()/btf__add_*(): a const/volatile cycle, an array of
 *    itself, an enum of 4096 bytes behind a 4-byte variable;
 *  - the CLI on copies of build/hook_policy.bpf.o whose .BTF was rewritten
 *    the same way (rewrite_btf()), or whose names carry terminal escapes;
 *  - the CLI on mutated copies of that object (a fixed seed and count),
 *    inspect in text and JSON and attach --set, each in a child with a
 *    timeout: no crash, no hang, and output that is plain ASCII.
 *
 * Each CLI run is cli_child() (tests/unit/loader_cli.c): a crash or a hang
 * (SIGALRM after TIMEOUT seconds) is a negative return, not a dead suite.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <gelf.h>
#include <json-c/json.h>
#include <libelf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "json_writer.h"
#include "loader_cli.h"
#include "main.h"

#define POLICY	"build/hook_policy.bpf.o"
#define TIMEOUT	10

static char dir[] = "/tmp/fwctl-hostile-XXXXXX";
static char path[PATH_MAX];

static void init(void)
{
	loader_cli_redirect();
	json_output = pretty_output = verbose = false;
	json_wtr = NULL;
	cr_assert(mkdtemp(dir));
	/* attach must never touch the real pin tree */
	snprintf(path, sizeof(path), "%s/pins", dir);
	setenv("FWCTL_BPF_PIN_ROOT", path, 1);
	snprintf(path, sizeof(path), "%s/policy.bpf.o", dir);
}

TestSuite(loader_hostile, .init = init, .timeout = 120);

/* At the end of a test that passed: a failed one keeps its object */
static void cleanup(void)
{
	char pins[PATH_MAX];

	snprintf(pins, sizeof(pins), "%s/pins", dir);
	unlink(path);
	rmdir(pins);
	rmdir(dir);
}

/* Every byte of @s is printable ASCII, a newline or a tab */
static const char *unprintable(const char *s)
{
	for (; *s; s++)
		if ((*s < 0x20 && *s != '\n' && *s != '\t') || (unsigned char)*s >= 0x7f)
			return s;
	return NULL;
}

#define assert_plain(buf, what) do {						\
	const char *bad_ = unprintable(buf);					\
	cr_assert(!bad_, "%s: raw byte 0x%02x at %zd", what,			\
		  bad_ ? (unsigned char)*bad_ : 0, bad_ ? bad_ - (buf) : 0);	\
} while (0)

/* The walkers on hand-built BTF */

static struct btf *new_btf(int *u8, int *u32)
{
	struct btf *btf = btf__new_empty();

	cr_assert(btf);
	*u8 = btf__add_int(btf, "u8", 1, 0);
	*u32 = btf__add_int(btf, "u32", 4, 0);
	cr_assert(*u8 > 0 && *u32 > 0);
	return btf;
}

static struct btf_type *mut_type(struct btf *btf, int id)
{
	return (struct btf_type *)btf__type_by_id(btf, id);
}

/*
 * const -> volatile -> const ...: the old skip_mods() looped forever (the
 * test's timeout), the old type-name printer too.
 */
Test(loader_hostile, a_modifier_cycle_ends_with_eloop, .timeout = 10)
{
	int u8, u32, c, v;
	struct btf *btf = new_btf(&u8, &u32);
	const struct btf_type *t;
	unsigned char data[4] = { 1, 2, 3, 4 };
	struct policy_var var = { .name = "loop", .size = 4, .data = data };
	char buf[64], msg[256];
	__u32 id, top;

	c = btf__add_const(btf, 0);		/* fixed below: -> v */
	v = btf__add_volatile(btf, c);
	cr_assert(c > 0 && v > 0);
	mut_type(btf, c)->type = v;
	var.type_id = c;

	id = c;
	cr_assert_eq(policy_btf_skip_mods(btf, &id, &t), -ELOOP);
	cr_assert_eq(policy_var_type_name(btf, c, buf, sizeof(buf)), -ELOOP);
	cr_assert_str_eq(buf, "(type loop)");
	cr_assert_eq(policy_var_set_value(btf, &var, "1", msg, sizeof(msg)), -ELOOP);
	cr_assert(strstr(msg, "variable 'loop' cannot be set: its type is more than 32 levels "
			      "deep (a loop in the object's BTF?)"), "%s", msg);
	cr_assert_eq(policy_var_format(btf, &var, buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "01 02 03 04", "bytes, as for any type it cannot read");

	/* 32 links are fine, 33 are not */
	top = u32;
	for (int i = 0; i < 32; i++)
		top = btf__add_typedef(btf, "t", top);
	id = top;
	cr_assert_eq(policy_btf_skip_mods(btf, &id, &t), 0);
	cr_assert_eq(t, btf__type_by_id(btf, u32));
	id = btf__add_typedef(btf, "t", top);
	cr_assert_eq(policy_btf_skip_mods(btf, &id, &t), -ELOOP);
	btf__free(btf);
	cleanup();
}

/* An array of itself: the old printer recursed until the stack ran out */
Test(loader_hostile, an_array_of_itself_is_named_a_loop, .timeout = 10)
{
	int u8, u32, a;
	struct btf *btf = new_btf(&u8, &u32);
	unsigned char data[16] = {};
	struct policy_var var = { .name = "arr", .size = 16, .data = data };
	char buf[64], msg[256];

	a = btf__add_array(btf, u32, u8, 16);
	cr_assert(a > 0);
	btf_array(mut_type(btf, a))->type = a;
	var.type_id = a;

	cr_assert_eq(policy_var_type_name(btf, a, buf, sizeof(buf)), -ELOOP);
	cr_assert_eq(policy_var_set_value(btf, &var, "x", msg, sizeof(msg)), -ELOOP);
	cr_assert(strstr(msg, "variable 'arr' cannot be set: its type is more than 32 levels "
			      "deep"), "%s", msg);
	btf__free(btf);
	cleanup();
}

/*
 * An enum claiming 4096 bytes behind a 4-byte variable: the old
 * parse_enum() copied 4096 bytes into a 256-byte stack buffer.
 */
Test(loader_hostile, an_enum_larger_than_its_variable_is_refused, .timeout = 10)
{
	int u8, u32, e;
	struct btf *btf = new_btf(&u8, &u32);
	unsigned char data[4] = { 9, 9, 9, 9 };
	struct policy_var var = { .name = "mode", .size = 4, .data = data };
	char buf[64], msg[256];

	e = btf__add_enum(btf, "big", 4);
	cr_assert(e > 0);
	cr_assert_eq(btf__add_enum_value(btf, "HUGE", 1), 0);
	mut_type(btf, e)->size = 4096;
	var.type_id = e;

	cr_assert_eq(policy_var_set_value(btf, &var, "HUGE", msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "variable 'mode' has 4 bytes but its type 4096: a broken object"),
		  "%s", msg);
	cr_assert_eq(data[0], 9, "nothing written");
	/* the right size: by name, or a number that fits its 4 bytes */
	mut_type(btf, e)->size = 4;
	cr_assert_eq(policy_var_set_value(btf, &var, "HUGE", msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(data[0], 1);
	cr_assert_eq(policy_var_set_value(btf, &var, "-0x10", msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(*(int32_t *)data, -16);
	cr_assert_eq(policy_var_set_value(btf, &var, "0x100000000", msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "0x100000000 is out of range (-2147483648 to 4294967295)"), "%s",
		  msg);
	cr_assert_eq(policy_var_set_value(btf, &var, "010", msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(*(int32_t *)data, 10, "not octal");
	/* the same size, but not one an integer has */
	var.size = 3;
	mut_type(btf, e)->size = 3;
	cr_assert_eq(policy_var_set_value(btf, &var, "HUGE", msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "enums of 3 bytes are not supported"), "%s", msg);
	cr_assert_eq(policy_var_format(btf, &var, buf, sizeof(buf)), 0, "3 bytes: not a number");
	/* an int of 0 bytes: no shift by 64 */
	mut_type(btf, u32)->size = 0;
	var.type_id = u32;
	var.size = 0;
	cr_assert_eq(policy_var_set_value(btf, &var, "1", msg, sizeof(msg)), -EINVAL);
	cr_assert_eq(policy_var_format(btf, &var, buf, sizeof(buf)), 0);
	btf__free(btf);
	cleanup();
}

Test(loader_hostile, text_escape_renders_every_unprintable_byte)
{
	char buf[64];

	cr_assert_str_eq(text_escape("a\x1b[2Jb\\c\xff\x7f\n", SIZE_MAX, buf, sizeof(buf)),
			 "a\\x1b[2Jb\\\\c\\xff\\x7f\\x0a");
	cr_assert_str_eq(text_escape("abc", 2, buf, sizeof(buf)), "ab");
	/* never half an escape */
	cr_assert_str_eq(text_escape("ab\x1b", SIZE_MAX, buf, 5), "ab");
	cr_assert_str_eq(text_escape(NULL, SIZE_MAX, buf, sizeof(buf)), "");
	cleanup();
}

Test(loader_hostile, json_strings_are_ascii_for_any_bytes)
{
	char out_buf[128] = "";
	FILE *f = fmemopen(out_buf, sizeof(out_buf), "w");
	json_writer_t *jw = jw_new(f, false);
	json_object *o;

	jw_string(jw, "a\xff\x80\x7f\x1b" "b");
	jw_destroy(&jw);
	fclose(f);
	cr_assert_str_eq(out_buf, "\"a\\u00ff\\u0080\\u007f\\u001bb\"\n");
	o = json_tokener_parse(out_buf);
	cr_assert(o, "not JSON: %s", out_buf);
	cr_assert_str_eq(json_object_get_string(o), "a\xc3\xbf\xc2\x80\x7f\x1b" "b",
			 "each byte back as its code point");
	json_object_put(o);
	cleanup();
}

/* Objects with a rewritten .BTF */

static void *read_all(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	char *buf;
	long n;

	cr_assert(f, "%s: %s", p, strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n);
	cr_assert(buf && fread(buf, 1, n, f) == (size_t)n);
	fclose(f);
	*len = n;
	return buf;
}

static void write_all(const char *p, const void *buf, size_t len)
{
	FILE *f = fopen(p, "wb");

	cr_assert(f && fwrite(buf, 1, len, f) == len);
	fclose(f);
}

/* The .BTF section of @fd's ELF: its file offset and size */
static Elf_Scn *find_btf(Elf *e)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Shdr sh;

	cr_assert_eq(elf_getshdrstrndx(e, &shstrndx), 0);
	while ((scn = elf_nextscn(e, scn))) {
		cr_assert(gelf_getshdr(scn, &sh));
		if (!strcmp(elf_strptr(e, shstrndx, sh.sh_name), ".BTF"))
			return scn;
	}
	cr_assert_fail("no .BTF in the object");
	return NULL;
}

/* @dst: POLICY with its .BTF replaced by POLICY's after @edit */
static void rewrite_btf(const char *dst, void (*edit)(struct btf *btf))
{
	struct btf *btf = btf__parse_elf(POLICY, NULL);
	size_t len;
	void *obj = read_all(POLICY, &len);
	const void *raw;
	__u32 raw_len;
	Elf_Data *d;
	Elf *e;
	int fd;

	cr_assert(btf, "%s: %s", POLICY, strerror(errno));
	edit(btf);
	raw = btf__raw_data(btf, &raw_len);
	cr_assert(raw);
	write_all(dst, obj, len);
	free(obj);
	cr_assert_neq(elf_version(EV_CURRENT), EV_NONE);
	fd = open(dst, O_RDWR);
	cr_assert(fd >= 0);
	e = elf_begin(fd, ELF_C_RDWR, NULL);
	cr_assert(e, "%s", elf_errmsg(-1));
	d = elf_getdata(find_btf(e), NULL);
	cr_assert(d);
	d->d_buf = (void *)raw;
	d->d_size = raw_len;
	elf_flagdata(d, ELF_C_SET, ELF_F_DIRTY);
	cr_assert(elf_update(e, ELF_C_WRITE) >= 0, "%s", elf_errmsg(-1));
	elf_end(e);
	close(fd);
	btf__free(btf);
}

static int find_var(struct btf *btf, const char *name)
{
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_VAR);

	cr_assert(id > 0, "no variable %s in %s", name, POLICY);
	return id;
}

/* rewrite_val's typedef __u8 made its own target */
static void typedef_loop(struct btf *btf)
{
	struct btf_type *var = mut_type(btf, find_var(btf, "rewrite_val"));
	struct btf_type *td = mut_type(btf, var->type);

	cr_assert(btf_is_typedef(td));
	td->type = var->type;
}

/* done_resp's __u8[16] made an array of itself */
static void array_loop(struct btf *btf)
{
	int id = mut_type(btf, find_var(btf, "done_resp"))->type;

	cr_assert(btf_is_array(btf__type_by_id(btf, id)));
	btf_array(mut_type(btf, id))->type = id;
}

/* verdict (4 bytes) given an enum of 4096 bytes */
static void huge_enum(struct btf *btf)
{
	int e = btf__add_enum(btf, "big", 4);

	cr_assert(e > 0);
	cr_assert_eq(btf__add_enum_value(btf, "HUGE", 1), 0);
	mut_type(btf, e)->size = 4096;
	mut_type(btf, find_var(btf, "verdict"))->type = e;
}

#define ATTACH(...) cli_child(TIMEOUT, "attach", path, "--name", "hostile", __VA_ARGS__)

Test(loader_hostile, inspect_and_set_of_a_typedef_loop_end_with_an_error)
{
	int rc;

	rewrite_btf(path, typedef_loop);
	rc = cli_child(TIMEOUT, "inspect", path);
	cr_assert_eq(rc, EXIT_ERR, "inspect: %d (negative: killed by that signal)", rc);
	cr_assert(strstr(out, "rewrite_val"), "the rest is still shown: %s", out);
	cr_assert(strstr(err, "variable rewrite_val: its type is more than 32 levels deep (a loop "
			      "in the object's BTF?)"), "%s", err);
	rc = ATTACH("--set", "rewrite_val=1");
	cr_assert_eq(rc, EXIT_ERR, "attach: %d", rc);
	cr_assert(strstr(err, "--set rewrite_val=1: variable 'rewrite_val' cannot be set: its type "
			      "is more than 32 levels deep"), "%s", err);
	cleanup();
}

Test(loader_hostile, inspect_and_set_of_an_array_of_itself_end_with_an_error)
{
	int rc;

	rewrite_btf(path, array_loop);
	rc = cli_child(TIMEOUT, "inspect", path);
	cr_assert_eq(rc, EXIT_ERR, "inspect: %d (negative: killed by that signal)", rc);
	cr_assert(strstr(err, "variable done_resp: its type is more than 32 levels deep"), "%s",
		  err);
	rc = cli_child(TIMEOUT, "-j", "inspect", path);
	cr_assert_eq(rc, EXIT_ERR, "inspect -j: %d", rc);
	cr_assert(json_tokener_parse(out), "not JSON: %s", out);
	rc = ATTACH("--set", "done_resp=x");
	cr_assert_eq(rc, EXIT_ERR, "attach: %d", rc);
	cr_assert(strstr(err, "variable 'done_resp' cannot be set: its type is more than 32 "
			      "levels deep"), "%s", err);
	cleanup();
}

Test(loader_hostile, set_of_an_enum_larger_than_its_variable_is_refused)
{
	int rc;

	rewrite_btf(path, huge_enum);
	rc = ATTACH("--set", "verdict=HUGE");
	cr_assert_eq(rc, EXIT_ERR, "attach: %d (negative: killed by that signal)", rc);
	cr_assert(strstr(err, "--set verdict=HUGE: variable 'verdict' has 4 bytes but its type "
			      "4096: a broken object"), "%s", err);
	rc = cli_child(TIMEOUT, "inspect", path);
	cr_assert_eq(rc, EXIT_OK, "inspect: %d", rc);
	cr_assert(strstr(out, "verdict              enum big"), "%s", out);
	cleanup();
}

/*
 * Names in place, in the ELF symbols and the BTF alike (libbpf matches
 * them): a program hidden by "conceal", the ops map's line erased, a
 * variable that clears the screen.
 */
static const struct {
	const char *from, *to;
} hostile_names[] = {
	{ "hook_filter", "\x1b[8m\xffhidden" },
	{ "hook_ops", "\x1b[1A\x1b[K_" },
	{ "verdict", "\x1b[2J\xffvd" },
};

static void write_hostile_names(void)
{
	size_t len, i, k, found;
	char *obj = read_all(POLICY, &len), *p;

	for (i = 0; i < sizeof(hostile_names) / sizeof(hostile_names[0]); i++) {
		k = strlen(hostile_names[i].from);
		cr_assert_eq(strlen(hostile_names[i].to), k);
		found = 0;
		for (p = obj + 1; p + k < obj + len; p++) {
			if (p[-1] || memcmp(p, hostile_names[i].from, k) || p[k])
				continue;
			memcpy(p, hostile_names[i].to, k);
			found++;
		}
		cr_assert(found, "%s not found in %s", hostile_names[i].from, POLICY);
	}
	write_all(path, obj, len);
	free(obj);
}

Test(loader_hostile, names_with_terminal_escapes_are_printed_escaped)
{
	int rc;

	write_hostile_names();
	rc = cli_child(TIMEOUT, "inspect", path);
	cr_assert_eq(rc, EXIT_OK, "inspect: %d\n%s", rc, err);
	assert_plain(out, "inspect");
	assert_plain(err, "inspect's stderr");
	cr_assert(strstr(out, "\\x1b[8m\\xffhidden"), "%s", out);
	cr_assert(strstr(out, "(ops map \\x1b[1A\\x1b[K_)"), "%s", out);
	cr_assert(strstr(out, "\\x1b[2J\\xffvd"), "%s", out);
	/* --set of such a name: the message escapes what it quotes */
	rc = ATTACH("--set", "\x1b[2J\xffvd=x");
	cr_assert_eq(rc, EXIT_ERR, "attach: %d", rc);
	assert_plain(err, "attach's stderr");
	cleanup();
}

Test(loader_hostile, names_with_terminal_escapes_are_valid_ascii_json)
{
	json_object *o;
	int rc;

	write_hostile_names();
	rc = cli_child(TIMEOUT, "-j", "inspect", path);
	cr_assert_eq(rc, EXIT_OK, "inspect -j: %d\n%s", rc, err);
	assert_plain(out, "inspect -j");
	cr_assert(strstr(out, "\"\\u001b[8m\\u00ffhidden\""), "%s", out);
	cr_assert(strstr(out, "\"\\u001b[2J\\u00ffvd\""), "%s", out);
	o = json_tokener_parse(out);
	cr_assert(o, "not JSON: %s", out);
	json_object_put(o);
	cleanup();
}

/* Mutated objects */

static uint64_t rng = 0x667763746c627066ull;	/* "fwctlbpf": the fixed seed */

static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng >> 32;
}

#define FUZZ_ROUNDS 1000

/* One mutation in [off, off + size) of @obj: a byte, a small id, a size, a name offset */
static void mutate(char *obj, size_t off, size_t size)
{
	size_t at = off + next_rand() % size;
	uint32_t v;

	switch (next_rand() % 4) {
	case 0:
		obj[at] = next_rand();
		return;
	case 1:
		v = next_rand() % 80;		/* a type id near the real ones */
		break;
	case 2:
		v = (uint32_t[]){ 0, 1, 3, 257, 4096, 0x7fffffff, 0xffffffff }[next_rand() % 7];
		break;
	default:
		v = next_rand();
		break;
	}
	at &= ~(size_t)3;
	if (at < off)
		at = off;
	if (at + 4 <= off + size)
		memcpy(obj + at, &v, 4);
}

static void check_run(int rc, const char *what, int round)
{
	cr_assert(rc >= 0, "round %d: %s killed by signal %d (%s), object kept at %s", round, what,
		  -rc, rc == -SIGALRM ? "a hang" : "a crash", path);
	assert_plain(out, what);
	assert_plain(err, what);
}

Test(loader_hostile, mutated_objects_neither_crash_nor_hang_nor_print_raw_bytes,
     .timeout = 600)
{
	size_t len, btf_off, btf_size;
	char *orig = read_all(POLICY, &len), *obj = malloc(len);
	GElf_Shdr sh;
	Elf *e;
	int fd, round, i, rc, opened = 0;

	cr_assert(obj);
	cr_assert_neq(elf_version(EV_CURRENT), EV_NONE);
	fd = open(POLICY, O_RDONLY);
	e = elf_begin(fd, ELF_C_READ, NULL);
	cr_assert(e && gelf_getshdr(find_btf(e), &sh));
	btf_off = sh.sh_offset + 24;	/* past the header, most rounds */
	btf_size = sh.sh_size - 24;
	elf_end(e);
	close(fd);

	for (round = 0; round < FUZZ_ROUNDS; round++) {
		int n = 1 + next_rand() % 4;

		memcpy(obj, orig, len);
		for (i = 0; i < n; i++) {
			if (next_rand() % 8)
				mutate(obj, btf_off, btf_size);
			else
				mutate(obj, 0, len);	/* anywhere in the ELF */
		}
		write_all(path, obj, len);
		rc = cli_child(TIMEOUT, "inspect", path);
		check_run(rc, "inspect", round);
		opened += rc == EXIT_OK || strstr(out, "config (attach --set");
		rc = cli_child(TIMEOUT, "-j", "inspect", path);
		check_run(rc, "inspect -j", round);
		if (rc == EXIT_OK)
			cr_assert(json_tokener_parse(out), "round %d: not JSON: %s", round, out);
		rc = ATTACH("--set", "verdict=HUGE", "--set", "rewrite_val=7", "--set",
			    "done_resp=abc", "--set", "filter_ctx=1");
		check_run(rc, "attach --set", round);
	}
	/* the mutations reach the walkers, not only libbpf's checks */
	cr_assert(opened >= FUZZ_ROUNDS / 4, "only %d of %d mutated objects opened", opened,
		  FUZZ_ROUNDS);
	free(orig);
	free(obj);
	cleanup();
}
