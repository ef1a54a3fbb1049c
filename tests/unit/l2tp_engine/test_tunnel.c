/* Engine tests: control connection establishment and teardown (RFC 2661
 * §7.2), tunnel authentication (§4.4.3, §5.1.1), the tie breaker, hidden
 * AVPs, StopCCN (§5.7), shutdown, peer death and setup timeouts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "l2tp/avp.h"
#include "l2tp/header.h"
#include "lib/buf.h"
#include "lib/rand.h"

static int setup(void **state)
{
    (void)state;
    h_reset(12345);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    h_free_all();
    return 0;
}

static void set_secret(struct h_node *n, const char *s, bool required)
{
    n->tcfg.secret_len = strlen(s);
    memcpy(n->tcfg.secret, s, n->tcfg.secret_len);
    n->tcfg.auth_required = required;
}

static bool engine_idle_cond(void *arg)
{
    return l2tp_engine_idle(((struct h_node *)arg)->e);
}

static void check_pair(struct h_node *a, struct l2tp_tunnel *ta, struct h_node *b)
{
    struct l2tp_tunnel *tb = h_first_tunnel(b);
    assert_non_null(tb);
    struct l2tp_tunnel_info ia, ib;
    l2tp_tunnel_get_info(ta, &ia);
    l2tp_tunnel_get_info(tb, &ib);
    assert_int_equal(ia.state, L2TP_TUNNEL_ESTABLISHED);
    assert_int_equal(ib.state, L2TP_TUNNEL_ESTABLISHED);
    assert_int_equal(ia.peer_id, ib.local_id);
    assert_int_equal(ib.peer_id, ia.local_id);
    assert_int_not_equal(ia.local_id, 0);
    assert_int_not_equal(ib.local_id, 0);
    assert_string_equal(ia.peer_host_name, b->tcfg.host_name);
    assert_string_equal(ib.peer_host_name, a->tcfg.host_name);
    assert_true(ia.initiator);
    assert_false(ib.initiator);
    assert_int_equal(ia.peer_rws, 16);
    assert_int_equal(ia.peer_framing_cap, L2TP_FRAMING_SYNC | L2TP_FRAMING_ASYNC);
}

static void test_establish(void **state)
{
    (void)state;
    struct h_node *a = h_add_node("10.0.0.1", 1701);
    struct h_node *b = h_add_node("10.0.0.2", 1701);
    struct l2tp_tunnel *t = h_open_tunnel(a, b);
    check_pair(a, t, b);
    struct l2tp_tunnel_info ia;
    l2tp_tunnel_get_info(t, &ia);
    assert_false(ia.authenticated);
    assert_ptr_equal(l2tp_engine_find_tunnel(a->e, ia.local_id), t);
    struct l2tp_engine_stats st;
    l2tp_engine_get_stats(b->e, &st);
    assert_int_equal(st.tunnels, 1);
    assert_int_equal(st.halfopen, 0);
    assert_int_equal(st.tunnels_opened, 1);
}

/* Both directions, over IPv6, the responder answering from another port
 * (RFC 2661 §8.1). */
static void test_establish_reverse_v6(void **state)
{
    (void)state;
    struct h_node *a = h_add_node("2001:db8::1", 1701);
    struct h_node *b = h_add_node("2001:db8::2", 40000);
    struct l2tp_addr dst;
    h_addr(&dst, "2001:db8::2", 1701); /* b answers from 40000 */
    struct l2tp_tunnel *t = l2tp_tunnel_open(a->e, h_now, &a->tcfg, &a->addr, &dst);
    assert_non_null(t);
    h_run(2000);
    assert_int_equal(h_count(a, L2TP_EV_TUNNEL_UP), 1);
    assert_int_equal(h_count(b, L2TP_EV_TUNNEL_UP), 1);
    struct l2tp_tunnel_info ia;
    l2tp_tunnel_get_info(t, &ia);
    char buf[64];
    assert_string_equal(l2tp_addr_str(&ia.peer, buf, sizeof(buf)), "[2001:db8::2]:40000");

    /* And the other way round. */
    struct l2tp_tunnel *t2 = h_open_tunnel(b, a);
    assert_non_null(t2);
    assert_int_equal(h_tunnel_count(a), 2);
    assert_int_equal(h_tunnel_count(b), 2);
}

static void test_establish_lossy(void **state)
{
    (void)state;
    struct h_node *a = h_add_node("10.0.0.1", 1701);
    struct h_node *b = h_add_node("10.0.0.2", 1701);
    a->tcfg.max_retries = 10;
    b->tcfg.max_retries = 10;
    h_link.drop_pct = 30;
    h_link.dup_pct = 20;
    h_link.jitter_ms = 80;
    unsigned up = 0;
    for (int i = 0; i < 10; i++) {
        struct l2tp_tunnel *t = l2tp_tunnel_open(a->e, h_now, &a->tcfg, &a->addr, &b->addr);
        assert_non_null(t);
        h_run(60000);
    }
    up = (unsigned)h_count(a, L2TP_EV_TUNNEL_UP);
    assert_int_equal(up, 10);
    assert_int_equal(h_count(b, L2TP_EV_TUNNEL_UP), 10);
    assert_int_equal(h_count(a, L2TP_EV_TUNNEL_DOWN), 0);
    assert_int_equal(h_tunnel_count(a), 10);
    assert_int_equal(h_tunnel_count(b), 10);
    struct l2tp_engine_stats st;
    l2tp_engine_get_stats(b->e, &st);
    assert_int_equal(st.tunnels_opened, 10); /* duplicated SCCRQs made no extra tunnel */
}

