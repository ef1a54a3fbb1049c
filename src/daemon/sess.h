/* One PPP session glued to one L2TP session (RFC 2661 §2: the L2TP session
 * carries the PPP frames of one call).
 *
 *   L2TP data message in -> l2tpxd_sess_data() -> ppp_link_input()
 *   PPP frame out        -> l2tp_session_send_data()
 *   PPP IPv4/IPv6 in     -> l2tpxd_dp_to_tun() (the data plane)
 *   TUN -> user          -> the data plane, by the embedded dest
 *
 * Both roles: the LNS authenticates the peer and hands out addresses
 * (lns.c), the LAC client authenticates itself and owns a TUN
 * (lacclient.c). One lx_timer per session follows ppp_link_next_timeout()
 * and the idle / session time limits.
 *
 * Teardown has one path: the L2TP session goes (CDN either way, tunnel
 * down, shutdown) -> SESSION_DOWN -> l2tpxd_sess_lower_down() -> PPP Dead,
 * routes and addresses released, freed. A PPP link that dies by itself
 * asks for the CDN (l2tpxd_sess_close()), which comes back the same way. */
#ifndef L2TPX_DAEMON_SESS_H
#define L2TPX_DAEMON_SESS_H

#include <stdbool.h>
#include <stdint.h>

#include "aaa/aaa.h"
#include "daemon/daemon.h"
#include "daemon/dataplane.h"
#include "ppp/link.h"

struct json_object;
struct aaa_pool;

struct l2tpxd_sess {
    struct l2tpxd *d;
    struct l2tpxd_sess *next, *prev;
    struct l2tp_session *ls; /* NULL once the L2TP session is gone */
    uint16_t tid, sid;       /* our IDs, for logs */
    enum ppp_link_role role;
    struct l2tpxd_lns *lns;   /* PPP_LINK_AUTHENTICATOR */
    struct l2tpxd_lacc *lacc; /* PPP_LINK_PEER */
    struct ppp_link *link;
    struct lx_timer timer;
    struct l2tpxd_dp_dest dest;
    struct l2tpxd_tun *tun; /* where its packets go: the shared LNS TUN or its own */
    uint16_t link_mru;      /* our MRU (PPP payload that fits the outer path) */

    /* LNS: authentication and the address held for the peer. */
    aaa_handle_t aaa;
    struct aaa_pool *pool;  /* pool_ip came from this pool */
    uint32_t pool_ip;       /* host order; 0 = none */
    uint32_t claimed_ip;    /* static address claimed set-wide; 0 = none */
    uint32_t local_pool_ip; /* our end, from `local ip range`; 0 = none */
    bool local_addr_added;  /* local_pool_ip is on the shared TUN */
    bool route4, route6;    /* registered with the data plane */
    uint32_t route4_ip;     /* host order */
    uint8_t route6_addr[16];

    /* IPv6 beyond link-local (nd6sess.c). LNS: the /64 handed out by
     * router advertisement; LAC client: router solicitations until the
     * LNS's advertisement came. One deadline on the session timer. */
    struct aaa_pool *pool6;    /* prefix6 came from this pool */
    uint8_t prefix6[16];       /* the peer's /64 (LNS) */
    bool has_prefix6, route6p; /* allocated / registered with the data plane */
    uint64_t ifid6_local;      /* our IPv6CP interface identifier */
    lx_ms_t nd6_deadline;      /* next RA (LNS) or RS (LAC); LX_MS_NEVER = none */
    lx_ms_t ra_answer_ms;      /* last solicited RA (rate limit) */
    unsigned nd6_left;         /* initial RAs / RS retransmissions to go */
    uint64_t ra_tx, ra_rx, rs_tx, rs_rx, nd6_dropped;
    /* DHCPv6 server (dhcp6sess.c, LNS): the prefix delegated to this
     * session (RFC 8415 IA_PD), bound to the client's DUID. */
    struct aaa_pool *pd_pool;
    uint8_t pd_prefix[16];
    uint8_t pd_plen;
    bool has_pd, pd_routed;
    uint8_t pd_duid[130];
    size_t pd_duid_len;
    lx_ms_t dhcp6_window_ms; /* rate limit: start of the current second */
    unsigned dhcp6_in_window;
    uint64_t dhcp6_rx, dhcp6_tx, dhcp6_dropped;

    char user[PPP_AUTH_NAME_MAX + 1]; /* authenticated name ("" before) */
    enum ppp_auth_method auth_method;

