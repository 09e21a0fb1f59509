/* backend.c - the OVS-DPDK backend (backend.h): a vhost-user port of type
 * dpdkvhostuserclient per request entry, on the network's bridge.
 *
 * Ownership: a port is deleted, and its socket unlinked, only when the
 * switch says it is this sandbox's (its Port's external_ids name this
 * sandbox and entry): port names can collide, and a pending entry may
 * name a port that another sandbox holds.  The check and the delete both
 * happen under the run_dir lock, which every caller holds and without
 * which vnfplug creates no port, so no port can change hands in between.
 */
#include "backend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "ovs.h"
#include "validate.h"

/* Entry index is the last character of a port name. */
_Static_assert(VP_REQUEST_MAX <= VP_OVS_NAME_INDEX_MAX,
	       "port names tell request entries apart by one hex digit");

/* What prestart creates for one entry: first-choice names from plan, a
 * later choice once create found a name taken. */
struct ovs_plan {
	char port[16];
	char socket[VP_SUN_PATH_MAX + 1];
	int res; /* its journal entry */
};

static bool ovs_owns(enum vp_res_kind kind)
{
	return kind == VP_RES_OVS_PORT;
}

/* The socket is named after the port: a name that is free on the switch
 * gets a socket path no port of ours uses. */
static int port_socket(const struct vp_vhost_net *v, struct ovs_plan *p,
		       struct vp_err *err)
{
	char name[32];

	snprintf(name, sizeof(name), "%.15s.sock", p->port);
	return vp_socket_path(v->socket_dir, name, p->socket, sizeof(p->socket),
			      err);
}

/* Every choice of name has the same length, so a later one fits wherever
 * the first did. */
static int ovs_plan(struct vp_backend_ctx *c, struct vp_entry *e,
		    struct vp_err *err)
{
	struct ovs_plan *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return vp_err_set(err, ENOMEM, "prestart");
	e->plan = p;
	p->res = -1;
	vp_ovs_port_name(c->sandbox, e->index, 0, p->port);
	if (port_socket(&e->it->net->vhost, p, err) < 0)
		return vp_err_wrap(err, "%s[%u]", VP_ANNOTATION_NETWORKS,
				   e->index);
	return 0;
}

static int ovs_journal(struct vp_backend_ctx *c, struct vp_entry *e,
		       struct vp_err *err)
{
	struct ovs_plan *p = e->plan;
	const struct vp_vhost_net *v = &e->it->net->vhost;
	struct vp_resource r = {
	    .kind = VP_RES_OVS_PORT,
	    .state = VP_RES_PENDING,
	    .index = e->index,
	    .network = e->it->network,
	    .ovsdb = v->ovsdb,
	    .bridge = v->bridge,
	    .port = p->port,
	    .socket = p->socket,
	};

	p->res = vp_record_add(c->rec, &r, err);
	return p->res < 0 ? -1 : 0;
}

/* A name is taken when the switch has a port or interface of that name
 * (another sandbox's, the admin's, or ours from a record that was lost)
 * or its socket file exists (a port of that name on another switch
 * sharing the socket directory, once its QEMU runs).  A taken name is
 * never ours to create or to delete: the entry moves to the next choice,
 * journalled before it is tried, and after VP_OVS_NAME_TRIES it is marked
 * "not-created" so nothing undoes it. */
static int add_port(struct vp_backend_ctx *c, struct vp_ovs *o,
		    const struct vp_entry *e, struct ovs_plan *p,
		    struct vp_err *err)
{
	const struct vp_request_item *it = e->it;
	const struct vp_vhost_net *v = &it->net->vhost;
	struct vp_resource *r = &c->rec->res[p->res];

	for (unsigned attempt = 0;;) {
		const char *why = "its socket file exists";
		struct stat sb;

		if (lstat(p->socket, &sb) < 0) {
			if (vp_budget(c->end, c->cfg->timeout_ms, it->network,
				      &o->timeout_ms, err) < 0)
				return -1;
			if (vp_ovs_add_vhost_port(
				o, v->bridge, p->port, p->socket, it->queues,
				c->sandbox, e->index, err) == 0)
				return 0;
			if (err->errnum != EEXIST)
				return -1;
			why = "a port or interface of that name exists";
		}
		if (++attempt == VP_OVS_NAME_TRIES) {
			r->state = VP_RES_NOT_CREATED;
			return vp_err_set(err, EEXIST,
					  "no free port name after %u tries "
					  "(the last, `%s`: %s)",
					  attempt, p->port, why);
		}
		vp_log_warn("port name %s is taken (%s); trying the next "
			    "choice",
			    p->port, why);
		vp_ovs_port_name(c->sandbox, e->index, attempt, p->port);
		if (port_socket(v, p, err) < 0)
			return -1;
		free(r->port);
		free(r->socket);
		r->port = strdup(p->port);
		r->socket = strdup(p->socket);
		if (r->port == NULL || r->socket == NULL)
			return vp_err_set(err, ENOMEM, "prestart");
		if (vp_record_save(c->cfg->run_dir, c->rec, err) < 0)
			return -1;
	}
}