static void test_auth_good(void **state)
{
    (void)state;
    struct h_node *a = h_add_node("10.0.0.1", 1701);
    struct h_node *b = h_add_node("10.0.0.2", 1701);
    set_secret(a, "correct horse", true);
    set_secret(b, "correct horse", true);
    struct l2tp_tunnel *t = h_open_tunnel(a, b);
    check_pair(a, t, b);
    struct l2tp_tunnel_info ia, ib;
    l2tp_tunnel_get_info(t, &ia);
    l2tp_tunnel_get_info(h_first_tunnel(b), &ib);
    assert_true(ia.authenticated);
    assert_true(ib.authenticated);
}

/* Only one side requires authentication; the other answers. */
static void test_auth_one_way(void **state)
{
    (void)state;
    struct h_node *a = h_add_node("10.0.0.1", 1701);
    struct h_node *b = h_add_node("10.0.0.2", 1701);
    set_secret(a, "s", false);
    set_secret(b, "s", true);
    struct l2tp_tunnel *t1 = h_open_tunnel(a, b);
    struct l2tp_tunnel *t2 = h_open_tunnel(b, a);
    assert_int_equal(h_count(a, L2TP_EV_TUNNEL_DOWN), 0);
    struct l2tp_tunnel_info i1, i2;
    l2tp_tunnel_get_info(t1, &i1);
    l2tp_tunnel_get_info(t2, &i2);
    assert_true(i1.authenticated); /* a answered b's challenge in SCCCN */
    assert_true(i2.authenticated); /* b checked a's response in SCCRP */
}

static void expect_auth_failure(struct h_node *a, struct h_node *b)
{
    struct l2tp_tunnel *t = l2tp_tunnel_open(a->e, h_now, &a->tcfg, &a->addr, &b->addr);
    assert_non_null(t);
    h_run(60000);
    /* Both sides down, StopCCN Result Code 4 (not authorized) seen. */
    const struct h_event *da = h_last(a, L2TP_EV_TUNNEL_DOWN);
    const struct h_event *db = h_last(b, L2TP_EV_TUNNEL_DOWN);
    assert_non_null(da);
    assert_int_equal(da->result_code, L2TP_STOPCCN_NOT_AUTHORIZED);
    if (db)
        assert_int_equal(db->result_code, L2TP_STOPCCN_NOT_AUTHORIZED);
    assert_int_equal(h_tunnel_count(a), 0);
    assert_int_equal(h_tunnel_count(b), 0);
    assert_true(l2tp_engine_idle(a->e));
    assert_true(l2tp_engine_idle(b->e));
}

/* The initiator checks the responder's Challenge Response in SCCRP. */
static void test_auth_wrong_secret_responder(void **state)
{
    (void)state;
    struct h_node *a = h_add_node("10.0.0.1", 1701);
    struct h_node *b = h_add_node("10.0.0.2", 1701);
    set_secret(a, "right", true);
    set_secret(b, "wrong", false);
    expect_auth_failure(a, b);
    const struct h_event *da = h_last(a, L2TP_EV_TUNNEL_DOWN);
    assert_true(da->local);
    /* b never had the tunnel up: no events there. */
    assert_int_equal(h_count(b, L2TP_EV_TUNNEL_DOWN), 0);
    assert_int_equal(h_count(b, L2TP_EV_TUNNEL_UP), 0);
    assert_int_equal(h_count(a, L2TP_EV_TUNNEL_UP), 0);
    struct l2tp_engine_stats st;
    l2tp_engine_get_stats(a->e, &st);
    assert_int_equal(st.rx_auth_failed, 1);
}

/* The responder checks the initiator's Challenge Response in SCCCN. */
static void test_auth_wrong_secret_initiator(void **state)
{
    (void)state;
    struct h_node *a = h_add_node("10.0.0.1", 1701);
    struct h_node *b = h_add_node("10.0.0.2", 1701);
    set_secret(a, "wrong", false);
    set_secret(b, "right", true);
    expect_auth_failure(a, b);
    const struct h_event *da = h_last(a, L2TP_EV_TUNNEL_DOWN);
    assert_false(da->local);
    assert_int_equal(h_count(a, L2TP_EV_TUNNEL_UP), 1); /* a got SCCRP, then StopCCN */
    assert_int_equal(h_count(b, L2TP_EV_TUNNEL_DOWN), 0);
    assert_int_equal(h_count(b, L2TP_EV_TUNNEL_UP), 0);
    struct l2tp_engine_stats st;
    l2tp_engine_get_stats(b->e, &st);
    assert_int_equal(st.rx_auth_failed, 1);
}

/* Both require, secrets differ: whoever checks first tears down. */
static void test_auth_wrong_secret_both(void **state)
{
    (void)state;
    struct h_node *a = h_add_node("10.0.0.1", 1701);
    struct h_node *b = h_add_node("10.0.0.2", 1701);
    set_secret(a, "one", true);
    set_secret(b, "two", true);
    expect_auth_failure(a, b);
}

/* A response without any challenge sent, and a missing response. */
static size_t strip_response(struct h_node *from, uint8_t *pkt, size_t len, size_t cap)
{
    (void)from;
    (void)cap;
    if (h_msg_type(pkt, len) != L2TP_MSG_SCCRP)
        return len;
    /* Walk the AVPs and cut the Challenge Response out. */
    size_t off = 12;
    while (off + 6 <= len) {
        size_t alen = lx_get_u16(pkt + off) & 0x3ff;
        if (lx_get_u16(pkt + off + 2) == 0 && lx_get_u16(pkt + off + 4) == 13) {
            memmove(pkt + off, pkt + off + alen, len - off - alen);
            len -= alen;
            lx_put_u16(pkt + 2, (uint16_t)len);
            return len;
        }
        off += alen;
    }
    return len;
}

