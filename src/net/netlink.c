#include "net/netlink.h"

#include "lib/log.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

/* Per-message callback for replies that are neither ACK/error nor DONE. */
typedef int (*nl_msg_fn)(const struct nlmsghdr *nlh, void *ctx);

int net_nl_open(struct net_nl *nl)
{
    nl->sock = NULL;
    nl->seq = (uint32_t)time(NULL);
    nl->timeout_ms = 2000;
    nl->ext_msg[0] = '\0';
    struct mnl_socket *s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (s == NULL)
        return -errno;
    if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
        int e = -errno;
        mnl_socket_close(s);
        return e;
    }
    /* Ask for the kernel's error strings, without the echoed request
     * (keeps error messages small). Both are best effort (Linux >= 4.12). */
    int one = 1;
    (void)mnl_socket_setsockopt(s, NETLINK_CAP_ACK, &one, sizeof one);
    (void)mnl_socket_setsockopt(s, NETLINK_EXT_ACK, &one, sizeof one);
    nl->sock = s;
    nl->portid = mnl_socket_get_portid(s);
    return 0;
}

void net_nl_close(struct net_nl *nl)
{
    if (nl->sock != NULL)
        mnl_socket_close(nl->sock);
    nl->sock = NULL;
}

static void set_timeout(struct net_nl *nl)
{
    struct timeval tv = {
        .tv_sec = nl->timeout_ms / 1000,
        .tv_usec = (suseconds_t)(nl->timeout_ms % 1000) * 1000,
    };
    (void)setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

static int ext_attr_cb(const struct nlattr *attr, void *data)
{
    struct net_nl *nl = data;
    if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG) {
        const char *s = mnl_attr_get_payload(attr);
        size_t n = strnlen(s, mnl_attr_get_payload_len(attr));
        if (n >= sizeof nl->ext_msg)
            n = sizeof nl->ext_msg - 1;
        memcpy(nl->ext_msg, s, n);
        nl->ext_msg[n] = '\0';
    }
    return MNL_CB_OK;
}

/* NLMSG_ERROR: error 0 is the ACK. */
static int handle_error(struct net_nl *nl, const struct nlmsghdr *nlh)
{
    if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct nlmsgerr)))
        return -EBADMSG;
    const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
    if (e->error == 0)
        return 0;
    if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
        /* Attributes follow the (possibly capped) echoed request. */
        size_t off = sizeof *e;
        if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
            off += e->msg.nlmsg_len - sizeof e->msg;
        if (off < mnl_nlmsg_get_payload_len(nlh))
            (void)mnl_attr_parse(nlh, (unsigned)off, ext_attr_cb, nl);
    }
    return e->error < 0 ? e->error : -e->error;
}

/* Sends `req` and reads until its ACK/error (or NLMSG_DONE for a dump). */
static int nl_transact(struct net_nl *nl, struct nlmsghdr *req, nl_msg_fn fn, void *ctx)
{
    if (nl->sock == NULL)
        return -EBADF;
    bool dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
    if (!dump)
        req->nlmsg_flags |= NLM_F_ACK;
    req->nlmsg_seq = ++nl->seq;
    req->nlmsg_pid = 0;
    uint32_t seq = req->nlmsg_seq;
    nl->ext_msg[0] = '\0';
    set_timeout(nl);

    if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
        return -errno;

    int result = 0;    /* first error from a callback */
    bool intr = false; /* NLM_F_DUMP_INTR: dump inconsistent, caller may retry */
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof nl->buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return -ETIMEDOUT;
            return -errno; /* ENOSPC: message larger than our buffer */
        }
        int len = (int)n;
        const struct nlmsghdr *nlh = (const struct nlmsghdr *)nl->buf;
        for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
            /* Late answers to an earlier (timed-out) request, or anything not
             * addressed to us, are not ours to interpret. */
            if (nlh->nlmsg_seq != seq || (nlh->nlmsg_pid != 0 && nlh->nlmsg_pid != nl->portid))
                continue;
            if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
                intr = true;
            switch (nlh->nlmsg_type) {
            case NLMSG_NOOP:
                continue;
            case NLMSG_ERROR: {
                int e = handle_error(nl, nlh);
                if (e < 0 && nl->ext_msg[0] != '\0')
                    lx_debug("netlink: %s", nl->ext_msg);
                return e < 0 ? e : result;
            }
            case NLMSG_DONE:
                if (result == 0 && intr)
                    result = -EINTR;
                if (result == 0 && mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
                    int e;
                    memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof e);
                    if (e < 0)
                        result = e;
                }
                return result;
            default:
                if (fn != NULL && result == 0) {
                    int rc = fn(nlh, ctx);
                    if (rc < 0)
                        result = rc;
                }
                /* A non-dump answer (RTM_GETLINK by name) has no DONE but an
                 * ACK follows since we asked for one. */
                break;
            }
        }
    }
}

