/* test_json.c - the strict parser, the tree readers and the writer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "json.h"
#include "tu_files.h"

/* Parse a C string that is expected to fail with `sub` in the message. */
static void bad(const char *text, const char *sub)
{
	struct vp_err err = {0};
	struct vp_json *j = (struct vp_json *)1;

	tu_assert_err(vp_json_parse(text, strlen(text), &j, &err), err, sub);
	assert_null(j);
}

static struct vp_json *good(const char *text)
{
	struct vp_err err = {0};
	struct vp_json *j = NULL;

	tu_assert_ok(vp_json_parse(text, strlen(text), &j, &err), err);
	assert_non_null(j);
	return j;
}

static void test_scalars(void **state)
{
	struct vp_json *j;

	(void)state;
	j = good("null");
	assert_int_equal(j->type, VP_JSON_NULL);
	vp_json_free(j);
	j = good(" true ");
	assert_int_equal(j->type, VP_JSON_BOOL);
	assert_true(j->u.boolean);
	vp_json_free(j);
	j = good("false");
	assert_false(j->u.boolean);
	vp_json_free(j);
	j = good("\"caf\\u00e9 \xe2\x82\xac \\ud83d\\ude00\"");
	assert_int_equal(j->type, VP_JSON_STRING);
	assert_string_equal(j->u.str.s,
			    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	assert_int_equal(j->u.str.len, strlen(j->u.str.s));
	vp_json_free(j);
	j = good("\"\"");
	assert_int_equal(j->u.str.len, 0);
	vp_json_free(j);
}

static void test_numbers(void **state)
{
	struct vp_json *j;

	(void)state;
	j = good("42");
	assert_true(j->u.num.is_int);
	assert_int_equal(j->u.num.i, 42);
	vp_json_free(j);
	j = good("-9223372036854775808");
	assert_true(j->u.num.is_int);
	assert_true(j->u.num.i == (-9223372036854775807LL - 1));
	vp_json_free(j);
	j = good("9223372036854775807");
	assert_true(j->u.num.is_int);
	vp_json_free(j);
	j = good("9223372036854775808"); /* too big: a double */
	assert_false(j->u.num.is_int);
	assert_true(j->u.num.d > 9.2e18);
	vp_json_free(j);
	j = good("1.5");
	assert_false(j->u.num.is_int);
	assert_true(j->u.num.d == 1.5);
	vp_json_free(j);
	j = good("1e2"); /* exponent: not an integer even if whole */
	assert_false(j->u.num.is_int);
	assert_true(j->u.num.d == 100.0);
	vp_json_free(j);
	j = good("2.0");
	assert_false(j->u.num.is_int);
	vp_json_free(j);
	bad("1e999", "number out of range");
	bad("-1e999", "number out of range");
	bad("01", "invalid JSON");
	bad("+1", "invalid JSON");
	bad("1.", "invalid JSON");
	bad("NaN", "invalid JSON");
}

static void test_containers(void **state)
{
	struct vp_json *j;
	const struct vp_json *v;

	(void)state;
	j = good("{\"a\":[1,{\"b\":null}],\"c\":\"x\",\"d\":{}, \"e\":[]}");
	assert_int_equal(j->type, VP_JSON_OBJECT);
	assert_int_equal(j->u.obj.n, 4);
	assert_string_equal(j->u.obj.keys[0], "a"); /* order kept */
	assert_string_equal(j->u.obj.keys[3], "e");
	v = vp_json_get(j, "a");
	assert_non_null(v);
	assert_int_equal(v->type, VP_JSON_ARRAY);
	assert_int_equal(v->u.arr.n, 2);
	assert_int_equal(v->u.arr.items[1]->type, VP_JSON_OBJECT);
	assert_non_null(vp_json_get(v->u.arr.items[1], "b"));
	assert_null(vp_json_get(j, "zz"));
	assert_null(vp_json_get(v, "a")); /* not an object */
	assert_null(vp_json_get(NULL, "a"));
	assert_int_equal(vp_json_get(j, "d")->u.obj.n, 0);
	assert_int_equal(vp_json_get(j, "e")->u.arr.n, 0);
	vp_json_free(j);
	vp_json_free(NULL);
}

static void test_many_members(void **state)
{
	/* enough to make every array grow several times */
	size_t n = 5000, cap = n * 16 + 16, used = 0;
	_cleanup_free_ char *buf = malloc(cap);
	struct vp_json *j;

	(void)state;
	assert_non_null(buf);
	used += (size_t)snprintf(buf + used, cap - used, "{");
	for (size_t i = 0; i < n; i++)
		used +=
		    (size_t)snprintf(buf + used, cap - used, "%s\"k%zu\":[%zu]",
				     i ? "," : "", i, i);
	snprintf(buf + used, cap - used, "}");
	j = good(buf);
	assert_int_equal(j->u.obj.n, n);
	assert_int_equal(vp_json_get(j, "k4999")->u.arr.items[0]->u.num.i,
			 4999);
	vp_json_free(j);

	/* the same keys twice, far apart */
	buf[used] = '\0';
	strcat(buf, ",\"k17\":1}");
	bad(buf, "duplicate key `k17`");
}

static void test_not_json(void **state)
{
	(void)state;
	bad("", "invalid JSON: parse error: premature EOF");
	bad("   \n", "invalid JSON: parse error: premature EOF");
	bad("hello", "invalid JSON: lexical error");
	bad("{a:1}", "invalid JSON: lexical error");
	bad("{'a':1}", "invalid JSON");
	bad("[1,]", "invalid JSON: parse error");
	bad("{\"a\":1,}", "invalid JSON: parse error");
	bad("/* c */ 1", "comments are not enabled");
	bad("[1] // c", "invalid JSON");
	bad("\"\\x41\"", "invalid JSON");
	bad("\"a\tb\"", "invalid JSON"); /* raw control character */
}

static void test_truncated(void **state)
{
	(void)state;
	bad("{", "premature EOF");
	bad("[1, 2", "premature EOF");
	bad("{\"a\":", "premature EOF");
	bad("{\"a\"", "premature EOF");
	bad("\"abc", "premature EOF");
	bad("tru", "invalid JSON: lexical error");
}

static void test_trailing(void **state)
{
	(void)state;
	bad("{} {}", "invalid JSON: parse error: trailing garbage");
	bad("[1] 2", "trailing garbage");
	bad("1 2", "trailing garbage");
	bad("{}x", "trailing garbage");
	bad("true false", "trailing garbage");
	/* trailing whitespace is fine */
	vp_json_free(good("{}\n\t "));
}

static void test_duplicate_keys(void **state)
{
	(void)state;
	bad("{\"a\":1,\"a\":2}", "invalid JSON: duplicate key `a`");
	bad("{\"a\":1,\"b\":2,\"a\":{}}", "duplicate key `a`");
	bad("[{\"x\":{\"y\":1,\"y\":1}}]", "duplicate key `y`");
	/* the same key in different objects is fine */
	vp_json_free(good("[{\"a\":1},{\"a\":2}]"));
	/* an escape spelling of the same key is still the same key */
	bad("{\"a\":1,\"\\u0061\":2}", "duplicate key `a`");
	/* hostile keys are shown printable */
	bad("{\"a\\nb\":1,\"a\\nb\":2}", "duplicate key `a?b`");
}

static void test_nul(void **state)
{
	struct vp_err err = {0};
	struct vp_json *j;

	(void)state;
	bad("\"a\\u0000b\"", "invalid JSON: string contains NUL");
	bad("\"\\u0000\"", "string contains NUL");
	bad("{\"a\\u0000\":1}", "string contains NUL");
	bad("[\"x\", {\"k\": \"\\u0000\"}]", "string contains NUL");
	/* a raw NUL byte, inside and outside a string */
	tu_assert_err(vp_json_parse("\"a\0b\"", 5, &j, &err), err,
		      "invalid JSON");
	tu_assert_err(vp_json_parse("{}\0", 3, &j, &err), err, "invalid JSON");
	tu_assert_err(vp_json_parse("[1\0]", 4, &j, &err), err, "invalid JSON");
}

static void test_utf8(void **state)
{
	(void)state;
	bad("\"\xff\"",
	    "invalid JSON: lexical error: invalid bytes in UTF8 string");
	bad("\"\xc3\x28\"", "UTF8");
	bad("{\"\xc3\":1}", "invalid JSON");
	bad("\"\xc0\xaf\"", "invalid JSON"); /* overlong '/' */
	bad("\"\xe0\x80\xaf\"", "invalid JSON");
	bad("\"\xed\xa0\x80\"", "invalid JSON");     /* encoded surrogate */
	bad("\"\xf4\x90\x80\x80\"", "invalid JSON"); /* > U+10FFFF */
	/* surrogate escapes must pair */
	bad("\"\\ud800\"", "unpaired UTF-16 surrogate");
	bad("\"\\udc00\"", "invalid JSON");
	bad("\"\\ud800\\u0041\"", "unpaired UTF-16 surrogate");
	bad("{\"\\ud800x\":1}", "unpaired UTF-16 surrogate");
	/* an escaped backslash before "u" is not an escape */
	vp_json_free(good("\"\\\\ud800\""));
	vp_json_free(good("\"\\ud83d\\ude00\""));
}

static void test_depth(void **state)
{
	char buf[2 * (VP_JSON_MAX_DEPTH + 1) + 1];
	struct vp_json *j;
	int d;

	(void)state;
	/* exactly VP_JSON_MAX_DEPTH levels */
	for (d = 0; d < VP_JSON_MAX_DEPTH; d++) {
		buf[d] = '[';
		buf[VP_JSON_MAX_DEPTH + d] = ']';
	}
	buf[2 * VP_JSON_MAX_DEPTH] = '\0';
	j = good(buf);
	vp_json_free(j);
	/* one more */
	for (d = 0; d <= VP_JSON_MAX_DEPTH; d++) {
		buf[d] = '[';
		buf[VP_JSON_MAX_DEPTH + 1 + d] = ']';
	}
	buf[2 * (VP_JSON_MAX_DEPTH + 1)] = '\0';
	bad(buf, "invalid JSON: nesting deeper than 32 levels");
	/* objects count too */
	bad("[{\"a\":[{\"a\":[{\"a\":[{\"a\":[{\"a\":[{\"a\":[{\"a\":"
	    "[{\"a\":[{\"a\":[{\"a\":[{\"a\":[{\"a\":[{\"a\":[{\"a\":"
	    "[{\"a\":[{\"a\":[{\"a\":1}]}]}]}]}]}]}]}]}]}]}]}]}]}]}]}]}]",
	    "nesting deeper than 32");
	/* an unterminated bomb stops at the limit, not at the end */
	{
		_cleanup_free_ char *bomb = malloc(100001);

		assert_non_null(bomb);
		memset(bomb, '[', 100000);
		bomb[100000] = '\0';
		bad(bomb, "nesting deeper than 32");
		for (d = 0; d + 5 <= 100000; d += 5)
			memcpy(bomb + d, "{\"a\":", 5);
		bomb[d] = '\0';
		bad(bomb, "nesting deeper than 32");
	}
}

static void test_readers(void **state)
{
	static const char *const allowed[] = {"a", "b", NULL};
	struct vp_err err = {0};
	struct vp_json *j;
	long long n = 0;

	(void)state;
	j = good("{\"a\":5,\"b\":\"s\",\"c\":1.5,\"d\":true,\"e\":9}");
	tu_assert_err(vp_json_check_keys(j, allowed, "x.y", &err), err,
		      "x.y: unknown key `c` (allowed: a, b)");
	tu_assert_err(vp_json_check_keys(j, allowed, "", &err), err,
		      "unknown key `c` (allowed: a, b)");
	assert_true(strncmp(err.msg, "unknown", 7) == 0);
	tu_assert_err(
	    vp_json_check_keys(vp_json_get(j, "a"), allowed, "p", &err), err,
	    "p: must be an object, got number");

	tu_assert_ok(vp_json_int(vp_json_get(j, "a"), 1, 8, "a", &n, &err),
		     err);
	assert_int_equal(n, 5);
	tu_assert_err(vp_json_int(vp_json_get(j, "e"), 1, 8, "e", &n, &err),
		      err, "e: must be between 1 and 8, got 9");
	tu_assert_err(vp_json_int(vp_json_get(j, "c"), 1, 8, "c", &n, &err),
		      err, "c: must be an integer, got 1.5");
	tu_assert_err(vp_json_int(vp_json_get(j, "b"), 1, 8, "b", &n, &err),
		      err, "b: must be an integer, got string");
	tu_assert_err(vp_json_int(NULL, 1, 8, "q", &n, &err), err,
		      "q: missing");

	tu_assert_ok(
	    vp_json_expect(vp_json_get(j, "b"), VP_JSON_STRING, "b", &err),
	    err);
	tu_assert_err(
	    vp_json_expect(vp_json_get(j, "d"), VP_JSON_STRING, "d", &err), err,
	    "d: must be a string, got boolean");
	tu_assert_err(
	    vp_json_expect(vp_json_get(j, "a"), VP_JSON_BOOL, "a", &err), err,
	    "a: must be true or false, got number");
	tu_assert_err(vp_json_expect(j, VP_JSON_ARRAY, "doc", &err), err,
		      "doc: must be an array, got object");
	vp_json_free(j);

	assert_string_equal(vp_json_type_name(VP_JSON_NULL), "null");
	assert_string_equal(vp_json_type_name(VP_JSON_OBJECT), "object");
}

/* The typed member getters: present, absent, required, null. */
static void test_members(void **state)
{
	static const char *const names[] = {"auto", "vfio", NULL};
	struct vp_err err = {0};
	const struct vp_json *arr = NULL;
	const char *str = NULL;
	char *copy = NULL;
	long long n = 7;
	unsigned u = 3;
	bool b = false;
	int e = -1;
	struct vp_json *j;

	(void)state;
	j = good("{\"s\":\"x\",\"i\":5,\"b\":true,\"z\":null,"
		 "\"m\":\"vfio\",\"l\":[\"a\",\"b\"],\"k\":[\"a\",1]}");
	assert_int_equal(vp_json_member_str(j, NULL, "s", 0, &str, &err), 1);
	assert_string_equal(str, "x");
	assert_int_equal(vp_json_member_str(j, "p", "nope", 0, &str, &err), 0);
	tu_assert_err(
	    vp_json_member_str(j, "p", "nope", VP_JSON_REQUIRED, &str, &err),
	    err, "p.nope: missing");
	tu_assert_err(vp_json_member_str(j, "p.q", "i", 0, &str, &err), err,
		      "p.q.i: must be a string, got number");
	tu_assert_err(vp_json_member_str(j, NULL, "z", 0, &str, &err), err,
		      "z: must be a string, got null");
	assert_int_equal(
	    vp_json_member_str(j, NULL, "z", VP_JSON_NULL_ABSENT, &str, &err),
	    0);
	tu_assert_err(vp_json_member_str(j, NULL, "z",
					 VP_JSON_NULL_ABSENT | VP_JSON_REQUIRED,
					 &str, &err),
		      err, "z: missing");

	copy = strdup("old");
	assert_int_equal(vp_json_member_strdup(j, "", "s", 0, &copy, &err), 1);
	assert_string_equal(copy, "x");
	assert_int_equal(vp_json_member_strdup(j, "", "no", 0, &copy, &err), 0);
	assert_string_equal(copy, "x");
	free(copy);

	assert_int_equal(vp_json_member_int(j, NULL, "i", 0, 1, 8, &n, &err),
			 1);
	assert_int_equal(n, 5);
	tu_assert_err(vp_json_member_int(j, "o", "i", 0, 6, 8, &n, &err), err,
		      "o.i: must be between 6 and 8, got 5");
	assert_int_equal(vp_json_member_uint(j, NULL, "no", 0, 0, 9, &u, &err),
			 0);
	assert_int_equal(u, 3);
	assert_int_equal(vp_json_member_uint(j, NULL, "i", 0, 0, 9, &u, &err),
			 1);
	assert_int_equal(u, 5);

	assert_int_equal(vp_json_member_bool(j, NULL, "b", 0, &b, &err), 1);
	assert_true(b);
	tu_assert_err(vp_json_member_bool(j, NULL, "s", 0, &b, &err), err,
		      "s: must be true or false, got string");

	assert_int_equal(vp_json_member_enum(j, NULL, "m", 0, names, &e, &err),
			 1);
	assert_int_equal(e, 1);
	tu_assert_err(vp_json_member_enum(j, "n", "s", 0, names, &e, &err), err,
		      "n.s: `x` is not one of auto, vfio");

	assert_int_equal(vp_json_member_strs(j, NULL, "l", 0, &arr, &err), 1);
	assert_int_equal(arr->u.arr.n, 2);
	tu_assert_err(vp_json_member_strs(j, "p", "k", 0, &arr, &err), err,
		      "p.k[1]: must be a string, got number");
	tu_assert_err(vp_json_member_strs(j, "p", "s", 0, &arr, &err), err,
		      "p.s: must be an array, got string");
	vp_json_free(j);
}

static void test_writer(void **state)
{
	struct vp_err err = {0};
	struct vp_jw *w;
	char *out = NULL;
	size_t len = 0;
	struct vp_json *j;

	(void)state;
	w = vp_jw_new(false);
	assert_non_null(w);
	vp_jw_obj_open(w);
	vp_jw_key(w, "s");
	vp_jw_str(w, "a\"b\\c\n\x01 caf\xc3\xa9");
	vp_jw_key(w, "n");
	vp_jw_int(w, -9223372036854775807LL - 1);
	vp_jw_key(w, "l");
	vp_jw_arr_open(w);
	vp_jw_bool(w, true);
	vp_jw_bool(w, false);
	vp_jw_null(w);
	vp_jw_arr_close(w);
	vp_jw_obj_close(w);
	tu_assert_ok(vp_jw_finish(w, &out, &len, &err), err);
	vp_jw_free(w);
	assert_int_equal(len, strlen(out));
	assert_string_equal(out, "{\"s\":\"a\\\"b\\\\c\\n\\u0001 caf\xc3\xa9\","
				 "\"n\":-9223372036854775808,"
				 "\"l\":[true,false,null]}");
	/* what the writer writes, the parser reads back */
	j = good(out);
	assert_string_equal(vp_json_get(j, "s")->u.str.s,
			    "a\"b\\c\n\x01 caf\xc3\xa9");
	assert_true(vp_json_get(j, "n")->u.num.is_int);
	vp_json_free(j);
	free(out);

	w = vp_jw_new(true);
	vp_jw_arr_open(w);
	vp_jw_int(w, 1);
	vp_jw_arr_close(w);
	tu_assert_ok(vp_jw_finish(w, &out, &len, &err), err);
	assert_non_null(strchr(out, '\n'));
	vp_json_free(good(out));
	free(out);
	vp_jw_free(w);
}

static void test_writer_errors(void **state)
{
	struct vp_err err = {0};
	struct vp_jw *w;
	char *out = (char *)1;

	(void)state;
	/* invalid UTF-8 is refused, and the error sticks */
	w = vp_jw_new(false);
	vp_jw_arr_open(w);
	vp_jw_str(w, "\xff");
	vp_jw_str(w, "fine");
	vp_jw_arr_close(w);
	tu_assert_err(vp_jw_finish(w, &out, NULL, &err), err,
		      "JSON writer: string is not valid UTF-8");
	assert_null(out);
	vp_jw_free(w);

	w = vp_jw_new(false);
	vp_jw_obj_open(w);
	vp_jw_int(w, 1); /* a value where a key belongs */
	vp_jw_obj_close(w);
	tu_assert_err(vp_jw_finish(w, &out, NULL, &err), err,
		      "object key expected");
	vp_jw_free(w);

	w = vp_jw_new(false);
	vp_jw_obj_open(w);
	tu_assert_err(vp_jw_finish(w, &out, NULL, &err), err,
		      "document not complete");
	vp_jw_free(w);

	w = vp_jw_new(false);
	vp_jw_arr_open(w);
	vp_jw_str(w, NULL);
	vp_jw_arr_close(w);
	tu_assert_err(vp_jw_finish(w, &out, NULL, &err), err, "NULL string");
	vp_jw_free(w);

	w = vp_jw_new(false);
	vp_jw_int(w, 1);
	vp_jw_int(w, 2);
	tu_assert_err(vp_jw_finish(w, &out, NULL, &err), err,
		      "more than one top-level value");
	vp_jw_free(w);

	w = vp_jw_new(false);
	tu_assert_err(vp_jw_finish(w, &out, NULL, &err), err, "empty document");
	vp_jw_free(w);

	/* a writer that failed to allocate is a no-op until finish */
	vp_jw_obj_open(NULL);
	vp_jw_str(NULL, "x");
	tu_assert_err(vp_jw_finish(NULL, &out, NULL, &err), err, "JSON writer");
	vp_jw_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scalars),
	    cmocka_unit_test(test_numbers),
	    cmocka_unit_test(test_containers),
	    cmocka_unit_test(test_many_members),
	    cmocka_unit_test(test_not_json),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_trailing),
	    cmocka_unit_test(test_duplicate_keys),
	    cmocka_unit_test(test_nul),
	    cmocka_unit_test(test_utf8),
	    cmocka_unit_test(test_depth),
	    cmocka_unit_test(test_readers),
	    cmocka_unit_test(test_members),
	    cmocka_unit_test(test_writer),
	    cmocka_unit_test(test_writer_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
