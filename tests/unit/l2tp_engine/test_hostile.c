/* Engine tests on hostile input: floods of SCCRQs (caps on half-open
 * tunnels per peer and in all), garbage datagrams, messages for unknown
 * tunnels and sessions; a legitimate tunnel keeps working throughout, and
 * nothing grows without bound. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "l2tp/avp.h"
#include "l2tp/header.h"
#include "lib/buf.h"

static int setup(void **state)
{
    (void)state;
    h_reset(777);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    h_free_all();
    return 0;
}

/* A well-formed SCCRQ as a stranger would send it. */
static size_t make_sccrq(uint8_t *pkt, size_t cap, uint16_t assigned_tid, bool tie_breaker)
{
    uint8_t body[512];
    struct l2tp_msg_builder b;
    l2tp_mb_init(&b, body, sizeof(body), L2TP_MSG_SCCRQ);
    l2tp_mb_proto_version(&b, 1, 0);
    l2tp_mb_str(&b, L2TP_AVP_HOST_NAME, "attacker");
    l2tp_mb_u32(&b, L2TP_AVP_FRAMING_CAP, 3);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_TUNNEL_ID, assigned_tid);
    if (tie_breaker)
        l2tp_mb_u64(&b, L2TP_AVP_TIE_BREAKER, 0);
    size_t blen = l2tp_mb_finish(&b);
    assert_true(blen > 0);
    size_t hl = l2tp_hdr_encode_ctrl(pkt, cap, 0, 0, 0, 0, blen);
    assert_int_equal(hl, 12);
    memcpy(pkt + hl, body, blen);
    return hl + blen;
}

struct legit {
    struct h_node *lac, *lns;
    struct l2tp_tunnel *t;
    struct l2tp_session *s_lac, *s_lns;
};

static void legit_setup(struct legit *l)
{
    l->lac = h_add_node("10.0.0.1", 1701);
    l->lns = h_add_node("10.0.0.2", 1701);
    l->lac->tcfg.hello_ms = 10000;
    l->lns->tcfg.hello_ms = 10000;
    l->t = h_open_tunnel(l->lac, l->lns);
    struct l2tp_call_params p;
    memset(&p, 0, sizeof(p));
    l->s_lac = l2tp_session_incoming_call(l->lac->e, h_now, l->t, &p);
    assert_non_null(l->s_lac);
    h_run(500);
    l->s_lns = h_last(l->lns, L2TP_EV_SESSION_UP)->session;
}

/* Data both ways on the legitimate session still works. */
static void legit_check(struct legit *l)
{
    uint64_t a0 = l->lac->data_frames, b0 = l->lns->data_frames;
    uint8_t f[20] = {0xff, 0x03, 0x00, 0x21};
    assert_int_equal(l2tp_session_send_data(l->lac->e, l->s_lac, f, sizeof(f)), 0);
    assert_int_equal(l2tp_session_send_data(l->lns->e, l->s_lns, f, sizeof(f)), 0);
    h_run(100);
    assert_int_equal(l->lac->data_frames, a0 + 1);
    assert_int_equal(l->lns->data_frames, b0 + 1);
    assert_int_equal(h_count(l->lac, L2TP_EV_TUNNEL_DOWN), 0);
    assert_int_equal(h_count(l->lns, L2TP_EV_TUNNEL_DOWN), 0);
}

static void test_sccrq_flood_one_peer(void **state)
{
    (void)state;
    struct legit l;
    legit_setup(&l);
    struct l2tp_engine *e = l.lns->e;
    uint8_t pkt[600];

    /* 5000 SCCRQs from one address, 5000 source ports. */
    for (unsigned i = 0; i < 5000; i++) {
        struct l2tp_addr src;
        h_addr(&src, "192.0.2.66", (uint16_t)(10000 + i));
        size_t n = make_sccrq(pkt, sizeof(pkt), (uint16_t)(i + 1), false);
        l2tp_engine_input(e, h_now, &l.lns->addr, &src, pkt, n);
        if (i % 1000 == 999) {
            h_run(50);
            legit_check(&l);
        }
    }
    struct l2tp_engine_stats st;
    l2tp_engine_get_stats(e, &st);
    assert_int_equal(st.halfopen, l.lns->ecfg.max_halfopen_per_peer);
    assert_int_equal(st.rx_halfopen_refused, 5000 - l.lns->ecfg.max_halfopen_per_peer);
    assert_int_equal(st.tunnels_opened, 1 + l.lns->ecfg.max_halfopen_per_peer);
    assert_true(st.tunnels <= 1 + l.lns->ecfg.max_halfopen_per_peer);
    /* The half-open tunnels retransmit their SCCRP into the void and are
     * freed by the setup timeout / retransmission limit; the legitimate
     * tunnel lives on. */
    for (int i = 0; i < 40; i++) {
        h_run(1000);
        legit_check(&l);
    }
    l2tp_engine_get_stats(e, &st);
    assert_int_equal(st.halfopen, 0);
    assert_int_equal(st.tunnels, 1);
    assert_true(h_unroutable > 0);
    /* After the flood, the attacker's address may open tunnels again, and
     * a legitimate new tunnel can be set up. */
    struct h_node *c = h_add_node("10.0.0.3", 1701);
    h_open_tunnel(c, l.lns);
    legit_check(&l);
}

