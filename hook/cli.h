/* cli.h - vnfplug-hook's command line: an OCI stage or an operator
 * subcommand (gc, status), and their options.  Parsing only; main runs
 * what it returns.  See vnfplug-hook(8). */
#ifndef VP_CLI_H
#define VP_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "err.h"
#include "stages.h"
#include "log.h"

enum vp_cmd {
	VP_CMD_HOOK, /* a stage: prestart, createRuntime, poststop, auto */
	VP_CMD_GC,
	VP_CMD_STATUS,
	VP_CMD_HELP,
	VP_CMD_VERSION,
};

struct vp_cli {
	enum vp_cmd cmd;
	const char *config_path; /* absolute */
	enum vp_log_level level;
	enum vp_stage stage; /* VP_CMD_HOOK */
	bool dry_run;	     /* gc */
	long long min_age;   /* gc, seconds */
	bool json;	     /* status */
	bool no_seccomp;     /* debugging only: no syscall filter */
};

/* Every failure is a usage error (exit status 2), its message naming the
 * argument. */
int vp_cli_parse(int argc, char *const argv[], struct vp_cli *c,
		 struct vp_err *err);
void vp_cli_usage(FILE *f);

#endif
