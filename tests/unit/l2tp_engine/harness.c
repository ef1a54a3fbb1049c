/* Simulated link and clock for the engine tests (see harness.h). */
#include "harness.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "l2tp/header.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/rand.h"

struct h_node h_nodes[H_MAX_NODES];
unsigned h_n_nodes;
struct h_link h_link;
lx_ms_t h_now;
uint64_t h_unroutable;

static uint64_t rng_state;

void h_seed(uint64_t seed)
{
    rng_state = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

static uint64_t rng_next(void)
{
    /* xorshift64* */
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545f4914f6cdd1dULL;
}

uint32_t h_rand(void)
{
    return (uint32_t)(rng_next() >> 32);
}

static void rand_source(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)(rng_next() >> 56);
}

/* ---- In-flight packets ---- */

struct h_pkt {
    struct h_pkt *next;
    lx_ms_t at;
    uint64_t seq;
    struct l2tp_addr from, to;
    size_t len;
    uint8_t data[];
};

static struct h_pkt *inflight;
static uint64_t pkt_seq;

static void enqueue(const struct l2tp_addr *from, const struct l2tp_addr *to, const uint8_t *p,
                    size_t len, lx_ms_t at)
{
    struct h_pkt *k = malloc(sizeof(*k) + len);
    assert_non_null(k);
    k->at = at;
    k->seq = pkt_seq++;
    k->from = *from;
    k->to = *to;
    k->len = len;
    memcpy(k->data, p, len);
    /* Sorted by (at, seq). */
    struct h_pkt **pp = &inflight;
    while (*pp && ((*pp)->at < at || ((*pp)->at == at && (*pp)->seq < k->seq)))
        pp = &(*pp)->next;
    k->next = *pp;
    *pp = k;
}

static void cb_send(void *user, const struct l2tp_addr *local, const struct l2tp_addr *peer,
                    const uint8_t *pkt, size_t len)
{
    struct h_node *n = user;
    static uint8_t buf[L2TP_MAX_PACKET + 1024];
    n->tx_pkts++;
    (void)local;
    if (n->send_discard)
        return;
    assert_true(len <= L2TP_MAX_PACKET);
    memcpy(buf, pkt, len);
    if (n->mangle) {
        len = n->mangle(n, buf, len, sizeof(buf));
        if (len == 0)
            return;
    }
    if (h_link.down)
        return;
    if (h_link.drop_pct && h_rand() % 100 < h_link.drop_pct)
        return;
    lx_ms_t at = h_now + h_link.latency_ms + (h_link.jitter_ms ? h_rand() % h_link.jitter_ms : 0);
    enqueue(&n->addr, peer, buf, len, at);
    if (h_link.dup_pct && h_rand() % 100 < h_link.dup_pct)
        enqueue(&n->addr, peer, buf, len,
                at + 1 + (h_link.jitter_ms ? h_rand() % h_link.jitter_ms : 0));
}

static const struct l2tp_tunnel_cfg *cb_accept_tunnel(void *user, const struct l2tp_addr *local,
                                                      const struct l2tp_addr *peer,
                                                      const char *host)
{
    struct h_node *n = user;
    (void)local;
    (void)peer;
    (void)host;
    return n->refuse_tunnels ? NULL : &n->tcfg;
}

static bool cb_accept_session(void *user, struct l2tp_session *s, const struct l2tp_call_params *p)
{
    struct h_node *n = user;
    (void)p;
    if (n->refuse_sessions)
        return false;
    n->last_accepted = s;
    return true;
}

static void cb_event(void *user, const struct l2tp_event *ev)
{
    struct h_node *n = user;
    assert_true(n->n_ev < H_MAX_EVENTS);
    struct h_event *r = &n->ev[n->n_ev++];
    memset(r, 0, sizeof(*r));
    r->type = ev->type;
    r->tunnel = ev->tunnel;
    r->session = ev->session;
    r->local = ev->local;
    r->result_code = ev->result_code;
    r->error_code = ev->error_code;
    memcpy(r->message, ev->message, sizeof(r->message));
    r->accm_send = ev->accm_send;
    r->accm_recv = ev->accm_recv;
    memcpy(r->call_errors, ev->call_errors, sizeof(r->call_errors));
    r->cause_set = ev->cause_set;
    r->cause_code = ev->cause_code;
    r->cause_proto = ev->cause_proto;
    r->cause_direction = ev->cause_direction;
    memcpy(r->cause_msg, ev->cause_msg, sizeof(r->cause_msg));
    if (ev->call) {
        r->had_call = true;
        r->call = *ev->call;
    }
    if (n->on_event)
        n->on_event(n, ev);
}

