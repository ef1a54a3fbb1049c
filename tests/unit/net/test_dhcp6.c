/* DHCPv6 codec (net/dhcp6.c): exact bytes against hand-laid RFC 8415 /
 * RFC 3646 packets, build/parse round trips, the validation rules one by
 * one, the skipping and limit rules of parse, the cheap classifiers,
 * build limits and errors, status message sanitising and mutated input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/dhcp6.h"

/* Solicit fe80::211:22ff:fe33:4455 -> ff02::1:2 (All_DHCP_Relay_Agents_
 * and_Servers), laid out by hand from RFC 8415 §8, §21 the way a CPE
 * client (dhcpcd style: Elapsed Time after the Client Identifier, Rapid
 * Commit before the IA) sends it; checksum computed independently
 * (Python, over the RFC 8200 §8.1 pseudo-header). Offsets:
 *    0 IPv6: 60 00 00 00, payload length 58, next header 17, hop limit 255
 *    8 source fe80::211:22ff:fe33:4455, 24 destination ff02::1:2
 *   40 UDP: 546 -> 547, length 58, checksum 128a
 *   48 Solicit (1), transaction-id 5a1b2c
 *   52 Client Identifier: code 1, len 10, DUID-LL (type 3, hardware 1,
 *      00:11:22:33:44:55)
 *   66 Elapsed Time: code 8, len 2, 0
 *   72 Rapid Commit: code 14, len 0
 *   76 IA_PD: code 25, len 12, IAID 1, T1 0, T2 0
 *   92 Option Request: code 6, len 2, {23 (DNS servers)} */
static const uint8_t solicit_golden[98] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x3a, 0x11, 0xff, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55, 0xff, 0x02, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x02, 0x22,
    0x02, 0x23, 0x00, 0x3a, 0x12, 0x8a, 0x01, 0x5a, 0x1b, 0x2c, 0x00, 0x01, 0x00, 0x0a,
    0x00, 0x03, 0x00, 0x01, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x08, 0x00, 0x02,
    0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x19, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x02, 0x00, 0x17,
};

/* The Reply to it, fe80::1 -> fe80::211:22ff:fe33:4455, in the order
 * net_dhcp6_build() writes. Offsets:
 *    0 IPv6: payload length 117, next header 17, hop limit 255
 *   40 UDP: 547 -> 546, length 117, checksum 2d69
 *   48 Reply (7), transaction-id 5a1b2c
 *   52 Client Identifier (as above)
 *   66 Server Identifier: code 2, len 18, DUID-UUID (type 4,
 *      12345678-9abc-4def-8123-456789abcdef)
 *   88 IA_PD: code 25, len 41, IAID 1, T1 1800, T2 2880
 *  104   IA Prefix: code 26, len 25, preferred 3600, valid 7200, plen 56,
 *        2001:db8:ab00::
 *  133 Rapid Commit: code 14, len 0
 *  137 DNS Recursive Name Server: code 23, len 16, 2001:db8::53 */
static const uint8_t reply_golden[157] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x75, 0x11, 0xff, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55, 0x02, 0x23, 0x02, 0x22, 0x00, 0x75, 0x2d, 0x69,
    0x07, 0x5a, 0x1b, 0x2c, 0x00, 0x01, 0x00, 0x0a, 0x00, 0x03, 0x00, 0x01, 0x00, 0x11, 0x22, 0x33,
    0x44, 0x55, 0x00, 0x02, 0x00, 0x12, 0x00, 0x04, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0x4d, 0xef,
    0x81, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x00, 0x19, 0x00, 0x29, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x07, 0x08, 0x00, 0x00, 0x0b, 0x40, 0x00, 0x1a, 0x00, 0x19, 0x00, 0x00, 0x0e, 0x10,
    0x00, 0x00, 0x1c, 0x20, 0x38, 0x20, 0x01, 0x0d, 0xb8, 0xab, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x17, 0x00, 0x10, 0x20, 0x01, 0x0d,
    0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x53,
};

/* Information-Request (RFC 8415 §18.2.6) from the same client to
 * ff02::1:2, in build order. Offsets:
 *   40 UDP: 546 -> 547, length 40, checksum 1528
 *   48 Information-request (11), transaction-id 0e0f10
 *   52 Client Identifier, 66 Elapsed Time 0,
 *   72 Option Request: code 6, len 4, {23, 32 (Information Refresh Time)} */
static const uint8_t inforeq_golden[80] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x28, 0x11, 0xff, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x02, 0x22, 0x02, 0x23, 0x00, 0x28, 0x15, 0x28,
    0x0b, 0x0e, 0x0f, 0x10, 0x00, 0x01, 0x00, 0x0a, 0x00, 0x03, 0x00, 0x01, 0x00, 0x11, 0x22, 0x33,
    0x44, 0x55, 0x00, 0x08, 0x00, 0x02, 0x00, 0x00, 0x00, 0x06, 0x00, 0x04, 0x00, 0x17, 0x00, 0x20,
};

/* Its Reply, fe80::1 -> the client. Offsets:
 *   40 UDP: 547 -> 546, length 76, checksum 2a40
 *   48 Reply (7), transaction-id 0e0f10
 *   52 Client Identifier, 66 Server Identifier (as in reply_golden)
 *   88 DNS Recursive Name Server: 2001:db8::53
 *  108 Information Refresh Time: code 32, len 4, 86400 */
static const uint8_t inforep_golden[116] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x4c, 0x11, 0xff, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55, 0x02, 0x23, 0x02, 0x22, 0x00,
    0x4c, 0x2a, 0x40, 0x07, 0x0e, 0x0f, 0x10, 0x00, 0x01, 0x00, 0x0a, 0x00, 0x03, 0x00, 0x01,
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x02, 0x00, 0x12, 0x00, 0x04, 0x12, 0x34, 0x56,
    0x78, 0x9a, 0xbc, 0x4d, 0xef, 0x81, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x00, 0x17,
    0x00, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x53, 0x00, 0x20, 0x00, 0x04, 0x00, 0x01, 0x51, 0x80,
};

static const uint8_t cli_ll[16] = {0xfe, 0x80, 0,    0,    0,    0,    0,    0,
                                   0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55};
