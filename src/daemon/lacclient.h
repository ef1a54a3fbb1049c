/* The LAC client (client-initiated mode): one struct l2tpxd_lacc per
 * [lac NAME] section. It opens the tunnel to the LNS (SCCRQ), places the
 * call (ICRQ, RFC 2661 §5.1), runs PPP on it as the PEER with the section's
 * credentials, and once IPCP / IPv6CP is up creates its own TUN with the
 * addresses it was given and the routes it was told to add (a default
 * route optionally). On any failure (tunnel, call, PPP) everything is torn
 * down and the dial is retried with back-off, so the client comes back by
 * itself when the LNS restarts (the dead tunnel is noticed by Hello
 * timeout, StopCCN or LCP echo failures). */
#ifndef L2TPX_DAEMON_LACCLIENT_H
#define L2TPX_DAEMON_LACCLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/daemon.h"
#include "ppp/link.h"

struct l2tpxd_sess;

struct l2tpxd_lacc {
    enum l2tpxd_owner_kind kind; /* L2TPXD_OWNER_LACC; first (tunnel user pointer) */
    struct l2tpxd *d;
    const struct cfg_section *sec;
    bool usable;              /* PPP settings resolved */
    bool redial;              /* `redial`, default yes for a PPP client */
    struct ppp_link_cfg lcfg; /* peer role: holds our password, never logged */
    struct cfg_ppp_resolved res;
    struct l2tp_tunnel *tunnel;
    struct l2tp_session *call; /* placed, not yet established */
    struct l2tpxd_sess *sess;
    struct l2tpxd_tun *tun; /* our own TUN while an NCP is up */
    bool v6_addr_added, v4_addr_added;
    uint32_t routes_added; /* bit i: res.routes[i] is installed */
    bool default_added;
    /* IPv6 from the LNS's router advertisement (RFC 4862 §5.5.3): our
     * address in the advertised /64, ::/0 (`defaultroute6`), the RDNSS. */
    uint8_t v6_global[16];
    bool v6_global_added, default6_added;
    uint8_t ra_dns[3][16];
    unsigned n_ra_dns;
    bool close_tunnel;     /* the call ended: StopCCN from the timer */
    unsigned redials;      /* since the session was last up */
    struct lx_timer timer; /* redial, deferred tunnel close */
};

/* Resolves every [lac] section. 0, or -1 (logged). */
int l2tpxd_lacc_setup(struct l2tpxd *d);
/* Dials every autodial section. */
void l2tpxd_lacc_start(struct l2tpxd *d);
/* SIGTERM: no more dialing. */
void l2tpxd_lacc_stop(struct l2tpxd *d);
void l2tpxd_lacc_teardown(struct l2tpxd *d);

/* Engine events on the section's tunnel / call. */
void l2tpxd_lacc_tunnel_up(struct l2tpxd_lacc *c, struct l2tp_tunnel *t);
void l2tpxd_lacc_tunnel_down(struct l2tpxd_lacc *c, struct l2tp_tunnel *t);
/* The call is established: PPP starts. NULL if it cannot (logged). */
struct l2tpxd_sess *l2tpxd_lacc_session_up(struct l2tpxd_lacc *c, struct l2tp_session *ls);
/* The call went (SESSION_DOWN; s may be NULL if PPP never started). */
void l2tpxd_lacc_session_down(struct l2tpxd_lacc *c, struct l2tp_session *ls);

/* From the session glue (sess.c). */
int l2tpxd_lacc_net_up(struct l2tpxd_sess *s, uint16_t proto, const struct ppp_link_net *n,
                       char *why, size_t whylen);
void l2tpxd_lacc_net_down(struct l2tpxd_sess *s, uint16_t proto);
/* The session goes: routes, addresses and the TUN are removed. */
void l2tpxd_lacc_release(struct l2tpxd_sess *s);

struct net_nd6_ra;
struct json_object;
/* A valid router advertisement from the LNS (nd6sess.c): SLAAC address
 * from the first autonomous /64, default route per `defaultroute6`. */
void l2tpxd_lacc_ra(struct l2tpxd_sess *s, const struct net_nd6_ra *ra, const uint8_t router[16]);
/* IPv6CP closed: the global address and ::/0 go. */
void l2tpxd_lacc_nd6_down(struct l2tpxd_sess *s);
void l2tpxd_lacc_nd6_json(const struct l2tpxd_lacc *c, struct json_object *o);

#endif
