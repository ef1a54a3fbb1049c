#include "net/udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/log.h"

struct net_udp_batch {
    unsigned count;
    size_t bufsize;
    uint8_t *bufs;
    struct mmsghdr *msgs;
    struct iovec *iov;
    struct sockaddr_in6 *names;
    /* Room for one in_pktinfo or in6_pktinfo control message. */
    union {
        char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
        struct cmsghdr align;
    } * ctl;
    struct net_udp_dgram *dg;
};

int net_addr_parse(const char *str, uint16_t port, struct l2tp_addr *out)
{
    memset(out, 0, sizeof *out);
    if (str == NULL)
        return -1;
    if (inet_pton(AF_INET, str, &out->in4.sin_addr) == 1) {
        out->in4.sin_family = AF_INET;
        out->in4.sin_port = htons(port);
        out->len = sizeof out->in4;
        return 0;
    }
    char tmp[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
    size_t n = strlen(str);
    if (n >= sizeof tmp)
        return -1;
    memcpy(tmp, str, n + 1);
    char *pct = strchr(tmp, '%');
    uint32_t scope = 0;
    if (pct != NULL) {
        *pct++ = '\0';
        scope = if_nametoindex(pct);
        if (scope == 0) {
            char *end;
            unsigned long v = strtoul(pct, &end, 10);
            if (*pct == '\0' || *end != '\0' || v == 0 || v > UINT32_MAX)
                return -1;
            scope = (uint32_t)v;
        }
    }
    if (inet_pton(AF_INET6, tmp, &out->in6.sin6_addr) != 1)
        return -1;
    out->in6.sin6_family = AF_INET6;
    out->in6.sin6_port = htons(port);
    out->in6.sin6_scope_id = scope;
    out->len = sizeof out->in6;
    return 0;
}

bool net_addr_is_any(const struct l2tp_addr *a)
{
    if (a->sa.sa_family == AF_INET)
        return a->in4.sin_addr.s_addr == htonl(INADDR_ANY);
    if (a->sa.sa_family == AF_INET6)
        return IN6_IS_ADDR_UNSPECIFIED(&a->in6.sin6_addr);
    return true;
}

uint16_t net_addr_port(const struct l2tp_addr *a)
{
    if (a->sa.sa_family == AF_INET)
        return ntohs(a->in4.sin_port);
    if (a->sa.sa_family == AF_INET6)
        return ntohs(a->in6.sin6_port);
    return 0;
}

void net_addr_set_port(struct l2tp_addr *a, uint16_t port)
{
    if (a->sa.sa_family == AF_INET)
        a->in4.sin_port = htons(port);
    else if (a->sa.sa_family == AF_INET6)
        a->in6.sin6_port = htons(port);
}

bool net_addr_same_ip(const struct l2tp_addr *a, const struct l2tp_addr *b)
{
    if (a->sa.sa_family != b->sa.sa_family)
        return false;
    if (a->sa.sa_family == AF_INET)
        return a->in4.sin_addr.s_addr == b->in4.sin_addr.s_addr;
    if (a->sa.sa_family == AF_INET6)
        return memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, sizeof a->in6.sin6_addr) == 0;
    return false;
}

const char *net_addr_fmt(const struct l2tp_addr *a, char *buf, size_t cap)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    if (cap == 0)
        return buf;
    if (a->sa.sa_family == AF_INET) {
        inet_ntop(AF_INET, &a->in4.sin_addr, ip, sizeof ip);
        snprintf(buf, cap, "%s:%u", ip, ntohs(a->in4.sin_port));
    } else if (a->sa.sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &a->in6.sin6_addr, ip, sizeof ip);
        snprintf(buf, cap, "[%s]:%u", ip, ntohs(a->in6.sin6_port));
    } else {
        snprintf(buf, cap, "?");
    }
    return buf;
}

/* socket() with the options every L2TP socket gets: SO_REUSEADDR (a
 * tunnel's connected socket shares the listening socket's address and
 * port: both must allow it), pktinfo on receive, IPV6_V6ONLY, 4 MiB
 * buffers. An fd or -errno. */
static int udp_socket(int fam)
{
    int fd = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
    if (fd < 0)
        return -errno;
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
        goto fail;
    if (fam == AF_INET) {
        if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) < 0)
            goto fail;
    } else {
        /* A v6 socket takes only v6: IPv4 has its own socket, and a
         * v4-mapped peer would otherwise show up as a different address. */
        if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0)
            goto fail;
        if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one) < 0)
            goto fail;
    }
    /* A socket carries many sessions' data: a deep receive queue
     * rides out the moments the daemon is not scheduled (other processes,
     * control work) instead of dropping. As root, *BUFFORCE goes past
     * net.core.rmem_max; otherwise take what the sysctl allows. */
    int sz = NET_UDP_SOCKBUF;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) < 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz) < 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    return fd;
