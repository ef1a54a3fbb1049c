/* Engine tests: calls (RFC 2661 §7.4 LAC/LNS incoming, §7.5 LAC/LNS
 * outgoing), CDN both ways (§5.6), WEN and SLI (§6.13, §6.14), many
 * sessions per tunnel, data messages with and without sequencing (§5.4),
 * session-scope AVP errors (§4.2) and the RFC 3145 PPP Disconnect Cause
 * Code in CDN. */
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

/* ---- RFC 3145 PPP Disconnect Cause Code (AVP 46) in CDN ---- */

/* The CDNs each node sends: counted, the last one kept. Optionally a raw
 * AVP (any bytes, a lying Length included) is appended to them first. */
static unsigned n_cdn[H_MAX_NODES];
static uint8_t last_cdn[H_MAX_NODES][2048];
static size_t last_cdn_len[H_MAX_NODES];
static uint8_t inj[1100];
static size_t inj_len;

static size_t cdn_tap(struct h_node *from, uint8_t *pkt, size_t len, size_t cap)
{
    if (h_msg_type(pkt, len) != L2TP_MSG_CDN)
        return len;
    if (inj_len) {
        assert_true(len + inj_len <= cap);
        memcpy(pkt + len, inj, inj_len);
        len += inj_len;
        lx_put_u16(pkt + 2, (uint16_t)len); /* control header Length */
    }
    size_t i = (size_t)(from - h_nodes);
    n_cdn[i]++;
    assert_true(len <= sizeof(last_cdn[i]));
    memcpy(last_cdn[i], pkt, len);
    last_cdn_len[i] = len;
    return len;
}

static void tap_reset(void)
{
    memset(n_cdn, 0, sizeof(n_cdn));
    memset(last_cdn_len, 0, sizeof(last_cdn_len));
    inj_len = 0;
}

/* An AVP 46 to inject: `word` is the whole first 16 bits (M, H, Length),
 * so that the Length may disagree with the value that follows. */
static void inject_raw(uint16_t word, const void *val, size_t vlen)
{
    assert_true(inj_len + 6 + vlen <= sizeof(inj));
    lx_put_u16(inj + inj_len, word);
    lx_put_u16(inj + inj_len + 2, 0);
    lx_put_u16(inj + inj_len + 4, L2TP_AVP_PPP_DISCONNECT_CAUSE);
    if (vlen)
        memcpy(inj + inj_len + 6, val, vlen);
    inj_len += 6 + vlen;
}

static void inject_avp(bool m, bool h, const void *val, size_t vlen)
{
    inject_raw((uint16_t)((m ? 0x8000u : 0) | (h ? 0x4000u : 0) | (6 + vlen)), val, vlen);
}

static size_t node_index(const struct h_node *n)
{
    return (size_t)(n - h_nodes);
}

/* An established call; *sl / *sn are the LAC's and the LNS's ends. */
static void call(struct l2tp_session **sl, struct l2tp_session **sn)
{
    struct l2tp_call_params p;
    params(&p, 1);
    *sl = l2tp_session_incoming_call(lac->e, h_now, t_lac, &p);
    assert_non_null(*sl);
    h_run(1000);
    *sn = lns_session();
    assert_non_null(*sn);
    assert_non_null(h_find_session_ev(lac, L2TP_EV_SESSION_UP, *sl));
}

/* The body (after the 12-byte header) a CDN without a cause has. */
static size_t plain_cdn_body(uint8_t *b, uint16_t result, uint16_t our_sid)
{
    static const uint8_t mt[] = {0x80, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0e};
    size_t n = 0;
    memcpy(b, mt, sizeof(mt));
    n += sizeof(mt);
    /* Result Code, M set, no Error Code, no message: Length 8. */
    const uint8_t rc[] = {0x80,           0x08, 0x00, 0x00, 0x00, 0x01, (uint8_t)(result >> 8),
                          (uint8_t)result};
    memcpy(b + n, rc, sizeof(rc));
    n += sizeof(rc);
    /* Assigned Session ID, M set. */
    const uint8_t as[] = {
        0x80, 0x08, 0x00, 0x00, 0x00, 0x0e, (uint8_t)(our_sid >> 8), (uint8_t)our_sid};
    memcpy(b + n, as, sizeof(as));
    n += sizeof(as);
    return n;
}

