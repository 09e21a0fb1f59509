/* test_request.c - the io.vnfplug.networks annotation: parsing, resolving
 * against a config, and MAC derivation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"
#include "validate.h"
#include "tu_files.h"

#define R "io.vnfplug.networks"

static const char cfg_doc[] =
    "{\"networks\":{"
    "\"chain\":{\"type\":\"vhost-user\",\"bridge\":\"br-vnf\","
    "\"queues\":2,\"max_queues\":4},"
    "\"mgmt\":{\"type\":\"vhost-user\",\"bridge\":\"br-mgmt\"}}}";

static int setup(void **state)
{
	struct vp_config *cfg = calloc(1, sizeof(*cfg));
	struct vp_err err = {0};

	if (cfg == NULL ||
	    vp_config_parse(cfg_doc, strlen(cfg_doc), cfg, &err) < 0) {
		print_error("config: %s\n", err.msg);
		free(cfg);
		return -1;
	}
	*state = cfg;
	return 0;
}

static int teardown(void **state)
{
	vp_config_free(*state);
	free(*state);
	return 0;
}

static void parse_bad(const char *text, const char *sub)
{
	struct vp_request req;
	struct vp_err err = {0};

	tu_assert_err(vp_request_parse(text, &req, &err), err, sub);
	assert_null(req.items);
	assert_int_equal(req.n, 0);
}

static void parse_ok(const char *text, struct vp_request *req)
{
	struct vp_err err = {0};

	tu_assert_ok(vp_request_parse(text, req, &err), err);
}

/* Parse and resolve; expect the resolve step to fail with `sub`. */
static void resolve_bad(const struct vp_config *cfg, const char *text,
			const char *sub)
{
	struct vp_request req;
	struct vp_err err = {0};

	parse_ok(text, &req);
	tu_assert_err(vp_request_resolve(&req, cfg, "sb1", &err), err, sub);
	vp_request_free(&req);
}

static void test_parse_good(void **state)
{
	struct vp_request req;
	const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x01};

	(void)state;
	parse_ok("[{\"network\":\"fastnet\",\"ifname\":\"net1\","
		 "\"mac\":\"02:00:00:00:00:01\"},{\"network\":\"chain\","
		 "\"queues\":2}]",
		 &req);
	assert_int_equal(req.n, 2);
	assert_string_equal(req.items[0].network, "fastnet");
	assert_string_equal(req.items[0].ifname, "net1");
	assert_true(req.items[0].has_mac);
	assert_memory_equal(req.items[0].mac, mac, 6);
	assert_int_equal(req.items[0].queues, 0);
	assert_null(req.items[0].net);
	assert_string_equal(req.items[1].network, "chain");
	assert_string_equal(req.items[1].ifname, "");
	assert_false(req.items[1].has_mac);
	assert_int_equal(req.items[1].queues, 2);
	vp_request_free(&req);
	assert_null(req.items);
	vp_request_free(&req);

	parse_ok("[{\"network\":\"chain\",\"ifname\":\"123456789012345\","
		 "\"mac\":\"0A:1b:2C:3d:4E:5f\",\"queues\":64}]",
		 &req);
	assert_string_equal(req.items[0].ifname, "123456789012345");
	assert_int_equal(req.items[0].mac[0], 0x0a);
	assert_int_equal(req.items[0].queues, 64);
	vp_request_free(&req);
}

static void test_parse_shape(void **state)
{
	char big[40 * 20];
	size_t used = 0;

	(void)state;
	parse_bad(NULL, R ": missing");
	parse_bad("", R ": invalid JSON: parse error: premature EOF");
	parse_bad("[{\"network\":\"chain\"}", R ": invalid JSON");
	parse_bad("chain", R ": invalid JSON: lexical error");
	parse_bad("[{\"network\":\"chain\"}] []", "trailing garbage");
	parse_bad("{\"network\":\"chain\"}",
		  R ": must be an array, got object");
	parse_bad("\"chain\"", R ": must be an array, got string");
	parse_bad("[]", R ": must list at least one network");
	parse_bad("[\"chain\"]", R "[0]: must be an object, got string");
	parse_bad("[{\"network\":\"chain\"},null]",
		  R "[1]: must be an object, got null");
	parse_bad("[[{\"network\":\"chain\"}]]",
		  R "[0]: must be an object, got array");

	used += (size_t)snprintf(big, sizeof(big), "[");
	for (int i = 0; i < VP_REQUEST_MAX + 1; i++)
		used += (size_t)snprintf(big + used, sizeof(big) - used,
					 "%s{\"network\":\"n\"}", i ? "," : "");
	snprintf(big + used, sizeof(big) - used, "]");
	parse_bad(big, R ": at most 16 entries, got 17");
}

