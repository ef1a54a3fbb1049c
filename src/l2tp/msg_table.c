/* RFC 2661 §6.1-§6.14: the one table of control messages and the AVPs each
 * MUST and MAY carry. The decoder reports a missing MUST AVP; AVPs outside
 * both lists are tolerated (be liberal in what you accept). */
#include "l2tp/avp.h"

#define B(t) L2TP_AVP_BIT(L2TP_AVP_##t)

/* §4.4.1: the Random Vector AVP may appear in every message (it precedes
 * hidden AVPs), although §6 does not repeat it in each list. */
#define ALL_MAY B(RANDOM_VECTOR)

static const struct l2tp_msg_desc msg_table[] = {
    /* §6.1 */
    {L2TP_MSG_SCCRQ, "SCCRQ",
     B(MESSAGE_TYPE) | B(PROTOCOL_VERSION) | B(HOST_NAME) | B(FRAMING_CAP) | B(ASSIGNED_TUNNEL_ID),
     ALL_MAY | B(BEARER_CAP) | B(RECV_WINDOW_SIZE) | B(CHALLENGE) | B(TIE_BREAKER) |
         B(FIRMWARE_REV) | B(VENDOR_NAME)},
    /* §6.2 */
    {L2TP_MSG_SCCRP, "SCCRP",
     B(MESSAGE_TYPE) | B(PROTOCOL_VERSION) | B(FRAMING_CAP) | B(HOST_NAME) | B(ASSIGNED_TUNNEL_ID),
     ALL_MAY | B(BEARER_CAP) | B(FIRMWARE_REV) | B(VENDOR_NAME) | B(RECV_WINDOW_SIZE) |
         B(CHALLENGE) | B(CHALLENGE_RESPONSE)},
    /* §6.3 */
    {L2TP_MSG_SCCCN, "SCCCN", B(MESSAGE_TYPE), ALL_MAY | B(CHALLENGE_RESPONSE)},
    /* §6.4 */
    {L2TP_MSG_STOPCCN, "StopCCN", B(MESSAGE_TYPE) | B(ASSIGNED_TUNNEL_ID) | B(RESULT_CODE),
     ALL_MAY},
    /* §6.5 */
    {L2TP_MSG_HELLO, "HELLO", B(MESSAGE_TYPE), ALL_MAY},
    /* §6.9 */
    {L2TP_MSG_OCRQ, "OCRQ",
     B(MESSAGE_TYPE) | B(ASSIGNED_SESSION_ID) | B(CALL_SERIAL_NUMBER) | B(MINIMUM_BPS) |
         B(MAXIMUM_BPS) | B(BEARER_TYPE) | B(FRAMING_TYPE) | B(CALLED_NUMBER),
     ALL_MAY | B(SUB_ADDRESS)},
    /* §6.10 */
    {L2TP_MSG_OCRP, "OCRP", B(MESSAGE_TYPE) | B(ASSIGNED_SESSION_ID),
     ALL_MAY | B(PHYSICAL_CHANNEL_ID)},
    /* §6.11 */
    {L2TP_MSG_OCCN, "OCCN", B(MESSAGE_TYPE) | B(TX_CONNECT_SPEED) | B(FRAMING_TYPE),
     ALL_MAY | B(RX_CONNECT_SPEED) | B(SEQUENCING_REQUIRED)},
    /* §6.6 */
    {L2TP_MSG_ICRQ, "ICRQ", B(MESSAGE_TYPE) | B(ASSIGNED_SESSION_ID) | B(CALL_SERIAL_NUMBER),
     ALL_MAY | B(BEARER_TYPE) | B(PHYSICAL_CHANNEL_ID) | B(CALLING_NUMBER) | B(CALLED_NUMBER) |
         B(SUB_ADDRESS)},
    /* §6.7 */
    {L2TP_MSG_ICRP, "ICRP", B(MESSAGE_TYPE) | B(ASSIGNED_SESSION_ID), ALL_MAY},
    /* §6.8 */
    {L2TP_MSG_ICCN, "ICCN", B(MESSAGE_TYPE) | B(TX_CONNECT_SPEED) | B(FRAMING_TYPE),
     ALL_MAY | B(INITIAL_RCVD_LCP_CONFREQ) | B(LAST_SENT_LCP_CONFREQ) | B(LAST_RCVD_LCP_CONFREQ) |
         B(PROXY_AUTHEN_TYPE) | B(PROXY_AUTHEN_NAME) | B(PROXY_AUTHEN_CHALLENGE) |
         B(PROXY_AUTHEN_ID) | B(PROXY_AUTHEN_RESPONSE) | B(PRIVATE_GROUP_ID) | B(RX_CONNECT_SPEED) |
         B(SEQUENCING_REQUIRED)},
    /* §6.12; RFC 3145 §2 adds the PPP Disconnect Cause Code to the CDN. */
    {L2TP_MSG_CDN, "CDN", B(MESSAGE_TYPE) | B(RESULT_CODE) | B(ASSIGNED_SESSION_ID),
     ALL_MAY | B(Q931_CAUSE) | B(PPP_DISCONNECT_CAUSE)},
    /* §6.13 */
    {L2TP_MSG_WEN, "WEN", B(MESSAGE_TYPE) | B(CALL_ERRORS), ALL_MAY},
    /* §6.14 */
    {L2TP_MSG_SLI, "SLI", B(MESSAGE_TYPE) | B(ACCM), ALL_MAY},
};

const struct l2tp_msg_desc *l2tp_msg_lookup(uint16_t msg_type)
{
    for (size_t i = 0; i < sizeof msg_table / sizeof msg_table[0]; i++)
        if (msg_table[i].type == msg_type)
            return &msg_table[i];
    return NULL;
}

const char *l2tp_msg_type_name(uint16_t msg_type)
{
    if (msg_type == L2TP_MSG_ZLB)
        return "ZLB";
    const struct l2tp_msg_desc *d = l2tp_msg_lookup(msg_type);
    return d != NULL ? d->name : "unknown";
}
