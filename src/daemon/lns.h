/* The LNS side of PPP in l2tpxd: one struct l2tpxd_lns per [lns] section.
 *
 *  - authentication: the section's AAA backend (pppd-style chap-secrets /
 *    pap-secrets, src/aaa/secrets.h), asynchronous (aaa_submit ->
 *    aaa_poll from the event loop -> verdict);
 *  - addresses (RFC 1332 §3.3): the section's pools in the daemon-wide
 *    pool set (pools never overlap, `local ip` reserved), a static address
 *    from the verdict (secrets file) claimed set-wide;
 *  - the data plane: every LNS session shares ONE TUN device; when IPCP /
 *    IPv6CP opens, the peer's /32 (and IPv6 link-local /128) is registered
 *    with the data plane (address hash + route through the TUN), and
 *    removed when it closes; with `ipv6 prefix`, the session's own /64 is
 *    registered too and advertised to the user (nd6sess.c). */
#ifndef L2TPX_DAEMON_LNS_H
#define L2TPX_DAEMON_LNS_H

#include <stdbool.h>
#include <stdint.h>

#include "aaa/aaa.h"
#include "daemon/daemon.h"
#include "ppp/link.h"

#define L2TPXD_LNS_MAX_POOLS 4
#define L2TPXD_DEFAULT_TUN   "l2tpx0"

struct l2tpxd_sess;
struct aaa_pool;

struct l2tpxd_lns {
    enum l2tpxd_owner_kind kind; /* L2TPXD_OWNER_LNS; first (tunnel user pointer) */
    struct l2tpxd *d;
    const struct cfg_section *sec;
    bool usable;              /* PPP settings resolved */
    struct ppp_link_cfg lcfg; /* authenticator: no secret of ours inside */
    struct cfg_ppp_resolved res;
    struct aaa_backend *aaa; /* NULL: no secrets configured */
    struct lx_timer aaa_timer;
    struct aaa_pool *pools[L2TPXD_LNS_MAX_POOLS];
    unsigned n_pools;
    struct aaa_pool *local_pool; /* `local ip range`: our end of each session */
    struct aaa_pool *pool6;      /* `ipv6 prefix`: one /64 per session (RA) */
    struct aaa_pool *pd_pool;    /* `ipv6 pd prefix`: delegated by DHCPv6 */
    uint64_t sessions;           /* started on this section */
};

/* Resolves every [lns] section, creates backends and pools, and opens the
 * shared TUN if there is any [lns]. 0, or -1 (logged: start-up fails). */
int l2tpxd_lns_setup(struct l2tpxd *d);
/* SIGHUP: re-reads every section's secrets files. */
void l2tpxd_lns_reload(struct l2tpxd *d);
/* Frees backends, pools and the shared TUN (after the sessions went). */
void l2tpxd_lns_teardown(struct l2tpxd *d);
/* The [lns] state for a tunnel from peer (cfg_select_lns), or NULL. */
struct l2tpxd_lns *l2tpxd_lns_for_peer(struct l2tpxd *d, const struct l2tp_addr *peer);

/* An LNS call is established: runs PPP as the authenticator on it. NULL if
 * it cannot (logged; the caller sends the CDN). */
struct l2tpxd_sess *l2tpxd_lns_session_up(struct l2tpxd_lns *l, struct l2tp_session *ls);

/* From the session glue (sess.c): */
/* PPP_LINK_EV_AUTH_VERIFY. Submits to AAA; the answer comes later through
 * l2tpxd_sess_auth_verdict(). Returns -1 if nothing was submitted (the
 * caller rejects at once; reason in why). */
int l2tpxd_lns_verify(struct l2tpxd_sess *s, const struct ppp_auth_request *req, char *why,
                      size_t whylen);
void l2tpxd_lns_cancel(struct l2tpxd_sess *s);
/* PPP_LINK_EV_NET_UP / NET_DOWN (proto IPCP or IPv6CP). net_up returns -1
 * with a reason when the session cannot be served (address taken). */
int l2tpxd_lns_net_up(struct l2tpxd_sess *s, uint16_t proto, const struct ppp_link_net *n,
                      char *why, size_t whylen);
void l2tpxd_lns_net_down(struct l2tpxd_sess *s, uint16_t proto);
/* Routes, data-plane entries and the address: everything goes. */
void l2tpxd_lns_release(struct l2tpxd_sess *s);

#endif
