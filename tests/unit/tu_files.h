/* tu_files.h - helpers for the parser unit tests (json, validate, config,
 * state, request): error-text assertions and fixture files.  Header only,
 * so it adds nothing to the other unit tests' link.  Include after
 * <cmocka.h>. */
#ifndef VP_TU_FILES_H
#define VP_TU_FILES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"

/* The call failed and its message contains `sub`. */
#define tu_assert_err(rc, err, sub)                                            \
	do {                                                                   \
		int rc_ = (rc);                                                \
		if (rc_ >= 0) {                                                \
			print_error(                                           \
			    "call succeeded (%d), want error \"%s\"\n", rc_,   \
			    (sub));                                            \
			fail();                                                \
		}                                                              \
		if (strstr((err).msg, (sub)) == NULL) {                        \
			print_error("error \"%s\"\nlacks \"%s\"\n", (err).msg, \
				    (sub));                                    \
			fail();                                                \
		}                                                              \
	} while (0)

/* The call succeeded; prints the error message when not. */
#define tu_assert_ok(rc, err)                                                  \
	do {                                                                   \
		if ((rc) < 0) {                                                \
			print_error("unexpected error: %s\n", (err).msg);      \
			fail();                                                \
		}                                                              \
	} while (0)

/* "<dir>/<name>", malloc'ed. */
static inline char *tu_join(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	return p;
}

/* Write len bytes (may hold NULs) to <dir>/<name>. */
static inline void tu_write_bytes(const char *dir, const char *name,
				  const void *data, size_t len)
{
	char *p = tu_join(dir, name);
	FILE *f = fopen(p, "w");

	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(p);
		abort();
	}
	free(p);
}

static inline void tu_mkdir_in(const char *dir, const char *name)
{
	char *p = tu_join(dir, name);

	if (mkdir(p, 0755) < 0) {
		perror(p);
		abort();
	}
	free(p);
}

#endif
