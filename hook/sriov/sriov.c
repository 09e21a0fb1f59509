/* sriov.c - SR-IOV discovery through sysfs (see sriov.h).
 *
 * Everything read here comes from a tree that tests (and, in principle, a
 * compromised host) control: every PCI address taken from a link target,
 * every netdev and driver name taken from a directory entry is checked
 * against its allowlist before it is copied out or put into a path, and
 * every attribute file is read bounded, without following a final symlink.
 * Paths are always built from the sysfs root and a validated address, never
 * from a link target.
 */
#include "sriov.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "validate.h"

#define ATTR_MAX 4096 /* sysfs attributes are at most a page */
#define VF_MAX 65535  /* TotalVFs is a 16-bit field */

bool vp_valid_driver_name(const char *s)
{
	size_t n;

	if (s == NULL)
		return false;
	for (n = 0; s[n] != '\0'; n++) {
		char c = s[n];

		if (n >= 63)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return false;
	}
	return n > 0 && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* Basename of a symlink's target into out.  Returns 1 when the link exists,
 * 0 when it does not (out is ""), -1 on error. */
static int link_base(const char *path, char *out, size_t size,
		     struct vp_err *err)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n;

	out[0] = '\0';
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0) {
		if (errno == ENOENT)
			return 0;
		return vp_err_set(err, errno, "readlink `%s`", path);
	}
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base != NULL ? base + 1 : target;
	if (strlen(base) >= size) {
		char pb[VP_PRINTABLE_MAX];

		return vp_err_set(err, 0, "`%s` points to `%s`: name too long",
				  path, vp_printable(base, pb, sizeof(pb)));
	}
	memcpy(out, base, strlen(base) + 1);
	return 1;
}

/* A link whose basename must be a PCI address (virtfnN, physfn,
 * class/net/<x>/device).  Same returns as link_base. */
static int link_pci(const char *path, char out[VP_PCI_ADDR_MAX],
		    struct vp_err *err)
{
	char base[NAME_MAX + 1];
	char pb[VP_PRINTABLE_MAX];
	int rc = link_base(path, base, sizeof(base), err);

	if (rc <= 0)
		return rc;
	if (!vp_valid_pci_addr(base))
		return vp_err_set(err, 0,
				  "`%s` points to `%s`, not a PCI address",
				  path, vp_printable(base, pb, sizeof(pb)));
	memcpy(out, base, strlen(base) + 1);
	return 1;
}

/* The <dir>/driver link as a checked driver name; "" when unbound. */
static int link_driver(const char *dir, char *out, size_t size,
		       struct vp_err *err)
{
	_cleanup_free_ char *path = vp_asprintf("%s/driver", dir);
	char base[NAME_MAX + 1];
	char pb[VP_PRINTABLE_MAX];
	int rc;

	if (path == NULL)
		return vp_err_set(err, ENOMEM, "sysfs");
	rc = link_base(path, base, sizeof(base), err);
	if (rc < 0)
		return -1;
	if (rc > 0 && !vp_valid_driver_name(base))
		return vp_err_set(err, 0, "driver name `%s` is not valid",
				  vp_printable(base, pb, sizeof(pb)));
	if (strlen(base) >= size)
		return vp_err_set(err, 0, "driver name `%s` is too long", base);
	memcpy(out, base, strlen(base) + 1);
	return 0;
}

/* Read a one-line attribute <dir>/<name> without its newline.  Returns 1,
 * or 0 when the file does not exist (out is ""), -1 on error. */
static int read_attr(const char *dir, const char *name, char *out, size_t size,
		     struct vp_err *err)
{
	_cleanup_free_ char *path = vp_asprintf("%s/%s", dir, name);
	_cleanup_free_ char *buf = NULL;
	size_t len;

	out[0] = '\0';
	if (path == NULL)
		return vp_err_set(err, ENOMEM, "sysfs");
	if (vp_read_file(path, ATTR_MAX, &buf, &len, err) < 0) {
		if (err != NULL && err->errnum == ENOENT)
			return 0;
		return -1;
	}
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (strlen(buf) != len || strchr(buf, '\n') != NULL)
		return vp_err_set(err, 0, "`%s`: not one line of text", path);
	if (len >= size)
		return vp_err_set(err, 0, "`%s`: value too long", path);
	memcpy(out, buf, len + 1);
	return 1;
}

