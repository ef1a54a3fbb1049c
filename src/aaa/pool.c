#include "aaa/pool.h"

#include "lib/buf.h"
#include "lib/iphash.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef unsigned __int128 u128;

#define NIL UINT32_MAX

enum slot_state {
    SLOT_FREE = 0,
    SLOT_USED = 1,
    SLOT_RESERVED = 2,
};

/* A run of `count` consecutive addresses (or prefixes of 2^shift
 * addresses each) starting at `first`, mapped to slot indices idx0.. */
struct range {
    u128 first;
    uint32_t count;
    uint32_t idx0;
};

struct aaa_pool {
    struct aaa_pool_set *set;
    char name[AAA_POOL_NAME_MAX];
    int family;
    unsigned child_plen;  /* 32 for IPv4; IPv6: length of the prefixes handed out */
    unsigned shift;       /* address bits below a handed-out unit: 128 - child_plen, 0 for IPv4 */
    struct range *ranges; /* sorted by first, non-overlapping */
    size_t nranges;
    /* Per slot: state and the doubly linked FIFO free list. */
    uint8_t *state;
    uint32_t *next, *prev;
    uint32_t size;
    uint32_t head, tail;
    size_t used, reserved;
};

struct aaa_pool_set {
    struct aaa_pool **pools;
    size_t npools;
    uint32_t *reserved4; /* set-wide exclusions, also applied to later ranges */
    size_t nreserved4;
    struct lx_iphash statics; /* claimed static IPv4 addresses outside every pool */
};

/* ------------------------------------------------------------ helpers */

static u128 load128(const uint8_t b[16])
{
    u128 v = 0;
    for (int i = 0; i < 16; i++)
        v = (v << 8) | b[i];
    return v;
}

static void store128(uint8_t b[16], u128 v)
{
    for (int i = 15; i >= 0; i--) {
        b[i] = (uint8_t)v;
        v >>= 8;
    }
}

static u128 unit_mask(const struct aaa_pool *p)
{
    return p->shift >= 128 ? ~(u128)0 : (((u128)1 << p->shift) - 1);
}

static u128 range_end(const struct aaa_pool *p, const struct range *r)
{
    return r->first + ((u128)r->count << p->shift); /* exclusive */
}

/* Slot index of address a, or NIL if a is in no range of p. */
static uint32_t slot_of(const struct aaa_pool *p, u128 a)
{
    a &= ~unit_mask(p);
    size_t lo = 0, hi = p->nranges;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct range *r = &p->ranges[mid];
        if (a < r->first)
            hi = mid;
        else if (a >= range_end(p, r))
            lo = mid + 1;
        else
            return r->idx0 + (uint32_t)((a - r->first) >> p->shift);
    }
    return NIL;
}

static u128 addr_of(const struct aaa_pool *p, uint32_t idx)
{
    for (size_t i = 0; i < p->nranges; i++) {
        const struct range *r = &p->ranges[i];
        if (idx >= r->idx0 && idx - r->idx0 < r->count)
            return r->first + ((u128)(idx - r->idx0) << p->shift);
    }
    return 0; /* unreachable for a valid index */
}

static void fl_push_tail(struct aaa_pool *p, uint32_t i)
{
    p->next[i] = NIL;
    p->prev[i] = p->tail;
    if (p->tail != NIL)
        p->next[p->tail] = i;
    else
        p->head = i;
    p->tail = i;
}

static void fl_unlink(struct aaa_pool *p, uint32_t i)
{
    if (p->prev[i] != NIL)
        p->next[p->prev[i]] = p->next[i];
    else
        p->head = p->next[i];
    if (p->next[i] != NIL)
        p->prev[p->next[i]] = p->prev[i];
    else
        p->tail = p->prev[i];
    p->next[i] = p->prev[i] = NIL;
}

/* ---------------------------------------------------------------- set */

struct aaa_pool_set *aaa_pool_set_new(void)
{
    struct aaa_pool_set *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    if (lx_iphash_init(&s->statics, 0) < 0) {
        free(s);
        return NULL;
    }
    return s;
}

