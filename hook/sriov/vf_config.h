/* vf_config.h - PF-side VF configuration over rtnetlink (libnl-3, through
 * nl.h).
 *
 * Read: RTM_GETLINK on the PF with IFLA_EXT_MASK RTEXT_FILTER_VF, parse
 * IFLA_VFINFO_LIST for the VF.  Write: RTM_SETLINK on the PF carrying
 * IFLA_VFINFO_LIST/IFLA_VF_INFO with the attributes selected in `fields`.
 * The message builder is separate so tests can check the exact attributes
 * (no NIC here accepts VF configuration).
 */
#ifndef VP_VF_CONFIG_H
#define VP_VF_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "vf_settings.h"

struct nl_msg;

/* Build the RTM_SETLINK request for VF `vf` of the PF with ifindex
 * `pf_ifindex`.  A 802.1ad VLAN goes in IFLA_VF_VLAN_LIST (the legacy
 * IFLA_VF_VLAN has no protocol); 802.1Q uses IFLA_VF_VLAN. */
int vp_vf_config_build_set(int pf_ifindex, unsigned vf,
			   const struct vp_vf_config *want, struct nl_msg **out,
			   struct vp_err *err);
/* Parse one RTM_NEWLINK reply (the PF) for VF `vf`'s current settings;
 * fields says which the kernel reported. */
int vp_vf_config_parse_link(struct nl_msg *msg, unsigned vf,
			    struct vp_vf_config *out, struct vp_err *err);

/* Against the kernel.  Errors name the PF and VF and carry the kernel's
 * errno (errnum, strerror text) and extended-ack message when it refused,
 * nl_geterror's text when libnl failed first:
 * "PF `ens785f0` VF 3: set VLAN: Operation not supported".  vp_vf_config_set
 * sends one request per selected field (MAC, VLAN, spoofchk, trust, tx
 * rate, link state, in that order) so the error names the one refused;
 * the ones before it are applied.  A VF the PF does not have: errnum
 * ENODEV, "PF `veth0` has no VF 0 (the driver reports 0 VFs)". */
int vp_vf_config_get(const char *pf_ifname, unsigned vf,
		     struct vp_vf_config *out, struct vp_err *err);
int vp_vf_config_set(const char *pf_ifname, unsigned vf,
		     const struct vp_vf_config *want, struct vp_err *err);

#endif
