/* The LNS's DHCPv6 server on one PPP session (RFC 8415): see sess.h.
 *
 * A user's CPE router asks for a prefix for its LAN by prefix delegation
 * (IA_PD, §6.3); hosts asked by the router advertisement's O flag fetch
 * the DNS servers with Information-Request (§6.1, RFC 3646). The LNS is
 * the only server on the link, so it answers every Solicit (Rapid Commit
 * honoured, §18.3.1) and binds at most one delegated prefix per session,
 * taken from the section's `ipv6 pd prefix` pool and routed through the
 * shared TUN to this session until it is released or the session ends.
 * Addresses (IA_NA) are not assigned: SLAAC gives those (nd6sess.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "aaa/pool.h"
#include "daemon/lns.h"
#include "daemon/sess.h"
#include "lib/log.h"
#include "net/dhcp6.h"
#include "net/nd6.h"

/* Lifetimes of a delegated prefix (§21.22) and the renewal times (§21.21:
 * T1 0.5 and T2 0.8 of the preferred lifetime, §14.2). The session bounds
 * them anyway: the prefix goes with it. */
#define DHCP6_PREFERRED_S  43200u
#define DHCP6_VALID_S      86400u
#define DHCP6_T1_S         (DHCP6_PREFERRED_S / 2u)
#define DHCP6_T2_S         (DHCP6_PREFERRED_S / 5u * 4u)
#define DHCP6_INFO_REFRESH 86400u /* §21.23 */
#define DHCP6_MAX_PER_SEC  10u    /* messages a session may send per second */

static void dropped(struct l2tpxd_sess *s, const char *what)
{
    s->dhcp6_dropped++;
    LX_LOG_RL(LX_LOG_INFO, "session %u/%u: DHCPv6 %s dropped", s->tid, s->sid, what);
}

static bool our_duid(const struct l2tpxd_sess *s, const struct net_dhcp6_msg *m)
{
    const struct l2tpxd *d = s->d;
    return m->server_duid_len == sizeof d->dhcp6_duid &&
           memcmp(m->server_duid, d->dhcp6_duid, sizeof d->dhcp6_duid) == 0;
}

/* Takes a prefix from the pool and routes it to the session. */
static int bind_prefix(struct l2tpxd_sess *s, const struct net_dhcp6_msg *m)
{
    struct l2tpxd *d = s->d;
    struct aaa_pool *pool = s->lns ? s->lns->pd_pool : NULL;
    if (s->has_pd)
        return 0;
    if (pool == NULL)
        return -ENOENT;
    unsigned plen = 0;
    int rc = aaa_pool_alloc6(pool, s->pd_prefix, &plen);
    if (rc < 0) {
        d->addr_exhausted++;
        LX_LOG_RL(LX_LOG_WARN, "[lns %s]: IPv6 delegation pool exhausted", s->lns->sec->name);
        return rc;
    }
    rc = l2tpxd_dp_route_add(d->dp, d->lns_tun, AF_INET6, s->pd_prefix, plen, &s->dest);
    if (rc < 0) {
        LX_LOG_RL(LX_LOG_WARN, "session %u/%u: cannot route its delegated prefix: %s", s->tid,
                  s->sid, strerror(-rc));
        aaa_pool_release6(pool, s->pd_prefix);
        return rc;
    }
    s->pd_pool = pool;
    s->pd_plen = (uint8_t)plen;
    s->has_pd = true;
    s->pd_routed = true;
    memcpy(s->pd_duid, m->client_duid, m->client_duid_len);
    s->pd_duid_len = m->client_duid_len;
    char ab[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, s->pd_prefix, ab, sizeof ab);
    lx_info("session %u/%u: delegated %s/%u (DHCPv6)", s->tid, s->sid, ab, plen);
    return 0;
}

void l2tpxd_dhcp6_release(struct l2tpxd_sess *s)
{
    if (!s->has_pd)
        return;
    if (s->pd_routed)
        l2tpxd_dp_route_del(s->d->dp, s->d->lns_tun, AF_INET6, s->pd_prefix, s->pd_plen);
    aaa_pool_release6(s->pd_pool, s->pd_prefix);
    s->pd_routed = false;
    s->has_pd = false;
    s->pd_pool = NULL;
    s->pd_duid_len = 0;
}

/* The IA_PD answer for one requested IA: our prefix with its lifetimes,
 * the client's other prefixes with lifetime 0 (§18.3.4: no longer valid),
 * or NoPrefixAvail (§18.3.1). */
