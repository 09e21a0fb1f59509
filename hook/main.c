/* vnfplug-hook - OCI hook giving containers data-plane interfaces.
 * See vnfplug-hook(8).  Parses argv and hands over to hook.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "hook.h"
#include "log.h"

#ifndef VP_VERSION
#define VP_VERSION "0.1.0"
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vnfplug-hook [--config PATH] [--log-level LEVEL] STAGE\n"
		"\n"
		"OCI hook: reads the container state on stdin and sets up (prestart,\n"
		"createRuntime) or releases (poststop) the data-plane interfaces the\n"
		"container requests in its io.vnfplug.networks annotation.  STAGE\n"
		"`auto` takes the stage from the state's status (for hooks.d).\n"
		"\n"
		"  --config PATH      admin config (default " VP_DEFAULT_CONFIG ")\n"
		"  --log-level LEVEL  error, warning, info (default) or debug\n"
		"  --help, --version\n");
}

static int parse_level(const char *s, enum vp_log_level *l)
{
	static const char *const names[] = { "error", "warning", "info",
					     "debug" };

	for (int i = 0; i < 4; i++) {
		if (strcmp(s, names[i]) == 0 ||
		    (i == 1 && strcmp(s, "warn") == 0)) {
			*l = (enum vp_log_level)i;
			return 0;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct vp_hook_opts o = { VP_DEFAULT_CONFIG, VP_STAGE_AUTO, 0 };
	enum vp_log_level level = VP_LOG_INFO;
	const char *stage = NULL;
	struct vp_err err = { 0 };

	/* The runtime may start us in the container's rootfs with its
	 * environment: stand somewhere neutral, trust nothing inherited. */
	if (chdir("/") < 0)
		return 1;
	/* files and directories get explicit modes; 022 only keeps group
	 * and others from gaining write on what QEMU and OVS must read */
	umask(022);
	clearenv();
	vp_log_init("vnfplug-hook", level);

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--version") == 0) {
			printf("vnfplug-hook %s\n", VP_VERSION);
			return 0;
		} else if (strcmp(a, "--config") == 0 && i + 1 < argc) {
			o.config_path = argv[++i];
		} else if (strncmp(a, "--config=", 9) == 0) {
			o.config_path = a + 9;
		} else if (strcmp(a, "--log-level") == 0 && i + 1 < argc) {
			if (parse_level(argv[++i], &level) < 0) {
				vp_log_error("unknown log level `%s`", argv[i]);
				return 2;
			}
		} else if (strncmp(a, "--log-level=", 12) == 0) {
			if (parse_level(a + 12, &level) < 0) {
				vp_log_error("unknown log level `%s`", a + 12);
				return 2;
			}
		} else if (a[0] != '-' && stage == NULL) {
			stage = a;
		} else {
			vp_log_error("unknown argument `%s`", a);
			usage(stderr);
			return 2;
		}
	}
	if (stage == NULL || vp_stage_parse(stage, &o.stage) < 0) {
		vp_log_error(stage ? "unknown stage `%s`" : "no stage given%s",
			     stage ? stage : "");
		usage(stderr);
		return 2;
	}
	if (o.config_path[0] != '/') {
		/* we run from "/" whatever the runtime's cwd was */
		vp_log_error("--config `%s`: must be an absolute path",
			     o.config_path);
		return 2;
	}
	vp_log_init("vnfplug-hook", level);
	if (vp_hook_run(&o, &err) < 0) {
		vp_log_error("%s", err.msg);
		return 1;
	}
	return 0;
}
