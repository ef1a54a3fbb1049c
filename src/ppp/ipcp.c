/* IPCP: RFC 1332 (IP-Address, §3.3), RFC 1877 (DNS and NBNS addresses). */
#include "ppp/ipcp.h"

#include <string.h>

#include "lib/log.h"
#include "ppp/ppp.h"

static struct ppp_ipcp *ipcp_of(struct ppp_fsm *f)
{
    return f->pctx;
}

/* Index of a name-server option: dns (true) / nbns, primary 0 / secondary 1. */
static bool ns_opt(uint8_t type, bool *dns, int *idx)
{
    switch (type) {
    case PPP_IPCP_OPT_DNS1:
        *dns = true, *idx = 0;
        return true;
    case PPP_IPCP_OPT_NBNS1:
        *dns = false, *idx = 0;
        return true;
    case PPP_IPCP_OPT_DNS2:
        *dns = true, *idx = 1;
        return true;
    case PPP_IPCP_OPT_NBNS2:
        *dns = false, *idx = 1;
        return true;
    default:
        return false;
    }
}

static void ipcp_reset(struct ppp_fsm *f)
{
    struct ppp_ipcp *c = ipcp_of(f);
    /* RFC 1332 §3.3: 0.0.0.0 asks the peer to supply our address. */
    c->want_addr = true;
    c->addr = c->cfg.local_ip;
    for (int i = 0; i < 2; i++) {
        c->want_dns[i] = c->cfg.request_dns;
        c->want_nbns[i] = c->cfg.request_nbns;
        c->dns[i] = 0;
        c->nbns[i] = 0;
    }
    c->his_addr = false;
    c->his_ip = 0;
}

static void ipcp_build_req(struct ppp_fsm *f, struct lx_wr *w)
{
    struct ppp_ipcp *c = ipcp_of(f);
    if (c->want_addr)
        ppp_fsm_opt_put_u32(w, PPP_IPCP_OPT_ADDR, c->addr);
    /* RFC 1877 §1: option numbers in ascending order. */
    if (c->want_dns[0])
        ppp_fsm_opt_put_u32(w, PPP_IPCP_OPT_DNS1, c->dns[0]);
    if (c->want_nbns[0])
        ppp_fsm_opt_put_u32(w, PPP_IPCP_OPT_NBNS1, c->nbns[0]);
    if (c->want_dns[1])
        ppp_fsm_opt_put_u32(w, PPP_IPCP_OPT_DNS2, c->dns[1]);
    if (c->want_nbns[1])
        ppp_fsm_opt_put_u32(w, PPP_IPCP_OPT_NBNS2, c->nbns[1]);
}

static bool ipcp_nak(struct ppp_fsm *f, const uint8_t *opts, size_t len)
{
    struct ppp_ipcp *c = ipcp_of(f);
    struct ppp_fsm_opt_iter it;
    struct ppp_fsm_opt o;
    uint32_t addr = c->addr, dns[2] = {c->dns[0], c->dns[1]}, nbns[2] = {c->nbns[0], c->nbns[1]};
    ppp_fsm_opt_iter_init(&it, opts, len);
    while (ppp_fsm_opt_next(&it, &o)) {
        bool isdns;
        int i;
        if (o.type == PPP_IPCP_OPT_ADDR) {
            if (o.len != 4)
                return false;
            /* §3.3: the Nak carries the address the peer wants us to
             * use. A configured local address stays ours. */
            uint32_t v = lx_get_u32(o.data);
            if (c->want_addr && c->cfg.local_ip == 0 && v != 0)
                addr = v;
        } else if (ns_opt(o.type, &isdns, &i)) {
            if (o.len != 4)
                return false;
            uint32_t v = lx_get_u32(o.data);
            if (isdns && c->want_dns[i])
                dns[i] = v;
            else if (!isdns && c->want_nbns[i])
                nbns[i] = v;
        }
    }
    if (it.bad)
        return false;
    c->addr = addr;
    memcpy(c->dns, dns, sizeof(dns));
    memcpy(c->nbns, nbns, sizeof(nbns));
    return true;
}

static bool ipcp_rej(struct ppp_fsm *f, const uint8_t *opts, size_t len)
{
    struct ppp_ipcp *c = ipcp_of(f);
    struct ppp_fsm_opt_iter it;
    struct ppp_fsm_opt o;
    ppp_fsm_opt_iter_init(&it, opts, len);
    while (ppp_fsm_opt_next(&it, &o)) {
        bool isdns;
        int i;
        if (o.type == PPP_IPCP_OPT_ADDR)
            c->want_addr = false;
        else if (ns_opt(o.type, &isdns, &i)) {
            if (isdns)
                c->want_dns[i] = false, c->dns[i] = 0;
            else
                c->want_nbns[i] = false, c->nbns[i] = 0;
        }
    }
    return true;
}

