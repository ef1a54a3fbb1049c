/* L2TP's UDP transport (RFC 2661 §8.1): one non-blocking socket per listen
 * address, IPv4 or IPv6, and one connected socket per established tunnel
 * (net_udp_open_connected) for the data plane's sends.
 *
 * Replies must leave from the address the request came to: on a host with
 * several addresses (and always with L2TP/IPsec, where the IPsec policy is
 * bound to one address pair) a reply from another source address is
 * dropped by the peer. So received datagrams carry their destination
 * address (IP_PKTINFO / IPV6_RECVPKTINFO) and sends put the chosen source
 * address back into IP_PKTINFO / IPV6_PKTINFO ancillary data. */
#ifndef L2TPX_NET_UDP_H
#define L2TPX_NET_UDP_H

/* Socket receive and send buffers, bytes. */
#define NET_UDP_SOCKBUF (4 << 20)

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l2tp/engine.h" /* struct l2tp_addr */

#define NET_UDP_BATCH_MAX 32

struct net_udp_stats {
    uint64_t rx_pkts, rx_bytes;
    uint64_t rx_errors;    /* recvmmsg failures other than EAGAIN */
    uint64_t rx_truncated; /* datagram larger than the receive buffer: dropped */
    uint64_t rx_icmp;      /* ICMP errors reported on a connected socket (port
                              unreachable...): counted, not receive failures */
    uint64_t tx_pkts, tx_bytes;
    uint64_t tx_errors; /* sendmsg failures (including a full socket buffer) */
};

struct net_udp_sock {
    int fd;
    int family;             /* AF_INET or AF_INET6 */
    struct l2tp_addr bound; /* address and port actually bound */
    bool wildcard;          /* bound to 0.0.0.0 or :: */
    struct net_udp_stats st;
};

/* Opens, configures and binds a socket (SO_REUSEADDR, pktinfo, IPV6_V6ONLY
 * for IPv6, O_NONBLOCK, close-on-exec). 0 or -errno. */
int net_udp_open(struct net_udp_sock *s, const struct l2tp_addr *addr);
/* One tunnel's socket: the same options, bound to `local` (the tunnel's
 * concrete local address and port, the listening socket's port) and
 * connected to `peer`. Sends on it need neither a destination nor
 * pktinfo and reuse the connected route (no lookup per datagram); the
 * kernel delivers the peer's datagrams (exact 4-tuple) to it instead of
 * the listening socket, so the owner must read it. -EINVAL for a wildcard
 * or portless address. 0 or -errno. */
int net_udp_open_connected(struct net_udp_sock *s, const struct l2tp_addr *local,
                           const struct l2tp_addr *peer);
void net_udp_close(struct net_udp_sock *s);

struct net_udp_dgram {
    struct l2tp_addr local; /* where it was sent to (pktinfo) + our port */
    struct l2tp_addr peer;
    const uint8_t *data;
    size_t len;
};

/* Receive buffers for up to `count` (<= NET_UDP_BATCH_MAX) datagrams of up
 * to `bufsize` bytes each. */
struct net_udp_batch;
struct net_udp_batch *net_udp_batch_new(unsigned count, size_t bufsize);
void net_udp_batch_free(struct net_udp_batch *b);
const struct net_udp_dgram *net_udp_batch_at(const struct net_udp_batch *b, unsigned i);

/* One recvmmsg: returns the number of datagrams now in b (0 if none are
 * waiting), or -errno. Truncated datagrams are dropped and counted. An
 * ICMP error that a connected socket reports instead of a datagram
 * (net_udp_icmp_errno) is counted in rx_icmp and the call retried. */
int net_udp_recv(struct net_udp_sock *s, struct net_udp_batch *b);

/* Sends one datagram to peer; `local` (may be NULL or a wildcard) selects
 * the source address when the socket is bound to a wildcard. 0 or -errno. */
int net_udp_send(struct net_udp_sock *s, const struct l2tp_addr *local,
                 const struct l2tp_addr *peer, const void *buf, size_t len);

/* true for the errors a connected UDP socket reports, once, after an ICMP
 * error from its peer (udp(7)): ECONNREFUSED for port unreachable and the
 * like. The report consumes the error; the socket is fine. */
static inline bool net_udp_icmp_errno(int e)
{
    switch (e) {
    case ECONNREFUSED:
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EHOSTDOWN:
    case ENETDOWN:
    case ENOPROTOOPT:
    case EPROTO:
        return true;
    default:
        return false;
    }
}

/* Helpers on struct l2tp_addr. */
/* Parses an IPv4 or IPv6 literal (IPv6 may carry a %scope); 0 or -1. */
int net_addr_parse(const char *str, uint16_t port, struct l2tp_addr *out);
bool net_addr_is_any(const struct l2tp_addr *a);
uint16_t net_addr_port(const struct l2tp_addr *a);
void net_addr_set_port(struct l2tp_addr *a, uint16_t port);
/* Same IP address (ports ignored). */
bool net_addr_same_ip(const struct l2tp_addr *a, const struct l2tp_addr *b);
/* "192.0.2.1:1701" or "[2001:db8::1]:1701" (no engine dependency). */
const char *net_addr_fmt(const struct l2tp_addr *a, char *buf, size_t cap);

#endif
