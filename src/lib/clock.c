#include "lib/clock.h"

#include <time.h>

lx_ms_t lx_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (lx_ms_t)ts.tv_sec * 1000u + (lx_ms_t)ts.tv_nsec / 1000000u;
}