/* ---------------------------------------------------------------- links */

struct link_ctx {
    struct net_nl_link *out;
    bool found;
};

static int link_attr_cb(const struct nlattr *attr, void *data)
{
    struct net_nl_link *l = data;
    switch (mnl_attr_get_type(attr)) {
    case IFLA_MTU:
        if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
            l->mtu = mnl_attr_get_u32(attr);
        break;
    case IFLA_TXQLEN:
        if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
            l->txqlen = mnl_attr_get_u32(attr);
        break;
    case IFLA_IFNAME: {
        const char *s = mnl_attr_get_payload(attr);
        size_t n = strnlen(s, mnl_attr_get_payload_len(attr));
        if (n >= IFNAMSIZ)
            n = IFNAMSIZ - 1;
        memcpy(l->name, s, n);
        l->name[n] = '\0';
        break;
    }
    default:
        break;
    }
    return MNL_CB_OK;
}

static int link_msg(const struct nlmsghdr *nlh, void *data)
{
    struct link_ctx *c = data;
    if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifinfomsg))
        return 0;
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    memset(c->out, 0, sizeof *c->out);
    c->out->ifindex = ifi->ifi_index;
    c->out->flags = ifi->ifi_flags;
    (void)mnl_attr_parse(nlh, sizeof *ifi, link_attr_cb, c->out);
    c->found = true;
    return 0;
}

static struct nlmsghdr *link_req(struct net_nl *nl, uint16_t type, int ifindex)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST;
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = ifindex;
    return nlh;
}

static int link_get(struct net_nl *nl, int ifindex, const char *name, struct net_nl_link *out)
{
    struct nlmsghdr *nlh = link_req(nl, RTM_GETLINK, ifindex);
    if (name != NULL)
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    /* Skip statistics etc.: keeps the answer small. */
    mnl_attr_put_u32(nlh, IFLA_EXT_MASK, 0);
    struct link_ctx c = {.out = out};
    int rc = nl_transact(nl, nlh, link_msg, &c);
    if (rc < 0)
        return rc;
    return c.found ? 0 : -ENODEV;
}

int net_nl_ifindex(struct net_nl *nl, const char *name)
{
    if (name == NULL || name[0] == '\0' || strlen(name) >= IFNAMSIZ)
        return -EINVAL;
    struct net_nl_link l;
    int rc = link_get(nl, 0, name, &l);
    return rc < 0 ? rc : l.ifindex;
}

int net_nl_link_get(struct net_nl *nl, int ifindex, struct net_nl_link *out)
{
    if (ifindex <= 0)
        return -EINVAL;
    return link_get(nl, ifindex, NULL, out);
}

int net_nl_link_set_up(struct net_nl *nl, int ifindex, bool up)
{
    if (ifindex <= 0)
        return -EINVAL;
    struct nlmsghdr *nlh = link_req(nl, RTM_NEWLINK, ifindex);
    struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    ifi->ifi_change = IFF_UP;
    ifi->ifi_flags = up ? IFF_UP : 0;
    return nl_transact(nl, nlh, NULL, NULL);
}

int net_nl_link_set_mtu(struct net_nl *nl, int ifindex, unsigned mtu)
{
    if (ifindex <= 0 || mtu == 0)
        return -EINVAL;
    struct nlmsghdr *nlh = link_req(nl, RTM_NEWLINK, ifindex);
    mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
    return nl_transact(nl, nlh, NULL, NULL);
}

int net_nl_link_set_addr_gen_mode(struct net_nl *nl, int ifindex, uint8_t mode)
{
    if (ifindex <= 0)
        return -EINVAL;
    struct nlmsghdr *nlh = link_req(nl, RTM_NEWLINK, ifindex);
    /* rtnetlink(7): IFLA_AF_SPEC { AF_INET6 { IFLA_INET6_ADDR_GEN_MODE } } */
    struct nlattr *spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
    struct nlattr *in6 = mnl_attr_nest_start(nlh, AF_INET6);
    mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, mode);
    mnl_attr_nest_end(nlh, in6);
    mnl_attr_nest_end(nlh, spec);
    return nl_transact(nl, nlh, NULL, NULL);
}

/* ------------------------------------------------------------ addresses */

