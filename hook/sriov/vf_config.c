/* vf_config.c - PF-side VF configuration over rtnetlink (see
 * vf_config.h): building and parsing the IFLA_VFINFO_LIST messages and
 * sending them (sockets and exchanges in nl.c).
 */
#include "vf_config.h"

#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "cleanup.h"
#include "nl.h"
#include "validate.h"

/* Names of the fields, in the order vp_vf_config_set applies them. */
static const struct {
	unsigned field;
	const char *name;
} vf_fields[] = {
    {VP_VF_MAC, "MAC"},		  {VP_VF_VLAN, "VLAN"},
    {VP_VF_SPOOFCHK, "spoofchk"}, {VP_VF_TRUST, "trust"},
    {VP_VF_RATE, "tx rate"},	  {VP_VF_LINK_STATE, "link state"},
};

#define VP_VF_ALL                                                              \
	(VP_VF_MAC | VP_VF_VLAN | VP_VF_SPOOFCHK | VP_VF_TRUST | VP_VF_RATE |  \
	 VP_VF_LINK_STATE)

/* ---- building ------------------------------------------------------------ */

static int check_config(const struct vp_vf_config *w, struct vp_err *err)
{
	if (w->fields == 0)
		return vp_err_set(err, EINVAL, "no VF setting selected");
	if (w->fields & ~(unsigned)VP_VF_ALL)
		return vp_err_set(err, EINVAL, "unknown VF setting bits 0x%x",
				  w->fields & ~(unsigned)VP_VF_ALL);
	if ((w->fields & VP_VF_MAC) && vp_mac_is_multicast(w->mac))
		return vp_err_set(err, EINVAL, "MAC is a multicast address");
	if (w->fields & VP_VF_VLAN) {
		if (w->vlan > 4095)
			return vp_err_set(err, EINVAL,
					  "VLAN %u out of range 0..4095",
					  w->vlan);
		if (w->qos > 7)
			return vp_err_set(err, EINVAL,
					  "VLAN QoS %u out of range 0..7",
					  w->qos);
		if (w->vlan_proto != VP_ETH_P_8021Q &&
		    w->vlan_proto != VP_ETH_P_8021AD)
			return vp_err_set(err, EINVAL,
					  "VLAN protocol 0x%04x is neither "
					  "802.1Q nor 802.1ad",
					  w->vlan_proto);
	}
	if ((w->fields & VP_VF_RATE) && w->max_tx_rate != 0 &&
	    w->min_tx_rate > w->max_tx_rate)
		return vp_err_set(err, EINVAL,
				  "min tx rate %u above max tx rate %u",
				  w->min_tx_rate, w->max_tx_rate);
	if ((w->fields & VP_VF_LINK_STATE) &&
	    (unsigned)w->link_state > VP_VF_LINK_DISABLE)
		return vp_err_set(err, EINVAL, "link state %u unknown",
				  (unsigned)w->link_state);
	return 0;
}

/* Everything in IFLA_VF_INFO is a small struct whose first member is the VF
 * number; the kernel reads each one independently. */
static int put_vf_attrs(struct nl_msg *m, uint32_t vf,
			const struct vp_vf_config *w)
{
	int rc = 0;

	if (w->fields & VP_VF_MAC) {
		struct ifla_vf_mac a;
		memset(&a, 0, sizeof(a));
		a.vf = vf;
		memcpy(a.mac, w->mac, 6);
		rc = nla_put(m, IFLA_VF_MAC, sizeof(a), &a);
	}
	if (rc == 0 && (w->fields & VP_VF_VLAN) &&
	    w->vlan_proto == VP_ETH_P_8021Q) {
		struct ifla_vf_vlan a = {
		    .vf = vf, .vlan = w->vlan, .qos = w->qos};
		rc = nla_put(m, IFLA_VF_VLAN, sizeof(a), &a);
	} else if (rc == 0 && (w->fields & VP_VF_VLAN)) {
		/* Only the list form carries a protocol. */
		struct ifla_vf_vlan_info a;
		struct nlattr *list = nla_nest_start(m, IFLA_VF_VLAN_LIST);
		memset(&a, 0, sizeof(a));
		a.vf = vf;
		a.vlan = w->vlan;
		a.qos = w->qos;
		a.vlan_proto = htons(w->vlan_proto);
		if (list == NULL)
			return -NLE_NOMEM;
		rc = nla_put(m, IFLA_VF_VLAN_INFO, sizeof(a), &a);
		if (rc == 0)
			rc = nla_nest_end(m, list);
	}
	if (rc == 0 && (w->fields & VP_VF_SPOOFCHK)) {
		struct ifla_vf_spoofchk a = {.vf = vf, .setting = w->spoofchk};
		rc = nla_put(m, IFLA_VF_SPOOFCHK, sizeof(a), &a);
	}
	if (rc == 0 && (w->fields & VP_VF_TRUST)) {
		struct ifla_vf_trust a = {.vf = vf, .setting = w->trust};
		rc = nla_put(m, IFLA_VF_TRUST, sizeof(a), &a);
	}
	if (rc == 0 && (w->fields & VP_VF_RATE)) {
		struct ifla_vf_rate a = {.vf = vf,
					 .min_tx_rate = w->min_tx_rate,
					 .max_tx_rate = w->max_tx_rate};
		rc = nla_put(m, IFLA_VF_RATE, sizeof(a), &a);
	}
	if (rc == 0 && (w->fields & VP_VF_LINK_STATE)) {
		struct ifla_vf_link_state a = {.vf = vf,
					       .link_state = w->link_state};
		rc = nla_put(m, IFLA_VF_LINK_STATE, sizeof(a), &a);
	}
	return rc;
}

