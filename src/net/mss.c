#include "net/mss.h"
#include "net/mtu.h"

#include "lib/buf.h"

#include <stdbool.h>

#define IPPROTO_TCP_   6
#define IP6_HOPOPTS_   0
#define IP6_ROUTING_   43
#define IP6_FRAGMENT_  44
#define IP6_DSTOPTS_   60
#define IP6_MAX_EXTHDR 8

#define TCP_FLAG_SYN 0x02u
#define TCPOPT_EOL_  0
#define TCPOPT_NOP_  1
#define TCPOPT_MSS_  2
#define TCPOLEN_MSS_ 4

/* Where the TCP segment lies inside the packet. */
struct tcp_loc {
    size_t off; /* TCP header start */
    size_t len; /* bytes of the segment present (bounded by the IP length) */
};

/* RFC 791: version 4, IHL >= 5, Total Length within the buffer; only an
 * unfragmented packet or a first fragment carries the TCP header. */
static enum net_mss_result locate_v4(const uint8_t *p, size_t len, struct tcp_loc *t)
{
    if (len < 20)
        return NET_MSS_MALFORMED;
    size_t ihl = (size_t)(p[0] & 0x0f) * 4;
    size_t tot = lx_get_u16(p + 2);
    if (ihl < 20 || tot < ihl || tot > len)
        return NET_MSS_MALFORMED;
    if (p[9] != IPPROTO_TCP_)
        return NET_MSS_NOT_SYN;
    if ((lx_get_u16(p + 6) & 0x1fffu) != 0) /* fragment offset != 0 */
        return NET_MSS_NOT_SYN;
    t->off = ihl;
    t->len = tot - ihl;
    return NET_MSS_CLAMPED; /* "located" */
}

/* RFC 8200 §4: walk a bounded number of extension headers we can skip
 * without changing their meaning. AH (51) and ESP (50) stop the walk: AH
 * authenticates the TCP segment (editing it would break the ICV) and ESP
 * hides it. Jumbograms (payload length 0) are not handled. */
static enum net_mss_result locate_v6(const uint8_t *p, size_t len, struct tcp_loc *t)
{
    if (len < 40)
        return NET_MSS_MALFORMED;
    size_t plen = lx_get_u16(p + 4);
    if (plen == 0 || 40 + plen > len)
        return NET_MSS_MALFORMED;
    size_t end = 40 + plen;
    uint8_t nh = p[6];
    size_t off = 40;
    for (int i = 0;; i++) {
        if (nh == IPPROTO_TCP_)
            break;
        if (i >= IP6_MAX_EXTHDR)
            return NET_MSS_NOT_SYN;
        size_t hl;
        switch (nh) {
        case IP6_HOPOPTS_:
        case IP6_ROUTING_:
        case IP6_DSTOPTS_:
            if (end - off < 8)
                return NET_MSS_MALFORMED;
            hl = ((size_t)p[off + 1] + 1) * 8;
            break;
        case IP6_FRAGMENT_:
            if (end - off < 8)
                return NET_MSS_MALFORMED;
            if ((lx_get_u16(p + off + 2) & 0xfff8u) != 0) /* not the first fragment */
                return NET_MSS_NOT_SYN;
            hl = 8;
            break;
        default:
            return NET_MSS_NOT_SYN;
        }
        if (hl > end - off)
            return NET_MSS_MALFORMED;
        nh = p[off];
        off += hl;
    }
    t->off = off;
    t->len = end - off;
    return NET_MSS_CLAMPED;
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), in one's-complement arithmetic.
 * `m_old`/`m_new` are the 16-bit contributions of the edited field to the
 * checksum sum. */
static uint16_t csum_replace16(uint16_t hc, uint16_t m_old, uint16_t m_new)
{
    uint32_t s = (uint32_t)(uint16_t)~hc + (uint16_t)~m_old + m_new;
    s = (s & 0xffffu) + (s >> 16);
    s = (s & 0xffffu) + (s >> 16);
    return (uint16_t)~s;
}

