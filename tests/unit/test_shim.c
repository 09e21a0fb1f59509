/* test_shim.c - sandbox id recovery and the argv vnfplug-qemu execs
 * (qemu_argv.h, docs/architecture.md §8.1, §9). */
#include "tu_shim.h"

#include <sys/stat.h>

#include "qemu_argv.h"
#include "qemu_opts.h"

#define QEMU "/usr/bin/qemu-system-x86_64"
#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define NARGS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* 0/1 from vp_qemu_sandbox_id and the id it found. */
static void check_id(int argc, char *const argv[], const char *want)
{
	struct vp_err err = {0};
	char *id = (char *)"unset";
	int r = vp_qemu_sandbox_id(argc, argv, &id, &err);

	if (r < 0) {
		print_error("error: %s\n", err.msg);
		fail();
	}
	if (want == NULL) {
		assert_int_equal(r, 0);
		assert_null(id);
	} else {
		assert_int_equal(r, 1);
		assert_string_equal(id, want);
	}
	free(id);
}

static void test_id_forms(void **state)
{
	(void)state;
	check_id(2, (char *[]){"-name", "sandbox-abc"}, "abc");
	check_id(2, (char *[]){"-name", "pod-abc"}, "abc");
	check_id(2, (char *[]){"-name", "sandbox-" ID64 ",debug-threads=on"},
		 ID64);
	check_id(2, (char *[]){"-name", "guest=sandbox-abc"}, "abc");
	check_id(2,
		 (char *[]){"-name", "guest=pod-x1,process=qemu-x1,"
				     "debug-threads=on"},
		 "x1");
	check_id(2, (char *[]){"-name", "debug-threads=on,guest=sandbox-q"},
		 "q");
	check_id(1, (char *[]){"-name=sandbox-abc"}, "abc");
	check_id(1, (char *[]){"-name=guest=pod-abc,debug-threads=on"}, "abc");
	check_id(2, (char *[]){"--name", "sandbox-abc"}, "abc");
	check_id(4, (char *[]){"-m", "512", "-name", "sandbox-a.b_c-d"},
		 "a.b_c-d");
	/* QEMU merges repeated -name: the last guest name counts */
	check_id(4, (char *[]){"-name", "sandbox-one", "-name", "sandbox-two"},
		 "two");
	check_id(
	    4, (char *[]){"-name", "sandbox-one", "-name", "debug-threads=on"},
	    "one");
}

static void test_id_none(void **state)
{
	(void)state;
	check_id(0, (char *[]){NULL}, NULL);
	check_id(4, (char *[]){"-m", "512", "-smp", "2"}, NULL);
	check_id(2, (char *[]){"-name", "myvm"}, NULL);
	check_id(2, (char *[]){"-name", "debug-threads=on"}, NULL);
	check_id(2, (char *[]){"-name", "xsandbox-abc"}, NULL);
	check_id(1, (char *[]){"-name"}, NULL); /* QEMU will complain */
	check_id(2, (char *[]){"-namex", "sandbox-abc"}, NULL);
	check_id(2, (char *[]){"-uuid", "sandbox-abc"}, NULL);
}

static void check_id_error(const char *name)
{
	char *argv[] = {(char *)"-name", (char *)name};
	struct vp_err err = {0};
	char *id = NULL;

	if (vp_qemu_sandbox_id(2, argv, &id, &err) >= 0) {
		print_error("accepted -name `%s` (id `%s`)\n", name,
			    id ? id : "");
		fail();
	}
	assert_null(id);
	assert_non_null(strstr(err.msg, "-name"));
}

static void test_id_hostile(void **state)
{
	(void)state;
	check_id_error("sandbox-../../x");
	check_id_error("sandbox-");
	check_id_error("pod-");
	check_id_error("sandbox-a,,b"); /* id "a,b" */
	check_id_error("sandbox-a,,b,debug-threads=on");
	check_id_error("guest=sandbox-a/b");
	check_id_error("sandbox-.hidden");
	check_id_error("sandbox-a b");
	check_id_error("sandbox--x");
	check_id_error("sandbox-" ID64 ID64 "x"); /* 129 bytes */
}

