#include "daemon/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl/ctl_server.h"
#include "lib/evloop.h"
#include "lib/log.h"
#include "net/udp.h"

#define RX_BATCHES_PER_WAKEUP 8 /* then let the other sockets and timers run */
#define RX_BUF_SIZE           65536
#define REDIAL_MAX_DELAY_S    600

struct l2tpxd;

struct l2tpxd_sock {
    struct l2tpxd *d;
    struct net_udp_sock s;
};

/* A [lac] section at run time. */
struct l2tpxd_lac {
    struct l2tpxd *d;
    const struct cfg_section *sec;
    struct l2tp_tunnel *tunnel;
    unsigned redials; /* since the tunnel was last up */
    struct lx_timer redial_timer;
};

struct l2tpxd {
    const struct cfg *cfg;
    const struct l2tpxd_opts *opts;
    struct lx_ev *ev;
    struct l2tp_engine *eng;
    struct l2tpxd_sock socks[CFG_MAX_LISTEN];
    unsigned n_socks;
    struct net_udp_batch *batch;
    struct lx_timer eng_timer, stop_timer;
    struct ctl_server *ctl;
    struct l2tpxd_lac *lacs;
    unsigned n_lacs;
    bool stopping;
    uint32_t call_serial;
    uint64_t tx_no_socket, data_dropped;
    lx_ms_t started_ms;
};

static void rearm(struct l2tpxd *d);

static const char *astr(const struct l2tp_addr *a, char *buf, size_t cap)
{
    return net_addr_fmt(a, buf, cap);
}

/* ---- engine -> network ---- */

static struct l2tpxd_sock *pick_sock(struct l2tpxd *d, const struct l2tp_addr *local, int family)
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
    struct l2tpxd_sock *s = pick_sock(d, local, peer->sa.sa_family);
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
    lx_debug("tunnel request from %s (%s): [lns %s]", astr(peer, pb, sizeof pb),
             peer_host_name ? peer_host_name : "", sec->name);
    return &sec->tunnel;
}

static bool eng_accept_session(void *user, struct l2tp_session *s, const struct l2tp_call_params *p)
{
    struct l2tpxd *d = user;
    /* PPP arrives with the next issue: the call is answered and just stays up. */
    return !d->stopping;
}

static void lac_schedule_redial(struct l2tpxd_lac *l);

static void eng_event(void *user, const struct l2tp_event *ev)
{
    struct l2tp_tunnel_info ti;
    char pb[64];
    memset(&ti, 0, sizeof ti);
    if (ev->tunnel)
        l2tp_tunnel_get_info(ev->tunnel, &ti);
    struct l2tpxd_lac *lac = ev->tunnel ? l2tp_tunnel_get_user(ev->tunnel) : NULL;
    switch (ev->type) {
    case L2TP_EV_TUNNEL_UP:
        lx_notice("tunnel %u (peer %u) with %s '%s' established%s", ti.local_id, ti.peer_id,
                  astr(&ti.peer, pb, sizeof pb), ti.peer_host_name,
                  ti.authenticated ? " (authenticated)" : "");
        if (lac)
            lac->redials = 0;
        break;
    case L2TP_EV_TUNNEL_DOWN:
        lx_notice("tunnel %u with %s closed by %s: result %u error %u%s%s", ti.local_id,
                  astr(&ti.peer, pb, sizeof pb), ev->local ? "us" : "peer", ev->result_code,
                  ev->error_code, ev->message[0] ? ": " : "", ev->message);
        if (lac && lac->tunnel == ev->tunnel) {
            lac->tunnel = NULL;
            l2tp_tunnel_set_user(ev->tunnel, NULL);
            lac_schedule_redial(lac);
        }
        break;
    case L2TP_EV_SESSION_UP: {
        struct l2tp_session_info si;
        l2tp_session_get_info(ev->session, &si);
        lx_notice("session %u/%u (peer %u) established: %s %s call%s", si.tunnel_local_id,
                  si.local_id, si.peer_id, si.lac ? "LAC" : "LNS",
                  si.incoming ? "incoming" : "outgoing", si.seq ? ", sequenced" : "");
        break;
    }
    case L2TP_EV_SESSION_DOWN: {
        struct l2tp_session_info si;
        l2tp_session_get_info(ev->session, &si);
        lx_notice("session %u/%u closed by %s: result %u error %u%s%s", si.tunnel_local_id,
                  si.local_id, ev->local ? "us" : "peer", ev->result_code, ev->error_code,
                  ev->message[0] ? ": " : "", ev->message);
        break;
    }
    case L2TP_EV_SESSION_SLI:
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
    d->data_dropped++; /* no PPP yet */
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

static void rearm(struct l2tpxd *d)
{
    lx_ms_t next = l2tp_engine_next_timeout(d->eng);
    lx_ev_timer_set(d->ev, &d->eng_timer, next);
    check_stop(d);
}

static void eng_timer_fired(void *arg, struct lx_timer *t)
{
    struct l2tpxd *d = arg;
    l2tp_engine_timeout(d->eng, lx_ev_now(d->ev));
    rearm(d);
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
    for (unsigned i = 0; i < d->n_lacs; i++)
        lx_ev_timer_cancel(d->ev, &d->lacs[i].redial_timer);
    l2tp_engine_shutdown(d->eng, lx_ev_update_now(d->ev));
    lx_ev_timer_in(d->ev, &d->stop_timer, L2TPXD_STOP_GRACE_MS);
    rearm(d);
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
        lx_notice("SIGHUP: configuration reload is not implemented yet; ignored");
        break;
    default:
        break;
    }
}

/* ---- network -> engine ---- */

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
    rearm(d);
}

