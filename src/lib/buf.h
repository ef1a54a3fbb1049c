/* Bounds-checked readers and writers over byte buffers.
 *
 * Every byte from the network is hostile: the reader never reads past its
 * end. An out-of-range read sets a sticky error flag and yields zeros, so a
 * parser can read a whole structure and check `r->err` once at the end.
 * The writer likewise never writes past its capacity. Network byte order. */
#ifndef L2TPX_LIB_BUF_H
#define L2TPX_LIB_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct lx_rd {
    const uint8_t *p;
    size_t len;
    size_t off;
    bool err;
};

struct lx_wr {
    uint8_t *p;
    size_t cap;
    size_t len;
    bool err;
};

static inline void lx_rd_init(struct lx_rd *r, const void *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->off = 0;
    r->err = false;
}

static inline size_t lx_rd_left(const struct lx_rd *r)
{
    return r->err ? 0 : r->len - r->off;
}

static inline bool lx_rd_need(struct lx_rd *r, size_t n)
{
    if (r->err || r->len - r->off < n) {
        r->err = true;
        return false;
    }
    return true;
}

static inline uint8_t lx_rd_u8(struct lx_rd *r)
{
    if (!lx_rd_need(r, 1))
        return 0;
    return r->p[r->off++];
}

static inline uint16_t lx_rd_u16(struct lx_rd *r)
{
    if (!lx_rd_need(r, 2))
        return 0;
    uint16_t v = (uint16_t)((r->p[r->off] << 8) | r->p[r->off + 1]);
    r->off += 2;
    return v;
}

static inline uint32_t lx_rd_u32(struct lx_rd *r)
{
    if (!lx_rd_need(r, 4))
        return 0;
    const uint8_t *b = r->p + r->off;
    r->off += 4;
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

static inline uint64_t lx_rd_u64(struct lx_rd *r)
{
    uint64_t hi = lx_rd_u32(r);
    return (hi << 32) | lx_rd_u32(r);
}

/* Returns a pointer to the next n bytes (inside the buffer) or NULL. */
static inline const uint8_t *lx_rd_ptr(struct lx_rd *r, size_t n)
{
    if (!lx_rd_need(r, n))
        return NULL;
    const uint8_t *q = r->p + r->off;
    r->off += n;
    return q;
}

static inline bool lx_rd_copy(struct lx_rd *r, void *dst, size_t n)
{
    const uint8_t *q = lx_rd_ptr(r, n);
    if (q == NULL)
        return false;
    memcpy(dst, q, n);
    return true;
}

static inline void lx_rd_skip(struct lx_rd *r, size_t n)
{
    (void)lx_rd_ptr(r, n);
}

static inline void lx_wr_init(struct lx_wr *w, void *p, size_t cap)
{
    w->p = p;
    w->cap = cap;
    w->len = 0;
    w->err = false;
}

static inline bool lx_wr_need(struct lx_wr *w, size_t n)
{
    if (w->err || w->cap - w->len < n) {
        w->err = true;
        return false;
    }
    return true;
}

static inline void lx_wr_u8(struct lx_wr *w, uint8_t v)
{
    if (lx_wr_need(w, 1))
        w->p[w->len++] = v;
}

static inline void lx_wr_u16(struct lx_wr *w, uint16_t v)
{
    if (lx_wr_need(w, 2)) {
        w->p[w->len] = (uint8_t)(v >> 8);
        w->p[w->len + 1] = (uint8_t)v;
        w->len += 2;
    }
}

static inline void lx_wr_u32(struct lx_wr *w, uint32_t v)
{
    if (lx_wr_need(w, 4)) {
        uint8_t *b = w->p + w->len;
        b[0] = (uint8_t)(v >> 24);
        b[1] = (uint8_t)(v >> 16);
        b[2] = (uint8_t)(v >> 8);
        b[3] = (uint8_t)v;
        w->len += 4;
    }
}

static inline void lx_wr_u64(struct lx_wr *w, uint64_t v)
{
    lx_wr_u32(w, (uint32_t)(v >> 32));
    lx_wr_u32(w, (uint32_t)v);
}

static inline void lx_wr_bytes(struct lx_wr *w, const void *src, size_t n)
{
    if (n && lx_wr_need(w, n)) {
        memcpy(w->p + w->len, src, n);
        w->len += n;
    }
}

/* Reserves n bytes to be filled later (e.g. a length field); NULL on error. */
static inline uint8_t *lx_wr_reserve(struct lx_wr *w, size_t n)
{
    if (!lx_wr_need(w, n))
        return NULL;
    uint8_t *q = w->p + w->len;
    w->len += n;
    return q;
}

static inline void lx_put_u16(uint8_t *b, uint16_t v)
{
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}

static inline uint16_t lx_get_u16(const uint8_t *b)
{
    return (uint16_t)((b[0] << 8) | b[1]);
}

static inline void lx_put_u32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

static inline uint32_t lx_get_u32(const uint8_t *b)
{
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

/* Value of one hexadecimal digit, or -1 (text parsers: escapes, keys). */
static inline int lx_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
