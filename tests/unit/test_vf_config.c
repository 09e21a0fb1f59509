/* test_vf_config.c - PF-side VF settings (vf_config.h) at the message
 * level: every attribute of the RTM_SETLINK request parsed back, a synthetic
 * kernel RTM_NEWLINK for a PF with 4 VFs parsed, refusals of bad settings.  No
 * NIC here accepts VF configuration, so the real kernel is only asked what it
 * can answer: a link without VFs (get) and a veth refusing VF settings (set,
 * root only).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "vf_config.h"

static const uint8_t MAC1[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

static struct vp_vf_config full_config(uint16_t proto)
{
	struct vp_vf_config c;

	memset(&c, 0, sizeof(c));
	c.fields = VP_VF_MAC | VP_VF_VLAN | VP_VF_SPOOFCHK | VP_VF_TRUST |
		   VP_VF_RATE | VP_VF_LINK_STATE;
	memcpy(c.mac, MAC1, 6);
	c.vlan = 100;
	c.qos = 5;
	c.vlan_proto = proto;
	c.spoofchk = true;
	c.trust = false;
	c.min_tx_rate = 100;
	c.max_tx_rate = 2500;
	c.link_state = VP_VF_LINK_ENABLE;
	return c;
}

/* Parse a built request down to its one IFLA_VF_INFO; returns the number of
 * attributes in it and fills vtb. */
static int parse_request(struct nl_msg *m, int ifindex,
			 struct nlattr *vtb[IFLA_VF_MAX + 1])
{
	static struct nla_policy ifla[IFLA_MAX + 1] = {
	    [IFLA_VFINFO_LIST] = {.type = NLA_NESTED},
	};
	static struct nla_policy vfp[IFLA_VF_MAX + 1] = {
	    [IFLA_VF_MAC] = {.minlen = sizeof(struct ifla_vf_mac)},
	    [IFLA_VF_VLAN] = {.minlen = sizeof(struct ifla_vf_vlan)},
	    [IFLA_VF_VLAN_LIST] = {.type = NLA_NESTED},
	    [IFLA_VF_SPOOFCHK] = {.minlen = sizeof(struct ifla_vf_spoofchk)},
	    [IFLA_VF_TRUST] = {.minlen = sizeof(struct ifla_vf_trust)},
	    [IFLA_VF_RATE] = {.minlen = sizeof(struct ifla_vf_rate)},
	    [IFLA_VF_LINK_STATE] = {.minlen =
					sizeof(struct ifla_vf_link_state)},
	};
	struct nlmsghdr *nlh = nlmsg_hdr(m);
	struct nlattr *tb[IFLA_MAX + 1];
	struct ifinfomsg *ifi = nlmsg_data(nlh);
	struct nlattr *a, *info = NULL;
	int rem, n_info = 0, n_attr = 0, n_top = 0;

	assert_int_equal(nlh->nlmsg_type, RTM_SETLINK);
	assert_true(nlh->nlmsg_flags & NLM_F_REQUEST);
	assert_true(nlh->nlmsg_flags & NLM_F_ACK);
	assert_int_equal(ifi->ifi_index, ifindex);
	assert_int_equal(ifi->ifi_family, AF_UNSPEC);
	assert_int_equal(ifi->ifi_change, 0);
	assert_int_equal(nlmsg_parse(nlh, sizeof(*ifi), tb, IFLA_MAX, ifla), 0);
	/* nothing but the VF list: no name, no flags, no MTU */
	nlmsg_for_each_attr(a, nlh, sizeof(*ifi), rem) n_top++;
	assert_int_equal(n_top, 1);
	assert_non_null(tb[IFLA_VFINFO_LIST]);
	nla_for_each_nested(a, tb[IFLA_VFINFO_LIST], rem)
	{
		assert_int_equal(nla_type(a), IFLA_VF_INFO);
		info = a;
		n_info++;
	}
	assert_int_equal(n_info, 1);
	assert_int_equal(nla_parse_nested(vtb, IFLA_VF_MAX, info, vfp), 0);
	nla_for_each_nested(a, info, rem) n_attr++;
	return n_attr;
}

