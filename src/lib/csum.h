/* The Internet checksum (RFC 1071): a 16-bit one's-complement sum, used by
 * the IPv4 header, ICMP, ICMPv6 and UDP; and IPv6 prefix masking. One definition for every packet
 * l2tpxd builds or checks itself (ICMP "too big", ND messages); MSS
 * clamping patches checksums incrementally instead (RFC 1624, net/mss.c). */
#ifndef L2TPX_LIB_CSUM_H
#define L2TPX_LIB_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* Adds p[0..n) as big-endian 16-bit words to the running sum s (an odd last
 * byte is padded with zero, RFC 1071 §4.1). A 32-bit sum holds 65535 words
 * of 0xffff before it can overflow: fold at least that often. */
static inline uint32_t lx_csum_add(uint32_t s, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

/* The sum folded to 16 bits (not complemented: 0xffff = a valid packet). */
static inline uint16_t lx_csum_fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffffu) + (s >> 16);
    return (uint16_t)s;
}

/* RFC 8200 §8.1: the sum over the IPv6 pseudo-header (source, destination,
 * upper-layer length, next header) of the packet starting at ip6 (a whole
 * 40-byte header) and over its upper-layer data of upper_len bytes right
 * behind the header, folded. upper_len <= 65535, so the 32-bit sum cannot
 * overflow (at most 32768 + 18 words of 0xffff). 0xffff = verifies. */
static inline uint16_t lx_csum_ip6(const uint8_t *ip6, size_t upper_len, uint8_t next_header)
{
    uint32_t s = lx_csum_add(0, ip6 + 8, 32);
    s += (uint32_t)(upper_len >> 16) + (uint32_t)(upper_len & 0xffffu) + next_header;
    return lx_csum_fold(lx_csum_add(s, ip6 + 40, upper_len));
}

/* Copies the first plen bits of the IPv6 address or prefix in, zeroing the
 * rest (the bits after a prefix length are not part of the prefix). */
static inline void lx_ip6_mask(uint8_t out[16], const uint8_t in[16], unsigned plen)
{
    for (unsigned i = 0; i < 16; i++) {
        unsigned bits = plen > i * 8 ? plen - i * 8 : 0;
        out[i] = bits >= 8 ? in[i] : (uint8_t)(in[i] & (0xff00u >> bits));
    }
}

#endif