static void test_parse_hostile_json(void **state)
{
	(void)state;
	parse_bad("[{\"network\":\"chain\",\"network\":\"other\"}]",
		  R ": invalid JSON: duplicate key `network`");
	parse_bad("[{\"network\":\"ch\\u0000ain\"}]",
		  R ": invalid JSON: string contains NUL");
	parse_bad("[{\"network\":\"\xc3\x28\"}]", R ": invalid JSON");
	parse_bad(
	    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]"
	    "]]]]]]]]]]]]]]]]]]]",
	    R ": invalid JSON: nesting deeper than 32");
}

static void test_parse_size_bound(void **state)
{
	size_t n = VP_REQUEST_ANNOTATION_MAX + 1;
	char *big = malloc(n + 1);

	(void)state;
	assert_non_null(big);
	/* valid JSON, just too long: refused before it is parsed */
	memset(big, ' ', n);
	memcpy(big, "[{\"network\":\"chain\"}]", 21);
	big[n] = '\0';
	parse_bad(big, R ": longer than 65536 bytes");
	big[n - 1] = '\0';
	{
		struct vp_request req;

		parse_ok(big, &req);
		vp_request_free(&req);
	}
	free(big);
}

static void test_parse_keys_and_types(void **state)
{
	(void)state;
	parse_bad("[{\"network\":\"chain\",\"pf\":\"eth0\"}]",
		  R "[0]: unknown key `pf` (allowed: network, ifname, mac, "
		    "queues, vlan, qos, spoofchk, trust, min_tx_rate, "
		    "max_tx_rate, link_state, mtu)");
	parse_bad("[{\"network\":\"chain\"},{\"network\":\"chain\","
		  "\"bridge\":\"br0\"}]",
		  R "[1]: unknown key `bridge`");
	parse_bad("[{\"network\":\"chain\",\"qemu\":\"-device x\"}]",
		  R "[0]: unknown key `qemu`");
	parse_bad("[{}]", R "[0].network: missing");
	parse_bad("[{\"ifname\":\"eth1\"}]", R "[0].network: missing");
	parse_bad("[{\"network\":1}]",
		  R "[0].network: must be a string, got number");
	parse_bad("[{\"network\":\"chain\",\"ifname\":7}]",
		  R "[0].ifname: must be a string, got number");
	parse_bad("[{\"network\":\"chain\",\"mac\":[]}]",
		  R "[0].mac: must be a string, got array");
	parse_bad("[{\"network\":\"chain\",\"queues\":\"2\"}]",
		  R "[0].queues: must be an integer, got string");
	parse_bad("[{\"network\":\"chain\",\"queues\":1.5}]",
		  R "[0].queues: must be an integer, got 1.5");
	parse_bad("[{\"network\":\"a b\"}]",
		  R "[0].network: `a b` is not a valid network name");
	parse_bad("[{\"network\":\"../etc\"}]",
		  R "[0].network: `../etc` is not a valid network name");
	parse_bad("[{\"network\":\"\"}]",
		  R "[0].network: `` is not a valid network name");
}

static void test_parse_ifname(void **state)
{
	(void)state;
	parse_bad("[{\"network\":\"chain\"},{\"network\":\"chain\","
		  "\"ifname\":\"a,b\"}]",
		  R "[1].ifname: `a,b` is not a valid interface name (1-15 of "
		    "A-Z a-z 0-9 _ . -)");
	parse_bad("[{\"network\":\"chain\",\"ifname\":\"a/b\"}]",
		  R "[0].ifname: `a/b` is not a valid interface name");
	parse_bad("[{\"network\":\"chain\",\"ifname\":\"a b\"}]",
		  R "[0].ifname: `a b` is not a valid interface name");
	parse_bad("[{\"network\":\"chain\",\"ifname\":\"1234567890123456\"}]",
		  R "[0].ifname: `1234567890123456` is not a valid interface "
		    "name");
	parse_bad("[{\"network\":\"chain\",\"ifname\":\"\"}]",
		  R "[0].ifname: `` is not a valid interface name");
	parse_bad("[{\"network\":\"chain\",\"ifname\":\"..\"}]",
		  R "[0].ifname: `..` is not");
	parse_bad("[{\"network\":\"chain\",\"ifname\":\"eth0\\n\"}]",
		  R "[0].ifname: `eth0?` is not");
	/* a name that tools would take for an option */
	parse_bad("[{\"network\":\"chain\",\"ifname\":\"-h\"}]",
		  R "[0].ifname: `-h` starts with `-`, which would read as an "
		    "option");
	parse_bad("[{\"network\":\"chain\"},"
		  "{\"network\":\"chain\",\"ifname\":\"--all\"}]",
		  R "[1].ifname: `--all` starts with `-`");
	parse_bad("[{\"network\":\"chain\",\"ifname\":\"-\"}]",
		  R "[0].ifname: `-` starts with `-`");
	{
		struct vp_request req;

		parse_ok("[{\"network\":\"chain\",\"ifname\":\"net-1\"}]",
			 &req);
		assert_string_equal(req.items[0].ifname, "net-1");
		vp_request_free(&req);
	}
}

