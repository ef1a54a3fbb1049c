/* The L2TPv2 control plane as one sans-I/O object: every tunnel and session
 * of a daemon, their state machines (RFC 2661 §7), tunnel authentication
 * (§4.2 Challenge / Challenge Response, §5.1.1) and data-message framing.
 *
 * Inputs:  received datagrams (with the local and peer addresses), the
 *          time, and commands (open a tunnel, place a call, hang up ...).
 * Outputs: datagrams to send, events and the next timer deadline, through
 *          the callbacks of struct l2tp_engine_ops.
 * It never touches a socket, a clock or a file. */
#ifndef L2TPX_L2TP_ENGINE_H
#define L2TPX_L2TP_ENGINE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "l2tp/l2tp.h"
#include "lib/clock.h"

/* An IPv4 or IPv6 UDP endpoint. */
struct l2tp_addr {
    union {
        struct sockaddr sa;
        struct sockaddr_in in4;
        struct sockaddr_in6 in6;
    };
    socklen_t len;
};

bool l2tp_addr_equal(const struct l2tp_addr *a, const struct l2tp_addr *b);
/* "192.0.2.1:1701" or "[2001:db8::1]:1701" */
const char *l2tp_addr_str(const struct l2tp_addr *a, char *buf, size_t cap);

/* Per-tunnel settings: what an [lns NAME] or [lac NAME] section says. */
struct l2tp_tunnel_cfg {
    char host_name[128];     /* our Host Name AVP */
    char vendor_name[64];    /* our Vendor Name AVP ("" = none) */
    uint8_t secret[128];     /* shared tunnel secret */
    size_t secret_len;       /* 0 = none */
    bool auth_required;      /* send a Challenge and require the peer's Response;
                                if the peer challenges us we answer whenever we have
                                a secret */
    bool hide_avps;          /* hide the AVPs §4.4 allows (needs a secret) */
    uint16_t rws;            /* our Receive Window Size (default 16) */
    unsigned max_retries;    /* default 5 */
    uint32_t rto_initial_ms; /* default 1000 */
    uint32_t rto_max_ms;     /* default 8000 */
    uint32_t hello_ms;       /* default 60000, 0 = off */
    uint32_t framing_cap;    /* default sync|async */
    uint32_t bearer_cap;     /* default 0 */
    bool seq_required;       /* ask the peer to sequence data (§5.4) */
    bool data_len_bit;       /* send data messages with the L bit */
    unsigned max_sessions;   /* per tunnel, default 65535 */
    const void *profile;     /* opaque pointer back to the config section */
};

void l2tp_tunnel_cfg_defaults(struct l2tp_tunnel_cfg *cfg);

struct l2tp_engine_cfg {
    unsigned max_tunnels;              /* default 4096 */
    unsigned max_halfopen;             /* tunnels not yet established, all peers (default 256) */
    unsigned max_halfopen_per_peer;    /* same, per peer IP address (default 8) */
    uint32_t session_setup_timeout_ms; /* ICRQ/OCRQ without completion (default 30000) */
    uint32_t tunnel_setup_timeout_ms;  /* SCCRQ without SCCCN (default 30000) */
};

void l2tp_engine_cfg_defaults(struct l2tp_engine_cfg *cfg);

struct l2tp_engine;
struct l2tp_tunnel;
struct l2tp_session;

enum l2tp_tunnel_state {
    L2TP_TUNNEL_IDLE,
    L2TP_TUNNEL_WAIT_CTL_REPLY, /* sent SCCRQ */
    L2TP_TUNNEL_WAIT_CTL_CONN,  /* sent SCCRP */
    L2TP_TUNNEL_ESTABLISHED,
    L2TP_TUNNEL_CLOSING, /* StopCCN sent or received: holding for retransmits (§5.7) */
    L2TP_TUNNEL_CLOSED,
};

enum l2tp_session_state {
    L2TP_SESSION_IDLE,
    L2TP_SESSION_WAIT_TUNNEL,    /* call placed before the tunnel was up */
    L2TP_SESSION_WAIT_REPLY,     /* LAC incoming: sent ICRQ / LNS outgoing: sent OCRQ */
    L2TP_SESSION_WAIT_CONNECT,   /* LNS incoming: sent ICRP / LAC outgoing: sent OCRP */
    L2TP_SESSION_WAIT_CS_ANSWER, /* LAC outgoing: waiting for the call to be answered */
    L2TP_SESSION_ESTABLISHED,
    L2TP_SESSION_CLOSED,
};

