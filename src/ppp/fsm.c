/* RFC 1661 §4: the option-negotiation automaton. Each event handler below
 * follows one row of the §4.1 state table; the comments give the cell as
 * "state: actions/next-state". */
#include "ppp/fsm.h"

#include <string.h>

#include "lib/log.h"
#include "ppp/ppp.h"

/* §4.5: a negotiation that has needed this many Nak/Reject rounds (sent and
 * received) without reaching Opened is not converging. Generous enough
 * that lost or duplicated packets on a lossy link never trip it. */
static unsigned max_rounds(const struct ppp_fsm *f)
{
    return 2 * (f->cfg.max_configure + f->cfg.max_failure);
}

static const char *const state_names[PPP_FSM_STATE_COUNT] = {
    "Initial",  "Starting", "Closed",   "Stopped",  "Closing",
    "Stopping", "Req-Sent", "Ack-Rcvd", "Ack-Sent", "Opened",
};

const char *ppp_fsm_state_name(enum ppp_fsm_state s)
{
    return (unsigned)s < PPP_FSM_STATE_COUNT ? state_names[s] : "?";
}

void ppp_fsm_init(struct ppp_fsm *f, uint16_t proto, const struct ppp_fsm_proto *cb, void *pctx,
                  const struct ppp_fsm_cfg *cfg, const struct ppp_fsm_owner *owner, void *octx)
{
    memset(f, 0, sizeof(*f));
    f->proto = proto;
    f->cb = cb;
    f->pctx = pctx;
    f->owner = owner;
    f->octx = octx;
    if (cfg)
        f->cfg = *cfg;
    if (!f->cfg.restart_ms)
        f->cfg.restart_ms = PPP_FSM_DEF_RESTART_MS;
    if (!f->cfg.max_configure)
        f->cfg.max_configure = PPP_FSM_DEF_MAX_CONFIGURE;
    if (!f->cfg.max_terminate)
        f->cfg.max_terminate = PPP_FSM_DEF_MAX_TERMINATE;
    if (!f->cfg.max_failure)
        f->cfg.max_failure = PPP_FSM_DEF_MAX_FAILURE;
    f->state = PPP_FSM_INITIAL;
    f->deadline = LX_MS_NEVER;
    f->peer_mru = 1500;
}

/* ---- options ---------------------------------------------------------- */

void ppp_fsm_opt_iter_init(struct ppp_fsm_opt_iter *it, const uint8_t *opts, size_t len)
{
    lx_rd_init(&it->r, opts, len);
    it->bad = false;
}

bool ppp_fsm_opt_next(struct ppp_fsm_opt_iter *it, struct ppp_fsm_opt *o)
{
    if (it->bad || lx_rd_left(&it->r) == 0)
        return false;
    const uint8_t *start = it->r.p + it->r.off;
    uint8_t type = lx_rd_u8(&it->r);
    uint8_t len = lx_rd_u8(&it->r);
    /* RFC 1661 §6: Length counts type and length, so it is at least 2. */
    if (it->r.err || len < 2 || !lx_rd_ptr(&it->r, (size_t)len - 2)) {
        it->bad = true;
        return false;
    }
    o->type = type;
    o->raw = start;
    o->raw_len = len;
    o->data = start + 2;
    o->len = (size_t)len - 2;
    return true;
}

bool ppp_fsm_opts_valid(const uint8_t *opts, size_t len)
{
    struct ppp_fsm_opt_iter it;
    struct ppp_fsm_opt o;
    ppp_fsm_opt_iter_init(&it, opts, len);
    while (ppp_fsm_opt_next(&it, &o))
        ;
    return !it.bad;
}

void ppp_fsm_opt_put(struct lx_wr *w, uint8_t type, const void *data, size_t len)
{
    if (len > 253 || !lx_wr_need(w, len + 2))
        return;
    lx_wr_u8(w, type);
    lx_wr_u8(w, (uint8_t)(len + 2));
    lx_wr_bytes(w, data, len);
}

