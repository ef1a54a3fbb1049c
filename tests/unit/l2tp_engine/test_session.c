/* Engine tests: calls (RFC 2661 §7.4 LAC/LNS incoming, §7.5 LAC/LNS
 * outgoing), CDN both ways (§5.6), WEN and SLI (§6.13, §6.14), many
 * sessions per tunnel, data messages with and without sequencing (§5.4)
 * and session-scope AVP errors (§4.2). */
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
    h_reset(4242);
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

static void pair(void)
{
    lac = h_add_node("10.0.0.1", 1701);
    lns = h_add_node("10.0.0.2", 1701);
    lac->tcfg.bearer_cap = L2TP_BEARER_ANALOG | L2TP_BEARER_DIGITAL;
    t_lac = h_open_tunnel(lac, lns);
}

static void params(struct l2tp_call_params *p, uint32_t serial)
{
    memset(p, 0, sizeof(*p));
    p->call_serial = serial;
    p->bearer_type = L2TP_BEARER_ANALOG;
    p->framing_type = L2TP_FRAMING_SYNC;
    p->tx_connect_speed = 1000000;
    p->rx_connect_speed = 2000000;
    p->min_bps = 9600;
    p->max_bps = 1000000;
    snprintf(p->calling_number, sizeof(p->calling_number), "%s", "+15551234");
    snprintf(p->called_number, sizeof(p->called_number), "%s", "+15550000");
    snprintf(p->sub_address, sizeof(p->sub_address), "%s", "7");
}

static struct l2tp_session *lns_session(void)
{
    const struct h_event *up = h_last(lns, L2TP_EV_SESSION_UP);
    return up ? up->session : NULL;
}

/* §7.4.1 / §7.4.2: ICRQ -> ICRP -> ICCN. */
static void test_incoming_call(void **state)
{
    (void)state;
    pair();
    struct l2tp_call_params p;
    params(&p, 77);
    p.proxy_auth_type = L2TP_PROXY_AUTH_CHAP;
    snprintf(p.proxy_auth_name, sizeof(p.proxy_auth_name), "%s", "alice");
    p.proxy_auth_challenge_len = 16;
    memset(p.proxy_auth_challenge, 0xab, 16);
    p.proxy_auth_id = 9;
    p.proxy_auth_response_len = 16;
    memset(p.proxy_auth_response, 0xcd, 16);
    p.init_rcvd_lcp_confreq_len = 6;
    memcpy(p.init_rcvd_lcp_confreq, "\x01\x04\x05\xdc\x05\x06", 6);
    struct l2tp_session *s = l2tp_session_incoming_call(lac->e, h_now, t_lac, &p);
    assert_non_null(s);
    struct l2tp_session_info si;
    l2tp_session_get_info(s, &si);
    assert_int_equal(si.state, L2TP_SESSION_WAIT_REPLY);
    assert_true(si.lac);
    assert_true(si.incoming);
    h_run(1000);
    assert_int_equal(h_count(lac, L2TP_EV_SESSION_UP), 1);
    assert_int_equal(h_count(lns, L2TP_EV_SESSION_UP), 1);
    struct l2tp_session *sn = lns_session();
    assert_ptr_equal(sn, lns->last_accepted);
    struct l2tp_session_info ni;
    l2tp_session_get_info(s, &si);
    l2tp_session_get_info(sn, &ni);
    assert_int_equal(si.state, L2TP_SESSION_ESTABLISHED);
    assert_int_equal(ni.state, L2TP_SESSION_ESTABLISHED);
    assert_int_equal(si.peer_id, ni.local_id);
    assert_int_equal(ni.peer_id, si.local_id);
    assert_false(ni.lac);
    assert_true(ni.incoming);
    assert_ptr_equal(l2tp_tunnel_find_session(h_first_tunnel(lns), ni.local_id), sn);
    const struct h_event *up = h_last(lns, L2TP_EV_SESSION_UP);
    assert_true(up->had_call);
    assert_int_equal(up->call.call_serial, 77);
    assert_string_equal(up->call.calling_number, "+15551234");
    assert_string_equal(up->call.called_number, "+15550000");
    assert_string_equal(up->call.sub_address, "7");
    assert_int_equal(up->call.tx_connect_speed, 1000000);
    assert_int_equal(up->call.rx_connect_speed, 2000000);
    assert_int_equal(up->call.framing_type, L2TP_FRAMING_SYNC);
    assert_int_equal(up->call.bearer_type, L2TP_BEARER_ANALOG);
    assert_int_equal(up->call.proxy_auth_type, L2TP_PROXY_AUTH_CHAP);
    assert_string_equal(up->call.proxy_auth_name, "alice");
    assert_int_equal(up->call.proxy_auth_id, 9);
    assert_int_equal(up->call.proxy_auth_challenge_len, 16);
    assert_int_equal(up->call.proxy_auth_response_len, 16);
    assert_int_equal(up->call.init_rcvd_lcp_confreq_len, 6);
    assert_false(up->call.seq_required);
    struct l2tp_tunnel_info ti;
    l2tp_tunnel_get_info(t_lac, &ti);
    assert_int_equal(ti.n_sessions, 1);
}