/* ---- [lac] dialing ---- */

/* The address the kernel would send from towards peer: makes the tunnel's
 * local address concrete when the socket is bound to a wildcard. */
static void route_source(const struct l2tp_addr *peer, struct l2tp_addr *local)
{
    int fd = socket(peer->sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    struct l2tp_addr src;
    src.len = sizeof src.in6;
    if (connect(fd, &peer->sa, peer->len) == 0 && getsockname(fd, &src.sa, &src.len) == 0 &&
        src.sa.sa_family == local->sa.sa_family) {
        uint16_t port = net_addr_port(local);
        *local = src;
        net_addr_set_port(local, port);
    }
    close(fd);
}

static int resolve(struct l2tpxd *d, const struct cfg_section *sec, struct l2tp_addr *out)
{
    if (net_addr_parse(sec->lns_host, sec->lns_port, out) == 0)
        return 0;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(sec->lns_host, NULL, &hints, &res);
    if (rc != 0) {
        lx_warn("[lac %s]: cannot resolve '%s': %s", sec->name, sec->lns_host, gai_strerror(rc));
        return -1;
    }
    int ret = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
            pick_sock(d, NULL, ai->ai_family) == NULL || ai->ai_addrlen > sizeof out->in6)
            continue;
        memset(out, 0, sizeof *out);
        memcpy(&out->sa, ai->ai_addr, ai->ai_addrlen);
        out->len = ai->ai_addrlen;
        net_addr_set_port(out, sec->lns_port);
        ret = 0;
        break;
    }
    freeaddrinfo(res);
    if (ret < 0)
        lx_warn("[lac %s]: '%s' has no address we can reach from our sockets", sec->name,
                sec->lns_host);
    return ret;
}

static void lac_dial(struct l2tpxd_lac *l)
{
    struct l2tpxd *d = l->d;
    const struct cfg_section *sec = l->sec;
    char pb[64];
    if (d->stopping || l->tunnel)
        return;
    struct l2tp_addr peer;
    if (resolve(d, sec, &peer) < 0) {
        lac_schedule_redial(l);
        return;
    }
    struct l2tpxd_sock *s = pick_sock(d, NULL, peer.sa.sa_family);
    if (s == NULL) {
        lx_warn("[lac %s]: no %s socket to reach %s", sec->name,
                peer.sa.sa_family == AF_INET ? "IPv4" : "IPv6", astr(&peer, pb, sizeof pb));
        lac_schedule_redial(l);
        return;
    }
    struct l2tp_addr local = s->s.bound;
    if (s->s.wildcard)
        route_source(&peer, &local);
    lx_ms_t now = lx_ev_update_now(d->ev);
    struct l2tp_tunnel *t = l2tp_tunnel_open(d->eng, now, &sec->tunnel, &local, &peer);
    if (t == NULL) {
        lx_warn("[lac %s]: cannot open a tunnel to %s (limits)", sec->name,
                astr(&peer, pb, sizeof pb));
        lac_schedule_redial(l);
        return;
    }
    l->tunnel = t;
    l2tp_tunnel_set_user(t, l);
    lx_info("[lac %s]: opening tunnel to %s", sec->name, astr(&peer, pb, sizeof pb));
    if (sec->autodial) {
        struct l2tp_call_params p;
        memset(&p, 0, sizeof p);
        p.call_serial = ++d->call_serial;
        p.bearer_type = L2TP_BEARER_DIGITAL;
        p.framing_type = L2TP_FRAMING_SYNC;
        p.tx_connect_speed = 10000000;
        p.rx_connect_speed = 10000000;
        p.seq_required = sec->tunnel.seq_required;
        if (l2tp_session_incoming_call(d->eng, now, t, &p) == NULL)
            lx_warn("[lac %s]: cannot place the call (limits)", sec->name);
    }
    rearm(d);
}

