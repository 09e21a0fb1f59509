/* Unit tests: SR-IOV discovery, IOMMU group check and busy rule (sriov.c)
 * on fixture trees shaped like ixgbe and i40e sysfs (mksysfs.sh). */
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
#include <unistd.h>

#include "sriov.h"
#include "tu.h"
#include "tu_files.h"
#include "tu_sysfs.h"

#define PF0 "0000:3b:00.0"

static int setup(void **state)
{
	*state = tu_mkdtemp();
	return 0;
}

static int teardown(void **state)
{
	tu_rmtree(*state);
	free(*state);
	return 0;
}

/* The ixgbe PF most tests start from: ens785f0 with 4 VFs on ixgbevf,
 * IOMMU groups 40 (PF), 41..44 (VFs). */
static void ixgbe4(const char *root)
{
	tu_sysfs_pf(root, "ens785f0", PF0, "ixgbe", 4, "ixgbevf", 40);
}

static void load(const char *root, const char *pf, struct vp_pf *out)
{
	struct vp_err err;

	tu_assert_ok(vp_sriov_pf_load(root, pf, out, &err), err);
}

/* Replace a symlink <root>/bus/pci/devices/<pci>/<rel> with one to target. */
static void relink(const char *root, const char *pci, const char *rel,
		   const char *target)
{
	char *p = tu_sysfs_path(root, pci, rel);

	unlink(p);
	assert_int_equal(symlink(target, p), 0);
	free(p);
}

static void put(const char *root, const char *pci, const char *rel,
		const char *content)
{
	char *p = tu_sysfs_path(root, pci, rel);

	tu_write(p, content, 0644);
	free(p);
}

static void test_ixgbe_by_name(void **state)
{
	static const char *addr[] = {"0000:3b:10.0", "0000:3b:10.2",
				     "0000:3b:10.4", "0000:3b:10.6"};
	const char *root = *state;
	struct vp_pf pf;

	ixgbe4(root);
	load(root, "ens785f0", &pf);
	assert_string_equal(pf.pci, PF0);
	assert_string_equal(pf.name, "ens785f0");
	assert_int_equal(pf.vendor, 0x8086);
	assert_int_equal(pf.device, 0x10ed);
	assert_int_equal(pf.numvfs, 4);
	assert_int_equal(pf.totalvfs, 63);
	assert_int_equal(pf.n_vfs, 4);
	assert_int_equal(pf.n_dangling, 0);
	for (unsigned i = 0; i < 4; i++) {
		char netdev[16];

		snprintf(netdev, sizeof(netdev), "ens785f0v%u", i);
		assert_int_equal(pf.vfs[i].index, i);
		assert_string_equal(pf.vfs[i].pci, addr[i]);
		assert_string_equal(pf.vfs[i].netdev, netdev);
		assert_string_equal(pf.vfs[i].driver, "ixgbevf");
		assert_string_equal(pf.vfs[i].driver_override, "");
		assert_int_equal(pf.vfs[i].iommu_group, 41 + (int)i);
		assert_null(vp_sriov_vf_busy_reason(&pf.vfs[i]));
	}
	vp_sriov_pf_free(&pf);
}

static void test_by_pci_finds_name(void **state)
{
	const char *root = *state;
	struct vp_pf pf;

	ixgbe4(root);
	load(root, PF0, &pf);
	assert_string_equal(pf.name, "ens785f0");
	assert_int_equal(pf.n_vfs, 4);
	assert_string_equal(pf.vfs[3].pci, "0000:3b:10.6");
	vp_sriov_pf_free(&pf);
}

