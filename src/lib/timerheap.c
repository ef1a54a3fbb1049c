#include "lib/timerheap.h"

#include <stdlib.h>

void lx_timer_init(struct lx_timer *t, lx_timer_fn fn, void *arg)
{
    t->deadline = LX_MS_NEVER;
    t->seq = 0;
    t->heap_idx = LX_TIMER_IDLE;
    t->fn = fn;
    t->arg = arg;
}

void lx_timer_heap_init(struct lx_timer_heap *h)
{
    h->v = NULL;
    h->n = 0;
    h->cap = 0;
    h->next_seq = 0;
}

void lx_timer_heap_free(struct lx_timer_heap *h)
{
    for (size_t i = 0; i < h->n; i++)
        h->v[i]->heap_idx = LX_TIMER_IDLE;
    free(h->v);
    lx_timer_heap_init(h);
}

static bool before(const struct lx_timer *a, const struct lx_timer *b)
{
    if (a->deadline != b->deadline)
        return a->deadline < b->deadline;
    return a->seq < b->seq;
}

static void place(struct lx_timer_heap *h, size_t i, struct lx_timer *t)
{
    h->v[i] = t;
    t->heap_idx = i;
}

static void sift_up(struct lx_timer_heap *h, size_t i)
{
    struct lx_timer *t = h->v[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(t, h->v[parent]))
            break;
        place(h, i, h->v[parent]);
        i = parent;
    }
    place(h, i, t);
}

static void sift_down(struct lx_timer_heap *h, size_t i)
{
    struct lx_timer *t = h->v[i];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const struct lx_timer *best = t;
        if (l < h->n && before(h->v[l], best)) {
            m = l;
            best = h->v[l];
        }
        if (r < h->n && before(h->v[r], best))
            m = r;
        if (m == i)
            break;
        place(h, i, h->v[m]);
        i = m;
    }
    place(h, i, t);
}

void lx_timer_heap_remove(struct lx_timer_heap *h, struct lx_timer *t)
{
    size_t i = t->heap_idx;
    if (i == LX_TIMER_IDLE || i >= h->n || h->v[i] != t)
        return;
    t->heap_idx = LX_TIMER_IDLE;
    h->n--;
    if (i == h->n)
        return;
    place(h, i, h->v[h->n]);
    /* The moved element may belong above or below its new slot. */
    if (i > 0 && before(h->v[i], h->v[(i - 1) / 2]))
        sift_up(h, i);
    else
        sift_down(h, i);
}

int lx_timer_heap_set(struct lx_timer_heap *h, struct lx_timer *t, lx_ms_t deadline)
{
    if (lx_timer_armed(t)) {
        lx_timer_heap_remove(h, t);
    }
    if (h->n == h->cap) {
        size_t ncap = h->cap ? h->cap * 2 : 16;
        struct lx_timer **nv = realloc(h->v, ncap * sizeof *nv);
        if (nv == NULL)
            return -1;
        h->v = nv;
        h->cap = ncap;
    }
    t->deadline = deadline;
    t->seq = h->next_seq++;
    place(h, h->n, t);
    h->n++;
    sift_up(h, h->n - 1);
    return 0;
}

struct lx_timer *lx_timer_heap_peek(const struct lx_timer_heap *h)
{
    return h->n ? h->v[0] : NULL;
}

lx_ms_t lx_timer_heap_next(const struct lx_timer_heap *h)
{
    return h->n ? h->v[0]->deadline : LX_MS_NEVER;
}

struct lx_timer *lx_timer_heap_pop_expired(struct lx_timer_heap *h, lx_ms_t now)
{
    if (h->n == 0 || h->v[0]->deadline > now)
        return NULL;
    struct lx_timer *t = h->v[0];
    lx_timer_heap_remove(h, t);
    return t;
}

bool lx_timer_heap_check(const struct lx_timer_heap *h)
{
    for (size_t i = 0; i < h->n; i++) {
        if (h->v[i]->heap_idx != i)
            return false;
        if (i > 0 && before(h->v[i], h->v[(i - 1) / 2]))
            return false;
    }
    return true;
}