static void test_build_8021q_all_fields(void **state)
{
	struct vp_vf_config c = full_config(VP_ETH_P_8021Q);
	struct nlattr *vtb[IFLA_VF_MAX + 1];
	struct nl_msg *m = NULL;
	struct vp_err err;

	(void)state;
	assert_int_equal(vp_vf_config_build_set(7, 3, &c, &m, &err), 0);
	assert_int_equal(parse_request(m, 7, vtb), 6);

	const struct ifla_vf_mac *mac = nla_data(vtb[IFLA_VF_MAC]);
	uint8_t zero[26] = {0};
	assert_int_equal(nla_len(vtb[IFLA_VF_MAC]), sizeof(*mac));
	assert_int_equal(mac->vf, 3);
	assert_memory_equal(mac->mac, MAC1, 6);
	assert_memory_equal(mac->mac + 6, zero, 26);

	assert_non_null(vtb[IFLA_VF_VLAN]);
	assert_null(vtb[IFLA_VF_VLAN_LIST]);
	const struct ifla_vf_vlan *vlan = nla_data(vtb[IFLA_VF_VLAN]);
	assert_int_equal(nla_len(vtb[IFLA_VF_VLAN]), sizeof(*vlan));
	assert_int_equal(vlan->vf, 3);
	assert_int_equal(vlan->vlan, 100);
	assert_int_equal(vlan->qos, 5);

	const struct ifla_vf_spoofchk *sc = nla_data(vtb[IFLA_VF_SPOOFCHK]);
	assert_int_equal(sc->vf, 3);
	assert_int_equal(sc->setting, 1);
	const struct ifla_vf_trust *tr = nla_data(vtb[IFLA_VF_TRUST]);
	assert_int_equal(tr->vf, 3);
	assert_int_equal(tr->setting, 0);
	const struct ifla_vf_rate *rate = nla_data(vtb[IFLA_VF_RATE]);
	assert_int_equal(nla_len(vtb[IFLA_VF_RATE]), sizeof(*rate));
	assert_int_equal(rate->vf, 3);
	assert_int_equal(rate->min_tx_rate, 100);
	assert_int_equal(rate->max_tx_rate, 2500);
	const struct ifla_vf_link_state *ls = nla_data(vtb[IFLA_VF_LINK_STATE]);
	assert_int_equal(ls->vf, 3);
	assert_int_equal(ls->link_state, IFLA_VF_LINK_STATE_ENABLE);
	nlmsg_free(m);
}

static void test_build_8021ad_uses_vlan_list(void **state)
{
	struct vp_vf_config c = full_config(VP_ETH_P_8021AD);
	struct nlattr *vtb[IFLA_VF_MAX + 1];
	struct nl_msg *m = NULL;
	struct vp_err err;
	struct nlattr *a;
	int rem, n = 0;

	(void)state;
	c.fields = VP_VF_VLAN;
	c.vlan = 4095;
	c.qos = 7;
	assert_int_equal(vp_vf_config_build_set(12, 0, &c, &m, &err), 0);
	assert_int_equal(parse_request(m, 12, vtb), 1);
	/* the legacy attribute has no protocol: it must not be sent too */
	assert_null(vtb[IFLA_VF_VLAN]);
	assert_non_null(vtb[IFLA_VF_VLAN_LIST]);
	nla_for_each_nested(a, vtb[IFLA_VF_VLAN_LIST], rem)
	{
		const struct ifla_vf_vlan_info *v = nla_data(a);
		assert_int_equal(nla_type(a), IFLA_VF_VLAN_INFO);
		assert_int_equal(nla_len(a), sizeof(*v));
		assert_int_equal(v->vf, 0);
		assert_int_equal(v->vlan, 4095);
		assert_int_equal(v->qos, 7);
		assert_int_equal(v->vlan_proto, htons(0x88a8));
		/* network byte order on the wire */
		assert_int_equal(((const uint8_t *)&v->vlan_proto)[0], 0x88);
		n++;
	}
	assert_int_equal(n, 1);
	nlmsg_free(m);
}

