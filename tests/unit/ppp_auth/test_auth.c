/* Authenticator against peer, in process, with a simulated clock and a
 * fixed random source: PAP, CHAP-MD5, MS-CHAPv1 and MS-CHAPv2. Also the
 * LCP option codec and ppp_auth_check_password. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/log.h"
#include "lib/rand.h"
#include "ppp/auth.h"
#include "ppp/crypto.h"
#include "ppp/ppp.h"

#define QMAX 64

struct q {
    uint8_t data[QMAX][600];
    size_t len[QMAX];
    uint16_t proto[QMAX];
    int n;
};

struct net {
    lx_ms_t now;
    struct ppp_authr *r;
    struct ppp_authp *p;
    struct q to_p, to_r;
    int drop_to_p, drop_to_r; /* drop the next N packets */
    bool drop_all_to_r, drop_all_to_p;
    int sent_by_r, sent_by_p;
    uint8_t last_to_p_code;
    /* backend */
    const char *server_pw;
    bool pending;
    bool immediate; /* answer from inside verify() */
    int verify_count;
    struct ppp_auth_request req;
    /* results */
    int r_done, p_done;
    bool r_ok, p_ok;
    struct ppp_auth_verdict r_v, p_v;
    /* tampering with packets to the peer */
    void (*tamper)(uint8_t *pkt, size_t len);
};

static void q_push(struct q *q, uint16_t proto, const uint8_t *pkt, size_t len)
{
    assert_true(q->n < QMAX);
    assert_true(len <= sizeof q->data[0]);
    memcpy(q->data[q->n], pkt, len);
    q->len[q->n] = len;
    q->proto[q->n] = proto;
    q->n++;
}

static void do_verdict(struct net *n)
{
    struct ppp_auth_verdict v;
    memset(&v, 0, sizeof v);
    ppp_auth_check_password(&n->req, n->server_pw, &v);
    if (v.accept)
        v.attrs.framed_ip = 0x0a000002;
    n->pending = false;
    ppp_authr_verdict(n->r, n->now, &v);
}

static void r_send(void *ctx, uint16_t proto, const uint8_t *pkt, size_t len)
{
    struct net *n = ctx;
    n->sent_by_r++;
    assert_true(len >= 4);
    assert_int_equal((pkt[2] << 8) | pkt[3], len);
    if (n->drop_all_to_p)
        return;
    if (n->drop_to_p > 0) {
        n->drop_to_p--;
        return;
    }
    q_push(&n->to_p, proto, pkt, len);
}

static void p_send(void *ctx, uint16_t proto, const uint8_t *pkt, size_t len)
{
    struct net *n = ctx;
    n->sent_by_p++;
    assert_true(len >= 4);
    assert_int_equal((pkt[2] << 8) | pkt[3], len);
    if (n->drop_all_to_r)
        return;
    if (n->drop_to_r > 0) {
        n->drop_to_r--;
        return;
    }
    q_push(&n->to_r, proto, pkt, len);
}

static void r_verify(void *ctx, const struct ppp_auth_request *req)
{
    struct net *n = ctx;
    n->verify_count++;
    n->req = *req;
    n->pending = true;
    if (n->immediate)
        do_verdict(n);
}

static void r_done(void *ctx, bool ok, const struct ppp_auth_verdict *v)
{
    struct net *n = ctx;
    n->r_done++;
    n->r_ok = ok;
    n->r_v = *v;
}

static void p_done(void *ctx, bool ok, const struct ppp_auth_verdict *v)
{
    struct net *n = ctx;
    n->p_done++;
    n->p_ok = ok;
    n->p_v = *v;
}

static const struct ppp_auth_ops r_ops = {.send = r_send, .verify = r_verify, .done = r_done};
static const struct ppp_auth_ops p_ops = {.send = p_send, .verify = NULL, .done = p_done};

static uint32_t rnd_state;
static void fixed_rand(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    uint8_t *b = buf;
    for (size_t i = 0; i < len; i++) {
        rnd_state = rnd_state * 1103515245u + 12345u;
        b[i] = (uint8_t)(rnd_state >> 16);
    }
}

static struct net *net_new(enum ppp_auth_method m, const char *user, const char *peer_pw,
                           const char *server_pw, unsigned max_tries, uint32_t rechallenge_ms)
{
    static struct net n;
    memset(&n, 0, sizeof n);
    rnd_state = 1;
    lx_random_set_source(fixed_rand, NULL);
    n.now = 1000;
    n.server_pw = server_pw;
    struct ppp_authr_cfg rc = {
        .method = m, .timeout_ms = 3000, .max_tries = max_tries, .rechallenge_ms = rechallenge_ms};
    snprintf(rc.our_name, sizeof rc.our_name, "lns");
    struct ppp_authp_cfg pc = {.method = m, .timeout_ms = 3000, .max_tries = max_tries};
    snprintf(pc.user, sizeof pc.user, "%s", user);
    snprintf(pc.password, sizeof pc.password, "%s", peer_pw);
    n.r = ppp_authr_new(&rc, &r_ops, &n);
    n.p = ppp_authp_new(&pc, &p_ops, &n);
    assert_non_null(n.r);
    assert_non_null(n.p);
    return &n;
}

