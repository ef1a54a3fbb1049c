/* RFC 2661 §3.1: the L2TP header, for control and data messages. */
#ifndef L2TPX_L2TP_HEADER_H
#define L2TPX_L2TP_HEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* First-octet flag bits (RFC 2661 §3.1). */
#define L2TP_HDR_T        0x8000u
#define L2TP_HDR_L        0x4000u
#define L2TP_HDR_S        0x0800u
#define L2TP_HDR_O        0x0200u
#define L2TP_HDR_P        0x0100u
#define L2TP_HDR_VER_MASK 0x000fu

struct l2tp_hdr {
    uint16_t flags_ver; /* first 16 bits as received */
    uint8_t ver;
    bool is_ctrl;    /* T */
    bool has_len;    /* L */
    bool has_seq;    /* S */
    bool has_off;    /* O */
    bool prio;       /* P */
    uint16_t length; /* only if has_len */
    uint16_t tunnel_id;
    uint16_t session_id;
    uint16_t ns, nr;      /* only if has_seq */
    uint16_t offset_size; /* only if has_off */
    size_t payload_off;   /* where the AVPs / PPP frame start */
    size_t payload_len;   /* bounded by Length when L is set, else by the datagram */
};

enum l2tp_hdr_status {
    L2TP_HDR_OK = 0,
    L2TP_HDR_ERR_SHORT,      /* datagram shorter than the header its flags announce */
    L2TP_HDR_ERR_VERSION,    /* Ver != 2 (1 = L2F, 3 = L2TPv3): §3.1 says discard */
    L2TP_HDR_ERR_CTRL_FLAGS, /* control message without L or S (O and P are tolerated) */
    L2TP_HDR_ERR_LENGTH,     /* Length field larger than the datagram or smaller than the header */
    L2TP_HDR_ERR_OFFSET,     /* Offset Size points past the end */
};

/* Decodes the header at p[0..len). Reserved bits are ignored, as §3.1 says. */
enum l2tp_hdr_status l2tp_hdr_decode(const uint8_t *p, size_t len, struct l2tp_hdr *h);

const char *l2tp_hdr_status_str(enum l2tp_hdr_status st);

/* Writes a 12-byte control header (T, L, S set; Ver 2) whose Length covers
 * the header plus body_len. Returns 12, or 0 if cap < 12 or the total
 * would exceed 65535. */
size_t l2tp_hdr_encode_ctrl(uint8_t *out, size_t cap, uint16_t tunnel_id, uint16_t session_id,
                            uint16_t ns, uint16_t nr, size_t body_len);

struct l2tp_data_hdr_opts {
    bool with_len; /* L bit */
    bool with_seq; /* S bit: Ns/Nr present (§5.4) */
    bool with_off; /* O bit with Offset Size 0 */
    uint16_t ns, nr;
};

/* Writes a data header; with_len needs payload_len to fill Length.
 * Returns the header size, or 0 on overflow. */
size_t l2tp_hdr_encode_data(uint8_t *out, size_t cap, uint16_t tunnel_id, uint16_t session_id,
                            const struct l2tp_data_hdr_opts *o, size_t payload_len);

/* RFC 2661 §5.8: 16-bit sequence arithmetic. true if a precedes b. */
static inline bool l2tp_seq_lt(uint16_t a, uint16_t b)
{
    return (int16_t)(uint16_t)(a - b) < 0;
}

#endif
