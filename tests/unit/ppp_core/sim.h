/* Two ppp_links joined by a simulated lossy wire (seeded drop, duplicate,
 * reorder through random latency) under a simulated clock, with an
 * in-test AAA backend answering verify requests asynchronously through
 * ppp_auth_check_password(). Header-only, for the link tests. */
#ifndef L2TPX_TEST_PPP_SIM_H
#define L2TPX_TEST_PPP_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/rand.h"
#include "ppp/link.h"
#include "ppp/ppp.h"

#define SIM_QMAX 512

struct sim;

struct sim_ep {
    struct sim *sim;
    int idx;
    struct ppp_link *link;
    /* backend */
    const char *secret; /* password the backend knows for the user */
    struct ppp_auth_attrs attrs;
    bool verdict_pending;
    lx_ms_t verdict_at;
    struct ppp_auth_request req;
    unsigned verifies;
    /* observed */
    bool dead, ipcp_up, ipv6cp_up;
    enum ppp_link_down_reason reason;
    unsigned auth_ok, auth_fail, net_ups, lcp_ups;
    enum ppp_link_phase phases[32];
    int nphases;
    unsigned rx_ip;
    uint8_t last_ip[64];
    size_t last_ip_len;
};

struct sim_msg {
    lx_ms_t at;
    int to;
    uint16_t len;
    uint8_t b[PPP_MAX_FRAME + 2];
};

struct sim {
    lx_ms_t now;
    uint64_t rng;
    unsigned drop_pct, dup_pct, jitter_ms;
    bool loop; /* ep0 talks to itself */
    bool cut;  /* the wire drops everything */
    struct sim_msg q[SIM_QMAX];
    int nq;
    unsigned sent, dropped, duped;
    struct sim_ep ep[2];
};

static inline unsigned sim_rand(struct sim *s, unsigned n)
{
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    return (unsigned)((s->rng >> 11) % n);
}

static inline void sim_enqueue(struct sim *s, int to, const uint8_t *b, size_t len)
{
    if (s->nq >= SIM_QMAX || len > sizeof(s->q[0].b))
        return;
    struct sim_msg *m = &s->q[s->nq++];
    m->at = s->now + 5 + (s->jitter_ms ? sim_rand(s, s->jitter_ms) : 0);
    m->to = to;
    m->len = (uint16_t)len;
    memcpy(m->b, b, len);
}

static inline void sim_send(void *ctx, const uint8_t *frame, size_t len)
{
    struct sim_ep *e = ctx;
    struct sim *s = e->sim;
    s->sent++;
    if (s->cut || (s->drop_pct && sim_rand(s, 100) < s->drop_pct)) {
        s->dropped++;
        return;
    }
    int to = s->loop ? e->idx : 1 - e->idx;
    sim_enqueue(s, to, frame, len);
    if (s->dup_pct && sim_rand(s, 100) < s->dup_pct) {
        s->duped++;
        sim_enqueue(s, to, frame, len);
    }
}

static inline void sim_event(void *ctx, const struct ppp_link_event *ev)
{
    struct sim_ep *e = ctx;
    switch (ev->type) {
    case PPP_LINK_EV_PHASE:
        if (e->nphases < 32)
            e->phases[e->nphases++] = ev->phase;
        break;
    case PPP_LINK_EV_LCP_UP:
        e->lcp_ups++;
        break;
    case PPP_LINK_EV_AUTH_VERIFY:
        /* Asynchronous AAA: answered 20 ms later, like a RADIUS round trip.
         * The request is only valid during the callback: copy it. */
        e->req = *ev->auth_req;
        e->verdict_pending = true;
        e->verdict_at = e->sim->now + 20;
        e->verifies++;
        break;
    case PPP_LINK_EV_AUTH_SUCCESS:
        e->auth_ok++;
        break;
    case PPP_LINK_EV_AUTH_FAILURE:
        e->auth_fail++;
        break;
    case PPP_LINK_EV_NET_UP:
        e->net_ups++;
        if (ev->proto == PPP_PROTO_IPCP)
            e->ipcp_up = true;
        else
            e->ipv6cp_up = true;
        break;
    case PPP_LINK_EV_NET_DOWN:
        if (ev->proto == PPP_PROTO_IPCP)
            e->ipcp_up = false;
        else
            e->ipv6cp_up = false;
        break;
    case PPP_LINK_EV_LCP_DOWN:
        break;
    case PPP_LINK_EV_DOWN:
        e->dead = true;
        e->reason = ev->reason;
        e->ipcp_up = e->ipv6cp_up = false;
        break;
    }
}