static void net_free(struct net *n)
{
    ppp_authr_free(n->r);
    ppp_authp_free(n->p);
    lx_random_set_source(NULL, NULL);
}

/* Delivers queued packets (in order, both directions) until quiet. */
static void pump(struct net *n)
{
    for (int guard = 0; guard < 1000; guard++) {
        if (n->to_r.n > 0) {
            struct q tmp = n->to_r;
            n->to_r.n = 0;
            for (int i = 0; i < tmp.n; i++)
                ppp_authr_input(n->r, n->now, tmp.data[i], tmp.len[i]);
            continue;
        }
        if (n->to_p.n > 0) {
            struct q tmp = n->to_p;
            n->to_p.n = 0;
            for (int i = 0; i < tmp.n; i++) {
                if (n->tamper != NULL)
                    n->tamper(tmp.data[i], tmp.len[i]);
                n->last_to_p_code = tmp.data[i][0];
                ppp_authp_input(n->p, n->now, tmp.data[i], tmp.len[i]);
            }
            continue;
        }
        if (n->pending && !n->immediate) {
            do_verdict(n);
            continue;
        }
        return;
    }
    fail_msg("no quiescence");
}

/* Runs the clock forward to `until` (or until nothing is armed). */
static void run(struct net *n, lx_ms_t until)
{
    for (int guard = 0; guard < 10000; guard++) {
        pump(n);
        lx_ms_t t = lx_ms_min(ppp_authr_next_timeout(n->r), ppp_authp_next_timeout(n->p));
        if (t == LX_MS_NEVER || t > until) {
            if (until != LX_MS_NEVER)
                n->now = until;
            return;
        }
        if (t > n->now)
            n->now = t;
        ppp_authr_timeout(n->r, n->now);
        ppp_authp_timeout(n->p, n->now);
    }
    fail_msg("timer loop");
}

static void start(struct net *n)
{
    ppp_authr_start(n->r, n->now);
    ppp_authp_start(n->p, n->now);
}

/* ---- PAP ---------------------------------------------------------------- */

static void test_pap_success(void **state)
{
    (void)state;
    struct net *n = net_new(PPP_AUTH_PAP, "alice", "s3cret", "s3cret", 10, 0);
    start(n);
    run(n, LX_MS_NEVER);
    assert_int_equal(n->r_done, 1);
    assert_true(n->r_ok);
    assert_int_equal(n->r_v.attrs.framed_ip, 0x0a000002);
    assert_int_equal(n->p_done, 1);
    assert_true(n->p_ok);
    assert_string_equal(n->p_v.message, "Access granted");
    assert_string_equal(n->req.user, "alice");
    assert_int_equal(n->verify_count, 1);
    assert_int_equal(n->sent_by_p, 1);
    net_free(n);
}

static void test_pap_wrong_password(void **state)
{
    (void)state;
    struct net *n = net_new(PPP_AUTH_PAP, "alice", "wrong", "s3cret", 10, 0);
    start(n);
    run(n, LX_MS_NEVER);
    assert_int_equal(n->r_done, 1);
    assert_false(n->r_ok);
    assert_int_equal(n->p_done, 1);
    assert_false(n->p_ok);
    assert_string_equal(n->p_v.message, "Access denied");
    net_free(n);
}

static void test_pap_lost_request_and_ack(void **state)
{
    (void)state;
    struct net *n = net_new(PPP_AUTH_PAP, "alice", "s3cret", "s3cret", 10, 0);
    n->drop_to_r = 2; /* two Requests lost */
    n->drop_to_p = 1; /* the first Ack lost */
    start(n);
    run(n, LX_MS_NEVER);
    assert_true(n->p_ok);
    assert_true(n->r_ok);
    assert_int_equal(n->p_done, 1);
    assert_int_equal(n->r_done, 1);
    assert_int_equal(n->verify_count, 1); /* the repeat was answered from memory */
    assert_int_equal(n->sent_by_p, 4);    /* 2 lost + 1 answered (Ack lost) + 1 re-acked */
    assert_int_equal(n->sent_by_r, 2);
    assert_int_equal(n->now, 1000 + 3 * 3000);
    net_free(n);
}

static void test_pap_max_tries(void **state)
{
    (void)state;
    struct net *n = net_new(PPP_AUTH_PAP, "alice", "s3cret", "s3cret", 3, 0);
    n->drop_all_to_r = true;
    start(n);
    run(n, LX_MS_NEVER);
    assert_int_equal(n->sent_by_p, 3);
    assert_int_equal(n->p_done, 1);
    assert_false(n->p_ok);
    assert_string_equal(n->p_v.message, "timeout");
    /* the authenticator gives up after timeout * max_tries */
    assert_int_equal(n->r_done, 1);
    assert_false(n->r_ok);
    assert_int_equal(n->now, 1000 + 3 * 3000);
    net_free(n);
}

