/* RFC 1661 §4 automaton: the §4.1 state table walked cell by cell, plus
 * Max-Configure, Max-Terminate, Max-Failure and bounded Nak/Reject loops.
 * A dummy protocol ("TST", one 4-byte option of type 1) drives it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/log.h"
#include "ppp/fsm.h"
#include "ppp/ppp.h"

#define MAX_SENT 64

struct rec {
    struct {
        uint8_t code, id;
        uint8_t data[64];
        size_t len;
    } sent[MAX_SENT];
    int nsent;
    int tlu, tld, tls, tlf;
};

static struct rec R;
static uint8_t g_req_result = PPP_CONFACK; /* RCR+ or RCR- */

static void own_send(void *ctx, uint16_t proto, const uint8_t *pkt, size_t len)
{
    assert_int_equal(proto, 0x8999);
    assert_true(len >= 4 && lx_get_u16(pkt + 2) == len);
    if (R.nsent < MAX_SENT) {
        R.sent[R.nsent].code = pkt[0];
        R.sent[R.nsent].id = pkt[1];
        R.sent[R.nsent].len = len - 4 < 64 ? len - 4 : 64;
        memcpy(R.sent[R.nsent].data, pkt + 4, R.sent[R.nsent].len);
    }
    R.nsent++;
}
static void own_up(void *c, struct ppp_fsm *f, lx_ms_t n)
{
    R.tlu++;
}
static void own_down(void *c, struct ppp_fsm *f, lx_ms_t n)
{
    R.tld++;
}
static void own_started(void *c, struct ppp_fsm *f, lx_ms_t n)
{
    R.tls++;
}
static void own_finished(void *c, struct ppp_fsm *f, lx_ms_t n)
{
    R.tlf++;
}

static const struct ppp_fsm_owner owner = {own_send, own_up, own_down, own_started, own_finished};

static void tst_build(struct ppp_fsm *f, struct lx_wr *w)
{
    ppp_fsm_opt_put_u32(w, 1, 0x11223344);
}
static bool tst_nak(struct ppp_fsm *f, const uint8_t *o, size_t l)
{
    return true;
}
static uint8_t tst_req(struct ppp_fsm *f, const uint8_t *o, size_t l, struct lx_wr *out,
                       bool no_nak)
{
    if (g_req_result == PPP_CONFACK)
        return PPP_CONFACK;
    if (no_nak) {
        lx_wr_bytes(out, o, l);
        return PPP_CONFREJ;
    }
    ppp_fsm_opt_put_u32(out, 1, 0x99);
    return PPP_CONFNAK;
}
/* RXR as LCP does it: Echo-Request answered only in Opened (ser). */
static bool tst_ext(struct ppp_fsm *f, lx_ms_t now, uint8_t code, uint8_t id, const uint8_t *d,
                    size_t l)
{
    if (code == PPP_ECHOREQ) {
        if (f->state == PPP_FSM_OPENED)
            ppp_fsm_send(f, PPP_ECHOREP, id, d, l);
        return true;
    }
    return code == PPP_ECHOREP || code == PPP_DISCREQ;
}

static const struct ppp_fsm_proto tst_proto = {
    .name = "TST",
    .build_req = tst_build,
    .nak = tst_nak,
    .req = tst_req,
    .extcode = tst_ext,
};

static struct ppp_fsm F;
static lx_ms_t NOW;

static void in(uint8_t code, uint8_t id, const uint8_t *data, size_t len)
{
    uint8_t pkt[128];
    pkt[0] = code;
    pkt[1] = id;
    lx_put_u16(pkt + 2, (uint16_t)(len + 4));
    if (len)
        memcpy(pkt + 4, data, len);
    ppp_fsm_input(&F, NOW, pkt, len + 4);
}

static const uint8_t peer_opt[] = {1, 6, 0xaa, 0xbb, 0xcc, 0xdd};

static void ev_rcr(bool good)
{
    g_req_result = good ? PPP_CONFACK : PPP_CONFNAK;
    in(PPP_CONFREQ, 0x40, peer_opt, sizeof(peer_opt));
}
static void ev_rca(void)
{
    in(PPP_CONFACK, F.reqid, F.req_opts, F.req_len);
}
static void ev_rcn(void)
{
    const uint8_t nak[] = {1, 6, 0, 0, 0, 1};
    in(PPP_CONFNAK, F.reqid, nak, sizeof(nak));
}