static void test_build_only_selected_fields(void **state)
{
	struct vp_vf_config c = full_config(VP_ETH_P_8021Q);
	struct nlattr *vtb[IFLA_VF_MAX + 1];
	const unsigned one[] = {VP_VF_MAC,   VP_VF_VLAN, VP_VF_SPOOFCHK,
				VP_VF_TRUST, VP_VF_RATE, VP_VF_LINK_STATE};
	const int attr[] = {IFLA_VF_MAC,   IFLA_VF_VLAN, IFLA_VF_SPOOFCHK,
			    IFLA_VF_TRUST, IFLA_VF_RATE, IFLA_VF_LINK_STATE};

	(void)state;
	for (size_t i = 0; i < 6; i++) {
		struct nl_msg *m = NULL;
		struct vp_err err;
		c.fields = one[i];
		assert_int_equal(vp_vf_config_build_set(2, 1, &c, &m, &err), 0);
		assert_int_equal(parse_request(m, 2, vtb), 1);
		assert_non_null(vtb[attr[i]]);
		nlmsg_free(m);
	}
	/* spoofchk off, trust on, disable, all-zero MAC (a driver's "clear") */
	c.fields = VP_VF_SPOOFCHK | VP_VF_TRUST | VP_VF_LINK_STATE | VP_VF_MAC;
	c.spoofchk = false;
	c.trust = true;
	c.link_state = VP_VF_LINK_DISABLE;
	memset(c.mac, 0, 6);
	struct nl_msg *m = NULL;
	struct vp_err err;
	assert_int_equal(vp_vf_config_build_set(2, 1, &c, &m, &err), 0);
	assert_int_equal(parse_request(m, 2, vtb), 4);
	assert_int_equal(
	    ((struct ifla_vf_spoofchk *)nla_data(vtb[IFLA_VF_SPOOFCHK]))
		->setting,
	    0);
	assert_int_equal(
	    ((struct ifla_vf_trust *)nla_data(vtb[IFLA_VF_TRUST]))->setting, 1);
	assert_int_equal(
	    ((struct ifla_vf_link_state *)nla_data(vtb[IFLA_VF_LINK_STATE]))
		->link_state,
	    IFLA_VF_LINK_STATE_DISABLE);
	nlmsg_free(m);
}

