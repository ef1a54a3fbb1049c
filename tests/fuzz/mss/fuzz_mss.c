/* fuzz target: TCP MSS clamping (src/net/mss.c).
 *
 * Input: byte 0 = flags (bit 0: fix the TCP checksum before clamping so
 * the "still verifies" path is exercised; bit 1: use net_mss_clamp_mtu),
 * bytes 1-2 = limit / MTU (big endian), the rest = an IPv4/IPv6 packet.
 *
 * Invariants, checked against an independent parse of the packet:
 *  - any result other than NET_MSS_CLAMPED leaves every byte unchanged;
 *  - NET_MSS_CLAMPED only on a packet we also see as TCP with SYN set, only
 *    bytes inside its TCP header changed, and the TCP checksum (pseudo
 *    header included, RFC 793 §3.1 / RFC 8200 §8.1) verifies afterwards
 *    exactly when it verified before (RFC 1624 incremental update). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/mss.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seg {
    size_t off, len; /* TCP segment inside the packet */
    bool v6;
};

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

/* Mirrors what RFC 791 / RFC 8200 say a first-fragment TCP packet is. */
static bool locate(const uint8_t *p, size_t len, struct seg *s)
{
    if (len < 1)
        return false;
    if ((p[0] >> 4) == 4) {
        if (len < 20)
            return false;
        size_t ihl = (size_t)(p[0] & 15) * 4, tot = rd16(p + 2);
        if (ihl < 20 || tot < ihl || tot > len || p[9] != 6 || (rd16(p + 6) & 0x1fff) != 0)
            return false;
        *s = (struct seg){ihl, tot - ihl, false};
        return true;
    }
    if ((p[0] >> 4) == 6) {
        if (len < 40)
            return false;
        size_t plen = rd16(p + 4);
        if (plen == 0 || 40 + plen > len)
            return false;
        size_t end = 40 + plen, off = 40;
        uint8_t nh = p[6];
        for (int i = 0; nh != 6; i++) {
            if (i >= 8 || end - off < 8)
                return false;
            size_t hl;
            if (nh == 0 || nh == 43 || nh == 60)
                hl = ((size_t)p[off + 1] + 1) * 8;
            else if (nh == 44 && (rd16(p + off + 2) & 0xfff8) == 0)
                hl = 8;
            else
                return false;
            if (hl > end - off)
                return false;
            nh = p[off];
            off += hl;
        }
        *s = (struct seg){off, end - off, true};
        return true;
    }
    return false;
}

static uint32_t sum_bytes(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += rd16(p + i);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

/* One's-complement sum over pseudo header and segment, folded. */
static uint16_t tcp_sum(const uint8_t *p, const struct seg *s)
{
    uint32_t sum = 0;
    if (s->v6) {
        sum = sum_bytes(sum, p + 8, 32);
        sum += (uint32_t)(s->len >> 16) + (uint32_t)(s->len & 0xffff) + 6;
    } else {
        sum = sum_bytes(sum, p + 12, 8);
        sum += 6 + (uint32_t)s->len;
    }
    sum = sum_bytes(sum, p + s->off, s->len);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

static void fix_checksum(uint8_t *p, const struct seg *s)
{
    if (s->len < 20)
        return;
    p[s->off + 16] = p[s->off + 17] = 0;
    uint16_t c = (uint16_t)~tcp_sum(p, s);
    p[s->off + 16] = (uint8_t)(c >> 8);
    p[s->off + 17] = (uint8_t)c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3 || size > 65536 + 3)
        return 0;
    uint8_t flags = data[0];
    uint16_t limit = rd16(data + 1);
    size_t len = size - 3;
    uint8_t *pkt = malloc(len ? len : 1); /* exact size: ASan catches overreads */
    uint8_t *orig = malloc(len ? len : 1);
    if (pkt == NULL || orig == NULL)
        abort();
    memcpy(pkt, data + 3, len);

    struct seg s;
    bool tcp = locate(pkt, len, &s);
    if (tcp && (flags & 1))
        fix_checksum(pkt, &s);
    bool ok_before = tcp && s.len >= 20 && tcp_sum(pkt, &s) == 0xffff;
    memcpy(orig, pkt, len);

    enum net_mss_result r =
        (flags & 2) ? net_mss_clamp_mtu(pkt, len, limit) : net_mss_clamp(pkt, len, limit);
    if (net_mss_result_str(r) == NULL)
        abort();

    if (r != NET_MSS_CLAMPED) {
        if (memcmp(pkt, orig, len) != 0)
            abort();
    } else {
        if (!tcp || s.len < 20 || !(pkt[s.off + 13] & 0x02))
            abort();
        size_t doff = (size_t)(pkt[s.off + 12] >> 4) * 4;
        for (size_t i = 0; i < len; i++)
            if (pkt[i] != orig[i] && (i < s.off || i >= s.off + doff))
                abort();
        if (memcmp(pkt, orig, len) == 0)
            abort();
        bool ok_after = tcp_sum(pkt, &s) == 0xffff;
        if (ok_after != ok_before)
            abort();
    }
    free(pkt);
    free(orig);
    return 0;
}
