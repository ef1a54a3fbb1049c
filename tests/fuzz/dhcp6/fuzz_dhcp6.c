/* fuzz target: DHCPv6 codec (src/net/dhcp6.c).
 *
 * Input: a whole IPv6 packet, copied into an exact-size heap buffer so
 * that ASan catches any read past its end. It is checked as given, then a
 * second time with its UDP checksum repaired (when the IPv6 payload length
 * and the UDP length both match the input size), so that mutated packets
 * reach the option parser, not only the checksum test.
 *
 * Invariants:
 *  - is_to_server, is_to_client and parse never crash or read past len;
 *  - a packet is never both to the server and to the client;
 *  - parse accepts client messages only where is_to_server says so, and
 *    Advertise/Reply only where is_to_client says so;
 *  - whatever parse accepts builds back (same source and destination)
 *    into a packet that parses again to the same contents, byte for byte
 *    when built a second time (the parsed struct has prefix bits beyond
 *    plen cleared, the status message cut and sanitised, and the skipped
 *    options dropped, so it is a fixed point). */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/dhcp6.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool ia_equal(const struct net_dhcp6_ia *a, const struct net_dhcp6_ia *b)
{
    if (a->iaid != b->iaid || a->t1 != b->t1 || a->t2 != b->t2 || a->n_prefixes != b->n_prefixes ||
        a->has_status != b->has_status || a->status != b->status)
        return false;
    if (a->n_prefixes > NET_DHCP6_MAX_PREFIXES)
        return false;
    for (unsigned i = 0; i < a->n_prefixes; i++) {
        const struct net_dhcp6_prefix *p = &a->prefixes[i], *q = &b->prefixes[i];
        if (memcmp(p->prefix, q->prefix, 16) != 0 || p->plen != q->plen ||
            p->preferred_s != q->preferred_s || p->valid_s != q->valid_s)
            return false;
    }
    return true;
}

static bool msg_equal(const struct net_dhcp6_msg *a, const struct net_dhcp6_msg *b)
{
    if (a->type != b->type || a->xid != b->xid || a->client_duid_len != b->client_duid_len ||
        a->server_duid_len != b->server_duid_len || a->n_ia_pd != b->n_ia_pd ||
        a->n_ia_na != b->n_ia_na || a->rapid_commit != b->rapid_commit || a->n_oro != b->n_oro ||
        a->has_status != b->has_status || a->status != b->status || a->n_dns != b->n_dns ||
        a->info_refresh_s != b->info_refresh_s || a->has_preference != b->has_preference ||
        a->preference != b->preference)
        return false;
    if (a->client_duid_len > NET_DHCP6_DUID_MAX || a->server_duid_len > NET_DHCP6_DUID_MAX ||
        a->n_ia_pd > NET_DHCP6_MAX_IA || a->n_ia_na > NET_DHCP6_MAX_IA ||
        a->n_oro > NET_DHCP6_MAX_ORO || a->n_dns > NET_DHCP6_MAX_DNS)
        return false;
    if (memcmp(a->client_duid, b->client_duid, a->client_duid_len) != 0 ||
        memcmp(a->server_duid, b->server_duid, a->server_duid_len) != 0)
        return false;
    for (unsigned i = 0; i < a->n_ia_pd; i++)
        if (!ia_equal(&a->ia_pd[i], &b->ia_pd[i]))
            return false;
    for (unsigned i = 0; i < a->n_ia_na; i++)
        if (!ia_equal(&a->ia_na[i], &b->ia_na[i]))
            return false;
    for (unsigned i = 0; i < a->n_oro; i++)
        if (a->oro[i] != b->oro[i])
            return false;
    for (unsigned i = 0; i < a->n_dns; i++)
        if (memcmp(a->dns[i], b->dns[i], 16) != 0)
            return false;
    return memcmp(a->status_msg, b->status_msg, sizeof a->status_msg) == 0;
}