static void pool_free(struct aaa_pool *p)
{
    free(p->ranges);
    free(p->state);
    free(p->next);
    free(p->prev);
    free(p);
}

void aaa_pool_set_free(struct aaa_pool_set *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->npools; i++)
        pool_free(s->pools[i]);
    free(s->pools);
    free(s->reserved4);
    lx_iphash_free(&s->statics);
    free(s);
}

int aaa_pool_create(struct aaa_pool_set *s, const char *name, int family, struct aaa_pool **out)
{
    if (name == NULL || name[0] == '\0' || strlen(name) >= AAA_POOL_NAME_MAX)
        return -EINVAL;
    if (family != AF_INET && family != AF_INET6)
        return -EINVAL;
    if (aaa_pool_find(s, name) != NULL)
        return -EEXIST;
    struct aaa_pool **v = realloc(s->pools, (s->npools + 1) * sizeof *v);
    if (v == NULL)
        return -ENOMEM;
    s->pools = v;
    struct aaa_pool *p = calloc(1, sizeof *p);
    if (p == NULL)
        return -ENOMEM;
    p->set = s;
    memcpy(p->name, name, strlen(name) + 1);
    p->family = family;
    p->child_plen = family == AF_INET ? 32 : 0; /* IPv6: fixed by the first prefix range */
    p->head = p->tail = NIL;
    s->pools[s->npools++] = p;
    if (out != NULL)
        *out = p;
    return 0;
}

struct aaa_pool *aaa_pool_find(const struct aaa_pool_set *s, const char *name)
{
    for (size_t i = 0; i < s->npools; i++)
        if (strcmp(s->pools[i]->name, name) == 0)
            return s->pools[i];
    return NULL;
}

const char *aaa_pool_name(const struct aaa_pool *p)
{
    return p->name;
}

int aaa_pool_family(const struct aaa_pool *p)
{
    return p->family;
}

size_t aaa_pool_count(const struct aaa_pool_set *s)
{
    return s->npools;
}

struct aaa_pool *aaa_pool_at(const struct aaa_pool_set *s, size_t i)
{
    return i < s->npools ? s->pools[i] : NULL;
}

/* ------------------------------------------------------------- ranges */

static bool overlaps_set(const struct aaa_pool_set *s, int family, u128 first, u128 end)
{
    for (size_t i = 0; i < s->npools; i++) {
        const struct aaa_pool *q = s->pools[i];
        if (q->family != family)
            continue;
        for (size_t j = 0; j < q->nranges; j++) {
            const struct range *r = &q->ranges[j];
            if (first < range_end(q, r) && r->first < end)
                return true;
        }
    }
    return false;
}

static void reserve_slot(struct aaa_pool *p, uint32_t i)
{
    if (p->state[i] == SLOT_FREE) {
        fl_unlink(p, i);
        p->state[i] = SLOT_RESERVED;
        p->reserved++;
    }
}

/* Adds count units starting at first (already aligned and validated). */
static int add_units(struct aaa_pool *p, u128 first, uint32_t count)
{
    u128 end = first + ((u128)count << p->shift);
    if (overlaps_set(p->set, p->family, first, end))
        return -EEXIST;
    if (count > AAA_POOL_MAX_ADDRS || p->size > AAA_POOL_MAX_ADDRS - count)
        return -E2BIG;
    uint32_t n = p->size + count;
    /* Grow every array before touching any state, so failure leaves the
     * pool as it was (a larger allocation is harmless). */
    uint8_t *st = realloc(p->state, n);
    if (st == NULL)
        return -ENOMEM;
    p->state = st;
    uint32_t *nx = realloc(p->next, (size_t)n * sizeof *nx);
    if (nx == NULL)
        return -ENOMEM;
    p->next = nx;
    uint32_t *pv = realloc(p->prev, (size_t)n * sizeof *pv);
    if (pv == NULL)
        return -ENOMEM;
    p->prev = pv;
    struct range *rs = realloc(p->ranges, (p->nranges + 1) * sizeof *rs);
    if (rs == NULL)
        return -ENOMEM;
    p->ranges = rs;

    size_t at = 0;
    while (at < p->nranges && p->ranges[at].first < first)
        at++;
    memmove(&p->ranges[at + 1], &p->ranges[at], (p->nranges - at) * sizeof *rs);
    p->ranges[at] = (struct range){.first = first, .count = count, .idx0 = p->size};
    p->nranges++;
    for (uint32_t i = p->size; i < n; i++) {
        p->state[i] = SLOT_FREE;
        fl_push_tail(p, i);
    }
    p->size = n;
    if (p->family == AF_INET) {
        for (size_t i = 0; i < p->set->nreserved4; i++) {
            uint32_t idx = slot_of(p, p->set->reserved4[i]);
            if (idx != NIL)
                reserve_slot(p, idx);
        }
    }
    return 0;
}

