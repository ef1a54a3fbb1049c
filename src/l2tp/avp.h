/* RFC 2661 §4: AVPs and control messages, table-driven.
 *
 * One table (avp_table.c) describes every AVP: vendor, type, name, value
 * kind, size rules, whether it may be hidden and the M bit we send. One
 * table (msg_table.c) names, for each of the 14 message types, the AVPs it
 * must and may carry. Decoding checks every AVP against them; encoding is
 * done with a builder that hides AVPs (§4.3) when asked. */
#ifndef L2TPX_L2TP_AVP_H
#define L2TPX_L2TP_AVP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l2tp/l2tp.h"

#define L2TP_AVP_HDR_LEN   6
#define L2TP_AVP_MAX_LEN   1023 /* 10-bit Length field */
#define L2TP_AVP_FLAG_M    0x8000u
#define L2TP_AVP_FLAG_H    0x4000u
#define L2TP_AVP_RSVD_MASK 0x3c00u
#define L2TP_AVP_LEN_MASK  0x03ffu

/* How an AVP's value is laid out; drives decode validation and printing. */
enum l2tp_avp_kind {
    L2TP_AVPK_U8,
    L2TP_AVPK_U16,
    L2TP_AVPK_U32,
    L2TP_AVPK_U64,
    L2TP_AVPK_STRING,           /* opaque octets shown as text (Host Name, Vendor Name ...) */
    L2TP_AVPK_BYTES,            /* opaque octets */
    L2TP_AVPK_RESULT,           /* u16 result [, u16 error [, message]] */
    L2TP_AVPK_PROTO_VERSION,    /* u8 ver, u8 rev */
    L2TP_AVPK_Q931,             /* u16 cause, u8 msg [, advisory] */
    L2TP_AVPK_CALL_ERRORS,      /* u16 reserved + 6 x u32 */
    L2TP_AVPK_ACCM,             /* u16 reserved, u32 send, u32 recv */
    L2TP_AVPK_EMPTY,            /* no value (Sequencing Required) */
    L2TP_AVPK_DISCONNECT_CAUSE, /* RFC 3145: u16 code, u16 proto, u8 direction [, msg] */
};

struct l2tp_avp_desc {
    uint32_t vendor;
    uint16_t type;
    const char *name;
    enum l2tp_avp_kind kind;
    uint16_t min_val_len; /* value length bounds, header excluded */
    uint16_t max_val_len;
    bool may_hide;       /* §4.4: "This AVP MAY be hidden" */
    bool send_mandatory; /* M bit we set when sending */
};

/* NULL if the (vendor, type) pair is not in the table. */
const struct l2tp_avp_desc *l2tp_avp_lookup(uint32_t vendor, uint16_t type);
const char *l2tp_msg_type_name(uint16_t msg_type);

/* msg_table.c: the AVPs each message type MUST and MAY carry (RFC 2661
 * §6.1-§6.14), as bit masks over IETF attribute types. NULL for a type
 * that is not one of the 14 defined ones. */
#define L2TP_AVP_BIT(t) ((uint64_t)1 << (t))
struct l2tp_msg_desc {
    uint16_t type;
    const char *name;
    uint64_t must;
    uint64_t may;
};
const struct l2tp_msg_desc *l2tp_msg_lookup(uint16_t msg_type);

/* One AVP as found in a message. `val` points into the packet, or into the
 * message's scratch area when the AVP was hidden and has been revealed. */
struct l2tp_avp_ref {
    uint16_t vendor;
    uint16_t type;
    bool m, h;
    uint16_t len; /* value length */
    const uint8_t *val;
};

#define L2TP_MSG_MAX_VENDOR_AVPS 16

struct l2tp_msg {
    uint16_t type;    /* Message Type; L2TP_MSG_ZLB for a ZLB */
    uint64_t present; /* bit t set if IETF AVP t was present */
    struct l2tp_avp_ref avp[L2TP_AVP_STD_MAX + 1];
    unsigned n_vendor; /* known-harmless vendor AVPs kept, up to 16 */
    struct l2tp_avp_ref vendor[L2TP_MSG_MAX_VENDOR_AVPS];
    size_t scratch_used;
    uint8_t scratch[L2TP_MAX_PACKET]; /* revealed (un-hidden) values */
};

/* What decoding found. When status is not OK, result_code/error_code carry
 * the reaction RFC 2661 asks for, and teardown says which scope must go. */
