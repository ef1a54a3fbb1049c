/* struct l2tp_addr helpers (engine.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "l2tp/engine.h"

bool l2tp_addr_equal(const struct l2tp_addr *a, const struct l2tp_addr *b)
{
    if (a->sa.sa_family != b->sa.sa_family)
        return false;
    switch (a->sa.sa_family) {
    case AF_INET:
        return a->in4.sin_port == b->in4.sin_port &&
               a->in4.sin_addr.s_addr == b->in4.sin_addr.s_addr;
    case AF_INET6:
        return a->in6.sin6_port == b->in6.sin6_port &&
               memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, sizeof(a->in6.sin6_addr)) == 0 &&
               a->in6.sin6_scope_id == b->in6.sin6_scope_id;
    default:
        return false;
    }
}

const char *l2tp_addr_str(const struct l2tp_addr *a, char *buf, size_t cap)
{
    char ip[INET6_ADDRSTRLEN];
    if (cap == 0)
        return buf;
    switch (a->sa.sa_family) {
    case AF_INET:
        if (inet_ntop(AF_INET, &a->in4.sin_addr, ip, sizeof(ip)) == NULL)
            break;
        snprintf(buf, cap, "%s:%u", ip, (unsigned)ntohs(a->in4.sin_port));
        return buf;
    case AF_INET6:
        if (inet_ntop(AF_INET6, &a->in6.sin6_addr, ip, sizeof(ip)) == NULL)
            break;
        snprintf(buf, cap, "[%s]:%u", ip, (unsigned)ntohs(a->in6.sin6_port));
        return buf;
    default:
        break;
    }
    snprintf(buf, cap, "(unknown address family %d)", (int)a->sa.sa_family);
    return buf;
}
