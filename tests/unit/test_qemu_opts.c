/* test_qemu_opts.c - QEMU's option syntax (qemu_opts.h): options, items,
 * ",," escapes both ways, and finding a key the way QEMU does.  The shim
 * and the fuzz_shim_argv oracle both read option strings with these. */
#include "tu_shim.h"

#include "qemu_opts.h"

static void check_escape(const char *in, const char *want)
{
	char *got = vp_qemu_escape(in);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_escape(void **state)
{
	(void)state;
	check_escape("", "");
	check_escape("abc", "abc");
	check_escape(",", ",,");
	check_escape(",,", ",,,,");
	check_escape(",a", ",,a");
	check_escape("a,", "a,,");
	check_escape(",a,b,", ",,a,,b,,");
	check_escape("/run/a,b=c", "/run/a,,b=c");
}

/* An escaped value is one item, and unescapes to itself. */
static void test_escape_roundtrip(void **state)
{
	static const char *const values[] = {
	    "", ",", ",,", "a,b", "a,,b,", ",id=x,share=off", NULL,
	};

	(void)state;
	for (size_t i = 0; values[i] != NULL; i++) {
		char *esc = vp_qemu_escape(values[i]), *back;

		assert_non_null(esc);
		assert_int_equal(vp_qemu_item_len(esc), strlen(esc));
		back = vp_qemu_unescape(esc, strlen(esc));
		assert_non_null(back);
		assert_string_equal(back, values[i]);
		free(back);
		free(esc);
	}
}

static void test_is_opt(void **state)
{
	(void)state;
	assert_true(vp_qemu_is_opt("-object", "object"));
	assert_true(vp_qemu_is_opt("--object", "object"));
	assert_false(vp_qemu_is_opt("---object", "object"));
	assert_false(vp_qemu_is_opt("object", "object"));
	assert_false(vp_qemu_is_opt("-objects", "object"));
	assert_false(vp_qemu_is_opt("-object=x", "object"));
	assert_false(vp_qemu_is_opt("-", "object"));
	assert_false(vp_qemu_is_opt("", "object"));
}

static void test_items(void **state)
{
	(void)state;
	assert_int_equal(vp_qemu_item_len(""), 0);
	assert_int_equal(vp_qemu_item_len("a"), 1);
	assert_int_equal(vp_qemu_item_len("a,b"), 1);
	assert_int_equal(vp_qemu_item_len(",b"), 0);
	assert_int_equal(vp_qemu_item_len("a,,b,c"), 4);
	assert_int_equal(vp_qemu_item_len("a,,,b"), 3); /* ",," then ',' */
	assert_int_equal(vp_qemu_item_len("a,,"), 3);
	assert_true(vp_qemu_item_is("share=on,x", 8, "share=on"));
	assert_false(vp_qemu_item_is("share=on,x", 7, "share=on"));
	assert_false(vp_qemu_item_is("share=onx", 9, "share=on"));
	assert_true(vp_qemu_item_is("", 0, ""));
}

static void check_find(const char *s, const char *key, bool implied,
		       const char *want)
{
	size_t len = 0;
	const char *got = vp_qemu_opt_find(s, key, implied, &len);

	if (want == NULL) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	if (!vp_qemu_item_is(got, len, want))
		fail_msg("`%s` %s: got `%.*s`, want `%s`", s, key, (int)len,
			 got, want);
}

static void test_opt_find(void **state)
{
	(void)state;
	check_find("memory-backend-ram,id=m", "qom-type", true,
		   "memory-backend-ram");
	check_find("memory-backend-ram,id=m", "qom-type", false, NULL);
	check_find("id=m,qom-type=memory-backend-file", "qom-type", true,
		   "memory-backend-file");
	/* later occurrences win, the implied one included */
	check_find("memory-backend-ram,qom-type=memory-backend-memfd",
		   "qom-type", true, "memory-backend-memfd");
	check_find("size=1G,size=2G", "size", false, "2G");
	/* only the first item may be implied */
	check_find("id=m,memory-backend-ram", "qom-type", true, NULL);
	/* values stay raw */
	check_find("x,path=/a,,b,id=c", "path", false, "/a,,b");
	/* ",,key=" is inside another item's value */
	check_find("id=a,,share=off", "share", false, NULL);
	check_find("share=,id=m", "share", false, "");
	check_find("", "id", false, NULL);
	check_find("", "id", true, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escape),
	    cmocka_unit_test(test_escape_roundtrip),
	    cmocka_unit_test(test_is_opt),
	    cmocka_unit_test(test_items),
	    cmocka_unit_test(test_opt_find),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
