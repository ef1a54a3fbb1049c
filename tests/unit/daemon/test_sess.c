/* PPP sessions in l2tpxd (sess.c, lns.c, lacclient.c): an LNS daemon and a
 * LAC-client daemon, each with its real L2TP engine, PPP links, AAA
 * backend and pools, wired back to back in-process. The data plane is a
 * fake that records TUNs and routes and moves packets the way dataplane.c
 * does (same struct l2tpxd_dp_dest contract), so the tests see exactly
 * what the session glue registers, frames and releases. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "aaa/pool.h"
#include "daemon/dataplane.h"
#include "daemon/lacclient.h"
#include "daemon/lns.h"
#include "daemon/sess.h"
#include "lib/log.h"
#include "net/dhcp6.h"
#include "net/nd6.h"

/* ---- a side: one daemon ---- */

#define MAX_ROUTES 64
#define MAX_TUNS   16

struct l2tpxd_tun {
    bool open;
    char name[16];
    unsigned ifindex;
    bool single;
    struct l2tpxd_dp_dest *dest;
    uint32_t local4, peer4;
};

struct route {
    bool used, plain;
    int family;
    uint8_t a[16];
    unsigned plen;
    struct l2tpxd_dp_dest *dest;
    struct l2tpxd_tun *t;
};

struct l2tpxd_dp {
    struct side *side;
};

struct side {
    struct l2tpxd d;
    struct cfg cfg;
    struct l2tpxd_sock sock;
    struct l2tpxd_dp dp;
    struct l2tpxd_tun tuns[MAX_TUNS];
    struct route routes[MAX_ROUTES];
    /* what reached the TUN */
    unsigned to_tun_pkts;
    uint8_t last_pkt[2048];
    size_t last_len;
    /* last SESSION_DOWN */
    unsigned sess_down;
    uint16_t down_result;
    bool down_local;
    /* RFC 3145 cause of the last SESSION_DOWN */
    bool down_cause_set;
    uint16_t down_cause, down_cause_proto;
    uint8_t down_cause_dir;
};

static struct side lns_side, lac_side;

/* ---- the wire ---- */

struct pkt {
    struct pkt *next;
    struct l2tp_addr from, to;
    size_t len;
    uint8_t data[];
};

static struct pkt *wire_head, **wire_tail = &wire_head;

static void wire_put(const struct l2tp_addr *from, const struct l2tp_addr *to, const uint8_t *p,
                     size_t len)
{
    struct pkt *k = malloc(sizeof *k + len);
    assert_non_null(k);
    k->next = NULL;
    k->from = *from;
    k->to = *to;
    k->len = len;
    memcpy(k->data, p, len);
    *wire_tail = k;
    wire_tail = &k->next;
}

static struct side *side_at(const struct l2tp_addr *a)
{
    if (net_addr_same_ip(a, &lns_side.sock.s.bound))
        return &lns_side;
    if (net_addr_same_ip(a, &lac_side.sock.s.bound))
        return &lac_side;
    return NULL;
}

/* ---- fake data plane (dataplane.h) ---- */

struct l2tpxd_dp *l2tpxd_dp_new(struct lx_ev *ev, const struct l2tpxd_dp_ops *ops, void *ctx)
{
    return NULL; /* not used: the tests install their own */
}

void l2tpxd_dp_free(struct l2tpxd_dp *dp) {}

struct l2tpxd_tun *l2tpxd_dp_tun_open(struct l2tpxd_dp *dp, const struct l2tpxd_tun_opts *o)
{
    for (unsigned i = 0; i < MAX_TUNS; i++) {
        struct l2tpxd_tun *t = &dp->side->tuns[i];
        if (t->open)
            continue;
        memset(t, 0, sizeof *t);
        t->open = true;
        snprintf(t->name, sizeof t->name, "%s", o->name[0] ? o->name : "l2tpx9");
        t->ifindex = 100 + i;
        t->single = o->single_dest;
        t->dest = o->dest;
        t->local4 = o->local_ip4;
        t->peer4 = o->peer_ip4;
        return t;
    }
    return NULL;
}

void l2tpxd_dp_tun_close(struct l2tpxd_dp *dp, struct l2tpxd_tun *t)
{
    for (unsigned i = 0; i < MAX_ROUTES; i++)
        if (dp->side->routes[i].used && dp->side->routes[i].t == t)
            dp->side->routes[i].used = false; /* the kernel drops them with the device */
    t->open = false;
}

const char *l2tpxd_dp_tun_name(const struct l2tpxd_tun *t)
{
    return t->name;
}

unsigned l2tpxd_dp_tun_ifindex(const struct l2tpxd_tun *t)
{
    return t->ifindex;
}

void l2tpxd_dp_tun_set_dest(struct l2tpxd_tun *t, struct l2tpxd_dp_dest *dest)
{
    t->dest = dest;
}

static struct route *route_find(struct side *sd, int family, const uint8_t *a, unsigned plen,
                                bool plain)
{
    size_t n = family == AF_INET ? 4 : 16;
    for (unsigned i = 0; i < MAX_ROUTES; i++) {
        struct route *r = &sd->routes[i];
        if (r->used && r->plain == plain && r->family == family && r->plen == plen &&
            !memcmp(r->a, a, n))
            return r;
    }
    return NULL;
}

static int route_put(struct side *sd, struct l2tpxd_tun *t, int family, const uint8_t *a,
                     unsigned plen, struct l2tpxd_dp_dest *dest, bool plain)
{
    if (route_find(sd, family, a, plen, plain))
        return -EEXIST;
    for (unsigned i = 0; i < MAX_ROUTES; i++) {
        struct route *r = &sd->routes[i];
        if (r->used)
            continue;
        memset(r, 0, sizeof *r);
        r->used = true;
        r->plain = plain;
        r->family = family;
        memcpy(r->a, a, family == AF_INET ? 4 : 16);
        r->plen = plen;
        r->dest = dest;
        r->t = t;
        return 0;
    }
    return -ENOSPC;
}

int l2tpxd_dp_route_add(struct l2tpxd_dp *dp, struct l2tpxd_tun *t, int family, const uint8_t *addr,
                        unsigned plen, struct l2tpxd_dp_dest *dest)
{
    assert_true(t->open);
    assert_non_null(dest);
    return route_put(dp->side, t, family, addr, plen, dest, false);
}

