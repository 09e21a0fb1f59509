/* cli.c - vnfplug-hook's argument parsing (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "gc.h"

/* The most a --min-age may ask: ten years. */
#define MIN_AGE_MAX (10LL * 365 * 86400)

void vp_cli_usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: vnfplug-hook [--config PATH] [--log-level LEVEL] STAGE\n"
	    "       vnfplug-hook [--config PATH] gc [--dry-run] [--min-age "
	    "SECONDS]\n"
	    "       vnfplug-hook [--config PATH] status [--json]\n"
	    "\n"
	    "OCI hook: reads the container state on stdin and sets up "
	    "(prestart,\n"
	    "createRuntime) or releases (poststop) the data-plane interfaces "
	    "the\n"
	    "container requests in its io.vnfplug.networks annotation.  STAGE\n"
	    "`auto` takes the stage from the state's status (for hooks.d).\n"
	    "\n"
	    "  gc       release sandboxes whose owner and VM are gone "
	    "(poststop\n"
	    "           never ran); records younger than --min-age (default "
	    "%d)\n"
	    "           seconds are kept; --dry-run only lists what it would "
	    "do\n"
	    "  status   list sandboxes, their state, liveness and devices;\n"
	    "           --json for a stable JSON document\n"
	    "\n"
	    "  --config PATH      admin config (default " VP_DEFAULT_CONFIG
	    ")\n"
	    "  --log-level LEVEL  error, warning, info (default) or debug\n"
	    "  --no-seccomp       run without the syscall filter (debugging\n"
	    "                     only; see vnfplug-hook(8))\n"
	    "  --help, --version\n",
	    VP_GC_DEFAULT_MIN_AGE);
}

static int parse_level(const char *s, enum vp_log_level *l)
{
	static const char *const names[] = {"error", "warning", "info",
					    "debug"};

	for (int i = 0; i < 4; i++) {
		if (strcmp(s, names[i]) == 0 ||
		    (i == 1 && strcmp(s, "warn") == 0)) {
			*l = (enum vp_log_level)i;
			return 0;
		}
	}
	return -1;
}

static int parse_seconds(const char *s, long long *out, struct vp_err *err)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    *out > MIN_AGE_MAX)
		return vp_err_set(err, 0,
				  "--min-age `%s`: must be a number of "
				  "seconds from 0 to %lld",
				  s, MIN_AGE_MAX);
	return 0;
}

/* "--name VALUE" or "--name=VALUE": 1 matched (*val set), 0 not this
 * option, <0 the value is missing. */
static int opt_value(int argc, char *const argv[], int *i, const char *name,
		     const char **val, struct vp_err *err)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (a[n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return vp_err_set(err, 0, "%s needs a value", name);
	*val = argv[++*i];
	return 1;
}

static int parse_word(const char *a, struct vp_cli *c, struct vp_err *err)
{
	if (strcmp(a, "gc") == 0)
		c->cmd = VP_CMD_GC;
	else if (strcmp(a, "status") == 0)
		c->cmd = VP_CMD_STATUS;
	else if (vp_stage_parse(a, &c->stage) == 0)
		c->cmd = VP_CMD_HOOK;
	else
		return vp_err_set(err, 0, "unknown stage or command `%s`", a);
	return 0;
}

int vp_cli_parse(int argc, char *const argv[], struct vp_cli *c,
		 struct vp_err *err)
{
	bool have_cmd = false, have_min_age = false;
	const char *val;
	int r;

	memset(c, 0, sizeof(*c));
	c->config_path = VP_DEFAULT_CONFIG;
	c->level = VP_LOG_INFO;
	c->stage = VP_STAGE_AUTO;
	c->min_age = VP_GC_DEFAULT_MIN_AGE;
	/* options may come before or after the stage or command */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			c->cmd = VP_CMD_HELP;
			return 0;
		} else if (strcmp(a, "--version") == 0) {
			c->cmd = VP_CMD_VERSION;
			return 0;
		} else if ((r = opt_value(argc, argv, &i, "--config", &val,
					  err)) != 0) {
			if (r < 0)
				return -1;
			c->config_path = val;
		} else if ((r = opt_value(argc, argv, &i, "--log-level", &val,
					  err)) != 0) {
			if (r < 0)
				return -1;
			if (parse_level(val, &c->level) < 0)
				return vp_err_set(
				    err, 0, "unknown log level `%s`", val);
		} else if ((r = opt_value(argc, argv, &i, "--min-age", &val,
					  err)) != 0) {
			if (r < 0 || parse_seconds(val, &c->min_age, err) < 0)
				return -1;
			have_min_age = true;
		} else if (strcmp(a, "--dry-run") == 0) {
			c->dry_run = true;
		} else if (strcmp(a, "--json") == 0) {
			c->json = true;
		} else if (strcmp(a, "--no-seccomp") == 0) {
			c->no_seccomp = true;
		} else if (a[0] != '-' && !have_cmd) {
			if (parse_word(a, c, err) < 0)
				return -1;
			have_cmd = true;
		} else {
			return vp_err_set(err, 0, "unknown argument `%s`", a);
		}
	}
	if (!have_cmd)
		return vp_err_set(err, 0, "no stage or command given");
	if ((c->dry_run || have_min_age) && c->cmd != VP_CMD_GC)
		return vp_err_set(err, 0,
				  "--dry-run and --min-age are options "
				  "of `gc`");
	if (c->json && c->cmd != VP_CMD_STATUS)
		return vp_err_set(err, 0, "--json is an option of `status`");
	if (c->config_path[0] != '/')
		/* we run from "/" whatever the caller's cwd was */
		return vp_err_set(err, 0,
				  "--config `%s`: must be an absolute "
				  "path",
				  c->config_path);
	return 0;
}