void ppp_fsm_opt_put_u16(struct lx_wr *w, uint8_t type, uint16_t v)
{
    uint8_t b[2];
    lx_put_u16(b, v);
    ppp_fsm_opt_put(w, type, b, 2);
}

void ppp_fsm_opt_put_u32(struct lx_wr *w, uint8_t type, uint32_t v)
{
    uint8_t b[4];
    lx_put_u32(b, v);
    ppp_fsm_opt_put(w, type, b, 4);
}

/* ---- packet output ---------------------------------------------------- */

void ppp_fsm_send2(struct ppp_fsm *f, uint8_t code, uint8_t id, const uint8_t *a, size_t alen,
                   const uint8_t *b, size_t blen)
{
    uint8_t pkt[PPP_MAX_FRAME];
    size_t cap = f->peer_mru < sizeof(pkt) ? f->peer_mru : sizeof(pkt);
    if (cap < PPP_HDR_LEN)
        cap = PPP_HDR_LEN;
    size_t room = cap - PPP_HDR_LEN;
    if (alen > room)
        alen = room;
    room -= alen;
    if (blen > room)
        blen = room;
    size_t len = PPP_HDR_LEN + alen + blen;
    pkt[0] = code;
    pkt[1] = id;
    lx_put_u16(pkt + 2, (uint16_t)len);
    if (alen)
        memcpy(pkt + PPP_HDR_LEN, a, alen);
    if (blen)
        memcpy(pkt + PPP_HDR_LEN + alen, b, blen);
    f->stats.tx_pkts++;
    if (f->owner && f->owner->send)
        f->owner->send(f->octx, f->proto, pkt, len);
}

void ppp_fsm_send(struct ppp_fsm *f, uint8_t code, uint8_t id, const uint8_t *data, size_t len)
{
    ppp_fsm_send2(f, code, id, data, len, NULL, 0);
}

uint8_t ppp_fsm_next_id(struct ppp_fsm *f)
{
    return ++f->id;
}

/* ---- the actions of §4.4 ---------------------------------------------- */

static bool timer_state(enum ppp_fsm_state s)
{
    return s >= PPP_FSM_CLOSING && s <= PPP_FSM_ACKSENT;
}

/* §4.1: "The Restart timer is stopped when transitioning from any state
 * where the timer is running to a state where the timer is not running." */
static void set_state(struct ppp_fsm *f, enum ppp_fsm_state s)
{
    if (f->state != s)
        lx_debug("%s: %s -> %s", f->cb->name, ppp_fsm_state_name(f->state), ppp_fsm_state_name(s));
    f->state = s;
    if (!timer_state(s))
        f->deadline = LX_MS_NEVER;
}

static void tlu(struct ppp_fsm *f, lx_ms_t now)
{
    if (f->cb->up)
        f->cb->up(f, now);
    if (f->owner && f->owner->up)
        f->owner->up(f->octx, f, now);
}

static void tld(struct ppp_fsm *f, lx_ms_t now)
{
    if (f->cb->down)
        f->cb->down(f, now);
    if (f->owner && f->owner->down)
        f->owner->down(f->octx, f, now);
}

static void tls(struct ppp_fsm *f, lx_ms_t now)
{
    if (f->cb->started)
        f->cb->started(f, now);
    if (f->owner && f->owner->started)
        f->owner->started(f->octx, f, now);
}

static void tlf(struct ppp_fsm *f, lx_ms_t now)
{
    if (f->cb->finished)
        f->cb->finished(f, now);
    if (f->owner && f->owner->finished)
        f->owner->finished(f->octx, f, now);
}

/* irc: §4.4 "sets the Restart counter to the appropriate value
 * (Max-Terminate or Max-Configure)". */
static void irc(struct ppp_fsm *f, bool terminate)
{
    f->restart = terminate ? f->cfg.max_terminate : f->cfg.max_configure;
}

