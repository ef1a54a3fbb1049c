/* Writes the seed corpus of the L2TP decoder fuzz target: whole datagrams
 * (header + body) of valid messages, some with hidden AVPs under the
 * secret "fuzz" that the fuzz target also uses.
 *
 *   l2tp_codec_gen_corpus tests/fuzz/l2tp/corpus
 *
 * Deterministic: a fixed random source, so rerunning gives the same files. */
#include <stdio.h>
#include <string.h>

#include "l2tp/avp.h"
#include "l2tp/header.h"
#include "lib/rand.h"

static void fixed_rand(void *ctx, void *buf, size_t len)
{
    unsigned char *p = buf, *n = ctx;
    for (size_t i = 0; i < len; i++)
        p[i] = (*n)++;
}

static const char *dir;
static int failed;

static void put(const char *name, const uint8_t *p, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, n, f) != n) {
        perror(path);
        failed = 1;
    }
    if (f != NULL)
        fclose(f);
}

static uint8_t pkt[4096];

static void begin(struct l2tp_msg_builder *b, uint16_t type, bool hide)
{
    l2tp_mb_init(b, pkt + L2TP_CTRL_HDR_LEN, sizeof pkt - L2TP_CTRL_HDR_LEN, type);
    if (hide)
        l2tp_mb_set_hiding(b, (const uint8_t *)"fuzz", 4, true);
}