void l2tpxd_dp_route_del(struct l2tpxd_dp *dp, struct l2tpxd_tun *t, int family,
                         const uint8_t *addr, unsigned plen)
{
    struct route *r = route_find(dp->side, family, addr, plen, false);
    assert_non_null(r); /* the glue never deletes what it did not add */
    r->used = false;
}

int l2tpxd_dp_route_plain(struct l2tpxd_dp *dp, struct l2tpxd_tun *t, int family,
                          const uint8_t *addr, unsigned plen, unsigned metric, bool add)
{
    assert_true(t->open);
    if (add)
        return route_put(dp->side, t, family, addr, plen, NULL, true);
    struct route *r = route_find(dp->side, family, addr, plen, true);
    if (r == NULL)
        return -ESRCH;
    r->used = false;
    return 0;
}

int l2tpxd_dp_to_tun(struct l2tpxd_dp *dp, struct l2tpxd_tun *t, struct l2tpxd_dp_dest *dest,
                     uint8_t *pkt, size_t len)
{
    struct side *sd = dp->side;
    assert_true(t->open);
    sd->to_tun_pkts++;
    dest->from_user_pkts++;
    dest->from_user_bytes += len;
    if (len <= sizeof sd->last_pkt) {
        memcpy(sd->last_pkt, pkt, len);
        sd->last_len = len;
    }
    return 0;
}

void l2tpxd_dp_forget(struct l2tpxd_dp *dp, struct l2tpxd_dp_dest *dest)
{
    for (unsigned i = 0; i < MAX_ROUTES; i++)
        if (dp->side->routes[i].used && dp->side->routes[i].dest == dest)
            fail_msg("route %u still registered for a dest being forgotten", i);
}

void l2tpxd_dp_get_stats(const struct l2tpxd_dp *dp, struct l2tpxd_dp_stats *st)
{
    memset(st, 0, sizeof *st);
}

/* TUN -> user as dataplane.c does it: [L2TP data header][dest's PPP
 * header][IP packet], sent to the tunnel's peer. */
static int from_tun(struct side *sd, struct l2tpxd_dp_dest *dest, const uint8_t *ip, size_t len)
{
    bool v6 = (ip[0] >> 4) == 6;
    uint8_t hl = v6 ? dest->ppp_hdr6_len : dest->ppp_hdr_len;
    if (dest->ls == NULL || hl == 0)
        return -1;
    uint8_t buf[2048];
    const struct l2tp_addr *local, *peer;
    size_t h = l2tp_session_data_header(dest->ls, buf, 64, hl + len, &local, &peer);
    if (h == 0)
        return -1;
    memcpy(buf + h, v6 ? dest->ppp_hdr6 : dest->ppp_hdr, hl);
    memcpy(buf + h + hl, ip, len);
    wire_put(local, peer, buf, h + hl + len);
    dest->to_user_pkts++;
    dest->to_user_bytes += len;
    return 0;
}

/* ---- daemon.c's part (what sess/lns/lacclient call back into) ---- */

void l2tpxd_rearm(struct l2tpxd *d) {}

struct l2tpxd_sock *l2tpxd_pick_sock(struct l2tpxd *d, const struct l2tp_addr *local, int family)
{
    struct side *sd = d == &lns_side.d ? &lns_side : &lac_side;
    return family == AF_INET ? &sd->sock : NULL;
}

struct net_nl *l2tpxd_netlink(struct l2tpxd *d)
{
    return NULL;
}

/* The engine callbacks, routed as daemon.c routes them. */
static void e_send(void *user, const struct l2tp_addr *local, const struct l2tp_addr *peer,
                   const uint8_t *pkt, size_t len)
{
    struct side *sd = user;
    wire_put(&sd->sock.s.bound, peer, pkt, len);
}

static const struct l2tp_tunnel_cfg *e_accept_tunnel(void *user, const struct l2tp_addr *local,
                                                     const struct l2tp_addr *peer, const char *host)
{
    struct side *sd = user;
    const struct cfg_section *sec = cfg_select_lns(&sd->cfg, peer);
    return sec ? &sec->tunnel : NULL;
}

static bool e_accept_session(void *user, struct l2tp_session *s, const struct l2tp_call_params *p)
{
    return true;
}

static struct l2tpxd_lacc *owner_lacc(struct l2tp_tunnel *t)
{
    enum l2tpxd_owner_kind *k = t ? l2tp_tunnel_get_user(t) : NULL;
    return k && *k == L2TPXD_OWNER_LACC ? (struct l2tpxd_lacc *)k : NULL;
}

static void e_event(void *user, const struct l2tp_event *ev)
{
    struct side *sd = user;
    struct l2tpxd_lacc *c = owner_lacc(ev->tunnel);
    switch (ev->type) {
    case L2TP_EV_TUNNEL_DOWN:
        if (c)
            l2tpxd_lacc_tunnel_down(c, ev->tunnel);
        break;
    case L2TP_EV_SESSION_UP: {
        struct l2tpxd_sess *s = NULL;
        if (c) {
            s = l2tpxd_lacc_session_up(c, ev->session);
        } else {
            struct l2tp_tunnel_info ti;
            l2tp_tunnel_get_info(ev->tunnel, &ti);
            struct l2tpxd_lns *l = l2tpxd_lns_for_peer(&sd->d, &ti.peer);
            s = l ? l2tpxd_lns_session_up(l, ev->session) : NULL;
        }
        if (s == NULL)
            l2tp_session_close(sd->d.eng, lx_ev_now(sd->d.ev), ev->session,
                               L2TP_CDN_NO_FACILITIES_TEMP, L2TP_ERR_NO_RESOURCES, "no PPP");
        break;
    }
    case L2TP_EV_SESSION_DOWN: {
        sd->sess_down++;
        sd->down_result = ev->result_code;
        sd->down_local = ev->local;
        sd->down_cause_set = ev->cause_set;
        sd->down_cause = ev->cause_code;
        sd->down_cause_proto = ev->cause_proto;
        sd->down_cause_dir = ev->cause_direction;
        struct l2tpxd_sess *s = l2tp_session_get_user(ev->session);
        if (s)
            l2tpxd_sess_lower_down(s, ev->local, ev->result_code, ev->error_code, ev->message);
        else if (c)
            l2tpxd_lacc_session_down(c, ev->session);
        break;
    }
    default:
        break;
    }
}

