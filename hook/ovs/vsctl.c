/* vsctl.c - OVS-DPDK vhost-user ports through ovs-vsctl (see ovs.h):
 * add, delete, and read back the ownership tags of `list Port`.
 *
 * ovs-vsctl is run with an argv and a fixed environment; every call names
 * the database explicitly and carries both ovs-vsctl's own --timeout and
 * our kill deadline, so a wedged ovsdb-server fails the hook in bounded
 * time instead of hanging the container start. */
#include "ovs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h" /* vp_exec */
#include "cleanup.h"
#include "fileio.h"
#include "json.h"

static void trim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 &&
	       (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
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
			return vp_err_set(err, E2BIG,
					  "ovs-vsctl: too many arguments");
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	/* a little slack over ovs-vsctl's own timeout so it can report */
	if (vp_exec((char *const *)argv, o->timeout_ms + 1000, res, err) < 0)
		return -1;
	if (res->status != 0) {
		trim(res->errout);
		return vp_err_set(
		    err, 0, "ovs-vsctl exited %d: %s", res->status,
		    res->errout[0] ? res->errout : "(no message)");
	}
	return 0;
}

int vp_ovs_add_vhost_port(const struct vp_ovs *o, const char *bridge,
			  const char *port, const char *socket_path,
			  unsigned queues, const char *sandbox, unsigned index,
			  struct vp_err *err)
{
	_cleanup_free_ char *path =
	    vp_asprintf("options:vhost-server-path=%s", socket_path);
	_cleanup_free_ char *nrxq = vp_asprintf("options:n_rxq=%u", queues);
	_cleanup_free_ char *tag_sb =
	    vp_asprintf("external_ids:" VP_OVS_KEY_SANDBOX "=%s", sandbox);
	_cleanup_free_ char *tag_ix =
	    vp_asprintf("external_ids:" VP_OVS_KEY_INDEX "=%u", index);
	struct vp_exec_result res;
	int rc;

	if (path == NULL || nrxq == NULL || tag_sb == NULL || tag_ix == NULL)
		return vp_err_set(err, ENOMEM, "ovs add-port");
	/* ovs-vsctl's own quoting: values are passed as one argv element
	 * each and were allowlisted by the caller, so no ovs-vsctl syntax
	 * (":", "=", quotes) can be smuggled in.  The tags go on the Port
	 * row: it is what add-port creates and del-port deletes (with its
	 * Interface), and Interface external_ids are where a controller
	 * (OVN's iface-id, ...) keeps its own keys. */
	const char *args[] = {
	    "add-port", bridge, port,	     tag_sb, tag_ix,
	    "--",	"set",	"Interface", port,   "type=dpdkvhostuserclient",
	    path,	nrxq,	NULL};
	rc = vsctl(o, args, &res, err);
	/* ovs-vsctl refuses a taken name before its transaction: "cannot
	 * create a port named X because a port (an interface) named X
	 * already exists on bridge Y" */
	if (rc < 0 && res.status != 0 && res.errout != NULL &&
	    strstr(res.errout, "already exists") != NULL)
		err->errnum = EEXIST;
	vp_exec_result_free(&res);
	if (rc < 0)
		return vp_err_wrap(err, "add port `%s` to bridge `%s`", port,
				   bridge);
	return 0;
}

int vp_ovs_del_port(const struct vp_ovs *o, const char *bridge,
		    const char *port, struct vp_err *err)
{
	const char *args[] = {"--if-exists", "del-port", bridge, port, NULL};
	struct vp_exec_result res;
	int rc = vsctl(o, args, &res, err);

	vp_exec_result_free(&res);
	if (rc < 0)
		return vp_err_wrap(err, "delete port `%s` from bridge `%s`",
				   port, bridge);
	return 0;
}

void vp_ovs_ports_free(struct vp_ovs_port *rows, size_t n)
{
	for (size_t i = 0; rows != NULL && i < n; i++) {
		free(rows[i].name);
		free(rows[i].sandbox);
	}
	free(rows);
}

static int column(const struct vp_json *headings, const char *name)
{
	for (size_t i = 0; i < headings->u.arr.n; i++) {
		const struct vp_json *h = headings->u.arr.items[i];

		if (h->type == VP_JSON_STRING && strcmp(h->u.str.s, name) == 0)
			return (int)i;
	}
	return -1;
}

/* One row: [name, ["map", [[key, value], ...]]] in `--format=json`. */
static int parse_row(const struct vp_json *row, int c_name, int c_ids,
		     struct vp_ovs_port *p, struct vp_err *err)
{
	const struct vp_json *name, *ids, *pairs;

