/* LCP: RFC 1661 §5 (packets), §6 (options); RFC 1570 (Identification,
 * Time-Remaining: accepted and ignored); RFC 1662 §7 (ACCM, which L2TP
 * carries but does not use). */
#include "ppp/lcp.h"

#include <string.h>

#include "lib/log.h"
#include "lib/rand.h"
#include "ppp/ppp.h"

static struct ppp_lcp *lcp_of(struct ppp_fsm *f)
{
    return f->pctx;
}

static bool auth_in(const enum ppp_auth_method *list, enum ppp_auth_method m)
{
    for (size_t i = 0; i < PPP_LCP_AUTH_LIST && list[i] != PPP_AUTH_NONE; i++)
        if (list[i] == m)
            return true;
    return false;
}

static uint32_t new_magic(uint32_t avoid1, uint32_t avoid2)
{
    for (int i = 0; i < 16; i++) {
        uint32_t m = lx_random_u32();
        if (m != 0 && m != avoid1 && m != avoid2)
            return m;
    }
    /* A broken random source: still never zero nor a value to avoid. */
    uint32_t m = avoid1 + avoid2 + 1;
    while (m == 0 || m == avoid1 || m == avoid2)
        m++;
    return m;
}

uint16_t ppp_lcp_peer_mru(const struct ppp_lcp *l)
{
    uint16_t mru = l->his.mru ? l->his.mru_v : PPP_LCP_DEF_MRU;
    return mru < l->cfg.mtu ? mru : l->cfg.mtu;
}

/* ---- automaton callbacks ---------------------------------------------- */

static void lcp_reset(struct ppp_fsm *f)
{
    struct ppp_lcp *l = lcp_of(f);
    memset(&l->want, 0, sizeof(l->want));
    memset(&l->got, 0, sizeof(l->got));
    memset(&l->his, 0, sizeof(l->his));
    if (l->cfg.mru != PPP_LCP_DEF_MRU) {
        l->want.mru = true;
        l->want.mru_v = l->cfg.mru;
    }
    if (l->cfg.request_accm) {
        l->want.accm = true;
        l->want.accm_v = l->cfg.accm;
    }
    l->auth_tried = 0;
    if (l->cfg.auth_require[0] != PPP_AUTH_NONE) {
        l->want.auth = true;
        l->want.auth_v = l->cfg.auth_require[0];
        l->auth_tried = 1u << l->want.auth_v;
    }
    if (!l->cfg.no_magic) {
        l->want.magic = true;
        l->want.magic_v = new_magic(0, 0);
    }
    l->want.pfc = l->cfg.request_pfc;
    l->want.acfc = l->cfg.request_acfc;
    l->magic_loops = 0;
    l->last_nak_magic = 0;
}

static void lcp_build_req(struct ppp_fsm *f, struct lx_wr *w)
{
    struct ppp_lcp *l = lcp_of(f);
    if (l->want.mru)
        ppp_fsm_opt_put_u16(w, PPP_LCP_OPT_MRU, l->want.mru_v);
    if (l->want.accm)
        ppp_fsm_opt_put_u32(w, PPP_LCP_OPT_ACCM, l->want.accm_v);
    if (l->want.auth) {
        uint8_t a[3];
        size_t n = ppp_auth_method_to_option(l->want.auth_v, a);
        ppp_fsm_opt_put(w, PPP_LCP_OPT_AUTH, a, n);
    }
    if (l->want.magic)
        ppp_fsm_opt_put_u32(w, PPP_LCP_OPT_MAGIC, l->want.magic_v);
    if (l->want.pfc)
        ppp_fsm_opt_put(w, PPP_LCP_OPT_PFC, NULL, 0);
    if (l->want.acfc)
        ppp_fsm_opt_put(w, PPP_LCP_OPT_ACFC, NULL, 0);
}

static void lcp_ack(struct ppp_fsm *f, const uint8_t *opts, size_t len)
{
    struct ppp_lcp *l = lcp_of(f);
    l->got = l->want;
}

/* The authenticator's choice after the peer Nak'd our method with
 * `suggested` (RFC 1661 §6.2 Nak): the suggestion if we allow it and have
 * not tried it, else our next untried preference. */
