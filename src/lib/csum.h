/* The Internet checksum (RFC 1071): a 16-bit one's-complement sum, used by
 * the IPv4 header, ICMP, ICMPv6 and UDP. One definition for every packet
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

#endif
