/* Intrusive hash tables for the engine (see idtable.h). */
#include "l2tp/idtable.h"

#include <stdlib.h>
#include <string.h>

int l2tp_engine_htab_init(struct l2tp_engine_htab *h, size_t buckets)
{
    size_t nb = 8;
    while (nb < buckets)
        nb <<= 1;
    h->b = calloc(nb, sizeof(*h->b));
    h->mask = nb - 1;
    h->n = 0;
    return h->b ? 0 : -1;
}

void l2tp_engine_htab_fini(struct l2tp_engine_htab *h)
{
    free(h->b);
    h->b = NULL;
    h->mask = 0;
    h->n = 0;
}

static void htab_grow(struct l2tp_engine_htab *h)
{
    size_t nb = (h->mask + 1) * 2;
    struct l2tp_engine_hnode **b = calloc(nb, sizeof(*b));
    if (b == NULL)
        return;
    for (size_t i = 0; i <= h->mask; i++) {
        struct l2tp_engine_hnode *n = h->b[i];
        while (n) {
            struct l2tp_engine_hnode *next = n->next;
            size_t j = n->hash & (nb - 1);
            n->next = b[j];
            b[j] = n;
            n = next;
        }
    }
    free(h->b);
    h->b = b;
    h->mask = nb - 1;
}

void l2tp_engine_htab_insert(struct l2tp_engine_htab *h, struct l2tp_engine_hnode *n, uint32_t hash)
{
    if (h->b == NULL || n->linked)
        return;
    if (h->n >= h->mask + 1)
        htab_grow(h);
    n->hash = hash;
    size_t i = hash & h->mask;
    n->next = h->b[i];
    h->b[i] = n;
    n->linked = true;
    h->n++;
}

void l2tp_engine_htab_remove(struct l2tp_engine_htab *h, struct l2tp_engine_hnode *n)
{
    if (h->b == NULL || !n->linked)
        return;
    struct l2tp_engine_hnode **pp = &h->b[n->hash & h->mask];
    while (*pp) {
        if (*pp == n) {
            *pp = n->next;
            n->next = NULL;
            n->linked = false;
            h->n--;
            return;
        }
        pp = &(*pp)->next;
    }
}

/* SipHash-2-4 (Aumasson & Bernstein), written from the paper's
 * description; 64-bit output folded to 32 bits. */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND           \
    do {                   \
        v0 += v1;          \
        v1 = ROTL(v1, 13); \
        v1 ^= v0;          \
        v0 = ROTL(v0, 32); \
        v2 += v3;          \
        v3 = ROTL(v3, 16); \
        v3 ^= v2;          \
        v0 += v3;          \
        v3 = ROTL(v3, 21); \
        v3 ^= v0;          \
        v2 += v1;          \
        v1 = ROTL(v1, 17); \
        v1 ^= v2;          \
        v2 = ROTL(v2, 32); \
    } while (0)

uint32_t l2tp_engine_hash(const struct l2tp_engine_hkey *k, const void *p, size_t len)
{
    const uint8_t *in = p;
    uint64_t v0 = 0x736f6d6570736575ULL ^ k->k0;
    uint64_t v1 = 0x646f72616e646f6dULL ^ k->k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k->k0;
    uint64_t v3 = 0x7465646279746573ULL ^ k->k1;
    uint64_t b = (uint64_t)len << 56;
    size_t full = len & ~(size_t)7;

    for (size_t i = 0; i < full; i += 8) {
        uint64_t m = 0;
        for (unsigned j = 0; j < 8; j++)
            m |= (uint64_t)in[i + j] << (8 * j);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    for (size_t j = 0; j < (len & 7); j++)
        b |= (uint64_t)in[full + j] << (8 * j);
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    uint64_t h = v0 ^ v1 ^ v2 ^ v3;
    return (uint32_t)(h ^ (h >> 32));
}
