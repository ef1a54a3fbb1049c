#include "daemon/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aaa/pool.h"
#include "ctl/ctl_server.h"
#include "daemon/dataplane.h"
#include "daemon/lacclient.h"
#include "daemon/lns.h"
#include "daemon/sess.h"
#include "lib/evloop.h"
#include "lib/log.h"
#include "lib/rand.h"
#include "net/netlink.h"
#include "net/udp.h"

#define RX_BATCHES_PER_WAKEUP 8 /* then let the other sockets and timers run */
#define RX_BUF_SIZE           65536

static const char *astr(const struct l2tp_addr *a, char *buf, size_t cap)
{
    return net_addr_fmt(a, buf, cap);
}

/* ---- engine -> network ---- */

struct l2tpxd_sock *l2tpxd_pick_sock(struct l2tpxd *d, const struct l2tp_addr *local, int family)
{
    struct l2tpxd_sock *wild = NULL;
    for (unsigned i = 0; i < d->n_socks; i++) {
        struct l2tpxd_sock *s = &d->socks[i];
        if (s->s.family != family)
            continue;
        if (local && !s->s.wildcard && net_addr_same_ip(&s->s.bound, local))
            return s;
        if (s->s.wildcard && wild == NULL)
            wild = s;
    }
    if (wild)
        return wild;
    /* No exact or wildcard match: any socket of the family will do. */
    for (unsigned i = 0; i < d->n_socks; i++)
        if (d->socks[i].s.family == family)
            return &d->socks[i];
    return NULL;
}

static void eng_send(void *user, const struct l2tp_addr *local, const struct l2tp_addr *peer,
                     const uint8_t *pkt, size_t len)
{
    struct l2tpxd *d = user;
    struct l2tpxd_sock *s = l2tpxd_pick_sock(d, local, peer->sa.sa_family);
    if (s == NULL) {
        d->tx_no_socket++;
        char pb[64];
        LX_LOG_RL(LX_LOG_WARN, "no %s socket to send to %s",
                  peer->sa.sa_family == AF_INET ? "IPv4" : "IPv6", astr(peer, pb, sizeof pb));
        return;
    }
    int rc = net_udp_send(&s->s, local, peer, pkt, len);
    if (rc < 0) {
        char pb[64];
        LX_LOG_RL(LX_LOG_WARN, "send to %s: %s", astr(peer, pb, sizeof pb), strerror(-rc));
    }
}

/* ---- connected sockets, one per established tunnel ----
 *
 * The data plane's TUN -> UDP direction sends on a socket connected to the
 * tunnel's peer: no destination address and no IP_PKTINFO per datagram,
 * and the kernel keeps the route (docs/BENCHMARKS.md: the route lookup per
 * datagram was ~0.24 us of ~4 us per packet on the listening socket). The
 * kernel then delivers that peer's datagrams (exact 4-tuple) to the
 * connected socket, so it is read like the listening ones (sock_readable:
 * recvmmsg batch -> l2tp_engine_input with each datagram's own addresses).
 * Control messages keep leaving from the listening sockets (eng_send).
 *
 * Tunnels with the same 4-tuple share one socket (refs). Which tunnels
 * hold a reference: one bit per tunnel local id, so TUNNEL_DOWN of a
 * tunnel whose socket could not be opened releases nothing. A released
 * socket is not closed inside the engine callback (the receive loop may
 * be reading it right then) but by a timer, after its queue is drained. */
#define CSOCK_BUCKETS 1024 /* power of two */
#define CSOCK_RESERVE 256  /* fds (RLIMIT_NOFILE) left for everything else */

struct l2tpxd_csock {
    struct l2tpxd_sock base;   /* first: sock_readable's argument */
    struct l2tpxd_csock *next; /* hash chain, then the reap list */
    struct l2tp_addr local, peer;
    unsigned refs; /* tunnels sending on it */
};

struct l2tpxd_ctab {
    struct l2tpxd_csock *b[CSOCK_BUCKETS];
    uint64_t held[65536 / 64]; /* tunnel local ids holding a reference */
    struct l2tpxd_csock *reap; /* released: drain, close, free */
    struct lx_timer reap_timer;
    uint32_t seed;
    unsigned open, max;
    uint64_t opened, failed;
    struct net_udp_stats closed_st; /* of the sockets closed so far */
};

static void sock_readable(void *arg, int fd, unsigned events);

static bool addr_key_eq(const struct l2tp_addr *a, const struct l2tp_addr *b)
{
    if (a->sa.sa_family != b->sa.sa_family)
        return false;
    if (a->sa.sa_family == AF_INET)
        return a->in4.sin_port == b->in4.sin_port &&
               a->in4.sin_addr.s_addr == b->in4.sin_addr.s_addr;
    return a->in6.sin6_port == b->in6.sin6_port && a->in6.sin6_scope_id == b->in6.sin6_scope_id &&
           memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, sizeof a->in6.sin6_addr) == 0;
}

