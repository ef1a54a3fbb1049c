/* The LAC client: see lacclient.h. */
#include "daemon/lacclient.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aaa/secrets.h"
#include "daemon/dataplane.h"
#include "daemon/sess.h"
#include "lib/log.h"
#include "net/nd6.h"
#include "net/netlink.h"
#include "ppp/ppp.h"

#define REDIAL_MAX_DELAY_S 600
#define MAX_ROUTES         8

static void schedule_redial(struct l2tpxd_lacc *c);

static const char *astr(const struct l2tp_addr *a, char *buf, size_t cap)
{
    return net_addr_fmt(a, buf, cap);
}

/* ---- dialing ---- */

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
            l2tpxd_pick_sock(d, NULL, ai->ai_family) == NULL || ai->ai_addrlen > sizeof out->in6)
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

static void place_call(struct l2tpxd_lacc *c, lx_ms_t now)
{
    struct l2tpxd *d = c->d;
    struct l2tp_call_params p;
    memset(&p, 0, sizeof p);
    p.call_serial = ++d->call_serial;
    p.bearer_type = L2TP_BEARER_DIGITAL;
    p.framing_type = L2TP_FRAMING_SYNC;
    p.tx_connect_speed = c->sec->ppp.tx_bps ? c->sec->ppp.tx_bps : 10000000;
    p.rx_connect_speed = c->sec->ppp.rx_bps ? c->sec->ppp.rx_bps : p.tx_connect_speed;
    p.seq_required = c->sec->tunnel.seq_required;
    /* RFC 2661 §5.1: an incoming call (ICRQ) from the LAC; it waits for
     * the tunnel if that is not up yet. */
    c->call = l2tp_session_incoming_call(d->eng, now, c->tunnel, &p);
    if (c->call == NULL)
        lx_warn("[lac %s]: cannot place the call (limits)", c->sec->name);
}

static void dial(struct l2tpxd_lacc *c)
{
    struct l2tpxd *d = c->d;
    const struct cfg_section *sec = c->sec;
    char pb[64];
    if (d->stopping || c->tunnel)
        return;
    struct l2tp_addr peer;
    if (resolve(d, sec, &peer) < 0) {
        schedule_redial(c);
        return;
    }
    struct l2tpxd_sock *s = l2tpxd_pick_sock(d, NULL, peer.sa.sa_family);
    if (s == NULL) {
        lx_warn("[lac %s]: no %s socket to reach %s", sec->name,
                peer.sa.sa_family == AF_INET ? "IPv4" : "IPv6", astr(&peer, pb, sizeof pb));
        schedule_redial(c);
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
        schedule_redial(c);
        return;
    }
    c->tunnel = t;
    l2tp_tunnel_set_user(t, c);
    lx_info("[lac %s]: opening tunnel to %s", sec->name, astr(&peer, pb, sizeof pb));
    if (sec->autodial)
        place_call(c, now);
    l2tpxd_rearm(d);
}

static void timer_fired(void *arg, struct lx_timer *t)
{
    struct l2tpxd_lacc *c = arg;
    struct l2tpxd *d = c->d;
    if (c->close_tunnel) {
        c->close_tunnel = false;
        if (c->tunnel) {
            /* The call is over: the tunnel goes too, and the next dial
             * starts from scratch (RFC 2661 §5.7 StopCCN, Result Code 1). */
            l2tp_tunnel_close(d->eng, lx_ev_update_now(d->ev), c->tunnel,
                              L2TP_STOPCCN_GENERAL_CLEAR, L2TP_ERR_NONE, "call ended");
            l2tpxd_rearm(d);
        }
        return;
    }
    dial(c);
}

