/* ovs.c - OVS-DPDK vhost-user ports through ovs-vsctl (see ovs.h).
 *
 * ovs-vsctl is run with an argv and a fixed environment; every call names
 * the database explicitly and carries both ovs-vsctl's own --timeout and
 * our kill deadline, so a wedged ovsdb-server fails the hook in bounded
 * time instead of hanging the container start. */
#include "ovs.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "exec.h"
#include "fileio.h"

static void trim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		s[--n] = '\0';
}

/* Run ovs-vsctl with `args` (NULL-terminated) after the common options.
 * On non-zero exit the error carries ovs-vsctl's own message. */
static int vsctl(const struct vp_ovs *o, const char *const args[],
		 struct vp_exec_result *res, struct vp_err *err)
{
	_cleanup_free_ char *db = vp_asprintf("--db=%s", o->db);
	_cleanup_free_ char *tmo = NULL;
	const char *argv[32];
	size_t n = 0;
	unsigned secs = (o->timeout_ms + 999) / 1000;

	memset(res, 0, sizeof(*res));
	tmo = vp_asprintf("--timeout=%u", secs ? secs : 1);
	if (db == NULL || tmo == NULL)
		return vp_err_set(err, ENOMEM, "ovs-vsctl");
	argv[n++] = o->vsctl;
	argv[n++] = db;
	argv[n++] = tmo;
	for (size_t i = 0; args[i] != NULL; i++) {
		if (n + 1 >= sizeof(argv) / sizeof(argv[0]))
			return vp_err_set(err, E2BIG, "ovs-vsctl: too many arguments");
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	/* a little slack over ovs-vsctl's own timeout so it can report */
	if (vp_exec((char *const *)argv, o->timeout_ms + 1000, res, err) < 0)
		return -1;
	if (res->status != 0) {
		trim(res->errout);
		return vp_err_set(err, 0, "ovs-vsctl exited %d: %s", res->status,
				  res->errout[0] ? res->errout : "(no message)");
	}
	return 0;
}

int vp_ovs_add_vhost_port(const struct vp_ovs *o, const char *bridge,
			  const char *port, const char *socket_path,
			  unsigned queues, struct vp_err *err)
{
	_cleanup_free_ char *path =
		vp_asprintf("options:vhost-server-path=%s", socket_path);
	_cleanup_free_ char *nrxq = vp_asprintf("options:n_rxq=%u", queues);
	struct vp_exec_result res;
	int rc;

	if (path == NULL || nrxq == NULL)
		return vp_err_set(err, ENOMEM, "ovs add-port");
	/* ovs-vsctl's own quoting: values are passed as one argv element
	 * each and were allowlisted by the caller, so no ovs-vsctl syntax
	 * (":", "=", quotes) can be smuggled in. */
	const char *args[] = { "add-port", bridge, port, "--", "set",
			       "Interface", port, "type=dpdkvhostuserclient",
			       path, nrxq, NULL };
	rc = vsctl(o, args, &res, err);
	vp_exec_result_free(&res);
	if (rc < 0)
		return vp_err_wrap(err, "add port `%s` to bridge `%s`", port,
				   bridge);
	return 0;
}

int vp_ovs_del_port(const struct vp_ovs *o, const char *bridge,
		    const char *port, struct vp_err *err)
{
	const char *args[] = { "--if-exists", "del-port", bridge, port, NULL };
	struct vp_exec_result res;
	int rc = vsctl(o, args, &res, err);

	vp_exec_result_free(&res);
	if (rc < 0)
		return vp_err_wrap(err, "delete port `%s` from bridge `%s`",
				   port, bridge);
	return 0;
}

void vp_ovs_port_name(const char *sandbox_id, unsigned index, char out[16])
{
	/* FNV-1a 64: stable across processes and hosts; 40 bits of it keep
	 * the name within IFNAMSIZ-1 with room for the index */
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)sandbox_id; *p;
	     p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	snprintf(out, 16, "vp%010llxn%u",
		 (unsigned long long)(h >> 24) & 0xffffffffffULL, index % 100);
}