static uint32_t mix32(uint32_t h, uint32_t v)
{
    h ^= v;
    h *= 0x9e3779b1u;
    return h ^ (h >> 15);
}

/* Seeded: peers choose their addresses and ports. */
static unsigned csock_bucket(const struct l2tpxd_ctab *t, const struct l2tp_addr *local,
                             const struct l2tp_addr *peer)
{
    uint32_t h = t->seed, w[4];
    if (peer->sa.sa_family == AF_INET) {
        h = mix32(h, peer->in4.sin_addr.s_addr);
        h = mix32(h, (uint32_t)peer->in4.sin_port << 16 ^ local->in4.sin_port);
        h = mix32(h, local->in4.sin_addr.s_addr);
    } else {
        memcpy(w, &peer->in6.sin6_addr, sizeof w);
        for (int i = 0; i < 4; i++)
            h = mix32(h, w[i]);
        h = mix32(h, (uint32_t)peer->in6.sin6_port << 16 ^ local->in6.sin6_port);
        memcpy(w, &local->in6.sin6_addr, sizeof w);
        h = mix32(h, w[2] ^ w[3]);
    }
    return h & (CSOCK_BUCKETS - 1);
}

static struct l2tpxd_csock *csock_find(const struct l2tpxd_ctab *t, const struct l2tp_addr *local,
                                       const struct l2tp_addr *peer)
{
    for (struct l2tpxd_csock *c = t->b[csock_bucket(t, local, peer)]; c; c = c->next)
        if (addr_key_eq(&c->peer, peer) && addr_key_eq(&c->local, local))
            return c;
    return NULL;
}

static bool csock_held(const struct l2tpxd_ctab *t, uint16_t id)
{
    return (t->held[id / 64] >> (id % 64)) & 1u;
}

static void csock_set_held(struct l2tpxd_ctab *t, uint16_t id, bool on)
{
    if (on)
        t->held[id / 64] |= (uint64_t)1 << (id % 64);
    else
        t->held[id / 64] &= ~((uint64_t)1 << (id % 64));
}

static void csock_close(struct l2tpxd *d, struct l2tpxd_csock *c)
{
    struct l2tpxd_ctab *t = d->ctab;
    const struct net_udp_stats *s = &c->base.s.st;
    t->closed_st.rx_pkts += s->rx_pkts;
    t->closed_st.rx_bytes += s->rx_bytes;
    t->closed_st.rx_errors += s->rx_errors;
    t->closed_st.rx_truncated += s->rx_truncated;
    t->closed_st.rx_icmp += s->rx_icmp;
    t->closed_st.tx_pkts += s->tx_pkts;
    t->closed_st.tx_bytes += s->tx_bytes;
    t->closed_st.tx_errors += s->tx_errors;
    lx_ev_del_fd(d->ev, c->base.s.fd);
    net_udp_close(&c->base.s);
    t->open--;
    free(c);
}

/* Drains the released sockets into the engine (a peer's last
 * acknowledgements may be queued there; from now on the kernel hands
 * them to the listening socket) and closes them. */
static void csock_reap(void *arg, struct lx_timer *tm)
{
    struct l2tpxd *d = arg;
    struct l2tpxd_ctab *t = d->ctab;
    struct l2tpxd_csock *list = t->reap;
    t->reap = NULL;
    while (list) {
        struct l2tpxd_csock *c = list;
        list = c->next;
        sock_readable(&c->base, c->base.s.fd, LX_EV_READ);
        csock_close(d, c);
    }
    l2tpxd_rearm(d);
    (void)tm;
}

static void csock_tunnel_up(struct l2tpxd *d, const struct l2tp_tunnel_info *ti)
{
    struct l2tpxd_ctab *t = d->ctab;
    char lb[64], pb[64];
    if (t == NULL || csock_held(t, ti->local_id))
        return;
    /* A tunnel whose local address is unknown (wildcard) keeps the
     * listening socket and its per-datagram source address. */
    if (net_addr_is_any(&ti->local) || net_addr_port(&ti->local) == 0)
        return;
    struct l2tpxd_csock *c = csock_find(t, &ti->local, &ti->peer);
    if (c) {
        c->refs++;
        csock_set_held(t, ti->local_id, true);
        return;
    }
    if (t->open >= t->max) {
        t->failed++;
        LX_LOG_RL(LX_LOG_WARN,
                  "tunnel %u: %u connected sockets open (the limit for RLIMIT_NOFILE): "
                  "its data goes through the listening socket",
                  ti->local_id, t->open);
        return;
    }
    c = calloc(1, sizeof *c);
    if (c == NULL) {
        t->failed++;
        return;
    }
    c->base.d = d;
    c->local = ti->local;
    c->peer = ti->peer;
    int rc = net_udp_open_connected(&c->base.s, &ti->local, &ti->peer);
    if (rc == 0) {
        rc = lx_ev_add_fd(d->ev, c->base.s.fd, LX_EV_READ, sock_readable, &c->base);
        if (rc < 0)
            net_udp_close(&c->base.s);
    }
    if (rc < 0) {
        t->failed++;
        LX_LOG_RL(LX_LOG_WARN,
                  "tunnel %u: no connected socket %s -> %s (%s): its data goes through the "
                  "listening socket",
                  ti->local_id, astr(&ti->local, lb, sizeof lb), astr(&ti->peer, pb, sizeof pb),
                  strerror(-rc));
        free(c);
        return;
    }
    c->refs = 1;
    unsigned b = csock_bucket(t, &c->local, &c->peer);
    c->next = t->b[b];
    t->b[b] = c;
    t->open++;
    t->opened++;
    csock_set_held(t, ti->local_id, true);
    lx_debug("tunnel %u: connected socket %s -> %s", ti->local_id, astr(&ti->local, lb, sizeof lb),
             astr(&ti->peer, pb, sizeof pb));
}