static void test_pap_immediate_verdict(void **state)
{
    (void)state;
    struct net *n = net_new(PPP_AUTH_PAP, "alice", "s3cret", "s3cret", 10, 0);
    n->immediate = true; /* verdict given from inside verify() */
    start(n);
    run(n, LX_MS_NEVER);
    assert_true(n->r_ok);
    assert_true(n->p_ok);
    net_free(n);
}

/* ---- CHAP-MD5 ----------------------------------------------------------- */

static void test_chap_success(void **state)
{
    (void)state;
    struct net *n = net_new(PPP_AUTH_CHAP_MD5, "alice", "s3cret", "s3cret", 10, 0);
    start(n);
    run(n, LX_MS_NEVER);
    assert_true(n->r_ok);
    assert_true(n->p_ok);
    assert_int_equal(n->r_done, 1);
    assert_int_equal(n->p_done, 1);
    assert_int_equal(n->req.challenge_len, 16);
    assert_int_equal(n->req.response_len, 16);
    assert_string_equal(n->req.user, "alice");
    assert_string_equal(n->p_v.message, "Access granted");
    net_free(n);
}

static void test_chap_wrong_password(void **state)
{
    (void)state;
    struct net *n = net_new(PPP_AUTH_CHAP_MD5, "alice", "nope", "s3cret", 10, 0);
    start(n);
    run(n, LX_MS_NEVER);
    assert_false(n->r_ok);
    assert_false(n->p_ok);
    assert_int_equal(n->last_to_p_code, 4); /* Failure */
    assert_string_equal(n->p_v.message, "Access denied");
    net_free(n);
}

static void test_chap_lost_packets(void **state)
{
    (void)state;
    struct net *n = net_new(PPP_AUTH_CHAP_MD5, "alice", "s3cret", "s3cret", 10, 0);
    n->drop_to_p = 1; /* Challenge lost */
    n->drop_to_r = 1; /* first Response lost */
    start(n);
    run(n, LX_MS_NEVER);
    assert_true(n->r_ok);
    assert_true(n->p_ok);
    assert_int_equal(n->sent_by_r, 4); /* Challenge x3 + Success */
    assert_int_equal(n->verify_count, 1);
    net_free(n);
}

static void test_chap_duplicate_response(void **state)
{
    (void)state;
    struct net *n = net_new(PPP_AUTH_CHAP_MD5, "alice", "s3cret", "s3cret", 10, 0);
    ppp_authr_start(n->r, n->now);
    ppp_authp_start(n->p, n->now);
    /* deliver the Challenge, capture the Response */
    struct q c = n->to_p;
    n->to_p.n = 0;
    ppp_authp_input(n->p, n->now, c.data[0], c.len[0]);
    assert_int_equal(n->to_r.n, 1);
    uint8_t resp[600];
    size_t rlen = n->to_r.len[0];
    memcpy(resp, n->to_r.data[0], rlen);
    pump(n);
    assert_true(n->r_ok);
    assert_int_equal(n->to_p.n, 0);
    uint8_t success[600];
    int sent = n->sent_by_r;
    /* Success lost: the peer would resend its Response on the retransmitted
     * Challenge; the authenticator answers the same Identifier with the
     * same Success, without asking the backend again. */
    n->drop_all_to_p = false;
    ppp_authr_input(n->r, n->now, resp, rlen);
    assert_int_equal(n->sent_by_r, sent + 1);
    assert_int_equal(n->to_p.n, 1);
    memcpy(success, n->to_p.data[0], n->to_p.len[0]);
    assert_int_equal(success[0], 3);
    assert_int_equal(success[1], resp[1]);
    assert_int_equal(n->verify_count, 1);
    assert_int_equal(n->r_done, 1);
    /* a Response with another id is discarded */
    resp[1]++;
    ppp_authr_input(n->r, n->now, resp, rlen);
    assert_int_equal(n->sent_by_r, sent + 1);
    net_free(n);
}

static void test_chap_max_tries(void **state)
{
    (void)state;
    struct net *n = net_new(PPP_AUTH_CHAP_MD5, "alice", "s3cret", "s3cret", 4, 0);
    n->drop_all_to_p = true;
    start(n);
    run(n, LX_MS_NEVER);
    assert_int_equal(n->sent_by_r, 4); /* max_tries Challenges, no Failure */
    assert_int_equal(n->r_done, 1);
    assert_false(n->r_ok);
    assert_int_equal(n->p_done, 1); /* the peer's overall wait expired */
    assert_false(n->p_ok);
    net_free(n);
}