    /* Life (pppd idle / maxconnect, RADIUS Session-/Idle-Timeout). */
    lx_ms_t created_ms, net_up_ms;
    uint32_t idle_timeout_s, session_timeout_s;
    lx_ms_t idle_deadline, session_deadline; /* LX_MS_NEVER = none */
    uint64_t idle_mark;                      /* packets seen at the last check */
    lx_ms_t idle_last_ms;                    /* when activity was last seen */
    uint16_t mss_cfg;                        /* cfg_ppp_resolved.mss_clamp */

    /* Teardown requested by PPP (done from the timer, outside callbacks). */
    bool closing;
    uint16_t cdn_result, cdn_error;
    char cdn_msg[96];
    struct l2tp_cdn_cause cdn_cause; /* RFC 3145 AVP 46 in our CDN (set = sent) */
    bool failure_logged;
};

/* Creates the PPP session for an established L2TP session and opens the
 * link (RFC 1661 §3.2: lower layer up). NULL on error (logged; the caller
 * closes the L2TP session). The session's user pointer is set. */
struct l2tpxd_sess *l2tpxd_sess_new(struct l2tpxd *d, struct l2tp_session *ls,
                                    const struct ppp_link_cfg *lcfg,
                                    const struct cfg_ppp_resolved *res, struct l2tpxd_lns *lns,
                                    struct l2tpxd_lacc *lacc);
/* A data message's payload (one PPP frame). */
void l2tpxd_sess_data(struct l2tpxd_sess *s, const uint8_t *frame, size_t len);
/* The L2TP session is gone (SESSION_DOWN): PPP lower down, cleanup, free.
 * result/error/msg describe why (for the log). */
void l2tpxd_sess_lower_down(struct l2tpxd_sess *s, bool local, uint16_t result, uint16_t error,
                            const char *msg);
/* The peer's RFC 3145 cause from its CDN, as text for the log ("" = none):
 * "PPP cause 8 (LCP Echo-Request timeout), protocol 0xc021, at peer: msg". */
void l2tpxd_cause_str(const struct l2tp_event *ev, char *buf, size_t cap);
/* Asks for the session to end with a CDN of this Result/Error Code
 * (RFC 2661 §4.4.2); done from the session's timer, never re-entrantly. */
void l2tpxd_sess_close(struct l2tpxd_sess *s, uint16_t result, uint16_t error, const char *msg);
/* Shutdown: LCP Terminate-Request (RFC 1661 §5.5) without waiting for it. */
void l2tpxd_sess_terminate(struct l2tpxd_sess *s, const char *reason);
/* Sends one IPv6 packet to the peer inside a PPP frame (protocol 0x0057
 * with the framing the peer accepted); -1 if IPv6CP is not up. */
int l2tpxd_sess_send_ip6(struct l2tpxd_sess *s, const uint8_t *pkt, size_t len);
/* Re-arms the session timer after a deadline changed. */
void l2tpxd_sess_rearm(struct l2tpxd_sess *s);

/* IPv6 Neighbor Discovery on the session (nd6sess.c). */
/* An RS or RA from the peer (net_nd6_classify said so): the LNS answers
 * solicitations, the LAC client applies advertisements; anything else is
 * dropped (a user's RA never reaches the shared TUN). */
void l2tpxd_nd6_input(struct l2tpxd_sess *s, const uint8_t *pkt, size_t len);
/* IPv6CP opened / closed (after lns/lacc net_up). */
void l2tpxd_nd6_net_up(struct l2tpxd_sess *s, uint64_t local_ifid);
void l2tpxd_nd6_net_down(struct l2tpxd_sess *s);
/* s->nd6_deadline passed. */
void l2tpxd_nd6_timer(struct l2tpxd_sess *s, lx_ms_t now);
/* DHCPv6 (dhcp6sess.c, LNS): a client message from the user
 * (net_dhcp6_is_to_server said so); the delegated prefix goes with IPv6CP. */
void l2tpxd_dhcp6_input(struct l2tpxd_sess *s, const uint8_t *pkt, size_t len);
void l2tpxd_dhcp6_release(struct l2tpxd_sess *s);
void l2tpxd_dhcp6_json(struct l2tpxd_sess *s, struct json_object *o);
/* l2tpxctl fields: "ipv6_prefix", "ipv6_address" (LAC), RA/RS counters. */
void l2tpxd_nd6_json(struct l2tpxd_sess *s, struct json_object *o);

/* The AAA answer (lns.c calls this once per submitted request). */
void l2tpxd_sess_auth_verdict(struct l2tpxd_sess *s, const struct ppp_auth_verdict *v);
/* Counts data-plane activity as seen by the idle timer. */
uint64_t l2tpxd_sess_activity(const struct l2tpxd_sess *s);
/* The ctl add_session hook fields (see ctl_server.h). */
void l2tpxd_sess_json(struct l2tpxd_sess *s, struct json_object *obj);

#endif
