/* One PPP session on one L2TP session: see sess.h. */
#include "daemon/sess.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/lacclient.h"
#include "daemon/lns.h"
#include "lib/log.h"
#include "net/dhcp6.h"
#include "net/mtu.h"
#include "net/nd6.h"
#include "ppp/ppp.h"

/* Idle time is checked this often at most (and at least every idle/4). */
#define IDLE_STEP_MAX_MS 10000u

static const char *role_str(const struct l2tpxd_sess *s)
{
    return s->role == PPP_LINK_AUTHENTICATOR ? "lns" : "lac";
}

static const char *section_name(const struct l2tpxd_sess *s)
{
    if (s->lns)
        return s->lns->sec->name;
    if (s->lacc)
        return s->lacc->sec->name;
    return "";
}

/* User names come from the peer: never put control bytes in the log. */
static const char *safe_user(const struct l2tpxd_sess *s, char *buf, size_t cap)
{
    size_t j = 0;
    if (s->user[0] == '\0')
        return "-";
    for (size_t i = 0; s->user[i] && j + 1 < cap; i++) {
        unsigned char c = (unsigned char)s->user[i];
        buf[j++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    buf[j] = '\0';
    return buf;
}

/* The names of ctl_server.h's field contract. */
static const char *auth_str(enum ppp_auth_method m)
{
    switch (m) {
    case PPP_AUTH_PAP:
        return "pap";
    case PPP_AUTH_CHAP_MD5:
        return "chap-md5";
    case PPP_AUTH_MSCHAP_V1:
        return "mschap";
    case PPP_AUTH_MSCHAP_V2:
        return "mschap-v2";
    default:
        return "none";
    }
}

static lx_ms_t now_ms(const struct l2tpxd_sess *s)
{
    return lx_ev_now(s->d->ev);
}

uint64_t l2tpxd_sess_activity(const struct l2tpxd_sess *s)
{
    return s->dest.to_user_pkts + s->dest.from_user_pkts;
}

static void set_cause(struct l2tpxd_sess *s, uint16_t code, uint16_t proto, uint8_t dir,
                      const char *msg);

/* ---- the session timer: PPP timers, idle and session limits ---- */

static void sess_rearm(struct l2tpxd_sess *s)
{
    lx_ms_t next = s->closing ? 0 : ppp_link_next_timeout(s->link);
    next = lx_ms_min(next, s->idle_deadline);
    next = lx_ms_min(next, s->session_deadline);
    next = lx_ms_min(next, s->nd6_deadline);
    /* Called per data packet: no heap work when nothing moved. */
    if (next == LX_MS_NEVER ? !lx_timer_armed(&s->timer)
                            : lx_timer_armed(&s->timer) && s->timer.deadline == next)
        return;
    lx_ev_timer_set(s->d->ev, &s->timer, next);
}

void l2tpxd_sess_rearm(struct l2tpxd_sess *s)
{
    sess_rearm(s);
}

static uint32_t idle_step_ms(const struct l2tpxd_sess *s)
{
    uint64_t idle = (uint64_t)s->idle_timeout_s * 1000u;
    uint64_t step = idle / 4u;
    if (step > IDLE_STEP_MAX_MS)
        step = IDLE_STEP_MAX_MS;
    if (step < 1000u)
        step = idle < 1000u ? idle : 1000u;
    return (uint32_t)step;
}

/* Sends the CDN the PPP side asked for. Frees s (SESSION_DOWN comes back
 * synchronously), so nothing may touch s afterwards. */
static void do_close(struct l2tpxd_sess *s)
{
    struct l2tpxd *d = s->d;
    struct l2tp_session *ls = s->ls;
    if (ls == NULL)
        return;
    l2tp_session_close_cause(d->eng, lx_ev_update_now(d->ev), ls, s->cdn_result, s->cdn_error,
                             s->cdn_msg[0] ? s->cdn_msg : NULL, &s->cdn_cause);
    l2tpxd_rearm(d);
}

static void sess_timer_fired(void *arg, struct lx_timer *t)
{
    struct l2tpxd_sess *s = arg;
    lx_ms_t now = lx_ev_now(s->d->ev);
    if (s->closing) {
        do_close(s);
        return;
    }
    if (now >= s->session_deadline) {
        /* RFC 2865 §5.27 Session-Timeout / pppd maxconnect. */
        set_cause(s, L2TP_PPP_CAUSE_ADMIN, 0, L2TP_PPP_CAUSE_DIR_GLOBAL, "session timeout");
        l2tpxd_sess_close(s, L2TP_CDN_ADMIN, L2TP_ERR_NONE, "session timeout");
        do_close(s);
        return;
    }
    if (now >= s->idle_deadline) {
        /* pppd idle / RFC 2865 §5.28 Idle-Timeout: no IP packets either
         * way for idle_timeout_s. Activity is sampled every step. */
        uint64_t act = l2tpxd_sess_activity(s);
        if (act != s->idle_mark) {
            s->idle_mark = act;
            s->idle_last_ms = now;
        }
        if (now - s->idle_last_ms >= (uint64_t)s->idle_timeout_s * 1000u) {
            set_cause(s, L2TP_PPP_CAUSE_ADMIN, 0, L2TP_PPP_CAUSE_DIR_GLOBAL, "idle timeout");
            l2tpxd_sess_close(s, L2TP_CDN_ADMIN, L2TP_ERR_NONE, "idle timeout");
            do_close(s);
            return;
        }
        s->idle_deadline = now + idle_step_ms(s);
    }
    if (now >= s->nd6_deadline)
        l2tpxd_nd6_timer(s, now);
    if (ppp_link_next_timeout(s->link) <= now)
        ppp_link_timeout(s->link, now);
    sess_rearm(s);
}

/* RFC 3145: why the PPP side ended, sent with the CDN (AVP 46). */
static void set_cause(struct l2tpxd_sess *s, uint16_t code, uint16_t proto, uint8_t dir,
                      const char *msg)
{
    if (s->cdn_cause.set)
        return; /* the first reason stands */
    s->cdn_cause.code = code;
    s->cdn_cause.proto = proto;
    s->cdn_cause.direction = dir;
    snprintf(s->cdn_cause.msg, sizeof s->cdn_cause.msg, "%s", msg ? msg : "");
    s->cdn_cause.set = true;
}

static uint16_t auth_proto(enum ppp_auth_method m)
{
    return m == PPP_AUTH_PAP ? PPP_PROTO_PAP : PPP_PROTO_CHAP;
}

static void cause_for_down(struct l2tpxd_sess *s, enum ppp_link_down_reason r)
{
    bool lns = s->role == PPP_LINK_AUTHENTICATOR;
    const char *why = ppp_link_down_reason_name(r);
    switch (r) {
    case PPP_LINK_DOWN_ADMIN: /* §3.1 code 3: we sent the Terminate-Request */
        set_cause(s, L2TP_PPP_CAUSE_NORMAL, 0, L2TP_PPP_CAUSE_DIR_LOCAL, why);
        break;
    case PPP_LINK_DOWN_PEER_TERMINATED:
        set_cause(s, L2TP_PPP_CAUSE_NORMAL, 0, L2TP_PPP_CAUSE_DIR_PEER, why);
        break;
    case PPP_LINK_DOWN_LCP_TIMEOUT: /* §3.2 */
        set_cause(s, L2TP_PPP_CAUSE_LCP_FSM_TIMEOUT, L2TP_PPP_CAUSE_PROTO_LCP,
                  L2TP_PPP_CAUSE_DIR_GLOBAL, why);
        break;
    case PPP_LINK_DOWN_ECHO_TIMEOUT:
        set_cause(s, L2TP_PPP_CAUSE_LCP_ECHO_TIMEOUT, L2TP_PPP_CAUSE_PROTO_LCP,
                  L2TP_PPP_CAUSE_DIR_GLOBAL, why);
        break;
    case PPP_LINK_DOWN_LOOPBACK:
        set_cause(s, L2TP_PPP_CAUSE_LCP_LOOPBACK, L2TP_PPP_CAUSE_PROTO_LCP,
                  L2TP_PPP_CAUSE_DIR_GLOBAL, why);
        break;
    case PPP_LINK_DOWN_AUTH_REFUSED: /* §3.3 code 15: 1 = ours refused by the peer */
        set_cause(s, L2TP_PPP_CAUSE_AUTH_PROTO_REFUSED, auth_proto(s->auth_method),
                  lns ? L2TP_PPP_CAUSE_DIR_PEER : L2TP_PPP_CAUSE_DIR_LOCAL, why);
        break;
    case PPP_LINK_DOWN_AUTH_FAILED: /* §3.3 code 16: 1 = we authenticated the peer */
        set_cause(s, L2TP_PPP_CAUSE_AUTH_FAILED, auth_proto(s->auth_method),
                  lns ? L2TP_PPP_CAUSE_DIR_PEER : L2TP_PPP_CAUSE_DIR_LOCAL, why);
        break;
    case PPP_LINK_DOWN_NO_NCP: /* §3.4 code 18 */
        set_cause(s, L2TP_PPP_CAUSE_NCP_NONE, PPP_PROTO_IPCP, L2TP_PPP_CAUSE_DIR_GLOBAL, why);
        break;
    case PPP_LINK_DOWN_NEGOTIATION:
        set_cause(s, L2TP_PPP_CAUSE_NO_INFO, 0, L2TP_PPP_CAUSE_DIR_GLOBAL, why);
        break;
    default: /* lower layer gone: no CDN of ours */
        break;
    }
}

static const char *cause_name(uint16_t code)
{
    static const char *const names[] = {
        "no information",
        "administrative disconnect",
        "LCP renegotiation disabled",
        "normal disconnection",
        "compulsory encryption refused",
        "LCP FSM timeout",
        "no recognizable LCP packets",
        "magic number error (looped back)",
        "LCP Echo-Request timeout",
        "unexpected MP Endpoint-Discriminator",
        "unexpected MP MRRU",
        "unexpected MP Short-Sequence-Number",
        "compulsory call-back refused",
        "authentication FSM timeout",
        "unexpected MP authenticated name",
        "authentication protocol unacceptable",
        "authentication failed",
        "NCP FSM timeout",
        "no NCP opened",
        "NCP addresses did not converge",
        "no address permitted",
    };
    return code < sizeof names / sizeof names[0] ? names[code] : "unknown cause";
}

void l2tpxd_cause_str(const struct l2tp_event *ev, char *buf, size_t cap)
{
    if (!ev->cause_set) {
        if (cap)
            buf[0] = '\0';
        return;
    }
    static const char *const dirs[] = {"", ", at peer", ", at local"};
    snprintf(buf, cap, "PPP cause %u (%s), protocol 0x%04x%s%s%s", ev->cause_code,
             cause_name(ev->cause_code), ev->cause_proto,
             ev->cause_direction < 3 ? dirs[ev->cause_direction] : "", ev->cause_msg[0] ? ": " : "",
             ev->cause_msg);
}

void l2tpxd_sess_close(struct l2tpxd_sess *s, uint16_t result, uint16_t error, const char *msg)
{
    if (s->closing || s->ls == NULL)
        return;
    s->closing = true;
    s->cdn_result = result;
    s->cdn_error = error;
    snprintf(s->cdn_msg, sizeof s->cdn_msg, "%s", msg ? msg : "");
    lx_ev_timer_set(s->d->ev, &s->timer, 0);
}

/* ---- PPP link callbacks ---- */

static void link_send(void *ctx, const uint8_t *frame, size_t len)
{
    struct l2tpxd_sess *s = ctx;
    if (s->ls == NULL)
        return;
    /* RFC 2661 §5.4: PPP frames travel as L2TP data messages. */
    if (l2tp_session_send_data(s->d->eng, s->ls, frame, len) < 0)
        LX_LOG_RL(LX_LOG_INFO, "session %u/%u: cannot send a PPP frame of %zu bytes", s->tid,
                  s->sid, len);
}

/* A DHCPv6 client message for the LNS itself: UDP to port 547 sent to a
 * link-scope address (All_DHCP_Relay_Agents_and_Servers ff02::1:2, or our
 * link-local address: RFC 8415 §7.1). A user's unicast to some server out
 * there on port 547 is traffic like any other and goes to the TUN. */
static bool dhcp6_for_lns(const struct l2tpxd_sess *s, const uint8_t *pkt, size_t len)
{
    if (s->role != PPP_LINK_AUTHENTICATOR || !net_dhcp6_is_to_server(pkt, len))
        return false;
    const uint8_t *dst = pkt + 24;
    return (dst[0] == 0xff && (dst[1] & 0x0f) == 0x02) ||
           (dst[0] == 0xfe && (dst[1] & 0xc0) == 0x80);
}

/* IPv6 packets from the peer that the session answers or applies itself
 * instead of passing them to the TUN: Router Solicitations and
 * Advertisements (a user's RA must never reach the shared TUN), and DHCPv6
 * for the LNS (prefix delegation, DNS). true = consumed. */
static bool ip6_for_us(struct l2tpxd_sess *s, const uint8_t *pkt, size_t len)
{
    if (net_nd6_classify(pkt, len) != NET_ND6_NONE) {
        l2tpxd_nd6_input(s, pkt, len);
        return true;
    }
    if (dhcp6_for_lns(s, pkt, len)) {
        l2tpxd_dhcp6_input(s, pkt, len);
        return true;
    }
    return false;
}

int l2tpxd_sess_send_ip6(struct l2tpxd_sess *s, const uint8_t *pkt, size_t len)
{
    /* Room for the largest packet we build ourselves (a DHCPv6 reply; an
     * RA is smaller) behind the longest PPP header. */
    _Static_assert(NET_ND6_RA_MAX_LEN <= NET_DHCP6_MAX_LEN, "frame too small for an RA");
    uint8_t frame[4 + NET_DHCP6_MAX_LEN];
    size_t h = s->dest.ppp_hdr6_len;
    if (s->ls == NULL || h == 0 || len > sizeof frame - h)
        return -1;
    memcpy(frame, s->dest.ppp_hdr6, h);
    memcpy(frame + h, pkt, len);
    link_send(s, frame, h + len);
    return 0;
}

static void link_recv_ip(void *ctx, uint16_t proto, const uint8_t *pkt, size_t len)
{
    struct l2tpxd_sess *s = ctx;
    if (proto == PPP_PROTO_IPV6 && ip6_for_us(s, pkt, len))
        return;
    if (s->tun == NULL) {
        s->dest.from_user_dropped++;
        return;
    }
    /* The frame lies in the daemon's own receive buffer (the UDP batch),
     * which is writable: the data plane clamps the MSS in place. */
    l2tpxd_dp_to_tun(s->d->dp, s->tun, &s->dest, (uint8_t *)pkt, len);
}

/* RFC 1661 §6.5 / §6.6: the header the data plane puts in front of IP
 * packets for the peer, as the peer accepted it; length 0 while that
 * protocol's NCP is not Opened (the data plane then drops the family). */
static void set_dest_framing(struct l2tpxd_sess *s, uint16_t ncp, bool up)
{
    struct ppp_link_info info;
    ppp_link_get_info(s->link, &info);
    bool v4 = ncp == PPP_PROTO_IPCP;
    uint8_t *h = v4 ? s->dest.ppp_hdr : s->dest.ppp_hdr6;
    uint8_t n = 0;
    if (up) {
        if (!info.peer_acfc) {
            h[n++] = 0xff;
            h[n++] = 0x03;
        }
        if (!info.peer_pfc)
            h[n++] = 0x00;
        h[n++] = (uint8_t)((v4 ? PPP_PROTO_IPV4 : PPP_PROTO_IPV6) & 0xff);
    }
    if (v4)
        s->dest.ppp_hdr_len = n;
    else
        s->dest.ppp_hdr6_len = n;
    if (!up)
        return;
    s->dest.peer_mru = info.peer_mru;
    unsigned path = s->link_mru < info.peer_mru ? s->link_mru : info.peer_mru;
    uint16_t clamp = s->mss_cfg;
    if (clamp == 0)
        clamp = (uint16_t)net_mss_for_mtu(path, false);
    else if (clamp == 1)
        clamp = 0; /* `mss clamp = 1`: off */
    s->dest.mss_clamp = clamp;
}

static uint16_t cdn_for_down(enum ppp_link_down_reason r, uint16_t *error)
{
    *error = L2TP_ERR_NONE;
    switch (r) {
    case PPP_LINK_DOWN_ECHO_TIMEOUT:
    case PPP_LINK_DOWN_LOWER:
        return L2TP_CDN_LOST_CARRIER; /* RFC 2661 §4.4.2 Result Code 1 */
    case PPP_LINK_DOWN_ADMIN:
    case PPP_LINK_DOWN_PEER_TERMINATED:
        return L2TP_CDN_ADMIN; /* 3 */
    default:
        return L2TP_CDN_GENERAL_ERROR; /* 2 */
    }
}

static void on_net_up(struct l2tpxd_sess *s, const struct ppp_link_event *ev)
{
    char why[128] = "", ub[64];
    set_dest_framing(s, ev->proto, true);
    int rc = s->role == PPP_LINK_AUTHENTICATOR
                 ? l2tpxd_lns_net_up(s, ev->proto, ev->net, why, sizeof why)
                 : l2tpxd_lacc_net_up(s, ev->proto, ev->net, why, sizeof why);
    if (rc < 0) {
        /* RFC 3145 §3.4 code 20, direction 2: the remote address refused here. */
        set_cause(s, L2TP_PPP_CAUSE_NCP_ADDR_NOT_PERMITTED, ev->proto, L2TP_PPP_CAUSE_DIR_LOCAL,
                  why);
        l2tpxd_sess_close(s, L2TP_CDN_GENERAL_ERROR, L2TP_ERR_NO_RESOURCES, why);
        return;
    }
    lx_ms_t now = now_ms(s);
    if (s->net_up_ms == 0) {
        s->net_up_ms = now;
        if (s->session_timeout_s)
            s->session_deadline = now + (uint64_t)s->session_timeout_s * 1000u;
        if (s->idle_timeout_s) {
            s->idle_mark = l2tpxd_sess_activity(s);
            s->idle_last_ms = now;
            s->idle_deadline = now + idle_step_ms(s);
        }
    }
    const struct ppp_link_net *n = ev->net;
    if (ev->proto == PPP_PROTO_IPCP) {
        struct in_addr a = {htonl(n->local_ip)}, b = {htonl(n->peer_ip)};
        char la[INET_ADDRSTRLEN], pa[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &a, la, sizeof la);
        inet_ntop(AF_INET, &b, pa, sizeof pa);
        /* RFC 1877: the DNS servers given to the peer (LNS) or to us
         * (LAC client, `usepeerdns`). */
        char dns[2][INET_ADDRSTRLEN] = {"", ""};
        for (int i = 0; i < 2; i++)
            if (n->dns[i]) {
                struct in_addr x = {htonl(n->dns[i])};
                inet_ntop(AF_INET, &x, dns[i], sizeof dns[i]);
            }
        lx_notice("session %u/%u user '%s' [%s %s]: IPCP up, local %s peer %s%s%s%s%s", s->tid,
                  s->sid, safe_user(s, ub, sizeof ub), role_str(s), section_name(s), la, pa,
                  dns[0][0] ? ", DNS " : "", dns[0], dns[1][0] ? " " : "", dns[1]);
    } else {
        lx_notice("session %u/%u user '%s' [%s %s]: IPv6CP up, local ifid %016llx peer ifid "
                  "%016llx",
                  s->tid, s->sid, safe_user(s, ub, sizeof ub), role_str(s), section_name(s),
                  (unsigned long long)n->local_ifid, (unsigned long long)n->peer_ifid);
        /* RFC 4861 §6.2.4 / §6.3.7: advertise (LNS) or solicit (LAC). */
        l2tpxd_nd6_net_up(s, n->local_ifid);
    }
}

static void link_event(void *ctx, const struct ppp_link_event *ev)
{
    struct l2tpxd_sess *s = ctx;
    struct l2tpxd *d = s->d;
    char ub[64];
    switch (ev->type) {
    case PPP_LINK_EV_PHASE:
        lx_debug("session %u/%u: PPP phase %s", s->tid, s->sid, ppp_link_phase_name(ev->phase));
        break;
    case PPP_LINK_EV_LCP_UP:
    case PPP_LINK_EV_LCP_DOWN:
        break;
    case PPP_LINK_EV_AUTH_VERIFY: {
        const struct ppp_auth_request *req = ev->auth_req;
        snprintf(s->user, sizeof s->user, "%s", req->user);
        s->auth_method = req->method;
        char why[128] = "no authentication backend";
        if (s->lns == NULL || l2tpxd_lns_verify(s, req, why, sizeof why) < 0) {
            struct ppp_auth_verdict v;
            memset(&v, 0, sizeof v);
            /* RFC 2759 §6: MS-CHAP error 691, authentication failure. */
            aaa_verdict_reject(&v, req->method, "Authentication failed");
            snprintf(s->cdn_msg, sizeof s->cdn_msg, "%.90s", why);
            ppp_link_auth_verdict(s->link, now_ms(s), &v);
        }
        break;
    }
    case PPP_LINK_EV_AUTH_SUCCESS:
        s->auth_method = ev->method;
        if (ev->self) {
            lx_info("session %u/%u [lac %s]: authenticated to the LNS as '%s' (%s)", s->tid, s->sid,
                    section_name(s), safe_user(s, ub, sizeof ub), auth_str(ev->method));
            break;
        }
        d->auth_ok++;
        if (ev->verdict) {
            if (ev->verdict->attrs.session_timeout_s)
                s->session_timeout_s = ev->verdict->attrs.session_timeout_s;
            if (ev->verdict->attrs.idle_timeout_s)
                s->idle_timeout_s = ev->verdict->attrs.idle_timeout_s;
        }
        lx_info("session %u/%u [lns %s]: user '%s' authenticated (%s)", s->tid, s->sid,
                section_name(s), safe_user(s, ub, sizeof ub), auth_str(ev->method));
        break;
    case PPP_LINK_EV_AUTH_FAILURE:
        s->auth_method = ev->method;
        if (!ev->self)
            d->auth_failed++;
        /* Logged once, with the rest, when the session goes. */
        if (s->cdn_msg[0] == '\0')
            snprintf(s->cdn_msg, sizeof s->cdn_msg, "%s",
                     ev->self ? "the LNS refused our credentials" : "authentication failed");
        break;
    case PPP_LINK_EV_NET_UP:
        on_net_up(s, ev);
        break;
    case PPP_LINK_EV_NET_DOWN:
        if (ev->proto == PPP_PROTO_IPV6CP)
            l2tpxd_nd6_net_down(s);
        set_dest_framing(s, ev->proto, false);
        if (s->role == PPP_LINK_AUTHENTICATOR)
            l2tpxd_lns_net_down(s, ev->proto);
        else
            l2tpxd_lacc_net_down(s, ev->proto);
        break;
    case PPP_LINK_EV_DOWN: {
        if (s->ls == NULL || s->closing)
            break;
        uint16_t err;
        uint16_t res = cdn_for_down(ev->reason, &err);
        char msg[96];
        if (s->cdn_msg[0])
            snprintf(msg, sizeof msg, "PPP %s: %.60s", ppp_link_down_reason_name(ev->reason),
                     s->cdn_msg);
        else
            snprintf(msg, sizeof msg, "PPP %s", ppp_link_down_reason_name(ev->reason));
        cause_for_down(s, ev->reason);
        l2tpxd_sess_close(s, res, err, msg);
        break;
    }
    }
}

static const struct ppp_link_ops link_ops = {
    .send = link_send,
    .event = link_event,
    .recv_ip = link_recv_ip,
};

/* ---- life cycle ---- */

struct l2tpxd_sess *l2tpxd_sess_new(struct l2tpxd *d, struct l2tp_session *ls,
                                    const struct ppp_link_cfg *lcfg_in,
                                    const struct cfg_ppp_resolved *res, struct l2tpxd_lns *lns,
                                    struct l2tpxd_lacc *lacc)
{
    struct l2tp_session_info si;
    struct l2tp_tunnel_info ti;
    l2tp_session_get_info(ls, &si);
    l2tp_tunnel_get_info(l2tp_session_tunnel(ls), &ti);
    struct l2tpxd_sess *s = calloc(1, sizeof *s);
    if (s == NULL) {
        lx_err("session %u/%u: out of memory", si.tunnel_local_id, si.local_id);
        return NULL;
    }
    s->d = d;
    s->ls = ls;
    s->tid = si.tunnel_local_id;
    s->sid = si.local_id;
    s->role = lcfg_in->role;
    s->lns = lns;
    s->lacc = lacc;
    s->idle_timeout_s = res->idle_timeout_s;
    s->session_timeout_s = res->session_timeout_s;
    s->mss_cfg = res->mss_clamp;
    s->idle_deadline = LX_MS_NEVER;
    s->session_deadline = LX_MS_NEVER;
    s->nd6_deadline = LX_MS_NEVER;
    s->created_ms = lx_ev_now(d->ev);
    s->dest.ls = ls;
    s->dest.owner = s;
    lx_timer_init(&s->timer, sess_timer_fired, s);

    /* Our MRU: the largest PPP Information field that fits a 1500-byte
     * outer packet on this tunnel (RFC 1661 §6.1; docs/MTU.md), unless
     * configured. The L bit is assumed: the peer may send it. */
    struct ppp_link_cfg *lcfg = malloc(sizeof *lcfg);
    if (lcfg == NULL) {
        lx_err("session %u/%u: out of memory", s->tid, s->sid);
        free(s);
        return NULL;
    }
    *lcfg = *lcfg_in;
    unsigned fit =
        net_mtu_ppp_payload(1500, ti.peer.sa.sa_family == AF_INET6, true, si.seq, false, false);
    if (lcfg->mru == 0)
        lcfg->mru = (uint16_t)fit;
    if (lcfg->mtu == 0)
        lcfg->mtu = (uint16_t)fit;
    s->link_mru = lcfg->mru < lcfg->mtu ? lcfg->mru : lcfg->mtu;
    s->link = ppp_link_new(lcfg, &link_ops, s);
    /* The copy may hold our password (peer role): wiped, not just freed. */
    explicit_bzero(lcfg, sizeof *lcfg);
    free(lcfg);
    if (s->link == NULL) {
        lx_err("session %u/%u: cannot create the PPP link", s->tid, s->sid);
        free(s);
        return NULL;
    }
    if (lns)
        s->tun = d->lns_tun;
    else
        snprintf(s->user, sizeof s->user, "%s", lcfg_in->user); /* who we are */
    s->next = d->sessions;
    if (d->sessions)
        d->sessions->prev = s;
    d->sessions = s;
    d->n_sessions++;
    d->sess_started++;
    l2tp_session_set_user(ls, s);
    lx_debug("session %u/%u [%s %s]: PPP starts (MRU %u)", s->tid, s->sid, role_str(s),
             section_name(s), s->link_mru);
    /* RFC 1661 §3.2: the L2TP call is the lower layer; it is up. */
    ppp_link_open(s->link, lx_ev_now(d->ev));
    sess_rearm(s);
    return s;
}

void l2tpxd_sess_data(struct l2tpxd_sess *s, const uint8_t *frame, size_t len)
{
    if (s->closing)
        return;
    /* Fast path: an IPv4/IPv6 packet whose NCP is Opened goes straight to
     * the TUN. RFC 1662 §3.2 address/control (ff 03) and RFC 1661 §6.5
     * compressed (odd, one-octet) protocol fields are accepted, as on the
     * slow path. Everything else (LCP, auth, NCPs) goes through the link,
     * whose timers may then move. */
    size_t off = len >= 2 && frame[0] == 0xff && frame[1] == 0x03 ? 2 : 0;
    uint16_t proto = 0;
    if (off < len && (frame[off] & 1u)) {
        proto = frame[off];
        off += 1;
    } else if (off + 2 <= len) {
        proto = (uint16_t)(frame[off] << 8 | frame[off + 1]);
        off += 2;
    }
    if (proto == PPP_PROTO_IPV6 && s->dest.ppp_hdr6_len != 0 &&
        ip6_for_us(s, frame + off, len - off)) {
        sess_rearm(s);
        return;
    }
    if (s->tun != NULL && ((proto == PPP_PROTO_IPV4 && s->dest.ppp_hdr_len != 0) ||
                           (proto == PPP_PROTO_IPV6 && s->dest.ppp_hdr6_len != 0))) {
        /* The frame lies in the daemon's writable receive buffer: the MSS
         * is clamped in place. */
        l2tpxd_dp_to_tun(s->d->dp, s->tun, &s->dest, (uint8_t *)frame + off, len - off);
        return;
    }
    ppp_link_input(s->link, lx_ev_now(s->d->ev), frame, len);
    sess_rearm(s);
}

void l2tpxd_sess_auth_verdict(struct l2tpxd_sess *s, const struct ppp_auth_verdict *v)
{
    if (!v->accept && s->cdn_msg[0] == '\0')
        snprintf(s->cdn_msg, sizeof s->cdn_msg, "%.90s",
                 v->message[0] ? v->message : "authentication failed");
    ppp_link_auth_verdict(s->link, lx_ev_now(s->d->ev), v);
    sess_rearm(s);
}

void l2tpxd_sess_terminate(struct l2tpxd_sess *s, const char *reason)
{
    if (s->closing || ppp_link_phase(s->link) == PPP_PHASE_DEAD)
        return;
    ppp_link_close(s->link, lx_ev_now(s->d->ev), reason);
    if (!s->closing)
        sess_rearm(s);
}

static const char *l2tp_result_str(uint16_t r)
{
    switch (r) {
    case L2TP_CDN_LOST_CARRIER:
        return "lost carrier";
    case L2TP_CDN_GENERAL_ERROR:
        return "general error";
    case L2TP_CDN_ADMIN:
        return "administrative";
    case L2TP_CDN_NO_FACILITIES_TEMP:
        return "no facilities (temporary)";
    case L2TP_CDN_NO_FACILITIES_PERM:
        return "no facilities (permanent)";
    default:
        return "result";
    }
}

void l2tpxd_sess_lower_down(struct l2tpxd_sess *s, bool local, uint16_t result, uint16_t error,
                            const char *msg)
{
    struct l2tpxd *d = s->d;
    lx_ms_t now = lx_ev_update_now(d->ev);
    struct l2tp_session *ls = s->ls;
    s->ls = NULL; /* from here on nothing is sent */
    s->dest.ls = NULL;
    if (s->role == PPP_LINK_AUTHENTICATOR)
        l2tpxd_lns_cancel(s);
    /* RFC 1661 §3.2 / §4.3 Down event: the lower layer is gone, the link
     * goes Dead at once; NET_DOWN events remove the routes. */
    if (ppp_link_phase(s->link) != PPP_PHASE_DEAD)
        ppp_link_lower_down(s->link, now);
    if (s->role == PPP_LINK_AUTHENTICATOR)
        l2tpxd_lns_release(s);
    else
        l2tpxd_lacc_release(s);
    l2tpxd_dp_forget(d->dp, &s->dest);
    lx_ev_timer_cancel(d->ev, &s->timer);

    /* The one line that says why the session ended. */
    char ub[64], why[400];
    if (s->closing)
        snprintf(why, sizeof why, "%s (CDN result %u error %u%s sent)",
                 s->cdn_msg[0] ? s->cdn_msg : "closed", s->cdn_result, s->cdn_error,
                 s->cdn_cause.set ? ", PPP cause" : "");
    else if (local)
        snprintf(why, sizeof why, "closed by us: %s %u error %u%s%s", l2tp_result_str(result),
                 result, error, msg && msg[0] ? ": " : "", msg ? msg : "");
    else
        snprintf(why, sizeof why, "closed by the peer: %s %u error %u%s%s", l2tp_result_str(result),
                 result, error, msg && msg[0] ? ": " : "", msg ? msg : "");
    struct ppp_link_stats st;
    ppp_link_get_stats(s->link, &st);
    lx_notice("session %u/%u user '%s' [%s %s]: down after %llu s: %s; IP rx %llu pkts %llu B, "
              "tx %llu pkts %llu B, dropped %llu",
              s->tid, s->sid, safe_user(s, ub, sizeof ub), role_str(s), section_name(s),
              (unsigned long long)((now - s->created_ms) / 1000u), why,
              (unsigned long long)s->dest.from_user_pkts,
              (unsigned long long)s->dest.from_user_bytes, (unsigned long long)s->dest.to_user_pkts,
              (unsigned long long)s->dest.to_user_bytes,
              (unsigned long long)(s->dest.to_user_dropped + s->dest.from_user_dropped));

    if (s->lacc)
        l2tpxd_lacc_session_down(s->lacc, ls);
    if (s->prev)
        s->prev->next = s->next;
    else
        d->sessions = s->next;
    if (s->next)
        s->next->prev = s->prev;
    d->n_sessions--;
    d->sess_closed++;
    if (ls)
        l2tp_session_set_user(ls, NULL);
    ppp_link_free(s->link);
    free(s);
}

/* ---- l2tpxctl ---- */

static void add_str(struct json_object *o, const char *k, const char *v)
{
    json_object_object_add(o, k, json_object_new_string(v));
}

static void add_u64(struct json_object *o, const char *k, uint64_t v)
{
    json_object_object_add(o, k, json_object_new_int64((int64_t)v));
}

static void ifid_str(uint64_t id, char *buf, size_t cap)
{
    snprintf(buf, cap, "%x:%x:%x:%x", (unsigned)(id >> 48) & 0xffff, (unsigned)(id >> 32) & 0xffff,
             (unsigned)(id >> 16) & 0xffff, (unsigned)id & 0xffff);
}

static const char *ip4_str(uint32_t host, char *buf, size_t cap)
{
    struct in_addr a = {htonl(host)};
    return inet_ntop(AF_INET, &a, buf, (socklen_t)cap);
}

void l2tpxd_sess_json(struct l2tpxd_sess *s, struct json_object *o)
{
    struct ppp_link_info info;
    ppp_link_get_info(s->link, &info);
    char b[64];
    if (s->user[0])
        add_str(o, "user", s->user);
    add_str(o, "role", role_str(s));
    add_str(o, "section", section_name(s));
    /* ppp_link_phase_name() capitalises ("Network"); the contract is lower case. */
    char ph[24];
    snprintf(ph, sizeof ph, "%s", ppp_link_phase_name(info.phase));
    for (char *c = ph; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    add_str(o, "ppp_phase", ph);
    enum ppp_auth_method m = s->role == PPP_LINK_AUTHENTICATOR ? info.auth_peer : info.auth_self;
    add_str(o, "auth", auth_str(m != PPP_AUTH_NONE ? m : s->auth_method));
    if (s->tun)
        add_str(o, "interface", l2tpxd_dp_tun_name(s->tun));
    if (info.net.ipv4_up) {
        add_str(o, "ipv4_local", ip4_str(info.net.local_ip, b, sizeof b));
        add_str(o, "ipv4_peer", ip4_str(info.net.peer_ip, b, sizeof b));
    }
    if (info.net.ipv6_up) {
        ifid_str(info.net.local_ifid, b, sizeof b);
        add_str(o, "ipv6_local_ifid", b);
        ifid_str(info.net.peer_ifid, b, sizeof b);
        add_str(o, "ipv6_peer_ifid", b);
        l2tpxd_nd6_json(s, o);
        if (s->role == PPP_LINK_AUTHENTICATOR)
            l2tpxd_dhcp6_json(s, o);
    }
    struct json_object *dns = json_object_new_array();
    for (int i = 0; i < 2; i++)
        if (info.net.dns[i])
            json_object_array_add(dns,
                                  json_object_new_string(ip4_str(info.net.dns[i], b, sizeof b)));
    json_object_object_add(o, "dns", dns);
    add_u64(o, "ip_rx_pkts", s->dest.from_user_pkts);
    add_u64(o, "ip_rx_bytes", s->dest.from_user_bytes);
    add_u64(o, "ip_tx_pkts", s->dest.to_user_pkts);
    add_u64(o, "ip_tx_bytes", s->dest.to_user_bytes);
    add_u64(o, "ip_dropped", s->dest.from_user_dropped + s->dest.to_user_dropped);
    lx_ms_t now = lx_ev_update_now(s->d->ev);
    add_u64(o, "ppp_uptime_s", s->net_up_ms ? (now - s->net_up_ms) / 1000u : 0);
    if (s->idle_timeout_s)
        add_u64(o, "idle_timeout_s", s->idle_timeout_s);
    if (s->session_timeout_s)
        add_u64(o, "session_timeout_s", s->session_timeout_s);
    add_u64(o, "mru", info.mru);
    add_u64(o, "peer_mru", info.peer_mru);
    struct ppp_link_stats st;
    ppp_link_get_stats(s->link, &st);
    add_u64(o, "ppp_rx_frames", st.rx_frames);
    add_u64(o, "ppp_tx_frames", st.tx_frames);
    add_u64(o, "lcp_echo_req_tx", st.echo_req_tx);
    add_u64(o, "lcp_echo_rep_rx", st.echo_rep_rx);
}
