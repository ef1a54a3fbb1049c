/* Internals shared by auth.c, pap.c, chap.c and mschap.c. Not part of the
 * contract in auth.h: nothing outside these files includes it. */
#ifndef L2TPX_PPP_AUTH_PRIV_H
#define L2TPX_PPP_AUTH_PRIV_H

#include "ppp/auth.h"
#include "ppp/ppp.h"

/* PAP codes (RFC 1334 §2.2) */
enum {
    PPP_PAP_REQ = 1,
    PPP_PAP_ACK = 2,
    PPP_PAP_NAK = 3,
};

/* CHAP codes (RFC 1994 §4) */
enum {
    PPP_CHAP_CHALLENGE = 1,
    PPP_CHAP_RESPONSE = 2,
    PPP_CHAP_SUCCESS = 3,
    PPP_CHAP_FAILURE = 4,
};

#define PPP_AUTH_DEFAULT_TIMEOUT_MS 3000
#define PPP_AUTH_DEFAULT_MAX_TRIES  10
#define PPP_AUTH_REPLY_MAX          512 /* Success/Failure/Ack/Nak we keep */
#define PPP_MSCHAP_RESPONSE_LEN     49  /* RFC 2433 §6, RFC 2759 §4 */
#define PPP_CHAP_MAX_VALUE          255 /* Value-Size is one octet */

enum ppp_auth_state {
    PPP_AUTH_ST_INIT,   /* not started */
    PPP_AUTH_ST_WAIT,   /* authr: Challenge sent / waiting for PAP Request;
                           authp: Request sent / waiting for the result */
    PPP_AUTH_ST_VERIFY, /* authr: backend is deciding */
    PPP_AUTH_ST_OPEN,   /* authenticated */
    PPP_AUTH_ST_FAILED, /* gave up or rejected; done(false) reported */
};

struct ppp_authr {
    struct ppp_authr_cfg cfg;
    struct ppp_auth_ops ops;
    void *ctx;
    enum ppp_auth_state state;
    bool reported_ok; /* done(true) already reported (re-challenge follows) */
    lx_ms_t deadline; /* retransmit / give up */
    lx_ms_t rechallenge_at;
    unsigned tries;
    uint8_t id; /* CHAP: current Challenge id; PAP: id to answer */
    uint8_t challenge[16];
    size_t challenge_len;
    uint8_t pkt[PPP_AUTH_REPLY_MAX]; /* Challenge being retransmitted */
    size_t pkt_len;
    uint8_t reply[PPP_AUTH_REPLY_MAX]; /* last Ack/Nak/Success/Failure */
    size_t reply_len;
    struct ppp_auth_request req; /* being verified (PAP: holds a password) */
    char user_shown[96];         /* req.user made printable for log lines */
};

struct ppp_authp {
    struct ppp_authp_cfg cfg;
    struct ppp_auth_ops ops;
    void *ctx;
    enum ppp_auth_state state;
    lx_ms_t deadline;
    unsigned tries;
    uint8_t id;       /* PAP: current Request id; CHAP: id we last answered */
    bool answered;    /* CHAP: a Response is outstanding for id */
    bool result_seen; /* CHAP: Success/Failure for id already handled */
    uint8_t challenge[PPP_CHAP_MAX_VALUE];
    size_t challenge_len;
    uint8_t resp_value[PPP_MSCHAP_RESPONSE_LEN]; /* what we sent (v2: kept for §5) */
    size_t resp_value_len;
    uint8_t pkt[PPP_AUTH_NAME_MAX * 2 + 16]; /* last Request/Response sent */
    size_t pkt_len;
    char user_shown[96]; /* cfg.user made printable for log lines */
};

/* auth.c: shared helpers */
void ppp_auth_send_pkt(const struct ppp_auth_ops *ops, void *ctx, uint16_t proto, uint8_t *buf,
                       size_t cap, size_t *out_len, uint8_t code, uint8_t id, const void *d1,
                       size_t l1, const void *d2, size_t l2, const void *d3, size_t l3);
bool ppp_auth_parse_hdr(const uint8_t *pkt, size_t len, uint8_t *code, uint8_t *id,
                        const uint8_t **data, size_t *dlen);
/* Copies at most cap-1 printable ASCII bytes for a log line. */
void ppp_auth_printable(const uint8_t *p, size_t n, char *out, size_t cap);
void ppp_authr_finish(struct ppp_authr *a, bool ok, const struct ppp_auth_verdict *v);
void ppp_authp_finish(struct ppp_authp *a, bool ok, const struct ppp_auth_verdict *v);

/* pap.c */
void ppp_pap_authr_start(struct ppp_authr *a, lx_ms_t now);
void ppp_pap_authr_input(struct ppp_authr *a, lx_ms_t now, const uint8_t *pkt, size_t len);
void ppp_pap_authr_verdict(struct ppp_authr *a, lx_ms_t now, const struct ppp_auth_verdict *v);
void ppp_pap_authr_timeout(struct ppp_authr *a, lx_ms_t now);
void ppp_pap_authp_start(struct ppp_authp *a, lx_ms_t now);
void ppp_pap_authp_input(struct ppp_authp *a, lx_ms_t now, const uint8_t *pkt, size_t len);
void ppp_pap_authp_timeout(struct ppp_authp *a, lx_ms_t now);

/* chap.c: CHAP framing for MD5, MS-CHAPv1 and MS-CHAPv2 */
void ppp_chap_authr_start(struct ppp_authr *a, lx_ms_t now);
void ppp_chap_authr_input(struct ppp_authr *a, lx_ms_t now, const uint8_t *pkt, size_t len);
void ppp_chap_authr_verdict(struct ppp_authr *a, lx_ms_t now, const struct ppp_auth_verdict *v);
void ppp_chap_authr_timeout(struct ppp_authr *a, lx_ms_t now);
void ppp_chap_authp_start(struct ppp_authp *a, lx_ms_t now);
void ppp_chap_authp_input(struct ppp_authp *a, lx_ms_t now, const uint8_t *pkt, size_t len);
void ppp_chap_authp_timeout(struct ppp_authp *a, lx_ms_t now);

/* mschap.c: the MS-CHAP specifics plugged into chap.c */
/* Peer: 49-octet Response value for a Challenge (RFC 2433 §6, RFC 2759 §4). */
bool ppp_mschap_peer_response(const struct ppp_authp *a, const uint8_t *chal, size_t chal_len,
                              uint8_t out[PPP_MSCHAP_RESPONSE_LEN]);
/* Peer: checks a Success message (RFC 2759 §5 / §8.8 for v2) and fills the
 * peer-side MPPE keys (RFC 3079). */
bool ppp_mschap_peer_check_success(const struct ppp_authp *a, const uint8_t *msg, size_t len,
                                   struct ppp_auth_verdict *v);
/* Peer: logs and decodes a Failure message (RFC 2433 §8, RFC 2759 §6). */
void ppp_mschap_peer_parse_failure(const struct ppp_authp *a, const uint8_t *msg, size_t len,
                                   struct ppp_auth_verdict *v);
/* Authenticator: Success / Failure message text (without the header). */
size_t ppp_mschap_success_msg(const struct ppp_authr *a, const struct ppp_auth_verdict *v,
                              char *out, size_t cap);
size_t ppp_mschap_failure_msg(const struct ppp_authr *a, const struct ppp_auth_verdict *v,
                              char *out, size_t cap);

#endif
