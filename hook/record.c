/* record.c - the per-sandbox record/journal (see record.h).
 *
 *   {"version":1,"sandbox":"<id>","container":"<id>","created":<unix s>,
 *    "owner_pid":<pid>,"owner_start":<ticks>,"complete":false,
 *    "resources":[{"kind":"ovs-port","state":"pending","index":0,
 *                  "network":"chain","ovsdb":"unix:...","bridge":"br",
 *                  "port":"vp...n0","socket":"/run/.../vp...n0.sock"},
 *                 {"kind":"devlist","state":"created","index":0,
 *                  "path":"/run/vnfplug/sandboxes/<id>/devices.json"}]}
 *
 * Values read back are checked with the same allowlists as on the way in:
 * they are used to build ovs-vsctl argvs and paths at undo time. */
#include "record.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "fileio.h"
#include "json.h"
#include "validate.h"
#include "rundir.h"

static const char *const kind_names[] = {
    "ovs-port", "devlist", "vf-claim", "vf-config", "vfio-bind", "netns-move"};
/* "dddd:bb:dd.f" + space, room to spare */
#define VP_PCI_LINE_MAX 32
#define N_KINDS (sizeof(kind_names) / sizeof(kind_names[0]))
static const char *const state_names[] = {"pending", "created", "not-created"};
#define N_STATES (sizeof(state_names) / sizeof(state_names[0]))

const char *vp_res_state_name(enum vp_res_state s)
{
	return (size_t)s < N_STATES ? state_names[s] : "unknown";
}

void vp_resource_free(struct vp_resource *r)
{
	free(r->network);
	free(r->ovsdb);
	free(r->bridge);
	free(r->port);
	free(r->socket);
	free(r->path);
	free(r->pf);
	free(r->pf_pci);
	free(r->pf_ifname);
	free(r->vf_pci);
	free(r->mode);
	free(r->orig_driver);
	free(r->ns_ifname);
	free(r->ns_path);
	memset(r, 0, sizeof(*r));
}

void vp_record_free(struct vp_record *rec)
{
	for (size_t i = 0; i < rec->n_res; i++)
		vp_resource_free(&rec->res[i]);
	free(rec->res);
	free(rec->sandbox);
	free(rec->container);
	memset(rec, 0, sizeof(*rec));
}

static int dup_opt(char **dst, const char *src)
{
	if (src == NULL) {
		*dst = NULL;
		return 0;
	}
	*dst = strdup(src);
	return *dst == NULL ? -1 : 0;
}

int vp_record_add(struct vp_record *rec, const struct vp_resource *r,
		  struct vp_err *err)
{
	struct vp_resource *nres, c = {0};

	nres = realloc(rec->res, (rec->n_res + 1) * sizeof(*nres));
	if (nres == NULL)
		return vp_err_set(err, ENOMEM, "record");
	rec->res = nres;
	c = *r;
	c.network = c.ovsdb = c.bridge = c.port = c.socket = c.path = NULL;
	c.pf = c.pf_pci = c.pf_ifname = c.vf_pci = c.mode = NULL;
	c.orig_driver = c.ns_ifname = c.ns_path = NULL;
	if (dup_opt(&c.network, r->network) < 0 ||
	    dup_opt(&c.ovsdb, r->ovsdb) < 0 ||
	    dup_opt(&c.bridge, r->bridge) < 0 ||
	    dup_opt(&c.port, r->port) < 0 ||
	    dup_opt(&c.socket, r->socket) < 0 ||
	    dup_opt(&c.path, r->path) < 0 || dup_opt(&c.pf, r->pf) < 0 ||
	    dup_opt(&c.pf_pci, r->pf_pci) < 0 ||
	    dup_opt(&c.pf_ifname, r->pf_ifname) < 0 ||
	    dup_opt(&c.vf_pci, r->vf_pci) < 0 ||
	    dup_opt(&c.mode, r->mode) < 0 ||
	    dup_opt(&c.orig_driver, r->orig_driver) < 0 ||
	    dup_opt(&c.ns_ifname, r->ns_ifname) < 0 ||
	    dup_opt(&c.ns_path, r->ns_path) < 0) {
		vp_resource_free(&c);
		return vp_err_set(err, ENOMEM, "record");
	}
	rec->res[rec->n_res] = c;
	return (int)rec->n_res++;
}