static void csock_tunnel_down(struct l2tpxd *d, const struct l2tp_tunnel_info *ti)
{
    struct l2tpxd_ctab *t = d->ctab;
    if (t == NULL || !csock_held(t, ti->local_id))
        return;
    csock_set_held(t, ti->local_id, false);
    unsigned b = csock_bucket(t, &ti->local, &ti->peer);
    struct l2tpxd_csock **pp = &t->b[b];
    while (*pp && !(addr_key_eq(&(*pp)->peer, &ti->peer) && addr_key_eq(&(*pp)->local, &ti->local)))
        pp = &(*pp)->next;
    struct l2tpxd_csock *c = *pp;
    if (c == NULL || --c->refs > 0)
        return;
    /* Out of the table at once (the data plane no longer finds it); the
     * fd goes later, outside the engine's callbacks. */
    *pp = c->next;
    c->next = t->reap;
    t->reap = c;
    lx_ev_timer_set(d->ev, &t->reap_timer, lx_ev_now(d->ev));
}

static int csock_setup(struct l2tpxd *d)
{
    struct l2tpxd_ctab *t = calloc(1, sizeof *t);
    if (t == NULL)
        return -ENOMEM;
    lx_random_bytes(&t->seed, sizeof t->seed);
    lx_timer_init(&t->reap_timer, csock_reap, d);
    /* One fd per tunnel: leave room for TUNs, control connections and
     * the listening sockets; past the limit tunnels use the listening
     * socket (slower, never refused). */
    struct rlimit rl;
    rlim_t lim = 1024;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        lim = rl.rlim_cur;
    if (lim == RLIM_INFINITY || lim > 65536 + CSOCK_RESERVE)
        lim = 65536 + CSOCK_RESERVE;
    t->max = lim > 2 * CSOCK_RESERVE ? (unsigned)(lim - CSOCK_RESERVE) : (unsigned)lim / 2;
    d->ctab = t;
    return 0;
}

/* At exit, after the engine: every socket, drained or not. */
static void csock_teardown(struct l2tpxd *d)
{
    struct l2tpxd_ctab *t = d->ctab;
    if (t == NULL)
        return;
    lx_ev_timer_cancel(d->ev, &t->reap_timer);
    while (t->reap) {
        struct l2tpxd_csock *c = t->reap;
        t->reap = c->next;
        csock_close(d, c);
    }
    for (unsigned b = 0; b < CSOCK_BUCKETS; b++) {
        while (t->b[b]) {
            struct l2tpxd_csock *c = t->b[b];
            t->b[b] = c->next;
            csock_close(d, c);
        }
    }
    free(t);
    d->ctab = NULL;
}

/* ---- engine callbacks ---- */

struct peer_query {
    struct l2tp_addr peer;
    bool found;
};

static bool has_tunnel_from(void *arg, struct l2tp_tunnel *t)
{
    struct peer_query *q = arg;
    struct l2tp_tunnel_info ti;
    l2tp_tunnel_get_info(t, &ti);
    if (ti.state != L2TP_TUNNEL_CLOSING && ti.state != L2TP_TUNNEL_CLOSED &&
        net_addr_same_ip(&ti.peer, &q->peer)) {
        q->found = true;
        return false;
    }
    return true;
}

static const struct l2tp_tunnel_cfg *eng_accept_tunnel(void *user, const struct l2tp_addr *local,
                                                       const struct l2tp_addr *peer,
                                                       const char *peer_host_name)
{
    struct l2tpxd *d = user;
    char pb[64];
    if (d->stopping)
        return NULL;
    const struct cfg_section *sec = cfg_select_lns(d->cfg, peer);
    if (sec == NULL) {
        LX_LOG_RL(LX_LOG_NOTICE, "refusing tunnel from %s (%s): no [lns] section accepts it",
                  astr(peer, pb, sizeof pb), peer_host_name ? peer_host_name : "");
        return NULL;
    }
    if (sec->exclusive) {
        struct peer_query q = {*peer, false};
        l2tp_engine_foreach_tunnel(d->eng, has_tunnel_from, &q);
        if (q.found) {
            LX_LOG_RL(LX_LOG_NOTICE, "refusing tunnel from %s: [lns %s] is exclusive",
                      astr(peer, pb, sizeof pb), sec->name);
            return NULL;
        }
    }
    /* xl2tpd's auth file may hold a secret for this peer's host name. */
    const struct l2tp_tunnel_cfg *tc = cfg_tunnel_for_peer(sec, peer_host_name);
    lx_debug("tunnel request from %s (%s): [lns %s]%s", astr(peer, pb, sizeof pb),
             peer_host_name ? peer_host_name : "", sec->name,
             tc != &sec->tunnel ? ", secret for this host name" : "");
    return tc;
}