static void test_chap_rechallenge(void **state)
{
    (void)state;
    struct net *n = net_new(PPP_AUTH_CHAP_MD5, "alice", "s3cret", "s3cret", 3, 60000);
    start(n);
    run(n, 2000);
    assert_true(n->r_ok);
    assert_true(n->p_ok);
    uint8_t first_id = n->req.chap_id;
    uint8_t first_chal[16];
    memcpy(first_chal, n->req.challenge, 16);
    assert_int_equal(ppp_authr_next_timeout(n->r), 1000 + 60000);

    /* a re-challenge: new id, new value, silent success on both sides */
    run(n, 62000);
    assert_int_equal(n->verify_count, 2);
    assert_int_equal(n->req.chap_id, (uint8_t)(first_id + 1));
    assert_memory_not_equal(n->req.challenge, first_chal, 16);
    assert_int_equal(n->r_done, 1);
    assert_int_equal(n->p_done, 1);
    assert_int_equal(ppp_authr_next_timeout(n->r), 61000 + 60000);

    /* the password changes: the next re-challenge fails and both report */
    n->server_pw = "changed";
    run(n, 125000);
    assert_int_equal(n->verify_count, 3);
    assert_int_equal(n->r_done, 2);
    assert_false(n->r_ok);
    assert_int_equal(n->p_done, 2);
    assert_false(n->p_ok);
    assert_int_equal(ppp_authr_next_timeout(n->r), LX_MS_NEVER);
    net_free(n);
}

static void test_chap_rechallenge_unanswered(void **state)
{
    (void)state;
    struct net *n = net_new(PPP_AUTH_CHAP_MD5, "alice", "s3cret", "s3cret", 3, 10000);
    start(n);
    run(n, 2000);
    assert_true(n->r_ok);
    n->drop_all_to_r = true;
    run(n, 100000);
    assert_int_equal(n->r_done, 2);
    assert_false(n->r_ok);
    net_free(n);
}

/* ---- MS-CHAP ------------------------------------------------------------ */

static void test_mschapv1_success(void **state)
{
    (void)state;
    struct net *n = net_new(PPP_AUTH_MSCHAP_V1, "alice", "s3cret", "s3cret", 10, 0);
    start(n);
    run(n, LX_MS_NEVER);
    assert_true(n->r_ok);
    assert_true(n->p_ok);
    assert_int_equal(n->req.challenge_len, 8);
    assert_int_equal(n->req.response_len, 49);
    assert_int_equal(n->req.response[48], 1);
    static const uint8_t zero[24];
    assert_memory_equal(n->req.response, zero, 24); /* no LM response */
    assert_true(n->r_v.has_mppe_keys);
    assert_true(n->p_v.has_mppe_keys);
    assert_memory_equal(n->r_v.mppe_send_key, n->p_v.mppe_recv_key, 16);
    assert_memory_equal(n->r_v.mppe_send_key, n->r_v.mppe_recv_key, 16);
    net_free(n);
}

static void test_mschapv1_failure(void **state)
{
    (void)state;
    struct net *n = net_new(PPP_AUTH_MSCHAP_V1, "alice", "bad", "s3cret", 10, 0);
    start(n);
    run(n, LX_MS_NEVER);
    assert_false(n->r_ok);
    assert_false(n->p_ok);
    assert_int_equal(n->p_v.mschap_error, 691);
    assert_string_equal(n->p_v.message, "E=691 R=0 V=2");
    net_free(n);
}

static char captured_msg[600];
static void capture_msg(uint8_t *pkt, size_t len)
{
    size_t l = len - 4 < sizeof captured_msg - 1 ? len - 4 : sizeof captured_msg - 1;
    memcpy(captured_msg, pkt + 4, l);
    captured_msg[l] = '\0';
}

static void test_mschapv2_success(void **state)
{
    (void)state;
    struct net *n = net_new(PPP_AUTH_MSCHAP_V2, "alice", "s3cret", "s3cret", 10, 0);
    n->tamper = capture_msg;
    start(n);
    run(n, LX_MS_NEVER);
    assert_true(n->r_ok);
    assert_true(n->p_ok);
    assert_int_equal(n->req.challenge_len, 16);
    assert_int_equal(n->req.response_len, 49);
    /* RFC 2759 §5: "S=<40 upper-case hex> M=<message>" */
    assert_int_equal(strlen(captured_msg), 42 + 3 + strlen("Access granted"));
    assert_memory_equal(captured_msg, "S=", 2);
    assert_string_equal(captured_msg + 42, " M=Access granted");
    assert_string_equal(n->p_v.message, "Access granted");
    for (int i = 2; i < 42; i++)
        assert_true((captured_msg[i] >= '0' && captured_msg[i] <= '9') ||
                    (captured_msg[i] >= 'A' && captured_msg[i] <= 'F'));
    /* RFC 3079: the server's send key is the client's receive key */
    assert_true(n->r_v.has_mppe_keys);
    assert_true(n->p_v.has_mppe_keys);
    assert_memory_equal(n->r_v.mppe_send_key, n->p_v.mppe_recv_key, 16);
    assert_memory_equal(n->r_v.mppe_recv_key, n->p_v.mppe_send_key, 16);
    assert_memory_not_equal(n->r_v.mppe_send_key, n->r_v.mppe_recv_key, 16);
    net_free(n);
}