const char *l2tp_tunnel_state_str(enum l2tp_tunnel_state st);
const char *l2tp_session_state_str(enum l2tp_session_state st);

/* Parameters of a call (ICRQ/OCRQ/ICCN/OCCN AVPs), both for calls we
 * place and calls we receive. Strings are NUL-terminated. */
struct l2tp_call_params {
    uint32_t call_serial;
    uint32_t bearer_type;
    uint32_t framing_type;
    uint32_t tx_connect_speed, rx_connect_speed;
    uint32_t min_bps, max_bps;
    uint32_t physical_channel;
    char called_number[64];
    char calling_number[64];
    char sub_address[64];
    char private_group_id[64];
    bool seq_required;
    /* RFC 2661 §4.4.5 proxy LCP and authentication (LAC -> LNS, ICCN) */
    uint16_t proxy_auth_type; /* 0 = none given */
    char proxy_auth_name[64];
    uint8_t proxy_auth_challenge[64];
    size_t proxy_auth_challenge_len;
    uint16_t proxy_auth_id;
    uint8_t proxy_auth_response[64];
    size_t proxy_auth_response_len;
    uint8_t init_rcvd_lcp_confreq[256];
    size_t init_rcvd_lcp_confreq_len;
    uint8_t last_sent_lcp_confreq[256];
    size_t last_sent_lcp_confreq_len;
    uint8_t last_rcvd_lcp_confreq[256];
    size_t last_rcvd_lcp_confreq_len;
};

enum l2tp_event_type {
    L2TP_EV_TUNNEL_UP,    /* control connection established */
    L2TP_EV_TUNNEL_DOWN,  /* tunnel gone (after StopCCN either way, or peer dead) */
    L2TP_EV_SESSION_UP,   /* call established: data may flow */
    L2TP_EV_SESSION_DOWN, /* CDN sent or received, or the tunnel went */
    L2TP_EV_SESSION_SLI,  /* Set-Link-Info received: new ACCM */
    L2TP_EV_SESSION_WEN,  /* WAN-Error-Notify received */
};

/* RFC 3145 §3: Disconnect Codes of the PPP Disconnect Cause Code AVP (46),
 * which a CDN MAY carry next to its Result Code. §6: 0-20 are the RFC's,
 * 21-32767 IANA (IESG approval), 32768-65279 vendor, 65280-65535 private. */
enum {
    /* §3.1 global errors: Control Protocol Number MUST be 0. */
    L2TP_PPP_CAUSE_NO_INFO = 0,            /* no information available */
    L2TP_PPP_CAUSE_ADMIN = 1,              /* administrative disconnect */
    L2TP_PPP_CAUSE_NO_LCP_RENEG = 2,       /* LCP renegotiation at LNS disabled; LNS
                                              expects proxy LCP, LAC did not send it */
    L2TP_PPP_CAUSE_NORMAL = 3,             /* normal disconnection, LCP Terminate-Request
                                              sent (direction 1: by peer, 2: by local) */
    L2TP_PPP_CAUSE_ENCRYPTION_REFUSED = 4, /* compulsory encryption refused (1: required
                                              by local, refused by peer; 2: the reverse) */
    /* §3.2 LCP errors: Control Protocol Number MUST be 0xc021. */
    L2TP_PPP_CAUSE_LCP_FSM_TIMEOUT = 5,   /* FSM timeout (PPP event "TO-") */
    L2TP_PPP_CAUSE_LCP_NO_PACKETS = 6,    /* no recognizable LCP packets received */
    L2TP_PPP_CAUSE_LCP_LOOPBACK = 7,      /* Magic Number error: link possibly looped back */
    L2TP_PPP_CAUSE_LCP_ECHO_TIMEOUT = 8,  /* Echo-Request timeout */
    L2TP_PPP_CAUSE_MP_ENDPOINT_DISC = 9,  /* unexpected Endpoint-Discriminator for MP bundle */
    L2TP_PPP_CAUSE_MP_MRRU = 10,          /* unexpected MRRU for MP bundle */
    L2TP_PPP_CAUSE_MP_SSN = 11,           /* unexpected Short-Sequence-Number for MP bundle */
    L2TP_PPP_CAUSE_CALLBACK_REFUSED = 12, /* compulsory call-back refused (directions as 4) */
    /* §3.3 authentication errors: Control Protocol Number is the
     * authentication protocol in use (0xc023 PAP, 0xc223 CHAP ...). */
    L2TP_PPP_CAUSE_AUTH_FSM_TIMEOUT = 13,   /* FSM timeout */
    L2TP_PPP_CAUSE_MP_AUTH_NAME = 14,       /* unexpected authenticated name for MP bundle */
    L2TP_PPP_CAUSE_AUTH_PROTO_REFUSED = 15, /* authentication protocol unacceptable (1: all
                                               ours rejected by peer; 2: none of the peer's
                                               acceptable locally) */
    L2TP_PPP_CAUSE_AUTH_FAILED = 16,        /* bad name, password or secret (1: we
                                               authenticated the peer; 2: the peer us) */
    /* §3.4 NCP errors: Control Protocol Number SHOULD be the failing NCP
     * (0x8021 IPCP, 0x8057 IPV6CP ...). */
    L2TP_PPP_CAUSE_NCP_FSM_TIMEOUT = 17,        /* FSM timeout */
    L2TP_PPP_CAUSE_NCP_NONE = 18,               /* no NCP reached Opened */
    L2TP_PPP_CAUSE_NCP_ADDR_NO_CONVERGE = 19,   /* no acceptable addresses (1: too many
                                                   Configure-Naks received; 2: sent) */
    L2TP_PPP_CAUSE_NCP_ADDR_NOT_PERMITTED = 20, /* user may use no address (1: local address
                                                   refused by peer; 2: remote address
                                                   refused locally) */
};

