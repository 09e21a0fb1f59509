/* config.c - load and validate the operator's configuration, vnfplug.json(5).
 *
 * The file is parsed into a complete, defaulted struct vp_config or not at
 * all: the first problem fails the load with a message naming the field
 * ("networks.chain.queues: ..."), and nothing stays allocated.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fileio.h"
#include "json.h"
#include "validate.h"

#define TIMEOUT_MS_MAX 600000 /* ten minutes; anything longer is a typo */
/* The hook names sockets "<socket_dir>/<port>.sock" with ports of at most
 * 15 bytes (an OVS port name). */
#define SOCKET_NAME_MAX (1 + 15 + 5)

static const char *const top_keys[] = {
    "run_dir",	       "qemu",	      "sysfs_root",
    "proc_root",       "ovs_vsctl",   "timeout_ms",
    "lock_timeout_ms", "deadline_ms", "syslog",
    "networks",	       NULL,
};

static const char *const vhost_keys[] = {
    "type",   "switch",	    "bridge",  "ovsdb", "socket_dir",
    "queues", "max_queues", "vectors", NULL,
};

/* A path-valued string member; absent keeps *dst (a default). */
static int get_path(const struct vp_json *obj, const char *prefix,
		    const char *key, char **dst, struct vp_err *err)
{
	char path[VP_JSON_PATH_MAX], buf[VP_PRINTABLE_MAX];
	const char *s;
	int rc = vp_json_member_str(obj, prefix, key, 0, &s, err);

	if (rc <= 0)
		return rc;
	if (!vp_valid_abs_path(s)) {
		vp_json_member_path(prefix, key, path, sizeof(path));
		return vp_err_set(err, 0,
				  "%s: `%s` is not an absolute path of "
				  "A-Z a-z 0-9 _ . / + - without . or .. "
				  "components",
				  path, vp_printable(s, buf, sizeof(buf)));
	}
	return vp_json_member_strdup(obj, prefix, key, 0, dst, err);
}

static int parse_vhost(const struct vp_json *o, const char *prefix,
		       struct vp_vhost_net *vh, struct vp_err *err)
{
	char buf[VP_PRINTABLE_MAX];
	const char *s;
	long long n;
	int rc;

	if (vp_json_check_keys(o, vhost_keys, prefix, err) < 0)
		return -1;

	rc = vp_json_member_str(o, prefix, "switch", 0, &s, err);
	if (rc < 0)
		return -1;
	if (rc > 0 && strcmp(s, "ovs-dpdk") != 0)
		return vp_err_set(err, 0,
				  "%s.switch: `%s` is not supported "
				  "(supported: ovs-dpdk)",
				  prefix, vp_printable(s, buf, sizeof(buf)));
	vh->sw = VP_SWITCH_OVS_DPDK;

	if (vp_json_member_str(o, prefix, "bridge", VP_JSON_REQUIRED, &s, err) <
	    0)
		return -1;
	if (!vp_valid_ovs_name(s))
		return vp_err_set(err, 0,
				  "%s.bridge: `%s` is not a valid bridge name "
				  "(1-15 of A-Z a-z 0-9 _ . -, not starting "
				  "with . or -)",
				  prefix, vp_printable(s, buf, sizeof(buf)));
	if (vp_json_member_strdup(o, prefix, "bridge", 0, &vh->bridge, err) < 0)
		return -1;

