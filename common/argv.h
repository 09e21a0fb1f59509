/* argv.h - a growable, NULL-terminated vector of owned strings. */
#ifndef VP_ARGV_H
#define VP_ARGV_H

#include <stddef.h>

#include "err.h"

struct vp_argv {
	char **v; /* always NULL-terminated once anything was pushed */
	size_t n;
	size_t cap;
};

int vp_argv_push(struct vp_argv *a, const char *s, struct vp_err *err);
int vp_argv_pushf(struct vp_argv *a, struct vp_err *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Takes ownership of s (freed on failure too). */
int vp_argv_push_owned(struct vp_argv *a, char *s, struct vp_err *err);
/* Drop (and free) the strings after the first n; rolls back a partly
 * appended group of options. */
void vp_argv_truncate(struct vp_argv *a, size_t n);
void vp_argv_free(struct vp_argv *a);

#endif