/* RFC 3145 §2 Direction, as seen by the sender of the AVP; "SHOULD be 0
 * unless documented otherwise" for the code (3, 4, 12, 15, 16, 19, 20). */
enum {
    L2TP_PPP_CAUSE_DIR_GLOBAL = 0, /* global error */
    L2TP_PPP_CAUSE_DIR_PEER = 1,   /* at peer */
    L2TP_PPP_CAUSE_DIR_LOCAL = 2,  /* at local */
};

/* RFC 3145 §3.2: the Control Protocol Number of every LCP error (5-12). */
#define L2TP_PPP_CAUSE_PROTO_LCP 0xc021

/* A PPP Disconnect Cause Code to send in a CDN (l2tp_session_close_cause).
 * Nothing is sent unless `set`. msg is optional UTF-8 text (RFC 3145 §2),
 * sent up to its first NUL or its 63rd byte. */
struct l2tp_cdn_cause {
    uint16_t code;     /* L2TP_PPP_CAUSE_* */
    uint16_t proto;    /* PPP Control Protocol Number, 0 if none */
    uint8_t direction; /* L2TP_PPP_CAUSE_DIR_* */
    char msg[64];
    bool set;
};

struct l2tp_event {
    enum l2tp_event_type type;
    struct l2tp_tunnel *tunnel;
    struct l2tp_session *session;        /* for session events */
    bool local;                          /* we initiated the teardown */
    uint16_t result_code, error_code;    /* for *_DOWN */
    char message[128];                   /* Error Message, if any */
    const struct l2tp_call_params *call; /* SESSION_UP */
    uint32_t accm_send, accm_recv;       /* SESSION_SLI */
    uint32_t call_errors[6];             /* SESSION_WEN */
    /* SESSION_DOWN: RFC 3145 PPP Disconnect Cause Code. local: the one
     * given to l2tp_session_close_cause(); otherwise the one the peer's
     * CDN carried (the first if several; none if malformed). Direction as
     * the CDN's sender meant it. cause_msg is truncated to 63 bytes,
     * NUL-terminated, bytes below 0x20 replaced by '?' (as in message). */
    bool cause_set;
    uint16_t cause_code, cause_proto;
    uint8_t cause_direction;
    char cause_msg[64];
};

struct l2tp_engine_ops {
    /* Send one datagram from `local` (may be a wildcard address) to `peer`. */
    void (*send)(void *user, const struct l2tp_addr *local, const struct l2tp_addr *peer,
                 const uint8_t *pkt, size_t len);
    /* An SCCRQ arrived from a new peer: return the settings to answer it
     * with, or NULL to refuse (StopCCN, Result Code 4 "not authorized"). */
    const struct l2tp_tunnel_cfg *(*accept_tunnel)(void *user, const struct l2tp_addr *local,
                                                   const struct l2tp_addr *peer,
                                                   const char *peer_host_name);
    /* An ICRQ or OCRQ arrived: return true to answer it (ICRP/OCRP), false
     * to refuse with CDN (Result Code 4 temporary lack of facilities). */
    bool (*accept_session)(void *user, struct l2tp_session *s, const struct l2tp_call_params *p);
    void (*event)(void *user, const struct l2tp_event *ev);
    /* A PPP frame (data message payload, after the L2TP header) arrived on
     * an established session. */
    void (*data)(void *user, struct l2tp_session *s, const uint8_t *frame, size_t len);
};