static size_t addr_len(int family)
{
    return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

static int addr_req(struct net_nl *nl, const struct net_nl_addr *a, uint16_t type, uint16_t flags)
{
    size_t alen = addr_len(a->family);
    if (alen == 0 || a->ifindex <= 0 || a->plen > alen * 8)
        return -EINVAL;
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | flags;
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
    ifa->ifa_family = (uint8_t)a->family;
    ifa->ifa_prefixlen = a->plen;
    ifa->ifa_scope = a->scope;
    ifa->ifa_index = (uint32_t)a->ifindex;
    ifa->ifa_flags = (uint8_t)a->flags;
    /* rtnetlink(7): IFA_LOCAL is the local address, IFA_ADDRESS the peer of
     * a point-to-point link (or the local address again otherwise). */
    if (a->has_peer) {
        mnl_attr_put(nlh, IFA_LOCAL, alen, a->local);
        mnl_attr_put(nlh, IFA_ADDRESS, alen, a->peer);
    } else {
        if (a->family == AF_INET)
            mnl_attr_put(nlh, IFA_LOCAL, alen, a->local);
        mnl_attr_put(nlh, IFA_ADDRESS, alen, a->local);
    }
    if (a->flags > 0xff && type == RTM_NEWADDR)
        mnl_attr_put_u32(nlh, IFA_FLAGS, a->flags);
    return nl_transact(nl, nlh, NULL, NULL);
}

int net_nl_addr_add(struct net_nl *nl, const struct net_nl_addr *a)
{
    return addr_req(nl, a, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
}

int net_nl_addr_del(struct net_nl *nl, const struct net_nl_addr *a)
{
    return addr_req(nl, a, RTM_DELADDR, 0);
}

struct addr_dump_ctx {
    int family;
    int ifindex;
    net_nl_addr_cb cb;
    void *ctx;
};

struct addr_attrs {
    const struct nlattr *local, *address, *flags;
};

static int addr_attr_cb(const struct nlattr *attr, void *data)
{
    struct addr_attrs *t = data;
    switch (mnl_attr_get_type(attr)) {
    case IFA_LOCAL:
        t->local = attr;
        break;
    case IFA_ADDRESS:
        t->address = attr;
        break;
    case IFA_FLAGS:
        if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
            t->flags = attr;
        break;
    default:
        break;
    }
    return MNL_CB_OK;
}

static bool attr_addr(const struct nlattr *attr, size_t alen, uint8_t out[16])
{
    if (attr == NULL || mnl_attr_get_payload_len(attr) != alen)
        return false;
    memcpy(out, mnl_attr_get_payload(attr), alen);
    return true;
}

static int addr_msg(const struct nlmsghdr *nlh, void *data)
{
    struct addr_dump_ctx *c = data;
    if (nlh->nlmsg_type != RTM_NEWADDR || mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifaddrmsg))
        return 0;
    const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
    size_t alen = addr_len(ifa->ifa_family);
    if (alen == 0)
        return 0;
    if (c->family != AF_UNSPEC && ifa->ifa_family != c->family)
        return 0;
    if (c->ifindex > 0 && (int)ifa->ifa_index != c->ifindex)
        return 0;
    struct addr_attrs t = {0};
    if (mnl_attr_parse(nlh, sizeof *ifa, addr_attr_cb, &t) < 0)
        return 0;
    struct net_nl_addr a = {
        .family = ifa->ifa_family,
        .ifindex = (int)ifa->ifa_index,
        .plen = ifa->ifa_prefixlen,
        .scope = ifa->ifa_scope,
        .flags = t.flags ? mnl_attr_get_u32(t.flags) : ifa->ifa_flags,
    };
    if (attr_addr(t.local, alen, a.local)) {
        if (attr_addr(t.address, alen, a.peer) && memcmp(a.peer, a.local, alen) != 0)
            a.has_peer = true;
        else
            memset(a.peer, 0, sizeof a.peer);
    } else if (!attr_addr(t.address, alen, a.local)) {
        return 0;
    }
    return c->cb(&a, c->ctx);
}

int net_nl_addr_dump(struct net_nl *nl, int family, int ifindex, net_nl_addr_cb cb, void *ctx)
{
    if (cb == NULL)
        return -EINVAL;
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
    nlh->nlmsg_type = RTM_GETADDR;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
    ifa->ifa_family = (uint8_t)family;
    struct addr_dump_ctx c = {.family = family, .ifindex = ifindex, .cb = cb, .ctx = ctx};
    return nl_transact(nl, nlh, addr_msg, &c);
}

/* --------------------------------------------------------------- routes */

static int route_req(struct net_nl *nl, const struct net_nl_route *r, uint16_t type, uint16_t flags)
{
    size_t alen = addr_len(r->family);
    if (alen == 0 || r->plen > alen * 8)
        return -EINVAL;
    bool add = type == RTM_NEWROUTE;
    uint32_t table = r->table ? r->table : RT_TABLE_MAIN;

    struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | flags;
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
    rtm->rtm_family = (uint8_t)r->family;
    rtm->rtm_dst_len = r->plen;
    rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
    if (add) {
        rtm->rtm_protocol = r->protocol ? r->protocol : RTPROT_STATIC;
        rtm->rtm_type = r->type ? r->type : RTN_UNICAST;
        if (r->scope)
            rtm->rtm_scope = r->scope;
        else if (r->family == AF_INET && !r->has_gw && r->oif > 0)
            rtm->rtm_scope = RT_SCOPE_LINK; /* like `ip route add X dev tun0` */
        else
            rtm->rtm_scope = RT_SCOPE_UNIVERSE;
    } else {
        /* Deletion matches any protocol/type/scope unless one is given
         * (fib_table_delete: 0 / RT_SCOPE_NOWHERE are wildcards). */
        rtm->rtm_protocol = r->protocol;
        rtm->rtm_type = r->type;
        rtm->rtm_scope = r->scope ? r->scope : RT_SCOPE_NOWHERE;
    }
    if (r->plen > 0) {
        /* The kernel rejects host bits set beyond the prefix for IPv4
         * ("Invalid prefix for given prefix length"); send the masked prefix. */
        uint8_t dst[16] = {0};
        memcpy(dst, r->dst, alen);
        for (unsigned i = r->plen; i < alen * 8; i++)
            dst[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
        mnl_attr_put(nlh, RTA_DST, alen, dst);
    }
    mnl_attr_put_u32(nlh, RTA_TABLE, table);
    if (r->oif > 0)
        mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)r->oif);
    if (r->has_gw)
        mnl_attr_put(nlh, RTA_GATEWAY, alen, r->gw);
    if (r->has_prefsrc)
        mnl_attr_put(nlh, RTA_PREFSRC, alen, r->prefsrc);
    if (r->metric)
        mnl_attr_put_u32(nlh, RTA_PRIORITY, r->metric);
    return nl_transact(nl, nlh, NULL, NULL);
}