static void expect_refused(struct vp_vf_config c, int ifindex, unsigned vf,
			   const char *msg)
{
	struct nl_msg *m = NULL;
	struct vp_err err;

	assert_int_equal(vp_vf_config_build_set(ifindex, vf, &c, &m, &err), -1);
	assert_null(m);
	assert_int_equal(err.errnum, EINVAL);
	if (strstr(err.msg, msg) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", err.msg, msg);
}

static void test_build_refuses_bad_settings(void **state)
{
	struct vp_vf_config c = full_config(VP_ETH_P_8021Q), b;

	(void)state;
	b = c, b.vlan = 4096;
	expect_refused(b, 1, 0, "VLAN 4096 out of range 0..4095");
	b = c, b.qos = 8;
	expect_refused(b, 1, 0, "VLAN QoS 8 out of range 0..7");
	b = c, b.vlan_proto = 0x0800;
	expect_refused(b, 1, 0, "VLAN protocol 0x0800 is neither");
	b = c, b.min_tx_rate = 3000;
	expect_refused(b, 1, 0, "min tx rate 3000 above max tx rate 2500");
	b = c, b.link_state = (enum vp_vf_link_state)3;
	expect_refused(b, 1, 0, "link state 3 unknown");
	b = c, b.mac[0] = 0x01;
	expect_refused(b, 1, 0, "multicast");
	b = c, b.fields = 0;
	expect_refused(b, 1, 0, "no VF setting selected");
	b = c, b.fields |= 1u << 9;
	expect_refused(b, 1, 0, "unknown VF setting bits 0x200");
	expect_refused(c, 0, 0, "PF ifindex 0 invalid");
	expect_refused(c, 1, INT_MAX, "out of range");
	/* unselected fields are not checked: a bad VLAN is fine for MAC only */
	b = c, b.vlan = 9999, b.fields = VP_VF_MAC;
	struct nl_msg *m = NULL;
	struct vp_err err;
	assert_int_equal(vp_vf_config_build_set(1, 0, &b, &m, &err), 0);
	nlmsg_free(m);
	/* max 0 means unlimited: any minimum goes */
	b = c, b.max_tx_rate = 0, b.fields = VP_VF_RATE;
	assert_int_equal(vp_vf_config_build_set(1, 0, &b, &m, &err), 0);
	nlmsg_free(m);
}

/* ---- a kernel-shaped RTM_NEWLINK for a PF with 4 VFs --------------------- */

struct fake_vf {
	uint8_t mac[6];
	uint32_t vlan, qos;
	uint16_t proto;
	uint32_t spoofchk, trust, link_state, min_rate, max_rate;
};

static const struct fake_vf FAKE[4] = {
    {{0x02, 0, 0, 0, 0, 0x10}, 0, 0, 0x8100, 1, 0, 0, 0, 0},
    {{0x02, 0, 0, 0, 0, 0x11}, 10, 1, 0x8100, 0, 1, 1, 0, 1000},
    {{0x02, 0, 0, 0, 0, 0x12}, 300, 3, 0x88a8, 1, 1, 2, 50, 500},
    /* a driver that reports neither spoofchk nor trust leaves -1 */
    {{0, 0, 0, 0, 0, 0}, 0, 0, 0x8100, UINT32_MAX, UINT32_MAX, 0, 0, 0},
};

static void put_fake_vf(struct nl_msg *m, uint32_t n, const struct fake_vf *f,
			bool legacy)
{
	struct nlattr *info = nla_nest_start(m, IFLA_VF_INFO);
	struct ifla_vf_mac mac = {.vf = n};
	struct ifla_vf_broadcast bc;
	struct ifla_vf_vlan vlan = {.vf = n, .vlan = f->vlan, .qos = f->qos};
	struct ifla_vf_vlan_info vi = {.vf = n,
				       .vlan = f->vlan,
				       .qos = f->qos,
				       .vlan_proto = htons(f->proto)};
	struct ifla_vf_tx_rate txr = {.vf = n, .rate = f->max_rate};
	struct ifla_vf_rate rate = {
	    .vf = n, .min_tx_rate = f->min_rate, .max_tx_rate = f->max_rate};
	struct ifla_vf_spoofchk sc = {.vf = n, .setting = f->spoofchk};
	struct ifla_vf_link_state ls = {.vf = n, .link_state = f->link_state};
	struct ifla_vf_rss_query_en rss = {.vf = n, .setting = UINT32_MAX};
	struct ifla_vf_trust tr = {.vf = n, .setting = f->trust};

	assert_non_null(info);
	memcpy(mac.mac, f->mac, 6);
	memset(&bc, 0xff, sizeof(bc));
	/* the order rtnl_fill_vfinfo() uses */
	assert_int_equal(nla_put(m, IFLA_VF_MAC, sizeof(mac), &mac), 0);
	assert_int_equal(nla_put(m, IFLA_VF_BROADCAST, sizeof(bc), &bc), 0);
	assert_int_equal(nla_put(m, IFLA_VF_VLAN, sizeof(vlan), &vlan), 0);
	assert_int_equal(nla_put(m, IFLA_VF_RATE, sizeof(rate), &rate), 0);
	assert_int_equal(nla_put(m, IFLA_VF_TX_RATE, sizeof(txr), &txr), 0);
	assert_int_equal(nla_put(m, IFLA_VF_SPOOFCHK, sizeof(sc), &sc), 0);
	assert_int_equal(nla_put(m, IFLA_VF_LINK_STATE, sizeof(ls), &ls), 0);
	assert_int_equal(nla_put(m, IFLA_VF_RSS_QUERY_EN, sizeof(rss), &rss),
			 0);
	assert_int_equal(nla_put(m, IFLA_VF_TRUST, sizeof(tr), &tr), 0);
	if (!legacy) {
		struct nlattr *list = nla_nest_start(m, IFLA_VF_VLAN_LIST);
		assert_int_equal(nla_put(m, IFLA_VF_VLAN_INFO, sizeof(vi), &vi),
				 0);
		nla_nest_end(m, list);
	}
	struct nlattr *stats = nla_nest_start(m, IFLA_VF_STATS);
	assert_int_equal(nla_put_u64(m, IFLA_VF_STATS_RX_PACKETS, 12345), 0);
	assert_int_equal(nla_put_u64(m, IFLA_VF_STATS_TX_BYTES, 999), 0);
	nla_nest_end(m, stats);
	nla_nest_end(m, info);
}

/* order: VF indexes in list order (a kernel sends 0..n-1) */
static struct nl_msg *fake_newlink(const char *name, uint32_t num_vf,
				   uint32_t n_listed, const uint32_t *order,
				   bool legacy)
{
	struct nl_msg *m = nlmsg_alloc_simple(RTM_NEWLINK, 0);
	struct ifinfomsg ifi = {
	    .ifi_family = AF_UNSPEC, .ifi_index = 4, .ifi_flags = 0x1003};
	uint8_t pfmac[6] = {0x3c, 0xfd, 0xfe, 0, 0, 1};

	assert_non_null(m);
	assert_int_equal(nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO), 0);
	if (name != NULL)
		assert_int_equal(nla_put_string(m, IFLA_IFNAME, name), 0);
	assert_int_equal(nla_put_u32(m, IFLA_MTU, 1500), 0);
	assert_int_equal(nla_put(m, IFLA_ADDRESS, 6, pfmac), 0);
	assert_int_equal(nla_put_u32(m, IFLA_NUM_VF, num_vf), 0);
	if (n_listed > 0) {
		struct nlattr *list = nla_nest_start(m, IFLA_VFINFO_LIST);
		for (uint32_t i = 0; i < n_listed; i++) {
			uint32_t n = order != NULL ? order[i] : i;
			put_fake_vf(m, n, &FAKE[n], legacy);
		}
		nla_nest_end(m, list);
	}
	assert_int_equal(nla_put_u32(m, IFLA_GROUP, 0), 0);
	return m;
}