static void schedule_redial(struct l2tpxd_lacc *c)
{
    struct l2tpxd *d = c->d;
    const struct cfg_section *sec = c->sec;
    if (d->stopping || !c->redial)
        return;
    if (sec->max_redials && c->redials >= sec->max_redials) {
        lx_warn("[lac %s]: giving up after %u redials", sec->name, c->redials);
        return;
    }
    /* Back off: timeout, 2x, 4x ... up to 16x (and 10 minutes), so a dead
     * LNS does not see a steady stream of SCCRQs. The count restarts once
     * PPP reaches the network phase. */
    unsigned shift = c->redials < 4 ? c->redials : 4;
    uint64_t delay = (uint64_t)sec->redial_timeout_s << shift;
    if (delay > REDIAL_MAX_DELAY_S)
        delay =
            sec->redial_timeout_s > REDIAL_MAX_DELAY_S ? sec->redial_timeout_s : REDIAL_MAX_DELAY_S;
    c->redials++;
    lx_info("[lac %s]: redial %u in %llu s", sec->name, c->redials, (unsigned long long)delay);
    c->close_tunnel = false;
    lx_ev_timer_in(d->ev, &c->timer, delay * 1000u);
}

/* ---- engine events ---- */

void l2tpxd_lacc_tunnel_up(struct l2tpxd_lacc *c, struct l2tp_tunnel *t)
{
    (void)c;
    (void)t;
}

void l2tpxd_lacc_tunnel_down(struct l2tpxd_lacc *c, struct l2tp_tunnel *t)
{
    if (c->tunnel != t)
        return;
    c->tunnel = NULL;
    c->call = NULL;
    c->close_tunnel = false;
    l2tp_tunnel_set_user(t, NULL);
    lx_ev_timer_cancel(c->d->ev, &c->timer);
    schedule_redial(c);
}

struct l2tpxd_sess *l2tpxd_lacc_session_up(struct l2tpxd_lacc *c, struct l2tp_session *ls)
{
    if (!c->usable || c->sess)
        return NULL;
    c->call = NULL;
    c->sess = l2tpxd_sess_new(c->d, ls, &c->lcfg, &c->res, NULL, c);
    return c->sess;
}

void l2tpxd_lacc_session_down(struct l2tpxd_lacc *c, struct l2tp_session *ls)
{
    if (c->sess && c->sess->ls != NULL && c->sess->ls != ls)
        return; /* not ours */
    c->sess = NULL;
    c->call = NULL;
    if (c->tunnel && !c->d->stopping) {
        c->close_tunnel = true;
        lx_ev_timer_set(c->d->ev, &c->timer, 0);
    }
}

/* ---- the client's TUN, addresses and routes ---- */

static int parse_prefix(const char *s, int *family, uint8_t addr[16], unsigned *plen)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", s);
    char *slash = strchr(buf, '/');
    if (slash)
        *slash++ = '\0';
    memset(addr, 0, 16);
    if (inet_pton(AF_INET, buf, addr) == 1)
        *family = AF_INET;
    else if (inet_pton(AF_INET6, buf, addr) == 1)
        *family = AF_INET6;
    else
        return -1;
    unsigned max = *family == AF_INET ? 32 : 128;
    *plen = max;
    if (slash) {
        char *end;
        unsigned long v = strtoul(slash, &end, 10);
        if (*slash == '\0' || *end != '\0' || v > max)
            return -1;
        *plen = (unsigned)v;
    }
    return 0;
}

static void ifid_ll(uint64_t ifid, uint8_t a[16])
{
    memset(a, 0, 16);
    a[0] = 0xfe;
    a[1] = 0x80;
    for (int i = 0; i < 8; i++)
        a[8 + i] = (uint8_t)(ifid >> (56 - 8 * i));
}

/* The addresses of an NCP that opened after the TUN was created. */
static int add_addr(struct l2tpxd_lacc *c, uint16_t proto, const struct ppp_link_net *n)
{
    struct net_nl *nl = l2tpxd_netlink(c->d);
    if (nl == NULL)
        return -ENOMEM;
    struct net_nl_addr a;
    memset(&a, 0, sizeof a);
    a.ifindex = (int)l2tpxd_dp_tun_ifindex(c->tun);
    if (proto == PPP_PROTO_IPCP) {
        uint32_t l = htonl(n->local_ip), p = htonl(n->peer_ip);
        a.family = AF_INET;
        memcpy(a.local, &l, 4);
        memcpy(a.peer, &p, 4);
        a.has_peer = n->peer_ip != 0;
        a.plen = 32;
    } else {
        a.family = AF_INET6;
        ifid_ll(n->local_ifid, a.local);
        a.plen = 64;
        a.flags = IFA_F_NODAD;
    }
    int rc = net_nl_addr_add(nl, &a);
    return rc == -EEXIST ? 0 : rc;
}

