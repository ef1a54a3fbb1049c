/* Internal to the engine: intrusive chained hash tables with a keyed hash.
 *
 * Tunnels are found by our tunnel ID (and by (peer address, port, peer's
 * tunnel ID) for retransmitted SCCRQs) and sessions by their ID within a
 * tunnel, both in O(1) per datagram. The hash is SipHash-2-4
 * under a random per-engine key, so a hostile peer that chooses source ports
 * and Assigned Tunnel IDs cannot aim every entry at one bucket. */
#ifndef L2TPX_L2TP_IDTABLE_H
#define L2TPX_L2TP_IDTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct l2tp_engine_hnode {
    struct l2tp_engine_hnode *next;
    uint32_t hash;
    bool linked;
};

struct l2tp_engine_htab {
    struct l2tp_engine_hnode **b;
    size_t mask; /* buckets - 1 (power of two) */
    size_t n;
};

struct l2tp_engine_hkey {
    uint64_t k0, k1;
};

/* Returns 0, or -1 when out of memory. */
int l2tp_engine_htab_init(struct l2tp_engine_htab *h, size_t buckets);
void l2tp_engine_htab_fini(struct l2tp_engine_htab *h);
/* Grows the bucket array when the load passes 1; growing is best-effort
 * (a failed grow only makes chains longer). */
void l2tp_engine_htab_insert(struct l2tp_engine_htab *h, struct l2tp_engine_hnode *n,
                             uint32_t hash);
void l2tp_engine_htab_remove(struct l2tp_engine_htab *h, struct l2tp_engine_hnode *n);
/* First / next node whose hash equals `hash` (callers compare keys).
 * Inline: two of these run per data message. */
static inline struct l2tp_engine_hnode *l2tp_engine_htab_first(const struct l2tp_engine_htab *h,
                                                               uint32_t hash)
{
    if (h->b == NULL)
        return NULL;
    struct l2tp_engine_hnode *n = h->b[hash & h->mask];
    while (n && n->hash != hash)
        n = n->next;
    return n;
}

static inline struct l2tp_engine_hnode *l2tp_engine_htab_next(const struct l2tp_engine_hnode *n,
                                                              uint32_t hash)
{
    struct l2tp_engine_hnode *m = n->next;
    while (m && m->hash != hash)
        m = m->next;
    return m;
}

uint32_t l2tp_engine_hash(const struct l2tp_engine_hkey *k, const void *p, size_t len);

/* Hash of an ID we assigned ourselves (local Tunnel and Session IDs, RFC
 * 2661 §5.3): those are drawn at random, never chosen by the peer, so a
 * keyed bijection spreads them as well as SipHash would, at a fraction of
 * the cost on the data path. Never use it for peer-chosen keys. */
static inline uint32_t l2tp_engine_hash_id(const struct l2tp_engine_hkey *k, uint16_t id)
{
    /* Odd multiplier: a bijection on 32 bits whose low bits (the bucket)
     * depend only on the low bits of the (random) ID. */
    return ((uint32_t)id ^ (uint32_t)k->k0) * 0x9e3779b1u;
}

#endif
