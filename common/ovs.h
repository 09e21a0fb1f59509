/* ovs.h - the OVS-DPDK backend: vhost-user ports of type
 * dpdkvhostuserclient (QEMU is the socket server, so a vswitch restart
 * reconnects).  Every call runs ovs-vsctl with an argv and a timeout. */
#ifndef VP_OVS_H
#define VP_OVS_H

#include "err.h"

struct vp_ovs {
	const char *vsctl;       /* absolute path of ovs-vsctl */
	const char *db;          /* "unix:/path" */
	unsigned timeout_ms;
};

/* The bridge must exist (vnfplug never creates or deletes bridges);
 * add-port's own "no bridge named X" reports a missing one. */
int vp_ovs_add_vhost_port(const struct vp_ovs *o, const char *bridge,
			  const char *port, const char *socket_path,
			  unsigned queues, struct vp_err *err);
/* --if-exists: deleting an absent port is success. */
int vp_ovs_del_port(const struct vp_ovs *o, const char *bridge,
		    const char *port, struct vp_err *err);

/* OVS port name for request entry `index` of a sandbox: "vp" + 10 hex
 * digits of a hash of the id + "n" + index, at most 15 bytes. */
void vp_ovs_port_name(const char *sandbox_id, unsigned index, char out[16]);

#endif