/* RFC 3145 §2: the exact CDN with a cause: Message Type, Result Code,
 * Assigned Session ID as always, then AVP 46 without M: Length 11 + text,
 * Disconnect Code, Control Protocol Number, Direction, message. */
static void test_cdn_cause_bytes(void **state)
{
    (void)state;
    pair();
    tap_reset();
    struct l2tp_session *sl, *sn;
    call(&sl, &sn);
    struct l2tp_session_info si, ni;
    l2tp_session_get_info(sl, &si);
    l2tp_session_get_info(sn, &ni);
    lac->mangle = cdn_tap;
    struct l2tp_cdn_cause c = {
        .code = L2TP_PPP_CAUSE_AUTH_FAILED,
        .proto = 0xc223,
        .direction = L2TP_PPP_CAUSE_DIR_PEER,
        .msg = "bad secret",
        .set = true,
    };
    l2tp_session_close_cause(lac->e, h_now, sl, L2TP_CDN_ADMIN, 0, NULL, &c);
    size_t li = node_index(lac);
    assert_int_equal(n_cdn[li], 1);
    const uint8_t *pkt = last_cdn[li];
    size_t len = last_cdn_len[li];

    uint8_t want[128];
    size_t n = plain_cdn_body(want, L2TP_CDN_ADMIN, si.local_id);
    static const uint8_t cause[] = {0x00, 0x15, 0x00, 0x00, 0x00, 0x2e, 0x00,
                                    0x10, 0xc2, 0x23, 0x01, 'b',  'a',  'd',
                                    ' ',  's',  'e',  'c',  'r',  'e',  't'};
    memcpy(want + n, cause, sizeof(cause));
    n += sizeof(cause);
    assert_int_equal(len, 12 + n);
    assert_int_equal(lx_get_u16(pkt + 2), 12 + n);      /* header Length */
    assert_int_equal(lx_get_u16(pkt + 6), ni.local_id); /* header Session ID: the peer's */
    assert_memory_equal(pkt + 12, want, n);

    /* And the codec reads it back. */
    static struct l2tp_msg m;
    struct l2tp_dec_result res;
    assert_int_equal(l2tp_msg_decode(&m, pkt + 12, len - 12, ni.local_id, NULL, 0, &res),
                     L2TP_DEC_OK);
    struct l2tp_disconnect_cause dc;
    assert_true(l2tp_msg_disconnect_cause(&m, &dc));
    assert_int_equal(dc.code, 16);
    assert_int_equal(dc.proto, 0xc223);
    assert_int_equal(dc.direction, 1);
    assert_int_equal(dc.msg_len, 10);
    assert_memory_equal(dc.msg, "bad secret", 10);
    assert_false(m.avp[L2TP_AVP_PPP_DISCONNECT_CAUSE].m);

    /* Our own SESSION_DOWN reports the cause we sent... */
    const struct h_event *d = h_find_session_ev(lac, L2TP_EV_SESSION_DOWN, sl);
    assert_non_null(d);
    assert_true(d->local);
    assert_true(d->cause_set);
    assert_int_equal(d->cause_code, L2TP_PPP_CAUSE_AUTH_FAILED);
    assert_int_equal(d->cause_proto, 0xc223);
    assert_int_equal(d->cause_direction, L2TP_PPP_CAUSE_DIR_PEER);
    assert_string_equal(d->cause_msg, "bad secret");
    /* ...and the peer's the cause it received, next to the Result Code. */
    h_run(1000);
    d = h_find_session_ev(lns, L2TP_EV_SESSION_DOWN, sn);
    assert_non_null(d);
    assert_false(d->local);
    assert_int_equal(d->result_code, L2TP_CDN_ADMIN);
    assert_int_equal(d->error_code, 0);
    assert_string_equal(d->message, "");
    assert_true(d->cause_set);
    assert_int_equal(d->cause_code, L2TP_PPP_CAUSE_AUTH_FAILED);
    assert_int_equal(d->cause_proto, 0xc223);
    assert_int_equal(d->cause_direction, L2TP_PPP_CAUSE_DIR_PEER);
    assert_string_equal(d->cause_msg, "bad secret");
    assert_int_equal(n_cdn[node_index(lns)], 0);
}

