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

#define RATE_MAX 1000000   /* Mbit/s: 1 Tbit/s, beyond any NIC */
#define MTU_MIN 68         /* IPv4's minimum */
#define MTU_MAX 65535

static const char *const sriov_keys[] = {
	"type", "pfs", "vendor", "device", "mode", "vlan", "qos",
	"vlan_proto", "spoofchk", "trust", "link_state", "min_tx_rate",
	"max_tx_rate", "mtu", "pf_netlink", "allow", NULL,
};

static const char *const allow_names[] = {
	"mac", "vlan", "qos", "spoofchk", "trust", "min_tx_rate",
	"max_tx_rate", "link_state", "mtu", NULL,
};

const char *vp_allow_name(unsigned bit)
{
	for (unsigned i = 0; allow_names[i] != NULL; i++)
		if (bit == 1U << i)
			return allow_names[i];
	return "?";
}

static int get_int(const struct vp_json *o, const char *key,
		   const char *prefix, long long min, long long max,
		   long long *out, bool *present, struct vp_err *err)
{
	const struct vp_json *v = vp_json_get(o, key);
	char path[128];

	*present = v != NULL;
	if (v == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s.%s", prefix, key);
	return vp_json_int(v, min, max, path, out, err);
}

static int get_bool(const struct vp_json *o, const char *key,
		    const char *prefix, bool *out, struct vp_err *err)
{
	const struct vp_json *v = vp_json_get(o, key);
	char path[128];

	if (v == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s.%s", prefix, key);
	if (vp_json_expect(v, VP_JSON_BOOL, path, err) < 0)
		return -1;
	*out = v->u.boolean;
	return 0;
}

/* A string member that must be one of `names`; index into *out. */
static int get_choice(const struct vp_json *o, const char *key,
		      const char *prefix, const char *const names[], int *out,
		      struct vp_err *err)
{
	const struct vp_json *v = vp_json_get(o, key);
	char path[128], buf[VP_PRINTABLE_MAX], list[128] = "";

	if (v == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s.%s", prefix, key);
	if (vp_json_expect(v, VP_JSON_STRING, path, err) < 0)
		return -1;
	for (int i = 0; names[i] != NULL; i++) {
		if (strcmp(v->u.str.s, names[i]) == 0) {
			*out = i;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 "%s%s", i ? ", " : "", names[i]);
	}
	return vp_err_set(err, 0, "%s: `%s` is not one of %s", path,
			  vp_printable(v->u.str.s, buf, sizeof(buf)), list);
}

/* "0x8086" or "8086": a 16-bit PCI id. */
static int get_pci_id(const struct vp_json *o, const char *key,
		      const char *prefix, uint16_t *out, bool *present,
		      struct vp_err *err)
{
	const struct vp_json *v = vp_json_get(o, key);
	char path[128], buf[VP_PRINTABLE_MAX];
	const char *s;
	char *end;
	unsigned long n;

	*present = v != NULL;
	if (v == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s.%s", prefix, key);
	if (vp_json_expect(v, VP_JSON_STRING, path, err) < 0)
		return -1;
	s = v->u.str.s;
	if (strncmp(s, "0x", 2) == 0)
		s += 2;
	if (strlen(s) != 4 ||
	    strspn(s, "0123456789abcdefABCDEF") != 4)
		return vp_err_set(err, 0,
				  "%s: `%s` is not a PCI id (\"0x8086\")", path,
				  vp_printable(v->u.str.s, buf, sizeof(buf)));
	n = strtoul(s, &end, 16);
	*out = (uint16_t)n;
	return 0;
}

static int parse_pfs(const struct vp_json *o, const char *prefix,
		     struct vp_sriov_net *s, struct vp_err *err)
{
	const struct vp_json *v = vp_json_get(o, "pfs");
	char path[128], buf[VP_PRINTABLE_MAX];

	snprintf(path, sizeof(path), "%s.pfs", prefix);
	if (vp_json_expect(v, VP_JSON_ARRAY, path, err) < 0)
		return -1;
	if (v->u.arr.n == 0 || v->u.arr.n > VP_SRIOV_MAX_PFS)
		return vp_err_set(err, 0, "%s: must list 1 to %d PFs", path,
				  VP_SRIOV_MAX_PFS);
	s->pfs = calloc(v->u.arr.n + 1, sizeof(*s->pfs));
	if (s->pfs == NULL)
		return vp_err_set(err, ENOMEM, "%s", path);
	for (size_t i = 0; i < v->u.arr.n; i++) {
		const struct vp_json *e = v->u.arr.items[i];
		char ipath[160];

		snprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
		if (vp_json_expect(e, VP_JSON_STRING, ipath, err) < 0)
			return -1;
		if (!vp_valid_pci_addr(e->u.str.s) &&
		    !vp_valid_ifname(e->u.str.s))
			return vp_err_set(err, 0,
					  "%s: `%s` is neither a network "
					  "device name nor a PCI address "
					  "(0000:3b:00.1)",
					  ipath,
					  vp_printable(e->u.str.s, buf,
						       sizeof(buf)));
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
	const struct vp_json *v = vp_json_get(o, "allow");
	char path[128], buf[VP_PRINTABLE_MAX];

	if (v == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s.allow", prefix);
	if (vp_json_expect(v, VP_JSON_ARRAY, path, err) < 0)
		return -1;
	for (size_t i = 0; i < v->u.arr.n; i++) {
		const struct vp_json *e = v->u.arr.items[i];
		char ipath[160];
		int found = -1;

		snprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
		if (vp_json_expect(e, VP_JSON_STRING, ipath, err) < 0)
			return -1;
		for (int k = 0; allow_names[k] != NULL; k++)
			if (strcmp(e->u.str.s, allow_names[k]) == 0)
				found = k;
		if (found < 0)
			return vp_err_set(err, 0,
					  "%s: `%s` is not something a "
					  "container may set (mac, vlan, qos, "
					  "spoofchk, trust, min_tx_rate, "
					  "max_tx_rate, link_state, mtu)",
					  ipath,
					  vp_printable(e->u.str.s, buf,
						       sizeof(buf)));
		s->allow |= 1U << found;
	}
	return 0;
}

int vp_config_parse_sriov(const struct vp_json *o, const char *prefix,
			  struct vp_sriov_net *s, struct vp_err *err)
{
	static const char *const modes[] = { "auto", "vfio", "netns", NULL };
	static const char *const protos[] = { "802.1Q", "802.1ad", NULL };
	static const char *const links[] = { "auto", "enable", "disable",
					     NULL };
	long long n, minr = 0, maxr = 0;
	bool present;
	int choice;

	if (vp_json_check_keys(o, sriov_keys, prefix, err) < 0)
		return -1;
	if (parse_pfs(o, prefix, s, err) < 0)
		return -1;
	if (get_pci_id(o, "vendor", prefix, &s->vendor, &s->has_vendor,
		       err) < 0 ||
	    get_pci_id(o, "device", prefix, &s->device, &s->has_device,
		       err) < 0)
		return -1;

	choice = VP_MODE_AUTO;
	if (get_choice(o, "mode", prefix, modes, &choice, err) < 0)
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

	if (get_int(o, "vlan", prefix, 0, 4095, &n, &present, err) < 0)
		return -1;
	if (present)
		s->vf.vlan = (unsigned)n;
	if (get_int(o, "qos", prefix, 0, 7, &n, &present, err) < 0)
		return -1;
	if (present)
		s->vf.qos = (unsigned)n;
	choice = 0;
	if (get_choice(o, "vlan_proto", prefix, protos, &choice, err) < 0)
		return -1;
	s->vf.vlan_proto = choice ? VP_ETH_P_8021AD : VP_ETH_P_8021Q;
	if (get_bool(o, "spoofchk", prefix, &s->vf.spoofchk, err) < 0 ||
	    get_bool(o, "trust", prefix, &s->vf.trust, err) < 0 ||
	    get_bool(o, "pf_netlink", prefix, &s->pf_netlink, err) < 0)
		return -1;
	choice = VP_VF_LINK_AUTO;
	if (get_choice(o, "link_state", prefix, links, &choice, err) < 0)
		return -1;
	s->vf.link_state = (enum vp_vf_link_state)choice;
	if (get_int(o, "min_tx_rate", prefix, 0, RATE_MAX, &minr, &present,
		    err) < 0 ||
	    get_int(o, "max_tx_rate", prefix, 0, RATE_MAX, &maxr, &present,
		    err) < 0)
		return -1;
	if (maxr != 0 && minr > maxr)
		return vp_err_set(err, 0,
				  "%s.min_tx_rate: %lld is above max_tx_rate "
				  "%lld",
				  prefix, minr, maxr);
	s->vf.min_tx_rate = (unsigned)minr;
	s->vf.max_tx_rate = (unsigned)maxr;
	if (get_int(o, "mtu", prefix, 0, MTU_MAX, &n, &present, err) < 0)
		return -1;
	if (present && n != 0 && n < MTU_MIN)
		return vp_err_set(err, 0,
				  "%s.mtu: must be 0 (keep) or between %d and "
				  "%d, got %lld",
				  prefix, MTU_MIN, MTU_MAX, n);
	if (present)
		s->mtu = (unsigned)n;
	if (s->vf.qos != 0 && s->vf.vlan == 0)
		return vp_err_set(err, 0, "%s.qos: needs a vlan", prefix);
	if (parse_allow(o, prefix, s, err) < 0)
		return -1;
	/* without PF-side netlink these settings have no way to the VF:
	 * refuse them rather than accept and silently drop them */
	if (!s->pf_netlink) {
		static const char *const pf_only[] = {
			"vlan", "qos", "vlan_proto", "spoofchk", "trust",
			"link_state", "min_tx_rate", "max_tx_rate", NULL,
		};
		unsigned pf_bits = VP_ALLOW_VLAN | VP_ALLOW_QOS |
				   VP_ALLOW_SPOOFCHK | VP_ALLOW_TRUST |
				   VP_ALLOW_MIN_TX_RATE | VP_ALLOW_MAX_TX_RATE |
				   VP_ALLOW_LINK_STATE;

		for (size_t i = 0; pf_only[i] != NULL; i++)
			if (vp_json_get(o, pf_only[i]) != NULL)
				return vp_err_set(err, 0,
						  "%s.%s: needs \"pf_netlink\": "
						  "true (VF settings are applied "
						  "through the PF)",
						  prefix, pf_only[i]);
		if (s->allow & pf_bits)
			return vp_err_set(err, 0,
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