/* §7.4.1 wait-tunnel: a call placed before the tunnel is up waits. */
static void test_incoming_call_wait_tunnel(void **state)
{
    (void)state;
    lac = h_add_node("10.0.0.1", 1701);
    lns = h_add_node("10.0.0.2", 1701);
    struct l2tp_tunnel *t = l2tp_tunnel_open(lac->e, h_now, &lac->tcfg, &lac->addr, &lns->addr);
    struct l2tp_call_params p;
    params(&p, 1);
    struct l2tp_session *s = l2tp_session_incoming_call(lac->e, h_now, t, &p);
    struct l2tp_session *s2 = l2tp_session_incoming_call(lac->e, h_now, t, &p);
    assert_non_null(s);
    struct l2tp_session_info si;
    l2tp_session_get_info(s, &si);
    assert_int_equal(si.state, L2TP_SESSION_WAIT_TUNNEL);
    /* Closing a waiting call: no CDN, just gone (§7.4.1). */
    l2tp_session_close(lac->e, h_now, s2, L2TP_CDN_ADMIN, 0, NULL);
    assert_int_equal(h_count(lac, L2TP_EV_SESSION_DOWN), 1);
    h_run(2000);
    assert_int_equal(h_count(lac, L2TP_EV_SESSION_UP), 1);
    assert_int_equal(h_count(lns, L2TP_EV_SESSION_UP), 1);
    assert_ptr_equal(h_last(lac, L2TP_EV_SESSION_UP)->session, s);
}

/* §7.5.2 / §7.5.1: OCRQ -> OCRP -> (answer) -> OCCN. */
static void test_outgoing_call(void **state)
{
    (void)state;
    pair();
    struct l2tp_tunnel *t_lns = h_first_tunnel(lns);
    struct l2tp_call_params p;
    params(&p, 500);
    struct l2tp_session *sn = l2tp_session_outgoing_call(lns->e, h_now, t_lns, &p);
    assert_non_null(sn);
    h_run(1000);
    struct l2tp_session *sl = lac->last_accepted;
    assert_non_null(sl);
    struct l2tp_session_info si, ni;
    l2tp_session_get_info(sl, &si);
    l2tp_session_get_info(sn, &ni);
    assert_int_equal(si.state, L2TP_SESSION_WAIT_CS_ANSWER);
    assert_int_equal(ni.state, L2TP_SESSION_WAIT_CONNECT);
    assert_true(si.lac);
    assert_false(si.incoming);
    assert_false(ni.lac);
    assert_int_equal(h_count(lac, L2TP_EV_SESSION_UP), 0);
    struct l2tp_call_params ans;
    memset(&ans, 0, sizeof(ans));
    ans.tx_connect_speed = 33600;
    ans.rx_connect_speed = 31200;
    ans.framing_type = L2TP_FRAMING_ASYNC;
    l2tp_session_outgoing_answered(lac->e, h_now, sl, &ans);
    assert_int_equal(h_count(lac, L2TP_EV_SESSION_UP), 1);
    h_run(1000);
    assert_int_equal(h_count(lns, L2TP_EV_SESSION_UP), 1);
    const struct h_event *up = h_last(lns, L2TP_EV_SESSION_UP);
    assert_ptr_equal(up->session, sn);
    assert_int_equal(up->call.tx_connect_speed, 33600);
    assert_int_equal(up->call.rx_connect_speed, 31200);
    assert_int_equal(up->call.framing_type, L2TP_FRAMING_ASYNC);
    assert_string_equal(up->call.called_number, "+15550000");
    l2tp_session_get_info(sl, &si);
    l2tp_session_get_info(sn, &ni);
    assert_int_equal(si.peer_id, ni.local_id);
    assert_int_equal(ni.peer_id, si.local_id);

    /* The LAC's call attempt fails instead: CDN from wait-cs-answer. */
    sn = l2tp_session_outgoing_call(lns->e, h_now, t_lns, &p);
    h_run(1000);
    sl = lac->last_accepted;
    l2tp_session_close(lac->e, h_now, sl, L2TP_CDN_BUSY, 0, "busy");
    h_run(1000);
    const struct h_event *d = h_find_session_ev(lns, L2TP_EV_SESSION_DOWN, sn);
    assert_non_null(d);
    assert_int_equal(d->result_code, L2TP_CDN_BUSY);
    assert_string_equal(d->message, "busy");
}