int aaa_pool_add_range4(struct aaa_pool *p, uint32_t first, uint32_t last)
{
    if (p->family != AF_INET || last < first)
        return -EINVAL;
    uint64_t count = (uint64_t)last - first + 1;
    if (count > AAA_POOL_MAX_ADDRS)
        return -E2BIG;
    return add_units(p, first, (uint32_t)count);
}

static bool parse_v4(const char *s, uint32_t *out)
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1)
        return false;
    *out = ntohl(a.s_addr);
    return true;
}

static bool parse_plen(const char *s, unsigned max, unsigned *out)
{
    if (*s < '0' || *s > '9')
        return false;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*end != '\0' || v > max)
        return false;
    *out = (unsigned)v;
    return true;
}

/* Copies spec without surrounding blanks and splits it at the first `sep`
 * character found from `seps`. */
static bool split_spec(const char *spec, char *buf, size_t cap, const char *seps, char **rhs,
                       char *sep)
{
    while (*spec == ' ' || *spec == '\t')
        spec++;
    size_t n = strlen(spec);
    while (n > 0 && (spec[n - 1] == ' ' || spec[n - 1] == '\t' || spec[n - 1] == '\n'))
        n--;
    if (n == 0 || n >= cap)
        return false;
    memcpy(buf, spec, n);
    buf[n] = '\0';
    *rhs = NULL;
    *sep = '\0';
    char *q = strpbrk(buf, seps);
    if (q != NULL) {
        *sep = *q;
        *q = '\0';
        /* tolerate "a - b" */
        for (char *t = q - 1; t >= buf && (*t == ' ' || *t == '\t'); t--)
            *t = '\0';
        q++;
        while (*q == ' ' || *q == '\t')
            q++;
        *rhs = q;
    }
    return true;
}

int aaa_pool_add_range(struct aaa_pool *p, const char *spec)
{
    if (p->family != AF_INET || spec == NULL)
        return -EINVAL;
    char buf[64], *rhs, sep;
    if (!split_spec(spec, buf, sizeof buf, "-/", &rhs, &sep))
        return -EINVAL;
    uint32_t a, b;
    if (!parse_v4(buf, &a))
        return -EINVAL;
    if (sep == '\0')
        return aaa_pool_add_range4(p, a, a);
    if (sep == '-') {
        if (!parse_v4(rhs, &b) || b < a)
            return -EINVAL;
        return aaa_pool_add_range4(p, a, b);
    }
    unsigned plen;
    if (!parse_plen(rhs, 32, &plen))
        return -EINVAL;
    uint32_t mask = plen == 0 ? 0 : 0xffffffffu << (32 - plen);
    if ((a & ~mask) != 0) /* host bits set: most likely a typo */
        return -EINVAL;
    uint32_t last = a | ~mask;
    if (plen <= 30) {
        /* A subnet's network and broadcast addresses are never handed out. */
        a++;
        last--;
    }
    if ((uint64_t)last - a + 1 > AAA_POOL_MAX_ADDRS)
        return -E2BIG;
    return aaa_pool_add_range4(p, a, last);
}

