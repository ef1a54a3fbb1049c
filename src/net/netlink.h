/* rtnetlink through libmnl: links, addresses and routes of the data-plane
 * TUN device, replacing `ip link/addr/route`.
 *
 * Every call is one synchronous request: the message goes out with a fresh
 * sequence number and NLM_F_ACK (or NLM_F_DUMP), and the answer is read
 * until the kernel's ACK/error or NLMSG_DONE for *that* sequence number;
 * replies for other sequence numbers or other port ids are skipped. The
 * receive buffer is fixed (NET_NL_BUFSZ) and a receive timeout bounds the
 * wait. Results are 0 or -errno as the kernel reported it (-EEXIST,
 * -ENODEV, -ESRCH, ...); the kernel's extended-ack text, when it sent one,
 * is in nl->ext_msg. Not thread-safe; one struct per thread. */
#ifndef L2TPX_NET_NETLINK_H
#define L2TPX_NET_NETLINK_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#define NET_NL_BUFSZ 32768u /* > the kernel's largest dump skb for our requests */

struct mnl_socket;

struct net_nl {
    struct mnl_socket *sock;
    uint32_t portid;
    uint32_t seq;
    unsigned timeout_ms; /* receive timeout per request (default 2000) */
    char ext_msg[128];   /* NLMSGERR_ATTR_MSG of the last failed request, or "" */
    uint8_t buf[NET_NL_BUFSZ] __attribute__((aligned(4)));
};

/* Opens a NETLINK_ROUTE socket bound to an automatic port id. 0 or -errno. */
int net_nl_open(struct net_nl *nl);
void net_nl_close(struct net_nl *nl);

/* ---- links ---- */

struct net_nl_link {
    int ifindex;
    unsigned mtu;
    unsigned flags; /* IFF_* as the kernel reports them (ifi_flags) */
    unsigned txqlen;
    char name[IFNAMSIZ];
};

/* ifindex (> 0) of the interface called `name`, or -ENODEV / -errno. */
int net_nl_ifindex(struct net_nl *nl, const char *name);
int net_nl_link_get(struct net_nl *nl, int ifindex, struct net_nl_link *out);
int net_nl_link_set_up(struct net_nl *nl, int ifindex, bool up);
int net_nl_link_set_mtu(struct net_nl *nl, int ifindex, unsigned mtu);
/* IPv6 link-local address generation (IFLA_INET6_ADDR_GEN_MODE, e.g.
 * IN6_ADDR_GEN_MODE_NONE): set before the link goes up. 0 or -errno. */
int net_nl_link_set_addr_gen_mode(struct net_nl *nl, int ifindex, uint8_t mode);

/* ---- addresses ---- */

/* Addresses are network byte order in 16-byte arrays (IPv4 uses the first 4).
 * Point-to-point: for a peer address the kernel wants IFA_LOCAL = our
 * address and IFA_ADDRESS = the peer (rtnetlink(7)); without a peer both
 * carry the local address (IPv4) or only IFA_ADDRESS is sent (IPv6). */
struct net_nl_addr {
    int family; /* AF_INET or AF_INET6 */
    int ifindex;
    uint8_t local[16];
    uint8_t peer[16];
    bool has_peer;
    uint8_t plen;   /* prefix length (of the peer when has_peer) */
    uint8_t scope;  /* RT_SCOPE_*; 0 = universe */
    uint32_t flags; /* IFA_F_* sent as IFA_FLAGS (e.g. IFA_F_NODAD, IFA_F_NOPREFIXROUTE) */
};

/* Adds an address; -EEXIST if it is already there (NLM_F_EXCL). */
int net_nl_addr_add(struct net_nl *nl, const struct net_nl_addr *a);
int net_nl_addr_del(struct net_nl *nl, const struct net_nl_addr *a);

/* Calls cb for every address of `family` (AF_UNSPEC: both) on `ifindex`
 * (0: every interface). cb returning < 0 stops the callbacks (the dump is
 * still drained) and that value is returned. */
typedef int (*net_nl_addr_cb)(const struct net_nl_addr *a, void *ctx);
int net_nl_addr_dump(struct net_nl *nl, int family, int ifindex, net_nl_addr_cb cb, void *ctx);

/* ---- routes ---- */

struct net_nl_route {
    int family; /* AF_INET or AF_INET6 */
    uint8_t dst[16];
    uint8_t plen; /* 0 = default route */
    int oif;      /* output interface, 0 = none */
    bool has_gw;
    uint8_t gw[16];
    bool has_prefsrc;
    uint8_t prefsrc[16];
    uint32_t table;   /* 0 = RT_TABLE_MAIN; > 255 goes as RTA_TABLE */
    uint32_t metric;  /* RTA_PRIORITY; 0 = none */
    uint8_t protocol; /* RTPROT_*; 0 = RTPROT_STATIC. A private value tags our routes */
    uint8_t scope;    /* 0 = automatic: link for IPv4 device routes without gateway */
    uint8_t type;     /* 0 = RTN_UNICAST */
};

/* Adds a route; replace=true overwrites a matching one (NLM_F_REPLACE),
 * otherwise -EEXIST if present. */
int net_nl_route_add(struct net_nl *nl, const struct net_nl_route *r, bool replace);
int net_nl_route_del(struct net_nl *nl, const struct net_nl_route *r);

/* Calls cb for every route of `family` in `table` (0: every table). */
typedef int (*net_nl_route_cb)(const struct net_nl_route *r, void *ctx);
int net_nl_route_dump(struct net_nl *nl, int family, uint32_t table, net_nl_route_cb cb, void *ctx);

#endif
