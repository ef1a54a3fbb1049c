/* IPv6 Neighbor Discovery RS/RA codec (net/nd6.c): exact bytes against
 * hand-laid RFC 4861 / RFC 8106 layouts, build/parse round trips, the
 * §6.1.1/§6.1.2 validation rules one by one, the skipping rules of parse_ra,
 * classification, build limits and mutated input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/nd6.h"

/* Router Advertisement fe80::1 -> ff02::1, laid out by hand from RFC 4861
 * §4.2, §4.6.4, §4.6.2 and RFC 8106 §5.1; checksum computed independently
 * (Python, over the RFC 8200 §8.1 pseudo-header). Offsets:
 *    0 IPv6: 60 00 00 00, payload length 96, next header 58, hop limit 255
 *    8 source fe80::1, 24 destination ff02::1
 *   40 RA: type 134, code 0, checksum b2a0, cur hop limit 64, flags 0x40 (O),
 *      router lifetime 1800, reachable time 0, retrans timer 0
 *   56 MTU: type 5, length 1, reserved, 1452
 *   64 Prefix Information: type 3, length 4, plen 64, flags 0xc0 (L, A),
 *      valid 86400, preferred 14400, reserved, 2001:db8:1:2::
 *   96 RDNSS: type 25, length 5, reserved, lifetime 1800,
 *      2001:db8::53, 2001:db8::35 */
static const uint8_t ra_golden[136] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x60, 0x3a, 0xff, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0x00, 0xb2, 0xa0, 0x40, 0x40, 0x07, 0x08,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x05, 0xac,
    0x03, 0x04, 0x40, 0xc0, 0x00, 0x01, 0x51, 0x80, 0x00, 0x00, 0x38, 0x40, 0x00, 0x00, 0x00, 0x00,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x19, 0x05, 0x00, 0x00, 0x00, 0x00, 0x07, 0x08, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x53, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x35,
};

/* Router Solicitation fe80::211:22ff:fe33:4455 -> ff02::2 (RFC 4861 §4.1):
 * IPv6 header (payload length 8, next header 58, hop limit 255), then type
 * 133, code 0, checksum, reserved 0. Checksum by hand: fe80+0211+22ff+fe33+
 * 4455 (src) + ff02+0002 (dst) + 0008 (length) + 003a (next header) + 8500
 * (type, code) = 0x3ea5e, folded 0xea61, complemented 0x159e. */