/* What a tunnel's user pointer is (see enum l2tpxd_owner_kind). */
static struct l2tpxd_lacc *tunnel_lacc(struct l2tp_tunnel *t)
{
    enum l2tpxd_owner_kind *k = t ? l2tp_tunnel_get_user(t) : NULL;
    return k && *k == L2TPXD_OWNER_LACC ? (struct l2tpxd_lacc *)k : NULL;
}

static struct l2tpxd_lns *tunnel_lns(struct l2tpxd *d, struct l2tp_tunnel *t)
{
    enum l2tpxd_owner_kind *k = t ? l2tp_tunnel_get_user(t) : NULL;
    if (k && *k == L2TPXD_OWNER_LNS)
        return (struct l2tpxd_lns *)k;
    if (k)
        return NULL;
    struct l2tp_tunnel_info ti;
    l2tp_tunnel_get_info(t, &ti);
    return l2tpxd_lns_for_peer(d, &ti.peer);
}

static bool eng_accept_session(void *user, struct l2tp_session *s, const struct l2tp_call_params *p)
{
    struct l2tpxd *d = user;
    if (d->stopping)
        return false;
    struct l2tp_session_info si;
    l2tp_session_get_info(s, &si);
    struct l2tp_tunnel *t = l2tp_session_tunnel(s);
    if (si.lac) {
        /* An outgoing call (OCRQ) asks us, the LAC, to dial a user: we
         * have no PPP users to dial (RFC 2661 §5.3). */
        LX_LOG_RL(LX_LOG_NOTICE, "tunnel %u: refusing an outgoing call: no dial-out here",
                  si.tunnel_local_id);
        return false;
    }
    if (tunnel_lacc(t)) {
        LX_LOG_RL(LX_LOG_NOTICE, "tunnel %u: refusing an incoming call on a [lac] tunnel",
                  si.tunnel_local_id);
        return false;
    }
    struct l2tpxd_lns *l = tunnel_lns(d, t);
    if (l == NULL || !l->usable) {
        LX_LOG_RL(LX_LOG_NOTICE, "tunnel %u: refusing a call: no usable [lns] section",
                  si.tunnel_local_id);
        return false;
    }
    return true;
}