static inline void sim_recv_ip(void *ctx, uint16_t proto, const uint8_t *pkt, size_t len)
{
    struct sim_ep *e = ctx;
    e->rx_ip++;
    e->last_ip_len = len < sizeof(e->last_ip) ? len : sizeof(e->last_ip);
    memcpy(e->last_ip, pkt, e->last_ip_len);
}

/* Deterministic random source for Magic-Numbers, challenges and
 * interface identifiers (xorshift64, state in ctx). */
static inline void rand_xs_e2e(void *ctx, void *buf, size_t len)
{
    uint64_t *st = ctx;
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i++) {
        *st ^= *st << 13;
        *st ^= *st >> 7;
        *st ^= *st << 17;
        p[i] = (uint8_t)(*st >> 24);
    }
}

static const struct ppp_link_ops sim_ops = {sim_send, sim_event, sim_recv_ip};

static inline void sim_init(struct sim *s, uint64_t seed)
{
    memset(s, 0, sizeof(*s));
    s->now = 1000;
    s->rng = seed ? seed : 1;
    for (int i = 0; i < 2; i++) {
        s->ep[i].sim = s;
        s->ep[i].idx = i;
    }
}

static inline void sim_add(struct sim *s, int i, const struct ppp_link_cfg *cfg)
{
    s->ep[i].link = ppp_link_new(cfg, &sim_ops, &s->ep[i]);
}

static inline void sim_free(struct sim *s)
{
    for (int i = 0; i < 2; i++)
        if (s->ep[i].link)
            ppp_link_free(s->ep[i].link);
}

static inline lx_ms_t sim_next(struct sim *s)
{
    lx_ms_t t = LX_MS_NEVER;
    for (int i = 0; i < s->nq; i++)
        t = lx_ms_min(t, s->q[i].at);
    for (int i = 0; i < 2; i++) {
        struct sim_ep *e = &s->ep[i];
        if (!e->link)
            continue;
        t = lx_ms_min(t, ppp_link_next_timeout(e->link));
        if (e->verdict_pending)
            t = lx_ms_min(t, e->verdict_at);
    }
    return t;
}

/* One step: deliver/fire everything due at the next instant. false when
 * nothing is left to happen. */
static inline bool sim_step(struct sim *s)
{
    lx_ms_t t = sim_next(s);
    if (t == LX_MS_NEVER)
        return false;
    if (t > s->now)
        s->now = t;
    for (int i = 0; i < s->nq;) {
        if (s->q[i].at <= s->now) {
            struct sim_msg m = s->q[i];
            s->q[i] = s->q[--s->nq];
            if (s->ep[m.to].link)
                ppp_link_input(s->ep[m.to].link, s->now, m.b, m.len);
        } else {
            i++;
        }
    }
    for (int i = 0; i < 2; i++) {
        struct sim_ep *e = &s->ep[i];
        if (!e->link)
            continue;
        if (e->verdict_pending && e->verdict_at <= s->now) {
            struct ppp_auth_verdict v;
            memset(&v, 0, sizeof(v));
            ppp_auth_check_password(&e->req, e->secret ? e->secret : "", &v);
            if (v.accept)
                v.attrs = e->attrs;
            e->verdict_pending = false;
            ppp_link_auth_verdict(e->link, s->now, &v);
        }
        if (ppp_link_next_timeout(e->link) <= s->now)
            ppp_link_timeout(e->link, s->now);
    }
    return true;
}

/* Runs until cond(s) holds with an empty wire, or nothing is left, or the
 * clock passes `limit` ms of simulated time. */
static inline bool sim_run(struct sim *s, lx_ms_t limit, bool (*cond)(struct sim *))
{
    lx_ms_t end = s->now + limit;
    while (s->now <= end) {
        if (cond && cond(s) && s->nq == 0)
            return true;
        if (!sim_step(s))
            break;
    }
    return cond ? cond(s) : true;
}

static inline bool sim_both_up(struct sim *s)
{
    for (int i = 0; i < 2; i++) {
        struct sim_ep *e = &s->ep[i];
        if (e->dead || !e->ipcp_up || !e->ipv6cp_up || ppp_link_phase(e->link) != PPP_PHASE_NETWORK)
            return false;
    }
    return true;
}

static inline bool sim_both_dead(struct sim *s)
{
    return s->ep[0].dead && s->ep[1].dead;
}

#endif