static void test_mschapv2_failure(void **state)
{
    (void)state;
    struct net *n = net_new(PPP_AUTH_MSCHAP_V2, "alice", "bad", "s3cret", 10, 0);
    n->tamper = capture_msg;
    start(n);
    run(n, LX_MS_NEVER);
    assert_false(n->r_ok);
    assert_false(n->p_ok);
    assert_int_equal(n->p_v.mschap_error, 691);
    /* RFC 2759 §6: "E=691 R=0 C=<32 hex> V=3 M=<msg>" */
    assert_memory_equal(captured_msg, "E=691 R=0 C=", 12);
    for (int i = 12; i < 44; i++)
        assert_true((captured_msg[i] >= '0' && captured_msg[i] <= '9') ||
                    (captured_msg[i] >= 'A' && captured_msg[i] <= 'F'));
    assert_string_equal(captured_msg + 44, " V=3 M=Authentication failed");
    assert_string_equal(n->p_v.message, "Authentication failed");
    net_free(n);
}

static void forge_auth_response(uint8_t *pkt, size_t len)
{
    if (pkt[0] == 3 && len > 10)
        pkt[10] = pkt[10] == '0' ? '1' : '0';
}

static void test_mschapv2_forged_authenticator(void **state)
{
    (void)state;
    struct net *n = net_new(PPP_AUTH_MSCHAP_V2, "alice", "s3cret", "s3cret", 10, 0);
    n->tamper = forge_auth_response;
    start(n);
    run(n, LX_MS_NEVER);
    assert_true(n->r_ok);  /* the authenticator believed the peer ... */
    assert_false(n->p_ok); /* ... but the peer hangs up (RFC 2759 §5) */
    assert_int_equal(n->p_done, 1);
    assert_string_equal(n->p_v.message, "bad authenticator response");
    net_free(n);
}

static void strip_auth_response(uint8_t *pkt, size_t len)
{
    if (pkt[0] == 3) {
        memcpy(pkt + 4, "M=hello", 7);
        pkt[2] = 0;
        pkt[3] = 11;
    }
}

static void test_mschapv2_missing_authenticator(void **state)
{
    (void)state;
    struct net *n = net_new(PPP_AUTH_MSCHAP_V2, "alice", "s3cret", "s3cret", 10, 0);
    n->tamper = strip_auth_response;
    start(n);
    run(n, LX_MS_NEVER);
    assert_false(n->p_ok);
    net_free(n);
}

static void test_mschapv2_rogue_server(void **state)
{
    (void)state;
    /* A rogue authenticator that does not know the password accepts anyway
     * and signs with the wrong password: the peer must hang up. */
    struct net *n = net_new(PPP_AUTH_MSCHAP_V2, "alice", "s3cret", "s3cret", 10, 0);
    ppp_authr_start(n->r, n->now);
    ppp_authp_start(n->p, n->now);
    struct q c = n->to_p;
    n->to_p.n = 0;
    ppp_authp_input(n->p, n->now, c.data[0], c.len[0]);
    struct q rq = n->to_r;
    n->to_r.n = 0;
    ppp_authr_input(n->r, n->now, rq.data[0], rq.len[0]);
    assert_true(n->pending);
    struct ppp_auth_verdict v;
    memset(&v, 0, sizeof v);
    v.accept = true;
    assert_true(ppp_crypto_generate_authenticator_response("guess", 5, n->req.response + 24,
                                                           n->req.response, n->req.challenge,
                                                           "alice", 5, v.mschap_auth_response));
    ppp_authr_verdict(n->r, n->now, &v);
    assert_true(n->r_ok);
    pump(n);
    assert_int_equal(n->p_done, 1);
    assert_false(n->p_ok);
    net_free(n);
}

static void test_mschapv2_retransmit_same_response(void **state)
{
    (void)state;
    struct net *n = net_new(PPP_AUTH_MSCHAP_V2, "alice", "s3cret", "s3cret", 10, 0);
    n->drop_to_r = 1; /* first Response lost: the retransmitted Challenge gets the
                         identical Response (same Peer-Challenge) */
    ppp_authr_start(n->r, n->now);
    ppp_authp_start(n->p, n->now);
    pump(n);
    assert_int_equal(n->sent_by_p, 1);
    run(n, LX_MS_NEVER);
    assert_int_equal(n->sent_by_p, 2);
    assert_true(n->r_ok);
    assert_true(n->p_ok);
    net_free(n);
}

static void test_mschapv2_domain_user(void **state)
{
    (void)state;
    struct net *n = net_new(PPP_AUTH_MSCHAP_V2, "BIGCO\\alice", "s3cret", "s3cret", 10, 0);
    start(n);
    run(n, LX_MS_NEVER);
    assert_string_equal(n->req.user, "BIGCO\\alice");
    assert_true(n->r_ok);
    assert_true(n->p_ok);
    net_free(n);
}

