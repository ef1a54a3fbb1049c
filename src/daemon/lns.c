/* The LNS side of PPP in l2tpxd: see lns.h. */
#include "daemon/lns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aaa/pool.h"
#include "aaa/secrets.h"
#include "daemon/dataplane.h"
#include "daemon/sess.h"
#include "lib/log.h"
#include "lib/rand.h"
#include "net/mtu.h"
#include "net/netlink.h"
#include "ppp/ppp.h"

static const char *ip4_str(uint32_t host, char *buf, size_t cap)
{
    struct in_addr a = {htonl(host)};
    return inet_ntop(AF_INET, &a, buf, (socklen_t)cap);
}

/* ---- AAA in the event loop ---- */

static void aaa_notify(void *ctx)
{
    struct l2tpxd_lns *l = ctx;
    /* Must not call back into aaa_*: deliver from the loop, right away. */
    lx_ev_timer_set(l->d->ev, &l->aaa_timer, 0);
}

static void aaa_timer_fired(void *arg, struct lx_timer *t)
{
    struct l2tpxd_lns *l = arg;
    aaa_poll(l->aaa, lx_ev_now(l->d->ev));
    lx_ev_timer_set(l->d->ev, &l->aaa_timer, aaa_next_timeout(l->aaa));
}

/* ---- addresses (RFC 1332 §3.3 IP-Address) ---- */

static void release_address(struct l2tpxd_sess *s)
{
    struct l2tpxd *d = s->d;
    char ab[INET_ADDRSTRLEN];
    if (s->pool_ip) {
        int rc = aaa_pool_release4(s->pool, s->pool_ip);
        if (rc < 0)
            lx_warn("session %u/%u: releasing %s: %s", s->tid, s->sid,
                    ip4_str(s->pool_ip, ab, sizeof ab), strerror(-rc));
        s->pool_ip = 0;
        s->pool = NULL;
    }
    if (s->claimed_ip) {
        int rc = aaa_pool_set_release4(d->pools, s->claimed_ip);
        if (rc < 0)
            lx_warn("session %u/%u: releasing %s: %s", s->tid, s->sid,
                    ip4_str(s->claimed_ip, ab, sizeof ab), strerror(-rc));
        s->claimed_ip = 0;
    }
}

static uint32_t held_address(const struct l2tpxd_sess *s)
{
    return s->pool_ip ? s->pool_ip : s->claimed_ip;
}

/* Picks the peer's address for an accepting verdict: the one already held
 * (CHAP re-challenge), the backend's static address (claimed so it can
 * never be handed out twice), or one from the section's pools. */
static int assign_address(struct l2tpxd_sess *s, struct ppp_auth_verdict *v, char *why,
                          size_t whylen)
{
    struct l2tpxd_lns *l = s->lns;
    struct l2tpxd *d = s->d;
    char ab[INET_ADDRSTRLEN];
    if (held_address(s)) {
        v->attrs.framed_ip = held_address(s);
        return 0;
    }
    uint32_t ip = v->attrs.framed_ip;
    if (ip) {
        int rc = aaa_pool_set_claim4(d->pools, ip);
        if (rc < 0) {
            snprintf(why, whylen, "static address %s %s", ip4_str(ip, ab, sizeof ab),
                     rc == -EADDRINUSE ? "is already in use" : strerror(-rc));
            return -1;
        }
        s->claimed_ip = ip;
        return 0;
    }
    if (!l->res.assign_ip || (l->n_pools == 0 && v->attrs.framed_pool[0] == '\0'))
        return 0; /* the peer's own address, claimed when IPCP opens */
    struct aaa_pool *p = NULL;
    if (v->attrs.framed_pool[0]) {
        p = aaa_pool_find(d->pools, v->attrs.framed_pool);
        if (p && aaa_pool_alloc4(p, &ip) < 0)
            p = NULL;
        if (p == NULL) {
            d->addr_exhausted++;
            snprintf(why, whylen, "pool '%.32s' missing or exhausted", v->attrs.framed_pool);
            return -1;
        }
    } else {
        for (unsigned i = 0; i < l->n_pools && p == NULL; i++)
            if (aaa_pool_alloc4(l->pools[i], &ip) == 0)
                p = l->pools[i];
        if (p == NULL) {
            d->addr_exhausted++;
            snprintf(why, whylen, "address pool exhausted");
            return -1;
        }
    }
    s->pool = p;
    s->pool_ip = ip;
    v->attrs.framed_ip = ip;
    return 0;
}