static void eng_event(void *user, const struct l2tp_event *ev)
{
    struct l2tpxd *d = user;
    struct l2tp_tunnel_info ti;
    char pb[64];
    memset(&ti, 0, sizeof ti);
    if (ev->tunnel)
        l2tp_tunnel_get_info(ev->tunnel, &ti);
    struct l2tpxd_lacc *lacc = tunnel_lacc(ev->tunnel);
    switch (ev->type) {
    case L2TP_EV_TUNNEL_UP:
        lx_notice("tunnel %u (peer %u) with %s '%s' established%s", ti.local_id, ti.peer_id,
                  astr(&ti.peer, pb, sizeof pb), ti.peer_host_name,
                  ti.authenticated ? " (authenticated)" : "");
        csock_tunnel_up(d, &ti);
        if (lacc) {
            l2tpxd_lacc_tunnel_up(lacc, ev->tunnel);
        } else if (!ti.initiator && l2tp_tunnel_get_user(ev->tunnel) == NULL) {
            struct l2tpxd_lns *l = l2tpxd_lns_for_peer(d, &ti.peer);
            if (l)
                l2tp_tunnel_set_user(ev->tunnel, l);
        }
        break;
    case L2TP_EV_TUNNEL_DOWN:
        lx_notice("tunnel %u with %s closed by %s: result %u error %u%s%s", ti.local_id,
                  astr(&ti.peer, pb, sizeof pb), ev->local ? "us" : "peer", ev->result_code,
                  ev->error_code, ev->message[0] ? ": " : "", ev->message);
        if (ev->tunnel)
            csock_tunnel_down(d, &ti);
        if (lacc)
            l2tpxd_lacc_tunnel_down(lacc, ev->tunnel);
        else if (ev->tunnel)
            l2tp_tunnel_set_user(ev->tunnel, NULL);
        break;
    case L2TP_EV_SESSION_UP: {
        struct l2tp_session_info si;
        l2tp_session_get_info(ev->session, &si);
        lx_info("session %u/%u (peer %u) established: %s %s call%s", si.tunnel_local_id,
                si.local_id, si.peer_id, si.lac ? "LAC" : "LNS",
                si.incoming ? "incoming" : "outgoing", si.seq ? ", sequenced" : "");
        struct l2tpxd_sess *s = NULL;
        if (lacc) {
            s = l2tpxd_lacc_session_up(lacc, ev->session);
        } else if (!si.lac) {
            struct l2tpxd_lns *l = tunnel_lns(d, ev->tunnel);
            if (l)
                s = l2tpxd_lns_session_up(l, ev->session);
        }
        if (s == NULL && !d->stopping) {
            /* No PPP for this call: hang it up (RFC 2661 §4.4.2 Result
             * Code 4, temporary lack of facilities). */
            lx_warn("session %u/%u: cannot run PPP on it; disconnecting", si.tunnel_local_id,
                    si.local_id);
            l2tp_session_close(d->eng, lx_ev_now(d->ev), ev->session, L2TP_CDN_NO_FACILITIES_TEMP,
                               L2TP_ERR_NO_RESOURCES, "cannot start PPP");
        }
        break;
    }
    case L2TP_EV_SESSION_DOWN: {
        struct l2tp_session_info si;
        l2tp_session_get_info(ev->session, &si);
        struct l2tpxd_sess *s = l2tp_session_get_user(ev->session);
        if (s) {
            /* The peer's RFC 3145 cause, if its CDN had one, goes in the
             * session's one closing log line. */
            char cause[160], msg[300];
            l2tpxd_cause_str(ev, cause, sizeof cause);
            snprintf(msg, sizeof msg, "%s%s%s", ev->message, ev->message[0] && cause[0] ? "; " : "",
                     cause);
            l2tpxd_sess_lower_down(s, ev->local, ev->result_code, ev->error_code, msg);
        } else {
            lx_info("session %u/%u closed by %s: result %u error %u%s%s", si.tunnel_local_id,
                    si.local_id, ev->local ? "us" : "peer", ev->result_code, ev->error_code,
                    ev->message[0] ? ": " : "", ev->message);
            if (lacc)
                l2tpxd_lacc_session_down(lacc, ev->session);
        }
        break;
    }
    case L2TP_EV_SESSION_SLI:
        /* RFC 2661 §6.15: ACCMs matter to HDLC framing only; PPP over
         * L2TP here is synchronous (no ACCM to apply). */
        lx_debug("tunnel %u: Set-Link-Info send ACCM %08x recv ACCM %08x", ti.local_id,
                 ev->accm_send, ev->accm_recv);
        break;
    case L2TP_EV_SESSION_WEN:
        lx_info("tunnel %u: WAN-Error-Notify CRC %u framing %u overrun %u", ti.local_id,
                ev->call_errors[0], ev->call_errors[1], ev->call_errors[2]);
        break;
    }
}

static void eng_data(void *user, struct l2tp_session *s, const uint8_t *frame, size_t len)
{
    struct l2tpxd *d = user;
    struct l2tpxd_sess *ps = l2tp_session_get_user(s);
    if (ps == NULL) {
        d->data_dropped++;
        return;
    }
    l2tpxd_sess_data(ps, frame, len);
}

static const struct l2tp_engine_ops eng_ops = {
    .send = eng_send,
    .accept_tunnel = eng_accept_tunnel,
    .accept_session = eng_accept_session,
    .event = eng_event,
    .data = eng_data,
};

/* ---- timers and stopping ---- */

static void check_stop(struct l2tpxd *d)
{
    if (d->stopping && l2tp_engine_idle(d->eng)) {
        lx_info("all tunnels closed");
        lx_ev_stop(d->ev);
    }
}

void l2tpxd_rearm(struct l2tpxd *d)
{
    lx_ms_t next = l2tp_engine_next_timeout(d->eng);
    lx_ev_timer_set(d->ev, &d->eng_timer, next);
    check_stop(d);
}

static void eng_timer_fired(void *arg, struct lx_timer *t)
{
    struct l2tpxd *d = arg;
    l2tp_engine_timeout(d->eng, lx_ev_now(d->ev));
    l2tpxd_rearm(d);
}

static void stop_timer_fired(void *arg, struct lx_timer *t)
{
    struct l2tpxd *d = arg;
    struct l2tp_engine_stats st;
    l2tp_engine_get_stats(d->eng, &st);
    lx_warn("%u tunnel(s) did not finish closing within %u s; exiting anyway", st.tunnels,
            L2TPXD_STOP_GRACE_MS / 1000);
    lx_ev_stop(d->ev);
}

static void begin_shutdown(struct l2tpxd *d, int signo)
{
    if (d->stopping) {
        lx_notice("%s again: exiting now", strsignal(signo));
        lx_ev_stop(d->ev);
        return;
    }
    lx_notice("%s: sending StopCCN to every peer and shutting down", strsignal(signo));
    d->stopping = true;
    l2tpxd_lacc_stop(d);
    /* RFC 1661 §5.5: a Terminate-Request on every PPP link, not waited
     * for; StopCCN (which takes every call with it) follows at once. */
    for (struct l2tpxd_sess *s = d->sessions; s; s = s->next)
        l2tpxd_sess_terminate(s, "l2tpxd shutting down");
    l2tp_engine_shutdown(d->eng, lx_ev_update_now(d->ev));
    lx_ev_timer_in(d->ev, &d->stop_timer, L2TPXD_STOP_GRACE_MS);
    l2tpxd_rearm(d);
}

