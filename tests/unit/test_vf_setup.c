/* Unit tests: SR-IOV prestart/poststop (hook/sriov/ through stages.c) on
 * fixture sysfs trees with the simulated kernel: allocation order,
 * exhaustion, claims across sandboxes, vfio bind and restore, journal
 * contents, and refusals that must leave nothing behind.  The real kernel
 * is exercised by the guest and netns integration tests. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "devlist.h"
#include "stages.h"
#include "record.h"
#include "state.h"
#include "tu.h"
#include "tu_sysfs.h"
#include "rundir.h"

struct fx {
	char *dir;
	char sys[300];
	char cfgtext[1024];
	struct vp_config cfg;
	struct vp_state st;
	pid_t kernel;
};

static int setup_cfg(struct fx *f, const char *net_extra)
{
	struct vp_err err;

	snprintf(f->cfgtext, sizeof(f->cfgtext),
		 "{\"run_dir\":\"%s/run\",\"sysfs_root\":\"%s\","
		 "\"timeout_ms\":3000,\"networks\":{\"fastnet\":{"
		 "\"type\":\"sriov\",\"pfs\":[\"ens785f0\",\"0000:5e:00.0\"],"
		 "\"mode\":\"vfio\",\"pf_netlink\":false%s}}}",
		 f->dir, f->sys, net_extra);
	vp_config_free(&f->cfg);
	if (vp_config_parse(f->cfgtext, strlen(f->cfgtext), &f->cfg, &err) < 0)
		fail_msg("config: %s", err.msg);
	return 0;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->dir = tu_mkdtemp();
	snprintf(f->sys, sizeof(f->sys), "%s/sys", f->dir);
	/* two PFs, 2 VFs each; the second PF by PCI address (i40e) */
	tu_sysfs_pf(f->sys, "ens785f0", "0000:3b:00.0", "ixgbe", 2, "ixgbevf",
		    40);
	tu_sysfs_pf(f->sys, "ens801f0", "0000:5e:00.0", "i40e", 2, "iavf", 50);
	f->kernel = tu_sysfs_kernel_start(f->sys);
	setup_cfg(f, "");
	f->st.id = strdup("ctr");
	f->st.pid = getpid();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tu_sysfs_kernel_stop(f->kernel);
	vp_config_free(&f->cfg);
	free(f->st.id);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static const char req1[] = "[{\"network\":\"fastnet\"}]";

static char *devlist_arg(struct fx *f, const char *sb)
{
	char *p = vp_rundir_file(f->cfg.run_dir, sb, VP_RUNDIR_DEVLIST);
	struct vp_devlist dl = {0};
	struct vp_err err;
	char *out = NULL;

	if (vp_devlist_load(p, &dl, &err) == 1 && dl.args.n == 2)
		out = strdup(dl.args.v[1]);
	vp_devlist_free(&dl);
	free(p);
	return out;
}

/* The kernel shows a cleared override as "(null)"; the fixture keeps the
 * "\n" that clears it. */
static int override_cleared(const char *s)
{
	return s != NULL && (strcmp(s, "\n") == 0 || strcmp(s, "") == 0 ||
			     strncmp(s, "(null)", 6) == 0);
}