	vh->ovsdb = strdup(VP_DEFAULT_OVSDB);
	if (vh->ovsdb == NULL)
		return vp_err_set(err, ENOMEM, "%s.ovsdb", prefix);
	rc = vp_json_member_str(o, prefix, "ovsdb", 0, &s, err);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		if (strncmp(s, "unix:", 5) != 0 || !vp_valid_abs_path(s + 5))
			return vp_err_set(err, 0,
					  "%s.ovsdb: `%s` must be "
					  "unix:<absolute path>",
					  prefix,
					  vp_printable(s, buf, sizeof(buf)));
		if (strlen(s + 5) > VP_SUN_PATH_MAX)
			return vp_err_set(err, 0,
					  "%s.ovsdb: socket path longer than "
					  "%d bytes",
					  prefix, VP_SUN_PATH_MAX);
		if (vp_json_member_strdup(o, prefix, "ovsdb", 0, &vh->ovsdb,
					  err) < 0)
			return -1;
	}

	vh->socket_dir = strdup(VP_DEFAULT_SOCKET_DIR);
	if (vh->socket_dir == NULL)
		return vp_err_set(err, ENOMEM, "%s.socket_dir", prefix);
	if (get_path(o, prefix, "socket_dir", &vh->socket_dir, err) < 0)
		return -1;
	/* Checked here so a too long directory fails at load, not at the
	 * first container. */
	n = (long long)strlen(vh->socket_dir);
	if (n + SOCKET_NAME_MAX > VP_SUN_PATH_MAX)
		return vp_err_set(err, 0,
				  "%s.socket_dir: too long (%lld bytes, at "
				  "most %d): `<socket_dir>/<port>.sock` with a "
				  "15-byte port name must fit the %d-byte unix "
				  "socket path limit",
				  prefix, n, VP_SUN_PATH_MAX - SOCKET_NAME_MAX,
				  VP_SUN_PATH_MAX);

	vh->max_queues = 8;
	if (vp_json_member_uint(o, prefix, "max_queues", 0, 1,
				VP_MAX_QUEUES_LIMIT, &vh->max_queues, err) < 0)
		return -1;

	vh->queues = 1;
	rc = vp_json_member_int(o, prefix, "queues", 0, LLONG_MIN, LLONG_MAX,
				&n, err);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		if (n < 1 || n > vh->max_queues)
			return vp_err_set(err, 0,
					  "%s.queues: must be between 1 and "
					  "max_queues (%u), got %lld",
					  prefix, vh->max_queues, n);
		vh->queues = (unsigned)n;
	}

	vh->vectors = -1;
	rc = vp_json_member_int(o, prefix, "vectors", 0, LLONG_MIN, LLONG_MAX,
				&n, err);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		long long max = 2LL * vh->max_queues + 2;

		if (n < -1 || n > max)
			return vp_err_set(err, 0,
					  "%s.vectors: must be between -1 "
					  "(auto) and 2*max_queues+2 (%lld), "
					  "got %lld",
					  prefix, max, n);
		vh->vectors = (int)n;
	}
	return 0;
}

static int parse_network(const char *name, const struct vp_json *o,
			 struct vp_network *net, struct vp_err *err)
{
	char prefix[80], buf[VP_PRINTABLE_MAX];
	const char *type;

	snprintf(prefix, sizeof(prefix), "networks.%s", name);
	if (vp_json_expect(o, VP_JSON_OBJECT, prefix, err) < 0)
		return -1;
	net->name = strdup(name);
	if (net->name == NULL)
		return vp_err_set(err, ENOMEM, "%s", prefix);

	/* The type decides which keys are allowed, so it comes first. */
	if (vp_json_member_str(o, prefix, "type", VP_JSON_REQUIRED, &type,
			       err) < 0)
		return -1;
	if (strcmp(type, "vhost-user") == 0) {
		net->type = VP_NET_VHOST_USER;
		return parse_vhost(o, prefix, &net->vhost, err);
	}
	if (strcmp(type, "sriov") == 0) {
		net->type = VP_NET_SRIOV;
		return vp_config_parse_sriov(o, prefix, &net->sriov, err);
	}
	return vp_err_set(err, 0,
			  "%s.type: unknown type `%s` (known: vhost-user, "
			  "sriov)",
			  prefix, vp_printable(type, buf, sizeof(buf)));
}

static int parse_networks(const struct vp_json *o, struct vp_config *cfg,
			  struct vp_err *err)
{
	char buf[VP_PRINTABLE_MAX];

	if (o == NULL || o->u.obj.n == 0)
		return 0;
	cfg->networks = calloc(o->u.obj.n, sizeof(*cfg->networks));
	if (cfg->networks == NULL)
		return vp_err_set(err, ENOMEM, "networks");
	for (size_t i = 0; i < o->u.obj.n; i++) {
		const char *name = o->u.obj.keys[i];

		if (!vp_valid_network_name(name))
			return vp_err_set(err, 0,
					  "networks: `%s` is not a valid "
					  "network name (1-63 of A-Z a-z 0-9 "
					  "_ . -)",
					  vp_printable(name, buf, sizeof(buf)));
		/* counted first so a failure frees what was filled */
		cfg->n_networks++;
		if (parse_network(name, o->u.obj.vals[i], &cfg->networks[i],
				  err) < 0)
			return -1;
	}
	return 0;
}