static void on_signal(void *arg, int signo)
{
    struct l2tpxd *d = arg;
    switch (signo) {
    case SIGTERM:
    case SIGINT:
        begin_shutdown(d, signo);
        break;
    case SIGHUP:
        lx_notice("SIGHUP: re-reading the secrets files (the configuration itself is not "
                  "reloaded)");
        l2tpxd_lns_reload(d);
        break;
    default:
        break;
    }
}

/* ---- network -> engine ---- */

/* Listening and connected sockets alike (arg: struct l2tpxd_sock, the
 * first member of struct l2tpxd_csock): every datagram goes to the
 * engine with its own source and destination addresses, so it does not
 * matter which socket the kernel picked for it. */
static void sock_readable(void *arg, int fd, unsigned events)
{
    struct l2tpxd_sock *s = arg;
    struct l2tpxd *d = s->d;
    for (int round = 0; round < RX_BATCHES_PER_WAKEUP; round++) {
        int n = net_udp_recv(&s->s, d->batch);
        if (n < 0) {
            LX_LOG_RL(LX_LOG_WARN, "receive: %s", strerror(-n));
            break;
        }
        if (n == 0)
            break;
        lx_ms_t now = lx_ev_update_now(d->ev);
        for (int i = 0; i < n; i++) {
            const struct net_udp_dgram *dg = net_udp_batch_at(d->batch, (unsigned)i);
            l2tp_engine_input(d->eng, now, &dg->local, &dg->peer, dg->data, dg->len);
        }
        if (n < NET_UDP_BATCH_MAX)
            break;
    }
    l2tpxd_rearm(d);
}

/* ---- data plane and netlink ---- */

static int dp_sock_fd(void *ctx, const struct l2tp_addr *local)
{
    struct l2tpxd *d = ctx;
    struct l2tpxd_sock *s = l2tpxd_pick_sock(d, local, local->sa.sa_family);
    return s ? s->s.fd : -1;
}

/* Called once per run of packets of one tunnel in a TUN read batch. */
static int dp_tunnel_fd(void *ctx, const struct l2tp_addr *local, const struct l2tp_addr *peer)
{
    struct l2tpxd *d = ctx;
    const struct l2tpxd_csock *c = d->ctab ? csock_find(d->ctab, local, peer) : NULL;
    return c ? c->base.s.fd : -1;
}

struct net_nl *l2tpxd_netlink(struct l2tpxd *d)
{
    if (d->nl)
        return d->nl;
    struct net_nl *nl = calloc(1, sizeof *nl);
    if (nl == NULL)
        return NULL;
    int rc = net_nl_open(nl);
    if (rc < 0) {
        lx_err("netlink: %s", strerror(-rc));
        free(nl);
        return NULL;
    }
    d->nl = nl;
    return nl;
}

/* ---- control socket ---- */

static struct l2tp_engine *ctl_engine(void *user)
{
    return ((struct l2tpxd *)user)->eng;
}