/* ---- parsing ---- */

/* kind and state by name; the messages are the record's own ("unknown
 * kind `x`"), so this is a lookup after the typed getter. */
static int get_name(const struct vp_json *o, const char *key,
		    const char *const names[], size_t n, int *out,
		    struct vp_err *err)
{
	char buf[VP_PRINTABLE_MAX];
	const char *s;

	if (vp_json_member_str(o, NULL, key, VP_JSON_REQUIRED, &s, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	}
	return vp_err_set(err, 0, "unknown %s `%s`", key,
			  vp_printable(s, buf, sizeof(buf)));
}

static int get_mac(const struct vp_json *o, const char *prefix, const char *key,
		   uint8_t mac[6], struct vp_err *err)
{
	const char *s;

	if (vp_json_member_str(o, prefix, key, VP_JSON_REQUIRED, &s, err) < 0)
		return -1;
	if (vp_mac_parse(s, mac) < 0)
		return vp_err_set(err, 0, "%s.%s: must be a MAC address",
				  prefix, key);
	return 0;
}

static int parse_vf_config(const struct vp_json *o, struct vp_vf_config *c,
			   struct vp_err *err)
{
	const char *p = "orig_vf";
	unsigned proto = 0, link = 0;

	if (vp_json_expect(o, VP_JSON_OBJECT, p, err) < 0 ||
	    vp_json_member_uint(o, p, "fields", 0, 0, 63, &c->fields, err) <
		0 ||
	    get_mac(o, p, "mac", c->mac, err) < 0 ||
	    vp_json_member_bool(o, p, "spoofchk", VP_JSON_REQUIRED,
				&c->spoofchk, err) < 0 ||
	    vp_json_member_bool(o, p, "trust", VP_JSON_REQUIRED, &c->trust,
				err) < 0 ||
	    vp_json_member_uint(o, p, "vlan", 0, 0, 4095, &c->vlan, err) < 0 ||
	    vp_json_member_uint(o, p, "qos", 0, 0, 7, &c->qos, err) < 0 ||
	    vp_json_member_uint(o, p, "vlan_proto", 0, 0, 0xffff, &proto, err) <
		0 ||
	    vp_json_member_uint(o, p, "min_tx_rate", 0, 0, UINT_MAX,
				&c->min_tx_rate, err) < 0 ||
	    vp_json_member_uint(o, p, "max_tx_rate", 0, 0, UINT_MAX,
				&c->max_tx_rate, err) < 0 ||
	    vp_json_member_uint(o, p, "link_state", 0, 0, 2, &link, err) < 0)
		return -1;
	c->vlan_proto = (uint16_t)proto;
	c->link_state = (enum vp_vf_link_state)link;
	return 0;
}

static int parse_link(const struct vp_json *o, struct vp_link *l,
		      struct vp_err *err)
{
	const char *p = "orig_link", *ifname;
	long long ifindex = 0;

	if (vp_json_expect(o, VP_JSON_OBJECT, p, err) < 0 ||
	    vp_json_member_str(o, p, "ifname", VP_JSON_REQUIRED, &ifname, err) <
		0)
		return -1;
	if (!vp_valid_ifname(ifname))
		return vp_err_set(err, 0,
				  "`orig_link.ifname` fails validation");
	memcpy(l->ifname, ifname, strlen(ifname) + 1);
	if (vp_json_member_int(o, p, "ifindex", 0, 0, INT_MAX, &ifindex, err) <
		0 ||
	    vp_json_member_uint(o, p, "mtu", 0, 0, 1U << 20, &l->mtu, err) <
		0 ||
	    get_mac(o, p, "mac", l->mac, err) < 0 ||
	    vp_json_member_bool(o, p, "up", VP_JSON_REQUIRED, &l->up, err) < 0)
		return -1;
	l->ifindex = (int)ifindex;
	return 0;
}

static int parse_vf_resource(const struct vp_json *o, struct vp_resource *r,
			     struct vp_err *err)
{
	long long ino = 0, ifindex = 0, pid = 0;

