/* request.c - the container's request, annotation io.vnfplug.networks
 * (see request.h, docs/architecture.md §3.1).
 *
 * Parsing checks form only; resolving checks the request against the
 * operator's config and fills defaults, so that a request that resolves is
 * complete and every value in it passed an allowlist.
 */
#include "request.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "json.h"
#include "validate.h"

#define A VP_ANNOTATION_NETWORKS

static const char *const item_keys[] = {
    "network",	  "ifname",   "mac",   "queues",      "vlan",
    "qos",	  "spoofchk", "trust", "min_tx_rate", "max_tx_rate",
    "link_state", "mtu",      NULL,
};

/* Optional sriov settings: parsed for form here, checked against the
 * network's "allow" list in resolve.  p names the entry ("...[0]"). */
static int parse_vf_settings(const struct vp_json *o, const char *p,
			     struct vp_request_item *it, struct vp_err *err)
{
	static const char *const links[] = {"auto", "enable", "disable", NULL};
	const struct {
		const char *key;
		unsigned bit;
		unsigned min, max;
		unsigned *dst;
	} ints[] = {
	    {"vlan", VP_ALLOW_VLAN, 0, 4095, &it->vf.vlan},
	    {"qos", VP_ALLOW_QOS, 0, 7, &it->vf.qos},
	    {"min_tx_rate", VP_ALLOW_MIN_TX_RATE, 0, 1000000,
	     &it->vf.min_tx_rate},
	    {"max_tx_rate", VP_ALLOW_MAX_TX_RATE, 0, 1000000,
	     &it->vf.max_tx_rate},
	    {"mtu", VP_ALLOW_MTU, 68, 65535, &it->mtu},
	};
	const struct {
		const char *key;
		unsigned bit;
		bool *dst;
	} bools[] = {
	    {"spoofchk", VP_ALLOW_SPOOFCHK, &it->vf.spoofchk},
	    {"trust", VP_ALLOW_TRUST, &it->vf.trust},
	};
	int rc, link = 0;

	for (size_t k = 0; k < sizeof(ints) / sizeof(ints[0]); k++) {
		rc = vp_json_member_uint(o, p, ints[k].key, 0, ints[k].min,
					 ints[k].max, ints[k].dst, err);
		if (rc < 0)
			return -1;
		if (rc > 0)
			it->set |= ints[k].bit;
	}
	for (size_t k = 0; k < sizeof(bools) / sizeof(bools[0]); k++) {
		rc = vp_json_member_bool(o, p, bools[k].key, 0, bools[k].dst,
					 err);
		if (rc < 0)
			return -1;
		if (rc > 0)
			it->set |= bools[k].bit;
	}
	rc = vp_json_member_enum(o, p, "link_state", 0, links, &link, err);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		it->set |= VP_ALLOW_LINK_STATE;
		it->vf.link_state = (enum vp_vf_link_state)link;
	}
	return 0;
}

/* Merge the request's settings over the sriov network's defaults. */
static int resolve_sriov(struct vp_request_item *it, size_t i,
			 const struct vp_network *net, bool mac_given,
			 struct vp_err *err)
{
	const struct vp_sriov_net *s = &net->sriov;
	unsigned given = it->set | (mac_given ? VP_ALLOW_MAC : 0);
	unsigned denied = given & ~s->allow;
	struct vp_vf_config vf = s->vf;

	if (it->queues != 0)
		return vp_err_set(err, 0,
				  A "[%zu].queues: only vhost-user networks "
				    "have queues; `%s` is sriov",
				  i, net->name);
	if (denied != 0) {
		unsigned bit = denied & -denied;

		return vp_err_set(err, 0,
				  A "[%zu].%s: network `%s` does not let "
				    "containers set it",
				  i, vp_allow_name(bit), net->name);
	}
	if (it->set & VP_ALLOW_VLAN)
		vf.vlan = it->vf.vlan;
	if (it->set & VP_ALLOW_QOS)
		vf.qos = it->vf.qos;
	if (it->set & VP_ALLOW_SPOOFCHK)
		vf.spoofchk = it->vf.spoofchk;
	if (it->set & VP_ALLOW_TRUST)
		vf.trust = it->vf.trust;
	if (it->set & VP_ALLOW_MIN_TX_RATE)
		vf.min_tx_rate = it->vf.min_tx_rate;
	if (it->set & VP_ALLOW_MAX_TX_RATE)
		vf.max_tx_rate = it->vf.max_tx_rate;
	if (it->set & VP_ALLOW_LINK_STATE)
		vf.link_state = it->vf.link_state;
	if (vf.max_tx_rate != 0 && vf.min_tx_rate > vf.max_tx_rate)
		return vp_err_set(err, 0,
				  A "[%zu]: min_tx_rate %u is above "
				    "max_tx_rate %u",
				  i, vf.min_tx_rate, vf.max_tx_rate);
	if (vf.qos != 0 && vf.vlan == 0)
		return vp_err_set(err, 0, A "[%zu].qos: needs a vlan", i);
	memcpy(vf.mac, it->mac, 6);
	vf.fields |= VP_VF_MAC;
	it->vf = vf;
	if (!(it->set & VP_ALLOW_MTU))
		it->mtu = s->mtu;
	return 0;
}

