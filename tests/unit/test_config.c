/* test_config.c - vnfplug.json(5): defaults, every field, hostile input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "tu.h"
#include "tu_files.h"

#define NET(body) "{\"networks\":{\"chain\":{" body "}}}"
#define VH "\"type\":\"vhost-user\",\"bridge\":\"br-vnf\""

static void bad(const char *text, const char *sub)
{
	struct vp_config cfg;
	struct vp_err err = {0};

	tu_assert_err(vp_config_parse(text, strlen(text), &cfg, &err), err,
		      sub);
	/* nothing is left allocated or half-filled */
	assert_null(cfg.networks);
	assert_null(cfg.run_dir);
	assert_int_equal(cfg.n_networks, 0);
}

static void good(const char *text, struct vp_config *cfg)
{
	struct vp_err err = {0};

	tu_assert_ok(vp_config_parse(text, strlen(text), cfg, &err), err);
}

static void test_defaults(void **state)
{
	struct vp_config cfg;

	(void)state;
	good("{}", &cfg);
	assert_string_equal(cfg.run_dir, VP_DEFAULT_RUN_DIR);
	assert_string_equal(cfg.qemu, VP_DEFAULT_QEMU);
	assert_string_equal(cfg.sysfs_root, "/sys");
	assert_string_equal(cfg.proc_root, "/proc");
	assert_string_equal(cfg.ovs_vsctl, VP_DEFAULT_OVS_VSCTL);
	assert_int_equal(cfg.timeout_ms, VP_DEFAULT_TIMEOUT_MS);
	assert_int_equal(cfg.lock_timeout_ms, VP_DEFAULT_LOCK_TIMEOUT_MS);
	assert_int_equal(cfg.deadline_ms, VP_DEFAULT_DEADLINE_MS);
	assert_false(cfg.syslog);
	assert_int_equal(cfg.n_networks, 0);
	assert_null(vp_config_network(&cfg, "chain"));
	vp_config_free(&cfg);
	assert_null(cfg.run_dir);
	vp_config_free(&cfg); /* twice is harmless */

	good(NET(VH), &cfg);
	assert_int_equal(cfg.n_networks, 1);
	{
		const struct vp_network *n = vp_config_network(&cfg, "chain");

		assert_non_null(n);
		assert_string_equal(n->name, "chain");
		assert_int_equal(n->type, VP_NET_VHOST_USER);
		assert_int_equal(n->vhost.sw, VP_SWITCH_OVS_DPDK);
		assert_string_equal(n->vhost.bridge, "br-vnf");
		assert_string_equal(n->vhost.ovsdb, VP_DEFAULT_OVSDB);
		assert_string_equal(n->vhost.socket_dir, VP_DEFAULT_SOCKET_DIR);
		assert_int_equal(n->vhost.queues, 1);
		assert_int_equal(n->vhost.max_queues, 8);
		assert_int_equal(n->vhost.vectors, -1);
	}
	vp_config_free(&cfg);
}

