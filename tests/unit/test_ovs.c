/* Unit tests: OVS port names, the ownership rule and reading `ovs-vsctl
 * list` output (hook/ovs/), against the scripted ovs-vsctl of tu.h.  The real
 * OVS-DPDK case is tests/integration/58-port-ownership.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ovs.h"
#include "tu.h"
#include "validate.h"

static void test_port_names(void **state)
{
	char a[16], b[16], c[16];

	(void)state;
	vp_ovs_port_name("sandbox-one", 0, 0, a);
	vp_ovs_port_name("sandbox-one", 0, 0, b);
	vp_ovs_port_name("sandbox-one", 15, 0, c);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	/* same choice, entries told apart by the last character alone */
	assert_memory_equal(a, c, 14);
	assert_int_equal(c[14], 'f');
	assert_int_equal(a[14], '0');
	assert_int_equal(strlen(a), 15);
	assert_true(vp_valid_ovs_name(a) && vp_valid_ovs_name(c));
	assert_int_equal(strncmp(a, "vp", 2), 0);
	assert_int_equal(strspn(a + 2, "abcdefghijklmnopqrstuvwxyz234567"), 12);
	vp_ovs_port_name("sandbox-two", 0, 0, b);
	assert_string_not_equal(a, b);
	/* the next choice is another name altogether */
	vp_ovs_port_name("sandbox-one", 0, 1, b);
	assert_string_not_equal(a, b);
	assert_memory_not_equal(a, b, 14);
	/* pinned: gc and the docs derive the first choice from the id */
	vp_ovs_port_name("xylizc532bva", 0, 0, b);
	assert_string_equal(b, "vpuxuxiqyz7mi70");
}

/* The ids whose names clashed under the 40-bit FNV-1a scheme
 * (vp13f6961f6dn0 both) now get names of their own. */
static void test_old_collision_gone(void **state)
{
	char a[16], b[16];

	(void)state;
	vp_ovs_port_name("xylizc532bva", 0, 0, a);
	vp_ovs_port_name("4kicbtgoamj5", 0, 0, b);
	assert_string_not_equal(a, b);
	for (unsigned i = 0; i < 4; i++) {
		for (unsigned k = 0; k < 4; k++) {
			vp_ovs_port_name("xylizc532bva", 0, i, a);
			vp_ovs_port_name("4kicbtgoamj5", 0, k, b);
			assert_string_not_equal(a, b);
		}
	}
}

/* Different choices and different ids rarely meet: over 200 ids x 8
 * choices x 16 entries no two names are equal. */
static int cmp(const void *x, const void *y)
{
	return strcmp(x, y);
}

static void test_names_spread(void **state)
{
	enum { IDS = 200 };
	static char names[IDS * VP_OVS_NAME_TRIES * 16][16];
	size_t n = 0;

	(void)state;
	for (unsigned id = 0; id < IDS; id++) {
		char sb[32];

		snprintf(sb, sizeof(sb), "pod-%u", id);
		for (unsigned t = 0; t < VP_OVS_NAME_TRIES; t++)
			for (unsigned i = 0; i < 16; i++)
				vp_ovs_port_name(sb, i, t, names[n++]);
	}
	qsort(names, n, sizeof(names[0]), cmp);
	for (size_t i = 1; i < n; i++)
		assert_string_not_equal(names[i - 1], names[i]);
}

static void test_owner(void **state)
{
	struct vp_ovs_port rows[] = {
	    {"vpa", "sb1", 0},
	    {"vpb", "sb2", 0},
	    {"vpc", "sb1", 2},
	    {"vpd", NULL, -1},
	    {"vp0123456789n3", NULL, -1},
	    {"vp0123456789n4", "sb2", 4},
	    {"vpe", "sb1", -1},
	};
	const struct vp_ovs_port *row;
	size_t n = sizeof(rows) / sizeof(rows[0]);

	(void)state;
	assert_int_equal(vp_ovs_owner(rows, n, "vpa", "sb1", 0, &row),
			 VP_OVS_OURS);
	assert_ptr_equal(row, &rows[0]);
	/* another sandbox's */
	assert_int_equal(vp_ovs_owner(rows, n, "vpb", "sb1", 0, &row),
			 VP_OVS_FOREIGN);
	/* ours, but another entry's */
	assert_int_equal(vp_ovs_owner(rows, n, "vpc", "sb1", 0, &row),
			 VP_OVS_FOREIGN);
	/* tagged without an index */
	assert_int_equal(vp_ovs_owner(rows, n, "vpe", "sb1", 0, &row),
			 VP_OVS_FOREIGN);
	/* untagged: ours only under the scheme before tagging */
	assert_int_equal(vp_ovs_owner(rows, n, "vpd", "sb1", 0, &row),
			 VP_OVS_FOREIGN);
	assert_int_equal(
	    vp_ovs_owner(rows, n, "vp0123456789n3", "sb1", 3, &row),
	    VP_OVS_OURS);
	/* a tag always wins over the name */
	assert_int_equal(
	    vp_ovs_owner(rows, n, "vp0123456789n4", "sb1", 4, &row),
	    VP_OVS_FOREIGN);
	assert_int_equal(vp_ovs_owner(rows, n, "vpz", "sb1", 0, &row),
			 VP_OVS_ABSENT);
	assert_null(row);
	/* a prefix is not a match */
	assert_int_equal(vp_ovs_owner(rows, n, "vp", "sb1", 0, &row),
			 VP_OVS_ABSENT);
}