/* zrc: counter to zero, but the timer still runs one period so the peer
 * can process our Terminate-Ack before we finish (§4.4 note). */
static void zrc(struct ppp_fsm *f, lx_ms_t now)
{
    f->restart = 0;
    f->deadline = now + f->cfg.restart_ms;
}

/* A new negotiation (entering Req-Sent from outside the negotiating
 * states): options back to the configured wishes, counters reset. */
static void start_negotiation(struct ppp_fsm *f)
{
    if (f->cb->reset)
        f->cb->reset(f);
    f->naks_sent = 0;
    f->neg_rounds = 0;
    f->why = PPP_FSM_WHY_NONE;
}

/* scr. A retransmission (TO+) keeps the identifier so a late answer to
 * the earlier copy still counts (§5.1: the Identifier MUST change when the
 * options change or a valid reply was received, MAY stay otherwise). */
static void scr(struct ppp_fsm *f, lx_ms_t now, bool retransmit)
{
    uint8_t opts[PPP_FSM_MAX_OPTS];
    struct lx_wr w;
    lx_wr_init(&w, opts, sizeof(opts));
    f->cb->build_req(f, &w);
    size_t len = w.err ? 0 : w.len;
    if (!retransmit || f->reqid_answered || len != f->req_len || memcmp(opts, f->req_opts, len))
        f->reqid = ++f->id;
    memcpy(f->req_opts, opts, len);
    f->req_len = len;
    f->reqid_answered = false;
    f->stats.confreq_tx++;
    ppp_fsm_send(f, PPP_CONFREQ, f->reqid, opts, len);
    if (f->restart > 0)
        f->restart--;
    f->deadline = now + f->cfg.restart_ms;
}

static void str(struct ppp_fsm *f, lx_ms_t now)
{
    f->stats.termreq_tx++;
    ppp_fsm_send(f, PPP_TERMREQ, ++f->id, f->term_data, f->term_len);
    if (f->restart > 0)
        f->restart--;
    f->deadline = now + f->cfg.restart_ms;
}

static void sta(struct ppp_fsm *f, uint8_t id)
{
    f->stats.termack_tx++;
    ppp_fsm_send(f, PPP_TERMACK, id, NULL, 0);
}

/* scj: the Rejected-Packet field carries the offending packet from its
 * Code field, truncated to the peer's MRU (§5.6). */
static void scj(struct ppp_fsm *f, const uint8_t *pkt, size_t len)
{
    f->stats.coderej_tx++;
    ppp_fsm_send(f, PPP_CODEREJ, ++f->id, pkt, len);
}

static void illegal(struct ppp_fsm *f, const char *ev)
{
    /* §4.4 Illegal-Event: report, take no transition, do not reset. */
    f->stats.illegal_events++;
    LX_LOG_RL(LX_LOG_DEBUG, "%s: illegal event %s in state %s", f->cb->name, ev,
              ppp_fsm_state_name(f->state));
}

static void set_term_reason(struct ppp_fsm *f, const char *reason)
{
    size_t n = reason ? strlen(reason) : 0;
    if (n > sizeof(f->term_data))
        n = sizeof(f->term_data);
    if (n)
        memcpy(f->term_data, reason, n);
    f->term_len = n;
}

/* ---- administrative and lower-layer events ---------------------------- */

void ppp_fsm_up(struct ppp_fsm *f, lx_ms_t now)
{
    switch (f->state) {
    case PPP_FSM_INITIAL: /* 0: -/2 */
        set_state(f, PPP_FSM_CLOSED);
        break;
    case PPP_FSM_STARTING: /* 1: irc,scr/6 */
        start_negotiation(f);
        irc(f, false);
        set_state(f, PPP_FSM_REQSENT);
        scr(f, now, false);
        break;
    default:
        illegal(f, "Up");
        break;
    }
}

