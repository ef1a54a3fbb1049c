/* PPP frames as they travel over L2TP (RFC 2661 §2: no HDLC flags, FCS or
 * byte stuffing): optional Address/Control (FF 03, RFC 1662 §3.1, may be
 * omitted under ACFC), Protocol field of 2 bytes or 1 under PFC
 * (RFC 1661 §2, §6.5), then the information field. */
#ifndef L2TPX_PPP_FRAME_H
#define L2TPX_PPP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ppp_frame {
    uint16_t proto;
    const uint8_t *info; /* points into the parsed buffer */
    size_t len;
    bool has_ac; /* FF 03 was present */
    bool pfc;    /* protocol field was compressed to one byte */
};

enum ppp_frame_flags {
    PPP_FRAME_AC = 1,  /* prepend FF 03 */
    PPP_FRAME_PFC = 2, /* one-byte protocol when it fits (RFC 1661 §6.5) */
};

/* 0 on success; -1 if the frame is empty, truncated, or its Protocol field
 * is not a valid PPP protocol number (RFC 1661 §2: the low byte is odd,
 * the high byte even). */
int ppp_frame_parse(const uint8_t *buf, size_t len, struct ppp_frame *out);

/* Writes header + info into out; returns the frame length or 0 if it does
 * not fit in cap. */
size_t ppp_frame_build(uint8_t *out, size_t cap, uint16_t proto, const uint8_t *info, size_t len,
                       unsigned flags);

/* Header length ppp_frame_build() would write. */
size_t ppp_frame_hdr_len(uint16_t proto, unsigned flags);

#endif
