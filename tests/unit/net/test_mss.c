/* TCP MSS clamping (net/mss.c): exact bytes, full-checksum verification,
 * IPv4 options, IPv6 extension headers, and hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net/mss.h"
#include "net/mtu.h"

/* IPv4 SYN 192.168.0.104:41394 -> 192.168.0.1:80, options MSS 1460, SACK-permitted,
 * timestamps, NOP, window scale 7. Checksums computed independently (Python). */
static const uint8_t syn4_1460[60] = {
    0x45, 0x00, 0x00, 0x3c, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x06, 0x9c, 0xbc, 0xc0, 0xa8, 0x00,
    0x68, 0xc0, 0xa8, 0x00, 0x01, 0xa1, 0xb2, 0x00, 0x50, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00,
    0x00, 0x00, 0xa0, 0x02, 0x72, 0x10, 0x21, 0xc7, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04,
    0x02, 0x08, 0x0a, 0x00, 0x9c, 0x27, 0x24, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

/* The same SYN as a host announcing 1360 would have sent it. */
static const uint8_t syn4_1360[60] = {
    0x45, 0x00, 0x00, 0x3c, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x06, 0x9c, 0xbc, 0xc0, 0xa8, 0x00,
    0x68, 0xc0, 0xa8, 0x00, 0x01, 0xa1, 0xb2, 0x00, 0x50, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00,
    0x00, 0x00, 0xa0, 0x02, 0x72, 0x10, 0x22, 0x2b, 0x00, 0x00, 0x02, 0x04, 0x05, 0x50, 0x04,
    0x02, 0x08, 0x0a, 0x00, 0x9c, 0x27, 0x24, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

/* ---- reference checksum: full recomputation, independent of mss.c ---- */

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

/* Sum over pseudo-header + segment; 0xffff means the checksum is correct. */
static uint16_t tcp_verify(const uint8_t *pkt, size_t tcp_off)
{
    uint32_t s = 0;
    size_t tcplen;
    if ((pkt[0] >> 4) == 4) {
        size_t tot = (size_t)(pkt[2] << 8 | pkt[3]);
        tcplen = tot - tcp_off;
        s = sum16(pkt + 12, 8, s);
        s += 6 + (uint32_t)tcplen;
    } else {
        size_t plen = (size_t)(pkt[4] << 8 | pkt[5]);
        tcplen = 40 + plen - tcp_off;
        s = sum16(pkt + 8, 32, s);
        s += (uint32_t)tcplen + 6;
    }
    s = sum16(pkt + tcp_off, tcplen, s);
    return fold(s);
}

static void tcp_fill_csum(uint8_t *pkt, size_t tcp_off)
{
    pkt[tcp_off + 16] = pkt[tcp_off + 17] = 0;
    uint16_t c = (uint16_t)~tcp_verify(pkt, tcp_off);
    pkt[tcp_off + 16] = (uint8_t)(c >> 8);
    pkt[tcp_off + 17] = (uint8_t)c;
}

/* Builds a TCP segment at pkt+off with the given flags and options. */
static size_t put_tcp(uint8_t *pkt, size_t off, uint8_t flags, const uint8_t *opts, size_t olen,
                      size_t payload)
{
    uint8_t *t = pkt + off;
    memset(t, 0, 20);
    t[0] = 0xc3, t[1] = 0x50; /* 50000 */
    t[2] = 0x01, t[3] = 0xbb; /* 443 */
    t[4] = 0xde, t[5] = 0xad, t[6] = 0xbe, t[7] = 0xef;
    t[12] = (uint8_t)(((20 + olen) / 4) << 4);
    t[13] = flags;
    t[14] = 0xff, t[15] = 0xff;
    memcpy(t + 20, opts, olen);
    memset(t + 20 + olen, 0x5a, payload);
    return 20 + olen + payload;
}

static size_t build_v4(uint8_t *pkt, uint8_t flags, const uint8_t *opts, size_t olen,
                       size_t ip_opts)
{
    size_t ihl = 20 + ip_opts;
    memset(pkt, 0, ihl);
    pkt[0] = (uint8_t)(0x40 | (ihl / 4));
    pkt[8] = 64;
    pkt[9] = 6;
    pkt[12] = 100, pkt[13] = 64, pkt[14] = 0, pkt[15] = 7;
    pkt[16] = 198, pkt[17] = 51, pkt[18] = 100, pkt[19] = 9;
    for (size_t i = 0; i < ip_opts; i++)
        pkt[20 + i] = 1; /* IPv4 NOP options */
    size_t tl = put_tcp(pkt, ihl, flags, opts, olen, 3);
    size_t tot = ihl + tl;
    pkt[2] = (uint8_t)(tot >> 8), pkt[3] = (uint8_t)tot;
    tcp_fill_csum(pkt, ihl);
    return tot;
}

/* IPv6 with nexthdr chain `ext` (each 8 bytes, Hop-by-Hop/Routing/DstOpts
 * with zero length, or Fragment), then TCP. */
static size_t build_v6(uint8_t *pkt, uint8_t flags, const uint8_t *opts, size_t olen,
                       const uint8_t *ext, size_t next, size_t *tcp_off)
{
    memset(pkt, 0, 40);
    pkt[0] = 0x60;
    pkt[7] = 64;
    static const uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const uint8_t dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    memcpy(pkt + 8, src, 16);
    memcpy(pkt + 24, dst, 16);
    size_t off = 40;
    uint8_t *nh = &pkt[6];
    for (size_t i = 0; i < next; i++) {
        *nh = ext[i];
        memset(pkt + off, 0, 8);
        nh = &pkt[off];
        off += 8;
    }
    *nh = 6;
    size_t tl = put_tcp(pkt, off, flags, opts, olen, 0);
    size_t plen = off - 40 + tl;
    pkt[4] = (uint8_t)(plen >> 8), pkt[5] = (uint8_t)plen;
    tcp_fill_csum(pkt, off);
    *tcp_off = off;
    return 40 + plen;
}

static const uint8_t opt_mss1460[] = {2, 4, 0x05, 0xb4};

/* ---------------------------------------------------------------- tests */

static void test_v4_exact_bytes(void **state)
{
    (void)state;
    uint8_t p[60];
    memcpy(p, syn4_1460, sizeof p);
    assert_int_equal(tcp_verify(p, 20), 0xffff); /* the vector itself is right */
    assert_int_equal(net_mss_clamp(p, sizeof p, 1360), NET_MSS_CLAMPED);
    assert_memory_equal(p, syn4_1360, sizeof p);
    assert_int_equal(tcp_verify(p, 20), 0xffff);
    /* Idempotent: a second pass changes nothing. */
    assert_int_equal(net_mss_clamp(p, sizeof p, 1360), NET_MSS_UNCHANGED);
    assert_memory_equal(p, syn4_1360, sizeof p);
}

static void test_v4_mtu_helper(void **state)
{
    (void)state;
    uint8_t p[60];
    memcpy(p, syn4_1460, sizeof p);
    /* Tunnel MTU 1400 -> MSS 1360 for IPv4 (RFC 879: 1400 - 20 - 20). */
    assert_int_equal(net_mss_clamp_mtu(p, sizeof p, 1400), NET_MSS_CLAMPED);
    assert_memory_equal(p, syn4_1360, sizeof p);
}

static void test_v4_within_limit_untouched(void **state)
{
    (void)state;
    uint8_t p[60];
    memcpy(p, syn4_1360, sizeof p);
    assert_int_equal(net_mss_clamp(p, sizeof p, 1400), NET_MSS_UNCHANGED);
    assert_memory_equal(p, syn4_1360, sizeof p);
    assert_int_equal(net_mss_clamp(p, sizeof p, 0), NET_MSS_UNCHANGED); /* 0 = disabled */
    assert_memory_equal(p, syn4_1360, sizeof p);
}

static void test_v4_syn_ack_and_ip_options(void **state)
{
    (void)state;
    uint8_t p[128];
    /* SYN-ACK behind 8 bytes of IPv4 options (IHL 7). */
    size_t n = build_v4(p, 0x12, opt_mss1460, sizeof opt_mss1460, 8);
    assert_int_equal(tcp_verify(p, 28), 0xffff);
    assert_int_equal(net_mss_clamp(p, n, 1360), NET_MSS_CLAMPED);
    assert_int_equal(p[28 + 22] << 8 | p[28 + 23], 1360);
    assert_int_equal(tcp_verify(p, 28), 0xffff);
}

static void test_v4_odd_offsets(void **state)
{
    (void)state;
    /* MSS value at an odd offset: NOP, then MSS (value bytes at 23, 24). */
    for (size_t nops = 0; nops < 4; nops++) {
        uint8_t opts[12] = {0};
        size_t i = 0;
        for (; i < nops; i++)
            opts[i] = 1;
        memcpy(opts + i, opt_mss1460, 4);
        size_t olen = (nops + 4 + 3) & ~(size_t)3;
        uint8_t p[128];
        size_t n = build_v4(p, 0x02, opts, olen, 0);
        for (uint16_t lim = 536; lim < 1460; lim += 97) {
            uint8_t q[128];
            memcpy(q, p, n);
            assert_int_equal(net_mss_clamp(q, n, lim), NET_MSS_CLAMPED);
            assert_int_equal(q[20 + 20 + nops + 2] << 8 | q[20 + 20 + nops + 3], lim);
            assert_int_equal(tcp_verify(q, 20), 0xffff);
        }
    }
}

static void test_v4_mss_after_other_options(void **state)
{
    (void)state;
    /* Timestamps, SACK-permitted, window scale, then MSS last; EOL-free. */
    static const uint8_t opts[] = {8, 10, 1, 2, 3, 4, 5, 6,    7,    8,
                                   4, 2,  3, 3, 7, 2, 4, 0x23, 0x28, 1};
    uint8_t p[128];
    size_t n = build_v4(p, 0x02, opts, sizeof opts, 0);
    assert_int_equal(net_mss_clamp(p, n, 1452), NET_MSS_CLAMPED);
    assert_int_equal(p[20 + 20 + 17] << 8 | p[20 + 20 + 18], 1452);
    assert_int_equal(tcp_verify(p, 20), 0xffff);
}

static void test_v4_no_option_and_eol(void **state)
{
    (void)state;
    uint8_t p[128], q[128];
    static const uint8_t nops[] = {1, 1, 1, 1};
    size_t n = build_v4(p, 0x02, nops, sizeof nops, 0);
    memcpy(q, p, n);
    assert_int_equal(net_mss_clamp(q, n, 1000), NET_MSS_NO_OPTION);
    assert_memory_equal(p, q, n);
    /* MSS after End-of-Option-List is not an option (RFC 9293 §3.2). */
    static const uint8_t eol[] = {0, 2, 4, 5, 0xb4, 0, 0, 0};
    n = build_v4(p, 0x02, eol, sizeof eol, 0);
    memcpy(q, p, n);
    assert_int_equal(net_mss_clamp(q, n, 1000), NET_MSS_NO_OPTION);
    assert_memory_equal(p, q, n);
}

static void test_non_syn_untouched(void **state)
{
    (void)state;
    uint8_t p[128], q[128];
    static const uint8_t flags[] = {0x10, 0x18, 0x11, 0x04, 0x01};
    for (size_t i = 0; i < sizeof flags; i++) {
        size_t n = build_v4(p, flags[i], opt_mss1460, sizeof opt_mss1460, 0);
        memcpy(q, p, n);
        assert_int_equal(net_mss_clamp(q, n, 1000), NET_MSS_NOT_SYN);
        assert_memory_equal(p, q, n);
    }
    /* UDP, and a non-first fragment that looks like a SYN. */
    size_t n = build_v4(p, 0x02, opt_mss1460, sizeof opt_mss1460, 0);
    p[9] = 17;
    memcpy(q, p, n);
    assert_int_equal(net_mss_clamp(q, n, 1000), NET_MSS_NOT_SYN);
    assert_memory_equal(p, q, n);
    p[9] = 6;
    p[7] = 0x10; /* fragment offset 16 */
    memcpy(q, p, n);
    assert_int_equal(net_mss_clamp(q, n, 1000), NET_MSS_NOT_SYN);
    assert_memory_equal(p, q, n);
}

static void test_v6_plain_and_ext_headers(void **state)
{
    (void)state;
    static const uint8_t chains[][4] = {
        {0},
        {0, 43, 60, 0},
        {0, 60, 0, 0},
        {44, 0, 0, 0},
    };
    static const size_t lens[] = {0, 3, 2, 1};
    for (size_t c = 0; c < 4; c++) {
        uint8_t p[256];
        size_t off;
        size_t n = build_v6(p, 0x02, opt_mss1460, sizeof opt_mss1460, chains[c], lens[c], &off);
        assert_int_equal(tcp_verify(p, off), 0xffff);
        assert_int_equal(net_mss_clamp_mtu(p, n, 1400), NET_MSS_CLAMPED);
        assert_int_equal(p[off + 22] << 8 | p[off + 23], 1340); /* 1400 - 40 - 20 */
        assert_int_equal(tcp_verify(p, off), 0xffff);
    }
}

static void test_v6_stops_at_ah_and_bounds(void **state)
{
    (void)state;
    uint8_t p[256], q[256];
    size_t off;
    static const uint8_t ah[] = {51};
    size_t n = build_v6(p, 0x02, opt_mss1460, sizeof opt_mss1460, ah, 1, &off);
    memcpy(q, p, n);
    assert_int_equal(net_mss_clamp(q, n, 1000), NET_MSS_NOT_SYN);
    assert_memory_equal(p, q, n);
    /* Nine extension headers: more than the bound, left alone. */
    static const uint8_t many[9] = {0, 60, 60, 60, 60, 60, 60, 60, 60};
    n = build_v6(p, 0x02, opt_mss1460, sizeof opt_mss1460, many, 9, &off);
    memcpy(q, p, n);
    assert_int_equal(net_mss_clamp(q, n, 1000), NET_MSS_NOT_SYN);
    assert_memory_equal(p, q, n);
    /* Non-first IPv6 fragment. */
    static const uint8_t frag[] = {44};
    n = build_v6(p, 0x02, opt_mss1460, sizeof opt_mss1460, frag, 1, &off);
    p[40 + 3] = 0x08; /* offset 1 (8 octets) */
    memcpy(q, p, n);
    assert_int_equal(net_mss_clamp(q, n, 1000), NET_MSS_NOT_SYN);
    assert_memory_equal(p, q, n);
}

static void test_truncated_untouched(void **state)
{
    (void)state;
    uint8_t p[60];
    for (size_t len = 0; len < sizeof syn4_1460; len++) {
        memcpy(p, syn4_1460, sizeof p);
        enum net_mss_result r = net_mss_clamp(p, len, 1000);
        assert_int_equal(r, NET_MSS_MALFORMED);
        assert_memory_equal(p, syn4_1460, sizeof p);
    }
    uint8_t v6[256], q[256];
    size_t off;
    size_t n = build_v6(v6, 0x02, opt_mss1460, sizeof opt_mss1460, (const uint8_t[]){0}, 1, &off);
    for (size_t len = 0; len < n; len++) {
        memcpy(q, v6, n);
        assert_int_equal(net_mss_clamp(q, len, 1000), NET_MSS_MALFORMED);
        assert_memory_equal(q, v6, n);
    }
}

static void test_hostile_headers(void **state)
{
    (void)state;
    uint8_t p[60];
    /* IHL < 5, IHL beyond the packet, total length < IHL, bad version. */
    static const struct {
        size_t at;
        uint8_t v;
    } edits[] = {{0, 0x44}, {0, 0x4f}, {3, 0x10}, {0, 0x55}, {0, 0x00}};
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        memcpy(p, syn4_1460, sizeof p);
        p[edits[i].at] = edits[i].v;
        uint8_t q[60];
        memcpy(q, p, sizeof p);
        assert_int_equal(net_mss_clamp(p, sizeof p, 1000), NET_MSS_MALFORMED);
        assert_memory_equal(p, q, sizeof p);
    }
    /* TCP data offset < 5 and > segment; option length 0, 1, past the end;
     * MSS option with a wrong length (not an MSS option). */
    static const struct {
        size_t at;
        uint8_t v;
        enum net_mss_result want;
    } tcp_edits[] = {
        {32, 0x40, NET_MSS_MALFORMED}, {32, 0xf0, NET_MSS_MALFORMED}, {41, 0x00, NET_MSS_MALFORMED},
        {41, 0x01, NET_MSS_MALFORMED}, {41, 0x30, NET_MSS_MALFORMED}, {41, 0x03, NET_MSS_MALFORMED},
    };
    for (size_t i = 0; i < sizeof tcp_edits / sizeof tcp_edits[0]; i++) {
        memcpy(p, syn4_1460, sizeof p);
        p[tcp_edits[i].at] = tcp_edits[i].v;
        uint8_t q[60];
        memcpy(q, p, sizeof p);
        assert_int_equal(net_mss_clamp(p, sizeof p, 1000), tcp_edits[i].want);
        assert_memory_equal(p, q, sizeof p);
    }
    /* IPv6 with payload length 0 (jumbogram) or beyond the buffer. */
    uint8_t v6[256], q[256];
    size_t off;
    size_t n = build_v6(v6, 0x02, opt_mss1460, sizeof opt_mss1460, NULL, 0, &off);
    v6[4] = v6[5] = 0;
    memcpy(q, v6, n);
    assert_int_equal(net_mss_clamp(v6, n, 1000), NET_MSS_MALFORMED);
    assert_memory_equal(q, v6, n);
    v6[5] = 0xff;
    assert_int_equal(net_mss_clamp(v6, n, 1000), NET_MSS_MALFORMED);
    /* Extension header length running past the payload. */
    n = build_v6(v6, 0x02, opt_mss1460, sizeof opt_mss1460, (const uint8_t[]){60}, 1, &off);
    v6[41] = 200;
    memcpy(q, v6, n);
    assert_int_equal(net_mss_clamp(v6, n, 1000), NET_MSS_MALFORMED);
    assert_memory_equal(q, v6, n);
    assert_int_equal(net_mss_clamp(NULL, 0, 1000), NET_MSS_MALFORMED);
}

/* Random mutations of valid SYNs: never a crash or out-of-bounds access
 * (ASan), and whenever the packet had a valid checksum before, it still has
 * one after; if nothing was clamped, not a byte changed. */
static void test_mutation_property(void **state)
{
    (void)state;
    uint32_t x = 0x12345678;
    for (int iter = 0; iter < 200000; iter++) {
        uint8_t p[128], q[128];
        size_t n;
        size_t off = 20;
        if (iter & 1) {
            n = build_v6(p, 0x02, syn4_1460 + 40, 20, (const uint8_t[]){0, 60}, iter % 3, &off);
        } else {
            memcpy(p, syn4_1460, sizeof syn4_1460);
            n = sizeof syn4_1460;
        }
        int muts = 1 + (int)(x % 4);
        for (int m = 0; m < muts; m++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            size_t at = (x >> 8) % n;
            /* Mostly TCP header/options, sometimes IP header. */
            if ((x & 3) != 0 && n > off + 20)
                at = off + 12 + (x >> 8) % (n - off - 12);
            p[at] = (uint8_t)(x >> 24);
        }
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        size_t len = (x & 7) == 0 ? (x >> 8) % (n + 1) : n;
        bool checkable = false;
        size_t toff = 0;
        if (len == n && (p[0] >> 4) == 4 && (p[0] & 0xf) == 5 && p[2] == 0 && p[3] == n &&
            p[9] == 6) {
            toff = 20;
            checkable = true;
        } else if (len == n && (p[0] >> 4) == 6 && p[4] == 0 && p[5] + 40u == n && p[6] == 6) {
            toff = 40;
            checkable = true;
        }
        if (checkable && (p[toff + 12] >> 4) * 4u <= n - toff && (p[toff + 12] >> 4) >= 5)
            tcp_fill_csum(p, toff);
        else
            checkable = false;
        memcpy(q, p, n);
        enum net_mss_result r = net_mss_clamp(p, len, 1200);
        if (r != NET_MSS_CLAMPED)
            assert_memory_equal(p, q, n);
        if (checkable)
            assert_int_equal(tcp_verify(p, toff), 0xffff);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v4_exact_bytes),
        cmocka_unit_test(test_v4_mtu_helper),
        cmocka_unit_test(test_v4_within_limit_untouched),
        cmocka_unit_test(test_v4_syn_ack_and_ip_options),
        cmocka_unit_test(test_v4_odd_offsets),
        cmocka_unit_test(test_v4_mss_after_other_options),
        cmocka_unit_test(test_v4_no_option_and_eol),
        cmocka_unit_test(test_non_syn_untouched),
        cmocka_unit_test(test_v6_plain_and_ext_headers),
        cmocka_unit_test(test_v6_stops_at_ah_and_bounds),
        cmocka_unit_test(test_truncated_untouched),
        cmocka_unit_test(test_hostile_headers),
        cmocka_unit_test(test_mutation_property),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