static int set_defaults(struct vp_config *cfg, struct vp_err *err)
{
	cfg->run_dir = strdup(VP_DEFAULT_RUN_DIR);
	cfg->qemu = strdup(VP_DEFAULT_QEMU);
	cfg->sysfs_root = strdup(VP_DEFAULT_SYSFS_ROOT);
	cfg->proc_root = strdup(VP_DEFAULT_PROC_ROOT);
	cfg->ovs_vsctl = strdup(VP_DEFAULT_OVS_VSCTL);
	cfg->timeout_ms = VP_DEFAULT_TIMEOUT_MS;
	cfg->lock_timeout_ms = VP_DEFAULT_LOCK_TIMEOUT_MS;
	cfg->deadline_ms = VP_DEFAULT_DEADLINE_MS;
	cfg->syslog = false;
	if (cfg->run_dir == NULL || cfg->qemu == NULL ||
	    cfg->sysfs_root == NULL || cfg->proc_root == NULL ||
	    cfg->ovs_vsctl == NULL)
		return vp_err_set(err, ENOMEM, "config");
	return 0;
}

static int parse_doc(const struct vp_json *doc, struct vp_config *cfg,
		     struct vp_err *err)
{
	const struct vp_json *networks = NULL;

	if (vp_json_check_keys(doc, top_keys, "", err) < 0)
		return -1;
	if (set_defaults(cfg, err) < 0 ||
	    get_path(doc, NULL, "run_dir", &cfg->run_dir, err) < 0 ||
	    get_path(doc, NULL, "qemu", &cfg->qemu, err) < 0 ||
	    get_path(doc, NULL, "sysfs_root", &cfg->sysfs_root, err) < 0 ||
	    get_path(doc, NULL, "proc_root", &cfg->proc_root, err) < 0 ||
	    get_path(doc, NULL, "ovs_vsctl", &cfg->ovs_vsctl, err) < 0 ||
	    vp_json_member_uint(doc, NULL, "timeout_ms", 0, 1, TIMEOUT_MS_MAX,
				&cfg->timeout_ms, err) < 0 ||
	    vp_json_member_uint(doc, NULL, "lock_timeout_ms", 0, 1,
				TIMEOUT_MS_MAX, &cfg->lock_timeout_ms,
				err) < 0 ||
	    vp_json_member_uint(doc, NULL, "deadline_ms", 0, 1, TIMEOUT_MS_MAX,
				&cfg->deadline_ms, err) < 0 ||
	    vp_json_member_bool(doc, NULL, "syslog", 0, &cfg->syslog, err) <
		0 ||
	    vp_json_member(doc, NULL, "networks", VP_JSON_OBJECT, 0, &networks,
			   err) < 0)
		return -1;
	return parse_networks(networks, cfg, err);
}

int vp_config_parse(const char *buf, size_t len, struct vp_config *cfg,
		    struct vp_err *err)
{
	_cleanup_json_ struct vp_json *doc = NULL;
	struct vp_config tmp = {0};

	memset(cfg, 0, sizeof(*cfg));
	if (vp_json_parse(buf, len, &doc, err) < 0)
		return -1;
	if (doc->type != VP_JSON_OBJECT)
		return vp_err_set(err, 0, "must be a JSON object, got %s",
				  vp_json_type_name(doc->type));
	if (parse_doc(doc, &tmp, err) < 0) {
		vp_config_free(&tmp);
		return -1;
	}
	*cfg = tmp;
	return 0;
}

int vp_config_load(const char *path, struct vp_config *cfg, struct vp_err *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	memset(cfg, 0, sizeof(*cfg));
	if (vp_read_file(path, VP_FILE_MAX, &buf, &len, err) < 0)
		return vp_err_wrap(err, "config");
	if (vp_config_parse(buf, len, cfg, err) < 0)
		return vp_err_wrap(err, "config `%s`", path);
	return 0;
}

void vp_config_free(struct vp_config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->run_dir);
	free(cfg->qemu);
	free(cfg->sysfs_root);
	free(cfg->proc_root);
	free(cfg->ovs_vsctl);
	for (size_t i = 0; i < cfg->n_networks; i++) {
		struct vp_network *net = &cfg->networks[i];

		free(net->name);
		free(net->vhost.bridge);
		free(net->vhost.ovsdb);
		free(net->vhost.socket_dir);
		vp_config_free_sriov(&net->sriov);
	}
	free(cfg->networks);
	memset(cfg, 0, sizeof(*cfg));
}

const struct vp_network *vp_config_network(const struct vp_config *cfg,
					   const char *name)
{
	if (cfg == NULL || name == NULL)
		return NULL;
	for (size_t i = 0; i < cfg->n_networks; i++) {
		if (strcmp(cfg->networks[i].name, name) == 0)
			return &cfg->networks[i];
	}
	return NULL;
}
