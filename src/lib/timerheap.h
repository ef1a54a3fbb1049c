/* A binary min-heap of timers ordered by deadline: O(log n) insert, remove
 * and re-arm, O(1) peek. The timer records its own heap index, so removal of
 * an arbitrary timer needs no search. The heap never owns the timers; they
 * are embedded in their users' structures. */
#ifndef L2TPX_LIB_TIMERHEAP_H
#define L2TPX_LIB_TIMERHEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/clock.h"

struct lx_timer;
typedef void (*lx_timer_fn)(void *arg, struct lx_timer *t);

#define LX_TIMER_IDLE SIZE_MAX /* heap_idx of a timer that is not armed */

struct lx_timer {
    lx_ms_t deadline;
    uint64_t seq; /* insertion order: equal deadlines fire FIFO */
    size_t heap_idx;
    lx_timer_fn fn;
    void *arg;
};

struct lx_timer_heap {
    struct lx_timer **v;
    size_t n, cap;
    uint64_t next_seq;
};

void lx_timer_init(struct lx_timer *t, lx_timer_fn fn, void *arg);
static inline bool lx_timer_armed(const struct lx_timer *t)
{
    return t->heap_idx != LX_TIMER_IDLE;
}

void lx_timer_heap_init(struct lx_timer_heap *h);
void lx_timer_heap_free(struct lx_timer_heap *h); /* disarms what is left */

/* Arms (or re-arms) t for `deadline`. Returns 0, or -1 if out of memory. */
int lx_timer_heap_set(struct lx_timer_heap *h, struct lx_timer *t, lx_ms_t deadline);
/* Disarms t; harmless if it is not armed. */
void lx_timer_heap_remove(struct lx_timer_heap *h, struct lx_timer *t);
/* Earliest timer, or NULL. */
struct lx_timer *lx_timer_heap_peek(const struct lx_timer_heap *h);
/* Earliest deadline, or LX_MS_NEVER. */
lx_ms_t lx_timer_heap_next(const struct lx_timer_heap *h);
/* Removes and returns the earliest timer if its deadline is <= now. */
struct lx_timer *lx_timer_heap_pop_expired(struct lx_timer_heap *h, lx_ms_t now);
/* Consistency check for tests: true if the heap property holds. */
bool lx_timer_heap_check(const struct lx_timer_heap *h);

#endif
