/* IPv6CP (RFC 5072) with the Interface-Identifier option (§4.1). */
#ifndef L2TPX_PPP_IPV6CP_H
#define L2TPX_PPP_IPV6CP_H

#include <stdbool.h>
#include <stdint.h>

#include "ppp/fsm.h"

enum ppp_ipv6cp_opt {
    PPP_IPV6CP_OPT_IFID = 1,
    PPP_IPV6CP_OPT_COMP = 2, /* IPv6-Compression-Protocol; refused */
};

struct ppp_ipv6cp_cfg {
    uint64_t ifid;      /* our tentative identifier; 0 = random (u bit 0) */
    uint64_t peer_ifid; /* suggested to a peer sending 0 or ours; 0 = random */
    struct ppp_fsm_cfg fsm;
};

struct ppp_ipv6cp {
    struct ppp_fsm fsm;
    struct ppp_ipv6cp_cfg cfg;
    bool want_ifid;
    uint64_t ifid;          /* ours, as last requested */
    uint64_t last_nak_sent; /* identifier we last suggested to the peer */
    bool his_ifid_set;
    uint64_t his_ifid;
};

void ppp_ipv6cp_init(struct ppp_ipv6cp *c, const struct ppp_ipv6cp_cfg *cfg,
                     const struct ppp_fsm_owner *owner, void *octx);
uint64_t ppp_ipv6cp_local_ifid(const struct ppp_ipv6cp *c);
uint64_t ppp_ipv6cp_peer_ifid(const struct ppp_ipv6cp *c);

#endif