static void test_i40e_layout(void **state)
{
	const char *root = *state;
	struct vp_pf pf;

	tu_sysfs_build(root, "pf ens801f0 0000:5e:00.0 --layout i40e --vfs 3 "
			     "--group 70 --vf-netdev 1=vpv0");
	load(root, "0000:5e:00.0", &pf);
	assert_string_equal(pf.name, "ens801f0");
	assert_int_equal(pf.device, 0x154c);
	assert_int_equal(pf.totalvfs, 64);
	assert_int_equal(pf.n_vfs, 3);
	assert_string_equal(pf.vfs[0].pci, "0000:5e:02.0");
	assert_string_equal(pf.vfs[1].pci, "0000:5e:02.1");
	assert_string_equal(pf.vfs[2].pci, "0000:5e:02.2");
	assert_string_equal(pf.vfs[0].netdev, "ens801f0v0");
	assert_string_equal(pf.vfs[1].netdev, "vpv0");
	assert_string_equal(pf.vfs[2].driver, "iavf");
	assert_int_equal(pf.vfs[2].iommu_group, 73);
	vp_sriov_pf_free(&pf);
}

static void test_two_pfs_one_bus(void **state)
{
	const char *root = *state;
	struct vp_pf pf;

	ixgbe4(root);
	tu_sysfs_pf(root, "ens785f1", "0000:3b:00.1", "ixgbe", 2, "ixgbevf",
		    50);
	load(root, "ens785f1", &pf);
	/* ixgbe interleaves the two ports' VFs */
	assert_string_equal(pf.vfs[0].pci, "0000:3b:10.1");
	assert_string_equal(pf.vfs[1].pci, "0000:3b:10.3");
	vp_sriov_pf_free(&pf);
}

static void test_no_vfs(void **state)
{
	const char *root = *state;
	struct vp_pf pf;

	tu_sysfs_pf(root, "ens785f0", PF0, "ixgbe", 0, "ixgbevf", 40);
	load(root, "ens785f0", &pf);
	assert_int_equal(pf.numvfs, 0);
	assert_int_equal(pf.n_vfs, 0);
	assert_int_equal(pf.vendor, 0);
	vp_sriov_pf_free(&pf);
}

static void test_links_beyond_numvfs_ignored(void **state)
{
	const char *root = *state;
	struct vp_pf pf;

	ixgbe4(root);
	tu_sysfs_build(root, "numvfs %s 2", PF0);
	load(root, "ens785f0", &pf);
	assert_int_equal(pf.numvfs, 2);
	assert_int_equal(pf.n_vfs, 2);
	vp_sriov_pf_free(&pf);
	tu_sysfs_build(root, "numvfs %s 0", PF0);
	load(root, "ens785f0", &pf);
	assert_int_equal(pf.n_vfs, 0);
	vp_sriov_pf_free(&pf);
}

static void test_unbound_vfs(void **state)
{
	const char *root = *state;
	struct vp_pf pf;

	tu_sysfs_pf(root, "ens785f0", PF0, "ixgbe", 2, NULL, 40);
	load(root, PF0, &pf);
	assert_string_equal(pf.vfs[0].driver, "");
	assert_string_equal(pf.vfs[0].netdev, "");
	assert_int_equal(pf.vendor, 0x8086);
	vp_sriov_pf_free(&pf);
}

static void test_not_sriov_capable(void **state)
{
	const char *root = *state;
	struct vp_pf pf;
	struct vp_err err;

	tu_sysfs_build(root, "pf eno1 0000:00:19.0 --no-sriov --driver e1000e");
	tu_assert_err(vp_sriov_pf_load(root, "eno1", &pf, &err), err,
		      "PF `eno1`: not SR-IOV capable (no sriov_numvfs)");
	tu_assert_err(vp_sriov_pf_load(root, "0000:00:19.0", &pf, &err), err,
		      "PF `0000:00:19.0`: not SR-IOV capable");
}

static void test_unknown_pf(void **state)
{
	const char *root = *state;
	struct vp_pf pf;
	struct vp_err err;
	char *p;

	ixgbe4(root);
	tu_assert_err(vp_sriov_pf_load(root, "nope0", &pf, &err), err,
		      "PF `nope0`: no such network device");
	tu_assert_err(vp_sriov_pf_load(root, "0000:99:00.0", &pf, &err), err,
		      "PF `0000:99:00.0`: no such PCI device");
	tu_assert_err(vp_sriov_pf_load(root, "../../etc", &pf, &err), err,
		      "not a network device name or PCI address");
	tu_assert_err(vp_sriov_pf_load(root, "a/b", &pf, &err), err,
		      "PF `a/b`: not a network device name");
	/* upper-case hex is not how sysfs spells addresses */
	tu_assert_err(vp_sriov_pf_load(root, "0000:3B:00.0", &pf, &err), err,
		      "not a network device name or PCI address");
	/* a netdev without a device link (veth, bridge) */
	p = tu_join(root, "class/net/veth0");
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	tu_assert_err(vp_sriov_pf_load(root, "veth0", &pf, &err), err,
		      "PF `veth0`: not a PCI network device");
}