static void end(const char *name, struct l2tp_msg_builder *b, uint16_t tid, uint16_t sid)
{
    size_t body = l2tp_mb_finish(b);
    if (body == 0) {
        fprintf(stderr, "%s: builder error\n", name);
        failed = 1;
        return;
    }
    size_t h = l2tp_hdr_encode_ctrl(pkt, sizeof pkt, tid, sid, 1, 2, body);
    put(name, pkt, h + body);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <corpus-dir>\n", argv[0]);
        return 2;
    }
    dir = argv[1];
    unsigned char seed = 0x5a;
    lx_random_set_source(fixed_rand, &seed);

    struct l2tp_msg_builder b;

    begin(&b, L2TP_MSG_SCCRQ, false);
    l2tp_mb_proto_version(&b, 1, 0);
    l2tp_mb_str(&b, L2TP_AVP_HOST_NAME, "lac.example");
    l2tp_mb_u32(&b, L2TP_AVP_FRAMING_CAP, 3);
    l2tp_mb_u32(&b, L2TP_AVP_BEARER_CAP, 3);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_TUNNEL_ID, 0x1234);
    l2tp_mb_u16(&b, L2TP_AVP_RECV_WINDOW_SIZE, 8);
    l2tp_mb_u64(&b, L2TP_AVP_TIE_BREAKER, 0x0102030405060708ull);
    l2tp_mb_u16(&b, L2TP_AVP_FIRMWARE_REV, 0x0100);
    l2tp_mb_str(&b, L2TP_AVP_VENDOR_NAME, "l2tpx");
    l2tp_mb_bytes(&b, L2TP_AVP_CHALLENGE, "0123456789abcdef", 16);
    l2tp_mb_raw(&b, 9, 1, false, false, "vendor", 6);
    end("sccrq.bin", &b, 0, 0);

    begin(&b, L2TP_MSG_SCCRP, true);
    l2tp_mb_proto_version(&b, 1, 0);
    l2tp_mb_u32(&b, L2TP_AVP_FRAMING_CAP, 1);
    l2tp_mb_str(&b, L2TP_AVP_HOST_NAME, "lns");
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_TUNNEL_ID, 0x4321);
    l2tp_mb_bytes(&b, L2TP_AVP_CHALLENGE_RESPONSE, "fedcba9876543210", 16);
    l2tp_mb_str(&b, L2TP_AVP_VENDOR_NAME, "a vendor name longer than one md5 block");
    end("sccrp_hidden.bin", &b, 0x1234, 0);

    begin(&b, L2TP_MSG_SCCCN, false);
    l2tp_mb_bytes(&b, L2TP_AVP_CHALLENGE_RESPONSE, "fedcba9876543210", 16);
    end("scccn.bin", &b, 0x4321, 0);

    begin(&b, L2TP_MSG_STOPCCN, false);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_TUNNEL_ID, 0x1234);
    l2tp_mb_result(&b, 2, true, 8, "unknown mandatory AVP 99 (vendor 0)");
    end("stopccn.bin", &b, 0x4321, 0);

    begin(&b, L2TP_MSG_HELLO, false);
    end("hello.bin", &b, 0x4321, 0);

    begin(&b, L2TP_MSG_ICRQ, true);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_SESSION_ID, 0x0a0b);
    l2tp_mb_u32(&b, L2TP_AVP_CALL_SERIAL_NUMBER, 1);
    l2tp_mb_u32(&b, L2TP_AVP_BEARER_TYPE, 2);
    l2tp_mb_str(&b, L2TP_AVP_CALLING_NUMBER, "5551000");
    l2tp_mb_str(&b, L2TP_AVP_CALLED_NUMBER, "5552000");
    end("icrq_hidden.bin", &b, 0x4321, 0);

    begin(&b, L2TP_MSG_ICRP, false);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_SESSION_ID, 0x0c0d);
    end("icrp.bin", &b, 0x1234, 0x0a0b);

    begin(&b, L2TP_MSG_ICCN, true);
    l2tp_mb_u32(&b, L2TP_AVP_TX_CONNECT_SPEED, 10000000);
    l2tp_mb_u32(&b, L2TP_AVP_FRAMING_TYPE, 2);
    l2tp_mb_bytes(&b, L2TP_AVP_LAST_SENT_LCP_CONFREQ, "\x01\x04\x05\xdc\x03\x05\xc2\x23\x05", 9);
    l2tp_mb_u16(&b, L2TP_AVP_PROXY_AUTHEN_TYPE, 2);
    l2tp_mb_str(&b, L2TP_AVP_PROXY_AUTHEN_NAME, "bob");
    l2tp_mb_bytes(&b, L2TP_AVP_PROXY_AUTHEN_CHALLENGE, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    l2tp_mb_u16(&b, L2TP_AVP_PROXY_AUTHEN_ID, 5);
    l2tp_mb_bytes(&b, L2TP_AVP_PROXY_AUTHEN_RESPONSE, "0123456789abcdef", 16);
    l2tp_mb_empty(&b, L2TP_AVP_SEQUENCING_REQUIRED);
    end("iccn_hidden.bin", &b, 0x4321, 0x0c0d);

    begin(&b, L2TP_MSG_OCRQ, false);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_SESSION_ID, 0x0102);
    l2tp_mb_u32(&b, L2TP_AVP_CALL_SERIAL_NUMBER, 2);
    l2tp_mb_u32(&b, L2TP_AVP_MINIMUM_BPS, 9600);
    l2tp_mb_u32(&b, L2TP_AVP_MAXIMUM_BPS, 64000);
    l2tp_mb_u32(&b, L2TP_AVP_BEARER_TYPE, 1);
    l2tp_mb_u32(&b, L2TP_AVP_FRAMING_TYPE, 1);
    l2tp_mb_str(&b, L2TP_AVP_CALLED_NUMBER, "5551234");
    l2tp_mb_str(&b, L2TP_AVP_SUB_ADDRESS, "12");
    end("ocrq.bin", &b, 0x1234, 0);

    begin(&b, L2TP_MSG_OCRP, false);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_SESSION_ID, 0x0201);
    l2tp_mb_u32(&b, L2TP_AVP_PHYSICAL_CHANNEL_ID, 7);
    end("ocrp.bin", &b, 0x4321, 0x0102);

    begin(&b, L2TP_MSG_OCCN, false);
    l2tp_mb_u32(&b, L2TP_AVP_TX_CONNECT_SPEED, 64000);
    l2tp_mb_u32(&b, L2TP_AVP_FRAMING_TYPE, 1);
    l2tp_mb_u32(&b, L2TP_AVP_RX_CONNECT_SPEED, 56000);
    end("occn.bin", &b, 0x4321, 0x0102);

    begin(&b, L2TP_MSG_CDN, false);
    l2tp_mb_result(&b, 3, false, 0, NULL);
    l2tp_mb_u16(&b, L2TP_AVP_ASSIGNED_SESSION_ID, 0x0a0b);
    l2tp_mb_q931(&b, 16, 0x45, "normal");
    l2tp_mb_disconnect_cause(&b, 3, 0xc021, 1, "terminate");
    end("cdn.bin", &b, 0x1234, 0x0c0d);

    static const struct l2tp_call_errors ce = {1, 2, 3, 4, 5, 6};
    begin(&b, L2TP_MSG_WEN, true);
    l2tp_mb_call_errors(&b, &ce);
    end("wen_hidden.bin", &b, 0x4321, 0x0c0d);

    begin(&b, L2TP_MSG_SLI, false);
    l2tp_mb_accm(&b, 0xffffffffu, 0);
    end("sli.bin", &b, 0x1234, 0x0c0d);

    /* A ZLB acknowledgement and a data message. */
    size_t h = l2tp_hdr_encode_ctrl(pkt, sizeof pkt, 0x1234, 0, 3, 4, 0);
    put("zlb.bin", pkt, h);
    struct l2tp_data_hdr_opts o = {.with_len = true, .with_seq = true, .ns = 1};
    h = l2tp_hdr_encode_data(pkt, sizeof pkt, 0x1234, 0x0c0d, &o, 6);
    memcpy(pkt + h, "\xff\x03\xc0\x21\x01\x01", 6);
    put("data.bin", pkt, h + 6);

    return failed;
}