static void test_full(void **state)
{
	static const char doc[] =
	    "{\n"
	    "  \"run_dir\": \"/run/vp-test\",\n"
	    "  \"qemu\": \"/opt/qemu/bin/qemu-system-x86_64\",\n"
	    "  \"sysfs_root\": \"/tmp/fixture/sys\",\n"
	    "  \"proc_root\": \"/tmp/fixture/proc\",\n"
	    "  \"ovs_vsctl\": \"/usr/local/bin/ovs-vsctl\",\n"
	    "  \"timeout_ms\": 1500,\n"
	    "  \"lock_timeout_ms\": 30000,\n"
	    "  \"syslog\": true,\n"
	    "  \"networks\": {\n"
	    "    \"chain\": {\"type\": \"vhost-user\", \"switch\": "
	    "\"ovs-dpdk\", \"bridge\": \"br-vnf\",\n"
	    "               \"ovsdb\": \"unix:/tmp/ovs/db.sock\", "
	    "\"socket_dir\": \"/tmp/vp/sockets\",\n"
	    "               \"queues\": 2, \"max_queues\": 4, \"vectors\": "
	    "0},\n"
	    "    \"mgmt.1\": {\"type\": \"vhost-user\", \"bridge\": "
	    "\"br_mgmt\", \"max_queues\": 64, \"queues\": 64, \"vectors\": "
	    "130}\n"
	    "  }\n"
	    "}\n";
	struct vp_config cfg;
	const struct vp_network *n;

	(void)state;
	good(doc, &cfg);
	assert_string_equal(cfg.run_dir, "/run/vp-test");
	assert_string_equal(cfg.qemu, "/opt/qemu/bin/qemu-system-x86_64");
	assert_string_equal(cfg.sysfs_root, "/tmp/fixture/sys");
	assert_string_equal(cfg.proc_root, "/tmp/fixture/proc");
	assert_string_equal(cfg.ovs_vsctl, "/usr/local/bin/ovs-vsctl");
	assert_int_equal(cfg.timeout_ms, 1500);
	assert_int_equal(cfg.lock_timeout_ms, 30000);
	assert_true(cfg.syslog);
	assert_int_equal(cfg.n_networks, 2);
	n = vp_config_network(&cfg, "chain");
	assert_non_null(n);
	assert_string_equal(n->vhost.ovsdb, "unix:/tmp/ovs/db.sock");
	assert_string_equal(n->vhost.socket_dir, "/tmp/vp/sockets");
	assert_int_equal(n->vhost.queues, 2);
	assert_int_equal(n->vhost.max_queues, 4);
	assert_int_equal(n->vhost.vectors, 0);
	n = vp_config_network(&cfg, "mgmt.1");
	assert_non_null(n);
	assert_string_equal(n->vhost.bridge, "br_mgmt");
	assert_int_equal(n->vhost.queues, 64);
	assert_int_equal(n->vhost.vectors, 130);
	assert_null(vp_config_network(&cfg, "Chain"));
	assert_null(vp_config_network(&cfg, NULL));
	vp_config_free(&cfg);
}

static void test_not_json(void **state)
{
	(void)state;
	bad("", "invalid JSON: parse error: premature EOF");
	bad("{\"run_dir\": ", "premature EOF");
	bad("[]", "must be a JSON object, got array");
	bad("\"x\"", "must be a JSON object, got string");
	bad("{\"run_dir\":\"/a\",\"run_dir\":\"/b\"}",
	    "duplicate key `run_dir`");
	bad("{\"networks\":{\"a\":{" VH "},\"a\":{" VH "}}}",
	    "duplicate key `a`");
	bad("{} {}", "trailing garbage");
	bad("{\"qemu\":\"/usr/bin/q\\u0000\"}", "string contains NUL");
}

static void test_unknown_keys(void **state)
{
	(void)state;
	bad("{\"rundir\":\"/run\"}",
	    "unknown key `rundir` (allowed: run_dir, qemu, sysfs_root, "
	    "proc_root, ovs_vsctl, timeout_ms, lock_timeout_ms, deadline_ms, "
	    "syslog, "
	    "networks)");
	bad(NET(VH ",\"pfs\":[\"eth0\"]"),
	    "networks.chain: unknown key `pfs` (allowed: type, switch, bridge, "
	    "ovsdb, socket_dir, queues, max_queues, vectors)");
	bad(NET(VH ",\"x\\ny\":1"), "networks.chain: unknown key `x?y`");
}

static void test_wrong_types(void **state)
{
	(void)state;
	bad("{\"run_dir\":5}", "run_dir: must be a string, got number");
	bad("{\"qemu\":null}", "qemu: must be a string, got null");
	bad("{\"timeout_ms\":\"5\"}",
	    "timeout_ms: must be an integer, got string");
	bad("{\"timeout_ms\":1.5}", "timeout_ms: must be an integer, got 1.5");
	bad("{\"lock_timeout_ms\":true}",
	    "lock_timeout_ms: must be an integer, got boolean");
	bad("{\"syslog\":1}", "syslog: must be true or false, got number");
	bad("{\"networks\":[]}", "networks: must be an object, got array");
	bad("{\"networks\":{\"chain\":\"vhost\"}}",
	    "networks.chain: must be an object, got string");
	bad(NET("\"type\":1"),
	    "networks.chain.type: must be a string, got number");
	bad(NET(VH ",\"queues\":\"2\""),
	    "networks.chain.queues: must be an integer, got string");
	bad(NET(VH ",\"max_queues\":[8]"),
	    "networks.chain.max_queues: must be an integer, got array");
	bad(NET(VH ",\"vectors\":0.5"),
	    "networks.chain.vectors: must be an integer, got 0.5");
	bad(NET("\"type\":\"vhost-user\",\"bridge\":{}"),
	    "networks.chain.bridge: must be a string, got object");
	bad(NET(VH ",\"socket_dir\":false"),
	    "networks.chain.socket_dir: must be a string, got boolean");
}