static void auth_next(struct ppp_lcp *l, enum ppp_auth_method suggested)
{
    if (suggested != PPP_AUTH_NONE && auth_in(l->cfg.auth_require, suggested) &&
        !(l->auth_tried & (1u << suggested))) {
        l->want.auth_v = suggested;
        l->auth_tried |= 1u << suggested;
        return;
    }
    for (size_t i = 0; i < PPP_LCP_AUTH_LIST && l->cfg.auth_require[i] != PPP_AUTH_NONE; i++) {
        enum ppp_auth_method m = l->cfg.auth_require[i];
        if (!(l->auth_tried & (1u << m))) {
            l->want.auth_v = m;
            l->auth_tried |= 1u << m;
            return;
        }
    }
    /* Nothing left we accept: the peer will not authenticate itself in
     * any way we allow; the link must not come up (§6.2, §3.5). */
    l->fail = PPP_LCP_FAIL_AUTH_REFUSED;
}

static bool lcp_nak(struct ppp_fsm *f, const uint8_t *opts, size_t len)
{
    struct ppp_lcp *l = lcp_of(f);
    struct ppp_lcp_opts try = l->want;
    struct ppp_fsm_opt_iter it;
    struct ppp_fsm_opt o;
    ppp_fsm_opt_iter_init(&it, opts, len);
    while (ppp_fsm_opt_next(&it, &o)) {
        switch (o.type) {
        case PPP_LCP_OPT_MRU:
            if (o.len != 2)
                return false;
            if (l->want.mru) {
                uint16_t v = lx_get_u16(o.data);
                /* Take a smaller MRU, or any up to the default. */
                if (v >= PPP_LCP_MIN_MRU && (v <= l->cfg.mru || v <= PPP_LCP_DEF_MRU))
                    try.mru_v = v;
            }
            break;
        case PPP_LCP_OPT_ACCM:
            if (o.len != 4)
                return false;
            /* RFC 1662 §7.1: the peer may need more characters mapped. */
            if (l->want.accm)
                try.accm_v = l->want.accm_v | lx_get_u32(o.data);
            break;
        case PPP_LCP_OPT_AUTH:
            if (l->want.auth) {
                l->want.auth_v = try.auth_v;
                auth_next(l, ppp_auth_method_from_option(o.data, o.len));
                try.auth_v = l->want.auth_v;
            }
            break;
        case PPP_LCP_OPT_MAGIC:
            if (o.len != 4)
                return false;
            /* §6.4: a new Magic-Number in any case; the same value as in
             * our last Nak makes a loop more likely. */
            if (l->want.magic) {
                uint32_t v = lx_get_u32(o.data);
                try.magic_v = new_magic(l->want.magic_v, v);
            }
            break;
        case PPP_LCP_OPT_PFC:
        case PPP_LCP_OPT_ACFC:
            /* Nothing to change in a boolean option: stop asking. */
            if (o.type == PPP_LCP_OPT_PFC)
                try.pfc = false;
            else
                try.acfc = false;
            break;
        default:
            /* Options we did not ask for are hints we do not take. */
            break;
        }
    }
    if (it.bad)
        return false;
    l->want = try;
    return true;
}

static bool lcp_rej(struct ppp_fsm *f, const uint8_t *opts, size_t len)
{
    struct ppp_lcp *l = lcp_of(f);
    struct ppp_fsm_opt_iter it;
    struct ppp_fsm_opt o;
    ppp_fsm_opt_iter_init(&it, opts, len);
    while (ppp_fsm_opt_next(&it, &o)) {
        switch (o.type) {
        case PPP_LCP_OPT_MRU:
            l->want.mru = false;
            break;
        case PPP_LCP_OPT_ACCM:
            l->want.accm = false;
            break;
        case PPP_LCP_OPT_AUTH:
            /* The peer refuses to authenticate itself at all. */
            l->want.auth = false;
            l->fail = PPP_LCP_FAIL_AUTH_REFUSED;
            break;
        case PPP_LCP_OPT_MAGIC:
            /* §6.4: act as if it had been acked: no loopback here. */
            l->want.magic = false;
            break;
        case PPP_LCP_OPT_PFC:
            l->want.pfc = false;
            break;
        case PPP_LCP_OPT_ACFC:
            l->want.acfc = false;
            break;
        default:
            break;
        }
    }
    return true;
}

