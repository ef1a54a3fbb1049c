/* IPv6 Neighbor Discovery over a PPP link, sans-I/O: Router Solicitations
 * and Router Advertisements (RFC 4861 §4.1, §4.2, §6), with the Prefix
 * Information and MTU options (§4.6.2, §4.6.4) and the Recursive DNS Server
 * option (RFC 8106 §5.1).
 *
 * Why l2tpxd does this itself: the LNS hands each user a /64 by stateless
 * autoconfiguration (RFC 5072 §1: IPv6CP only gives interface identifiers;
 * global addresses come from ND over the link), and all its users share one
 * TUN, so the kernel cannot send per-user advertisements. The LAC client
 * reads the advertisement itself too: a TUN has no link-layer address, so
 * the kernel's SLAAC would not use the IPv6CP interface identifier.
 *
 * Packets are whole IPv6 packets (40-byte header + ICMPv6), as carried in
 * PPP protocol 0x0057. Everything is bounds-checked; nothing allocates. */
#ifndef L2TPX_NET_ND6_H
#define L2TPX_NET_ND6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NET_ND6_TYPE_RS 133
#define NET_ND6_TYPE_RA 134

#define NET_ND6_MAX_PREFIXES 4
#define NET_ND6_MAX_RDNSS    3
/* Largest packet net_nd6_build_ra() can produce: IPv6 header, RA header,
 * MTU option, NET_ND6_MAX_PREFIXES prefix options, one RDNSS option. */
#define NET_ND6_RA_MAX_LEN (40 + 16 + 8 + NET_ND6_MAX_PREFIXES * 32 + 8 + NET_ND6_MAX_RDNSS * 16)
#define NET_ND6_RS_LEN     (40 + 8)

#define NET_ND6_INFINITE 0xffffffffu /* lifetime "infinity" (§4.6.2) */

struct net_nd6_prefix {
    uint8_t prefix[16]; /* bits beyond plen are zero when built/parsed */
    uint8_t plen;
    bool onlink;     /* L flag */
    bool autonomous; /* A flag: usable for SLAAC (RFC 4862 §5.5.3) */
    uint32_t valid_s, preferred_s;
};

struct net_nd6_ra {
    uint8_t cur_hop_limit;    /* 0 = unspecified */
    bool managed, other;      /* M and O flags */
    uint16_t router_lifetime; /* seconds; 0 = not a default router */
    uint32_t reachable_ms, retrans_ms;
    uint32_t mtu; /* MTU option; 0 = none */
    struct net_nd6_prefix prefixes[NET_ND6_MAX_PREFIXES];
    unsigned n_prefixes;
    uint8_t rdnss[NET_ND6_MAX_RDNSS][16];
    unsigned n_rdnss;
    uint32_t rdnss_lifetime_s; /* RFC 8106 §5.1; parsed: the shortest of the options kept */
};

/* What an IPv6 packet is, judged from the fixed header only (cheap enough
 * for the data path): the next header must be ICMPv6 directly (RS and RA
 * carry no extension headers in practice; anything else is NONE). */
enum net_nd6_kind {
    NET_ND6_NONE = 0, /* not ICMPv6 RS/RA (includes non-IPv6 and short packets) */
    NET_ND6_RS,
    NET_ND6_RA,
};
enum net_nd6_kind net_nd6_classify(const uint8_t *pkt, size_t len);

/* Full validation of a Router Solicitation (RFC 4861 §6.1.1): IPv6, payload
 * length within len (bytes after it are ignored), hop limit 255, ICMPv6 checksum, code 0, ICMP
 * length >= 8, every option length > 0 and inside the packet, no Source
 * Link-Layer Address option if the source is unspecified. 0 or -EINVAL. */
int net_nd6_parse_rs(const uint8_t *pkt, size_t len);

/* Full validation of a Router Advertisement (RFC 4861 §6.1.2: source is
 * link-local, hop limit 255, checksum, code 0, ICMP length >= 16, options
 * well-formed) and its contents into *ra. Prefix options with plen > 128
 * or a preferred lifetime above the valid one are skipped (RFC 4862
 * §5.5.3 c); link-local prefixes are skipped; at most NET_ND6_MAX_PREFIXES
 * and NET_ND6_MAX_RDNSS are kept, the rest ignored. Unknown options are
 * skipped (§4.6). src (may be NULL) receives the router's address.
 * 0 or -EINVAL. */
int net_nd6_parse_ra(const uint8_t *pkt, size_t len, struct net_nd6_ra *ra, uint8_t src[16]);

/* Builds a complete IPv6 packet carrying a Router Advertisement from src
 * (our link-local address) to dst (ff02::1, or the solicitor's address):
 * hop limit 255, options in the order MTU, prefixes, RDNSS (one option
 * for all servers; none if n_rdnss is 0). Returns the length, or -ENOSPC
 * if cap is too small, -EINVAL for n_prefixes/n_rdnss over the limits,
 * plen > 128 or a NULL pointer. */
ssize_t net_nd6_build_ra(uint8_t *buf, size_t cap, const uint8_t src[16], const uint8_t dst[16],
                         const struct net_nd6_ra *ra);

/* Builds a Router Solicitation from src to ff02::2 with no options (a PPP
 * link has no link-layer address: RFC 4861 §4.1). Returns NET_ND6_RS_LEN,
 * -ENOSPC, or -EINVAL for a NULL pointer. */
ssize_t net_nd6_build_rs(uint8_t *buf, size_t cap, const uint8_t src[16]);

/* fe80::ifid (ifid in host order, as IPv6CP carries it). */
void net_nd6_link_local(uint64_t ifid, uint8_t out[16]);

#endif