static void test_auth_missing_response(void **state)
{
    (void)state;
    struct h_node *a = h_add_node("10.0.0.1", 1701);
    struct h_node *b = h_add_node("10.0.0.2", 1701);
    set_secret(a, "same", true);
    set_secret(b, "same", false);
    b->mangle = strip_response;
    expect_auth_failure(a, b);
}

/* The peer challenges us and we have no secret: StopCCN 4. */
static void test_challenged_without_secret(void **state)
{
    (void)state;
    struct h_node *a = h_add_node("10.0.0.1", 1701);
    struct h_node *b = h_add_node("10.0.0.2", 1701);
    set_secret(a, "secret", true);
    /* b has no secret */
    expect_auth_failure(a, b);
    const struct h_event *da = h_last(a, L2TP_EV_TUNNEL_DOWN);
    assert_false(da->local); /* b sent the StopCCN */

    /* Other direction: b challenges in SCCRP, a has no secret. */
    h_reset(7);
    a = h_add_node("10.0.0.1", 1701);
    b = h_add_node("10.0.0.2", 1701);
    set_secret(b, "secret", true);
    expect_auth_failure(a, b);
    da = h_last(a, L2TP_EV_TUNNEL_DOWN);
    assert_true(da->local);
}

static void test_refused_by_accept(void **state)
{
    (void)state;
    struct h_node *a = h_add_node("10.0.0.1", 1701);
    struct h_node *b = h_add_node("10.0.0.2", 1701);
    b->refuse_tunnels = true;
    expect_auth_failure(a, b);
    assert_int_equal(h_count(b, L2TP_EV_TUNNEL_DOWN), 0); /* b never showed it */
}

static size_t drop_all_but_sccrq(struct h_node *from, uint8_t *pkt, size_t len, size_t cap)
{
    (void)from;
    (void)cap;
    return h_msg_type(pkt, len) == L2TP_MSG_SCCRQ ? len : 0;
}

/* §5.7 / §6.4: the refusal StopCCN carries our Assigned Tunnel ID; the
 * initiator learns it, so its ZLB reaches the refused slot (not tunnel 0),
 * which goes at once. Refused slots are never live tunnels: they do not
 * count and do not hold up a shutdown. */
static void test_refused_acked_not_live(void **state)
{
    (void)state;
    struct h_node *a = h_add_node("10.0.0.1", 1701);
    struct h_node *b = h_add_node("10.0.0.2", 1701);
    struct h_node *c = h_add_node("10.0.0.3", 1701);
    h_open_tunnel(c, b); /* one real tunnel on b */
    b->refuse_tunnels = true;
    struct l2tp_engine_stats st0, st;
    l2tp_engine_get_stats(b->e, &st0);
    for (int i = 0; i < 3; i++)
        assert_non_null(l2tp_tunnel_open(a->e, h_now, &a->tcfg, &a->addr, &b->addr));
    h_run(15); /* SCCRQs in, StopCCNs out, not yet acknowledged */
    l2tp_engine_get_stats(b->e, &st);
    assert_int_equal(st.tunnels, 1);
    assert_int_equal(h_tunnel_count(b), 1);
    h_run(200);
    assert_int_equal(h_count(a, L2TP_EV_TUNNEL_DOWN), 3);
    assert_int_equal(h_last(a, L2TP_EV_TUNNEL_DOWN)->result_code, L2TP_STOPCCN_NOT_AUTHORIZED);
    l2tp_engine_get_stats(b->e, &st);
    assert_int_equal(st.rx_unknown_tunnel, st0.rx_unknown_tunnel); /* no ZLB to tunnel 0 */
    assert_int_equal(st.rx_auth_failed, st0.rx_auth_failed + 3);
    assert_int_equal(st.tunnels, 1);
    assert_int_equal(st.halfopen, 0); /* acknowledged: the slots are gone */
    assert_int_equal(st.tunnels_closed, st0.tunnels_closed + 3);

    /* A refusal whose acknowledgement never comes does not delay a
     * shutdown: the engine is idle once c's tunnel is done. */
    a->mangle = drop_all_but_sccrq;
    assert_non_null(l2tp_tunnel_open(a->e, h_now, &a->tcfg, &a->addr, &b->addr));
    h_run(15);
    l2tp_engine_get_stats(b->e, &st);
    assert_int_equal(st.halfopen, 1);
    assert_int_equal(st.tunnels, 1);
    l2tp_engine_shutdown(b->e, h_now);
    assert_false(l2tp_engine_idle(b->e)); /* c's tunnel */
    assert_true(h_run_until(100, engine_idle_cond, b));
    assert_int_equal(h_count(c, L2TP_EV_TUNNEL_DOWN), 1);
    l2tp_engine_get_stats(b->e, &st);
    assert_int_equal(st.halfopen, 1); /* still retransmitting its StopCCN */
    h_run(60000);
    l2tp_engine_get_stats(b->e, &st);
    assert_int_equal(st.halfopen, 0);
    assert_int_equal(l2tp_engine_next_timeout(b->e), LX_MS_NEVER);
}

