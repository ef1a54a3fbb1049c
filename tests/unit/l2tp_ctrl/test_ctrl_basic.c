/* RFC 2661 §5.8, §6.5, Appendix A/B: the reliable control channel driven
 * packet by packet with a simulated clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "l2tp/ctrl.h"
#include "l2tp/header.h"
#include "l2tp/l2tp.h"
#include "lib/buf.h"
#include "lib/log.h"

#define CAP_PKTS 256
#define CAP_LEN  2048

/* Captures one channel's output. */
struct cap {
    struct l2tp_ctrl *c;
    lx_ms_t now; /* set by the test before each call, to timestamp xmits */
    size_t npkts;
    size_t len[CAP_PKTS];
    lx_ms_t at[CAP_PKTS];
    uint8_t pkt[CAP_PKTS][CAP_LEN];
    size_t ndeliv;
    uint16_t deliv_sid[CAP_PKTS];
    uint8_t deliv_first[CAP_PKTS]; /* first body byte: our tests number messages there */
    size_t deliv_len[CAP_PKTS];
    unsigned dead_calls;
    /* deliver() replies with this body when reply_len > 0 */
    uint8_t reply[16];
    size_t reply_len;
};

static void cap_xmit(void *user, const uint8_t *pkt, size_t len)
{
    struct cap *k = user;
    assert_true(k->npkts < CAP_PKTS);
    memcpy(k->pkt[k->npkts], pkt, len < CAP_LEN ? len : CAP_LEN); /* prefix of big ones */
    k->len[k->npkts] = len;
    k->at[k->npkts] = k->now;
    k->npkts++;
}

static void cap_deliver(void *user, uint16_t sid, const uint8_t *body, size_t len)
{
    struct cap *k = user;
    assert_true(k->ndeliv < CAP_PKTS);
    assert_true(len > 0);
    k->deliv_sid[k->ndeliv] = sid;
    k->deliv_first[k->ndeliv] = body[0];
    k->deliv_len[k->ndeliv] = len;
    k->ndeliv++;
    if (k->reply_len > 0)
        assert_int_equal(l2tp_ctrl_send(k->c, k->now, sid, k->reply, k->reply_len), 0);
}

static void cap_dead(void *user)
{
    struct cap *k = user;
    k->dead_calls++;
}

static const struct l2tp_ctrl_ops cap_ops = {
    .xmit = cap_xmit,
    .deliver = cap_deliver,
    .dead = cap_dead,
};

static struct cap *cap_new(const struct l2tp_ctrl_cfg *cfg)
{
    struct cap *k = test_calloc(1, sizeof *k);
    assert_non_null(k);
    k->c = l2tp_ctrl_new(cfg, &cap_ops, k);
    assert_non_null(k->c);
    return k;
}

static void cap_free(struct cap *k)
{
    l2tp_ctrl_free(k->c);
    test_free(k);
}

static struct l2tp_hdr hdr_of(const uint8_t *pkt, size_t len)
{
    struct l2tp_hdr h;
    assert_int_equal(l2tp_hdr_decode(pkt, len, &h), L2TP_HDR_OK);
    assert_true(h.is_ctrl);
    return h;
}

static uint16_t pkt_ns(const struct cap *k, size_t i)
{
    return lx_get_u16(k->pkt[i] + 8);
}

static uint16_t pkt_nr(const struct cap *k, size_t i)
{
    return lx_get_u16(k->pkt[i] + 10);
}

static bool pkt_is_zlb(const struct cap *k, size_t i)
{
    return k->len[i] == L2TP_CTRL_HDR_LEN;
}

/* Feeds a control packet with the given Ns/Nr to k. */
static void feed(struct cap *k, lx_ms_t now, uint16_t ns, uint16_t nr, uint16_t sid,
                 const uint8_t *body, size_t len)
{
    struct l2tp_hdr h = {.is_ctrl = true,
                         .has_len = true,
                         .has_seq = true,
                         .ver = 2,
                         .tunnel_id = 1,
                         .session_id = sid,
                         .ns = ns,
                         .nr = nr};
    k->now = now;
    l2tp_ctrl_input(k->c, now, &h, body, len);
}

/* A one-byte message numbered n. */
static void feed_msg(struct cap *k, lx_ms_t now, uint16_t ns, uint16_t nr, uint8_t n)
{
    feed(k, now, ns, nr, 7, &n, 1);
}

static void feed_zlb(struct cap *k, lx_ms_t now, uint16_t nr)
{
    feed(k, now, 0, nr, 0, NULL, 0);
}

/* Hands packet i captured at `from` to `to`, as the network would. */
static void pipe_pkt(struct cap *from, size_t i, struct cap *to, lx_ms_t now)
{
    struct l2tp_hdr h = hdr_of(from->pkt[i], from->len[i]);
    to->now = now;
    l2tp_ctrl_input(to->c, now, &h, from->pkt[i] + h.payload_off, h.payload_len);
}

static int cap_send(struct cap *k, lx_ms_t now, uint8_t n)
{
    k->now = now;
    return l2tp_ctrl_send(k->c, now, 0, &n, 1);
}

static void cap_timeout(struct cap *k, lx_ms_t now)
{
    k->now = now;
    l2tp_ctrl_timeout(k->c, now);
}

static struct l2tp_ctrl_stats stats(const struct cap *k)
{
    struct l2tp_ctrl_stats st;
    l2tp_ctrl_get_stats(k->c, &st);
    return st;
}

static const uint8_t sccrq_body[8] = {0x80, 0x08, 0, 0, 0, 0, 0, L2TP_MSG_SCCRQ};