/* Build with a device list (or none) and compare with `want`. */
static void check_build(int argc, char *const argv[],
			const struct vp_devlist *dl, const char *const want[])
{
	struct vp_argv out = {0};
	struct vp_err err = {0};

	if (vp_shim_build_argv(QEMU, argc, argv, dl, &out, &err) < 0) {
		print_error("error: %s\n", err.msg);
		fail();
	}
	tu_assert_argv(&out, want);
	vp_argv_free(&out);
}

static void check_build_error(int argc, char *const argv[],
			      const struct vp_devlist *dl, const char *needle)
{
	struct vp_argv out = {0};
	struct vp_err err = {0};

	assert_true(vp_shim_build_argv(QEMU, argc, argv, dl, &out, &err) < 0);
	assert_int_equal(out.n, 0);
	assert_null(out.v);
	if (strstr(err.msg, needle) == NULL) {
		print_error("error `%s` lacks `%s`\n", err.msg, needle);
		fail();
	}
}

static struct vp_devlist shm_list(bool shared)
{
	struct vp_devlist dl = {.sandbox = (char *)"abc",
				.shared_memory = shared};
	struct vp_err err = {0};

	assert_int_equal(vp_argv_push(&dl.args, "-device", &err), 0);
	assert_int_equal(
	    vp_argv_push(&dl.args, "vfio-pci,host=0000:03:10.1", &err), 0);
	return dl;
}

static void test_build_passthrough(void **state)
{
	char *argv[] = {"-name",   "sandbox-abc",
			"-object", "memory-backend-ram,id=m,size=1G",
			"-qmp",	   "fd=3"};

	(void)state;
	check_build(NARGS(argv), argv, NULL,
		    (const char *const[]){QEMU, "-name", "sandbox-abc",
					  "-object",
					  "memory-backend-ram,id=m,size=1G",
					  "-qmp", "fd=3", NULL});
	check_build(0, argv, NULL, (const char *const[]){QEMU, NULL});
}

static void test_build_no_shared_memory(void **state)
{
	struct vp_devlist dl = shm_list(false);
	char *argv[] = {"-m", "512", "-object", "memory-backend-ram,id=m"};

	(void)state;
	check_build(NARGS(argv), argv, &dl,
		    (const char *const[]){QEMU, "-m", "512", "-object",
					  "memory-backend-ram,id=m", "-device",
					  "vfio-pci,host=0000:03:10.1", NULL});
	vp_argv_free(&dl.args);
}

/* One -object value in, the fixed value out. */
static void check_object(const char *in, const char *want)
{
	struct vp_devlist dl = shm_list(true);
	char *argv[] = {"-m",	    "1G",    "-object",
			(char *)in, "-numa", "node,memdev=m"};

	check_build(NARGS(argv), argv, &dl,
		    (const char *const[]){QEMU, "-m", "1G", "-object", want,
					  "-numa", "node,memdev=m", "-device",
					  "vfio-pci,host=0000:03:10.1", NULL});
	vp_argv_free(&dl.args);
}

static void test_fixup_existing_backend(void **state)
{
	(void)state;
	check_object("memory-backend-file,id=m,size=1G,mem-path=/dev/hugepages",
		     "memory-backend-file,id=m,size=1G,mem-path=/dev/hugepages,"
		     "share=on");
	check_object("memory-backend-file,id=m,share=off,size=1G",
		     "memory-backend-file,id=m,share=on,size=1G");
	check_object("memory-backend-file,id=m,share=no,size=1G",
		     "memory-backend-file,id=m,share=on,size=1G");
	check_object("memory-backend-memfd,id=m,size=1G,share=on",
		     "memory-backend-memfd,id=m,size=1G,share=on");
	check_object("memory-backend-memfd,id=m,share=yes,size=1G",
		     "memory-backend-memfd,id=m,share=yes,size=1G");
	/* QEMU allows a trailing comma: no ",," (an escaped comma) */
	check_object("memory-backend-file,id=m,mem-path=/x,",
		     "memory-backend-file,id=m,mem-path=/x,share=on");
	/* anonymous RAM has no fd for the vswitch: it becomes memfd */
	check_object("memory-backend-ram,id=m,size=1G",
		     "memory-backend-memfd,id=m,size=1G,share=on");
	check_object("qom-type=memory-backend-ram,id=m,size=1G,share=off",
		     "qom-type=memory-backend-memfd,id=m,size=1G,share=on");
	check_object("qom-type=memory-backend-file,id=m,size=1G,mem-path=/x",
		     "qom-type=memory-backend-file,id=m,size=1G,mem-path=/x,"
		     "share=on");
	/* escaped commas stay escaped and are not item separators */
	check_object("memory-backend-file,id=m,mem-path=/dev/a,,share=off",
		     "memory-backend-file,id=m,mem-path=/dev/a,,share=off,"
		     "share=on");
	/* an empty share= is not "on" */
	check_object("memory-backend-file,id=m,share=,size=1G",
		     "memory-backend-file,id=m,share=on,size=1G");
}