static void reset_rec(void)
{
    memset(&R, 0, sizeof(R));
}

static void fsm_new(void)
{
    struct ppp_fsm_cfg cfg = {
        .restart_ms = 1000, .max_configure = 10, .max_terminate = 2, .max_failure = 5};
    ppp_fsm_init(&F, 0x8999, &tst_proto, NULL, &cfg, &owner, NULL);
    NOW = 1000;
    reset_rec();
}

/* Drives a fresh automaton into state s through legal events only. */
static void goto_state(enum ppp_fsm_state s)
{
    fsm_new();
    switch (s) {
    case PPP_FSM_INITIAL:
        break;
    case PPP_FSM_STARTING:
        ppp_fsm_open(&F, NOW);
        break;
    case PPP_FSM_CLOSED:
        ppp_fsm_up(&F, NOW);
        break;
    case PPP_FSM_STOPPED:
        ppp_fsm_up(&F, NOW);
        ppp_fsm_open(&F, NOW);
        ppp_fsm_rxj(&F, NOW, true); /* Req-Sent RXJ-: tlf/3 */
        break;
    case PPP_FSM_CLOSING:
        ppp_fsm_up(&F, NOW);
        ppp_fsm_open(&F, NOW);
        ppp_fsm_close(&F, NOW, "bye");
        break;
    case PPP_FSM_STOPPING:
        ppp_fsm_up(&F, NOW);
        ppp_fsm_open(&F, NOW);
        ppp_fsm_close(&F, NOW, "bye");
        ppp_fsm_open(&F, NOW); /* Closing Open: 5 */
        break;
    case PPP_FSM_REQSENT:
        ppp_fsm_up(&F, NOW);
        ppp_fsm_open(&F, NOW);
        break;
    case PPP_FSM_ACKRCVD:
        ppp_fsm_up(&F, NOW);
        ppp_fsm_open(&F, NOW);
        ev_rca();
        break;
    case PPP_FSM_ACKSENT:
        ppp_fsm_up(&F, NOW);
        ppp_fsm_open(&F, NOW);
        ev_rcr(true);
        break;
    case PPP_FSM_OPENED:
        ppp_fsm_up(&F, NOW);
        ppp_fsm_open(&F, NOW);
        ev_rcr(true);
        ev_rca();
        break;
    default:
        fail();
    }
    assert_int_equal(F.state, s);
    reset_rec();
}

enum ev {
    E_UP,
    E_DOWN,
    E_OPEN,
    E_CLOSE,
    E_TOP,
    E_TOM,
    E_RCRP,
    E_RCRM,
    E_RCA,
    E_RCN,
    E_RTR,
    E_RTA,
    E_RUC,
    E_RXJP,
    E_RXJM,
    E_RXR,
    E_COUNT
};

static const char *const ev_names[E_COUNT] = {"Up",   "Down", "Open", "Close", "TO+", "TO-",
                                              "RCR+", "RCR-", "RCA",  "RCN",   "RTR", "RTA",
                                              "RUC",  "RXJ+", "RXJ-", "RXR"};

/* RFC 1661 §4.1, transcribed. "-" = illegal event. Cells marked "+irc"
 * carry an extra irc we do on renegotiation from Opened (the counter's
 * value is otherwise left over from the previous negotiation). "!disc":
 * an RCA/RCN in Ack-Rcvd/Opened needs a second valid answer to a request
 * already answered; we discard it as out of sequence (§4.3 RCA note), so
 * the cell's transition cannot occur. */