static void test_sccrq_flood_many_peers(void **state)
{
    (void)state;
    struct legit l;
    legit_setup(&l);
    struct l2tp_engine *e = l.lns->e;
    uint8_t pkt[600];
    for (unsigned i = 0; i < 5000; i++) {
        struct l2tp_addr src;
        char ip[32];
        snprintf(ip, sizeof(ip), "198.51.%u.%u", i / 250, i % 250 + 1);
        h_addr(&src, ip, 1701);
        size_t n = make_sccrq(pkt, sizeof(pkt), (uint16_t)(i + 1), i % 2 == 0);
        l2tp_engine_input(e, h_now, &l.lns->addr, &src, pkt, n);
        if (i % 500 == 499)
            legit_check(&l);
    }
    struct l2tp_engine_stats st;
    l2tp_engine_get_stats(e, &st);
    assert_int_equal(st.halfopen, l.lns->ecfg.max_halfopen);
    assert_int_equal(st.rx_halfopen_refused, 5000 - l.lns->ecfg.max_halfopen);
    /* A legitimate peer is refused while the table is full (that is the
     * cap), but its retransmissions get through once the half-open
     * tunnels expire. */
    struct h_node *c = h_add_node("10.0.0.3", 1701);
    c->tcfg.max_retries = 8;
    c->ecfg.tunnel_setup_timeout_ms = 90000;
    h_recreate(c);
    assert_non_null(l2tp_tunnel_open(c->e, h_now, &c->tcfg, &c->addr, &l.lns->addr));
    for (int i = 0; i < 60; i++) {
        h_run(1000);
        legit_check(&l);
    }
    assert_int_equal(h_count(c, L2TP_EV_TUNNEL_UP), 1);
    l2tp_engine_get_stats(e, &st);
    assert_int_equal(st.halfopen, 0);
    assert_int_equal(st.tunnels, 2);
}

/* max_tunnels: SCCRQs past the limit are dropped without state. */
static void test_tunnel_limit(void **state)
{
    (void)state;
    struct h_node *a = h_add_node("10.0.0.1", 1701);
    struct h_node *b = h_add_node("10.0.0.2", 1701);
    b->ecfg.max_tunnels = 3;
    h_recreate(b);
    for (int i = 0; i < 3; i++)
        h_open_tunnel(a, b);
    assert_non_null(l2tp_tunnel_open(a->e, h_now, &a->tcfg, &a->addr, &b->addr));
    h_run(5000);
    struct l2tp_engine_stats st;
    l2tp_engine_get_stats(b->e, &st);
    assert_int_equal(st.tunnels, 3);
    assert_true(st.rx_tunnel_limit >= 1);
    /* And our own opens respect it too. */
    assert_null(l2tp_tunnel_open(b->e, h_now, &b->tcfg, &b->addr, &a->addr));
}

/* A retransmitted SCCRQ is a duplicate, not a new tunnel. */
static void test_sccrq_duplicate(void **state)
{
    (void)state;
    struct h_node *b = h_add_node("10.0.0.2", 1701);
    uint8_t pkt[600];
    struct l2tp_addr src;
    h_addr(&src, "192.0.2.7", 1701);
    size_t n = make_sccrq(pkt, sizeof(pkt), 1234, false);
    for (int i = 0; i < 5; i++)
        l2tp_engine_input(b->e, h_now, &b->addr, &src, pkt, n);
    struct l2tp_engine_stats st;
    l2tp_engine_get_stats(b->e, &st);
    assert_int_equal(st.tunnels_opened, 1);
    assert_int_equal(st.halfopen, 1);
    /* Same Assigned Tunnel ID from another port: a different tunnel. */
    h_addr(&src, "192.0.2.7", 1702);
    l2tp_engine_input(b->e, h_now, &b->addr, &src, pkt, n);
    l2tp_engine_get_stats(b->e, &st);
    assert_int_equal(st.tunnels_opened, 2);
    h_run(120000);
    l2tp_engine_get_stats(b->e, &st);
    assert_int_equal(st.halfopen, 0);
    assert_true(l2tp_engine_idle(b->e));
}