	if (vp_json_member_strdup(o, NULL, "vf_pci", VP_JSON_REQUIRED,
				  &r->vf_pci, err) < 0 ||
	    vp_json_member_strdup(o, NULL, "pf", 0, &r->pf, err) < 0 ||
	    vp_json_member_strdup(o, NULL, "pf_pci", 0, &r->pf_pci, err) < 0 ||
	    vp_json_member_strdup(o, NULL, "pf_ifname", 0, &r->pf_ifname, err) <
		0 ||
	    vp_json_member_strdup(o, NULL, "mode", 0, &r->mode, err) < 0 ||
	    vp_json_member_strdup(o, NULL, "orig_driver", 0, &r->orig_driver,
				  err) < 0 ||
	    vp_json_member_strdup(o, NULL, "ns_ifname", 0, &r->ns_ifname, err) <
		0 ||
	    vp_json_member_strdup(o, NULL, "ns_path", 0, &r->ns_path, err) < 0)
		return -1;
	if (r->ns_path != NULL && !vp_valid_abs_path(r->ns_path))
		return vp_err_set(err, 0, "`ns_path` fails validation");
	if (vp_json_member_int(o, NULL, "ns_ino", 0, 0, LLONG_MAX, &ino, err) <
		0 ||
	    vp_json_member_int(o, NULL, "ns_ifindex", 0, 0, INT_MAX, &ifindex,
			       err) < 0 ||
	    vp_json_member_uint(o, NULL, "vf_index", 0, 0, 65535, &r->vf_index,
				err) < 0 ||
	    vp_json_member_int(o, NULL, "ns_pid", 0, 0, 1 << 30, &pid, err) < 0)
		return -1;
	r->ns_ino = (unsigned long long)ino;
	r->ns_ifindex = (int)ifindex;
	r->ns_pid = (int)pid;
	/* these reach sysfs paths and netlink requests at undo time */
	if (!vp_valid_pci_addr(r->vf_pci) ||
	    (r->pf_pci && r->pf_pci[0] && !vp_valid_pci_addr(r->pf_pci)) ||
	    (r->pf_ifname && r->pf_ifname[0] &&
	     !vp_valid_ifname(r->pf_ifname)) ||
	    (r->ns_ifname && r->ns_ifname[0] &&
	     !vp_valid_ifname(r->ns_ifname)) ||
	    (r->orig_driver && r->orig_driver[0] &&
	     !vp_valid_ovs_name(r->orig_driver) &&
	     strspn(r->orig_driver, "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
		 strlen(r->orig_driver)))
		return vp_err_set(err, 0, "VF fields fail validation");
	if (r->kind == VP_RES_VF_CONFIG &&
	    parse_vf_config(vp_json_get(o, "orig_vf"), &r->orig_vf, err) < 0)
		return -1;
	if (r->kind == VP_RES_NETNS_MOVE &&
	    parse_link(vp_json_get(o, "orig_link"), &r->orig_link, err) < 0)
		return -1;
	return 0;
}

static int parse_resource(const struct vp_json *o, struct vp_resource *r,
			  struct vp_err *err)
{
	const unsigned req = VP_JSON_REQUIRED;
	int kind = 0, state = 0;