static void cb_data(void *user, struct l2tp_session *s, const uint8_t *frame, size_t len)
{
    struct h_node *n = user;
    n->data_frames++;
    n->data_bytes += len;
    if (n->data_count_only)
        return;
    n->last_frame_session = s;
    n->last_frame_len = len < sizeof(n->last_frame) ? len : sizeof(n->last_frame);
    memcpy(n->last_frame, frame, n->last_frame_len);
}

static const struct l2tp_engine_ops h_ops = {
    .send = cb_send,
    .accept_tunnel = cb_accept_tunnel,
    .accept_session = cb_accept_session,
    .event = cb_event,
    .data = cb_data,
};

void h_addr(struct l2tp_addr *a, const char *ip, uint16_t port)
{
    memset(a, 0, sizeof(*a));
    if (strchr(ip, ':')) {
        a->in6.sin6_family = AF_INET6;
        a->in6.sin6_port = htons(port);
        assert_int_equal(inet_pton(AF_INET6, ip, &a->in6.sin6_addr), 1);
        a->len = sizeof(a->in6);
    } else {
        a->in4.sin_family = AF_INET;
        a->in4.sin_port = htons(port);
        assert_int_equal(inet_pton(AF_INET, ip, &a->in4.sin_addr), 1);
        a->len = sizeof(a->in4);
    }
}

void h_reset(uint64_t seed)
{
    h_free_all();
    lx_log_open(LX_LOG_SINK_NONE, "test", LX_LOG_ERR);
    h_seed(seed);
    lx_random_set_source(rand_source, NULL);
    memset(&h_link, 0, sizeof(h_link));
    h_link.latency_ms = 10;
    h_now = 1000;
    h_unroutable = 0;
}

struct h_node *h_add_node(const char *ip, uint16_t port)
{
    assert_true(h_n_nodes < H_MAX_NODES);
    struct h_node *n = &h_nodes[h_n_nodes++];
    memset(n, 0, sizeof(*n));
    n->ev = calloc(H_MAX_EVENTS, sizeof(*n->ev));
    assert_non_null(n->ev);
    h_addr(&n->addr, ip, port);
    l2tp_engine_cfg_defaults(&n->ecfg);
    l2tp_tunnel_cfg_defaults(&n->tcfg);
    snprintf(n->tcfg.host_name, sizeof(n->tcfg.host_name), "node-%s", ip);
    n->e = l2tp_engine_new(&n->ecfg, &h_ops, n);
    assert_non_null(n->e);
    return n;
}

void h_recreate(struct h_node *n)
{
    l2tp_engine_free(n->e);
    n->e = l2tp_engine_new(&n->ecfg, &h_ops, n);
    assert_non_null(n->e);
}

void h_free_all(void)
{
    for (unsigned i = 0; i < h_n_nodes; i++) {
        l2tp_engine_free(h_nodes[i].e);
        free(h_nodes[i].ev);
        memset(&h_nodes[i], 0, sizeof(h_nodes[i]));
    }
    h_n_nodes = 0;
    while (inflight) {
        struct h_pkt *k = inflight;
        inflight = k->next;
        free(k);
    }
    lx_random_set_source(NULL, NULL);
}

static struct h_node *route(const struct l2tp_addr *to)
{
    for (unsigned i = 0; i < h_n_nodes; i++) {
        const struct l2tp_addr *a = &h_nodes[i].addr;
        if (a->sa.sa_family != to->sa.sa_family)
            continue;
        if (a->sa.sa_family == AF_INET && a->in4.sin_addr.s_addr == to->in4.sin_addr.s_addr)
            return &h_nodes[i];
        if (a->sa.sa_family == AF_INET6 && memcmp(&a->in6.sin6_addr, &to->in6.sin6_addr, 16) == 0)
            return &h_nodes[i];
    }
    return NULL;
}

static lx_ms_t next_deadline(void)
{
    lx_ms_t d = inflight ? inflight->at : LX_MS_NEVER;
    for (unsigned i = 0; i < h_n_nodes; i++)
        d = lx_ms_min(d, l2tp_engine_next_timeout(h_nodes[i].e));
    return d;
}

