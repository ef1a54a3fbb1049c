/* LCP (RFC 1661 §5, §6; RFC 1570 codes tolerated) on top of the generic
 * automaton: MRU, ACCM, Authentication-Protocol, Magic-Number (loopback
 * detection), PFC, ACFC; Echo keepalive; Protocol-/Code-Reject;
 * Discard-Request; Identification and Time-Remaining. */
#ifndef L2TPX_PPP_LCP_H
#define L2TPX_PPP_LCP_H

#include <stdbool.h>
#include <stdint.h>

#include "ppp/auth.h"
#include "ppp/fsm.h"

/* RFC 1661 §6 option types (and the usual ones we refuse). */
enum ppp_lcp_opt {
    PPP_LCP_OPT_MRU = 1,
    PPP_LCP_OPT_ACCM = 2, /* RFC 1662 §7.1 */
    PPP_LCP_OPT_AUTH = 3,
    PPP_LCP_OPT_QUALITY = 4,
    PPP_LCP_OPT_MAGIC = 5,
    PPP_LCP_OPT_PFC = 7,
    PPP_LCP_OPT_ACFC = 8,
    PPP_LCP_OPT_CALLBACK = 13, /* RFC 1570; refused */
    PPP_LCP_OPT_MRRU = 17,     /* RFC 1990; refused */
};

#define PPP_LCP_DEF_MRU 1500
#define PPP_LCP_MIN_MRU 128

/* Why LCP gave up by itself (the automaton's own reasons are in fsm.why). */
enum ppp_lcp_fail {
    PPP_LCP_FAIL_NONE = 0,
    PPP_LCP_FAIL_AUTH_REFUSED, /* no authentication method both sides accept */
    PPP_LCP_FAIL_LOOPBACK,     /* RFC 1661 §6.4: our own Magic-Number came back */
    PPP_LCP_FAIL_ECHO,         /* keepalive: Echo-Requests unanswered */
};

/* Auth method lists end at the first PPP_AUTH_NONE (a zeroed array is an
 * empty list). */
#define PPP_LCP_AUTH_LIST PPP_AUTH_METHOD_COUNT

struct ppp_lcp_cfg {
    uint16_t mru; /* our MRU; requested when not 1500; 0 = 1500 */
    uint16_t mtu; /* cap on what we send whatever the peer's MRU; 0 = 1500 */
    bool request_accm;
    uint32_t accm;
    bool no_magic;
    bool request_pfc, request_acfc;
    /* Methods we demand the peer authenticates with, preferred first. */
    enum ppp_auth_method auth_require[PPP_LCP_AUTH_LIST];
    /* Methods we agree to authenticate ourselves with, preferred first;
     * empty = we Reject the peer's Authentication-Protocol. */
    enum ppp_auth_method auth_allow[PPP_LCP_AUTH_LIST];
    uint32_t echo_interval_ms; /* 0 = no keepalive (peer echoes still answered) */
    unsigned echo_failures;    /* unanswered Echo-Requests before link down; 0 = 3 */
    struct ppp_fsm_cfg fsm;
};

/* Negotiated option values, one set per direction. */
struct ppp_lcp_opts {
    bool mru, accm, auth, magic, pfc, acfc;
    uint16_t mru_v;
    uint32_t accm_v;
    enum ppp_auth_method auth_v;
    uint32_t magic_v;
};

struct ppp_lcp_stats {
    uint64_t echo_req_tx, echo_rep_rx, echo_req_rx, echo_rep_tx;
    uint64_t discard_rx, ident_rx, timerem_rx;
    uint64_t protrej_rx, protrej_tx;
    uint64_t magic_collisions, looped_echoes;
};

struct ppp_lcp_ops {
    /* The peer Protocol-Rejected `proto` (not LCP). */
    void (*protrej)(void *ctx, lx_ms_t now, uint16_t proto);
};

struct ppp_lcp {
    struct ppp_fsm fsm;
    struct ppp_lcp_cfg cfg;
    const struct ppp_lcp_ops *ops;
    void *ctx;
    struct ppp_lcp_opts want; /* what our next Configure-Request asks */
    struct ppp_lcp_opts got;  /* what the peer acked (applies to us) */
    struct ppp_lcp_opts his;  /* what we acked (applies to the peer) */
    unsigned auth_tried;      /* bit per method already offered */
    uint32_t last_nak_magic;  /* Magic-Number in our last Nak of it */
    unsigned magic_loops;
    enum ppp_lcp_fail fail;
    /* keepalive */
    lx_ms_t echo_deadline;
    unsigned echo_pending;
    uint8_t echo_id;
    bool echo_rejected;
    /* RFC 1570 Time-Remaining, if the peer told us */
    bool has_time_remaining;
    uint32_t time_remaining_s;
    struct ppp_lcp_stats stats;
};

void ppp_lcp_init(struct ppp_lcp *l, const struct ppp_lcp_cfg *cfg,
                  const struct ppp_fsm_owner *owner, void *octx, const struct ppp_lcp_ops *ops,
                  void *ctx);
/* One LCP packet (code, id, length, data). */
void ppp_lcp_input(struct ppp_lcp *l, lx_ms_t now, const uint8_t *pkt, size_t len);
lx_ms_t ppp_lcp_next_timeout(const struct ppp_lcp *l);
void ppp_lcp_timeout(struct ppp_lcp *l, lx_ms_t now);
/* Sends a Protocol-Reject for a frame of protocol `proto` whose
 * information field is info (RFC 1661 §5.7); only in Opened. */
void ppp_lcp_send_protrej(struct ppp_lcp *l, uint16_t proto, const uint8_t *info, size_t len);
/* The MRU of the peer: largest information field we may send. */
uint16_t ppp_lcp_peer_mru(const struct ppp_lcp *l);

/* Authentication-Protocol option data <-> method: ppp_auth_method_to_option()
 * and ppp_auth_method_from_option() in ppp/auth.h. */

#endif