static void test_tie_breaker(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        h_reset(seed);
        struct h_node *a = h_add_node("10.0.0.1", 1701);
        struct h_node *b = h_add_node("10.0.0.2", 1701);
        struct l2tp_tunnel *ta = l2tp_tunnel_open(a->e, h_now, &a->tcfg, &a->addr, &b->addr);
        struct l2tp_tunnel *tb = l2tp_tunnel_open(b->e, h_now, &b->tcfg, &b->addr, &a->addr);
        assert_non_null(ta);
        assert_non_null(tb);
        h_run(60000);
        /* Exactly one tunnel survives, the same one on both sides, and
         * each user's handle is still valid. */
        assert_int_equal(h_tunnel_count(a), 1);
        assert_int_equal(h_tunnel_count(b), 1);
        assert_ptr_equal(h_first_tunnel(a), ta);
        assert_ptr_equal(h_first_tunnel(b), tb);
        struct l2tp_tunnel_info ia, ib;
        l2tp_tunnel_get_info(ta, &ia);
        l2tp_tunnel_get_info(tb, &ib);
        assert_int_equal(ia.state, L2TP_TUNNEL_ESTABLISHED);
        assert_int_equal(ib.state, L2TP_TUNNEL_ESTABLISHED);
        assert_int_equal(ia.peer_id, ib.local_id);
        assert_int_equal(ib.peer_id, ia.local_id);
        assert_true(ia.initiator != ib.initiator);
        assert_int_equal(h_count(a, L2TP_EV_TUNNEL_UP), 1);
        assert_int_equal(h_count(b, L2TP_EV_TUNNEL_UP), 1);
        assert_int_equal(h_count(a, L2TP_EV_TUNNEL_DOWN), 0);
        assert_int_equal(h_count(b, L2TP_EV_TUNNEL_DOWN), 0);
    }
}

/* A call placed on the losing side before the collision survives it. */
static void test_tie_breaker_waiting_call(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 10; seed++) {
        h_reset(seed * 7919);
        struct h_node *a = h_add_node("10.0.0.1", 1701);
        struct h_node *b = h_add_node("10.0.0.2", 1701);
        struct l2tp_tunnel *ta = l2tp_tunnel_open(a->e, h_now, &a->tcfg, &a->addr, &b->addr);
        struct l2tp_tunnel *tb = l2tp_tunnel_open(b->e, h_now, &b->tcfg, &b->addr, &a->addr);
        struct l2tp_call_params p;
        memset(&p, 0, sizeof(p));
        p.call_serial = 1;
        assert_non_null(l2tp_session_incoming_call(a->e, h_now, ta, &p));
        assert_non_null(l2tp_session_incoming_call(b->e, h_now, tb, &p));
        h_run(10000);
        assert_int_equal(h_count(a, L2TP_EV_SESSION_UP), 2);
        assert_int_equal(h_count(b, L2TP_EV_SESSION_UP), 2);
    }
}

static void test_stopccn_both_ways(void **state)
{
    (void)state;
    for (int dir = 0; dir < 2; dir++) {
        h_reset(99 + dir);
        struct h_node *a = h_add_node("10.0.0.1", 1701);
        struct h_node *b = h_add_node("10.0.0.2", 1701);
        struct l2tp_tunnel *ta = h_open_tunnel(a, b);
        struct l2tp_call_params p;
        memset(&p, 0, sizeof(p));
        for (int i = 0; i < 5; i++)
            assert_non_null(l2tp_session_incoming_call(a->e, h_now, ta, &p));
        h_run(2000);
        assert_int_equal(h_count(a, L2TP_EV_SESSION_UP), 5);
        assert_int_equal(h_count(b, L2TP_EV_SESSION_UP), 5);

        struct h_node *closer = dir == 0 ? a : b;
        struct h_node *other = dir == 0 ? b : a;
        struct l2tp_tunnel *tc = dir == 0 ? ta : h_first_tunnel(b);
        l2tp_tunnel_close(closer->e, h_now, tc, L2TP_STOPCCN_GENERAL_CLEAR, 0, "bye");
        /* Sessions go at once on the closing side, without CDN. */
        assert_int_equal(h_count(closer, L2TP_EV_SESSION_DOWN), 5);
        h_run(1000);
        assert_int_equal(h_count(other, L2TP_EV_SESSION_DOWN), 5);
        const struct h_event *d = h_last(other, L2TP_EV_TUNNEL_DOWN);
        assert_non_null(d);
        assert_false(d->local);
        assert_int_equal(d->result_code, L2TP_STOPCCN_GENERAL_CLEAR);
        assert_string_equal(d->message, "bye");
        d = h_last(closer, L2TP_EV_TUNNEL_DOWN);
        assert_non_null(d);
        assert_true(d->local);
        assert_int_equal(d->result_code, L2TP_STOPCCN_GENERAL_CLEAR);
        assert_int_equal(h_tunnel_count(a), 0);
        assert_int_equal(h_tunnel_count(b), 0);
        assert_true(l2tp_engine_idle(a->e));
        assert_true(l2tp_engine_idle(b->e));
        /* The receiver keeps state a full retransmission cycle (§5.7),
         * then nothing is left. */
        h_run(40000);
        assert_int_equal(l2tp_engine_next_timeout(a->e), LX_MS_NEVER);
        assert_int_equal(l2tp_engine_next_timeout(b->e), LX_MS_NEVER);
    }
}

/* A LAC hangs up and dials again at once, and its new random Assigned
 * Tunnel ID happens to equal the old one, which the LNS still holds while it
 * lingers to acknowledge StopCCN retransmissions (§5.7). The new SCCRQ must
 * open a new tunnel, not be taken for a duplicate of the old tunnel's. */
static uint16_t forced_tid;
static int forced_left;
static void forced_rand(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    if (forced_left > 0 && len == sizeof(uint16_t)) {
        memcpy(buf, &forced_tid, sizeof(forced_tid));
        forced_left--;
        return;
    }
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)h_rand();
}

