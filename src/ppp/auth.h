/* PPP authentication protocols as sans-I/O objects, one per side:
 *   authenticator (the LNS checks the user)  ppp_authr_*
 *   peer          (the LAC client proves itself) ppp_authp_*
 * Methods: PAP (RFC 1334), CHAP-MD5 (RFC 1994), MS-CHAPv1 (RFC 2433),
 * MS-CHAPv2 (RFC 2759).
 *
 * The authenticator never decides by itself: it hands a struct
 * ppp_auth_request to its owner (verify callback), which passes it to an
 * AAA backend (src/aaa/) and later answers with ppp_authr_verdict(). That
 * is the asynchronous seam RADIUS plugs into. */
#ifndef L2TPX_PPP_AUTH_H
#define L2TPX_PPP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/clock.h"

enum ppp_auth_method {
    PPP_AUTH_NONE = 0,
    PPP_AUTH_PAP,
    PPP_AUTH_CHAP_MD5,
    PPP_AUTH_MSCHAP_V1,
    PPP_AUTH_MSCHAP_V2,
    PPP_AUTH_METHOD_COUNT,
};

/* LCP Authentication-Protocol option (RFC 1661 §6.2, RFC 1994 §3):
 * PAP = c023; CHAP = c223 + algorithm 5 (MD5), 0x80 (MS-CHAPv1), 0x81 (v2). */
#define PPP_CHAP_ALG_MD5      5
#define PPP_CHAP_ALG_MSCHAPV1 0x80
#define PPP_CHAP_ALG_MSCHAPV2 0x81

const char *ppp_auth_method_name(enum ppp_auth_method m); /* "pap", "chap", "mschap", "mschap-v2" */
/* Encodes the option data (after type and length): 2 or 3 bytes. */
size_t ppp_auth_method_to_option(enum ppp_auth_method m, uint8_t out[3]);
/* PPP_AUTH_NONE if the option data names nothing we know. */
enum ppp_auth_method ppp_auth_method_from_option(const uint8_t *data, size_t len);

#define PPP_AUTH_NAME_MAX 255

/* What the authenticator asks the backend to verify. */
struct ppp_auth_request {
    enum ppp_auth_method method;
    char user[PPP_AUTH_NAME_MAX + 1];
    /* PAP */
    uint8_t password[PPP_AUTH_NAME_MAX + 1];
    size_t password_len;
    /* CHAP-MD5 / MS-CHAP: the challenge we sent and what came back */
    uint8_t chap_id;
    uint8_t challenge[64]; /* MS-CHAPv2: 16-byte Authenticator Challenge */
    size_t challenge_len;
    uint8_t response[64]; /* CHAP-MD5: 16-byte MD5; MS-CHAPv1/v2: 49-byte Response */
    size_t response_len;
};

/* Attributes a backend returns with an accept (RADIUS-ready). 0 = unset. */
struct ppp_auth_attrs {
    uint32_t framed_ip; /* host order IPv4 for the peer */
    uint32_t framed_netmask;
    uint32_t dns[2], nbns[2];
    char framed_pool[32];
    uint64_t ipv6_ifid; /* interface identifier for IPv6CP */
    uint32_t session_timeout_s;
    uint32_t idle_timeout_s;
    uint32_t rate_limit_kbps;
    char class_attr[64];
};

struct ppp_auth_verdict {
    bool accept;
    struct ppp_auth_attrs attrs;
    char message[128]; /* PAP/CHAP Success or Failure message text */
    /* MS-CHAPv2: the backend computes the 42-char "S=..." authenticator
     * response (it alone knows the password); MS-CHAPv1/v2 failure: the
     * error code (RFC 2759 §6, e.g. 691 E=691 R=0). */
    char mschap_auth_response[43];
    unsigned mschap_error;
    /* MPPE master keys (RFC 3079), for a later CCP/MPPE */
    uint8_t mppe_send_key[16], mppe_recv_key[16];
    bool has_mppe_keys;
};

/* Callbacks from an auth object to its owner (the PPP link). */
struct ppp_auth_ops {
    /* A packet for protocol proto (PAP or CHAP): code, id, length, data. */
    void (*send)(void *ctx, uint16_t proto, const uint8_t *pkt, size_t len);
    /* Authenticator only: verify this (answer with ppp_authr_verdict). */
    void (*verify)(void *ctx, const struct ppp_auth_request *req);
    /* Finished: success or failure. For the authenticator, verdict holds
     * the backend's attributes on success. */
    void (*done)(void *ctx, bool success, const struct ppp_auth_verdict *verdict);
};

/* Checks a request against the user's known clear-text password, as a local
 * secrets backend does: PAP compare (constant time), CHAP-MD5 (RFC 1994
 * §4.1), MS-CHAPv1 NT-Response (RFC 2433), MS-CHAPv2 NT-Response with the
 * Authenticator Response and MPPE master keys (RFC 2759, RFC 3079).
 * Fills v->accept and the MS-CHAP fields; leaves v->attrs alone. */
void ppp_auth_check_password(const struct ppp_auth_request *req, const char *password,
                             struct ppp_auth_verdict *v);

struct ppp_authr_cfg {
    enum ppp_auth_method method;
    char our_name[64];       /* CHAP Name we send */
    uint32_t timeout_ms;     /* retransmit Challenge / wait for Request (default 3000) */
    unsigned max_tries;      /* challenges / PAP requests before giving up (default 10) */
    uint32_t rechallenge_ms; /* CHAP periodic re-challenge, 0 = off */
};

struct ppp_authp_cfg {
    enum ppp_auth_method method;
    char user[PPP_AUTH_NAME_MAX + 1];
    char password[PPP_AUTH_NAME_MAX + 1];
    uint32_t timeout_ms; /* PAP retransmit / overall wait (default 3000) */
    unsigned max_tries;  /* default 10 */
};

struct ppp_authr;
struct ppp_authp;

struct ppp_authr *ppp_authr_new(const struct ppp_authr_cfg *cfg, const struct ppp_auth_ops *ops,
                                void *ctx);
void ppp_authr_free(struct ppp_authr *a);
void ppp_authr_start(struct ppp_authr *a, lx_ms_t now);
void ppp_authr_input(struct ppp_authr *a, lx_ms_t now, const uint8_t *pkt, size_t len);
void ppp_authr_verdict(struct ppp_authr *a, lx_ms_t now, const struct ppp_auth_verdict *v);
lx_ms_t ppp_authr_next_timeout(const struct ppp_authr *a);
void ppp_authr_timeout(struct ppp_authr *a, lx_ms_t now);

struct ppp_authp *ppp_authp_new(const struct ppp_authp_cfg *cfg, const struct ppp_auth_ops *ops,
                                void *ctx);
void ppp_authp_free(struct ppp_authp *a);
void ppp_authp_start(struct ppp_authp *a, lx_ms_t now);
void ppp_authp_input(struct ppp_authp *a, lx_ms_t now, const uint8_t *pkt, size_t len);
lx_ms_t ppp_authp_next_timeout(const struct ppp_authp *a);
void ppp_authp_timeout(struct ppp_authp *a, lx_ms_t now);

#endif
