/* err.c - message formatting for the error convention in err.h. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int vp_err_set(struct vp_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err == NULL)
		return -1;
	err->errnum = errnum;
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (errnum != 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s",
			 strerror(errnum));
	return -1;
}

int vp_err_wrap(struct vp_err *err, const char *fmt, ...)
{
	char prefix[VP_ERR_MSG_MAX];
	char old[VP_ERR_MSG_MAX];
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* truncation is acceptable: the message stays one bounded line */
	size_t plen = strnlen(prefix, sizeof(err->msg) - 1);
	memcpy(err->msg, prefix, plen);
	size_t rest = sizeof(err->msg) - plen;
	if (rest > 3) {
		memcpy(err->msg + plen, ": ", 2);
		size_t olen = strnlen(old, rest - 3);
		memcpy(err->msg + plen + 2, old, olen);
		err->msg[plen + 2 + olen] = '\0';
	} else {
		err->msg[plen] = '\0';
	}
	return -1;
}

void vp_err_clear(struct vp_err *err)
{
	if (err == NULL)
		return;
	err->errnum = 0;
	err->msg[0] = '\0';
}