/* A cause without text is the 11-octet minimum; one with Result, Error
 * Code and message keeps all of them. */
static void test_cdn_cause_no_text(void **state)
{
    (void)state;
    pair();
    tap_reset();
    struct l2tp_session *sl, *sn;
    call(&sl, &sn);
    lns->mangle = cdn_tap;
    struct l2tp_cdn_cause c = {
        .code = L2TP_PPP_CAUSE_LCP_ECHO_TIMEOUT,
        .proto = L2TP_PPP_CAUSE_PROTO_LCP,
        .direction = L2TP_PPP_CAUSE_DIR_GLOBAL,
        .set = true,
    };
    l2tp_session_close_cause(lns->e, h_now, sn, L2TP_CDN_GENERAL_ERROR, L2TP_ERR_VENDOR,
                             "keepalive", &c);
    size_t ni = node_index(lns);
    assert_int_equal(n_cdn[ni], 1);
    const uint8_t *pkt = last_cdn[ni];
    size_t len = last_cdn_len[ni];
    static const uint8_t tail[] = {0x00, 0x0b, 0x00, 0x00, 0x00, 0x2e,
                                   0x00, 0x08, 0xc0, 0x21, 0x00};
    assert_true(len >= 12 + sizeof(tail));
    assert_memory_equal(pkt + len - sizeof(tail), tail, sizeof(tail));
    h_run(1000);
    const struct h_event *d = h_find_session_ev(lac, L2TP_EV_SESSION_DOWN, sl);
    assert_non_null(d);
    assert_int_equal(d->result_code, L2TP_CDN_GENERAL_ERROR);
    assert_int_equal(d->error_code, L2TP_ERR_VENDOR);
    assert_string_equal(d->message, "keepalive");
    assert_true(d->cause_set);
    assert_int_equal(d->cause_code, 8);
    assert_int_equal(d->cause_proto, 0xc021);
    assert_int_equal(d->cause_direction, 0);
    assert_string_equal(d->cause_msg, "");
}

/* No cause (NULL, or not `set`): the CDN is byte for byte what
 * l2tp_session_close sends, without AVP 46, and no cause is reported. */
static void test_cdn_without_cause(void **state)
{
    (void)state;
    pair();
    tap_reset();
    lac->mangle = cdn_tap;
    struct l2tp_cdn_cause unset = {.code = 7, .proto = 0xc021, .msg = "x", .set = false};
    for (int i = 0; i < 3; i++) {
        struct l2tp_session *sl, *sn;
        call(&sl, &sn);
        struct l2tp_session_info si;
        l2tp_session_get_info(sl, &si);
        if (i == 0)
            l2tp_session_close(lac->e, h_now, sl, L2TP_CDN_LOST_CARRIER, 0, NULL);
        else
            l2tp_session_close_cause(lac->e, h_now, sl, L2TP_CDN_LOST_CARRIER, 0, NULL,
                                     i == 1 ? NULL : &unset);
        uint8_t want[64];
        size_t n = plain_cdn_body(want, L2TP_CDN_LOST_CARRIER, si.local_id);
        size_t li = node_index(lac);
        assert_int_equal(n_cdn[li], (unsigned)i + 1);
        assert_int_equal(last_cdn_len[li], 12 + n);
        assert_memory_equal(last_cdn[li] + 12, want, n);
        assert_false(h_find_session_ev(lac, L2TP_EV_SESSION_DOWN, sl)->cause_set);
        h_run(1000);
        const struct h_event *d = h_find_session_ev(lns, L2TP_EV_SESSION_DOWN, sn);
        assert_non_null(d);
        assert_int_equal(d->result_code, L2TP_CDN_LOST_CARRIER);
        assert_false(d->cause_set);
        assert_int_equal(d->cause_code, 0);
        assert_string_equal(d->cause_msg, "");
    }
}