static void answer_ia(const struct l2tpxd_sess *s, const struct net_dhcp6_ia *in, bool give,
                      struct net_dhcp6_ia *out)
{
    memset(out, 0, sizeof *out);
    out->iaid = in->iaid;
    if (!give) {
        out->has_status = true;
        out->status = NET_DHCP6_ST_NO_PREFIX_AVAIL;
        return;
    }
    out->t1 = DHCP6_T1_S;
    out->t2 = DHCP6_T2_S;
    struct net_dhcp6_prefix *p = &out->prefixes[out->n_prefixes++];
    memcpy(p->prefix, s->pd_prefix, 16);
    p->plen = s->pd_plen;
    p->preferred_s = DHCP6_PREFERRED_S;
    p->valid_s = DHCP6_VALID_S;
    for (unsigned i = 0; i < in->n_prefixes && out->n_prefixes < NET_DHCP6_MAX_PREFIXES; i++) {
        const struct net_dhcp6_prefix *c = &in->prefixes[i];
        if (c->plen == s->pd_plen && memcmp(c->prefix, s->pd_prefix, 16) == 0)
            continue;
        if (c->plen == 0)
            continue; /* a hint ("::/56"), not a binding */
        struct net_dhcp6_prefix *z = &out->prefixes[out->n_prefixes++];
        *z = *c;
        z->preferred_s = z->valid_s = 0;
    }
}

static void send_reply(struct l2tpxd_sess *s, const uint8_t client[16], struct net_dhcp6_msg *r)
{
    uint8_t src[16], pkt[NET_DHCP6_MAX_LEN];
    net_nd6_link_local(s->ifid6_local, src);
    ssize_t n = net_dhcp6_build(pkt, sizeof pkt, src, client, r);
    if (n > 0 && l2tpxd_sess_send_ip6(s, pkt, (size_t)n) == 0)
        s->dhcp6_tx++;
}