	if (o->type != VP_JSON_OBJECT)
		return vp_err_set(err, 0, "must be an object");
	if (get_name(o, "kind", kind_names, N_KINDS, &kind, err) < 0 ||
	    get_name(o, "state", state_names, N_STATES, &state, err) < 0 ||
	    vp_json_member_uint(o, NULL, "index", 0, 0, 1000, &r->index, err) <
		0)
		return -1;
	r->kind = (enum vp_res_kind)kind;
	r->state = (enum vp_res_state)state;
	if (vp_json_member_strdup(o, NULL, "network", 0, &r->network, err) < 0)
		return -1;
	switch (r->kind) {
	case VP_RES_OVS_PORT:
		if (vp_json_member_strdup(o, NULL, "ovsdb", req, &r->ovsdb,
					  err) < 0 ||
		    vp_json_member_strdup(o, NULL, "bridge", req, &r->bridge,
					  err) < 0 ||
		    vp_json_member_strdup(o, NULL, "port", req, &r->port, err) <
			0 ||
		    vp_json_member_strdup(o, NULL, "socket", req, &r->socket,
					  err) < 0)
			return -1;
		if (strncmp(r->ovsdb, "unix:", 5) != 0 ||
		    !vp_valid_abs_path(r->ovsdb + 5) ||
		    !vp_valid_ovs_name(r->bridge) ||
		    !vp_valid_ovs_name(r->port) ||
		    !vp_valid_abs_path(r->socket))
			return vp_err_set(err, 0,
					  "ovs-port fields fail validation");
		break;
	case VP_RES_DEVLIST:
		if (vp_json_member_strdup(o, NULL, "path", req, &r->path, err) <
		    0)
			return -1;
		if (!vp_valid_abs_path(r->path))
			return vp_err_set(err, 0,
					  "devlist path fails validation");
		break;
	case VP_RES_VF_CLAIM:
	case VP_RES_VF_CONFIG:
	case VP_RES_VFIO_BIND:
	case VP_RES_NETNS_MOVE:
		return parse_vf_resource(o, r, err);
	}
	return 0;
}

int vp_record_parse(const char *buf, size_t len, struct vp_record *rec,
		    struct vp_err *err)
{
	_cleanup_json_ struct vp_json *root = NULL;
	const struct vp_json *arr;
	long long version = 0, pid = 0, start = 0;