static int parse_uint(const char *path, const char *s, unsigned max,
		      unsigned *out, struct vp_err *err)
{
	char pb[VP_PRINTABLE_MAX];
	unsigned long v = 0;

	if (s[0] == '\0')
		goto bad;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > max)
			goto bad;
	}
	*out = (unsigned)v;
	return 0;
bad:
	return vp_err_set(err, 0, "`%s`: `%s` is not a number up to %u", path,
			  vp_printable(s, pb, sizeof(pb)), max);
}

/* "0x8086" -> 0x8086 (the kernel's format for vendor and device). */
static int read_id(const char *dir, const char *name, uint16_t *out,
		   struct vp_err *err)
{
	char buf[16], pb[VP_PRINTABLE_MAX];
	unsigned v = 0;
	size_t n;
	int rc = read_attr(dir, name, buf, sizeof(buf), err);

	if (rc < 0)
		return -1;
	if (rc == 0)
		return vp_err_set(err, ENOENT, "`%s/%s`", dir, name);
	n = strlen(buf);
	if (n < 3 || n > 6 || buf[0] != '0' || buf[1] != 'x')
		goto bad;
	for (size_t i = 2; i < n; i++) {
		char c = buf[i];

		if (c >= '0' && c <= '9')
			v = v << 4 | (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (unsigned)(c - 'a' + 10);
		else
			goto bad;
	}
	*out = (uint16_t)v;
	return 0;
bad:
	return vp_err_set(err, 0, "`%s/%s`: `%s` is not a PCI id", dir, name,
			  vp_printable(buf, pb, sizeof(pb)));
}

/* The netdev under <dir>/net/ into out ("" when none).  A function normally
 * has one; with several the smallest name is taken so the answer does not
 * depend on readdir order.  Every name must be a valid interface name. */
static int read_netdev(const char *dir, char *out, size_t size,
		       struct vp_err *err)
{
	_cleanup_free_ char *path = vp_asprintf("%s/net", dir);
	char pb[VP_PRINTABLE_MAX];
	struct dirent *de;
	DIR *d;
	int rc = 0;

	out[0] = '\0';
	if (path == NULL)
		return vp_err_set(err, ENOMEM, "sysfs");
	d = opendir(path);
	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		return vp_err_set(err, errno, "open `%s`", path);
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (!vp_valid_ifname(de->d_name) ||
		    strlen(de->d_name) >= size) {
			rc = vp_err_set(
			    err, 0,
			    "netdev name `%s` is not a valid "
			    "interface name",
			    vp_printable(de->d_name, pb, sizeof(pb)));
			break;
		}
		if (out[0] == '\0' || strcmp(de->d_name, out) < 0)
			memcpy(out, de->d_name, strlen(de->d_name) + 1);
	}
	closedir(d);
	return rc;
}

static char *dev_path(const char *root, const char *pci)
{
	return vp_asprintf("%s/bus/pci/devices/%s", root, pci);
}

/* 1 when path exists (following links), 0 when it does not, -1 on error. */
static int path_exists(const char *path, struct vp_err *err)
{
	struct stat st;

	if (stat(path, &st) == 0)
		return 1;
	if (errno != ENOENT)
		return vp_err_set(err, errno, "stat `%s`", path);
	return 0;
}

