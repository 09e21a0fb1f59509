/* Unit tests: the "sriov" network type (config_sriov.c) and the sriov
 * settings of a request (request.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "config.h"
#include "request.h"
#include "tu_files.h"

#define NET(body) "{\"networks\":{\"fastnet\":{\"type\":\"sriov\"," body "}}}"

static void bad(const char *doc, const char *sub)
{
	struct vp_config cfg;
	struct vp_err err = {0};

	tu_assert_err(vp_config_parse(doc, strlen(doc), &cfg, &err), err, sub);
}

static void good(const char *doc, struct vp_config *cfg)
{
	struct vp_err err = {0};

	tu_assert_ok(vp_config_parse(doc, strlen(doc), cfg, &err), err);
}

static void test_defaults(void **state)
{
	struct vp_config cfg;
	const struct vp_sriov_net *s;

	(void)state;
	good(NET("\"pfs\":[\"ens785f0\",\"0000:3b:00.1\"]"), &cfg);
	assert_int_equal(cfg.networks[0].type, VP_NET_SRIOV);
	s = &cfg.networks[0].sriov;
	assert_int_equal(s->n_pfs, 2);
	assert_string_equal(s->pfs[1], "0000:3b:00.1");
	assert_int_equal(s->mode, VP_MODE_AUTO);
	assert_true(s->pf_netlink);
	assert_int_equal(s->vf.vlan, 0);
	assert_int_equal(s->vf.vlan_proto, VP_ETH_P_8021Q);
	assert_true(s->vf.spoofchk);
	assert_false(s->vf.trust);
	assert_int_equal(s->vf.link_state, VP_VF_LINK_AUTO);
	assert_int_equal(s->allow, 0);
	assert_false(s->vf.fields & VP_VF_MAC);
	vp_config_free(&cfg);
}

static void test_full(void **state)
{
	struct vp_config cfg;
	const struct vp_sriov_net *s;

	(void)state;
	good(NET("\"pfs\":[\"ens785f0\"],\"vendor\":\"0x8086\","
		 "\"device\":\"154c\",\"mode\":\"netns\",\"vlan\":100,"
		 "\"qos\":3,\"vlan_proto\":\"802.1ad\",\"spoofchk\":false,"
		 "\"trust\":true,\"link_state\":\"enable\","
		 "\"min_tx_rate\":100,\"max_tx_rate\":1000,\"mtu\":9000,"
		 "\"allow\":[\"mac\",\"vlan\",\"mtu\"]"),
	     &cfg);
	s = &cfg.networks[0].sriov;
	assert_true(s->has_vendor && s->vendor == 0x8086);
	assert_true(s->has_device && s->device == 0x154c);
	assert_int_equal(s->mode, VP_MODE_NETNS);
	assert_int_equal(s->vf.vlan, 100);
	assert_int_equal(s->vf.qos, 3);
	assert_int_equal(s->vf.vlan_proto, VP_ETH_P_8021AD);
	assert_false(s->vf.spoofchk);
	assert_true(s->vf.trust);
	assert_int_equal(s->vf.link_state, VP_VF_LINK_ENABLE);
	assert_int_equal(s->vf.min_tx_rate, 100);
	assert_int_equal(s->vf.max_tx_rate, 1000);
	assert_int_equal(s->mtu, 9000);
	assert_true(s->pf_netlink);
	assert_int_equal(s->allow, VP_ALLOW_MAC | VP_ALLOW_VLAN | VP_ALLOW_MTU);
	vp_config_free(&cfg);
}

static void test_refusals(void **state)
{
	(void)state;
	bad(NET("\"vlan\":1"), "networks.fastnet.pfs: missing");
	bad(NET("\"pfs\":[]"), "must list 1 to 64 PFs");
	bad(NET("\"pfs\":[\"a/b\"]"), "pfs[0]: `a/b` is neither");
	bad(NET("\"pfs\":[\"eth0\",\"eth0\"]"), "listed twice");
	bad(NET("\"pfs\":[\"eth0\"],\"bridge\":\"br\""),
	    "unknown key `bridge`");
	bad(NET("\"pfs\":[\"eth0\"],\"vlan\":4096"), "vlan: must be between");
	bad(NET("\"pfs\":[\"eth0\"],\"qos\":8"), "qos: must be between");
	bad(NET("\"pfs\":[\"eth0\"],\"qos\":1"), "qos: needs a vlan");
	bad(NET("\"pfs\":[\"eth0\"],\"vlan_proto\":\"802.1X\""),
	    "`802.1X` is not one of 802.1Q, 802.1ad");
	bad(NET("\"pfs\":[\"eth0\"],\"mode\":\"macvtap\""),
	    "`macvtap` is not one of auto, vfio, netns");
	bad(NET("\"pfs\":[\"eth0\"],\"min_tx_rate\":10,\"max_tx_rate\":5"),
	    "min_tx_rate: 10 is above max_tx_rate 5");
	bad(NET("\"pfs\":[\"eth0\"],\"mtu\":10"), "mtu: must be 0 (keep)");
	bad(NET("\"pfs\":[\"eth0\"],\"vendor\":\"intel\""), "is not a PCI id");
	bad(NET("\"pfs\":[\"eth0\"],\"allow\":[\"pf\"]"),
	    "`pf` is not something a container may set");
	bad(NET("\"pfs\":[\"eth0\"],\"pf_netlink\":false,\"vlan\":5"),
	    "networks.fastnet.vlan: needs \"pf_netlink\": true");
	bad(NET("\"pfs\":[\"eth0\"],\"pf_netlink\":false,"
		"\"allow\":[\"mac\",\"trust\"]"),
	    "networks.fastnet.allow: `trust` needs \"pf_netlink\": true");
	bad(NET("\"pfs\":[\"eth0\"],\"spoofchk\":\"yes\""),
	    "spoofchk: must be true or false, got string");
}

static const char cfg_doc[] =
    "{\"networks\":{"
    "\"fastnet\":{\"type\":\"sriov\",\"pfs\":[\"eth0\"],\"vlan\":100,"
    "\"allow\":[\"mac\",\"vlan\",\"trust\"]},"
    "\"locked\":{\"type\":\"sriov\",\"pfs\":[\"eth1\"]},"
    "\"chain\":{\"type\":\"vhost-user\",\"bridge\":\"br\"}}}";

static int resolve(const char *annotation, struct vp_request *req,
		   struct vp_config *cfg, struct vp_err *err)
{
	good(cfg_doc, cfg);
	if (vp_request_parse(annotation, req, err) < 0)
		return -1;
	return vp_request_resolve(req, cfg, "sb1", err);
}

static void test_request_overrides(void **state)
{
	struct vp_config cfg;
	struct vp_request req;
	struct vp_err err = {0};

	(void)state;
	tu_assert_ok(resolve("[{\"network\":\"fastnet\",\"vlan\":200,"
			     "\"trust\":true,\"mac\":\"02:aa:bb:cc:dd:ee\"}]",
			     &req, &cfg, &err),
		     err);
	assert_int_equal(req.items[0].vf.vlan, 200);
	assert_true(req.items[0].vf.trust);
	assert_true(req.items[0].vf.spoofchk); /* network default */
	assert_true(req.items[0].vf.fields & VP_VF_MAC);
	assert_int_equal(req.items[0].vf.mac[5], 0xee);
	vp_request_free(&req);
	vp_config_free(&cfg);

	/* nothing given: the network's settings and a derived MAC */
	tu_assert_ok(resolve("[{\"network\":\"locked\"}]", &req, &cfg, &err),
		     err);
	assert_int_equal(req.items[0].vf.vlan, 0);
	assert_int_equal(req.items[0].vf.mac[0], 0x02);
	vp_request_free(&req);
	vp_config_free(&cfg);
}