static void ctl_add_stats(void *user, struct json_object *st)
{
    struct l2tpxd *d = user;
    struct net_udp_stats sum;
    memset(&sum, 0, sizeof sum);
    for (unsigned i = 0; i < d->n_socks; i++) {
        const struct net_udp_stats *s = &d->socks[i].s.st;
        sum.rx_pkts += s->rx_pkts;
        sum.rx_bytes += s->rx_bytes;
        sum.rx_errors += s->rx_errors;
        sum.rx_truncated += s->rx_truncated;
        sum.tx_pkts += s->tx_pkts;
        sum.tx_bytes += s->tx_bytes;
        sum.tx_errors += s->tx_errors;
    }
    uint64_t conn_open = 0, conn_failed = 0;
    if (d->ctab) {
        const struct l2tpxd_ctab *t = d->ctab;
        struct net_udp_stats cs = t->closed_st;
        for (unsigned b = 0; b < CSOCK_BUCKETS; b++) {
            for (const struct l2tpxd_csock *c = t->b[b]; c; c = c->next) {
                cs.rx_pkts += c->base.s.st.rx_pkts;
                cs.rx_bytes += c->base.s.st.rx_bytes;
                cs.rx_errors += c->base.s.st.rx_errors;
                cs.rx_truncated += c->base.s.st.rx_truncated;
                cs.rx_icmp += c->base.s.st.rx_icmp;
            }
        }
        sum.rx_pkts += cs.rx_pkts;
        sum.rx_bytes += cs.rx_bytes;
        sum.rx_errors += cs.rx_errors;
        sum.rx_truncated += cs.rx_truncated;
        sum.rx_icmp += cs.rx_icmp;
        conn_open = t->open;
        conn_failed = t->failed;
    }
#define ADD(k, v) json_object_object_add(st, k, json_object_new_int64((int64_t)(v)))
    ADD("udp_rx_pkts", sum.rx_pkts);
    ADD("udp_rx_bytes", sum.rx_bytes);
    ADD("udp_rx_errors", sum.rx_errors);
    ADD("udp_rx_truncated", sum.rx_truncated);
    ADD("udp_tx_pkts", sum.tx_pkts);
    ADD("udp_tx_bytes", sum.tx_bytes);
    ADD("udp_tx_errors", sum.tx_errors + d->tx_no_socket);
    ADD("udp_rx_icmp_errors", sum.rx_icmp);
    ADD("udp_connected_sockets", conn_open);
    ADD("udp_connected_failed", conn_failed);
    ADD("data_dropped_no_ppp", d->data_dropped);
    ADD("uptime_s", (lx_ev_update_now(d->ev) - d->started_ms) / 1000u);
    ADD("ppp_sessions", d->n_sessions);
    ADD("ppp_sessions_started", d->sess_started);
    ADD("ppp_sessions_closed", d->sess_closed);
    ADD("ppp_auth_ok", d->auth_ok);
    ADD("ppp_auth_failed", d->auth_failed);
    ADD("pool_exhausted", d->addr_exhausted);
    if (d->pools) {
        size_t used = 0, size = 0;
        for (size_t i = 0; i < aaa_pool_count(d->pools); i++) {
            struct aaa_pool_stats ps;
            aaa_pool_get_stats(aaa_pool_at(d->pools, i), &ps);
            used += ps.used;
            size += ps.size;
        }
        ADD("pool_used", used);
        ADD("pool_size", size);
    }
    if (d->dp) {
        struct l2tpxd_dp_stats ds;
        l2tpxd_dp_get_stats(d->dp, &ds);
        ADD("tun_rx_pkts", ds.tun_rx_pkts);
        ADD("tun_rx_bytes", ds.tun_rx_bytes);
        ADD("tun_rx_no_dest", ds.tun_rx_no_dest);
        ADD("tun_rx_too_big", ds.tun_rx_too_big);
        ADD("tun_rx_errors", ds.tun_rx_errors);
        ADD("tun_tx_pkts", ds.tun_tx_pkts);
        ADD("tun_tx_bytes", ds.tun_tx_bytes);
        ADD("tun_tx_errors", ds.tun_tx_errors);
        ADD("dp_udp_tx_pkts", ds.udp_tx_pkts);
        ADD("dp_udp_tx_batches", ds.udp_tx_batches);
        ADD("dp_udp_tx_errors", ds.udp_tx_errors);
        ADD("dp_udp_tx_connected", ds.udp_tx_connected);
        ADD("mss_clamped", ds.mss_clamped);
    }
#undef ADD
}

static void ctl_add_session(void *user, struct l2tp_session *s, struct json_object *obj)
{
    struct l2tpxd_sess *ps = l2tp_session_get_user(s);
    if (ps)
        l2tpxd_sess_json(ps, obj);
}

static void ctl_add_tunnel(void *user, struct l2tp_tunnel *t, struct json_object *obj)
{
    struct l2tpxd *d = user;
    struct l2tpxd_lacc *c = tunnel_lacc(t);
    struct l2tpxd_lns *l = c ? NULL : tunnel_lns(d, t);
    if (c) {
        json_object_object_add(obj, "role", json_object_new_string("lac"));
        json_object_object_add(obj, "section", json_object_new_string(c->sec->name));
    } else if (l) {
        json_object_object_add(obj, "role", json_object_new_string("lns"));
        json_object_object_add(obj, "section", json_object_new_string(l->sec->name));
    }
}

static void ctl_changed(void *user)
{
    l2tpxd_rearm(user);
}

static const struct ctl_ops ctl_ops_impl = {
    .engine = ctl_engine,
    .add_stats = ctl_add_stats,
    .changed = ctl_changed,
    .add_session = ctl_add_session,
    .add_tunnel = ctl_add_tunnel,
};

/* ---- start and stop ---- */

static int open_sockets(struct l2tpxd *d)
{
    const struct cfg_global *g = &d->cfg->global;
    char ab[64];
    for (unsigned i = 0; i < g->n_listen; i++) {
        struct l2tpxd_sock *s = &d->socks[d->n_socks];
        s->d = d;
        int rc = net_udp_open(&s->s, &g->listen[i]);
        if (rc < 0) {
            /* The default "::" may be missing on hosts without IPv6. */
            if (g->listen_default && g->listen[i].sa.sa_family == AF_INET6 &&
                (rc == -EAFNOSUPPORT || rc == -EADDRNOTAVAIL)) {
                lx_info("IPv6 unavailable (%s): listening on IPv4 only", strerror(-rc));
                continue;
            }
            lx_err("cannot listen on %s: %s", astr(&g->listen[i], ab, sizeof ab), strerror(-rc));
            return -1;
        }
        rc = lx_ev_add_fd(d->ev, s->s.fd, LX_EV_READ, sock_readable, s);
        if (rc < 0) {
            net_udp_close(&s->s);
            lx_err("event loop: %s", strerror(-rc));
            return -1;
        }
        lx_info("listening on %s", astr(&s->s.bound, ab, sizeof ab));
        d->n_socks++;
    }
    if (d->n_socks == 0) {
        lx_err("no listen address could be opened");
        return -1;
    }
    return 0;
}

