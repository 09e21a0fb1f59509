/* fuzz.h - helpers shared by the libFuzzer harnesses in tests/fuzz/.
 *
 * A harness checks the properties a parser promises on every input it
 * accepts; a broken promise is reported like a crash (abort), so libFuzzer
 * saves the input and CI fails.  Harnesses keep no state between runs
 * other than read-only fixtures built once in LLVMFuzzerInitialize.
 */
#ifndef VP_FUZZ_H
#define VP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Checked whatever NDEBUG says. */
#define FUZZ_CHECK(cond, ...)                                                  \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr,                                        \
				"%s:%d: invariant `%s` broken: ", __FILE__,    \
				__LINE__, #cond);                              \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
			abort();                                               \
		}                                                              \
	} while (0)

/* A NUL-terminated copy of the input (for APIs taking C strings); NULL
 * when out of memory, which the harness then treats as "nothing to do". */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s != NULL) {
		if (size > 0)
			memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

#endif
