/* Engine tests: the data path (RFC 2661 §3.1 data header, §5.4 data
 * sequencing). l2tp_session_data_header (the TUN -> UDP fast path) byte
 * for byte, against l2tp_session_send_data, and microbenchmarks of
 * l2tp_engine_input for data messages (the LNS's UDP -> PPP path), which
 * must not allocate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "harness.h"
#include "l2tp/header.h"
#include "lib/buf.h"

/* ---- Allocation counting (the test is linked with --wrap for these) ---- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);

static unsigned long n_allocs;

void *__wrap_malloc(size_t n)
{
    n_allocs++;
    return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
    n_allocs++;
    return __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
    n_allocs++;
    return __real_realloc(p, n);
}

static int setup(void **state)
{
    (void)state;
    h_reset(5150);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    h_free_all();
    return 0;
}

static struct h_node *lac, *lns;
static struct l2tp_tunnel *t_lac;

/* One incoming call; returns the LNS's session, *s_lac the LAC's. */
static struct l2tp_session *one_call(bool len_bit, bool seq, struct l2tp_session **s_lac)
{
    lac = h_add_node("10.0.0.1", 1701);
    lns = h_add_node("10.0.0.2", 1701);
    lns->tcfg.data_len_bit = len_bit;
    lns->tcfg.seq_required = seq; /* §5.4: the LNS decides, the LAC follows */
    t_lac = h_open_tunnel(lac, lns);
    struct l2tp_call_params p;
    memset(&p, 0, sizeof(p));
    p.call_serial = 1;
    struct l2tp_session *s = l2tp_session_incoming_call(lac->e, h_now, t_lac, &p);
    assert_non_null(s);
    h_run(1000);
    const struct h_event *up = h_last(lns, L2TP_EV_SESSION_UP);
    assert_non_null(up);
    if (s_lac)
        *s_lac = s;
    return up->session;
}

/* Captures the data messages one node sends. */
static uint8_t cap_pkt[4][256];
static size_t cap_len[4];
static unsigned n_cap;
static size_t capture(struct h_node *from, uint8_t *pkt, size_t len, size_t cap)
{
    (void)from;
    (void)cap;
    struct l2tp_hdr h;
    if (l2tp_hdr_decode(pkt, len, &h) == L2TP_HDR_OK && !h.is_ctrl && n_cap < 4 && len <= 256) {
        memcpy(cap_pkt[n_cap], pkt, len);
        cap_len[n_cap++] = len;
    }
    return len;
}

/* §3.1: the exact header for each combination of L and S, Ns counting
 * up, counters, addresses, and the peer accepting what it built. */
