/* ovs.h - inside the OVS-DPDK backend (the stages reach it only through
 * its table, backend.c here): vhost-user ports of type
 * dpdkvhostuserclient (QEMU is the socket server, so a vswitch restart
 * reconnects) through ovs-vsctl (vsctl.c), and their names (names.c).
 * Every call runs ovs-vsctl with an argv and a timeout.
 *
 * Ownership: every port vnfplug creates carries, on its Port row,
 * external_ids:vnfplug-sandbox=<sandbox id> and vnfplug-index=<entry>,
 * set by the add-port transaction itself.  A port is deleted only when
 * those match the record that asks (checked with vp_ovs_list_ports under
 * the run_dir lock, which every creator and deleter holds). */
#ifndef VP_OVS_H
#define VP_OVS_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define VP_OVS_KEY_SANDBOX "vnfplug-sandbox"
#define VP_OVS_KEY_INDEX "vnfplug-index"

/* Names tried per request entry before prestart gives up. */
#define VP_OVS_NAME_TRIES 8
/* Request entries a name can tell apart (one hex digit). */
#define VP_OVS_NAME_INDEX_MAX 16

struct vp_ovs {
	const char *vsctl; /* absolute path of ovs-vsctl */
	const char *db;	   /* "unix:/path" */
	unsigned timeout_ms;
};

/* The bridge must exist (vnfplug never creates or deletes bridges);
 * add-port's own "no bridge named X" reports a missing one.  The Port
 * gets the ownership tags in the same transaction.  A name that is
 * already taken (a port or an interface of that name, on any bridge)
 * fails with err->errnum EEXIST: nothing was created. */
int vp_ovs_add_vhost_port(const struct vp_ovs *o, const char *bridge,
			  const char *port, const char *socket_path,
			  unsigned queues, const char *sandbox, unsigned index,
			  struct vp_err *err);
/* --if-exists: deleting an absent port is success.  Callers check
 * ownership first (vp_ovs_owner). */
int vp_ovs_del_port(const struct vp_ovs *o, const char *bridge,
		    const char *port, struct vp_err *err);

/* A Port row as vp_ovs_list_ports reads it. */
struct vp_ovs_port {
	char *name;
	char *sandbox; /* external_ids:vnfplug-sandbox, or NULL */
	long index;    /* external_ids:vnfplug-index, -1 if none */
};

/* The Port rows among `names` that exist (any bridge), in one ovs-vsctl
 * run per 16 names.  *rows is malloc'ed; free with vp_ovs_ports_free. */
int vp_ovs_list_ports(const struct vp_ovs *o, const char *const names[],
		      size_t n, struct vp_ovs_port **rows, size_t *n_rows,
		      struct vp_err *err);
void vp_ovs_ports_free(struct vp_ovs_port *rows, size_t n);

enum vp_ovs_owner {
	VP_OVS_ABSENT,	/* no port of that name */
	VP_OVS_OURS,	/* tagged with this sandbox and entry */
	VP_OVS_FOREIGN, /* someone else's: leave it alone */
};
/* Whose is port `name`, given the rows of vp_ovs_list_ports?  *row is set
 * to the matching row (NULL when absent).  An untagged port counts as
 * ours only under a name of the scheme before tagging (records written
 * by an older vnfplug); any other untagged port is foreign. */
enum vp_ovs_owner vp_ovs_owner(const struct vp_ovs_port *rows, size_t n,
			       const char *name, const char *sandbox,
			       unsigned index, const struct vp_ovs_port **row);

/* OVS port name for request entry `index` (< VP_OVS_NAME_INDEX_MAX) of a
 * sandbox, `attempt`-th choice (0 first): "vp" + 12 base32 digits (60
 * bits) of SipHash-2-4 of the sandbox id and the attempt + the index as
 * one hex digit: always 15 bytes, the most IFNAMSIZ allows.  The choice
 * made is journalled, so only the first choice needs to be predictable. */
void vp_ovs_port_name(const char *sandbox_id, unsigned index, unsigned attempt,
		      char out[16]);

#endif