	memset(rec, 0, sizeof(*rec));
	if (vp_json_parse(buf, len, &root, err) < 0)
		return -1;
	if (root->type != VP_JSON_OBJECT)
		return vp_err_set(err, 0, "record must be a JSON object");
	if (vp_json_member_int(root, NULL, "version", 0, 0, 1000, &version,
			       err) < 0)
		return -1;
	if (version != VP_RECORD_VERSION)
		return vp_err_set(err, 0, "record version %lld, expected %d",
				  version, VP_RECORD_VERSION);
	/* the record's own wording for the one member it cannot do without */
	if (vp_json_get(root, "sandbox") == NULL)
		return vp_err_set(err, 0, "missing `sandbox`");
	if (vp_json_member_strdup(root, NULL, "sandbox", VP_JSON_REQUIRED,
				  &rec->sandbox, err) < 0 ||
	    vp_json_member_strdup(root, NULL, "container", 0, &rec->container,
				  err) < 0)
		goto fail;
	if (!vp_valid_sandbox_id(rec->sandbox)) {
		vp_err_set(err, 0, "invalid sandbox id");
		goto fail;
	}
	if (vp_json_member_int(root, NULL, "created", 0, 0, 1LL << 62,
			       &rec->created, err) < 0 ||
	    vp_json_member_int(root, NULL, "owner_pid", 0, 0, 1 << 30, &pid,
			       err) < 0 ||
	    vp_json_member_int(root, NULL, "owner_start", 0, 0, 1LL << 62,
			       &start, err) < 0 ||
	    vp_json_member_bool(root, NULL, "complete", 0, &rec->complete,
				err) < 0)
		goto fail;
	rec->owner_pid = (int)pid;
	rec->owner_start = (unsigned long long)start;
	arr = vp_json_get(root, "resources");
	if (arr == NULL || arr->type != VP_JSON_ARRAY) {
		vp_err_set(err, 0, "`resources` must be an array");
		goto fail;
	}
	for (size_t i = 0; i < arr->u.arr.n; i++) {
		struct vp_resource r = {0};

		if (parse_resource(arr->u.arr.items[i], &r, err) < 0 ||
		    vp_record_add(rec, &r, err) < 0) {
			vp_resource_free(&r);
			vp_err_wrap(err, "resources[%zu]", i);
			goto fail;
		}
		vp_resource_free(&r);
	}
	return 0;
fail:
	vp_record_free(rec);
	return -1;
}

/* ---- writing ---- */

static void put_str(struct vp_jw *w, const char *key, const char *v)
{
	if (v == NULL)
		return;
	vp_jw_key(w, key);
	vp_jw_str(w, v);
}

static void put_mac(struct vp_jw *w, const char *key, const uint8_t mac[6])
{
	char m[18];

	vp_mac_format(mac, m);
	put_str(w, key, m);
}

static void put_int(struct vp_jw *w, const char *key, long long v)
{
	vp_jw_key(w, key);
	vp_jw_int(w, v);
}

static void put_bool(struct vp_jw *w, const char *key, bool v)
{
	vp_jw_key(w, key);
	vp_jw_bool(w, v);
}

static void put_vf(struct vp_jw *w, const struct vp_resource *r)
{
	put_str(w, "pf", r->pf);
	put_str(w, "pf_pci", r->pf_pci);
	put_str(w, "pf_ifname", r->pf_ifname);
	put_int(w, "vf_index", r->vf_index);
	put_str(w, "vf_pci", r->vf_pci);
	put_str(w, "mode", r->mode);
	put_str(w, "orig_driver", r->orig_driver);
	if (r->kind == VP_RES_VF_CONFIG) {
		const struct vp_vf_config *c = &r->orig_vf;

		vp_jw_key(w, "orig_vf");
		vp_jw_obj_open(w);
		put_int(w, "fields", c->fields);
		put_mac(w, "mac", c->mac);
		put_int(w, "vlan", c->vlan);
		put_int(w, "qos", c->qos);
		put_int(w, "vlan_proto", c->vlan_proto);
		put_bool(w, "spoofchk", c->spoofchk);
		put_bool(w, "trust", c->trust);
		put_int(w, "min_tx_rate", c->min_tx_rate);
		put_int(w, "max_tx_rate", c->max_tx_rate);
		put_int(w, "link_state", c->link_state);
		vp_jw_obj_close(w);
	}
	if (r->kind == VP_RES_NETNS_MOVE) {
		const struct vp_link *l = &r->orig_link;

		put_str(w, "ns_ifname", r->ns_ifname);
		put_int(w, "ns_pid", r->ns_pid);
		put_int(w, "ns_ino", (long long)r->ns_ino);
		put_str(w, "ns_path", r->ns_path);
		put_int(w, "ns_ifindex", r->ns_ifindex);
		vp_jw_key(w, "orig_link");
		vp_jw_obj_open(w);
		put_str(w, "ifname", l->ifname);
		put_int(w, "ifindex", l->ifindex);
		put_mac(w, "mac", l->mac);
		put_int(w, "mtu", l->mtu);
		put_bool(w, "up", l->up);
		vp_jw_obj_close(w);
	}
}

int vp_record_serialize(const struct vp_record *rec, char **out, size_t *len,
			struct vp_err *err)
{
	struct vp_jw *w = vp_jw_new(true);
	int rc;