static void test_data_header_bytes(void **state)
{
    (void)state;
    for (int v = 0; v < 4; v++) {
        h_reset(5150 + (uint64_t)v);
        bool len_bit = v & 1, seq = v & 2;
        struct l2tp_session *n = one_call(len_bit, seq, NULL);
        struct l2tp_tunnel *tn = l2tp_session_tunnel(n);
        struct l2tp_tunnel_info ti;
        struct l2tp_session_info si;
        l2tp_tunnel_get_info(tn, &ti);
        l2tp_session_get_info(n, &si);
        assert_int_equal(si.seq, seq);

        uint8_t frame[100];
        memset(frame, 0x5a, sizeof(frame));
        frame[0] = 0xff;
        frame[1] = 0x03;
        size_t want_hl = 6 + (len_bit ? 2 : 0) + (seq ? 4 : 0);
        for (uint16_t i = 0; i < 3; i++) {
            uint8_t pkt[256];
            memset(pkt, 0xee, sizeof(pkt));
            const struct l2tp_addr *la = NULL, *pa = NULL;
            size_t hl = l2tp_session_data_header(n, pkt, sizeof(pkt), sizeof(frame), &la, &pa);
            assert_int_equal(hl, want_hl);
            assert_int_equal(pkt[hl], 0xee); /* nothing past the header */
            uint8_t want[12];
            size_t o = 0;
            uint16_t flags = 0x0002 | (len_bit ? 0x4000 : 0) | (seq ? 0x0800 : 0);
            lx_put_u16(want + o, flags);
            o += 2;
            if (len_bit) {
                lx_put_u16(want + o, (uint16_t)(want_hl + sizeof(frame)));
                o += 2;
            }
            lx_put_u16(want + o, ti.peer_id);
            lx_put_u16(want + o + 2, si.peer_id);
            o += 4;
            if (seq) {
                lx_put_u16(want + o, i); /* Ns counts from 0 */
                lx_put_u16(want + o + 2, 0);
                o += 4;
            }
            assert_int_equal(o, want_hl);
            assert_memory_equal(pkt, want, want_hl);
            assert_non_null(la);
            assert_non_null(pa);
            assert_true(l2tp_addr_equal(la, &ti.local));
            assert_true(l2tp_addr_equal(pa, &ti.peer));
            assert_true(l2tp_addr_equal(pa, &lac->addr));

            /* The LAC takes it as any data message. */
            memcpy(pkt + hl, frame, sizeof(frame));
            uint64_t f0 = lac->data_frames;
            l2tp_engine_input(lac->e, h_now, &lac->addr, &lns->addr, pkt, hl + sizeof(frame));
            assert_int_equal(lac->data_frames, f0 + 1);
            assert_int_equal(lac->last_frame_len, sizeof(frame));
            assert_memory_equal(lac->last_frame, frame, sizeof(frame));
        }
        l2tp_session_get_info(n, &si);
        l2tp_tunnel_get_info(tn, &ti);
        assert_int_equal(si.tx_pkts, 3);
        assert_int_equal(si.tx_bytes, 3 * (want_hl + sizeof(frame)));
        assert_int_equal(ti.tx_data_pkts, 3);
        assert_int_equal(ti.tx_data_bytes, 3 * (want_hl + sizeof(frame)));
        /* The receiver counts the same bytes. */
        struct l2tp_session_info li;
        const struct h_event *lup = h_last(lac, L2TP_EV_SESSION_UP);
        l2tp_session_get_info(lup->session, &li);
        assert_int_equal(li.rx_pkts, 3);
        assert_int_equal(li.rx_bytes, si.tx_bytes);
        h_free_all();
    }
}

/* l2tp_session_data_header + the frame is what l2tp_session_send_data
 * sends, and the two share one Ns sequence. */
static void test_data_header_equiv(void **state)
{
    (void)state;
    for (int v = 0; v < 4; v++) {
        h_reset(6000 + (uint64_t)v);
        bool len_bit = v & 1, seq = v & 2;
        struct l2tp_session *n = one_call(len_bit, seq, NULL);
        uint8_t frame[77];
        for (size_t i = 0; i < sizeof(frame); i++)
            frame[i] = (uint8_t)(i * 7);

        n_cap = 0;
        lns->mangle = capture;
        assert_int_equal(l2tp_session_send_data(lns->e, n, frame, sizeof(frame)), 0);
        lns->mangle = NULL;
        assert_int_equal(n_cap, 1);

        uint8_t pkt[256];
        const struct l2tp_addr *la, *pa;
        size_t hl = l2tp_session_data_header(n, pkt, sizeof(pkt), sizeof(frame), &la, &pa);
        assert_int_not_equal(hl, 0);
        memcpy(pkt + hl, frame, sizeof(frame));
        assert_int_equal(hl + sizeof(frame), cap_len[0]);
        if (seq) {
            /* One Ns later: Ns 0 from send_data, 1 from data_header. */
            struct l2tp_hdr h1, h2;
            assert_int_equal(l2tp_hdr_decode(cap_pkt[0], cap_len[0], &h1), L2TP_HDR_OK);
            assert_int_equal(l2tp_hdr_decode(pkt, hl + sizeof(frame), &h2), L2TP_HDR_OK);
            assert_int_equal(h1.ns, 0);
            assert_int_equal(h2.ns, 1);
            lx_put_u16(pkt + hl - 4, 0);
        }
        assert_memory_equal(pkt, cap_pkt[0], cap_len[0]);

        /* And the next send_data continues the sequence. */
        n_cap = 0;
        lns->mangle = capture;
        assert_int_equal(l2tp_session_send_data(lns->e, n, frame, sizeof(frame)), 0);
        lns->mangle = NULL;
        struct l2tp_hdr h3;
        assert_int_equal(l2tp_hdr_decode(cap_pkt[0], cap_len[0], &h3), L2TP_HDR_OK);
        assert_int_equal(h3.has_seq, seq);
        if (seq)
            assert_int_equal(h3.ns, 2);
        struct l2tp_session_info si;
        l2tp_session_get_info(n, &si);
        assert_int_equal(si.tx_pkts, 3);
        assert_int_equal(si.tx_bytes, 3 * (hl + sizeof(frame)));
        h_run(100);
        h_free_all();
    }
}