struct l2tp_engine *l2tp_engine_new(const struct l2tp_engine_cfg *cfg,
                                    const struct l2tp_engine_ops *ops, void *user);
void l2tp_engine_free(struct l2tp_engine *e);

/* One received UDP datagram. `local` is the address it was sent to (from
 * IP_PKTINFO / IPV6_PKTINFO), replies leave from it. */
void l2tp_engine_input(struct l2tp_engine *e, lx_ms_t now, const struct l2tp_addr *local,
                       const struct l2tp_addr *peer, const uint8_t *pkt, size_t len);

lx_ms_t l2tp_engine_next_timeout(const struct l2tp_engine *e);
void l2tp_engine_timeout(struct l2tp_engine *e, lx_ms_t now);

/* Opens a control connection to peer (we send SCCRQ). NULL if refused
 * (limits). cfg must outlive the tunnel. */
struct l2tp_tunnel *l2tp_tunnel_open(struct l2tp_engine *e, lx_ms_t now,
                                     const struct l2tp_tunnel_cfg *cfg,
                                     const struct l2tp_addr *local, const struct l2tp_addr *peer);

/* StopCCN with the given Result/Error Code; the tunnel and all its
 * sessions go (TUNNEL_DOWN follows when the StopCCN is acknowledged or the
 * hold time expires). */
void l2tp_tunnel_close(struct l2tp_engine *e, lx_ms_t now, struct l2tp_tunnel *t, uint16_t result,
                       uint16_t error, const char *msg);

/* LAC: an incoming call (ICRQ). LNS: an outgoing call (OCRQ). If the tunnel
 * is not established yet the call waits for it. NULL on limits. */
struct l2tp_session *l2tp_session_incoming_call(struct l2tp_engine *e, lx_ms_t now,
                                                struct l2tp_tunnel *t,
                                                const struct l2tp_call_params *p);
struct l2tp_session *l2tp_session_outgoing_call(struct l2tp_engine *e, lx_ms_t now,
                                                struct l2tp_tunnel *t,
                                                const struct l2tp_call_params *p);
/* LAC outgoing call: the call was answered (send OCCN) or failed. */
void l2tp_session_outgoing_answered(struct l2tp_engine *e, lx_ms_t now, struct l2tp_session *s,
                                    const struct l2tp_call_params *p);

/* CDN with Result/Error Code; SESSION_DOWN follows at once. */
void l2tp_session_close(struct l2tp_engine *e, lx_ms_t now, struct l2tp_session *s, uint16_t result,
                        uint16_t error, const char *msg);
/* The same, the CDN also carrying the RFC 3145 PPP Disconnect Cause Code
 * AVP when cause is non-NULL and set (after Result Code and Assigned
 * Session ID; never Mandatory, hidden like the other AVPs when the tunnel
 * hides). The SESSION_DOWN event reports the cause too. */
void l2tp_session_close_cause(struct l2tp_engine *e, lx_ms_t now, struct l2tp_session *s,
                              uint16_t result, uint16_t error, const char *msg,
                              const struct l2tp_cdn_cause *cause);

/* LNS -> LAC: Set-Link-Info (§6.15). LAC -> LNS: WAN-Error-Notify (§6.14). */
int l2tp_session_send_sli(struct l2tp_engine *e, lx_ms_t now, struct l2tp_session *s,
                          uint32_t accm_send, uint32_t accm_recv);
int l2tp_session_send_wen(struct l2tp_engine *e, lx_ms_t now, struct l2tp_session *s,
                          const uint32_t errors[6]);

/* Sends a PPP frame as an L2TP data message (§5.4) on an established
 * session, with the header options the session negotiated. */
int l2tp_session_send_data(struct l2tp_engine *e, struct l2tp_session *s, const uint8_t *frame,
                           size_t len);

