/* IPCP (RFC 1332) with IP-Address (3) and the RFC 1877 name-server
 * options: primary DNS 129, primary NBNS 130, secondary DNS 131,
 * secondary NBNS 132. Addresses are host order; 0 = none. */
#ifndef L2TPX_PPP_IPCP_H
#define L2TPX_PPP_IPCP_H

#include <stdbool.h>
#include <stdint.h>

#include "ppp/fsm.h"

enum ppp_ipcp_opt {
    PPP_IPCP_OPT_ADDRS = 1, /* deprecated IP-Addresses; refused */
    PPP_IPCP_OPT_COMP = 2,  /* IP-Compression-Protocol (VJ); refused */
    PPP_IPCP_OPT_ADDR = 3,
    PPP_IPCP_OPT_DNS1 = 129,
    PPP_IPCP_OPT_NBNS1 = 130,
    PPP_IPCP_OPT_DNS2 = 131,
    PPP_IPCP_OPT_NBNS2 = 132,
};

struct ppp_ipcp_cfg {
    /* Our address; 0 = ask the peer (request 0.0.0.0, take its Nak). */
    uint32_t local_ip;
    /* The peer's address: its request is Nak'd to this one (a request for
     * 0.0.0.0 included). 0 = accept any non-zero address it asks for. */
    uint32_t peer_ip;
    /* Served to the peer when it asks (RFC 1877); 0 = Reject. */
    uint32_t dns[2], nbns[2];
    /* Ask the peer for name servers (the client side). */
    bool request_dns, request_nbns;
    struct ppp_fsm_cfg fsm;
};

struct ppp_ipcp {
    struct ppp_fsm fsm;
    struct ppp_ipcp_cfg cfg;
    /* what our Configure-Request asks; [0]/[1] primary/secondary */
    bool want_addr, want_dns[2], want_nbns[2];
    uint32_t addr, dns[2], nbns[2];
    /* the peer's acked request */
    bool his_addr;
    uint32_t his_ip;
};

void ppp_ipcp_init(struct ppp_ipcp *c, const struct ppp_ipcp_cfg *cfg,
                   const struct ppp_fsm_owner *owner, void *octx);
/* Results once Opened. DNS/NBNS: what the peer gave us when we asked,
 * else what we serve. */
uint32_t ppp_ipcp_local_ip(const struct ppp_ipcp *c);
uint32_t ppp_ipcp_peer_ip(const struct ppp_ipcp *c);
void ppp_ipcp_dns(const struct ppp_ipcp *c, uint32_t dns[2], uint32_t nbns[2]);

#endif
