/* Shared helpers for the ppp_core tests: a capturing fsm owner and fixed
 * random sources. Header-only; every test file is its own executable. */
#ifndef L2TPX_TEST_PPP_HARNESS_H
#define L2TPX_TEST_PPP_HARNESS_H

#include <stdint.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/rand.h"
#include "ppp/fsm.h"

#define CAP_MAX 64

struct cap_pkt {
    uint16_t proto;
    uint8_t b[256];
    size_t len;
};

struct cap {
    struct cap_pkt p[CAP_MAX];
    int n;
    int up, down, started, finished;
};

static inline void cap_send(void *ctx, uint16_t proto, const uint8_t *pkt, size_t len)
{
    struct cap *c = ctx;
    if (c->n < CAP_MAX) {
        c->p[c->n].proto = proto;
        c->p[c->n].len = len < sizeof(c->p[0].b) ? len : sizeof(c->p[0].b);
        memcpy(c->p[c->n].b, pkt, c->p[c->n].len);
        c->n++;
    }
}
static inline void cap_up(void *ctx, struct ppp_fsm *f, lx_ms_t now)
{
    ((struct cap *)ctx)->up++;
}
static inline void cap_down(void *ctx, struct ppp_fsm *f, lx_ms_t now)
{
    ((struct cap *)ctx)->down++;
}
static inline void cap_started(void *ctx, struct ppp_fsm *f, lx_ms_t now)
{
    ((struct cap *)ctx)->started++;
}
static inline void cap_finished(void *ctx, struct ppp_fsm *f, lx_ms_t now)
{
    ((struct cap *)ctx)->finished++;
}

static const struct ppp_fsm_owner cap_owner = {cap_send, cap_up, cap_down, cap_started,
                                               cap_finished};

static inline struct cap_pkt *cap_last(struct cap *c)
{
    return c->n ? &c->p[c->n - 1] : NULL;
}

/* Every random byte is 0x5a: Magic-Numbers read 0x5a5a5a5a. */
static inline void rand_5a(void *ctx, void *buf, size_t len)
{
    memset(buf, 0x5a, len);
}

/* xorshift64 stream, seeded through ctx (uint64_t *). */
static inline void rand_xs(void *ctx, void *buf, size_t len)
{
    uint64_t *s = ctx;
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i++) {
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        p[i] = (uint8_t)(*s >> 24);
    }
}

#define ASSERT_PKT(c, ...)                                \
    do {                                                  \
        const uint8_t want_[] = {__VA_ARGS__};            \
        struct cap_pkt *p_ = cap_last(c);                 \
        assert_non_null(p_);                              \
        assert_int_equal(p_->len, sizeof(want_));         \
        assert_memory_equal(p_->b, want_, sizeof(want_)); \
    } while (0)

#endif
