/* log.c - stderr/syslog lines "<prog>[<sandbox>]: <level>: <msg>". */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

static const char *log_prog = "vnfplug";
static char log_sandbox[129];
static enum vp_log_level log_level = VP_LOG_WARN;
static bool log_syslog;

static const char *const level_names[] = {"error", "warning", "info", "debug"};

void vp_log_init(const char *prog, enum vp_log_level level)
{
	log_prog = prog;
	log_level = level;
}

void vp_log_enable_syslog(bool on)
{
	if (on && !log_syslog)
		openlog(log_prog, LOG_PID, LOG_DAEMON);
	log_syslog = on;
}

void vp_log_set_sandbox(const char *id)
{
	if (id == NULL)
		log_sandbox[0] = '\0';
	else
		snprintf(log_sandbox, sizeof(log_sandbox), "%s", id);
}

void vp_log(enum vp_log_level level, const char *fmt, ...)
{
	static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
	char msg[2048];
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Messages quote container-controlled text, which the call sites
	 * pass through vp_printable(); this catches any they missed, so a
	 * container can never put a terminal escape or a forged line into
	 * the runtime's log. */
	for (char *p = msg; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	/* one write per line so concurrent hooks don't interleave */
	if (log_sandbox[0] != '\0')
		fprintf(stderr, "%s[%s]: %s: %s\n", log_prog, log_sandbox,
			level_names[level], msg);
	else
		fprintf(stderr, "%s: %s: %s\n", log_prog, level_names[level],
			msg);
	if (log_syslog) {
		if (log_sandbox[0] != '\0')
			syslog(prio[level], "[%s] %s", log_sandbox, msg);
		else
			syslog(prio[level], "%s", msg);
	}
}

void vp_log_err(enum vp_log_level level, const struct vp_err *e)
{
	vp_log(level, "%s", e->msg);
}