enum l2tp_dec_status {
    L2TP_DEC_OK = 0,
    L2TP_DEC_ZLB,               /* no AVPs: an acknowledgement only */
    L2TP_DEC_BAD_FIRST_AVP,     /* §4.1: Message Type must come first */
    L2TP_DEC_BAD_AVP_HEADER,    /* AVP length < 6 or past the end (a reserved flag bit makes
                                   the AVP "unrecognized", §4.1: UNKNOWN_MANDATORY if M) */
    L2TP_DEC_BAD_AVP_LEN,       /* value length outside the table's bounds */
    L2TP_DEC_BAD_VALUE,         /* value out of range */
    L2TP_DEC_UNKNOWN_MANDATORY, /* §4.2: unknown AVP with M set */
    L2TP_DEC_UNKNOWN_MSG_TYPE,  /* §3.2: unknown message type (M set on its AVP: tear down) */
    L2TP_DEC_MISSING_MANDATORY, /* required AVP absent (msg_table.c) */
    L2TP_DEC_HIDDEN_NO_VECTOR,  /* §4.3: H set but no Random Vector before it */
    L2TP_DEC_HIDDEN_NO_SECRET,  /* H set but no shared secret configured */
    L2TP_DEC_HIDDEN_BAD,        /* revealed length does not fit */
    L2TP_DEC_DUPLICATE_AVP,     /* not returned: duplicates are tolerated, first kept,
                                   counted in l2tp_dec_result.n_duplicate */
};

enum l2tp_teardown_scope {
    L2TP_TEARDOWN_NONE = 0, /* ignore the message (counted) */
    L2TP_TEARDOWN_SESSION,  /* CDN the session the message belongs to */
    L2TP_TEARDOWN_TUNNEL,   /* StopCCN the whole tunnel */
};

struct l2tp_dec_result {
    enum l2tp_dec_status status;
    enum l2tp_teardown_scope scope;
    uint16_t result_code;          /* StopCCN or CDN Result Code to send */
    uint16_t error_code;           /* General Error Code */
    uint16_t avp_vendor, avp_type; /* offending AVP when there is one */
    char why[96];                  /* human-readable, for the Error Message and logs */
    /* Added by the codec work: tolerated oddities, for the engine's counters. */
    unsigned n_duplicate; /* IETF AVPs seen twice (first kept) */
    unsigned n_ignored;   /* non-mandatory AVPs skipped: unknown, malformed (§7.1) */
};

/* Decodes the AVPs of one control message body (after the header).
 * session_id is the header's Session ID: it decides whether an unknown
 * mandatory AVP tears down a session or the tunnel (§4.2).
 * secret may be NULL when no secret is configured. */
enum l2tp_dec_status l2tp_msg_decode(struct l2tp_msg *m, const uint8_t *body, size_t len,
                                     uint16_t session_id, const uint8_t *secret, size_t secret_len,
                                     struct l2tp_dec_result *res);

const char *l2tp_dec_status_str(enum l2tp_dec_status st);

/* Typed getters: return false when the AVP is absent (or has the wrong
 * size, which decode has already rejected). */
static inline bool l2tp_msg_has(const struct l2tp_msg *m, unsigned type)
{
    return type <= L2TP_AVP_STD_MAX && (m->present >> type) & 1u;
}
bool l2tp_msg_u8(const struct l2tp_msg *m, unsigned type, uint8_t *v);
bool l2tp_msg_u16(const struct l2tp_msg *m, unsigned type, uint16_t *v);
bool l2tp_msg_u32(const struct l2tp_msg *m, unsigned type, uint32_t *v);
bool l2tp_msg_u64(const struct l2tp_msg *m, unsigned type, uint64_t *v);
bool l2tp_msg_bytes(const struct l2tp_msg *m, unsigned type, const uint8_t **p, size_t *len);
/* Copies a string AVP NUL-terminated (truncated to cap-1). */
bool l2tp_msg_str(const struct l2tp_msg *m, unsigned type, char *out, size_t cap);

struct l2tp_result {
    uint16_t result;
    bool has_error;
    uint16_t error;
    const uint8_t *msg; /* not NUL-terminated */
    size_t msg_len;
};
bool l2tp_msg_result(const struct l2tp_msg *m, struct l2tp_result *r);

struct l2tp_accm {
    uint32_t send, recv;
};
bool l2tp_msg_accm(const struct l2tp_msg *m, struct l2tp_accm *a);

struct l2tp_proto_version {
    uint8_t ver, rev;
};
bool l2tp_msg_proto_version(const struct l2tp_msg *m, struct l2tp_proto_version *v);

struct l2tp_call_errors {
    uint32_t crc, framing, hw_overrun, buf_overrun, timeout, alignment;
};
bool l2tp_msg_call_errors(const struct l2tp_msg *m, struct l2tp_call_errors *e);