static void test_redial_same_tunnel_id_while_lingering(void **state)
{
    (void)state;
    h_reset(4242);
    struct h_node *lac = h_add_node("10.0.0.1", 1701);
    struct h_node *lns = h_add_node("10.0.0.2", 1701);
    struct l2tp_tunnel *t = h_open_tunnel(lac, lns);
    struct l2tp_tunnel_info ti;
    l2tp_tunnel_get_info(t, &ti);
    uint16_t old_id = ti.local_id;
    l2tp_tunnel_close(lac->e, h_now, t, L2TP_STOPCCN_GENERAL_CLEAR, 0, "redial");
    h_run(1000);
    assert_int_equal(h_tunnel_count(lns), 0);
    assert_int_not_equal(l2tp_engine_next_timeout(lns->e), LX_MS_NEVER); /* still lingering */

    forced_tid = old_id;
    forced_left = 1;
    lx_random_set_source(forced_rand, NULL);
    t = h_open_tunnel(lac, lns);
    assert_non_null(t);
    l2tp_tunnel_get_info(t, &ti);
    assert_int_equal(ti.local_id, old_id); /* the collision really happened */
    assert_int_equal(h_tunnel_count(lns), 1);
    struct l2tp_call_params p;
    memset(&p, 0, sizeof(p));
    assert_non_null(l2tp_session_incoming_call(lac->e, h_now, t, &p));
    h_run(2000);
    assert_int_equal(h_count(lns, L2TP_EV_SESSION_UP), 1);
}

/* The ZLB for a StopCCN is lost: the retransmitted StopCCN is still
 * acknowledged by the lingering state, and the closer finishes. */
static int drop_zlb_count;
static size_t drop_first_zlbs(struct h_node *from, uint8_t *pkt, size_t len, size_t cap)
{
    (void)from;
    (void)cap;
    struct l2tp_hdr h;
    if (l2tp_hdr_decode(pkt, len, &h) == L2TP_HDR_OK && h.is_ctrl && h.payload_len == 0 &&
        drop_zlb_count > 0) {
        drop_zlb_count--;
        return 0;
    }
    return len;
}

static void test_stopccn_lost_ack(void **state)
{
    (void)state;
    struct h_node *a = h_add_node("10.0.0.1", 1701);
    struct h_node *b = h_add_node("10.0.0.2", 1701);
    struct l2tp_tunnel *ta = h_open_tunnel(a, b);
    h_run(1000);
    drop_zlb_count = 2;
    b->mangle = drop_first_zlbs;
    l2tp_tunnel_close(a->e, h_now, ta, L2TP_STOPCCN_GENERAL_CLEAR, 0, NULL);
    h_run(200);
    assert_int_equal(h_count(b, L2TP_EV_TUNNEL_DOWN), 1);
    assert_int_equal(h_count(a, L2TP_EV_TUNNEL_DOWN), 0); /* still waiting for the ack */
    h_run(10000);
    assert_int_equal(h_count(a, L2TP_EV_TUNNEL_DOWN), 1);
    assert_int_equal(h_count(b, L2TP_EV_TUNNEL_DOWN), 1);
    assert_true(h_last(a, L2TP_EV_TUNNEL_DOWN)->local);
}

static void test_shutdown_idle(void **state)
{
    (void)state;
    struct h_node *a = h_add_node("10.0.0.1", 1701);
    struct h_node *b = h_add_node("10.0.0.2", 1701);
    struct h_node *c = h_add_node("10.0.0.3", 1701);
    h_open_tunnel(a, b);
    h_open_tunnel(c, b);
    h_open_tunnel(b, c);
    struct l2tp_call_params p;
    memset(&p, 0, sizeof(p));
    assert_non_null(l2tp_session_incoming_call(a->e, h_now, h_first_tunnel(a), &p));
    h_run(1000);
    assert_false(l2tp_engine_idle(b->e));
    l2tp_engine_shutdown(b->e, h_now);
    /* No new tunnels while shutting down. */
    assert_null(l2tp_tunnel_open(b->e, h_now, &b->tcfg, &b->addr, &a->addr));
    h_run(5000);
    assert_true(l2tp_engine_idle(b->e));
    assert_int_equal(h_count(b, L2TP_EV_TUNNEL_DOWN), 3);
    const struct h_event *d = h_last(a, L2TP_EV_TUNNEL_DOWN);
    assert_non_null(d);
    assert_int_equal(d->result_code, L2TP_STOPCCN_SHUTTING_DOWN);
    assert_int_equal(h_count(c, L2TP_EV_TUNNEL_DOWN), 2);
    assert_int_equal(h_count(a, L2TP_EV_SESSION_DOWN), 1);
    /* An SCCRQ is no longer answered. */
    assert_non_null(l2tp_tunnel_open(a->e, h_now, &a->tcfg, &a->addr, &b->addr));
    h_run(60000);
    assert_true(l2tp_engine_idle(b->e));
    assert_int_equal(h_count(a, L2TP_EV_TUNNEL_UP), 1);
}

/* Shutdown while the peer is unreachable: given up on after retries. */
static void test_shutdown_peer_gone(void **state)
{
    (void)state;
    struct h_node *a = h_add_node("10.0.0.1", 1701);
    struct h_node *b = h_add_node("10.0.0.2", 1701);
    h_open_tunnel(a, b);
    h_link.down = true;
    l2tp_engine_shutdown(a->e, h_now);
    h_run(120000);
    assert_true(l2tp_engine_idle(a->e));
    assert_int_equal(h_count(a, L2TP_EV_TUNNEL_DOWN), 1);
}