void ppp_fsm_down(struct ppp_fsm *f, lx_ms_t now)
{
    switch (f->state) {
    case PPP_FSM_CLOSED: /* 2: -/0 */
        set_state(f, PPP_FSM_INITIAL);
        break;
    case PPP_FSM_STOPPED: /* 3: tls/1 */
        set_state(f, PPP_FSM_STARTING);
        tls(f, now);
        break;
    case PPP_FSM_CLOSING: /* 4: -/0 */
        set_state(f, PPP_FSM_INITIAL);
        break;
    case PPP_FSM_STOPPING: /* 5, 6, 7, 8: -/1 */
    case PPP_FSM_REQSENT:
    case PPP_FSM_ACKRCVD:
    case PPP_FSM_ACKSENT:
        set_state(f, PPP_FSM_STARTING);
        break;
    case PPP_FSM_OPENED: /* 9: tld/1 */
        f->why = PPP_FSM_WHY_LOWER_DOWN;
        set_state(f, PPP_FSM_STARTING);
        tld(f, now);
        break;
    default:
        illegal(f, "Down");
        break;
    }
}

/* Without the [r] restart option: an Open in Stopped/Closing/Stopping/
 * Opened does not renegotiate (§4.3 Open; the link renegotiates through
 * Down/Up itself when it wants to). */
void ppp_fsm_open(struct ppp_fsm *f, lx_ms_t now)
{
    switch (f->state) {
    case PPP_FSM_INITIAL: /* 0: tls/1 */
        set_state(f, PPP_FSM_STARTING);
        tls(f, now);
        break;
    case PPP_FSM_CLOSED: /* 2: irc,scr/6 */
        start_negotiation(f);
        irc(f, false);
        set_state(f, PPP_FSM_REQSENT);
        scr(f, now, false);
        break;
    case PPP_FSM_CLOSING: /* 4: -/5 */
        set_state(f, PPP_FSM_STOPPING);
        break;
    default: /* 1, 3, 5, 6, 7, 8, 9: no change */
        break;
    }
}

void ppp_fsm_close(struct ppp_fsm *f, lx_ms_t now, const char *reason)
{
    switch (f->state) {
    case PPP_FSM_INITIAL: /* 0: -/0 */
        break;
    case PPP_FSM_STARTING: /* 1: tlf/0 */
        f->why = PPP_FSM_WHY_CLOSE;
        set_state(f, PPP_FSM_INITIAL);
        tlf(f, now);
        break;
    case PPP_FSM_CLOSED: /* 2, 3: -/2 */
    case PPP_FSM_STOPPED:
        set_state(f, PPP_FSM_CLOSED);
        break;
    case PPP_FSM_CLOSING: /* 4, 5: -/4 */
    case PPP_FSM_STOPPING:
        set_state(f, PPP_FSM_CLOSING);
        break;
    case PPP_FSM_REQSENT: /* 6, 7, 8: irc,str/4 */
    case PPP_FSM_ACKRCVD:
    case PPP_FSM_ACKSENT:
        f->why = PPP_FSM_WHY_CLOSE;
        set_term_reason(f, reason);
        irc(f, true);
        set_state(f, PPP_FSM_CLOSING);
        str(f, now);
        break;
    case PPP_FSM_OPENED: /* 9: tld,irc,str/4 */
        f->why = PPP_FSM_WHY_CLOSE;
        set_term_reason(f, reason);
        set_state(f, PPP_FSM_CLOSING);
        tld(f, now);
        irc(f, true);
        str(f, now);
        break;
    default:
        break;
    }
}

lx_ms_t ppp_fsm_next_timeout(const struct ppp_fsm *f)
{
    return f->deadline;
}