static void test_ranges(void **state)
{
	(void)state;
	bad("{\"timeout_ms\":0}",
	    "timeout_ms: must be between 1 and 600000, got 0");
	bad("{\"timeout_ms\":-5}", "timeout_ms: must be between 1 and 600000");
	bad("{\"lock_timeout_ms\":600001}",
	    "lock_timeout_ms: must be between 1 and 600000, got 600001");
	bad("{\"timeout_ms\":99999999999999999999}",
	    "timeout_ms: must be an integer");
	bad(NET(VH ",\"queues\":0"), "networks.chain.queues: must be between 1 "
				     "and max_queues (8), got 0");
	bad(NET(VH ",\"queues\":9"), "networks.chain.queues: must be between 1 "
				     "and max_queues (8), got 9");
	bad(NET(VH ",\"queues\":3,\"max_queues\":2"),
	    "networks.chain.queues: must be between 1 and max_queues (2), got "
	    "3");
	bad(NET(VH ",\"queues\":-1"), "got -1");
	bad(NET(VH ",\"max_queues\":0"),
	    "networks.chain.max_queues: must be between 1 and 64, got 0");
	bad(NET(VH ",\"max_queues\":65"),
	    "networks.chain.max_queues: must be between 1 and 64, got 65");
	bad(NET(VH ",\"vectors\":-2"),
	    "networks.chain.vectors: must be between -1 (auto) and "
	    "2*max_queues+2 (18), got -2");
	bad(NET(VH ",\"max_queues\":2,\"vectors\":7"),
	    "2*max_queues+2 (6), got 7");
}

static void test_values(void **state)
{
	(void)state;
	bad(NET("\"bridge\":\"br\""), "networks.chain.type: missing");
	bad(NET("\"type\":\"sriov\",\"pfs\":[]"),
	    "networks.chain.pfs: must list 1 to 64 PFs");
	bad(NET("\"type\":\"macvtap\","
		"\"bridge\":\"br\""),
	    "networks.chain.type: unknown type `macvtap` (known: vhost-user, "
	    "sriov)");
	bad(NET(VH ",\"switch\":\"vpp\""),
	    "networks.chain.switch: `vpp` is not supported (supported: "
	    "ovs-dpdk)");
	bad(NET("\"type\":\"vhost-user\""), "networks.chain.bridge: missing");
	bad(NET("\"type\":\"vhost-user\",\"bridge\":\"br-with-a-long-name\""),
	    "networks.chain.bridge: `br-with-a-long-name` is not a valid "
	    "bridge "
	    "name");
	bad(NET("\"type\":\"vhost-user\",\"bridge\":\"-br\""),
	    "is not a valid bridge name");
	bad(NET("\"type\":\"vhost-user\",\"bridge\":\"br/x\""),
	    "is not a valid bridge name");
	bad(NET("\"type\":\"vhost-user\",\"bridge\":\"\""),
	    "is not a valid bridge name");
	bad(NET(VH ",\"ovsdb\":\"/run/openvswitch/db.sock\""),
	    "networks.chain.ovsdb: `/run/openvswitch/db.sock` must be "
	    "unix:<absolute path>");
	bad(NET(VH ",\"ovsdb\":\"tcp:127.0.0.1:6640\""),
	    "must be unix:<absolute path>");
	bad(NET(VH ",\"ovsdb\":\"unix:run/db.sock\""),
	    "must be unix:<absolute path>");
	bad(NET(VH ",\"ovsdb\":\"unix:/run/../db.sock\""),
	    "must be unix:<absolute path>");
	bad("{\"networks\":{\"bad name\":{" VH "}}}",
	    "networks: `bad name` is not a valid network name (1-63 of A-Z a-z "
	    "0-9 _ . -)");
	bad("{\"networks\":{\"\":{" VH "}}}", "is not a valid network name");
	bad("{\"networks\":{"
	    "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaa\":{" VH "}}}",
	    "is not a valid network name");
	/* the first network is good, the second is not: nothing leaks */
	bad("{\"networks\":{\"a\":{" VH "},\"b\":{" VH ",\"queues\":0}}}",
	    "networks.b.queues");
}