static unsigned down_checked;
static void check_down(struct h_node *nd, const struct l2tp_event *ev)
{
    (void)nd;
    if (ev->type != L2TP_EV_SESSION_DOWN)
        return;
    uint8_t pkt[64];
    const struct l2tp_addr *la = NULL, *pa = NULL;
    assert_int_equal(l2tp_session_data_header(ev->session, pkt, sizeof(pkt), 10, &la, &pa), 0);
    assert_null(la);
    down_checked++;
}

/* No header (0) and nothing counted or consumed when the session cannot
 * send: not established yet, tunnel closed, cap too small, too large. */
static void test_data_header_refused(void **state)
{
    (void)state;
    uint8_t pkt[64];
    const struct l2tp_addr *la = NULL, *pa = NULL;
    assert_int_equal(l2tp_session_data_header(NULL, pkt, sizeof(pkt), 10, &la, &pa), 0);

    lac = h_add_node("10.0.0.1", 1701);
    lns = h_add_node("10.0.0.2", 1701);
    lac->tcfg.seq_required = true;
    lac->tcfg.data_len_bit = true;
    /* Placed before the tunnel is up: waits for it. */
    struct l2tp_tunnel *t = l2tp_tunnel_open(lac->e, h_now, &lac->tcfg, &lac->addr, &lns->addr);
    struct l2tp_call_params p;
    memset(&p, 0, sizeof(p));
    struct l2tp_session *s = l2tp_session_incoming_call(lac->e, h_now, t, &p);
    assert_non_null(s);
    assert_int_equal(l2tp_session_data_header(s, pkt, sizeof(pkt), 10, &la, &pa), 0);
    assert_null(la);
    assert_null(pa);
    h_run(1000);
    struct l2tp_session_info si;
    l2tp_session_get_info(s, &si);
    assert_int_equal(si.state, L2TP_SESSION_ESTABLISHED);
    assert_true(si.seq);
    /* L + S: a 12-byte header. */
    assert_int_equal(l2tp_session_data_header(s, pkt, 11, 10, &la, &pa), 0);
    assert_int_equal(l2tp_session_data_header(s, pkt, sizeof(pkt), 65535, &la, &pa), 0);
    l2tp_session_get_info(s, &si);
    assert_int_equal(si.tx_pkts, 0);
    assert_int_equal(si.tx_bytes, 0);
    assert_int_equal(l2tp_session_data_header(s, pkt, 12, 10, NULL, NULL), 12);
    struct l2tp_hdr h;
    lx_put_u16(pkt + 2, 12); /* a header-only message to decode */
    assert_int_equal(l2tp_hdr_decode(pkt, 12, &h), L2TP_HDR_OK);
    assert_int_equal(h.ns, 0); /* the refused calls consumed no Ns */
    l2tp_session_get_info(s, &si);
    assert_int_equal(si.tx_pkts, 1);
    assert_int_equal(si.tx_bytes, 22);

    /* A second call, still in setup: refused. */
    struct l2tp_session *s2 = l2tp_session_incoming_call(lac->e, h_now, t, &p);
    assert_non_null(s2);
    assert_int_equal(l2tp_session_data_header(s2, pkt, sizeof(pkt), 10, &la, &pa), 0);
    h_run(1000);
    /* Going down: from SESSION_DOWN on, nothing more (the session is
     * still valid inside the event). */
    down_checked = 0;
    lac->on_event = check_down;
    l2tp_tunnel_close(lac->e, h_now, t, L2TP_STOPCCN_GENERAL_CLEAR, 0, NULL);
    assert_int_equal(down_checked, 2);
    h_run(1000);
}

