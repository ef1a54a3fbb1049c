/* The one TUN device of the data plane (never one per session).
 *
 * IFF_TUN | IFF_NO_PI: every read returns exactly one raw IPv4 or IPv6
 * packet, every write injects one; the kernel tells the family from the
 * version nibble. The descriptor is non-blocking and close-on-exec. TUN has
 * no batch read, so net_tun_read_multi() loops read(2) into caller buffers
 * until EAGAIN or N packets; no allocation per packet. */
#ifndef L2TPX_NET_TUN_H
#define L2TPX_NET_TUN_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct net_tun {
    int fd;              /* -1 when closed */
    int ifindex;         /* 0 if unknown */
    bool persist;        /* TUNSETPERSIST was set: close() leaves the device */
    char name[IFNAMSIZ]; /* as chosen by the kernel */
};

struct net_tun_opts {
    /* Device name; NULL or "" lets the kernel choose ("tun%d"). A name with
     * "%d" is a template. An existing persistent device of that name (ours,
     * same flags) is attached to. */
    const char *name;
    bool persist;        /* keep the device after close (TUNSETPERSIST) */
    unsigned mtu;        /* 0: leave the kernel default (1500) */
    unsigned txqueuelen; /* 0: leave the default (500) */
    bool up;             /* set IFF_UP after configuration */
};

/* Opens /dev/net/tun and creates or attaches the device. 0 or -errno; on
 * failure t->fd is -1 and nothing is left behind (unless it pre-existed). */
int net_tun_open(struct net_tun *t, const struct net_tun_opts *o);

/* Closes the descriptor. A non-persistent device disappears with it. */
void net_tun_close(struct net_tun *t);

/* Clears TUNSETPERSIST on an open device so that closing removes it. */
int net_tun_set_persist(struct net_tun *t, bool persist);

/* Interface settings via ioctl on a throwaway socket (SIOCSIF*). 0 or -errno. */
int net_tun_set_mtu(const struct net_tun *t, unsigned mtu);
int net_tun_set_up(const struct net_tun *t, bool up);
int net_tun_set_txqueuelen(const struct net_tun *t, unsigned qlen);
int net_tun_get_mtu(const struct net_tun *t, unsigned *mtu);

struct net_tun_buf {
    void *data; /* caller-owned */
    size_t cap; /* bytes available at data (>= MTU; a longer packet is truncated by the kernel) */
    size_t len; /* out: packet length */
};

/* Reads up to n packets, one read(2) each. Returns the number read (0 if
 * none were waiting), or -errno if the first read failed with anything but
 * EAGAIN/EINTR. An error after at least one packet ends the batch early and
 * is reported by the next call. */
int net_tun_read_multi(const struct net_tun *t, struct net_tun_buf *bufs, unsigned n);

/* Writes one IP packet. Returns 0, -EAGAIN when the device queue is full
 * (caller drops: the user's TCP will recover), or another -errno. */
int net_tun_write(const struct net_tun *t, const void *pkt, size_t len);

#endif