static const uint8_t rs_golden[48] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x08, 0x3a, 0xff, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x85, 0x00, 0x15, 0x9e, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t ll_router[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t all_nodes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t unspec[16];
static const uint8_t global_src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

/* ---- reference checksum: full recomputation, independent of nd6.c ---- */

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

/* Folded sum over pseudo-header + ICMPv6 message of a len-byte packet
 * (ICMP length len - 40); 0xffff means the checksum is correct. */
static uint16_t icmp_verify(const uint8_t *pkt, size_t len)
{
    size_t ilen = len - 40;
    uint32_t s = sum16(pkt + 8, 32, 0);
    s += (uint32_t)ilen + 58;
    s = sum16(pkt + 40, ilen, s);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

static void icmp_fix(uint8_t *pkt, size_t len)
{
    pkt[42] = pkt[43] = 0;
    uint16_t c = (uint16_t)~icmp_verify(pkt, len);
    pkt[42] = (uint8_t)(c >> 8);
    pkt[43] = (uint8_t)c;
}

/* A raw IPv6 packet around an ICMPv6 message, checksum filled by the
 * reference routine. Returns the packet length. */
static size_t mk(uint8_t *pkt, const uint8_t src[16], const uint8_t dst[16], uint8_t hop,
                 const uint8_t *icmp, size_t ilen)
{
    memset(pkt, 0, 40);
    pkt[0] = 0x60;
    pkt[4] = (uint8_t)(ilen >> 8);
    pkt[5] = (uint8_t)ilen;
    pkt[6] = 58;
    pkt[7] = hop;
    memcpy(pkt + 8, src, 16);
    memcpy(pkt + 24, dst, 16);
    memcpy(pkt + 40, icmp, ilen);
    icmp_fix(pkt, 40 + ilen);
    return 40 + ilen;
}

static void addr(uint8_t out[16], uint16_t a0, uint16_t a1, uint16_t a2, uint16_t a3, uint16_t a7)
{
    memset(out, 0, 16);
    out[0] = (uint8_t)(a0 >> 8), out[1] = (uint8_t)a0;
    out[2] = (uint8_t)(a1 >> 8), out[3] = (uint8_t)a1;
    out[4] = (uint8_t)(a2 >> 8), out[5] = (uint8_t)a2;
    out[6] = (uint8_t)(a3 >> 8), out[7] = (uint8_t)a3;
    out[14] = (uint8_t)(a7 >> 8), out[15] = (uint8_t)a7;
}

static void golden_struct(struct net_nd6_ra *ra)
{
    memset(ra, 0, sizeof *ra);
    ra->cur_hop_limit = 64;
    ra->other = true;
    ra->router_lifetime = 1800;
    ra->mtu = 1452;
    ra->n_prefixes = 1;
    addr(ra->prefixes[0].prefix, 0x2001, 0xdb8, 1, 2, 0);
    ra->prefixes[0].plen = 64;
    ra->prefixes[0].onlink = true;
    ra->prefixes[0].autonomous = true;
    ra->prefixes[0].valid_s = 86400;
    ra->prefixes[0].preferred_s = 14400;
    ra->n_rdnss = 2;
    addr(ra->rdnss[0], 0x2001, 0xdb8, 0, 0, 0x53);
    addr(ra->rdnss[1], 0x2001, 0xdb8, 0, 0, 0x35);
    ra->rdnss_lifetime_s = 1800;
}

/* Parsers run on an exact-size heap copy, so that ASan sees any read past
 * len (the callers' buffers are larger than the lengths they pass). */
static int parse_ra_exact(const uint8_t *p, size_t len, struct net_nd6_ra *ra)
{
    uint8_t *q = malloc(len ? len : 1);
    assert_non_null(q);
    memcpy(q, p, len);
    int rc = net_nd6_parse_ra(q, len, ra, NULL);
    free(q);
    return rc;
}

static int parse_rs_exact(const uint8_t *p, size_t len)
{
    uint8_t *q = malloc(len ? len : 1);
    assert_non_null(q);
    memcpy(q, p, len);
    int rc = net_nd6_parse_rs(q, len);
    free(q);
    return rc;
}

/* Field-by-field comparison (padding bytes are not compared). */
static void assert_ra_equal(const struct net_nd6_ra *a, const struct net_nd6_ra *b)
{
    assert_int_equal(a->cur_hop_limit, b->cur_hop_limit);
    assert_int_equal(a->managed, b->managed);
    assert_int_equal(a->other, b->other);
    assert_int_equal(a->router_lifetime, b->router_lifetime);
    assert_int_equal(a->reachable_ms, b->reachable_ms);
    assert_int_equal(a->retrans_ms, b->retrans_ms);
    assert_int_equal(a->mtu, b->mtu);
    assert_int_equal(a->n_prefixes, b->n_prefixes);
    for (unsigned i = 0; i < a->n_prefixes; i++) {
        const struct net_nd6_prefix *p = &a->prefixes[i], *q = &b->prefixes[i];
        assert_memory_equal(p->prefix, q->prefix, 16);
        assert_int_equal(p->plen, q->plen);
        assert_int_equal(p->onlink, q->onlink);
        assert_int_equal(p->autonomous, q->autonomous);
        assert_int_equal(p->valid_s, q->valid_s);
        assert_int_equal(p->preferred_s, q->preferred_s);
    }
    assert_int_equal(a->n_rdnss, b->n_rdnss);
    for (unsigned i = 0; i < a->n_rdnss; i++)
        assert_memory_equal(a->rdnss[i], b->rdnss[i], 16);
    assert_int_equal(a->rdnss_lifetime_s, b->rdnss_lifetime_s);
}

/* ---------------------------------------------------------------- tests */

static void test_ra_exact_bytes(void **state)
{
    (void)state;
    assert_int_equal(icmp_verify(ra_golden, sizeof ra_golden), 0xffff); /* the vector is right */
    struct net_nd6_ra ra;
    golden_struct(&ra);
    uint8_t buf[NET_ND6_RA_MAX_LEN];
    memset(buf, 0xee, sizeof buf);
    assert_int_equal(net_nd6_build_ra(buf, sizeof buf, ll_router, all_nodes, &ra),
                     sizeof ra_golden);
    assert_memory_equal(buf, ra_golden, sizeof ra_golden);
    assert_int_equal(buf[sizeof ra_golden], 0xee); /* nothing written past the packet */

    struct net_nd6_ra got;
    uint8_t src[16];
    assert_int_equal(net_nd6_parse_ra(ra_golden, sizeof ra_golden, &got, src), 0);
    assert_ra_equal(&got, &ra);
    assert_memory_equal(src, ll_router, 16);
    assert_int_equal(net_nd6_parse_ra(ra_golden, sizeof ra_golden, &got, NULL), 0);
    assert_int_equal(net_nd6_classify(ra_golden, sizeof ra_golden), NET_ND6_RA);
    /* An RA is no RS. */
    assert_int_equal(net_nd6_parse_rs(ra_golden, sizeof ra_golden), -EINVAL);
}

static void test_rs_exact_bytes(void **state)
{
    (void)state;
    assert_int_equal(icmp_verify(rs_golden, sizeof rs_golden), 0xffff);
    uint8_t src[16];
    net_nd6_link_local(0x021122fffe334455ull, src);
    uint8_t buf[64];
    memset(buf, 0xee, sizeof buf);
    assert_int_equal(net_nd6_build_rs(buf, sizeof buf, src), NET_ND6_RS_LEN);
    assert_memory_equal(buf, rs_golden, sizeof rs_golden);
    assert_int_equal(buf[NET_ND6_RS_LEN], 0xee);
    assert_int_equal(net_nd6_parse_rs(rs_golden, sizeof rs_golden), 0);
    assert_int_equal(net_nd6_classify(rs_golden, sizeof rs_golden), NET_ND6_RS);
    struct net_nd6_ra ra;
    assert_int_equal(net_nd6_parse_ra(rs_golden, sizeof rs_golden, &ra, NULL), -EINVAL);

    /* From the unspecified address (before the link-local is ready). */
    assert_int_equal(net_nd6_build_rs(buf, sizeof buf, unspec), NET_ND6_RS_LEN);
    assert_int_equal(icmp_verify(buf, NET_ND6_RS_LEN), 0xffff);
    assert_int_equal(net_nd6_parse_rs(buf, NET_ND6_RS_LEN), 0);
}

static void test_link_local(void **state)
{
    (void)state;
    uint8_t a[16];
    static const uint8_t want[16] = {0xfe, 0x80, 0,    0,    0,    0,    0,    0,
                                     0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
    net_nd6_link_local(0x0123456789abcdefull, a);
    assert_memory_equal(a, want, 16);
    static const uint8_t want0[16] = {0xfe, 0x80};
    memset(a, 0xff, sizeof a);
    net_nd6_link_local(0, a);
    assert_memory_equal(a, want0, 16);
}

static void test_round_trip(void **state)
{
    (void)state;
    uint32_t x = 0x9e3779b9u;
    int built = 0;
    for (unsigned np = 0; np <= NET_ND6_MAX_PREFIXES; np++) {
        for (unsigned nr = 0; nr <= NET_ND6_MAX_RDNSS; nr++) {
            for (unsigned flags = 0; flags < 4; flags++) {
                struct net_nd6_ra ra, want, got;
                memset(&ra, 0, sizeof ra);
                x ^= x << 13, x ^= x >> 17, x ^= x << 5;
                ra.cur_hop_limit = (uint8_t)x;
                ra.managed = (flags & 1) != 0;
                ra.other = (flags & 2) != 0;
                ra.router_lifetime = (uint16_t)(x >> 8);
                ra.reachable_ms = x * 3u;
                ra.retrans_ms = x ^ 0x5a5a5a5au;
                ra.mtu = (flags & 1) ? 1280 + np * 10 + nr : 0;
                ra.n_prefixes = np;
                for (unsigned i = 0; i < np; i++) {
                    struct net_nd6_prefix *p = &ra.prefixes[i];
                    /* Garbage past plen: the output has it cleared. */
                    memset(p->prefix, 0xa5, 16);
                    p->prefix[0] = 0x20, p->prefix[1] = 0x01, p->prefix[2] = (uint8_t)i;
                    static const uint8_t plens[] = {64, 48, 56, 128, 0, 63, 127, 1};
                    p->plen = plens[(i + flags + nr) % 8];
                    p->onlink = ((i + flags) & 1) != 0;
                    p->autonomous = ((i + nr) & 1) != 0;
                    p->valid_s = i == 0 ? NET_ND6_INFINITE : 3600u * (i + 1);
                    p->preferred_s = p->valid_s / 2;
                }
                ra.n_rdnss = nr;
                for (unsigned i = 0; i < nr; i++)
                    addr(ra.rdnss[i], 0x2001, 0xdb8, 0x53, (uint16_t)i, (uint16_t)(x + i));
                ra.rdnss_lifetime_s = nr ? 1200 + nr : 0;

                uint8_t buf[NET_ND6_RA_MAX_LEN];
                ssize_t n = net_nd6_build_ra(buf, sizeof buf, ll_router, all_nodes, &ra);
                size_t expect = 40 + 16 + (ra.mtu ? 8 : 0) + 32 * np + (nr ? 8 + 16 * nr : 0);
                assert_int_equal(n, expect);
                assert_int_equal(buf[4] << 8 | buf[5], expect - 40);
                assert_int_equal(icmp_verify(buf, (size_t)n), 0xffff);
                assert_int_equal(net_nd6_classify(buf, (size_t)n), NET_ND6_RA);

                want = ra;
                for (unsigned i = 0; i < np; i++) {
                    struct net_nd6_prefix *p = &want.prefixes[i];
                    for (unsigned b = p->plen; b < 128; b++)
                        p->prefix[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
                }
                uint8_t src[16];
                assert_int_equal(net_nd6_parse_ra(buf, (size_t)n, &got, src), 0);
                assert_ra_equal(&got, &want);
                assert_memory_equal(src, ll_router, 16);
                /* Built again from what was parsed: the same bytes. */
                uint8_t buf2[NET_ND6_RA_MAX_LEN];
                assert_int_equal(net_nd6_build_ra(buf2, sizeof buf2, ll_router, all_nodes, &got),
                                 n);
                assert_memory_equal(buf, buf2, (size_t)n);
                built++;
            }
        }
    }
    assert_int_equal(built, 5 * 4 * 4);
}

static void test_ra_max_len(void **state)
{
    (void)state;
    struct net_nd6_ra ra;
    golden_struct(&ra);
    ra.n_prefixes = NET_ND6_MAX_PREFIXES;
    for (unsigned i = 1; i < NET_ND6_MAX_PREFIXES; i++) {
        ra.prefixes[i] = ra.prefixes[0];
        ra.prefixes[i].prefix[7] = (uint8_t)i;
    }
    ra.n_rdnss = NET_ND6_MAX_RDNSS;
    addr(ra.rdnss[2], 0x2001, 0xdb8, 0, 0, 0x99);
    uint8_t buf[NET_ND6_RA_MAX_LEN];
    assert_int_equal(net_nd6_build_ra(buf, sizeof buf, ll_router, all_nodes, &ra),
                     NET_ND6_RA_MAX_LEN);
    struct net_nd6_ra got;
    assert_int_equal(net_nd6_parse_ra(buf, sizeof buf, &got, NULL), 0);
    assert_ra_equal(&got, &ra);
}

/* Each rejection on its own, starting from the golden packets. */
static void test_ra_rejections(void **state)
{
    (void)state;
    uint8_t p[sizeof ra_golden + 16];
    struct net_nd6_ra ra;
    const size_t n = sizeof ra_golden;

    /* *ra is left alone on failure. */
    memset(&ra, 0x5c, sizeof ra);
    struct net_nd6_ra sentinel = ra;

    /* Hop limit 254: forwarded, not from this link (§6.1.2). The hop limit
     * is not covered by the checksum. */
    memcpy(p, ra_golden, n);
    p[7] = 254;
    assert_int_equal(icmp_verify(p, n), 0xffff);
    assert_int_equal(net_nd6_parse_ra(p, n, &ra, NULL), -EINVAL);
    assert_memory_equal(&ra, &sentinel, sizeof ra);
    p[7] = 1;
    assert_int_equal(net_nd6_parse_ra(p, n, &ra, NULL), -EINVAL);

    /* Bad checksum: every single-bit flip of the checksum field. */
    for (int bit = 0; bit < 16; bit++) {
        memcpy(p, ra_golden, n);
        p[42 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(net_nd6_parse_ra(p, n, &ra, NULL), -EINVAL);
    }
    /* Bad checksum: a payload byte changed, checksum not. */
    memcpy(p, ra_golden, n);
    p[n - 1] ^= 1;
    assert_int_equal(net_nd6_parse_ra(p, n, &ra, NULL), -EINVAL);
    /* ... and a pseudo-header byte (destination). */
    memcpy(p, ra_golden, n);
    p[39] = 2;
    assert_int_equal(net_nd6_parse_ra(p, n, &ra, NULL), -EINVAL);
    icmp_fix(p, n); /* with a right checksum, any destination is fine */
    assert_int_equal(net_nd6_parse_ra(p, n, &ra, NULL), 0);

    /* Code 1, checksum right. */
    memcpy(p, ra_golden, n);
    p[41] = 1;
    icmp_fix(p, n);
    assert_int_equal(net_nd6_parse_ra(p, n, &ra, NULL), -EINVAL);

    /* Source not link-local: global, unspecified, multicast, fec0::. */
    const uint8_t fec0[16] = {0xfe, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    const uint8_t *bad_src[] = {global_src, unspec, all_nodes, fec0};
    for (size_t i = 0; i < sizeof bad_src / sizeof bad_src[0]; i++) {
        memcpy(p, ra_golden, n);
        memcpy(p + 8, bad_src[i], 16);
        icmp_fix(p, n);
        assert_int_equal(icmp_verify(p, n), 0xffff);
        assert_int_equal(net_nd6_parse_ra(p, n, &ra, NULL), -EINVAL);
    }
    /* fe80::/10 includes febf::. */
    memcpy(p, ra_golden, n);
    p[9] = 0xbf;
    icmp_fix(p, n);
    assert_int_equal(net_nd6_parse_ra(p, n, &ra, NULL), 0);

    /* Truncated at every length: the payload length then disagrees. */
    memset(&ra, 0x5c, sizeof ra);
    for (size_t len = 0; len < n; len++) {
        memcpy(p, ra_golden, n);
        assert_int_equal(parse_ra_exact(p, len, &ra), -EINVAL);
        assert_memory_equal(&ra, &sentinel, sizeof ra);
    }
    /* Also with the payload length adjusted and the checksum fixed: that
     * leaves an RA header under 16 bytes or a cut option, except at the
     * option boundaries (56: bare RA, 64: + MTU, 96: + prefix). */
    for (size_t len = 44; len < n; len++) {
        memcpy(p, ra_golden, n);
        p[4] = (uint8_t)((len - 40) >> 8);
        p[5] = (uint8_t)(len - 40);
        icmp_fix(p, len);
        int want = (len == 56 || len == 64 || len == 96) ? 0 : -EINVAL;
        assert_int_equal(parse_ra_exact(p, len, &ra), want);
    }

    /* Payload length lying: larger and smaller than what is there. */
    for (int d = -9; d <= 9; d++) {
        if (d == 0)
            continue;
        memcpy(p, ra_golden, n);
        unsigned pl = (unsigned)((int)(n - 40) + d);
        p[4] = (uint8_t)(pl >> 8);
        p[5] = (uint8_t)pl;
        assert_int_equal(net_nd6_parse_ra(p, n, &ra, NULL), -EINVAL);
    }
    /* Smaller, with the checksum right for the declared length: a valid RA
     * followed by bytes the header does not account for (link padding) is
     * accepted, the trailer ignored (RFC 8200 §3). */
    for (size_t extra = 1; extra <= 16; extra++) {
        memcpy(p, ra_golden, n);
        memset(p + n, 0xee, extra);
        assert_int_equal(net_nd6_parse_ra(p, n + extra, &ra, NULL), 0);
        assert_int_equal(ra.n_prefixes, 1);
        assert_int_equal(net_nd6_classify(p, n + extra), NET_ND6_RA);
    }
    memcpy(p, ra_golden, n);
    p[4] = p[5] = 0xff;
    assert_int_equal(net_nd6_parse_ra(p, n, &ra, NULL), -EINVAL);
    p[4] = p[5] = 0; /* jumbogram */
    assert_int_equal(net_nd6_parse_ra(p, n, &ra, NULL), -EINVAL);

    /* Option length 0, in each option position (MTU at 56, PI at 64,
     * RDNSS at 96). */
    const size_t opt_at[] = {56, 64, 96};
    for (size_t i = 0; i < 3; i++) {
        memcpy(p, ra_golden, n);
        p[opt_at[i] + 1] = 0;
        icmp_fix(p, n);
        assert_int_equal(net_nd6_parse_ra(p, n, &ra, NULL), -EINVAL);
    }
    /* An option running past the end: RDNSS length 6 and 255. */
    memcpy(p, ra_golden, n);
    p[97] = 6;
    icmp_fix(p, n);
    assert_int_equal(net_nd6_parse_ra(p, n, &ra, NULL), -EINVAL);
    p[97] = 255;
    icmp_fix(p, n);
    assert_int_equal(net_nd6_parse_ra(p, n, &ra, NULL), -EINVAL);
    /* The prefix option claiming the rest plus 8. */
    memcpy(p, ra_golden, n);
    p[65] = (uint8_t)((n - 64) / 8 + 1);
    icmp_fix(p, n);
    assert_int_equal(net_nd6_parse_ra(p, n, &ra, NULL), -EINVAL);
    /* 1..7 trailing bytes after the last option (an option header cut or
     * an option shorter than its own 8-byte unit). */
    for (size_t extra = 1; extra < 8; extra++) {
        memcpy(p, ra_golden, n);
        memset(p + n, 0x19, extra);
        size_t m = n + extra;
        p[4] = (uint8_t)((m - 40) >> 8);
        p[5] = (uint8_t)(m - 40);
        icmp_fix(p, m);
        assert_int_equal(parse_ra_exact(p, m, &ra), -EINVAL);
    }
    /* ... whereas 8 more bytes making an unknown option are fine. */
    memcpy(p, ra_golden, n);
    memset(p + n, 0, 8);
    p[n] = 200, p[n + 1] = 1;
    p[4] = 0, p[5] = (uint8_t)(n + 8 - 40);
    icmp_fix(p, n + 8);
    assert_int_equal(net_nd6_parse_ra(p, n + 8, &ra, NULL), 0);

    /* An RA shorter than 16 ICMP bytes, checksum right. */
    static const uint8_t short_ra[12] = {134, 0, 0, 0, 64, 0, 0x07, 0x08, 0, 0, 0, 0};
    size_t m = mk(p, ll_router, all_nodes, 255, short_ra, sizeof short_ra);
    assert_int_equal(icmp_verify(p, m), 0xffff);
    assert_int_equal(net_nd6_parse_ra(p, m, &ra, NULL), -EINVAL);
    /* The bare 16-byte RA is fine. */
    static const uint8_t bare_ra[16] = {134, 0, 0, 0, 64, 0x80, 0x07, 0x08, 0, 0, 0, 1, 0, 0, 0, 2};
    m = mk(p, ll_router, all_nodes, 255, bare_ra, sizeof bare_ra);
    assert_int_equal(net_nd6_parse_ra(p, m, &ra, NULL), 0);
    assert_true(ra.managed);
    assert_false(ra.other);
    assert_int_equal(ra.reachable_ms, 1);
    assert_int_equal(ra.retrans_ms, 2);
    assert_int_equal(ra.n_prefixes + ra.n_rdnss + ra.mtu, 0);

    /* Not IPv6, not ICMPv6 directly (hop-by-hop header), wrong type. */
    memcpy(p, ra_golden, n);
    p[0] = 0x40;
    assert_int_equal(net_nd6_parse_ra(p, n, &ra, NULL), -EINVAL);
    memcpy(p, ra_golden, n);
    p[6] = 0;
    assert_int_equal(net_nd6_parse_ra(p, n, &ra, NULL), -EINVAL);
    memcpy(p, ra_golden, n);
    p[40] = 135;
    icmp_fix(p, n);
    assert_int_equal(net_nd6_parse_ra(p, n, &ra, NULL), -EINVAL);

    /* NULL arguments. */
    assert_int_equal(net_nd6_parse_ra(NULL, n, &ra, NULL), -EINVAL);
    assert_int_equal(net_nd6_parse_ra(ra_golden, n, NULL, NULL), -EINVAL);
}

static void test_rs_rejections(void **state)
{
    (void)state;
    uint8_t p[128];
    const size_t n = sizeof rs_golden;

    memcpy(p, rs_golden, n);
    p[7] = 254;
    assert_int_equal(net_nd6_parse_rs(p, n), -EINVAL);

    memcpy(p, rs_golden, n);
    p[43] ^= 0x01;
    assert_int_equal(net_nd6_parse_rs(p, n), -EINVAL);

    memcpy(p, rs_golden, n);
    p[41] = 1;
    icmp_fix(p, n);
    assert_int_equal(net_nd6_parse_rs(p, n), -EINVAL);

    /* The Reserved field is ignored (§4.1). */
    memcpy(p, rs_golden, n);
    p[44] = 0xde, p[47] = 0xad;
    icmp_fix(p, n);
    assert_int_equal(net_nd6_parse_rs(p, n), 0);

    /* Any source and destination is acceptable for an RS (§6.1.1 has no
     * address rule besides the SLLA one). */
    memcpy(p, rs_golden, n);
    memcpy(p + 8, global_src, 16);
    icmp_fix(p, n);
    assert_int_equal(net_nd6_parse_rs(p, n), 0);

    for (size_t len = 0; len < n; len++) {
        memcpy(p, rs_golden, n);
        assert_int_equal(parse_rs_exact(p, len), -EINVAL);
        if (len >= 40) { /* ICMP length < 8 with a consistent header */
            p[4] = 0;
            p[5] = (uint8_t)(len - 40);
            icmp_fix(p, len < 44 ? 44 : len); /* checksum field needs 44 bytes */
            assert_int_equal(parse_rs_exact(p, len), -EINVAL);
        }
    }
    for (int d = -8; d <= 8; d++) {
        if (d == 0)
            continue;
        memcpy(p, rs_golden, n);
        p[5] = (uint8_t)(8 + d);
        assert_int_equal(net_nd6_parse_rs(p, n), -EINVAL);
    }
    /* Trailing bytes beyond the payload length: ignored (RFC 8200 §3). */
    for (size_t extra = 1; extra <= 16; extra++) {
        memcpy(p, rs_golden, n);
        memset(p + n, 0xee, extra);
        assert_int_equal(net_nd6_parse_rs(p, n + extra), 0);
    }

    /* Options: SLLA (type 1, length 1: 6-byte address, PPP has none but a
     * peer may send one anyway) and an unknown one. */
    static const uint8_t rs_slla[16] = {133, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 0, 0, 0, 0, 1};
    uint8_t ll_host[16];
    net_nd6_link_local(0x0200000000000001ull, ll_host);
    static const uint8_t all_routers[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    size_t m = mk(p, ll_host, all_routers, 255, rs_slla, sizeof rs_slla);
    assert_int_equal(net_nd6_parse_rs(p, m), 0);
    /* §6.1.1: unspecified source with an SLLA option. */
    m = mk(p, unspec, all_routers, 255, rs_slla, sizeof rs_slla);
    assert_int_equal(net_nd6_parse_rs(p, m), -EINVAL);
    /* Unspecified source with another option is fine. */
    uint8_t icmp[24];
    memcpy(icmp, rs_slla, 16);
    icmp[8] = 77;
    m = mk(p, unspec, all_routers, 255, icmp, 16);
    assert_int_equal(net_nd6_parse_rs(p, m), 0);
    /* ... and SLLA as a second option still counts. */
    memset(icmp + 16, 0, 8);
    icmp[16] = 1, icmp[17] = 1;
    m = mk(p, unspec, all_routers, 255, icmp, 24);
    assert_int_equal(net_nd6_parse_rs(p, m), -EINVAL);

    /* Option length 0; option past the end; a cut option header. */
    memcpy(icmp, rs_slla, 16);
    icmp[9] = 0;
    m = mk(p, ll_host, all_routers, 255, icmp, 16);
    assert_int_equal(net_nd6_parse_rs(p, m), -EINVAL);
    icmp[9] = 2;
    m = mk(p, ll_host, all_routers, 255, icmp, 16);
    assert_int_equal(net_nd6_parse_rs(p, m), -EINVAL);
    icmp[9] = 1;
    for (size_t cut = 9; cut < 16; cut++) {
        m = mk(p, ll_host, all_routers, 255, icmp, cut);
        assert_int_equal(parse_rs_exact(p, m), -EINVAL);
    }

    assert_int_equal(net_nd6_parse_rs(NULL, n), -EINVAL);
}

/* Appends an option to an ICMP message under construction. */
static size_t put(uint8_t *icmp, size_t at, const uint8_t *opt, size_t len)
{
    memcpy(icmp + at, opt, len);
    return at + len;
}

static size_t prefix_opt(uint8_t o[32], uint8_t plen, uint8_t flags, uint32_t valid, uint32_t pref,
                         const uint8_t pfx[16])
{
    memset(o, 0, 32);
    o[0] = 3, o[1] = 4, o[2] = plen, o[3] = flags;
    o[4] = (uint8_t)(valid >> 24), o[5] = (uint8_t)(valid >> 16);
    o[6] = (uint8_t)(valid >> 8), o[7] = (uint8_t)valid;
    o[8] = (uint8_t)(pref >> 24), o[9] = (uint8_t)(pref >> 16);
    o[10] = (uint8_t)(pref >> 8), o[11] = (uint8_t)pref;
    o[12] = 0xff; /* Reserved2: ignored */
    memcpy(o + 16, pfx, 16);
    return 32;
}

static size_t rdnss_opt(uint8_t *o, uint32_t lifetime, unsigned n, uint16_t base)
{
    o[0] = 25, o[1] = (uint8_t)(1 + 2 * n), o[2] = o[3] = 0;
    o[4] = (uint8_t)(lifetime >> 24), o[5] = (uint8_t)(lifetime >> 16);
    o[6] = (uint8_t)(lifetime >> 8), o[7] = (uint8_t)lifetime;
    for (unsigned i = 0; i < n; i++)
        addr(o + 8 + 16 * i, 0x2001, 0xdb8, 0xd, 0, (uint16_t)(base + i));
    return 8 + 16 * n;
}

static void test_ra_skipping(void **state)
{
    (void)state;
    uint8_t icmp[1024];
    size_t at = 0;
    static const uint8_t hdr[16] = {134, 0, 0, 0, 64, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    at = put(icmp, at, hdr, sizeof hdr);
    uint8_t o[64], pfx[16];

    /* Unknown type 200 (length 2), SLLA, an MTU with length 2: skipped. */
    memset(o, 0xab, 16);
    o[0] = 200, o[1] = 2;
    at = put(icmp, at, o, 16);
    memset(o, 0, 8);
    o[0] = 1, o[1] = 1;
    at = put(icmp, at, o, 8);
    memset(o, 0, 16);
    o[0] = 5, o[1] = 2, o[7] = 99;
    at = put(icmp, at, o, 16);
    /* Two MTU options: the first counts. */
    static const uint8_t mtu1[8] = {5, 1, 0, 0, 0, 0, 0x05, 0xdc};
    static const uint8_t mtu2[8] = {5, 1, 0, 0, 0, 0, 0x05, 0x00};
    at = put(icmp, at, mtu1, 8);
    at = put(icmp, at, mtu2, 8);

    /* plen 129 and 255: skipped. */
    addr(pfx, 0x2001, 0xdb8, 0xbad, 0, 0);
    prefix_opt(o, 129, 0xc0, 100, 50, pfx);
    at = put(icmp, at, o, 32);
    prefix_opt(o, 255, 0xc0, 100, 50, pfx);
    at = put(icmp, at, o, 32);
    /* Preferred > valid: skipped (RFC 4862 §5.5.3 c). */
    prefix_opt(o, 64, 0xc0, 100, 101, pfx);
    at = put(icmp, at, o, 32);
    /* The link-local prefix: skipped, also with bits past plen set. */
    addr(pfx, 0xfe80, 0, 0, 0, 0);
    prefix_opt(o, 64, 0xc0, 100, 50, pfx);
    at = put(icmp, at, o, 32);
    addr(pfx, 0xfebf, 0, 0, 0, 0x1234);
    prefix_opt(o, 10, 0xc0, 100, 50, pfx);
    at = put(icmp, at, o, 32);
    /* A prefix option of length 3 (not a PI we can read): skipped. */
    addr(pfx, 0x2001, 0xdb8, 0xbad, 1, 0);
    prefix_opt(o, 64, 0xc0, 100, 50, pfx);
    o[1] = 3;
    at = put(icmp, at, o, 24);
    /* Five good prefixes, the first with bits past plen; four kept. */
    for (uint16_t i = 0; i < 5; i++) {
        addr(pfx, 0x2001, 0xdb8, 0x100 + i, 0xffff, 0xffff);
        prefix_opt(o, i == 0 ? 56 : 64, (uint8_t)(i & 1 ? 0x80 : 0x40), 1000u + i,
                   i == 2 ? 1002u : 500u, pfx); /* preferred == valid is fine */
        at = put(icmp, at, o, 32);
    }
    /* RDNSS with length 2 (no address) and 4 (even): ignored. */
    memset(o, 0, 32);
    o[0] = 25, o[1] = 2, o[7] = 1;
    at = put(icmp, at, o, 16);
    o[1] = 4;
    at = put(icmp, at, o, 32);
    /* RDNSS 2 addresses lifetime 300, then 2 with lifetime 600 (one kept;
     * the shorter lifetime stays), then 1 with lifetime 10 (none kept: it
     * does not shorten the lifetime). */
    at += rdnss_opt(icmp + at, 300, 2, 0x10);
    at += rdnss_opt(icmp + at, 600, 2, 0x20);
    at += rdnss_opt(icmp + at, 10, 1, 0x30);

    uint8_t p[1100];
    size_t n = mk(p, ll_router, all_nodes, 255, icmp, at);
    struct net_nd6_ra ra;
    uint8_t src[16];
    assert_int_equal(net_nd6_parse_ra(p, n, &ra, src), 0);
    assert_int_equal(ra.cur_hop_limit, 64);
    assert_false(ra.managed);
    assert_true(ra.other);
    assert_int_equal(ra.mtu, 1500);
    assert_int_equal(ra.n_prefixes, NET_ND6_MAX_PREFIXES);
    for (unsigned i = 0; i < NET_ND6_MAX_PREFIXES; i++) {
        const struct net_nd6_prefix *q = &ra.prefixes[i];
        uint8_t want[16];
        addr(want, 0x2001, 0xdb8, (uint16_t)(0x100 + i), 0xffff, 0xffff);
        memset(want + 8, 0, 8);
        if (i == 0)
            want[7] = 0; /* /56 */
        assert_memory_equal(q->prefix, want, 16);
        assert_int_equal(q->plen, i == 0 ? 56 : 64);
        assert_int_equal(q->onlink, (i & 1) != 0);
        assert_int_equal(q->autonomous, (i & 1) == 0);
        assert_int_equal(q->valid_s, 1000 + i);
        assert_int_equal(q->preferred_s, i == 2 ? 1002 : 500);
    }
    assert_int_equal(ra.n_rdnss, NET_ND6_MAX_RDNSS);
    uint8_t want[16];
    addr(want, 0x2001, 0xdb8, 0xd, 0, 0x10);
    assert_memory_equal(ra.rdnss[0], want, 16);
    addr(want, 0x2001, 0xdb8, 0xd, 0, 0x11);
    assert_memory_equal(ra.rdnss[1], want, 16);
    addr(want, 0x2001, 0xdb8, 0xd, 0, 0x20);
    assert_memory_equal(ra.rdnss[2], want, 16);
    assert_int_equal(ra.rdnss_lifetime_s, 300);

    /* Built from what was parsed and parsed again: the same. */
    uint8_t buf[NET_ND6_RA_MAX_LEN];
    ssize_t bn = net_nd6_build_ra(buf, sizeof buf, src, all_nodes, &ra);
    assert_int_equal(bn, NET_ND6_RA_MAX_LEN);
    struct net_nd6_ra again;
    assert_int_equal(net_nd6_parse_ra(buf, (size_t)bn, &again, NULL), 0);
    assert_ra_equal(&again, &ra);
}

/* build_ra writes what it is told; the receiver's rules then apply. */
static void test_ra_skipping_built(void **state)
{
    (void)state;
    struct net_nd6_ra ra, got;
    golden_struct(&ra);
    ra.n_prefixes = 3;
    ra.prefixes[1] = ra.prefixes[0];
    addr(ra.prefixes[1].prefix, 0xfe80, 0, 0, 0, 0); /* link-local */
    ra.prefixes[2] = ra.prefixes[0];
    ra.prefixes[2].preferred_s = ra.prefixes[2].valid_s + 1;
    ra.prefixes[0].valid_s = ra.prefixes[0].preferred_s = 0; /* 0/0 is kept */
    uint8_t buf[NET_ND6_RA_MAX_LEN];
    ssize_t n = net_nd6_build_ra(buf, sizeof buf, ll_router, all_nodes, &ra);
    assert_true(n > 0);
    assert_int_equal(net_nd6_parse_ra(buf, (size_t)n, &got, NULL), 0);
    assert_int_equal(got.n_prefixes, 1);
    assert_int_equal(got.prefixes[0].valid_s, 0);
    assert_memory_equal(got.prefixes[0].prefix, ra.prefixes[0].prefix, 16);
}

static void test_classify(void **state)
{
    (void)state;
    uint8_t p[64];
    memcpy(p, rs_golden, sizeof rs_golden);
    assert_int_equal(net_nd6_classify(p, 48), NET_ND6_RS);
    assert_int_equal(net_nd6_classify(p, 44), NET_ND6_RS); /* type and code present */
    assert_int_equal(net_nd6_classify(p, 43), NET_ND6_NONE);
    assert_int_equal(net_nd6_classify(p, 40), NET_ND6_NONE);
    assert_int_equal(net_nd6_classify(p, 0), NET_ND6_NONE);
    assert_int_equal(net_nd6_classify(NULL, 48), NET_ND6_NONE);
    /* No checksum or hop-limit check in the cheap path. */
    p[42] ^= 0xff;
    p[7] = 1;
    assert_int_equal(net_nd6_classify(p, 48), NET_ND6_RS);
    p[40] = 134;
    assert_int_equal(net_nd6_classify(p, 48), NET_ND6_RA);
    const uint8_t others[] = {1, 128, 129, 135, 136, 137, 143, 0, 255};
    for (size_t i = 0; i < sizeof others; i++) {
        p[40] = others[i];
        assert_int_equal(net_nd6_classify(p, 48), NET_ND6_NONE);
    }
    memcpy(p, rs_golden, sizeof rs_golden);
    p[6] = 0; /* hop-by-hop first */
    assert_int_equal(net_nd6_classify(p, 48), NET_ND6_NONE);
    p[6] = 17;
    assert_int_equal(net_nd6_classify(p, 48), NET_ND6_NONE);
    memcpy(p, rs_golden, sizeof rs_golden);
    p[0] = 0x45; /* IPv4 */
    assert_int_equal(net_nd6_classify(p, 48), NET_ND6_NONE);
    p[0] = 0x6f; /* version 6 with traffic-class bits: still IPv6 */
    assert_int_equal(net_nd6_classify(p, 48), NET_ND6_RS);
}

static void test_build_errors(void **state)
{
    (void)state;
    struct net_nd6_ra ra;
    golden_struct(&ra);
    uint8_t buf[NET_ND6_RA_MAX_LEN + 8];
    const size_t need = sizeof ra_golden;
    for (size_t cap = 0; cap < need; cap++) {
        memset(buf, 0xee, sizeof buf);
        assert_int_equal(net_nd6_build_ra(buf, cap, ll_router, all_nodes, &ra), -ENOSPC);
        for (size_t i = 0; i < sizeof buf; i++)
            assert_int_equal(buf[i], 0xee);
    }
    assert_int_equal(net_nd6_build_ra(buf, need, ll_router, all_nodes, &ra), need);
    assert_memory_equal(buf, ra_golden, need);

    struct net_nd6_ra bad = ra;
    bad.n_prefixes = NET_ND6_MAX_PREFIXES + 1;
    assert_int_equal(net_nd6_build_ra(buf, sizeof buf, ll_router, all_nodes, &bad), -EINVAL);
    bad = ra;
    bad.n_rdnss = NET_ND6_MAX_RDNSS + 1;
    assert_int_equal(net_nd6_build_ra(buf, sizeof buf, ll_router, all_nodes, &bad), -EINVAL);
    bad = ra;
    bad.prefixes[0].plen = 129;
    assert_int_equal(net_nd6_build_ra(buf, sizeof buf, ll_router, all_nodes, &bad), -EINVAL);
    bad.prefixes[0].plen = 128;
    assert_int_equal(net_nd6_build_ra(buf, sizeof buf, ll_router, all_nodes, &bad), need);
    /* A bad plen in an entry past n_prefixes does not matter. */
    bad = ra;
    bad.prefixes[3].plen = 200;
    assert_int_equal(net_nd6_build_ra(buf, sizeof buf, ll_router, all_nodes, &bad), need);
    /* Limits are judged before the capacity. */
    bad.n_rdnss = 9;
    assert_int_equal(net_nd6_build_ra(buf, 0, ll_router, all_nodes, &bad), -EINVAL);

    assert_int_equal(net_nd6_build_ra(NULL, sizeof buf, ll_router, all_nodes, &ra), -EINVAL);
    assert_int_equal(net_nd6_build_ra(buf, sizeof buf, NULL, all_nodes, &ra), -EINVAL);
    assert_int_equal(net_nd6_build_ra(buf, sizeof buf, ll_router, NULL, &ra), -EINVAL);
    assert_int_equal(net_nd6_build_ra(buf, sizeof buf, ll_router, all_nodes, NULL), -EINVAL);

    uint8_t src[16];
    net_nd6_link_local(0x021122fffe334455ull, src);
    for (size_t cap = 0; cap < NET_ND6_RS_LEN; cap++) {
        memset(buf, 0xee, sizeof buf);
        assert_int_equal(net_nd6_build_rs(buf, cap, src), -ENOSPC);
        for (size_t i = 0; i < sizeof buf; i++)
            assert_int_equal(buf[i], 0xee);
    }
    assert_int_equal(net_nd6_build_rs(buf, NET_ND6_RS_LEN, src), NET_ND6_RS_LEN);
    assert_memory_equal(buf, rs_golden, NET_ND6_RS_LEN);
    assert_int_equal(net_nd6_build_rs(NULL, 64, src), -EINVAL);
    assert_int_equal(net_nd6_build_rs(buf, 64, NULL), -EINVAL);
}

/* Random byte mutations of valid packets (checksum sometimes repaired so
 * the option walk is reached): never a crash or an overread (run under
 * ASan), and whatever parses re-builds and re-parses to the same. */
static void test_mutation_property(void **state)
{
    (void)state;
    uint8_t maxra[NET_ND6_RA_MAX_LEN];
    {
        struct net_nd6_ra ra;
        golden_struct(&ra);
        ra.n_prefixes = NET_ND6_MAX_PREFIXES;
        for (unsigned i = 1; i < NET_ND6_MAX_PREFIXES; i++)
            ra.prefixes[i] = ra.prefixes[0];
        ra.n_rdnss = NET_ND6_MAX_RDNSS;
        assert_int_equal(net_nd6_build_ra(maxra, sizeof maxra, ll_router, all_nodes, &ra),
                         sizeof maxra);
    }
    uint32_t x = 12345;
    int parsed = 0;
    for (int iter = 0; iter < 20000; iter++) {
        uint8_t p[NET_ND6_RA_MAX_LEN];
        size_t n;
        switch (iter % 3) {
        case 0:
            memcpy(p, ra_golden, n = sizeof ra_golden);
            break;
        case 1:
            memcpy(p, maxra, n = sizeof maxra);
            break;
        default:
            memcpy(p, rs_golden, n = sizeof rs_golden);
            break;
        }
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        int muts = 1 + (int)(x % 4);
        for (int m = 0; m < muts; m++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            size_t at = (x & 3) != 0 ? 40 + (x >> 8) % (n - 40) : (x >> 8) % n;
            p[at] = (uint8_t)(x >> 24);
        }
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        size_t len = (x & 7) == 0 ? (x >> 8) % (n + 1) : n;
        if ((x & 0x30) != 0 && len >= 44 && (size_t)(p[4] << 8 | p[5]) + 40 == len)
            icmp_fix(p, len);
        (void)net_nd6_classify(p, len);
        (void)parse_rs_exact(p, len);
        struct net_nd6_ra ra, again;
        if (parse_ra_exact(p, len, &ra) == 0) {
            parsed++;
            uint8_t b[NET_ND6_RA_MAX_LEN];
            ssize_t bn = net_nd6_build_ra(b, sizeof b, ll_router, all_nodes, &ra);
            assert_true(bn > 0);
            assert_int_equal(net_nd6_parse_ra(b, (size_t)bn, &again, NULL), 0);
            assert_ra_equal(&again, &ra);
        }
    }
    assert_true(parsed > 100); /* the repaired mutants do reach the options */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ra_exact_bytes),    cmocka_unit_test(test_rs_exact_bytes),
        cmocka_unit_test(test_link_local),        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_ra_max_len),        cmocka_unit_test(test_ra_rejections),
        cmocka_unit_test(test_rs_rejections),     cmocka_unit_test(test_ra_skipping),
        cmocka_unit_test(test_ra_skipping_built), cmocka_unit_test(test_classify),
        cmocka_unit_test(test_build_errors),      cmocka_unit_test(test_mutation_property),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