static void test_mschapv2_utf8_password(void **state)
{
    (void)state;
    struct net *n = net_new(PPP_AUTH_MSCHAP_V2, "alice", "p\xc3\xa4ss\xe2\x82\xac",
                            "p\xc3\xa4ss\xe2\x82\xac", 10, 0);
    start(n);
    run(n, LX_MS_NEVER);
    assert_true(n->r_ok);
    assert_true(n->p_ok);
    net_free(n);
}

static void test_mschapv2_backend_without_s(void **state)
{
    (void)state;
    struct net *n = net_new(PPP_AUTH_MSCHAP_V2, "alice", "s3cret", "s3cret", 10, 0);
    ppp_authr_start(n->r, n->now);
    ppp_authp_start(n->p, n->now);
    struct q c = n->to_p;
    n->to_p.n = 0;
    ppp_authp_input(n->p, n->now, c.data[0], c.len[0]);
    struct q rq = n->to_r;
    n->to_r.n = 0;
    ppp_authr_input(n->r, n->now, rq.data[0], rq.len[0]);
    assert_true(n->pending);
    struct ppp_auth_verdict v;
    memset(&v, 0, sizeof v);
    v.accept = true; /* a broken backend: accept without S= */
    ppp_authr_verdict(n->r, n->now, &v);
    assert_int_equal(n->r_done, 1);
    assert_false(n->r_ok);
    assert_int_equal(n->to_p.data[0][0], 4); /* Failure */
    /* a second (stale) verdict is ignored */
    ppp_authr_verdict(n->r, n->now, &v);
    assert_int_equal(n->r_done, 1);
    net_free(n);
}

/* ---- robustness --------------------------------------------------------- */

static void test_malformed_input(void **state)
{
    (void)state;
    static const enum ppp_auth_method ms[] = {PPP_AUTH_PAP, PPP_AUTH_CHAP_MD5, PPP_AUTH_MSCHAP_V1,
                                              PPP_AUTH_MSCHAP_V2};
    for (size_t k = 0; k < 4; k++) {
        struct net *n = net_new(ms[k], "alice", "s3cret", "s3cret", 10, 0);
        start(n);
        uint8_t pkt[300];
        for (int code = 0; code < 8; code++) {
            for (size_t len = 0; len < 60; len++) {
                for (size_t i = 0; i < len; i++)
                    pkt[i] = (uint8_t)(i * 37 + len + (unsigned)code);
                if (len > 0)
                    pkt[0] = (uint8_t)code;
                if (len > 3) {
                    /* claims more than there is, or exactly len */
                    pkt[2] = 0;
                    pkt[3] = (uint8_t)(len + (code & 1));
                }
                if (len > 4)
                    pkt[4] = (uint8_t)(len * 3); /* value/id length beyond the end */
                ppp_authr_input(n->r, n->now, pkt, len);
                ppp_authp_input(n->p, n->now, pkt, len);
            }
        }
        assert_int_equal(n->verify_count, 0);
        assert_int_equal(n->p_done, 0);
        /* and the real exchange still works */
        n->to_p.n = 0;
        n->to_r.n = 0;
        start(n);
        run(n, LX_MS_NEVER);
        assert_true(n->r_ok);
        assert_true(n->p_ok);
        net_free(n);
    }
}

static char logbuf[32768];
static size_t loglen;
static void log_hook(void *ctx, int level, const char *line)
{
    (void)ctx;
    (void)level;
    size_t n = strlen(line);
    if (loglen + n + 2 < sizeof logbuf) {
        memcpy(logbuf + loglen, line, n);
        loglen += n;
        logbuf[loglen++] = '\n';
        logbuf[loglen] = '\0';
    }
}

static void test_no_password_in_logs(void **state)
{
    (void)state;
    static const enum ppp_auth_method ms[] = {PPP_AUTH_PAP, PPP_AUTH_CHAP_MD5, PPP_AUTH_MSCHAP_V1,
                                              PPP_AUTH_MSCHAP_V2};
    loglen = 0;
    logbuf[0] = '\0';
    lx_log_set_hook(log_hook, NULL);
    for (size_t k = 0; k < 4; k++) {
        for (int wrong = 0; wrong < 2; wrong++) {
            struct net *n = net_new(ms[k], "alice\nINJECTED", wrong ? "Peer-Pw-1" : "Right-Pw-2",
                                    "Right-Pw-2", 2, 0);
            start(n);
            run(n, LX_MS_NEVER);
            assert_int_equal(n->r_ok, !wrong);
            net_free(n);
        }
    }
    lx_log_set_hook(NULL, NULL);
    assert_non_null(strstr(logbuf, "alice?INJECTED")); /* users are logged, printable */
    if (strstr(logbuf, "\nINJECTED") != NULL)
        fail_msg("raw user name in log:\n%s", logbuf);
    assert_null(strstr(logbuf, "Peer-Pw-1"));
    assert_null(strstr(logbuf, "Right-Pw-2"));
}