	if (w == NULL)
		return vp_err_set(err, ENOMEM, "record");
	vp_jw_obj_open(w);
	vp_jw_key(w, "version");
	vp_jw_int(w, VP_RECORD_VERSION);
	put_str(w, "sandbox", rec->sandbox);
	put_str(w, "container", rec->container);
	vp_jw_key(w, "created");
	vp_jw_int(w, rec->created);
	vp_jw_key(w, "owner_pid");
	vp_jw_int(w, rec->owner_pid);
	vp_jw_key(w, "owner_start");
	vp_jw_int(w, (long long)rec->owner_start);
	vp_jw_key(w, "complete");
	vp_jw_bool(w, rec->complete);
	vp_jw_key(w, "resources");
	vp_jw_arr_open(w);
	for (size_t i = 0; i < rec->n_res; i++) {
		const struct vp_resource *r = &rec->res[i];

		vp_jw_obj_open(w);
		put_str(w, "kind", kind_names[r->kind]);
		put_str(w, "state", state_names[r->state]);
		vp_jw_key(w, "index");
		vp_jw_int(w, r->index);
		put_str(w, "network", r->network);
		put_str(w, "ovsdb", r->ovsdb);
		put_str(w, "bridge", r->bridge);
		put_str(w, "port", r->port);
		put_str(w, "socket", r->socket);
		put_str(w, "path", r->path);
		if (r->kind >= VP_RES_VF_CLAIM)
			put_vf(w, r);
		vp_jw_obj_close(w);
	}
	vp_jw_arr_close(w);
	vp_jw_obj_close(w);
	rc = vp_jw_finish(w, out, len, err);
	vp_jw_free(w);
	return rc;
}

/* ---- store ---- */

int vp_record_load(const char *run_dir, const char *sandbox,
		   struct vp_record *rec, struct vp_err *err)
{
	_cleanup_free_ char *path =
	    vp_rundir_file(run_dir, sandbox, VP_RUNDIR_RECORD);
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int dfd = -1;
	size_t len;

	memset(rec, 0, sizeof(*rec));
	if (path == NULL)
		return vp_err_set(err, ENOMEM, "record");
	dfd = vp_rundir_sandbox_open(run_dir, sandbox, false, err);
	if (dfd < 0)
		return err->errnum == ENOENT ? 0 : -1;
	if (vp_read_trusted_at(dfd, VP_RUNDIR_RECORD, path, VP_FILE_MAX, &buf,
			       &len, err) < 0) {
		if (err->errnum == ENOENT)
			return 0;
		return -1;
	}
	if (vp_record_parse(buf, len, rec, err) < 0)
		return vp_err_wrap(err, "corrupt record `%s`", path);
	if (strcmp(rec->sandbox, sandbox) != 0) {
		vp_record_free(rec);
		return vp_err_set(err, 0, "record `%s` names another sandbox",
				  path);
	}
	return 1;
}

/* ---- the claims index ----
 *
 * <run_dir>/claims lists "<vf pci> <sandbox>" a line for every VF a
 * record claims, so an allocation reads one small file instead of every
 * record.  It is always a superset of the records' claims: a sandbox's
 * lines grow before its record is saved and shrink after the record is
 * saved or removed; a crash in between leaves a VF claimed a little
 * longer (until gc or the next save of that sandbox), never handed out
 * twice.  Callers hold the lock, as for the records. */

static char *claims_index_path(const char *run_dir)
{
	return vp_asprintf("%s/claims", run_dir);
}

static bool record_claims_pci(const struct vp_record *rec, const char *pci)
{
	for (size_t i = 0; i < rec->n_res; i++)
		if (rec->res[i].kind == VP_RES_VF_CLAIM &&
		    rec->res[i].vf_pci != NULL &&
		    strcmp(rec->res[i].vf_pci, pci) == 0)
			return true;
	return false;
}

/* Rewrite the index for `sandbox`: its lines become the record's claims
 * (rec NULL: none), plus, when `grow`, the lines it had. */
static int claims_index_update(int rfd, const char *run_dir,
			       const char *sandbox, const struct vp_record *rec,
			       bool grow, struct vp_err *err)
{
	_cleanup_free_ char *path = claims_index_path(run_dir);
	_cleanup_free_ char *old = NULL;
	_cleanup_free_ char *out = NULL;
	struct vp_err e;
	size_t len = 0, cap, used = 0;
	bool changed = false;

	if (path == NULL)
		return vp_err_set(err, ENOMEM, "claims index");
	if (vp_read_trusted_at(rfd, "claims", path, VP_FILE_MAX, &old, &len,
			       &e) < 0) {
		if (e.errnum != ENOENT) {
			*err = e;
			return -1;
		}
		old = strdup("");
		len = 0;
		if (old == NULL)
			return vp_err_set(err, ENOMEM, "claims index");
	}
	cap = len + (rec ? rec->n_res : 0) * (VP_PCI_LINE_MAX) + 1;
	out = malloc(cap);
	if (out == NULL)
		return vp_err_set(err, ENOMEM, "claims index");
	out[0] = '\0';
	/* other sandboxes' lines as they are; ours only if still claimed
	 * (or growing) */
	for (char *line = old, *nl; *line != '\0'; line = nl + 1) {
		char *sp;

		nl = strchr(line, '\n');
		if (nl == NULL)
			break;
		*nl = '\0';
		sp = strchr(line, ' ');
		if (sp != NULL && strcmp(sp + 1, sandbox) == 0) {
			*sp = '\0';
			if (!grow &&
			    (rec == NULL || !record_claims_pci(rec, line))) {
				changed = true;
				continue;
			}
			*sp = ' ';
		}
		used += (size_t)sprintf(out + used, "%s\n", line);
	}
	for (size_t i = 0; rec != NULL && i < rec->n_res; i++) {
		const char *pci = rec->res[i].vf_pci;
		char want[VP_PCI_LINE_MAX + 130];

		if (rec->res[i].kind != VP_RES_VF_CLAIM || pci == NULL ||
		    !vp_valid_pci_addr(pci))
			continue;
		snprintf(want, sizeof(want), "%s %s\n", pci, sandbox);
		if (strstr(out, want) == out || (strstr(out, want) != NULL &&
						 strstr(out, want)[-1] == '\n'))
			continue;
		out = realloc(out, used + strlen(want) + 1);
		if (out == NULL)
			return vp_err_set(err, ENOMEM, "claims index");
		used += (size_t)sprintf(out + used, "%s", want);
		changed = true;
	}
	if (!changed)
		return 0;
	return vp_write_file_atomic_at(rfd, "claims", path, out, used, 0600,
				       err);
}

int vp_record_save(const char *run_dir, const struct vp_record *rec,
		   struct vp_err *err)
{
	_cleanup_free_ char *path =
	    vp_rundir_file(run_dir, rec->sandbox, VP_RUNDIR_RECORD);
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int rfd = -1;
	_cleanup_close_ int dfd = -1;
	size_t len;

