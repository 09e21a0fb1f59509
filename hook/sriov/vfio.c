/* vfio.c - moving a PCI function to vfio-pci and back (see vfio.h).
 *
 * The kernel decides which driver binds at probe time: driver_override
 * (when set) names the only driver that may take the device.  So a bind is
 * override + unbind + drivers_probe, and a restore is clearing the override
 * + unbind + drivers_probe.  Neither trusts a write to have worked: the
 * result is read back from <dev>/driver, polled with a bound because some
 * drivers finish probing asynchronously.
 */
#include "vfio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "clock.h"
#include "fileio.h"
#include "sriov.h"
#include "validate.h"

#define VFIO_DRIVER "vfio-pci"
#define POLL_MS 5

/* Write `value` plus a newline (the kernel accepts both forms, a shell's
 * echo sends the newline) to a sysfs attribute.  O_NOFOLLOW: attributes are
 * regular files, a symlink there is not ours to follow.  O_TRUNC is ignored
 * by sysfs and keeps a fixture file to the last value written. */
static int attr_write(const char *path, const char *value, struct vp_err *err)
{
	_cleanup_close_ int fd = -1;
	char buf[80];
	size_t len;
	ssize_t n;

	len = (size_t)snprintf(buf, sizeof(buf), "%s\n", value);
	if (len >= sizeof(buf))
		return vp_err_set(err, 0, "write `%s` to `%s`: too long", value,
				  path);
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_TRUNC);
	if (fd >= 0) {
		do
			n = write(fd, buf, len);
		while (n < 0 && errno == EINTR);
		/* an attribute takes its value in one write or not at all */
		if (n >= 0 && (size_t)n != len)
			errno = EIO;
		if (n >= 0 && (size_t)n == len)
			return 0;
	}
	if (value[0] == '\0')
		return vp_err_set(err, errno, "clear `%s`", path);
	return vp_err_set(err, errno, "write `%s` to `%s`", value, path);
}

/* Poll <dev>/driver until it is `want` ("" = unbound) or timeout_ms passed;
 * cur receives the last driver seen.  Returns 1 on match, 0 on timeout. */
static int wait_driver(const char *root, const char *pci, const char *want,
		       unsigned timeout_ms, char *cur, size_t size,
		       struct vp_err *err)
{
	long long deadline = vp_now_ms() + timeout_ms;

	for (;;) {
		const struct timespec pause = {0, POLL_MS * 1000000L};

		if (vp_sriov_dev_driver(root, pci, cur, size, err) < 0)
			return -1;
		if (strcmp(cur, want) == 0)
			return 1;
		if (vp_now_ms() >= deadline)
			return 0;
		nanosleep(&pause, NULL);
	}
}

static int read_override(const char *dev, char *out, size_t size,
			 struct vp_err *err)
{
	_cleanup_free_ char *path = vp_asprintf("%s/driver_override", dev);
	_cleanup_free_ char *buf = NULL;
	size_t len;

	out[0] = '\0';
	if (path == NULL)
		return vp_err_set(err, ENOMEM, "sysfs");
	if (vp_read_file(path, 4096, &buf, &len, err) < 0) {
		/* kernels before 3.16 have no override: nothing to clear */
		if (err->errnum == ENOENT)
			return 0;
		return -1;
	}
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (strcmp(buf, "(null)") == 0)
		return 0;
	snprintf(out, size, "%s", buf);
	return 0;
}

static char *dev_path(const char *root, const char *pci, const char *attr)
{
	return vp_asprintf("%s/bus/pci/devices/%s%s%s", root, pci,
			   attr[0] != '\0' ? "/" : "", attr);
}

/* Unbind from the current driver (through <dev>/driver/unbind, so the
 * driver's name never goes into a path) and ask the kernel to probe. */
static int unbind_and_probe(const char *root, const char *pci, bool unbind,
			    bool probe, struct vp_err *err)
{
	_cleanup_free_ char *unbind_path = dev_path(root, pci, "driver/unbind");
	_cleanup_free_ char *probe_path =
	    vp_asprintf("%s/bus/pci/drivers_probe", root);

	if (unbind_path == NULL || probe_path == NULL)
		return vp_err_set(err, ENOMEM, "sysfs");
	if (unbind && attr_write(unbind_path, pci, err) < 0)
		return -1;
	if (probe && attr_write(probe_path, pci, err) < 0)
		return -1;
	return 0;
}

/* After a failed bind: drop our override and let the original driver have
 * the device back, without waiting (the bind's error is what the caller
 * reports; a later restore finishes the job if this does not). */
static void bind_rollback(const char *root, const char *pci)
{
	_cleanup_free_ char *ov = dev_path(root, pci, "driver_override");
	struct vp_err ignored;
	char cur[64];

	if (ov == NULL || attr_write(ov, "", &ignored) < 0)
		return;
	if (vp_sriov_dev_driver(root, pci, cur, sizeof(cur), &ignored) < 0)
		return;
	unbind_and_probe(root, pci, strcmp(cur, VFIO_DRIVER) == 0, true,
			 &ignored);
}