/* ---- codec and checks --------------------------------------------------- */

static void test_option_codec(void **state)
{
    (void)state;
    uint8_t o[3];
    assert_int_equal(ppp_auth_method_to_option(PPP_AUTH_PAP, o), 2);
    assert_int_equal(o[0], 0xc0);
    assert_int_equal(o[1], 0x23);
    assert_int_equal(ppp_auth_method_from_option(o, 2), PPP_AUTH_PAP);
    assert_int_equal(ppp_auth_method_from_option(o, 3), PPP_AUTH_NONE);
    static const struct {
        enum ppp_auth_method m;
        uint8_t alg;
        const char *name;
    } t[] = {{PPP_AUTH_CHAP_MD5, 5, "chap"},
             {PPP_AUTH_MSCHAP_V1, 0x80, "mschap"},
             {PPP_AUTH_MSCHAP_V2, 0x81, "mschap-v2"}};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(ppp_auth_method_to_option(t[i].m, o), 3);
        assert_int_equal(o[0], 0xc2);
        assert_int_equal(o[1], 0x23);
        assert_int_equal(o[2], t[i].alg);
        assert_int_equal(ppp_auth_method_from_option(o, 3), t[i].m);
        assert_int_equal(ppp_auth_method_from_option(o, 2), PPP_AUTH_NONE);
        assert_string_equal(ppp_auth_method_name(t[i].m), t[i].name);
    }
    o[2] = 6; /* unknown CHAP algorithm */
    assert_int_equal(ppp_auth_method_from_option(o, 3), PPP_AUTH_NONE);
    static const uint8_t eap[2] = {0xc2, 0x27};
    assert_int_equal(ppp_auth_method_from_option(eap, 2), PPP_AUTH_NONE);
    assert_int_equal(ppp_auth_method_from_option(NULL, 0), PPP_AUTH_NONE);
    assert_int_equal(ppp_auth_method_to_option(PPP_AUTH_NONE, o), 0);
    assert_string_equal(ppp_auth_method_name(PPP_AUTH_PAP), "pap");
    assert_string_equal(ppp_auth_method_name(PPP_AUTH_NONE), "none");
    assert_null(ppp_authr_new(&(struct ppp_authr_cfg){.method = PPP_AUTH_NONE}, &r_ops, NULL));
}

