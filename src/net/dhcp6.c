#include "net/dhcp6.h"

#include "lib/buf.h"
#include "lib/csum.h"

#include <errno.h>
#include <string.h>

#define IP6_HDR_LEN  40
#define UDP_HDR_LEN  8
#define MSG_HDR_LEN  4 /* msg-type, transaction-id (RFC 8415 §8) */
#define IPPROTO_UDP_ 17
#define OPT_HDR_LEN  4 /* option-code, option-len (§21.1) */

/* RFC 8415 §21 option codes (23: RFC 3646 §3). */
#define OPT_CLIENTID     1
#define OPT_SERVERID     2
#define OPT_IA_NA        3
#define OPT_ORO          6
#define OPT_PREFERENCE   7
#define OPT_ELAPSED_TIME 8
#define OPT_STATUS_CODE  13
#define OPT_RAPID_COMMIT 14
#define OPT_DNS_SERVERS  23
#define OPT_IA_PD        25
#define OPT_IAPREFIX     26
#define OPT_INFO_REFRESH 32

#define IA_FIXED_LEN       12 /* IAID, T1, T2 (§21.4, §21.21) */
#define IAPREFIX_FIXED_LEN 25 /* preferred, valid, plen, prefix (§21.22) */
#define STATUS_FIXED_LEN   2  /* status-code, then the message (§21.13) */

#define HOP_LIMIT_LOCAL  255
#define HOP_LIMIT_GLOBAL 64

#define XID_MAX 0xffffffu

/* RFC 8415 §7.3: the messages a client sends to a server. */
static bool is_client_type(uint8_t t)
{
    switch (t) {
    case NET_DHCP6_SOLICIT:
    case NET_DHCP6_REQUEST:
    case NET_DHCP6_CONFIRM:
    case NET_DHCP6_RENEW:
    case NET_DHCP6_REBIND:
    case NET_DHCP6_RELEASE:
    case NET_DHCP6_DECLINE:
    case NET_DHCP6_INFORMATION_REQUEST:
        return true;
    default:
        return false;
    }
}

/* ... and the ones a server sends to a client (Reconfigure excepted: we
 * do not implement it, and it needs authentication, §18.2.11). */
static bool is_server_type(uint8_t t)
{
    return t == NET_DHCP6_ADVERTISE || t == NET_DHCP6_REPLY;
}

/* RFC 4291 §2.5.6 (fe80::/10) and §2.7 (ff00::/8): destinations on this
 * link only. */
