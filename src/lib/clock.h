/* Time as the protocol cores see it: a monotonic millisecond count handed
 * in by the caller. The cores never read a clock themselves (sans-I/O), so
 * tests drive them with a simulated clock. */
#ifndef L2TPX_LIB_CLOCK_H
#define L2TPX_LIB_CLOCK_H

#include <stdint.h>

typedef uint64_t lx_ms_t;

/* "No timer armed." */
#define LX_MS_NEVER UINT64_MAX

static inline lx_ms_t lx_ms_min(lx_ms_t a, lx_ms_t b)
{
    return a < b ? a : b;
}

/* Reads CLOCK_MONOTONIC; only the daemon's I/O layer calls this. */
lx_ms_t lx_now_ms(void);

#endif