static const uint8_t srv_ll[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t all_srv[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2};
static const uint8_t global_a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

static const uint8_t duid_ll[10] = {0x00, 0x03, 0x00, 0x01, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
static const uint8_t duid_uuid[18] = {0x00, 0x04, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0x4d,
                                      0xef, 0x81, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};

/* ---- reference checksum: full recomputation, independent of dhcp6.c ---- */

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

/* Folded sum over pseudo-header + UDP datagram of a len-byte packet (UDP
 * length len - 40); 0xffff means the checksum is correct. */
static uint16_t udp_verify(const uint8_t *pkt, size_t len)
{
    size_t ulen = len - 40;
    uint32_t s = sum16(pkt + 8, 32, 0);
    s += (uint32_t)ulen + 17;
    s = sum16(pkt + 40, ulen, s);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

/* Writes the right checksum (0 sent as ffff, RFC 768). */
static void udp_fix(uint8_t *pkt, size_t len)
{
    pkt[46] = pkt[47] = 0;
    uint16_t c = (uint16_t)~udp_verify(pkt, len);
    if (c == 0)
        c = 0xffff;
    pkt[46] = (uint8_t)(c >> 8);
    pkt[47] = (uint8_t)c;
}

/* Payload length and UDP length set to len - 40, checksum recomputed. */
static void fix_all(uint8_t *pkt, size_t len)
{
    size_t ulen = len - 40;
    pkt[4] = pkt[44] = (uint8_t)(ulen >> 8);
    pkt[5] = pkt[45] = (uint8_t)ulen;
    udp_fix(pkt, len);
}

/* ---- a small packet writer for hand-made messages ---- */

struct tb {
    uint8_t b[2048];
    size_t n;
};

static void tb_u8(struct tb *t, uint8_t v)
{
    assert_true(t->n < sizeof t->b);
    t->b[t->n++] = v;
}

static void tb_u16(struct tb *t, uint16_t v)
{
    tb_u8(t, (uint8_t)(v >> 8));
    tb_u8(t, (uint8_t)v);
}

static void tb_u32(struct tb *t, uint32_t v)
{
    tb_u16(t, (uint16_t)(v >> 16));
    tb_u16(t, (uint16_t)v);
}

static void tb_bytes(struct tb *t, const void *p, size_t n)
{
    assert_true(n <= sizeof t->b - t->n);
    memcpy(t->b + t->n, p, n);
    t->n += n;
}

static void tb_opt(struct tb *t, uint16_t code, const void *p, uint16_t n)
{
    tb_u16(t, code);
    tb_u16(t, n);
    tb_bytes(t, p, n);
}

/* IPv6 + UDP header (lengths and checksum filled by tb_end), message
 * header. */
static void tb_start(struct tb *t, const uint8_t src[16], const uint8_t dst[16], uint16_t sport,
                     uint16_t dport, uint8_t type, uint32_t xid)
{
    memset(t, 0, sizeof *t);
    tb_u32(t, 0x60000000u);
    tb_u16(t, 0);
    tb_u8(t, 17);
    tb_u8(t, 255);
    tb_bytes(t, src, 16);
    tb_bytes(t, dst, 16);
    tb_u16(t, sport);
    tb_u16(t, dport);
    tb_u32(t, 0);
    tb_u8(t, type);
    tb_u8(t, (uint8_t)(xid >> 16));
    tb_u16(t, (uint16_t)xid);
}

/* A client message (546 -> 547) with a Client Identifier, or a server
 * message (547 -> 546). */
static void tb_client(struct tb *t, uint8_t type)
{
    tb_start(t, cli_ll, all_srv, 546, 547, type, 0x123456);
    tb_opt(t, 1, duid_ll, sizeof duid_ll);
}

static void tb_server(struct tb *t, uint8_t type)
{
    tb_start(t, srv_ll, cli_ll, 547, 546, type, 0x123456);
    tb_opt(t, 1, duid_ll, sizeof duid_ll);
}

static size_t tb_end(struct tb *t)
{
    fix_all(t->b, t->n);
    assert_int_equal(udp_verify(t->b, t->n), 0xffff);
    return t->n;
}

/* Parsers run on an exact-size heap copy, so that ASan sees any read past
 * len (the callers' buffers are larger than the lengths they pass). */
static int parse_exact(const uint8_t *p, size_t len, struct net_dhcp6_msg *m)
{
    uint8_t *q = malloc(len ? len : 1);
    assert_non_null(q);
    memcpy(q, p, len);
    int rc = net_dhcp6_parse(q, len, m, NULL);
    free(q);
    return rc;
}

static int tb_parse(struct tb *t, struct net_dhcp6_msg *m)
{
    return parse_exact(t->b, tb_end(t), m);
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

static void assert_ia_equal(const struct net_dhcp6_ia *a, const struct net_dhcp6_ia *b)
{
    assert_int_equal(a->iaid, b->iaid);
    assert_int_equal(a->t1, b->t1);
    assert_int_equal(a->t2, b->t2);
    assert_int_equal(a->n_prefixes, b->n_prefixes);
    for (unsigned i = 0; i < a->n_prefixes; i++) {
        const struct net_dhcp6_prefix *p = &a->prefixes[i], *q = &b->prefixes[i];
        assert_memory_equal(p->prefix, q->prefix, 16);
        assert_int_equal(p->plen, q->plen);
        assert_int_equal(p->preferred_s, q->preferred_s);
        assert_int_equal(p->valid_s, q->valid_s);
    }
    assert_int_equal(a->has_status, b->has_status);
    assert_int_equal(a->status, b->status);
}

/* Field-by-field comparison (padding bytes are not compared). */
static void assert_msg_equal(const struct net_dhcp6_msg *a, const struct net_dhcp6_msg *b)
{
    assert_int_equal(a->type, b->type);
    assert_int_equal(a->xid, b->xid);
    assert_int_equal(a->client_duid_len, b->client_duid_len);
    assert_memory_equal(a->client_duid, b->client_duid, a->client_duid_len);
    assert_int_equal(a->server_duid_len, b->server_duid_len);
    assert_memory_equal(a->server_duid, b->server_duid, a->server_duid_len);
    assert_int_equal(a->n_ia_pd, b->n_ia_pd);
    for (unsigned i = 0; i < a->n_ia_pd; i++)
        assert_ia_equal(&a->ia_pd[i], &b->ia_pd[i]);
    assert_int_equal(a->n_ia_na, b->n_ia_na);
    for (unsigned i = 0; i < a->n_ia_na; i++)
        assert_ia_equal(&a->ia_na[i], &b->ia_na[i]);
    assert_int_equal(a->rapid_commit, b->rapid_commit);
    assert_int_equal(a->n_oro, b->n_oro);
    for (unsigned i = 0; i < a->n_oro; i++)
        assert_int_equal(a->oro[i], b->oro[i]);
    assert_int_equal(a->has_status, b->has_status);
    assert_int_equal(a->status, b->status);
    assert_string_equal(a->status_msg, b->status_msg);
    assert_int_equal(a->n_dns, b->n_dns);
    for (unsigned i = 0; i < a->n_dns; i++)
        assert_memory_equal(a->dns[i], b->dns[i], 16);
    assert_int_equal(a->info_refresh_s, b->info_refresh_s);
    assert_int_equal(a->has_preference, b->has_preference);
    assert_int_equal(a->preference, b->preference);
}

static void solicit_struct(struct net_dhcp6_msg *m)
{
    memset(m, 0, sizeof *m);
    m->type = NET_DHCP6_SOLICIT;
    m->xid = 0x5a1b2c;
    memcpy(m->client_duid, duid_ll, sizeof duid_ll);
    m->client_duid_len = sizeof duid_ll;
    m->n_ia_pd = 1;
    m->ia_pd[0].iaid = 1;
    m->rapid_commit = true;
    m->n_oro = 1;
    m->oro[0] = 23;
}

static void reply_struct(struct net_dhcp6_msg *m)
{
    memset(m, 0, sizeof *m);
    m->type = NET_DHCP6_REPLY;
    m->xid = 0x5a1b2c;
    memcpy(m->client_duid, duid_ll, sizeof duid_ll);
    m->client_duid_len = sizeof duid_ll;
    memcpy(m->server_duid, duid_uuid, sizeof duid_uuid);
    m->server_duid_len = sizeof duid_uuid;
    m->n_ia_pd = 1;
    m->ia_pd[0].iaid = 1;
    m->ia_pd[0].t1 = 1800;
    m->ia_pd[0].t2 = 2880;
    m->ia_pd[0].n_prefixes = 1;
    addr(m->ia_pd[0].prefixes[0].prefix, 0x2001, 0xdb8, 0xab00, 0, 0);
    m->ia_pd[0].prefixes[0].plen = 56;
    m->ia_pd[0].prefixes[0].preferred_s = 3600;
    m->ia_pd[0].prefixes[0].valid_s = 7200;
    m->rapid_commit = true;
    m->n_dns = 1;
    addr(m->dns[0], 0x2001, 0xdb8, 0, 0, 0x53);
}

static void inforeq_struct(struct net_dhcp6_msg *m)
{
    memset(m, 0, sizeof *m);
    m->type = NET_DHCP6_INFORMATION_REQUEST;
    m->xid = 0x0e0f10;
    memcpy(m->client_duid, duid_ll, sizeof duid_ll);
    m->client_duid_len = sizeof duid_ll;
    m->n_oro = 2;
    m->oro[0] = 23;
    m->oro[1] = 32;
}

static void inforep_struct(struct net_dhcp6_msg *m)
{
    memset(m, 0, sizeof *m);
    m->type = NET_DHCP6_REPLY;
    m->xid = 0x0e0f10;
    memcpy(m->client_duid, duid_ll, sizeof duid_ll);
    m->client_duid_len = sizeof duid_ll;
    memcpy(m->server_duid, duid_uuid, sizeof duid_uuid);
    m->server_duid_len = sizeof duid_uuid;
    m->n_dns = 1;
    addr(m->dns[0], 0x2001, 0xdb8, 0, 0, 0x53);
    m->info_refresh_s = 86400;
}

/* Every Client, Server, IA and Status field at its maximum. */
static void max_struct(struct net_dhcp6_msg *m, uint8_t type)
{
    memset(m, 0, sizeof *m);
    m->type = type;
    m->xid = 0xffffff;
    for (size_t i = 0; i < NET_DHCP6_DUID_MAX; i++) {
        m->client_duid[i] = (uint8_t)i;
        m->server_duid[i] = (uint8_t)~i;
    }
    m->client_duid_len = m->server_duid_len = NET_DHCP6_DUID_MAX;
    m->n_ia_na = m->n_ia_pd = NET_DHCP6_MAX_IA;
    for (unsigned i = 0; i < NET_DHCP6_MAX_IA; i++) {
        m->ia_na[i].iaid = 100 + i;
        m->ia_na[i].has_status = true;
        m->ia_na[i].status = NET_DHCP6_ST_NOT_ON_LINK;
        struct net_dhcp6_ia *ia = &m->ia_pd[i];
        ia->iaid = i;
        ia->t1 = 1000 * i;
        ia->t2 = 2000 * i;
        ia->has_status = true;
        ia->status = NET_DHCP6_ST_SUCCESS;
        ia->n_prefixes = NET_DHCP6_MAX_PREFIXES;
        for (unsigned j = 0; j < NET_DHCP6_MAX_PREFIXES; j++) {
            addr(ia->prefixes[j].prefix, 0x2001, 0xdb8, (uint16_t)(i << 8 | j), 0, 0);
            ia->prefixes[j].plen = 56;
            ia->prefixes[j].preferred_s = 3600;
            ia->prefixes[j].valid_s = 7200;
        }
    }
    m->has_status = true;
    m->status = NET_DHCP6_ST_UNSPEC_FAIL;
    memset(m->status_msg, 'x', NET_DHCP6_STATUS_MSG - 1);
    m->rapid_commit = true;
    m->has_preference = true;
    m->preference = 255;
    m->n_dns = NET_DHCP6_MAX_DNS;
    for (unsigned i = 0; i < NET_DHCP6_MAX_DNS; i++)
        addr(m->dns[i], 0x2001, 0xdb8, 0, 0, (uint16_t)(0x53 + i));
    m->info_refresh_s = 0xffffffffu;
    m->n_oro = NET_DHCP6_MAX_ORO;
    for (unsigned i = 0; i < NET_DHCP6_MAX_ORO; i++)
        m->oro[i] = (uint16_t)(i + 1);
}

/* Header + Client ID + Server ID + Elapsed Time + 4 IA_NA with status +
 * 4 IA_PD with 4 prefixes and status + status with 63 bytes + Rapid
 * Commit + Preference + 3 DNS + Information Refresh + 16 ORO. */
#define MAX_CLIENT_LEN                                                                          \
    (40 + 8 + 4 + 134 + 134 + 6 + 4 * (4 + 12 + 6) + 4 * (4 + 12 + 4 * 29 + 6) + (4 + 2 + 63) + \
     4 + 5 + (4 + 48) + 8 + (4 + 32))

/* ---------------------------------------------------------------- tests */

static void test_solicit_golden(void **state)
{
    (void)state;
    const size_t n = sizeof solicit_golden;
    assert_int_equal(udp_verify(solicit_golden, n), 0xffff); /* the vector is right */
    assert_true(net_dhcp6_is_to_server(solicit_golden, n));
    assert_false(net_dhcp6_is_to_client(solicit_golden, n));

    struct net_dhcp6_msg want, got;
    solicit_struct(&want);
    uint8_t src[16];
    memset(&got, 0x5c, sizeof got);
    assert_int_equal(net_dhcp6_parse(solicit_golden, n, &got, src), 0);
    assert_msg_equal(&got, &want);
    assert_memory_equal(src, cli_ll, 16);
    assert_int_equal(got.n_ia_na, 0);
    assert_false(got.ia_pd[0].has_status);
    assert_int_equal(got.ia_pd[0].n_prefixes, 0);
    assert_string_equal(got.status_msg, "");
    assert_int_equal(parse_exact(solicit_golden, n, &got), 0);

    /* Built: the same options with the Rapid Commit after the IA_PD (our
     * order); the options are all of even length, so the checksum is the
     * same too. */
    uint8_t ours[sizeof solicit_golden];
    memcpy(ours, solicit_golden, 72);
    memcpy(ours + 72, solicit_golden + 76, 16); /* IA_PD */
    memcpy(ours + 88, solicit_golden + 72, 4);  /* Rapid Commit */
    memcpy(ours + 92, solicit_golden + 92, 6);  /* ORO */
    uint8_t buf[NET_DHCP6_MAX_LEN];
    memset(buf, 0xee, sizeof buf);
    assert_int_equal(net_dhcp6_build(buf, sizeof buf, cli_ll, all_srv, &want), n);
    assert_memory_equal(buf, ours, n);
    assert_int_equal(buf[n], 0xee); /* nothing written past the packet */
    assert_int_equal(udp_verify(buf, n), 0xffff);
    assert_int_equal(net_dhcp6_parse(buf, n, &got, NULL), 0);
    assert_msg_equal(&got, &want);
}

static void test_reply_golden(void **state)
{
    (void)state;
    const size_t n = sizeof reply_golden;
    assert_int_equal(udp_verify(reply_golden, n), 0xffff);
    assert_true(net_dhcp6_is_to_client(reply_golden, n));
    assert_false(net_dhcp6_is_to_server(reply_golden, n));

    struct net_dhcp6_msg m, got;
    reply_struct(&m);
    uint8_t buf[NET_DHCP6_MAX_LEN];
    memset(buf, 0xee, sizeof buf);
    assert_int_equal(net_dhcp6_build(buf, sizeof buf, srv_ll, cli_ll, &m), n);
    assert_memory_equal(buf, reply_golden, n);
    assert_int_equal(buf[n], 0xee);

    uint8_t src[16];
    assert_int_equal(net_dhcp6_parse(reply_golden, n, &got, src), 0);
    assert_msg_equal(&got, &m);
    assert_memory_equal(src, srv_ll, 16);
    assert_int_equal(parse_exact(reply_golden, n, &got), 0);
}

static void test_info_golden(void **state)
{
    (void)state;
    struct net_dhcp6_msg m, got;
    uint8_t buf[NET_DHCP6_MAX_LEN];

    assert_int_equal(udp_verify(inforeq_golden, sizeof inforeq_golden), 0xffff);
    inforeq_struct(&m);
    memset(buf, 0xee, sizeof buf);
    assert_int_equal(net_dhcp6_build(buf, sizeof buf, cli_ll, all_srv, &m), sizeof inforeq_golden);
    assert_memory_equal(buf, inforeq_golden, sizeof inforeq_golden);
    assert_int_equal(buf[sizeof inforeq_golden], 0xee);
    assert_int_equal(parse_exact(inforeq_golden, sizeof inforeq_golden, &got), 0);
    assert_msg_equal(&got, &m);
    assert_true(net_dhcp6_is_to_server(inforeq_golden, sizeof inforeq_golden));

    assert_int_equal(udp_verify(inforep_golden, sizeof inforep_golden), 0xffff);
    inforep_struct(&m);
    memset(buf, 0xee, sizeof buf);
    assert_int_equal(net_dhcp6_build(buf, sizeof buf, srv_ll, cli_ll, &m), sizeof inforep_golden);
    assert_memory_equal(buf, inforep_golden, sizeof inforep_golden);
    assert_int_equal(buf[sizeof inforep_golden], 0xee);
    assert_int_equal(parse_exact(inforep_golden, sizeof inforep_golden, &got), 0);
    assert_msg_equal(&got, &m);
    assert_true(net_dhcp6_is_to_client(inforep_golden, sizeof inforep_golden));
}

static uint32_t xs(uint32_t *x)
{
    *x ^= *x << 13, *x ^= *x >> 17, *x ^= *x << 5;
    return *x;
}

static void test_round_trip(void **state)
{
    (void)state;
    static const uint8_t types[] = {
        NET_DHCP6_SOLICIT, NET_DHCP6_ADVERTISE,
        NET_DHCP6_REQUEST, NET_DHCP6_CONFIRM,
        NET_DHCP6_RENEW,   NET_DHCP6_REBIND,
        NET_DHCP6_REPLY,   NET_DHCP6_RELEASE,
        NET_DHCP6_DECLINE, NET_DHCP6_INFORMATION_REQUEST,
    };
    static const uint8_t plens[] = {56, 48, 64, 60, 128, 0, 1, 127, 33};
    uint32_t x = 0x9e3779b9u;
    int built = 0;
    for (size_t ti = 0; ti < sizeof types; ti++) {
        for (unsigned npd = 0; npd <= NET_DHCP6_MAX_IA; npd++) {
            for (unsigned nna = 0; nna <= 2; nna++) {
                for (unsigned flags = 0; flags < 8; flags++) {
                    struct net_dhcp6_msg m, want, got;
                    memset(&m, 0, sizeof m);
                    m.type = types[ti];
                    m.xid = xs(&x) & 0xffffff;
                    bool client = (m.type != NET_DHCP6_ADVERTISE && m.type != NET_DHCP6_REPLY);
                    m.client_duid_len = 1 + xs(&x) % NET_DHCP6_DUID_MAX;
                    for (size_t i = 0; i < m.client_duid_len; i++)
                        m.client_duid[i] = (uint8_t)xs(&x);
                    if (!client || (flags & 1)) {
                        m.server_duid_len = (flags & 2) ? NET_DHCP6_DUID_MAX : 1 + xs(&x) % 20;
                        for (size_t i = 0; i < m.server_duid_len; i++)
                            m.server_duid[i] = (uint8_t)xs(&x);
                    }
                    m.n_ia_pd = npd;
                    for (unsigned i = 0; i < npd; i++) {
                        struct net_dhcp6_ia *ia = &m.ia_pd[i];
                        ia->iaid = xs(&x);
                        ia->t1 = xs(&x);
                        ia->t2 = xs(&x);
                        ia->n_prefixes = (i + flags) % (NET_DHCP6_MAX_PREFIXES + 1);
                        for (unsigned j = 0; j < ia->n_prefixes; j++) {
                            struct net_dhcp6_prefix *p = &ia->prefixes[j];
                            /* Garbage past plen: the output has it cleared. */
                            memset(p->prefix, 0xa5, 16);
                            p->prefix[0] = 0x20, p->prefix[1] = 0x01, p->prefix[2] = (uint8_t)j;
                            p->plen = plens[(i + j + flags) % sizeof plens];
                            p->preferred_s = xs(&x);
                            p->valid_s = j == 0 ? 0xffffffffu : xs(&x);
                        }
                        ia->has_status = ((i + flags) & 2) != 0;
                        ia->status = ia->has_status ? (uint16_t)(xs(&x) % 7) : 0;
                    }
                    m.n_ia_na = nna;
                    for (unsigned i = 0; i < nna; i++) {
                        m.ia_na[i].iaid = xs(&x);
                        m.ia_na[i].t1 = 10 + i;
                        m.ia_na[i].t2 = 20 + i;
                        m.ia_na[i].has_status = (flags & 4) != 0;
                        m.ia_na[i].status = m.ia_na[i].has_status ? NET_DHCP6_ST_NO_ADDRS_AVAIL : 0;
                    }
                    m.rapid_commit = (flags & 2) != 0;
                    m.has_status = (flags & 4) != 0;
                    if (m.has_status) {
                        m.status = (uint16_t)(xs(&x) % 7);
                        static const char *msgs[] = {"", "ok", "no prefix available",
                                                     "\xc3\xa9t\xc3\xa9"};
                        snprintf(m.status_msg, sizeof m.status_msg, "%s", msgs[(npd + flags) % 4]);
                    }
                    m.has_preference = (flags & 1) != 0 && m.type == NET_DHCP6_ADVERTISE;
                    m.preference = m.has_preference ? (uint8_t)xs(&x) : 0;
                    m.n_dns = (npd + nna) % (NET_DHCP6_MAX_DNS + 1);
                    for (unsigned i = 0; i < m.n_dns; i++)
                        addr(m.dns[i], 0x2001, 0xdb8, 0x53, (uint16_t)i, (uint16_t)xs(&x));
                    m.info_refresh_s = (flags & 2) ? xs(&x) | 1 : 0;
                    m.n_oro = (unsigned)((ti + flags) % (NET_DHCP6_MAX_ORO + 1));
                    for (unsigned i = 0; i < m.n_oro; i++)
                        m.oro[i] = (uint16_t)xs(&x);

                    const uint8_t *dst = client ? all_srv : cli_ll;
                    const uint8_t *src = client ? cli_ll : srv_ll;
                    uint8_t buf[NET_DHCP6_MAX_LEN];
                    ssize_t n = net_dhcp6_build(buf, sizeof buf, src, dst, &m);
                    size_t expect =
                        40 + 8 + 4 + 4 + m.client_duid_len +
                        (m.server_duid_len ? 4 + m.server_duid_len : 0) + (client ? 6 : 0) +
                        (m.has_status ? 6 + strlen(m.status_msg) : 0) + (m.rapid_commit ? 4 : 0) +
                        (m.has_preference ? 5 : 0) + (m.n_dns ? 4 + 16 * m.n_dns : 0) +
                        (m.info_refresh_s ? 8 : 0) + (m.n_oro ? 4 + 2 * m.n_oro : 0);
                    for (unsigned i = 0; i < npd; i++)
                        expect += 16 + 29 * m.ia_pd[i].n_prefixes + (m.ia_pd[i].has_status ? 6 : 0);
                    for (unsigned i = 0; i < nna; i++)
                        expect += 16 + (m.ia_na[i].has_status ? 6 : 0);
                    assert_int_equal(n, expect);
                    assert_int_equal(buf[4] << 8 | buf[5], expect - 40);
                    assert_int_equal(buf[44] << 8 | buf[45], expect - 40);
                    assert_int_equal(buf[7], 255);
                    assert_int_equal(udp_verify(buf, (size_t)n), 0xffff);
                    assert_int_equal(net_dhcp6_is_to_server(buf, (size_t)n), client);
                    assert_int_equal(net_dhcp6_is_to_client(buf, (size_t)n), !client);
                    assert_int_equal(buf[40] << 8 | buf[41], client ? 546 : 547);

                    want = m;
                    for (unsigned i = 0; i < npd; i++) {
                        for (unsigned j = 0; j < want.ia_pd[i].n_prefixes; j++) {
                            struct net_dhcp6_prefix *p = &want.ia_pd[i].prefixes[j];
                            for (unsigned b = p->plen; b < 128; b++)
                                p->prefix[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
                        }
                    }
                    uint8_t from[16];
                    assert_int_equal(net_dhcp6_parse(buf, (size_t)n, &got, from), 0);
                    assert_msg_equal(&got, &want);
                    assert_memory_equal(from, src, 16);
                    /* Built again from what was parsed: the same bytes. */
                    uint8_t buf2[NET_DHCP6_MAX_LEN];
                    assert_int_equal(net_dhcp6_build(buf2, sizeof buf2, src, dst, &got), n);
                    assert_memory_equal(buf, buf2, (size_t)n);
                    built++;
                }
            }
        }
    }
    assert_int_equal(built, 10 * 5 * 3 * 8);
}

static void test_max_len(void **state)
{
    (void)state;
    struct net_dhcp6_msg m, got;
    uint8_t buf[NET_DHCP6_MAX_LEN];
    assert_true(MAX_CLIENT_LEN <= NET_DHCP6_MAX_LEN);
    max_struct(&m, NET_DHCP6_REQUEST);
    assert_int_equal(net_dhcp6_build(buf, sizeof buf, cli_ll, all_srv, &m), MAX_CLIENT_LEN);
    assert_int_equal(udp_verify(buf, MAX_CLIENT_LEN), 0xffff);
    assert_int_equal(parse_exact(buf, MAX_CLIENT_LEN, &got), 0);
    assert_msg_equal(&got, &m);
    /* A server message has no Elapsed Time. */
    max_struct(&m, NET_DHCP6_ADVERTISE);
    assert_int_equal(net_dhcp6_build(buf, sizeof buf, srv_ll, cli_ll, &m), MAX_CLIENT_LEN - 6);
    assert_int_equal(parse_exact(buf, MAX_CLIENT_LEN - 6, &got), 0);
    assert_msg_equal(&got, &m);
}

/* Header-level rejections, each on its own, from the golden packets. */
static void test_rejections_header(void **state)
{
    (void)state;
    uint8_t p[sizeof reply_golden + 32];
    struct net_dhcp6_msg m;
    const size_t n = sizeof reply_golden;

    /* *m is left alone on failure. */
    memset(&m, 0x5c, sizeof m);
    struct net_dhcp6_msg sentinel = m;

    /* Not IPv6 (the version is not covered by the checksum). */
    memcpy(p, reply_golden, n);
    p[0] = 0x40;
    assert_int_equal(net_dhcp6_parse(p, n, &m, NULL), -EINVAL);
    assert_memory_equal(&m, &sentinel, sizeof m);
    p[0] = 0x6f; /* version 6 with traffic-class bits: still IPv6 */
    assert_int_equal(net_dhcp6_parse(p, n, &m, NULL), 0);
    memset(&m, 0x5c, sizeof m);

    /* Next header not UDP (a hop-by-hop header first, TCP, ICMPv6). */
    const uint8_t nh[] = {0, 6, 58, 44, 60};
    for (size_t i = 0; i < sizeof nh; i++) {
        memcpy(p, reply_golden, n);
        p[6] = nh[i];
        assert_int_equal(net_dhcp6_parse(p, n, &m, NULL), -EINVAL);
    }
    /* The hop limit is not checked (a PPP link is one hop anyway). */
    memcpy(p, reply_golden, n);
    p[7] = 1;
    assert_int_equal(net_dhcp6_parse(p, n, &m, NULL), 0);
    memset(&m, 0x5c, sizeof m);

    /* Checksum 0 (RFC 8200 §8.1: not allowed over IPv6; see also
     * test_checksum_ffff, where 0 would otherwise verify). */
    memcpy(p, reply_golden, n);
    p[46] = p[47] = 0;
    assert_int_equal(net_dhcp6_parse(p, n, &m, NULL), -EINVAL);
    /* Bad checksum: every single-bit flip of the checksum field. */
    for (int bit = 0; bit < 16; bit++) {
        memcpy(p, reply_golden, n);
        p[46 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(net_dhcp6_parse(p, n, &m, NULL), -EINVAL);
    }
    /* A payload byte changed, a pseudo-header byte (destination), the
     * source port. */
    const size_t at[] = {n - 1, 39, 41, 52, 100};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        memcpy(p, reply_golden, n);
        p[at[i]] ^= 0x10;
        assert_int_equal(net_dhcp6_parse(p, n, &m, NULL), -EINVAL);
    }
    assert_memory_equal(&m, &sentinel, sizeof m);
    /* With a right checksum, any addresses and source port are fine. */
    memcpy(p, reply_golden, n);
    memcpy(p + 8, global_a, 16);
    memcpy(p + 24, global_a, 16);
    p[40] = 0x30, p[41] = 0x39;
    udp_fix(p, n);
    assert_int_equal(net_dhcp6_parse(p, n, &m, NULL), 0);
    memset(&m, 0x5c, sizeof m);

    /* Truncated at every length: the payload length then disagrees. */
    for (size_t len = 0; len < n; len++) {
        memcpy(p, reply_golden, n);
        assert_int_equal(parse_exact(p, len, &m), -EINVAL);
        assert_memory_equal(&m, &sentinel, sizeof m);
    }
    /* Also with both lengths adjusted and the checksum fixed: that leaves
     * a UDP payload under the 4-byte message header or a cut option,
     * except at the option boundaries. */
    for (size_t len = 48; len < n; len++) {
        memcpy(p, reply_golden, n);
        fix_all(p, len);
        bool boundary = len == 52 || len == 66 || len == 88 || len == 133 || len == 137;
        assert_int_equal(parse_exact(p, len, &m), boundary ? 0 : -EINVAL);
        if (!boundary)
            memset(&m, 0x5c, sizeof m);
    }
    memset(&m, 0x5c, sizeof m);

    /* Payload length lying, larger and smaller; the UDP length lying. */
    for (int d = -9; d <= 9; d++) {
        if (d == 0)
            continue;
        memcpy(p, reply_golden, n);
        unsigned pl = (unsigned)((int)(n - 40) + d);
        p[4] = (uint8_t)(pl >> 8);
        p[5] = (uint8_t)pl;
        assert_int_equal(net_dhcp6_parse(p, n, &m, NULL), -EINVAL);
        memcpy(p, reply_golden, n);
        p[44] = (uint8_t)(pl >> 8);
        p[45] = (uint8_t)pl;
        assert_int_equal(net_dhcp6_parse(p, n, &m, NULL), -EINVAL);
    }
    /* The UDP length disagreeing with a payload length that fits what
     * arrived, checksum right for either. */
    memcpy(p, reply_golden, n);
    p[45] = (uint8_t)(p[45] - 1);
    udp_fix(p, n);
    assert_int_equal(net_dhcp6_parse(p, n, &m, NULL), -EINVAL);
    memcpy(p, reply_golden, n);
    p[5] = (uint8_t)(p[5] - 1);
    udp_fix(p, n - 1);
    assert_int_equal(net_dhcp6_parse(p, n, &m, NULL), -EINVAL);
    /* Payload length ffff and 0 (jumbogram). */
    memcpy(p, reply_golden, n);
    p[4] = p[5] = 0xff;
    assert_int_equal(net_dhcp6_parse(p, n, &m, NULL), -EINVAL);
    p[4] = p[5] = 0;
    assert_int_equal(net_dhcp6_parse(p, n, &m, NULL), -EINVAL);
    assert_memory_equal(&m, &sentinel, sizeof m);

    /* Trailing bytes after the payload length (link padding) are ignored. */
    for (size_t extra = 1; extra <= 32; extra++) {
        memcpy(p, reply_golden, n);
        memset(p + n, 0xee, extra);
        assert_int_equal(parse_exact(p, n + extra, &m), 0);
        assert_int_equal(m.ia_pd[0].n_prefixes, 1);
        assert_true(net_dhcp6_is_to_client(p, n + extra));
    }

    /* NULL arguments. */
    assert_int_equal(net_dhcp6_parse(NULL, n, &m, NULL), -EINVAL);
    assert_int_equal(net_dhcp6_parse(reply_golden, n, NULL, NULL), -EINVAL);
}

/* Ports and message types per direction. */
static void test_ports_and_types(void **state)
{
    (void)state;
    uint8_t p[sizeof solicit_golden];
    const size_t n = sizeof solicit_golden;
    struct net_dhcp6_msg m;
    for (unsigned t = 0; t < 256; t++) {
        bool client = t == 1 || t == 3 || t == 4 || t == 5 || t == 6 || t == 8 || t == 9 || t == 11;
        bool server = t == 2 || t == 7;
        memcpy(p, solicit_golden, n);
        p[48] = (uint8_t)t;
        udp_fix(p, n);
        assert_int_equal(net_dhcp6_parse(p, n, &m, NULL), client ? 0 : -EINVAL);
        if (client)
            assert_int_equal(m.type, t);
        /* The same to the client port. */
        p[42] = 0x02, p[43] = 0x22;
        udp_fix(p, n);
        assert_int_equal(net_dhcp6_parse(p, n, &m, NULL), server ? 0 : -EINVAL);
        if (server)
            assert_int_equal(m.type, t);
    }
    /* Other destination ports, whatever the type. */
    const uint16_t ports[] = {0, 53, 545, 548, 67, 68, 0x0223 ^ 0x0100, 0xffff};
    for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++) {
        memcpy(p, solicit_golden, n);
        p[42] = (uint8_t)(ports[i] >> 8), p[43] = (uint8_t)ports[i];
        udp_fix(p, n);
        assert_int_equal(net_dhcp6_parse(p, n, &m, NULL), -EINVAL);
        assert_false(net_dhcp6_is_to_server(p, n));
        assert_false(net_dhcp6_is_to_client(p, n));
        p[48] = NET_DHCP6_REPLY;
        udp_fix(p, n);
        assert_int_equal(net_dhcp6_parse(p, n, &m, NULL), -EINVAL);
    }
    /* Relay messages (12, 13) are no client or server messages here. */
    memcpy(p, solicit_golden, n);
    p[48] = 12;
    udp_fix(p, n);
    assert_int_equal(net_dhcp6_parse(p, n, &m, NULL), -EINVAL);
}

static void test_classify(void **state)
{
    (void)state;
    uint8_t p[sizeof solicit_golden];
    const size_t n = sizeof solicit_golden;
    memcpy(p, solicit_golden, n);
    assert_true(net_dhcp6_is_to_server(p, 48));
    assert_false(net_dhcp6_is_to_server(p, 47));
    assert_false(net_dhcp6_is_to_server(p, 0));
    assert_false(net_dhcp6_is_to_server(NULL, n));
    assert_false(net_dhcp6_is_to_client(NULL, n));
    /* No checksum, length or type check in the cheap path. */
    p[46] ^= 0xff;
    p[48] = NET_DHCP6_REPLY;
    p[5] = 0xff;
    assert_true(net_dhcp6_is_to_server(p, n));
    p[42] = 0x02, p[43] = 0x22;
    assert_true(net_dhcp6_is_to_client(p, n));
    assert_true(net_dhcp6_is_to_client(p, 48));
    assert_false(net_dhcp6_is_to_client(p, 47));
    assert_false(net_dhcp6_is_to_server(p, n));
    /* The source port does not matter. */
    p[40] = p[41] = 0;
    assert_true(net_dhcp6_is_to_client(p, n));
    memcpy(p, solicit_golden, n);
    p[0] = 0x45; /* IPv4 */
    assert_false(net_dhcp6_is_to_server(p, n));
    p[0] = 0x6f;
    assert_true(net_dhcp6_is_to_server(p, n));
    p[6] = 0; /* hop-by-hop first */
    assert_false(net_dhcp6_is_to_server(p, n));
    p[6] = 6;
    assert_false(net_dhcp6_is_to_server(p, n));
}

/* Parses a client (Solicit) or server (Reply) message with a Client
 * Identifier followed by the raw option bytes given. */
static int parse_opts(bool to_client, const void *opts, size_t n, struct net_dhcp6_msg *m)
{
    struct tb t;
    if (to_client)
        tb_server(&t, NET_DHCP6_REPLY);
    else
        tb_client(&t, NET_DHCP6_SOLICIT);
    tb_bytes(&t, opts, n);
    return tb_parse(&t, m);
}

static int parse_opt(uint16_t code, const void *data, uint16_t len, struct net_dhcp6_msg *m)
{
    uint8_t o[1024];
    assert_true(len + 4u <= sizeof o);
    o[0] = (uint8_t)(code >> 8), o[1] = (uint8_t)code;
    o[2] = (uint8_t)(len >> 8), o[3] = (uint8_t)len;
    if (len)
        memcpy(o + 4, data, len);
    return parse_opts(true, o, len + 4u, m);
}

/* Option-level rejections, each next to the nearest accepted variant. */
static void test_rejections_options(void **state)
{
    (void)state;
    struct net_dhcp6_msg m;
    uint8_t z[256];
    memset(z, 0, sizeof z);

    /* Client / Server Identifier: 1..130 bytes, at most one each. */
    struct tb t;
    tb_start(&t, cli_ll, all_srv, 546, 547, NET_DHCP6_SOLICIT, 1);
    assert_int_equal(tb_parse(&t, &m), 0); /* no options at all */
    assert_int_equal(m.client_duid_len, 0);
    for (uint16_t code = 1; code <= 2; code++) {
        assert_int_equal(parse_opt(code, z, 0, &m), -EINVAL);
        assert_int_equal(parse_opt(code, z, NET_DHCP6_DUID_MAX + 1, &m), -EINVAL);
        assert_int_equal(parse_opt(code, z, 200, &m), -EINVAL);
    }
    /* (parse_opt already puts a Client ID first: a second one is a
     * duplicate.) */
    assert_int_equal(parse_opt(1, duid_ll, sizeof duid_ll, &m), -EINVAL);
    assert_int_equal(parse_opt(2, z, 1, &m), 0);
    assert_int_equal(m.server_duid_len, 1);
    assert_int_equal(parse_opt(2, z, NET_DHCP6_DUID_MAX, &m), 0);
    assert_int_equal(m.server_duid_len, NET_DHCP6_DUID_MAX);
    {
        uint8_t two[2 * (4 + sizeof duid_uuid)];
        for (size_t i = 0; i < 2; i++) {
            uint8_t *q = two + i * (4 + sizeof duid_uuid);
            q[0] = 0, q[1] = 2, q[2] = 0, q[3] = sizeof duid_uuid;
            memcpy(q + 4, duid_uuid, sizeof duid_uuid);
        }
        assert_int_equal(parse_opts(true, two, sizeof two, &m), -EINVAL);
        assert_int_equal(parse_opts(true, two, sizeof two / 2, &m), 0);
    }
    /* Client ID of 130 bytes on its own. */
    tb_start(&t, cli_ll, all_srv, 546, 547, NET_DHCP6_SOLICIT, 1);
    tb_opt(&t, 1, z, NET_DHCP6_DUID_MAX);
    assert_int_equal(tb_parse(&t, &m), 0);
    assert_int_equal(m.client_duid_len, NET_DHCP6_DUID_MAX);
    tb_start(&t, cli_ll, all_srv, 546, 547, NET_DHCP6_SOLICIT, 1);
    tb_opt(&t, 1, z, NET_DHCP6_DUID_MAX + 1);
    assert_int_equal(tb_parse(&t, &m), -EINVAL);
    tb_start(&t, cli_ll, all_srv, 546, 547, NET_DHCP6_SOLICIT, 1);
    tb_opt(&t, 1, z, 0);
    assert_int_equal(tb_parse(&t, &m), -EINVAL);

    /* Rapid Commit: len 0 only. */
    assert_int_equal(parse_opt(14, z, 0, &m), 0);
    assert_true(m.rapid_commit);
    assert_int_equal(parse_opt(14, z, 1, &m), -EINVAL);
    assert_int_equal(parse_opt(14, z, 4, &m), -EINVAL);
    /* Preference: len 1 only. */
    assert_int_equal(parse_opt(7, "\x7f", 1, &m), 0);
    assert_true(m.has_preference);
    assert_int_equal(m.preference, 0x7f);
    assert_int_equal(parse_opt(7, z, 0, &m), -EINVAL);
    assert_int_equal(parse_opt(7, z, 2, &m), -EINVAL);
    /* Elapsed Time: len 2 only, value dropped. */
    assert_int_equal(parse_opt(8, "\xff\xff", 2, &m), 0);
    assert_int_equal(parse_opt(8, z, 0, &m), -EINVAL);
    assert_int_equal(parse_opt(8, z, 1, &m), -EINVAL);
    assert_int_equal(parse_opt(8, z, 3, &m), -EINVAL);
    /* Information Refresh Time: len 4 only. */
    assert_int_equal(parse_opt(32, "\x00\x00\x0e\x10", 4, &m), 0);
    assert_int_equal(m.info_refresh_s, 3600);
    assert_int_equal(parse_opt(32, z, 3, &m), -EINVAL);
    assert_int_equal(parse_opt(32, z, 5, &m), -EINVAL);
    assert_int_equal(parse_opt(32, z, 0, &m), -EINVAL);
    /* ORO: even length (0 is an empty list). */
    assert_int_equal(parse_opt(6, z, 0, &m), 0);
    assert_int_equal(m.n_oro, 0);
    assert_int_equal(parse_opt(6, "\x00\x17\x00\x18", 4, &m), 0);
    assert_int_equal(m.n_oro, 2);
    assert_int_equal(m.oro[1], 24);
    assert_int_equal(parse_opt(6, z, 1, &m), -EINVAL);
    assert_int_equal(parse_opt(6, z, 3, &m), -EINVAL);
    /* DNS servers: a multiple of 16. */
    assert_int_equal(parse_opt(23, z, 32, &m), 0);
    assert_int_equal(m.n_dns, 2);
    assert_int_equal(parse_opt(23, z, 0, &m), 0);
    assert_int_equal(m.n_dns, 0);
    const uint16_t bad_dns[] = {1, 8, 15, 17, 31, 33};
    for (size_t i = 0; i < sizeof bad_dns / sizeof bad_dns[0]; i++)
        assert_int_equal(parse_opt(23, z, bad_dns[i], &m), -EINVAL);
    /* Status Code: at least the 2-byte code. */
    assert_int_equal(parse_opt(13, z, 2, &m), 0);
    assert_true(m.has_status);
    assert_string_equal(m.status_msg, "");
    assert_int_equal(parse_opt(13, z, 0, &m), -EINVAL);
    assert_int_equal(parse_opt(13, z, 1, &m), -EINVAL);
    /* IA_NA and IA_PD: at least IAID, T1, T2. */
    for (uint16_t code = 3; code <= 25; code += 22) {
        assert_int_equal(parse_opt(code, z, 12, &m), 0);
        assert_int_equal(code == 3 ? m.n_ia_na : m.n_ia_pd, 1);
        assert_int_equal(parse_opt(code, z, 11, &m), -EINVAL);
        assert_int_equal(parse_opt(code, z, 0, &m), -EINVAL);
        assert_int_equal(parse_opt(code, z, 4, &m), -EINVAL);
    }

    /* Inside an IA_PD: IA Prefix at least 25 bytes, Status Code at least
     * 2, sub-options inside the IA. */
    uint8_t ia[128];
    memset(ia, 0, sizeof ia);
    ia[3] = 9;                                        /* IAID 9 */
    ia[12] = 0, ia[13] = 26, ia[14] = 0, ia[15] = 25; /* IA Prefix, len 25 */
    ia[24] = 64;                                      /* plen */
    ia[25] = 0x20, ia[26] = 0x01;
    assert_int_equal(parse_opt(25, ia, 12 + 4 + 25, &m), 0);
    assert_int_equal(m.ia_pd[0].n_prefixes, 1);
    assert_int_equal(m.ia_pd[0].prefixes[0].plen, 64);
    for (uint8_t l = 0; l < 25; l++) {
        ia[15] = l;
        assert_int_equal(parse_opt(25, ia, (uint16_t)(12 + 4 + l), &m), -EINVAL);
    }
    /* The IA Prefix longer than the IA. */
    ia[15] = 26;
    assert_int_equal(parse_opt(25, ia, 12 + 4 + 25, &m), -EINVAL);
    ia[15] = 0xff;
    assert_int_equal(parse_opt(25, ia, 12 + 4 + 25, &m), -EINVAL);
    /* A sub-option header cut inside the IA (1..3 bytes after it). */
    ia[15] = 25;
    for (uint16_t extra = 1; extra < 4; extra++)
        assert_int_equal(parse_opt(25, ia, (uint16_t)(12 + 4 + 25 + extra), &m), -EINVAL);
    /* An IA Prefix with a sub-option of its own: skipped if delimited. */
    ia[15] = 25 + 6;
    memcpy(ia + 16 + 25, "\x00\x0d\x00\x02\x00\x00", 6);
    assert_int_equal(parse_opt(25, ia, 12 + 4 + 25 + 6, &m), 0);
    assert_int_equal(m.ia_pd[0].n_prefixes, 1);
    assert_false(m.ia_pd[0].has_status);
    ia[16 + 25 + 3] = 3; /* ... and running past the IA Prefix */
    assert_int_equal(parse_opt(25, ia, 12 + 4 + 25 + 6, &m), -EINVAL);
    ia[16 + 25 + 3] = 2;
    ia[15] = 25 + 3; /* ... a cut sub-option header */
    assert_int_equal(parse_opt(25, ia, 12 + 4 + 25 + 3, &m), -EINVAL);
    /* Status Code in the IA: 0 or 1 byte long. */
    memcpy(ia + 12, "\x00\x0d\x00\x02\x00\x06", 6);
    assert_int_equal(parse_opt(25, ia, 12 + 6, &m), 0);
    assert_true(m.ia_pd[0].has_status);
    assert_int_equal(m.ia_pd[0].status, NET_DHCP6_ST_NO_PREFIX_AVAIL);
    ia[15] = 1;
    assert_int_equal(parse_opt(25, ia, 12 + 5, &m), -EINVAL);
    ia[15] = 0;
    assert_int_equal(parse_opt(25, ia, 12 + 4, &m), -EINVAL);
    /* The same in an IA_NA. */
    ia[15] = 2;
    assert_int_equal(parse_opt(3, ia, 12 + 6, &m), 0);
    assert_true(m.ia_na[0].has_status);
    ia[15] = 1;
    assert_int_equal(parse_opt(3, ia, 12 + 5, &m), -EINVAL);
    ia[15] = 7; /* past the IA_NA */
    assert_int_equal(parse_opt(3, ia, 12 + 6, &m), -EINVAL);

    /* Top level: an option running past the message, a cut option
     * header (1..3 bytes), each of the known codes. */
    const uint16_t codes[] = {1, 2, 3, 6, 7, 8, 13, 14, 23, 25, 32, 999};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        uint8_t o[8] = {(uint8_t)(codes[i] >> 8), (uint8_t)codes[i], 0, 4, 0, 0, 0, 0};
        assert_int_equal(parse_opts(true, o, 7, &m), -EINVAL);
        o[3] = 0xff;
        assert_int_equal(parse_opts(true, o, 8, &m), -EINVAL);
        for (size_t cut = 1; cut < 4; cut++)
            assert_int_equal(parse_opts(true, o, cut, &m), -EINVAL);
    }
    /* The Client Identifier itself overlong in the golden Solicit. */
    uint8_t p[sizeof solicit_golden];
    memcpy(p, solicit_golden, sizeof p);
    p[55] = 0x40;
    udp_fix(p, sizeof p);
    assert_int_equal(net_dhcp6_parse(p, sizeof p, &m, NULL), -EINVAL);
    /* The IA_PD one byte longer than the message. */
    memcpy(p, solicit_golden, sizeof p);
    p[79] = 0x0c + 7;
    udp_fix(p, sizeof p);
    assert_int_equal(net_dhcp6_parse(p, sizeof p, &m, NULL), -EINVAL);
    p[79] = 0x0c + 6; /* exactly the rest of the message: ORO as a sub-option */
    udp_fix(p, sizeof p);
    assert_int_equal(net_dhcp6_parse(p, sizeof p, &m, NULL), 0);
    assert_int_equal(m.n_oro, 0);
    assert_int_equal(m.n_ia_pd, 1);
}

/* What parse keeps, skips and ignores. */
static void test_skipping_and_limits(void **state)
{
    (void)state;
    struct net_dhcp6_msg m;
    struct tb t;
    uint8_t z[64];
    memset(z, 0, sizeof z);

    /* Unknown options, anywhere, with any length, are skipped. */
    tb_server(&t, NET_DHCP6_REPLY);
    tb_opt(&t, 0, z, 0);
    tb_opt(&t, 24,
           "\x07"
           "example\x03"
           "net",
           13); /* domain list: not ours */
    tb_opt(&t, 12345, z, 33);
    tb_opt(&t, 0xffff, z, 1);
    tb_opt(&t, 26, z, 25); /* IA Prefix outside an IA: unknown here */
    tb_opt(&t, 5, z, 3);   /* IA Address outside an IA */
    assert_int_equal(tb_parse(&t, &m), 0);
    assert_int_equal(m.n_ia_pd + m.n_ia_na + m.n_dns + m.n_oro, 0);
    assert_int_equal(m.client_duid_len, sizeof duid_ll);

    /* 5 IA_PDs -> 4 kept (the 5th validated all the same); 5 IA_NAs the
     * same. */
    for (int na = 0; na < 2; na++) {
        tb_server(&t, NET_DHCP6_REPLY);
        for (uint32_t i = 1; i <= 5; i++) {
            tb_u16(&t, na ? 3 : 25);
            tb_u16(&t, 12);
            tb_u32(&t, i);
            tb_u32(&t, 10 * i);
            tb_u32(&t, 20 * i);
        }
        assert_int_equal(tb_parse(&t, &m), 0);
        struct net_dhcp6_ia *ia = na ? m.ia_na : m.ia_pd;
        assert_int_equal(na ? m.n_ia_na : m.n_ia_pd, NET_DHCP6_MAX_IA);
        assert_int_equal(na ? m.n_ia_pd : m.n_ia_na, 0);
        for (unsigned i = 0; i < NET_DHCP6_MAX_IA; i++) {
            assert_int_equal(ia[i].iaid, i + 1);
            assert_int_equal(ia[i].t1, 10 * (i + 1));
            assert_int_equal(ia[i].t2, 20 * (i + 1));
        }
        /* A malformed 5th is still an error. */
        t.b[t.n - 13] = 11;
        assert_int_equal(tb_parse(&t, &m), -EINVAL);
    }

    /* 5 prefixes in one IA_PD -> 4; plen > 128 skipped (not counted);
     * bits past plen cleared; an IA Address in an IA_PD skipped. */
    tb_server(&t, NET_DHCP6_REPLY);
    tb_u16(&t, 25);
    tb_u16(&t, 12 + 6 * 29 + 28);
    tb_u32(&t, 77);
    tb_u32(&t, 100);
    tb_u32(&t, 200);
    tb_opt(&t, 5, z, 24);
    for (uint8_t i = 0; i < 6; i++) {
        tb_u16(&t, 26);
        tb_u16(&t, 25);
        tb_u32(&t, 1000u + i);
        tb_u32(&t, 2000u + i);
        tb_u8(&t, i == 1 ? 129 : (uint8_t)(48 + i));
        uint8_t pfx[16];
        memset(pfx, 0xff, sizeof pfx);
        pfx[0] = 0x20, pfx[1] = 0x01, pfx[2] = i;
        tb_bytes(&t, pfx, 16);
    }
    assert_int_equal(tb_parse(&t, &m), 0);
    assert_int_equal(m.n_ia_pd, 1);
    struct net_dhcp6_ia *ia = &m.ia_pd[0];
    assert_int_equal(ia->iaid, 77);
    assert_int_equal(ia->n_prefixes, NET_DHCP6_MAX_PREFIXES);
    const uint8_t kept[] = {0, 2, 3, 4};
    for (unsigned j = 0; j < NET_DHCP6_MAX_PREFIXES; j++) {
        struct net_dhcp6_prefix *p = &ia->prefixes[j];
        uint8_t i = kept[j];
        assert_int_equal(p->plen, 48 + i);
        assert_int_equal(p->preferred_s, 1000u + i);
        assert_int_equal(p->valid_s, 2000u + i);
        uint8_t want[16];
        memset(want, 0, sizeof want);
        want[0] = 0x20, want[1] = 0x01, want[2] = i;
        memset(want + 3, 0xff, 3); /* /48: bytes 3..5 */
        if (p->plen > 48)
            want[6] = (uint8_t)(0xff00u >> (p->plen - 48));
        assert_memory_equal(p->prefix, want, 16);
    }

    /* 4 DNS servers -> 3, across two options; 17 ORO entries -> 16,
     * across two options. */
    tb_server(&t, NET_DHCP6_REPLY);
    uint8_t d[4][16];
    for (int i = 0; i < 4; i++)
        addr(d[i], 0x2001, 0xdb8, 0, 0, (uint16_t)(0x50 + i));
    tb_opt(&t, 23, d, 32);
    tb_opt(&t, 23, d[2], 32);
    uint8_t oro[34];
    for (int i = 0; i < 17; i++)
        oro[2 * i] = 0, oro[2 * i + 1] = (uint8_t)(i + 1);
    tb_opt(&t, 6, oro, 20);
    tb_opt(&t, 6, oro + 20, 14);
    assert_int_equal(tb_parse(&t, &m), 0);
    assert_int_equal(m.n_dns, NET_DHCP6_MAX_DNS);
    for (int i = 0; i < NET_DHCP6_MAX_DNS; i++)
        assert_memory_equal(m.dns[i], d[i], 16);
    assert_int_equal(m.n_oro, NET_DHCP6_MAX_ORO);
    for (unsigned i = 0; i < NET_DHCP6_MAX_ORO; i++)
        assert_int_equal(m.oro[i], i + 1);

    /* Repeated single-valued options: the first counts (Status Code,
     * Preference, Information Refresh Time; Status Code in an IA). */
    tb_server(&t, NET_DHCP6_ADVERTISE);
    tb_opt(&t, 13,
           "\x00\x02"
           "first",
           7);
    tb_opt(&t, 13,
           "\x00\x03"
           "second",
           8);
    tb_opt(&t, 7, "\x05", 1);
    tb_opt(&t, 7, "\x06", 1);
    tb_opt(&t, 32, "\x00\x00\x00\x10", 4);
    tb_opt(&t, 32, "\x00\x00\x00\x20", 4);
    tb_opt(&t, 14, "", 0);
    tb_opt(&t, 14, "", 0);
    tb_opt(&t, 8, "\x01\x02", 2);
    tb_u16(&t, 25);
    tb_u16(&t, 12 + 12);
    tb_bytes(&t, z, 12);
    tb_opt(&t, 13, "\x00\x06", 2);
    tb_opt(&t, 13, "\x00\x00", 2);
    assert_int_equal(tb_parse(&t, &m), 0);
    assert_int_equal(m.type, NET_DHCP6_ADVERTISE);
    assert_true(m.has_status);
    assert_int_equal(m.status, NET_DHCP6_ST_NO_ADDRS_AVAIL);
    assert_string_equal(m.status_msg, "first");
    assert_true(m.has_preference);
    assert_int_equal(m.preference, 5);
    assert_int_equal(m.info_refresh_s, 16);
    assert_true(m.rapid_commit);
    assert_true(m.ia_pd[0].has_status);
    assert_int_equal(m.ia_pd[0].status, NET_DHCP6_ST_NO_PREFIX_AVAIL);
    assert_int_equal(m.ia_pd[0].n_prefixes, 0);
    /* A Status Code's message inside an IA is not kept anywhere. */
    assert_string_equal(m.status_msg, "first");

    /* A plen of 129 as the only prefix: an IA_PD with no prefixes. */
    tb_server(&t, NET_DHCP6_REPLY);
    tb_u16(&t, 25);
    tb_u16(&t, 12 + 29);
    tb_bytes(&t, z, 12);
    tb_u16(&t, 26);
    tb_u16(&t, 25);
    tb_bytes(&t, z, 8);
    tb_u8(&t, 200);
    tb_bytes(&t, z, 16);
    assert_int_equal(tb_parse(&t, &m), 0);
    assert_int_equal(m.n_ia_pd, 1);
    assert_int_equal(m.ia_pd[0].n_prefixes, 0);
}

static void test_status_msg(void **state)
{
    (void)state;
    struct net_dhcp6_msg m, got;
    struct tb t;

    /* Control bytes and DEL replaced, UTF-8 and printable ASCII kept. */
    static const char raw[] = "\x00\x01"
                              "a\x00"
                              "b\x01\x1f\x7f c\xc3\xa9\xff~\n";
    tb_server(&t, NET_DHCP6_REPLY);
    tb_opt(&t, 13, raw, sizeof raw - 1);
    assert_int_equal(tb_parse(&t, &m), 0);
    assert_int_equal(m.status, NET_DHCP6_ST_UNSPEC_FAIL);
    assert_string_equal(m.status_msg, "a?b??? c\xc3\xa9\xff~?");
    /* Zero-filled after the NUL (the struct compares byte for byte). */
    for (size_t i = strlen(m.status_msg); i < sizeof m.status_msg; i++)
        assert_int_equal(m.status_msg[i], 0);

    /* Long messages: the first 63 bytes, NUL-terminated. */
    for (size_t len = 60; len <= 300; len += len < 70 ? 1 : 60) {
        uint8_t o[2 + 300];
        o[0] = 0, o[1] = 4;
        for (size_t i = 0; i < len; i++)
            o[2 + i] = (uint8_t)('A' + i % 26);
        tb_server(&t, NET_DHCP6_REPLY);
        tb_opt(&t, 13, o, (uint16_t)(2 + len));
        assert_int_equal(tb_parse(&t, &m), 0);
        size_t keep = len < NET_DHCP6_STATUS_MSG - 1 ? len : NET_DHCP6_STATUS_MSG - 1;
        assert_int_equal(strlen(m.status_msg), keep);
        assert_memory_equal(m.status_msg, o + 2, keep);
    }

    /* Build: the message up to its NUL, at most 63 bytes even without a
     * NUL in the array. */
    inforep_struct(&m);
    m.has_status = true;
    m.status = NET_DHCP6_ST_SUCCESS;
    memset(m.status_msg, 'z', sizeof m.status_msg);
    uint8_t buf[NET_DHCP6_MAX_LEN];
    ssize_t n = net_dhcp6_build(buf, sizeof buf, srv_ll, cli_ll, &m);
    assert_int_equal(n, sizeof inforep_golden + 4 + 2 + NET_DHCP6_STATUS_MSG - 1);
    assert_int_equal(parse_exact(buf, (size_t)n, &got), 0);
    assert_int_equal(strlen(got.status_msg), NET_DHCP6_STATUS_MSG - 1);
    snprintf(m.status_msg, sizeof m.status_msg, "all good");
    n = net_dhcp6_build(buf, sizeof buf, srv_ll, cli_ll, &m);
    assert_int_equal(n, sizeof inforep_golden + 4 + 2 + 8);
    /* After Client ID, Server ID: code 13, len 10, status 0, the text. */
    assert_memory_equal(buf + 88,
                        "\x00\x0d\x00\x0a\x00\x00"
                        "all good",
                        14);
    assert_int_equal(parse_exact(buf, (size_t)n, &got), 0);
    assert_string_equal(got.status_msg, "all good");
    /* has_status false: nothing of the message is written. */
    m.has_status = false;
    assert_int_equal(net_dhcp6_build(buf, sizeof buf, srv_ll, cli_ll, &m), sizeof inforep_golden);
    assert_memory_equal(buf, inforep_golden, sizeof inforep_golden);
}

static void test_hop_limit_and_ports(void **state)
{
    (void)state;
    struct net_dhcp6_msg m;
    uint8_t buf[NET_DHCP6_MAX_LEN];
    inforep_struct(&m);
    struct {
        uint8_t a0, a1;
        uint8_t hop;
    } cases[] = {
        {0xfe, 0x80, 255}, {0xfe, 0xbf, 255}, {0xff, 0x02, 255},
        {0xff, 0x05, 255}, {0xff, 0x0e, 255}, {0xfe, 0xc0, 64},
        {0x20, 0x01, 64},  {0xfd, 0x00, 64},  {0x00, 0x00, 64},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t dst[16];
        memcpy(dst, global_a, 16);
        dst[0] = cases[i].a0, dst[1] = cases[i].a1;
        ssize_t n = net_dhcp6_build(buf, sizeof buf, srv_ll, dst, &m);
        assert_int_equal(n, sizeof inforep_golden);
        assert_int_equal(buf[7], cases[i].hop);
        assert_memory_equal(buf + 24, dst, 16);
        assert_int_equal(udp_verify(buf, (size_t)n), 0xffff);
        struct net_dhcp6_msg got;
        assert_int_equal(net_dhcp6_parse(buf, (size_t)n, &got, NULL), 0);
    }
    /* Ports by type. */
    static const uint8_t types[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 11};
    for (size_t i = 0; i < sizeof types; i++) {
        m.type = types[i];
        ssize_t n = net_dhcp6_build(buf, sizeof buf, srv_ll, global_a, &m);
        assert_true(n > 0);
        bool server = types[i] == 2 || types[i] == 7;
        assert_int_equal(buf[40] << 8 | buf[41], server ? 547 : 546);
        assert_int_equal(buf[42] << 8 | buf[43], server ? 546 : 547);
        assert_int_equal(buf[48], types[i]);
        /* Elapsed Time for client messages only. */
        assert_int_equal(n, sizeof inforep_golden + (server ? 0 : 6));
        if (!server)
            assert_memory_equal(buf + 88, "\x00\x08\x00\x02\x00\x00", 6);
    }
}

/* A message whose checksum computes to 0 goes out as ffff (RFC 768) and
 * is accepted. */
static void test_checksum_ffff(void **state)
{
    (void)state;
    struct net_dhcp6_msg m, got;
    uint8_t buf[NET_DHCP6_MAX_LEN];
    inforep_struct(&m);
    int found = 0;
    /* The low 16 bits of the xid add 1..ffff to the sum: exactly one
     * value makes it fold to ffff. */
    for (uint32_t xid = 0x120001; xid <= 0x12ffff; xid++) {
        m.xid = xid;
        ssize_t n = net_dhcp6_build(buf, sizeof buf, srv_ll, cli_ll, &m);
        assert_int_equal(n, sizeof inforep_golden);
        /* The reference routine's view: the complement of the sum with a
         * zero field. */
        uint8_t c[2] = {buf[46], buf[47]};
        buf[46] = buf[47] = 0;
        uint16_t want = (uint16_t)~udp_verify(buf, (size_t)n);
        buf[46] = c[0], buf[47] = c[1];
        if (want == 0) {
            assert_int_equal(c[0] << 8 | c[1], 0xffff);
            assert_int_equal(net_dhcp6_parse(buf, (size_t)n, &got, NULL), 0);
            assert_int_equal(got.xid, xid);
            /* Here a zero field sums right too: "no checksum", refused. */
            buf[46] = buf[47] = 0;
            assert_int_equal(udp_verify(buf, (size_t)n), 0xffff);
            assert_int_equal(net_dhcp6_parse(buf, (size_t)n, &got, NULL), -EINVAL);
            found++;
        } else {
            assert_int_equal(c[0] << 8 | c[1], want);
        }
    }
    assert_int_equal(found, 1);
}

static void test_build_errors(void **state)
{
    (void)state;
    struct net_dhcp6_msg m, bad;
    uint8_t buf[NET_DHCP6_MAX_LEN + 8];

    /* -ENOSPC at every capacity below the need, nothing written. */
    for (int which = 0; which < 3; which++) {
        size_t need;
        const uint8_t *src = srv_ll, *dst = cli_ll;
        if (which == 0) {
            reply_struct(&m);
            need = sizeof reply_golden;
        } else if (which == 1) {
            solicit_struct(&m);
            need = sizeof solicit_golden;
            src = cli_ll, dst = all_srv;
        } else {
            max_struct(&m, NET_DHCP6_REBIND);
            need = MAX_CLIENT_LEN;
        }
        for (size_t cap = 0; cap < need; cap++) {
            memset(buf, 0xee, sizeof buf);
            assert_int_equal(net_dhcp6_build(buf, cap, src, dst, &m), -ENOSPC);
            for (size_t i = 0; i < sizeof buf; i++)
                assert_int_equal(buf[i], 0xee);
        }
        assert_int_equal(net_dhcp6_build(buf, need, src, dst, &m), need);
        if (which == 0)
            assert_memory_equal(buf, reply_golden, need);
    }

    reply_struct(&m);
    const size_t need = sizeof reply_golden;
#define BAD(expr)                                                                          \
    do {                                                                                   \
        bad = m;                                                                           \
        expr;                                                                              \
        memset(buf, 0xee, sizeof buf);                                                     \
        assert_int_equal(net_dhcp6_build(buf, sizeof buf, srv_ll, cli_ll, &bad), -EINVAL); \
        /* Limits are judged before the capacity. */                                       \
        assert_int_equal(net_dhcp6_build(buf, 0, srv_ll, cli_ll, &bad), -EINVAL);          \
        assert_int_equal(buf[0], 0xee);                                                    \
    } while (0)
    BAD(bad.type = 0);
    BAD(bad.type = 10); /* Reconfigure */
    BAD(bad.type = 12); /* Relay-forward */
    BAD(bad.type = 13);
    BAD(bad.type = 255);
    BAD(bad.xid = 0x1000000);
    BAD(bad.xid = 0xffffffffu);
    BAD(bad.client_duid_len = NET_DHCP6_DUID_MAX + 1);
    BAD(bad.server_duid_len = NET_DHCP6_DUID_MAX + 1);
    BAD(bad.server_duid_len = (size_t)-1);
    BAD(bad.n_ia_pd = NET_DHCP6_MAX_IA + 1);
    BAD(bad.n_ia_na = NET_DHCP6_MAX_IA + 1);
    BAD(bad.ia_pd[0].n_prefixes = NET_DHCP6_MAX_PREFIXES + 1);
    BAD(bad.ia_pd[0].prefixes[0].plen = 129);
    BAD(bad.ia_pd[0].prefixes[0].plen = 255);
    BAD((bad.n_ia_pd = 4, bad.ia_pd[3].n_prefixes = 2, bad.ia_pd[3].prefixes[1].plen = 200));
    BAD(bad.n_dns = NET_DHCP6_MAX_DNS + 1);
    BAD(bad.n_oro = NET_DHCP6_MAX_ORO + 1);
#undef BAD

    /* Fine: plen 128; bad values past the counts; an IA_NA's prefixes
     * (not built); xid 0xffffff; DUIDs of exactly 130. */
    bad = m;
    bad.ia_pd[0].prefixes[0].plen = 128;
    assert_int_equal(net_dhcp6_build(buf, sizeof buf, srv_ll, cli_ll, &bad), need);
    bad = m;
    bad.ia_pd[0].prefixes[1].plen = 200;
    bad.ia_pd[1].n_prefixes = 99;
    bad.n_ia_na = 1;
    bad.ia_na[0].n_prefixes = 99;
    bad.ia_na[0].prefixes[0].plen = 200;
    bad.ia_na[1].n_prefixes = 99;
    assert_int_equal(net_dhcp6_build(buf, sizeof buf, srv_ll, cli_ll, &bad), need + 16);
    bad = m;
    bad.xid = 0xffffff;
    bad.client_duid_len = bad.server_duid_len = NET_DHCP6_DUID_MAX;
    ssize_t n = net_dhcp6_build(buf, sizeof buf, srv_ll, cli_ll, &bad);
    assert_int_equal(n, need + (NET_DHCP6_DUID_MAX - sizeof duid_ll) +
                            (NET_DHCP6_DUID_MAX - sizeof duid_uuid));
    struct net_dhcp6_msg got;
    assert_int_equal(net_dhcp6_parse(buf, (size_t)n, &got, NULL), 0);
    assert_int_equal(got.xid, 0xffffff);

    /* NULL pointers. */
    assert_int_equal(net_dhcp6_build(NULL, sizeof buf, srv_ll, cli_ll, &m), -EINVAL);
    assert_int_equal(net_dhcp6_build(buf, sizeof buf, NULL, cli_ll, &m), -EINVAL);
    assert_int_equal(net_dhcp6_build(buf, sizeof buf, srv_ll, NULL, &m), -EINVAL);
    assert_int_equal(net_dhcp6_build(buf, sizeof buf, srv_ll, cli_ll, NULL), -EINVAL);
}

static bool is_server_msg(uint8_t type)
{
    return type == NET_DHCP6_ADVERTISE || type == NET_DHCP6_REPLY;
}

/* Random byte mutations of valid packets (checksum and lengths sometimes
 * repaired so the option walk is reached): never a crash or an overread
 * (run under ASan), and whatever parses re-builds and re-parses to the
 * same. */
static void test_mutation_property(void **state)
{
    (void)state;
    uint8_t maxp[MAX_CLIENT_LEN];
    {
        struct net_dhcp6_msg m;
        max_struct(&m, NET_DHCP6_RENEW);
        assert_int_equal(net_dhcp6_build(maxp, sizeof maxp, cli_ll, all_srv, &m), sizeof maxp);
    }
    const struct {
        const uint8_t *p;
        size_t n;
    } seeds[] = {
        {solicit_golden, sizeof solicit_golden},
        {reply_golden, sizeof reply_golden},
        {inforeq_golden, sizeof inforeq_golden},
        {inforep_golden, sizeof inforep_golden},
        {maxp, sizeof maxp},
    };
    uint32_t x = 12345;
    int parsed = 0;
    for (int iter = 0; iter < 30000; iter++) {
        uint8_t p[MAX_CLIENT_LEN];
        size_t n = seeds[iter % 5].n;
        memcpy(p, seeds[iter % 5].p, n);
        int muts = 1 + (int)(xs(&x) % 4);
        for (int k = 0; k < muts; k++) {
            xs(&x);
            size_t at = (x & 3) != 0 ? 48 + (x >> 8) % (n - 48) : (x >> 8) % n;
            p[at] = (uint8_t)(x >> 24);
        }
        xs(&x);
        size_t len = (x & 7) == 0 ? (x >> 8) % (n + 1) : n;
        if ((x & 0x30) != 0 && len >= 48)
            fix_all(p, len);
        bool to_s = net_dhcp6_is_to_server(p, len), to_c = net_dhcp6_is_to_client(p, len);
        assert_false(to_s && to_c);
        struct net_dhcp6_msg m, again;
        uint8_t src[16];
        uint8_t *q = malloc(len ? len : 1);
        assert_non_null(q);
        memcpy(q, p, len);
        int rc = net_dhcp6_parse(q, len, &m, src);
        free(q);
        assert_true(rc == 0 || rc == -EINVAL);
        if (rc == 0) {
            parsed++;
            assert_true(is_server_msg(m.type) ? to_c : to_s);
            uint8_t b[NET_DHCP6_MAX_LEN];
            ssize_t bn = net_dhcp6_build(b, sizeof b, src, p + 24, &m);
            assert_true(bn > 0);
            assert_int_equal(net_dhcp6_parse(b, (size_t)bn, &again, NULL), 0);
            assert_msg_equal(&again, &m);
        }
    }
    assert_true(parsed > 1000); /* the repaired mutants do reach the options */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_solicit_golden),
        cmocka_unit_test(test_reply_golden),
        cmocka_unit_test(test_info_golden),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_max_len),
        cmocka_unit_test(test_rejections_header),
        cmocka_unit_test(test_ports_and_types),
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_rejections_options),
        cmocka_unit_test(test_skipping_and_limits),
        cmocka_unit_test(test_status_msg),
        cmocka_unit_test(test_hop_limit_and_ports),
        cmocka_unit_test(test_checksum_ffff),
        cmocka_unit_test(test_build_errors),
        cmocka_unit_test(test_mutation_property),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