static uint16_t bswap16_(uint16_t v)
{
    return (uint16_t)((v << 8) | (v >> 8));
}

static enum net_mss_result clamp_tcp(uint8_t *seg, size_t len, uint16_t limit)
{
    if (len < 20)
        return NET_MSS_MALFORMED;
    size_t doff = (size_t)(seg[12] >> 4) * 4;
    if (doff < 20 || doff > len)
        return NET_MSS_MALFORMED;
    if (!(seg[13] & TCP_FLAG_SYN))
        return NET_MSS_NOT_SYN;

    enum net_mss_result res = NET_MSS_NO_OPTION;
    size_t i = 20;
    /* RFC 9293 §3.1: options are kind, or kind-length-data; EOL ends the list.
     * Each step advances by at least one byte, so this is bounded by 40. */
    while (i < doff) {
        uint8_t kind = seg[i];
        if (kind == TCPOPT_EOL_)
            break;
        if (kind == TCPOPT_NOP_) {
            i++;
            continue;
        }
        if (doff - i < 2)
            return res == NET_MSS_NO_OPTION ? NET_MSS_MALFORMED : res;
        size_t olen = seg[i + 1];
        if (olen < 2 || olen > doff - i)
            return res == NET_MSS_NO_OPTION ? NET_MSS_MALFORMED : res;
        if (kind == TCPOPT_MSS_ && olen == TCPOLEN_MSS_) {
            uint16_t mss = lx_get_u16(seg + i + 2);
            if (mss > limit) {
                size_t at = i + 2;
                uint16_t hc = lx_get_u16(seg + 16);
                /* A field at an odd offset straddles two 16-bit words of the
                 * checksum sum: its contribution is the byte-swapped value. */
                bool odd = (at & 1) != 0;
                uint16_t m_old = odd ? bswap16_(mss) : mss;
                uint16_t m_new = odd ? bswap16_(limit) : limit;
                lx_put_u16(seg + at, limit);
                lx_put_u16(seg + 16, csum_replace16(hc, m_old, m_new));
                res = NET_MSS_CLAMPED;
            } else if (res != NET_MSS_CLAMPED) {
                res = NET_MSS_UNCHANGED;
            }
        }
        i += olen;
    }
    return res;
}

enum net_mss_result net_mss_clamp(uint8_t *pkt, size_t len, uint16_t limit)
{
    if (pkt == NULL || len < 1)
        return NET_MSS_MALFORMED;
    if (limit == 0)
        return NET_MSS_UNCHANGED;
    struct tcp_loc t;
    enum net_mss_result r;
    switch (pkt[0] >> 4) {
    case 4:
        r = locate_v4(pkt, len, &t);
        break;
    case 6:
        r = locate_v6(pkt, len, &t);
        break;
    default:
        return NET_MSS_MALFORMED;
    }
    if (r != NET_MSS_CLAMPED)
        return r;
    return clamp_tcp(pkt + t.off, t.len, limit);
}

enum net_mss_result net_mss_clamp_mtu(uint8_t *pkt, size_t len, unsigned mtu)
{
    if (pkt == NULL || len < 1)
        return NET_MSS_MALFORMED;
    unsigned mss = net_mss_for_mtu(mtu, (pkt[0] >> 4) == 6);
    if (mss > 0xffffu)
        mss = 0xffffu;
    if (mss == 0) /* MTU too small for any TCP segment: nothing sensible to clamp to */
        return NET_MSS_UNCHANGED;
    return net_mss_clamp(pkt, len, (uint16_t)mss);
}

const char *net_mss_result_str(enum net_mss_result r)
{
    switch (r) {
    case NET_MSS_NOT_SYN:
        return "not a TCP SYN";
    case NET_MSS_NO_OPTION:
        return "SYN without MSS option";
    case NET_MSS_UNCHANGED:
        return "MSS within limit";
    case NET_MSS_CLAMPED:
        return "MSS clamped";
    case NET_MSS_MALFORMED:
        return "malformed";
    }
    return "?";
}