static void e_data(void *user, struct l2tp_session *s, const uint8_t *frame, size_t len)
{
    struct l2tpxd_sess *ps = l2tp_session_get_user(s);
    if (ps)
        l2tpxd_sess_data(ps, frame, len);
}

static const struct l2tp_engine_ops e_ops = {
    .send = e_send,
    .accept_tunnel = e_accept_tunnel,
    .accept_session = e_accept_session,
    .event = e_event,
    .data = e_data,
};

/* ---- running both ---- */

static void pump(void)
{
    for (int round = 0; round < 200; round++) {
        bool busy = false;
        while (wire_head) {
            struct pkt *k = wire_head;
            wire_head = k->next;
            if (wire_head == NULL)
                wire_tail = &wire_head;
            struct side *to = side_at(&k->to);
            if (to) {
                struct l2tp_addr local = k->to;
                l2tp_engine_input(to->d.eng, lx_ev_update_now(to->d.ev), &local, &k->from, k->data,
                                  k->len);
            }
            free(k);
            busy = true;
        }
        struct side *all[2] = {&lns_side, &lac_side};
        for (int i = 0; i < 2; i++) {
            struct l2tpxd *d = &all[i]->d;
            if (lx_ev_run_once(d->ev, 0) > 0)
                busy = true;
            lx_ms_t now = lx_ev_update_now(d->ev);
            if (l2tp_engine_next_timeout(d->eng) <= now) {
                l2tp_engine_timeout(d->eng, now);
                busy = true;
            }
        }
        if (!busy && wire_head == NULL)
            return;
    }
}

static char secrets_path[64], badopts_path[64], noauth_path[64];

static void side_start(struct side *sd, const char *ip, const char *conf)
{
    memset(sd, 0, sizeof *sd);
    cfg_init(&sd->cfg);
    assert_int_equal(cfg_load_string(&sd->cfg, "t.conf", conf, NULL, NULL), 0);
    struct l2tpxd *d = &sd->d;
    d->cfg = &sd->cfg;
    d->ev = lx_ev_new();
    assert_non_null(d->ev);
    struct l2tp_engine_cfg ec;
    l2tp_engine_cfg_defaults(&ec);
    d->eng = l2tp_engine_new(&ec, &e_ops, sd);
    assert_non_null(d->eng);
    sd->dp.side = sd;
    d->dp = &sd->dp;
    sd->sock.d = d;
    assert_int_equal(net_addr_parse(ip, 1701, &sd->sock.s.bound), 0);
    sd->sock.s.family = AF_INET;
    assert_int_equal(l2tpxd_lns_setup(d), 0);
    assert_int_equal(l2tpxd_lacc_setup(d), 0);
}

static void side_stop(struct side *sd)
{
    struct l2tpxd *d = &sd->d;
    while (d->sessions)
        l2tpxd_sess_lower_down(d->sessions, true, L2TP_CDN_ADMIN, 0, "test end");
    l2tp_engine_free(d->eng);
    l2tpxd_lacc_teardown(d);
    l2tpxd_lns_teardown(d);
    lx_ev_free(d->ev);
    cfg_free(&sd->cfg);
}

static unsigned routes_of(const struct side *sd, bool plain)
{
    unsigned n = 0;
    for (unsigned i = 0; i < MAX_ROUTES; i++)
        n += sd->routes[i].used && sd->routes[i].plain == plain;
    return n;
}

static unsigned routes4_of(const struct side *sd, bool plain)
{
    unsigned n = 0;
    for (unsigned i = 0; i < MAX_ROUTES; i++)
        n += sd->routes[i].used && sd->routes[i].plain == plain && sd->routes[i].family == AF_INET;
    return n;
}

static unsigned tuns_open(const struct side *sd)
{
    unsigned n = 0;
    for (unsigned i = 0; i < MAX_TUNS; i++)
        n += sd->tuns[i].open;
    return n;
}

static size_t pool_used(const struct side *sd)
{
    size_t used = 0;
    for (size_t i = 0; sd->d.pools && i < aaa_pool_count(sd->d.pools); i++) {
        struct aaa_pool_stats st;
        aaa_pool_get_stats(aaa_pool_at(sd->d.pools, i), &st);
        used += st.used;
    }
    return used;
}

static const char *lns_conf(void)
{
    static char buf[1024];
    snprintf(buf, sizeof buf,
             "[global]\n"
             "[lns default]\n"
             "ip range = 10.99.0.10-10.99.0.11\n"
             "local ip = 10.99.0.1\n"
             "require authentication = yes\n"
             "chap secrets = %s\n"
             "name = lns\n",
             secrets_path);
    return buf;
}

/* One [lac NAME] section per user; the password comes from the secrets
 * file (pppd's client-side lookup) unless `opts` names a pppoptfile. */
static const char *lac_conf(const char *const *users, size_t n, const char *opts)
{
    static char buf[4096];
    size_t off = (size_t)snprintf(buf, sizeof buf, "[global]\n");
    for (size_t i = 0; i < n; i++)
        off += (size_t)snprintf(buf + off, sizeof buf - off,
                                "[lac %s]\nlns = 10.0.0.1\nautodial = yes\nredial = no\n"
                                "name = %s\nchap secrets = %s\nroute = 10.98.%zu.0/24\n%s%s%s",
                                users[i], users[i], secrets_path, i + 1,
                                opts ? "pppoptfile = " : "", opts ? opts : "", opts ? "\n" : "");
    return buf;
}

static struct l2tpxd_sess *find_user(struct side *sd, const char *user)
{
    for (struct l2tpxd_sess *s = sd->d.sessions; s; s = s->next)
        if (!strcmp(s->user, user))
            return s;
    return NULL;
}

static bool net_up(struct l2tpxd_sess *s)
{
    struct ppp_link_info info;
    ppp_link_get_info(s->link, &info);
    return info.net.ipv4_up;
}

/* ---- log hook: no secret ever logged ---- */