/* §6.9: no OCRQ to a peer that sent no Bearer Capabilities. */
static void test_outgoing_needs_bearer(void **state)
{
    (void)state;
    lac = h_add_node("10.0.0.1", 1701);
    lns = h_add_node("10.0.0.2", 1701);
    h_open_tunnel(lac, lns); /* bearer_cap 0 is still sent: accepted */
    struct l2tp_call_params p;
    params(&p, 1);
    assert_non_null(l2tp_session_outgoing_call(lns->e, h_now, h_first_tunnel(lns), &p));
}

static void test_cdn_both_ways(void **state)
{
    (void)state;
    pair();
    struct l2tp_call_params p;
    params(&p, 1);
    struct l2tp_session *s1 = l2tp_session_incoming_call(lac->e, h_now, t_lac, &p);
    h_run(1000);
    struct l2tp_session *n1 = lns_session();
    struct l2tp_session *s2 = l2tp_session_incoming_call(lac->e, h_now, t_lac, &p);
    h_run(1000);
    struct l2tp_session *n2 = lns_session();
    assert_ptr_not_equal(n1, n2);

    /* LAC hangs up: Result 1 (lost carrier). */
    l2tp_session_close(lac->e, h_now, s1, L2TP_CDN_LOST_CARRIER, 0, NULL);
    const struct h_event *d = h_find_session_ev(lac, L2TP_EV_SESSION_DOWN, s1);
    assert_non_null(d);
    assert_true(d->local);
    h_run(1000);
    d = h_find_session_ev(lns, L2TP_EV_SESSION_DOWN, n1);
    assert_non_null(d);
    assert_false(d->local);
    assert_int_equal(d->result_code, L2TP_CDN_LOST_CARRIER);

    /* LNS hangs up: Result 2 with an Error Code and message. */
    l2tp_session_close(lns->e, h_now, n2, L2TP_CDN_GENERAL_ERROR, L2TP_ERR_VENDOR, "vendor says");
    h_run(1000);
    d = h_find_session_ev(lac, L2TP_EV_SESSION_DOWN, s2);
    assert_non_null(d);
    assert_false(d->local);
    assert_int_equal(d->result_code, L2TP_CDN_GENERAL_ERROR);
    assert_int_equal(d->error_code, L2TP_ERR_VENDOR);
    assert_string_equal(d->message, "vendor says");
    struct l2tp_tunnel_info ti;
    l2tp_tunnel_get_info(t_lac, &ti);
    assert_int_equal(ti.n_sessions, 0);
    /* The tunnel stays. */
    assert_int_equal(ti.state, L2TP_TUNNEL_ESTABLISHED);
    struct l2tp_engine_stats st;
    l2tp_engine_get_stats(lns->e, &st);
    assert_int_equal(st.sessions, 0);
    assert_int_equal(st.sessions_opened, 2);
    assert_int_equal(st.sessions_closed, 2);
}

/* LAC hangs up before the ICRP arrives: CDN with Session ID 0 (§5.3). */
static size_t delay_icrp;
static size_t drop_icrp(struct h_node *from, uint8_t *pkt, size_t len, size_t cap)
{
    (void)from;
    (void)cap;
    if (h_msg_type(pkt, len) == L2TP_MSG_ICRP && delay_icrp) {
        delay_icrp--;
        return 0;
    }
    return len;
}

static void test_cdn_before_reply(void **state)
{
    (void)state;
    pair();
    lns->mangle = drop_icrp;
    delay_icrp = 100;
    struct l2tp_call_params p;
    params(&p, 1);
    struct l2tp_session *s = l2tp_session_incoming_call(lac->e, h_now, t_lac, &p);
    h_run(500);
    assert_non_null(lns->last_accepted);
    l2tp_session_close(lac->e, h_now, s, L2TP_CDN_LOST_CARRIER, 0, NULL);
    /* The CDN waits for the window: the ICRQ is acknowledged only after
     * its retransmission (the piggy-backing ICRP was lost). */
    h_run(3000);
    const struct h_event *d = h_find_session_ev(lns, L2TP_EV_SESSION_DOWN, lns->last_accepted);
    assert_non_null(d);
    assert_int_equal(d->result_code, L2TP_CDN_LOST_CARRIER);
}

