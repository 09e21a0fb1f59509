/* fuzz_request.c - the container's io.vnfplug.networks annotation
 * (vp_request_parse), resolved against a fixed config with two vhost-user
 * and two sriov networks (vp_request_resolve).  The config is parsed once
 * and never written afterwards.
 *
 * Invariants on a request that resolves: every entry names a configured
 * network, has an ifname passing vp_valid_ifname and a unicast, non-zero
 * MAC; ifnames and MACs are unique within the request; vhost-user entries
 * have 1..max_queues queues and no sriov settings; sriov entries have no
 * queues, only settings the network allows, their VF config carries the
 * entry's MAC and consistent rates/qos, and an MTU of 0 or 68..65535.
 */
#include <stdbool.h>

#include "config.h"
#include "fuzz.h"
#include "request.h"
#include "validate.h"

#define SANDBOX "fuzz-sandbox-0"

static const char config_doc[] =
    "{\"networks\":{"
    "\"chain\":{\"type\":\"vhost-user\",\"bridge\":\"br-vnf\","
    "\"queues\":1,\"max_queues\":8},"
    "\"chain-mq\":{\"type\":\"vhost-user\",\"bridge\":\"br-mq\","
    "\"queues\":4,\"max_queues\":4,\"vectors\":10},"
    "\"fastnet\":{\"type\":\"sriov\",\"pfs\":[\"ens785f0\",\"0000:3b:00.1\"],"
    "\"vlan\":100,\"qos\":3,\"mode\":\"vfio\",\"allow\":[\"mac\",\"vlan\","
    "\"qos\",\"spoofchk\",\"trust\",\"min_tx_rate\",\"max_tx_rate\","
    "\"link_state\",\"mtu\"]},"
    "\"locked\":{\"type\":\"sriov\",\"pfs\":[\"ens1f0\"],\"mode\":\"netns\","
    "\"max_tx_rate\":1000,\"mtu\":9000,\"allow\":[\"mac\"]}}}";

static struct vp_config cfg;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct vp_err err = {0};

	(void)argc;
	(void)argv;
	if (vp_config_parse(config_doc, sizeof(config_doc) - 1, &cfg, &err) <
	    0) {
		fprintf(stderr, "fuzz_request: fixed config: %s\n", err.msg);
		abort();
	}
	return 0;
}

static void check_sriov(const struct vp_request_item *it, size_t i)
{
	const struct vp_sriov_net *s = &it->net->sriov;

	FUZZ_CHECK(it->queues == 0, "[%zu] sriov with queues", i);
	FUZZ_CHECK((it->set & ~s->allow) == 0, "[%zu] set %#x allow %#x", i,
		   it->set, s->allow);
	FUZZ_CHECK((it->vf.fields & VP_VF_MAC) &&
		       memcmp(it->vf.mac, it->mac, 6) == 0,
		   "[%zu] VF MAC is not the entry's", i);
	FUZZ_CHECK(it->vf.vlan <= 4095 && it->vf.qos <= 7, "[%zu] vlan/qos", i);
	FUZZ_CHECK(it->vf.qos == 0 || it->vf.vlan != 0, "[%zu] qos w/o vlan",
		   i);
	FUZZ_CHECK(
	    it->vf.max_tx_rate == 0 || it->vf.min_tx_rate <= it->vf.max_tx_rate,
	    "[%zu] rates %u > %u", i, it->vf.min_tx_rate, it->vf.max_tx_rate);
	FUZZ_CHECK(it->vf.link_state <= VP_VF_LINK_DISABLE, "[%zu] link", i);
	FUZZ_CHECK(it->mtu == 0 || (it->mtu >= 68 && it->mtu <= 65535),
		   "[%zu] mtu %u", i, it->mtu);
	if (!(it->set & VP_ALLOW_MTU))
		FUZZ_CHECK(it->mtu == s->mtu, "[%zu] default mtu", i);
}

static void check_resolved(const struct vp_request *req)
{
	for (size_t i = 0; i < req->n; i++) {
		const struct vp_request_item *it = &req->items[i];
		char mac[18];

		FUZZ_CHECK(it->net != NULL &&
			       it->net == vp_config_network(&cfg, it->network),
			   "[%zu] network", i);
		FUZZ_CHECK(vp_valid_ifname(it->ifname), "[%zu] ifname `%.16s`",
			   i, it->ifname);
		vp_mac_format(it->mac, mac);
		FUZZ_CHECK(it->has_mac && !vp_mac_is_multicast(it->mac) &&
			       !vp_mac_is_zero(it->mac),
			   "[%zu] mac %s", i, mac);
		for (size_t k = 0; k < i; k++) {
			FUZZ_CHECK(strcmp(req->items[k].ifname, it->ifname) !=
				       0,
				   "[%zu] ifname `%s` twice", i, it->ifname);
			FUZZ_CHECK(memcmp(req->items[k].mac, it->mac, 6) != 0,
				   "[%zu] mac %s twice", i, mac);
		}
		if (it->net->type == VP_NET_SRIOV) {
			check_sriov(it, i);
			continue;
		}
		FUZZ_CHECK(it->set == 0, "[%zu] vhost-user with sriov settings",
			   i);
		FUZZ_CHECK(it->queues >= 1 &&
			       it->queues <= it->net->vhost.max_queues,
			   "[%zu] queues %u", i, it->queues);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vp_request req;
	struct vp_err err = {0};
	char *ann = fuzz_strndup(data, size);

	if (ann == NULL)
		return 0;
	if (vp_request_parse(ann, &req, &err) < 0) {
		FUZZ_CHECK(err.msg[0] != '\0', "error without a message");
		FUZZ_CHECK(req.items == NULL && req.n == 0,
			   "failed parse left items");
		free(ann);
		return 0;
	}
	FUZZ_CHECK(req.n >= 1 && req.n <= VP_REQUEST_MAX, "n=%zu", req.n);
	for (size_t i = 0; i < req.n; i++) {
		const struct vp_request_item *it = &req.items[i];

		FUZZ_CHECK(vp_valid_network_name(it->network), "[%zu]", i);
		FUZZ_CHECK(it->ifname[0] == '\0' || vp_valid_ifname(it->ifname),
			   "[%zu] given ifname", i);
		FUZZ_CHECK(!it->has_mac || (!vp_mac_is_multicast(it->mac) &&
					    !vp_mac_is_zero(it->mac)),
			   "[%zu] given mac", i);
	}
	if (vp_request_resolve(&req, &cfg, SANDBOX, &err) == 0)
		check_resolved(&req);
	else
		FUZZ_CHECK(err.msg[0] != '\0', "error without a message");
	vp_request_free(&req);
	free(ann);
	return 0;
}