static const char *const table[E_COUNT][PPP_FSM_STATE_COUNT] = {
    /*           0        1            2            3                4        5        6
       7            8            9 */
    [E_UP] = {"2", "irc,scr/6", "-", "-", "-", "-", "-", "-", "-", "-"},
    [E_DOWN] = {"-", "-", "0", "tls/1", "0", "1", "1", "1", "1", "tld/1"},
    [E_OPEN] = {"tls/1", "1", "irc,scr/6", "3r", "5r", "5r", "6", "7", "8", "9r"},
    [E_CLOSE] = {"0", "tlf/0", "2", "2", "4", "4", "irc,str/4", "irc,str/4", "irc,str/4",
                 "tld,irc,str/4"},
    [E_TOP] = {"-", "-", "-", "-", "str/4", "str/5", "scr/6", "scr/6", "scr/8", "-"},
    [E_TOM] = {"-", "-", "-", "-", "tlf/2", "tlf/3", "tlf/3p", "tlf/3p", "tlf/3p", "-"},
    [E_RCRP] = {"-", "-", "sta/2", "irc,scr,sca/8", "4", "5", "sca/8", "sca,tlu/9", "sca/8",
                "tld,+irc,scr,sca/8"},
    [E_RCRM] = {"-", "-", "sta/2", "irc,scr,scn/6", "4", "5", "scn/6", "scn/7", "scn/6",
                "tld,+irc,scr,scn/6"},
    [E_RCA] = {"-", "-", "sta/2", "sta/3", "4", "5", "irc/7", "!disc", "irc,tlu/9", "!disc"},
    [E_RCN] = {"-", "-", "sta/2", "sta/3", "4", "5", "irc,scr/6", "!disc", "irc,scr/8", "!disc"},
    [E_RTR] = {"-", "-", "sta/2", "sta/3", "sta/4", "sta/5", "sta/6", "sta/6", "sta/6",
               "tld,zrc,sta/5"},
    [E_RTA] = {"-", "-", "2", "3", "tlf/2", "tlf/3", "6", "6", "8", "tld,+irc,scr/6"},
    [E_RUC] = {"-", "-", "scj/2", "scj/3", "scj/4", "scj/5", "scj/6", "scj/7", "scj/8", "scj/9"},
    [E_RXJP] = {"-", "-", "2", "3", "4", "5", "6", "7", "8", "9"},
    [E_RXJM] = {"-", "-", "tlf/2", "tlf/3", "tlf/2", "tlf/3", "tlf/3", "tlf/3", "tlf/3",
                "tld,irc,str/5"},
    [E_RXR] = {"-", "-", "2", "3", "4", "5", "6", "7", "8", "ser/9"},
};

#define SENTINEL 7u

static void fire(enum ev e)
{
    static const uint8_t unknown[] = {0};
    static const uint8_t rej_ext[] = {PPP_DISCREQ, 1, 0, 4};
    static const uint8_t rej_core[] = {PPP_CONFREQ, 1, 0, 4};
    static const uint8_t echo[] = {0, 0, 0, 0, 'h', 'i'};
    switch (e) {
    case E_UP:
        ppp_fsm_up(&F, NOW);
        break;
    case E_DOWN:
        ppp_fsm_down(&F, NOW);
        break;
    case E_OPEN:
        ppp_fsm_open(&F, NOW);
        break;
    case E_CLOSE:
        ppp_fsm_close(&F, NOW, "bye");
        break;
    case E_TOP:
    case E_TOM:
        F.restart = e == E_TOP ? SENTINEL : 0;
        if (F.deadline != LX_MS_NEVER)
            NOW = F.deadline;
        ppp_fsm_timeout(&F, NOW);
        break;
    case E_RCRP:
        ev_rcr(true);
        break;
    case E_RCRM:
        ev_rcr(false);
        break;
    case E_RCA:
        ev_rca();
        break;
    case E_RCN:
        ev_rcn();
        break;
    case E_RTR:
        in(PPP_TERMREQ, 0x50, NULL, 0);
        break;
    case E_RTA:
        in(PPP_TERMACK, F.id, NULL, 0);
        break;
    case E_RUC:
        in(0x42, 0x51, unknown, sizeof(unknown));
        break;
    case E_RXJP:
        in(PPP_CODEREJ, 0x52, rej_ext, sizeof(rej_ext));
        break;
    case E_RXJM:
        in(PPP_CODEREJ, 0x53, rej_core, sizeof(rej_core));
        break;
    case E_RXR:
        in(PPP_ECHOREQ, 0x54, echo, sizeof(echo));
        break;
    default:
        fail();
    }
}

static int count_code(uint8_t code)
{
    int n = 0;
    for (int i = 0; i < R.nsent && i < MAX_SENT; i++)
        n += R.sent[i].code == code;
    return n;
}

static bool has(const char *acts, const char *a)
{
    char buf[64];
    snprintf(buf, sizeof(buf), ",%s,", a);
    char all[80];
    snprintf(all, sizeof(all), ",%s,", acts);
    return strstr(all, buf) != NULL;
}

