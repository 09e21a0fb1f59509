/* names.c - OVS port names: SipHash of the sandbox id (see ovs.h). */
#include "ovs.h"

#include <stdint.h>
#include <string.h>

/* SipHash-2-4 (Aumasson, Bernstein), 64-bit output. */
static uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

#define SIPROUND                                                               \
	do {                                                                   \
		v0 += v1, v1 = rotl(v1, 13), v1 ^= v0;                         \
		v0 = rotl(v0, 32);                                             \
		v2 += v3, v3 = rotl(v3, 16), v3 ^= v2;                         \
		v0 += v3, v3 = rotl(v3, 21), v3 ^= v0;                         \
		v2 += v1, v1 = rotl(v1, 17), v1 ^= v2;                         \
		v2 = rotl(v2, 32);                                             \
	} while (0)

static uint64_t siphash24(const uint8_t key[16], const uint8_t *in, size_t len)
{
	uint64_t k0 = le64(key), k1 = le64(key + 8);
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0,
		 v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0,
		 v3 = 0x7465646279746573ULL ^ k1;
	uint64_t b = (uint64_t)len << 56, m;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		m = le64(in + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t k = 0; i + k < len; k++)
		b |= (uint64_t)in[i + k] << (8 * k);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

void vp_ovs_port_name(const char *sandbox_id, unsigned index, unsigned attempt,
		      char out[16])
{
	/* A fixed key: names must follow from the id alone (gc reports the
	 * first choice of a lost record).  60 bits make an accidental clash
	 * unlikely; a deliberate one costs a birthday search, and then only
	 * moves the later sandbox to its next choice: prestart never takes
	 * a name that exists, and nothing deletes a port not tagged ours. */
	static const uint8_t key[16] = "vnfplug-portname";
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	uint8_t in[130];
	size_t n = strnlen(sandbox_id, 128);
	uint64_t h;

	memcpy(in, sandbox_id, n);
	in[n] = 0;
	in[n + 1] = (uint8_t)attempt;
	h = siphash24(key, in, n + 2);
	out[0] = 'v';
	out[1] = 'p';
	for (int i = 0; i < 12; i++)
		out[2 + i] = b32[(h >> (59 - 5 * i)) & 31];
	out[14] = "0123456789abcdef"[index % VP_OVS_NAME_INDEX_MAX];
	out[15] = '\0';
}