/* §3.1 / §5.8: exact bytes of the first message: T L S Ver 2, Length,
 * the peer's tunnel id, our session id, Ns 0, Nr 0. */
static void test_first_message_header_bytes(void **state)
{
    (void)state;
    struct cap *k = cap_new(NULL);
    assert_int_equal(l2tp_ctrl_send(k->c, 0, 0, sccrq_body, sizeof sccrq_body), 0);
    assert_int_equal(k->npkts, 1);
    /* SCCRQ goes to tunnel 0 (no peer tunnel id yet). */
    static const uint8_t want0[] = {0xc8, 0x02, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                    0x00, 0x00, 0x80, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01};
    assert_int_equal(k->len[0], sizeof want0);
    assert_memory_equal(k->pkt[0], want0, sizeof want0);
    l2tp_ctrl_free(k->c);

    k->npkts = 0;
    k->c = l2tp_ctrl_new(NULL, &cap_ops, k);
    l2tp_ctrl_set_peer_tunnel_id(k->c, 0x1234);
    assert_int_equal(l2tp_ctrl_send(k->c, 0, 0x5678, sccrq_body, sizeof sccrq_body), 0);
    static const uint8_t want1[] = {0xc8, 0x02, 0x00, 0x14, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00,
                                    0x00, 0x00, 0x80, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01};
    assert_memory_equal(k->pkt[0], want1, sizeof want1);
    struct l2tp_ctrl_stats st = stats(k);
    assert_int_equal(st.tx_msgs, 1);
    assert_int_equal(st.ns, 1);
    assert_int_equal(st.nr, 0);
    assert_int_equal(st.cwnd, 1);
    assert_int_equal(st.peer_rws, 4); /* §5.8 default */
    assert_int_equal(st.ssthresh, 4);
    /* CWND 1: the second message waits. */
    assert_int_equal(l2tp_ctrl_send(k->c, 0, 0, sccrq_body, sizeof sccrq_body), 0);
    assert_int_equal(k->npkts, 1);
    assert_int_equal(l2tp_ctrl_outstanding(k->c), 2);
    cap_free(k);
}

/* §5.8: a ZLB is the header alone, Ns = next Ns (not consumed), Nr. */
static void test_zlb_header_bytes(void **state)
{
    (void)state;
    struct cap *k = cap_new(NULL);
    l2tp_ctrl_set_peer_tunnel_id(k->c, 0xabcd);
    feed(k, 0, 0, 0, 0, sccrq_body, sizeof sccrq_body);
    assert_int_equal(k->ndeliv, 1);
    assert_int_equal(k->npkts, 0);
    cap_timeout(k, 100);
    assert_int_equal(k->npkts, 1);
    static const uint8_t want[] = {0xc8, 0x02, 0x00, 0x0c, 0xab, 0xcd,
                                   0x00, 0x00, 0x00, 0x00, 0x00, 0x01};
    assert_int_equal(k->len[0], sizeof want);
    assert_memory_equal(k->pkt[0], want, sizeof want);
    /* The ZLB did not consume Ns 0. */
    assert_int_equal(cap_send(k, 200, 1), 0);
    assert_int_equal(pkt_ns(k, 1), 0);
    assert_int_equal(pkt_nr(k, 1), 1);
    /* A ZLB after that carries Ns 1. */
    feed_msg(k, 300, 1, 1, 2);
    l2tp_ctrl_flush_ack(k->c, 300);
    assert_int_equal(k->npkts, 3);
    assert_true(pkt_is_zlb(k, 2));
    assert_int_equal(pkt_ns(k, 2), 1);
    assert_int_equal(pkt_nr(k, 2), 2);
    assert_int_equal(stats(k).tx_zlb, 2);
    cap_free(k);
}

/* Appendix B.1: lock-step tunnel establishment, Ns/Nr exactly as drawn. */
static void test_appendix_b1_lockstep(void **state)
{
    (void)state;
    struct cap *lac = cap_new(NULL), *lns = cap_new(NULL);
    uint8_t sccrp[8] = {0x80, 0x08, 0, 0, 0, 0, 0, L2TP_MSG_SCCRP};
    lns->reply_len = sizeof sccrp; /* the LNS answers SCCRQ from deliver() */
    memcpy(lns->reply, sccrp, sizeof sccrp);

    assert_int_equal(l2tp_ctrl_send(lac->c, 0, 0, sccrq_body, sizeof sccrq_body), 0);
    assert_int_equal(pkt_ns(lac, 0), 0);
    assert_int_equal(pkt_nr(lac, 0), 0);
    pipe_pkt(lac, 0, lns, 10);
    assert_int_equal(lns->npkts, 1); /* SCCRP, no separate ZLB */
    assert_int_equal(pkt_ns(lns, 0), 0);
    assert_int_equal(pkt_nr(lns, 0), 1);
    lns->reply_len = 0;
    pipe_pkt(lns, 0, lac, 20);
    uint8_t scccn[8] = {0x80, 0x08, 0, 0, 0, 0, 0, L2TP_MSG_SCCCN};
    lac->now = 20;
    assert_int_equal(l2tp_ctrl_send(lac->c, 20, 0, scccn, sizeof scccn), 0);
    assert_int_equal(lac->npkts, 2);
    assert_int_equal(pkt_ns(lac, 1), 1);
    assert_int_equal(pkt_nr(lac, 1), 1);
    pipe_pkt(lac, 1, lns, 30);
    assert_int_equal(l2tp_ctrl_next_timeout(lns->c), 130);
    cap_timeout(lns, 130);
    assert_int_equal(lns->npkts, 2);
    assert_true(pkt_is_zlb(lns, 1));
    assert_int_equal(pkt_ns(lns, 1), 1);
    assert_int_equal(pkt_nr(lns, 1), 2);
    pipe_pkt(lns, 1, lac, 140);
    assert_int_equal(l2tp_ctrl_outstanding(lac->c), 0);
    assert_int_equal(l2tp_ctrl_outstanding(lns->c), 0);
    assert_int_equal(lac->npkts, 2); /* a ZLB is never acknowledged */
    assert_int_equal(lac->ndeliv, 1);
    assert_int_equal(lns->ndeliv, 2);
    cap_free(lac);
    cap_free(lns);
}

