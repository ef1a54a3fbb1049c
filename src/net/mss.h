/* TCP MSS clamping on SYN and SYN-ACK segments, sans-I/O.
 *
 * Every BRAS lowers the MSS option of TCP SYNs crossing the tunnel so that
 * full-sized segments fit the tunnel MTU without fragmentation or reliance
 * on PMTUD (RFC 879, RFC 6691: the MSS counts neither IP nor TCP headers).
 * The packet is edited in place and the TCP checksum patched incrementally
 * (RFC 1624), O(1) per packet, no allocation. Input is a raw IPv4 or IPv6
 * packet as read from or written to the TUN device; any packet that is not
 * a well-formed TCP SYN with an MSS option is left byte-for-byte untouched. */
#ifndef L2TPX_NET_MSS_H
#define L2TPX_NET_MSS_H

#include <stddef.h>
#include <stdint.h>

enum net_mss_result {
    NET_MSS_NOT_SYN = 0, /* not TCP, not a SYN, a non-first fragment, or behind AH/ESP */
    NET_MSS_NO_OPTION,   /* SYN without an MSS option (peer assumes 536/1220: RFC 6691 §2) */
    NET_MSS_UNCHANGED,   /* MSS option already <= limit */
    NET_MSS_CLAMPED,     /* MSS lowered, checksum patched */
    NET_MSS_MALFORMED,   /* truncated or inconsistent headers; untouched */
};

/* Lowers every MSS option of a TCP SYN/SYN-ACK in pkt[0..len) to at most
 * `limit` (limit 0: do nothing). Skips IPv4 options (IHL) and the IPv6
 * extension headers Hop-by-Hop, Routing, Destination Options and a first
 * Fragment header (at most 8 of them). */
enum net_mss_result net_mss_clamp(uint8_t *pkt, size_t len, uint16_t limit);

/* Same with the limit derived from the tunnel MTU per the packet's family:
 * mtu - 40 for IPv4, mtu - 60 for IPv6 (net_mss_for_mtu). */
enum net_mss_result net_mss_clamp_mtu(uint8_t *pkt, size_t len, unsigned mtu);

const char *net_mss_result_str(enum net_mss_result r);

#endif