static void check_cell(enum ev e, enum ppp_fsm_state s)
{
    const char *cell = table[e][s];
    char msg[128];
    snprintf(msg, sizeof(msg), "state %s event %s cell \"%s\"", ppp_fsm_state_name(s), ev_names[e],
             cell);
    goto_state(s);
    if (e != E_TOP && e != E_TOM)
        F.restart = SENTINEL;
    uint64_t illegal0 = F.stats.illegal_events;
    uint64_t disc0 = F.stats.rx_discarded;
    lx_ms_t deadline0 = F.deadline;
    fire(e);

    if (!strcmp(cell, "-") || !strcmp(cell, "!disc")) {
        /* no transition, no action */
        if (F.state != s || R.nsent || R.tlu || R.tld || R.tls || R.tlf)
            fail_msg("%s: expected no transition/action", msg);
        if (!strcmp(cell, "!disc") && F.stats.rx_discarded != disc0 + 1)
            fail_msg("%s: expected a discard", msg);
        if (!strcmp(cell, "-") && (e == E_TOP || e == E_TOM) && deadline0 != LX_MS_NEVER)
            fail_msg("%s: timer running in a state without TO", msg);
        if (!strcmp(cell, "-") && e <= E_CLOSE && F.stats.illegal_events != illegal0 + 1)
            fail_msg("%s: illegal event not reported", msg);
        return;
    }

    char acts[64] = "";
    int next;
    const char *slash = strchr(cell, '/');
    if (slash) {
        snprintf(acts, sizeof(acts), "%.*s", (int)(slash - cell), cell);
        next = slash[1] - '0';
    } else {
        next = cell[0] - '0';
    }
    if ((int)F.state != next)
        fail_msg("%s: next state %s, expected %d", msg, ppp_fsm_state_name(F.state), next);

    struct {
        const char *name;
        int got;
    } chk[] = {
        {"tlu", R.tlu},
        {"tld", R.tld},
        {"tls", R.tls},
        {"tlf", R.tlf},
        {"scr", count_code(PPP_CONFREQ)},
        {"sca", count_code(PPP_CONFACK)},
        {"scn", count_code(PPP_CONFNAK) + count_code(PPP_CONFREJ)},
        {"str", count_code(PPP_TERMREQ)},
        {"sta", count_code(PPP_TERMACK)},
        {"scj", count_code(PPP_CODEREJ)},
        {"ser", count_code(PPP_ECHOREP)},
    };
    for (size_t i = 0; i < sizeof(chk) / sizeof(chk[0]); i++) {
        int want = has(acts, chk[i].name) ? 1 : 0;
        if (chk[i].got != want)
            fail_msg("%s: action %s happened %d times, expected %d", msg, chk[i].name, chk[i].got,
                     want);
    }

    /* irc / zrc, read from the Restart counter (set to SENTINEL before). */
    bool irc = has(acts, "irc") || has(acts, "+irc");
    unsigned want = (e == E_TOM) ? 0 : SENTINEL;
    if (irc)
        want = count_code(PPP_TERMREQ) ? F.cfg.max_terminate : F.cfg.max_configure;
    if (has(acts, "zrc"))
        want = 0;
    want -= (unsigned)(count_code(PPP_CONFREQ) + count_code(PPP_TERMREQ));
    if (F.restart != want)
        fail_msg("%s: restart counter %u, expected %u", msg, F.restart, want);
    if (has(acts, "zrc") && F.deadline == LX_MS_NEVER)
        fail_msg("%s: zrc must keep the timer running", msg);

    /* §4.1: the timer runs exactly in the states that have TO events. */
    bool running = F.state >= PPP_FSM_CLOSING && F.state <= PPP_FSM_ACKSENT;
    if (!running && F.deadline != LX_MS_NEVER)
        fail_msg("%s: timer left running in %s", msg, ppp_fsm_state_name(F.state));
    if (running && F.deadline == LX_MS_NEVER)
        fail_msg("%s: timer not running in %s", msg, ppp_fsm_state_name(F.state));
}

#define ROW(ev)                                       \
    static void test_row_##ev(void **st)              \
    {                                                 \
        for (int s = 0; s < PPP_FSM_STATE_COUNT; s++) \
            check_cell(ev, (enum ppp_fsm_state)s);    \
    }