static void test_dangling_virtfn(void **state)
{
	const char *root = *state;
	struct vp_pf pf;

	ixgbe4(root);
	tu_sysfs_build(root, "dangle 0000:3b:10.2");
	load(root, "ens785f0", &pf);
	assert_int_equal(pf.numvfs, 4);
	assert_int_equal(pf.n_vfs, 3);
	assert_int_equal(pf.n_dangling, 1);
	assert_int_equal(pf.vfs[0].index, 0);
	assert_int_equal(pf.vfs[1].index, 2);
	assert_string_equal(pf.vfs[1].pci, "0000:3b:10.4");
	assert_int_equal(pf.vfs[2].index, 3);
	vp_sriov_pf_free(&pf);

	/* a virtfn link missing altogether counts the same */
	relink(root, PF0, "virtfn3", "../0000:3b:10.6");
	{
		char *p = tu_sysfs_path(root, PF0, "virtfn3");

		unlink(p);
		free(p);
	}
	load(root, "ens785f0", &pf);
	assert_int_equal(pf.n_vfs, 2);
	assert_int_equal(pf.n_dangling, 2);
	vp_sriov_pf_free(&pf);
}

static void test_group_foreign_device(void **state)
{
	const char *root = *state;
	struct vp_pf pf;
	struct vp_err err;

	ixgbe4(root);
	tu_sysfs_build(root, "dev 0000:3b:00.3 --driver e1000e --group 41");
	load(root, "ens785f0", &pf);
	assert_int_equal(vp_sriov_iommu_group_check(root, &pf.vfs[1], &err), 0);
	tu_assert_err(vp_sriov_iommu_group_check(root, &pf.vfs[0], &err), err,
		      "VF 0000:3b:10.0: IOMMU group 41 also holds 0000:3b:00.3 "
		      "(driver e1000e), which is not on vfio-pci");
	/* every offender is named, the PF too */
	tu_sysfs_build(root, "regroup %s 41", PF0);
	tu_assert_err(
	    vp_sriov_iommu_group_check(root, &pf.vfs[0], &err), err,
	    "IOMMU group 41 also holds 0000:3b:00.0 (driver ixgbe), "
	    "0000:3b:00.3 (driver e1000e), which are not on vfio-pci");
	vp_sriov_pf_free(&pf);
}

static void test_group_bridge_and_vfs_ok(void **state)
{
	const char *root = *state;
	struct vp_pf pf;
	struct vp_err err;

	ixgbe4(root);
	tu_sysfs_build(root, "dev 0000:3b:01.0 --class 0x060400 --driver "
			     "pcieport --group 41");
	tu_sysfs_build(root, "regroup 0000:3b:10.2 41");
	tu_sysfs_build(root, "regroup 0000:3b:10.4 41");
	tu_sysfs_build(root, "bind 0000:3b:10.2 vfio-pci");
	tu_sysfs_build(root, "unbind 0000:3b:10.4");
	tu_sysfs_build(root, "dev 0000:3b:00.4 --driver pci-stub --group 41");
	load(root, "ens785f0", &pf);
	assert_int_equal(pf.vfs[2].iommu_group, 41);
	tu_assert_ok(vp_sriov_iommu_group_check(root, &pf.vfs[0], &err), err);
	/* a VF of the group still on its host driver makes the group
	 * unusable for vfio: named like any other device */
	tu_sysfs_build(root, "bind 0000:3b:10.4 ixgbevf");
	tu_assert_err(vp_sriov_iommu_group_check(root, &pf.vfs[0], &err), err,
		      "also holds 0000:3b:10.4 (driver ixgbevf), which is not");
	vp_sriov_pf_free(&pf);
}