static void test_session_refused(void **state)
{
    (void)state;
    pair();
    lns->refuse_sessions = true;
    struct l2tp_call_params p;
    params(&p, 1);
    struct l2tp_session *s = l2tp_session_incoming_call(lac->e, h_now, t_lac, &p);
    h_run(1000);
    const struct h_event *d = h_find_session_ev(lac, L2TP_EV_SESSION_DOWN, s);
    assert_non_null(d);
    assert_int_equal(d->result_code, L2TP_CDN_NO_FACILITIES_TEMP);
    assert_int_equal(h_count(lns, L2TP_EV_SESSION_DOWN), 0);
    struct l2tp_engine_stats st;
    l2tp_engine_get_stats(lns->e, &st);
    assert_int_equal(st.sessions, 0);
}

/* max_sessions per tunnel: the call over the limit gets CDN 4 / error 4. */
static void test_session_limit(void **state)
{
    (void)state;
    lac = h_add_node("10.0.0.1", 1701);
    lns = h_add_node("10.0.0.2", 1701);
    lns->tcfg.max_sessions = 3;
    t_lac = h_open_tunnel(lac, lns);
    struct l2tp_call_params p;
    params(&p, 1);
    struct l2tp_session *s[4];
    for (int i = 0; i < 4; i++)
        s[i] = l2tp_session_incoming_call(lac->e, h_now, t_lac, &p);
    h_run(1000);
    assert_int_equal(h_count(lns, L2TP_EV_SESSION_UP), 3);
    const struct h_event *d = h_find_session_ev(lac, L2TP_EV_SESSION_DOWN, s[3]);
    assert_non_null(d);
    assert_int_equal(d->result_code, L2TP_CDN_NO_FACILITIES_TEMP);
    assert_int_equal(d->error_code, L2TP_ERR_NO_RESOURCES);
}

static void test_wen_sli(void **state)
{
    (void)state;
    pair();
    struct l2tp_call_params p;
    params(&p, 1);
    struct l2tp_session *s = l2tp_session_incoming_call(lac->e, h_now, t_lac, &p);
    h_run(1000);
    struct l2tp_session *n = lns_session();
    uint32_t errs[6] = {1, 2, 3, 4, 5, 6};
    assert_int_equal(l2tp_session_send_wen(lac->e, h_now, s, errs), 0);
    assert_int_equal(l2tp_session_send_sli(lns->e, h_now, n, 0x000a0000, 0xffffffff), 0);
    /* Wrong directions are refused (§6.13: LAC to LNS, §6.14: LNS to LAC). */
    assert_int_equal(l2tp_session_send_wen(lns->e, h_now, n, errs), -1);
    assert_int_equal(l2tp_session_send_sli(lac->e, h_now, s, 0, 0), -1);
    h_run(1000);
    const struct h_event *w = h_last(lns, L2TP_EV_SESSION_WEN);
    assert_non_null(w);
    assert_ptr_equal(w->session, n);
    for (int i = 0; i < 6; i++)
        assert_int_equal(w->call_errors[i], (uint32_t)(i + 1));
    const struct h_event *sl = h_last(lac, L2TP_EV_SESSION_SLI);
    assert_non_null(sl);
    assert_ptr_equal(sl->session, s);
    assert_int_equal(sl->accm_send, 0x000a0000);
    assert_int_equal(sl->accm_recv, 0xffffffff);
    /* Applied: the session keeps working. */
    struct l2tp_session_info si;
    l2tp_session_get_info(s, &si);
    assert_int_equal(si.state, L2TP_SESSION_ESTABLISHED);
}