static unsigned secret_leaks;
static void log_hook(void *ctx, int level, const char *line)
{
    static const char *const secrets[] = {"alicepw", "carolpw", "davepw", "bobpw", "WRONGpw"};
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
        if (strstr(line, secrets[i]))
            secret_leaks++;
}

static int setup(void **state)
{
    snprintf(secrets_path, sizeof secrets_path, "/tmp/l2tpx-test-sess-%d.secrets", (int)getpid());
    FILE *f = fopen(secrets_path, "w");
    assert_non_null(f);
    fchmod(fileno(f), 0600);
    fputs("alice * alicepw *\ncarol * carolpw *\ndave * davepw *\nbob * bobpw 10.99.0.200\n", f);
    fclose(f);
    snprintf(badopts_path, sizeof badopts_path, "/tmp/l2tpx-test-sess-%d.opts", (int)getpid());
    f = fopen(badopts_path, "w");
    assert_non_null(f);
    fputs("password WRONGpw\n", f);
    fclose(f);
    snprintf(noauth_path, sizeof noauth_path, "/tmp/l2tpx-test-sess-%d.noauth", (int)getpid());
    f = fopen(noauth_path, "w");
    assert_non_null(f);
    fputs("noauth\n", f);
    fclose(f);
    lx_log_open(getenv("TEST_LOG") ? LX_LOG_SINK_STDERR : LX_LOG_SINK_NONE, "test", LX_LOG_DEBUG);
    lx_log_set_hook(log_hook, NULL);
    return 0;
}

static int teardown(void **state)
{
    lx_log_set_hook(NULL, NULL);
    unlink(secrets_path);
    unlink(badopts_path);
    unlink(noauth_path);
    return 0;
}

/* ---- tests ---- */

static const uint8_t ping4[28] = {
    0x45, 0,  0,  28, 0, 1, 0, 0, 64,   1,    0, 0, 10, 99,
    0,    10, 10, 99, 0, 1, 8, 0, 0xf7, 0xfe, 0, 1, 0,  0,
};

/* PPP up both ways, the address from the pool, the /32 registered on the
 * shared TUN, the client's own TUN with its route; packets both ways;
 * an administrative CDN from the LNS takes every trace away. */
static void test_up_data_down(void **state)
{
    static const char *const users[] = {"alice"};
    side_start(&lns_side, "10.0.0.1", lns_conf());
    side_start(&lac_side, "10.0.0.2", lac_conf(users, 1, NULL));
    assert_int_equal(tuns_open(&lns_side), 1); /* the one shared TUN */
    l2tpxd_lacc_start(&lac_side.d);
    pump();

    struct l2tpxd_sess *ls = find_user(&lns_side, "alice");
    struct l2tpxd_sess *cs = find_user(&lac_side, "alice");
    assert_non_null(ls);
    assert_non_null(cs);
    assert_true(net_up(ls));
    assert_true(net_up(cs));
    assert_int_equal(ls->pool_ip, 0x0a63000a); /* 10.99.0.10 */
    assert_int_equal(pool_used(&lns_side), 1);
    /* the /32, and the peer's IPv6 link-local /128 (IPv6CP) */
    assert_int_equal(routes4_of(&lns_side, false), 1);
    assert_int_equal(routes_of(&lns_side, false), 2);
    uint8_t a[4] = {10, 99, 0, 10};
    struct route *r = route_find(&lns_side, AF_INET, a, 32, false);
    assert_non_null(r);
    assert_ptr_equal(r->dest, &ls->dest);
    assert_ptr_equal(r->t, lns_side.d.lns_tun);
    assert_true(ls->dest.ppp_hdr_len >= 1);
    assert_int_not_equal(ls->dest.mss_clamp, 0);

    /* The client: its own TUN with the addresses IPCP gave it, its route. */
    assert_int_equal(tuns_open(&lac_side), 1);
    assert_non_null(cs->tun);
    struct ppp_link_info ci;
    ppp_link_get_info(cs->link, &ci);
    assert_int_equal(ci.net.local_ip, 0x0a63000a);
    assert_int_equal(ci.net.peer_ip, 0x0a630001);
    /* Addresses go on at open, or (the NCP that opened second) by netlink,
     * which this test does not have. */
    assert_true(cs->tun->local4 == 0 || cs->tun->local4 == 0x0a63000a);
    assert_true(cs->tun->single);
    assert_ptr_equal(cs->tun->dest, &cs->dest);
    uint8_t rt[4] = {10, 98, 1, 0};
    assert_non_null(route_find(&lac_side, AF_INET, rt, 24, true));

    /* client -> LNS TUN */
    assert_int_equal(from_tun(&lac_side, &cs->dest, ping4, sizeof ping4), 0);
    pump();
    assert_int_equal(lns_side.to_tun_pkts, 1);
    assert_int_equal(lns_side.last_len, sizeof ping4);
    assert_memory_equal(lns_side.last_pkt, ping4, sizeof ping4);
    assert_int_equal(ls->dest.from_user_pkts, 1);
    /* LNS TUN -> client */
    assert_int_equal(from_tun(&lns_side, &ls->dest, ping4, sizeof ping4), 0);
    pump();
    assert_int_equal(lac_side.to_tun_pkts, 1);
    assert_memory_equal(lac_side.last_pkt, ping4, sizeof ping4);

    /* disconnect-session on the LNS (RFC 2661 §4.4.2 Result Code 3) */
    struct l2tp_session *lsess = ls->ls;
    l2tp_session_close(lns_side.d.eng, lx_ev_update_now(lns_side.d.ev), lsess, L2TP_CDN_ADMIN, 0,
                       "admin");
    pump();
    assert_null(lns_side.d.sessions);
    assert_int_equal(pool_used(&lns_side), 0);
    assert_int_equal(routes_of(&lns_side, false), 0);
    assert_null(lac_side.d.sessions);
    assert_int_equal(lac_side.down_result, L2TP_CDN_ADMIN);
    assert_false(lac_side.down_local);
    assert_int_equal(tuns_open(&lac_side), 0);
    assert_int_equal(routes_of(&lac_side, true), 0);
    assert_null(lac_side.d.laccs[0].tunnel); /* the client hung up its tunnel too */
    assert_int_equal(tuns_open(&lns_side), 1);
    assert_int_equal(secret_leaks, 0);

    side_stop(&lac_side);
    side_stop(&lns_side);
}

