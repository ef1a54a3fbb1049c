/* One PPP link, sans-I/O: the phases of RFC 1661 §3.2
 *
 *   Dead -> Establish (LCP) -> Authenticate (PAP/CHAP/MS-CHAP, auth.h)
 *        -> Network (IPCP, IPv6CP) -> Terminate -> Dead
 *
 * The owner (the L2TP session glue) feeds frames, time and AAA verdicts in
 * and gets frames, events and deadlines out:
 *
 *   l = ppp_link_new(&cfg, &ops, ctx);  ppp_link_open(l, now);
 *   on a frame from the peer:   ppp_link_input(l, now, frame, len);
 *   when ppp_link_next_timeout(l) <= now:  ppp_link_timeout(l, now);
 *   on PPP_LINK_EV_AUTH_VERIFY: ask AAA, later ppp_link_auth_verdict();
 *   on a packet from the TUN:   ppp_link_send_ip(l, pkt, len);
 *   on PPP_LINK_EV_DOWN:        the link is Dead; free it (outside the
 *                               callback) or ppp_link_open() it again.
 *
 * Frames in and out are "protocol field + information": the L2TP payload
 * without HDLC framing. Input also accepts FF 03 and a compressed (PFC)
 * protocol field.
 *
 * Callbacks may call ppp_link_close() and ppp_link_auth_verdict() (both
 * are deferred to the end of the current entry point), never
 * ppp_link_free(). */
#ifndef L2TPX_PPP_LINK_H
#define L2TPX_PPP_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/clock.h"
#include "ppp/auth.h"
#include "ppp/fsm.h"

enum ppp_link_phase {
    PPP_PHASE_DEAD = 0,
    PPP_PHASE_ESTABLISH,
    PPP_PHASE_AUTHENTICATE,
    PPP_PHASE_NETWORK,
    PPP_PHASE_TERMINATE,
};

enum ppp_link_role {
    PPP_LINK_AUTHENTICATOR, /* LNS: checks the peer, assigns addresses */
    PPP_LINK_PEER,          /* client: authenticates itself, asks for addresses */
};

enum ppp_link_down_reason {
    PPP_LINK_DOWN_NONE = 0,
    PPP_LINK_DOWN_ADMIN,           /* ppp_link_close() */
    PPP_LINK_DOWN_LOWER,           /* ppp_link_lower_down() */
    PPP_LINK_DOWN_PEER_TERMINATED, /* LCP Terminate-Request from the peer */
    PPP_LINK_DOWN_LCP_TIMEOUT,     /* no answer to Configure-Requests (Max-Configure) */
    PPP_LINK_DOWN_NEGOTIATION,     /* LCP did not converge, or was rejected */
    PPP_LINK_DOWN_AUTH_REFUSED,    /* no authentication method both sides accept */
    PPP_LINK_DOWN_AUTH_FAILED,     /* wrong credentials / authentication timed out */
    PPP_LINK_DOWN_ECHO_TIMEOUT,    /* keepalive: Echo-Requests unanswered */
    PPP_LINK_DOWN_LOOPBACK,        /* our Magic-Number came back */
    PPP_LINK_DOWN_NO_NCP,          /* no network protocol could be opened */
};

/* Auth method lists end at the first PPP_AUTH_NONE (zeroed = empty). */
#define PPP_LINK_AUTH_LIST PPP_AUTH_METHOD_COUNT

struct ppp_link_cfg {
    enum ppp_link_role role;

    /* Authentication (LCP Authentication-Protocol, RFC 1661 §6.2). */
    /* Methods we require from the peer, preferred first (offered in this
     * order; a Nak'd suggestion from this list is taken). Empty: we do not
     * authenticate the peer. */
    enum ppp_auth_method auth_require[PPP_LINK_AUTH_LIST];
    /* Methods we accept to authenticate ourselves with, preferred first (a
     * method not listed is refused: Nak'd with our first, or Rejected when
     * the list is empty). */
    enum ppp_auth_method auth_allow[PPP_LINK_AUTH_LIST];
    char user[PPP_AUTH_NAME_MAX + 1];     /* our name as the peer */
    char password[PPP_AUTH_NAME_MAX + 1]; /* our secret as the peer */
    char our_name[64];                    /* CHAP Name as the authenticator */
    uint32_t auth_timeout_ms;             /* 0 = auth default (3000) */
    unsigned auth_max_tries;              /* 0 = auth default (10) */
    uint32_t chap_rechallenge_ms;         /* 0 = off */

    /* LCP */
    uint16_t mru; /* ours; 0 = 1500 */
    uint16_t mtu; /* cap on frames we send; 0 = 1500 */
    bool request_accm;
    uint32_t accm;
    bool request_pfc, request_acfc;
    bool no_magic;
    uint32_t echo_interval_ms; /* 0 = no keepalive */
    unsigned echo_failures;    /* 0 = 3 */

    /* The automaton (RFC 1661 §4.6), for LCP and the NCPs; 0 = default. */
    uint32_t restart_ms;
    unsigned max_configure, max_terminate, max_failure;

    /* IPCP (RFC 1332, RFC 1877). Host order, 0 = unset. */
    bool no_ipcp;
    uint32_t local_ip;        /* 0: ask the peer for ours */
    uint32_t peer_ip;         /* for the peer; the verdict's framed_ip wins */
    uint32_t dns[2], nbns[2]; /* served; the verdict's win */
    bool request_dns, request_nbns;

    /* IPv6CP (RFC 5072). */
    bool no_ipv6cp;
    uint64_t ifid;      /* ours; 0 = random */
    uint64_t peer_ifid; /* suggested to the peer; the verdict's ipv6_ifid wins */
};

