/* rundir.c - paths under run_dir and its checked directories (rundir.h). */
#include "rundir.h"

#include <errno.h>
#include <stddef.h>

#include "cleanup.h"
#include "fileio.h"
#include "validate.h"

char *vp_rundir_sandbox(const char *run_dir, const char *sandbox)
{
	if (!vp_valid_sandbox_id(sandbox)) {
		errno = EINVAL;
		return NULL;
	}
	return vp_asprintf("%s/sandboxes/%s", run_dir, sandbox);
}

char *vp_rundir_file(const char *run_dir, const char *sandbox, const char *name)
{
	if (!vp_valid_sandbox_id(sandbox)) {
		errno = EINVAL;
		return NULL;
	}
	return vp_asprintf("%s/sandboxes/%s/%s", run_dir, sandbox, name);
}

int vp_rundir_sandbox_dirs(const char *run_dir, const char *sandbox,
			   bool create, int *rfd, int *dfd, struct vp_err *err)
{
	_cleanup_free_ char *rel = NULL;
	_cleanup_close_ int r = -1;
	mode_t mode = create ? 0700 : 0;

	if (!vp_valid_sandbox_id(sandbox))
		return vp_err_set(err, EINVAL, "record: invalid sandbox id");
	rel = vp_asprintf("sandboxes/%s", sandbox);
	if (rel == NULL)
		return vp_err_set(err, ENOMEM, "record");
	r = vp_dir_open(run_dir, mode, err);
	if (r < 0)
		return -1;
	*dfd = vp_dir_openat(r, run_dir, rel, mode, err);
	if (*dfd < 0)
		return -1;
	if (rfd != NULL)
		*rfd = vp_steal_fd(&r);
	return 0;
}

int vp_rundir_sandbox_open(const char *run_dir, const char *sandbox,
			   bool create, struct vp_err *err)
{
	int dfd;

	if (vp_rundir_sandbox_dirs(run_dir, sandbox, create, NULL, &dfd, err) <
	    0)
		return -1;
	return dfd;
}