static void set_routes(struct l2tpxd_lacc *c, int family, bool add)
{
    struct l2tpxd *d = c->d;
    for (unsigned i = 0; i < c->res.n_routes && i < MAX_ROUTES; i++) {
        int fam;
        uint8_t a[16];
        unsigned plen;
        if (parse_prefix(c->res.routes[i], &fam, a, &plen) < 0) {
            if (add)
                lx_warn("[lac %s]: route '%s' is not an IP prefix", c->sec->name, c->res.routes[i]);
            continue;
        }
        if (fam != family || add == !!(c->routes_added & (1u << i)))
            continue;
        int rc = l2tpxd_dp_route_plain(d->dp, c->tun, fam, a, plen, 0, add);
        if (add && rc < 0)
            lx_warn("[lac %s]: route %s via %s: %s", c->sec->name, c->res.routes[i],
                    l2tpxd_dp_tun_name(c->tun), strerror(-rc));
        if (add && rc == 0)
            c->routes_added |= 1u << i;
        if (!add)
            c->routes_added &= ~(1u << i);
    }
    if (family != AF_INET || !(c->res.defaultroute || c->res.replacedefaultroute))
        return;
    if (add && !c->default_added) {
        uint8_t z[16] = {0};
        int rc;
        if (c->res.replacedefaultroute) {
            /* pppd replacedefaultroute without touching the existing
             * default route: two /1 routes win by longest match and the
             * original needs no restoring. */
            uint8_t h[16] = {0x80};
            rc = l2tpxd_dp_route_plain(d->dp, c->tun, AF_INET, z, 1, 0, true);
            if (rc == 0 && (rc = l2tpxd_dp_route_plain(d->dp, c->tun, AF_INET, h, 1, 0, true)) < 0)
                l2tpxd_dp_route_plain(d->dp, c->tun, AF_INET, z, 1, 0, false);
        } else {
            /* pppd defaultroute: only if there is no default route yet. */
            rc = l2tpxd_dp_route_plain(d->dp, c->tun, AF_INET, z, 0, 0, true);
        }
        if (rc < 0)
            lx_warn("[lac %s]: default route via %s not added: %s", c->sec->name,
                    l2tpxd_dp_tun_name(c->tun),
                    rc == -EEXIST ? "a default route exists already" : strerror(-rc));
        else
            c->default_added = true;
    } else if (!add && c->default_added) {
        uint8_t z[16] = {0}, h[16] = {0x80};
        if (c->res.replacedefaultroute) {
            l2tpxd_dp_route_plain(d->dp, c->tun, AF_INET, z, 1, 0, false);
            l2tpxd_dp_route_plain(d->dp, c->tun, AF_INET, h, 1, 0, false);
        } else {
            l2tpxd_dp_route_plain(d->dp, c->tun, AF_INET, z, 0, 0, false);
        }
        c->default_added = false;
    }
}