void ppp_fsm_timeout(struct ppp_fsm *f, lx_ms_t now)
{
    if (f->deadline == LX_MS_NEVER || now < f->deadline)
        return;
    f->deadline = LX_MS_NEVER;
    bool plus = f->restart > 0; /* TO+ / TO- (§4.3 Timeout) */
    switch (f->state) {
    case PPP_FSM_CLOSING: /* 4: str/4 | tlf/2 */
        if (plus) {
            str(f, now);
        } else {
            set_state(f, PPP_FSM_CLOSED);
            tlf(f, now);
        }
        break;
    case PPP_FSM_STOPPING: /* 5: str/5 | tlf/3 */
        if (plus) {
            str(f, now);
        } else {
            set_state(f, PPP_FSM_STOPPED);
            tlf(f, now);
        }
        break;
    case PPP_FSM_REQSENT: /* 6, 7: scr/6 | tlf/3p */
    case PPP_FSM_ACKRCVD:
    case PPP_FSM_ACKSENT: /* 8: scr/8 | tlf/3p */
        if (plus) {
            if (f->state == PPP_FSM_ACKRCVD)
                set_state(f, PPP_FSM_REQSENT);
            scr(f, now, true);
        } else {
            /* Max-Configure exhausted. We do not use the passive option
             * [p]: L2TP sessions are switched circuits (§4.2 Stopped). */
            f->why = PPP_FSM_WHY_TIMEOUT;
            set_state(f, PPP_FSM_STOPPED);
            tlf(f, now);
        }
        break;
    default:
        break;
    }
}

/* ---- received packets ------------------------------------------------- */

static void not_converging(struct ppp_fsm *f, lx_ms_t now)
{
    LX_LOG_RL(LX_LOG_NOTICE, "%s: negotiation not converging after %u Nak/Reject rounds",
              f->cb->name, f->neg_rounds);
    f->why = PPP_FSM_WHY_NOT_CONVERGING;
    set_state(f, PPP_FSM_STOPPED);
    tlf(f, now);
}

/* RCR+ / RCR- */
static void rcv_confreq(struct ppp_fsm *f, lx_ms_t now, uint8_t id, const uint8_t *opts, size_t len)
{
    switch (f->state) {
    case PPP_FSM_CLOSED: /* 2: sta/2 */
        sta(f, id);
        return;
    case PPP_FSM_CLOSING: /* 4, 5: no action */
    case PPP_FSM_STOPPING:
        return;
    default:
        break;
    }
    if (!ppp_fsm_opts_valid(opts, len)) {
        f->stats.rx_bad++;
        LX_LOG_RL(LX_LOG_INFO, "%s: malformed Configure-Request options", f->cb->name);
        return;
    }

    enum ppp_fsm_state s = f->state;
    if (s == PPP_FSM_STOPPED) { /* 3: irc,scr,{sca/8 | scn/6} */
        start_negotiation(f);
        irc(f, false);
        scr(f, now, false);
    } else if (s == PPP_FSM_OPENED) { /* 9: tld,scr,{sca/8 | scn/6} */
        /* §4.3 RCR note: renegotiate at once. Like pppd we refill the
         * Restart counter (Opened holds no meaningful count). */
        set_state(f, PPP_FSM_REQSENT);
        tld(f, now);
        start_negotiation(f);
        irc(f, false);
        scr(f, now, false);
    }

    uint8_t resp[PPP_MAX_FRAME];
    struct lx_wr w;
    lx_wr_init(&w, resp, sizeof(resp));
    bool no_nak = f->naks_sent >= f->cfg.max_failure;
    uint8_t code = f->cb->req(f, opts, len, &w, no_nak);
    if (w.err)
        code = PPP_CONFREJ, w.len = 0; /* cannot happen: resp holds any request */
    bool ok = code == PPP_CONFACK;
    if (ok) {
        f->naks_sent = 0;
        f->stats.confack_tx++;
        ppp_fsm_send(f, PPP_CONFACK, id, opts, len);
    } else {
        if (code == PPP_CONFNAK) {
            f->naks_sent++;
            f->stats.confnak_tx++;
        } else {
            code = PPP_CONFREJ;
            f->stats.confrej_tx++;
        }
        ppp_fsm_send(f, code, id, resp, w.len);
        if (++f->neg_rounds > max_rounds(f) && s != PPP_FSM_OPENED) {
            not_converging(f, now);
            return;
        }
    }

    switch (s) {
    case PPP_FSM_STOPPED:
    case PPP_FSM_REQSENT:
    case PPP_FSM_ACKSENT:
    case PPP_FSM_OPENED:
        set_state(f, ok ? PPP_FSM_ACKSENT : PPP_FSM_REQSENT);
        break;
    case PPP_FSM_ACKRCVD: /* 7: sca,tlu/9 | scn/7 */
        if (ok) {
            set_state(f, PPP_FSM_OPENED);
            tlu(f, now);
        }
        break;
    default:
        break;
    }
}