int net_nl_route_add(struct net_nl *nl, const struct net_nl_route *r, bool replace)
{
    return route_req(nl, r, RTM_NEWROUTE, NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL));
}

int net_nl_route_del(struct net_nl *nl, const struct net_nl_route *r)
{
    return route_req(nl, r, RTM_DELROUTE, 0);
}

struct route_dump_ctx {
    int family;
    uint32_t table;
    net_nl_route_cb cb;
    void *ctx;
};

struct route_attrs {
    const struct nlattr *dst, *oif, *gw, *prefsrc, *table, *prio;
};

static int route_attr_cb(const struct nlattr *attr, void *data)
{
    struct route_attrs *t = data;
    uint16_t type = mnl_attr_get_type(attr);
    bool u32 = mnl_attr_validate(attr, MNL_TYPE_U32) == 0;
    switch (type) {
    case RTA_DST:
        t->dst = attr;
        break;
    case RTA_GATEWAY:
        t->gw = attr;
        break;
    case RTA_PREFSRC:
        t->prefsrc = attr;
        break;
    case RTA_OIF:
        if (u32)
            t->oif = attr;
        break;
    case RTA_TABLE:
        if (u32)
            t->table = attr;
        break;
    case RTA_PRIORITY:
        if (u32)
            t->prio = attr;
        break;
    default:
        break;
    }
    return MNL_CB_OK;
}

static int route_msg(const struct nlmsghdr *nlh, void *data)
{
    struct route_dump_ctx *c = data;
    if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof(struct rtmsg))
        return 0;
    const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
    size_t alen = addr_len(rtm->rtm_family);
    if (alen == 0 || (c->family != AF_UNSPEC && rtm->rtm_family != c->family))
        return 0;
    struct route_attrs t = {0};
    if (mnl_attr_parse(nlh, sizeof *rtm, route_attr_cb, &t) < 0)
        return 0;
    struct net_nl_route r = {
        .family = rtm->rtm_family,
        .plen = rtm->rtm_dst_len,
        .table = t.table ? mnl_attr_get_u32(t.table) : rtm->rtm_table,
        .metric = t.prio ? mnl_attr_get_u32(t.prio) : 0,
        .oif = t.oif ? (int)mnl_attr_get_u32(t.oif) : 0,
        .protocol = rtm->rtm_protocol,
        .scope = rtm->rtm_scope,
        .type = rtm->rtm_type,
    };
    if (c->table != 0 && r.table != c->table)
        return 0;
    (void)attr_addr(t.dst, alen, r.dst);
    r.has_gw = attr_addr(t.gw, alen, r.gw);
    r.has_prefsrc = attr_addr(t.prefsrc, alen, r.prefsrc);
    return c->cb(&r, c->ctx);
}

int net_nl_route_dump(struct net_nl *nl, int family, uint32_t table, net_nl_route_cb cb, void *ctx)
{
    if (cb == NULL)
        return -EINVAL;
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
    nlh->nlmsg_type = RTM_GETROUTE;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
    rtm->rtm_family = (uint8_t)family;
    struct route_dump_ctx c = {.family = family, .table = table, .cb = cb, .ctx = ctx};
    return nl_transact(nl, nlh, route_msg, &c);
}