static void test_parse_pf_with_4_vfs(void **state)
{
	struct nl_msg *m = fake_newlink("ens785f0", 4, 4, NULL, false);
	struct vp_vf_config c;
	struct vp_err err;

	(void)state;
	assert_int_equal(vp_vf_config_parse_link(m, 2, &c, &err), 0);
	assert_int_equal(c.fields, VP_VF_MAC | VP_VF_VLAN | VP_VF_SPOOFCHK |
				       VP_VF_TRUST | VP_VF_RATE |
				       VP_VF_LINK_STATE);
	assert_memory_equal(c.mac, FAKE[2].mac, 6);
	assert_int_equal(c.vlan, 300);
	assert_int_equal(c.qos, 3);
	/* the protocol comes from the list (the legacy attribute has none) */
	assert_int_equal(c.vlan_proto, VP_ETH_P_8021AD);
	assert_true(c.spoofchk);
	assert_true(c.trust);
	assert_int_equal(c.min_tx_rate, 50);
	assert_int_equal(c.max_tx_rate, 500);
	assert_int_equal(c.link_state, VP_VF_LINK_DISABLE);

	assert_int_equal(vp_vf_config_parse_link(m, 1, &c, &err), 0);
	assert_memory_equal(c.mac, FAKE[1].mac, 6);
	assert_int_equal(c.vlan, 10);
	assert_int_equal(c.qos, 1);
	assert_int_equal(c.vlan_proto, VP_ETH_P_8021Q);
	assert_false(c.spoofchk);
	assert_true(c.trust);
	assert_int_equal(c.min_tx_rate, 0);
	assert_int_equal(c.max_tx_rate, 1000);
	assert_int_equal(c.link_state, VP_VF_LINK_ENABLE);

	/* -1 from the kernel: the driver does not report them */
	assert_int_equal(vp_vf_config_parse_link(m, 3, &c, &err), 0);
	assert_false(c.fields & VP_VF_SPOOFCHK);
	assert_false(c.fields & VP_VF_TRUST);
	assert_true(c.fields & VP_VF_MAC);
	assert_int_equal(c.link_state, VP_VF_LINK_AUTO);

	assert_int_equal(vp_vf_config_parse_link(m, 4, &c, &err), -1);
	assert_string_equal(err.msg, "PF `ens785f0` has no VF 4 (the driver "
				     "reports 4 VFs)");
	assert_int_equal(err.errnum, ENODEV);
	nlmsg_free(m);
}