/* 100 dial / hang-up cycles, alternating which end hangs up: nothing
 * accumulates (sessions, pool entries, routes, TUNs). */
static void test_cycles(void **state)
{
    static const char *const users[] = {"carol"};
    side_start(&lns_side, "10.0.0.1", lns_conf());
    side_start(&lac_side, "10.0.0.2", lac_conf(users, 1, NULL));
    for (int i = 0; i < 100; i++) {
        l2tpxd_lacc_start(&lac_side.d);
        /* The daemons run on the real clock: on a loaded machine a cycle
         * may need more than one pump; wait for it, bounded. */
        struct l2tpxd_sess *ls = NULL, *cs = NULL;
        for (int tries = 0; tries < 3000; tries++) {
            pump();
            ls = find_user(&lns_side, "carol");
            cs = find_user(&lac_side, "carol");
            if (ls && cs && net_up(ls) && net_up(cs))
                break;
            usleep(1000);
        }
        assert_non_null(ls);
        assert_non_null(cs);
        assert_true(net_up(ls));
        assert_int_equal(routes4_of(&lns_side, false), 1);
        assert_int_equal(tuns_open(&lac_side), 1);
        struct side *closer = i % 2 ? &lac_side : &lns_side;
        struct l2tpxd_sess *s = i % 2 ? cs : ls;
        l2tp_session_close(closer->d.eng, lx_ev_update_now(closer->d.ev), s->ls, L2TP_CDN_ADMIN, 0,
                           "cycle");
        pump();
        assert_null(lns_side.d.sessions);
        assert_null(lac_side.d.sessions);
        assert_int_equal(pool_used(&lns_side), 0);
        assert_int_equal(routes_of(&lns_side, false), 0);
        assert_int_equal(routes_of(&lac_side, true), 0);
        assert_int_equal(tuns_open(&lac_side), 0);
        assert_null(lac_side.d.laccs[0].tunnel);
    }
    assert_int_equal(lns_side.d.sess_started, 100);
    assert_int_equal(lns_side.d.sess_closed, 100);
    side_stop(&lac_side);
    side_stop(&lns_side);
}

/* Wrong password: refused (CDN Result Code 2), nothing held, never
 * logged. */
static void test_bad_password(void **state)
{
    static const char *const users[] = {"alice"};
    side_start(&lns_side, "10.0.0.1", lns_conf());
    side_start(&lac_side, "10.0.0.2", lac_conf(users, 1, badopts_path));
    l2tpxd_lacc_start(&lac_side.d);
    pump();
    assert_null(lns_side.d.sessions);
    assert_null(lac_side.d.sessions);
    assert_int_equal(lns_side.d.auth_failed, 1);
    assert_int_equal(lns_side.down_result, L2TP_CDN_GENERAL_ERROR);
    /* RFC 3145 §3.3: the CDN says why: authentication failed (16), CHAP;
     * direction 1 from the LNS (it authenticated the peer), 2 from the
     * client (the peer authenticated it). Both hang up at once here, so
     * each SESSION_DOWN is local and reports the cause its CDN carried. */
    assert_true(lns_side.down_cause_set && lac_side.down_cause_set);
    assert_int_equal(lns_side.down_cause, L2TP_PPP_CAUSE_AUTH_FAILED);
    assert_int_equal(lns_side.down_cause_proto, 0xc223);
    assert_int_equal(lns_side.down_cause_dir,
                     lns_side.down_local ? L2TP_PPP_CAUSE_DIR_PEER : L2TP_PPP_CAUSE_DIR_LOCAL);
    assert_int_equal(lac_side.down_cause, L2TP_PPP_CAUSE_AUTH_FAILED);
    assert_int_equal(lac_side.down_cause_dir,
                     lac_side.down_local ? L2TP_PPP_CAUSE_DIR_LOCAL : L2TP_PPP_CAUSE_DIR_PEER);
    assert_int_equal(pool_used(&lns_side), 0);
    assert_int_equal(routes_of(&lns_side, false), 0);
    assert_int_equal(tuns_open(&lac_side), 0);
    assert_int_equal(secret_leaks, 0);
    side_stop(&lac_side);
    side_stop(&lns_side);
}

/* Two pool addresses, a static user, and one user too many: the static
 * address is claimed outside the pool, the third pool user is refused
 * with "address pool exhausted", and everything is released. */
static void test_pool_static_exhausted(void **state)
{
    static const char *const users[] = {"alice", "carol", "bob", "dave"};
    side_start(&lns_side, "10.0.0.1", lns_conf());
    side_start(&lac_side, "10.0.0.2", lac_conf(users, 4, NULL));
    l2tpxd_lacc_start(&lac_side.d);
    pump();
    struct l2tpxd_sess *al = find_user(&lns_side, "alice");
    struct l2tpxd_sess *ca = find_user(&lns_side, "carol");
    struct l2tpxd_sess *bo = find_user(&lns_side, "bob");
    assert_non_null(al);
    assert_non_null(ca);
    assert_non_null(bo);
    assert_null(find_user(&lns_side, "dave"));
    assert_int_equal(lns_side.d.addr_exhausted, 1);
    assert_int_equal(bo->claimed_ip, 0x0a6300c8); /* 10.99.0.200 */
    assert_true(net_up(bo));
    assert_int_not_equal(al->pool_ip, ca->pool_ip);
    assert_int_equal(routes4_of(&lns_side, false), 3);
    assert_int_equal(tuns_open(&lac_side), 3);
    assert_true(aaa_pool_set_in_use4(lns_side.d.pools, 0x0a6300c8));

    side_stop(&lac_side); /* sessions gone on the client: no CDN reaches the LNS */
    memset(&lac_side, 0, sizeof lac_side);
    while (wire_head) {
        struct pkt *k = wire_head;
        wire_head = k->next;
        free(k);
    }
    wire_tail = &wire_head;
    side_stop(&lns_side);
}

/* SIGTERM's order: LCP Terminate-Request, then StopCCN; every session
 * goes with its routes and TUNs. */