static void test_no_group(void **state)
{
	const char *root = *state;
	struct vp_pf pf;
	struct vp_err err;
	char *p;

	ixgbe4(root);
	p = tu_sysfs_path(root, "0000:3b:10.0", "iommu_group");
	assert_int_equal(unlink(p), 0);
	free(p);
	load(root, "ens785f0", &pf);
	assert_int_equal(pf.vfs[0].iommu_group, -1);
	tu_assert_err(vp_sriov_iommu_group_check(root, &pf.vfs[0], &err), err,
		      "VF 0000:3b:10.0: no IOMMU group");
	vp_sriov_pf_free(&pf);
}

static void test_busy_vfio_bound(void **state)
{
	const char *root = *state;
	struct vp_pf pf;

	ixgbe4(root);
	tu_sysfs_build(root, "bind 0000:3b:10.2 vfio-pci");
	load(root, "ens785f0", &pf);
	assert_string_equal(pf.vfs[1].driver, "vfio-pci");
	assert_string_equal(pf.vfs[1].netdev, "");
	assert_string_equal(vp_sriov_vf_busy_reason(&pf.vfs[1]),
			    "bound to vfio-pci outside vnfplug");
	assert_null(vp_sriov_vf_busy_reason(&pf.vfs[0]));
	vp_sriov_pf_free(&pf);
}

static void test_stale_override_not_busy(void **state)
{
	const char *root = *state;
	struct vp_pf pf;

	ixgbe4(root);
	tu_sysfs_build(root, "unbind 0000:3b:10.2");
	tu_sysfs_build(root, "override 0000:3b:10.2 vfio-pci");
	load(root, "ens785f0", &pf);
	assert_string_equal(pf.vfs[1].driver, "");
	assert_string_equal(pf.vfs[1].driver_override, "vfio-pci");
	assert_null(vp_sriov_vf_busy_reason(&pf.vfs[1]));
	vp_sriov_pf_free(&pf);

	/* the kernel's spelling of "unset" and a plain newline */
	put(root, "0000:3b:10.2", "driver_override", "(null)\n");
	load(root, "ens785f0", &pf);
	assert_string_equal(pf.vfs[1].driver_override, "");
	vp_sriov_pf_free(&pf);
	put(root, "0000:3b:10.2", "driver_override", "\n");
	load(root, "ens785f0", &pf);
	assert_string_equal(pf.vfs[1].driver_override, "");
	vp_sriov_pf_free(&pf);
}

static void test_refresh(void **state)
{
	const char *root = *state;
	struct vp_pf pf;
	struct vp_vf vf;
	struct vp_err err;

	ixgbe4(root);
	load(root, "ens785f0", &pf);
	vf = pf.vfs[2];
	vp_sriov_pf_free(&pf);
	tu_sysfs_build(root, "netdev %s vpv0", vf.pci);
	tu_assert_ok(vp_sriov_vf_refresh(root, &vf, &err), err);
	assert_string_equal(vf.netdev, "vpv0");
	assert_string_equal(vf.driver, "ixgbevf");
	tu_sysfs_build(root, "unbind %s", vf.pci);
	tu_sysfs_build(root, "override %s vfio-pci", vf.pci);
	tu_assert_ok(vp_sriov_vf_refresh(root, &vf, &err), err);
	assert_string_equal(vf.netdev, "");
	assert_string_equal(vf.driver, "");
	assert_string_equal(vf.driver_override, "vfio-pci");
	assert_int_equal(vf.index, 2);

	tu_sysfs_build(root, "dangle %s", vf.pci);
	tu_assert_err(vp_sriov_vf_refresh(root, &vf, &err), err,
		      "VF 0000:3b:10.4");
	assert_int_equal(err.errnum, ENOENT);
	/* a failed refresh leaves the VF as it was */
	assert_string_equal(vf.driver_override, "vfio-pci");

	strcpy(vf.pci, "../../x");
	tu_assert_err(vp_sriov_vf_refresh(root, &vf, &err), err,
		      "not a PCI address");
}

