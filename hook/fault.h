/* fault.h - fault injection for the crash-safety tests.
 *
 * Compiled in only with -DVP_FAULT_INJECTION (`make fault`, into
 * build-fault/); release builds contain no trace of it.  With
 * VNFPLUG_FAULT=<step>[:<n>] in the hook's environment the hook kills
 * itself with SIGKILL the n-th time (default 1st) it reaches <step>, as a
 * crash or an OOM kill would at that point.  The steps are listed in
 * tests/integration/80-fault-injection.sh and named where they are placed.
 */
#ifndef VP_FAULT_H
#define VP_FAULT_H

#ifdef VP_FAULT_INJECTION
/* Read VNFPLUG_FAULT; call before the environment is cleared. */
void vp_fault_init(void);
void vp_fault_point(const char *step);
#else
static inline void vp_fault_init(void)
{
}
static inline void vp_fault_point(const char *step)
{
	(void)step;
}
#endif

#endif
