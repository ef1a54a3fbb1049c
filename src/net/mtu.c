#include "net/mtu.h"

unsigned net_mtu_overhead(const struct net_mtu_framing *f)
{
    unsigned o = f->ipv6_outer ? NET_MTU_IPV6_HDR : NET_MTU_IPV4_HDR;
    o += NET_MTU_UDP_HDR;
    /* RFC 2661 §5.4: data message header. */
    o += NET_MTU_L2TP_DATA_MIN;
    if (f->l_bit)
        o += NET_MTU_L2TP_L_BIT;
    if (f->s_bit)
        o += NET_MTU_L2TP_S_BIT;
    if (f->o_bit)
        o += NET_MTU_L2TP_O_BIT;
    /* RFC 1661 §6.5/§6.6: compressed fields shrink the PPP header. */
    o += f->pfc ? NET_MTU_PPP_PROTO - 1 : NET_MTU_PPP_PROTO;
    if (!f->acfc)
        o += NET_MTU_PPP_ACF;
    return o;
}

unsigned net_mtu_ppp_payload_f(unsigned link_mtu, const struct net_mtu_framing *f)
{
    unsigned o = net_mtu_overhead(f);
    return link_mtu > o ? link_mtu - o : 0;
}

unsigned net_mtu_ppp_payload(unsigned link_mtu, bool ipv6_outer, bool l_bit, bool s_bit, bool acfc,
                             bool pfc)
{
    struct net_mtu_framing f = {
        .ipv6_outer = ipv6_outer,
        .l_bit = l_bit,
        .s_bit = s_bit,
        .acfc = acfc,
        .pfc = pfc,
    };
    return net_mtu_ppp_payload_f(link_mtu, &f);
}

unsigned net_mss_for_mtu(unsigned mtu, bool ipv6)
{
    /* RFC 879 / RFC 6691 §2: MSS = MTU - fixed IP header - fixed TCP header. */
    unsigned h = (ipv6 ? NET_MTU_IPV6_HDR : NET_MTU_IPV4_HDR) + NET_MTU_TCP_HDR;
    return mtu > h ? mtu - h : 0;
}
