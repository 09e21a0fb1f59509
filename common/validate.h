/* validate.h - allowlists for every value that can reach a path, a command
 * or a QEMU option.  Values from container authors pass through one of
 * these before use; nothing is "sanitised" into something else. */
#ifndef VP_VALIDATE_H
#define VP_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Network names (config keys, request "network"): [A-Za-z0-9_.-]{1,63}. */
bool vp_valid_network_name(const char *s);
/* Sandbox / container ids: [A-Za-z0-9][A-Za-z0-9_.-]{0,127}. */
bool vp_valid_sandbox_id(const char *s);
/* Interface names: 1..15 bytes of [A-Za-z0-9_.-], not "." or "..". */
bool vp_valid_ifname(const char *s);
/* OVS bridge and port names: 1..15 bytes of [A-Za-z0-9_.-], not starting
 * with '-' or '.'. */
bool vp_valid_ovs_name(const char *s);
/* Absolute path of [A-Za-z0-9_./+-] characters, no "." or ".." component,
 * no empty component, at most PATH_MAX-1 bytes. */
bool vp_valid_abs_path(const char *s);
/* The longest unix socket path, sizeof(sun_path) - 1: a longer one would
 * be truncated and connect somewhere else. */
#define VP_SUN_PATH_MAX 107
/* PCI address "dddd:bb:dd.f" in lower-case hex. */
bool vp_valid_pci_addr(const char *s);

/* "aa:bb:cc:dd:ee:ff" (hex, either case, exactly 17 chars) -> 0, else -1. */
int vp_mac_parse(const char *s, uint8_t mac[6]);
/* Lower-case "aa:bb:cc:dd:ee:ff"; out must hold 18 bytes. */
void vp_mac_format(const uint8_t mac[6], char out[18]);
bool vp_mac_is_multicast(const uint8_t mac[6]);
bool vp_mac_is_zero(const uint8_t mac[6]);

/* Copy untrusted text into buf for an error or log message: bytes outside
 * printable ASCII become '?', and text that does not fit ends in "...".
 * Returns buf.  A hostile value can then neither forge log lines nor fill
 * the message. */
#define VP_PRINTABLE_MAX 72
const char *vp_printable(const char *s, char *buf, size_t size);

#endif
