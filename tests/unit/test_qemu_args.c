/* test_qemu_args.c - socket paths (backend.h) and the vhost-user options
 * (qemu_args.h, docs/architecture.md §9); comma escaping is in
 * test_qemu_opts. */
#include "tu_shim.h"

#include "backend.h"
#include "qemu_args.h"

static const uint8_t MAC[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

/* A directory name that makes "<dir>/p" exactly `total` bytes. */
static char *dir_for_total(size_t total)
{
	size_t dlen = total - 2; /* "/p" */
	char *d = malloc(dlen + 1);

	assert_non_null(d);
	memset(d, 'd', dlen);
	d[0] = '/';
	d[dlen] = '\0';
	return d;
}

static void test_socket_path_ok(void **state)
{
	struct vp_err err = {0};
	char out[128];

	(void)state;
	assert_int_equal(vp_socket_path("/run/vnfplug/sockets", "vp-abc-0", out,
					sizeof(out), &err),
			 0);
	assert_string_equal(out, "/run/vnfplug/sockets/vp-abc-0");
	assert_int_equal(
	    vp_socket_path("/run/x//", "p", out, sizeof(out), &err), 0);
	assert_string_equal(out, "/run/x/p");
	assert_int_equal(vp_socket_path("/", "p", out, sizeof(out), &err), 0);
	assert_string_equal(out, "/p");
}

static void test_socket_path_107_108(void **state)
{
	struct vp_err err = {0};
	char out[256], want[64];
	char *d107 = dir_for_total(107), *d108 = dir_for_total(108);

	(void)state;
	assert_int_equal(vp_socket_path(d107, "p", out, sizeof(out), &err), 0);
	assert_int_equal(strlen(out), 107);
	assert_true(vp_socket_path(d108, "p", out, sizeof(out), &err) < 0);
	snprintf(want, sizeof(want), "is 108 bytes, the limit is 107");
	assert_non_null(strstr(err.msg, want));
	/* fits the rule but not the caller's buffer: error, no overflow */
	assert_true(vp_socket_path("/run/x", "p", out, 8, &err) < 0);
	free(d107);
	free(d108);
}

static void test_socket_path_refusals(void **state)
{
	static const char *const bad[][2] = {
	    {"/run/x", "a/b"}, {"/run/x", ""},	   {"/run/x", ".."},
	    {"/run/x", "a,b"}, {"/run/x", "a b"},  {"run/x", "p"},
	    {"", "p"},	       {"/run/../x", "p"}, {"/run/x", "a\nb"},
	    {"/run/x", "a=b"},
	};
	struct vp_err err = {0};
	char out[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (vp_socket_path(bad[i][0], bad[i][1], out, sizeof(out),
				   &err) >= 0) {
			print_error("accepted `%s` + `%s`\n", bad[i][0],
				    bad[i][1]);
			fail();
		}
		assert_true(err.msg[0] != '\0');
	}
}

static void test_vhost_one_queue(void **state)
{
	struct vp_vhost_dev d = {.index = 0,
				 .socket_path = "/run/vnfplug/sockets/s0",
				 .queues = 1,
				 .vectors = -1};
	struct vp_argv a = {0};
	struct vp_err err = {0};

	(void)state;
	memcpy(d.mac, MAC, 6);
	assert_int_equal(vp_qemu_vhost_user_args(&d, &a, &err), 0);
	tu_assert_argv(
	    &a, (const char *const[]){
		    "-chardev",
		    "socket,id=vp-c0,path=/run/vnfplug/sockets/s0,server=on,"
		    "wait=off",
		    "-netdev",
		    "type=vhost-user,id=vp-n0,chardev=vp-c0,vhostforce=on",
		    "-device",
		    "virtio-net-pci,netdev=vp-n0,mac=02:00:00:00:00:01", NULL});
	vp_argv_free(&a);
}

static void test_vhost_four_queues(void **state)
{
	struct vp_vhost_dev d = {.index = 3,
				 .socket_path = "/run/s3",
				 .mac = {0x52, 0x54, 0x00, 0xAB, 0xcd, 0xEF},
				 .queues = 4,
				 .vectors = -1};
	struct vp_argv a = {0};
	struct vp_err err = {0};

	(void)state;
	assert_int_equal(vp_argv_push(&a, "existing", &err), 0);
	assert_int_equal(vp_qemu_vhost_user_args(&d, &a, &err), 0);
	tu_assert_argv(
	    &a,
	    (const char *const[]){
		"existing", "-chardev",
		"socket,id=vp-c3,path=/run/s3,server=on,wait=off", "-netdev",
		"type=vhost-user,id=vp-n3,chardev=vp-c3,vhostforce=on,"
		"queues=4",
		"-device",
		"virtio-net-pci,netdev=vp-n3,mac=52:54:00:ab:cd:ef,mq=on,"
		"vectors=10",
		NULL});
	vp_argv_free(&a);
}

static void test_vhost_vectors_explicit(void **state)
{
	struct vp_vhost_dev d = {
	    .socket_path = "/run/s", .queues = 1, .vectors = 0};
	struct vp_argv a = {0};
	struct vp_err err = {0};

	(void)state;
	memcpy(d.mac, MAC, 6);
	/* TCG: vectors=0 even for one queue (docs/architecture.md §12) */
	assert_int_equal(vp_qemu_vhost_user_args(&d, &a, &err), 0);
	assert_string_equal(a.v[5],
			    "virtio-net-pci,netdev=vp-n0,mac=02:00:00:00:00:01,"
			    "vectors=0");
	vp_argv_free(&a);

	d.queues = 2;
	assert_int_equal(vp_qemu_vhost_user_args(&d, &a, &err), 0);
	assert_string_equal(a.v[3], "type=vhost-user,id=vp-n0,chardev=vp-c0,"
				    "vhostforce=on,queues=2");
	assert_string_equal(a.v[5],
			    "virtio-net-pci,netdev=vp-n0,mac=02:00:00:00:00:01,"
			    "mq=on,vectors=0");
	vp_argv_free(&a);

	d.queues = 2;
	d.vectors = 7;
	assert_int_equal(vp_qemu_vhost_user_args(&d, &a, &err), 0);
	assert_string_equal(a.v[5],
			    "virtio-net-pci,netdev=vp-n0,mac=02:00:00:00:00:01,"
			    "mq=on,vectors=7");
	vp_argv_free(&a);
}

static void test_vhost_refusals(void **state)
{
	char *long_dir = dir_for_total(108);
	char *long_path;
	struct vp_vhost_dev base = {
	    .socket_path = "/run/s", .queues = 1, .vectors = -1};
	struct vp_argv a = {0};
	struct vp_err err = {0};

	(void)state;
	assert_int_equal(asprintf(&long_path, "%s/p", long_dir), 108);
	memcpy(base.mac, MAC, 6);
	assert_int_equal(vp_argv_push(&a, "keep", &err), 0);

	const char *paths[] = {"/run/a,b", "/run/a,,b", "run/s",  "/run/../s",
			       "/run/a b", "",		long_path};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct vp_vhost_dev d = base;

		d.socket_path = paths[i];
		if (vp_qemu_vhost_user_args(&d, &a, &err) >= 0) {
			print_error("accepted socket path `%s`\n", paths[i]);
			fail();
		}
		assert_non_null(strstr(err.msg, "vhost-user device 0"));
	}
	struct vp_vhost_dev d = base;
	d.queues = 0;
	assert_true(vp_qemu_vhost_user_args(&d, &a, &err) < 0);
	d.queues = 65;
	assert_true(vp_qemu_vhost_user_args(&d, &a, &err) < 0);
	d = base;
	d.vectors = -2;
	assert_true(vp_qemu_vhost_user_args(&d, &a, &err) < 0);
	d = base;
	d.mac[0] = 0x01; /* multicast */
	assert_true(vp_qemu_vhost_user_args(&d, &a, &err) < 0);
	memset(d.mac, 0, 6);
	assert_true(vp_qemu_vhost_user_args(&d, &a, &err) < 0);
	d = base;
	d.socket_path = NULL;
	assert_true(vp_qemu_vhost_user_args(&d, &a, &err) < 0);
	/* nothing half-appended */
	tu_assert_argv(&a, (const char *const[]){"keep", NULL});
	vp_argv_free(&a);
	free(long_path);
	free(long_dir);
}

