/* vf_settings.h - the PF-side settings of an SR-IOV VF (VLAN, MAC,
 * spoof check, trust, rates, link state) as plain values: what the
 * configuration declares and the request may override, and what the hook
 * applies and saves in its journal.  No netlink here: the shim reads the
 * same configuration. */
#ifndef VP_VF_SETTINGS_H
#define VP_VF_SETTINGS_H

#include <stdbool.h>
#include <stdint.h>

#define VP_ETH_P_8021Q 0x8100
#define VP_ETH_P_8021AD 0x88a8

enum vp_vf_field {
	VP_VF_MAC = 1 << 0,
	VP_VF_VLAN = 1 << 1, /* vlan, qos, vlan_proto together */
	VP_VF_SPOOFCHK = 1 << 2,
	VP_VF_TRUST = 1 << 3,
	VP_VF_RATE = 1 << 4, /* min and max tx rate together */
	VP_VF_LINK_STATE = 1 << 5,
};

enum vp_vf_link_state { /* values of IFLA_VF_LINK_STATE_* */
			VP_VF_LINK_AUTO = 0,
			VP_VF_LINK_ENABLE = 1,
			VP_VF_LINK_DISABLE = 2,
};

struct vp_vf_config {
	unsigned fields; /* which members below are meaningful */
	uint8_t mac[6];
	unsigned vlan;	     /* 0..4095, 0 = none */
	unsigned qos;	     /* 0..7 */
	uint16_t vlan_proto; /* VP_ETH_P_8021Q / VP_ETH_P_8021AD */
	bool spoofchk;
	bool trust;
	unsigned min_tx_rate; /* Mbit/s, 0 = unlimited */
	unsigned max_tx_rate;
	enum vp_vf_link_state link_state;
};

#endif