/* §5.4: late or duplicate sequenced messages are dropped; a peer that
 * restarts its Ns is followed after a short run of "late" messages. */
static void test_data_seq_restart(void **state)
{
    (void)state;
    struct l2tp_session *n = one_call(true, true, NULL);
    struct l2tp_session_info ni;
    l2tp_session_get_info(n, &ni);
    uint8_t pkt[64];
    struct l2tp_data_hdr_opts o = {.with_len = true, .with_seq = true};
    size_t hl = l2tp_hdr_encode_data(pkt, sizeof(pkt), ni.tunnel_local_id, ni.local_id, &o, 20);
    assert_int_equal(hl, 12);
    memset(pkt + hl, 0x21, 20);
#define SEND_NS(v)                                                              \
    do {                                                                        \
        lx_put_u16(pkt + 8, (uint16_t)(v));                                     \
        l2tp_engine_input(lns->e, h_now, &lns->addr, &lac->addr, pkt, hl + 20); \
    } while (0)
    for (unsigned i = 0; i < 100; i++)
        SEND_NS(i);
    assert_int_equal(lns->data_frames, 100);
    /* Isolated duplicates between in-order messages: each is dropped. */
    for (unsigned i = 100; i < 120; i++) {
        SEND_NS(i);
        SEND_NS(i - 5);
    }
    SEND_NS(120);
    assert_int_equal(lns->data_frames, 121);
    l2tp_session_get_info(n, &ni);
    assert_int_equal(ni.rx_seq_drops, 20);
    /* The peer starts over at 0: 8 dropped, then followed. */
    for (unsigned i = 0; i < 20; i++)
        SEND_NS(i);
    assert_int_equal(lns->data_frames, 121 + 12);
    l2tp_session_get_info(n, &ni);
    assert_int_equal(ni.rx_seq_drops, 28);
    SEND_NS(5); /* now late again */
    assert_int_equal(lns->data_frames, 133);
#undef SEND_NS
}

/* ---- Microbenchmarks ---- */

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Generous enough for ASan+UBSan builds and busy CI machines; a normal
 * (-O2) build is expected well under 300 ns per packet. */
#define BENCH_MAX_NS   1500.0
#define BENCH_SESSIONS 256
#define BENCH_FRAME    100

struct bench {
    uint8_t pkt[BENCH_SESSIONS][BENCH_FRAME + 16];
    size_t len[BENCH_SESSIONS];
    size_t hl[BENCH_SESSIONS];
};

/* BENCH_SESSIONS calls on one tunnel; packets as the LAC builds them. */
static void bench_setup(struct bench *b, bool len_bit, bool seq)
{
    lac = h_add_node("10.0.0.1", 1701);
    lns = h_add_node("10.0.0.2", 1701);
    lac->tcfg.data_len_bit = len_bit;
    lns->tcfg.data_len_bit = len_bit;
    lac->tcfg.seq_required = seq;
    t_lac = h_open_tunnel(lac, lns);
    struct l2tp_session *s[BENCH_SESSIONS];
    struct l2tp_call_params p;
    memset(&p, 0, sizeof(p));
    for (unsigned i = 0; i < BENCH_SESSIONS; i++) {
        p.call_serial = i;
        s[i] = l2tp_session_incoming_call(lac->e, h_now, t_lac, &p);
        assert_non_null(s[i]);
    }
    h_run(5000);
    assert_int_equal(h_count(lns, L2TP_EV_SESSION_UP), BENCH_SESSIONS);
    uint8_t frame[BENCH_FRAME];
    memset(frame, 0x42, sizeof(frame));
    frame[0] = 0xff;
    frame[1] = 0x03;
    for (unsigned i = 0; i < BENCH_SESSIONS; i++) {
        b->hl[i] =
            l2tp_session_data_header(s[i], b->pkt[i], sizeof(b->pkt[i]), sizeof(frame), NULL, NULL);
        assert_int_not_equal(b->hl[i], 0);
        memcpy(b->pkt[i] + b->hl[i], frame, sizeof(frame));
        b->len[i] = b->hl[i] + sizeof(frame);
    }
    lns->data_count_only = true;
}