/* Appendix B.2: the ICRP is lost; the LAC's retransmitted ICRQ is a
 * duplicate that the LNS answers with a ZLB at once; the LNS's own
 * retransmission then carries the ICRP. */
static void test_appendix_b2_lost_packet(void **state)
{
    (void)state;
    struct cap *lac = cap_new(NULL), *lns = cap_new(NULL);
    assert_int_equal(l2tp_ctrl_set_initial_seq(lac->c, 2, 1), 0);
    assert_int_equal(l2tp_ctrl_set_initial_seq(lns->c, 1, 2), 0);
    assert_int_equal(cap_send(lac, 0, 10), 0); /* ICRQ Nr 1 Ns 2 */
    assert_int_equal(pkt_ns(lac, 0), 2);
    assert_int_equal(pkt_nr(lac, 0), 1);
    pipe_pkt(lac, 0, lns, 10);
    assert_int_equal(cap_send(lns, 20, 11), 0); /* ICRP Nr 3 Ns 1: lost */
    assert_int_equal(pkt_ns(lns, 0), 1);
    assert_int_equal(pkt_nr(lns, 0), 3);
    cap_timeout(lac, 1000); /* LAC's timer fires first */
    assert_int_equal(lac->npkts, 2);
    assert_int_equal(pkt_ns(lac, 1), 2);
    assert_int_equal(pkt_nr(lac, 1), 1);
    pipe_pkt(lac, 1, lns, 1010);
    assert_int_equal(lns->npkts, 2);
    assert_true(pkt_is_zlb(lns, 1));
    assert_int_equal(pkt_ns(lns, 1), 2);
    assert_int_equal(pkt_nr(lns, 1), 3);
    assert_int_equal(lns->ndeliv, 1);
    pipe_pkt(lns, 1, lac, 1020);
    assert_int_equal(l2tp_ctrl_outstanding(lac->c), 0);
    cap_timeout(lns, 1020);
    assert_int_equal(lns->npkts, 3);
    assert_int_equal(pkt_ns(lns, 2), 1);
    assert_int_equal(pkt_nr(lns, 2), 3);
    pipe_pkt(lns, 2, lac, 1030);
    assert_int_equal(lac->ndeliv, 1);
    assert_int_equal(cap_send(lac, 1030, 12), 0); /* ICCN Nr 2 Ns 3 */
    assert_int_equal(pkt_ns(lac, 2), 3);
    assert_int_equal(pkt_nr(lac, 2), 2);
    pipe_pkt(lac, 2, lns, 1040);
    cap_timeout(lns, l2tp_ctrl_next_timeout(lns->c));
    assert_true(pkt_is_zlb(lns, 3));
    assert_int_equal(pkt_ns(lns, 3), 2);
    assert_int_equal(pkt_nr(lns, 3), 4);
    assert_int_equal(stats(lns).rx_dup, 1);
    cap_free(lac);
    cap_free(lns);
}

/* The delayed ZLB goes out exactly ack_delay_ms after the first
 * unacknowledged message, not before, and covers later ones too. */
static void test_delayed_zlb_timing(void **state)
{
    (void)state;
    struct cap *k = cap_new(NULL);
    feed_msg(k, 1000, 0, 0, 0);
    assert_int_equal(k->npkts, 0);
    assert_int_equal(l2tp_ctrl_next_timeout(k->c), 1100);
    feed_msg(k, 1050, 1, 0, 1);
    assert_int_equal(l2tp_ctrl_next_timeout(k->c), 1100); /* not pushed back */
    cap_timeout(k, 1099);
    assert_int_equal(k->npkts, 0);
    cap_timeout(k, 1100);
    assert_int_equal(k->npkts, 1);
    assert_true(pkt_is_zlb(k, 0));
    assert_int_equal(pkt_nr(k, 0), 2);
    /* Only the Hello deadline is left (60 s after the last receipt). */
    assert_int_equal(l2tp_ctrl_next_timeout(k->c), 1050 + 60000);
    cap_timeout(k, 1200);
    assert_int_equal(k->npkts, 1);

    /* ack_delay_ms = 0: acknowledge at once. */
    struct l2tp_ctrl_cfg cfg;
    l2tp_ctrl_cfg_defaults(&cfg);
    cfg.ack_delay_ms = 0;
    struct cap *k0 = cap_new(&cfg);
    feed_msg(k0, 5, 0, 0, 0);
    assert_int_equal(k0->npkts, 1);
    assert_true(pkt_is_zlb(k0, 0));
    assert_int_equal(pkt_nr(k0, 0), 1);
    cap_free(k0);
    cap_free(k);
}

