/* l2tpxd's glue: the engine (sans-I/O) driven by the event loop, the UDP
 * sockets, its single timer, the data plane, the PPP sessions (sess.c) of
 * both roles (LNS: lns.c; LAC client: lacclient.c) and the control socket. */
#ifndef L2TPX_DAEMON_DAEMON_H
#define L2TPX_DAEMON_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/config.h"
#include "lib/evloop.h"
#include "net/udp.h"

struct l2tpxd_opts {
    const char *control_path; /* NULL: CTL_DEFAULT_PATH */
    const char *pidfile;      /* NULL: none */
};

/* How long SIGTERM waits for the peers to acknowledge StopCCN. */
#define L2TPXD_STOP_GRACE_MS 5000

/* Runs the daemon until SIGTERM/SIGINT (and the StopCCN exchange that
 * follows). Returns the process exit status. */
int l2tpxd_run(const struct cfg *cfg, const struct l2tpxd_opts *opts);

/* ---- Internals shared by daemon.c, sess.c, lns.c and lacclient.c ---- */

struct ctl_server;
struct l2tpxd_dp;
struct l2tpxd_tun;
struct l2tpxd_sess;
struct l2tpxd_lns;
struct l2tpxd_lacc;
struct net_nl;

/* What a tunnel's user pointer (l2tp_tunnel_set_user) points at: the
 * first member of struct l2tpxd_lns and struct l2tpxd_lacc. */
enum l2tpxd_owner_kind {
    L2TPXD_OWNER_LNS = 1,
    L2TPXD_OWNER_LACC = 2,
};

struct l2tpxd;

struct l2tpxd_sock {
    struct l2tpxd *d;
    struct net_udp_sock s;
};

/* The established tunnels' connected UDP sockets (daemon.c). */
struct l2tpxd_ctab;

struct l2tpxd {
    const struct cfg *cfg;
    const struct l2tpxd_opts *opts;
    struct lx_ev *ev;
    struct l2tp_engine *eng;
    struct l2tpxd_sock socks[CFG_MAX_LISTEN];
    unsigned n_socks;
    struct l2tpxd_ctab *ctab; /* NULL: connected sockets not in use */
    struct net_udp_batch *batch;
    struct lx_timer eng_timer, stop_timer;
    struct ctl_server *ctl;
    struct l2tpxd_dp *dp;
    struct net_nl *nl;      /* extra addresses on LAC-client TUNs (lazy) */
    struct l2tpxd_lns *lns; /* one per [lns] section */
    unsigned n_lns;
    struct l2tpxd_tun *lns_tun; /* the one TUN every LNS session shares */
    uint64_t lns_ifid;          /* its IPv6 interface identifier, used by every LNS session */
    uint8_t dhcp6_duid[18];     /* DHCPv6 server DUID-UUID (RFC 8415 §11.5), random per start */
    struct aaa_pool_set *pools; /* every [lns] section's pools (never overlap) */
    struct l2tpxd_lacc *laccs;  /* one per [lac] section */
    unsigned n_laccs;
    struct l2tpxd_sess *sessions; /* every PPP session (doubly linked) */
    unsigned n_sessions;
    bool stopping;
    uint32_t call_serial;
    uint64_t tx_no_socket, data_dropped;
    uint64_t sess_started, sess_closed, auth_ok, auth_failed, addr_exhausted;
    lx_ms_t started_ms;
};

/* Re-arms the engine timer after any engine call made outside the engine's
 * own callbacks (and checks whether a shutdown is complete). */
void l2tpxd_rearm(struct l2tpxd *d);
struct l2tpxd_sock *l2tpxd_pick_sock(struct l2tpxd *d, const struct l2tp_addr *local, int family);
/* The daemon's rtnetlink socket, opened on first use; NULL on error. */
struct net_nl *l2tpxd_netlink(struct l2tpxd *d);

#endif