static int write_pidfile(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    int rc = write(fd, buf, (size_t)n) == n ? 0 : -EIO;
    close(fd);
    return rc;
}

static void cleanup(struct l2tpxd *d)
{
    if (d->ctl)
        ctl_server_free(d->ctl);
    /* Sessions whose tunnels did not finish closing: PPP down, routes,
     * addresses and TUNs released (the engine forgets them silently). */
    while (d->sessions)
        l2tpxd_sess_lower_down(d->sessions, true, L2TP_CDN_ADMIN, L2TP_ERR_NONE, "l2tpxd exiting");
    /* The engine first: freeing it may still report tunnels going down,
     * and those point back at the [lac] / [lns] state. */
    if (d->eng)
        l2tp_engine_free(d->eng);
    d->eng = NULL;
    csock_teardown(d);
    l2tpxd_lacc_teardown(d);
    l2tpxd_lns_teardown(d);
    if (d->dp)
        l2tpxd_dp_free(d->dp);
    if (d->nl) {
        net_nl_close(d->nl);
        free(d->nl);
    }
    for (unsigned i = 0; i < d->n_socks; i++) {
        lx_ev_del_fd(d->ev, d->socks[i].s.fd);
        net_udp_close(&d->socks[i].s);
    }
    net_udp_batch_free(d->batch);
    if (d->ev)
        lx_ev_free(d->ev);
}

int l2tpxd_run(const struct cfg *cfg, const struct l2tpxd_opts *opts)
{
    struct l2tpxd d;
    memset(&d, 0, sizeof d);
    d.cfg = cfg;
    d.opts = opts;
    int status = 1;
    bool pid_written = false;

    signal(SIGPIPE, SIG_IGN);
    d.ev = lx_ev_new();
    d.batch = net_udp_batch_new(NET_UDP_BATCH_MAX, RX_BUF_SIZE);
    if (d.ev == NULL || d.batch == NULL) {
        lx_err("out of memory");
        goto out;
    }
    d.started_ms = lx_ev_update_now(d.ev);
    lx_timer_init(&d.eng_timer, eng_timer_fired, &d);
    lx_timer_init(&d.stop_timer, stop_timer_fired, &d);
    if (lx_ev_add_signal(d.ev, SIGTERM, on_signal, &d) < 0 ||
        lx_ev_add_signal(d.ev, SIGINT, on_signal, &d) < 0 ||
        lx_ev_add_signal(d.ev, SIGHUP, on_signal, &d) < 0) {
        lx_err("signalfd: %s", strerror(errno));
        goto out;
    }
    d.eng = l2tp_engine_new(&cfg->global.engine, &eng_ops, &d);
    if (d.eng == NULL) {
        lx_err("cannot create the L2TP engine");
        goto out;
    }
    if (open_sockets(&d) < 0)
        goto out;
    if (csock_setup(&d) < 0)
        lx_warn("out of memory: tunnels use the listening sockets");

    const char *cpath = opts->control_path ? opts->control_path : CTL_DEFAULT_PATH;
    int err = 0;
    d.ctl = ctl_server_new(d.ev, cpath, &ctl_ops_impl, &d, &err);
    if (d.ctl == NULL) {
        if (err == EADDRINUSE)
            lx_err("control socket %s: another l2tpxd is running", cpath);
        else
            lx_err("control socket %s: %s", cpath, strerror(err));
        goto out;
    }
    if (opts->pidfile) {
        int rc = write_pidfile(opts->pidfile);
        if (rc < 0) {
            lx_err("pid file %s: %s", opts->pidfile, strerror(-rc));
            goto out;
        }
        pid_written = true;
    }

    static const struct l2tpxd_dp_ops dp_ops = {.sock_fd = dp_sock_fd, .tunnel_fd = dp_tunnel_fd};
    d.dp = l2tpxd_dp_new(d.ev, &dp_ops, &d);
    if (d.dp == NULL) {
        lx_err("cannot create the data plane");
        goto out;
    }
    if (l2tpxd_lns_setup(&d) < 0 || l2tpxd_lacc_setup(&d) < 0)
        goto out;
    lx_notice("l2tpxd started (control socket %s)", cpath);
    l2tpxd_lacc_start(&d);
    l2tpxd_rearm(&d);

    if (lx_ev_run(d.ev) < 0)
        goto out;
    status = 0;
    lx_notice("l2tpxd stopped");
out:
    cleanup(&d);
    if (pid_written)
        unlink(opts->pidfile);
    return status;
}