static void test_shutdown(void **state)
{
    static const char *const users[] = {"alice", "carol"};
    side_start(&lns_side, "10.0.0.1", lns_conf());
    side_start(&lac_side, "10.0.0.2", lac_conf(users, 2, NULL));
    l2tpxd_lacc_start(&lac_side.d);
    pump();
    assert_int_equal(lns_side.d.n_sessions, 2);
    lns_side.d.stopping = true;
    for (struct l2tpxd_sess *s = lns_side.d.sessions; s; s = s->next)
        l2tpxd_sess_terminate(s, "shutting down");
    l2tp_engine_shutdown(lns_side.d.eng, lx_ev_update_now(lns_side.d.ev));
    pump();
    assert_null(lns_side.d.sessions);
    assert_null(lac_side.d.sessions);
    assert_true(l2tp_engine_idle(lns_side.d.eng));
    assert_int_equal(pool_used(&lns_side), 0);
    assert_int_equal(routes_of(&lns_side, false), 0);
    assert_int_equal(tuns_open(&lac_side), 0);
    side_stop(&lac_side);
    side_stop(&lns_side);
}

/* pppd `noauth`: no verdict, the address comes from the pool when the
 * call is answered and goes back when it ends. */
static void test_no_auth_pool(void **state)
{
    static const char *const users[] = {"alice"};
    char conf[1024];
    snprintf(conf, sizeof conf,
             "[global]\n[lns default]\nip range = 10.99.0.10-10.99.0.11\n"
             "local ip = 10.99.0.1\npppoptfile = %s\n",
             noauth_path);
    side_start(&lns_side, "10.0.0.1", conf);
    side_start(&lac_side, "10.0.0.2", lac_conf(users, 1, NULL));
    l2tpxd_lacc_start(&lac_side.d);
    pump();
    struct l2tpxd_sess *ls = lns_side.d.sessions;
    struct l2tpxd_sess *cs = lac_side.d.sessions;
    assert_non_null(ls);
    assert_non_null(cs);
    assert_true(net_up(cs));
    struct ppp_link_info ci;
    ppp_link_get_info(cs->link, &ci);
    assert_int_equal(ci.net.local_ip, 0x0a63000a);
    assert_int_equal(ls->pool_ip, 0x0a63000a);
    assert_int_equal(pool_used(&lns_side), 1);
    l2tp_session_close(lns_side.d.eng, lx_ev_update_now(lns_side.d.ev), ls->ls, L2TP_CDN_ADMIN, 0,
                       "admin");
    pump();
    assert_int_equal(pool_used(&lns_side), 0);
    assert_int_equal(routes_of(&lns_side, false), 0);
    side_stop(&lac_side);
    side_stop(&lns_side);
}

/* `ipv6 prefix`: the LNS takes a /64 for the session when IPv6CP opens,
 * registers it with the data plane for that session, advertises it (RFC
 * 4861 §6.2.4) and answers the client's solicitation; neither RS nor RA
 * ever reaches a TUN; a user's RA is dropped; an RS flood gets one answer
 * a second; the /64 goes back to the pool with the session. */
static void test_ipv6_router_advertisement(void **state)
{
    static const char *const users[] = {"alice"};
    char conf[1200];
    snprintf(conf, sizeof conf, "%sipv6 prefix = 2001:db8:100::/62\nipv6 dns = 2001:db8::53\n",
             lns_conf());
    side_start(&lns_side, "10.0.0.1", conf);
    side_start(&lac_side, "10.0.0.2", lac_conf(users, 1, NULL));
    l2tpxd_lacc_start(&lac_side.d);
    pump();
    struct l2tpxd_sess *ls = find_user(&lns_side, "alice");
    struct l2tpxd_sess *cs = find_user(&lac_side, "alice");
    assert_non_null(ls);
    assert_non_null(cs);
    assert_true(ls->has_prefix6 && ls->route6p);
    static const uint8_t block[8] = {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00, 0x00, 0x00};
    assert_memory_equal(ls->prefix6, block, 7);
    assert_int_equal(ls->prefix6[7] & 0xfc, 0); /* inside the /62 */
    struct route *r = route_find(&lns_side, AF_INET6, ls->prefix6, 64, false);
    assert_non_null(r);
    assert_ptr_equal(r->dest, &ls->dest);
    assert_int_equal(pool_used(&lns_side), 2); /* the IPv4 address and the /64 */

    /* The first advertisement went unsolicited; the client solicited and
     * was answered; nothing of it reached a TUN. */
    assert_true(ls->ra_tx >= 2);
    assert_int_equal(ls->rs_rx, 1);
    assert_int_equal(cs->rs_tx, 1);
    assert_true(cs->ra_rx >= 1);
    assert_int_equal(cs->nd6_dropped, 0);
    assert_int_equal(lns_side.to_tun_pkts, 0);
    assert_int_equal(lac_side.to_tun_pkts, 0);
    assert_int_not_equal(ls->nd6_deadline, LX_MS_NEVER); /* the next one is due */
    assert_int_equal(cs->nd6_deadline, LX_MS_NEVER);     /* no more solicitations */

    /* A user's router advertisement: dropped, never on the shared TUN. */
    uint8_t pkt[NET_ND6_RA_MAX_LEN], src[16];
    struct net_nd6_ra ra;
    memset(&ra, 0, sizeof ra);
    ra.router_lifetime = 1800;
    net_nd6_link_local(cs->ifid6_local, src);
    static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
    ssize_t n = net_nd6_build_ra(pkt, sizeof pkt, src, all_nodes, &ra);
    assert_true(n > 0);
    assert_int_equal(from_tun(&lac_side, &cs->dest, pkt, (size_t)n), 0);
    pump();
    assert_int_equal(ls->nd6_dropped, 1);
    assert_int_equal(lns_side.to_tun_pkts, 0);

    /* Five solicitations at once: one answer (the last was under 1 s ago
     * or this is the first), the rest dropped and counted. */
    uint64_t ra0 = ls->ra_tx;
    n = net_nd6_build_rs(pkt, sizeof pkt, src);
    assert_int_equal(n, NET_ND6_RS_LEN);
    for (int i = 0; i < 5; i++)
        assert_int_equal(from_tun(&lac_side, &cs->dest, pkt, (size_t)n), 0);
    pump();
    assert_int_equal(ls->rs_rx, 6);
    assert_true(ls->ra_tx - ra0 <= 1);
    assert_true(ls->nd6_dropped >= 5);
    assert_int_equal(lns_side.to_tun_pkts, 0);

    /* The session goes: the /64 route and the pool entry too. */
    l2tp_session_close(lns_side.d.eng, lx_ev_update_now(lns_side.d.ev), ls->ls, L2TP_CDN_ADMIN, 0,
                       "admin");
    pump();
    assert_null(lns_side.d.sessions);
    assert_int_equal(routes_of(&lns_side, false), 0);
    assert_int_equal(pool_used(&lns_side), 0);
    side_stop(&lac_side);
    side_stop(&lns_side);
}