static void test_parse_mac(void **state)
{
	(void)state;
	parse_bad("[{\"network\":\"chain\",\"mac\":\"02:00:00:00:00\"}]",
		  R "[0].mac: `02:00:00:00:00` is not a valid MAC address "
		    "(aa:bb:cc:dd:ee:ff)");
	parse_bad("[{\"network\":\"chain\",\"mac\":\"02-00-00-00-00-01\"}]",
		  R "[0].mac: `02-00-00-00-00-01` is not a valid MAC");
	parse_bad("[{\"network\":\"chain\",\"mac\":\"zz:00:00:00:00:01\"}]",
		  "is not a valid MAC");
	parse_bad("[{\"network\":\"chain\",\"mac\":\"02:00:00:00:00:01,x\"}]",
		  "is not a valid MAC");
	parse_bad("[{\"network\":\"chain\",\"mac\":\"01:00:5E:00:00:01\"}]",
		  R "[0].mac: multicast address 01:00:5e:00:00:01 not allowed");
	parse_bad("[{\"network\":\"chain\",\"mac\":\"ff:ff:ff:ff:ff:ff\"}]",
		  R "[0].mac: multicast address ff:ff:ff:ff:ff:ff not allowed");
	parse_bad("[{\"network\":\"chain\",\"mac\":\"33:33:00:00:00:01\"}]",
		  "multicast address");
	parse_bad("[{\"network\":\"chain\",\"mac\":\"00:00:00:00:00:00\"}]",
		  R "[0].mac: all-zero address 00:00:00:00:00:00 not allowed");
}

static void test_parse_queues(void **state)
{
	(void)state;
	parse_bad("[{\"network\":\"chain\",\"queues\":0}]",
		  R "[0].queues: must be between 1 and 64, got 0");
	parse_bad("[{\"network\":\"chain\",\"queues\":65}]",
		  R "[0].queues: must be between 1 and 64, got 65");
	parse_bad("[{\"network\":\"chain\",\"queues\":-1}]",
		  R "[0].queues: must be between 1 and 64, got -1");
	parse_bad("[{\"network\":\"chain\",\"queues\":1e1}]",
		  R "[0].queues: must be an integer");
	parse_bad("[{\"network\":\"chain\",\"queues\":18446744073709551617}]",
		  R "[0].queues: must be an integer");
}

static void test_resolve(void **state)
{
	const struct vp_config *cfg = *state;
	struct vp_request req;
	struct vp_err err = {0};
	uint8_t want[6];

	parse_ok("[{\"network\":\"chain\"},{\"network\":\"mgmt\","
		 "\"ifname\":\"mgmt0\",\"mac\":\"02:11:22:33:44:55\"},"
		 "{\"network\":\"chain\",\"queues\":4}]",
		 &req);
	tu_assert_ok(vp_request_resolve(&req, cfg, "sb1", &err), err);
	assert_ptr_equal(req.items[0].net, vp_config_network(cfg, "chain"));
	assert_ptr_equal(req.items[1].net, vp_config_network(cfg, "mgmt"));
	/* defaults: the network's queues, net<k>, a derived MAC */
	assert_int_equal(req.items[0].queues, 2);
	assert_string_equal(req.items[0].ifname, "net0");
	assert_true(req.items[0].has_mac);
	vp_mac_derive("sb1", 0, want);
	assert_memory_equal(req.items[0].mac, want, 6);
	/* given values are kept */
	assert_int_equal(req.items[1].queues, 1);
	assert_string_equal(req.items[1].ifname, "mgmt0");
	assert_int_equal(req.items[1].mac[5], 0x55);
	assert_int_equal(req.items[2].queues, 4);
	/* the first free net<k>: net0 went to entry 0 */
	assert_string_equal(req.items[2].ifname, "net1");
	vp_mac_derive("sb1", 2, want);
	assert_memory_equal(req.items[2].mac, want, 6);
	vp_request_free(&req);
}

/* docs/architecture.md §3.1's request: a given "net1", a defaulted entry */
static void test_default_ifname_avoids_given(void **state)
{
	const struct vp_config *cfg = *state;
	struct vp_request req;
	struct vp_err err = {0};

	parse_ok("[{\"network\":\"chain\",\"ifname\":\"net1\"},"
		 "{\"network\":\"mgmt\"},{\"network\":\"chain\","
		 "\"ifname\":\"net0\"},{\"network\":\"mgmt\"}]",
		 &req);
	tu_assert_ok(vp_request_resolve(&req, cfg, "sb1", &err), err);
	assert_string_equal(req.items[1].ifname, "net2");
	assert_string_equal(req.items[3].ifname, "net3");
	vp_request_free(&req);
}