/* No separate bridge check: one ovs-vsctl run per port keeps prestart
 * near the cost of a bare add-port, and add-port's own "no bridge named
 * X" is reported with the network's name. */
static int ovs_create(struct vp_backend_ctx *c, struct vp_entry *e,
		      struct vp_err *err)
{
	const struct vp_request_item *it = e->it;
	const struct vp_vhost_net *v = &it->net->vhost;
	struct ovs_plan *p = e->plan;
	struct vp_ovs o = {.vsctl = c->cfg->ovs_vsctl,
			   .db = v->ovsdb,
			   .timeout_ms = c->timeout_ms};
	char mac[18];

	if (vp_mkdir_p(v->socket_dir, 0755, err) < 0)
		return -1;
	if (add_port(c, &o, e, p, err) < 0)
		return vp_err_wrap(err, "network `%s`", it->network);
	vp_fault_point("port-added");
	c->rec->res[p->res].state = VP_RES_CREATED;
	vp_mac_format(it->mac, mac);
	vp_log_info("network %s: port %s on bridge %s (ovs-dpdk), "
		    "socket %s, mac %s, queues %u, ifname %s",
		    it->network, p->port, v->bridge, p->socket, mac, it->queues,
		    it->ifname);
	return 0;
}

static int ovs_deliver(const struct vp_backend_ctx *c, const struct vp_entry *e,
		       struct vp_guest_dev *dev, struct vp_err *err)
{
	const struct ovs_plan *p = e->plan;

	(void)c;
	(void)err;
	*dev = (struct vp_guest_dev){.kind = VP_GUEST_VHOST_USER,
				     .index = e->index,
				     .socket_path = p->socket,
				     .queues = e->it->queues,
				     .vectors = e->it->net->vhost.vectors};
	memcpy(dev->mac, e->it->mac, sizeof(dev->mac));
	return 0;
}

/* The ports of one switch that the record names, looked up once (one
 * ovs-vsctl run) before the first of them is undone; kept in the
 * release's scratch. */
struct switch_ports {
	char *ovsdb;
	struct vp_ovs_port *rows;
	size_t n;
};

struct release {
	struct switch_ports *sw;
	size_t n_sw;
};

static void ovs_finish(struct vp_backend_ctx *c)
{
	struct release *rl = c->scratch[VP_NET_VHOST_USER];

	if (rl == NULL)
		return;
	for (size_t i = 0; i < rl->n_sw; i++) {
		free(rl->sw[i].ovsdb);
		vp_ovs_ports_free(rl->sw[i].rows, rl->sw[i].n);
	}
	free(rl->sw);
	free(rl);
}

static bool holds_port(const struct vp_resource *r)
{
	return r->kind == VP_RES_OVS_PORT && r->state != VP_RES_NOT_CREATED;
}

static const struct switch_ports *
switch_ports(struct vp_backend_ctx *c, const char *ovsdb, struct vp_err *err)
{
	const struct vp_record *rec = c->rec;
	struct vp_ovs o = {.vsctl = c->cfg->ovs_vsctl,
			   .db = ovsdb,
			   .timeout_ms = c->timeout_ms};
	struct release *rl = c->scratch[VP_NET_VHOST_USER];
	const char **names;
	struct switch_ports *nsw, s = {0};
	size_t n = 0;
	int rc;

	if (rl == NULL) {
		rl = calloc(1, sizeof(*rl));
		if (rl == NULL) {
			vp_err_set(err, ENOMEM, "release");
			return NULL;
		}
		c->scratch[VP_NET_VHOST_USER] = rl;
	}
	for (size_t i = 0; i < rl->n_sw; i++)
		if (strcmp(rl->sw[i].ovsdb, ovsdb) == 0)
			return &rl->sw[i];
	names = calloc(rec->n_res + 1, sizeof(*names));
	if (names == NULL) {
		vp_err_set(err, ENOMEM, "release");
		return NULL;
	}
	for (size_t i = 0; i < rec->n_res; i++)
		if (holds_port(&rec->res[i]) &&
		    strcmp(rec->res[i].ovsdb, ovsdb) == 0)
			names[n++] = rec->res[i].port;
	rc = vp_ovs_list_ports(&o, names, n, &s.rows, &s.n, err);
	free(names);
	if (rc < 0)
		return NULL;
	s.ovsdb = strdup(ovsdb);
	nsw = realloc(rl->sw, (rl->n_sw + 1) * sizeof(*nsw));
	if (s.ovsdb == NULL || nsw == NULL) {
		free(s.ovsdb);
		vp_ovs_ports_free(s.rows, s.n);
		vp_err_set(err, ENOMEM, "release");
		return NULL;
	}
	rl->sw = nsw;
	rl->sw[rl->n_sw] = s;
	return &rl->sw[rl->n_sw++];
}