/* Fill netdev, driver, driver_override and iommu_group of vf (pci set). */
static int vf_read(const char *root, struct vp_vf *vf, struct vp_err *err)
{
	_cleanup_free_ char *dir = dev_path(root, vf->pci);
	_cleanup_free_ char *grp_link = NULL;
	char grp[NAME_MAX + 1], pb[VP_PRINTABLE_MAX];
	struct vp_vf v = *vf;
	unsigned g;
	int rc;

	if (dir == NULL)
		return vp_err_set(err, ENOMEM, "sysfs");
	rc = path_exists(dir, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return vp_err_set(err, ENOENT, "`%s`", dir);
	if (read_netdev(dir, v.netdev, sizeof(v.netdev), err) < 0 ||
	    link_driver(dir, v.driver, sizeof(v.driver), err) < 0)
		return -1;
	rc = read_attr(dir, "driver_override", v.driver_override,
		       sizeof(v.driver_override), err);
	if (rc < 0)
		return -1;
	/* the kernel shows an unset override as "(null)" */
	if (strcmp(v.driver_override, "(null)") == 0)
		v.driver_override[0] = '\0';
	if (v.driver_override[0] != '\0' &&
	    !vp_valid_driver_name(v.driver_override))
		return vp_err_set(
		    err, 0,
		    "driver_override `%s` is not a "
		    "driver name",
		    vp_printable(v.driver_override, pb, sizeof(pb)));
	grp_link = vp_asprintf("%s/iommu_group", dir);
	if (grp_link == NULL)
		return vp_err_set(err, ENOMEM, "sysfs");
	rc = link_base(grp_link, grp, sizeof(grp), err);
	if (rc < 0)
		return -1;
	v.iommu_group = -1;
	if (rc > 0) {
		if (parse_uint(grp_link, grp, INT_MAX, &g, err) < 0)
			return -1;
		v.iommu_group = (int)g;
	}
	*vf = v;
	return 0;
}

int vp_sriov_vf_refresh(const char *sysfs_root, struct vp_vf *vf,
			struct vp_err *err)
{
	char pb[VP_PRINTABLE_MAX];

	if (!vp_valid_pci_addr(vf->pci))
		return vp_err_set(err, 0, "VF `%s`: not a PCI address",
				  vp_printable(vf->pci, pb, sizeof(pb)));
	if (vf_read(sysfs_root, vf, err) < 0)
		return vp_err_wrap(err, "VF %s", vf->pci);
	return 0;
}

int vp_sriov_dev_driver(const char *sysfs_root, const char *pci, char *out,
			size_t size, struct vp_err *err)
{
	_cleanup_free_ char *dir = NULL;
	char pb[VP_PRINTABLE_MAX];
	int rc;

	if (!vp_valid_pci_addr(pci))
		return vp_err_set(err, 0, "`%s` is not a PCI address",
				  vp_printable(pci, pb, sizeof(pb)));
	dir = dev_path(sysfs_root, pci);
	if (dir == NULL)
		return vp_err_set(err, ENOMEM, "sysfs");
	rc = path_exists(dir, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return vp_err_set(err, ENOENT, "PCI device %s", pci);
	if (link_driver(dir, out, size, err) < 0)
		return vp_err_wrap(err, "PCI device %s", pci);
	return 0;
}

/* Find the PF's PCI address (and netdev name) from what the config says. */
static int pf_resolve(const char *root, const char *pf, struct vp_pf *p,
		      struct vp_err *err)
{
	_cleanup_free_ char *path = NULL;
	int rc;

	if (vp_valid_pci_addr(pf)) {
		memcpy(p->pci, pf, strlen(pf) + 1);
		path = dev_path(root, pf);
		if (path == NULL)
			return vp_err_set(err, ENOMEM, "sysfs");
		rc = path_exists(path, err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return vp_err_set(err, 0, "no such PCI device");
		return read_netdev(path, p->name, sizeof(p->name), err);
	}
	if (!vp_valid_ifname(pf))
		return vp_err_set(err, 0,
				  "not a network device name or PCI address");
	memcpy(p->name, pf, strlen(pf) + 1);
	path = vp_asprintf("%s/class/net/%s", root, pf);
	if (path == NULL)
		return vp_err_set(err, ENOMEM, "sysfs");
	rc = path_exists(path, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return vp_err_set(err, 0, "no such network device");
	free(path);
	path = vp_asprintf("%s/class/net/%s/device", root, pf);
	if (path == NULL)
		return vp_err_set(err, ENOMEM, "sysfs");
	rc = link_pci(path, p->pci, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return vp_err_set(err, 0, "not a PCI network device");
	return 0;
}

/* Append every VF whose virtfn link resolves; count the others. */
static int pf_load_vfs(const char *root, const char *pfdir, struct vp_pf *p,
		       bool details, struct vp_err *err)
{
	_cleanup_free_ struct vp_vf *vfs = NULL;
	bool have_ids = false;
	size_t n = 0;

	if (p->numvfs > 0) {
		vfs = calloc(p->numvfs, sizeof(*vfs));
		if (vfs == NULL)
			return vp_err_set(err, ENOMEM, "sysfs");
	}
	for (unsigned i = 0; i < p->numvfs; i++) {
		_cleanup_free_ char *link =
		    vp_asprintf("%s/virtfn%u", pfdir, i);
		_cleanup_free_ char *vdir = NULL;
		struct vp_vf *vf = &vfs[n];
		int a, b, rc;

		if (link == NULL)
			return vp_err_set(err, ENOMEM, "sysfs");
		rc = link_pci(link, vf->pci, err);
		if (rc < 0)
			return -1;
		/* a missing link (VFs still being created) or one that leads
		 * nowhere (a VF half removed): the VF can not be used */
		if (rc == 0) {
			p->n_dangling++;
			continue;
		}
		/* listing only: the allocator reads VFs one at a time, and
		 * reading all of 256 VFs is what made allocation slow */
		if (!details) {
			vf->index = i;
			vf->iommu_group = -1;
			vf->skipped = true;
			n++;
			continue;
		}
		vdir = dev_path(root, vf->pci);
		if (vdir == NULL)
			return vp_err_set(err, ENOMEM, "sysfs");
		if ((a = path_exists(link, err)) < 0 ||
		    (b = path_exists(vdir, err)) < 0)
			return -1;
		if (a == 0 || b == 0) {
			memset(vf, 0, sizeof(*vf));
			p->n_dangling++;
			continue;
		}
		vf->index = i;
		if (vf_read(root, vf, err) < 0)
			return vp_err_wrap(err, "VF %s", vf->pci);
		if (!have_ids &&
		    (read_id(vdir, "vendor", &p->vendor, err) < 0 ||
		     read_id(vdir, "device", &p->device, err) < 0))
			return vp_err_wrap(err, "VF %s", vf->pci);
		have_ids = true;
		n++;
	}
	p->vfs = vp_steal_ptr(&vfs);
	p->n_vfs = n;
	return 0;
}

/* sriov_numvfs / sriov_totalvfs; a PF without them is not SR-IOV capable */
static int read_vf_count(const char *dir, const char *name, unsigned *out,
			 struct vp_err *err)
{
	char buf[32];
	int rc = read_attr(dir, name, buf, sizeof(buf), err);

	if (rc < 0)
		return -1;
	if (rc == 0)
		return vp_err_set(err, 0, "not SR-IOV capable (no %s)", name);
	return parse_uint(name, buf, VF_MAX, out, err);
}

static int pf_load(const char *root, const char *pf, struct vp_pf *p,
		   bool details, struct vp_err *err)
{
	_cleanup_free_ char *dir = NULL;

	if (pf_resolve(root, pf, p, err) < 0)
		return -1;
	dir = dev_path(root, p->pci);
	if (dir == NULL)
		return vp_err_set(err, ENOMEM, "sysfs");
	if (read_vf_count(dir, "sriov_numvfs", &p->numvfs, err) < 0 ||
	    read_vf_count(dir, "sriov_totalvfs", &p->totalvfs, err) < 0)
		return -1;
	return pf_load_vfs(root, dir, p, details, err);
}

static int pf_load_named(const char *sysfs_root, const char *pf, bool details,
			 struct vp_pf *out, struct vp_err *err)
{
	struct vp_pf p;
	char pb[VP_PRINTABLE_MAX];

	memset(&p, 0, sizeof(p));
	if (pf_load(sysfs_root, pf, &p, details, err) < 0) {
		vp_sriov_pf_free(&p);
		return vp_err_wrap(err, "PF `%s`",
				   vp_printable(pf, pb, sizeof(pb)));
	}
	*out = p;
	return 0;
}

int vp_sriov_pf_load(const char *sysfs_root, const char *pf, struct vp_pf *out,
		     struct vp_err *err)
{
	return pf_load_named(sysfs_root, pf, true, out, err);
}

int vp_sriov_pf_list(const char *sysfs_root, const char *pf, struct vp_pf *out,
		     struct vp_err *err)
{
	return pf_load_named(sysfs_root, pf, false, out, err);
}

int vp_sriov_vf_ids(const char *sysfs_root, const char *pci, uint16_t *vendor,
		    uint16_t *device, struct vp_err *err)
{
	_cleanup_free_ char *dir = NULL;

	if (!vp_valid_pci_addr(pci))
		return vp_err_set(err, 0, "not a PCI address");
	dir = dev_path(sysfs_root, pci);
	if (dir == NULL)
		return vp_err_set(err, ENOMEM, "sysfs");
	if (read_id(dir, "vendor", vendor, err) < 0 ||
	    read_id(dir, "device", device, err) < 0)
		return vp_err_wrap(err, "VF %s", pci);
	return 0;
}

void vp_sriov_pf_free(struct vp_pf *pf)
{
	if (pf == NULL)
		return;
	free(pf->vfs);
	pf->vfs = NULL;
	pf->n_vfs = 0;
}

/* Is this member of a VF's IOMMU group compatible with assigning the VF?
 * (the kernel's vfio viability rule, see sriov.h).  drv gets its driver. */
static int member_ok(const char *mdir, char *drv, size_t size, bool *ok,
		     struct vp_err *err)
{
	char class[16];
	int rc;

	*ok = false;
	if (link_driver(mdir, drv, size, err) < 0)
		return -1;
	if (drv[0] == '\0' || strcmp(drv, "vfio-pci") == 0 ||
	    strcmp(drv, "pci-stub") == 0) {
		*ok = true;
		return 0;
	}
	rc = read_attr(mdir, "class", class, sizeof(class), err);
	if (rc < 0)
		return -1;
	/* base class 06 (bridge), sub-class 04 (PCI-to-PCI) */
	if (rc > 0 && strncmp(class, "0x0604", 6) == 0)
		*ok = true;
	return 0;
}

static int group_scan(const char *root, const struct vp_vf *vf, char *list,
		      size_t size, unsigned *n_bad, struct vp_err *err)
{
	_cleanup_free_ char *gdir = vp_asprintf(
	    "%s/kernel/iommu_groups/%d/devices", root, vf->iommu_group);
	struct dirent **ents = NULL;
	char pb[VP_PRINTABLE_MAX];
	size_t used = 0;
	int n, rc = 0;

	if (gdir == NULL)
		return vp_err_set(err, ENOMEM, "sysfs");
	/* sorted, so the message names offenders in a stable order */
	n = scandir(gdir, &ents, NULL, alphasort);
	if (n < 0)
		return vp_err_set(err, errno, "open `%s`", gdir);
	for (int i = 0; i < n; i++) {
		const char *m = ents[i]->d_name;
		_cleanup_free_ char *mdir = NULL;
		char drv[64];
		bool ok;
		int w;

		if (rc < 0 || strcmp(m, ".") == 0 || strcmp(m, "..") == 0 ||
		    strcmp(m, vf->pci) == 0)
			continue;
		if (!vp_valid_pci_addr(m)) {
			rc = vp_err_set(err, 0,
					"member `%s` of `%s` is not a "
					"PCI address",
					vp_printable(m, pb, sizeof(pb)), gdir);
			continue;
		}
		mdir = vp_asprintf("%s/%s", gdir, m);
		if (mdir == NULL) {
			rc = vp_err_set(err, ENOMEM, "sysfs");
			continue;
		}
		if (member_ok(mdir, drv, sizeof(drv), &ok, err) < 0) {
			rc = vp_err_wrap(err, "member %s", m);
			continue;
		}
		if (ok)
			continue;
		w = snprintf(list + used, size - used, "%s%s (driver %s)",
			     *n_bad > 0 ? ", " : "", m, drv);
		if (w > 0 && (size_t)w < size - used)
			used += (size_t)w;
		(*n_bad)++;
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return rc;
}

int vp_sriov_iommu_group_check(const char *sysfs_root, const struct vp_vf *vf,
			       struct vp_err *err)
{
	char list[640], pb[VP_PRINTABLE_MAX];
	unsigned n_bad = 0;

	if (!vp_valid_pci_addr(vf->pci))
		return vp_err_set(err, 0, "VF `%s`: not a PCI address",
				  vp_printable(vf->pci, pb, sizeof(pb)));
	if (vf->iommu_group < 0)
		return vp_err_set(err, 0,
				  "VF %s: no IOMMU group (is the IOMMU "
				  "enabled?)",
				  vf->pci);
	list[0] = '\0';
	if (group_scan(sysfs_root, vf, list, sizeof(list), &n_bad, err) < 0)
		return vp_err_wrap(err, "VF %s: IOMMU group %d", vf->pci,
				   vf->iommu_group);
	if (n_bad > 0)
		return vp_err_set(err, 0,
				  "VF %s: IOMMU group %d also holds %s, which "
				  "%s not on vfio-pci",
				  vf->pci, vf->iommu_group, list,
				  n_bad > 1 ? "are" : "is");
	return 0;
}

const char *vp_sriov_vf_busy_reason(const struct vp_vf *vf)
{
	if (strcmp(vf->driver, "vfio-pci") == 0)
		return "bound to vfio-pci outside vnfplug";
	return NULL;
}
