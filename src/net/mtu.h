/* MTU / MRU arithmetic for PPP over L2TP over UDP over IPv4 or IPv6.
 *
 * A user's IP packet travels, between LNS and LAC, as
 *
 *   outer IP | UDP | L2TP data header | PPP header | user IP packet
 *      20/40    8     6 .. 16             0 .. 4     <- PPP payload ->
 *
 * so the largest PPP payload (the Information field, which is what the PPP
 * MRU counts: RFC 1661 §2 and §6.1) that fits in one outer packet of
 * `link_mtu` bytes without outer fragmentation is link_mtu minus all of the
 * above. The worked table lives in docs/MTU.md. Everything here is pure
 * arithmetic (no I/O). */
#ifndef L2TPX_NET_MTU_H
#define L2TPX_NET_MTU_H

#include <stdbool.h>

#define NET_MTU_IPV4_HDR 20u /* outer IPv4 header without options (RFC 791) */
#define NET_MTU_IPV6_HDR 40u /* outer IPv6 fixed header, no extension headers (RFC 8200) */
#define NET_MTU_UDP_HDR  8u  /* RFC 768 */
/* RFC 2661 §5.4 (and §3.1): the minimal data header is flags/version,
 * Tunnel ID and Session ID, 6 octets. The L bit adds the 2-octet Length,
 * the S bit the 2-octet Ns and 2-octet Nr, the O bit the 2-octet Offset Size
 * (plus Offset Size octets of padding, which l2tpx always sends as 0). */
#define NET_MTU_L2TP_DATA_MIN 6u
#define NET_MTU_L2TP_L_BIT    2u
#define NET_MTU_L2TP_S_BIT    4u
#define NET_MTU_L2TP_O_BIT    2u
/* RFC 1661 §2 / RFC 1662 §3.1: Protocol field is 2 octets, 1 when
 * Protocol-Field-Compression is negotiated (RFC 1661 §6.5; only protocols
 * below 0x100 such as IPv4 0x0021 and IPv6 0x0057 can be compressed). The
 * Address and Control octets (0xff 0x03) are sent over L2TP unless
 * Address-and-Control-Field-Compression is negotiated (RFC 1661 §6.6). */
#define NET_MTU_PPP_PROTO 2u
#define NET_MTU_PPP_ACF   2u

/* TCP MSS from an IP MTU: MTU minus a 20-octet IPv4 (or 40-octet IPv6)
 * header and a 20-octet TCP header without options (RFC 879, RFC 6691 §2:
 * the MSS counts neither IP nor TCP options). */
#define NET_MTU_TCP_HDR 20u

struct net_mtu_framing {
    bool ipv6_outer; /* outer header is IPv6 (40) rather than IPv4 (20) */
    bool l_bit;      /* data messages carry the Length field */
    bool s_bit;      /* data messages carry Ns/Nr (sequencing, §5.4) */
    bool o_bit;      /* data messages carry Offset Size (with 0 padding) */
    bool acfc;       /* Address-and-Control-Field-Compression negotiated */
    bool pfc;        /* Protocol-Field-Compression negotiated */
};

/* Total per-packet overhead in octets between the outer link and the PPP
 * Information field (outer IP + UDP + L2TP data header + PPP header). */
unsigned net_mtu_overhead(const struct net_mtu_framing *f);

/* Largest PPP Information field (the session MRU / the user's IP MTU) that
 * fits in one outer packet of link_mtu octets; 0 if nothing fits.
 * pfc=true gives the limit for IPv4/IPv6 frames; LCP/NCP frames always use a
 * 2-octet protocol field but are small. */
unsigned net_mtu_ppp_payload(unsigned link_mtu, bool ipv6_outer, bool l_bit, bool s_bit, bool acfc,
                             bool pfc);

/* Same with the full framing description (adds the O bit). */
unsigned net_mtu_ppp_payload_f(unsigned link_mtu, const struct net_mtu_framing *f);

/* MSS a TCP SYN may announce so that a full segment fits in `mtu`:
 * mtu - 40 (IPv4) or mtu - 60 (IPv6); 0 if mtu is too small. */
unsigned net_mss_for_mtu(unsigned mtu, bool ipv6);

#endif
