/* fuzz_devlist.c - the device list the hook writes and the shim reads,
 * <run_dir>/sandboxes/<id>/devices.json (vp_devlist_parse), then what the
 * shim does with it (vp_shim_build_argv on a fixed Kata-like argv).
 *
 * Invariants on an accepted list: the sandbox id is valid; the arguments
 * are at most VP_DEVLIST_MAX_ARGS "-option value" pairs of the options
 * vnfplug adds, values non-empty; the argv built from it ends with exactly
 * these arguments, after the runtime's own arguments unchanged.
 */
#include <stdbool.h>

#include "devlist.h"
#include "fuzz.h"
#include "qemu_argv.h"
#include "validate.h"

#define QEMU "/usr/bin/qemu-system-x86_64"

static bool allowed(const char *opt)
{
	static const char *const opts[] = {"-chardev", "-netdev", "-device",
					   "-object", "-qmp"};

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (strcmp(opt, opts[i]) == 0)
			return true;
	return false;
}

static void check_devlist(const struct vp_devlist *dl)
{
	FUZZ_CHECK(dl->sandbox != NULL && vp_valid_sandbox_id(dl->sandbox),
		   "sandbox");
	FUZZ_CHECK(dl->args.n % 2 == 0 && dl->args.n <= VP_DEVLIST_MAX_ARGS,
		   "%zu args", dl->args.n);
	FUZZ_CHECK(dl->args.n == 0 || dl->args.v[dl->args.n] == NULL,
		   "not NULL-terminated");
	for (size_t i = 0; i < dl->args.n; i += 2) {
		FUZZ_CHECK(allowed(dl->args.v[i]), "args[%zu] `%s`", i,
			   dl->args.v[i]);
		FUZZ_CHECK(dl->args.v[i + 1][0] != '\0', "args[%zu] empty",
			   i + 1);
	}
}

static void check_shim(const struct vp_devlist *dl)
{
	static char *const argv[] = {
	    (char *)"-name",
	    "sandbox-fuzz",
	    (char *)"-machine",
	    (char *)"q35,accel=kvm",
	    (char *)"-m",
	    (char *)"2048M",
	    (char *)"-object",
	    (char *)"memory-backend-file,id=dimm1,size=2048M,"
		    "mem-path=/dev/hugepages,share=on",
	    (char *)"-numa",
	    "node,memdev=dimm1",
	};
	const int argc = (int)(sizeof(argv) / sizeof(argv[0]));
	struct vp_argv out = {0};
	struct vp_err err = {0};

	FUZZ_CHECK(vp_shim_build_argv(QEMU, argc, argv, dl, &out, &err) == 0,
		   "build: %s", err.msg);
	FUZZ_CHECK(out.n == 1 + (size_t)argc + dl->args.n, "%zu args", out.n);
	for (int i = 0; i < argc; i++)
		FUZZ_CHECK(strcmp(out.v[1 + i], argv[i]) == 0, "argv[%d]", i);
	for (size_t i = 0; i < dl->args.n; i++)
		FUZZ_CHECK(strcmp(out.v[1 + argc + i], dl->args.v[i]) == 0,
			   "devlist arg %zu", i);
	vp_argv_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vp_devlist dl;
	struct vp_err err = {0};

	if (vp_devlist_parse((const char *)data, size, &dl, &err) < 0) {
		FUZZ_CHECK(err.msg[0] != '\0', "error without a message");
		FUZZ_CHECK(dl.sandbox == NULL && dl.args.n == 0,
			   "failed parse left fields set");
		return 0;
	}
	check_devlist(&dl);
	check_shim(&dl);
	vp_devlist_free(&dl);
	return 0;
}