static int cmp_u16(const void *a, const void *b)
{
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static bool collect(void *arg, struct l2tp_session *s)
{
    uint16_t **pp = arg;
    struct l2tp_session_info si;
    l2tp_session_get_info(s, &si);
    *(*pp)++ = si.local_id;
    return true;
}

static void test_many_sessions(void **state)
{
    (void)state;
    pair();
    enum { N = 2000 };
    struct l2tp_call_params p;
    params(&p, 1);
    for (int i = 0; i < N; i++) {
        p.call_serial = (uint32_t)i;
        assert_non_null(l2tp_session_incoming_call(lac->e, h_now, t_lac, &p));
        /* The peer's window (16) bounds the call rate: let it drain. */
        if (i % 100 == 99)
            h_run(2000);
    }
    h_run(5000);
    assert_int_equal(h_count(lac, L2TP_EV_SESSION_UP), N);
    assert_int_equal(h_count(lns, L2TP_EV_SESSION_UP), N);
    struct l2tp_tunnel *t_lns = h_first_tunnel(lns);
    struct l2tp_tunnel_info ti;
    l2tp_tunnel_get_info(t_lns, &ti);
    assert_int_equal(ti.n_sessions, N);

    /* IDs unique, nonzero, and not handed out in sequence. */
    uint16_t *ids = calloc(N, sizeof(*ids)), *w = ids;
    l2tp_tunnel_foreach_session(t_lns, collect, &w);
    assert_int_equal(w - ids, N);
    unsigned ascending = 0;
    for (int i = 1; i < N; i++)
        if (ids[i] == (uint16_t)(ids[i - 1] + 1) || ids[i] == (uint16_t)(ids[i - 1] - 1))
            ascending++;
    assert_true(ascending < 10);
    qsort(ids, N, sizeof(*ids), cmp_u16);
    assert_int_not_equal(ids[0], 0);
    for (int i = 1; i < N; i++)
        assert_int_not_equal(ids[i], ids[i - 1]);
    /* Spread over the whole 16-bit space. */
    assert_true(ids[0] < 1000);
    assert_true(ids[N - 1] > 64000);
    free(ids);

    /* Every session can be found, and data reaches the right one. */
    const struct h_event *up = h_last(lns, L2TP_EV_SESSION_UP);
    uint8_t frame[4] = {0xff, 0x03, 0xc0, 0x21};
    assert_int_equal(l2tp_session_send_data(lns->e, up->session, frame, 4), 0);
    h_run(100);
    assert_int_equal(lac->data_frames, 1);

    /* StopCCN takes them all down on both sides. */
    l2tp_tunnel_close(lns->e, h_now, t_lns, L2TP_STOPCCN_GENERAL_CLEAR, 0, NULL);
    h_run(2000);
    assert_int_equal(h_count(lac, L2TP_EV_SESSION_DOWN), N);
    assert_int_equal(h_count(lns, L2TP_EV_SESSION_DOWN), N);
    struct l2tp_engine_stats st;
    l2tp_engine_get_stats(lac->e, &st);
    assert_int_equal(st.sessions, 0);
}

/* ---- Data ---- */

static void send_frames(struct h_node *from, struct l2tp_session *s, int n, uint8_t tag)
{
    uint8_t frame[100];
    for (int i = 0; i < n; i++) {
        memset(frame, tag + i, sizeof(frame));
        frame[0] = 0xff;
        frame[1] = 0x03;
        assert_int_equal(l2tp_session_send_data(from->e, s, frame, sizeof(frame)), 0);
    }
}

static void test_data_plain(void **state)
{
    (void)state;
    lac = h_add_node("10.0.0.1", 1701);
    lns = h_add_node("10.0.0.2", 1701);
    lac->tcfg.data_len_bit = true;
    t_lac = h_open_tunnel(lac, lns);
    struct l2tp_call_params p;
    params(&p, 1);
    struct l2tp_session *s = l2tp_session_incoming_call(lac->e, h_now, t_lac, &p);
    h_run(1000);
    struct l2tp_session *n = lns_session();
    send_frames(lac, s, 10, 1);
    send_frames(lns, n, 7, 50);
    h_run(100);
    assert_int_equal(lns->data_frames, 10);
    assert_int_equal(lac->data_frames, 7);
    assert_int_equal(lns->last_frame_len, 100);
    assert_int_equal(lns->last_frame[5], 1 + 9);
    assert_ptr_equal(lns->last_frame_session, n);
    assert_ptr_equal(lac->last_frame_session, s);
    struct l2tp_session_info si;
    l2tp_session_get_info(s, &si);
    assert_false(si.seq);
    assert_int_equal(si.tx_pkts, 10);
    assert_int_equal(si.rx_pkts, 7);
    assert_int_equal(si.tx_bytes, 10 * (100 + 8)); /* L bit: 8-byte headers */
    struct l2tp_tunnel_info ti;
    l2tp_tunnel_get_info(t_lac, &ti);
    assert_int_equal(ti.tx_data_pkts, 10);
    assert_int_equal(ti.rx_data_pkts, 7);
    /* Not on a session that is not established (yet). */
    struct l2tp_session *s2 = l2tp_session_incoming_call(lac->e, h_now, t_lac, &p);
    uint8_t f[2] = {0xff, 0x03};
    assert_int_equal(l2tp_session_send_data(lac->e, s2, f, 2), -1);
    h_run(100);
}

/* Captures data packets from one node so that the test can replay them
 * late or twice. */
static uint8_t saved[8][256];
static size_t saved_len[8];
static unsigned n_saved;
static bool hold_data;
static size_t capture_data(struct h_node *from, uint8_t *pkt, size_t len, size_t cap)
{
    (void)from;
    (void)cap;
    struct l2tp_hdr h;
    if (l2tp_hdr_decode(pkt, len, &h) == L2TP_HDR_OK && !h.is_ctrl && n_saved < 8 && len <= 256) {
        memcpy(saved[n_saved], pkt, len);
        saved_len[n_saved++] = len;
        if (hold_data)
            return 0;
    }
    return len;
}

static void test_data_seq(void **state)
{
    (void)state;
    lac = h_add_node("10.0.0.1", 1701);
    lns = h_add_node("10.0.0.2", 1701);
    lac->tcfg.seq_required = true; /* LAC asks: Sequencing Required in ICCN */
    t_lac = h_open_tunnel(lac, lns);
    struct l2tp_call_params p;
    params(&p, 1);
    struct l2tp_session *s = l2tp_session_incoming_call(lac->e, h_now, t_lac, &p);
    h_run(1000);
    struct l2tp_session *n = lns_session();
    assert_true(h_last(lns, L2TP_EV_SESSION_UP)->call.seq_required);
    struct l2tp_session_info si, ni;
    l2tp_session_get_info(s, &si);
    l2tp_session_get_info(n, &ni);
    assert_true(si.seq);
    assert_true(ni.seq);

    /* Send 4 frames, hold them, deliver in the order 0, 2, 1, 3, 2. */
    n_saved = 0;
    hold_data = true;
    lac->mangle = capture_data;
    send_frames(lac, s, 4, 10);
    assert_int_equal(n_saved, 4);
    lac->mangle = NULL;
    unsigned order[] = {0, 2, 1, 3, 2};
    for (unsigned i = 0; i < 5; i++) {
        struct l2tp_hdr h;
        assert_int_equal(l2tp_hdr_decode(saved[order[i]], saved_len[order[i]], &h), L2TP_HDR_OK);
        assert_true(h.has_seq);
        assert_int_equal(h.ns, order[i]);
        l2tp_engine_input(lns->e, h_now, &lns->addr, &lac->addr, saved[order[i]],
                          saved_len[order[i]]);
    }
    /* 1 is late, the second 2 a duplicate. */
    assert_int_equal(lns->data_frames, 3);
    l2tp_session_get_info(n, &ni);
    assert_int_equal(ni.rx_seq_drops, 2);
    assert_int_equal(ni.rx_pkts, 3);
    struct l2tp_engine_stats st;
    l2tp_engine_get_stats(lns->e, &st);
    assert_int_equal(st.rx_data_dropped, 2);

    /* The LNS sends sequenced data too; the LAC must keep sequencing. */
    send_frames(lns, n, 3, 1);
    h_run(100);
    assert_int_equal(lac->data_frames, 3);
    l2tp_session_get_info(s, &si);
    assert_true(si.seq);
}

/* §5.4: without Sequencing Required the LNS decides, the LAC follows. */
static void test_data_seq_lns_controlled(void **state)
{
    (void)state;
    lac = h_add_node("10.0.0.1", 1701);
    lns = h_add_node("10.0.0.2", 1701);
    lns->tcfg.seq_required = true; /* LNS enables sequencing by sending it */
    t_lac = h_open_tunnel(lac, lns);
    struct l2tp_call_params p;
    params(&p, 1);
    struct l2tp_session *s = l2tp_session_incoming_call(lac->e, h_now, t_lac, &p);
    h_run(1000);
    struct l2tp_session *n = lns_session();
    struct l2tp_session_info si, ni;
    l2tp_session_get_info(s, &si);
    l2tp_session_get_info(n, &ni);
    assert_false(si.seq);
    assert_true(ni.seq);
    send_frames(lns, n, 2, 1);
    h_run(100);
    l2tp_session_get_info(s, &si);
    assert_true(si.seq); /* "it MUST begin sending sequence numbers" */
    n_saved = 0;
    hold_data = false;
    lac->mangle = capture_data;
    send_frames(lac, s, 1, 1);
    lac->mangle = NULL;
    struct l2tp_hdr h;
    assert_int_equal(l2tp_hdr_decode(saved[0], saved_len[0], &h), L2TP_HDR_OK);
    assert_true(h.has_seq);
    h_run(100);
    assert_int_equal(lns->data_frames, 1);
}

/* Data to an unknown or not yet established session is dropped. */
static void test_data_unknown_session(void **state)
{
    (void)state;
    pair();
    struct l2tp_tunnel_info ti;
    l2tp_tunnel_get_info(h_first_tunnel(lns), &ti);
    uint8_t pkt[64];
    struct l2tp_data_hdr_opts o = {0};
    size_t hl = l2tp_hdr_encode_data(pkt, sizeof(pkt), ti.local_id, 4321, &o, 4);
    memset(pkt + hl, 0, 4);
    l2tp_engine_input(lns->e, h_now, &lns->addr, &lac->addr, pkt, hl + 4);
    struct l2tp_engine_stats st;
    l2tp_engine_get_stats(lns->e, &st);
    assert_int_equal(st.rx_unknown_session, 1);
    assert_int_equal(st.rx_data_dropped, 1);
    assert_int_equal(lns->data_frames, 0);
}

/* §4.2: unknown M-bit AVP in a session message: CDN, Result 2, Error 8;
 * the tunnel and other sessions stay. */
static size_t add_unknown_m_to_wen(struct h_node *from, uint8_t *pkt, size_t len, size_t cap)
{
    (void)from;
    if (h_msg_type(pkt, len) != L2TP_MSG_WEN)
        return len;
    uint8_t v[2] = {0, 1};
    return h_append_avp(pkt, len, cap, 1, 31337, 99, v, sizeof(v));
}

static void test_unknown_mandatory_session(void **state)
{
    (void)state;
    pair();
    struct l2tp_call_params p;
    params(&p, 1);
    struct l2tp_session *s = l2tp_session_incoming_call(lac->e, h_now, t_lac, &p);
    struct l2tp_session *s2 = l2tp_session_incoming_call(lac->e, h_now, t_lac, &p);
    h_run(1000);
    lac->mangle = add_unknown_m_to_wen;
    uint32_t errs[6] = {0};
    assert_int_equal(l2tp_session_send_wen(lac->e, h_now, s, errs), 0);
    h_run(1000);
    const struct h_event *d = h_find_session_ev(lac, L2TP_EV_SESSION_DOWN, s);
    assert_non_null(d);
    assert_false(d->local);
    assert_int_equal(d->result_code, L2TP_CDN_GENERAL_ERROR);
    assert_int_equal(d->error_code, L2TP_ERR_UNKNOWN_MANDATORY_AVP);
    assert_null(h_find_session_ev(lac, L2TP_EV_SESSION_DOWN, s2));
    assert_int_equal(h_count(lac, L2TP_EV_TUNNEL_DOWN), 0);
    assert_int_equal(h_count(lns, L2TP_EV_SESSION_DOWN), 1);
    assert_int_equal(h_count(lns, L2TP_EV_SESSION_WEN), 0);
}

/* ...and in an ICRQ (Session ID 0): the call is refused, not the tunnel. */
static size_t add_unknown_m_to_icrq(struct h_node *from, uint8_t *pkt, size_t len, size_t cap)
{
    (void)from;
    if (h_msg_type(pkt, len) != L2TP_MSG_ICRQ)
        return len;
    uint8_t v[2] = {0, 1};
    return h_append_avp(pkt, len, cap, 1, 31337, 99, v, sizeof(v));
}

static void test_unknown_mandatory_icrq(void **state)
{
    (void)state;
    pair();
    lac->mangle = add_unknown_m_to_icrq;
    struct l2tp_call_params p;
    params(&p, 1);
    struct l2tp_session *s = l2tp_session_incoming_call(lac->e, h_now, t_lac, &p);
    h_run(1000);
    const struct h_event *d = h_find_session_ev(lac, L2TP_EV_SESSION_DOWN, s);
    assert_non_null(d);
    assert_int_equal(d->error_code, L2TP_ERR_UNKNOWN_MANDATORY_AVP);
    assert_int_equal(h_count(lac, L2TP_EV_TUNNEL_DOWN), 0);
    assert_int_equal(h_count(lns, L2TP_EV_SESSION_UP), 0);
}

/* §7.4.2 wait-connect, "Receive ICRQ, ICRP: Send CDN": an ICCN turned
 * into an ICRP by the link. */
static size_t iccn_to_icrp(struct h_node *from, uint8_t *pkt, size_t len, size_t cap)
{
    (void)from;
    (void)cap;
    if (h_msg_type(pkt, len) == L2TP_MSG_ICCN) {
        /* Keep it decodable: ICRP needs an Assigned Session ID. */
        lx_put_u16(pkt + 12 + 6, L2TP_MSG_ICRP);
        uint8_t v[2] = {0, 5};
        return h_append_avp(pkt, len, cap, 1, 0, L2TP_AVP_ASSIGNED_SESSION_ID, v, 2);
    }
    return len;
}

static void test_session_fsm_error(void **state)
{
    (void)state;
    pair();
    lac->mangle = iccn_to_icrp;
    struct l2tp_call_params p;
    params(&p, 1);
    struct l2tp_session *s = l2tp_session_incoming_call(lac->e, h_now, t_lac, &p);
    h_run(1000);
    const struct h_event *d = h_find_session_ev(lac, L2TP_EV_SESSION_DOWN, s);
    assert_non_null(d);
    assert_int_equal(d->result_code, L2TP_CDN_GENERAL_ERROR);
    struct l2tp_engine_stats st;
    l2tp_engine_get_stats(lns->e, &st);
    assert_int_equal(st.rx_fsm_errors, 1);
    assert_int_equal(h_count(lac, L2TP_EV_TUNNEL_DOWN), 0);
}

/* session_setup_timeout_ms: the ICCN never comes. */
static size_t drop_iccn(struct h_node *from, uint8_t *pkt, size_t len, size_t cap)
{
    (void)from;
    (void)cap;
    return h_msg_type(pkt, len) == L2TP_MSG_ICCN ? 0 : len;
}

static void test_session_setup_timeout(void **state)
{
    (void)state;
    lac = h_add_node("10.0.0.1", 1701);
    lns = h_add_node("10.0.0.2", 1701);
    lns->ecfg.session_setup_timeout_ms = 3000;
    h_recreate(lns);
    t_lac = h_open_tunnel(lac, lns);
    lac->mangle = drop_iccn;
    struct l2tp_call_params p;
    params(&p, 1);
    struct l2tp_session *s = l2tp_session_incoming_call(lac->e, h_now, t_lac, &p);
    h_run(2000);
    assert_int_equal(h_count(lns, L2TP_EV_SESSION_DOWN), 0);
    h_run(2000);
    const struct h_event *d = h_last(lns, L2TP_EV_SESSION_DOWN);
    assert_non_null(d);
    assert_int_equal(d->result_code, L2TP_CDN_TIMEOUT);
    d = h_find_session_ev(lac, L2TP_EV_SESSION_DOWN, s);
    assert_non_null(d);
    assert_int_equal(d->result_code, L2TP_CDN_TIMEOUT);
}

/* Hang up from inside SESSION_UP (re-entrancy), and from accept_session. */
static void hangup_on_up(struct h_node *n, const struct l2tp_event *ev)
{
    if (ev->type == L2TP_EV_SESSION_UP)
        l2tp_session_close(n->e, h_now, ev->session, L2TP_CDN_ADMIN, 0, NULL);
    if (ev->type == L2TP_EV_SESSION_DOWN)
        l2tp_tunnel_close(n->e, h_now, ev->tunnel, L2TP_STOPCCN_GENERAL_CLEAR, 0, NULL);
}

static void test_callbacks_reentrant(void **state)
{
    (void)state;
    pair();
    lns->on_event = hangup_on_up;
    struct l2tp_call_params p;
    params(&p, 1);
    for (int i = 0; i < 3; i++)
        l2tp_session_incoming_call(lac->e, h_now, t_lac, &p);
    h_run(5000);
    assert_int_equal(h_count(lns, L2TP_EV_TUNNEL_DOWN), 1);
    assert_int_equal(h_count(lac, L2TP_EV_TUNNEL_DOWN), 1);
    assert_int_equal(h_count(lac, L2TP_EV_SESSION_DOWN), 3);
    assert_true(l2tp_engine_idle(lac->e));
    assert_true(l2tp_engine_idle(lns->e));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_incoming_call, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incoming_call_wait_tunnel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outgoing_call, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outgoing_needs_bearer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cdn_both_ways, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cdn_before_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wen_sli, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_plain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_seq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_seq_lns_controlled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_unknown_session, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_mandatory_session, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_mandatory_icrq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_fsm_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_setup_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_callbacks_reentrant, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