/* ---- authentication ---- */

static void aaa_done(void *cookie, aaa_handle_t h, const struct ppp_auth_verdict *v)
{
    struct l2tpxd_sess *s = cookie;
    if (s->aaa != h)
        return;
    s->aaa = 0;
    struct ppp_auth_verdict vv = *v;
    char why[128];
    if (vv.accept && assign_address(s, &vv, why, sizeof why) < 0) {
        enum ppp_auth_method m = s->auth_method;
        /* The user is refused rather than left without an address. */
        memset(&vv, 0, sizeof vv);
        aaa_verdict_reject(&vv, m, "No address available");
        snprintf(s->cdn_msg, sizeof s->cdn_msg, "%.90s", why);
    }
    l2tpxd_sess_auth_verdict(s, &vv);
    explicit_bzero(&vv, sizeof vv); /* MPPE keys */
}

int l2tpxd_lns_verify(struct l2tpxd_sess *s, const struct ppp_auth_request *req, char *why,
                      size_t whylen)
{
    struct l2tpxd_lns *l = s->lns;
    if (l->aaa == NULL) {
        snprintf(why, whylen, "no chap-secrets / pap-secrets configured for [lns %s]",
                 l->sec->name);
        return -1;
    }
    if (s->aaa)
        aaa_cancel(l->aaa, s->aaa);
    s->aaa = aaa_submit(l->aaa, req, aaa_done, s);
    if (s->aaa == 0) {
        snprintf(why, whylen, "authentication backend overloaded");
        return -1;
    }
    return 0;
}

void l2tpxd_lns_cancel(struct l2tpxd_sess *s)
{
    if (s->aaa && s->lns && s->lns->aaa)
        aaa_cancel(s->lns->aaa, s->aaa);
    s->aaa = 0;
}

/* ---- the data plane ---- */

int l2tpxd_lns_net_up(struct l2tpxd_sess *s, uint16_t proto, const struct ppp_link_net *n,
                      char *why, size_t whylen)
{
    struct l2tpxd *d = s->d;
    char ab[INET_ADDRSTRLEN];
    if (d->lns_tun == NULL) {
        snprintf(why, whylen, "no TUN device");
        return -1;
    }
    if (proto == PPP_PROTO_IPCP) {
        uint32_t ip = n->peer_ip;
        if (ip == 0) {
            snprintf(why, whylen, "IPCP opened without a peer address");
            return -1;
        }
        if (s->route4 && s->route4_ip == ip)
            return 0;
        if (ip != held_address(s)) {
            /* The peer kept an address of its own (no pool): it must not
             * be anybody else's. */
            int rc = aaa_pool_set_claim4(d->pools, ip);
            if (rc < 0) {
                snprintf(why, whylen, "peer address %s %s", ip4_str(ip, ab, sizeof ab),
                         rc == -EADDRINUSE ? "is already in use" : strerror(-rc));
                return -1;
            }
            release_address(s);
            s->claimed_ip = ip;
        }
        uint8_t a[4];
        uint32_t nip = htonl(ip);
        memcpy(a, &nip, 4);
        int rc = l2tpxd_dp_route_add(d->dp, d->lns_tun, AF_INET, a, 32, &s->dest);
        if (rc < 0) {
            snprintf(why, whylen, "cannot route %s: %s", ip4_str(ip, ab, sizeof ab),
                     rc == -EEXIST ? "address in use by another session" : strerror(-rc));
            return -1;
        }
        s->route4 = true;
        s->route4_ip = ip;
        return 0;
    }
    if (proto == PPP_PROTO_IPV6CP && s->lns->pool6 && !s->has_prefix6) {
        /* RFC 4862 SLAAC: the user's own /64, advertised by nd6sess.c
         * once IPv6CP is up. Exhaustion leaves the user link-local only. */
        unsigned plen = 0;
        int rc = aaa_pool_alloc6(s->lns->pool6, s->prefix6, &plen);
        if (rc < 0) {
            d->addr_exhausted++;
            LX_LOG_RL(LX_LOG_WARN, "[lns %s]: IPv6 prefix pool exhausted", s->lns->sec->name);
        } else if ((rc = l2tpxd_dp_route_add(d->dp, d->lns_tun, AF_INET6, s->prefix6, 64,
                                             &s->dest)) < 0) {
            LX_LOG_RL(LX_LOG_WARN, "session %u/%u: cannot route its IPv6 prefix: %s", s->tid,
                      s->sid, strerror(-rc));
            aaa_pool_release6(s->lns->pool6, s->prefix6);
        } else {
            s->pool6 = s->lns->pool6;
            s->has_prefix6 = true;
            s->route6p = true;
        }
    }
    if (proto == PPP_PROTO_IPV6CP && !s->route6 && n->peer_ifid) {
        /* RFC 5072 §5: the peer's link-local address fe80::ifid. */
        uint8_t a[16] = {0xfe, 0x80};
        for (int i = 0; i < 8; i++)
            a[8 + i] = (uint8_t)(n->peer_ifid >> (56 - 8 * i));
        int rc = l2tpxd_dp_route_add(d->dp, d->lns_tun, AF_INET6, a, 128, &s->dest);
        if (rc < 0) {
            /* Not fatal: IPv4 may still serve the user. */
            LX_LOG_RL(LX_LOG_INFO, "session %u/%u: IPv6 link-local route: %s", s->tid, s->sid,
                      strerror(-rc));
            return 0;
        }
        memcpy(s->route6_addr, a, 16);
        s->route6 = true;
    }
    return 0;
}

