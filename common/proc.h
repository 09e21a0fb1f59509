/* proc.h - facts about processes read from procfs (under a root prefix). */
#ifndef VP_PROC_H
#define VP_PROC_H

#include "err.h"

/* Start time of `pid` in clock ticks since boot (field 22 of
 * /proc/<pid>/stat): with the pid it names a process uniquely, since pids
 * are reused.  ENOENT in err->errnum when the process is gone. */
int vp_proc_start_time(const char *proc_root, int pid,
		       unsigned long long *start, struct vp_err *err);

#endif