static void test_fixup_other_objects_untouched(void **state)
{
	struct vp_devlist dl = shm_list(true);
	char *argv[] = {
	    "-object", "rng-random,id=rng0,filename=/dev/urandom",
	    "-object", "memory-backend-file,id=m,size=512M,share=on",
	    "-object", "secret,id=s,data=memory-backend-ram"};

	(void)state;
	check_build(NARGS(argv), argv, &dl,
		    (const char *const[]){
			QEMU, "-object",
			"rng-random,id=rng0,filename=/dev/urandom", "-object",
			"memory-backend-file,id=m,size=512M,share=on",
			"-object", "secret,id=s,data=memory-backend-ram",
			"-device", "vfio-pci,host=0000:03:10.1", NULL});
	vp_argv_free(&dl.args);
}

static void test_fixup_several_backends(void **state)
{
	struct vp_devlist dl = shm_list(true);
	char *argv[] = {"-object",
			"memory-backend-file,id=a,size=1G,mem-path=/x",
			"-object", "memory-backend-ram,id=b,size=1G,share=off"};

	(void)state;
	check_build(NARGS(argv), argv, &dl,
		    (const char *const[]){
			QEMU, "-object",
			"memory-backend-file,id=a,size=1G,mem-path=/x,"
			"share=on",
			"-object", "memory-backend-memfd,id=b,size=1G,share=on",
			"-device", "vfio-pci,host=0000:03:10.1", NULL});
	vp_argv_free(&dl.args);
}

/* No backend: a memfd one of the -m size is added and bound. */
static void check_memfd(const char *m, const char *size)
{
	struct vp_devlist dl = shm_list(true);
	char object[128];
	char *with_m[] = {"-name", "sandbox-abc", "-m", (char *)m, "-smp", "1"};
	char *without_m[] = {"-name", "sandbox-abc", "-smp", "1"};

	snprintf(object, sizeof(object),
		 "memory-backend-memfd,id=vp-mem,size=%s,share=on", size);
	if (m != NULL)
		check_build(NARGS(with_m), with_m, &dl,
			    (const char *const[]){
				QEMU, "-name", "sandbox-abc", "-m", m, "-smp",
				"1", "-object", object, "-machine",
				"memory-backend=vp-mem", "-device",
				"vfio-pci,host=0000:03:10.1", NULL});
	else
		check_build(
		    NARGS(without_m), without_m, &dl,
		    (const char *const[]){QEMU, "-name", "sandbox-abc", "-smp",
					  "1", "-object", object, "-machine",
					  "memory-backend=vp-mem", "-device",
					  "vfio-pci,host=0000:03:10.1", NULL});
	vp_argv_free(&dl.args);
}

static void test_fixup_no_backend(void **state)
{
	(void)state;
	check_memfd("2048", "2048M");
	check_memfd("2048M", "2048M");
	check_memfd("2048m", "2048M");
	check_memfd("2G", "2048M");
	check_memfd("1.5G", "1536M");
	check_memfd("size=2048M,slots=10,maxmem=12G", "2048M");
	check_memfd("slots=4,size=1G,maxmem=8G", "1024M");
	check_memfd("size=512", "512M");
	check_memfd("4096,slots=2,maxmem=8G", "4096M");
	check_memfd("1048576k", "1024M");
	check_memfd("3145728K", "3072M");
	check_memfd("1T", "1048576M");
	check_memfd("1000000B", "1000000");
	check_memfd("slots=4,maxmem=8G", "128M"); /* no size: default */
	check_memfd(NULL, "128M");
}