void l2tpxd_lns_net_down(struct l2tpxd_sess *s, uint16_t proto)
{
    struct l2tpxd *d = s->d;
    if (proto == PPP_PROTO_IPCP && s->route4) {
        uint32_t nip = htonl(s->route4_ip);
        uint8_t a[4];
        memcpy(a, &nip, 4);
        l2tpxd_dp_route_del(d->dp, d->lns_tun, AF_INET, a, 32);
        s->route4 = false;
    }
    if (proto == PPP_PROTO_IPV6CP && s->route6) {
        l2tpxd_dp_route_del(d->dp, d->lns_tun, AF_INET6, s->route6_addr, 128);
        s->route6 = false;
    }
    if (proto == PPP_PROTO_IPV6CP)
        l2tpxd_dhcp6_release(s); /* the delegated prefix goes with IPv6 */
    if (proto == PPP_PROTO_IPV6CP && s->has_prefix6) {
        if (s->route6p)
            l2tpxd_dp_route_del(d->dp, d->lns_tun, AF_INET6, s->prefix6, 64);
        s->route6p = false;
        aaa_pool_release6(s->pool6, s->prefix6);
        s->has_prefix6 = false;
        s->pool6 = NULL;
    }
}

static void local_addr(struct l2tpxd_sess *s, bool add);

void l2tpxd_lns_release(struct l2tpxd_sess *s)
{
    l2tpxd_lns_net_down(s, PPP_PROTO_IPCP);
    l2tpxd_lns_net_down(s, PPP_PROTO_IPV6CP);
    release_address(s);
    if (s->local_pool_ip) {
        if (s->local_addr_added)
            local_addr(s, false);
        aaa_pool_release4(s->lns->local_pool, s->local_pool_ip);
        s->local_pool_ip = 0;
    }
}

/* ---- sessions ---- */

struct l2tpxd_lns *l2tpxd_lns_for_peer(struct l2tpxd *d, const struct l2tp_addr *peer)
{
    const struct cfg_section *sec = cfg_select_lns(d->cfg, peer);
    for (unsigned i = 0; sec && i < d->n_lns; i++)
        if (d->lns[i].sec == sec)
            return &d->lns[i];
    return NULL;
}

/* Our end of a session from `local ip range` goes on the shared TUN, so
 * that the kernel answers the user from it. */
static void local_addr(struct l2tpxd_sess *s, bool add)
{
    struct l2tpxd *d = s->d;
    struct net_nl *nl = l2tpxd_netlink(d);
    if (nl == NULL || d->lns_tun == NULL)
        return;
    struct net_nl_addr a;
    memset(&a, 0, sizeof a);
    a.family = AF_INET;
    a.ifindex = (int)l2tpxd_dp_tun_ifindex(d->lns_tun);
    uint32_t nip = htonl(s->local_pool_ip);
    memcpy(a.local, &nip, 4);
    a.plen = 32;
    int rc = add ? net_nl_addr_add(nl, &a) : net_nl_addr_del(nl, &a);
    if (add && rc < 0 && rc != -EEXIST) {
        char ab[INET_ADDRSTRLEN];
        lx_warn("session %u/%u: local address %s on %s: %s", s->tid, s->sid,
                ip4_str(s->local_pool_ip, ab, sizeof ab), l2tpxd_dp_tun_name(d->lns_tun),
                strerror(-rc));
    }
    s->local_addr_added = add && (rc == 0 || rc == -EEXIST);
}

