#include "lib/iphash.h"
#include "lib/rand.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define MIN_SLOTS 16u

/* 64x64 -> 128 multiply folded to 64 bits: the mixing step of wyhash-style
 * keyed hashes. Keyed with a random seed per table, so an outsider choosing
 * destination addresses cannot aim at one probe run. */
static uint64_t mum(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static uint32_t key_hash(const struct lx_iphash *h, const struct lx_ipkey *k)
{
    uint64_t tag = ((uint64_t)k->family << 8) | k->plen;
    uint64_t x = mum(load64(k->a) ^ h->seed[0], load64(k->a + 8) ^ h->seed[1]);
    x = mum(x ^ tag ^ 0xa0761d6478bd642full, h->seed[0] ^ 0xe7037ed1a0b428dbull);
    uint32_t v = (uint32_t)(x ^ (x >> 32));
    return v ? v : 1; /* 0 marks an empty slot */
}

/* Keys compare bytewise: clear everything beyond the address / prefix so
 * that equal addresses always give equal keys, whatever the caller left in
 * the unused bytes. */
static struct lx_ipkey canon(const struct lx_ipkey *k)
{
    struct lx_ipkey c;
    if (k->family == AF_INET6) {
        lx_ipkey6(&c, k->a, k->plen);
    } else {
        memset(&c, 0, sizeof c);
        c.family = k->family;
        c.plen = k->plen;
        memcpy(c.a, k->a, 4);
    }
    return c;
}

static bool key_eq(const struct lx_ipkey *a, const struct lx_ipkey *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

void lx_ipkey4(struct lx_ipkey *k, const void *addr4)
{
    memset(k, 0, sizeof *k);
    k->family = AF_INET;
    k->plen = 32;
    memcpy(k->a, addr4, 4);
}

void lx_ipkey6(struct lx_ipkey *k, const void *addr6, unsigned plen)
{
    memset(k, 0, sizeof *k);
    k->family = AF_INET6;
    if (plen > 128)
        plen = 128;
    k->plen = (uint8_t)plen;
    const uint8_t *s = addr6;
    unsigned full = plen / 8;
    memcpy(k->a, s, full);
    if (plen % 8)
        k->a[full] = (uint8_t)(s[full] & (0xff00u >> (plen % 8)));
}

static int alloc_slots(struct lx_iphash *h, size_t cap)
{
    struct lx_iphash_slot *s = calloc(cap, sizeof *s);
    if (s == NULL)
        return -ENOMEM;
    h->slots = s;
    h->mask = cap - 1;
    return 0;
}

int lx_iphash_init(struct lx_iphash *h, size_t expected)
{
    memset(h, 0, sizeof *h);
    size_t cap = MIN_SLOTS;
    while (cap < LX_IPHASH_MAX_SLOTS && cap / 2 < expected)
        cap *= 2;
    lx_random_bytes(h->seed, sizeof h->seed);
    return alloc_slots(h, cap);
}

void lx_iphash_free(struct lx_iphash *h)
{
    free(h->slots);
    h->slots = NULL;
    h->mask = 0;
    h->count = 0;
}

/* Places an entry known to be absent; the table has room. */
static void place(struct lx_iphash_slot *slots, size_t mask, const struct lx_iphash_slot *e)
{
    size_t i = e->hash & mask;
    while (slots[i].hash != 0)
        i = (i + 1) & mask;
    slots[i] = *e;
}

static int grow(struct lx_iphash *h)
{
    size_t cap = (h->mask + 1) * 2;
    if (cap > LX_IPHASH_MAX_SLOTS)
        return -ENOMEM;
    struct lx_iphash_slot *old = h->slots;
    size_t old_cap = h->mask + 1;
    struct lx_iphash_slot *s = calloc(cap, sizeof *s);
    if (s == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].hash != 0)
            place(s, cap - 1, &old[i]);
    h->slots = s;
    h->mask = cap - 1;
    free(old);
    return 0;
}

static bool key_valid(const struct lx_ipkey *k)
{
    if (k->family == AF_INET)
        return k->plen == 32;
    if (k->family == AF_INET6)
        return k->plen >= 1 && k->plen <= 128;
    return false;
}

static void plen_bit(struct lx_iphash *h, unsigned plen, bool set)
{
    unsigned b = plen - 1;
    uint64_t m = (uint64_t)1 << (b % 64);
    if (set)
        h->v6_plens[b / 64] |= m;
    else
        h->v6_plens[b / 64] &= ~m;
}

int lx_iphash_insert(struct lx_iphash *h, const struct lx_ipkey *key, void *val)
{
    if (h->slots == NULL || val == NULL || !key_valid(key))
        return -EINVAL;
    struct lx_ipkey c = canon(key);
    const struct lx_ipkey *k = &c;
    if (lx_iphash_get(h, k) != NULL)
        return -EEXIST;
    /* Load factor <= 1/2 keeps probe runs short for hits and misses alike. */
    if ((h->count + 1) * 2 > h->mask + 1) {
        int rc = grow(h);
        if (rc < 0)
            return rc;
    }
    struct lx_iphash_slot e = {.hash = key_hash(h, k), .key = *k, .val = val};
    place(h->slots, h->mask, &e);
    h->count++;
    if (k->family == AF_INET6 && h->v6_plen_count[k->plen]++ == 0)
        plen_bit(h, k->plen, true);
    return 0;
}

static size_t find(const struct lx_iphash *h, const struct lx_ipkey *k, uint32_t hash)
{
    size_t i = hash & h->mask;
    for (;;) {
        const struct lx_iphash_slot *s = &h->slots[i];
        if (s->hash == 0)
            return SIZE_MAX;
        if (s->hash == hash && key_eq(&s->key, k))
            return i;
        i = (i + 1) & h->mask;
    }
}

/* k is already canonical (built by lx_ipkey4/lx_ipkey6). */
static void *get_canon(const struct lx_iphash *h, const struct lx_ipkey *k)
{
    if (h->slots == NULL || h->count == 0)
        return NULL;
    size_t i = find(h, k, key_hash(h, k));
    return i == SIZE_MAX ? NULL : h->slots[i].val;
}

void *lx_iphash_get(const struct lx_iphash *h, const struct lx_ipkey *key)
{
    struct lx_ipkey c = canon(key);
    return get_canon(h, &c);
}

void *lx_iphash_remove(struct lx_iphash *h, const struct lx_ipkey *key)
{
    if (h->slots == NULL || h->count == 0 || !key_valid(key))
        return NULL;
    struct lx_ipkey c = canon(key);
    const struct lx_ipkey *k = &c;
    size_t i = find(h, k, key_hash(h, k));
    if (i == SIZE_MAX)
        return NULL;
    void *val = h->slots[i].val;
    /* Backward-shift deletion: pull later members of the probe run into the
     * hole when that does not move them before their home slot. */
    size_t j = i;
    for (;;) {
        j = (j + 1) & h->mask;
        struct lx_iphash_slot *s = &h->slots[j];
        if (s->hash == 0)
            break;
        size_t home = s->hash & h->mask;
        if (((j - home) & h->mask) >= ((j - i) & h->mask)) {
            h->slots[i] = *s;
            i = j;
        }
    }
    memset(&h->slots[i], 0, sizeof h->slots[i]);
    h->count--;
    if (k->family == AF_INET6 && --h->v6_plen_count[k->plen] == 0)
        plen_bit(h, k->plen, false);
    return val;
}

void *lx_iphash_lookup4(const struct lx_iphash *h, const uint8_t addr4[4])
{
    struct lx_ipkey k;
    lx_ipkey4(&k, addr4);
    return get_canon(h, &k);
}

void *lx_iphash_lookup6(const struct lx_iphash *h, const uint8_t addr6[16])
{
    /* Longest stored prefix length first; typically /128 and /64 only. */
    for (int w = 1; w >= 0; w--) {
        uint64_t bits = h->v6_plens[w];
        while (bits != 0) {
            int top = 63 - __builtin_clzll(bits);
            bits &= ~((uint64_t)1 << top);
            unsigned plen = (unsigned)(w * 64 + top + 1);
            struct lx_ipkey k;
            lx_ipkey6(&k, addr6, plen);
            void *v = get_canon(h, &k);
            if (v != NULL)
                return v;
        }
    }
    return NULL;
}

static void *lookup_at(const struct lx_iphash *h, const uint8_t *pkt, size_t len, size_t off4,
                       size_t off6)
{
    if (pkt == NULL || len < 1)
        return NULL;
    switch (pkt[0] >> 4) {
    case 4:
        return len >= 20 ? lx_iphash_lookup4(h, pkt + off4) : NULL;
    case 6:
        return len >= 40 ? lx_iphash_lookup6(h, pkt + off6) : NULL;
    default:
        return NULL;
    }
}

void *lx_iphash_lookup_dst(const struct lx_iphash *h, const uint8_t *pkt, size_t len)
{
    return lookup_at(h, pkt, len, 16, 24); /* RFC 791 / RFC 8200 header layout */
}

void *lx_iphash_lookup_src(const struct lx_iphash *h, const uint8_t *pkt, size_t len)
{
    return lookup_at(h, pkt, len, 12, 8);
}

void lx_iphash_foreach(const struct lx_iphash *h,
                       void (*fn)(const struct lx_ipkey *k, void *val, void *ctx), void *ctx)
{
    if (h->slots == NULL)
        return;
    for (size_t i = 0; i <= h->mask; i++)
        if (h->slots[i].hash != 0)
            fn(&h->slots[i].key, h->slots[i].val, ctx);
}