int vp_vf_config_build_set(int pf_ifindex, unsigned vf,
			   const struct vp_vf_config *want, struct nl_msg **out,
			   struct vp_err *err)
{
	_cleanup_nl_msg_ struct nl_msg *m = NULL;
	struct ifinfomsg ifi;
	struct nlattr *list, *info;
	int rc;

	if (pf_ifindex <= 0)
		return vp_err_set(err, EINVAL, "PF ifindex %d invalid",
				  pf_ifindex);
	/* the kernel rejects VF numbers >= INT_MAX */
	if (vf >= INT_MAX)
		return vp_err_set(err, EINVAL, "VF %u out of range", vf);
	if (check_config(want, err) < 0)
		return -1;
	m = nlmsg_alloc_simple(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK);
	if (m == NULL)
		return vp_err_set(err, ENOMEM, "netlink message");
	memset(&ifi, 0, sizeof(ifi));
	ifi.ifi_family = AF_UNSPEC;
	ifi.ifi_index = pf_ifindex;
	rc = nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO);
	if (rc < 0)
		goto fail;
	list = nla_nest_start(m, IFLA_VFINFO_LIST);
	info = list != NULL ? nla_nest_start(m, IFLA_VF_INFO) : NULL;
	if (info == NULL) {
		rc = -NLE_NOMEM;
		goto fail;
	}
	rc = put_vf_attrs(m, vf, want);
	if (rc == 0)
		rc = nla_nest_end(m, info);
	if (rc == 0)
		rc = nla_nest_end(m, list);
	if (rc < 0)
		goto fail;
	*out = vp_steal_ptr(&m);
	return 0;
fail:
	return vp_err_set(err, 0, "build VF %u request: %s", vf,
			  nl_geterror(rc));
}

/* ---- parsing ------------------------------------------------------------- */

static struct nla_policy link_policy[IFLA_MAX + 1] = {
    [IFLA_IFNAME] = {.type = NLA_STRING, .maxlen = IFNAMSIZ},
    [IFLA_NUM_VF] = {.type = NLA_U32},
    [IFLA_VFINFO_LIST] = {.type = NLA_NESTED},
};

/* Length checks only: an attribute shorter than its struct is refused by
 * nla_parse_nested, so reading the struct afterwards is safe. */
static struct nla_policy vf_policy[IFLA_VF_MAX + 1] = {
    [IFLA_VF_MAC] = {.minlen = sizeof(struct ifla_vf_mac)},
    [IFLA_VF_VLAN] = {.minlen = sizeof(struct ifla_vf_vlan)},
    [IFLA_VF_VLAN_LIST] = {.type = NLA_NESTED},
    [IFLA_VF_TX_RATE] = {.minlen = sizeof(struct ifla_vf_tx_rate)},
    [IFLA_VF_SPOOFCHK] = {.minlen = sizeof(struct ifla_vf_spoofchk)},
    [IFLA_VF_LINK_STATE] = {.minlen = sizeof(struct ifla_vf_link_state)},
    [IFLA_VF_RATE] = {.minlen = sizeof(struct ifla_vf_rate)},
    [IFLA_VF_TRUST] = {.minlen = sizeof(struct ifla_vf_trust)},
};

/* The kernel pre-fills spoofchk and trust with -1 and only a driver that
 * knows them overwrites it: -1 means "not reported". */
#define VF_UNREPORTED UINT32_MAX