static int ovs_undo(struct vp_backend_ctx *c, const struct vp_resource *r,
		    struct vp_err *err)
{
	struct vp_ovs o = {.vsctl = c->cfg->ovs_vsctl,
			   .db = r->ovsdb,
			   .timeout_ms = c->timeout_ms};
	const struct switch_ports *sw;
	const struct vp_ovs_port *row;
	struct stat st;

	if (r->state == VP_RES_NOT_CREATED)
		return 0;
	sw = switch_ports(c, r->ovsdb, err);
	if (sw == NULL)
		return -1;
	switch (vp_ovs_owner(sw->rows, sw->n, r->port, c->rec->sandbox,
			     r->index, &row)) {
	case VP_OVS_FOREIGN: {
		char sb[64];

		vp_log_warn("port %s is not this sandbox's (%s=%s): left "
			    "alone, and its socket %s",
			    r->port, VP_OVS_KEY_SANDBOX,
			    row->sandbox
				? vp_printable(row->sandbox, sb, sizeof(sb))
				: "(none)",
			    r->socket);
		if (c->left != NULL)
			vp_strappendf(c->left, c->left_size, "%sport %s",
				      c->left[0] ? ", " : "", r->port);
		return 0;
	}
	case VP_OVS_ABSENT:
		/* Created by us and gone since (a release interrupted after
		 * its del-port): the socket was made for our port.  Pending:
		 * add-port may never have run, and the socket may serve a
		 * port of that name on another switch. */
		if (r->state != VP_RES_CREATED)
			return 0;
		break;
	case VP_OVS_OURS:
		if (vp_ovs_del_port(&o, r->bridge, r->port, err) < 0)
			return -1;
		vp_log_info("released port %s on bridge %s", r->port,
			    r->bridge);
		break;
	}
	/* QEMU (the socket server) normally unlinks it; after a crash it
	 * stays.  Remove only a socket, never whatever else sits there. */
	if (lstat(r->socket, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    unlink(r->socket) < 0 && errno != ENOENT)
		return vp_err_set(err, errno, "unlink `%s`", r->socket);
	return 0;
}

static void ovs_describe(const struct vp_record *rec,
			 const struct vp_resource *r, struct vp_desc *d)
{
	(void)rec;
	d->type = "vhost-user";
	vp_desc_add(d, "switch", NULL, "ovs-dpdk", NULL, false);
	vp_desc_add(d, "port", "port", r->port, NULL, false);
	vp_desc_add(d, "bridge", "bridge", r->bridge, NULL, false);
	vp_desc_add(d, "socket", "socket", r->socket, NULL, false);
	snprintf(d->summary, sizeof(d->summary), "port %s on bridge %s",
		 r->port, r->bridge);
}

/* Its ports carry the sandbox id, and the first choice of their names
 * follows from it; a taken name moves an entry to a later choice, but
 * every port carries the tag. */
static void ovs_leftovers(const struct vp_config *cfg, const char *sandbox,
			  char *buf, size_t size)
{
	char port[16];

	(void)cfg;
	vp_ovs_port_name(sandbox, 0, 0, port);
	port[strlen(port) - 1] = '\0';
	vp_strappendf(buf, size,
		      "OVS ports %s<index> (or a later choice of name) with "
		      "external_ids:%s=%s on the configured bridges",
		      port, VP_OVS_KEY_SANDBOX, sandbox);
}

const struct vp_backend vp_backend_ovs = {
    .name = "ovs-dpdk",
    .type = VP_NET_VHOST_USER,
    .needs = VP_FILTER_EXEC,
    .owns = ovs_owns,
    .plan = ovs_plan,
    .journal = ovs_journal,
    .create = ovs_create,
    .deliver = ovs_deliver,
    .undo = ovs_undo,
    .describe = ovs_describe,
    .leftovers = ovs_leftovers,
    .finish = ovs_finish,
};