static void test_list_ports(void **state)
{
	char *dir = tu_mkdtemp(), vsctl[300];
	const char *names[20];
	char buf[20][16];
	struct vp_ovs o = {vsctl, "unix:/x/db.sock", 5000};
	struct vp_ovs_port *rows = NULL;
	struct vp_err err;
	size_t n = 0;

	(void)state;
	snprintf(vsctl, sizeof(vsctl), "%s/ovs-vsctl", dir);
	tu_fake_vsctl(dir);
	/* 20 names: two runs of 16 and 4 */
	for (unsigned i = 0; i < 20; i++) {
		snprintf(buf[i], sizeof(buf[i]), "vpn%u", i);
		names[i] = buf[i];
	}
	tu_fake_port(dir, "vpn3", "sb1", 3);
	tu_fake_port(dir, "vpn17", NULL, 0);
	tu_fake_port(dir, "vpother", "sb9", 0);
	if (vp_ovs_list_ports(&o, names, 20, &rows, &n, &err) < 0)
		fail_msg("list: %s", err.msg);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].name, "vpn3");
	assert_string_equal(rows[0].sandbox, "sb1");
	assert_int_equal(rows[0].index, 3);
	assert_string_equal(rows[1].name, "vpn17");
	assert_null(rows[1].sandbox);
	assert_int_equal(rows[1].index, -1);
	vp_ovs_ports_free(rows, n);

	/* a switch that does not answer: an error, never "absent" */
	snprintf(vsctl, sizeof(vsctl), "%s/fail-list", dir);
	tu_write(vsctl, "", 0600);
	snprintf(vsctl, sizeof(vsctl), "%s/ovs-vsctl", dir);
	assert_true(vp_ovs_list_ports(&o, names, 1, &rows, &n, &err) < 0);
	assert_non_null(strstr(err.msg, "db down"));
	tu_rmtree(dir);
	free(dir);
}

static void test_add_port_taken_is_eexist(void **state)
{
	char *dir = tu_mkdtemp(), vsctl[300], *log;
	struct vp_ovs o = {vsctl, "unix:/x/db.sock", 5000};
	struct vp_err err;

	(void)state;
	snprintf(vsctl, sizeof(vsctl), "%s/ovs-vsctl", dir);
	tu_fake_vsctl(dir);
	assert_int_equal(vp_ovs_add_vhost_port(&o, "br", "vpx", "/s/vpx.sock",
					       2, "sb1", 7, &err),
			 0);
	assert_true(tu_fake_has_port(dir, "vpx"));
	snprintf(vsctl, sizeof(vsctl), "%s/vsctl.log", dir);
	log = tu_read(vsctl);
	/* the tags ride in the add-port itself, on the Port row */
	assert_non_null(
	    strstr(log, "add-port br vpx external_ids:vnfplug-sandbox=sb1 "
			"external_ids:vnfplug-index=7 -- set Interface vpx "));
	free(log);
	snprintf(vsctl, sizeof(vsctl), "%s/ovs-vsctl", dir);
	assert_true(vp_ovs_add_vhost_port(&o, "br", "vpx", "/s/vpx.sock", 2,
					  "sb2", 0, &err) < 0);
	assert_int_equal(err.errnum, EEXIST);
	assert_non_null(strstr(err.msg, "already exists"));
	/* any other failure is not a taken name */
	snprintf(vsctl, sizeof(vsctl), "%s/no-bridge", dir);
	tu_write(vsctl, "", 0600);
	snprintf(vsctl, sizeof(vsctl), "%s/ovs-vsctl", dir);
	assert_true(vp_ovs_add_vhost_port(&o, "br", "vpy", "/s/vpy.sock", 2,
					  "sb2", 0, &err) < 0);
	assert_int_not_equal(err.errnum, EEXIST);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_port_names),
	    cmocka_unit_test(test_old_collision_gone),
	    cmocka_unit_test(test_names_spread),
	    cmocka_unit_test(test_owner),
	    cmocka_unit_test(test_list_ports),
	    cmocka_unit_test(test_add_port_taken_is_eexist),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