/* Fast path (TUN -> UDP, batched by the caller): writes the L2TP data
 * header for a payload of payload_len bytes (the PPP frame) into hdr,
 * consuming the next data Ns when the session sequences data, and counts
 * the packet in the session's tx counters. *local / *peer point at the
 * tunnel's addresses (valid until the next engine call that may close
 * it). Returns the header length, or 0 if the session is not established
 * or cap is too small. No allocation. */
size_t l2tp_session_data_header(struct l2tp_session *s, uint8_t *hdr, size_t cap,
                                size_t payload_len, const struct l2tp_addr **local,
                                const struct l2tp_addr **peer);

/* StopCCN (Result Code 6, "requester is being shut down") to every peer. */
void l2tp_engine_shutdown(struct l2tp_engine *e, lx_ms_t now);
/* true once every tunnel is gone (after shutdown: StopCCNs acknowledged or
 * given up on). */
bool l2tp_engine_idle(const struct l2tp_engine *e);

/* ---- Introspection (l2tpxctl, tests) ---- */

struct l2tp_tunnel_info {
    uint16_t local_id, peer_id;
    struct l2tp_addr local, peer;
    enum l2tp_tunnel_state state;
    char peer_host_name[128];
    char peer_vendor[64];
    uint16_t peer_rws;
    uint32_t peer_framing_cap, peer_bearer_cap;
    unsigned n_sessions;
    lx_ms_t created_ms, established_ms;
    bool initiator;
    bool authenticated; /* challenge exchange done both ways asked */
    uint64_t rx_ctrl, tx_ctrl, retransmits;
    /* Data messages; bytes count whole L2TP messages (header + PPP frame). */
    uint64_t rx_data_pkts, tx_data_pkts, rx_data_bytes, tx_data_bytes;
};

struct l2tp_session_info {
    uint16_t local_id, peer_id;
    uint16_t tunnel_local_id;
    enum l2tp_session_state state;
    bool lac;      /* we are the LAC end of this call */
    bool incoming; /* incoming call (ICRQ) vs outgoing (OCRQ) */
    bool seq;      /* data sequencing in use */
    lx_ms_t created_ms, established_ms;
    uint64_t rx_pkts, tx_pkts, rx_bytes, tx_bytes; /* bytes: L2TP header + PPP frame */
    uint64_t rx_seq_drops;                         /* late or duplicate sequenced data */
};

void l2tp_tunnel_get_info(const struct l2tp_tunnel *t, struct l2tp_tunnel_info *info);
void l2tp_session_get_info(const struct l2tp_session *s, struct l2tp_session_info *info);
struct l2tp_tunnel *l2tp_session_tunnel(const struct l2tp_session *s);

void l2tp_session_set_user(struct l2tp_session *s, void *user);
void *l2tp_session_get_user(const struct l2tp_session *s);
void l2tp_tunnel_set_user(struct l2tp_tunnel *t, void *user);
void *l2tp_tunnel_get_user(const struct l2tp_tunnel *t);

struct l2tp_tunnel *l2tp_engine_find_tunnel(const struct l2tp_engine *e, uint16_t local_id);
struct l2tp_session *l2tp_tunnel_find_session(const struct l2tp_tunnel *t, uint16_t local_id);

/* Iteration: fn returns false to stop. Do not close inside the callback. */
void l2tp_engine_foreach_tunnel(struct l2tp_engine *e, bool (*fn)(void *arg, struct l2tp_tunnel *t),
                                void *arg);
void l2tp_tunnel_foreach_session(struct l2tp_tunnel *t,
                                 bool (*fn)(void *arg, struct l2tp_session *s), void *arg);

/* Counters of everything dropped or refused, by reason (hostile input). */
struct l2tp_engine_stats {
    uint64_t rx_datagrams, rx_bad_header, rx_bad_version, rx_bad_avp, rx_unknown_tunnel,
        rx_unknown_session, rx_halfopen_refused, rx_tunnel_limit, rx_auth_failed, rx_fsm_errors,
        rx_data_dropped, tunnels_opened, tunnels_closed, sessions_opened, sessions_closed;
    /* §7.1 / §4.2: AVPs without the M bit skipped as malformed or unknown
     * (the message itself was processed). */
    uint64_t rx_avp_ignored;
    unsigned tunnels, halfopen, sessions;
};
void l2tp_engine_get_stats(const struct l2tp_engine *e, struct l2tp_engine_stats *st);

#endif