static void test_fixup_last_m_wins(void **state)
{
	struct vp_devlist dl = shm_list(true);
	char *argv[] = {"-m", "1G", "--m", "size=3G"};

	(void)state;
	check_build(NARGS(argv), argv, &dl,
		    (const char *const[]){
			QEMU, "-m", "1G", "--m", "size=3G", "-object",
			"memory-backend-memfd,id=vp-mem,size=3072M,share=on",
			"-machine", "memory-backend=vp-mem", "-device",
			"vfio-pci,host=0000:03:10.1", NULL});
	vp_argv_free(&dl.args);
}

static void test_fixup_errors(void **state)
{
	struct vp_devlist dl = shm_list(true);
	char *bad_m[] = {"-m", "lots"};
	char *zero_m[] = {"-m", "0"};
	char *huge_m[] = {"-m", "99999999999999999999"};
	char *unit_m[] = {"-m", "2X"};
	char *mem_path[] = {"-m", "1G", "-mem-path", "/dev/hugepages"};
	char *json_off[] = {
	    "-object", "{\"qom-type\":\"memory-backend-file\",\"id\":\"m\","
		       "\"size\":1073741824,\"mem-path\":\"/x\"}"};
	char *json_bad[] = {"-object", "{\"qom-type\":"};

	(void)state;
	check_build_error(NARGS(bad_m), bad_m, &dl, "-m `lots`");
	check_build_error(NARGS(zero_m), zero_m, &dl, "-m `0`");
	check_build_error(NARGS(huge_m), huge_m, &dl, "-m");
	check_build_error(NARGS(unit_m), unit_m, &dl, "-m `2X`");
	check_build_error(NARGS(mem_path), mem_path, &dl, "-mem-path");
	check_build_error(NARGS(json_off), json_off, &dl, "share");
	check_build_error(NARGS(json_bad), json_bad, &dl, "-object");
	/* the same argv is fine when no shared memory is needed */
	dl.shared_memory = false;
	check_build(NARGS(bad_m), bad_m, &dl,
		    (const char *const[]){QEMU, "-m", "lots", "-device",
					  "vfio-pci,host=0000:03:10.1", NULL});
	vp_argv_free(&dl.args);
}

static void test_fixup_json_shared(void **state)
{
	struct vp_devlist dl = shm_list(true);
	char *argv[] = {"-object",
			"{\"qom-type\":\"memory-backend-memfd\",\"id\":\"m\","
			"\"size\":1073741824,\"share\":true}"};

	(void)state;
	check_build(NARGS(argv), argv, &dl,
		    (const char *const[]){QEMU, argv[0], argv[1], "-device",
					  "vfio-pci,host=0000:03:10.1", NULL});
	vp_argv_free(&dl.args);
}

/* What Kata 2.x/3.x passes, give or take; every argument must come out
 * byte-identical and in order, the device list after it. */