/* The text is taken up to its NUL or 63 bytes, even when the caller left
 * no NUL in the array; what is sent is what both ends report. */
static void test_cdn_cause_text_bounds(void **state)
{
    (void)state;
    pair();
    tap_reset();
    lac->mangle = cdn_tap;
    struct l2tp_session *sl, *sn;
    call(&sl, &sn);
    struct l2tp_cdn_cause c = {.code = L2TP_PPP_CAUSE_ADMIN, .set = true};
    memset(c.msg, 'x', sizeof(c.msg)); /* no NUL at all */
    l2tp_session_close_cause(lac->e, h_now, sl, L2TP_CDN_ADMIN, 0, NULL, &c);
    size_t li = node_index(lac);
    static struct l2tp_msg m;
    struct l2tp_dec_result res;
    assert_int_equal(
        l2tp_msg_decode(&m, last_cdn[li] + 12, last_cdn_len[li] - 12, 1, NULL, 0, &res),
        L2TP_DEC_OK);
    struct l2tp_disconnect_cause dc;
    assert_true(l2tp_msg_disconnect_cause(&m, &dc));
    assert_int_equal(dc.msg_len, 63);
    char x63[64];
    memset(x63, 'x', 63);
    x63[63] = 0;
    assert_string_equal(h_find_session_ev(lac, L2TP_EV_SESSION_DOWN, sl)->cause_msg, x63);
    h_run(1000);
    const struct h_event *d = h_find_session_ev(lns, L2TP_EV_SESSION_DOWN, sn);
    assert_non_null(d);
    assert_true(d->cause_set);
    assert_string_equal(d->cause_msg, x63);
}

/* RFC 3145 §5: "the AVP MAY be hidden": with hiding on it goes out with
 * H set and the peer reveals it. */
static void test_cdn_cause_hidden(void **state)
{
    (void)state;
    lac = h_add_node("10.0.0.1", 1701);
    lns = h_add_node("10.0.0.2", 1701);
    struct h_node *both[2] = {lac, lns};
    for (int i = 0; i < 2; i++) {
        both[i]->tcfg.secret_len = 6;
        memcpy(both[i]->tcfg.secret, "sesame", 6);
        both[i]->tcfg.hide_avps = true;
    }
    t_lac = h_open_tunnel(lac, lns);
    tap_reset();
    lns->mangle = cdn_tap;
    struct l2tp_session *sl, *sn;
    call(&sl, &sn);
    struct l2tp_cdn_cause c = {
        .code = L2TP_PPP_CAUSE_NCP_ADDR_NOT_PERMITTED,
        .proto = 0x8021,
        .direction = L2TP_PPP_CAUSE_DIR_LOCAL,
        .msg = "pool empty",
        .set = true,
    };
    l2tp_session_close_cause(lns->e, h_now, sn, L2TP_CDN_ADMIN, 0, NULL, &c);
    size_t ni = node_index(lns);
    assert_int_equal(n_cdn[ni], 1);
    /* Find AVP 46 in the packet: H set, M clear, value not in clear. */
    const uint8_t *pkt = last_cdn[ni];
    size_t len = last_cdn_len[ni], o = 12;
    bool found = false;
    while (o + 6 <= len) {
        uint16_t fl = lx_get_u16(pkt + o);
        size_t alen = fl & 0x3ff;
        assert_true(alen >= 6 && o + alen <= len);
        if (lx_get_u16(pkt + o + 4) == L2TP_AVP_PPP_DISCONNECT_CAUSE) {
            found = true;
            assert_true(fl & 0x4000);
            assert_false(fl & 0x8000);
            assert_null(memmem(pkt + o + 6, alen - 6, "pool empty", 10));
        }
        o += alen;
    }
    assert_true(found);
    h_run(1000);
    const struct h_event *d = h_find_session_ev(lac, L2TP_EV_SESSION_DOWN, sl);
    assert_non_null(d);
    assert_true(d->cause_set);
    assert_int_equal(d->cause_code, 20);
    assert_int_equal(d->cause_proto, 0x8021);
    assert_int_equal(d->cause_direction, 2);
    assert_string_equal(d->cause_msg, "pool empty");
}

