/* Address pools: several named pools, each a set of IPv4 ranges or IPv6
 * prefix ranges, from which sessions get their address (IPCP, RFC 1332
 * §3.3) or their IPv6 prefix (delegated / advertised /64s).
 *
 * Allocation hands out the least recently released free address first
 * (a FIFO free list threaded through index arrays), so a just-released
 * address is not immediately given to someone else while stale routes or
 * peers may still point at it. Allocate, allocate-specific, release and
 * in-use checks are O(1) apart from finding the range an address belongs to
 * (binary search over the pool's few ranges). No allocation after
 * configuration. Pools of one set never overlap.
 *
 * IPv4 addresses are host byte order (10.0.0.1 == 0x0a000001). IPv6
 * prefixes are 16 bytes network order. */
#ifndef L2TPX_AAA_POOL_H
#define L2TPX_AAA_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aaa_pool_set;
struct aaa_pool;

/* Addresses per pool, bounding memory to ~9 bytes per address. */
#define AAA_POOL_MAX_ADDRS (1u << 22)
#define AAA_POOL_NAME_MAX  64

struct aaa_pool_set *aaa_pool_set_new(void);
void aaa_pool_set_free(struct aaa_pool_set *s);

/* Creates pool `name` of `family` (AF_INET: addresses; AF_INET6: prefixes).
 * 0, -EEXIST, -EINVAL (bad name/family), -ENOMEM. */
int aaa_pool_create(struct aaa_pool_set *s, const char *name, int family, struct aaa_pool **out);
struct aaa_pool *aaa_pool_find(const struct aaa_pool_set *s, const char *name);
const char *aaa_pool_name(const struct aaa_pool *p);
int aaa_pool_family(const struct aaa_pool *p);
size_t aaa_pool_count(const struct aaa_pool_set *s);
struct aaa_pool *aaa_pool_at(const struct aaa_pool_set *s, size_t i);

/* ---- IPv4 ---- */

/* Adds "a.b.c.d-a.b.c.e", "a.b.c.d/nn" or "a.b.c.d". A CIDR block of /30
 * or shorter excludes its network and broadcast addresses (as a subnet
 * would); /31 and /32 use every address. 0, -EINVAL (syntax, wrong
 * family), -EEXIST (overlaps a range of any pool in the set), -E2BIG
 * (pool larger than AAA_POOL_MAX_ADDRS), -ENOMEM. */
int aaa_pool_add_range(struct aaa_pool *p, const char *spec);
int aaa_pool_add_range4(struct aaa_pool *p, uint32_t first, uint32_t last);

/* Never hands out `addr` from any pool of the set, now or from ranges added
 * later: the LNS's own address, gateways. -EADDRINUSE if allocated now. */
int aaa_pool_set_reserve4(struct aaa_pool_set *s, uint32_t addr);

/* Next free address. 0 or -ENOSPC (exhausted). */
int aaa_pool_alloc4(struct aaa_pool *p, uint32_t *addr);
/* That address (a static per-user address): 0, -EADDRINUSE (allocated or
 * reserved), -EADDRNOTAVAIL (not in this pool). */
int aaa_pool_alloc4_specific(struct aaa_pool *p, uint32_t addr);
/* 0, -ENOENT (not allocated), -EADDRNOTAVAIL (not in this pool). */
int aaa_pool_release4(struct aaa_pool *p, uint32_t addr);
bool aaa_pool_in_use4(const struct aaa_pool *p, uint32_t addr);
bool aaa_pool_contains4(const struct aaa_pool *p, uint32_t addr);

/* Static addresses from the secrets backend may lie inside a pool or
 * outside every pool. claim marks it used wherever it belongs (the owning
 * pool, or a set-wide list of static addresses), so it can never be
 * handed out twice. 0, -EADDRINUSE, -ENOMEM. release undoes it (-ENOENT). */
int aaa_pool_set_claim4(struct aaa_pool_set *s, uint32_t addr);
int aaa_pool_set_release4(struct aaa_pool_set *s, uint32_t addr);
bool aaa_pool_set_in_use4(const struct aaa_pool_set *s, uint32_t addr);
/* The pool holding addr, or NULL. */
struct aaa_pool *aaa_pool_set_owner4(const struct aaa_pool_set *s, uint32_t addr);

/* ---- IPv6 prefixes ---- */

/* Adds the prefixes of length child_plen inside "2001:db8:100::/40"
 * (e.g. child_plen 64: one /64 per user, or 56 for delegation).
 * child_plen >= the block's length, <= 128. Errors as aaa_pool_add_range. */
int aaa_pool_add_prefix6(struct aaa_pool *p, const char *spec, unsigned child_plen);

int aaa_pool_alloc6(struct aaa_pool *p, uint8_t prefix[16], unsigned *plen);
int aaa_pool_alloc6_specific(struct aaa_pool *p, const uint8_t prefix[16]);
int aaa_pool_release6(struct aaa_pool *p, const uint8_t prefix[16]);
bool aaa_pool_in_use6(const struct aaa_pool *p, const uint8_t prefix[16]);

/* ---- statistics ---- */

struct aaa_pool_stats {
    size_t size;     /* addresses/prefixes in all ranges */
    size_t used;     /* allocated */
    size_t reserved; /* excluded by aaa_pool_set_reserve4 */
};
void aaa_pool_get_stats(const struct aaa_pool *p, struct aaa_pool_stats *st);

#endif