	if (path == NULL)
		return vp_err_set(err, ENOMEM, "record");
	if (vp_rundir_sandbox_dirs(run_dir, rec->sandbox, true, &rfd, &dfd,
				   err) < 0)
		return -1;
	if (vp_record_serialize(rec, &buf, &len, err) < 0)
		return -1;
	if (claims_index_update(rfd, run_dir, rec->sandbox, rec, true, err) <
		0 ||
	    vp_write_file_atomic_at(dfd, VP_RUNDIR_RECORD, path, buf, len, 0600,
				    err) < 0 ||
	    claims_index_update(rfd, run_dir, rec->sandbox, rec, false, err) <
		0)
		return -1;
	return 0;
}

int vp_record_claims(const char *run_dir, char ***pcis, size_t *n,
		     struct vp_err *err)
{
	_cleanup_free_ char *path = claims_index_path(run_dir);
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int rfd = -1;
	char **v;
	size_t cnt = 0, len;
	struct vp_err e;

	*pcis = NULL;
	*n = 0;
	if (path == NULL)
		return vp_err_set(err, ENOMEM, "claims");
	v = calloc(1, sizeof(*v));
	if (v == NULL)
		return vp_err_set(err, ENOMEM, "claims");
	rfd = vp_dir_open_trusted(run_dir, &e);
	if (rfd < 0 || vp_read_trusted_at(rfd, "claims", path, VP_FILE_MAX,
					  &text, &len, &e) < 0) {
		if (e.errnum == ENOENT) {
			*pcis = v;
			return 0;
		}
		free(v);
		*err = e;
		return -1;
	}
	for (char *line = strtok(text, "\n"); line != NULL;
	     line = strtok(NULL, "\n")) {
		char *sp = strchr(line, ' ');
		char **nv;

		if (sp != NULL)
			*sp = '\0';
		if (!vp_valid_pci_addr(line))
			continue;
		nv = realloc(v, (cnt + 2) * sizeof(*v));
		if (nv == NULL)
			goto oom;
		v = nv;
		v[cnt] = strdup(line);
		if (v[cnt] == NULL)
			goto oom;
		v[++cnt] = NULL;
	}
	*pcis = v;
	*n = cnt;
	return 0;
oom:
	vp_strvfreep(&v);
	return vp_err_set(err, ENOMEM, "claims");
}

int vp_record_remove(const char *run_dir, const char *sandbox,
		     struct vp_err *err)
{
	_cleanup_free_ char *sdir = vp_asprintf("%s/sandboxes", run_dir);
	_cleanup_free_ char *dir = vp_rundir_sandbox(run_dir, sandbox);
	_cleanup_free_ char *path =
	    vp_rundir_file(run_dir, sandbox, VP_RUNDIR_RECORD);
	_cleanup_close_ int rfd = -1;
	_cleanup_close_ int sfd = -1;
	_cleanup_close_ int dfd = -1;