/* Checks on one parsed message that do not need a second parse. */
static bool msg_sane(const struct net_dhcp6_msg *m)
{
    if (m->xid > 0xffffffu || m->client_duid_len > NET_DHCP6_DUID_MAX ||
        m->server_duid_len > NET_DHCP6_DUID_MAX || m->n_ia_pd > NET_DHCP6_MAX_IA ||
        m->n_ia_na > NET_DHCP6_MAX_IA || m->n_oro > NET_DHCP6_MAX_ORO ||
        m->n_dns > NET_DHCP6_MAX_DNS)
        return false;
    for (unsigned i = 0; i < m->n_ia_na; i++)
        if (m->ia_na[i].n_prefixes != 0)
            return false;
    for (unsigned i = 0; i < m->n_ia_pd; i++) {
        if (m->ia_pd[i].n_prefixes > NET_DHCP6_MAX_PREFIXES)
            return false;
        for (unsigned j = 0; j < m->ia_pd[i].n_prefixes; j++)
            if (m->ia_pd[i].prefixes[j].plen > 128)
                return false;
    }
    /* NUL-terminated, no control bytes, zero-filled after the NUL. */
    size_t n = strnlen(m->status_msg, sizeof m->status_msg);
    if (n >= sizeof m->status_msg)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)m->status_msg[i];
        if (c < 0x20 || c == 0x7f)
            return false;
    }
    for (size_t i = n; i < sizeof m->status_msg; i++)
        if (m->status_msg[i] != '\0')
            return false;
    return true;
}

/* RFC 8200 §8.1: one's-complement sum over the pseudo-header and the UDP
 * datagram, written into the checksum field (independent of dhcp6.c). */
static void fix_checksum(uint8_t *pkt, size_t size)
{
    size_t ulen = size - 40;
    uint32_t s = 17 + (uint32_t)ulen;
    pkt[46] = pkt[47] = 0;
    for (size_t i = 8; i + 1 < size; i += 2)
        s += (uint32_t)(pkt[i] << 8 | pkt[i + 1]);
    if ((size - 8) & 1)
        s += (uint32_t)pkt[size - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    uint16_t c = (uint16_t)~s;
    if (c == 0)
        c = 0xffff;
    pkt[46] = (uint8_t)(c >> 8);
    pkt[47] = (uint8_t)c;
}

static void check(const uint8_t *pkt, size_t size)
{
    bool to_server = net_dhcp6_is_to_server(pkt, size);
    bool to_client = net_dhcp6_is_to_client(pkt, size);
    if (to_server && to_client)
        abort();

    struct net_dhcp6_msg m;
    uint8_t src[16];
    int rc = net_dhcp6_parse(pkt, size, &m, src);
    if (rc != 0 && rc != -EINVAL)
        abort();
    if (rc != 0)
        return;
    bool server_msg = m.type == NET_DHCP6_ADVERTISE || m.type == NET_DHCP6_REPLY;
    if (server_msg ? !to_client : !to_server)
        abort();
    if (!msg_sane(&m) || memcmp(src, pkt + 8, 16) != 0)
        abort();

    const uint8_t *dst = pkt + 24;
    uint8_t b1[NET_DHCP6_MAX_LEN], b2[NET_DHCP6_MAX_LEN];
    ssize_t n1 = net_dhcp6_build(b1, sizeof b1, src, dst, &m);
    if (n1 <= 0 || (size_t)n1 > sizeof b1)
        abort();
    if (net_dhcp6_is_to_server(b1, (size_t)n1) != to_server ||
        net_dhcp6_is_to_client(b1, (size_t)n1) != to_client)
        abort();
    struct net_dhcp6_msg again;
    uint8_t src2[16];
    if (net_dhcp6_parse(b1, (size_t)n1, &again, src2) != 0)
        abort();
    if (!msg_equal(&m, &again) || memcmp(src, src2, 16) != 0)
        abort();
    ssize_t n2 = net_dhcp6_build(b2, sizeof b2, src2, dst, &again);
    if (n2 != n1 || memcmp(b1, b2, (size_t)n1) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65535 + 40)
        return 0;
    uint8_t *pkt = malloc(size ? size : 1);
    if (pkt == NULL)
        abort();
    memcpy(pkt, data, size);
    check(pkt, size);
    if (size >= 48 && (size_t)(pkt[4] << 8 | pkt[5]) + 40 == size &&
        (size_t)(pkt[44] << 8 | pkt[45]) + 40 == size) {
        fix_checksum(pkt, size);
        check(pkt, size);
    }
    free(pkt);
    return 0;
}