/* §5.8: acknowledgements ride on outgoing messages; then no ZLB. */
static void test_piggyback_ack(void **state)
{
    (void)state;
    struct cap *k = cap_new(NULL);
    feed_msg(k, 0, 0, 0, 0);
    assert_int_equal(cap_send(k, 30, 9), 0);
    assert_int_equal(k->npkts, 1);
    assert_false(pkt_is_zlb(k, 0));
    assert_int_equal(pkt_nr(k, 0), 1);
    cap_timeout(k, 100);
    cap_timeout(k, 500);
    assert_int_equal(k->npkts, 1);
    assert_int_equal(stats(k).tx_zlb, 0);
    /* The deadline now is the retransmission (1 s after sending). */
    assert_int_equal(l2tp_ctrl_next_timeout(k->c), 1030);

    /* A reply sent from inside deliver() carries the new Nr at once. */
    struct cap *r = cap_new(NULL);
    r->reply[0] = 0x55;
    r->reply_len = 1;
    feed_msg(r, 0, 0, 0, 0);
    assert_int_equal(r->npkts, 1);
    assert_int_equal(pkt_nr(r, 0), 1);
    assert_int_equal(r->pkt[0][12], 0x55);
    cap_timeout(r, 100);
    assert_int_equal(r->npkts, 1);

    /* A retransmission carries the current Nr too. */
    r->reply_len = 0;
    feed_msg(r, 200, 1, 0, 1);
    cap_timeout(r, 1000);
    assert_int_equal(r->npkts, 2);
    assert_int_equal(pkt_ns(r, 1), 0);
    assert_int_equal(pkt_nr(r, 1), 2);
    assert_int_equal(stats(r).tx_zlb, 0);
    cap_free(r);
    cap_free(k);
}

/* §5.8: duplicates are acknowledged at once and not delivered again. */
static void test_duplicate_acked_not_redelivered(void **state)
{
    (void)state;
    struct cap *k = cap_new(NULL);
    feed_msg(k, 0, 0, 0, 0);
    cap_timeout(k, 100);
    assert_int_equal(k->npkts, 1); /* the ZLB "lost" */
    feed_msg(k, 1000, 0, 0, 0);
    assert_int_equal(k->ndeliv, 1);
    assert_int_equal(k->npkts, 2);
    assert_true(pkt_is_zlb(k, 1));
    assert_int_equal(pkt_nr(k, 1), 1);
    assert_int_equal(stats(k).rx_dup, 1);

    /* "Less than or equal" reaches 32768 back (last received and the 32767
     * before it); one further is ahead, i.e. out of the window. */
    feed_msg(k, 1001, (uint16_t)(1 - 32768), 0, 0);
    assert_int_equal(stats(k).rx_dup, 2);
    assert_int_equal(k->npkts, 3);
    feed_msg(k, 1002, (uint16_t)(1 - 32769), 0, 0);
    assert_int_equal(stats(k).rx_dup, 2);
    assert_int_equal(stats(k).rx_out_of_window, 1);
    assert_int_equal(k->npkts, 3);
    assert_int_equal(k->ndeliv, 1);

    /* A pending delayed ack is folded into the duplicate's ZLB. */
    feed_msg(k, 2000, 1, 0, 1);
    feed_msg(k, 2010, 1, 0, 1);
    assert_int_equal(k->npkts, 4);
    assert_int_equal(pkt_nr(k, 3), 2);
    cap_timeout(k, 2100);
    assert_int_equal(k->npkts, 4);
    assert_int_equal(k->ndeliv, 2);
    cap_free(k);
}

/* §5.8: in-window out-of-order messages are held and delivered in order. */
static void test_reorder_queue_in_order(void **state)
{
    (void)state;
    struct cap *k = cap_new(NULL);
    feed_msg(k, 0, 2, 0, 2);
    feed_msg(k, 1, 1, 0, 1);
    feed_msg(k, 2, 3, 0, 3);
    feed_msg(k, 3, 2, 0, 2); /* duplicate of a held one */
    assert_int_equal(k->ndeliv, 0);
    assert_int_equal(k->npkts, 0); /* no ack for out-of-order arrivals */
    struct l2tp_ctrl_stats st = stats(k);
    assert_int_equal(st.rx_reordered, 3);
    assert_int_equal(st.rx_dup, 1);
    assert_int_equal(st.nr, 0);
    feed_msg(k, 10, 0, 0, 0);
    assert_int_equal(k->ndeliv, 4);
    for (uint8_t i = 0; i < 4; i++)
        assert_int_equal(k->deliv_first[i], i);
    assert_int_equal(stats(k).nr, 4);
    assert_int_equal(stats(k).rx_msgs, 4);
    cap_timeout(k, 110);
    assert_int_equal(k->npkts, 1);
    assert_int_equal(pkt_nr(k, 0), 4);
    /* Now-old Ns are duplicates. */
    feed_msg(k, 200, 3, 0, 3);
    assert_int_equal(k->ndeliv, 4);
    assert_int_equal(stats(k).rx_dup, 2);
    cap_free(k);
}

/* Reordering across the 16-bit wrap. */
static void test_reorder_across_wrap(void **state)
{
    (void)state;
    struct cap *k = cap_new(NULL);
    assert_int_equal(l2tp_ctrl_set_initial_seq(k->c, 0, 65534), 0);
    feed_msg(k, 0, 1, 0, 3);
    feed_msg(k, 0, 0, 0, 2);
    feed_msg(k, 0, 65535, 0, 1);
    assert_int_equal(k->ndeliv, 0);
    feed_msg(k, 0, 65534, 0, 0);
    assert_int_equal(k->ndeliv, 4);
    for (uint8_t i = 0; i < 4; i++)
        assert_int_equal(k->deliv_first[i], i);
    assert_int_equal(stats(k).nr, 2);
    feed_msg(k, 1, 65535, 0, 1);
    assert_int_equal(stats(k).rx_dup, 1);
    assert_int_equal(k->ndeliv, 4);
    cap_free(k);
}

/* Messages at or beyond Nr + our RWS are dropped; in-window ones that do
 * not fit the reorder ring are dropped too, for the peer to retransmit. */
