/* PPP frame header parsing and building (RFC 1661 §2, RFC 1662 §3). */
#include "ppp/frame.h"

#include <string.h>

#include "lib/buf.h"

int ppp_frame_parse(const uint8_t *buf, size_t len, struct ppp_frame *out)
{
    struct lx_rd r;
    lx_rd_init(&r, buf, len);
    memset(out, 0, sizeof(*out));
    /* RFC 1662 §3.1: All-Stations address and UI control. 0xFF is never a
     * valid first protocol byte of ours (it would be the compressed
     * protocol 0xFF, unassigned), so its presence is unambiguous. */
    if (len >= 2 && buf[0] == 0xff && buf[1] == 0x03) {
        lx_rd_skip(&r, 2);
        out->has_ac = true;
    }
    uint8_t hi = lx_rd_u8(&r);
    if (r.err)
        return -1;
    if (hi & 1) {
        /* RFC 1661 §6.5: a compressed (one-byte) protocol field. */
        out->proto = hi;
        out->pfc = true;
    } else {
        uint8_t lo = lx_rd_u8(&r);
        /* RFC 1661 §2: the low byte of every protocol number is odd. */
        if (r.err || !(lo & 1))
            return -1;
        out->proto = (uint16_t)(hi << 8 | lo);
    }
    out->len = lx_rd_left(&r);
    out->info = buf + r.off;
    return 0;
}

size_t ppp_frame_hdr_len(uint16_t proto, unsigned flags)
{
    size_t n = (flags & PPP_FRAME_AC) ? 2 : 0;
    /* Only protocols 0x0001-0x00ff compress (the high byte is zero). */
    n += ((flags & PPP_FRAME_PFC) && proto < 0x100) ? 1 : 2;
    return n;
}

size_t ppp_frame_build(uint8_t *out, size_t cap, uint16_t proto, const uint8_t *info, size_t len,
                       unsigned flags)
{
    struct lx_wr w;
    lx_wr_init(&w, out, cap);
    if (flags & PPP_FRAME_AC) {
        lx_wr_u8(&w, 0xff);
        lx_wr_u8(&w, 0x03);
    }
    if ((flags & PPP_FRAME_PFC) && proto < 0x100)
        lx_wr_u8(&w, (uint8_t)proto);
    else
        lx_wr_u16(&w, proto);
    lx_wr_bytes(&w, info, len);
    return w.err ? 0 : w.len;
}