/* What the LAC reports after the LNS hangs up with Result 3 "bye" and
 * `inj` appended to its CDN. The call ends as the peer meant in every
 * case; the tunnel and the LAC's other call stay, and no CDN goes back. */
struct rx_expect {
    bool cause_set;
    uint16_t code, proto;
    uint8_t direction;
    const char *msg;
    unsigned bad_avp, avp_ignored; /* engine counters, increments */
};

static void rx_cause_case(const struct rx_expect *x)
{
    struct l2tp_session *sl, *sn;
    call(&sl, &sn);
    struct l2tp_engine_stats st0, st;
    l2tp_engine_get_stats(lac->e, &st0);
    size_t li = node_index(lac), ni = node_index(lns);
    unsigned lac_cdns = n_cdn[li], lns_cdns = n_cdn[ni];
    lns->mangle = cdn_tap;
    lac->mangle = cdn_tap;
    l2tp_session_close(lns->e, h_now, sn, L2TP_CDN_ADMIN, 0, "bye");
    inj_len = 0; /* the LAC sends nothing with it */
    h_run(1000);
    assert_int_equal(n_cdn[ni], lns_cdns + 1);
    assert_int_equal(n_cdn[li], lac_cdns);
    const struct h_event *d = h_find_session_ev(lac, L2TP_EV_SESSION_DOWN, sl);
    assert_non_null(d);
    assert_false(d->local);
    assert_int_equal(d->result_code, L2TP_CDN_ADMIN);
    assert_int_equal(d->error_code, 0);
    assert_string_equal(d->message, "bye");
    assert_int_equal(d->cause_set, x->cause_set);
    assert_int_equal(d->cause_code, x->code);
    assert_int_equal(d->cause_proto, x->proto);
    assert_int_equal(d->cause_direction, x->direction);
    assert_string_equal(d->cause_msg, x->msg);
    assert_int_equal(strlen(d->cause_msg), strnlen(d->cause_msg, sizeof(d->cause_msg) - 1));
    l2tp_engine_get_stats(lac->e, &st);
    assert_int_equal(st.rx_bad_avp, st0.rx_bad_avp + x->bad_avp);
    assert_int_equal(st.rx_avp_ignored, st0.rx_avp_ignored + x->avp_ignored);
    assert_int_equal(h_count(lac, L2TP_EV_TUNNEL_DOWN), 0);
    struct l2tp_tunnel_info ti;
    l2tp_tunnel_get_info(t_lac, &ti);
    assert_int_equal(ti.state, L2TP_TUNNEL_ESTABLISHED);
    assert_int_equal(ti.n_sessions, 1); /* the bystander call */
    lns->mangle = NULL;
    lac->mangle = NULL;
}