static void test_out_of_window_dropped(void **state)
{
    (void)state;
    struct l2tp_ctrl_cfg cfg;
    l2tp_ctrl_cfg_defaults(&cfg);
    cfg.rws = 4;
    struct cap *k = cap_new(&cfg);
    feed_msg(k, 0, 4, 0, 4);
    assert_int_equal(stats(k).rx_out_of_window, 1);
    feed_msg(k, 0, 3, 0, 3);
    assert_int_equal(stats(k).rx_reordered, 1);
    feed_msg(k, 0, 0, 0, 0);
    feed_msg(k, 0, 1, 0, 1);
    feed_msg(k, 0, 2, 0, 2);
    assert_int_equal(k->ndeliv, 4);
    feed_msg(k, 0, 4, 0, 4); /* now in window, in order */
    assert_int_equal(k->ndeliv, 5);
    assert_int_equal(k->deliv_first[4], 4);
    cap_free(k);

    /* A large window: in window but beyond the reorder ring. */
    cfg.rws = 200;
    k = cap_new(&cfg);
    feed_msg(k, 0, 150, 0, 150);
    assert_int_equal(stats(k).rx_out_of_window, 0);
    assert_int_equal(stats(k).rx_queue_full, 1);
    feed_msg(k, 0, 200, 0, 200);
    assert_int_equal(stats(k).rx_out_of_window, 1);
    cap_free(k);

    /* Out of order and too big for a slot: dropped; in order it is
     * delivered directly whatever its size. */
    k = cap_new(NULL);
    static uint8_t big[1500];
    memset(big, 0xee, sizeof big);
    feed(k, 0, 1, 0, 3, big, sizeof big);
    assert_int_equal(stats(k).rx_queue_full, 1);
    feed_msg(k, 0, 0, 0, 0);
    feed(k, 0, 1, 0, 3, big, sizeof big);
    assert_int_equal(k->ndeliv, 2);
    assert_int_equal(k->deliv_len[1], sizeof big);
    assert_int_equal(k->deliv_sid[1], 3);
    cap_free(k);
}

/* An Nr acknowledging messages never sent is ignored and counted; an old
 * Nr is harmless. */
static void test_bad_nr_ignored(void **state)
{
    (void)state;
    struct cap *k = cap_new(NULL);
    assert_int_equal(cap_send(k, 0, 0), 0);
    feed_zlb(k, 10, 5);
    assert_int_equal(stats(k).rx_bad_nr, 1);
    assert_int_equal(l2tp_ctrl_outstanding(k->c), 1);
    feed_zlb(k, 20, 2);
    assert_int_equal(stats(k).rx_bad_nr, 2);
    feed_zlb(k, 30, 1);
    assert_int_equal(l2tp_ctrl_outstanding(k->c), 0);
    feed_zlb(k, 40, 0); /* stale, reordered */
    feed_zlb(k, 40, 1);
    assert_int_equal(stats(k).rx_bad_nr, 2);
    assert_int_equal(stats(k).rx_zlb, 5);
    assert_int_equal(l2tp_ctrl_next_timeout(k->c), 40 + 60000);
    cap_free(k);
}

/* Appendix A: CWND 1, +1 per ack below SSTHRESH, +1 per CWND acks above;
 * a timeout halves into SSTHRESH and restarts at 1. */
static void test_slow_start_and_collapse(void **state)
{
    (void)state;
    struct cap *k = cap_new(NULL);
    l2tp_ctrl_set_peer_rws(k->c, 16);
    for (unsigned i = 0; i < 60; i++)
        assert_int_equal(cap_send(k, 0, (uint8_t)i), 0);
    assert_int_equal(k->npkts, 1);
    assert_int_equal(stats(k).ssthresh, 16);
    /* Round trips: acking a whole flight doubles CWND. */
    uint16_t una = 0;
    unsigned expect_cwnd[] = {2, 4, 8};
    for (unsigned r = 0; r < 3; r++) {
        uint16_t next = stats(k).ns;
        feed_zlb(k, 10 * (r + 1), next);
        una = next;
        assert_int_equal(stats(k).cwnd, expect_cwnd[r]);
        assert_int_equal(stats(k).ns - una, expect_cwnd[r]);
    }
    assert_int_equal(stats(k).ns, 15);
    /* Timeout with CWND 8: SSTHRESH 4, CWND 1, only the oldest goes again. */
    size_t before = k->npkts;
    cap_timeout(k, 30 + 1000);
    assert_int_equal(stats(k).cwnd, 1);
    assert_int_equal(stats(k).ssthresh, 4);
    assert_int_equal(k->npkts, before + 1);
    assert_int_equal(pkt_ns(k, before), una);
    assert_int_equal(stats(k).tx_retrans, 1);
    /* Acks one message at a time: slow start to 4, then +1 per CWND acks. */
    unsigned want[] = {2, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5, 6};
    for (unsigned i = 0; i < sizeof want / sizeof want[0]; i++) {
        una++;
        feed_zlb(k, 2000 + i, una);
        assert_int_equal(stats(k).cwnd, want[i]);
    }
    cap_free(k);

    /* CWND never exceeds the peer's window. */
    k = cap_new(NULL);
    for (unsigned i = 0; i < 60; i++)
        assert_int_equal(cap_send(k, 0, (uint8_t)i), 0);
    for (unsigned i = 1; i <= 40; i++) {
        feed_zlb(k, i, (uint16_t)i);
        assert_true(stats(k).cwnd <= 4);
        assert_true((uint16_t)(stats(k).ns - i) <= 4);
    }
    assert_int_equal(stats(k).cwnd, 4);
    cap_free(k);
}

