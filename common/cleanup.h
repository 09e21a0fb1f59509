/* cleanup.h - scope-bound release of memory, fds and FILE*s.
 *
 * Declare with a _cleanup_*_ attribute and the resource is released when the
 * variable goes out of scope.  Hand ownership over explicitly with
 * vp_steal_ptr()/vp_steal_fd(), which return the value and reset the
 * variable so the cleanup does nothing.
 */
#ifndef VP_CLEANUP_H
#define VP_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void vp_freep(void *p)
{
	free(*(void **)p);
}

static inline void vp_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void vp_fclosep(FILE **f)
{
	if (*f != NULL)
		fclose(*f);
}

/* Frees a NULL-terminated vector of strings and the vector. */
static inline void vp_strvfreep(char ***v)
{
	if (*v == NULL)
		return;
	for (char **s = *v; *s != NULL; s++)
		free(*s);
	free(*v);
}

#define _cleanup_free_ __attribute__((cleanup(vp_freep)))
#define _cleanup_close_ __attribute__((cleanup(vp_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(vp_fclosep)))
#define _cleanup_strv_ __attribute__((cleanup(vp_strvfreep)))

static inline void *vp_steal_ptr_impl(void **pp)
{
	void *p = *pp;
	*pp = NULL;
	return p;
}
#define vp_steal_ptr(pp) vp_steal_ptr_impl((void **)(pp))

static inline int vp_steal_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}

#endif
