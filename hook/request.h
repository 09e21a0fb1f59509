/* request.h - the container's request, annotation io.vnfplug.networks.
 *
 * A JSON array of {network, ifname?, mac?, queues?} (vhost-user) or
 * {network, ifname?, mac?, vlan?, qos?, spoofchk?, trust?, min_tx_rate?,
 * max_tx_rate?, link_state?, mtu?} (sriov, each only where the network's
 * "allow" lists it); anything else (unknown
 * keys, wrong types, empty array, more than VP_REQUEST_MAX entries) is an
 * error naming the entry and field: "io.vnfplug.networks[1].mac: multicast
 * address 01:00:5e:00:00:01 not allowed".
 */
#ifndef VP_REQUEST_H
#define VP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"

#define VP_ANNOTATION_NETWORKS "io.vnfplug.networks"
#define VP_REQUEST_MAX 16
#define VP_REQUEST_ANNOTATION_MAX (64 * 1024)

struct vp_request_item {
	char *network;
	char ifname[16]; /* "" when not given; resolve sets the first
			  * free "net<k>" */
	bool has_mac;
	uint8_t mac[6];
	unsigned queues; /* 0 when not given; resolve sets the default */
	/* sriov: which VP_ALLOW_* settings the request gave, their values;
	 * resolve merges them over the network's defaults into vf/mtu */
	unsigned set;
	struct vp_vf_config vf;
	unsigned mtu;
	const struct vp_network *net; /* set by vp_request_resolve */
};

struct vp_request {
	struct vp_request_item *items;
	size_t n;
};

/* Syntax and format checks (no config needed). */
int vp_request_parse(const char *annotation, struct vp_request *req,
		     struct vp_err *err);
/* Checks against the config: network known, queues within 1..max_queues;
 * fills defaults and derives MACs not given; rejects duplicate MACs and
 * ifnames within the request. */
int vp_request_resolve(struct vp_request *req, const struct vp_config *cfg,
		       const char *sandbox_id, struct vp_err *err);
void vp_request_free(struct vp_request *req);
static inline void vp_request_freep(struct vp_request *p)
{
	vp_request_free(p);
}
#define _cleanup_request_ __attribute__((cleanup(vp_request_freep)))

/* Stable locally administered unicast MAC for (sandbox, index): 02:xx:..
 * from a hash of both, so restarts of the same sandbox get the same MAC. */
void vp_mac_derive(const char *sandbox_id, unsigned index, uint8_t mac[6]);

#endif