static void test_allocate_bind_release(void **state)
{
	struct fx *f = *state;
	const char *vfs[] = {"0000:3b:10.0", "0000:3b:10.2", "0000:5e:02.0",
			     "0000:5e:02.1"};
	const char *sbs[] = {"s0", "s1", "s2", "s3"};
	struct vp_err err;
	char want[64];

	/* PFs in config order, VFs in virtfn order */
	for (int i = 0; i < 4; i++) {
		char *arg;

		if (vp_prestart(&f->cfg, &f->st, sbs[i], req1, &err) < 0)
			fail_msg("prestart %s: %s", sbs[i], err.msg);
		assert_string_equal(tu_sysfs_driver(f->sys, vfs[i]),
				    "vfio-pci");
		snprintf(want, sizeof(want), "vfio-pci,host=%s", vfs[i]);
		arg = devlist_arg(f, sbs[i]);
		assert_non_null(arg);
		assert_string_equal(arg, want);
		free(arg);
	}
	/* exhaustion names every PF and why */
	assert_true(vp_prestart(&f->cfg, &f->st, "s4", req1, &err) < 0);
	assert_non_null(strstr(err.msg, "no free VF"));
	assert_non_null(
	    strstr(err.msg, "PF ens785f0 (0000:3b:00.0): all 2 VFs busy"));
	assert_non_null(strstr(err.msg, "PF 0000:5e:00.0 (0000:5e:00.0)"));
	{
		char p[400];

		snprintf(p, sizeof(p), "%s/sandboxes/s4", f->cfg.run_dir);
		assert_false(tu_exists(p));
	}

	/* release s1: its VF goes back to ixgbevf, override cleared, and
	 * is the next one handed out */
	assert_int_equal(vp_poststop(&f->cfg, &f->st, "s1", &err), 0);
	assert_string_equal(tu_sysfs_driver(f->sys, vfs[1]), "ixgbevf");
	{
		char *p = tu_sysfs_path(f->sys, vfs[1], "driver_override");
		char *s = tu_read(p);

		assert_true(override_cleared(s));
		free(s);
		free(p);
	}
	if (vp_prestart(&f->cfg, &f->st, "s5", req1, &err) < 0)
		fail_msg("prestart s5: %s", err.msg);
	assert_string_equal(tu_sysfs_driver(f->sys, vfs[1]), "vfio-pci");
	for (int i = 0; i < 4; i++)
		assert_int_equal(
		    vp_poststop(&f->cfg, &f->st, i == 1 ? "s5" : sbs[i], &err),
		    0);
	assert_string_equal(tu_sysfs_driver(f->sys, vfs[3]), "iavf");
}

static void test_two_vfs_one_request(void **state)
{
	struct fx *f = *state;
	struct vp_record rec;
	struct vp_err err;

	if (vp_prestart(&f->cfg, &f->st, "two",
			"[{\"network\":\"fastnet\"},{\"network\":\"fastnet\"}]",
			&err) < 0)
		fail_msg("prestart: %s", err.msg);
	assert_int_equal(vp_record_load(f->cfg.run_dir, "two", &rec, &err), 1);
	/* claim + bind for each VF, and the device list */
	assert_int_equal(rec.n_res, 5);
	assert_string_not_equal(rec.res[1].vf_pci, rec.res[3].vf_pci);
	vp_record_free(&rec);
	assert_int_equal(vp_poststop(&f->cfg, &f->st, "two", &err), 0);
}

static void test_iommu_group_refusal_leaves_nothing(void **state)
{
	struct fx *f = *state;
	struct vp_err err;

	/* a foreign device (a NIC on its host driver) shares VF 0's group */
	tu_sysfs_build(
	    f->sys,
	    "dev 0000:3b:00.1 --class 0x020000 --driver ixgbe --group 41");
	assert_true(vp_prestart(&f->cfg, &f->st, "g", req1, &err) < 0);
	assert_non_null(strstr(err.msg, "0000:3b:00.1"));
	assert_string_equal(tu_sysfs_driver(f->sys, "0000:3b:10.0"), "ixgbevf");
	{
		char p[400];

		snprintf(p, sizeof(p), "%s/sandboxes/g", f->cfg.run_dir);
		assert_false(tu_exists(p));
	}
}

static void test_stale_override_and_foreign_vfio(void **state)
{
	struct fx *f = *state;
	struct vp_err err;
	char *arg;

	/* VF 0 bound to vfio-pci by someone else: skipped.  VF 1 carries a
	 * driver_override left by a crash but is unbound: usable. */
	tu_sysfs_build(f->sys, "bind 0000:3b:10.0 vfio-pci");
	tu_sysfs_build(f->sys, "override 0000:3b:10.2 vfio-pci");
	tu_sysfs_build(f->sys, "unbind 0000:3b:10.2");
	if (vp_prestart(&f->cfg, &f->st, "st", req1, &err) < 0)
		fail_msg("prestart: %s", err.msg);
	arg = devlist_arg(f, "st");
	assert_string_equal(arg, "vfio-pci,host=0000:3b:10.2");
	free(arg);
	assert_int_equal(vp_poststop(&f->cfg, &f->st, "st", &err), 0);
	/* it was unbound before; restore leaves it with no override */
	{
		char *p =
		    tu_sysfs_path(f->sys, "0000:3b:10.2", "driver_override");
		char *s = tu_read(p);

		assert_true(override_cleared(s));
		free(s);
		free(p);
	}
	assert_string_equal(tu_sysfs_driver(f->sys, "0000:3b:10.0"),
			    "vfio-pci");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_allocate_bind_release, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_two_vfs_one_request, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(
		test_iommu_group_refusal_leaves_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_stale_override_and_foreign_vfio, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