static void test_parse_matches_vf_number_not_position(void **state)
{
	const uint32_t order[4] = {3, 2, 1, 0};
	struct nl_msg *m = fake_newlink("pf0", 4, 4, order, false);
	struct vp_vf_config c;
	struct vp_err err;

	(void)state;
	assert_int_equal(vp_vf_config_parse_link(m, 0, &c, &err), 0);
	assert_memory_equal(c.mac, FAKE[0].mac, 6);
	assert_true(c.spoofchk);
	assert_false(c.trust);
	nlmsg_free(m);
}

static void test_parse_legacy_and_gaps(void **state)
{
	struct vp_vf_config c;
	struct vp_err err;
	struct nl_msg *m;

	(void)state;
	/* no IFLA_VF_VLAN_LIST (pre-4.9 kernel): 802.1Q from IFLA_VF_VLAN */
	m = fake_newlink("pf0", 4, 4, NULL, true);
	assert_int_equal(vp_vf_config_parse_link(m, 2, &c, &err), 0);
	assert_int_equal(c.vlan, 300);
	assert_int_equal(c.vlan_proto, VP_ETH_P_8021Q);
	nlmsg_free(m);

	/* 4 VFs announced, only 2 listed */
	m = fake_newlink("pf0", 4, 2, NULL, false);
	assert_int_equal(vp_vf_config_parse_link(m, 3, &c, &err), -1);
	assert_string_equal(err.msg,
			    "PF `pf0`: VF 3 missing from the kernel's VF list: "
			    "Protocol error");
	nlmsg_free(m);

	/* announced but no list at all (asked without RTEXT_FILTER_VF) */
	m = fake_newlink("pf0", 4, 0, NULL, false);
	assert_int_equal(vp_vf_config_parse_link(m, 0, &c, &err), -1);
	assert_string_equal(err.msg, "PF `pf0`: no VF list in the kernel's "
				     "reply: Protocol error");
	nlmsg_free(m);

	/* no name in the reply: the ifindex stands in */
	m = fake_newlink(NULL, 0, 0, NULL, false);
	assert_int_equal(vp_vf_config_parse_link(m, 0, &c, &err), -1);
	assert_string_equal(err.msg, "PF `ifindex 4` has no VF 0 (the driver "
				     "reports 0 VFs)");
	nlmsg_free(m);
}

static void test_parse_hostile_replies(void **state)
{
	struct vp_vf_config c;
	struct vp_err err;
	struct nl_msg *m;
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = 4};

	(void)state;
	/* an IFLA_VF_MAC shorter than struct ifla_vf_mac */
	m = nlmsg_alloc_simple(RTM_NEWLINK, 0);
	assert_int_equal(nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO), 0);
	assert_int_equal(nla_put_string(m, IFLA_IFNAME, "pf\x1b[0m"), 0);
	assert_int_equal(nla_put_u32(m, IFLA_NUM_VF, 1), 0);
	struct nlattr *list = nla_nest_start(m, IFLA_VFINFO_LIST);
	struct nlattr *info = nla_nest_start(m, IFLA_VF_INFO);
	uint32_t vf0 = 0;
	assert_int_equal(nla_put(m, IFLA_VF_MAC, sizeof(vf0), &vf0), 0);
	nla_nest_end(m, info);
	nla_nest_end(m, list);
	assert_int_equal(vp_vf_config_parse_link(m, 0, &c, &err), -1);
	/* the name is made printable before it reaches a message */
	assert_non_null(strstr(err.msg, "PF `pf?[0m`: malformed VF info"));
	assert_int_equal(err.errnum, EPROTO);
	nlmsg_free(m);

	/* not a RTM_NEWLINK at all */
	m = nlmsg_alloc_simple(RTM_DELLINK, 0);
	assert_int_equal(nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO), 0);
	assert_int_equal(vp_vf_config_parse_link(m, 0, &c, &err), -1);
	assert_non_null(strstr(err.msg, "not RTM_NEWLINK"));
	nlmsg_free(m);
}