/* Is a Configure-Ack/Nak/Reject a valid answer to our last request?
 * §4.3 RCA/RCN: out-of-sequence answers are silently discarded. */
static bool answer_in_sequence(const struct ppp_fsm *f, uint8_t id)
{
    return id == f->reqid && !f->reqid_answered;
}

/* §5.4: a Configure-Reject lists a subset of our last request's options,
 * unmodified and in order. */
static bool reject_is_subset(const struct ppp_fsm *f, const uint8_t *opts, size_t len)
{
    struct ppp_fsm_opt_iter rit, sit;
    struct ppp_fsm_opt ro, so;
    ppp_fsm_opt_iter_init(&rit, opts, len);
    ppp_fsm_opt_iter_init(&sit, f->req_opts, f->req_len);
    while (ppp_fsm_opt_next(&rit, &ro)) {
        bool found = false;
        while (ppp_fsm_opt_next(&sit, &so)) {
            if (so.raw_len == ro.raw_len && !memcmp(so.raw, ro.raw, ro.raw_len)) {
                found = true;
                break;
            }
        }
        if (!found)
            return false;
    }
    return !rit.bad;
}

/* RCA */
static void rcv_confack(struct ppp_fsm *f, lx_ms_t now, uint8_t id, const uint8_t *opts, size_t len)
{
    switch (f->state) {
    case PPP_FSM_CLOSED:  /* 2: sta/2 */
    case PPP_FSM_STOPPED: /* 3: sta/3 */
        sta(f, id);
        return;
    case PPP_FSM_CLOSING: /* 4, 5: no action */
    case PPP_FSM_STOPPING:
        return;
    default:
        break;
    }
    /* §5.2: the options MUST exactly match those of our last request. */
    if (!answer_in_sequence(f, id) || len != f->req_len || memcmp(opts, f->req_opts, len)) {
        f->stats.rx_discarded++;
        LX_LOG_RL(LX_LOG_DEBUG, "%s: discarding invalid Configure-Ack id %u", f->cb->name, id);
        return;
    }
    f->reqid_answered = true;
    if (f->cb->ack)
        f->cb->ack(f, opts, len);

    switch (f->state) {
    case PPP_FSM_REQSENT: /* 6: irc/7 */
        irc(f, false);
        set_state(f, PPP_FSM_ACKRCVD);
        break;
    case PPP_FSM_ACKRCVD: /* 7: scr/6x (crossed connection) */
        lx_notice("%s: crossed Configure-Ack", f->cb->name);
        set_state(f, PPP_FSM_REQSENT);
        scr(f, now, false);
        break;
    case PPP_FSM_ACKSENT: /* 8: irc,tlu/9 */
        irc(f, false);
        set_state(f, PPP_FSM_OPENED);
        tlu(f, now);
        break;
    case PPP_FSM_OPENED: /* 9: tld,scr/6x */
        lx_notice("%s: crossed Configure-Ack", f->cb->name);
        set_state(f, PPP_FSM_REQSENT);
        tld(f, now);
        start_negotiation(f);
        irc(f, false);
        scr(f, now, false);
        break;
    default:
        break;
    }
}