static void redial_fired(void *arg, struct lx_timer *t)
{
    lac_dial(arg);
}

static void lac_schedule_redial(struct l2tpxd_lac *l)
{
    struct l2tpxd *d = l->d;
    const struct cfg_section *sec = l->sec;
    if (d->stopping || !sec->redial)
        return;
    if (sec->max_redials && l->redials >= sec->max_redials) {
        lx_warn("[lac %s]: giving up after %u redials", sec->name, l->redials);
        return;
    }
    /* Back off: timeout, 2x, 4x ... up to 16x (and 10 minutes), so a dead
     * LNS does not see a steady stream of SCCRQs. */
    unsigned shift = l->redials < 4 ? l->redials : 4;
    uint64_t delay = (uint64_t)sec->redial_timeout_s << shift;
    if (delay > REDIAL_MAX_DELAY_S)
        delay =
            sec->redial_timeout_s > REDIAL_MAX_DELAY_S ? sec->redial_timeout_s : REDIAL_MAX_DELAY_S;
    l->redials++;
    lx_info("[lac %s]: redial %u in %llu s", sec->name, l->redials, (unsigned long long)delay);
    lx_ev_timer_in(d->ev, &l->redial_timer, delay * 1000u);
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
#define ADD(k, v) json_object_object_add(st, k, json_object_new_int64((int64_t)(v)))
    ADD("udp_rx_pkts", sum.rx_pkts);
    ADD("udp_rx_bytes", sum.rx_bytes);
    ADD("udp_rx_errors", sum.rx_errors);
    ADD("udp_rx_truncated", sum.rx_truncated);
    ADD("udp_tx_pkts", sum.tx_pkts);
    ADD("udp_tx_bytes", sum.tx_bytes);
    ADD("udp_tx_errors", sum.tx_errors + d->tx_no_socket);
    ADD("data_dropped_no_ppp", d->data_dropped);
    ADD("uptime_s", (lx_ev_update_now(d->ev) - d->started_ms) / 1000u);
#undef ADD
}

static void ctl_changed(void *user)
{
    rearm(user);
}

static const struct ctl_ops ctl_ops_impl = {
    .engine = ctl_engine,
    .add_stats = ctl_add_stats,
    .changed = ctl_changed,
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
    /* The engine first: freeing it may still report tunnels going down,
     * and those point back at the [lac] state. */
    if (d->eng)
        l2tp_engine_free(d->eng);
    if (d->lacs) {
        for (unsigned i = 0; i < d->n_lacs; i++)
            lx_ev_timer_cancel(d->ev, &d->lacs[i].redial_timer);
        free(d->lacs);
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

    for (unsigned i = 0; i < cfg->n_sections; i++)
        d.n_lacs += cfg->sections[i].kind == CFG_LAC;
    if (d.n_lacs) {
        d.lacs = calloc(d.n_lacs, sizeof *d.lacs);
        if (d.lacs == NULL) {
            lx_err("out of memory");
            goto out;
        }
        unsigned k = 0;
        for (unsigned i = 0; i < cfg->n_sections; i++) {
            if (cfg->sections[i].kind != CFG_LAC)
                continue;
            struct l2tpxd_lac *l = &d.lacs[k++];
            l->d = &d;
            l->sec = &cfg->sections[i];
            lx_timer_init(&l->redial_timer, redial_fired, l);
        }
    }
    lx_notice("l2tpxd started (control socket %s)", cpath);
    for (unsigned i = 0; i < d.n_lacs; i++)
        if (d.lacs[i].sec->autodial)
            lac_dial(&d.lacs[i]);
    rearm(&d);

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