static void test_kata_argv(void **state)
{
	char *argv[] = {
	    "-name",
	    "sandbox-" ID64 ",debug-threads=on",
	    "-uuid",
	    "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
	    "-machine",
	    "q35,accel=kvm",
	    "-cpu",
	    "host,pmu=off",
	    "-qmp",
	    "unix:fd=3,server=on,wait=off",
	    "-qmp",
	    "unix:/run/vc/vm/" ID64 "/qmp.sock,server=on,wait=off",
	    "-m",
	    "2048M,slots=10,maxmem=12G",
	    "-device",
	    "pci-bridge,bus=pcie.0,id=pci-bridge-0,chassis_nr=1,"
	    "shpc=off,addr=2,io-reserve=4k,mem-reserve=1m,"
	    "pref64-reserve=1m",
	    "-device",
	    "virtio-serial-pci,disable-modern=false,id=serial0",
	    "-device",
	    "virtconsole,chardev=charconsole0,id=console0",
	    "-chardev",
	    "socket,id=charconsole0,path=/run/vc/vm/" ID64
	    "/console.sock,server=on,wait=off",
	    "-device",
	    "virtio-scsi-pci,id=scsi0,disable-modern=false",
	    "-object",
	    "rng-random,id=rng0,filename=/dev/urandom",
	    "-device",
	    "virtio-rng-pci,rng=rng0",
	    "-device",
	    "vhost-vsock-pci,disable-modern=false,vhostfd=4,"
	    "id=vsock-1,guest-cid=1",
	    "-chardev",
	    "socket,id=char-abc,path=/run/vc/vm/" ID64 "/vhost-fs.sock",
	    "-device",
	    "vhost-user-fs-pci,chardev=char-abc,tag=kataShared",
	    "-netdev",
	    "tap,id=network-0,vhost=on,vhostfds=5,fds=6",
	    "-device",
	    "driver=virtio-net-pci,netdev=network-0,"
	    "mac=be:3c:a2:15:ee:7b,disable-modern=false,mq=on,"
	    "vectors=4",
	    "-rtc",
	    "base=utc,driftfix=slew,clock=host",
	    "-global",
	    "kvm-pit.lost_tick_policy=discard",
	    "-vga",
	    "none",
	    "-no-user-config",
	    "-nodefaults",
	    "-nographic",
	    "--no-reboot",
	    "-object",
	    "memory-backend-file,id=dimm1,size=2048M,"
	    "mem-path=/dev/shm,share=on",
	    "-numa",
	    "node,memdev=dimm1",
	    "-kernel",
	    "/opt/kata/share/kata-containers/vmlinux.container",
	    "-append",
	    "tsc=reliable no_timer_check rcupdate.rcu_expedited=1 "
	    "i8042.direct=1 console=hvc0 quiet "
	    "systemd.show_status=false panic=1 nr_cpus=2 "
	    "agent.log=debug",
	    "-pidfile",
	    "/run/vc/vm/" ID64 "/pid",
	    "-D",
	    "/run/vc/vm/" ID64 "/qemu.log",
	    "-smp",
	    "1,cores=1,threads=1,sockets=2,maxcpus=2",
	};
	const char *want[NARGS(argv) + 5];
	struct vp_devlist dl = {.sandbox = (char *)ID64, .shared_memory = true};
	struct vp_err err = {0};
	char *id = NULL;

	(void)state;
	assert_int_equal(vp_qemu_sandbox_id(NARGS(argv), argv, &id, &err), 1);
	assert_string_equal(id, ID64);
	free(id);

	assert_int_equal(vp_argv_push(&dl.args, "-chardev", &err), 0);
	assert_int_equal(
	    vp_argv_push(&dl.args, "socket,id=vp-c0,path=/s", &err), 0);
	want[0] = QEMU;
	for (int i = 0; i < NARGS(argv); i++)
		want[i + 1] = argv[i];
	want[NARGS(argv) + 1] = "-chardev";
	want[NARGS(argv) + 2] = "socket,id=vp-c0,path=/s";
	want[NARGS(argv) + 3] = NULL;
	check_build(NARGS(argv), argv, &dl, want);

	/* the Kata 1.x hugepage bug: same argv without share=on */
	argv[NARGS(argv) - 13] = "memory-backend-file,id=dimm1,size=2048M,"
				 "mem-path=/dev/hugepages";
	want[NARGS(argv) - 12] = "memory-backend-file,id=dimm1,size=2048M,"
				 "mem-path=/dev/hugepages,share=on";
	check_build(NARGS(argv), argv, &dl, want);
	vp_argv_free(&dl.args);
}

