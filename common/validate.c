/* validate.c - the allowlists of validate.h.
 *
 * Each check says yes or no; none of them repairs a value.  Character
 * classes are spelled out instead of using <ctype.h> so the locale can not
 * widen them.
 */
#include "validate.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

_Static_assert(sizeof(((struct sockaddr_un *)0)->sun_path) ==
		   VP_SUN_PATH_MAX + 1,
	       "VP_SUN_PATH_MAX is not sizeof(sun_path) - 1");

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* [A-Za-z0-9_.-], the common alphabet of names. */
static bool is_name_char(char c)
{
	return is_alnum(c) || c == '_' || c == '.' || c == '-';
}

static bool all_name_chars(const char *s, size_t min, size_t max)
{
	size_t n = 0;

	if (s == NULL)
		return false;
	for (; s[n] != '\0'; n++) {
		if (n >= max || !is_name_char(s[n]))
			return false;
	}
	return n >= min;
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool vp_valid_network_name(const char *s)
{
	return all_name_chars(s, 1, 63);
}

bool vp_valid_sandbox_id(const char *s)
{
	return s != NULL && is_alnum(s[0]) && all_name_chars(s, 1, 128);
}

bool vp_valid_ifname(const char *s)
{
	return all_name_chars(s, 1, 15) && strcmp(s, ".") != 0 &&
	       strcmp(s, "..") != 0;
}

bool vp_valid_ovs_name(const char *s)
{
	return all_name_chars(s, 1, 15) && s[0] != '-' && s[0] != '.';
}

bool vp_valid_abs_path(const char *s)
{
	const char *comp;
	size_t n;

	if (s == NULL || s[0] != '/')
		return false;
	n = strlen(s);
	if (n > PATH_MAX - 1)
		return false;
	if (n == 1)
		return true; /* "/" itself */
	comp = s + 1;
	for (;;) {
		const char *end = comp;

		while (*end != '\0' && *end != '/') {
			if (!is_name_char(*end) && *end != '+')
				return false;
			end++;
		}
		/* empty, "." and ".." components make two spellings of one
		 * path, which defeats any later prefix check */
		if (end == comp)
			return false;
		if (end - comp == 1 && comp[0] == '.')
			return false;
		if (end - comp == 2 && comp[0] == '.' && comp[1] == '.')
			return false;
		if (*end == '\0')
			return true;
		comp = end + 1;
	}
}

bool vp_valid_pci_addr(const char *s)
{
	static const char shape[] = "xxxx:xx:xx.x";

	if (s == NULL || strlen(s) != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; shape[i] != '\0'; i++) {
		if (shape[i] == 'x' ? !is_lower_hex(s[i]) : s[i] != shape[i])
			return false;
	}
	/* device is 5 bits, function 3 bits */
	return hex_val(s[8]) <= 1 && s[11] <= '7';
}

int vp_mac_parse(const char *s, uint8_t mac[6])
{
	uint8_t tmp[6];

	if (s == NULL || strlen(s) != 17)
		return -1;
	for (int i = 0; i < 6; i++) {
		int hi = hex_val(s[i * 3]);
		int lo = hex_val(s[i * 3 + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != ':'))
			return -1;
		tmp[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, tmp, sizeof(tmp));
	return 0;
}

void vp_mac_format(const uint8_t mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
}

bool vp_mac_is_multicast(const uint8_t mac[6])
{
	return (mac[0] & 0x01) != 0;
}

bool vp_mac_is_zero(const uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		if (mac[i] != 0)
			return false;
	}
	return true;
}

const char *vp_printable(const char *s, char *buf, size_t size)
{
	size_t i, n = 0;

	if (size == 0)
		return buf;
	if (s == NULL)
		s = "(null)";
	for (i = 0; s[i] != '\0' && n + 1 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	buf[n] = '\0';
	if (s[i] != '\0' && size >= 4)
		memcpy(buf + size - 4, "...", 4);
	return buf;
}