static void test_resolve_errors(void **state)
{
	const struct vp_config *cfg = *state;
	struct vp_config empty = {0};

	resolve_bad(cfg, "[{\"network\":\"chain\"},{\"network\":\"fastnet\"}]",
		    R "[1].network: unknown network `fastnet` (configured: "
		      "chain, mgmt)");
	resolve_bad(&empty, "[{\"network\":\"chain\"}]",
		    R "[0].network: unknown network `chain` (none configured)");
	resolve_bad(cfg, "[{\"network\":\"chain\",\"queues\":5}]",
		    R "[0].queues: must be between 1 and max_queues (4) of "
		      "network `chain`, got 5");
	resolve_bad(cfg, "[{\"network\":\"mgmt\",\"queues\":9}]",
		    R "[0].queues: must be between 1 and max_queues (8) of "
		      "network `mgmt`, got 9");
	resolve_bad(cfg,
		    "[{\"network\":\"chain\",\"ifname\":\"eth1\"},"
		    "{\"network\":\"mgmt\",\"ifname\":\"eth1\"}]",
		    R "[1].ifname: `eth1` is already used by " R "[0]");
	resolve_bad(cfg,
		    "[{\"network\":\"chain\",\"mac\":\"02:00:00:00:00:01\"},"
		    "{\"network\":\"mgmt\",\"mac\":\"02:00:00:00:00:01\"}]",
		    R "[1].mac: 02:00:00:00:00:01 is already used by " R "[0]");
	{
		/* a given MAC equal to a derived one */
		uint8_t m[6];
		char mac[18], doc[160];

		vp_mac_derive("sb1", 0, m);
		vp_mac_format(m, mac);
		snprintf(doc, sizeof(doc),
			 "[{\"network\":\"chain\"},{\"network\":\"mgmt\","
			 "\"mac\":\"%s\"}]",
			 mac);
		resolve_bad(cfg, doc, "is already used by " R "[0]");
	}
	{
		struct vp_request req;
		struct vp_err err = {0};

		parse_ok("[{\"network\":\"chain\"}]", &req);
		tu_assert_err(vp_request_resolve(&req, cfg, NULL, &err), err,
			      "no sandbox id");
		vp_request_free(&req);
	}
}

static void test_mac_derive(void **state)
{
	uint8_t a[6], b[6], c[6];
	char s[18];

	(void)state;
	vp_mac_derive("4f8c1b0e3a2d", 0, a);
	vp_mac_derive("4f8c1b0e3a2d", 0, b);
	assert_memory_equal(a, b, 6); /* stable */
	vp_mac_derive("4f8c1b0e3a2d", 1, c);
	assert_memory_not_equal(a, c, 6); /* index matters */
	vp_mac_derive("4f8c1b0e3a2e", 0, c);
	assert_memory_not_equal(a, c, 6); /* sandbox matters */
	/* the separator keeps ("a1", 0) and ("a", 10)-like pairs apart */
	vp_mac_derive("a1", 0, b);
	vp_mac_derive("a", 1, c);
	assert_memory_not_equal(b, c, 6);

	/* pinned: FNV-1a 64 must not change between releases, or restarted
	 * sandboxes get new MACs */
	vp_mac_derive("sandbox", 0, a);
	vp_mac_format(a, s);
	assert_string_equal(s, "02:4c:80:5a:05:3e"); /* checked in Python */

	for (unsigned i = 0; i < 2000; i++) {
		char id[32];

		snprintf(id, sizeof(id), "sb-%u", i);
		vp_mac_derive(id, i % 16, a);
		assert_int_equal(a[0], 0x02); /* locally administered ... */
		assert_false(vp_mac_is_multicast(a)); /* ... unicast */
		assert_int_equal(a[0] & 0x02, 0x02);
		assert_false(vp_mac_is_zero(a));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_good),
	    cmocka_unit_test(test_parse_shape),
	    cmocka_unit_test(test_parse_hostile_json),
	    cmocka_unit_test(test_parse_size_bound),
	    cmocka_unit_test(test_parse_keys_and_types),
	    cmocka_unit_test(test_parse_ifname),
	    cmocka_unit_test(test_parse_mac),
	    cmocka_unit_test(test_parse_queues),
	    cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_default_ifname_avoids_given,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resolve_errors, setup,
					    teardown),
	    cmocka_unit_test(test_mac_derive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