	if (sdir == NULL || dir == NULL || path == NULL)
		return vp_err_set(err, ENOMEM, "record");
	if (!vp_valid_sandbox_id(sandbox))
		return vp_err_set(err, EINVAL, "record: invalid sandbox id");
	rfd = vp_dir_open_trusted(run_dir, err);
	if (rfd < 0) {
		if (err->errnum != ENOENT)
			return -1;
		vp_err_clear(err);
		return 0; /* no run_dir: no record, no claims */
	}
	sfd = vp_dir_openat(rfd, run_dir, "sandboxes", 0, err);
	if (sfd >= 0)
		dfd = vp_dir_openat(sfd, sdir, sandbox, 0, err);
	if (sfd < 0 || dfd < 0) {
		if (err->errnum != ENOENT)
			return -1;
		vp_err_clear(err);
	} else {
		if (unlinkat(dfd, VP_RUNDIR_RECORD, 0) < 0 && errno != ENOENT)
			return vp_err_set(err, errno, "unlink `%s`", path);
		if (vp_rm_rf_at(sfd, sandbox, err) < 0)
			return vp_err_wrap(err, "remove `%s`", dir);
	}
	/* the record is gone: its claims may go now, not before */
	return claims_index_update(rfd, run_dir, sandbox, NULL, false, err);
}

int vp_record_list(const char *run_dir, char ***ids, size_t *n,
		   struct vp_err *err)
{
	_cleanup_close_ int rfd = -1;
	_cleanup_close_ int sfd = -1;
	char **v = NULL;
	size_t cnt = 0;
	DIR *d;
	struct dirent *de;

	*ids = NULL;
	*n = 0;
	rfd = vp_dir_open_trusted(run_dir, err);
	if (rfd >= 0)
		sfd = vp_dir_openat(rfd, run_dir, "sandboxes", 0, err);
	if (sfd < 0) {
		if (err->errnum != ENOENT)
			return -1;
		vp_err_clear(err);
		return 0;
	}
	d = fdopendir(sfd);
	if (d == NULL)
		return vp_err_set(err, errno, "open `%s/sandboxes`", run_dir);
	sfd = -1; /* owned by d now */
	while ((de = readdir(d)) != NULL) {
		char **nv;

		if (!vp_valid_sandbox_id(de->d_name))
			continue;
		nv = realloc(v, (cnt + 2) * sizeof(*v));
		if (nv == NULL)
			goto oom;
		v = nv;
		v[cnt] = strdup(de->d_name);
		if (v[cnt] == NULL)
			goto oom;
		v[++cnt] = NULL;
	}
	closedir(d);
	*ids = v;
	*n = cnt;
	return 0;
oom:
	closedir(d);
	for (size_t i = 0; i < cnt; i++)
		free(v[i]);
	free(v);
	return vp_err_set(err, ENOMEM, "record list");
}