static void test_check_password(void **state)
{
    (void)state;
    struct ppp_auth_request req;
    struct ppp_auth_verdict v;

    /* PAP */
    memset(&req, 0, sizeof req);
    req.method = PPP_AUTH_PAP;
    memcpy(req.password, "pw", 2);
    req.password_len = 2;
    ppp_auth_check_password(&req, "pw", &v);
    assert_true(v.accept);
    ppp_auth_check_password(&req, "pw2", &v);
    assert_false(v.accept);
    ppp_auth_check_password(&req, "p", &v);
    assert_false(v.accept);
    ppp_auth_check_password(&req, "", &v);
    assert_false(v.accept);

    /* CHAP-MD5 (RFC 1994 §4.1) */
    memset(&req, 0, sizeof req);
    req.method = PPP_AUTH_CHAP_MD5;
    req.chap_id = 0x2a;
    for (int i = 0; i < 16; i++)
        req.challenge[i] = (uint8_t)i;
    req.challenge_len = 16;
    ppp_crypto_chap_md5(0x2a, (const uint8_t *)"clientPass", 10, req.challenge, 16, req.response);
    req.response_len = 16;
    ppp_auth_check_password(&req, "clientPass", &v);
    assert_true(v.accept);
    assert_false(v.has_mppe_keys);
    ppp_auth_check_password(&req, "clientpass", &v);
    assert_false(v.accept);
    req.chap_id++;
    ppp_auth_check_password(&req, "clientPass", &v);
    assert_false(v.accept);
    req.chap_id--;
    ppp_auth_check_password(&req, "", &v); /* §2.2: empty secrets are refused */
    assert_false(v.accept);
    req.response_len = 15;
    ppp_auth_check_password(&req, "clientPass", &v);
    assert_false(v.accept);

    /* MS-CHAPv1: RFC 2433 §B.2 */
    memset(&req, 0, sizeof req);
    req.method = PPP_AUTH_MSCHAP_V1;
    static const uint8_t c1[8] = {0x10, 0x2D, 0xB5, 0xDF, 0x08, 0x5D, 0x30, 0x41};
    memcpy(req.challenge, c1, 8);
    req.challenge_len = 8;
    assert_true(ppp_crypto_nt_challenge_response(c1, "MyPw", 4, req.response + 24));
    req.response[48] = 1;
    req.response_len = 49;
    ppp_auth_check_password(&req, "MyPw", &v);
    assert_true(v.accept);
    assert_true(v.has_mppe_keys);
    assert_int_equal(v.mschap_error, 0);
    ppp_auth_check_password(&req, "mypw", &v);
    assert_false(v.accept);
    assert_int_equal(v.mschap_error, 691);
    assert_false(v.has_mppe_keys);
    req.response[48] = 0; /* LM-only responses are not accepted */
    ppp_auth_check_password(&req, "MyPw", &v);
    assert_false(v.accept);

    /* MS-CHAPv2: RFC 2759 §9.2, with the RFC 3079 keys from the server's
     * side */
    static const uint8_t ac[16] = {0x5B, 0x5D, 0x7C, 0x7D, 0x7B, 0x3F, 0x2F, 0x3E,
                                   0x3C, 0x2C, 0x60, 0x21, 0x32, 0x26, 0x26, 0x28};
    static const uint8_t pc[16] = {0x21, 0x40, 0x23, 0x24, 0x25, 0x5E, 0x26, 0x2A,
                                   0x28, 0x29, 0x5F, 0x2B, 0x3A, 0x33, 0x7C, 0x7E};
    static const uint8_t nt[24] = {0x82, 0x30, 0x9E, 0xCD, 0x8D, 0x70, 0x8B, 0x5E,
                                   0xA0, 0x8F, 0xAA, 0x39, 0x81, 0xCD, 0x83, 0x54,
                                   0x42, 0x33, 0x11, 0x4A, 0x3D, 0x85, 0xD6, 0xDF};
    static const uint8_t send128[16] = {0x8B, 0x7C, 0xDC, 0x14, 0x9B, 0x99, 0x3A, 0x1B,
                                        0xA1, 0x18, 0xCB, 0x15, 0x3F, 0x56, 0xDC, 0xCB};
    memset(&req, 0, sizeof req);
    req.method = PPP_AUTH_MSCHAP_V2;
    snprintf(req.user, sizeof req.user, "%s", "User");
    memcpy(req.challenge, ac, 16);
    req.challenge_len = 16;
    memcpy(req.response, pc, 16);
    memcpy(req.response + 24, nt, 24);
    req.response_len = 49;
    ppp_auth_check_password(&req, "clientPass", &v);
    assert_true(v.accept);
    assert_string_equal(v.mschap_auth_response, "S=407A5589115FD0D6209F510FE9C04566932CDA56");
    assert_true(v.has_mppe_keys);
    assert_memory_equal(v.mppe_send_key, send128, 16);
    /* the same with a domain prefix (RFC 2759 §4: not hashed) */
    snprintf(req.user, sizeof req.user, "%s", "DOM\\User");
    ppp_auth_check_password(&req, "clientPass", &v);
    assert_true(v.accept);
    assert_string_equal(v.mschap_auth_response, "S=407A5589115FD0D6209F510FE9C04566932CDA56");
    snprintf(req.user, sizeof req.user, "%s", "user");
    ppp_auth_check_password(&req, "clientPass", &v);
    assert_false(v.accept);
    assert_int_equal(v.mschap_error, 691);
    assert_string_equal(v.mschap_auth_response, "");
    snprintf(req.user, sizeof req.user, "%s", "User");
    ppp_auth_check_password(&req, "clientpass", &v);
    assert_false(v.accept);
    req.challenge_len = 8;
    ppp_auth_check_password(&req, "clientPass", &v);
    assert_false(v.accept);
}

int main(void)
{
    lx_log_open(LX_LOG_SINK_NONE, "test", LX_LOG_DEBUG);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pap_success),
        cmocka_unit_test(test_pap_wrong_password),
        cmocka_unit_test(test_pap_lost_request_and_ack),
        cmocka_unit_test(test_pap_max_tries),
        cmocka_unit_test(test_pap_immediate_verdict),
        cmocka_unit_test(test_chap_success),
        cmocka_unit_test(test_chap_wrong_password),
        cmocka_unit_test(test_chap_lost_packets),
        cmocka_unit_test(test_chap_duplicate_response),
        cmocka_unit_test(test_chap_max_tries),
        cmocka_unit_test(test_chap_rechallenge),
        cmocka_unit_test(test_chap_rechallenge_unanswered),
        cmocka_unit_test(test_mschapv1_success),
        cmocka_unit_test(test_mschapv1_failure),
        cmocka_unit_test(test_mschapv2_success),
        cmocka_unit_test(test_mschapv2_failure),
        cmocka_unit_test(test_mschapv2_forged_authenticator),
        cmocka_unit_test(test_mschapv2_missing_authenticator),
        cmocka_unit_test(test_mschapv2_rogue_server),
        cmocka_unit_test(test_mschapv2_retransmit_same_response),
        cmocka_unit_test(test_mschapv2_domain_user),
        cmocka_unit_test(test_mschapv2_utf8_password),
        cmocka_unit_test(test_mschapv2_backend_without_s),
        cmocka_unit_test(test_malformed_input),
        cmocka_unit_test(test_no_password_in_logs),
        cmocka_unit_test(test_option_codec),
        cmocka_unit_test(test_check_password),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
