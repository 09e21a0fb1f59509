/* backend.c - the table of backends (backend.h).
 *
 * A new backend is one line here.  Its order is the order in which the
 * guest receives devices: every vhost-user NIC before every VF, as the
 * device lists of earlier versions had them. */
#include "backend.h"

#include <errno.h>
#include <string.h>

#include "cleanup.h"
#include "clock.h"
#include "fileio.h"
#include "validate.h"

static const struct vp_backend *const table[] = {
    &vp_backend_ovs,
    &vp_backend_sriov,
};

#define N_BACKENDS (sizeof(table) / sizeof(table[0]))

_Static_assert(VP_NET_VHOST_USER < VP_BACKEND_MAX &&
		   VP_NET_SRIOV < VP_BACKEND_MAX,
	       "c->scratch is indexed by network type");

const struct vp_backend *vp_backend_for(enum vp_net_type type)
{
	for (size_t i = 0; i < N_BACKENDS; i++)
		if (table[i]->type == type)
			return table[i];
	return NULL;
}

const struct vp_backend *vp_backend_of(enum vp_res_kind kind)
{
	for (size_t i = 0; i < N_BACKENDS; i++)
		if (table[i]->owns(kind))
			return table[i];
	return NULL;
}

const struct vp_backend *vp_backend_at(size_t i)
{
	return i < N_BACKENDS ? table[i] : NULL;
}

void vp_backends_finish(struct vp_backend_ctx *c)
{
	for (size_t i = 0; i < N_BACKENDS; i++) {
		if (table[i]->finish != NULL)
			table[i]->finish(c);
		c->scratch[table[i]->type] = NULL;
	}
}

void vp_desc_add(struct vp_desc *d, const char *key, const char *label,
		 const char *value, const char *none, bool untrusted)
{
	if (d->n >= VP_DESC_FIELDS)
		return;
	d->f[d->n++] = (struct vp_desc_field){.key = key,
					      .label = label,
					      .value = value,
					      .none = none,
					      .untrusted = untrusted};
}

int vp_budget(long long end, unsigned cap, const char *step, unsigned *out,
	      struct vp_err *err)
{
	long long left = end - vp_now_ms();

	if (left <= 0)
		return vp_err_set(err, ETIMEDOUT,
				  "prestart deadline passed before %s", step);
	*out = left < cap ? (unsigned)left : cap;
	return 0;
}

/* Truncating a socket path would silently connect somewhere else. */
int vp_socket_path_check(const char *path, struct vp_err *err)
{
	size_t len = strlen(path);

	if (len > VP_SUN_PATH_MAX)
		return vp_err_set(
		    err, 0, "socket path `%s` is %zu bytes, the limit is %d",
		    path, len, VP_SUN_PATH_MAX);
	if (!vp_valid_abs_path(path))
		return vp_err_set(err, 0,
				  "socket path `%s` is not an allowed absolute "
				  "path",
				  path);
	return 0;
}

int vp_socket_path(const char *dir, const char *name, char *out, size_t outsz,
		   struct vp_err *err)
{
	_cleanup_free_ char *full = NULL;
	size_t dlen = strlen(dir);

	if (dir[0] != '/')
		return vp_err_set(err, 0,
				  "socket directory `%s` is not absolute", dir);
	if (name[0] == '\0' || strchr(name, '/') != NULL)
		return vp_err_set(err, 0, "socket name `%s` is not a file name",
				  name);
	/* "/run/x/" + name must not become "/run/x//name". */
	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	full =
	    vp_asprintf("%.*s%s%s", (int)dlen, dir, dlen > 1 ? "/" : "", name);
	if (full == NULL)
		return vp_err_set(err, ENOMEM, "socket path in `%s`", dir);
	if (vp_socket_path_check(full, err) < 0)
		return -1;
	if (strlen(full) >= outsz)
		return vp_err_set(err, 0, "socket path `%s`: buffer too small",
				  full);
	memcpy(out, full, strlen(full) + 1);
	return 0;
}