int aaa_pool_add_prefix6(struct aaa_pool *p, const char *spec, unsigned child_plen)
{
    if (p->family != AF_INET6 || spec == NULL || child_plen == 0 || child_plen > 128)
        return -EINVAL;
    if (p->child_plen != 0 && p->child_plen != child_plen)
        return -EINVAL; /* one prefix size per pool */
    char buf[64], *rhs, sep;
    if (!split_spec(spec, buf, sizeof buf, "/", &rhs, &sep) || sep != '/')
        return -EINVAL;
    uint8_t b[16];
    unsigned plen;
    if (inet_pton(AF_INET6, buf, b) != 1 || !parse_plen(rhs, 128, &plen) || plen > child_plen)
        return -EINVAL;
    if (child_plen - plen > 31 || (1u << (child_plen - plen)) > AAA_POOL_MAX_ADDRS)
        return -E2BIG;
    u128 first = load128(b);
    u128 host = plen == 0 ? ~(u128)0 : (plen == 128 ? 0 : (((u128)1 << (128 - plen)) - 1));
    if ((first & host) != 0)
        return -EINVAL;
    unsigned old_child = p->child_plen, old_shift = p->shift;
    p->child_plen = child_plen;
    p->shift = 128 - child_plen;
    int rc = add_units(p, first, 1u << (child_plen - plen));
    if (rc < 0 && p->nranges == 0) {
        p->child_plen = old_child;
        p->shift = old_shift;
    }
    return rc;
}

/* ---------------------------------------------------------- allocation */

static int pool_alloc(struct aaa_pool *p, u128 *a)
{
    uint32_t i = p->head;
    if (i == NIL)
        return -ENOSPC;
    fl_unlink(p, i);
    p->state[i] = SLOT_USED;
    p->used++;
    *a = addr_of(p, i);
    return 0;
}

static int pool_alloc_specific(struct aaa_pool *p, u128 a)
{
    uint32_t i = slot_of(p, a);
    if (i == NIL)
        return -EADDRNOTAVAIL;
    if (p->state[i] != SLOT_FREE)
        return -EADDRINUSE;
    fl_unlink(p, i);
    p->state[i] = SLOT_USED;
    p->used++;
    return 0;
}

static int pool_release(struct aaa_pool *p, u128 a)
{
    uint32_t i = slot_of(p, a);
    if (i == NIL)
        return -EADDRNOTAVAIL;
    if (p->state[i] != SLOT_USED)
        return -ENOENT;
    p->state[i] = SLOT_FREE;
    p->used--;
    fl_push_tail(p, i); /* least recently released is reused first */
    return 0;
}

static bool pool_in_use(const struct aaa_pool *p, u128 a)
{
    uint32_t i = slot_of(p, a);
    return i != NIL && p->state[i] == SLOT_USED;
}

int aaa_pool_alloc4(struct aaa_pool *p, uint32_t *addr)
{
    if (p->family != AF_INET)
        return -EINVAL;
    u128 a;
    int rc = pool_alloc(p, &a);
    if (rc == 0)
        *addr = (uint32_t)a;
    return rc;
}

int aaa_pool_alloc4_specific(struct aaa_pool *p, uint32_t addr)
{
    return p->family == AF_INET ? pool_alloc_specific(p, addr) : -EINVAL;
}

int aaa_pool_release4(struct aaa_pool *p, uint32_t addr)
{
    return p->family == AF_INET ? pool_release(p, addr) : -EINVAL;
}

bool aaa_pool_in_use4(const struct aaa_pool *p, uint32_t addr)
{
    return p->family == AF_INET && pool_in_use(p, addr);
}

bool aaa_pool_contains4(const struct aaa_pool *p, uint32_t addr)
{
    return p->family == AF_INET && slot_of(p, addr) != NIL;
}

