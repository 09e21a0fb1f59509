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
 * keeps the switch's ports in <dir>/ports ("name sandbox index", "-" for
 * an untagged port): add-port adds one with the tags it is given and
 * fails with "already exists" on a name it holds, del-port removes one,
 * `list Port NAME...` prints the rows it holds as `--format=json` would.
 * It fails on demand: add-port with "no bridge named X" while
 * <dir>/no-bridge exists, the n-th add-port (1-based) while <dir>/fail-<n>
 * exists, del-port while <dir>/fail-del exists, list while
 * <dir>/fail-list exists; add-port sleeps 3 s while <dir>/slow exists,
 * del-port while <dir>/slow-del exists. */
void tu_fake_vsctl(const char *dir);
/* Put a port on the fake switch; sandbox NULL: untagged. */
void tu_fake_port(const char *dir, const char *name, const char *sandbox,
		  unsigned index);
/* Does the fake switch hold port `name`? */
int tu_fake_has_port(const char *dir, const char *name);

#endif