/* The client's message to the LNS (as its kernel would send it through its
 * TUN), and the LNS's answer as it reached the client's TUN, parsed. */
static int dhcp6_ask(struct l2tpxd_sess *cs, const struct net_dhcp6_msg *q, struct net_dhcp6_msg *a)
{
    static const uint8_t servers[16] = {0xff, 0x02, [13] = 1, [15] = 2};
    uint8_t src[16], pkt[NET_DHCP6_MAX_LEN];
    net_nd6_link_local(cs->ifid6_local, src);
    ssize_t n = net_dhcp6_build(pkt, sizeof pkt, src, servers, q);
    assert_true(n > 0);
    unsigned before = lac_side.to_tun_pkts;
    assert_int_equal(from_tun(&lac_side, &cs->dest, pkt, (size_t)n), 0);
    pump();
    if (lac_side.to_tun_pkts == before)
        return -1; /* no answer */
    assert_int_equal(net_dhcp6_parse(lac_side.last_pkt, lac_side.last_len, a, NULL), 0);
    return 0;
}

/* `ipv6 pd prefix`: DHCPv6 on the session. Solicit without Rapid Commit
 * gets an Advertise, with it a Reply; the /56 is taken once, routed to the
 * session, kept for Renew; a second client DUID gets NoPrefixAvail;
 * Information-Request gets the DNS; Release and the session's end give
 * the prefix back. Nothing of it reaches the shared TUN. */