/* §4.4.4 Q.931 Cause Code. */
struct l2tp_q931 {
    uint16_t cause;
    uint8_t msg;
    const uint8_t *advisory; /* not NUL-terminated */
    size_t advisory_len;
};
bool l2tp_msg_q931(const struct l2tp_msg *m, struct l2tp_q931 *q);

/* RFC 3145 PPP Disconnect Cause Code (AVP 46). */
struct l2tp_disconnect_cause {
    uint16_t code;
    uint16_t proto;
    uint8_t direction;
    const uint8_t *msg; /* not NUL-terminated */
    size_t msg_len;
};
bool l2tp_msg_disconnect_cause(const struct l2tp_msg *m, struct l2tp_disconnect_cause *d);

/* ---- Encoding ------------------------------------------------------------
 *
 * l2tp_mb_init() writes the Message Type AVP; each l2tp_mb_*() call appends
 * one AVP with the table's M bit. With hiding on (secret set and hide=true),
 * AVPs the table marks may_hide are hidden: the builder first emits a
 * Random Vector AVP (§4.3: it must precede the first hidden AVP) and then
 * the hidden value MD5-chained per §4.3, with random padding-free subformat
 * (Original Length + value). Errors are sticky; l2tp_mb_finish() reports. */
struct l2tp_msg_builder {
    uint8_t *buf;
    size_t cap, len;
    bool err;
    uint16_t msg_type;
    const uint8_t *secret;
    size_t secret_len;
    bool hide;
    bool have_rv;
    uint8_t rv[16];
};

void l2tp_mb_init(struct l2tp_msg_builder *b, uint8_t *buf, size_t cap, uint16_t msg_type);
void l2tp_mb_set_hiding(struct l2tp_msg_builder *b, const uint8_t *secret, size_t secret_len,
                        bool hide);
void l2tp_mb_u8(struct l2tp_msg_builder *b, uint16_t type, uint8_t v);
void l2tp_mb_u16(struct l2tp_msg_builder *b, uint16_t type, uint16_t v);
void l2tp_mb_u32(struct l2tp_msg_builder *b, uint16_t type, uint32_t v);
void l2tp_mb_u64(struct l2tp_msg_builder *b, uint16_t type, uint64_t v);
void l2tp_mb_bytes(struct l2tp_msg_builder *b, uint16_t type, const void *p, size_t len);
void l2tp_mb_str(struct l2tp_msg_builder *b, uint16_t type, const char *s);
void l2tp_mb_empty(struct l2tp_msg_builder *b, uint16_t type);
void l2tp_mb_result(struct l2tp_msg_builder *b, uint16_t result, bool with_error, uint16_t error,
                    const char *msg);
void l2tp_mb_proto_version(struct l2tp_msg_builder *b, uint8_t ver, uint8_t rev);
void l2tp_mb_accm(struct l2tp_msg_builder *b, uint32_t send, uint32_t recv);
void l2tp_mb_call_errors(struct l2tp_msg_builder *b, const struct l2tp_call_errors *e);
void l2tp_mb_q931(struct l2tp_msg_builder *b, uint16_t cause, uint8_t msg, const char *advisory);
void l2tp_mb_disconnect_cause(struct l2tp_msg_builder *b, uint16_t code, uint16_t proto,
                              uint8_t direction, const char *msg);
/* Raw AVP with explicit vendor and flags (tests, vendor extensions). */
void l2tp_mb_raw(struct l2tp_msg_builder *b, uint16_t vendor, uint16_t type, bool m, bool h,
                 const void *val, size_t len);
/* Returns the body length, or 0 on overflow. */
size_t l2tp_mb_finish(struct l2tp_msg_builder *b);

/* RFC 2661 §4.3: hides/reveals one value in place. out must hold
 * 2 + len bytes (hide) ; used by the builder and decoder, public for tests. */
size_t l2tp_avp_hide(uint16_t type, const uint8_t *secret, size_t secret_len, const uint8_t *rv,
                     size_t rv_len, const uint8_t *val, size_t len, uint8_t *out, size_t out_cap);
/* Returns the revealed value length, or -1 if the subformat does not fit. */
long l2tp_avp_reveal(uint16_t type, const uint8_t *secret, size_t secret_len, const uint8_t *rv,
                     size_t rv_len, const uint8_t *hidden, size_t len, uint8_t *out,
                     size_t out_cap);

/* Pretty-prints a decoded message into out (for debug logs and tests). */
size_t l2tp_msg_format(const struct l2tp_msg *m, char *out, size_t cap);

#endif
