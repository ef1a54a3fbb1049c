/* Simulated lossy link for the control-channel tests; see sim.h. */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l2tp/header.h"
#include "l2tp/l2tp.h"

/* splitmix64: small, fast, good enough for a test link. */
uint64_t sim_rand(struct sim_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint32_t sim_below(struct sim_rng *r, uint32_t n)
{
    return n ? (uint32_t)(sim_rand(r) % n) : 0;
}

#define SIM_MAX_PKTS 100000u

static void sim_fail(struct sim *s, const char *what)
{
    if (!s->failed)
        fprintf(stderr, "sim: %s (t=%llu)\n", what, (unsigned long long)s->now);
    s->failed = true;
}

static void sim_enqueue(struct sim *s, int to, const uint8_t *pkt, size_t len, lx_ms_t at)
{
    if (s->npkts == s->cap) {
        if (s->cap >= SIM_MAX_PKTS) {
            sim_fail(s, "link queue overflow");
            return;
        }
        size_t ncap = s->cap ? s->cap * 2 : 64;
        struct sim_pkt *p = realloc(s->pkts, ncap * sizeof *p);
        if (p == NULL) {
            sim_fail(s, "out of memory");
            return;
        }
        s->pkts = p;
        s->cap = ncap;
    }
    struct sim_pkt *p = &s->pkts[s->npkts++];
    p->at = at;
    p->order = s->order++;
    p->to = to;
    p->len = len;
    p->data = malloc(len);
    memcpy(p->data, pkt, len);
}

static lx_ms_t sim_delay(struct sim *s)
{
    lx_ms_t d = s->link.delay_ms;
    if (sim_below(&s->rng, 100) < s->link.reorder_pct)
        d += sim_below(&s->rng, s->link.reorder_ms + 1);
    return d;
}

static void sim_xmit(void *user, const uint8_t *pkt, size_t len)
{
    struct sim_end *e = user;
    struct sim *s = e->sim;
    struct l2tp_hdr h;
    if (l2tp_hdr_decode(pkt, len, &h) != L2TP_HDR_OK || !h.is_ctrl) {
        sim_fail(s, "channel sent an undecodable packet");
        return;
    }
    if (h.payload_len > 0) {
        /* Wire-level window check: Ns values beyond what the peer has
         * acknowledged so far must stay within the peer's window. */
        uint16_t next = (uint16_t)(h.ns + 1);
        if (l2tp_seq_lt(e->hi_ns, next))
            e->hi_ns = next;
        unsigned inflight = (uint16_t)(e->hi_ns - e->acked);
        if (inflight > e->max_inflight)
            e->max_inflight = inflight;
        if (e->window_limit && inflight > e->window_limit)
            sim_fail(s, "send window exceeded");
    }
    s->wire_pkts++;
    if (sim_below(&s->rng, 100) < s->link.loss_pct) {
        s->wire_dropped++;
        return;
    }
    int to = 1 - e->idx;
    sim_enqueue(s, to, pkt, len, s->now + sim_delay(s));
    if (sim_below(&s->rng, 100) < s->link.dup_pct) {
        s->wire_dups++;
        sim_enqueue(s, to, pkt, len, s->now + sim_delay(s));
    }
}

/* Message body: A5, id (4 bytes), n, then n bytes derived from id. */
static size_t sim_make_body(uint32_t id, uint8_t *out)
{
    uint8_t n = (uint8_t)((id * 37u) % 120u);
    out[0] = 0xa5;
    out[1] = (uint8_t)(id >> 24);
    out[2] = (uint8_t)(id >> 16);
    out[3] = (uint8_t)(id >> 8);
    out[4] = (uint8_t)id;
    out[5] = n;
    for (unsigned i = 0; i < n; i++)
        out[6 + i] = (uint8_t)(id * 31u + i);
    return 6u + n;
}

bool sim_is_hello(const uint8_t *body, size_t len)
{
    static const uint8_t hello[8] = {0x80, 0x08, 0, 0, 0, 0, 0, L2TP_MSG_HELLO};
    return len == sizeof hello && memcmp(body, hello, len) == 0;
}

/* Pushes messages until the channel refuses one (queue full). */
static void sim_app_push(struct sim_end *e, unsigned max)
{
    uint8_t body[256];
    while (max-- > 0 && e->sent < e->total && !l2tp_ctrl_is_dead(e->c)) {
        size_t n = sim_make_body(e->sent, body);
        if (l2tp_ctrl_send(e->c, e->sim->now, (uint16_t)e->sent, body, n) != 0)
            break;
        e->sent++;
    }
}

static void sim_deliver(void *user, uint16_t session_id, const uint8_t *body, size_t len)
{
    struct sim_end *e = user;
    struct sim *s = e->sim;
    if (sim_is_hello(body, len)) {
        if (session_id != 0)
            sim_fail(s, "Hello with a session id");
        e->hellos_rx++;
        return;
    }
    uint8_t want[256];
    size_t n = sim_make_body(e->expect, want);
    if (len != n || memcmp(body, want, n) != 0 || session_id != (uint16_t)e->expect) {
        uint32_t got = len >= 5 ? ((uint32_t)body[1] << 24 | (uint32_t)body[2] << 16 |
                                   (uint32_t)body[3] << 8 | body[4])
                                : 0xffffffffu;
        fprintf(stderr, "sim: end %d expected message %u, got %u\n", e->idx, e->expect, got);
        sim_fail(s, "message lost, duplicated or out of order");
        return;
    }
    e->expect++;
    /* Exercise sending from inside the deliver callback. */
    if (sim_below(&s->rng, 100) < e->reply_pct)
        sim_app_push(e, 1);
}

static void sim_dead(void *user)
{
    struct sim_end *e = user;
    e->dead_calls++;
}

static const struct l2tp_ctrl_ops sim_ops = {
    .xmit = sim_xmit,
    .deliver = sim_deliver,
    .dead = sim_dead,
};

void sim_init(struct sim *s, uint64_t seed, const struct sim_link_cfg *link,
              const struct l2tp_ctrl_cfg *cfg_a, const struct l2tp_ctrl_cfg *cfg_b,
              uint16_t initial_a, uint16_t initial_b)
{
    sim_init_ex(s, seed, link, cfg_a, cfg_b, initial_a, initial_b, 0);
}

void sim_init_ex(struct sim *s, uint64_t seed, const struct sim_link_cfg *link,
                 const struct l2tp_ctrl_cfg *cfg_a, const struct l2tp_ctrl_cfg *cfg_b,
                 uint16_t initial_a, uint16_t initial_b, unsigned flags)
{
    memset(s, 0, sizeof *s);
    s->rng.s = seed;
    s->link = *link;
    const struct l2tp_ctrl_cfg *cfgs[2] = {cfg_a, cfg_b};
    uint16_t initial[2] = {initial_a, initial_b};
    for (int i = 0; i < 2; i++) {
        struct sim_end *e = &s->end[i];
        e->sim = s;
        e->idx = i;
        e->tid = (uint16_t)(100 + i);
        e->c = l2tp_ctrl_new(cfgs[i], &sim_ops, e);
        e->hi_ns = initial[i];
        e->acked = initial[i];
    }
    for (int i = 0; i < 2; i++) {
        struct sim_end *e = &s->end[i], *p = &s->end[1 - i];
        l2tp_ctrl_set_peer_tunnel_id(e->c, p->tid);
        uint16_t peer_rws = cfgs[1 - i] ? cfgs[1 - i]->rws : 16;
        if (i == 0 && (flags & SIM_A_NO_PEER_RWS))
            peer_rws = 4; /* §5.8: what A must assume */
        else
            l2tp_ctrl_set_peer_rws(e->c, peer_rws);
        e->window_limit = peer_rws;
        if (l2tp_ctrl_set_initial_seq(e->c, initial[i], initial[1 - i]) != 0)
            sim_fail(s, "set_initial_seq refused");
    }
}

void sim_fini(struct sim *s)
{
    for (size_t i = 0; i < s->npkts; i++)
        free(s->pkts[i].data);
    free(s->pkts);
    for (int i = 0; i < 2; i++)
        l2tp_ctrl_free(s->end[i].c);
    memset(s, 0, sizeof *s);
}

static void sim_deliver_pkt(struct sim *s, struct sim_pkt *p)
{
    struct sim_end *e = &s->end[p->to];
    struct l2tp_hdr h;
    if (l2tp_hdr_decode(p->data, p->len, &h) != L2TP_HDR_OK) {
        sim_fail(s, "undecodable packet on the link");
        return;
    }
    if (h.tunnel_id != e->tid)
        sim_fail(s, "wrong tunnel id");
    /* Track what the peer acknowledged, for the window check. */
    if (l2tp_seq_lt(e->acked, h.nr) && !l2tp_seq_lt(e->hi_ns, h.nr))
        e->acked = h.nr;
    l2tp_ctrl_input(e->c, s->now, &h, p->data + h.payload_off, h.payload_len);
}

static bool sim_done(const struct sim *s)
{
    if (s->npkts > 0)
        return false;
    for (int i = 0; i < 2; i++) {
        const struct sim_end *e = &s->end[i];
        if (e->sent < e->total || e->expect < s->end[1 - i].total ||
            l2tp_ctrl_outstanding(e->c) > 0)
            return false;
    }
    return true;
}

/* One step: advance to the next event (not beyond `until`) and run it.
 * Returns false when there is nothing left before `until`. */
static bool sim_step(struct sim *s, lx_ms_t until)
{
    for (int i = 0; i < 2; i++)
        sim_app_push(&s->end[i], UINT32_MAX);

    lx_ms_t t = LX_MS_NEVER;
    size_t first = 0;
    for (size_t i = 0; i < s->npkts; i++) {
        struct sim_pkt *p = &s->pkts[i];
        if (p->at < t || (p->at == t && p->order < s->pkts[first].order)) {
            t = p->at;
            first = i;
        }
    }
    lx_ms_t tt[2];
    for (int i = 0; i < 2; i++) {
        tt[i] = l2tp_ctrl_next_timeout(s->end[i].c);
        if (tt[i] < s->now) {
            sim_fail(s, "deadline in the past");
            tt[i] = s->now;
        }
    }
    lx_ms_t next = lx_ms_min(t, lx_ms_min(tt[0], tt[1]));
    if (next == LX_MS_NEVER || next > until)
        return false;
    s->now = next;
    if (t == next) {
        struct sim_pkt p = s->pkts[first];
        s->pkts[first] = s->pkts[--s->npkts];
        sim_deliver_pkt(s, &p);
        free(p.data);
        return true;
    }
    for (int i = 0; i < 2; i++) {
        if (tt[i] == next)
            l2tp_ctrl_timeout(s->end[i].c, s->now);
    }
    return true;
}

bool sim_run(struct sim *s, lx_ms_t until)
{
    while (!s->failed && !sim_done(s)) {
        if (l2tp_ctrl_is_dead(s->end[0].c) || l2tp_ctrl_is_dead(s->end[1].c))
            return false;
        if (!sim_step(s, until))
            return false;
    }
    return !s->failed;
}

void sim_run_for(struct sim *s, lx_ms_t until)
{
    while (!s->failed && sim_step(s, until))
        ;
    if (s->now < until)
        s->now = until;
}
