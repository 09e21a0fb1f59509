/* test_argv.c - the owned string vector (argv.h). */
#include "tu_shim.h"

#include "argv.h"
#include "err.h"

static void test_push_keeps_null_terminated(void **state)
{
	struct vp_argv a = {0};
	struct vp_err err = {0};

	(void)state;
	assert_int_equal(vp_argv_push(&a, "qemu", &err), 0);
	assert_int_equal(vp_argv_pushf(&a, &err, "-m%s%d", "=", 512), 0);
	assert_int_equal(vp_argv_push_owned(&a, strdup("x"), &err), 0);
	tu_assert_argv(&a, (const char *const[]){"qemu", "-m=512", "x", NULL});
	vp_argv_free(&a);
	assert_null(a.v);
	assert_int_equal(a.n, 0);
}

static void test_push_copies(void **state)
{
	struct vp_argv a = {0};
	struct vp_err err = {0};
	char buf[] = "abc";

	(void)state;
	assert_int_equal(vp_argv_push(&a, buf, &err), 0);
	buf[0] = 'X';
	assert_string_equal(a.v[0], "abc");
	vp_argv_free(&a);
}

static void test_grows(void **state)
{
	struct vp_argv a = {0};
	struct vp_err err = {0};

	(void)state;
	for (int i = 0; i < 1000; i++)
		assert_int_equal(vp_argv_pushf(&a, &err, "%d", i), 0);
	assert_int_equal(a.n, 1000);
	assert_string_equal(a.v[0], "0");
	assert_string_equal(a.v[999], "999");
	assert_null(a.v[1000]);
	vp_argv_free(&a);
}

static void test_push_owned_null_is_enomem(void **state)
{
	struct vp_argv a = {0};
	struct vp_err err = {0};

	(void)state;
	assert_true(vp_argv_push_owned(&a, NULL, &err) < 0);
	assert_int_equal(err.errnum, ENOMEM);
	assert_int_equal(a.n, 0);
	vp_argv_free(&a);
}

static void test_truncate(void **state)
{
	struct vp_argv a = {0};
	struct vp_err err = {0};

	(void)state;
	vp_argv_truncate(&a, 0); /* empty vector: no-op */
	for (int i = 0; i < 5; i++)
		assert_int_equal(vp_argv_pushf(&a, &err, "a%d", i), 0);
	vp_argv_truncate(&a, 7); /* larger than n: no-op */
	assert_int_equal(a.n, 5);
	vp_argv_truncate(&a, 2);
	tu_assert_argv(&a, (const char *const[]){"a0", "a1", NULL});
	assert_int_equal(vp_argv_push(&a, "b", &err), 0);
	tu_assert_argv(&a, (const char *const[]){"a0", "a1", "b", NULL});
	vp_argv_free(&a);
	vp_argv_free(&a); /* twice is harmless */
}

static void test_empty_string(void **state)
{
	struct vp_argv a = {0};
	struct vp_err err = {0};

	(void)state;
	assert_int_equal(vp_argv_push(&a, "", &err), 0);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.v[0], "");
	vp_argv_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_push_keeps_null_terminated),
	    cmocka_unit_test(test_push_copies),
	    cmocka_unit_test(test_grows),
	    cmocka_unit_test(test_push_owned_null_is_enomem),
	    cmocka_unit_test(test_truncate),
	    cmocka_unit_test(test_empty_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