static void test_vhost_107_byte_socket(void **state)
{
	char *dir = dir_for_total(107), *path;
	struct vp_vhost_dev d = {.queues = 1, .vectors = -1};
	struct vp_argv a = {0};
	struct vp_err err = {0};

	(void)state;
	assert_int_equal(asprintf(&path, "%s/p", dir), 107);
	memcpy(d.mac, MAC, 6);
	d.socket_path = path;
	assert_int_equal(vp_qemu_vhost_user_args(&d, &a, &err), 0);
	assert_non_null(strstr(a.v[1], path));
	vp_argv_free(&a);
	free(path);
	free(dir);
}

static void test_vfio(void **state)
{
	struct vp_argv a = {0};
	struct vp_err err;

	(void)state;
	assert_int_equal(vp_qemu_vfio_args("0000:3b:10.2", &a, &err), 0);
	assert_int_equal(a.n, 2);
	assert_string_equal(a.v[0], "-device");
	assert_string_equal(a.v[1], "vfio-pci,host=0000:3b:10.2");
	/* nothing but a PCI address reaches the option string */
	assert_true(vp_qemu_vfio_args("0000:3b:10.2,x-bar=1", &a, &err) < 0);
	assert_true(vp_qemu_vfio_args("3b:10.2", &a, &err) < 0);
	assert_int_equal(a.n, 2);
	vp_argv_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_socket_path_ok),
	    cmocka_unit_test(test_socket_path_107_108),
	    cmocka_unit_test(test_socket_path_refusals),
	    cmocka_unit_test(test_vhost_one_queue),
	    cmocka_unit_test(test_vhost_four_queues),
	    cmocka_unit_test(test_vhost_vectors_explicit),
	    cmocka_unit_test(test_vhost_refusals),
	    cmocka_unit_test(test_vhost_107_byte_socket),
	    cmocka_unit_test(test_vfio),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