struct l2tpxd_sess *l2tpxd_lns_session_up(struct l2tpxd_lns *l, struct l2tp_session *ls)
{
    if (!l->usable)
        return NULL;
    uint32_t lip = 0;
    if (l->local_pool) {
        if (aaa_pool_alloc4(l->local_pool, &lip) < 0) {
            l->d->addr_exhausted++;
            lx_warn("[lns %s]: 'local ip range' exhausted: call refused", l->sec->name);
            return NULL;
        }
    }
    struct ppp_link_cfg lcfg = l->lcfg;
    if (lip)
        lcfg.local_ip = lip;
    if (lcfg.ifid == 0)
        lcfg.ifid = l->d->lns_ifid; /* the shared TUN's fe80::<ifid> */
    /* Without authentication there is no verdict to carry the address:
     * it is taken from the pools now and offered by IPCP (RFC 1332 §3.3). */
    struct aaa_pool *pp = NULL;
    uint32_t pip = 0;
    if (lcfg.auth_require[0] == PPP_AUTH_NONE && l->res.assign_ip && l->n_pools) {
        for (unsigned i = 0; i < l->n_pools && pp == NULL; i++)
            if (aaa_pool_alloc4(l->pools[i], &pip) == 0)
                pp = l->pools[i];
        if (pp == NULL) {
            l->d->addr_exhausted++;
            lx_warn("[lns %s]: address pool exhausted: call refused", l->sec->name);
            if (lip)
                aaa_pool_release4(l->local_pool, lip);
            return NULL;
        }
        lcfg.peer_ip = pip;
    }
    l->sessions++;
    struct l2tpxd_sess *s = l2tpxd_sess_new(l->d, ls, &lcfg, &l->res, l, NULL);
    if (s == NULL) {
        if (lip)
            aaa_pool_release4(l->local_pool, lip);
        if (pp)
            aaa_pool_release4(pp, pip);
        return NULL;
    }
    s->pool = pp;
    s->pool_ip = pip;
    if (lip) {
        s->local_pool_ip = lip;
        local_addr(s, true);
    }
    return s;
}

/* "10.0.0.2-10.0.0.9,10.0.1.0/24": one aaa_pool_add_range() per item. */
static int add_ranges(struct aaa_pool *p, const char *spec, char *bad, size_t badlen)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", spec);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ' || *tok == '\t')
            tok++;
        size_t n = strlen(tok);
        while (n && (tok[n - 1] == ' ' || tok[n - 1] == '\t'))
            tok[--n] = '\0';
        if (n == 0)
            continue;
        int rc = aaa_pool_add_range(p, tok);
        if (rc < 0) {
            snprintf(bad, badlen, "%s", tok);
            return rc;
        }
    }
    return 0;
}

/* An IPv6 prefix pool "<section>@<tag>" of child_plen prefixes carved from
 * the blocks written under `key`. 0, or -1 (logged). */
static int pool6_setup(struct l2tpxd *d, struct l2tpxd_lns *l, const char *tag, const char *key,
                       const char (*blocks)[64], unsigned n, unsigned child_plen,
                       struct aaa_pool **out)
{
    char name[AAA_POOL_NAME_MAX];
    snprintf(name, sizeof name, "%.56s@%s", l->sec->name, tag);
    int rc = aaa_pool_create(d->pools, name, AF_INET6, out);
    unsigned i = 0;
    for (; rc == 0 && i < n; i++)
        rc = aaa_pool_add_prefix6(*out, blocks[i], child_plen);
    if (rc < 0) {
        lx_err("[lns %s]: '%s' '%s': %s", l->sec->name, key, blocks[i ? i - 1 : 0],
               rc == -EEXIST  ? "overlaps another prefix"
               : rc == -E2BIG ? "more prefixes than a pool may hold (use a longer block)"
                              : strerror(-rc));
        return -1;
    }
    return 0;
}

/* ---- start and stop ---- */

