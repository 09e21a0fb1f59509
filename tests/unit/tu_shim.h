/* tu_shim.h - helpers for the argv, qemu_args, devlist and shim unit tests
 * (header only, so it adds nothing to the other unit tests' link). */
#ifndef VP_TU_SHIM_H
#define VP_TU_SHIM_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "argv.h"
#include "cleanup.h"

/* Compare a vector with a NULL-terminated list; says where they differ. */
static inline void tu_assert_argv(const struct vp_argv *a,
				  const char *const want[])
{
	size_t n = 0;

	while (want[n] != NULL)
		n++;
	for (size_t i = 0; i < n && i < a->n; i++) {
		if (strcmp(a->v[i], want[i]) != 0) {
			print_error("argv[%zu]: got \"%s\", want \"%s\"\n", i,
				    a->v[i], want[i]);
			fail();
		}
	}
	if (a->n != n) {
		print_error("argv has %zu elements, want %zu\n", a->n, n);
		fail();
	}
	assert_null(a->v[a->n]);
}

/* A fresh directory under $TMPDIR (or /tmp); free and rm -rf by caller. */
static inline char *tu_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *d;

	if (asprintf(&d, "%s/vp-unit-XXXXXX", base ? base : "/tmp") < 0)
		return NULL;
	if (mkdtemp(d) == NULL) {
		free(d);
		return NULL;
	}
	return d;
}

static inline void tu_rm_rf(const char *dir)
{
	char *cmd;

	if (asprintf(&cmd, "rm -rf '%s'", dir) >= 0) {
		if (system(cmd) != 0)
			print_error("cleanup of %s failed\n", dir);
		free(cmd);
	}
}

#endif