static uint8_t lcp_req(struct ppp_fsm *f, const uint8_t *opts, size_t len, struct lx_wr *out,
                       bool no_nak)
{
    struct ppp_lcp *l = lcp_of(f);
    struct ppp_lcp_opts his;
    memset(&his, 0, sizeof(his));
    uint8_t nakbuf[PPP_FSM_MAX_OPTS * 2];
    struct lx_wr nak;
    lx_wr_init(&nak, nakbuf, sizeof(nakbuf));
    bool rejected = false;

    struct ppp_fsm_opt_iter it;
    struct ppp_fsm_opt o;
    ppp_fsm_opt_iter_init(&it, opts, len);
    while (ppp_fsm_opt_next(&it, &o)) {
        bool rej = false;
        switch (o.type) {
        case PPP_LCP_OPT_MRU:
            if (o.len != 2) {
                rej = true;
            } else if (lx_get_u16(o.data) < PPP_LCP_MIN_MRU) {
                if (no_nak)
                    rej = true;
                else
                    ppp_fsm_opt_put_u16(&nak, o.type, PPP_LCP_MIN_MRU);
            } else {
                his.mru = true;
                his.mru_v = lx_get_u16(o.data);
            }
            break;
        case PPP_LCP_OPT_ACCM:
            /* Any map is fine: we never do async HDLC ourselves; over
             * L2TP the LAC applies it on its own line (RFC 1662 §7.1). */
            if (o.len != 4) {
                rej = true;
            } else {
                his.accm = true;
                his.accm_v = lx_get_u32(o.data);
            }
            break;
        case PPP_LCP_OPT_AUTH: {
            /* The peer wants to authenticate us (§6.2). */
            enum ppp_auth_method m = ppp_auth_method_from_option(o.data, o.len);
            if (m != PPP_AUTH_NONE && auth_in(l->cfg.auth_allow, m)) {
                his.auth = true;
                his.auth_v = m;
            } else if (l->cfg.auth_allow[0] == PPP_AUTH_NONE || no_nak) {
                rej = true;
            } else {
                uint8_t a[3];
                size_t n = ppp_auth_method_to_option(l->cfg.auth_allow[0], a);
                ppp_fsm_opt_put(&nak, o.type, a, n);
            }
            break;
        }
        case PPP_LCP_OPT_MAGIC:
            if (o.len != 4) {
                rej = true;
            } else {
                uint32_t v = lx_get_u32(o.data);
                if (l->want.magic && v == l->want.magic_v) {
                    /* §6.4: maybe our own request looped back: Nak with a
                     * different number. Never Reject it since we send one,
                     * even past Max-Failure. */
                    l->stats.magic_collisions++;
                    if (++l->magic_loops >= f->cfg.max_failure)
                        l->fail = PPP_LCP_FAIL_LOOPBACK;
                    l->last_nak_magic = new_magic(v, l->last_nak_magic);
                    ppp_fsm_opt_put_u32(&nak, o.type, l->last_nak_magic);
                } else {
                    his.magic = true;
                    his.magic_v = v;
                }
            }
            break;
        case PPP_LCP_OPT_PFC:
        case PPP_LCP_OPT_ACFC:
            if (o.len != 0)
                rej = true;
            else if (o.type == PPP_LCP_OPT_PFC)
                his.pfc = true;
            else
                his.acfc = true;
            break;
        default:
            /* Callback (13), MRRU (17), Quality-Protocol (4), ...: §5.4. */
            rej = true;
            break;
        }
        if (rej) {
            rejected = true;
            lx_wr_bytes(out, o.raw, o.raw_len);
        }
    }
    if (rejected)
        return PPP_CONFREJ;
    if (nak.len) {
        lx_wr_bytes(out, nakbuf, nak.len);
        return PPP_CONFNAK;
    }
    l->his = his;
    return PPP_CONFACK;
}

static void echo_arm(struct ppp_lcp *l, lx_ms_t now)
{
    l->echo_deadline = (l->cfg.echo_interval_ms && !l->echo_rejected)
                           ? now + l->cfg.echo_interval_ms
                           : LX_MS_NEVER;
}

static void lcp_up(struct ppp_fsm *f, lx_ms_t now)
{
    struct ppp_lcp *l = lcp_of(f);
    f->peer_mru = ppp_lcp_peer_mru(l);
    l->magic_loops = 0;
    l->echo_pending = 0;
    echo_arm(l, now);
}

