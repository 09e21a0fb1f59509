/* Unit tests: vfio-pci bind and restore (vfio.c) on fixture trees, with
 * mksysfs.sh's simulated kernel acting on the writes (or, for the timeout
 * cases, nobody acting on them). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "sriov.h"
#include "vfio.h"
#include "tu.h"
#include "tu_files.h"
#include "tu_sysfs.h"

#define PF0 "0000:3b:00.0"
#define VF0 "0000:3b:10.0"
#define VF1 "0000:3b:10.2"
#define TIMEOUT 3000 /* ms: generous, the simulated kernel is a shell */

struct fx {
	char *root;
	pid_t kernel;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->root = tu_mkdtemp();
	tu_sysfs_pf(f->root, "ens785f0", PF0, "ixgbe", 2, "ixgbevf", 40);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tu_sysfs_kernel_stop(f->kernel);
	tu_rmtree(f->root);
	free(f->root);
	free(f);
	return 0;
}

static void kernel_on(struct fx *f)
{
	f->kernel = tu_sysfs_kernel_start(f->root);
}

static void kernel_off(struct fx *f)
{
	tu_sysfs_kernel_stop(f->kernel);
	f->kernel = 0;
}

/* Contents of <dev>/<rel>, malloc'ed. */
static char *attr(const char *root, const char *pci, const char *rel)
{
	char *p = tu_sysfs_path(root, pci, rel);
	char *s = tu_read(p);

	free(p);
	assert_non_null(s);
	return s;
}

static void assert_attr(const char *root, const char *pci, const char *rel,
			const char *want)
{
	char *s = attr(root, pci, rel);

	assert_string_equal(s, want);
	free(s);
}