/* After a timeout the window restarts at the oldest message (go-back);
 * an ack that jumps past the go-back point skips what the peer had. */
static void test_go_back_after_timeout(void **state)
{
    (void)state;
    struct cap *k = cap_new(NULL);
    for (unsigned i = 0; i < 10; i++)
        assert_int_equal(cap_send(k, 0, (uint8_t)i), 0);
    feed_zlb(k, 10, 1); /* cwnd 2: Ns 1, 2 */
    feed_zlb(k, 20, 3); /* cwnd 4: Ns 3..6 */
    assert_int_equal(stats(k).ns, 7);
    size_t n = k->npkts;
    cap_timeout(k, 1020); /* ssthresh 2, cwnd 1 */
    assert_int_equal(k->npkts, n + 1);
    assert_int_equal(pkt_ns(k, n), 3);
    feed_zlb(k, 1030, 4); /* cwnd 2: Ns 4, 5 again */
    assert_int_equal(k->npkts, n + 3);
    assert_int_equal(pkt_ns(k, n + 1), 4);
    assert_int_equal(pkt_ns(k, n + 2), 5);
    assert_int_equal(stats(k).tx_retrans, 3);
    /* The peer had them all (reorder queue): Nr 7 skips the retransmission
     * of Ns 6 and new messages follow. */
    feed_zlb(k, 1040, 7);
    assert_int_equal(pkt_ns(k, k->npkts - 1), (uint16_t)(7 + stats(k).cwnd - 1));
    assert_int_equal(stats(k).tx_retrans, 3);
    assert_int_equal(stats(k).tx_msgs, 7 + stats(k).cwnd);
    cap_free(k);
}

/* §5.8: retransmissions after 1, 2, 4, 8, 8 s; dead 8 s after the fifth
 * (a full 31 s cycle, cf. §5.7). */
static void test_backoff_timeline_and_dead(void **state)
{
    (void)state;
    struct cap *k = cap_new(NULL);
    assert_int_equal(cap_send(k, 0, 0x42), 0);
    static const lx_ms_t want[] = {0, 1000, 3000, 7000, 15000, 23000};
    while (!l2tp_ctrl_is_dead(k->c)) {
        lx_ms_t t = l2tp_ctrl_next_timeout(k->c);
        assert_true(t != LX_MS_NEVER);
        cap_timeout(k, t - 1); /* nothing happens early */
        cap_timeout(k, t);
    }
    assert_int_equal(k->npkts, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(k->at[i], want[i]);
        assert_int_equal(pkt_ns(k, i), 0);
        assert_int_equal(k->pkt[i][12], 0x42);
    }
    assert_int_equal(k->now, 31000);
    assert_int_equal(k->dead_calls, 1);
    assert_int_equal(stats(k).tx_retrans, 5);
    /* Dead: everything stops. */
    assert_int_equal(l2tp_ctrl_next_timeout(k->c), LX_MS_NEVER);
    assert_int_equal(cap_send(k, 31001, 1), -1);
    feed_msg(k, 31002, 0, 1, 0);
    assert_int_equal(k->ndeliv, 0);
    cap_timeout(k, 100000);
    l2tp_ctrl_flush_ack(k->c, 100000);
    assert_int_equal(k->npkts, 6);
    assert_int_equal(k->dead_calls, 1);
    cap_free(k);

    /* max_retries is configurable; so is the cap. */
    struct l2tp_ctrl_cfg cfg;
    l2tp_ctrl_cfg_defaults(&cfg);
    cfg.max_retries = 2;
    cfg.rto_max_ms = 16000;
    k = cap_new(&cfg);
    assert_int_equal(cap_send(k, 0, 1), 0);
    while (!l2tp_ctrl_is_dead(k->c))
        cap_timeout(k, l2tp_ctrl_next_timeout(k->c));
    assert_int_equal(k->npkts, 3);
    assert_int_equal(k->at[1], 1000);
    assert_int_equal(k->at[2], 3000);
    assert_int_equal(k->now, 7000);
    assert_int_equal(k->dead_calls, 1);
    cap_free(k);
}

/* A dead callback may free the channel (it is the last thing timeout
 * does). */
static void free_on_dead(void *user)
{
    struct cap *k = user;
    k->dead_calls++;
    l2tp_ctrl_free(k->c);
    k->c = NULL;
}

static void test_free_from_dead_callback(void **state)
{
    (void)state;
    static const struct l2tp_ctrl_ops ops = {
        .xmit = cap_xmit, .deliver = cap_deliver, .dead = free_on_dead};
    struct cap *k = test_calloc(1, sizeof *k);
    struct l2tp_ctrl_cfg cfg;
    l2tp_ctrl_cfg_defaults(&cfg);
    cfg.max_retries = 0;
    k->c = l2tp_ctrl_new(&cfg, &ops, k);
    assert_int_equal(cap_send(k, 0, 1), 0);
    l2tp_ctrl_timeout(k->c, 1000);
    assert_null(k->c);
    assert_int_equal(k->dead_calls, 1);
    assert_int_equal(k->npkts, 1);
    test_free(k);
}

/* Progress resets the backoff: the next message's first retransmission
 * comes 1 s after the ack. */
static void test_backoff_resets_on_ack(void **state)
{
    (void)state;
    struct cap *k = cap_new(NULL);
    assert_int_equal(cap_send(k, 0, 0), 0);
    assert_int_equal(cap_send(k, 0, 1), 0);
    cap_timeout(k, 1000);
    cap_timeout(k, 3000);
    assert_int_equal(k->npkts, 3);
    feed_zlb(k, 3500, 1);
    assert_int_equal(k->npkts, 4);
    assert_int_equal(pkt_ns(k, 3), 1);
    assert_int_equal(l2tp_ctrl_next_timeout(k->c), 4500);
    cap_timeout(k, 4500);
    assert_int_equal(k->npkts, 5);
    assert_int_equal(pkt_ns(k, 4), 1);
    assert_int_equal(l2tp_ctrl_next_timeout(k->c), 6500);
    assert_false(l2tp_ctrl_is_dead(k->c));
    cap_free(k);
}