ROW(E_UP)
ROW(E_DOWN)
ROW(E_OPEN)
ROW(E_CLOSE)
ROW(E_TOP)
ROW(E_TOM)
ROW(E_RCRP)
ROW(E_RCRM)
ROW(E_RCA)
ROW(E_RCN)
ROW(E_RTR)
ROW(E_RTA)
ROW(E_RUC)
ROW(E_RXJP)
ROW(E_RXJM)
ROW(E_RXR)

/* Max-Configure: exactly max_configure Configure-Requests, then tlf/3. */
static void test_max_configure(void **st)
{
    goto_state(PPP_FSM_REQSENT); /* one ConfReq already sent */
    int n = 1;
    while (F.deadline != LX_MS_NEVER) {
        NOW = F.deadline;
        ppp_fsm_timeout(&F, NOW);
        n += count_code(PPP_CONFREQ);
        reset_rec();
        assert_true(n <= 20);
    }
    assert_int_equal(n, 10);
    assert_int_equal(F.state, PPP_FSM_STOPPED);
    assert_int_equal(F.why, PPP_FSM_WHY_TIMEOUT);
}

/* Retransmissions keep the identifier, so a late Ack still counts. */
static void test_retransmit_same_id(void **st)
{
    goto_state(PPP_FSM_REQSENT);
    uint8_t id = F.reqid;
    NOW = F.deadline;
    ppp_fsm_timeout(&F, NOW);
    assert_int_equal(R.sent[0].code, PPP_CONFREQ);
    assert_int_equal(R.sent[0].id, id);
    ev_rca();
    assert_int_equal(F.state, PPP_FSM_ACKRCVD);
}

/* Max-Terminate: two Terminate-Requests, then tlf/2. */
static void test_max_terminate(void **st)
{
    goto_state(PPP_FSM_OPENED);
    ppp_fsm_close(&F, NOW, "bye");
    int n = count_code(PPP_TERMREQ);
    assert_memory_equal(R.sent[0].data, "bye", 3);
    reset_rec();
    while (F.deadline != LX_MS_NEVER) {
        NOW = F.deadline;
        ppp_fsm_timeout(&F, NOW);
        n += count_code(PPP_TERMREQ);
        reset_rec();
        assert_true(n <= 10);
    }
    assert_int_equal(n, 2);
    assert_int_equal(F.state, PPP_FSM_CLOSED);
}

/* Max-Failure: after 5 Naks without an Ack, the protocol is told to
 * Reject instead (no_nak). */
static void test_max_failure(void **st)
{
    goto_state(PPP_FSM_REQSENT);
    for (int i = 0; i < 5; i++) {
        ev_rcr(false);
        assert_int_equal(R.sent[R.nsent - 1].code, PPP_CONFNAK);
    }
    ev_rcr(false);
    assert_int_equal(R.sent[R.nsent - 1].code, PPP_CONFREJ);
    /* An Ack resets the count. */
    ev_rcr(true);
    assert_int_equal(R.sent[R.nsent - 1].code, PPP_CONFACK);
    ev_rcr(false);
    assert_int_equal(R.sent[R.nsent - 1].code, PPP_CONFNAK);
}

/* §4.5: a peer that Naks every request forever is cut off. */
static void test_nak_loop_bounded(void **st)
{
    goto_state(PPP_FSM_REQSENT);
    int rounds = 0;
    while (F.state == PPP_FSM_REQSENT && rounds < 1000) {
        ev_rcn();
        rounds++;
    }
    assert_int_equal(F.state, PPP_FSM_STOPPED);
    assert_int_equal(F.why, PPP_FSM_WHY_NOT_CONVERGING);
    assert_true(rounds <= 2 * (10 + 5) + 1);
    assert_int_equal(R.tlf, 1);
}

/* ... and so is one whose requests we must Nak/Reject forever. */
static void test_rcr_loop_bounded(void **st)
{
    goto_state(PPP_FSM_REQSENT);
    int rounds = 0;
    while (F.state == PPP_FSM_REQSENT && rounds < 1000) {
        ev_rcr(false);
        rounds++;
    }
    assert_int_equal(F.state, PPP_FSM_STOPPED);
    assert_true(rounds <= 2 * (10 + 5) + 1);
}