static void lcp_down(struct ppp_fsm *f, lx_ms_t now)
{
    struct ppp_lcp *l = lcp_of(f);
    l->echo_deadline = LX_MS_NEVER;
    l->echo_pending = 0;
}

/* Our Magic-Number as it goes into Echo/Discard packets: zero unless the
 * peer acked one (§6.4). */
static uint32_t our_magic(const struct ppp_lcp *l)
{
    return l->got.magic ? l->got.magic_v : 0;
}

/* §6.4: a received magic equal to our negotiated one means loopback. */
static bool looped(struct ppp_lcp *l, const uint8_t *data)
{
    uint32_t m = lx_get_u32(data);
    if (l->got.magic && m != 0 && m == l->got.magic_v) {
        l->stats.looped_echoes++;
        LX_LOG_RL(LX_LOG_NOTICE, "LCP: own Magic-Number in Echo: link looped back?");
        return true;
    }
    return false;
}

static bool lcp_extcode(struct ppp_fsm *f, lx_ms_t now, uint8_t code, uint8_t id,
                        const uint8_t *data, size_t len)
{
    struct ppp_lcp *l = lcp_of(f);
    switch (code) {
    case PPP_PROTREJ:
        /* §5.7: only meaningful in Opened; silently discarded elsewhere. */
        l->stats.protrej_rx++;
        if (f->state != PPP_FSM_OPENED || len < 2) {
            f->stats.rx_discarded++;
            return true;
        }
        if (lx_get_u16(data) == PPP_PROTO_LCP) {
            ppp_fsm_rxj(f, now, true); /* RXJ-: the peer cannot do LCP */
        } else {
            ppp_fsm_rxj(f, now, false); /* RXJ+ for LCP */
            if (l->ops && l->ops->protrej)
                l->ops->protrej(l->ctx, now, lx_get_u16(data));
        }
        return true;
    case PPP_ECHOREQ: {
        /* RXR. §5.8: answered only in Opened, always (keepalive or not). */
        l->stats.echo_req_rx++;
        if (f->state != PPP_FSM_OPENED || len < 4) {
            f->stats.rx_discarded++;
            return true;
        }
        if (looped(l, data)) {
            if (++l->magic_loops >= f->cfg.max_failure)
                l->fail = PPP_LCP_FAIL_LOOPBACK;
            return true;
        }
        uint8_t m[4];
        lx_put_u32(m, our_magic(l));
        l->stats.echo_rep_tx++;
        ppp_fsm_send2(f, PPP_ECHOREP, id, m, 4, data + 4, len - 4);
        return true;
    }
    case PPP_ECHOREP:
        l->stats.echo_rep_rx++;
        if (f->state != PPP_FSM_OPENED || len < 4) {
            f->stats.rx_discarded++;
            return true;
        }
        /* Our own reply coming back proves nothing about the peer. */
        if (looped(l, data)) {
            if (++l->magic_loops >= f->cfg.max_failure)
                l->fail = PPP_LCP_FAIL_LOOPBACK;
            return true;
        }
        l->magic_loops = 0;
        l->echo_pending = 0;
        return true;
    case PPP_DISCREQ:
        /* §5.9: silently discarded (after the magic check). */
        l->stats.discard_rx++;
        return true;
    case PPP_IDENT:
        /* RFC 1570 §2.1: informational; no reply. */
        l->stats.ident_rx++;
        return true;
    case PPP_TIMEREM:
        /* RFC 1570 §2.2: magic, seconds remaining, message. Noted only. */
        l->stats.timerem_rx++;
        if (len >= 8) {
            l->has_time_remaining = true;
            l->time_remaining_s = lx_get_u32(data + 4);
        }
        return true;
    default:
        return false;
    }
}

static void lcp_code_rejected(struct ppp_fsm *f, uint8_t code)
{
    struct ppp_lcp *l = lcp_of(f);
    /* §4.3 RXJ+: stop sending the offending packet type. */
    if (code == PPP_ECHOREQ) {
        l->echo_rejected = true;
        l->echo_deadline = LX_MS_NEVER;
    }
}

