/* RFC 2661 §4.4 (and RFC 3145 §2): the one table of IETF AVPs.
 *
 * Each row gives the value layout, the value length bounds (AVP header
 * excluded, before hiding), whether §4.4 allows the AVP to be hidden, and
 * the M bit §4.4 says we MUST send. The decoder checks every received AVP
 * against this table; the builder takes its M bit and hiding rule from it.
 * Vendor ID is part of the key: an AVP with a known attribute number but a
 * non-zero Vendor ID is not the IETF AVP (§4.1). */
#include "l2tp/avp.h"

/* §4.1: the Length field is 10 bits, so a value is at most 1023 - 6. */
#define VMAX (L2TP_AVP_MAX_LEN - L2TP_AVP_HDR_LEN)

#define AVP(t, n, k, lo, hi, hide, mand) \
    [t] = {.vendor = 0,                  \
           .type = (t),                  \
           .name = (n),                  \
           .kind = (k),                  \
           .min_val_len = (lo),          \
           .max_val_len = (hi),          \
           .may_hide = (hide),           \
           .send_mandatory = (mand)}

/* Indexed by attribute type; rows with name == NULL are not defined. */
static const struct l2tp_avp_desc avp_table[L2TP_AVP_STD_MAX + 1] = {
    /* §4.4.1: "The Length of this AVP is 8", M MUST be 1, H MUST be 0. */
    AVP(L2TP_AVP_MESSAGE_TYPE, "Message Type", L2TP_AVPK_U16, 2, 2, false, true),
    /* §4.4.2: Length 8, 10 or 10 + message; H MUST be 0, M MUST be 1. */
    AVP(L2TP_AVP_RESULT_CODE, "Result Code", L2TP_AVPK_RESULT, 2, VMAX, false, true),
    /* §4.4.3: Length 8, H MUST be 0, M MUST be 1. */
    AVP(L2TP_AVP_PROTOCOL_VERSION, "Protocol Version", L2TP_AVPK_PROTO_VERSION, 2, 2, false, true),
    /* §4.4.3: Length (before hiding) 10, may be hidden, M MUST be 1. */
    AVP(L2TP_AVP_FRAMING_CAP, "Framing Capabilities", L2TP_AVPK_U32, 4, 4, true, true),
    /* §4.4.3: Length (before hiding) 10, may be hidden, M MUST be 1. */
    AVP(L2TP_AVP_BEARER_CAP, "Bearer Capabilities", L2TP_AVPK_U32, 4, 4, true, true),
    /* §4.4.3: Length 14, H MUST be 0, M MUST be 0. */
    AVP(L2TP_AVP_TIE_BREAKER, "Tie Breaker", L2TP_AVPK_U64, 8, 8, false, false),
    /* §4.4.3: Length (before hiding) 8, may be hidden, M MUST be 0. */
    AVP(L2TP_AVP_FIRMWARE_REV, "Firmware Revision", L2TP_AVPK_U16, 2, 2, true, false),
    /* §4.4.3: "MUST be at least 1 octet", H MUST be 0, M MUST be 1. */
    AVP(L2TP_AVP_HOST_NAME, "Host Name", L2TP_AVPK_STRING, 1, VMAX, false, true),
    /* §4.4.3: arbitrary octets, may be hidden, M MUST be 0. */
    AVP(L2TP_AVP_VENDOR_NAME, "Vendor Name", L2TP_AVPK_STRING, 0, VMAX, true, false),
    /* §4.4.3: Length (before hiding) 8, may be hidden, M MUST be 1. */
    AVP(L2TP_AVP_ASSIGNED_TUNNEL_ID, "Assigned Tunnel ID", L2TP_AVPK_U16, 2, 2, true, true),
    /* §4.4.3: Length 8, H MUST be 0, M MUST be 1. */
    AVP(L2TP_AVP_RECV_WINDOW_SIZE, "Receive Window Size", L2TP_AVPK_U16, 2, 2, false, true),
    /* §4.4.3: "one or more octets", may be hidden, M MUST be 1. */
    AVP(L2TP_AVP_CHALLENGE, "Challenge", L2TP_AVPK_BYTES, 1, VMAX, true, true),
    /* §4.4.4: Length 9 + advisory, H MUST be 0, M MUST be 1. */
    AVP(L2TP_AVP_Q931_CAUSE, "Q.931 Cause Code", L2TP_AVPK_Q931, 3, VMAX, false, true),
    /* §4.4.3: Length (before hiding) 22, may be hidden, M MUST be 1. */
    AVP(L2TP_AVP_CHALLENGE_RESPONSE, "Challenge Response", L2TP_AVPK_BYTES, 16, 16, true, true),
    /* §4.4.4: Length (before hiding) 8, may be hidden, M MUST be 1. */
    AVP(L2TP_AVP_ASSIGNED_SESSION_ID, "Assigned Session ID", L2TP_AVPK_U16, 2, 2, true, true),
    /* §4.4.4: Length (before hiding) 10, may be hidden, M MUST be 1. */
    AVP(L2TP_AVP_CALL_SERIAL_NUMBER, "Call Serial Number", L2TP_AVPK_U32, 4, 4, true, true),
    AVP(L2TP_AVP_MINIMUM_BPS, "Minimum BPS", L2TP_AVPK_U32, 4, 4, true, true),
    AVP(L2TP_AVP_MAXIMUM_BPS, "Maximum BPS", L2TP_AVPK_U32, 4, 4, true, true),
    AVP(L2TP_AVP_BEARER_TYPE, "Bearer Type", L2TP_AVPK_U32, 4, 4, true, true),
    AVP(L2TP_AVP_FRAMING_TYPE, "Framing Type", L2TP_AVPK_U32, 4, 4, true, true),
    /* §4.4.4: ASCII strings of arbitrary length, may be hidden, M MUST be 1. */
    AVP(L2TP_AVP_CALLED_NUMBER, "Called Number", L2TP_AVPK_STRING, 0, VMAX, true, true),
    AVP(L2TP_AVP_CALLING_NUMBER, "Calling Number", L2TP_AVPK_STRING, 0, VMAX, true, true),
    AVP(L2TP_AVP_SUB_ADDRESS, "Sub-Address", L2TP_AVPK_STRING, 0, VMAX, true, true),
    /* §4.4.4: Length (before hiding) 10, may be hidden, M MUST be 1. */
    AVP(L2TP_AVP_TX_CONNECT_SPEED, "Tx Connect Speed", L2TP_AVPK_U32, 4, 4, true, true),
    /* §4.4.4: Length (before hiding) 10, may be hidden, M MUST be 0. */
    AVP(L2TP_AVP_PHYSICAL_CHANNEL_ID, "Physical Channel ID", L2TP_AVPK_U32, 4, 4, true, false),
    /* §4.4.5: proxy LCP and authentication, all may be hidden, M MUST be 0. */
    AVP(L2TP_AVP_INITIAL_RCVD_LCP_CONFREQ, "Initial Received LCP CONFREQ", L2TP_AVPK_BYTES, 0, VMAX,
        true, false),
    AVP(L2TP_AVP_LAST_SENT_LCP_CONFREQ, "Last Sent LCP CONFREQ", L2TP_AVPK_BYTES, 0, VMAX, true,
        false),
    AVP(L2TP_AVP_LAST_RCVD_LCP_CONFREQ, "Last Received LCP CONFREQ", L2TP_AVPK_BYTES, 0, VMAX, true,
        false),
    AVP(L2TP_AVP_PROXY_AUTHEN_TYPE, "Proxy Authen Type", L2TP_AVPK_U16, 2, 2, true, false),
    AVP(L2TP_AVP_PROXY_AUTHEN_NAME, "Proxy Authen Name", L2TP_AVPK_STRING, 0, VMAX, true, false),
    /* §4.4.5: "a string of one or more octets". */
    AVP(L2TP_AVP_PROXY_AUTHEN_CHALLENGE, "Proxy Authen Challenge", L2TP_AVPK_BYTES, 1, VMAX, true,
        false),
    /* §4.4.5: "ID is a 2 octet unsigned integer" (reserved octet + ID). */
    AVP(L2TP_AVP_PROXY_AUTHEN_ID, "Proxy Authen ID", L2TP_AVPK_U16, 2, 2, true, false),
    AVP(L2TP_AVP_PROXY_AUTHEN_RESPONSE, "Proxy Authen Response", L2TP_AVPK_BYTES, 0, VMAX, true,
        false),
    /* §4.4.6: Length (before hiding) 32 (2 reserved + 6 x 4), may be hidden, M MUST be 1. */
    AVP(L2TP_AVP_CALL_ERRORS, "Call Errors", L2TP_AVPK_CALL_ERRORS, 26, 26, true, true),
    /* §4.4.6: Length 16 (2 reserved + 2 x 4), may be hidden, M MUST be 1. */
    AVP(L2TP_AVP_ACCM, "ACCM", L2TP_AVPK_ACCM, 10, 10, true, true),
    /* §4.4.1: arbitrary length (16+ recommended), H MUST be 0, M MUST be 1. */
    AVP(L2TP_AVP_RANDOM_VECTOR, "Random Vector", L2TP_AVPK_BYTES, 0, VMAX, false, true),
    /* §4.4.4: arbitrary octets, may be hidden, M MUST be 0. */
    AVP(L2TP_AVP_PRIVATE_GROUP_ID, "Private Group ID", L2TP_AVPK_BYTES, 0, VMAX, true, false),
    /* §4.4.4: Length (before hiding) 10, may be hidden, M MUST be 0. */
    AVP(L2TP_AVP_RX_CONNECT_SPEED, "Rx Connect Speed", L2TP_AVPK_U32, 4, 4, true, false),
    /* §4.4.4: Length 6 (no value), H MUST be 0, M MUST be 1. */
    AVP(L2TP_AVP_SEQUENCING_REQUIRED, "Sequencing Required", L2TP_AVPK_EMPTY, 0, 0, false, true),
    /* RFC 3145 §2: code(2) + protocol(2) + direction(1) [+ text]; "MUST NOT be
     * marked Mandatory"; H "MAY be 1". Its text says "the Value field MUST be
     * at least 11 octets" but the figure and the Length paragraph make 11 the
     * whole AVP (6 + 5): we take 5 as the value minimum. */
    AVP(L2TP_AVP_PPP_DISCONNECT_CAUSE, "PPP Disconnect Cause Code", L2TP_AVPK_DISCONNECT_CAUSE, 5,
        VMAX, true, false),
};

const struct l2tp_avp_desc *l2tp_avp_lookup(uint32_t vendor, uint16_t type)
{
    /* §4.1: attribute numbers are only unique under one Vendor ID; we know
     * no vendor's private AVPs. */
    if (vendor != 0 || type > L2TP_AVP_STD_MAX)
        return NULL;
    const struct l2tp_avp_desc *d = &avp_table[type];
    return d->name != NULL ? d : NULL;
}
