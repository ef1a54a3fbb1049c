/* Address -> session hash for the data plane: a packet read from the TUN
 * device is handed to the session whose user owns its destination address,
 * found in O(1).
 *
 * Open addressing, power-of-two table, linear probing, backward-shift
 * deletion (no tombstones, so lookups never slow down with churn); the load
 * factor stays <= 1/2 so that a miss (any destination an attacker chooses)
 * ends within a short probe run. The hash is keyed with a per-table random
 * seed (lx_random_bytes) so the layout cannot be predicted from outside.
 * Keys are IPv4 /32, IPv6 /128, or an IPv6 prefix (e.g. the /64 handed to a
 * user by router advertisement or DHCPv6-PD). Growth allocates; lookups and
 * deletions never do. */
#ifndef L2TPX_LIB_IPHASH_H
#define L2TPX_LIB_IPHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Network byte order; IPv4 in a[0..3], the rest zero. plen 32 for IPv4,
 * 1..128 for IPv6 (host bits beyond plen are cleared by lx_iphash_key6). */
struct lx_ipkey {
    uint8_t family; /* AF_INET or AF_INET6 */
    uint8_t plen;
    uint8_t a[16];
};

struct lx_iphash_slot {
    uint32_t hash; /* cached; 0 is never a stored hash value */
    struct lx_ipkey key;
    void *val;
};

struct lx_iphash {
    struct lx_iphash_slot *slots;
    size_t mask; /* capacity - 1 */
    size_t count;
    uint64_t seed[2];
    /* IPv6 prefix lengths present (bit i = plen i+1 for i < 127, plus /128),
     * so that lookups only try the lengths actually stored. */
    uint64_t v6_plens[2];
    size_t v6_plen_count[129];
};

#define LX_IPHASH_MAX_SLOTS ((size_t)1 << 26)

/* expected: entries to size for (0 is fine). 0 or -ENOMEM. */
int lx_iphash_init(struct lx_iphash *h, size_t expected);
void lx_iphash_free(struct lx_iphash *h);

void lx_ipkey4(struct lx_ipkey *k, const void *addr4);                /* 4 bytes, network order */
void lx_ipkey6(struct lx_ipkey *k, const void *addr6, unsigned plen); /* 16 bytes */

/* 0, -EEXIST (key present; value unchanged), -ENOMEM, -EINVAL. val != NULL. */
int lx_iphash_insert(struct lx_iphash *h, const struct lx_ipkey *k, void *val);
/* Exact key; NULL if absent. */
void *lx_iphash_get(const struct lx_iphash *h, const struct lx_ipkey *k);
/* Removes the key; returns its value or NULL if absent. */
void *lx_iphash_remove(struct lx_iphash *h, const struct lx_ipkey *k);

static inline size_t lx_iphash_count(const struct lx_iphash *h)
{
    return h->count;
}

/* Data-plane lookup by the destination of a raw IP packet (as read from
 * the TUN): IPv4 /32; IPv6 longest stored prefix first (/128, then e.g.
 * /64). NULL if the packet is too short, not IPv4/IPv6, or nobody owns it. */
void *lx_iphash_lookup_dst(const struct lx_iphash *h, const uint8_t *pkt, size_t len);

/* Same by the source address (for anti-spoofing on the way in). */
void *lx_iphash_lookup_src(const struct lx_iphash *h, const uint8_t *pkt, size_t len);

/* Longest-prefix lookup of one IPv6 address among the stored lengths. */
void *lx_iphash_lookup6(const struct lx_iphash *h, const uint8_t addr6[16]);
void *lx_iphash_lookup4(const struct lx_iphash *h, const uint8_t addr4[4]);

/* Calls fn for every entry (order unspecified); fn must not modify h. */
void lx_iphash_foreach(const struct lx_iphash *h,
                       void (*fn)(const struct lx_ipkey *k, void *val, void *ctx), void *ctx);

#endif
