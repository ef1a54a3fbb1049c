/* PPP protocol numbers shared by every PPP module (RFC 1661 and friends). */
#ifndef L2TPX_PPP_PPP_H
#define L2TPX_PPP_PPP_H

#include <stdint.h>

enum ppp_proto {
    PPP_PROTO_IPV4 = 0x0021,
    PPP_PROTO_IPV6 = 0x0057,
    PPP_PROTO_IPCP = 0x8021,
    PPP_PROTO_IPV6CP = 0x8057,
    PPP_PROTO_CCP = 0x80fd,
    PPP_PROTO_LCP = 0xc021,
    PPP_PROTO_PAP = 0xc023,
    PPP_PROTO_CHAP = 0xc223,
};

/* RFC 1661 §5: LCP codes; 1-7 are shared by every NCP. */
enum ppp_code {
    PPP_CONFREQ = 1,
    PPP_CONFACK = 2,
    PPP_CONFNAK = 3,
    PPP_CONFREJ = 4,
    PPP_TERMREQ = 5,
    PPP_TERMACK = 6,
    PPP_CODEREJ = 7,
    PPP_PROTREJ = 8,
    PPP_ECHOREQ = 9,
    PPP_ECHOREP = 10,
    PPP_DISCREQ = 11,
    PPP_IDENT = 12,   /* RFC 1570 */
    PPP_TIMEREM = 13, /* RFC 1570 */
};

#define PPP_HDR_LEN   4    /* code, identifier, length */
#define PPP_MAX_FRAME 1600 /* largest frame we build (MRU 1500 + headroom) */

#endif