	p->index = -1;
	if (row->type != VP_JSON_ARRAY || row->u.arr.n <= (size_t)c_name ||
	    row->u.arr.n <= (size_t)c_ids)
		return vp_err_set(err, 0, "ovs-vsctl list: malformed row");
	name = row->u.arr.items[c_name];
	ids = row->u.arr.items[c_ids];
	if (name->type != VP_JSON_STRING || ids->type != VP_JSON_ARRAY ||
	    ids->u.arr.n != 2 || ids->u.arr.items[1]->type != VP_JSON_ARRAY)
		return vp_err_set(err, 0, "ovs-vsctl list: malformed row");
	p->name = strdup(name->u.str.s);
	if (p->name == NULL)
		return vp_err_set(err, ENOMEM, "ovs-vsctl list");
	pairs = ids->u.arr.items[1];
	for (size_t i = 0; i < pairs->u.arr.n; i++) {
		const struct vp_json *kv = pairs->u.arr.items[i];
		const char *k, *v;

		if (kv->type != VP_JSON_ARRAY || kv->u.arr.n != 2 ||
		    kv->u.arr.items[0]->type != VP_JSON_STRING ||
		    kv->u.arr.items[1]->type != VP_JSON_STRING)
			continue;
		k = kv->u.arr.items[0]->u.str.s;
		v = kv->u.arr.items[1]->u.str.s;
		if (strcmp(k, VP_OVS_KEY_SANDBOX) == 0) {
			p->sandbox = strdup(v);
			if (p->sandbox == NULL)
				return vp_err_set(err, ENOMEM,
						  "ovs-vsctl list");
		} else if (strcmp(k, VP_OVS_KEY_INDEX) == 0 && v[0] >= '0' &&
			   v[0] <= '9' && strlen(v) <= 4 &&
			   strspn(v, "0123456789") == strlen(v)) {
			p->index = strtol(v, NULL, 10);
		}
	}
	return 0;
}

static int parse_list(const char *out, struct vp_ovs_port **rows, size_t *n,
		      struct vp_err *err)
{
	_cleanup_json_ struct vp_json *root = NULL;
	const struct vp_json *headings, *data;
	int c_name, c_ids;

	if (vp_json_parse(out, strlen(out), &root, err) < 0)
		return vp_err_wrap(err, "ovs-vsctl list output");
	headings = vp_json_get(root, "headings");
	data = vp_json_get(root, "data");
	if (headings == NULL || headings->type != VP_JSON_ARRAY ||
	    data == NULL || data->type != VP_JSON_ARRAY)
		return vp_err_set(err, 0, "ovs-vsctl list: no headings/data");
	c_name = column(headings, "name");
	c_ids = column(headings, "external_ids");
	if (c_name < 0 || c_ids < 0)
		return vp_err_set(err, 0, "ovs-vsctl list: columns missing");
	for (size_t i = 0; i < data->u.arr.n; i++) {
		struct vp_ovs_port *nr =
		    realloc(*rows, (*n + 1) * sizeof(**rows));

		if (nr == NULL)
			return vp_err_set(err, ENOMEM, "ovs-vsctl list");
		*rows = nr;
		memset(&nr[*n], 0, sizeof(nr[*n]));
		(*n)++;
		if (parse_row(data->u.arr.items[i], c_name, c_ids, &nr[*n - 1],
			      err) < 0)
			return -1;
	}
	return 0;
}

int vp_ovs_list_ports(const struct vp_ovs *o, const char *const names[],
		      size_t n, struct vp_ovs_port **rows, size_t *n_rows,
		      struct vp_err *err)
{
	enum { BATCH = 16 };
	struct vp_ovs_port *v = NULL;
	size_t nv = 0;

	for (size_t at = 0; at < n; at += BATCH) {
		const char *args[8 + BATCH] = {
		    "--format=json", "--",
		    "--if-exists",   "--columns=name,external_ids",
		    "list",	     "Port"};
		size_t k = 6;
		struct vp_exec_result res;
		int rc;

		for (size_t i = at; i < n && i < at + BATCH; i++)
			args[k++] = names[i];
		args[k] = NULL;
		rc = vsctl(o, args, &res, err);
		if (rc == 0)
			rc = parse_list(res.out, &v, &nv, err);
		vp_exec_result_free(&res);
		if (rc < 0) {
			vp_ovs_ports_free(v, nv);
			return vp_err_wrap(err, "look up ports");
		}
	}
	*rows = v;
	*n_rows = nv;
	return 0;
}

/* "vp" + 10 hex digits + "n" + the index: ports of records written before
 * ports were tagged. */
static bool untagged_scheme(const char *name)
{
	size_t n = strlen(name);

	return (n == 14 || n == 15) && strncmp(name, "vp", 2) == 0 &&
	       strspn(name + 2, "0123456789abcdef") == 10 && name[12] == 'n' &&
	       strspn(name + 13, "0123456789") == n - 13;
}

enum vp_ovs_owner vp_ovs_owner(const struct vp_ovs_port *rows, size_t n,
			       const char *name, const char *sandbox,
			       unsigned index, const struct vp_ovs_port **row)
{
	*row = NULL;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(rows[i].name, name) != 0)
			continue;
		*row = &rows[i];
		if (rows[i].sandbox == NULL)
			return untagged_scheme(name) ? VP_OVS_OURS
						     : VP_OVS_FOREIGN;
		return strcmp(rows[i].sandbox, sandbox) == 0 &&
			       rows[i].index == (long)index
			   ? VP_OVS_OURS
			   : VP_OVS_FOREIGN;
	}
	return VP_OVS_ABSENT;
}