int l2tpxd_lacc_net_up(struct l2tpxd_sess *s, uint16_t proto, const struct ppp_link_net *n,
                       char *why, size_t whylen)
{
    struct l2tpxd_lacc *c = s->lacc;
    struct l2tpxd *d = s->d;
    bool v4 = proto == PPP_PROTO_IPCP;
    if (c->tun == NULL) {
        struct l2tpxd_tun_opts o;
        memset(&o, 0, sizeof o);
        snprintf(o.name, sizeof o.name, "%s", c->res.tun_name);
        unsigned mtu = s->link_mru;
        if (s->dest.peer_mru && s->dest.peer_mru < mtu)
            mtu = s->dest.peer_mru;
        o.mtu = (uint16_t)mtu;
        if (n->ipv4_up) {
            o.local_ip4 = n->local_ip;
            o.peer_ip4 = n->peer_ip;
        }
        if (n->ipv6_up) {
            o.local_ifid = n->local_ifid;
            o.peer_ifid = n->peer_ifid;
        }
        o.single_dest = true;
        o.dest = &s->dest;
        c->tun = l2tpxd_dp_tun_open(d->dp, &o);
        if (c->tun == NULL) {
            snprintf(why, whylen, "cannot create the TUN device");
            return -1;
        }
        c->v4_addr_added = o.local_ip4 != 0;
        c->v6_addr_added = o.local_ifid != 0;
        s->tun = c->tun;
        lx_info("[lac %s]: interface %s (MTU %u)", c->sec->name, l2tpxd_dp_tun_name(c->tun), mtu);
    } else if (v4 ? !c->v4_addr_added : !c->v6_addr_added) {
        int rc = add_addr(c, proto, n);
        if (rc < 0)
            lx_warn("[lac %s]: %s address on %s: %s", c->sec->name, v4 ? "IPv4" : "IPv6",
                    l2tpxd_dp_tun_name(c->tun), strerror(-rc));
        else if (v4)
            c->v4_addr_added = true;
        else
            c->v6_addr_added = true;
    }
    set_routes(c, v4 ? AF_INET : AF_INET6, true);
    /* The session works: a later failure redials from the first step. */
    c->redials = 0;
    return 0;
}

void l2tpxd_lacc_net_down(struct l2tpxd_sess *s, uint16_t proto)
{
    struct l2tpxd_lacc *c = s->lacc;
    if (c->tun)
        set_routes(c, proto == PPP_PROTO_IPCP ? AF_INET : AF_INET6, false);
}

/* ---- IPv6 from router advertisements ---- */

static int global6(struct l2tpxd_lacc *c, const uint8_t addr[16], bool add)
{
    struct net_nl *nl = l2tpxd_netlink(c->d);
    if (nl == NULL || c->tun == NULL)
        return -ENOMEM;
    struct net_nl_addr a;
    memset(&a, 0, sizeof a);
    a.family = AF_INET6;
    a.ifindex = (int)l2tpxd_dp_tun_ifindex(c->tun);
    memcpy(a.local, addr, 16);
    a.plen = 64;
    /* A point-to-point link has nobody to collide with (RFC 4862 §5.4 is
     * about multi-access links; the LNS gave this /64 to us alone). */
    a.flags = IFA_F_NODAD;
    int rc = add ? net_nl_addr_add(nl, &a) : net_nl_addr_del(nl, &a);
    return add && rc == -EEXIST ? 0 : rc;
}

static void default6(struct l2tpxd_lacc *c, bool add)
{
    static const uint8_t z[16];
    if (add == c->default6_added || c->tun == NULL)
        return;
    int rc = l2tpxd_dp_route_plain(c->d->dp, c->tun, AF_INET6, z, 0, 0, add);
    if (add && rc < 0)
        lx_warn("[lac %s]: IPv6 default route via %s not added: %s", c->sec->name,
                l2tpxd_dp_tun_name(c->tun),
                rc == -EEXIST ? "a default route exists already" : strerror(-rc));
    c->default6_added = add && rc == 0;
}