static int vfio_bind(const char *root, const char *pci, char *orig,
		     size_t orig_size, unsigned timeout_ms, struct vp_err *err)
{
	_cleanup_free_ char *vfio_dir =
	    vp_asprintf("%s/bus/pci/drivers/" VFIO_DRIVER, root);
	_cleanup_free_ char *ov = dev_path(root, pci, "driver_override");
	char cur[64];
	int rc;

	if (vfio_dir == NULL || ov == NULL)
		return vp_err_set(err, ENOMEM, "sysfs");
	if (access(vfio_dir, F_OK) < 0)
		return vp_err_set(err, 0,
				  "%s: the vfio-pci driver is not loaded (no "
				  "`%s`; modprobe vfio-pci)",
				  pci, vfio_dir);
	if (vp_sriov_dev_driver(root, pci, cur, sizeof(cur), err) < 0)
		return -1;
	if (strlen(cur) >= orig_size)
		return vp_err_set(err, 0, "driver name `%s` too long", cur);
	memcpy(orig, cur, strlen(cur) + 1);
	/* overwrites any stale override a crash left behind */
	if (attr_write(ov, VFIO_DRIVER, err) < 0)
		return -1;
	if (strcmp(cur, VFIO_DRIVER) == 0)
		return 0;
	if (unbind_and_probe(root, pci, cur[0] != '\0', true, err) < 0)
		goto fail;
	rc = wait_driver(root, pci, VFIO_DRIVER, timeout_ms, cur, sizeof(cur),
			 err);
	if (rc < 0)
		goto fail;
	if (rc == 0) {
		vp_err_set(err, 0,
			   "%s did not bind to vfio-pci within %u ms "
			   "(driver: %s)",
			   pci, timeout_ms, cur[0] != '\0' ? cur : "none");
		goto fail;
	}
	return 0;
fail:
	bind_rollback(root, pci);
	return -1;
}

int vp_vfio_bind(const char *sysfs_root, const char *pci, char *orig_driver,
		 size_t orig_size, unsigned timeout_ms, struct vp_err *err)
{
	char pb[VP_PRINTABLE_MAX];

	if (orig_size > 0)
		orig_driver[0] = '\0';
	if (!vp_valid_pci_addr(pci))
		return vp_err_set(err, 0,
				  "vfio bind: `%s` is not a PCI address",
				  vp_printable(pci, pb, sizeof(pb)));
	/* every message below names the device or its path already */
	return vfio_bind(sysfs_root, pci, orig_driver, orig_size, timeout_ms,
			 err);
}

static int vfio_restore(const char *root, const char *pci, const char *orig,
			unsigned timeout_ms, struct vp_err *err)
{
	_cleanup_free_ char *dev = dev_path(root, pci, "");
	_cleanup_free_ char *ov_path = dev_path(root, pci, "driver_override");
	char cur[64], ov[64];
	int rc;

	if (dev == NULL || ov_path == NULL)
		return vp_err_set(err, ENOMEM, "sysfs");
	if (vp_sriov_dev_driver(root, pci, cur, sizeof(cur), err) < 0) {
		/* a device that is gone (VFs removed) has nothing to restore */
		if (err->errnum == ENOENT)
			return 0;
		return -1;
	}
	if (read_override(dev, ov, sizeof(ov), err) < 0)
		return -1;
	if (ov[0] == '\0' && strcmp(cur, orig) == 0)
		return 0;
	if (ov[0] != '\0' && attr_write(ov_path, "", err) < 0)
		return -1;
	if (strcmp(cur, orig) == 0)
		return 0;
	/* no original driver: leave it unbound rather than let a probe pick
	 * one it never had */
	if (unbind_and_probe(root, pci, cur[0] != '\0', orig[0] != '\0', err) <
	    0)
		return -1;
	rc = wait_driver(root, pci, orig, timeout_ms, cur, sizeof(cur), err);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		if (orig[0] == '\0')
			return vp_err_set(err, 0,
					  "%s did not unbind within %u ms "
					  "(driver: %s)",
					  pci, timeout_ms, cur);
		return vp_err_set(err, 0,
				  "%s did not return to %s within %u ms "
				  "(driver: %s)",
				  pci, orig, timeout_ms,
				  cur[0] != '\0' ? cur : "none");
	}
	return 0;
}

int vp_vfio_restore(const char *sysfs_root, const char *pci,
		    const char *orig_driver, unsigned timeout_ms,
		    struct vp_err *err)
{
	char pb[VP_PRINTABLE_MAX];

	if (!vp_valid_pci_addr(pci))
		return vp_err_set(err, 0,
				  "vfio restore: `%s` is not a PCI address",
				  vp_printable(pci, pb, sizeof(pb)));
	if (orig_driver[0] != '\0' && !vp_valid_driver_name(orig_driver))
		return vp_err_set(
		    err, 0, "vfio restore %s: `%s` is not a driver name", pci,
		    vp_printable(orig_driver, pb, sizeof(pb)));
	return vfio_restore(sysfs_root, pci, orig_driver, timeout_ms, err);
}
