/* qemu_opts.h - QEMU's command-line syntax, read the way QEMU reads it
 * and written the way QEMU will read it.
 *
 * Shared by the shim (which rewrites the runtime's argv), by liveness
 * (which recognises a VM by its -name in /proc/<pid>/cmdline), by the
 * hook (which escapes the values it puts in option strings) and by the
 * fuzz harness.  An option string is a "key=value,..." list where ",," is
 * a literal comma and the first item may omit its key (the "implied"
 * key); "--opt" is "-opt".
 */
#ifndef VP_QEMU_OPTS_H
#define VP_QEMU_OPTS_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* Is `arg` the option -name (or --name)? */
bool vp_qemu_is_opt(const char *arg, const char *name);
/* Length of the raw item at s, up to the first single ','. */
size_t vp_qemu_item_len(const char *s);
/* Is the raw text s[0..len) (an item, or a value opt_find found) exactly
 * `want`? */
bool vp_qemu_item_is(const char *s, size_t len, const char *want);
/* malloc'ed copy of a raw item with ",," turned back into ",". */
char *vp_qemu_unescape(const char *s, size_t len);
/* malloc'ed copy of `value` with every ',' doubled, QEMU's only escape, so
 * a value can not end its item and start another; NULL on allocation
 * failure. */
char *vp_qemu_escape(const char *value);
/* Value of `key` in an option string (the first item without '=' is `key`
 * when `implied`), raw (still escaped), its length in *len; NULL when
 * absent.  Later occurrences win, as in QEMU. */
const char *vp_qemu_opt_find(const char *s, const char *key, bool implied,
			     size_t *len);

/* Sandbox id from "-name sandbox-<id>" or "-name pod-<id>", also in the
 * forms "-name guest=sandbox-<id>", with ",debug-threads=on" or other
 * suboptions after it, and "-name=...".  *id is malloc'ed; NULL (and 0
 * returned) when the argv names no sandbox (no -name, or a name without
 * either prefix); 1 when found.  An id that fails vp_valid_sandbox_id()
 * ("sandbox-../x", "sandbox-a,,b") is an error.  argv without the
 * program name. */
int vp_qemu_sandbox_id(int argc, char *const argv[], char **id,
		       struct vp_err *err);

#endif