void l2tpxd_lacc_ra(struct l2tpxd_sess *s, const struct net_nd6_ra *ra, const uint8_t router[16])
{
    struct l2tpxd_lacc *c = s->lacc;
    char ab[INET6_ADDRSTRLEN], rb[INET6_ADDRSTRLEN];
    if (c->tun == NULL)
        return;
    inet_ntop(AF_INET6, router, rb, sizeof rb);
    /* RFC 4862 §5.5.3: an autonomous prefix whose length plus the
     * interface identifier's (64, RFC 4291 §2.5.1) makes 128. */
    const struct net_nd6_prefix *p = NULL;
    for (unsigned i = 0; i < ra->n_prefixes && p == NULL; i++)
        if (ra->prefixes[i].autonomous && ra->prefixes[i].plen == 64)
            p = &ra->prefixes[i];
    if (p != NULL) {
        uint8_t addr[16];
        memcpy(addr, p->prefix, 8);
        for (int i = 0; i < 8; i++)
            addr[8 + i] = (uint8_t)(s->ifid6_local >> (56 - 8 * i));
        bool same = c->v6_global_added && memcmp(addr, c->v6_global, 16) == 0;
        if (p->valid_s == 0) {
            /* §5.5.3 e: a zero lifetime withdraws the address at once
             * (the LNS is the only router on this link). */
            if (same && global6(c, c->v6_global, false) == 0)
                c->v6_global_added = false;
        } else if (!same) {
            if (c->v6_global_added)
                global6(c, c->v6_global, false);
            c->v6_global_added = false;
            int rc = global6(c, addr, true);
            inet_ntop(AF_INET6, addr, ab, sizeof ab);
            if (rc < 0) {
                lx_warn("[lac %s]: IPv6 address %s/64 on %s: %s", c->sec->name, ab,
                        l2tpxd_dp_tun_name(c->tun), strerror(-rc));
            } else {
                memcpy(c->v6_global, addr, 16);
                c->v6_global_added = true;
                lx_notice("[lac %s]: IPv6 address %s/64 on %s (router advertisement from %s)",
                          c->sec->name, ab, l2tpxd_dp_tun_name(c->tun), rb);
            }
        }
    }
    /* RFC 4861 §6.3.4: a router lifetime of 0 means "not a default router". */
    if (c->res.defaultroute6)
        default6(c, ra->router_lifetime > 0);
    c->n_ra_dns = ra->n_rdnss < 3 ? ra->n_rdnss : 3;
    memcpy(c->ra_dns, ra->rdnss, (size_t)c->n_ra_dns * 16);
}

void l2tpxd_lacc_nd6_down(struct l2tpxd_sess *s)
{
    struct l2tpxd_lacc *c = s->lacc;
    default6(c, false);
    if (c->v6_global_added)
        global6(c, c->v6_global, false);
    c->v6_global_added = false;
    c->n_ra_dns = 0;
}

void l2tpxd_lacc_nd6_json(const struct l2tpxd_lacc *c, struct json_object *o)
{
    char ab[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN + 8];
    if (c->v6_global_added) {
        inet_ntop(AF_INET6, c->v6_global, ab, sizeof ab);
        json_object_object_add(o, "ipv6_address", json_object_new_string(ab));
        uint8_t pfx[16] = {0};
        memcpy(pfx, c->v6_global, 8);
        inet_ntop(AF_INET6, pfx, ab, sizeof ab);
        snprintf(b, sizeof b, "%s/64", ab);
        json_object_object_add(o, "ipv6_prefix", json_object_new_string(b));
    }
    json_object_object_add(o, "ipv6_default_route", json_object_new_boolean(c->default6_added));
    struct json_object *dns = json_object_new_array();
    for (unsigned i = 0; i < c->n_ra_dns; i++) {
        inet_ntop(AF_INET6, c->ra_dns[i], ab, sizeof ab);
        json_object_array_add(dns, json_object_new_string(ab));
    }
    json_object_object_add(o, "ipv6_dns", dns);
}

void l2tpxd_lacc_release(struct l2tpxd_sess *s)
{
    struct l2tpxd_lacc *c = s->lacc;
    if (c == NULL || c->tun == NULL)
        return;
    l2tpxd_lacc_nd6_down(s);
    set_routes(c, AF_INET, false);
    set_routes(c, AF_INET6, false);
    lx_info("[lac %s]: removing interface %s", c->sec->name, l2tpxd_dp_tun_name(c->tun));
    l2tpxd_dp_forget(s->d->dp, &s->dest);
    l2tpxd_dp_tun_close(s->d->dp, c->tun);
    c->tun = NULL;
    s->tun = NULL;
    c->v4_addr_added = c->v6_addr_added = false;
    c->routes_added = 0;
    c->default_added = false;
}

/* ---- start and stop ---- */