static bool is_link_scope(const uint8_t a[16])
{
    return (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || a[0] == 0xff;
}

/* RFC 8200 §8.1: the UDP checksum covers the IPv6 pseudo-header. */
static uint16_t udp6_sum(const uint8_t *pkt, size_t udp_len)
{
    return lx_csum_ip6(pkt, udp_len, IPPROTO_UDP_);
}

bool net_dhcp6_is_to_server(const uint8_t *pkt, size_t len)
{
    return pkt != NULL && len >= IP6_HDR_LEN + UDP_HDR_LEN && (pkt[0] >> 4) == 6 &&
           pkt[6] == IPPROTO_UDP_ && lx_get_u16(pkt + IP6_HDR_LEN + 2) == NET_DHCP6_SERVER_PORT;
}

bool net_dhcp6_is_to_client(const uint8_t *pkt, size_t len)
{
    return pkt != NULL && len >= IP6_HDR_LEN + UDP_HDR_LEN && (pkt[0] >> 4) == 6 &&
           pkt[6] == IPPROTO_UDP_ && lx_get_u16(pkt + IP6_HDR_LEN + 2) == NET_DHCP6_CLIENT_PORT;
}

/* RFC 8415 §21.1: option-code(2), option-len(2), option-data. Returns 1
 * with the option's code and a reader over its data, 0 at the end of the
 * container, -EINVAL when an option header is cut or the data runs past
 * the container (the message cannot be delimited: §16 discards it). */
static int next_opt(struct lx_rd *r, uint16_t *code, struct lx_rd *data)
{
    if (lx_rd_left(r) == 0)
        return r->err ? -EINVAL : 0;
    uint16_t c = lx_rd_u16(r);
    uint16_t n = lx_rd_u16(r);
    const uint8_t *q = lx_rd_ptr(r, n);
    if (r->err || q == NULL)
        return -EINVAL;
    *code = c;
    lx_rd_init(data, q, n);
    return 1;
}

/* Checks that every option inside d is delimited, contents ignored (the
 * sub-options of an IA Prefix, §21.22). */
static int skip_opts(struct lx_rd *d)
{
    uint16_t code;
    struct lx_rd sub;
    int rc;
    while ((rc = next_opt(d, &code, &sub)) > 0)
        ;
    return rc;
}

/* RFC 8415 §21.13: status-code(2) then a UTF-8 message, not
 * NUL-terminated. The message is for logs: it is cut to what fits and
 * control bytes are replaced, so that it can be printed as it is. The
 * UTF-8 is not validated (a cut may split a character). */
static int read_status(struct lx_rd *d, uint16_t *code, char *msg)
{
    if (lx_rd_left(d) < STATUS_FIXED_LEN)
        return -EINVAL;
    *code = lx_rd_u16(d);
    if (msg == NULL)
        return 0;
    size_t n = lx_rd_left(d);
    if (n > NET_DHCP6_STATUS_MSG - 1)
        n = NET_DHCP6_STATUS_MSG - 1;
    const uint8_t *q = lx_rd_ptr(d, n);
    for (size_t i = 0; i < n; i++)
        msg[i] = (q[i] < 0x20 || q[i] == 0x7f) ? '?' : (char)q[i];
    msg[n] = '\0';
    return 0;
}

/* RFC 8415 §21.22 IA Prefix: preferred-lifetime(4), valid-lifetime(4),
 * prefix-length(1), IPv6-prefix(16), IAprefix-options. Returns 1 with *p
 * filled, 0 for a prefix to skip (a length over 128 names no prefix), or
 * -EINVAL for a malformed option. */
static int read_iaprefix(struct lx_rd *d, struct net_dhcp6_prefix *p)
{
    if (lx_rd_left(d) < IAPREFIX_FIXED_LEN)
        return -EINVAL;
    struct net_dhcp6_prefix x;
    memset(&x, 0, sizeof x);
    x.preferred_s = lx_rd_u32(d);
    x.valid_s = lx_rd_u32(d);
    x.plen = lx_rd_u8(d);
    const uint8_t *pfx = lx_rd_ptr(d, 16);
    if (d->err || pfx == NULL)
        return -EINVAL; /* cannot happen: the length was checked */
    /* The prefix's own options (a Status Code, §21.22) are not used, but
     * must be well-formed like any other. */
    if (skip_opts(d) < 0)
        return -EINVAL;
    if (x.plen > 128)
        return 0;
    lx_ip6_mask(x.prefix, pfx, x.plen);
    *p = x;
    return 1;
}

/* RFC 8415 §21.4 IA_NA / §21.21 IA_PD: IAID(4), T1(4), T2(4), IA options.
 * ia may be NULL (an IA past the limit): it is validated all the same. */
static int read_ia(struct lx_rd *d, bool pd, struct net_dhcp6_ia *ia)
{
    if (lx_rd_left(d) < IA_FIXED_LEN)
        return -EINVAL;
    struct net_dhcp6_ia x;
    memset(&x, 0, sizeof x);
    x.iaid = lx_rd_u32(d);
    x.t1 = lx_rd_u32(d);
    x.t2 = lx_rd_u32(d);
    uint16_t code;
    struct lx_rd sub;
    int rc;
    while ((rc = next_opt(d, &code, &sub)) > 0) {
        if (code == OPT_STATUS_CODE) {
            uint16_t st;
            if (read_status(&sub, &st, NULL) < 0)
                return -EINVAL;
            /* One Status Code per IA (§21.13); if there are more, the
             * first counts. */
            if (!x.has_status) {
                x.has_status = true;
                x.status = st;
            }
        } else if (pd && code == OPT_IAPREFIX) {
            /* Prefixes past NET_DHCP6_MAX_PREFIXES are validated, then
             * ignored. */
            struct net_dhcp6_prefix p;
            int got = read_iaprefix(&sub, &p);
            if (got < 0)
                return -EINVAL;
            if (got > 0 && x.n_prefixes < NET_DHCP6_MAX_PREFIXES)
                x.prefixes[x.n_prefixes++] = p;
        }
        /* Anything else (IA Address options in an IA_NA: we give no
         * addresses, so we do not look at them) is skipped. */
    }
    if (rc < 0)
        return rc;
    if (ia != NULL)
        *ia = x;
    return 0;
}

/* RFC 8415 §11.1: a DUID is 2 to 130 octets; we accept anything from 1
 * octet (it is compared, never interpreted). Two Client (or Server)
 * Identifier options make the message ambiguous (§16), so it is dropped. */
static int read_duid(struct lx_rd *d, uint8_t *duid, size_t *duid_len)
{
    size_t n = lx_rd_left(d);
    if (n == 0 || n > NET_DHCP6_DUID_MAX || *duid_len != 0)
        return -EINVAL;
    lx_rd_copy(d, duid, n);
    *duid_len = n;
    return 0;
}

/* The top-level options of a message into *a. Unknown options are skipped
 * (§21, §16: a receiver ignores options it does not know). */
static int read_options(struct lx_rd *r, struct net_dhcp6_msg *a)
{
    bool have_pref = false, have_refresh = false;
    uint16_t code;
    struct lx_rd d;
    int rc;
    while ((rc = next_opt(r, &code, &d)) > 0) {
        size_t n = lx_rd_left(&d);
        switch (code) {
        case OPT_CLIENTID:
            if (read_duid(&d, a->client_duid, &a->client_duid_len) < 0)
                return -EINVAL;
            break;
        case OPT_SERVERID:
            if (read_duid(&d, a->server_duid, &a->server_duid_len) < 0)
                return -EINVAL;
            break;
        case OPT_IA_NA:
        case OPT_IA_PD: {
            bool pd = code == OPT_IA_PD;
            struct net_dhcp6_ia *ia = pd ? a->ia_pd : a->ia_na;
            unsigned *count = pd ? &a->n_ia_pd : &a->n_ia_na;
            if (read_ia(&d, pd, *count < NET_DHCP6_MAX_IA ? &ia[*count] : NULL) < 0)
                return -EINVAL;
            if (*count < NET_DHCP6_MAX_IA)
                (*count)++;
            break;
        }
        case OPT_STATUS_CODE: {
            /* The first Status Code counts, as inside an IA; later ones
             * are checked only. */
            uint16_t st;
            if (read_status(&d, &st, a->has_status ? NULL : a->status_msg) < 0)
                return -EINVAL;
            if (!a->has_status) {
                a->has_status = true;
                a->status = st;
            }
            break;
        }
        case OPT_RAPID_COMMIT:
            /* §21.14: option-len 0. */
            if (n != 0)
                return -EINVAL;
            a->rapid_commit = true;
            break;
        case OPT_PREFERENCE:
            /* §21.8: option-len 1. */
            if (n != 1)
                return -EINVAL;
            if (!have_pref) {
                a->preference = lx_rd_u8(&d);
                a->has_preference = have_pref = true;
            }
            break;
        case OPT_ORO:
            /* §21.7: a list of 16-bit option codes. Entries past the limit
             * are ignored (we answer only what we know anyway). */
            if (n % 2 != 0)
                return -EINVAL;
            while (lx_rd_left(&d) > 0) {
                uint16_t o = lx_rd_u16(&d);
                if (a->n_oro < NET_DHCP6_MAX_ORO)
                    a->oro[a->n_oro++] = o;
            }
            break;
        case OPT_ELAPSED_TIME:
            /* §21.9: option-len 2. The value only matters to relays and
             * load-balancing servers; it is checked and dropped. */
            if (n != 2)
                return -EINVAL;
            break;
        case OPT_DNS_SERVERS:
            /* RFC 3646 §3: a list of 16-byte addresses. */
            if (n % 16 != 0)
                return -EINVAL;
            while (lx_rd_left(&d) > 0) {
                const uint8_t *q = lx_rd_ptr(&d, 16);
                if (q != NULL && a->n_dns < NET_DHCP6_MAX_DNS)
                    memcpy(a->dns[a->n_dns++], q, 16);
            }
            break;
        case OPT_INFO_REFRESH:
            /* §21.23: option-len 4. */
            if (n != 4)
                return -EINVAL;
            if (!have_refresh) {
                a->info_refresh_s = lx_rd_u32(&d);
                have_refresh = true;
            }
            break;
        default:
            break;
        }
    }
    return rc;
}

int net_dhcp6_parse(const uint8_t *pkt, size_t len, struct net_dhcp6_msg *m, uint8_t src[16])
{
    if (pkt == NULL || m == NULL || len < IP6_HDR_LEN || (pkt[0] >> 4) != 6)
        return -EINVAL;
    /* RFC 8200 §3: the payload length says where the packet ends; bytes
     * after it are ignored, a payload length beyond what arrived is a
     * truncated packet. A jumbogram (0) fails on the UDP length below. */
    size_t pl = lx_get_u16(pkt + 4);
    if (pl > len - IP6_HDR_LEN)
        return -EINVAL;
    /* UDP directly: a DHCPv6 packet over a point-to-point link has no
     * reason to carry extension headers (is_to_* has the same view). */
    if (pkt[6] != IPPROTO_UDP_)
        return -EINVAL;
    if (pl < UDP_HDR_LEN + MSG_HDR_LEN)
        return -EINVAL;
    const uint8_t *udp = pkt + IP6_HDR_LEN;
    /* RFC 768: the UDP length covers header and data; it must agree with
     * the IPv6 payload length, or one of them lies. */
    if (lx_get_u16(udp + 4) != pl)
        return -EINVAL;
    /* RFC 8200 §8.1: a zero UDP checksum is not allowed over IPv6, and the
     * checksum must verify. */
    if (lx_get_u16(udp + 6) == 0 || udp6_sum(pkt, pl) != 0xffffu)
        return -EINVAL;

    struct lx_rd r;
    lx_rd_init(&r, udp + UDP_HDR_LEN, pl - UDP_HDR_LEN);
    struct net_dhcp6_msg a;
    memset(&a, 0, sizeof a);
    a.type = lx_rd_u8(&r);
    a.xid = (uint32_t)lx_rd_u8(&r) << 16;
    a.xid |= lx_rd_u16(&r);
    if (r.err)
        return -EINVAL; /* cannot happen: pl >= 12 was checked */
    /* RFC 8415 §7.2: servers listen on 547, clients on 546; each side
     * takes only the other side's messages (§16). */
    uint16_t dport = lx_get_u16(udp + 2);
    if (dport == NET_DHCP6_SERVER_PORT) {
        if (!is_client_type(a.type))
            return -EINVAL;
    } else if (dport == NET_DHCP6_CLIENT_PORT) {
        if (!is_server_type(a.type))
            return -EINVAL;
    } else {
        return -EINVAL;
    }
    /* Filled locally and copied out only once the whole message passed. */
    if (read_options(&r, &a) < 0)
        return -EINVAL;
    *m = a;
    if (src != NULL)
        memcpy(src, pkt + 8, 16);
    return 0;
}

/* ---- building ---- */

static size_t status_msg_len(const struct net_dhcp6_msg *m)
{
    return strnlen(m->status_msg, NET_DHCP6_STATUS_MSG - 1);
}

static size_t ia_len(const struct net_dhcp6_ia *ia, bool pd)
{
    return IA_FIXED_LEN + (pd ? (size_t)ia->n_prefixes * (OPT_HDR_LEN + IAPREFIX_FIXED_LEN) : 0) +
           (ia->has_status ? OPT_HDR_LEN + STATUS_FIXED_LEN : 0);
}

/* The DHCPv6 message length (header and options) for *m, already
 * validated: at most 1092 bytes, so every option-len fits 16 bits. */
static size_t msg_len(const struct net_dhcp6_msg *m)
{
    size_t n = MSG_HDR_LEN;
    if (m->client_duid_len > 0)
        n += OPT_HDR_LEN + m->client_duid_len;
    if (m->server_duid_len > 0)
        n += OPT_HDR_LEN + m->server_duid_len;
    if (is_client_type(m->type))
        n += OPT_HDR_LEN + 2;
    for (unsigned i = 0; i < m->n_ia_na; i++)
        n += OPT_HDR_LEN + ia_len(&m->ia_na[i], false);
    for (unsigned i = 0; i < m->n_ia_pd; i++)
        n += OPT_HDR_LEN + ia_len(&m->ia_pd[i], true);
    if (m->has_status)
        n += OPT_HDR_LEN + STATUS_FIXED_LEN + status_msg_len(m);
    if (m->rapid_commit)
        n += OPT_HDR_LEN;
    if (m->has_preference)
        n += OPT_HDR_LEN + 1;
    if (m->n_dns > 0)
        n += OPT_HDR_LEN + (size_t)m->n_dns * 16;
    if (m->info_refresh_s != 0)
        n += OPT_HDR_LEN + 4;
    if (m->n_oro > 0)
        n += OPT_HDR_LEN + (size_t)m->n_oro * 2;
    return n;
}

static void put_opt_hdr(struct lx_wr *w, uint16_t code, size_t len)
{
    lx_wr_u16(w, code);
    lx_wr_u16(w, (uint16_t)len);
}

static void put_ia(struct lx_wr *w, const struct net_dhcp6_ia *ia, bool pd)
{
    put_opt_hdr(w, pd ? OPT_IA_PD : OPT_IA_NA, ia_len(ia, pd));
    lx_wr_u32(w, ia->iaid);
    lx_wr_u32(w, ia->t1);
    lx_wr_u32(w, ia->t2);
    for (unsigned i = 0; pd && i < ia->n_prefixes; i++) {
        const struct net_dhcp6_prefix *p = &ia->prefixes[i];
        /* §21.22, bits past the prefix length zero. */
        put_opt_hdr(w, OPT_IAPREFIX, IAPREFIX_FIXED_LEN);
        lx_wr_u32(w, p->preferred_s);
        lx_wr_u32(w, p->valid_s);
        lx_wr_u8(w, p->plen);
        uint8_t pfx[16];
        lx_ip6_mask(pfx, p->prefix, p->plen);
        lx_wr_bytes(w, pfx, 16);
    }
    if (ia->has_status) {
        put_opt_hdr(w, OPT_STATUS_CODE, STATUS_FIXED_LEN);
        lx_wr_u16(w, ia->status);
    }
}

static bool valid_for_build(const struct net_dhcp6_msg *m)
{
    if (!is_client_type(m->type) && !is_server_type(m->type))
        return false;
    if (m->xid > XID_MAX)
        return false;
    if (m->client_duid_len > NET_DHCP6_DUID_MAX || m->server_duid_len > NET_DHCP6_DUID_MAX)
        return false;
    if (m->n_ia_na > NET_DHCP6_MAX_IA || m->n_ia_pd > NET_DHCP6_MAX_IA)
        return false;
    if (m->n_dns > NET_DHCP6_MAX_DNS || m->n_oro > NET_DHCP6_MAX_ORO)
        return false;
    for (unsigned i = 0; i < m->n_ia_pd; i++) {
        const struct net_dhcp6_ia *ia = &m->ia_pd[i];
        if (ia->n_prefixes > NET_DHCP6_MAX_PREFIXES)
            return false;
        for (unsigned j = 0; j < ia->n_prefixes; j++)
            if (ia->prefixes[j].plen > 128)
                return false;
    }
    return true;
}

ssize_t net_dhcp6_build(uint8_t *buf, size_t cap, const uint8_t src[16], const uint8_t dst[16],
                        const struct net_dhcp6_msg *m)
{
    if (buf == NULL || src == NULL || dst == NULL || m == NULL)
        return -EINVAL;
    if (!valid_for_build(m))
        return -EINVAL;
    size_t udp_len = UDP_HDR_LEN + msg_len(m);
    size_t total = IP6_HDR_LEN + udp_len;
    if (total > NET_DHCP6_MAX_LEN)
        return -EINVAL; /* cannot happen: the limits bound it (1140) */
    if (cap < total)
        return -ENOSPC;

    bool to_server = is_client_type(m->type);
    struct lx_wr w;
    lx_wr_init(&w, buf, cap);
    /* RFC 8200 §3: version 6, traffic class 0, flow label 0. A hop limit
     * of 255 for link-scope destinations, as ND does: nothing forwards
     * them, and a receiver may check it. */
    lx_wr_u32(&w, 0x60000000u);
    lx_wr_u16(&w, (uint16_t)udp_len);
    lx_wr_u8(&w, IPPROTO_UDP_);
    lx_wr_u8(&w, is_link_scope(dst) ? HOP_LIMIT_LOCAL : HOP_LIMIT_GLOBAL);
    lx_wr_bytes(&w, src, 16);
    lx_wr_bytes(&w, dst, 16);
    /* RFC 8415 §7.2: client port 546, server port 547. */
    lx_wr_u16(&w, to_server ? NET_DHCP6_CLIENT_PORT : NET_DHCP6_SERVER_PORT);
    lx_wr_u16(&w, to_server ? NET_DHCP6_SERVER_PORT : NET_DHCP6_CLIENT_PORT);
    lx_wr_u16(&w, (uint16_t)udp_len);
    lx_wr_u16(&w, 0); /* checksum, filled below */

    /* §8: msg-type, transaction-id. */
    lx_wr_u8(&w, m->type);
    lx_wr_u8(&w, (uint8_t)(m->xid >> 16));
    lx_wr_u16(&w, (uint16_t)m->xid);
    if (m->client_duid_len > 0) {
        put_opt_hdr(&w, OPT_CLIENTID, m->client_duid_len);
        lx_wr_bytes(&w, m->client_duid, m->client_duid_len);
    }
    if (m->server_duid_len > 0) {
        put_opt_hdr(&w, OPT_SERVERID, m->server_duid_len);
        lx_wr_bytes(&w, m->server_duid, m->server_duid_len);
    }
    if (to_server) {
        /* §21.9: "A client MUST include an Elapsed Time option in
         * messages"; 0 hundredths of a second, as in the first message
         * of an exchange. */
        put_opt_hdr(&w, OPT_ELAPSED_TIME, 2);
        lx_wr_u16(&w, 0);
    }
    for (unsigned i = 0; i < m->n_ia_na; i++)
        put_ia(&w, &m->ia_na[i], false);
    for (unsigned i = 0; i < m->n_ia_pd; i++)
        put_ia(&w, &m->ia_pd[i], true);
    if (m->has_status) {
        size_t n = status_msg_len(m);
        put_opt_hdr(&w, OPT_STATUS_CODE, STATUS_FIXED_LEN + n);
        lx_wr_u16(&w, m->status);
        lx_wr_bytes(&w, m->status_msg, n);
    }
    if (m->rapid_commit)
        put_opt_hdr(&w, OPT_RAPID_COMMIT, 0);
    if (m->has_preference) {
        put_opt_hdr(&w, OPT_PREFERENCE, 1);
        lx_wr_u8(&w, m->preference);
    }
    if (m->n_dns > 0) {
        put_opt_hdr(&w, OPT_DNS_SERVERS, (size_t)m->n_dns * 16);
        for (unsigned i = 0; i < m->n_dns; i++)
            lx_wr_bytes(&w, m->dns[i], 16);
    }
    if (m->info_refresh_s != 0) {
        put_opt_hdr(&w, OPT_INFO_REFRESH, 4);
        lx_wr_u32(&w, m->info_refresh_s);
    }
    if (m->n_oro > 0) {
        put_opt_hdr(&w, OPT_ORO, (size_t)m->n_oro * 2);
        for (unsigned i = 0; i < m->n_oro; i++)
            lx_wr_u16(&w, m->oro[i]);
    }
    if (w.err || w.len != total)
        return -ENOSPC; /* cannot happen: the length was computed above */

    /* RFC 8200 §8.1: a checksum that computes to zero is sent as 0xffff
     * (zero means "none", which IPv6 does not allow). */
    uint16_t c = (uint16_t)~udp6_sum(buf, udp_len);
    lx_put_u16(buf + IP6_HDR_LEN + 6, c == 0 ? 0xffffu : c);
    return (ssize_t)total;
}
