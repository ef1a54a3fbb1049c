/* IPv6CP: RFC 5072 §4.1 Interface-Identifier negotiation. */
#include "ppp/ipv6cp.h"

#include <string.h>

#include "lib/log.h"
#include "lib/rand.h"
#include "ppp/ppp.h"

/* RFC 5072 §4.1: the "u" bit (bit 6 in canonical order, 0x02 of the first
 * octet) is 0 for identifiers not derived from a global IEEE identifier. */
#define IFID_U_BIT (0x02ULL << 56)

static struct ppp_ipv6cp *ipv6cp_of(struct ppp_fsm *f)
{
    return f->pctx;
}

static uint64_t random_ifid(uint64_t avoid1, uint64_t avoid2)
{
    for (int i = 0; i < 16; i++) {
        uint64_t v;
        lx_random_bytes(&v, sizeof(v));
        v &= ~IFID_U_BIT;
        if (v != 0 && v != avoid1 && v != avoid2)
            return v;
    }
    uint64_t v = ((avoid1 ^ avoid2) + 1) & ~IFID_U_BIT;
    while (v == 0 || v == avoid1 || v == avoid2)
        v = (v + 1) & ~IFID_U_BIT;
    return v;
}

/* A non-zero identifier for the peer, different from ours (§4.1). */
static uint64_t suggestion(const struct ppp_ipv6cp *c)
{
    uint64_t s = c->cfg.peer_ifid;
    if (s != 0 && s != c->ifid)
        return s;
    return random_ifid(c->ifid, 0);
}

static void ipv6cp_reset(struct ppp_fsm *f)
{
    struct ppp_ipv6cp *c = ipv6cp_of(f);
    c->want_ifid = true;
    /* §4.1: a reproducible identifier is preferred (the configured one);
     * otherwise random with the u bit clear. */
    c->ifid = c->cfg.ifid ? c->cfg.ifid : random_ifid(c->cfg.peer_ifid, 0);
    c->last_nak_sent = 0;
    c->his_ifid_set = false;
    c->his_ifid = 0;
}

static void ipv6cp_build_req(struct ppp_fsm *f, struct lx_wr *w)
{
    struct ppp_ipv6cp *c = ipv6cp_of(f);
    if (c->want_ifid) {
        uint8_t b[8];
        lx_put_u32(b, (uint32_t)(c->ifid >> 32));
        lx_put_u32(b + 4, (uint32_t)c->ifid);
        ppp_fsm_opt_put(w, PPP_IPV6CP_OPT_IFID, b, 8);
    }
}

static uint64_t get_u64(const uint8_t *p)
{
    return ((uint64_t)lx_get_u32(p) << 32) | lx_get_u32(p + 4);
}

static void put_ifid(struct lx_wr *w, uint64_t v)
{
    uint8_t b[8];
    lx_put_u32(b, (uint32_t)(v >> 32));
    lx_put_u32(b + 4, (uint32_t)v);
    ppp_fsm_opt_put(w, PPP_IPV6CP_OPT_IFID, b, 8);
}

static bool ipv6cp_nak(struct ppp_fsm *f, const uint8_t *opts, size_t len)
{
    struct ppp_ipv6cp *c = ipv6cp_of(f);
    struct ppp_fsm_opt_iter it;
    struct ppp_fsm_opt o;
    uint64_t ifid = c->ifid;
    ppp_fsm_opt_iter_init(&it, opts, len);
    while (ppp_fsm_opt_next(&it, &o)) {
        if (o.type != PPP_IPV6CP_OPT_IFID || !c->want_ifid)
            continue;
        if (o.len != 8)
            return false;
        uint64_t v = get_u64(o.data);
        /* §4.1: a suggestion different from the one we last Nak'd to the
         * peer is unique: use it. Equal (or zero) means a likely loop or a
         * useless hint: pick a new one ourselves. */
        if (v != 0 && v != c->last_nak_sent)
            ifid = v;
        else
            ifid = random_ifid(c->ifid, c->last_nak_sent);
    }
    if (it.bad)
        return false;
    c->ifid = ifid;
    return true;
}

static bool ipv6cp_rej(struct ppp_fsm *f, const uint8_t *opts, size_t len)
{
    struct ppp_ipv6cp *c = ipv6cp_of(f);
    struct ppp_fsm_opt_iter it;
    struct ppp_fsm_opt o;
    ppp_fsm_opt_iter_init(&it, opts, len);
    while (ppp_fsm_opt_next(&it, &o))
        if (o.type == PPP_IPV6CP_OPT_IFID)
            c->want_ifid = false; /* §4.1: MUST NOT send it again */
    return true;
}

static uint8_t ipv6cp_req(struct ppp_fsm *f, const uint8_t *opts, size_t len, struct lx_wr *out,
                          bool no_nak)
{
    struct ppp_ipv6cp *c = ipv6cp_of(f);
    uint8_t nakbuf[32];
    struct lx_wr nak;
    lx_wr_init(&nak, nakbuf, sizeof(nakbuf));
    bool rejected = false, saw = false;
    uint64_t his = 0;
    uint64_t ours = c->want_ifid ? c->ifid : 0;

    struct ppp_fsm_opt_iter it;
    struct ppp_fsm_opt o;
    ppp_fsm_opt_iter_init(&it, opts, len);
    while (ppp_fsm_opt_next(&it, &o)) {
        bool rej = false;
        if (o.type == PPP_IPV6CP_OPT_IFID && o.len == 8 && !saw) {
            saw = true;
            uint64_t v = get_u64(o.data);
            if (v != ours && v != 0) {
                his = v; /* different and non-zero: Ack */
            } else if (v == 0 && ours == 0) {
                rej = true; /* both zero: cannot negotiate, Reject */
            } else if (no_nak) {
                rej = true;
            } else {
                /* zero, or a collision with ours: Nak with a suggestion */
                c->last_nak_sent = suggestion(c);
                put_ifid(&nak, c->last_nak_sent);
            }
        } else {
            rej = true; /* malformed, repeated, compression, unknown */
        }
        if (rej) {
            rejected = true;
            lx_wr_bytes(out, o.raw, o.raw_len);
        }
    }
    if (rejected)
        return PPP_CONFREJ;
    if (nak.len) {
        lx_wr_bytes(out, nakbuf, nak.len);
        return PPP_CONFNAK;
    }
    c->his_ifid_set = saw;
    c->his_ifid = his;
    return PPP_CONFACK;
}

static const struct ppp_fsm_proto ipv6cp_proto = {
    .name = "IPV6CP",
    .reset = ipv6cp_reset,
    .build_req = ipv6cp_build_req,
    .nak = ipv6cp_nak,
    .rej = ipv6cp_rej,
    .req = ipv6cp_req,
};

void ppp_ipv6cp_init(struct ppp_ipv6cp *c, const struct ppp_ipv6cp_cfg *cfg,
                     const struct ppp_fsm_owner *owner, void *octx)
{
    memset(c, 0, sizeof(*c));
    c->cfg = *cfg;
    ppp_fsm_init(&c->fsm, PPP_PROTO_IPV6CP, &ipv6cp_proto, c, &c->cfg.fsm, owner, octx);
}

uint64_t ppp_ipv6cp_local_ifid(const struct ppp_ipv6cp *c)
{
    return c->want_ifid ? c->ifid : 0;
}

uint64_t ppp_ipv6cp_peer_ifid(const struct ppp_ipv6cp *c)
{
    return c->his_ifid_set ? c->his_ifid : 0;
}