/* §6.5: Hello after hello_ms without receiving anything, with nothing
 * outstanding; reliable; Session ID 0; exact bytes. */
static void test_hello_after_idle(void **state)
{
    (void)state;
    struct cap *k = cap_new(NULL);
    l2tp_ctrl_set_peer_tunnel_id(k->c, 0x0102);
    assert_int_equal(l2tp_ctrl_send(k->c, 0, 9, sccrq_body, sizeof sccrq_body), 0);
    /* Outstanding: no Hello deadline, only the retransmission. */
    assert_int_equal(l2tp_ctrl_next_timeout(k->c), 1000);
    feed_zlb(k, 100, 1);
    assert_int_equal(l2tp_ctrl_next_timeout(k->c), 60100);
    cap_timeout(k, 60099);
    assert_int_equal(k->npkts, 1);
    cap_timeout(k, 60100);
    assert_int_equal(k->npkts, 2);
    static const uint8_t want[] = {0xc8, 0x02, 0x00, 0x14, 0x01, 0x02, 0x00, 0x00, 0x00, 0x01,
                                   0x00, 0x00, 0x80, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06};
    assert_int_equal(k->len[1], sizeof want);
    assert_memory_equal(k->pkt[1], want, sizeof want);
    assert_int_equal(stats(k).tx_hello, 1);
    /* While the Hello is outstanding, no second one; it is retransmitted
     * like any message. */
    assert_int_equal(l2tp_ctrl_next_timeout(k->c), 61100);
    feed_zlb(k, 60200, 2);
    assert_int_equal(l2tp_ctrl_next_timeout(k->c), 120200);
    cap_free(k);
}

static void test_hello_not_when_data_activity(void **state)
{
    (void)state;
    struct cap *k = cap_new(NULL);
    assert_int_equal(cap_send(k, 0, 0), 0);
    feed_zlb(k, 100, 1);
    l2tp_ctrl_note_rx_activity(k->c, 30000);
    assert_int_equal(l2tp_ctrl_next_timeout(k->c), 90000);
    cap_timeout(k, 60100);
    assert_int_equal(k->npkts, 1);
    l2tp_ctrl_note_rx_activity(k->c, 89000);
    cap_timeout(k, 90000);
    assert_int_equal(k->npkts, 1);
    /* Received control messages count too (here a duplicate). */
    feed_msg(k, 100000, 5, 1, 5); /* out of order: still activity */
    assert_int_equal(l2tp_ctrl_next_timeout(k->c), 160000);
    cap_timeout(k, 160000);
    assert_int_equal(k->npkts, 2);
    assert_int_equal(stats(k).tx_hello, 1);
    cap_free(k);

    /* hello_ms = 0: never. */
    struct l2tp_ctrl_cfg cfg;
    l2tp_ctrl_cfg_defaults(&cfg);
    cfg.hello_ms = 0;
    k = cap_new(&cfg);
    assert_int_equal(cap_send(k, 0, 0), 0);
    feed_zlb(k, 100, 1);
    assert_int_equal(l2tp_ctrl_next_timeout(k->c), LX_MS_NEVER);
    cap_timeout(k, 10000000);
    assert_int_equal(k->npkts, 1);
    cap_free(k);
}

/* A Hello that nobody acknowledges kills the tunnel (§6.5). */
static void test_hello_unanswered_kills(void **state)
{
    (void)state;
    struct cap *k = cap_new(NULL);
    l2tp_ctrl_note_rx_activity(k->c, 0);
    while (!l2tp_ctrl_is_dead(k->c))
        cap_timeout(k, l2tp_ctrl_next_timeout(k->c));
    assert_int_equal(k->at[0], 60000);
    assert_int_equal(k->now, 60000 + 31000);
    assert_int_equal(k->npkts, 6);
    assert_int_equal(k->dead_calls, 1);
    cap_free(k);
}

/* The send queue is bounded; bad arguments are refused. */
static void test_queue_bounded(void **state)
{
    (void)state;
    struct l2tp_ctrl_cfg cfg;
    l2tp_ctrl_cfg_defaults(&cfg);
    cfg.max_queued = 3;
    struct cap *k = cap_new(&cfg);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(cap_send(k, 0, (uint8_t)i), 0);
    assert_int_equal(cap_send(k, 0, 4), -1);
    assert_int_equal(l2tp_ctrl_outstanding(k->c), 4);
    assert_int_equal(k->npkts, 1);
    assert_int_equal(l2tp_ctrl_send(k->c, 0, 0, sccrq_body, 0), -1);
    static uint8_t huge[65536];
    assert_int_equal(l2tp_ctrl_send(k->c, 0, 0, huge, 65535 - 12 + 1), -1);
    /* Acks make room. */
    feed_zlb(k, 10, 1);
    assert_int_equal(l2tp_ctrl_outstanding(k->c), 3);
    assert_int_equal(cap_send(k, 10, 4), 0);
    assert_int_equal(l2tp_ctrl_outstanding(k->c), 4);
    cap_free(k);

    /* The largest body is accepted. */
    k = cap_new(NULL);
    assert_int_equal(l2tp_ctrl_send(k->c, 0, 0, huge, 65535 - 12), 0);
    assert_int_equal(k->len[0], 65535);
    assert_int_equal(lx_get_u16(k->pkt[0] + 2), 65535);
    cap_free(k);
}

