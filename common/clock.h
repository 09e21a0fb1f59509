/* clock.h - the monotonic clock every bounded wait and deadline uses. */
#ifndef VP_CLOCK_H
#define VP_CLOCK_H

#include <time.h>

static inline long long vp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