static void vf_state(const char *root, const char *pci, struct vp_vf *vf)
{
	struct vp_err err;

	memset(vf, 0, sizeof(*vf));
	snprintf(vf->pci, sizeof(vf->pci), "%s", pci);
	tu_assert_ok(vp_sriov_vf_refresh(root, vf, &err), err);
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void test_round_trip(void **state)
{
	struct fx *f = *state;
	struct vp_err err;
	struct vp_vf vf;
	char orig[64];

	kernel_on(f);
	tu_assert_ok(
	    vp_vfio_bind(f->root, VF0, orig, sizeof(orig), TIMEOUT, &err), err);
	assert_string_equal(orig, "ixgbevf");
	vf_state(f->root, VF0, &vf);
	assert_string_equal(vf.driver, "vfio-pci");
	assert_string_equal(vf.driver_override, "vfio-pci");
	assert_string_equal(vf.netdev, ""); /* vfio-pci has no netdev */
	assert_attr(f->root, VF0, "driver_override", "vfio-pci\n");
	/* the other VF is untouched */
	assert_string_equal(tu_sysfs_driver(f->root, VF1), "ixgbevf");

	tu_assert_ok(vp_vfio_restore(f->root, VF0, orig, TIMEOUT, &err), err);
	vf_state(f->root, VF0, &vf);
	assert_string_equal(vf.driver, "ixgbevf");
	assert_string_equal(vf.driver_override, "");
	assert_string_equal(vf.netdev, "ens785f0v0");
	/* cleared the way the kernel wants it: a lone newline */
	assert_attr(f->root, VF0, "driver_override", "\n");

	/* and again: nothing left behind that breaks a second cycle */
	tu_assert_ok(
	    vp_vfio_bind(f->root, VF0, orig, sizeof(orig), TIMEOUT, &err), err);
	tu_assert_ok(vp_vfio_restore(f->root, VF0, orig, TIMEOUT, &err), err);
	assert_string_equal(tu_sysfs_driver(f->root, VF0), "ixgbevf");
}

static void test_restore_idempotent(void **state)
{
	struct fx *f = *state;
	struct vp_err err;
	char orig[64];

	kernel_on(f);
	tu_assert_ok(
	    vp_vfio_bind(f->root, VF1, orig, sizeof(orig), TIMEOUT, &err), err);
	tu_assert_ok(vp_vfio_restore(f->root, VF1, orig, TIMEOUT, &err), err);
	/* with no kernel to act on writes, only a call that writes nothing
	 * and finds the device restored can succeed */
	kernel_off(f);
	tu_assert_ok(vp_vfio_restore(f->root, VF1, "ixgbevf", 50, &err), err);
	tu_assert_ok(vp_vfio_restore(f->root, VF1, "ixgbevf", 50, &err), err);
	assert_attr(f->root, VF1, "driver_override", "\n");

	/* a device that is gone has nothing left to restore */
	tu_sysfs_build(f->root, "dangle %s", VF1);
	tu_assert_ok(vp_vfio_restore(f->root, VF1, "ixgbevf", 50, &err), err);
}

static void test_bind_timeout(void **state)
{
	struct fx *f = *state;
	struct vp_err err;
	struct timespec t0;
	char orig[64];
	long ms;

	/* where i40e puts a PF's first VF, here on ixgbevf */
	tu_sysfs_build(f->root,
		       "dev 0000:3b:02.0 --driver ixgbevf "
		       "--physfn %s --group 61",
		       PF0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	tu_assert_err(vp_vfio_bind(f->root, "0000:3b:02.0", orig, sizeof(orig),
				   200, &err),
		      err, "");
	ms = elapsed_ms(&t0);
	assert_string_equal(err.msg, "0000:3b:02.0 did not bind to vfio-pci "
				     "within 200 ms (driver: ixgbevf)");
	assert_true(ms >= 200 && ms < 2000);
	/* the writes went where the kernel wants them ... */
	{
		char *p = tu_join(f->root, "bus/pci/drivers/ixgbevf/unbind");
		char *s = tu_read(p);

		assert_string_equal(s, "0000:3b:02.0\n");
		free(s);
		free(p);
		p = tu_join(f->root, "bus/pci/drivers_probe");
		s = tu_read(p);
		assert_string_equal(s, "0000:3b:02.0\n");
		free(s);
		free(p);
	}
	/* ... and the failed bind took its override back */
	assert_attr(f->root, "0000:3b:02.0", "driver_override", "\n");
	assert_string_equal(orig, "ixgbevf");
}

static void test_restore_timeout(void **state)
{
	struct fx *f = *state;
	struct vp_err err;

	tu_sysfs_build(f->root, "bind %s vfio-pci", VF0);
	tu_sysfs_build(f->root, "override %s vfio-pci", VF0);
	tu_assert_err(vp_vfio_restore(f->root, VF0, "ixgbevf", 100, &err), err,
		      "0000:3b:10.0 did not return to ixgbevf within 100 ms "
		      "(driver: vfio-pci)");
	assert_attr(f->root, VF0, "driver_override", "\n");
	/* the kernel catches up: the retry succeeds */
	kernel_on(f);
	tu_assert_ok(vp_vfio_restore(f->root, VF0, "ixgbevf", TIMEOUT, &err),
		     err);
	assert_string_equal(tu_sysfs_driver(f->root, VF0), "ixgbevf");
}

static void test_stale_override(void **state)
{
	struct fx *f = *state;
	struct vp_err err;
	struct vp_vf vf;
	char orig[64];

	kernel_on(f);
	/* a crash left an override on a VF still on its driver: bind
	 * overwrites it, restore clears it */
	tu_sysfs_build(f->root, "override %s pci-stub", VF0);
	vf_state(f->root, VF0, &vf);
	assert_null(vp_sriov_vf_busy_reason(&vf));
	tu_assert_ok(
	    vp_vfio_bind(f->root, VF0, orig, sizeof(orig), TIMEOUT, &err), err);
	assert_string_equal(tu_sysfs_driver(f->root, VF0), "vfio-pci");
	assert_attr(f->root, VF0, "driver_override", "vfio-pci\n");
	tu_assert_ok(vp_vfio_restore(f->root, VF0, orig, TIMEOUT, &err), err);
	vf_state(f->root, VF0, &vf);
	assert_string_equal(vf.driver, "ixgbevf");
	assert_string_equal(vf.driver_override, "");

	/* a crash between unbind and probe: unbound, override set.  Not
	 * busy; the record knows the original driver, restore brings it */
	tu_sysfs_build(f->root, "unbind %s", VF1);
	tu_sysfs_build(f->root, "override %s vfio-pci", VF1);
	vf_state(f->root, VF1, &vf);
	assert_null(vp_sriov_vf_busy_reason(&vf));
	tu_assert_ok(vp_vfio_restore(f->root, VF1, "ixgbevf", TIMEOUT, &err),
		     err);
	vf_state(f->root, VF1, &vf);
	assert_string_equal(vf.driver, "ixgbevf");
	assert_string_equal(vf.driver_override, "");
	assert_string_equal(vf.netdev, "ens785f0v1");
}

static void test_unbound_device(void **state)
{
	struct fx *f = *state;
	struct vp_err err;
	char orig[64];

	kernel_on(f);
	tu_sysfs_build(f->root, "unbind %s", VF0);
	tu_assert_ok(
	    vp_vfio_bind(f->root, VF0, orig, sizeof(orig), TIMEOUT, &err), err);
	assert_string_equal(orig, "");
	assert_string_equal(tu_sysfs_driver(f->root, VF0), "vfio-pci");
	/* restored to "no driver": unbound, and not probed onto one */
	tu_assert_ok(vp_vfio_restore(f->root, VF0, "", TIMEOUT, &err), err);
	assert_string_equal(tu_sysfs_driver(f->root, VF0), "");
	assert_attr(f->root, VF0, "driver_override", "\n");
}

static void test_already_vfio(void **state)
{
	struct fx *f = *state;
	struct vp_err err;
	char orig[64];

	/* no kernel: nothing needs to move */
	tu_sysfs_build(f->root, "bind %s vfio-pci", VF0);
	tu_assert_ok(vp_vfio_bind(f->root, VF0, orig, sizeof(orig), 50, &err),
		     err);
	assert_string_equal(orig, "vfio-pci");
	assert_attr(f->root, VF0, "driver_override", "vfio-pci\n");
	/* restoring to vfio-pci only drops the override */
	tu_assert_ok(vp_vfio_restore(f->root, VF0, orig, 50, &err), err);
	assert_string_equal(tu_sysfs_driver(f->root, VF0), "vfio-pci");
	assert_attr(f->root, VF0, "driver_override", "\n");
}

static void test_vfio_not_loaded(void **state)
{
	struct fx *f = *state;
	struct vp_err err;
	char orig[64];
	char *p = tu_join(f->root, "bus/pci/drivers/vfio-pci");

	assert_int_equal(vp_rm_rf(p, &err), 0);
	free(p);
	tu_assert_err(vp_vfio_bind(f->root, VF0, orig, sizeof(orig), 50, &err),
		      err, "0000:3b:10.0: the vfio-pci driver is not loaded");
	/* nothing was written */
	assert_attr(f->root, VF0, "driver_override", "(null)\n");
}

static void test_missing_device(void **state)
{
	struct fx *f = *state;
	struct vp_err err;
	char orig[64];

	tu_assert_err(
	    vp_vfio_bind(f->root, "0000:3b:1f.7", orig, sizeof(orig), 50, &err),
	    err, "PCI device 0000:3b:1f.7");
	assert_int_equal(err.errnum, ENOENT);
}

static void test_hostile_arguments(void **state)
{
	struct fx *f = *state;
	struct vp_err err;
	char orig[64], small[4];

	tu_assert_err(
	    vp_vfio_bind(f->root, "../../../etc", orig, sizeof(orig), 50, &err),
	    err, "vfio bind: `../../../etc` is not a PCI address");
	tu_assert_err(
	    vp_vfio_restore(f->root, "0000:3b:10.0/..", "ixgbevf", 50, &err),
	    err, "is not a PCI address");
	tu_assert_err(vp_vfio_restore(f->root, VF0, "../x", 50, &err), err,
		      "vfio restore 0000:3b:10.0: `../x` is not a driver name");
	/* the original driver does not fit: refused before any write */
	tu_assert_err(
	    vp_vfio_bind(f->root, VF0, small, sizeof(small), 50, &err), err,
	    "too long");
	assert_attr(f->root, VF0, "driver_override", "(null)\n");
}

static void test_write_refuses_symlink(void **state)
{
	struct fx *f = *state;
	struct vp_err err;
	char orig[64];
	char *victim = tu_join(f->root, "victim");
	char *ov = tu_sysfs_path(f->root, VF0, "driver_override");
	char *s;

	tu_write(victim, "precious\n", 0644);
	assert_int_equal(unlink(ov), 0);
	assert_int_equal(symlink(victim, ov), 0);
	tu_assert_err(vp_vfio_bind(f->root, VF0, orig, sizeof(orig), 50, &err),
		      err, "write `vfio-pci` to `");
	assert_int_equal(err.errnum, ELOOP);
	assert_non_null(strstr(err.msg, "0000:3b:10.0/driver_override`: "));
	s = tu_read(victim);
	assert_string_equal(s, "precious\n");
	free(s);
	free(victim);
	free(ov);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(test_round_trip),
	    T(test_restore_idempotent),
	    T(test_bind_timeout),
	    T(test_restore_timeout),
	    T(test_stale_override),
	    T(test_unbound_device),
	    T(test_already_vfio),
	    T(test_vfio_not_loaded),
	    T(test_missing_device),
	    T(test_hostile_arguments),
	    T(test_write_refuses_symlink),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