static const struct ppp_fsm_proto lcp_proto = {
    .name = "LCP",
    .reset = lcp_reset,
    .build_req = lcp_build_req,
    .ack = lcp_ack,
    .nak = lcp_nak,
    .rej = lcp_rej,
    .req = lcp_req,
    .up = lcp_up,
    .down = lcp_down,
    .extcode = lcp_extcode,
    .code_rejected = lcp_code_rejected,
};

/* ---- public ----------------------------------------------------------- */

void ppp_lcp_init(struct ppp_lcp *l, const struct ppp_lcp_cfg *cfg,
                  const struct ppp_fsm_owner *owner, void *octx, const struct ppp_lcp_ops *ops,
                  void *ctx)
{
    memset(l, 0, sizeof(*l));
    l->cfg = *cfg;
    if (!l->cfg.mru)
        l->cfg.mru = PPP_LCP_DEF_MRU;
    if (l->cfg.mru < PPP_LCP_MIN_MRU)
        l->cfg.mru = PPP_LCP_MIN_MRU;
    if (!l->cfg.mtu || l->cfg.mtu > PPP_MAX_FRAME - PPP_HDR_LEN)
        l->cfg.mtu = PPP_LCP_DEF_MRU;
    if (!l->cfg.echo_failures)
        l->cfg.echo_failures = 3;
    l->ops = ops;
    l->ctx = ctx;
    l->echo_deadline = LX_MS_NEVER;
    ppp_fsm_init(&l->fsm, PPP_PROTO_LCP, &lcp_proto, l, &l->cfg.fsm, owner, octx);
}

/* LCP's own failures (auth refused, loopback) are noticed inside the
 * callbacks; the Close is issued once the automaton has finished the
 * event, never from within it. */
static void check_fail(struct ppp_lcp *l, lx_ms_t now)
{
    if (l->fail == PPP_LCP_FAIL_NONE)
        return;
    enum ppp_fsm_state s = l->fsm.state;
    if (s == PPP_FSM_CLOSING || s == PPP_FSM_CLOSED || s <= PPP_FSM_STARTING)
        return;
    static const char *const why[] = {"", "No acceptable authentication", "Looped back",
                                      "Keepalive timeout"};
    lx_notice("LCP: closing: %s", why[l->fail]);
    ppp_fsm_close(&l->fsm, now, why[l->fail]);
}

void ppp_lcp_input(struct ppp_lcp *l, lx_ms_t now, const uint8_t *pkt, size_t len)
{
    ppp_fsm_input(&l->fsm, now, pkt, len);
    check_fail(l, now);
}

lx_ms_t ppp_lcp_next_timeout(const struct ppp_lcp *l)
{
    return lx_ms_min(ppp_fsm_next_timeout(&l->fsm), l->echo_deadline);
}

void ppp_lcp_timeout(struct ppp_lcp *l, lx_ms_t now)
{
    ppp_fsm_timeout(&l->fsm, now);
    if (l->echo_deadline != LX_MS_NEVER && now >= l->echo_deadline) {
        if (l->fsm.state != PPP_FSM_OPENED) {
            l->echo_deadline = LX_MS_NEVER;
        } else if (l->echo_pending >= l->cfg.echo_failures) {
            lx_notice("LCP: %u Echo-Requests unanswered", l->echo_pending);
            l->echo_deadline = LX_MS_NEVER;
            if (l->fail == PPP_LCP_FAIL_NONE)
                l->fail = l->magic_loops ? PPP_LCP_FAIL_LOOPBACK : PPP_LCP_FAIL_ECHO;
        } else {
            uint8_t m[4];
            lx_put_u32(m, our_magic(l));
            l->echo_pending++;
            l->stats.echo_req_tx++;
            ppp_fsm_send(&l->fsm, PPP_ECHOREQ, ++l->echo_id, m, 4);
            echo_arm(l, now);
        }
    }
    check_fail(l, now);
}

void ppp_lcp_send_protrej(struct ppp_lcp *l, uint16_t proto, const uint8_t *info, size_t len)
{
    /* §5.7: Protocol-Reject only in the Opened state. */
    if (l->fsm.state != PPP_FSM_OPENED)
        return;
    uint8_t p[2];
    lx_put_u16(p, proto);
    l->stats.protrej_tx++;
    ppp_fsm_send2(&l->fsm, PPP_PROTREJ, ppp_fsm_next_id(&l->fsm), p, 2, info, len);
}
