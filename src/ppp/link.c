/* One PPP link: RFC 1661 §3 phases driving LCP, the authentication objects
 * of auth.h, IPCP and IPv6CP.
 *
 * Re-entrancy: every public entry point runs between enter() and leave().
 * Actions that tear structures down or move between phases (close, an AAA
 * verdict, the end of authentication, "no NCP left") are only recorded
 * while inside and carried out by leave(), so no automaton or auth object
 * is ever freed or re-driven from inside its own callback. */
#include "ppp/link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "ppp/frame.h"
#include "ppp/ipcp.h"
#include "ppp/ipv6cp.h"
#include "ppp/lcp.h"
#include "ppp/ppp.h"

struct auth_side {
    struct ppp_link *link;
    bool self; /* true: ppp_authp (we prove ourselves) */
};

struct ppp_link {
    struct ppp_link_cfg cfg;
    struct ppp_link_ops ops;
    void *ctx;

    enum ppp_link_phase phase;
    enum ppp_link_down_reason reason;
    struct ppp_lcp lcp;
    struct ppp_ipcp ipcp;
    struct ppp_ipv6cp ipv6cp;

    struct ppp_authr *authr;
    struct ppp_authp *authp;
    struct auth_side authr_side, authp_side;
    enum ppp_auth_method auth_peer, auth_self;
    bool authr_ok, authp_ok;
    struct ppp_auth_attrs attrs;
    char peer_name[PPP_AUTH_NAME_MAX + 1];
    /* Last packet our ppp_authp sent, re-sent as a nudge if the
     * authenticator has moved on to the NCPs but its Success got lost. */
    uint8_t authp_last[PPP_AUTH_NAME_MAX * 2 + 32];
    size_t authp_last_len;
    lx_ms_t nudge_at;       /* earliest next nudge */
    lx_ms_t nudge_deadline; /* CHAP: repeat the Response if no result by then */
    lx_ms_t now;            /* time of the current entry point */

    struct ppp_link_net net;

    /* deferred actions (see the top of the file) */
    unsigned depth;
    bool pend_close;
    enum ppp_link_down_reason pend_reason;
    char pend_msg[64];
    bool pend_verdict;
    struct ppp_auth_verdict verdict;
    bool pend_auth_check;
    bool pend_ncp_check;

    struct ppp_link_stats stats;
};

static const char *const phase_names[] = {"Dead", "Establish", "Authenticate", "Network",
                                          "Terminate"};

const char *ppp_link_phase_name(enum ppp_link_phase p)
{
    return (unsigned)p < sizeof(phase_names) / sizeof(phase_names[0]) ? phase_names[p] : "?";
}