/* ---- the real kernel ----------------------------------------------------- */

static void test_kernel_get_on_link_without_vfs(void **state)
{
	struct vp_vf_config c;
	struct vp_err err;
	char name[32];

	(void)state;
	/* RTM_GETLINK needs no privilege: runs as any user */
	assert_int_equal(vp_vf_config_get("lo", 0, &c, &err), -1);
	assert_string_equal(err.msg,
			    "PF `lo` has no VF 0 (the driver reports 0 VFs)");
	assert_int_equal(err.errnum, ENODEV);

	snprintf(name, sizeof(name), "vpnone%d", (int)getpid() % 100000);
	assert_int_equal(vp_vf_config_get(name, 0, &c, &err), -1);
	char want[96];
	snprintf(want, sizeof(want), "PF `%s` VF 0: read: No such device",
		 name);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.errnum, ENODEV);

	assert_int_equal(vp_vf_config_get("../x", 0, &c, &err), -1);
	assert_string_equal(err.msg, "PF name invalid: Invalid argument");
}

static void test_kernel_veth_refuses_vf_settings(void **state)
{
	char a[16], b[16], cmd[128], want[128];
	struct vp_vf_config c = full_config(VP_ETH_P_8021Q), got;
	struct vp_err err;
	int rc;

	(void)state;
	if (geteuid() != 0)
		skip();
	snprintf(a, sizeof(a), "vpfa%d", (int)getpid() % 100000);
	snprintf(b, sizeof(b), "vpfb%d", (int)getpid() % 100000);
	snprintf(cmd, sizeof(cmd),
		 "ip link add %s type veth peer name %s 2>/dev/null", a, b);
	if (system(cmd) != 0)
		skip();

	rc = vp_vf_config_get(a, 0, &got, &err);
	snprintf(want, sizeof(want),
		 "PF `%s` has no VF 0 (the driver reports 0 VFs)", a);
	if (rc == -1 && strcmp(err.msg, want) == 0) {
		/* the request reaches the kernel, which says veth has no
		 * ndo_set_vf_*; one request per setting names the first */
		rc = vp_vf_config_set(a, 0, &c, &err);
		snprintf(want, sizeof(want),
			 "PF `%s` VF 0: set MAC: Operation not supported", a);
		if (rc == -1 && strcmp(err.msg, want) == 0 &&
		    err.errnum == EOPNOTSUPP) {
			c.fields = VP_VF_TRUST;
			rc = vp_vf_config_set(a, 0, &c, &err);
			snprintf(want, sizeof(want),
				 "PF `%s` VF 0: set trust: Operation not "
				 "supported",
				 a);
		}
	}
	snprintf(cmd, sizeof(cmd), "ip link del %s", a);
	if (system(cmd) != 0)
		fprintf(stderr, "# could not delete %s\n", a);
	assert_int_equal(rc, -1);
	assert_string_equal(err.msg, want);

	/* gone: the PF is named in the error */
	rc = vp_vf_config_set(a, 0, &c, &err);
	assert_int_equal(rc, -1);
	snprintf(want, sizeof(want), "PF `%s`: No such device", a);
	assert_string_equal(err.msg, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_build_8021q_all_fields),
	    cmocka_unit_test(test_build_8021ad_uses_vlan_list),
	    cmocka_unit_test(test_build_only_selected_fields),
	    cmocka_unit_test(test_build_refuses_bad_settings),
	    cmocka_unit_test(test_parse_pf_with_4_vfs),
	    cmocka_unit_test(test_parse_matches_vf_number_not_position),
	    cmocka_unit_test(test_parse_legacy_and_gaps),
	    cmocka_unit_test(test_parse_hostile_replies),
	    cmocka_unit_test(test_kernel_get_on_link_without_vfs),
	    cmocka_unit_test(test_kernel_veth_refuses_vf_settings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
