/* IPv6 Neighbor Discovery on one PPP session: see sess.h.
 *
 * RFC 5072 §1: IPv6CP negotiates interface identifiers only; a host gets
 * its global addresses by stateless autoconfiguration (RFC 4862) from the
 * router advertisements on the link. The LNS is that router for each of
 * its users: it advertises the user's own /64 (from the section's `ipv6
 * prefix` pool, allocated in lns.c) over the session, never on the shared
 * TUN. The LAC client solicits and applies the advertisement itself
 * (lacclient.c), since its TUN has no link-layer address for the kernel's
 * SLAAC to build on and the IPv6CP identifier must be the one used. */
#include <arpa/inet.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "daemon/lacclient.h"
#include "daemon/lns.h"
#include "daemon/sess.h"
#include "lib/log.h"
#include "lib/rand.h"
#include "net/nd6.h"

/* RFC 4861 §10 router and host constants. */
#define ND6_MAX_INITIAL_RTR_ADVERTISEMENTS  3
#define ND6_MAX_INITIAL_RTR_ADVERT_INTERVAL 16000u /* ms */
#define ND6_MAX_RTR_SOLICITATIONS           3
#define ND6_RTR_SOLICITATION_INTERVAL       4000u /* ms */
/* §6.2.6 rate-limits multicast answers (MIN_DELAY_BETWEEN_RAS, 3 s); an
 * answer to a solicitation goes unicast to the solicitor, which the RFC
 * allows at once. A solicitor flooding RSs gets one answer a second. */
#define ND6_SOLICITED_MIN_GAP_MS 1000u
/* §6.2.1 AdvValidLifetime / AdvPreferredLifetime defaults. */
#define ND6_VALID_LIFETIME_S     2592000u
#define ND6_PREFERRED_LIFETIME_S 604800u
#define ND6_CUR_HOP_LIMIT        64u /* IANA default for IPv6 hop limit */

static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};

/* §6.2.4: a uniformly random time between MinRtrAdvInterval (0.33 of the
 * maximum, the §6.2.1 default) and MaxRtrAdvInterval; the first few capped
 * at MAX_INITIAL_RTR_ADVERT_INTERVAL. */
static uint32_t next_ra_ms(const struct l2tpxd_sess *s)
{
    uint32_t max = s->lns->res.ra_interval_s * 1000u;
    uint32_t min = max / 3u;
    uint32_t r;
    lx_random_bytes(&r, sizeof r);
    uint32_t ms = min + (max > min ? r % (max - min + 1u) : 0u);
    if (s->nd6_left > 0 && ms > ND6_MAX_INITIAL_RTR_ADVERT_INTERVAL)
        ms = ND6_MAX_INITIAL_RTR_ADVERT_INTERVAL;
    return ms;
}

/* Whether the LNS is a router for this user: it hands out a /64, delegates
 * prefixes or names DNS servers. A CPE with only a delegated prefix (an
 * unnumbered WAN, RFC 7084 W-3) still needs the advertisement for its
 * default route. */
static bool advertising(const struct l2tpxd_sess *s)
{
    return s->lns != NULL &&
           (s->has_prefix6 || s->lns->pd_pool != NULL || s->lns->res.n_ipv6_dns > 0);
}

static void send_ra(struct l2tpxd_sess *s, const uint8_t dst[16])
{
    const struct cfg_ppp_resolved *res = &s->lns->res;
    struct net_nd6_ra ra;
    memset(&ra, 0, sizeof ra);
    ra.cur_hop_limit = ND6_CUR_HOP_LIMIT;
    /* O flag (§4.2): the DNS servers are also given by DHCPv6
     * Information-Request, for hosts that do not read RDNSS. */
    ra.other = res->n_ipv6_dns > 0;
    /* §6.2.1 AdvDefaultLifetime: 3 x MaxRtrAdvInterval, at most 9000 s. */
    uint32_t life = 3u * res->ra_interval_s;
    ra.router_lifetime = (uint16_t)(life > 9000u ? 9000u : life);
    /* §4.6.4: the link MTU the host should use, our MRU (never below the
     * IPv6 minimum, RFC 8200 §5). */
    if (s->link_mru >= 1280)
        ra.mtu = s->link_mru;
    if (s->has_prefix6) {
        struct net_nd6_prefix *p = &ra.prefixes[0];
        memcpy(p->prefix, s->prefix6, 16);
        p->plen = 64;
        p->onlink = true;
        p->autonomous = true;
        p->valid_s = ND6_VALID_LIFETIME_S;
        p->preferred_s = ND6_PREFERRED_LIFETIME_S;
        ra.n_prefixes = 1;
    }
    for (unsigned i = 0; i < res->n_ipv6_dns && i < NET_ND6_MAX_RDNSS; i++)
        memcpy(ra.rdnss[ra.n_rdnss++], res->ipv6_dns[i], 16);
    /* RFC 8106 §5.1: MaxRtrAdvInterval <= Lifetime <= 2 x MaxRtrAdvInterval. */
    ra.rdnss_lifetime_s = 2u * res->ra_interval_s;

    uint8_t src[16], pkt[NET_ND6_RA_MAX_LEN];
    net_nd6_link_local(s->ifid6_local, src);
    ssize_t n = net_nd6_build_ra(pkt, sizeof pkt, src, dst, &ra);
    if (n > 0 && l2tpxd_sess_send_ip6(s, pkt, (size_t)n) == 0)
        s->ra_tx++;
}

