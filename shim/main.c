/* vnfplug-qemu - the QEMU wrapper a VM runtime uses as its hypervisor path
 * (vnfplug-qemu(8), docs/architecture.md §8.1, §9).
 *
 * Finds the sandbox in QEMU's argv, records the VM for gc, appends the
 * devices the hook prepared for it and execs the real QEMU.  Everything it
 * inherited - fds (Kata passes QMP as one), environment, cwd - goes to QEMU
 * untouched.  When it cannot tell what QEMU should get it refuses to start the
 * VM rather than start one without its data-plane NICs.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "devlist.h"
#include "err.h"
#include "log.h"
#include "qemu_argv.h"
#include "qemu_opts.h"
#include "rundir.h"

#define CONFIG_OPT "--vnfplug-config="
#define NO_SANDBOX_OPT "--vnfplug-no-sandbox"

static void usage(void)
{
	printf("Usage: vnfplug-qemu [--vnfplug-config=PATH] "
	       "[--vnfplug-no-sandbox] QEMU-ARGS...\n"
	       "\n"
	       "Runs the QEMU named in the vnfplug configuration (default %s)\n"
	       "with QEMU-ARGS plus the devices vnfplug-hook prepared for the\n"
	       "sandbox named by -name sandbox-<id> or -name pod-<id>.\n"
	       "Configure it as the container runtime's hypervisor path.\n"
	       "\n"
	       "  --vnfplug-config=PATH  configuration file\n"
	       "  --vnfplug-no-sandbox   do not add QEMU's -sandbox (debugging "
	       "only)\n"
	       "                         (--vnfplug-* options come before "
	       "QEMU-ARGS)\n"
	       "  --help, --version      only as the sole argument; otherwise\n"
	       "                         every argument goes to QEMU\n",
	       VP_DEFAULT_CONFIG);
}

/* Load the device list for `id`: 1 loaded, 0 none, <0 error. */
static int load_devices(const struct vp_config *cfg, const char *id,
			struct vp_devlist *dl, struct vp_err *err)
{
	_cleanup_free_ char *path =
	    vp_rundir_file(cfg->run_dir, id, VP_RUNDIR_DEVLIST);
	int r;

	if (path == NULL)
		return vp_err_set(err, errno, "device list path");
	r = vp_devlist_load(path, dl, err);
	if (r <= 0)
		return r;
	/* A list written for another sandbox must never be applied. */
	if (strcmp(dl->sandbox, id) != 0) {
		vp_err_set(err, 0, "device list `%s` is for sandbox `%s`", path,
			   dl->sandbox);
		vp_devlist_free(dl);
		return -1;
	}
	return 1;
}

/* Everything before execv; 0 ready (argv in *out), <0 error. */
static int prepare(const char *cfg_path, bool sandbox, int argc, char **argv,
		   struct vp_config *cfg, struct vp_argv *out,
		   struct vp_err *err)
{
	struct vp_devlist dl = {0};
	_cleanup_free_ char *id = NULL;
	_cleanup_free_ char *pidfile = NULL;
	int r;

	if (vp_config_load(cfg_path, cfg, err) < 0) {
		/* Installed as the hypervisor path on purpose: without its
		 * config it can not even tell which QEMU to run. */
		if (err->errnum == ENOENT)
			return vp_err_set(err, 0,
					  "configuration `%s` not found; it "
					  "names the real QEMU (choose another "
					  "file with --vnfplug-config=PATH)",
					  cfg_path);
		return -1;
	}
	vp_log_enable_syslog(cfg->syslog);
	if (vp_shim_check_qemu(cfg->qemu, err) < 0)
		return vp_err_wrap(err, "configuration `%s`", cfg_path);
	r = vp_qemu_sandbox_id(argc, argv, &id, err);
	if (r < 0)
		return -1;
	if (r > 0) {
		vp_log_set_sandbox(id);
		r = load_devices(cfg, id, &dl, err);
		if (r < 0)
			return -1;
		if (r > 0 &&
		    vp_shim_record_vm(cfg, id, argc, argv, &pidfile, err) < 0) {
			vp_devlist_free(&dl);
			return -1;
		}
	}
	/* No sandbox or no device list: QEMU runs exactly as asked. */
	r = vp_shim_build_argv(cfg->qemu, argc, argv, r > 0 ? &dl : NULL, out,
			       err);
	vp_devlist_free(&dl);
	if (r == 0 && pidfile != NULL &&
	    (vp_argv_push(out, "-pidfile", err) < 0 ||
	     vp_argv_push(out, pidfile, err) < 0)) {
		vp_argv_free(out);
		return -1;
	}
	/* The shim installs no filter of its own (QEMU would inherit it);
	 * QEMU's own sandbox is kept in step with QEMU's code. */
	if (r == 0 && sandbox &&
	    vp_shim_add_sandbox(argc, argv, out, err) < 0) {
		vp_argv_free(out);
		return -1;
	}
	return r;
}

int main(int argc, char **argv)
{
	const char *cfg_path = VP_DEFAULT_CONFIG;
	struct vp_config cfg = {0};
	struct vp_argv qargv = {0};
	struct vp_err err = {0};
	bool sandbox = true;
	int first = 1, r;

	vp_log_init("vnfplug-qemu", VP_LOG_WARN);
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		usage();
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("vnfplug-qemu %s\n", VP_VERSION);
		return 0;
	}
	for (; first < argc && strncmp(argv[first], "--vnfplug-", 10) == 0;
	     first++) {
		const char *a = argv[first];

		if (strncmp(a, CONFIG_OPT, strlen(CONFIG_OPT)) == 0) {
			cfg_path = a + strlen(CONFIG_OPT);
			if (cfg_path[0] == '\0') {
				vp_log_error("%s: empty path", CONFIG_OPT);
				return 1;
			}
		} else if (strcmp(a, NO_SANDBOX_OPT) == 0) {
			sandbox = false;
		} else {
			vp_log_error("unknown option `%s`", a);
			return 1;
		}
	}
	r = prepare(cfg_path, sandbox, argc - first, argv + first, &cfg, &qargv,
		    &err);
	if (r < 0) {
		vp_log_err(VP_LOG_ERROR, &err);
	} else {
		/* execv keeps the environment and every fd without
		 * FD_CLOEXEC. */
		execv(cfg.qemu, qargv.v);
		vp_log_error("exec `%s`: %s", cfg.qemu, strerror(errno));
	}
	vp_argv_free(&qargv);
	vp_config_free(&cfg);
	return 1;
}