static void test_dev_driver(void **state)
{
	const char *root = *state;
	struct vp_err err;
	char drv[64];

	ixgbe4(root);
	tu_assert_ok(vp_sriov_dev_driver(root, PF0, drv, sizeof(drv), &err),
		     err);
	assert_string_equal(drv, "ixgbe");
	tu_assert_err(
	    vp_sriov_dev_driver(root, "0000:3b:1f.0", drv, sizeof(drv), &err),
	    err, "PCI device 0000:3b:1f.0");
	assert_int_equal(err.errnum, ENOENT);
	tu_assert_err(vp_sriov_dev_driver(root, "0000:3b:00.0/..", drv,
					  sizeof(drv), &err),
		      err, "not a PCI address");
}

static void test_valid_driver_name(void **state)
{
	(void)state;
	assert_true(vp_valid_driver_name("vfio-pci"));
	assert_true(vp_valid_driver_name("mlx5_core"));
	assert_true(vp_valid_driver_name("ixgbevf"));
	assert_false(vp_valid_driver_name(""));
	assert_false(vp_valid_driver_name("."));
	assert_false(vp_valid_driver_name(".."));
	assert_false(vp_valid_driver_name("a/b"));
	assert_false(vp_valid_driver_name("a b"));
	assert_false(vp_valid_driver_name("x\n"));
	assert_false(vp_valid_driver_name(NULL));
	assert_false(vp_valid_driver_name("012345678901234567890123456789012345"
					  "6789012345678901234567890123"));
}

/* Values that would steer a path or a message if used unchecked: each is
 * refused with an error naming it, printable. */
static void test_hostile_links(void **state)
{
	const char *root = *state;
	struct vp_pf pf;
	struct vp_err err;
	char *p;

	ixgbe4(root);
	relink(root, PF0, "virtfn1", "../../../../etc");
	tu_assert_err(vp_sriov_pf_load(root, "ens785f0", &pf, &err), err,
		      "virtfn1` points to `etc`, not a PCI address");
	assert_non_null(strstr(err.msg, "PF `ens785f0`: "));
	relink(root, PF0, "virtfn1", "../0000:3B:10.2");
	tu_assert_err(vp_sriov_pf_load(root, "ens785f0", &pf, &err), err,
		      "not a PCI address");
	relink(root, PF0, "virtfn1", "../0000:3b:10.2");
	load(root, "ens785f0", &pf);
	vp_sriov_pf_free(&pf);

	/* the PF's netdev device link */
	p = tu_join(root, "class/net/ens785f0/device");
	unlink(p);
	assert_int_equal(symlink("../../../0000:3b:00.0\n", p), 0);
	tu_assert_err(vp_sriov_pf_load(root, "ens785f0", &pf, &err), err,
		      "points to `0000:3b:00.0?`, not a PCI address");
	unlink(p);
	assert_int_equal(symlink("../../../" PF0, p), 0);
	free(p);

	relink(root, "0000:3b:10.4", "driver", "../../../bus/pci/drivers/a b");
	tu_assert_err(vp_sriov_pf_load(root, "ens785f0", &pf, &err), err,
		      "VF 0000:3b:10.4: driver name `a b` is not valid");
	relink(root, "0000:3b:10.4", "driver",
	       "../../../../bus/pci/drivers/ixgbevf");

	relink(root, "0000:3b:10.6", "iommu_group", "../../groups/4x");
	tu_assert_err(vp_sriov_pf_load(root, "ens785f0", &pf, &err), err,
		      "`4x` is not a number");
	relink(root, "0000:3b:10.6", "iommu_group", "../../groups/-1");
	tu_assert_err(vp_sriov_pf_load(root, "ens785f0", &pf, &err), err,
		      "`-1` is not a number");
	relink(root, "0000:3b:10.6", "iommu_group", "../../groups/44");
	load(root, "ens785f0", &pf);
	vp_sriov_pf_free(&pf);
}