static int setup_one(struct l2tpxd *d, struct l2tpxd_lns *l)
{
    const struct cfg_section *sec = l->sec;
    char err[256] = "";
    if (cfg_section_ppp(sec, true, &l->lcfg, &l->res, err, sizeof err) < 0) {
        lx_err("[lns %s]: %s", sec->name, err[0] ? err : "bad PPP settings");
        return -1;
    }
    l->lcfg.role = PPP_LINK_AUTHENTICATOR;
    l->usable = true;
    for (unsigned i = 0; i < l->res.n_pools && i < L2TPXD_LNS_MAX_POOLS; i++) {
        char name[AAA_POOL_NAME_MAX];
        if (i == 0)
            snprintf(name, sizeof name, "%.60s", sec->name);
        else
            snprintf(name, sizeof name, "%.56s#%u", sec->name, i);
        struct aaa_pool *p = NULL;
        char bad[128] = "";
        int rc = aaa_pool_create(d->pools, name, AF_INET, &p);
        if (rc == 0)
            rc = add_ranges(p, l->res.pools[i], bad, sizeof bad);
        if (rc < 0) {
            lx_err("[lns %s]: address pool %u, range '%s': %s", sec->name, i, bad,
                   rc == -EEXIST ? "overlaps another pool" : strerror(-rc));
            return -1;
        }
        l->pools[l->n_pools++] = p;
    }
    if (l->res.local_pool[0]) {
        char name[AAA_POOL_NAME_MAX], bad[128] = "";
        snprintf(name, sizeof name, "%.56s@local", sec->name);
        int rc = aaa_pool_create(d->pools, name, AF_INET, &l->local_pool);
        if (rc == 0)
            rc = add_ranges(l->local_pool, l->res.local_pool, bad, sizeof bad);
        if (rc < 0) {
            lx_err("[lns %s]: 'local ip range' '%s': %s", sec->name, bad,
                   rc == -EEXIST ? "overlaps another pool" : strerror(-rc));
            return -1;
        }
    }
    /* IPv6: one /64 per session for SLAAC, and the delegated prefixes. */
    if (l->res.n_ipv6_prefixes && pool6_setup(d, l, "ipv6", "ipv6 prefix", l->res.ipv6_prefixes,
                                              l->res.n_ipv6_prefixes, 64, &l->pool6) < 0)
        return -1;
    if (l->res.n_ipv6_pd_prefixes &&
        pool6_setup(d, l, "pd", "ipv6 pd prefix", l->res.ipv6_pd_prefixes,
                    l->res.n_ipv6_pd_prefixes, l->res.ipv6_pd_length, &l->pd_pool) < 0)
        return -1;
    if (l->res.local_ip) {
        /* The LNS end of every session is never handed to a peer. */
        int rc = aaa_pool_set_reserve4(d->pools, l->res.local_ip);
        if (rc < 0 && rc != -EEXIST) {
            char ab[INET_ADDRSTRLEN];
            lx_err("[lns %s]: cannot reserve local ip %s: %s", sec->name,
                   ip4_str(l->res.local_ip, ab, sizeof ab), strerror(-rc));
            return -1;
        }
    }
    if (l->res.chap_secrets[0] || l->res.pap_secrets[0]) {
        struct aaa_secrets_cfg sc = {
            .chap_secrets = l->res.chap_secrets[0] ? l->res.chap_secrets : NULL,
            .pap_secrets = l->res.pap_secrets[0] ? l->res.pap_secrets : NULL,
            .server_name = l->lcfg.our_name[0] ? l->lcfg.our_name : NULL,
        };
        l->aaa = aaa_secrets_backend_new(&sc, err, sizeof err);
        if (l->aaa == NULL) {
            lx_err("[lns %s]: %s", sec->name, err);
            return -1;
        }
        lx_timer_init(&l->aaa_timer, aaa_timer_fired, l);
        aaa_set_notify(l->aaa, aaa_notify, l);
    } else if (l->lcfg.auth_require[0] != PPP_AUTH_NONE) {
        lx_warn("[lns %s]: authentication is required but no secrets file is configured: "
                "every user will be refused",
                sec->name);
    }
    return 0;
}

