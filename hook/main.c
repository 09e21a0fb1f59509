/* vnfplug-hook - OCI hook giving containers data-plane interfaces.
 * See vnfplug-hook(8).  Parses argv (cli.c) and hands over to stages.c, gc.c
 * or status.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "err.h"
#include "fault.h"
#include "gc.h"
#include "stages.h"
#include "log.h"
#include "seccomp_policy.h"
#include "status.h"

/* gc and status: the operator's subcommands, on the admin config. */
static int run_operator(const struct vp_cli *c, struct vp_err *err)
{
	struct vp_config cfg = {0};
	struct vp_gc_opts go = {.dry_run = c->dry_run,
				.min_age = c->min_age,
				.out = stdout,
				.verbose = c->level >= VP_LOG_DEBUG};
	struct vp_gc_result res;
	int rc;

	if (vp_config_load(c->config_path, &cfg, err) < 0)
		return -1;
	if (cfg.syslog)
		vp_log_enable_syslog(true);
	if (c->cmd == VP_CMD_STATUS)
		rc = vp_status(&cfg, c->json, 0, stdout, err);
	else if ((rc = vp_gc(&cfg, &go, &res, err)) == 0 && res.failed > 0)
		rc = vp_err_set(err, 0,
				"gc: %u sandbox(es) could not be "
				"released or checked",
				res.failed);
	vp_config_free(&cfg);
	return rc;
}

int main(int argc, char **argv)
{
	struct vp_cli c;
	struct vp_err err = {0};
	int rc;

	/* The runtime may start us in the container's rootfs with its
	 * environment: stand somewhere neutral, trust nothing inherited. */
	if (chdir("/") < 0)
		return 1;
	/* files and directories get explicit modes; 022 only keeps group
	 * and others from gaining write on what QEMU and OVS must read */
	umask(022);
	vp_fault_init(); /* test builds only: reads VNFPLUG_FAULT */
	clearenv();
	vp_log_init("vnfplug-hook", VP_LOG_INFO);

	if (vp_cli_parse(argc, argv, &c, &err) < 0) {
		vp_log_err(VP_LOG_ERROR, &err);
		vp_cli_usage(stderr);
		return 2;
	}
	if (c.cmd == VP_CMD_HELP) {
		vp_cli_usage(stdout);
		return 0;
	}
	if (c.cmd == VP_CMD_VERSION) {
		printf("vnfplug-hook %s\n", VP_VERSION);
		return 0;
	}
	vp_log_init("vnfplug-hook", c.level);
	if (c.cmd == VP_CMD_HOOK) {
		/* stages.c installs the filter once it knows the container has
		 * a request: one without must not pay for compiling it */
		struct vp_hook_opts o = {.config_path = c.config_path,
					 .stage = c.stage,
					 .state_fd = 0,
					 .seccomp = !c.no_seccomp};

		rc = vp_hook_run(&o, &err);
	} else {
		if (!c.no_seccomp && vp_filter_install(&err) < 0) {
			vp_log_error("%s (--no-seccomp runs without it)",
				     err.msg);
			return 1;
		}
		rc = run_operator(&c, &err);
	}
	if (rc < 0) {
		vp_log_err(VP_LOG_ERROR, &err);
		return 1;
	}
	return 0;
}
