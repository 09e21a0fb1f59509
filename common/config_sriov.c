/* config_sriov.c - the "sriov" network type of vnfplug.json(5).
 *
 *   "fastnet": {"type": "sriov", "pfs": ["ens785f0", "0000:3b:00.1"],
 *               "vendor": "0x8086", "device": "0x154c", "mode": "auto",
 *               "vlan": 100, "qos": 0, "vlan_proto": "802.1Q",
 *               "spoofchk": true, "trust": false, "link_state": "auto",
 *               "min_tx_rate": 0, "max_tx_rate": 0, "mtu": 0,
 *               "pf_netlink": true, "allow": ["mac"]}
 *
 * Everything a VF gets comes from here; a request may only change what
 * "allow" lists, and only within the same ranges.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "validate.h"

#define RATE_MAX 1000000 /* Mbit/s: 1 Tbit/s, beyond any NIC */
#define MTU_MIN 68	 /* IPv4's minimum */
#define MTU_MAX 65535

static const char *const sriov_keys[] = {
    "type",	  "pfs",	 "vendor",	"device",   "mode",
    "vlan",	  "qos",	 "vlan_proto",	"spoofchk", "trust",
    "link_state", "min_tx_rate", "max_tx_rate", "mtu",	    "pf_netlink",
    "allow",	  NULL,
};

static const char *const allow_names[] = {
    "mac",	   "vlan",	  "qos",	"spoofchk", "trust",
    "min_tx_rate", "max_tx_rate", "link_state", "mtu",	    NULL,
};

const char *vp_allow_name(unsigned bit)
{
	for (unsigned i = 0; allow_names[i] != NULL; i++)
		if (bit == 1U << i)
			return allow_names[i];
	return "?";
}

/* "0x8086" or "8086": a 16-bit PCI id. */
static int get_pci_id(const struct vp_json *o, const char *key,
		      const char *prefix, uint16_t *out, bool *present,
		      struct vp_err *err)
{
	char buf[VP_PRINTABLE_MAX];
	const char *id, *s;
	char *end;
	unsigned long n;
	int rc = vp_json_member_str(o, prefix, key, 0, &id, err);

	*present = rc > 0;
	if (rc <= 0)
		return rc;
	s = id;
	if (strncmp(s, "0x", 2) == 0)
		s += 2;
	if (strlen(s) != 4 || strspn(s, "0123456789abcdefABCDEF") != 4)
		return vp_err_set(
		    err, 0, "%s.%s: `%s` is not a PCI id (\"0x8086\")", prefix,
		    key, vp_printable(id, buf, sizeof(buf)));
	n = strtoul(s, &end, 16);
	*out = (uint16_t)n;
	return 0;
}

static int parse_pfs(const struct vp_json *o, const char *prefix,
		     struct vp_sriov_net *s, struct vp_err *err)
{
	const struct vp_json *v = NULL;
	char buf[VP_PRINTABLE_MAX];

	if (vp_json_member_strs(o, prefix, "pfs", VP_JSON_REQUIRED, &v, err) <
	    0)
		return -1;
	if (v->u.arr.n == 0 || v->u.arr.n > VP_SRIOV_MAX_PFS)
		return vp_err_set(err, 0, "%s.pfs: must list 1 to %d PFs",
				  prefix, VP_SRIOV_MAX_PFS);
	s->pfs = calloc(v->u.arr.n + 1, sizeof(*s->pfs));
	if (s->pfs == NULL)
		return vp_err_set(err, ENOMEM, "%s.pfs", prefix);
	for (size_t i = 0; i < v->u.arr.n; i++) {
		const struct vp_json *e = v->u.arr.items[i];
		char ipath[VP_JSON_PATH_MAX + 24];

		snprintf(ipath, sizeof(ipath), "%s.pfs[%zu]", prefix, i);
		if (!vp_valid_pci_addr(e->u.str.s) &&
		    !vp_valid_ifname(e->u.str.s))
			return vp_err_set(
			    err, 0,
			    "%s: `%s` is neither a network "
			    "device name nor a PCI address "
			    "(0000:3b:00.1)",
			    ipath, vp_printable(e->u.str.s, buf, sizeof(buf)));
		for (size_t k = 0; k < i; k++)
			if (strcmp(s->pfs[k], e->u.str.s) == 0)
				return vp_err_set(err, 0,
						  "%s: `%s` is listed twice",
						  ipath, e->u.str.s);
		s->pfs[i] = strdup(e->u.str.s);
		if (s->pfs[i] == NULL)
			return vp_err_set(err, ENOMEM, "%s", ipath);
		s->n_pfs++;
	}
	return 0;
}

static int parse_allow(const struct vp_json *o, const char *prefix,
		       struct vp_sriov_net *s, struct vp_err *err)
{
	const struct vp_json *v = NULL;
	char buf[VP_PRINTABLE_MAX];
	int rc = vp_json_member_strs(o, prefix, "allow", 0, &v, err);

	if (rc <= 0)
		return rc;
	for (size_t i = 0; i < v->u.arr.n; i++) {
		const struct vp_json *e = v->u.arr.items[i];
		char ipath[VP_JSON_PATH_MAX + 24];
		int found = -1;

		snprintf(ipath, sizeof(ipath), "%s.allow[%zu]", prefix, i);
		for (int k = 0; allow_names[k] != NULL; k++)
			if (strcmp(e->u.str.s, allow_names[k]) == 0)
				found = k;
		if (found < 0)
			return vp_err_set(
			    err, 0,
			    "%s: `%s` is not something a "
			    "container may set (mac, vlan, qos, "
			    "spoofchk, trust, min_tx_rate, "
			    "max_tx_rate, link_state, mtu)",
			    ipath, vp_printable(e->u.str.s, buf, sizeof(buf)));
		s->allow |= 1U << found;
	}
	return 0;
}