static int parse_item(const struct vp_json *o, size_t i,
		      struct vp_request_item *it, struct vp_err *err)
{
	char p[64], buf[VP_PRINTABLE_MAX], macs[18];
	const char *str;
	int rc;

	snprintf(p, sizeof(p), A "[%zu]", i);
	if (vp_json_check_keys(o, item_keys, p, err) < 0)
		return -1;

	if (vp_json_member_str(o, p, "network", VP_JSON_REQUIRED, &str, err) <
	    0)
		return -1;
	if (!vp_valid_network_name(str))
		return vp_err_set(err, 0,
				  "%s.network: `%s` is not a valid network "
				  "name (1-63 of A-Z a-z 0-9 _ . -)",
				  p, vp_printable(str, buf, sizeof(buf)));
	if (vp_json_member_strdup(o, p, "network", 0, &it->network, err) < 0)
		return -1;

	rc = vp_json_member_str(o, p, "ifname", 0, &str, err);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		if (!vp_valid_ifname(str))
			return vp_err_set(
			    err, 0,
			    "%s.ifname: `%s` is not a valid interface "
			    "name (1-15 of A-Z a-z 0-9 _ . -)",
			    p, vp_printable(str, buf, sizeof(buf)));
		/* the name reaches tools' command lines (ip, ethtool in the
		 * container, the operator's scripts) as an argument */
		if (str[0] == '-')
			return vp_err_set(err, 0,
					  "%s.ifname: `%s` starts with `-`, "
					  "which would read as an option",
					  p,
					  vp_printable(str, buf, sizeof(buf)));
		if (strcmp(str, "lo") == 0)
			return vp_err_set(err, 0,
					  "%s.ifname: `lo` is the container's "
					  "loopback",
					  p);
		memcpy(it->ifname, str, strlen(str) + 1);
	}

	rc = vp_json_member_str(o, p, "mac", 0, &str, err);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		if (vp_mac_parse(str, it->mac) < 0)
			return vp_err_set(
			    err, 0,
			    "%s.mac: `%s` is not a valid MAC address "
			    "(aa:bb:cc:dd:ee:ff)",
			    p, vp_printable(str, buf, sizeof(buf)));
		vp_mac_format(it->mac, macs);
		if (vp_mac_is_multicast(it->mac))
			return vp_err_set(
			    err, 0, "%s.mac: multicast address %s not allowed",
			    p, macs);
		if (vp_mac_is_zero(it->mac))
			return vp_err_set(err, 0,
					  "%s.mac: all-zero address %s not "
					  "allowed",
					  p, macs);
		it->has_mac = true;
	}

	if (vp_json_member_uint(o, p, "queues", 0, 1, VP_MAX_QUEUES_LIMIT,
				&it->queues, err) < 0)
		return -1;
	return parse_vf_settings(o, p, it, err);
}

int vp_request_parse(const char *annotation, struct vp_request *req,
		     struct vp_err *err)
{
	_cleanup_json_ struct vp_json *doc = NULL;
	size_t len;

	memset(req, 0, sizeof(*req));
	if (annotation == NULL)
		return vp_err_set(err, 0, A ": missing");
	len = strlen(annotation);
	if (len > VP_REQUEST_ANNOTATION_MAX)
		return vp_err_set(err, 0, A ": longer than %d bytes",
				  VP_REQUEST_ANNOTATION_MAX);
	if (vp_json_parse(annotation, len, &doc, err) < 0)
		return vp_err_wrap(err, A);
	if (vp_json_expect(doc, VP_JSON_ARRAY, A, err) < 0)
		return -1;
	if (doc->u.arr.n == 0)
		return vp_err_set(err, 0, A ": must list at least one network");
	if (doc->u.arr.n > VP_REQUEST_MAX)
		return vp_err_set(err, 0, A ": at most %d entries, got %zu",
				  VP_REQUEST_MAX, doc->u.arr.n);
	req->items = calloc(doc->u.arr.n, sizeof(*req->items));
	if (req->items == NULL)
		return vp_err_set(err, ENOMEM, A);
	req->n = doc->u.arr.n;
	for (size_t i = 0; i < req->n; i++) {
		if (parse_item(doc->u.arr.items[i], i, &req->items[i], err) <
		    0) {
			vp_request_free(req);
			return -1;
		}
	}
	return 0;
}

