/* RFC 2661 §3.1: L2TP header encode/decode. */
#include "l2tp/header.h"

#include "l2tp/l2tp.h"
#include "lib/buf.h"

#include <string.h>

enum l2tp_hdr_status l2tp_hdr_decode(const uint8_t *p, size_t len, struct l2tp_hdr *h)
{
    struct lx_rd r;
    lx_rd_init(&r, p, len);

    /* Every field is defined on every return, even on error paths, so a
     * caller logging a rejected header never reads stale memory. */
    memset(h, 0, sizeof *h);
    h->flags_ver = lx_rd_u16(&r);
    if (r.err)
        return L2TP_HDR_ERR_SHORT;
    h->ver = (uint8_t)(h->flags_ver & L2TP_HDR_VER_MASK);
    h->is_ctrl = (h->flags_ver & L2TP_HDR_T) != 0;
    h->has_len = (h->flags_ver & L2TP_HDR_L) != 0;
    h->has_seq = (h->flags_ver & L2TP_HDR_S) != 0;
    h->has_off = (h->flags_ver & L2TP_HDR_O) != 0;
    h->prio = (h->flags_ver & L2TP_HDR_P) != 0;
    /* §3.1: "The x bits are reserved ... ignored on incoming messages":
     * they are kept in flags_ver only and never tested. */

    /* §3.1: "Packets received with an unknown Ver field MUST be discarded."
     * (1 is L2F, 3 is L2TPv3.) */
    if (h->ver != L2TP_VERSION)
        return L2TP_HDR_ERR_VERSION;

    /* §3.1: L and S MUST be set on control messages; without them we
     * cannot run the reliable channel. O and P MUST be 0 when sent; we are
     * tolerant and honour an offset / ignore the priority. */
    if (h->is_ctrl && (!h->has_len || !h->has_seq))
        return L2TP_HDR_ERR_CTRL_FLAGS;

    if (h->has_len)
        h->length = lx_rd_u16(&r);
    h->tunnel_id = lx_rd_u16(&r);
    h->session_id = lx_rd_u16(&r);
    if (h->has_seq) {
        h->ns = lx_rd_u16(&r);
        h->nr = lx_rd_u16(&r);
    }
    if (h->has_off)
        h->offset_size = lx_rd_u16(&r);
    if (r.err)
        return L2TP_HDR_ERR_SHORT;

    size_t end = len;
    if (h->has_len) {
        /* Length is the whole message; it may be shorter than the datagram
         * (trailing bytes ignored) but never longer or shorter than the
         * header itself. */
        if (h->length > len || h->length < r.off)
            return L2TP_HDR_ERR_LENGTH;
        end = h->length;
    }
    if (h->offset_size > end - r.off)
        return L2TP_HDR_ERR_OFFSET;
    h->payload_off = r.off + h->offset_size;
    h->payload_len = end - h->payload_off;
    return L2TP_HDR_OK;
}

const char *l2tp_hdr_status_str(enum l2tp_hdr_status st)
{
    switch (st) {
    case L2TP_HDR_OK:
        return "ok";
    case L2TP_HDR_ERR_SHORT:
        return "truncated header";
    case L2TP_HDR_ERR_VERSION:
        return "unsupported version";
    case L2TP_HDR_ERR_CTRL_FLAGS:
        return "control message without L or S bit";
    case L2TP_HDR_ERR_LENGTH:
        return "length field does not match datagram";
    case L2TP_HDR_ERR_OFFSET:
        return "offset size past end of message";
    }
    return "?";
}

size_t l2tp_hdr_encode_ctrl(uint8_t *out, size_t cap, uint16_t tunnel_id, uint16_t session_id,
                            uint16_t ns, uint16_t nr, size_t body_len)
{
    if (cap < L2TP_CTRL_HDR_LEN || body_len > L2TP_MAX_PACKET - L2TP_CTRL_HDR_LEN)
        return 0;
    struct lx_wr w;
    lx_wr_init(&w, out, cap);
    lx_wr_u16(&w, L2TP_HDR_T | L2TP_HDR_L | L2TP_HDR_S | L2TP_VERSION);
    lx_wr_u16(&w, (uint16_t)(L2TP_CTRL_HDR_LEN + body_len));
    lx_wr_u16(&w, tunnel_id);
    lx_wr_u16(&w, session_id);
    lx_wr_u16(&w, ns);
    lx_wr_u16(&w, nr);
    return w.err ? 0 : w.len;
}

size_t l2tp_hdr_encode_data(uint8_t *out, size_t cap, uint16_t tunnel_id, uint16_t session_id,
                            const struct l2tp_data_hdr_opts *o, size_t payload_len)
{
    struct lx_wr w;
    lx_wr_init(&w, out, cap);
    uint16_t flags = L2TP_VERSION;
    size_t hlen = 6;
    if (o->with_len) {
        flags |= L2TP_HDR_L;
        hlen += 2;
    }
    if (o->with_seq) {
        flags |= L2TP_HDR_S;
        hlen += 4;
    }
    if (o->with_off) {
        flags |= L2TP_HDR_O;
        hlen += 2;
    }
    if (payload_len > L2TP_MAX_PACKET - hlen)
        return 0;
    lx_wr_u16(&w, flags);
    if (o->with_len)
        lx_wr_u16(&w, (uint16_t)(hlen + payload_len));
    lx_wr_u16(&w, tunnel_id);
    lx_wr_u16(&w, session_id);
    if (o->with_seq) {
        lx_wr_u16(&w, o->ns);
        lx_wr_u16(&w, o->nr);
    }
    if (o->with_off)
        lx_wr_u16(&w, 0);
    return w.err ? 0 : w.len;
}