/* Invalid answers are silently discarded (§4.3, §5.2, §5.4). */
static void test_invalid_answers(void **st)
{
    goto_state(PPP_FSM_REQSENT);
    uint8_t bad[] = {1, 6, 0x11, 0x22, 0x33, 0x45};
    in(PPP_CONFACK, F.reqid, bad, sizeof(bad));                     /* modified options */
    in(PPP_CONFACK, (uint8_t)(F.reqid + 1), F.req_opts, F.req_len); /* wrong id */
    in(PPP_CONFREJ, F.reqid, bad, sizeof(bad));                     /* not a subset */
    uint8_t malformed[] = {1, 1};
    in(PPP_CONFNAK, F.reqid, malformed, sizeof(malformed));
    assert_int_equal(F.state, PPP_FSM_REQSENT);
    assert_int_equal(R.nsent, 0);
    assert_int_equal(F.stats.rx_discarded, 4);
    /* A valid Reject of our option is taken. */
    in(PPP_CONFREJ, F.reqid, F.req_opts, F.req_len);
    assert_int_equal(count_code(PPP_CONFREQ), 1);
    /* A second answer to the same request is out of sequence. */
    reset_rec();
    ev_rca();
    in(PPP_CONFACK, R.sent[0].id, F.req_opts, F.req_len);
    assert_int_equal(F.state, PPP_FSM_ACKRCVD);
}

/* Length field: padding ignored, truncation rejected (§5). */
static void test_length_checks(void **st)
{
    goto_state(PPP_FSM_REQSENT);
    uint8_t pad[] = {PPP_TERMREQ, 9, 0, 4, 0xde, 0xad};
    ppp_fsm_input(&F, NOW, pad, sizeof(pad));
    assert_int_equal(count_code(PPP_TERMACK), 1);
    uint8_t trunc[] = {PPP_TERMREQ, 9, 0, 8, 0};
    ppp_fsm_input(&F, NOW, trunc, sizeof(trunc));
    uint8_t shortlen[] = {PPP_TERMREQ, 9, 0, 3};
    ppp_fsm_input(&F, NOW, shortlen, sizeof(shortlen));
    assert_int_equal(F.stats.rx_bad, 2);
    assert_int_equal(count_code(PPP_TERMACK), 1);
    /* Malformed options in a Configure-Request: discarded, not answered. */
    uint8_t badopt[] = {1, 9, 0};
    in(PPP_CONFREQ, 3, badopt, sizeof(badopt));
    assert_int_equal(R.nsent, 1);
}

/* Code-Reject carries the rejected packet (§5.6). */
static void test_code_reject_content(void **st)
{
    goto_state(PPP_FSM_OPENED);
    uint8_t x[] = {0x42, 7, 0, 6, 0xab, 0xcd};
    ppp_fsm_input(&F, NOW, x, sizeof(x));
    assert_int_equal(R.nsent, 1);
    assert_int_equal(R.sent[0].code, PPP_CODEREJ);
    assert_int_equal(R.sent[0].len, 6);
    assert_memory_equal(R.sent[0].data, x, 6);
}

int main(void)
{
    lx_log_open(LX_LOG_SINK_NONE, "test", LX_LOG_ERR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_row_E_UP),
        cmocka_unit_test(test_row_E_DOWN),
        cmocka_unit_test(test_row_E_OPEN),
        cmocka_unit_test(test_row_E_CLOSE),
        cmocka_unit_test(test_row_E_TOP),
        cmocka_unit_test(test_row_E_TOM),
        cmocka_unit_test(test_row_E_RCRP),
        cmocka_unit_test(test_row_E_RCRM),
        cmocka_unit_test(test_row_E_RCA),
        cmocka_unit_test(test_row_E_RCN),
        cmocka_unit_test(test_row_E_RTR),
        cmocka_unit_test(test_row_E_RTA),
        cmocka_unit_test(test_row_E_RUC),
        cmocka_unit_test(test_row_E_RXJP),
        cmocka_unit_test(test_row_E_RXJM),
        cmocka_unit_test(test_row_E_RXR),
        cmocka_unit_test(test_max_configure),
        cmocka_unit_test(test_retransmit_same_id),
        cmocka_unit_test(test_max_terminate),
        cmocka_unit_test(test_max_failure),
        cmocka_unit_test(test_nak_loop_bounded),
        cmocka_unit_test(test_rcr_loop_bounded),
        cmocka_unit_test(test_invalid_answers),
        cmocka_unit_test(test_length_checks),
        cmocka_unit_test(test_code_reject_content),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