static void test_cdn_cause_hostile(void **state)
{
    (void)state;
    pair();
    tap_reset();
    struct l2tp_call_params p;
    params(&p, 9);
    struct l2tp_session *bystander = l2tp_session_incoming_call(lac->e, h_now, t_lac, &p);
    h_run(1000);
    const struct rx_expect none_ignored = {.msg = "", .avp_ignored = 1};
    const struct rx_expect none_bad = {.msg = "", .bad_avp = 1};
    static const uint8_t v[5] = {0x00, 0x03, 0xc0, 0x21, 0x02};

    /* Value lengths 0-4 (AVP Length 6-10, under RFC 3145's 11), without
     * M as the RFC wants: skipped (§7.1), the CDN goes on. */
    for (size_t vl = 0; vl < 5; vl++) {
        tap_reset();
        inject_avp(false, false, v, vl);
        rx_cause_case(&none_ignored);
    }
    /* The same with M (which §2 forbids): the CDN is malformed (§7.1) but
     * still ends its call, with the peer's Result Code and no CDN back. */
    for (size_t vl = 0; vl < 5; vl++) {
        tap_reset();
        inject_avp(true, false, v, vl);
        rx_cause_case(&none_bad);
    }
    /* Hidden without a Random Vector or a secret: skipped. */
    tap_reset();
    inject_avp(false, true, v, sizeof(v));
    rx_cause_case(&none_ignored);

    /* The minimum, 11 octets: reported, no text. */
    tap_reset();
    inject_avp(false, false, v, sizeof(v));
    const struct rx_expect min = {true, 3, 0xc021, 2, "", 0, 0};
    rx_cause_case(&min);
    /* M set on a well-formed one: liberal on receipt, reported. */
    tap_reset();
    inject_avp(true, false, v, sizeof(v));
    rx_cause_case(&min);

    /* Control bytes (a NUL, CR LF, ESC) are replaced; UTF-8 is kept. */
    static const uint8_t ctl[] = {0x00, 0x10, 0xc2, 0x23, 0x01, 'a', 0x00, 'b',  '\r', '\n',
                                  0x1b, '[',  '2',  'J',  0x7f, 'c', 0xc3, 0xa9, 0x09};
    tap_reset();
    inject_avp(false, false, ctl, sizeof(ctl));
    const struct rx_expect ctlx = {true,
                                   16,
                                   0xc223,
                                   1,
                                   "a?b???[2J\x7f"
                                   "c\xc3\xa9?",
                                   0,
                                   0};
    rx_cause_case(&ctlx);

    /* The longest an AVP can be (1023 octets: 1012 of text): truncated to
     * 63 bytes, NUL-terminated. */
    static uint8_t big[5 + 1012];
    memcpy(big, v, 5);
    memset(big + 5, 'A', sizeof(big) - 5);
    tap_reset();
    inject_avp(false, false, big, sizeof(big));
    char a63[64];
    memset(a63, 'A', 63);
    a63[63] = 0;
    const struct rx_expect bigx = {true, 3, 0xc021, 2, a63, 0, 0};
    rx_cause_case(&bigx);

    /* Two of them (§3.4 allows one per failed NCP): the first is reported,
     * the other counted as a duplicate by the codec. */
    static const uint8_t ncp1[] = {0x00, 0x11, 0x80, 0x21, 0x00, 'i', 'p', 'c', 'p'};
    static const uint8_t ncp2[] = {0x00, 0x11, 0x80, 0x57, 0x00, 'v', '6'};
    tap_reset();
    inject_avp(false, false, ncp1, sizeof(ncp1));
    inject_avp(false, false, ncp2, sizeof(ncp2));
    const struct rx_expect two = {true, 17, 0x8021, 0, "ipcp", 0, 0};
    rx_cause_case(&two);
    /* A malformed one before a good one: the good one is reported. */
    tap_reset();
    inject_avp(false, false, v, 3);
    inject_avp(false, false, ncp2, sizeof(ncp2));
    const struct rx_expect after_bad = {true, 17, 0x8057, 0, "v6", 0, 1};
    rx_cause_case(&after_bad);

    /* The bystander never noticed. */
    assert_null(h_find_session_ev(lac, L2TP_EV_SESSION_DOWN, bystander));
    struct l2tp_session_info bi;
    l2tp_session_get_info(bystander, &bi);
    assert_int_equal(bi.state, L2TP_SESSION_ESTABLISHED);
}

/* An AVP 46 whose Length field breaks the framing (0, 4, 5: under the
 * 6-octet header; or past the end of the message) makes the whole message
 * unreadable: the codec clears the control connection (§7.1, §4.1), which
 * ends the call too. No crash, no leak, nothing left behind. */
