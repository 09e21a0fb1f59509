/* fault.c - see fault.h.  Empty unless built with -DVP_FAULT_INJECTION. */
#include "fault.h"

#ifdef VP_FAULT_INJECTION
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fault_step[64];
static long fault_left;

void vp_fault_init(void)
{
	const char *v = getenv("VNFPLUG_FAULT");
	const char *colon;
	size_t n;

	if (v == NULL || *v == '\0')
		return;
	colon = strchr(v, ':');
	n = colon ? (size_t)(colon - v) : strlen(v);
	if (n >= sizeof(fault_step))
		return;
	memcpy(fault_step, v, n);
	fault_step[n] = '\0';
	fault_left = colon ? strtol(colon + 1, NULL, 10) : 1;
}

void vp_fault_point(const char *step)
{
	if (fault_step[0] == '\0' || strcmp(step, fault_step) != 0)
		return;
	if (--fault_left > 0)
		return;
	/* say where, then die as a crash would: no cleanup, no atexit */
	fprintf(stderr, "vnfplug-hook: fault injection: SIGKILL at %s\n", step);
	fflush(stderr);
	kill(getpid(), SIGKILL);
	/* the seccomp filter may refuse signals: die without cleanup all the
	 * same, with the status a SIGKILL gives in a shell */
	_exit(128 + SIGKILL);
}
#else
/* ISO C forbids an empty translation unit */
typedef int vp_fault_unused;
#endif
