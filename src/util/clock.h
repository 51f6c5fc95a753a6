/* Monotonic wall-clock milliseconds, for the timings in reports. */
#ifndef LRP_UTIL_CLOCK_H
#define LRP_UTIL_CLOCK_H

#include <time.h>

static inline double lrp_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

#endif