/* RCN (Configure-Nak or Configure-Reject) */
static void rcv_confnak(struct ppp_fsm *f, lx_ms_t now, uint8_t code, uint8_t id,
                        const uint8_t *opts, size_t len)
{
    switch (f->state) {
    case PPP_FSM_CLOSED:  /* 2: sta/2 */
    case PPP_FSM_STOPPED: /* 3: sta/3 */
        sta(f, id);
        return;
    case PPP_FSM_CLOSING: /* 4, 5: no action */
    case PPP_FSM_STOPPING:
        return;
    default:
        break;
    }
    bool valid = answer_in_sequence(f, id) && ppp_fsm_opts_valid(opts, len);
    if (valid && code == PPP_CONFREJ)
        valid = reject_is_subset(f, opts, len);
    if (valid) {
        bool (*fn)(struct ppp_fsm *, const uint8_t *, size_t) =
            code == PPP_CONFNAK ? f->cb->nak : f->cb->rej;
        valid = fn ? fn(f, opts, len) : true;
    }
    if (!valid) {
        f->stats.rx_discarded++;
        LX_LOG_RL(LX_LOG_DEBUG, "%s: discarding invalid Configure-%s id %u", f->cb->name,
                  code == PPP_CONFNAK ? "Nak" : "Reject", id);
        return;
    }
    f->reqid_answered = true;
    if (++f->neg_rounds > max_rounds(f) && f->state != PPP_FSM_OPENED) {
        not_converging(f, now);
        return;
    }

    switch (f->state) {
    case PPP_FSM_REQSENT: /* 6: irc,scr/6 */
        irc(f, false);
        scr(f, now, false);
        break;
    case PPP_FSM_ACKRCVD: /* 7: scr/6x */
        set_state(f, PPP_FSM_REQSENT);
        scr(f, now, false);
        break;
    case PPP_FSM_ACKSENT: /* 8: irc,scr/8 */
        irc(f, false);
        scr(f, now, false);
        break;
    case PPP_FSM_OPENED: /* 9: tld,scr/6x */
        set_state(f, PPP_FSM_REQSENT);
        tld(f, now);
        irc(f, false);
        scr(f, now, false);
        break;
    default:
        break;
    }
}

/* RTR */
static void rcv_termreq(struct ppp_fsm *f, lx_ms_t now, uint8_t id)
{
    switch (f->state) {
    case PPP_FSM_CLOSED: /* 2..5: sta/same */
    case PPP_FSM_STOPPED:
    case PPP_FSM_CLOSING:
    case PPP_FSM_STOPPING:
        sta(f, id);
        break;
    case PPP_FSM_REQSENT: /* 6, 7, 8: sta/6 */
    case PPP_FSM_ACKRCVD:
    case PPP_FSM_ACKSENT:
        sta(f, id);
        set_state(f, PPP_FSM_REQSENT);
        break;
    case PPP_FSM_OPENED: /* 9: tld,zrc,sta/5 */
        f->why = PPP_FSM_WHY_PEER_TERM;
        set_state(f, PPP_FSM_STOPPING);
        tld(f, now);
        zrc(f, now);
        sta(f, id);
        break;
    default:
        break;
    }
}

/* RTA */
static void rcv_termack(struct ppp_fsm *f, lx_ms_t now)
{
    switch (f->state) {
    case PPP_FSM_CLOSING: /* 4: tlf/2 */
        set_state(f, PPP_FSM_CLOSED);
        tlf(f, now);
        break;
    case PPP_FSM_STOPPING: /* 5: tlf/3 */
        set_state(f, PPP_FSM_STOPPED);
        tlf(f, now);
        break;
    case PPP_FSM_ACKRCVD: /* 7: -/6 */
        set_state(f, PPP_FSM_REQSENT);
        break;
    case PPP_FSM_OPENED: /* 9: tld,scr/6 */
        set_state(f, PPP_FSM_REQSENT);
        tld(f, now);
        start_negotiation(f);
        irc(f, false);
        scr(f, now, false);
        break;
    default: /* 2, 3, 6, 8: no change */
        break;
    }
}

