/* test_validate.c - the allowlists of validate.h, good and hostile input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <limits.h>
#include <string.h>

#include "validate.h"

static void test_network_name(void **state)
{
	char long_name[65];

	(void)state;
	assert_true(vp_valid_network_name("chain"));
	assert_true(vp_valid_network_name("a.b_c-D9"));
	assert_true(vp_valid_network_name("-"));
	assert_false(vp_valid_network_name(""));
	assert_false(vp_valid_network_name(NULL));
	assert_false(vp_valid_network_name("a b"));
	assert_false(vp_valid_network_name("a/b"));
	assert_false(vp_valid_network_name("a,b"));
	assert_false(vp_valid_network_name("caf\xc3\xa9"));
	memset(long_name, 'a', 63);
	long_name[63] = '\0';
	assert_true(vp_valid_network_name(long_name));
	long_name[63] = 'a';
	long_name[64] = '\0';
	assert_false(vp_valid_network_name(long_name));
}

static void test_sandbox_id(void **state)
{
	char id[130];

	(void)state;
	assert_true(vp_valid_sandbox_id("abc"));
	assert_true(vp_valid_sandbox_id("4f8c1b0e3a2d4e5f9a8b7c6d5e4f3a2b1c0d9e"
					"8f7a6b5c4d3e2f1a0b9c8d7e6f"));
	assert_true(vp_valid_sandbox_id("pod_1.x-y"));
	assert_false(vp_valid_sandbox_id(""));
	assert_false(vp_valid_sandbox_id(NULL));
	assert_false(vp_valid_sandbox_id("-abc"));
	assert_false(vp_valid_sandbox_id(".abc"));
	assert_false(vp_valid_sandbox_id("_abc"));
	assert_false(vp_valid_sandbox_id(".."));
	assert_false(vp_valid_sandbox_id("a/b"));
	assert_false(vp_valid_sandbox_id("a b"));
	assert_false(vp_valid_sandbox_id("a\nb"));
	memset(id, 'a', 128);
	id[128] = '\0';
	assert_true(vp_valid_sandbox_id(id));
	id[128] = 'a';
	id[129] = '\0';
	assert_false(vp_valid_sandbox_id(id));
}

static void test_ifname(void **state)
{
	(void)state;
	assert_true(vp_valid_ifname("eth0"));
	assert_true(vp_valid_ifname("net1.100"));
	assert_true(vp_valid_ifname("a"));
	assert_true(vp_valid_ifname("123456789012345"));
	assert_false(vp_valid_ifname("1234567890123456"));
	assert_false(vp_valid_ifname(""));
	assert_false(vp_valid_ifname(NULL));
	assert_false(vp_valid_ifname("."));
	assert_false(vp_valid_ifname(".."));
	assert_false(vp_valid_ifname("a,b"));
	assert_false(vp_valid_ifname("a/b"));
	assert_false(vp_valid_ifname("a b"));
	assert_false(vp_valid_ifname("a:b"));
	assert_false(vp_valid_ifname("a%b"));
}

static void test_ovs_name(void **state)
{
	(void)state;
	assert_true(vp_valid_ovs_name("br-vnf"));
	assert_true(vp_valid_ovs_name("vp0a1b2c3d4e5f6"));
	assert_false(vp_valid_ovs_name("vp0a1b2c3d4e5f67"));
	assert_false(vp_valid_ovs_name("-br"));
	assert_false(vp_valid_ovs_name(".br"));
	assert_false(vp_valid_ovs_name(""));
	assert_false(vp_valid_ovs_name("br/x"));
	assert_false(vp_valid_ovs_name("br\\x"));
	assert_false(vp_valid_ovs_name("br x"));
	assert_false(vp_valid_ovs_name("br,x"));
}

static void test_abs_path(void **state)
{
	char p[PATH_MAX + 2];

	(void)state;
	assert_true(vp_valid_abs_path("/"));
	assert_true(vp_valid_abs_path("/run/vnfplug"));
	assert_true(vp_valid_abs_path("/usr/bin/qemu-system-x86_64"));
	assert_true(vp_valid_abs_path("/a/b+c/.hidden/..x/x.."));
	assert_false(vp_valid_abs_path(NULL));
	assert_false(vp_valid_abs_path(""));
	assert_false(vp_valid_abs_path("run/vnfplug"));
	assert_false(vp_valid_abs_path("/run/"));
	assert_false(vp_valid_abs_path("//run"));
	assert_false(vp_valid_abs_path("/run//x"));
	assert_false(vp_valid_abs_path("/run/./x"));
	assert_false(vp_valid_abs_path("/run/../etc"));
	assert_false(vp_valid_abs_path("/.."));
	assert_false(vp_valid_abs_path("/run/a,b"));
	assert_false(vp_valid_abs_path("/run/a b"));
	assert_false(vp_valid_abs_path("/run/a:b"));
	assert_false(vp_valid_abs_path("/run/a\nb"));
	assert_false(vp_valid_abs_path("/run/\xc3\xa9"));
	p[0] = '/';
	memset(p + 1, 'a', PATH_MAX - 2);
	p[PATH_MAX - 1] = '\0';
	assert_true(vp_valid_abs_path(p)); /* PATH_MAX-1 bytes */
	p[PATH_MAX - 1] = 'a';
	p[PATH_MAX] = '\0';
	assert_false(vp_valid_abs_path(p));
}