static void test_check_qemu(void **state)
{
	struct vp_err err = {0};
	char *dir = tu_tmpdir(), *plain;
	FILE *fp;

	(void)state;
	assert_non_null(dir);
	assert_true(asprintf(&plain, "%s/qemu", dir) > 0);
	fp = fopen(plain, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(chmod(plain, 0644), 0);
	assert_int_equal(vp_shim_check_qemu("/bin/sh", &err), 0);
	assert_true(vp_shim_check_qemu("bin/sh", &err) < 0);
	assert_true(vp_shim_check_qemu("/nonexistent/qemu", &err) < 0);
	assert_non_null(strstr(err.msg, "/nonexistent/qemu"));
	assert_true(vp_shim_check_qemu(plain, &err) < 0);
	assert_true(vp_shim_check_qemu("/tmp", &err) < 0);
	/* this test binary stands in for vnfplug-qemu itself */
	assert_true(vp_shim_check_qemu("/proc/self/exe", &err) < 0);
	assert_non_null(strstr(err.msg, "itself"));
	tu_rm_rf(dir);
	free(plain);
	free(dir);
}

/* The -sandbox value vp_shim_add_sandbox appends; NULL: nothing added. */
static void check_sandbox(int argc, char *const argv[], const char *want)
{
	struct vp_err err = {0};
	struct vp_argv out = {0};

	assert_int_equal(vp_shim_add_sandbox(argc, argv, &out, &err), 0);
	if (want == NULL) {
		assert_int_equal(out.n, 0);
	} else {
		assert_int_equal(out.n, 2);
		assert_string_equal(out.v[0], "-sandbox");
		assert_string_equal(out.v[1], want);
	}
	vp_argv_free(&out);
}

#define SB(e, s, r)                                                            \
	"on,obsolete=deny,elevateprivileges=" e ",spawn=" s                    \
	",resourcecontrol=" r

static void test_sandbox_default(void **state)
{
	(void)state;
	check_sandbox(0, (char *[]){NULL}, SB("deny", "deny", "deny"));
	check_sandbox(2, (char *[]){"-name", "sandbox-x"},
		      SB("deny", "deny", "deny"));
	/* Kata's netdevs: tap on inherited fds, no scripts; vhost-user */
	check_sandbox(4,
		      (char *[]){"-netdev", "tap,id=n0,fds=3:4,vhost=on",
				 "-netdev",
				 "tap,id=n1,ifname=t1,script=no,downscript=no"},
		      SB("deny", "deny", "deny"));
	check_sandbox(
	    2,
	    (char *[]){"-netdev",
		       "type=vhost-user,id=n,chardev=c,vhostforce=on"},
	    SB("deny", "deny", "deny"));
}

static void test_sandbox_runtime_choice(void **state)
{
	(void)state;
	/* Kata's seccompsandbox= (or "-sandbox off"): left alone */
	check_sandbox(2, (char *[]){"-sandbox", "on,obsolete=deny"}, NULL);
	check_sandbox(4, (char *[]){"-m", "2G", "--sandbox", "off"}, NULL);
}

static void test_sandbox_relaxed(void **state)
{
	(void)state;
	/* checked on QEMU 7.2: each of these dies of SIGSYS otherwise */
	check_sandbox(1, (char *[]){"-daemonize"},
		      SB("allow", "allow", "deny"));
	check_sandbox(2, (char *[]){"-runas", "qemu"},
		      SB("allow", "deny", "deny"));
	check_sandbox(2, (char *[]){"-chroot", "/var/empty"},
		      SB("allow", "deny", "deny"));
	check_sandbox(2, (char *[]){"-run-with", "user=qemu"},
		      SB("allow", "deny", "deny"));
	check_sandbox(2, (char *[]){"-netdev", "tap,id=n0,ifname=t0"},
		      SB("deny", "allow", "deny"));
	check_sandbox(2, (char *[]){"-netdev", "tap,id=n0,script=no"},
		      SB("deny", "allow", "deny"));
	check_sandbox(2, (char *[]){"-netdev", "tap,id=n,helper=/usr/lib/h"},
		      SB("deny", "allow", "deny"));
	check_sandbox(2, (char *[]){"-nic", "bridge,br=br0"},
		      SB("deny", "allow", "deny"));
	check_sandbox(2,
		      (char *[]){"-netdev", "{\"type\":\"tap\",\"id\":\"n\"}"},
		      SB("deny", "allow", "deny"));
	check_sandbox(
	    2, (char *[]){"-object", "thread-context,id=tc,cpu-affinity=0-1"},
	    SB("deny", "deny", "allow"));
	check_sandbox(
	    2,
	    (char *[]){"-object",
		       "{\"qom-type\":\"thread-context\",\"id\":\"t\"}"},
	    SB("deny", "deny", "allow"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_id_forms),
	    cmocka_unit_test(test_id_none),
	    cmocka_unit_test(test_id_hostile),
	    cmocka_unit_test(test_build_passthrough),
	    cmocka_unit_test(test_build_no_shared_memory),
	    cmocka_unit_test(test_fixup_existing_backend),
	    cmocka_unit_test(test_fixup_other_objects_untouched),
	    cmocka_unit_test(test_fixup_several_backends),
	    cmocka_unit_test(test_fixup_no_backend),
	    cmocka_unit_test(test_fixup_last_m_wins),
	    cmocka_unit_test(test_fixup_errors),
	    cmocka_unit_test(test_fixup_json_shared),
	    cmocka_unit_test(test_kata_argv),
	    cmocka_unit_test(test_check_qemu),
	    cmocka_unit_test(test_sandbox_default),
	    cmocka_unit_test(test_sandbox_runtime_choice),
	    cmocka_unit_test(test_sandbox_relaxed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
