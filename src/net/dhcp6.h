/* DHCPv6 over a PPP link, sans-I/O (RFC 8415): the messages an LNS
 * exchanges with a user's DHCPv6 client, whole IPv6 + UDP packets as
 * carried in PPP protocol 0x0057.
 *
 * Why: a CPE router behind a PPP session asks for a prefix for its LAN by
 * prefix delegation (IA_PD, RFC 8415 §6.3), and hosts told "other
 * configuration" by the router advertisement (O flag) ask for DNS servers
 * with Information-Request (§6.1, RFC 3646 option 23). The LNS answers on
 * the session itself: its users share one TUN, so no kernel DHCPv6 server
 * could tell them apart.
 *
 * The codec parses client messages (to port 547) and server messages (to
 * port 546), and builds both; the server's policy (which prefix, when)
 * lives in the daemon. Everything is bounds-checked; nothing allocates.
 * IAs and prefixes beyond the limits below are ignored, not errors. */
#ifndef L2TPX_NET_DHCP6_H
#define L2TPX_NET_DHCP6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NET_DHCP6_CLIENT_PORT 546
#define NET_DHCP6_SERVER_PORT 547

/* RFC 8415 §7.3 message types. */
enum {
    NET_DHCP6_SOLICIT = 1,
    NET_DHCP6_ADVERTISE = 2,
    NET_DHCP6_REQUEST = 3,
    NET_DHCP6_CONFIRM = 4,
    NET_DHCP6_RENEW = 5,
    NET_DHCP6_REBIND = 6,
    NET_DHCP6_REPLY = 7,
    NET_DHCP6_RELEASE = 8,
    NET_DHCP6_DECLINE = 9,
    NET_DHCP6_INFORMATION_REQUEST = 11,
};

/* RFC 8415 §21.13 status codes. */
enum {
    NET_DHCP6_ST_SUCCESS = 0,
    NET_DHCP6_ST_UNSPEC_FAIL = 1,
    NET_DHCP6_ST_NO_ADDRS_AVAIL = 2,
    NET_DHCP6_ST_NO_BINDING = 3,
    NET_DHCP6_ST_NOT_ON_LINK = 4,
    NET_DHCP6_ST_USE_MULTICAST = 5,
    NET_DHCP6_ST_NO_PREFIX_AVAIL = 6,
};

#define NET_DHCP6_DUID_MAX     130 /* RFC 8415 §11.1: at most 128 octets + type */
#define NET_DHCP6_MAX_IA       4
#define NET_DHCP6_MAX_PREFIXES 4 /* per IA_PD */
#define NET_DHCP6_MAX_DNS      3
#define NET_DHCP6_MAX_ORO      16
#define NET_DHCP6_STATUS_MSG   64
/* Largest packet net_dhcp6_build() can produce. */
#define NET_DHCP6_MAX_LEN 1280

struct net_dhcp6_prefix {
    uint8_t prefix[16]; /* bits beyond plen zero when built/parsed */
    uint8_t plen;
    uint32_t preferred_s, valid_s;
};

/* An IA_PD (§21.21) or, with no prefixes, an IA_NA (§21.4) whose
 * addresses we do not look at (prefixes of an IA_NA are not built). */
struct net_dhcp6_ia {
    uint32_t iaid, t1, t2;
    struct net_dhcp6_prefix prefixes[NET_DHCP6_MAX_PREFIXES]; /* IA_PD only */
    unsigned n_prefixes;
    bool has_status; /* a Status Code option inside the IA (§21.13) */
    uint16_t status;
};

/* One DHCPv6 message, either direction. */
struct net_dhcp6_msg {
    uint8_t type;
    uint32_t xid; /* 24 bits */
    uint8_t client_duid[NET_DHCP6_DUID_MAX];
    size_t client_duid_len; /* 0 = no Client Identifier option */
    uint8_t server_duid[NET_DHCP6_DUID_MAX];
    size_t server_duid_len; /* 0 = no Server Identifier option */
    struct net_dhcp6_ia ia_pd[NET_DHCP6_MAX_IA];
    unsigned n_ia_pd;
    struct net_dhcp6_ia ia_na[NET_DHCP6_MAX_IA];
    unsigned n_ia_na;
    bool rapid_commit;               /* §21.14 */
    uint16_t oro[NET_DHCP6_MAX_ORO]; /* §21.7 Option Request */
    unsigned n_oro;
    bool has_status; /* top-level Status Code */
    uint16_t status;
    char status_msg[NET_DHCP6_STATUS_MSG]; /* NUL-terminated, control bytes replaced */
    uint8_t dns[NET_DHCP6_MAX_DNS][16];    /* RFC 3646 option 23 */
    unsigned n_dns;
    uint32_t info_refresh_s; /* §21.23; 0 = absent */
    uint8_t preference;      /* §21.8; Advertise */
    bool has_preference;
};

/* Is this IPv6 packet UDP to port 547 (client -> server) or 546 (server ->
 * client), judged from the fixed headers only (cheap enough for the data
 * path)? The next header must be UDP directly. */
bool net_dhcp6_is_to_server(const uint8_t *pkt, size_t len);
bool net_dhcp6_is_to_client(const uint8_t *pkt, size_t len);

/* Validates the IPv6 header (payload length within len; bytes after it
 * ignored; next header UDP directly), the UDP header (length equal to the
 * payload length, a non-zero checksum that verifies: RFC 8200 §8.1) and
 * the DHCPv6 message, and fills *m (written only on success). Options are
 * well-formed or the message is rejected (§16: "discard"): every option
 * inside its container, fixed lengths right, at most one Client and one
 * Server Identifier; unknown options are skipped, the Elapsed Time is
 * checked and dropped. src (may be NULL) gets the IPv6 source. The hop
 * limit and the source port are not checked. 0 or -EINVAL.
 * Client messages (to port 547) must be of a client type; server messages
 * (to 546) of type Advertise or Reply. */
int net_dhcp6_parse(const uint8_t *pkt, size_t len, struct net_dhcp6_msg *m, uint8_t src[16]);

/* Builds a whole IPv6 + UDP packet carrying *m from src to dst: hop limit
 * 255 for link-local / multicast destinations (64 otherwise), ports by
 * message type (client types 546 -> 547, Advertise/Reply 547 -> 546), UDP
 * checksum filled. Options in the order: Client ID, Server ID, Elapsed
 * Time (client types only, value 0: §21.9 makes it a MUST for clients),
 * IA_NAs, IA_PDs (each with its IA Prefixes, then its Status Code if
 * has_status), top-level Status Code (with status_msg up to its NUL, at
 * most NET_DHCP6_STATUS_MSG - 1 bytes), Rapid Commit, Preference, DNS
 * servers, Information Refresh Time, Option Request. Returns the length,
 * -ENOSPC if cap is too small (nothing written), -EINVAL (judged first)
 * for a NULL pointer, a type that is neither a client type nor
 * Advertise/Reply, an xid over 24 bits, counts over the limits,
 * plen > 128 or a DUID over NET_DHCP6_DUID_MAX. */
ssize_t net_dhcp6_build(uint8_t *buf, size_t cap, const uint8_t src[16], const uint8_t dst[16],
                        const struct net_dhcp6_msg *m);

#endif