static void expect_refused(const char *annotation, const char *sub)
{
	struct vp_config cfg;
	struct vp_request req;
	struct vp_err err = {0};

	tu_assert_err(resolve(annotation, &req, &cfg, &err), err, sub);
	vp_request_free(&req);
	vp_config_free(&cfg);
}

static void test_request_refusals(void **state)
{
	(void)state;
	expect_refused("[{\"network\":\"locked\",\"vlan\":5}]",
		       "networks[0].vlan: network `locked` does not let "
		       "containers set it");
	expect_refused(
	    "[{\"network\":\"locked\",\"mac\":\"02:00:00:00:00:01\"}]",
	    "networks[0].mac: network `locked` does not let");
	expect_refused("[{\"network\":\"fastnet\",\"qos\":2}]",
		       "networks[0].qos: network `fastnet` does not let");
	expect_refused("[{\"network\":\"fastnet\",\"queues\":2}]",
		       "only vhost-user networks have queues");
	expect_refused("[{\"network\":\"chain\",\"vlan\":2}]",
		       "networks[0].vlan: only sriov networks take it");
	expect_refused("[{\"network\":\"fastnet\",\"vlan\":4096}]",
		       "vlan: must be between 0 and 4095");
	expect_refused("[{\"network\":\"fastnet\",\"trust\":1}]",
		       "trust: must be true or false, got number");
	expect_refused("[{\"network\":\"fastnet\",\"link_state\":\"up\"}]",
		       "`up` is not one of auto, enable, disable");
	expect_refused("[{\"network\":\"fastnet\",\"mtu\":67}]",
		       "mtu: must be between 68 and 65535");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_full),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_request_overrides),
	    cmocka_unit_test(test_request_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