/* Random datagrams and mutated valid packets: counted and survived. */
static void test_garbage(void **state)
{
    (void)state;
    struct legit l;
    legit_setup(&l);
    struct l2tp_engine *e = l.lns->e;
    struct l2tp_tunnel_info ti;
    l2tp_tunnel_get_info(h_first_tunnel(l.lns), &ti);
    struct l2tp_addr src;
    h_addr(&src, "203.0.113.9", 1701);
    uint8_t pkt[300];
    for (unsigned i = 0; i < 20000; i++) {
        size_t n = h_rand() % sizeof(pkt);
        for (size_t k = 0; k < n; k++)
            pkt[k] = (uint8_t)h_rand();
        if (n >= 2 && i % 3 == 0)
            pkt[1] = (pkt[1] & 0xf0) | 2; /* version 2 */
        if (n >= 6 && i % 5 == 0)
            lx_put_u16(pkt + 4, ti.local_id);
        /* Half from a stranger, half spoofing the legitimate peer. */
        l2tp_engine_input(e, h_now, &l.lns->addr, i % 2 ? &src : &l.lac->addr, pkt, n);
        if (i % 2000 == 0)
            h_run(10);
    }
    /* Mutations of a valid SCCRQ from strangers. */
    size_t n0 = make_sccrq(pkt, sizeof(pkt), 99, true);
    for (unsigned i = 0; i < 20000; i++) {
        uint8_t m[300];
        memcpy(m, pkt, n0);
        unsigned flips = 1 + h_rand() % 4;
        for (unsigned k = 0; k < flips; k++)
            m[12 + h_rand() % (n0 - 12)] ^= (uint8_t)(1u << (h_rand() % 8));
        char ip[32];
        snprintf(ip, sizeof(ip), "203.0.%u.%u", (i / 250) % 250, i % 250 + 1);
        h_addr(&src, ip, 1701);
        l2tp_engine_input(e, h_now, &l.lns->addr, &src, m, n0);
    }
    struct l2tp_engine_stats st;
    l2tp_engine_get_stats(e, &st);
    assert_true(st.rx_bad_header + st.rx_bad_version > 1000);
    assert_true(st.rx_unknown_tunnel > 100);
    assert_true(st.halfopen <= l.lns->ecfg.max_halfopen);
    h_run(200);
    legit_check(&l);
    h_run(120000);
    l2tp_engine_get_stats(e, &st);
    assert_int_equal(st.halfopen, 0);
    legit_check(&l);
}

/* Known header shapes aimed at the dispatcher's branches. */
static void test_unknown_tunnel_and_session(void **state)
{
    (void)state;
    struct legit l;
    legit_setup(&l);
    struct l2tp_engine *e = l.lns->e;
    struct l2tp_tunnel_info ti;
    l2tp_tunnel_get_info(h_first_tunnel(l.lns), &ti);
    uint8_t pkt[64];
    struct l2tp_engine_stats st0, st;
    l2tp_engine_get_stats(e, &st0);

    /* L2F (version 1) and L2TPv3 (version 3): silently discarded. */
    memset(pkt, 0, sizeof(pkt));
    pkt[1] = 1;
    l2tp_engine_input(e, h_now, &l.lns->addr, &l.lac->addr, pkt, 20);
    pkt[1] = 3;
    l2tp_engine_input(e, h_now, &l.lns->addr, &l.lac->addr, pkt, 20);
    l2tp_engine_get_stats(e, &st);
    assert_int_equal(st.rx_bad_version, st0.rx_bad_version + 2);

    /* A ZLB for a tunnel that does not exist. */
    size_t n = l2tp_hdr_encode_ctrl(pkt, sizeof(pkt), (uint16_t)(ti.local_id + 1), 0, 0, 0, 0);
    l2tp_engine_input(e, h_now, &l.lns->addr, &l.lac->addr, pkt, n);
    /* The right tunnel ID from the wrong port. */
    struct l2tp_addr other;
    h_addr(&other, "10.0.0.1", 1702);
    n = l2tp_hdr_encode_ctrl(pkt, sizeof(pkt), ti.local_id, 0, 5, 5, 0);
    l2tp_engine_input(e, h_now, &l.lns->addr, &other, pkt, n);
    /* Data for a tunnel that does not exist. */
    struct l2tp_data_hdr_opts o = {0};
    n = l2tp_hdr_encode_data(pkt, sizeof(pkt), (uint16_t)(ti.local_id + 1), 1, &o, 2);
    l2tp_engine_input(e, h_now, &l.lns->addr, &l.lac->addr, pkt, n + 2);
    /* A ZLB to tunnel 0. */
    n = l2tp_hdr_encode_ctrl(pkt, sizeof(pkt), 0, 0, 0, 0, 0);
    l2tp_engine_input(e, h_now, &l.lns->addr, &l.lac->addr, pkt, n);
    l2tp_engine_get_stats(e, &st);
    assert_int_equal(st.rx_unknown_tunnel, st0.rx_unknown_tunnel + 4);
    assert_int_equal(st.tunnels, 1);
    legit_check(&l);
}