/* Fills sensible defaults for a role: the authenticator requires
 * MS-CHAPv2, MS-CHAPv1, CHAP-MD5, PAP (in that order) and serves
 * addresses; the peer allows the same four and asks for DNS. */
void ppp_link_cfg_defaults(struct ppp_link_cfg *cfg, enum ppp_link_role role);

/* What the network layer got (host order; 0 = none). */
struct ppp_link_net {
    bool ipv4_up, ipv6_up;
    uint32_t local_ip, peer_ip;
    uint32_t dns[2], nbns[2];
    uint64_t local_ifid, peer_ifid;
};

enum ppp_link_event_type {
    PPP_LINK_EV_PHASE,        /* .phase entered */
    PPP_LINK_EV_LCP_UP,       /* LCP Opened */
    PPP_LINK_EV_LCP_DOWN,     /* LCP left Opened */
    PPP_LINK_EV_AUTH_VERIFY,  /* .auth_req to check; answer with ppp_link_auth_verdict()
                                 (copy the request: it is valid only in the callback) */
    PPP_LINK_EV_AUTH_SUCCESS, /* .self: we were authenticated (else we authenticated the
                                 peer, .verdict = the backend's) ; .method */
    PPP_LINK_EV_AUTH_FAILURE, /* same fields */
    PPP_LINK_EV_NET_UP,       /* .proto = PPP_PROTO_IPCP / IPV6CP opened; .net */
    PPP_LINK_EV_NET_DOWN,     /* .proto closed; .net */
    PPP_LINK_EV_DOWN,         /* the link is Dead; .reason */
};

struct ppp_link_event {
    enum ppp_link_event_type type;
    enum ppp_link_phase phase;
    uint16_t proto;
    bool self;
    enum ppp_auth_method method;
    const struct ppp_auth_request *auth_req;
    const struct ppp_auth_verdict *verdict;
    const struct ppp_link_net *net;
    enum ppp_link_down_reason reason;
};

struct ppp_link_ops {
    /* A frame for the peer: protocol field (2 bytes) + information. */
    void (*send)(void *ctx, const uint8_t *frame, size_t len);
    void (*event)(void *ctx, const struct ppp_link_event *ev);
    /* An IPv4 (PPP_PROTO_IPV4) or IPv6 (PPP_PROTO_IPV6) packet from the
     * peer, only while the matching NCP is Opened. */
    void (*recv_ip)(void *ctx, uint16_t proto, const uint8_t *pkt, size_t len);
};

struct ppp_link_info {
    enum ppp_link_phase phase;
    enum ppp_link_down_reason down_reason;
    enum ppp_fsm_state lcp_state, ipcp_state, ipv6cp_state;
    uint16_t mru;      /* ours, as the peer acked it */
    uint16_t peer_mru; /* largest information field we send */
    uint32_t local_magic, peer_magic;
    bool peer_pfc, peer_acfc;       /* we may compress towards the peer */
    enum ppp_auth_method auth_peer; /* method the peer authenticated with */
    enum ppp_auth_method auth_self; /* method we authenticated ourselves with */
    char peer_name[PPP_AUTH_NAME_MAX + 1];
    bool has_time_remaining; /* RFC 1570 */
    uint32_t time_remaining_s;
    struct ppp_link_net net;
    struct ppp_auth_attrs attrs; /* from the accepting verdict */
};

struct ppp_link_stats {
    uint64_t rx_frames, rx_bytes, tx_frames, tx_bytes;
    uint64_t rx_bad;       /* unparsable frames */
    uint64_t rx_discarded; /* not acceptable in the current phase */
    uint64_t rx_ip, tx_ip, tx_ip_dropped;
    uint64_t protrej_tx, protrej_rx;
    uint64_t echo_req_tx, echo_rep_rx, echo_req_rx, echo_rep_tx;
    struct ppp_fsm_stats lcp, ipcp, ipv6cp;
};

struct ppp_link;

struct ppp_link *ppp_link_new(const struct ppp_link_cfg *cfg, const struct ppp_link_ops *ops,
                              void *ctx);
void ppp_link_free(struct ppp_link *l);

/* Lower layer up + administrative Open: Establish phase starts. */
void ppp_link_open(struct ppp_link *l, lx_ms_t now);
/* Orderly close (LCP Terminate-Request; reason goes in its data). */
void ppp_link_close(struct ppp_link *l, lx_ms_t now, const char *reason);
/* The lower layer is gone (L2TP session cleared): Dead at once. */
void ppp_link_lower_down(struct ppp_link *l, lx_ms_t now);

void ppp_link_input(struct ppp_link *l, lx_ms_t now, const uint8_t *frame, size_t len);
lx_ms_t ppp_link_next_timeout(const struct ppp_link *l);
void ppp_link_timeout(struct ppp_link *l, lx_ms_t now);

/* The AAA answer to the last PPP_LINK_EV_AUTH_VERIFY. */
void ppp_link_auth_verdict(struct ppp_link *l, lx_ms_t now, const struct ppp_auth_verdict *v);

/* An IPv4 or IPv6 packet (version from its first nibble) for the peer.
 * 0 if sent; -1 if its NCP is not Opened or it exceeds the peer's MRU. */
int ppp_link_send_ip(struct ppp_link *l, const uint8_t *pkt, size_t len);

enum ppp_link_phase ppp_link_phase(const struct ppp_link *l);
void ppp_link_get_info(const struct ppp_link *l, struct ppp_link_info *info);
void ppp_link_get_stats(const struct ppp_link *l, struct ppp_link_stats *st);

const char *ppp_link_phase_name(enum ppp_link_phase p);
const char *ppp_link_down_reason_name(enum ppp_link_down_reason r);

#endif