static void fill_vf(struct nlattr **tb, struct vp_vf_config *out)
{
	memset(out, 0, sizeof(*out));
	if (tb[IFLA_VF_MAC] != NULL) {
		const struct ifla_vf_mac *a = nla_data(tb[IFLA_VF_MAC]);
		memcpy(out->mac, a->mac, 6);
		out->fields |= VP_VF_MAC;
	}
	if (tb[IFLA_VF_VLAN_LIST] != NULL) {
		struct nlattr *a;
		int rem;
		nla_for_each_nested(a, tb[IFLA_VF_VLAN_LIST], rem)
		{
			const struct ifla_vf_vlan_info *v = nla_data(a);
			if (nla_type(a) != IFLA_VF_VLAN_INFO ||
			    nla_len(a) < (int)sizeof(*v))
				continue;
			out->vlan = v->vlan;
			out->qos = v->qos;
			out->vlan_proto = ntohs(v->vlan_proto);
			out->fields |= VP_VF_VLAN;
			break;
		}
	}
	if (!(out->fields & VP_VF_VLAN) && tb[IFLA_VF_VLAN] != NULL) {
		const struct ifla_vf_vlan *v = nla_data(tb[IFLA_VF_VLAN]);
		out->vlan = v->vlan;
		out->qos = v->qos;
		out->vlan_proto = VP_ETH_P_8021Q;
		out->fields |= VP_VF_VLAN;
	}
	if (tb[IFLA_VF_SPOOFCHK] != NULL) {
		const struct ifla_vf_spoofchk *a =
		    nla_data(tb[IFLA_VF_SPOOFCHK]);
		if (a->setting != VF_UNREPORTED) {
			out->spoofchk = a->setting != 0;
			out->fields |= VP_VF_SPOOFCHK;
		}
	}
	if (tb[IFLA_VF_TRUST] != NULL) {
		const struct ifla_vf_trust *a = nla_data(tb[IFLA_VF_TRUST]);
		if (a->setting != VF_UNREPORTED) {
			out->trust = a->setting != 0;
			out->fields |= VP_VF_TRUST;
		}
	}
	if (tb[IFLA_VF_RATE] != NULL) {
		const struct ifla_vf_rate *a = nla_data(tb[IFLA_VF_RATE]);
		out->min_tx_rate = a->min_tx_rate;
		out->max_tx_rate = a->max_tx_rate;
		out->fields |= VP_VF_RATE;
	} else if (tb[IFLA_VF_TX_RATE] != NULL) {
		/* pre-3.16 kernels: only the maximum */
		const struct ifla_vf_tx_rate *a = nla_data(tb[IFLA_VF_TX_RATE]);
		out->max_tx_rate = a->rate;
		out->fields |= VP_VF_RATE;
	}
	if (tb[IFLA_VF_LINK_STATE] != NULL) {
		const struct ifla_vf_link_state *a =
		    nla_data(tb[IFLA_VF_LINK_STATE]);
		if (a->link_state <= VP_VF_LINK_DISABLE) {
			out->link_state = (enum vp_vf_link_state)a->link_state;
			out->fields |= VP_VF_LINK_STATE;
		}
	}
}

int vp_vf_config_parse_link(struct nl_msg *msg, unsigned vf,
			    struct vp_vf_config *out, struct vp_err *err)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[IFLA_MAX + 1];
	char name[VP_PRINTABLE_MAX];
	uint32_t num = 0;
	struct nlattr *a;
	int rc, rem;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return vp_err_set(err, EPROTO,
				  "netlink reply of type %u, not RTM_NEWLINK",
				  nlh->nlmsg_type);
	rc = nlmsg_parse(nlh, sizeof(struct ifinfomsg), tb, IFLA_MAX,
			 link_policy);
	if (rc < 0)
		return vp_err_set(err, EPROTO, "malformed RTM_NEWLINK: %s",
				  nl_geterror(rc));
	if (tb[IFLA_IFNAME] != NULL)
		vp_printable(nla_get_string(tb[IFLA_IFNAME]), name,
			     sizeof(name));
	else
		snprintf(name, sizeof(name), "ifindex %d",
			 ((struct ifinfomsg *)nlmsg_data(nlh))->ifi_index);
	if (tb[IFLA_NUM_VF] != NULL)
		num = nla_get_u32(tb[IFLA_NUM_VF]);
	if (vf >= num) {
		vp_err_set(err, 0,
			   "PF `%s` has no VF %u (the driver reports %u VFs)",
			   name, vf, num);
		if (err != NULL)
			err->errnum = ENODEV;
		return -1;
	}
	if (tb[IFLA_VFINFO_LIST] == NULL)
		return vp_err_set(err, EPROTO,
				  "PF `%s`: no VF list in the "
				  "kernel's reply",
				  name);
	nla_for_each_nested(a, tb[IFLA_VFINFO_LIST], rem)
	{
		struct nlattr *vtb[IFLA_VF_MAX + 1];
		const struct ifla_vf_mac *mac;

		if (nla_type(a) != IFLA_VF_INFO)
			continue;
		rc = nla_parse_nested(vtb, IFLA_VF_MAX, a, vf_policy);
		if (rc < 0)
			return vp_err_set(err, EPROTO,
					  "PF `%s`: malformed VF info: %s",
					  name, nl_geterror(rc));
		/* every VF info carries the MAC, and with it the VF number */
		if (vtb[IFLA_VF_MAC] == NULL)
			continue;
		mac = nla_data(vtb[IFLA_VF_MAC]);
		if (mac->vf != vf)
			continue;
		fill_vf(vtb, out);
		return 0;
	}
	return vp_err_set(err, EPROTO,
			  "PF `%s`: VF %u missing from the kernel's VF list",
			  name, vf);
}