/* §5.7 over a lossy link: the first StopCCN of a shutdown is lost. The
 * engine is not idle until the retransmission is acknowledged, and
 * TUNNEL_DOWN comes with the acknowledgement, as engine.h says. */
static int drop_stopccn_count;
static size_t drop_first_stopccns(struct h_node *from, uint8_t *pkt, size_t len, size_t cap)
{
    (void)from;
    (void)cap;
    if (h_msg_type(pkt, len) == L2TP_MSG_STOPCCN && drop_stopccn_count > 0) {
        drop_stopccn_count--;
        return 0;
    }
    return len;
}

static void test_shutdown_stopccn_lost(void **state)
{
    (void)state;
    struct h_node *a = h_add_node("10.0.0.1", 1701);
    struct h_node *b = h_add_node("10.0.0.2", 1701);
    h_open_tunnel(a, b);
    h_run(1000);
    drop_stopccn_count = 1;
    a->mangle = drop_first_stopccns;
    lx_ms_t t0 = h_now;
    l2tp_engine_shutdown(a->e, h_now);
    assert_false(l2tp_engine_idle(a->e));
    assert_int_equal(h_count(a, L2TP_EV_TUNNEL_DOWN), 0);
    /* Less than one RTO (1 s): nothing has reached b yet. */
    h_run(900);
    assert_int_equal(drop_stopccn_count, 0);
    assert_false(l2tp_engine_idle(a->e));
    assert_int_equal(h_count(a, L2TP_EV_TUNNEL_DOWN), 0);
    assert_int_equal(h_count(b, L2TP_EV_TUNNEL_DOWN), 0);
    /* The retransmission gets through and is acknowledged. */
    assert_true(h_run_until(5000, engine_idle_cond, a));
    lx_ms_t took = h_now - t0;
    assert_true(took >= 1000 && took < 2000);
    assert_int_equal(h_count(b, L2TP_EV_TUNNEL_DOWN), 1);
    assert_int_equal(h_last(b, L2TP_EV_TUNNEL_DOWN)->result_code, L2TP_STOPCCN_SHUTTING_DOWN);
    /* TUNNEL_DOWN on the closer: with the acknowledgement, not before. */
    assert_int_equal(h_count(a, L2TP_EV_TUNNEL_DOWN), 1);
    assert_true(h_last(a, L2TP_EV_TUNNEL_DOWN)->local);
    struct l2tp_engine_stats st;
    l2tp_engine_get_stats(a->e, &st);
    assert_int_equal(st.tunnels, 0);
    /* The receiver lingers to ack retransmissions (§5.7) but that does
     * not make it busy: it is idle. */
    assert_true(l2tp_engine_idle(b->e));
    assert_int_not_equal(l2tp_engine_next_timeout(b->e), LX_MS_NEVER);
    h_run(40000);
    assert_int_equal(l2tp_engine_next_timeout(b->e), LX_MS_NEVER);
}

/* While our StopCCN is in flight the tunnel's sessions are gone already
 * and TUNNEL_DOWN has not come; a peer that never answers is given up on
 * after the retransmission cycle, and only then is the engine idle. */
static void test_close_idle_timing(void **state)
{
    (void)state;
    struct h_node *a = h_add_node("10.0.0.1", 1701);
    struct h_node *b = h_add_node("10.0.0.2", 1701);
    struct l2tp_tunnel *ta = h_open_tunnel(a, b);
    struct l2tp_call_params p;
    memset(&p, 0, sizeof(p));
    assert_non_null(l2tp_session_incoming_call(a->e, h_now, ta, &p));
    h_run(1000);
    h_link.down = true;
    lx_ms_t t0 = h_now;
    l2tp_tunnel_close(a->e, h_now, ta, L2TP_STOPCCN_GENERAL_CLEAR, 0, NULL);
    assert_int_equal(h_count(a, L2TP_EV_SESSION_DOWN), 1);
    assert_int_equal(h_count(a, L2TP_EV_TUNNEL_DOWN), 0);
    assert_false(l2tp_engine_idle(a->e));
    h_run(10000);
    assert_false(l2tp_engine_idle(a->e));
    assert_int_equal(h_count(a, L2TP_EV_TUNNEL_DOWN), 0);
    assert_true(h_run_until(60000, engine_idle_cond, a));
    assert_int_equal(h_count(a, L2TP_EV_TUNNEL_DOWN), 1);
    /* One full retransmission cycle (§5.7, 31 s with the defaults). */
    assert_true(h_now - t0 >= 30000);
}

/* Shutdown over a lossy link, many seeds: when the engine says idle,
 * every peer has had the StopCCN (retries are plenty to get through). */
static void test_shutdown_lossy(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 30; seed++) {
        h_reset(seed * 31337);
        struct h_node *b = h_add_node("10.0.0.2", 1701);
        struct h_node *p[3] = {h_add_node("10.0.0.1", 1701), h_add_node("10.0.0.3", 1701),
                               h_add_node("10.0.0.4", 1701)};
        b->tcfg.max_retries = 12;
        for (int i = 0; i < 3; i++) {
            p[i]->tcfg.max_retries = 12;
            if (i == 1)
                h_open_tunnel(b, p[i]);
            else
                h_open_tunnel(p[i], b);
        }
        h_run(1000);
        h_link.drop_pct = 35;
        h_link.dup_pct = 10;
        h_link.jitter_ms = 30;
        l2tp_engine_shutdown(b->e, h_now);
        assert_true(h_run_until(600000, engine_idle_cond, b));
        for (int i = 0; i < 3; i++) {
            const struct h_event *d = h_last(p[i], L2TP_EV_TUNNEL_DOWN);
            assert_non_null(d);
            assert_int_equal(d->result_code, L2TP_STOPCCN_SHUTTING_DOWN);
        }
        assert_int_equal(h_count(b, L2TP_EV_TUNNEL_DOWN), 3);
        h_run(120000);
        h_free_all();
    }
}