fail:;
    int rc = -errno;
    close(fd);
    return rc;
}

int net_udp_open(struct net_udp_sock *s, const struct l2tp_addr *addr)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    int fam = addr->sa.sa_family;
    if (fam != AF_INET && fam != AF_INET6)
        return -EAFNOSUPPORT;
    int fd = udp_socket(fam);
    if (fd < 0)
        return fd;
    int rc = 0;
    if (bind(fd, &addr->sa, addr->len) < 0)
        goto fail;
    s->bound.len = sizeof s->bound.in6;
    if (getsockname(fd, &s->bound.sa, &s->bound.len) < 0)
        goto fail;
    s->fd = fd;
    s->family = fam;
    s->wildcard = net_addr_is_any(&s->bound);
    return 0;
fail:
    rc = -errno;
    close(fd);
    return rc;
}

int net_udp_open_connected(struct net_udp_sock *s, const struct l2tp_addr *local,
                           const struct l2tp_addr *peer)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    int fam = local->sa.sa_family;
    if ((fam != AF_INET && fam != AF_INET6) || peer->sa.sa_family != fam)
        return -EAFNOSUPPORT;
    /* A wildcard or portless local address would take the socket off the
     * tunnel's 4-tuple (another source address or port than the peer
     * talks to: RFC 2661 §8.1, and IPsec policies). */
    if (net_addr_is_any(local) || net_addr_port(local) == 0 || net_addr_is_any(peer) ||
        net_addr_port(peer) == 0)
        return -EINVAL;
    int fd = udp_socket(fam);
    if (fd < 0)
        return fd;
    int rc = 0;
    /* Between bind and connect the socket (concrete address) outranks a
     * wildcard listener for any peer's datagrams: harmless, the daemon
     * reads it like the listening ones and the engine demultiplexes. */
    if (bind(fd, &local->sa, local->len) < 0)
        goto fail;
    if (connect(fd, &peer->sa, peer->len) < 0)
        goto fail;
    s->bound.len = sizeof s->bound.in6;
    if (getsockname(fd, &s->bound.sa, &s->bound.len) < 0)
        goto fail;
    s->fd = fd;
    s->family = fam;
    s->wildcard = false;
    return 0;
fail:
    rc = -errno;
    close(fd);
    return rc;
}

void net_udp_close(struct net_udp_sock *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

void net_udp_batch_free(struct net_udp_batch *b)
{
    if (b == NULL)
        return;
    free(b->bufs);
    free(b->msgs);
    free(b->iov);
    free(b->names);
    free(b->ctl);
    free(b->dg);
    free(b);
}

struct net_udp_batch *net_udp_batch_new(unsigned count, size_t bufsize)
{
    if (count == 0 || count > NET_UDP_BATCH_MAX || bufsize == 0 || bufsize > 65536)
        return NULL;
    struct net_udp_batch *b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    b->count = count;
    b->bufsize = bufsize;
    b->bufs = malloc(count * bufsize);
    b->msgs = calloc(count, sizeof *b->msgs);
    b->iov = calloc(count, sizeof *b->iov);
    b->names = calloc(count, sizeof *b->names);
    b->ctl = calloc(count, sizeof *b->ctl);
    b->dg = calloc(count, sizeof *b->dg);
    if (!b->bufs || !b->msgs || !b->iov || !b->names || !b->ctl || !b->dg) {
        net_udp_batch_free(b);
        return NULL;
    }
    return b;
}

const struct net_udp_dgram *net_udp_batch_at(const struct net_udp_batch *b, unsigned i)
{
    return i < b->count ? &b->dg[i] : NULL;
}

/* Fills d->local from the pktinfo control message; false if there was none. */
static bool take_pktinfo(const struct net_udp_sock *s, struct msghdr *mh, struct l2tp_addr *local)
{
    *local = s->bound;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
        if (s->family == AF_INET && c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
            c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
            struct in_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof pi);
            /* ipi_addr is the header's destination address: the one the
             * peer talks to, hence the one to answer from. */
            local->in4.sin_addr = pi.ipi_addr;
            return true;
        }
        if (s->family == AF_INET6 && c->cmsg_level == IPPROTO_IPV6 &&
            c->cmsg_type == IPV6_PKTINFO && c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
            struct in6_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof pi);
            local->in6.sin6_addr = pi.ipi6_addr;
            local->in6.sin6_scope_id =
                IN6_IS_ADDR_LINKLOCAL(&pi.ipi6_addr) ? (uint32_t)pi.ipi6_ifindex : 0;
            return true;
        }
    }
    return false;
}