int l2tpxd_lns_setup(struct l2tpxd *d)
{
    const struct cfg *cfg = d->cfg;
    unsigned n = 0;
    for (unsigned i = 0; i < cfg->n_sections; i++)
        n += cfg->sections[i].kind == CFG_LNS;
    if (n == 0)
        return 0;
    d->pools = aaa_pool_set_new();
    d->lns = calloc(n, sizeof *d->lns);
    if (d->pools == NULL || d->lns == NULL) {
        lx_err("out of memory");
        return -1;
    }
    for (unsigned i = 0; i < cfg->n_sections; i++) {
        if (cfg->sections[i].kind != CFG_LNS)
            continue;
        struct l2tpxd_lns *l = &d->lns[d->n_lns++];
        l->kind = L2TPXD_OWNER_LNS;
        l->d = d;
        l->sec = &cfg->sections[i];
        lx_timer_init(&l->aaa_timer, aaa_timer_fired, l);
        if (setup_one(d, l) < 0)
            return -1;
    }

    /* One TUN for every LNS session; its address is the LNS end. */
    const struct l2tpxd_lns *first = &d->lns[0];
    struct l2tpxd_tun_opts o;
    memset(&o, 0, sizeof o);
    snprintf(o.name, sizeof o.name, "%s",
             first->res.tun_name[0] ? first->res.tun_name : L2TPXD_DEFAULT_TUN);
    unsigned mtu = first->lcfg.mru;
    if (mtu == 0)
        /* As each session's MRU (sess.c): the L bit assumed. */
        mtu = net_mtu_ppp_payload(1500, false, true, first->sec->tunnel.seq_required, false, false);
    o.mtu = (uint16_t)mtu;
    for (unsigned i = 0; i < d->n_lns && o.local_ip4 == 0; i++)
        o.local_ip4 = d->lns[i].res.local_ip;
    /* RFC 5072 §4.1: one random interface identifier for the LNS end. Every
     * session offers it in IPv6CP, so the peer's packets for fe80::<it>
     * reach the one TUN that carries it (a collision with a peer's id is
     * Nak'd per session as §4.1 says). The u/l bit is cleared: not a
     * globally unique EUI-64 (RFC 4291 §2.5.1). */
    do {
        lx_random_bytes(&d->lns_ifid, sizeof d->lns_ifid);
        d->lns_ifid &= ~(UINT64_C(0x02) << 56);
    } while (d->lns_ifid == 0);
    o.local_ifid = d->lns_ifid;
    /* RFC 8415 §11.5 DUID-UUID: type 4 and a random (version 4) UUID. */
    d->dhcp6_duid[0] = 0;
    d->dhcp6_duid[1] = 4;
    lx_random_bytes(d->dhcp6_duid + 2, 16);
    d->dhcp6_duid[2 + 6] = (uint8_t)((d->dhcp6_duid[2 + 6] & 0x0f) | 0x40);
    d->dhcp6_duid[2 + 8] = (uint8_t)((d->dhcp6_duid[2 + 8] & 0x3f) | 0x80);
    d->lns_tun = l2tpxd_dp_tun_open(d->dp, &o);
    if (d->lns_tun == NULL) {
        lx_err("cannot create the LNS TUN device '%s'", o.name);
        return -1;
    }
    char ab[INET_ADDRSTRLEN];
    lx_info("LNS data plane on %s (MTU %u, local %s), %u [lns] section(s)",
            l2tpxd_dp_tun_name(d->lns_tun), mtu,
            o.local_ip4 ? ip4_str(o.local_ip4, ab, sizeof ab) : "none", d->n_lns);
    return 0;
}

void l2tpxd_lns_reload(struct l2tpxd *d)
{
    for (unsigned i = 0; i < d->n_lns; i++) {
        struct l2tpxd_lns *l = &d->lns[i];
        if (l->aaa == NULL)
            continue;
        /* The backend keeps its old tables if the new files are bad, and
         * logs either way. */
        aaa_reload(l->aaa);
    }
}

void l2tpxd_lns_teardown(struct l2tpxd *d)
{
    for (unsigned i = 0; i < d->n_lns; i++) {
        struct l2tpxd_lns *l = &d->lns[i];
        lx_ev_timer_cancel(d->ev, &l->aaa_timer);
        if (l->aaa)
            aaa_free(l->aaa);
        l->aaa = NULL;
    }
    if (d->lns_tun && d->dp)
        l2tpxd_dp_tun_close(d->dp, d->lns_tun);
    d->lns_tun = NULL;
    free(d->lns);
    d->lns = NULL;
    d->n_lns = 0;
    if (d->pools)
        aaa_pool_set_free(d->pools);
    d->pools = NULL;
}
