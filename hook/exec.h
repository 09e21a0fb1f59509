/* exec.h - running a backend command: an argv (no shell), a fixed
 * environment, stdin from /dev/null, output captured (bounded), and a
 * deadline after which the child is killed. */
#ifndef VP_EXEC_H
#define VP_EXEC_H

#include <stddef.h>

#include "err.h"

#define VP_EXEC_OUTPUT_MAX (256 * 1024)

struct vp_exec_result {
	int status;   /* exit status, or 128+signal */
	char *out;    /* stdout, NUL-terminated */
	char *errout; /* stderr, NUL-terminated */
};

/* Run argv[0] (an absolute path).  Returns 0 when the command ran to an exit
 * (check res->status), <0 when it could not be started or timed out. */
int vp_exec(char *const argv[], unsigned timeout_ms, struct vp_exec_result *res,
	    struct vp_err *err);
void vp_exec_result_free(struct vp_exec_result *res);

#endif