static void test_hidden_avps(void **state);

static void test_peer_dead(void **state)
{
    (void)state;
    struct h_node *a = h_add_node("10.0.0.1", 1701);
    struct h_node *b = h_add_node("10.0.0.2", 1701);
    a->tcfg.hello_ms = 5000;
    b->tcfg.hello_ms = 5000;
    struct l2tp_tunnel *t = h_open_tunnel(a, b);
    struct l2tp_call_params p;
    memset(&p, 0, sizeof(p));
    assert_non_null(l2tp_session_incoming_call(a->e, h_now, t, &p));
    h_run(1000);
    /* Hellos keep an idle tunnel alive. */
    h_run(120000);
    assert_int_equal(h_count(a, L2TP_EV_TUNNEL_DOWN), 0);
    h_link.down = true;
    h_run(120000);
    const struct h_event *d = h_last(a, L2TP_EV_TUNNEL_DOWN);
    assert_non_null(d);
    assert_true(d->local);
    assert_int_equal(d->result_code, L2TP_STOPCCN_GENERAL_ERROR);
    assert_int_equal(h_count(a, L2TP_EV_SESSION_DOWN), 1);
    assert_non_null(h_last(b, L2TP_EV_TUNNEL_DOWN));
    assert_true(l2tp_engine_idle(a->e));
    assert_true(l2tp_engine_idle(b->e));
}

/* No SCCRP ever comes: the initiator gives up. */
static void test_initiator_no_answer(void **state)
{
    (void)state;
    struct h_node *a = h_add_node("10.0.0.1", 1701);
    struct l2tp_addr nowhere;
    h_addr(&nowhere, "10.9.9.9", 1701);
    struct l2tp_tunnel *t = l2tp_tunnel_open(a->e, h_now, &a->tcfg, &a->addr, &nowhere);
    assert_non_null(t);
    h_run(120000);
    assert_int_equal(h_count(a, L2TP_EV_TUNNEL_DOWN), 1);
    assert_true(l2tp_engine_idle(a->e));
    assert_int_equal(l2tp_engine_next_timeout(a->e), LX_MS_NEVER);
}

/* The SCCCN never arrives: the responder's half-open state is freed by
 * tunnel_setup_timeout_ms. */
static size_t drop_scccn(struct h_node *from, uint8_t *pkt, size_t len, size_t cap)
{
    (void)from;
    (void)cap;
    return h_msg_type(pkt, len) == L2TP_MSG_SCCCN ? 0 : len;
}

static void test_setup_timeout(void **state)
{
    (void)state;
    struct h_node *a = h_add_node("10.0.0.1", 1701);
    struct h_node *b = h_add_node("10.0.0.2", 1701);
    b->ecfg.tunnel_setup_timeout_ms = 3000;
    h_recreate(b);
    a->mangle = drop_scccn;
    assert_non_null(l2tp_tunnel_open(a->e, h_now, &a->tcfg, &a->addr, &b->addr));
    h_run(1000);
    struct l2tp_engine_stats st;
    l2tp_engine_get_stats(b->e, &st);
    assert_int_equal(st.halfopen, 1);
    h_run(3000);
    l2tp_engine_get_stats(b->e, &st);
    assert_int_equal(st.halfopen, 0);
    assert_int_equal(st.tunnels, 0);
    assert_int_equal(h_count(b, L2TP_EV_TUNNEL_DOWN), 0);
    assert_int_equal(h_count(b, L2TP_EV_TUNNEL_UP), 0);
}

/* §4.2: an unknown AVP with M set in a tunnel message: StopCCN, Result 2,
 * Error 8. */
static size_t add_unknown_m_to_scccn(struct h_node *from, uint8_t *pkt, size_t len, size_t cap)
{
    (void)from;
    if (h_msg_type(pkt, len) != L2TP_MSG_SCCCN)
        return len;
    uint8_t v[4] = {1, 2, 3, 4};
    return h_append_avp(pkt, len, cap, 1, 31337, 7, v, sizeof(v));
}

static void test_unknown_mandatory_tunnel(void **state)
{
    (void)state;
    struct h_node *a = h_add_node("10.0.0.1", 1701);
    struct h_node *b = h_add_node("10.0.0.2", 1701);
    a->mangle = add_unknown_m_to_scccn;
    assert_non_null(l2tp_tunnel_open(a->e, h_now, &a->tcfg, &a->addr, &b->addr));
    h_run(5000);
    const struct h_event *d = h_last(a, L2TP_EV_TUNNEL_DOWN);
    assert_non_null(d);
    assert_false(d->local);
    assert_int_equal(d->result_code, L2TP_STOPCCN_GENERAL_ERROR);
    assert_int_equal(d->error_code, L2TP_ERR_UNKNOWN_MANDATORY_AVP);
    struct l2tp_engine_stats st;
    l2tp_engine_get_stats(b->e, &st);
    assert_int_equal(st.rx_bad_avp, 1);
    assert_true(l2tp_engine_idle(a->e));
}