int vp_config_parse_sriov(const struct vp_json *o, const char *prefix,
			  struct vp_sriov_net *s, struct vp_err *err)
{
	static const char *const modes[] = {"auto", "vfio", "netns", NULL};
	static const char *const protos[] = {"802.1Q", "802.1ad", NULL};
	static const char *const links[] = {"auto", "enable", "disable", NULL};
	long long minr = 0, maxr = 0;
	int choice;

	if (vp_json_check_keys(o, sriov_keys, prefix, err) < 0)
		return -1;
	if (parse_pfs(o, prefix, s, err) < 0)
		return -1;
	if (get_pci_id(o, "vendor", prefix, &s->vendor, &s->has_vendor, err) <
		0 ||
	    get_pci_id(o, "device", prefix, &s->device, &s->has_device, err) <
		0)
		return -1;

	choice = VP_MODE_AUTO;
	if (vp_json_member_enum(o, prefix, "mode", 0, modes, &choice, err) < 0)
		return -1;
	s->mode = (enum vp_sriov_mode)choice;

	/* VF defaults: the kernel's own defaults for a fresh VF, so an
	 * operator who sets nothing gets a plain VF */
	s->vf.fields = VP_VF_VLAN | VP_VF_SPOOFCHK | VP_VF_TRUST | VP_VF_RATE |
		       VP_VF_LINK_STATE;
	s->vf.vlan_proto = VP_ETH_P_8021Q;
	s->vf.spoofchk = true;
	s->vf.link_state = VP_VF_LINK_AUTO;
	s->pf_netlink = true;

	if (vp_json_member_uint(o, prefix, "vlan", 0, 0, 4095, &s->vf.vlan,
				err) < 0 ||
	    vp_json_member_uint(o, prefix, "qos", 0, 0, 7, &s->vf.qos, err) < 0)
		return -1;
	choice = 0;
	if (vp_json_member_enum(o, prefix, "vlan_proto", 0, protos, &choice,
				err) < 0)
		return -1;
	s->vf.vlan_proto = choice ? VP_ETH_P_8021AD : VP_ETH_P_8021Q;
	if (vp_json_member_bool(o, prefix, "spoofchk", 0, &s->vf.spoofchk,
				err) < 0 ||
	    vp_json_member_bool(o, prefix, "trust", 0, &s->vf.trust, err) < 0 ||
	    vp_json_member_bool(o, prefix, "pf_netlink", 0, &s->pf_netlink,
				err) < 0)
		return -1;
	choice = VP_VF_LINK_AUTO;
	if (vp_json_member_enum(o, prefix, "link_state", 0, links, &choice,
				err) < 0)
		return -1;
	s->vf.link_state = (enum vp_vf_link_state)choice;
	if (vp_json_member_int(o, prefix, "min_tx_rate", 0, 0, RATE_MAX, &minr,
			       err) < 0 ||
	    vp_json_member_int(o, prefix, "max_tx_rate", 0, 0, RATE_MAX, &maxr,
			       err) < 0)
		return -1;
	if (maxr != 0 && minr > maxr)
		return vp_err_set(err, 0,
				  "%s.min_tx_rate: %lld is above max_tx_rate "
				  "%lld",
				  prefix, minr, maxr);
	s->vf.min_tx_rate = (unsigned)minr;
	s->vf.max_tx_rate = (unsigned)maxr;
	if (vp_json_member_uint(o, prefix, "mtu", 0, 0, MTU_MAX, &s->mtu, err) <
	    0)
		return -1;
	if (s->mtu != 0 && s->mtu < MTU_MIN)
		return vp_err_set(err, 0,
				  "%s.mtu: must be 0 (keep) or between %d and "
				  "%d, got %u",
				  prefix, MTU_MIN, MTU_MAX, s->mtu);
	if (s->vf.qos != 0 && s->vf.vlan == 0)
		return vp_err_set(err, 0, "%s.qos: needs a vlan", prefix);
	if (parse_allow(o, prefix, s, err) < 0)
		return -1;
	/* without PF-side netlink these settings have no way to the VF:
	 * refuse them rather than accept and silently drop them */
	if (!s->pf_netlink) {
		static const char *const pf_only[] = {
		    "vlan",	   "qos",	  "vlan_proto",
		    "spoofchk",	   "trust",	  "link_state",
		    "min_tx_rate", "max_tx_rate", NULL,
		};
		unsigned pf_bits = VP_ALLOW_VLAN | VP_ALLOW_QOS |
				   VP_ALLOW_SPOOFCHK | VP_ALLOW_TRUST |
				   VP_ALLOW_MIN_TX_RATE | VP_ALLOW_MAX_TX_RATE |
				   VP_ALLOW_LINK_STATE;

		for (size_t i = 0; pf_only[i] != NULL; i++)
			if (vp_json_get(o, pf_only[i]) != NULL)
				return vp_err_set(
				    err, 0,
				    "%s.%s: needs \"pf_netlink\": "
				    "true (VF settings are applied "
				    "through the PF)",
				    prefix, pf_only[i]);
		if (s->allow & pf_bits)
			return vp_err_set(
			    err, 0,
			    "%s.allow: `%s` needs \"pf_netlink\": "
			    "true",
			    prefix,
			    vp_allow_name((s->allow & pf_bits) &
					  -(s->allow & pf_bits)));
		/* nothing to restore either */
		s->vf.fields = 0;
	}
	return 0;
}

void vp_config_free_sriov(struct vp_sriov_net *s)
{
	if (s->pfs != NULL)
		for (size_t i = 0; i < s->n_pfs; i++)
			free(s->pfs[i]);
	free(s->pfs);
	s->pfs = NULL;
	s->n_pfs = 0;
}