void l2tpxd_dhcp6_input(struct l2tpxd_sess *s, const uint8_t *pkt, size_t len)
{
    struct l2tpxd *d = s->d;
    lx_ms_t now = lx_ev_now(d->ev);
    if (s->role != PPP_LINK_AUTHENTICATOR || s->lns == NULL || s->ifid6_local == 0) {
        dropped(s, "message (not a server here)");
        return;
    }
    if (now - s->dhcp6_window_ms >= 1000u) {
        s->dhcp6_window_ms = now;
        s->dhcp6_in_window = 0;
    }
    if (++s->dhcp6_in_window > DHCP6_MAX_PER_SEC) {
        dropped(s, "message (rate limit)");
        return;
    }
    struct net_dhcp6_msg m;
    uint8_t client[16];
    if (net_dhcp6_parse(pkt, len, &m, client) < 0) {
        dropped(s, "invalid message");
        return;
    }
    s->dhcp6_rx++;
    const struct cfg_ppp_resolved *res = &s->lns->res;
    static struct net_dhcp6_msg r; /* large; one at a time, never re-entered */
    memset(&r, 0, sizeof r);
    r.type = NET_DHCP6_REPLY;
    r.xid = m.xid;
    memcpy(r.client_duid, m.client_duid, m.client_duid_len);
    r.client_duid_len = m.client_duid_len;
    memcpy(r.server_duid, d->dhcp6_duid, sizeof d->dhcp6_duid);
    r.server_duid_len = sizeof d->dhcp6_duid;
    for (unsigned i = 0; i < res->n_ipv6_dns && i < NET_DHCP6_MAX_DNS; i++)
        memcpy(r.dns[r.n_dns++], res->ipv6_dns[i], 16);

    /* §16: which messages carry which identifiers; others are discarded. */
    bool need_client = m.type != NET_DHCP6_INFORMATION_REQUEST;
    bool server_must = m.type == NET_DHCP6_REQUEST || m.type == NET_DHCP6_RENEW ||
                       m.type == NET_DHCP6_RELEASE || m.type == NET_DHCP6_DECLINE;
    bool server_never =
        m.type == NET_DHCP6_SOLICIT || m.type == NET_DHCP6_CONFIRM || m.type == NET_DHCP6_REBIND;
    if ((need_client && m.client_duid_len == 0) || (server_must && !our_duid(s, &m)) ||
        (server_never && m.server_duid_len != 0) || (m.server_duid_len != 0 && !our_duid(s, &m))) {
        dropped(s, "message not for us");
        return;
    }
    /* A second client on the link (a CPE's LAN is behind it, not here)
     * gets no binding of the one already held. */
    bool same_client = !s->has_pd || (s->pd_duid_len == m.client_duid_len &&
                                      memcmp(s->pd_duid, m.client_duid, m.client_duid_len) == 0);

    switch (m.type) {
    case NET_DHCP6_INFORMATION_REQUEST: /* §18.3.6 */
        r.info_refresh_s = DHCP6_INFO_REFRESH;
        break;
    case NET_DHCP6_SOLICIT: /* §18.3.1 */
    case NET_DHCP6_REQUEST: /* §18.3.2 */
    case NET_DHCP6_RENEW:   /* §18.3.4 */
    case NET_DHCP6_REBIND:  /* §18.3.5 */
        if (m.n_ia_pd == 0 && m.n_ia_na == 0) {
            dropped(s, "message without IA");
            return;
        }
        if (m.type == NET_DHCP6_SOLICIT && !m.rapid_commit)
            r.type = NET_DHCP6_ADVERTISE;
        if (m.type == NET_DHCP6_SOLICIT && m.rapid_commit)
            r.rapid_commit = true;
        bool have = false;
        if (m.n_ia_pd && same_client) {
            /* Renew/Rebind of a prefix we never gave: answered with
             * lifetime 0 for it, and ours if we have one (§18.3.4). */
            if (m.type == NET_DHCP6_SOLICIT || m.type == NET_DHCP6_REQUEST)
                have = bind_prefix(s, &m) == 0;
            else
                have = s->has_pd;
        }
        for (unsigned i = 0; i < m.n_ia_pd; i++) {
            answer_ia(s, &m.ia_pd[i], have && i == 0, &r.ia_pd[r.n_ia_pd]);
            if (!(have && i == 0) && m.type != NET_DHCP6_SOLICIT && m.type != NET_DHCP6_REQUEST)
                r.ia_pd[r.n_ia_pd].status = NET_DHCP6_ST_NO_BINDING;
            r.n_ia_pd++;
        }
        for (unsigned i = 0; i < m.n_ia_na; i++) {
            struct net_dhcp6_ia *na = &r.ia_na[r.n_ia_na++];
            na->iaid = m.ia_na[i].iaid;
            na->has_status = true;
            na->status = NET_DHCP6_ST_NO_ADDRS_AVAIL; /* SLAAC gives addresses */
        }
        break;
    case NET_DHCP6_RELEASE: /* §18.3.7 */
        for (unsigned i = 0; i < m.n_ia_pd && same_client; i++)
            for (unsigned j = 0; j < m.ia_pd[i].n_prefixes; j++)
                if (s->has_pd && m.ia_pd[i].prefixes[j].plen == s->pd_plen &&
                    memcmp(m.ia_pd[i].prefixes[j].prefix, s->pd_prefix, 16) == 0) {
                    lx_info("session %u/%u: delegated prefix released by the client", s->tid,
                            s->sid);
                    l2tpxd_dhcp6_release(s);
                }
        r.has_status = true;
        r.status = NET_DHCP6_ST_SUCCESS;
        r.n_dns = 0;
        break;
    case NET_DHCP6_DECLINE: /* §18.3.8: addresses only; nothing of ours */
        r.has_status = true;
        r.status = NET_DHCP6_ST_SUCCESS;
        r.n_dns = 0;
        break;
    default: /* Confirm: about addresses we never gave; §18.3.3 says stay silent */
        return;
    }
    send_reply(s, client, &r);
}

void l2tpxd_dhcp6_json(struct l2tpxd_sess *s, struct json_object *o)
{
    if (s->has_pd) {
        char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN + 8];
        inet_ntop(AF_INET6, s->pd_prefix, a, sizeof a);
        snprintf(b, sizeof b, "%s/%u", a, s->pd_plen);
        json_object_object_add(o, "ipv6_delegated_prefix", json_object_new_string(b));
    }
    json_object_object_add(o, "dhcp6_rx", json_object_new_int64((int64_t)s->dhcp6_rx));
    json_object_object_add(o, "dhcp6_tx", json_object_new_int64((int64_t)s->dhcp6_tx));
    json_object_object_add(o, "dhcp6_dropped", json_object_new_int64((int64_t)s->dhcp6_dropped));
}