const char *ppp_link_down_reason_name(enum ppp_link_down_reason r)
{
    static const char *const names[] = {
        "none",         "admin close",     "lower layer down",    "peer terminated",
        "LCP timeout",  "LCP negotiation", "auth refused",        "auth failed",
        "echo timeout", "loopback",        "no network protocol",
    };
    return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

void ppp_link_cfg_defaults(struct ppp_link_cfg *cfg, enum ppp_link_role role)
{
    static const enum ppp_auth_method all[] = {PPP_AUTH_MSCHAP_V2, PPP_AUTH_MSCHAP_V1,
                                               PPP_AUTH_CHAP_MD5, PPP_AUTH_PAP};
    memset(cfg, 0, sizeof(*cfg));
    cfg->role = role;
    if (role == PPP_LINK_AUTHENTICATOR) {
        memcpy(cfg->auth_require, all, sizeof(all));
    } else {
        memcpy(cfg->auth_allow, all, sizeof(all));
        cfg->request_dns = true;
    }
    snprintf(cfg->our_name, sizeof(cfg->our_name), "%s", "l2tpx");
}

/* ---- helpers ---------------------------------------------------------- */

static void emit(struct ppp_link *l, struct ppp_link_event *ev)
{
    ev->phase = l->phase;
    ev->net = &l->net;
    if (l->ops.event)
        l->ops.event(l->ctx, ev);
}

static void set_phase(struct ppp_link *l, enum ppp_link_phase p)
{
    if (l->phase == p)
        return;
    lx_debug("PPP: phase %s -> %s", ppp_link_phase_name(l->phase), ppp_link_phase_name(p));
    l->phase = p;
    struct ppp_link_event ev = {.type = PPP_LINK_EV_PHASE};
    emit(l, &ev);
}

static void out_frame(struct ppp_link *l, uint16_t proto, const uint8_t *info, size_t len)
{
    uint8_t buf[PPP_MAX_FRAME + 2];
    size_t n = ppp_frame_build(buf, sizeof(buf), proto, info, len, 0);
    if (n == 0)
        return;
    l->stats.tx_frames++;
    l->stats.tx_bytes += n;
    if (l->ops.send)
        l->ops.send(l->ctx, buf, n);
}

static bool ncp_on(const struct ppp_link *l, const struct ppp_fsm *f)
{
    if (f == &l->ipcp.fsm)
        return !l->cfg.no_ipcp;
    return !l->cfg.no_ipv6cp;
}

static void request_close(struct ppp_link *l, enum ppp_link_down_reason why, const char *msg)
{
    if (l->pend_close)
        return;
    l->pend_close = true;
    l->pend_reason = why;
    snprintf(l->pend_msg, sizeof(l->pend_msg), "%s", msg ? msg : "");
}

static void free_auth(struct ppp_link *l)
{
    if (l->authr)
        ppp_authr_free(l->authr);
    if (l->authp)
        ppp_authp_free(l->authp);
    l->authr = NULL;
    l->authp = NULL;
    l->authr_ok = l->authp_ok = false;
    l->authp_last_len = 0;
    l->nudge_deadline = LX_MS_NEVER;
}

/* Takes an NCP back to Initial without sending anything: LCP is gone. */
static void ncp_stop(struct ppp_fsm *f, lx_ms_t now)
{
    if (f->state >= PPP_FSM_CLOSED)
        ppp_fsm_down(f, now);
    if (f->state == PPP_FSM_STARTING)
        ppp_fsm_close(f, now, NULL);
}

static void go_dead(struct ppp_link *l, lx_ms_t now)
{
    if (l->phase == PPP_PHASE_DEAD)
        return;
    if (l->reason == PPP_LINK_DOWN_NONE)
        l->reason = PPP_LINK_DOWN_ADMIN;
    set_phase(l, PPP_PHASE_DEAD);
    ncp_stop(&l->ipcp.fsm, now);
    ncp_stop(&l->ipv6cp.fsm, now);
    free_auth(l);
    lx_info("PPP: link down: %s", ppp_link_down_reason_name(l->reason));
    struct ppp_link_event ev = {.type = PPP_LINK_EV_DOWN, .reason = l->reason};
    emit(l, &ev);
}

/* The reason LCP stopped, when nobody recorded one before. */
static enum ppp_link_down_reason lcp_reason(const struct ppp_link *l)
{
    switch (l->lcp.fail) {
    case PPP_LCP_FAIL_AUTH_REFUSED:
        return PPP_LINK_DOWN_AUTH_REFUSED;
    case PPP_LCP_FAIL_LOOPBACK:
        return PPP_LINK_DOWN_LOOPBACK;
    case PPP_LCP_FAIL_ECHO:
        return PPP_LINK_DOWN_ECHO_TIMEOUT;
    default:
        break;
    }
    switch (l->lcp.fsm.why) {
    case PPP_FSM_WHY_TIMEOUT:
        return PPP_LINK_DOWN_LCP_TIMEOUT;
    case PPP_FSM_WHY_PEER_TERM:
        return PPP_LINK_DOWN_PEER_TERMINATED;
    case PPP_FSM_WHY_REJECTED:
    case PPP_FSM_WHY_NOT_CONVERGING:
        return PPP_LINK_DOWN_NEGOTIATION;
    case PPP_FSM_WHY_LOWER_DOWN:
        return PPP_LINK_DOWN_LOWER;
    default:
        return PPP_LINK_DOWN_ADMIN;
    }
}

/* ---- Network phase ---------------------------------------------------- */

static void enter_network(struct ppp_link *l, lx_ms_t now)
{
    set_phase(l, PPP_PHASE_NETWORK);
    uint16_t mru = ppp_lcp_peer_mru(&l->lcp);
    const struct ppp_auth_attrs *a = &l->attrs;
    if (!l->cfg.no_ipcp) {
        struct ppp_ipcp_cfg c = {
            .local_ip = l->cfg.local_ip,
            .peer_ip = a->framed_ip ? a->framed_ip : l->cfg.peer_ip,
            .request_dns = l->cfg.request_dns,
            .request_nbns = l->cfg.request_nbns,
            .fsm = l->lcp.cfg.fsm,
        };
        /* RFC 1877 servers: the backend's answer wins over the config. */
        bool adns = a->dns[0] || a->dns[1], anbns = a->nbns[0] || a->nbns[1];
        for (int i = 0; i < 2; i++) {
            c.dns[i] = adns ? a->dns[i] : l->cfg.dns[i];
            c.nbns[i] = anbns ? a->nbns[i] : l->cfg.nbns[i];
        }
        ppp_ipcp_init(&l->ipcp, &c, l->ipcp.fsm.owner, l);
        l->ipcp.fsm.peer_mru = mru;
        ppp_fsm_open(&l->ipcp.fsm, now);
        ppp_fsm_up(&l->ipcp.fsm, now);
    }
    if (!l->cfg.no_ipv6cp) {
        struct ppp_ipv6cp_cfg c = {
            .ifid = l->cfg.ifid,
            .peer_ifid = a->ipv6_ifid ? a->ipv6_ifid : l->cfg.peer_ifid,
            .fsm = l->lcp.cfg.fsm,
        };
        ppp_ipv6cp_init(&l->ipv6cp, &c, l->ipv6cp.fsm.owner, l);
        l->ipv6cp.fsm.peer_mru = mru;
        ppp_fsm_open(&l->ipv6cp.fsm, now);
        ppp_fsm_up(&l->ipv6cp.fsm, now);
    }
    if (l->cfg.no_ipcp && l->cfg.no_ipv6cp)
        request_close(l, PPP_LINK_DOWN_NO_NCP, "No network protocols");
}

/* Authentication finished in every direction it was asked for? */
static void auth_check(struct ppp_link *l, lx_ms_t now)
{
    if (l->phase != PPP_PHASE_AUTHENTICATE)
        return;
    if ((l->auth_peer == PPP_AUTH_NONE || l->authr_ok) &&
        (l->auth_self == PPP_AUTH_NONE || l->authp_ok))
        enter_network(l, now);
}

/* RFC 1661 §3.5: without any network protocol left the link is useless. */
static void ncp_check(struct ppp_link *l)
{
    if (l->phase != PPP_PHASE_NETWORK)
        return;
    const struct ppp_fsm *f[2] = {&l->ipcp.fsm, &l->ipv6cp.fsm};
    for (int i = 0; i < 2; i++)
        if (ncp_on(l, f[i]) && f[i]->state > PPP_FSM_STOPPED)
            return;
    request_close(l, PPP_LINK_DOWN_NO_NCP, "No network protocols running");
}

/* ---- deferred actions ------------------------------------------------- */

static void enter(struct ppp_link *l, lx_ms_t now)
{
    l->depth++;
    l->now = now;
}

static void do_close(struct ppp_link *l, lx_ms_t now, enum ppp_link_down_reason why,
                     const char *msg)
{
    if (l->phase == PPP_PHASE_DEAD)
        return;
    if (l->reason == PPP_LINK_DOWN_NONE)
        l->reason = why;
    ppp_fsm_close(&l->lcp.fsm, now, msg);
    enum ppp_fsm_state s = l->lcp.fsm.state;
    if (s == PPP_FSM_CLOSING || s == PPP_FSM_STOPPING)
        set_phase(l, PPP_PHASE_TERMINATE);
    else
        go_dead(l, now); /* nothing to wait for */
}

static void leave(struct ppp_link *l, lx_ms_t now)
{
    if (l->depth > 1) {
        l->depth--;
        return;
    }
    /* Bounded: each pass clears what it acts on. */
    for (int pass = 0; pass < 32; pass++) {
        if (l->pend_verdict) {
            l->pend_verdict = false;
            if (l->authr)
                ppp_authr_verdict(l->authr, now, &l->verdict);
            memset(&l->verdict, 0, sizeof(l->verdict)); /* MPPE keys */
        } else if (l->pend_close) {
            l->pend_close = false;
            do_close(l, now, l->pend_reason, l->pend_msg);
        } else if (l->pend_auth_check) {
            l->pend_auth_check = false;
            auth_check(l, now);
        } else if (l->pend_ncp_check) {
            l->pend_ncp_check = false;
            ncp_check(l);
        } else {
            break;
        }
    }
    l->depth = 0;
}

/* ---- automaton owner callbacks (LCP, IPCP, IPv6CP) --------------------- */

static void fsm_send(void *ctx, uint16_t proto, const uint8_t *pkt, size_t len)
{
    out_frame(ctx, proto, pkt, len);
}

static void net_refresh(struct ppp_link *l)
{
    struct ppp_link_net *n = &l->net;
    memset(n, 0, sizeof(*n));
    if (!l->cfg.no_ipcp && l->ipcp.fsm.state == PPP_FSM_OPENED) {
        n->ipv4_up = true;
        n->local_ip = ppp_ipcp_local_ip(&l->ipcp);
        n->peer_ip = ppp_ipcp_peer_ip(&l->ipcp);
        ppp_ipcp_dns(&l->ipcp, n->dns, n->nbns);
    }
    if (!l->cfg.no_ipv6cp && l->ipv6cp.fsm.state == PPP_FSM_OPENED) {
        n->ipv6_up = true;
        n->local_ifid = ppp_ipv6cp_local_ifid(&l->ipv6cp);
        n->peer_ifid = ppp_ipv6cp_peer_ifid(&l->ipv6cp);
    }
}

static void start_auth(struct ppp_link *l, lx_ms_t now);

static void fsm_up(void *ctx, struct ppp_fsm *f, lx_ms_t now)
{
    struct ppp_link *l = ctx;
    if (f == &l->lcp.fsm) {
        struct ppp_link_event ev = {.type = PPP_LINK_EV_LCP_UP};
        emit(l, &ev);
        start_auth(l, now);
        return;
    }
    net_refresh(l);
    struct ppp_link_event ev = {.type = PPP_LINK_EV_NET_UP, .proto = f->proto};
    emit(l, &ev);
}

static void fsm_down(void *ctx, struct ppp_fsm *f, lx_ms_t now)
{
    struct ppp_link *l = ctx;
    if (f == &l->lcp.fsm) {
        /* LCP's This-Layer-Down is the NCPs' Down (§4.3 Down). */
        enum ppp_fsm_state s = f->state;
        set_phase(l, s == PPP_FSM_CLOSING || s == PPP_FSM_STOPPING ? PPP_PHASE_TERMINATE
                                                                   : PPP_PHASE_ESTABLISH);
        ncp_stop(&l->ipcp.fsm, now);
        ncp_stop(&l->ipv6cp.fsm, now);
        free_auth(l);
        struct ppp_link_event ev = {.type = PPP_LINK_EV_LCP_DOWN};
        emit(l, &ev);
        return;
    }
    net_refresh(l);
    struct ppp_link_event ev = {.type = PPP_LINK_EV_NET_DOWN, .proto = f->proto};
    emit(l, &ev);
}

static void fsm_finished(void *ctx, struct ppp_fsm *f, lx_ms_t now)
{
    struct ppp_link *l = ctx;
    if (f == &l->lcp.fsm) {
        /* §3.2: LCP finished: Link Dead. */
        if (l->reason == PPP_LINK_DOWN_NONE)
            l->reason = lcp_reason(l);
        go_dead(l, now);
        return;
    }
    l->pend_ncp_check = true;
}

static const struct ppp_fsm_owner fsm_owner = {
    .send = fsm_send,
    .up = fsm_up,
    .down = fsm_down,
    .finished = fsm_finished,
};

/* LCP told us the peer Protocol-Rejected something. */
static void lcp_protrej(void *ctx, lx_ms_t now, uint16_t proto)
{
    struct ppp_link *l = ctx;
    l->stats.protrej_rx++;
    lx_info("PPP: peer rejected protocol 0x%04x", proto);
    if (proto == PPP_PROTO_IPCP && !l->cfg.no_ipcp)
        ppp_fsm_rxj(&l->ipcp.fsm, now, true); /* catastrophic for that NCP */
    else if (proto == PPP_PROTO_IPV6CP && !l->cfg.no_ipv6cp)
        ppp_fsm_rxj(&l->ipv6cp.fsm, now, true);
    else if ((proto == PPP_PROTO_PAP || proto == PPP_PROTO_CHAP) &&
             l->phase == PPP_PHASE_AUTHENTICATE)
        request_close(l, PPP_LINK_DOWN_AUTH_REFUSED, "Authentication protocol rejected");
}

static const struct ppp_lcp_ops lcp_ops = {.protrej = lcp_protrej};

/* ---- authentication --------------------------------------------------- */

static uint32_t auth_timeout(const struct ppp_link *l)
{
    return l->cfg.auth_timeout_ms ? l->cfg.auth_timeout_ms : 3000;
}

static void auth_send(void *ctx, uint16_t proto, const uint8_t *pkt, size_t len)
{
    struct auth_side *s = ctx;
    struct ppp_link *l = s->link;
    if (s->self && len <= sizeof(l->authp_last)) {
        memcpy(l->authp_last, pkt, len);
        l->authp_last_len = len;
        /* RFC 1994 §4.1 has no peer retransmission of its own; the
         * authenticator answers a repeated Response with the same
         * Success/Failure (§4.2), so repeating ours recovers a lost
         * result. PAP retransmits by itself (RFC 1334 §2.2). */
        if (proto == PPP_PROTO_CHAP)
            l->nudge_deadline = l->now + auth_timeout(l);
    }
    out_frame(l, proto, pkt, len);
}

static void auth_verify(void *ctx, const struct ppp_auth_request *req)
{
    struct auth_side *s = ctx;
    struct ppp_link *l = s->link;
    snprintf(l->peer_name, sizeof(l->peer_name), "%s", req->user);
    struct ppp_link_event ev = {
        .type = PPP_LINK_EV_AUTH_VERIFY, .method = req->method, .auth_req = req};
    emit(l, &ev);
}

static void auth_done(void *ctx, bool ok, const struct ppp_auth_verdict *v)
{
    struct auth_side *s = ctx;
    struct ppp_link *l = s->link;
    if (ok) {
        if (s->self) {
            l->authp_ok = true;
        } else {
            l->authr_ok = true;
            if (v)
                l->attrs = v->attrs;
        }
        l->pend_auth_check = true;
    } else {
        /* RFC 1661 §3.5: failed authentication goes to Terminate. */
        request_close(l, PPP_LINK_DOWN_AUTH_FAILED, "Authentication failed");
    }
    struct ppp_link_event ev = {
        .type = ok ? PPP_LINK_EV_AUTH_SUCCESS : PPP_LINK_EV_AUTH_FAILURE,
        .self = s->self,
        .method = s->self ? l->auth_self : l->auth_peer,
        .verdict = s->self ? NULL : v,
    };
    emit(l, &ev);
}

static const struct ppp_auth_ops auth_ops = {
    .send = auth_send,
    .verify = auth_verify,
    .done = auth_done,
};

/* LCP is Opened: §3.2 Authenticate phase if either side asked for it. */
static void start_auth(struct ppp_link *l, lx_ms_t now)
{
    free_auth(l);
    memset(&l->attrs, 0, sizeof(l->attrs));
    l->auth_peer = l->lcp.got.auth ? l->lcp.got.auth_v : PPP_AUTH_NONE;
    l->auth_self = l->lcp.his.auth ? l->lcp.his.auth_v : PPP_AUTH_NONE;
    if (l->cfg.auth_require[0] != PPP_AUTH_NONE && l->auth_peer == PPP_AUTH_NONE) {
        request_close(l, PPP_LINK_DOWN_AUTH_REFUSED, "Authentication required");
        return;
    }
    if (l->auth_peer == PPP_AUTH_NONE && l->auth_self == PPP_AUTH_NONE) {
        enter_network(l, now);
        return;
    }
    set_phase(l, PPP_PHASE_AUTHENTICATE);
    if (l->auth_peer != PPP_AUTH_NONE) {
        struct ppp_authr_cfg c = {
            .method = l->auth_peer,
            .timeout_ms = l->cfg.auth_timeout_ms,
            .max_tries = l->cfg.auth_max_tries,
            .rechallenge_ms = l->cfg.chap_rechallenge_ms,
        };
        snprintf(c.our_name, sizeof(c.our_name), "%s", l->cfg.our_name);
        l->authr = ppp_authr_new(&c, &auth_ops, &l->authr_side);
    }
    if (l->auth_self != PPP_AUTH_NONE) {
        struct ppp_authp_cfg c = {
            .method = l->auth_self,
            .timeout_ms = l->cfg.auth_timeout_ms,
            .max_tries = l->cfg.auth_max_tries,
        };
        memcpy(c.user, l->cfg.user, sizeof(c.user));
        memcpy(c.password, l->cfg.password, sizeof(c.password));
        l->authp = ppp_authp_new(&c, &auth_ops, &l->authp_side);
        memset(c.password, 0, sizeof(c.password));
    }
    if ((l->auth_peer != PPP_AUTH_NONE && !l->authr) ||
        (l->auth_self != PPP_AUTH_NONE && !l->authp)) {
        request_close(l, PPP_LINK_DOWN_AUTH_FAILED, "Authentication unavailable");
        return;
    }
    if (l->authr)
        ppp_authr_start(l->authr, now);
    if (l->authp)
        ppp_authp_start(l->authp, now);
}

/* Which auth object gets a PAP/CHAP packet: by code (RFC 1334 §2.2,
 * RFC 1994 §4): requests/responses to the authenticator, the rest to the
 * peer side. */
static void auth_input(struct ppp_link *l, lx_ms_t now, uint16_t proto, const uint8_t *pkt,
                       size_t len)
{
    enum ppp_auth_method peer = l->authr ? l->auth_peer : PPP_AUTH_NONE;
    enum ppp_auth_method self = l->authp ? l->auth_self : PPP_AUTH_NONE;
    bool r_pap = peer == PPP_AUTH_PAP, p_pap = self == PPP_AUTH_PAP;
    bool r_chap = peer != PPP_AUTH_NONE && !r_pap, p_chap = self != PPP_AUTH_NONE && !p_pap;
    bool to_r = false, to_p = false;
    uint8_t code = len ? pkt[0] : 0;
    if (proto == PPP_PROTO_PAP) {
        to_r = r_pap && code == 1; /* Authenticate-Request */
        to_p = p_pap && code != 1; /* Ack / Nak */
    } else {
        to_r = r_chap && code == 2; /* Response */
        to_p = p_chap && code != 2; /* Challenge / Success / Failure */
    }
    if (to_r)
        ppp_authr_input(l->authr, now, pkt, len);
    else if (to_p)
        ppp_authp_input(l->authp, now, pkt, len);
    else
        l->stats.rx_discarded++;
}

/* The authenticator has started its NCPs, so it has accepted us; if we are
 * still waiting for its CHAP Success (lost), repeat our last Response: the
 * authenticator answers a repeated Response with the same Success
 * (RFC 1994 §4.2). The NCP packet itself is discarded (RFC 1661 §3.5). */
static void auth_nudge(struct ppp_link *l, lx_ms_t now)
{
    if (!l->authp || l->authp_ok || !l->authp_last_len || now < l->nudge_at)
        return;
    l->nudge_at = now + 1000;
    if (l->auth_self != PPP_AUTH_PAP)
        l->nudge_deadline = now + auth_timeout(l);
    out_frame(l, l->auth_self == PPP_AUTH_PAP ? PPP_PROTO_PAP : PPP_PROTO_CHAP, l->authp_last,
              l->authp_last_len);
}

static lx_ms_t nudge_timeout(const struct ppp_link *l)
{
    if (!l->authp || l->authp_ok || !l->authp_last_len)
        return LX_MS_NEVER;
    return l->nudge_deadline;
}

/* ---- public ----------------------------------------------------------- */

static void init_protocols(struct ppp_link *l)
{
    struct ppp_lcp_cfg c = {
        .mru = l->cfg.mru,
        .mtu = l->cfg.mtu,
        .request_accm = l->cfg.request_accm,
        .accm = l->cfg.accm,
        .no_magic = l->cfg.no_magic,
        .request_pfc = l->cfg.request_pfc,
        .request_acfc = l->cfg.request_acfc,
        .echo_interval_ms = l->cfg.echo_interval_ms,
        .echo_failures = l->cfg.echo_failures,
        .fsm = {l->cfg.restart_ms, l->cfg.max_configure, l->cfg.max_terminate, l->cfg.max_failure},
    };
    memcpy(c.auth_require, l->cfg.auth_require, sizeof(c.auth_require));
    memcpy(c.auth_allow, l->cfg.auth_allow, sizeof(c.auth_allow));
    /* The lists must stay terminated. */
    c.auth_require[PPP_LCP_AUTH_LIST - 1] = PPP_AUTH_NONE;
    c.auth_allow[PPP_LCP_AUTH_LIST - 1] = PPP_AUTH_NONE;
    for (size_t i = 0; i < PPP_LCP_AUTH_LIST; i++) {
        if ((unsigned)c.auth_require[i] >= PPP_AUTH_METHOD_COUNT)
            c.auth_require[i] = PPP_AUTH_NONE;
        if ((unsigned)c.auth_allow[i] >= PPP_AUTH_METHOD_COUNT)
            c.auth_allow[i] = PPP_AUTH_NONE;
    }
    ppp_lcp_init(&l->lcp, &c, &fsm_owner, l, &lcp_ops, l);
    struct ppp_ipcp_cfg ic = {.fsm = l->lcp.cfg.fsm};
    ppp_ipcp_init(&l->ipcp, &ic, &fsm_owner, l);
    struct ppp_ipv6cp_cfg vc = {.fsm = l->lcp.cfg.fsm};
    ppp_ipv6cp_init(&l->ipv6cp, &vc, &fsm_owner, l);
}

struct ppp_link *ppp_link_new(const struct ppp_link_cfg *cfg, const struct ppp_link_ops *ops,
                              void *ctx)
{
    struct ppp_link *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->cfg = *cfg;
    l->cfg.user[sizeof(l->cfg.user) - 1] = 0;
    l->cfg.password[sizeof(l->cfg.password) - 1] = 0;
    l->cfg.our_name[sizeof(l->cfg.our_name) - 1] = 0;
    if (ops)
        l->ops = *ops;
    l->ctx = ctx;
    l->authr_side = (struct auth_side){.link = l, .self = false};
    l->authp_side = (struct auth_side){.link = l, .self = true};
    l->phase = PPP_PHASE_DEAD;
    l->nudge_deadline = LX_MS_NEVER;
    init_protocols(l);
    return l;
}

void ppp_link_free(struct ppp_link *l)
{
    if (!l)
        return;
    free_auth(l);
    memset(l->cfg.password, 0, sizeof(l->cfg.password));
    memset(&l->verdict, 0, sizeof(l->verdict));
    free(l);
}

void ppp_link_open(struct ppp_link *l, lx_ms_t now)
{
    if (l->phase != PPP_PHASE_DEAD)
        return;
    enter(l, now);
    init_protocols(l);
    l->reason = PPP_LINK_DOWN_NONE;
    l->pend_close = l->pend_verdict = l->pend_auth_check = l->pend_ncp_check = false;
    l->auth_peer = l->auth_self = PPP_AUTH_NONE;
    l->peer_name[0] = 0;
    l->nudge_at = 0;
    memset(&l->attrs, 0, sizeof(l->attrs));
    memset(&l->net, 0, sizeof(l->net));
    /* §3.2: Dead -> Establish when the lower layer is Up (an L2TP session
     * is up when its link is opened). */
    set_phase(l, PPP_PHASE_ESTABLISH);
    ppp_fsm_open(&l->lcp.fsm, now);
    ppp_fsm_up(&l->lcp.fsm, now);
    leave(l, now);
}

void ppp_link_close(struct ppp_link *l, lx_ms_t now, const char *reason)
{
    enter(l, now);
    request_close(l, PPP_LINK_DOWN_ADMIN, reason ? reason : "Administrative close");
    leave(l, now);
}

void ppp_link_lower_down(struct ppp_link *l, lx_ms_t now)
{
    if (l->phase == PPP_PHASE_DEAD)
        return;
    enter(l, now);
    if (l->reason == PPP_LINK_DOWN_NONE)
        l->reason = PPP_LINK_DOWN_LOWER;
    ppp_fsm_down(&l->lcp.fsm, now);
    go_dead(l, now);
    leave(l, now);
}

void ppp_link_auth_verdict(struct ppp_link *l, lx_ms_t now, const struct ppp_auth_verdict *v)
{
    enter(l, now);
    if (l->authr) {
        l->verdict = *v;
        l->pend_verdict = true;
    }
    leave(l, now);
}

static void input_network(struct ppp_link *l, lx_ms_t now, const struct ppp_frame *fr)
{
    switch (fr->proto) {
    case PPP_PROTO_IPCP:
        if (l->cfg.no_ipcp)
            break;
        ppp_fsm_input(&l->ipcp.fsm, now, fr->info, fr->len);
        return;
    case PPP_PROTO_IPV6CP:
        if (l->cfg.no_ipv6cp)
            break;
        ppp_fsm_input(&l->ipv6cp.fsm, now, fr->info, fr->len);
        return;
    case PPP_PROTO_IPV4:
    case PPP_PROTO_IPV6: {
        /* Data only once its NCP is Opened; silently discarded before. */
        const struct ppp_fsm *f = fr->proto == PPP_PROTO_IPV4 ? &l->ipcp.fsm : &l->ipv6cp.fsm;
        if (ncp_on(l, f) && f->state == PPP_FSM_OPENED) {
            l->stats.rx_ip++;
            if (l->ops.recv_ip)
                l->ops.recv_ip(l->ctx, fr->proto, fr->info, fr->len);
        } else if (ncp_on(l, f)) {
            l->stats.rx_discarded++;
        } else {
            break;
        }
        return;
    }
    default:
        break;
    }
    /* RFC 1661 §5.7: an unsupported protocol gets a Protocol-Reject. */
    l->stats.protrej_tx++;
    ppp_lcp_send_protrej(&l->lcp, fr->proto, fr->info, fr->len);
}

void ppp_link_input(struct ppp_link *l, lx_ms_t now, const uint8_t *frame, size_t len)
{
    struct ppp_frame fr;
    l->stats.rx_frames++;
    l->stats.rx_bytes += len;
    if (ppp_frame_parse(frame, len, &fr) != 0) {
        l->stats.rx_bad++;
        LX_LOG_RL(LX_LOG_INFO, "PPP: unparsable frame (%zu bytes)", len);
        return;
    }
    if (l->phase == PPP_PHASE_DEAD) {
        l->stats.rx_discarded++;
        return;
    }
    enter(l, now);
    bool lcp_open = l->lcp.fsm.state == PPP_FSM_OPENED;
    if (fr.proto == PPP_PROTO_LCP) {
        ppp_lcp_input(&l->lcp, now, fr.info, fr.len);
    } else if (!lcp_open || l->phase == PPP_PHASE_TERMINATE) {
        /* §3.4: only LCP before LCP is Opened. */
        l->stats.rx_discarded++;
    } else if (fr.proto == PPP_PROTO_PAP || fr.proto == PPP_PROTO_CHAP) {
        auth_input(l, now, fr.proto, fr.info, fr.len);
    } else if (l->phase == PPP_PHASE_AUTHENTICATE) {
        /* §3.5: nothing but LCP and authentication in this phase. */
        l->stats.rx_discarded++;
        if (fr.proto == PPP_PROTO_IPCP || fr.proto == PPP_PROTO_IPV6CP)
            auth_nudge(l, now);
    } else if (l->phase == PPP_PHASE_NETWORK) {
        input_network(l, now, &fr);
    } else {
        l->stats.rx_discarded++;
    }
    leave(l, now);
}

lx_ms_t ppp_link_next_timeout(const struct ppp_link *l)
{
    if (l->phase == PPP_PHASE_DEAD)
        return LX_MS_NEVER;
    lx_ms_t t = ppp_lcp_next_timeout(&l->lcp);
    t = lx_ms_min(t, ppp_fsm_next_timeout(&l->ipcp.fsm));
    t = lx_ms_min(t, ppp_fsm_next_timeout(&l->ipv6cp.fsm));
    if (l->authr)
        t = lx_ms_min(t, ppp_authr_next_timeout(l->authr));
    if (l->authp)
        t = lx_ms_min(t, ppp_authp_next_timeout(l->authp));
    return lx_ms_min(t, nudge_timeout(l));
}

void ppp_link_timeout(struct ppp_link *l, lx_ms_t now)
{
    if (l->phase == PPP_PHASE_DEAD)
        return;
    enter(l, now);
    ppp_lcp_timeout(&l->lcp, now);
    if (l->authr && ppp_authr_next_timeout(l->authr) <= now)
        ppp_authr_timeout(l->authr, now);
    if (l->authp && ppp_authp_next_timeout(l->authp) <= now)
        ppp_authp_timeout(l->authp, now);
    if (nudge_timeout(l) <= now) {
        l->nudge_at = 0;
        auth_nudge(l, now);
    }
    ppp_fsm_timeout(&l->ipcp.fsm, now);
    ppp_fsm_timeout(&l->ipv6cp.fsm, now);
    leave(l, now);
}

int ppp_link_send_ip(struct ppp_link *l, const uint8_t *pkt, size_t len)
{
    if (len < 1) {
        l->stats.tx_ip_dropped++;
        return -1;
    }
    unsigned ver = pkt[0] >> 4;
    const struct ppp_fsm *f = ver == 4 ? &l->ipcp.fsm : &l->ipv6cp.fsm;
    uint16_t proto = ver == 4 ? PPP_PROTO_IPV4 : PPP_PROTO_IPV6;
    if ((ver != 4 && ver != 6) || l->phase != PPP_PHASE_NETWORK || !ncp_on(l, f) ||
        f->state != PPP_FSM_OPENED || len > ppp_lcp_peer_mru(&l->lcp)) {
        l->stats.tx_ip_dropped++;
        return -1;
    }
    l->stats.tx_ip++;
    out_frame(l, proto, pkt, len);
    return 0;
}

enum ppp_link_phase ppp_link_phase(const struct ppp_link *l)
{
    return l->phase;
}

void ppp_link_get_info(const struct ppp_link *l, struct ppp_link_info *info)
{
    memset(info, 0, sizeof(*info));
    info->phase = l->phase;
    info->down_reason = l->reason;
    info->lcp_state = l->lcp.fsm.state;
    info->ipcp_state = l->ipcp.fsm.state;
    info->ipv6cp_state = l->ipv6cp.fsm.state;
    info->mru = l->lcp.got.mru ? l->lcp.got.mru_v : PPP_LCP_DEF_MRU;
    info->peer_mru = ppp_lcp_peer_mru(&l->lcp);
    info->local_magic = l->lcp.got.magic ? l->lcp.got.magic_v : 0;
    info->peer_magic = l->lcp.his.magic ? l->lcp.his.magic_v : 0;
    info->peer_pfc = l->lcp.his.pfc;
    info->peer_acfc = l->lcp.his.acfc;
    info->auth_peer = l->auth_peer;
    info->auth_self = l->auth_self;
    memcpy(info->peer_name, l->peer_name, sizeof(info->peer_name));
    info->has_time_remaining = l->lcp.has_time_remaining;
    info->time_remaining_s = l->lcp.time_remaining_s;
    info->net = l->net;
    info->attrs = l->attrs;
}

void ppp_link_get_stats(const struct ppp_link *l, struct ppp_link_stats *st)
{
    *st = l->stats;
    st->echo_req_tx = l->lcp.stats.echo_req_tx;
    st->echo_rep_rx = l->lcp.stats.echo_rep_rx;
    st->echo_req_rx = l->lcp.stats.echo_req_rx;
    st->echo_rep_tx = l->lcp.stats.echo_rep_tx;
    st->lcp = l->lcp.fsm.stats;
    st->ipcp = l->ipcp.fsm.stats;
    st->ipv6cp = l->ipv6cp.fsm.stats;
}