static uint8_t ipcp_req(struct ppp_fsm *f, const uint8_t *opts, size_t len, struct lx_wr *out,
                        bool no_nak)
{
    struct ppp_ipcp *c = ipcp_of(f);
    uint8_t nakbuf[PPP_FSM_MAX_OPTS * 2];
    struct lx_wr nak;
    lx_wr_init(&nak, nakbuf, sizeof(nakbuf));
    bool rejected = false, saw_addr = false;
    uint32_t his_ip = 0;

    struct ppp_fsm_opt_iter it;
    struct ppp_fsm_opt o;
    ppp_fsm_opt_iter_init(&it, opts, len);
    while (ppp_fsm_opt_next(&it, &o)) {
        bool rej = false, isdns;
        int i;
        if (o.type == PPP_IPCP_OPT_ADDR) {
            saw_addr = true;
            if (o.len != 4) {
                rej = true;
            } else {
                uint32_t v = lx_get_u32(o.data);
                if (c->cfg.peer_ip != 0) {
                    /* §3.3: we know its address; a request for 0.0.0.0 or
                     * for another address is Nak'd with the right one. */
                    if (v == c->cfg.peer_ip)
                        his_ip = v;
                    else if (no_nak)
                        rej = true;
                    else
                        ppp_fsm_opt_put_u32(&nak, o.type, c->cfg.peer_ip);
                } else if (v != 0) {
                    his_ip = v; /* it knows its own address */
                } else {
                    rej = true; /* neither side knows it */
                }
            }
        } else if (ns_opt(o.type, &isdns, &i)) {
            uint32_t have = isdns ? c->cfg.dns[i] : c->cfg.nbns[i];
            if (o.len != 4 || have == 0) {
                rej = true; /* RFC 1877 §1.1: Reject if we have none */
            } else if (lx_get_u32(o.data) != have) {
                if (no_nak)
                    rej = true;
                else
                    ppp_fsm_opt_put_u32(&nak, o.type, have);
            }
        } else {
            /* IP-Addresses (1), VJ compression (2), anything else. */
            rej = true;
        }
        if (rej) {
            rejected = true;
            lx_wr_bytes(out, o.raw, o.raw_len);
        }
    }
    if (rejected)
        return PPP_CONFREJ;
    /* §3.3 / RFC 1661 §5.3: a Nak may name an option the peer left out,
     * here the address we assign it (not after Max-Failure). */
    if (!saw_addr && c->cfg.peer_ip != 0 && !no_nak)
        ppp_fsm_opt_put_u32(&nak, PPP_IPCP_OPT_ADDR, c->cfg.peer_ip);
    if (nak.len) {
        lx_wr_bytes(out, nakbuf, nak.len);
        return PPP_CONFNAK;
    }
    c->his_addr = saw_addr;
    c->his_ip = his_ip;
    return PPP_CONFACK;
}

static const struct ppp_fsm_proto ipcp_proto = {
    .name = "IPCP",
    .reset = ipcp_reset,
    .build_req = ipcp_build_req,
    .nak = ipcp_nak,
    .rej = ipcp_rej,
    .req = ipcp_req,
};

void ppp_ipcp_init(struct ppp_ipcp *c, const struct ppp_ipcp_cfg *cfg,
                   const struct ppp_fsm_owner *owner, void *octx)
{
    memset(c, 0, sizeof(*c));
    c->cfg = *cfg;
    ppp_fsm_init(&c->fsm, PPP_PROTO_IPCP, &ipcp_proto, c, &c->cfg.fsm, owner, octx);
}

uint32_t ppp_ipcp_local_ip(const struct ppp_ipcp *c)
{
    return c->want_addr ? c->addr : c->cfg.local_ip;
}

uint32_t ppp_ipcp_peer_ip(const struct ppp_ipcp *c)
{
    return c->his_addr ? c->his_ip : c->cfg.peer_ip;
}

void ppp_ipcp_dns(const struct ppp_ipcp *c, uint32_t dns[2], uint32_t nbns[2])
{
    for (int i = 0; i < 2; i++) {
        dns[i] = c->cfg.request_dns ? (c->want_dns[i] ? c->dns[i] : 0) : c->cfg.dns[i];
        nbns[i] = c->cfg.request_nbns ? (c->want_nbns[i] ? c->nbns[i] : 0) : c->cfg.nbns[i];
    }
}
