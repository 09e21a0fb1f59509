/* err.h - the one error convention of vnfplug.
 *
 * A fallible function takes `struct vp_err *err` as its last argument and
 * returns a negative value on failure (0 or a count on success).  On failure
 * it has filled `err` with an errno (0 when none applies) and a one-line
 * message that names what failed ("open `/run/vnfplug/lock`: Permission
 * denied").  Callers that add meaning wrap the message on the way up:
 *
 *     if (vp_record_load(dir, &rec, err) < 0)
 *             return vp_err_wrap(err, "sandbox `%s`", id);
 *
 * giving "sandbox `abc`: open `...`: No such file or directory".
 * Library error codes are converted where they arise: libnl's -NLE_* with
 * vp_nl_fail() (the kernel's own errno, else nl_geterror), libseccomp's
 * -errno with vp_err_set(-rc), yajl through its errbuf in json.c.  Only
 * main() prints an error or exits.
 */
#ifndef VP_ERR_H
#define VP_ERR_H

#include <stddef.h>

#define VP_ERR_MSG_MAX 1024

struct vp_err {
	int errnum;		  /* errno-style code, 0 if none */
	char msg[VP_ERR_MSG_MAX]; /* one line, no trailing newline */
};

/* Set err to "<fmt>" and, when errnum != 0, ": strerror(errnum)".
 * Always returns -1 so it can be used as `return vp_err_set(...)`. */
int vp_err_set(struct vp_err *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix the current message with "<fmt>: ".  Keeps errnum.  Returns -1. */
int vp_err_wrap(struct vp_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Reset to "no error". */
void vp_err_clear(struct vp_err *err);

#endif