void ppp_fsm_rxj(struct ppp_fsm *f, lx_ms_t now, bool catastrophic)
{
    if (f->state <= PPP_FSM_STARTING) {
        illegal(f, "RXJ");
        return;
    }
    if (!catastrophic) /* RXJ+: no transition in any state */
        return;
    f->why = PPP_FSM_WHY_REJECTED;
    switch (f->state) {
    case PPP_FSM_CLOSED: /* 2, 4: tlf/2 */
    case PPP_FSM_CLOSING:
        set_state(f, PPP_FSM_CLOSED);
        tlf(f, now);
        break;
    case PPP_FSM_STOPPED: /* 3, 5, 6, 7, 8: tlf/3 */
    case PPP_FSM_STOPPING:
    case PPP_FSM_REQSENT:
    case PPP_FSM_ACKRCVD:
    case PPP_FSM_ACKSENT:
        set_state(f, PPP_FSM_STOPPED);
        tlf(f, now);
        break;
    case PPP_FSM_OPENED: /* 9: tld,irc,str/5 */
        set_state(f, PPP_FSM_STOPPING);
        tld(f, now);
        irc(f, true);
        str(f, now);
        break;
    default:
        break;
    }
}

/* Code-Reject: RXJ- if the peer cannot do one of the codes every PPP
 * control protocol needs (1-7), else RXJ+ (§4.3). */
static void rcv_coderej(struct ppp_fsm *f, lx_ms_t now, const uint8_t *data, size_t len)
{
    if (len < 1) {
        f->stats.rx_bad++;
        return;
    }
    uint8_t code = data[0];
    bool catastrophic = code >= PPP_CONFREQ && code <= PPP_CODEREJ;
    if (!catastrophic && f->cb->code_rejected)
        f->cb->code_rejected(f, code);
    ppp_fsm_rxj(f, now, catastrophic);
}

void ppp_fsm_input(struct ppp_fsm *f, lx_ms_t now, const uint8_t *pkt, size_t len)
{
    struct lx_rd r;
    lx_rd_init(&r, pkt, len);
    uint8_t code = lx_rd_u8(&r);
    uint8_t id = lx_rd_u8(&r);
    uint16_t plen = lx_rd_u16(&r);
    /* §5: Length includes the header; octets beyond it are padding. */
    if (r.err || plen < PPP_HDR_LEN || plen > len) {
        f->stats.rx_bad++;
        LX_LOG_RL(LX_LOG_INFO, "%s: malformed packet (%zu bytes)", f->cb->name, len);
        return;
    }
    f->stats.rx_pkts++;
    const uint8_t *data = pkt + PPP_HDR_LEN;
    size_t dlen = (size_t)plen - PPP_HDR_LEN;

    /* Initial and Starting: the lower layer is down, nothing can arrive
     * ("-" in every receive row). */
    if (f->state <= PPP_FSM_STARTING) {
        illegal(f, "receive");
        f->stats.rx_discarded++;
        return;
    }

    switch (code) {
    case PPP_CONFREQ:
        rcv_confreq(f, now, id, data, dlen);
        break;
    case PPP_CONFACK:
        rcv_confack(f, now, id, data, dlen);
        break;
    case PPP_CONFNAK:
    case PPP_CONFREJ:
        rcv_confnak(f, now, code, id, data, dlen);
        break;
    case PPP_TERMREQ:
        rcv_termreq(f, now, id);
        break;
    case PPP_TERMACK:
        rcv_termack(f, now);
        break;
    case PPP_CODEREJ:
        rcv_coderej(f, now, data, dlen);
        break;
    default:
        if (f->cb->extcode && f->cb->extcode(f, now, code, id, data, dlen))
            break;
        /* RUC: scj in every state 2..9, no transition. */
        f->stats.rx_unknown++;
        scj(f, pkt, plen);
        break;
    }
}