int aaa_pool_alloc6(struct aaa_pool *p, uint8_t prefix[16], unsigned *plen)
{
    if (p->family != AF_INET6)
        return -EINVAL;
    u128 a;
    int rc = pool_alloc(p, &a);
    if (rc == 0) {
        store128(prefix, a);
        if (plen != NULL)
            *plen = p->child_plen;
    }
    return rc;
}

int aaa_pool_alloc6_specific(struct aaa_pool *p, const uint8_t prefix[16])
{
    return p->family == AF_INET6 ? pool_alloc_specific(p, load128(prefix)) : -EINVAL;
}

int aaa_pool_release6(struct aaa_pool *p, const uint8_t prefix[16])
{
    return p->family == AF_INET6 ? pool_release(p, load128(prefix)) : -EINVAL;
}

bool aaa_pool_in_use6(const struct aaa_pool *p, const uint8_t prefix[16])
{
    return p->family == AF_INET6 && pool_in_use(p, load128(prefix));
}

/* ---------------------------------------------------- set-wide IPv4 ops */

struct aaa_pool *aaa_pool_set_owner4(const struct aaa_pool_set *s, uint32_t addr)
{
    for (size_t i = 0; i < s->npools; i++)
        if (aaa_pool_contains4(s->pools[i], addr))
            return s->pools[i];
    return NULL;
}

static bool is_reserved4(const struct aaa_pool_set *s, uint32_t addr)
{
    for (size_t i = 0; i < s->nreserved4; i++)
        if (s->reserved4[i] == addr)
            return true;
    return false;
}

int aaa_pool_set_reserve4(struct aaa_pool_set *s, uint32_t addr)
{
    if (is_reserved4(s, addr))
        return 0;
    struct aaa_pool *p = aaa_pool_set_owner4(s, addr);
    uint32_t idx = p != NULL ? slot_of(p, addr) : NIL;
    if (idx != NIL && p->state[idx] == SLOT_USED)
        return -EADDRINUSE;
    if (aaa_pool_set_in_use4(s, addr))
        return -EADDRINUSE;
    uint32_t *v = realloc(s->reserved4, (s->nreserved4 + 1) * sizeof *v);
    if (v == NULL)
        return -ENOMEM;
    s->reserved4 = v;
    s->reserved4[s->nreserved4++] = addr;
    if (idx != NIL)
        reserve_slot(p, idx);
    return 0;
}

static void key4(struct lx_ipkey *k, uint32_t addr)
{
    uint8_t b[4];
    lx_put_u32(b, addr);
    lx_ipkey4(k, b);
}

int aaa_pool_set_claim4(struct aaa_pool_set *s, uint32_t addr)
{
    struct aaa_pool *p = aaa_pool_set_owner4(s, addr);
    if (p != NULL)
        return aaa_pool_alloc4_specific(p, addr);
    if (is_reserved4(s, addr))
        return -EADDRINUSE;
    struct lx_ipkey k;
    key4(&k, addr);
    int rc = lx_iphash_insert(&s->statics, &k, s);
    return rc == -EEXIST ? -EADDRINUSE : rc;
}

int aaa_pool_set_release4(struct aaa_pool_set *s, uint32_t addr)
{
    struct aaa_pool *p = aaa_pool_set_owner4(s, addr);
    if (p != NULL)
        return aaa_pool_release4(p, addr);
    struct lx_ipkey k;
    key4(&k, addr);
    return lx_iphash_remove(&s->statics, &k) != NULL ? 0 : -ENOENT;
}

bool aaa_pool_set_in_use4(const struct aaa_pool_set *s, uint32_t addr)
{
    struct aaa_pool *p = aaa_pool_set_owner4(s, addr);
    if (p != NULL)
        return aaa_pool_in_use4(p, addr);
    struct lx_ipkey k;
    key4(&k, addr);
    return lx_iphash_get(&s->statics, &k) != NULL;
}

void aaa_pool_get_stats(const struct aaa_pool *p, struct aaa_pool_stats *st)
{
    st->size = p->size;
    st->used = p->used;
    st->reserved = p->reserved;
}