static double bench_input(struct bench *b, unsigned npkts, bool seq)
{
    uint64_t f0 = lns->data_frames;
    unsigned long a0 = n_allocs;
    struct l2tp_engine *e = lns->e;
    const struct l2tp_addr *local = &lns->addr, *peer = &lac->addr;
    double t0 = now_ns();
    for (unsigned i = 0; i < npkts; i++) {
        unsigned k = i % BENCH_SESSIONS;
        if (seq) {
            /* §5.4: every session's Ns moves on by one per round. */
            uint16_t ns = (uint16_t)(i / BENCH_SESSIONS + 1);
            lx_put_u16(b->pkt[k] + b->hl[k] - 4, ns);
        }
        l2tp_engine_input(e, h_now, local, peer, b->pkt[k], b->len[k]);
    }
    double ns = (now_ns() - t0) / npkts;
    assert_int_equal(n_allocs - a0, 0); /* no allocation on the data path */
    assert_int_equal(lns->data_frames - f0, npkts);
    return ns;
}

static void test_bench_input(void **state)
{
    (void)state;
    struct bench *b = calloc(1, sizeof(*b));
    assert_non_null(b);
    bench_setup(b, true, false);
    struct l2tp_engine_stats st0, st1;
    l2tp_engine_get_stats(lns->e, &st0);
    double ns = bench_input(b, 2000000, false);
    l2tp_engine_get_stats(lns->e, &st1);
    assert_int_equal(st1.rx_data_dropped, st0.rx_data_dropped);
    printf("l2tp_engine_input, data (L bit, %u sessions): %.1f ns/packet\n", BENCH_SESSIONS, ns);
    assert_true(ns < BENCH_MAX_NS);
    h_free_all();

    h_reset(99);
    bench_setup(b, false, true);
    ns = bench_input(b, 1000000, true);
    printf("l2tp_engine_input, sequenced data (%u sessions): %.1f ns/packet\n", BENCH_SESSIONS, ns);
    assert_true(ns < BENCH_MAX_NS);
    struct l2tp_session_info si;
    l2tp_session_get_info(h_last(lns, L2TP_EV_SESSION_UP)->session, &si);
    assert_int_equal(si.rx_seq_drops, 0);
    free(b);
}

/* The transmit side: the fast-path header builder and send_data. */
static void test_bench_output(void **state)
{
    (void)state;
    struct bench *b = calloc(1, sizeof(*b));
    assert_non_null(b);
    bench_setup(b, true, true);
    struct l2tp_session *n[BENCH_SESSIONS];
    for (unsigned i = 0, k = 0; i < lns->n_ev; i++)
        if (lns->ev[i].type == L2TP_EV_SESSION_UP)
            n[k++] = lns->ev[i].session;
    uint8_t frame[BENCH_FRAME] = {0xff, 0x03};
    uint8_t hdr[16];
    const unsigned npkts = 2000000;
    unsigned long a0 = n_allocs;
    size_t sum = 0;
    double t0 = now_ns();
    for (unsigned i = 0; i < npkts; i++) {
        const struct l2tp_addr *la, *pa;
        sum += l2tp_session_data_header(n[i % BENCH_SESSIONS], hdr, sizeof(hdr), sizeof(frame), &la,
                                        &pa);
    }
    double ns = (now_ns() - t0) / npkts;
    assert_int_equal(sum, (size_t)npkts * 12);
    assert_int_equal(n_allocs - a0, 0);
    printf("l2tp_session_data_header: %.1f ns/packet\n", ns);
    assert_true(ns < BENCH_MAX_NS);

    lns->send_discard = true;
    uint64_t tx0 = lns->tx_pkts;
    t0 = now_ns();
    for (unsigned i = 0; i < npkts; i++)
        assert_int_equal(
            l2tp_session_send_data(lns->e, n[i % BENCH_SESSIONS], frame, sizeof(frame)), 0);
    ns = (now_ns() - t0) / npkts;
    assert_int_equal(lns->tx_pkts - tx0, npkts);
    assert_int_equal(n_allocs - a0, 0);
    printf("l2tp_session_send_data: %.1f ns/packet\n", ns);
    assert_true(ns < BENCH_MAX_NS);
    lns->send_discard = false;
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_data_header_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_header_equiv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_header_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_seq_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bench_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bench_output, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