/* ---- against the kernel ---------------------------------------------------
 */

struct get_ctx {
	unsigned vf;
	struct vp_vf_config *out;
	struct vp_err *err;
	int rc;
};

static int get_valid_cb(struct nl_msg *msg, void *arg)
{
	struct get_ctx *c = arg;

	c->rc = vp_vf_config_parse_link(msg, c->vf, c->out, c->err);
	return NL_OK;
}

int vp_vf_config_get(const char *pf_ifname, unsigned vf,
		     struct vp_vf_config *out, struct vp_err *err)
{
	_cleanup_nl_sock_ struct nl_sock *sk = NULL;
	_cleanup_nl_msg_ struct nl_msg *m = NULL;
	struct vp_nl_status st;
	struct get_ctx c = {.vf = vf, .out = out, .err = err};
	struct ifinfomsg ifi;
	int rc;

	if (!vp_valid_ifname(pf_ifname))
		return vp_err_set(err, EINVAL, "PF name invalid");
	if (vp_nl_open(&sk, &st, err) < 0)
		return vp_err_wrap(err, "PF `%s` VF %u", pf_ifname, vf);
	m = nlmsg_alloc_simple(RTM_GETLINK, NLM_F_REQUEST);
	if (m == NULL)
		return vp_err_set(err, ENOMEM, "PF `%s` VF %u", pf_ifname, vf);
	memset(&ifi, 0, sizeof(ifi));
	ifi.ifi_family = AF_UNSPEC;
	rc = nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO);
	/* by name: no window between resolving an ifindex and asking */
	if (rc == 0)
		rc = nla_put_string(m, IFLA_IFNAME, pf_ifname);
	if (rc == 0)
		rc = nla_put_u32(m, IFLA_EXT_MASK, RTEXT_FILTER_VF);
	if (rc == 0)
		rc = vp_nl_query(sk, &st, m, get_valid_cb, &c);
	if (rc < 0)
		return vp_nl_fail(err, rc, &st, "PF `%s` VF %u: read",
				  pf_ifname, vf);
	if (rc == 0)
		return vp_err_set(err, EPROTO, "PF `%s` VF %u: read: no reply",
				  pf_ifname, vf);
	return c.rc;
}

int vp_vf_config_set(const char *pf_ifname, unsigned vf,
		     const struct vp_vf_config *want, struct vp_err *err)
{
	_cleanup_nl_sock_ struct nl_sock *sk = NULL;
	struct vp_nl_status st;
	unsigned idx;

	if (!vp_valid_ifname(pf_ifname))
		return vp_err_set(err, EINVAL, "PF name invalid");
	if (check_config(want, err) < 0)
		return vp_err_wrap(err, "PF `%s` VF %u", pf_ifname, vf);
	idx = if_nametoindex(pf_ifname);
	if (idx == 0)
		return vp_err_set(err, errno, "PF `%s`", pf_ifname);
	if (vp_nl_open(&sk, &st, err) < 0)
		return vp_err_wrap(err, "PF `%s` VF %u", pf_ifname, vf);
	/* One request per setting: the kernel stops at the first one a driver
	 * refuses without saying which, and the error should. */
	for (size_t i = 0; i < sizeof(vf_fields) / sizeof(vf_fields[0]); i++) {
		_cleanup_nl_msg_ struct nl_msg *m = NULL;
		struct vp_vf_config one = *want;
		int rc;

		if (!(want->fields & vf_fields[i].field))
			continue;
		one.fields = vf_fields[i].field;
		if (vp_vf_config_build_set((int)idx, vf, &one, &m, err) < 0)
			return vp_err_wrap(err, "PF `%s` VF %u", pf_ifname, vf);
		rc = vp_nl_exchange(sk, &st, m);
		if (rc < 0)
			return vp_nl_fail(err, rc, &st, "PF `%s` VF %u: set %s",
					  pf_ifname, vf, vf_fields[i].name);
	}
	return 0;
}
