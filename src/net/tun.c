#include "net/tun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int ifreq_init(struct ifreq *ifr, const struct net_tun *t)
{
    memset(ifr, 0, sizeof *ifr);
    size_t n = strnlen(t->name, sizeof t->name);
    if (n == 0 || n >= IFNAMSIZ)
        return -EINVAL;
    memcpy(ifr->ifr_name, t->name, n);
    return 0;
}

/* SIOCSIF* need any socket; AF_INET datagram sockets exist in every netns. */
static int if_ioctl(unsigned long req, struct ifreq *ifr)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -errno;
    int rc = ioctl(s, req, ifr) < 0 ? -errno : 0;
    close(s);
    return rc;
}

int net_tun_set_mtu(const struct net_tun *t, unsigned mtu)
{
    struct ifreq ifr;
    int rc = ifreq_init(&ifr, t);
    if (rc < 0)
        return rc;
    if (mtu == 0 || mtu > 65535)
        return -EINVAL;
    ifr.ifr_mtu = (int)mtu;
    return if_ioctl(SIOCSIFMTU, &ifr);
}

int net_tun_get_mtu(const struct net_tun *t, unsigned *mtu)
{
    struct ifreq ifr;
    int rc = ifreq_init(&ifr, t);
    if (rc < 0)
        return rc;
    rc = if_ioctl(SIOCGIFMTU, &ifr);
    if (rc == 0)
        *mtu = (unsigned)ifr.ifr_mtu;
    return rc;
}

int net_tun_set_up(const struct net_tun *t, bool up)
{
    struct ifreq ifr;
    int rc = ifreq_init(&ifr, t);
    if (rc < 0)
        return rc;
    rc = if_ioctl(SIOCGIFFLAGS, &ifr);
    if (rc < 0)
        return rc;
    if (up)
        ifr.ifr_flags |= IFF_UP;
    else
        ifr.ifr_flags &= ~IFF_UP;
    return if_ioctl(SIOCSIFFLAGS, &ifr);
}

int net_tun_set_txqueuelen(const struct net_tun *t, unsigned qlen)
{
    struct ifreq ifr;
    int rc = ifreq_init(&ifr, t);
    if (rc < 0)
        return rc;
    if (qlen > 0x7fffffffu)
        return -EINVAL;
    ifr.ifr_qlen = (int)qlen;
    return if_ioctl(SIOCSIFTXQLEN, &ifr);
}

int net_tun_set_persist(struct net_tun *t, bool persist)
{
    if (t->fd < 0)
        return -EBADF;
    if (ioctl(t->fd, TUNSETPERSIST, persist ? 1L : 0L) < 0)
        return -errno;
    t->persist = persist;
    return 0;
}

int net_tun_open(struct net_tun *t, const struct net_tun_opts *o)
{
    memset(t, 0, sizeof *t);
    t->fd = -1;

    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    if (o != NULL && o->name != NULL && o->name[0] != '\0') {
        size_t n = strlen(o->name);
        if (n >= IFNAMSIZ)
            return -ENAMETOOLONG;
        memcpy(ifr.ifr_name, o->name, n);
    }

    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    t->fd = fd;
    memcpy(t->name, ifr.ifr_name, IFNAMSIZ);
    t->name[IFNAMSIZ - 1] = '\0';
    t->ifindex = (int)if_nametoindex(t->name);

    int rc = 0;
    if (o != NULL) {
        if (o->persist)
            rc = net_tun_set_persist(t, true);
        if (rc == 0 && o->mtu != 0)
            rc = net_tun_set_mtu(t, o->mtu);
        if (rc == 0 && o->txqueuelen != 0)
            rc = net_tun_set_txqueuelen(t, o->txqueuelen);
        if (rc == 0 && o->up)
            rc = net_tun_set_up(t, true);
    }
    if (rc < 0) {
        /* Do not leave a half-configured persistent device behind. */
        if (t->persist)
            (void)net_tun_set_persist(t, false);
        net_tun_close(t);
        return rc;
    }
    return 0;
}

void net_tun_close(struct net_tun *t)
{
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
}

int net_tun_read_multi(const struct net_tun *t, struct net_tun_buf *bufs, unsigned n)
{
    unsigned got = 0;
    if (n > 1024) /* keeps the return value an int and one batch bounded */
        n = 1024;
    while (got < n) {
        ssize_t r = read(t->fd, bufs[got].data, bufs[got].cap);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK || got > 0)
                break;
            return -errno;
        }
        if (r == 0) /* no packet (device going away); treat as "nothing waiting" */
            break;
        if ((size_t)r > bufs[got].cap) /* kernel reported a truncated packet: drop it */
            continue;
        bufs[got].len = (size_t)r;
        got++;
    }
    return (int)got;
}

int net_tun_write(const struct net_tun *t, const void *pkt, size_t len)
{
    for (;;) {
        ssize_t r = write(t->fd, pkt, len);
        if (r >= 0)
            return (size_t)r == len ? 0 : -EIO;
        if (errno != EINTR)
            return -errno;
    }
}
