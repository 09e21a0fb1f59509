/* fuzz_config.c - the operator's vnfplug.json (vp_config_parse).
 *
 * There is no config serializer, so no round trip; instead every accepted
 * config is checked for what the rest of vnfplug relies on: paths pass
 * vp_valid_abs_path, names their allowlists, network names are unique (the
 * lookup finds each network), numbers are in the documented ranges
 * (vnfplug.json(5)), and an sriov network has 1..VP_SRIOV_MAX_PFS PFs.
 */
#include <stdbool.h>

#include "config.h"
#include "fuzz.h"
#include "validate.h"

static void check_vhost(const struct vp_network *net)
{
	const struct vp_vhost_net *vh = &net->vhost;

	FUZZ_CHECK(vh->bridge != NULL && vp_valid_ovs_name(vh->bridge), "%s",
		   net->name);
	FUZZ_CHECK(vh->ovsdb != NULL && strncmp(vh->ovsdb, "unix:", 5) == 0 &&
		       vp_valid_abs_path(vh->ovsdb + 5),
		   "%s ovsdb", net->name);
	FUZZ_CHECK(vh->socket_dir != NULL && vp_valid_abs_path(vh->socket_dir),
		   "%s socket_dir", net->name);
	/* <socket_dir>/<15-byte port>.sock fits sun_path */
	FUZZ_CHECK(strlen(vh->socket_dir) + 1 + 15 + 5 <= VP_SUN_PATH_MAX,
		   "%s socket_dir too long", net->name);
	FUZZ_CHECK(vh->max_queues >= 1 && vh->max_queues <= VP_MAX_QUEUES_LIMIT,
		   "%s max_queues %u", net->name, vh->max_queues);
	FUZZ_CHECK(vh->queues >= 1 && vh->queues <= vh->max_queues,
		   "%s queues %u", net->name, vh->queues);
	FUZZ_CHECK(vh->vectors >= -1 &&
		       vh->vectors <= 2 * (int)vh->max_queues + 2,
		   "%s vectors %d", net->name, vh->vectors);
}

static void check_sriov(const struct vp_network *net)
{
	const struct vp_sriov_net *s = &net->sriov;

	FUZZ_CHECK(s->n_pfs >= 1 && s->n_pfs <= VP_SRIOV_MAX_PFS,
		   "%s n_pfs %zu", net->name, s->n_pfs);
	for (size_t i = 0; i < s->n_pfs; i++) {
		FUZZ_CHECK(s->pfs[i] != NULL && (vp_valid_ifname(s->pfs[i]) ||
						 vp_valid_pci_addr(s->pfs[i])),
			   "%s pfs[%zu]", net->name, i);
		for (size_t k = 0; k < i; k++)
			FUZZ_CHECK(strcmp(s->pfs[k], s->pfs[i]) != 0,
				   "%s pf `%s` twice", net->name, s->pfs[i]);
	}
	FUZZ_CHECK(s->mode <= VP_MODE_NETNS, "%s mode", net->name);
	FUZZ_CHECK(s->vf.vlan <= 4095 && s->vf.qos <= 7, "%s vlan/qos",
		   net->name);
	FUZZ_CHECK(s->vf.qos == 0 || s->vf.vlan != 0, "%s qos without vlan",
		   net->name);
	FUZZ_CHECK(s->vf.vlan_proto == VP_ETH_P_8021Q ||
		       s->vf.vlan_proto == VP_ETH_P_8021AD,
		   "%s vlan_proto %#x", net->name, s->vf.vlan_proto);
	FUZZ_CHECK(s->vf.max_tx_rate == 0 ||
		       s->vf.min_tx_rate <= s->vf.max_tx_rate,
		   "%s rates", net->name);
	FUZZ_CHECK(s->vf.link_state <= VP_VF_LINK_DISABLE, "%s link_state",
		   net->name);
	FUZZ_CHECK(!(s->vf.fields & VP_VF_MAC), "%s: a default MAC", net->name);
	FUZZ_CHECK(s->mtu == 0 || (s->mtu >= 68 && s->mtu <= 65535),
		   "%s mtu %u", net->name, s->mtu);
	FUZZ_CHECK((s->allow & ~((VP_ALLOW_MTU << 1) - 1)) == 0, "%s allow %#x",
		   net->name, s->allow);
}

static void check_config(const struct vp_config *cfg)
{
	const char *paths[] = {cfg->run_dir, cfg->qemu, cfg->sysfs_root,
			       cfg->proc_root, cfg->ovs_vsctl};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		FUZZ_CHECK(paths[i] != NULL && vp_valid_abs_path(paths[i]),
			   "path %zu", i);
	FUZZ_CHECK(cfg->timeout_ms >= 1 && cfg->timeout_ms <= 600000, "%u",
		   cfg->timeout_ms);
	FUZZ_CHECK(cfg->lock_timeout_ms >= 1 && cfg->lock_timeout_ms <= 600000,
		   "%u", cfg->lock_timeout_ms);
	FUZZ_CHECK(cfg->n_networks == 0 || cfg->networks != NULL, "networks");
	for (size_t i = 0; i < cfg->n_networks; i++) {
		const struct vp_network *net = &cfg->networks[i];

		FUZZ_CHECK(net->name != NULL &&
			       vp_valid_network_name(net->name),
			   "network %zu", i);
		FUZZ_CHECK(vp_config_network(cfg, net->name) == net,
			   "lookup of `%s`", net->name);
		if (net->type == VP_NET_VHOST_USER)
			check_vhost(net);
		else
			FUZZ_CHECK(net->type == VP_NET_SRIOV, "type %d",
				   net->type);
		if (net->type == VP_NET_SRIOV)
			check_sriov(net);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vp_config cfg;
	struct vp_err err = {0};

	if (vp_config_parse((const char *)data, size, &cfg, &err) < 0) {
		FUZZ_CHECK(err.msg[0] != '\0', "error without a message");
		FUZZ_CHECK(cfg.networks == NULL && cfg.run_dir == NULL,
			   "failed parse left fields set");
		return 0;
	}
	check_config(&cfg);
	vp_config_free(&cfg);
	return 0;
}