static void test_hostile_files(void **state)
{
	const char *root = *state;
	struct vp_pf pf;
	struct vp_err err;
	char *p;

	ixgbe4(root);
	/* a netdev name that is no interface name */
	p = tu_sysfs_path(root, "0000:3b:10.2", "net/e\tvil$(x)");
	assert_int_equal(mkdir(p, 0755), 0);
	tu_assert_err(vp_sriov_pf_load(root, "ens785f0", &pf, &err), err,
		      "VF 0000:3b:10.2: netdev name `e?vil$(x)` is not a valid "
		      "interface name");
	rmdir(p);
	free(p);
	p = tu_sysfs_path(root, "0000:3b:10.2", "net/waytoolongname16");
	assert_int_equal(mkdir(p, 0755), 0);
	tu_assert_err(vp_sriov_pf_load(root, "ens785f0", &pf, &err), err,
		      "`waytoolongname16` is not a valid interface name");
	rmdir(p);
	free(p);

	put(root, "0000:3b:10.0", "vendor", "0x80861\n");
	tu_assert_err(vp_sriov_pf_load(root, "ens785f0", &pf, &err), err,
		      "`0x80861` is not a PCI id");
	put(root, "0000:3b:10.0", "vendor", "0x8086\n0x8086\n");
	tu_assert_err(vp_sriov_pf_load(root, "ens785f0", &pf, &err), err,
		      "not one line of text");
	put(root, "0000:3b:10.0", "vendor", "0x8086");
	load(root, "ens785f0", &pf);
	assert_int_equal(pf.vendor, 0x8086);
	vp_sriov_pf_free(&pf);

	put(root, PF0, "sriov_numvfs", "4abc\n");
	tu_assert_err(vp_sriov_pf_load(root, "ens785f0", &pf, &err), err,
		      "`4abc` is not a number up to 65535");
	put(root, PF0, "sriov_numvfs", "99999999999999999999\n");
	tu_assert_err(vp_sriov_pf_load(root, "ens785f0", &pf, &err), err,
		      "is not a number up to 65535");
	put(root, PF0, "sriov_numvfs", "\n");
	tu_assert_err(vp_sriov_pf_load(root, "ens785f0", &pf, &err), err,
		      "`` is not a number");
	put(root, PF0, "sriov_numvfs", "4\n");

	put(root, "0000:3b:10.6", "driver_override", "../x\n");
	tu_assert_err(vp_sriov_pf_load(root, "ens785f0", &pf, &err), err,
		      "driver_override `../x` is not a driver name");
	put(root, "0000:3b:10.6", "driver_override", "(null)\n");

	/* an attribute that is a symlink is not followed */
	relink(root, "0000:3b:10.6", "driver_override", "/etc/hostname");
	tu_assert_err(vp_sriov_pf_load(root, "ens785f0", &pf, &err), err,
		      "driver_override");
	assert_int_equal(err.errnum, ELOOP);
}

static void test_hostile_group_member(void **state)
{
	const char *root = *state;
	struct vp_pf pf;
	struct vp_err err;
	char *p;

	ixgbe4(root);
	load(root, "ens785f0", &pf);
	p = tu_join(root, "kernel/iommu_groups/41/devices/x;reboot");
	assert_int_equal(symlink("../../../../devices", p), 0);
	free(p);
	tu_assert_err(vp_sriov_iommu_group_check(root, &pf.vfs[0], &err), err,
		      "VF 0000:3b:10.0: IOMMU group 41: member `x;reboot`");
	vp_sriov_pf_free(&pf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(test_ixgbe_by_name),
	    T(test_by_pci_finds_name),
	    T(test_i40e_layout),
	    T(test_two_pfs_one_bus),
	    T(test_no_vfs),
	    T(test_links_beyond_numvfs_ignored),
	    T(test_unbound_vfs),
	    T(test_not_sriov_capable),
	    T(test_unknown_pf),
	    T(test_dangling_virtfn),
	    T(test_group_foreign_device),
	    T(test_group_bridge_and_vfs_ok),
	    T(test_no_group),
	    T(test_busy_vfio_bound),
	    T(test_stale_override_not_busy),
	    T(test_refresh),
	    T(test_dev_driver),
	    cmocka_unit_test(test_valid_driver_name),
	    T(test_hostile_links),
	    T(test_hostile_files),
	    T(test_hostile_group_member),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