static void test_pci_addr(void **state)
{
	(void)state;
	assert_true(vp_valid_pci_addr("0000:03:10.1"));
	assert_true(vp_valid_pci_addr("ffff:ff:1f.7"));
	assert_false(vp_valid_pci_addr("0000:03:20.1")); /* device > 0x1f */
	assert_false(vp_valid_pci_addr("0000:03:10.8")); /* function > 7 */
	assert_false(vp_valid_pci_addr("0000:3B:00.1")); /* upper case */
	assert_false(vp_valid_pci_addr("03:10.1"));
	assert_false(vp_valid_pci_addr("0000:03:10.1,x"));
	assert_false(vp_valid_pci_addr("0000-03:10.1"));
	assert_false(vp_valid_pci_addr("0000:03:10:1"));
	assert_false(vp_valid_pci_addr(""));
	assert_false(vp_valid_pci_addr(NULL));
}

static void test_mac(void **state)
{
	uint8_t mac[6] = {9, 9, 9, 9, 9, 9};
	const uint8_t want[6] = {0x02, 0xab, 0xcd, 0xef, 0x00, 0x01};
	char out[18];

	(void)state;
	assert_int_equal(vp_mac_parse("02:AB:cd:Ef:00:01", mac), 0);
	assert_memory_equal(mac, want, 6);
	vp_mac_format(mac, out);
	assert_string_equal(out, "02:ab:cd:ef:00:01");
	assert_false(vp_mac_is_multicast(mac));
	assert_false(vp_mac_is_zero(mac));

	memset(mac, 7, 6);
	assert_int_equal(vp_mac_parse("02:ab:cd:ef:00", mac), -1);
	assert_int_equal(vp_mac_parse("02:ab:cd:ef:00:01:02", mac), -1);
	assert_int_equal(vp_mac_parse("02-ab-cd-ef-00-01", mac), -1);
	assert_int_equal(vp_mac_parse("02:ab:cd:ef:00:0g", mac), -1);
	assert_int_equal(vp_mac_parse("2:ab:cd:ef:00:01x", mac), -1);
	assert_int_equal(vp_mac_parse(" 2:ab:cd:ef:00:01", mac), -1);
	assert_int_equal(vp_mac_parse("", mac), -1);
	assert_int_equal(vp_mac_parse(NULL, mac), -1);
	/* a failed parse leaves the output alone */
	for (int i = 0; i < 6; i++)
		assert_int_equal(mac[i], 7);

	assert_int_equal(vp_mac_parse("01:00:5e:00:00:01", mac), 0);
	assert_true(vp_mac_is_multicast(mac));
	assert_int_equal(vp_mac_parse("ff:ff:ff:ff:ff:ff", mac), 0);
	assert_true(vp_mac_is_multicast(mac));
	assert_int_equal(vp_mac_parse("00:00:00:00:00:00", mac), 0);
	assert_true(vp_mac_is_zero(mac));
	assert_false(vp_mac_is_multicast(mac));
}

static void test_printable(void **state)
{
	char buf[VP_PRINTABLE_MAX], small[8];
	char big[200];

	(void)state;
	assert_string_equal(vp_printable("ok", buf, sizeof(buf)), "ok");
	assert_string_equal(
	    vp_printable("a\nb\x1b[0m\xc3\xa9", buf, sizeof(buf)), "a?b?[0m??");
	assert_string_equal(vp_printable(NULL, buf, sizeof(buf)), "(null)");
	assert_string_equal(vp_printable("abcdefgh", small, sizeof(small)),
			    "abcd...");
	assert_string_equal(vp_printable("abcdefg", small, sizeof(small)),
			    "abcdefg");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	vp_printable(big, buf, sizeof(buf));
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	assert_string_equal(buf + sizeof(buf) - 4, "...");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_network_name),
	    cmocka_unit_test(test_sandbox_id),
	    cmocka_unit_test(test_ifname),
	    cmocka_unit_test(test_ovs_name),
	    cmocka_unit_test(test_abs_path),
	    cmocka_unit_test(test_pci_addr),
	    cmocka_unit_test(test_mac),
	    cmocka_unit_test(test_printable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