int net_udp_recv(struct net_udp_sock *s, struct net_udp_batch *b)
{
    for (unsigned i = 0; i < b->count; i++) {
        b->iov[i].iov_base = b->bufs + (size_t)i * b->bufsize;
        b->iov[i].iov_len = b->bufsize;
        struct msghdr *mh = &b->msgs[i].msg_hdr;
        memset(mh, 0, sizeof *mh);
        mh->msg_name = &b->names[i];
        mh->msg_namelen = sizeof b->names[i];
        mh->msg_iov = &b->iov[i];
        mh->msg_iovlen = 1;
        mh->msg_control = b->ctl[i].buf;
        mh->msg_controllen = sizeof b->ctl[i].buf;
        b->msgs[i].msg_len = 0;
    }
    int n;
    for (int tries = 0;; tries++) {
        n = recvmmsg(s->fd, b->msgs, b->count, MSG_DONTWAIT, NULL);
        if (n >= 0)
            break;
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return 0;
        if (net_udp_icmp_errno(errno)) {
            /* The peer's host answered a datagram with an ICMP error
             * (e.g. a restarting peer's closed port): reported here once
             * on a connected socket, while the queue may hold datagrams. */
            s->st.rx_icmp++;
            if (tries < 2)
                continue;
            return 0;
        }
        s->st.rx_errors++;
        return -errno;
    }
    int out = 0;
    for (int i = 0; i < n; i++) {
        struct msghdr *mh = &b->msgs[i].msg_hdr;
        if (mh->msg_flags & MSG_TRUNC) {
            s->st.rx_truncated++;
            continue;
        }
        struct net_udp_dgram *d = &b->dg[out];
        memset(&d->peer, 0, sizeof d->peer);
        socklen_t nl = mh->msg_namelen;
        if (nl > sizeof d->peer.in6)
            nl = sizeof d->peer.in6;
        memcpy(&d->peer.in6, mh->msg_name, nl);
        d->peer.len = nl;
        if (d->peer.sa.sa_family != s->family) {
            s->st.rx_errors++;
            continue;
        }
        (void)take_pktinfo(s, mh, &d->local);
        d->data = b->iov[i].iov_base;
        d->len = b->msgs[i].msg_len;
        s->st.rx_pkts++;
        s->st.rx_bytes += d->len;
        out++;
    }
    return out;
}

int net_udp_send(struct net_udp_sock *s, const struct l2tp_addr *local,
                 const struct l2tp_addr *peer, const void *buf, size_t len)
{
    if (peer->sa.sa_family != s->family) {
        s->st.tx_errors++;
        return -EAFNOSUPPORT;
    }
    struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
    union {
        char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
        struct cmsghdr align;
    } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct msghdr mh = {
        .msg_name = (void *)&peer->sa,
        .msg_namelen = peer->len,
        .msg_iov = &iov,
        .msg_iovlen = 1,
    };
    /* Only a wildcard-bound socket needs to be told the source address. */
    if (s->wildcard && local != NULL && local->sa.sa_family == s->family &&
        !net_addr_is_any(local)) {
        mh.msg_control = ctl.buf;
        struct cmsghdr *c;
        if (s->family == AF_INET) {
            struct in_pktinfo pi = {.ipi_ifindex = 0, .ipi_spec_dst = local->in4.sin_addr};
            mh.msg_controllen = CMSG_SPACE(sizeof pi);
            c = CMSG_FIRSTHDR(&mh);
            c->cmsg_level = IPPROTO_IP;
            c->cmsg_type = IP_PKTINFO;
            c->cmsg_len = CMSG_LEN(sizeof pi);
            memcpy(CMSG_DATA(c), &pi, sizeof pi);
        } else {
            struct in6_pktinfo pi = {.ipi6_addr = local->in6.sin6_addr,
                                     .ipi6_ifindex = IN6_IS_ADDR_LINKLOCAL(&local->in6.sin6_addr)
                                                         ? local->in6.sin6_scope_id
                                                         : 0};
            mh.msg_controllen = CMSG_SPACE(sizeof pi);
            c = CMSG_FIRSTHDR(&mh);
            c->cmsg_level = IPPROTO_IPV6;
            c->cmsg_type = IPV6_PKTINFO;
            c->cmsg_len = CMSG_LEN(sizeof pi);
            memcpy(CMSG_DATA(c), &pi, sizeof pi);
        }
    }
    ssize_t n;
    do {
        n = sendmsg(s->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        s->st.tx_errors++;
        return -errno;
    }
    s->st.tx_pkts++;
    s->st.tx_bytes += (size_t)n;
    return 0;
}