static void send_rs(struct l2tpxd_sess *s)
{
    uint8_t src[16], pkt[NET_ND6_RS_LEN];
    net_nd6_link_local(s->ifid6_local, src);
    ssize_t n = net_nd6_build_rs(pkt, sizeof pkt, src);
    if (n > 0 && l2tpxd_sess_send_ip6(s, pkt, (size_t)n) == 0)
        s->rs_tx++;
}

void l2tpxd_nd6_net_up(struct l2tpxd_sess *s, uint64_t local_ifid)
{
    lx_ms_t now = lx_ev_now(s->d->ev);
    s->ifid6_local = local_ifid;
    if (s->role == PPP_LINK_AUTHENTICATOR) {
        if (!advertising(s))
            return; /* link-local only: nothing to advertise */
        send_ra(s, all_nodes);
        s->nd6_left = ND6_MAX_INITIAL_RTR_ADVERTISEMENTS - 1;
        s->nd6_deadline = now + next_ra_ms(s);
    } else {
        /* §6.3.7: solicit at once rather than wait for the periodic RA. */
        send_rs(s);
        s->nd6_left = ND6_MAX_RTR_SOLICITATIONS - 1;
        s->nd6_deadline = now + ND6_RTR_SOLICITATION_INTERVAL;
    }
    l2tpxd_sess_rearm(s);
}

void l2tpxd_nd6_net_down(struct l2tpxd_sess *s)
{
    s->nd6_deadline = LX_MS_NEVER;
    s->nd6_left = 0;
    if (s->role == PPP_LINK_PEER && s->lacc)
        l2tpxd_lacc_nd6_down(s);
}

void l2tpxd_nd6_timer(struct l2tpxd_sess *s, lx_ms_t now)
{
    s->nd6_deadline = LX_MS_NEVER;
    if (s->role == PPP_LINK_AUTHENTICATOR) {
        if (!advertising(s) || s->dest.ppp_hdr6_len == 0)
            return;
        send_ra(s, all_nodes);
        if (s->nd6_left > 0)
            s->nd6_left--;
        s->nd6_deadline = now + next_ra_ms(s);
        return;
    }
    if (s->nd6_left > 0 && s->ra_rx == 0) {
        send_rs(s);
        s->nd6_left--;
        if (s->nd6_left > 0)
            s->nd6_deadline = now + ND6_RTR_SOLICITATION_INTERVAL;
    }
}

static void dropped(struct l2tpxd_sess *s, const char *what)
{
    s->nd6_dropped++;
    LX_LOG_RL(LX_LOG_INFO, "session %u/%u: %s dropped", s->tid, s->sid, what);
}

void l2tpxd_nd6_input(struct l2tpxd_sess *s, const uint8_t *pkt, size_t len)
{
    enum net_nd6_kind k = net_nd6_classify(pkt, len);
    if (s->role == PPP_LINK_AUTHENTICATOR) {
        if (k != NET_ND6_RS) {
            /* A user is no router of ours (RFC 6104 rogue RA). */
            dropped(s, "router advertisement from the user");
            return;
        }
        if (net_nd6_parse_rs(pkt, len) < 0) {
            dropped(s, "invalid router solicitation");
            return;
        }
        s->rs_rx++;
        lx_ms_t now = lx_ev_now(s->d->ev);
        if (!advertising(s) || s->dest.ppp_hdr6_len == 0)
            return;
        if (s->ra_answer_ms != 0 && now - s->ra_answer_ms < ND6_SOLICITED_MIN_GAP_MS) {
            dropped(s, "router solicitation (rate limit)");
            return;
        }
        s->ra_answer_ms = now;
        /* §6.2.6: unicast to the solicitor, or all-nodes if it has no
         * address yet (source ::). */
        const uint8_t *src = pkt + 8;
        static const uint8_t unspec[16];
        send_ra(s, memcmp(src, unspec, 16) == 0 ? all_nodes : src);
        return;
    }
    if (k != NET_ND6_RA) {
        dropped(s, "router solicitation from the LNS");
        return;
    }
    struct net_nd6_ra ra;
    uint8_t router[16];
    if (net_nd6_parse_ra(pkt, len, &ra, router) < 0) {
        dropped(s, "invalid router advertisement");
        return;
    }
    s->ra_rx++;
    s->nd6_left = 0;
    s->nd6_deadline = LX_MS_NEVER;
    if (s->lacc)
        l2tpxd_lacc_ra(s, &ra, router);
}

static void add_u64(struct json_object *o, const char *k, uint64_t v)
{
    json_object_object_add(o, k, json_object_new_int64((int64_t)v));
}

void l2tpxd_nd6_json(struct l2tpxd_sess *s, struct json_object *o)
{
    char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN + 8];
    if (s->role == PPP_LINK_AUTHENTICATOR && s->has_prefix6) {
        inet_ntop(AF_INET6, s->prefix6, a, sizeof a);
        snprintf(b, sizeof b, "%s/64", a);
        json_object_object_add(o, "ipv6_prefix", json_object_new_string(b));
    }
    if (s->role == PPP_LINK_PEER && s->lacc)
        l2tpxd_lacc_nd6_json(s->lacc, o);
    add_u64(o, "ra_tx", s->ra_tx);
    add_u64(o, "ra_rx", s->ra_rx);
    add_u64(o, "rs_tx", s->rs_tx);
    add_u64(o, "rs_rx", s->rs_rx);
    add_u64(o, "nd6_dropped", s->nd6_dropped);
}