/* A Hello (or anything but SCCRQ) to tunnel 0 makes no state. */
static void test_non_sccrq_tunnel_zero(void **state)
{
    (void)state;
    struct h_node *b = h_add_node("10.0.0.2", 1701);
    uint8_t body[64], pkt[128];
    struct l2tp_msg_builder mb;
    l2tp_mb_init(&mb, body, sizeof(body), L2TP_MSG_HELLO);
    size_t blen = l2tp_mb_finish(&mb);
    size_t hl = l2tp_hdr_encode_ctrl(pkt, sizeof(pkt), 0, 0, 0, 0, blen);
    memcpy(pkt + hl, body, blen);
    struct l2tp_addr src;
    h_addr(&src, "192.0.2.1", 1701);
    l2tp_engine_input(b->e, h_now, &b->addr, &src, pkt, hl + blen);
    /* An SCCRQ without Assigned Tunnel ID cannot be answered. */
    l2tp_mb_init(&mb, body, sizeof(body), L2TP_MSG_SCCRQ);
    l2tp_mb_proto_version(&mb, 1, 0);
    l2tp_mb_str(&mb, L2TP_AVP_HOST_NAME, "x");
    l2tp_mb_u32(&mb, L2TP_AVP_FRAMING_CAP, 3);
    blen = l2tp_mb_finish(&mb);
    hl = l2tp_hdr_encode_ctrl(pkt, sizeof(pkt), 0, 0, 0, 0, blen);
    memcpy(pkt + hl, body, blen);
    l2tp_engine_input(b->e, h_now, &b->addr, &src, pkt, hl + blen);
    struct l2tp_engine_stats st;
    l2tp_engine_get_stats(b->e, &st);
    assert_int_equal(st.tunnels_opened, 0);
    assert_int_equal(st.rx_unknown_tunnel, 1);
    assert_int_equal(st.rx_bad_avp, 1);
    assert_int_equal(l2tp_engine_next_timeout(b->e), LX_MS_NEVER);
}

/* An SCCRQ with an unknown mandatory AVP: StopCCN 2 / error 8 (§4.2). */
static void test_sccrq_unknown_mandatory(void **state)
{
    (void)state;
    struct h_node *b = h_add_node("10.0.0.2", 1701);
    struct h_node *spy = h_add_node("192.0.2.5", 1701); /* receives b's answer */
    (void)spy;
    uint8_t pkt[600];
    size_t n = make_sccrq(pkt, sizeof(pkt), 55, false);
    uint8_t v[2] = {0, 0};
    n = h_append_avp(pkt, n, sizeof(pkt), 1, 31337, 1, v, 2);
    struct l2tp_addr src;
    h_addr(&src, "192.0.2.5", 1701);
    /* Capture b's reply through spy's engine: it arrives for spy's tunnel
     * 55 which does not exist, so just count what b sent. */
    uint64_t tx0 = b->tx_pkts;
    l2tp_engine_input(b->e, h_now, &b->addr, &src, pkt, n);
    assert_int_equal(b->tx_pkts, tx0 + 1);
    struct l2tp_engine_stats st;
    l2tp_engine_get_stats(b->e, &st);
    assert_int_equal(st.rx_bad_avp, 1);
    assert_int_equal(h_count(b, L2TP_EV_TUNNEL_DOWN), 0);
    h_run(60000);
    assert_true(l2tp_engine_idle(b->e));
    assert_int_equal(l2tp_engine_next_timeout(b->e), LX_MS_NEVER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sccrq_flood_one_peer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sccrq_flood_many_peers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tunnel_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sccrq_duplicate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_tunnel_and_session, setup, teardown),
        cmocka_unit_test_setup_teardown(test_non_sccrq_tunnel_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sccrq_unknown_mandatory, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