/* §7.2.1 "established, Receive SCCRQ, SCCRP, SCCCN: Send StopCCN". */
static size_t sccrp_to_hello(struct h_node *from, uint8_t *pkt, size_t len, size_t cap)
{
    (void)from;
    (void)cap;
    /* Turn b's first Hello into an SCCCN (same length). */
    if (h_msg_type(pkt, len) == L2TP_MSG_HELLO)
        lx_put_u16(pkt + 12 + 6, L2TP_MSG_SCCCN);
    return len;
}

static void test_fsm_error(void **state)
{
    (void)state;
    struct h_node *a = h_add_node("10.0.0.1", 1701);
    struct h_node *b = h_add_node("10.0.0.2", 1701);
    b->tcfg.hello_ms = 2000;
    h_open_tunnel(a, b);
    b->mangle = sccrp_to_hello;
    h_run(5000);
    const struct h_event *d = h_last(b, L2TP_EV_TUNNEL_DOWN);
    assert_non_null(d);
    assert_int_equal(d->result_code, L2TP_STOPCCN_FSM_ERROR);
    struct l2tp_engine_stats st;
    l2tp_engine_get_stats(a->e, &st);
    assert_int_equal(st.rx_fsm_errors, 1);
}

/* Closing from inside the event callback (re-entrancy). */
static void close_on_up(struct h_node *n, const struct l2tp_event *ev)
{
    if (ev->type == L2TP_EV_TUNNEL_UP)
        l2tp_tunnel_close(n->e, h_now, ev->tunnel, L2TP_STOPCCN_GENERAL_CLEAR, 0, "no thanks");
}

static void test_close_from_callback(void **state)
{
    (void)state;
    struct h_node *a = h_add_node("10.0.0.1", 1701);
    struct h_node *b = h_add_node("10.0.0.2", 1701);
    b->on_event = close_on_up;
    assert_non_null(l2tp_tunnel_open(a->e, h_now, &a->tcfg, &a->addr, &b->addr));
    struct l2tp_call_params p;
    memset(&p, 0, sizeof(p));
    h_run(60000);
    assert_int_equal(h_count(b, L2TP_EV_TUNNEL_DOWN), 1);
    assert_int_equal(h_count(a, L2TP_EV_TUNNEL_DOWN), 1);
    assert_true(l2tp_engine_idle(a->e));
    assert_true(l2tp_engine_idle(b->e));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_establish, setup, teardown),
        cmocka_unit_test_setup_teardown(test_establish_reverse_v6, setup, teardown),
        cmocka_unit_test_setup_teardown(test_establish_lossy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auth_good, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auth_one_way, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auth_wrong_secret_responder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auth_wrong_secret_initiator, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auth_wrong_secret_both, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auth_missing_response, setup, teardown),
        cmocka_unit_test_setup_teardown(test_challenged_without_secret, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_by_accept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_acked_not_live, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tie_breaker, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tie_breaker_waiting_call, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stopccn_both_ways, setup, teardown),
        cmocka_unit_test_setup_teardown(test_redial_same_tunnel_id_while_lingering, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_stopccn_lost_ack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shutdown_idle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shutdown_peer_gone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shutdown_stopccn_lost, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_idle_timing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shutdown_lossy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hidden_avps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_dead, setup, teardown),
        cmocka_unit_test_setup_teardown(test_initiator_no_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_setup_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_mandatory_tunnel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fsm_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_from_callback, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Hidden AVPs (§4.3) on both sides: tunnel and call come up, and hidden
 * AVPs were really on the wire. */
static unsigned hidden_seen;
static size_t count_hidden(struct h_node *from, uint8_t *pkt, size_t len, size_t cap)
{
    (void)from;
    (void)cap;
    struct l2tp_hdr h;
    if (l2tp_hdr_decode(pkt, len, &h) != L2TP_HDR_OK || !h.is_ctrl)
        return len;
    size_t off = h.payload_off, end = h.payload_off + h.payload_len;
    while (off + 6 <= end) {
        uint16_t fl = lx_get_u16(pkt + off);
        if (fl & 0x4000)
            hidden_seen++;
        size_t alen = fl & 0x3ff;
        if (alen < 6)
            break;
        off += alen;
    }
    return len;
}

static void test_hidden_avps(void **state)
{
    (void)state;
    struct h_node *a = h_add_node("10.0.0.1", 1701);
    struct h_node *b = h_add_node("10.0.0.2", 1701);
    set_secret(a, "hide me", true);
    set_secret(b, "hide me", true);
    a->tcfg.hide_avps = true;
    b->tcfg.hide_avps = true;
    a->mangle = count_hidden;
    b->mangle = count_hidden;
    hidden_seen = 0;
    struct l2tp_tunnel *t = h_open_tunnel(a, b);
    struct l2tp_call_params p;
    memset(&p, 0, sizeof(p));
    snprintf(p.calling_number, sizeof(p.calling_number), "%s", "5551234");
    snprintf(p.called_number, sizeof(p.called_number), "%s", "5550000");
    p.call_serial = 42;
    p.tx_connect_speed = 64000;
    p.framing_type = L2TP_FRAMING_SYNC;
    assert_non_null(l2tp_session_incoming_call(a->e, h_now, t, &p));
    h_run(2000);
    assert_int_equal(h_count(b, L2TP_EV_SESSION_UP), 1);
    const struct h_event *up = h_last(b, L2TP_EV_SESSION_UP);
    assert_true(up->had_call);
    assert_string_equal(up->call.calling_number, "5551234");
    assert_int_equal(up->call.call_serial, 42);
    assert_int_equal(up->call.tx_connect_speed, 64000);
    assert_true(hidden_seen > 5);
}
