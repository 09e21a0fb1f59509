/* argv.c - the growable NULL-terminated string vector of argv.h.
 *
 * Owns every string it holds; v[n] is always NULL so the vector can be
 * handed to execv() as is.
 */
#include "argv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Make room for one more string plus the terminating NULL. */
static int argv_grow(struct vp_argv *a, struct vp_err *err)
{
	size_t cap;
	char **v;

	if (a->n + 2 <= a->cap)
		return 0;
	cap = a->cap ? a->cap * 2 : 16;
	if (cap < a->n + 2 || cap > SIZE_MAX / sizeof(*v))
		return vp_err_set(err, ENOMEM, "argument vector");
	v = realloc(a->v, cap * sizeof(*v));
	if (v == NULL)
		return vp_err_set(err, ENOMEM, "argument vector");
	a->v = v;
	a->cap = cap;
	return 0;
}

int vp_argv_push_owned(struct vp_argv *a, char *s, struct vp_err *err)
{
	if (s == NULL)
		return vp_err_set(err, ENOMEM, "argument vector");
	if (argv_grow(a, err) < 0) {
		free(s);
		return -1;
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
	return 0;
}

int vp_argv_push(struct vp_argv *a, const char *s, struct vp_err *err)
{
	return vp_argv_push_owned(a, strdup(s), err);
}

int vp_argv_pushf(struct vp_argv *a, struct vp_err *err, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return vp_err_set(err, ENOMEM, "argument vector");
	return vp_argv_push_owned(a, s, err);
}

void vp_argv_free(struct vp_argv *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = 0;
	a->cap = 0;
}

void vp_argv_truncate(struct vp_argv *a, size_t n)
{
	while (a->n > n)
		free(a->v[--a->n]);
	if (a->v != NULL)
		a->v[a->n] = NULL;
}