static void test_cdn_cause_bad_framing(void **state)
{
    (void)state;
    static const uint16_t words[] = {0x0000, 0x0004, 0x0005, 0x8005, 0x0020};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        h_reset(4242 + i);
        pair();
        tap_reset();
        struct l2tp_session *sl, *sn;
        call(&sl, &sn);
        static const uint8_t v[2] = {0x00, 0x01};
        inject_raw(words[i], v, sizeof(v));
        lns->mangle = cdn_tap;
        l2tp_session_close(lns->e, h_now, sn, L2TP_CDN_ADMIN, 0, "bye");
        h_run(1000);
        const struct h_event *d = h_find_session_ev(lac, L2TP_EV_SESSION_DOWN, sl);
        assert_non_null(d);
        assert_false(d->cause_set);
        struct l2tp_engine_stats st;
        l2tp_engine_get_stats(lac->e, &st);
        assert_int_equal(st.rx_bad_avp, 1);
        assert_int_equal(st.sessions, 0);
        h_run(60000);
        assert_int_equal(h_count(lac, L2TP_EV_TUNNEL_DOWN), 1);
        assert_true(l2tp_engine_idle(lac->e));
        assert_true(l2tp_engine_idle(lns->e));
    }
}

/* A CDN sent before the ICRP reached the LAC has Session ID 0 (§5.3); a
 * malformed M-bit AVP 46 in it ends that call, not the tunnel. */
static size_t early_cdn_mangle(struct h_node *from, uint8_t *pkt, size_t len, size_t cap)
{
    if (from == lns)
        return drop_icrp(from, pkt, len, cap);
    return cdn_tap(from, pkt, len, cap);
}

static void test_cdn_cause_malformed_before_reply(void **state)
{
    (void)state;
    pair();
    tap_reset();
    static const uint8_t v[3] = {0x00, 0x01, 0x00};
    inject_avp(true, false, v, sizeof(v));
    lns->mangle = early_cdn_mangle;
    lac->mangle = early_cdn_mangle;
    delay_icrp = 100;
    struct l2tp_call_params p;
    params(&p, 1);
    struct l2tp_session *keep = l2tp_session_incoming_call(lac->e, h_now, t_lac, &p);
    h_run(500);
    delay_icrp = 0;
    h_run(3000);
    assert_non_null(h_find_session_ev(lac, L2TP_EV_SESSION_UP, keep));
    delay_icrp = 100;
    struct l2tp_session *s = l2tp_session_incoming_call(lac->e, h_now, t_lac, &p);
    h_run(500);
    struct l2tp_session *victim = lns->last_accepted;
    assert_non_null(victim);
    l2tp_session_close(lac->e, h_now, s, L2TP_CDN_LOST_CARRIER, 0, NULL);
    h_run(3000);
    size_t li = node_index(lac);
    assert_int_equal(n_cdn[li], 1);
    assert_int_equal(lx_get_u16(last_cdn[li] + 6), 0); /* header Session ID 0 */
    const struct h_event *d = h_find_session_ev(lns, L2TP_EV_SESSION_DOWN, victim);
    assert_non_null(d);
    assert_false(d->local);
    assert_int_equal(d->result_code, L2TP_CDN_LOST_CARRIER);
    assert_false(d->cause_set);
    assert_int_equal(n_cdn[node_index(lns)], 0);
    assert_int_equal(h_count(lns, L2TP_EV_TUNNEL_DOWN), 0);
    assert_int_equal(h_count(lac, L2TP_EV_TUNNEL_DOWN), 0);
    struct l2tp_engine_stats st;
    l2tp_engine_get_stats(lns->e, &st);
    assert_int_equal(st.rx_bad_avp, 1);
    assert_int_equal(st.sessions, 1);
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
        cmocka_unit_test_setup_teardown(test_cdn_cause_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cdn_cause_no_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cdn_without_cause, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cdn_cause_text_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cdn_cause_hidden, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cdn_cause_hostile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cdn_cause_bad_framing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cdn_cause_malformed_before_reply, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