/* `redial` as written, else yes: a PPP client is meant to stay connected. */
static bool redial_wanted(const struct cfg_section *sec)
{
    size_t n;
    const struct cfg_key *k = cfg_keys(&n);
    for (size_t i = 0; i < n && i < CFG_MAX_KEYS; i++)
        if ((k[i].kinds & CFG_LAC) && !strcmp(k[i].name, "redial"))
            return sec->key_line[i] ? sec->redial : true;
    return sec->redial;
}

/* pppd as a client: without a `password` option, the secret is the
 * chap-secrets (or pap-secrets) entry whose client is our user name. */
static int find_password(struct l2tpxd_lacc *c)
{
    if (c->lcfg.password[0] || c->lcfg.user[0] == '\0')
        return 0;
    const char *files[2] = {c->res.chap_secrets, c->res.pap_secrets};
    for (int i = 0; i < 2; i++) {
        if (files[i][0] == '\0')
            continue;
        struct aaa_secrets *tab = NULL;
        char err[256];
        if (aaa_secrets_load(files[i], &tab, err, sizeof err) < 0) {
            lx_err("[lac %s]: %s", c->sec->name, err);
            return -1;
        }
        const struct aaa_secret *e = aaa_secrets_lookup(tab, c->lcfg.user, NULL);
        if (e && e->secret)
            snprintf(c->lcfg.password, sizeof c->lcfg.password, "%s", e->secret);
        aaa_secrets_free(tab);
        if (c->lcfg.password[0])
            return 0;
    }
    return 0;
}

int l2tpxd_lacc_setup(struct l2tpxd *d)
{
    const struct cfg *cfg = d->cfg;
    unsigned n = 0;
    for (unsigned i = 0; i < cfg->n_sections; i++)
        n += cfg->sections[i].kind == CFG_LAC;
    if (n == 0)
        return 0;
    d->laccs = calloc(n, sizeof *d->laccs);
    if (d->laccs == NULL) {
        lx_err("out of memory");
        return -1;
    }
    for (unsigned i = 0; i < cfg->n_sections; i++) {
        const struct cfg_section *sec = &cfg->sections[i];
        if (sec->kind != CFG_LAC)
            continue;
        struct l2tpxd_lacc *c = &d->laccs[d->n_laccs++];
        c->kind = L2TPXD_OWNER_LACC;
        c->d = d;
        c->sec = sec;
        c->redial = redial_wanted(sec);
        lx_timer_init(&c->timer, timer_fired, c);
        char err[256] = "";
        if (cfg_section_ppp(sec, false, &c->lcfg, &c->res, err, sizeof err) < 0) {
            lx_err("[lac %s]: %s", sec->name, err[0] ? err : "bad PPP settings");
            return -1;
        }
        c->lcfg.role = PPP_LINK_PEER;
        if (find_password(c) < 0)
            return -1;
        c->usable = true;
        if (c->res.n_routes > MAX_ROUTES)
            lx_warn("[lac %s]: only the first %u routes are used", sec->name, MAX_ROUTES);
    }
    return 0;
}

void l2tpxd_lacc_start(struct l2tpxd *d)
{
    for (unsigned i = 0; i < d->n_laccs; i++)
        if (d->laccs[i].sec->autodial)
            dial(&d->laccs[i]);
}

void l2tpxd_lacc_stop(struct l2tpxd *d)
{
    for (unsigned i = 0; i < d->n_laccs; i++) {
        lx_ev_timer_cancel(d->ev, &d->laccs[i].timer);
        d->laccs[i].close_tunnel = false;
    }
}

void l2tpxd_lacc_teardown(struct l2tpxd *d)
{
    for (unsigned i = 0; i < d->n_laccs; i++) {
        struct l2tpxd_lacc *c = &d->laccs[i];
        lx_ev_timer_cancel(d->ev, &c->timer);
        if (c->tun && d->dp)
            l2tpxd_dp_tun_close(d->dp, c->tun);
        c->tun = NULL;
        explicit_bzero(&c->lcfg, sizeof c->lcfg); /* our password */
    }
    free(d->laccs);
    d->laccs = NULL;
    d->n_laccs = 0;
}