static void test_dhcpv6_prefix_delegation(void **state)
{
    static const char *const users[] = {"alice"};
    char conf[1400];
    snprintf(conf, sizeof conf,
             "%sipv6 prefix = 2001:db8:100::/62\nipv6 dns = 2001:db8::53\n"
             "ipv6 pd prefix = 2001:db8:200::/55\nipv6 pd length = 56\n",
             lns_conf());
    side_start(&lns_side, "10.0.0.1", conf);
    side_start(&lac_side, "10.0.0.2", lac_conf(users, 1, NULL));
    l2tpxd_lacc_start(&lac_side.d);
    pump();
    struct l2tpxd_sess *ls = find_user(&lns_side, "alice");
    struct l2tpxd_sess *cs = find_user(&lac_side, "alice");
    assert_non_null(ls);
    assert_non_null(cs);
    unsigned lns_tun0 = lns_side.to_tun_pkts;
    size_t used0 = pool_used(&lns_side);

    static struct net_dhcp6_msg q, a;
    memset(&q, 0, sizeof q);
    q.type = NET_DHCP6_SOLICIT;
    q.xid = 0x123456;
    static const uint8_t duid[] = {0, 3, 0, 1, 2, 0, 0x5e, 0, 0x10, 0xaa};
    memcpy(q.client_duid, duid, sizeof duid);
    q.client_duid_len = sizeof duid;
    q.n_ia_pd = 1;
    q.ia_pd[0].iaid = 7;
    assert_int_equal(dhcp6_ask(cs, &q, &a), 0);
    assert_int_equal(a.type, NET_DHCP6_ADVERTISE);
    assert_int_equal(a.xid, 0x123456);
    assert_int_equal(a.n_ia_pd, 1);
    assert_int_equal(a.ia_pd[0].iaid, 7);
    assert_int_equal(a.ia_pd[0].n_prefixes, 1);
    assert_int_equal(a.ia_pd[0].prefixes[0].plen, 56);
    static const uint8_t block[6] = {0x20, 0x01, 0x0d, 0xb8, 0x02, 0x00};
    assert_memory_equal(a.ia_pd[0].prefixes[0].prefix, block, 6);
    assert_true(a.server_duid_len == 18 && a.n_dns == 1);
    assert_true(ls->has_pd && ls->pd_routed);
    struct route *r = route_find(&lns_side, AF_INET6, ls->pd_prefix, 56, false);
    assert_non_null(r);
    assert_ptr_equal(r->dest, &ls->dest);
    assert_int_equal(pool_used(&lns_side), used0 + 1);

    /* Request with the server's DUID, then Rapid Commit: the same /56. */
    q.type = NET_DHCP6_REQUEST;
    memcpy(q.server_duid, a.server_duid, a.server_duid_len);
    q.server_duid_len = a.server_duid_len;
    assert_int_equal(dhcp6_ask(cs, &q, &a), 0);
    assert_int_equal(a.type, NET_DHCP6_REPLY);
    assert_memory_equal(a.ia_pd[0].prefixes[0].prefix, ls->pd_prefix, 16);
    q.type = NET_DHCP6_RENEW;
    assert_int_equal(dhcp6_ask(cs, &q, &a), 0);
    assert_int_equal(a.type, NET_DHCP6_REPLY);
    assert_memory_equal(a.ia_pd[0].prefixes[0].prefix, ls->pd_prefix, 16);
    assert_int_equal(pool_used(&lns_side), used0 + 1);

    /* Another DUID on the same session: no second prefix. A 130-byte DUID
     * and four IA_PDs make a reply larger than any RA: it is still sent. */
    q.type = NET_DHCP6_SOLICIT;
    q.server_duid_len = 0;
    q.rapid_commit = true;
    memset(q.client_duid, 0x5a, NET_DHCP6_DUID_MAX);
    q.client_duid_len = NET_DHCP6_DUID_MAX;
    q.n_ia_pd = 4;
    for (unsigned i = 0; i < 4; i++)
        q.ia_pd[i].iaid = 10 + i;
    assert_int_equal(dhcp6_ask(cs, &q, &a), 0);
    assert_true(lac_side.last_len > NET_ND6_RA_MAX_LEN);
    assert_int_equal(a.type, NET_DHCP6_REPLY);
    assert_int_equal(a.n_ia_pd, 4);
    for (unsigned i = 0; i < 4; i++) {
        assert_true(a.ia_pd[i].has_status);
        assert_int_equal(a.ia_pd[i].status, NET_DHCP6_ST_NO_PREFIX_AVAIL);
    }
    assert_int_equal(pool_used(&lns_side), used0 + 1);
    memcpy(q.client_duid, duid, sizeof duid);
    q.client_duid_len = sizeof duid;
    q.n_ia_pd = 1;

    /* Stateless: Information-Request gets the DNS server. */
    memset(&q, 0, sizeof q);
    q.type = NET_DHCP6_INFORMATION_REQUEST;
    q.xid = 99;
    assert_int_equal(dhcp6_ask(cs, &q, &a), 0);
    assert_int_equal(a.n_dns, 1);
    assert_int_equal(a.dns[0][15], 0x53);

    /* Release of the prefix: back to the pool, the route gone. */
    memset(&q, 0, sizeof q);
    q.type = NET_DHCP6_RELEASE;
    memcpy(q.client_duid, duid, sizeof duid);
    q.client_duid_len = sizeof duid;
    memcpy(q.server_duid, a.server_duid, a.server_duid_len);
    q.server_duid_len = a.server_duid_len;
    q.n_ia_pd = 1;
    q.ia_pd[0].iaid = 7;
    q.ia_pd[0].n_prefixes = 1;
    memcpy(q.ia_pd[0].prefixes[0].prefix, ls->pd_prefix, 16);
    q.ia_pd[0].prefixes[0].plen = 56;
    assert_int_equal(dhcp6_ask(cs, &q, &a), 0);
    assert_true(a.has_status && a.status == NET_DHCP6_ST_SUCCESS);
    assert_false(ls->has_pd);
    assert_int_equal(pool_used(&lns_side), used0);
    assert_null(route_find(&lns_side, AF_INET6, q.ia_pd[0].prefixes[0].prefix, 56, false));

    /* A Request for a server that is not us: no answer. */
    q.type = NET_DHCP6_REQUEST;
    q.server_duid[17] ^= 1;
    assert_int_equal(dhcp6_ask(cs, &q, &a), -1);
    assert_true(ls->dhcp6_dropped >= 1);
    assert_int_equal(lns_side.to_tun_pkts, lns_tun0);

    /* Port 547 on a server out there (global unicast): the user's traffic,
     * passed to the TUN, not answered here. */
    {
        static const uint8_t remote[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x47};
        uint8_t src[16], pkt[NET_DHCP6_MAX_LEN];
        memset(&q, 0, sizeof q);
        q.type = NET_DHCP6_INFORMATION_REQUEST;
        q.xid = 5;
        net_nd6_link_local(cs->ifid6_local, src);
        ssize_t n = net_dhcp6_build(pkt, sizeof pkt, src, remote, &q);
        assert_true(n > 0);
        uint64_t rx0 = ls->dhcp6_rx;
        assert_int_equal(from_tun(&lac_side, &cs->dest, pkt, (size_t)n), 0);
        pump();
        assert_int_equal(lns_side.to_tun_pkts, lns_tun0 + 1);
        assert_int_equal(ls->dhcp6_rx, rx0);
        lns_tun0 = lns_side.to_tun_pkts;
    }

    /* Bound again, then the session ends: the prefix goes with it. */
    memset(&q, 0, sizeof q);
    q.type = NET_DHCP6_SOLICIT;
    q.rapid_commit = true;
    memcpy(q.client_duid, duid, sizeof duid);
    q.client_duid_len = sizeof duid;
    q.n_ia_pd = 1;
    assert_int_equal(dhcp6_ask(cs, &q, &a), 0);
    assert_true(ls->has_pd);
    l2tp_session_close(lns_side.d.eng, lx_ev_update_now(lns_side.d.ev), ls->ls, L2TP_CDN_ADMIN, 0,
                       "admin");
    pump();
    assert_null(lns_side.d.sessions);
    assert_int_equal(routes_of(&lns_side, false), 0);
    assert_int_equal(pool_used(&lns_side), 0);
    side_stop(&lac_side);
    side_stop(&lns_side);
}

/* Only `ipv6 pd prefix` (an unnumbered WAN): the LNS still advertises
 * itself as a default router, without a prefix, and a client with
 * `defaultroute6` routes ::/0 through its session. */
static void test_ipv6_ra_without_prefix(void **state)
{
    char conf[1400];
    snprintf(conf, sizeof conf, "%sipv6 pd prefix = 2001:db8:200::/55\n", lns_conf());
    side_start(&lns_side, "10.0.0.1", conf);
    char lconf[512];
    snprintf(lconf, sizeof lconf,
             "[lac alice]\nlns = 10.0.0.1\nautodial = yes\nredial = no\nname = alice\n"
             "chap secrets = %s\ndefaultroute6 = yes\n",
             secrets_path);
    side_start(&lac_side, "10.0.0.2", lconf);
    l2tpxd_lacc_start(&lac_side.d);
    pump();
    struct l2tpxd_sess *ls = find_user(&lns_side, "alice");
    struct l2tpxd_sess *cs = find_user(&lac_side, "alice");
    assert_non_null(ls);
    assert_non_null(cs);
    assert_false(ls->has_prefix6);
    assert_true(ls->ra_tx >= 1);
    assert_true(cs->ra_rx >= 1);
    static const uint8_t any[16];
    assert_non_null(route_find(&lac_side, AF_INET6, any, 0, true));
    assert_true(lac_side.d.laccs[0].default6_added);
    assert_false(lac_side.d.laccs[0].v6_global_added);
    side_stop(&lac_side);
    side_stop(&lns_side);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_up_data_down),
        cmocka_unit_test(test_cycles),
        cmocka_unit_test(test_bad_password),
        cmocka_unit_test(test_pool_static_exhausted),
        cmocka_unit_test(test_shutdown),
        cmocka_unit_test(test_no_auth_pool),
        cmocka_unit_test(test_ipv6_router_advertisement),
        cmocka_unit_test(test_dhcpv6_prefix_delegation),
        cmocka_unit_test(test_ipv6_ra_without_prefix),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