static void test_paths(void **state)
{
	(void)state;
	bad("{\"run_dir\":\"run/vnfplug\"}",
	    "run_dir: `run/vnfplug` is not an absolute path");
	bad("{\"qemu\":\"/usr/bin/../bin/qemu\"}",
	    "qemu: `/usr/bin/../bin/qemu` "
	    "is not an absolute path");
	bad("{\"sysfs_root\":\"/sys/\"}", "sysfs_root:");
	bad("{\"proc_root\":\"/proc;rm\"}", "proc_root:");
	bad("{\"ovs_vsctl\":\"/usr/bin/ovs vsctl\"}", "ovs_vsctl:");
	bad(NET(VH ",\"socket_dir\":\"/run/a,b\""),
	    "networks.chain.socket_dir: `/run/a,b` is not an absolute path");
	bad(NET(VH ",\"socket_dir\":\"relative\""),
	    "networks.chain.socket_dir:");
}

static void test_socket_dir_length(void **state)
{
	char dir[100], doc[300];
	struct vp_config cfg;

	(void)state;
	/* 86 bytes: "<dir>/<15 bytes>.sock" is exactly 107 */
	dir[0] = '/';
	memset(dir + 1, 's', 85);
	dir[86] = '\0';
	snprintf(doc, sizeof(doc), NET(VH ",\"socket_dir\":\"%s\""), dir);
	good(doc, &cfg);
	assert_int_equal(strlen(cfg.networks[0].vhost.socket_dir) + 1 + 15 + 5,
			 107);
	vp_config_free(&cfg);
	dir[86] = 's';
	dir[87] = '\0';
	snprintf(doc, sizeof(doc), NET(VH ",\"socket_dir\":\"%s\""), dir);
	bad(doc, "networks.chain.socket_dir: too long (87 bytes, at most 86): "
		 "`<socket_dir>/<port>.sock` with a 15-byte port name must fit "
		 "the 107-byte unix socket path limit");
}

static void test_load(void **state)
{
	char *dir = tu_mkdtemp();
	char *path = tu_join(dir, "vnfplug.json");
	char *link = tu_join(dir, "link.json");
	char *missing = tu_join(dir, "missing.json");
	struct vp_config cfg;
	struct vp_err err = {0};

	(void)state;
	tu_write(path, NET(VH ",\"queues\":2"), 0644);
	tu_assert_ok(vp_config_load(path, &cfg, &err), err);
	assert_int_equal(cfg.networks[0].vhost.queues, 2);
	vp_config_free(&cfg);

	tu_assert_err(vp_config_load(missing, &cfg, &err), err, "config: open");
	assert_int_equal(err.errnum, ENOENT);
	assert_null(cfg.run_dir);

	/* the operator's file is never read through a symlink */
	assert_int_equal(symlink(path, link), 0);
	tu_assert_err(vp_config_load(link, &cfg, &err), err, "config: open");
	assert_int_equal(err.errnum, ELOOP);

	/* a directory is not a config */
	tu_assert_err(vp_config_load(dir, &cfg, &err), err, "config:");

	tu_write(path, NET(VH ",\"queues\":0"), 0644);
	tu_assert_err(
	    vp_config_load(path, &cfg, &err), err,
	    "networks.chain.queues: must be between 1 and max_queues");
	assert_non_null(strstr(err.msg, path)); /* names the file */
	assert_null(cfg.networks);

	tu_rmtree(dir);
	free(dir);
	free(path);
	free(link);
	free(missing);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_full),
	    cmocka_unit_test(test_not_json),
	    cmocka_unit_test(test_unknown_keys),
	    cmocka_unit_test(test_wrong_types),
	    cmocka_unit_test(test_ranges),
	    cmocka_unit_test(test_values),
	    cmocka_unit_test(test_paths),
	    cmocka_unit_test(test_socket_dir_length),
	    cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