static void step(lx_ms_t end)
{
    lx_ms_t d = next_deadline();
    if (d > end) {
        h_now = end;
        return;
    }
    if (d > h_now)
        h_now = d;
    while (inflight && inflight->at <= h_now) {
        struct h_pkt *k = inflight;
        inflight = k->next;
        struct h_node *dst = route(&k->to);
        if (dst)
            l2tp_engine_input(dst->e, h_now, &dst->addr, &k->from, k->data, k->len);
        else
            h_unroutable++;
        free(k);
    }
    for (unsigned i = 0; i < h_n_nodes; i++)
        if (l2tp_engine_next_timeout(h_nodes[i].e) <= h_now)
            l2tp_engine_timeout(h_nodes[i].e, h_now);
}

void h_run(lx_ms_t ms)
{
    lx_ms_t end = h_now + ms;
    unsigned guard = 0;
    while (h_now < end) {
        step(end);
        assert_true(++guard < 50000000);
    }
}

bool h_run_until(lx_ms_t ms, bool (*cond)(void *), void *arg)
{
    lx_ms_t end = h_now + ms;
    unsigned guard = 0;
    while (!cond(arg) && h_now < end) {
        step(end);
        assert_true(++guard < 50000000);
    }
    return cond(arg);
}

size_t h_count(const struct h_node *n, enum l2tp_event_type type)
{
    size_t c = 0;
    for (size_t i = 0; i < n->n_ev; i++)
        if (n->ev[i].type == type)
            c++;
    return c;
}

const struct h_event *h_last(const struct h_node *n, enum l2tp_event_type type)
{
    for (size_t i = n->n_ev; i-- > 0;)
        if (n->ev[i].type == type)
            return &n->ev[i];
    return NULL;
}

const struct h_event *h_find_session_ev(const struct h_node *n, enum l2tp_event_type type,
                                        const struct l2tp_session *s)
{
    for (size_t i = n->n_ev; i-- > 0;)
        if (n->ev[i].type == type && n->ev[i].session == s)
            return &n->ev[i];
    return NULL;
}

static bool first_cb(void *arg, struct l2tp_tunnel *t)
{
    *(struct l2tp_tunnel **)arg = t;
    return false;
}

struct l2tp_tunnel *h_first_tunnel(struct h_node *n)
{
    struct l2tp_tunnel *t = NULL;
    l2tp_engine_foreach_tunnel(n->e, first_cb, &t);
    return t;
}

static bool count_cb(void *arg, struct l2tp_tunnel *t)
{
    (void)t;
    (*(unsigned *)arg)++;
    return true;
}

unsigned h_tunnel_count(struct h_node *n)
{
    unsigned c = 0;
    l2tp_engine_foreach_tunnel(n->e, count_cb, &c);
    return c;
}

struct both_up {
    struct h_node *a, *b;
    size_t a0, b0;
};

static bool both_up(void *arg)
{
    struct both_up *u = arg;
    return h_count(u->a, L2TP_EV_TUNNEL_UP) > u->a0 && h_count(u->b, L2TP_EV_TUNNEL_UP) > u->b0;
}

struct l2tp_tunnel *h_open_tunnel(struct h_node *a, struct h_node *b)
{
    struct both_up u = {a, b, h_count(a, L2TP_EV_TUNNEL_UP), h_count(b, L2TP_EV_TUNNEL_UP)};
    struct l2tp_tunnel *t = l2tp_tunnel_open(a->e, h_now, &a->tcfg, &a->addr, &b->addr);
    assert_non_null(t);
    assert_true(h_run_until(60000, both_up, &u));
    return t;
}

size_t h_append_avp(uint8_t *pkt, size_t len, size_t cap, uint16_t m_flag, uint16_t vendor,
                    uint16_t type, const void *val, size_t vlen)
{
    assert_true(len + 6 + vlen <= cap);
    uint16_t fl = (uint16_t)((m_flag ? 0x8000u : 0) | (6 + vlen));
    lx_put_u16(pkt + len, fl);
    lx_put_u16(pkt + len + 2, vendor);
    lx_put_u16(pkt + len + 4, type);
    if (vlen)
        memcpy(pkt + len + 6, val, vlen);
    len += 6 + vlen;
    /* Control header: Length at offset 2. */
    lx_put_u16(pkt + 2, (uint16_t)len);
    return len;
}

int h_msg_type(const uint8_t *pkt, size_t len)
{
    struct l2tp_hdr h;
    if (l2tp_hdr_decode(pkt, len, &h) != L2TP_HDR_OK || !h.is_ctrl || h.payload_len < 8)
        return -1;
    const uint8_t *b = pkt + h.payload_off;
    if (lx_get_u16(b + 2) != 0 || lx_get_u16(b + 4) != 0)
        return -1;
    return lx_get_u16(b + 6);
}