static void list_networks(const struct vp_config *cfg, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	if (cfg->n_networks == 0) {
		snprintf(out, size, "none configured");
		return;
	}
	for (size_t i = 0; i < cfg->n_networks && used < size; i++) {
		int n =
		    snprintf(out + used, size - used, "%s%s",
			     i ? ", " : "configured: ", cfg->networks[i].name);
		if (n < 0)
			return;
		used += (size_t)n;
	}
}

static bool ifname_taken(const struct vp_request *req, const char *name)
{
	for (size_t i = 0; i < req->n; i++)
		if (strcmp(req->items[i].ifname, name) == 0)
			return true;
	return false;
}

/* The first "net<k>" no entry uses (given or already defaulted), so
 * [{"ifname":"net1"},{}] names the second "net0", not a clashing "net1". */
static void default_ifname(const struct vp_request *req,
			   struct vp_request_item *it)
{
	char name[16];

	for (unsigned k = 0;; k++) {
		snprintf(name, sizeof(name), "net%u", k);
		if (!ifname_taken(req, name))
			break;
	}
	memcpy(it->ifname, name, sizeof(name));
}

int vp_request_resolve(struct vp_request *req, const struct vp_config *cfg,
		       const char *sandbox_id, struct vp_err *err)
{
	char list[256], macs[18];

	if (sandbox_id == NULL)
		return vp_err_set(err, EINVAL, A ": no sandbox id");
	for (size_t i = 0; i < req->n; i++) {
		struct vp_request_item *it = &req->items[i];
		const struct vp_network *net;

		net = vp_config_network(cfg, it->network);
		if (net == NULL) {
			list_networks(cfg, list, sizeof(list));
			return vp_err_set(err, 0,
					  A "[%zu].network: unknown network "
					    "`%s` (%s)",
					  i, it->network, list);
		}
		it->net = net;
		bool mac_given = it->has_mac;

		if (!it->has_mac) {
			vp_mac_derive(sandbox_id, (unsigned)i, it->mac);
			it->has_mac = true;
		}
		if (it->ifname[0] == '\0')
			default_ifname(req, it);
		if (net->type == VP_NET_SRIOV) {
			if (resolve_sriov(it, i, net, mac_given, err) < 0)
				return -1;
			continue;
		}
		if (it->set != 0) {
			unsigned bit = it->set & -it->set;

			return vp_err_set(err, 0,
					  A
					  "[%zu].%s: only sriov networks take "
					  "it; `%s` is vhost-user",
					  i, vp_allow_name(bit), net->name);
		}
		if (it->queues == 0)
			it->queues = net->vhost.queues;
		if (it->queues > net->vhost.max_queues)
			return vp_err_set(err, 0,
					  A "[%zu].queues: must be between 1 "
					    "and max_queues (%u) of network "
					    "`%s`, got %u",
					  i, net->vhost.max_queues, net->name,
					  it->queues);
	}
	/* After defaults: a default "net1" can clash with a given one. */
	for (size_t i = 0; i < req->n; i++) {
		for (size_t k = 0; k < i; k++) {
			const struct vp_request_item *a = &req->items[k];
			const struct vp_request_item *b = &req->items[i];

			if (strcmp(a->ifname, b->ifname) == 0)
				return vp_err_set(err, 0,
						  A "[%zu].ifname: `%s` is "
						    "already used by " A
						    "[%zu]",
						  i, b->ifname, k);
			if (memcmp(a->mac, b->mac, 6) == 0) {
				vp_mac_format(b->mac, macs);
				return vp_err_set(err, 0,
						  A "[%zu].mac: %s is already "
						    "used by " A "[%zu]",
						  i, macs, k);
			}
		}
	}
	return 0;
}

void vp_request_free(struct vp_request *req)
{
	if (req == NULL)
		return;
	for (size_t i = 0; i < req->n; i++)
		free(req->items[i].network);
	free(req->items);
	memset(req, 0, sizeof(*req));
}

/* FNV-1a, 64 bit: tiny, stable across builds and hosts. */
static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

void vp_mac_derive(const char *sandbox_id, unsigned index, uint8_t mac[6])
{
	uint64_t h = 0xcbf29ce484222325ULL;
	unsigned char idx[4] = {
	    (unsigned char)index, (unsigned char)(index >> 8),
	    (unsigned char)(index >> 16), (unsigned char)(index >> 24)};

	/* the NUL separates id from index: ("a1", 0) and ("a", 10) differ */
	h = fnv1a(h, sandbox_id, strlen(sandbox_id) + 1);
	h = fnv1a(h, idx, sizeof(idx));
	mac[0] = 0x02; /* locally administered, unicast */
	for (int i = 1; i < 6; i++)
		mac[i] = (uint8_t)(h >> (8 * (i - 1)));
}