/* flush_ack sends a pending acknowledgement at once (§5.7). */
static void test_flush_ack(void **state)
{
    (void)state;
    struct cap *k = cap_new(NULL);
    l2tp_ctrl_flush_ack(k->c, 0);
    assert_int_equal(k->npkts, 0);
    uint8_t stopccn[8] = {0x80, 0x08, 0, 0, 0, 0, 0, L2TP_MSG_STOPCCN};
    feed(k, 5, 0, 0, 0, stopccn, sizeof stopccn);
    l2tp_ctrl_flush_ack(k->c, 5);
    assert_int_equal(k->npkts, 1);
    assert_true(pkt_is_zlb(k, 0));
    assert_int_equal(pkt_nr(k, 0), 1);
    cap_timeout(k, 105);
    assert_int_equal(k->npkts, 1);
    cap_free(k);
}

/* Ns/Nr start where set_initial_seq says and wrap from 65535 to 0. */
static void test_initial_seq_and_wrap(void **state)
{
    (void)state;
    struct cap *k = cap_new(NULL);
    assert_int_equal(l2tp_ctrl_set_initial_seq(k->c, 65535, 65534), 0);
    l2tp_ctrl_set_peer_rws(k->c, 8);
    assert_int_equal(cap_send(k, 0, 0), 0);
    assert_int_equal(pkt_ns(k, 0), 65535);
    assert_int_equal(pkt_nr(k, 0), 65534);
    assert_int_equal(l2tp_ctrl_set_initial_seq(k->c, 0, 0), -1);
    assert_int_equal(cap_send(k, 0, 1), 0);
    assert_int_equal(cap_send(k, 0, 2), 0);
    feed_zlb(k, 10, 0); /* acks 65535 */
    assert_int_equal(k->npkts, 3);
    assert_int_equal(pkt_ns(k, 1), 0);
    assert_int_equal(pkt_ns(k, 2), 1);
    feed_zlb(k, 20, 2);
    assert_int_equal(l2tp_ctrl_outstanding(k->c), 0);
    feed_zlb(k, 30, 65535); /* stale */
    assert_int_equal(stats(k).rx_bad_nr, 0);
    feed_msg(k, 40, 65534, 2, 0);
    feed_msg(k, 40, 65535, 2, 1);
    feed_msg(k, 40, 0, 2, 2);
    assert_int_equal(k->ndeliv, 3);
    assert_int_equal(stats(k).nr, 1);
    cap_free(k);
}

/* Configuration edge cases: RWS 0 is invalid (§5.8) and ignored. */
static void test_cfg_edges(void **state)
{
    (void)state;
    struct l2tp_ctrl_cfg cfg;
    l2tp_ctrl_cfg_defaults(&cfg);
    assert_int_equal(cfg.rws, 16);
    assert_int_equal(cfg.max_retries, 5);
    assert_int_equal(cfg.rto_initial_ms, 1000);
    assert_int_equal(cfg.rto_max_ms, 8000);
    assert_int_equal(cfg.ack_delay_ms, 100);
    assert_int_equal(cfg.hello_ms, 60000);
    assert_int_equal(cfg.max_queued, 64);
    static const struct l2tp_ctrl_ops no_deliver = {.xmit = cap_xmit};
    assert_null(l2tp_ctrl_new(NULL, &no_deliver, NULL));
    struct cap *k = cap_new(NULL);
    l2tp_ctrl_set_peer_rws(k->c, 0);
    assert_int_equal(stats(k).peer_rws, 4);
    l2tp_ctrl_set_peer_rws(k->c, 65535);
    assert_int_equal(stats(k).peer_rws, 32767);
    l2tp_ctrl_set_peer_rws(k->c, 1);
    assert_int_equal(stats(k).peer_rws, 1);
    assert_int_equal(stats(k).ssthresh, 1);
    cap_free(k);
    cfg.rws = 0;
    k = cap_new(&cfg);
    feed_msg(k, 0, 15, 0, 15); /* window fell back to 16 */
    assert_int_equal(stats(k).rx_reordered, 1);
    cap_free(k);
}

int main(void)
{
    lx_log_open(LX_LOG_SINK_NONE, "test", LX_LOG_DEBUG);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_message_header_bytes),
        cmocka_unit_test(test_zlb_header_bytes),
        cmocka_unit_test(test_appendix_b1_lockstep),
        cmocka_unit_test(test_appendix_b2_lost_packet),
        cmocka_unit_test(test_delayed_zlb_timing),
        cmocka_unit_test(test_piggyback_ack),
        cmocka_unit_test(test_duplicate_acked_not_redelivered),
        cmocka_unit_test(test_reorder_queue_in_order),
        cmocka_unit_test(test_reorder_across_wrap),
        cmocka_unit_test(test_out_of_window_dropped),
        cmocka_unit_test(test_bad_nr_ignored),
        cmocka_unit_test(test_slow_start_and_collapse),
        cmocka_unit_test(test_go_back_after_timeout),
        cmocka_unit_test(test_backoff_timeline_and_dead),
        cmocka_unit_test(test_free_from_dead_callback),
        cmocka_unit_test(test_backoff_resets_on_ack),
        cmocka_unit_test(test_hello_after_idle),
        cmocka_unit_test(test_hello_not_when_data_activity),
        cmocka_unit_test(test_hello_unanswered_kills),
        cmocka_unit_test(test_queue_bounded),
        cmocka_unit_test(test_flush_ack),
        cmocka_unit_test(test_initial_seq_and_wrap),
        cmocka_unit_test(test_cfg_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
