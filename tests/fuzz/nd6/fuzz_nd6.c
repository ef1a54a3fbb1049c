/* fuzz target: IPv6 Neighbor Discovery RS/RA codec (src/net/nd6.c).
 *
 * Input: a whole IPv6 packet, copied into an exact-size heap buffer so
 * that ASan catches any read past its end. It is checked as given, then a
 * second time with its ICMPv6 checksum repaired (when the header allows),
 * so that mutated packets reach the option parser, not only the checksum
 * test.
 *
 * Invariants:
 *  - classify, parse_rs and parse_ra never crash or read past len;
 *  - parse_rs/parse_ra accept only what classify calls RS/RA;
 *  - whatever parse_ra accepts builds back (build_ra) into an RA that
 *    parses again to the same contents, byte for byte when built a second
 *    time (the parsed struct already has prefix bits beyond plen cleared
 *    and the skipped options dropped, so it is a fixed point). */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/nd6.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool ra_equal(const struct net_nd6_ra *a, const struct net_nd6_ra *b)
{
    if (a->cur_hop_limit != b->cur_hop_limit || a->managed != b->managed || a->other != b->other ||
        a->router_lifetime != b->router_lifetime || a->reachable_ms != b->reachable_ms ||
        a->retrans_ms != b->retrans_ms || a->mtu != b->mtu || a->n_prefixes != b->n_prefixes ||
        a->n_rdnss != b->n_rdnss || a->rdnss_lifetime_s != b->rdnss_lifetime_s)
        return false;
    if (a->n_prefixes > NET_ND6_MAX_PREFIXES || a->n_rdnss > NET_ND6_MAX_RDNSS)
        return false;
    for (unsigned i = 0; i < a->n_prefixes; i++) {
        const struct net_nd6_prefix *p = &a->prefixes[i], *q = &b->prefixes[i];
        if (memcmp(p->prefix, q->prefix, 16) != 0 || p->plen != q->plen || p->onlink != q->onlink ||
            p->autonomous != q->autonomous || p->valid_s != q->valid_s ||
            p->preferred_s != q->preferred_s)
            return false;
    }
    for (unsigned i = 0; i < a->n_rdnss; i++)
        if (memcmp(a->rdnss[i], b->rdnss[i], 16) != 0)
            return false;
    return true;
}

/* RFC 8200 §8.1: one's-complement sum over the pseudo-header and the
 * ICMPv6 message, written into the checksum field (independent of nd6.c). */
static void fix_checksum(uint8_t *pkt, size_t size)
{
    size_t ilen = size - 40;
    uint32_t s = 58 + (uint32_t)ilen;
    pkt[42] = pkt[43] = 0;
    for (size_t i = 8; i + 1 < size; i += 2)
        s += (uint32_t)(pkt[i] << 8 | pkt[i + 1]);
    if ((size - 8) & 1)
        s += (uint32_t)pkt[size - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    uint16_t c = (uint16_t)~s;
    pkt[42] = (uint8_t)(c >> 8);
    pkt[43] = (uint8_t)c;
}

static void check(const uint8_t *pkt, size_t size)
{
    enum net_nd6_kind kind = net_nd6_classify(pkt, size);
    int rs = net_nd6_parse_rs(pkt, size);
    if (rs != 0 && rs != -EINVAL)
        abort();
    if (rs == 0 && kind != NET_ND6_RS)
        abort();

    struct net_nd6_ra ra;
    uint8_t src[16];
    int rc = net_nd6_parse_ra(pkt, size, &ra, src);
    if (rc != 0 && rc != -EINVAL)
        abort();
    if (rc == 0) {
        if (kind != NET_ND6_RA || rs == 0)
            abort();
        if (ra.n_prefixes > NET_ND6_MAX_PREFIXES || ra.n_rdnss > NET_ND6_MAX_RDNSS)
            abort();
        for (unsigned i = 0; i < ra.n_prefixes; i++)
            if (ra.prefixes[i].plen > 128 || ra.prefixes[i].preferred_s > ra.prefixes[i].valid_s)
                abort();

        static const uint8_t all_nodes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        uint8_t b1[NET_ND6_RA_MAX_LEN], b2[NET_ND6_RA_MAX_LEN];
        ssize_t n1 = net_nd6_build_ra(b1, sizeof b1, src, all_nodes, &ra);
        if (n1 <= 0 || (size_t)n1 > sizeof b1)
            abort();
        if (net_nd6_classify(b1, (size_t)n1) != NET_ND6_RA)
            abort();
        struct net_nd6_ra again;
        uint8_t src2[16];
        if (net_nd6_parse_ra(b1, (size_t)n1, &again, src2) != 0)
            abort();
        if (!ra_equal(&ra, &again) || memcmp(src, src2, 16) != 0)
            abort();
        ssize_t n2 = net_nd6_build_ra(b2, sizeof b2, src2, all_nodes, &again);
        if (n2 != n1 || memcmp(b1, b2, (size_t)n1) != 0)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65535 + 40)
        return 0;
    uint8_t *pkt = malloc(size ? size : 1);
    if (pkt == NULL)
        abort();
    memcpy(pkt, data, size);
    check(pkt, size);
    if (size >= 44 && (size_t)(pkt[4] << 8 | pkt[5]) + 40 == size) {
        fix_checksum(pkt, size);
        check(pkt, size);
    }
    free(pkt);
    return 0;
}
