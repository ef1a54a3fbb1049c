#include "net/nd6.h"

#include "lib/buf.h"
#include "lib/csum.h"

#include <errno.h>
#include <string.h>

#define IP6_HDR_LEN     40
#define IPPROTO_ICMPV6_ 58
#define ND6_HOP_LIMIT   255

#define RS_HDR_LEN 8  /* type, code, checksum, reserved */
#define RA_HDR_LEN 16 /* ... hop limit, flags, lifetime, reachable, retrans */

#define OPT_SLLA      1
#define OPT_PREFIX    3
#define OPT_MTU       5
#define OPT_RDNSS     25
#define OPT_PREFIX_SZ 32 /* Length 4 */
#define OPT_MTU_SZ    8  /* Length 1 */
#define OPT_RDNSS_HDR 8  /* type, length, reserved, lifetime; then addresses */

#define RA_FLAG_M 0x80u
#define RA_FLAG_O 0x40u
#define PI_FLAG_L 0x80u
#define PI_FLAG_A 0x40u

/* RFC 4291 §2.5.6: fe80::/10. */
static bool is_link_local(const uint8_t a[16])
{
    return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static bool is_unspecified(const uint8_t a[16])
{
    for (size_t i = 0; i < 16; i++)
        if (a[i] != 0)
            return false;
    return true;
}

/* RFC 4443 §2.3: the ICMPv6 checksum covers the IPv6 pseudo-header. */
static uint16_t icmp6_sum(const uint8_t *pkt, size_t icmp_len)
{
    return lx_csum_ip6(pkt, icmp_len, IPPROTO_ICMPV6_);
}

/* Fills the checksum of the ICMPv6 message behind a complete IPv6 header. */
static void icmp6_fill_csum(uint8_t *pkt, size_t icmp_len)
{
    lx_put_u16(pkt + IP6_HDR_LEN + 2, 0);
    lx_put_u16(pkt + IP6_HDR_LEN + 2, (uint16_t)~icmp6_sum(pkt, icmp_len));
}

/* RFC 8200 §3: version 6, traffic class 0, flow label 0. RFC 4861 §4.1,
 * §4.2: ND messages go out with hop limit 255 so that a receiver can tell
 * they were not forwarded. */
static void put_ip6_hdr(struct lx_wr *w, size_t icmp_len, const uint8_t src[16],
                        const uint8_t dst[16])
{
    lx_wr_u32(w, 0x60000000u);
    lx_wr_u16(w, (uint16_t)icmp_len);
    lx_wr_u8(w, IPPROTO_ICMPV6_);
    lx_wr_u8(w, ND6_HOP_LIMIT);
    lx_wr_bytes(w, src, 16);
    lx_wr_bytes(w, dst, 16);
}

/* Checks shared by RS and RA (RFC 4861 §6.1.1, §6.1.2) and positions *r at
 * the start of the ICMPv6 message. Cheap header checks come first, the
 * checksum last. */
static int check_nd(const uint8_t *pkt, size_t len, uint8_t type, size_t min_icmp, struct lx_rd *r)
{
    if (pkt == NULL || len < IP6_HDR_LEN || (pkt[0] >> 4) != 6)
        return -EINVAL;
    /* RFC 8200 §3: the payload length says where the packet ends; bytes
     * after it (padding from a sloppy peer) are ignored, as a receiver
     * should be tolerant. A payload length beyond what arrived is a
     * truncated packet. A jumbogram (payload length 0) fails on the ICMP
     * length below. */
    size_t icmp_len = lx_get_u16(pkt + 4);
    if (icmp_len > len - IP6_HDR_LEN)
        return -EINVAL;
    /* ND messages carry no extension headers (classify has the same view). */
    if (pkt[6] != IPPROTO_ICMPV6_)
        return -EINVAL;
    /* §6.1.1/§6.1.2: IP Hop Limit is 255. */
    if (pkt[7] != ND6_HOP_LIMIT)
        return -EINVAL;
    /* §6.1.1: ICMP length >= 8 (RS); §6.1.2: >= 16 (RA). */
    if (icmp_len < min_icmp)
        return -EINVAL;
    const uint8_t *icmp = pkt + IP6_HDR_LEN;
    /* §6.1.1/§6.1.2: ICMP Code is 0. */
    if (icmp[0] != type || icmp[1] != 0)
        return -EINVAL;
    /* §6.1.1/§6.1.2: the ICMP checksum is valid. */
    if (icmp6_sum(pkt, icmp_len) != 0xffffu)
        return -EINVAL;
    lx_rd_init(r, icmp, icmp_len);
    return 0;
}

/* RFC 4861 §4.6: options are Type, Length (units of 8 octets, including
 * Type and Length), data. Returns 1 with the whole option in *opt and
 * *olen, 0 at the end of the message, -EINVAL for a malformed option:
 * §6.1.1/§6.1.2 discard the packet if any option has length 0, and an
 * option running past the message cannot be delimited either. */
static int next_opt(struct lx_rd *r, const uint8_t **opt, size_t *olen)
{
    size_t left = lx_rd_left(r);
    if (left == 0)
        return r->err ? -EINVAL : 0;
    if (left < 2)
        return -EINVAL;
    size_t n = (size_t)r->p[r->off + 1] * 8;
    if (n == 0)
        return -EINVAL;
    const uint8_t *q = lx_rd_ptr(r, n);
    if (q == NULL)
        return -EINVAL;
    *opt = q;
    *olen = n;
    return 1;
}

enum net_nd6_kind net_nd6_classify(const uint8_t *pkt, size_t len)
{
    /* Fixed header plus ICMPv6 type and code; next header ICMPv6 directly. */
    if (pkt == NULL || len < IP6_HDR_LEN + 4 || (pkt[0] >> 4) != 6 || pkt[6] != IPPROTO_ICMPV6_)
        return NET_ND6_NONE;
    switch (pkt[IP6_HDR_LEN]) {
    case NET_ND6_TYPE_RS:
        return NET_ND6_RS;
    case NET_ND6_TYPE_RA:
        return NET_ND6_RA;
    default:
        return NET_ND6_NONE;
    }
}

int net_nd6_parse_rs(const uint8_t *pkt, size_t len)
{
    struct lx_rd r;
    int rc = check_nd(pkt, len, NET_ND6_TYPE_RS, RS_HDR_LEN, &r);
    if (rc != 0)
        return rc;
    /* §4.1: the Reserved field is ignored by the receiver. */
    lx_rd_skip(&r, RS_HDR_LEN);
    bool unspec = is_unspecified(pkt + 8);
    const uint8_t *o;
    size_t olen;
    while ((rc = next_opt(&r, &o, &olen)) > 0) {
        /* §6.1.1: no Source Link-Layer Address option if the source is
         * the unspecified address (there is no cache entry to make). */
        if (o[0] == OPT_SLLA && unspec)
            return -EINVAL;
    }
    return rc;
}

/* RFC 4861 §4.6.2 with the host rules of RFC 4862 §5.5.3: a prefix longer
 * than 128 bits is meaningless, a preferred lifetime above the valid one is
 * inconsistent (c), and the link-local prefix is never advertised (b).
 * Returns whether the option yields a prefix. */
static bool read_prefix(const uint8_t *o, struct net_nd6_prefix *p)
{
    uint8_t plen = o[2];
    uint8_t flags = o[3];
    uint32_t valid = lx_get_u32(o + 4);
    uint32_t preferred = lx_get_u32(o + 8);
    /* o + 12: Reserved2, ignored. */
    if (plen > 128 || preferred > valid)
        return false;
    struct net_nd6_prefix x = {
        .plen = plen,
        .onlink = (flags & PI_FLAG_L) != 0,
        .autonomous = (flags & PI_FLAG_A) != 0,
        .valid_s = valid,
        .preferred_s = preferred,
    };
    lx_ip6_mask(x.prefix, o + 16, plen);
    /* Judged on the masked prefix, so that what we report re-parses the
     * same way once built into an advertisement. */
    if (is_link_local(x.prefix))
        return false;
    *p = x;
    return true;
}

int net_nd6_parse_ra(const uint8_t *pkt, size_t len, struct net_nd6_ra *ra, uint8_t src[16])
{
    if (ra == NULL)
        return -EINVAL;
    struct lx_rd r;
    int rc = check_nd(pkt, len, NET_ND6_TYPE_RA, RA_HDR_LEN, &r);
    if (rc != 0)
        return rc;
    /* §6.1.2: the IP Source Address is link-local (routers are known by
     * their link-local address, §6.2.3). */
    if (!is_link_local(pkt + 8))
        return -EINVAL;

    /* Filled locally and copied out only once the whole packet passed:
     * a malformed option at the end discards everything (§6.1.2). */
    struct net_nd6_ra a;
    memset(&a, 0, sizeof a);
    lx_rd_skip(&r, 4); /* type, code, checksum: checked */
    a.cur_hop_limit = lx_rd_u8(&r);
    uint8_t flags = lx_rd_u8(&r); /* §4.2: the Reserved bits are ignored */
    a.managed = (flags & RA_FLAG_M) != 0;
    a.other = (flags & RA_FLAG_O) != 0;
    a.router_lifetime = lx_rd_u16(&r);
    a.reachable_ms = lx_rd_u32(&r);
    a.retrans_ms = lx_rd_u32(&r);
    if (r.err)
        return -EINVAL; /* cannot happen: ICMP length >= 16 was checked */

    bool have_mtu = false, have_rdnss = false;
    const uint8_t *o;
    size_t olen;
    while ((rc = next_opt(&r, &o, &olen)) > 0) {
        switch (o[0]) {
        case OPT_MTU:
            /* §4.6.4: Length 1. An RA carries at most one MTU option; if a
             * router sends more, the first one counts. */
            if (olen == OPT_MTU_SZ && !have_mtu) {
                a.mtu = lx_get_u32(o + 4);
                have_mtu = true;
            }
            break;
        case OPT_PREFIX:
            /* §4.6.2: Length 4; any other length is not a Prefix
             * Information option we can read, so it is skipped. */
            if (olen == OPT_PREFIX_SZ && a.n_prefixes < NET_ND6_MAX_PREFIXES &&
                read_prefix(o, &a.prefixes[a.n_prefixes]))
                a.n_prefixes++;
            break;
        case OPT_RDNSS: {
            /* RFC 8106 §5.1: Length = 1 + 2 * (number of addresses), so at
             * least 3 and odd; anything else is ignored. */
            size_t units = olen / 8;
            if (units < 3 || (units & 1) == 0)
                break;
            uint32_t lifetime = lx_get_u32(o + 4);
            size_t n = (units - 1) / 2;
            bool used = false;
            for (size_t i = 0; i < n && a.n_rdnss < NET_ND6_MAX_RDNSS; i++) {
                memcpy(a.rdnss[a.n_rdnss++], o + OPT_RDNSS_HDR + 16 * i, 16);
                used = true;
            }
            /* One lifetime for all servers kept: the shortest, so that no
             * server is used longer than its router allowed. */
            if (used && (!have_rdnss || lifetime < a.rdnss_lifetime_s))
                a.rdnss_lifetime_s = lifetime;
            have_rdnss = have_rdnss || used;
            break;
        }
        default:
            /* §4.6: unknown options are ignored (SLLA included: a PPP link
             * has no link-layer addresses). */
            break;
        }
    }
    if (rc < 0)
        return rc;
    *ra = a;
    if (src != NULL)
        memcpy(src, pkt + 8, 16);
    return 0;
}

ssize_t net_nd6_build_ra(uint8_t *buf, size_t cap, const uint8_t src[16], const uint8_t dst[16],
                         const struct net_nd6_ra *ra)
{
    if (buf == NULL || src == NULL || dst == NULL || ra == NULL)
        return -EINVAL;
    if (ra->n_prefixes > NET_ND6_MAX_PREFIXES || ra->n_rdnss > NET_ND6_MAX_RDNSS)
        return -EINVAL;
    for (unsigned i = 0; i < ra->n_prefixes; i++)
        if (ra->prefixes[i].plen > 128)
            return -EINVAL;

    size_t icmp_len = RA_HDR_LEN + (ra->mtu != 0 ? OPT_MTU_SZ : 0) +
                      (size_t)ra->n_prefixes * OPT_PREFIX_SZ +
                      (ra->n_rdnss > 0 ? OPT_RDNSS_HDR + (size_t)ra->n_rdnss * 16 : 0);
    size_t total = IP6_HDR_LEN + icmp_len;
    if (cap < total)
        return -ENOSPC;

    struct lx_wr w;
    lx_wr_init(&w, buf, cap);
    put_ip6_hdr(&w, icmp_len, src, dst);
    /* §4.2: Type 134, Code 0, Checksum (filled below), Cur Hop Limit, M, O,
     * Reserved (0), Router Lifetime, Reachable Time, Retrans Timer. */
    lx_wr_u8(&w, NET_ND6_TYPE_RA);
    lx_wr_u8(&w, 0);
    lx_wr_u16(&w, 0);
    lx_wr_u8(&w, ra->cur_hop_limit);
    lx_wr_u8(&w, (uint8_t)((ra->managed ? RA_FLAG_M : 0) | (ra->other ? RA_FLAG_O : 0)));
    lx_wr_u16(&w, ra->router_lifetime);
    lx_wr_u32(&w, ra->reachable_ms);
    lx_wr_u32(&w, ra->retrans_ms);
    if (ra->mtu != 0) {
        /* §4.6.4: Type 5, Length 1, Reserved, MTU. */
        lx_wr_u8(&w, OPT_MTU);
        lx_wr_u8(&w, OPT_MTU_SZ / 8);
        lx_wr_u16(&w, 0);
        lx_wr_u32(&w, ra->mtu);
    }
    for (unsigned i = 0; i < ra->n_prefixes; i++) {
        const struct net_nd6_prefix *p = &ra->prefixes[i];
        /* §4.6.2: Type 3, Length 4, Prefix Length, L A Reserved1, Valid
         * Lifetime, Preferred Lifetime, Reserved2, Prefix (bits beyond the
         * prefix length zero: "MUST be initialized to zero by the sender"). */
        lx_wr_u8(&w, OPT_PREFIX);
        lx_wr_u8(&w, OPT_PREFIX_SZ / 8);
        lx_wr_u8(&w, p->plen);
        lx_wr_u8(&w, (uint8_t)((p->onlink ? PI_FLAG_L : 0) | (p->autonomous ? PI_FLAG_A : 0)));
        lx_wr_u32(&w, p->valid_s);
        lx_wr_u32(&w, p->preferred_s);
        lx_wr_u32(&w, 0);
        uint8_t pfx[16];
        lx_ip6_mask(pfx, p->prefix, p->plen);
        lx_wr_bytes(&w, pfx, 16);
    }
    if (ra->n_rdnss > 0) {
        /* RFC 8106 §5.1: Type 25, Length 1 + 2n, Reserved, Lifetime, the
         * addresses. */
        lx_wr_u8(&w, OPT_RDNSS);
        lx_wr_u8(&w, (uint8_t)(1 + 2 * ra->n_rdnss));
        lx_wr_u16(&w, 0);
        lx_wr_u32(&w, ra->rdnss_lifetime_s);
        for (unsigned i = 0; i < ra->n_rdnss; i++)
            lx_wr_bytes(&w, ra->rdnss[i], 16);
    }
    if (w.err || w.len != total)
        return -ENOSPC; /* cannot happen: the length was computed above */
    icmp6_fill_csum(buf, icmp_len);
    return (ssize_t)total;
}

ssize_t net_nd6_build_rs(uint8_t *buf, size_t cap, const uint8_t src[16])
{
    /* RFC 4291 §2.7.1: ff02::2, all routers, link-local scope. */
    static const uint8_t all_routers[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    if (buf == NULL || src == NULL)
        return -EINVAL;
    if (cap < NET_ND6_RS_LEN)
        return -ENOSPC;
    struct lx_wr w;
    lx_wr_init(&w, buf, cap);
    put_ip6_hdr(&w, RS_HDR_LEN, src, all_routers);
    /* §4.1: Type 133, Code 0, Checksum (filled below), Reserved (0). */
    lx_wr_u8(&w, NET_ND6_TYPE_RS);
    lx_wr_u8(&w, 0);
    lx_wr_u16(&w, 0);
    lx_wr_u32(&w, 0);
    if (w.err || w.len != NET_ND6_RS_LEN)
        return -ENOSPC; /* cannot happen */
    icmp6_fill_csum(buf, RS_HDR_LEN);
    return NET_ND6_RS_LEN;
}

void net_nd6_link_local(uint64_t ifid, uint8_t out[16])
{
    /* RFC 4291 §2.5.6 with the 64-bit identifier of RFC 5072 §4.1, sent
     * most significant byte first. */
    memset(out, 0, 16);
    out[0] = 0xfe;
    out[1] = 0x80;
    lx_put_u32(out + 8, (uint32_t)(ifid >> 32));
    lx_put_u32(out + 12, (uint32_t)ifid);
}
