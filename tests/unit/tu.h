/* tu.h - helpers shared by the unit tests (linked into each of them). */
#ifndef VP_TU_H
#define VP_TU_H

#include <stddef.h>

/* mkdtemp under /tmp; aborts the test program on failure. */
char *tu_mkdtemp(void);
/* rm -rf of a directory created by tu_mkdtemp. */
void tu_rmtree(const char *dir);
/* Write a file (creating parents is the caller's job); aborts on failure. */
void tu_write(const char *path, const char *content, int mode);
/* Read a whole file into a malloc'ed string, NULL if absent. */
char *tu_read(const char *path);
/* Does `path` exist (lstat)? */
int tu_exists(const char *path);

/* A scripted ovs-vsctl at <dir>/ovs-vsctl for the hook and gc unit tests.
 * It appends its arguments (after --db/--timeout) to <dir>/vsctl.log and
 * fails on demand: add-port with "no bridge named X" while <dir>/no-bridge
 * exists, the n-th add-port (1-based) while <dir>/fail-<n> exists,
 * del-port while <dir>/fail-del exists; add-port sleeps 3 s while
 * <dir>/slow exists. */
void tu_fake_vsctl(const char *dir);

#endif
