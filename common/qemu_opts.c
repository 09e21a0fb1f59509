/* qemu_opts.c - QEMU's command-line syntax (qemu_opts.h). */
#include "qemu_opts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "validate.h"

/* QEMU treats "--opt" like "-opt". */
bool vp_qemu_is_opt(const char *arg, const char *name)
{
	if (arg[0] != '-')
		return false;
	arg += arg[1] == '-' ? 2 : 1;
	return strcmp(arg, name) == 0;
}

/* Length of the raw item at s, up to the first single ','. */
size_t vp_qemu_item_len(const char *s)
{
	size_t i = 0;

	while (s[i] != '\0') {
		if (s[i] == ',') {
			if (s[i + 1] != ',')
				break;
			i++;
		}
		i++;
	}
	return i;
}

bool vp_qemu_item_is(const char *s, size_t len, const char *want)
{
	return strlen(want) == len && memcmp(s, want, len) == 0;
}

/* Copy of a raw item with ",," turned back into ",". */
char *vp_qemu_unescape(const char *s, size_t len)
{
	char *out = malloc(len + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		*o++ = s[i];
		if (s[i] == ',' && i + 1 < len && s[i + 1] == ',')
			i++;
	}
	*o = '\0';
	return out;
}

char *vp_qemu_escape(const char *value)
{
	size_t commas = 0, len = 0;
	char *out, *o;

	for (const char *p = value; *p != '\0'; p++, len++)
		commas += *p == ',';
	out = malloc(len + commas + 1);
	if (out == NULL)
		return NULL;
	o = out;
	for (const char *p = value; *p != '\0'; p++) {
		*o++ = *p;
		if (*p == ',')
			*o++ = ',';
	}
	*o = '\0';
	return out;
}

/* Value of `key` in a QEMU option string (the first item without '=' is
 * `key` when `implied`), raw (still escaped); NULL when absent.  Later
 * occurrences win, as in QEMU. */
const char *vp_qemu_opt_find(const char *s, const char *key, bool implied,
			     size_t *len)
{
	size_t klen = strlen(key);
	const char *found = NULL;
	bool first = true;

	for (const char *p = s;; first = false) {
		size_t n = vp_qemu_item_len(p);
		const char *eq = memchr(p, '=', n);

		if (eq == NULL && first && implied) {
			found = p;
			*len = n;
		} else if (eq != NULL && (size_t)(eq - p) == klen &&
			   memcmp(p, key, klen) == 0) {
			found = eq + 1;
			*len = n - klen - 1;
		}
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	return found;
}

/* The guest name a -name value sets ("sandbox-x", "guest=sandbox-x,..."). */
static int name_guest(const char *val, char **guest, struct vp_err *err)
{
	const char *g;
	size_t len;

	g = vp_qemu_opt_find(val, "guest", true, &len);
	if (g == NULL)
		return 0;
	free(*guest);
	*guest = vp_qemu_unescape(g, len);
	if (*guest == NULL)
		return vp_err_set(err, ENOMEM, "QEMU -name");
	return 0;
}

int vp_qemu_sandbox_id(int argc, char *const argv[], char **id,
		       struct vp_err *err)
{
	static const char *const prefixes[] = {"sandbox-", "pod-"};
	_cleanup_free_ char *guest = NULL;
	const char *rest = NULL;

	*id = NULL;
	/* QEMU merges repeated -name options; the last guest name counts. */
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *val = NULL;

		if (vp_qemu_is_opt(a, "name") && i + 1 < argc)
			val = argv[++i];
		else if (strncmp(a, "-name=", 6) == 0)
			val = a + 6;
		else if (strncmp(a, "--name=", 7) == 0)
			val = a + 7;
		if (val != NULL && name_guest(val, &guest, err) < 0)
			return -1;
	}
	if (guest == NULL)
		return 0;
	for (size_t i = 0; i < 2 && rest == NULL; i++)
		if (strncmp(guest, prefixes[i], strlen(prefixes[i])) == 0)
			rest = guest + strlen(prefixes[i]);
	if (rest == NULL)
		return 0; /* a VM this runtime did not name: not ours */
	if (!vp_valid_sandbox_id(rest))
		return vp_err_set(
		    err, 0, "QEMU -name `%s`: not a valid sandbox id", guest);
	*id = strdup(rest);
	if (*id == NULL)
		return vp_err_set(err, ENOMEM, "QEMU -name");
	return 1;
}
