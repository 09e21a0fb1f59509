/* config.h - the operator's configuration, vnfplug.json(5).
 *
 * Only the operator writes it; containers name networks defined here and
 * can never name a bridge, a path or a QEMU option themselves.  Unknown
 * keys, wrong types and out-of-range values are errors naming the field
 * ("networks.chain.queues: must be between 1 and max_queues (8), got 0").
 */
#ifndef VP_CONFIG_H
#define VP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "vf_settings.h"

#define VP_DEFAULT_CONFIG "/etc/vnfplug/vnfplug.json"
#define VP_DEFAULT_RUN_DIR "/run/vnfplug"
#define VP_DEFAULT_QEMU "/usr/bin/qemu-system-x86_64"
#define VP_DEFAULT_SYSFS_ROOT "/sys"
#define VP_DEFAULT_PROC_ROOT "/proc"
#define VP_DEFAULT_OVS_VSCTL "/usr/bin/ovs-vsctl"
#define VP_DEFAULT_OVSDB "unix:/run/openvswitch/db.sock"
#define VP_DEFAULT_SOCKET_DIR "/run/vnfplug/sockets"
#define VP_DEFAULT_TIMEOUT_MS 5000
#define VP_DEFAULT_LOCK_TIMEOUT_MS 10000
/* below the 30 s timeout of the shipped hooks.d file, leaving room to
 * undo a prestart that ran out of time */
#define VP_DEFAULT_DEADLINE_MS 20000
/* hard ceiling for max_queues, and for a virtio-net-pci's queue pairs */
#define VP_MAX_QUEUES_LIMIT 64

enum vp_net_type { VP_NET_VHOST_USER, VP_NET_SRIOV };
enum vp_switch { VP_SWITCH_OVS_DPDK };

struct vp_vhost_net {
	enum vp_switch sw;
	char *bridge;	     /* valid OVS name */
	char *ovsdb;	     /* "unix:<abs path>" */
	char *socket_dir;    /* absolute, allowlisted path */
	unsigned queues;     /* default queue pairs, 1..max_queues */
	unsigned max_queues; /* 1..VP_MAX_QUEUES_LIMIT, default 8 */
	int vectors;	     /* MSI-X vectors for virtio-net-pci: -1 = auto
			      * (2*queues+2, the production default); 0 disables
			      * MSI-X (TCG guests: docs/architecture.md §12) */
};

/* How a VF reaches the container (vnfplug.json(5) gives the auto rule). */
enum vp_sriov_mode {
	VP_MODE_AUTO,  /* vfio for VM runtimes, netns otherwise */
	VP_MODE_VFIO,  /* bind to vfio-pci, -device vfio-pci for QEMU */
	VP_MODE_NETNS, /* move the VF netdev into the container netns */
};

/* What a request may set on an sriov network ("allow"). */
enum vp_allow {
	VP_ALLOW_MAC = 1 << 0,
	VP_ALLOW_VLAN = 1 << 1,
	VP_ALLOW_QOS = 1 << 2,
	VP_ALLOW_SPOOFCHK = 1 << 3,
	VP_ALLOW_TRUST = 1 << 4,
	VP_ALLOW_MIN_TX_RATE = 1 << 5,
	VP_ALLOW_MAX_TX_RATE = 1 << 6,
	VP_ALLOW_LINK_STATE = 1 << 7,
	VP_ALLOW_MTU = 1 << 8,
};

#define VP_SRIOV_MAX_PFS 64

struct vp_sriov_net {
	char **pfs; /* netdev names or PCI addresses, in order */
	size_t n_pfs;
	bool has_vendor, has_device; /* VF selector */
	uint16_t vendor, device;
	enum vp_sriov_mode mode;
	bool pf_netlink;	/* configure the VF from the PF over rtnetlink
				 * (false: the PF driver has no ndo_set_vf_*) */
	struct vp_vf_config vf; /* defaults: vlan, qos, proto, spoofchk,
				 * trust, rates, link state (not MAC) */
	unsigned mtu;		/* netns mode: VF netdev MTU, 0 = keep */
	unsigned allow;		/* VP_ALLOW_* */
};

struct vp_network {
	char *name; /* [A-Za-z0-9_.-]{1,63} */
	enum vp_net_type type;
	struct vp_vhost_net vhost;
	struct vp_sriov_net sriov;
};

struct vp_config {
	char *run_dir;		  /* default VP_DEFAULT_RUN_DIR */
	char *qemu;		  /* real QEMU for the shim */
	char *sysfs_root;	  /* default "/sys" */
	char *proc_root;	  /* default "/proc" */
	char *ovs_vsctl;	  /* default VP_DEFAULT_OVS_VSCTL */
	unsigned timeout_ms;	  /* bound on one external command */
	unsigned lock_timeout_ms; /* bound on waiting for the lock */
	unsigned deadline_ms;	  /* bound on a whole prestart */
	bool syslog;		  /* also log to syslog */
	struct vp_network *networks;
	size_t n_networks;
};

/* Read and validate the config file (O_NOFOLLOW, bounded size). */
int vp_config_load(const char *path, struct vp_config *cfg, struct vp_err *err);
/* Validate a config document held in memory; fills defaults. */
int vp_config_parse(const char *buf, size_t len, struct vp_config *cfg,
		    struct vp_err *err);
void vp_config_free(struct vp_config *cfg);
static inline void vp_config_freep(struct vp_config *p)
{
	vp_config_free(p);
}
#define _cleanup_config_ __attribute__((cleanup(vp_config_freep)))
/* config_sriov.c: the "sriov" network object (called by config.c). */
struct vp_json;
int vp_config_parse_sriov(const struct vp_json *o, const char *prefix,
			  struct vp_sriov_net *s, struct vp_err *err);
void vp_config_free_sriov(struct vp_sriov_net *s);
/* "vlan", "mtu", ... for one VP_ALLOW_* bit. */
const char *vp_allow_name(unsigned bit);

const struct vp_network *vp_config_network(const struct vp_config *cfg,
					   const char *name);

#endif
