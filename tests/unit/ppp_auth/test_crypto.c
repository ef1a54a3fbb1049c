/* Known-answer tests: RFC 2759 §9.2/§9.3, RFC 2433 §B.2, RFC 3079 §2.5 and
 * §3.5, an RFC 1994 CHAP-MD5 value computed independently, the UTF-8 to
 * UTF-16LE conversion and DES weak keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ppp/crypto.h"

static const char user[] = "User";
static const char pw[] = "clientPass";
static const uint8_t auth_chal[16] = {0x5B, 0x5D, 0x7C, 0x7D, 0x7B, 0x3F, 0x2F, 0x3E,
                                      0x3C, 0x2C, 0x60, 0x21, 0x32, 0x26, 0x26, 0x28};
static const uint8_t peer_chal[16] = {0x21, 0x40, 0x23, 0x24, 0x25, 0x5E, 0x26, 0x2A,
                                      0x28, 0x29, 0x5F, 0x2B, 0x3A, 0x33, 0x7C, 0x7E};
static const uint8_t want_chal[8] = {0xD0, 0x2E, 0x43, 0x86, 0xBC, 0xE9, 0x12, 0x26};
static const uint8_t want_hash[16] = {0x44, 0xEB, 0xBA, 0x8D, 0x53, 0x12, 0xB8, 0xD6,
                                      0x11, 0x47, 0x44, 0x11, 0xF5, 0x69, 0x89, 0xAE};
static const uint8_t want_hh[16] = {0x41, 0xC0, 0x0C, 0x58, 0x4B, 0xD2, 0xD9, 0x1C,
                                    0x40, 0x17, 0xA2, 0xA1, 0x2F, 0xA5, 0x9F, 0x3F};
static const uint8_t want_nt[24] = {0x82, 0x30, 0x9E, 0xCD, 0x8D, 0x70, 0x8B, 0x5E,
                                    0xA0, 0x8F, 0xAA, 0x39, 0x81, 0xCD, 0x83, 0x54,
                                    0x42, 0x33, 0x11, 0x4A, 0x3D, 0x85, 0xD6, 0xDF};
static const char want_auth[] = "S=407A5589115FD0D6209F510FE9C04566932CDA56";

/* RFC 2759 §9.2 */
static void test_rfc2759_vectors(void **state)
{
    (void)state;
    uint8_t u[64], chal[8], hash[16], hh[16], nt[24];
    size_t ulen;
    static const uint8_t want_u[] = {0x63, 0x00, 0x6C, 0x00, 0x69, 0x00, 0x65, 0x00, 0x6E, 0x00,
                                     0x74, 0x00, 0x50, 0x00, 0x61, 0x00, 0x73, 0x00, 0x73, 0x00};
    assert_true(ppp_crypto_utf8_to_utf16le(pw, strlen(pw), u, sizeof u, &ulen));
    assert_int_equal(ulen, sizeof want_u);
    assert_memory_equal(u, want_u, sizeof want_u);

    ppp_crypto_challenge_hash(peer_chal, auth_chal, user, strlen(user), chal);
    assert_memory_equal(chal, want_chal, 8);
    assert_true(ppp_crypto_nt_password_hash(pw, strlen(pw), hash));
    assert_memory_equal(hash, want_hash, 16);
    ppp_crypto_hash_nt_password_hash(hash, hh);
    assert_memory_equal(hh, want_hh, 16);
    ppp_crypto_challenge_response(chal, hash, nt);
    assert_memory_equal(nt, want_nt, 24);

    memset(nt, 0, sizeof nt);
    assert_true(ppp_crypto_generate_nt_response(auth_chal, peer_chal, user, strlen(user), pw,
                                                strlen(pw), nt));
    assert_memory_equal(nt, want_nt, 24);

    char ar[43];
    assert_true(ppp_crypto_generate_authenticator_response(pw, strlen(pw), nt, peer_chal, auth_chal,
                                                           user, strlen(user), ar));
    assert_string_equal(ar, want_auth);
    memset(ar, 0, sizeof ar);
    ppp_crypto_authenticator_response_hash(hash, nt, peer_chal, auth_chal, user, strlen(user), ar);
    assert_string_equal(ar, want_auth);
}

/* RFC 2759 §9.3 / RFC 2433 §B.2: parity-corrected DES keys for "MyPw" */
static void test_des_key_expansion(void **state)
{
    (void)state;
    static const uint8_t want_hash_mypw[16] = {0xFC, 0x15, 0x6A, 0xF7, 0xED, 0xCD, 0x6C, 0x0E,
                                               0xDD, 0xE3, 0x33, 0x7D, 0x42, 0x7F, 0x4E, 0xAC};
    static const uint8_t k1[8] = {0xFD, 0x0B, 0x5B, 0x5E, 0x7F, 0x6E, 0x34, 0xD9};
    static const uint8_t k2[8] = {0x0E, 0x6E, 0x79, 0x67, 0x37, 0xEA, 0x08, 0xFE};
    uint8_t hash[16], key[8];
    assert_true(ppp_crypto_nt_password_hash("MyPw", 4, hash));
    assert_memory_equal(hash, want_hash_mypw, 16);
    ppp_crypto_des_expand_key(hash, key);
    assert_memory_equal(key, k1, 8);
    ppp_crypto_des_expand_key(hash + 7, key);
    assert_memory_equal(key, k2, 8);
}

/* RFC 2433 §B.2: MS-CHAPv1 NT response */
static void test_rfc2433_vector(void **state)
{
    (void)state;
    static const uint8_t chal[8] = {0x10, 0x2D, 0xB5, 0xDF, 0x08, 0x5D, 0x30, 0x41};
    static const uint8_t want[24] = {0x4E, 0x9D, 0x3C, 0x8F, 0x9C, 0xFD, 0x38, 0x5D,
                                     0x5B, 0xF4, 0xD3, 0x24, 0x67, 0x91, 0x95, 0x6C,
                                     0xA4, 0xC3, 0x51, 0xAB, 0x40, 0x9A, 0x3D, 0x61};
    uint8_t out[24];
    assert_true(ppp_crypto_nt_challenge_response(chal, "MyPw", 4, out));
    assert_memory_equal(out, want, 24);
}

/* RFC 3079 §3.5.1-§3.5.3: MS-CHAPv2 master key, start keys, session keys */
static void test_rfc3079_mschapv2(void **state)
{
    (void)state;
    static const uint8_t want_master[16] = {0xFD, 0xEC, 0xE3, 0x71, 0x7A, 0x8C, 0x83, 0x8C,
                                            0xB3, 0x88, 0xE5, 0x27, 0xAE, 0x3C, 0xDD, 0x31};
    static const uint8_t want_send128[16] = {0x8B, 0x7C, 0xDC, 0x14, 0x9B, 0x99, 0x3A, 0x1B,
                                             0xA1, 0x18, 0xCB, 0x15, 0x3F, 0x56, 0xDC, 0xCB};
    static const uint8_t want_sess128[16] = {0x40, 0x5C, 0xB2, 0x24, 0x7A, 0x79, 0x56, 0xE6,
                                             0xE2, 0x11, 0x00, 0x7A, 0xE2, 0x7B, 0x22, 0xD4};
    static const uint8_t want_sess40[8] = {0xD1, 0x26, 0x9E, 0xC4, 0x9F, 0xA6, 0x2E, 0x3E};
    static const uint8_t want_sess56[8] = {0xD1, 0x5C, 0x00, 0xC4, 0x9F, 0xA6, 0x2E, 0x3E};
    uint8_t hash[16], hh[16], master[16], send[16], recv[16], sess[16];

    assert_true(ppp_crypto_nt_password_hash(pw, strlen(pw), hash));
    ppp_crypto_hash_nt_password_hash(hash, hh);
    assert_memory_equal(hh, want_hh, 16);
    ppp_crypto_mppe_master_key(hh, want_nt, master);
    assert_memory_equal(master, want_master, 16);

    /* §3.3 calls GetAsymmetricStartKey(..., TRUE, TRUE): the sample's send
     * key is the server's (Magic3) ... */
    ppp_crypto_mppe_asymmetric_start_key(master, send, 16, true, true);
    assert_memory_equal(send, want_send128, 16);
    /* ... which is the client's receive key; the other direction differs. */
    ppp_crypto_mppe_asymmetric_start_key(master, recv, 16, false, false);
    assert_memory_equal(recv, want_send128, 16);
    ppp_crypto_mppe_asymmetric_start_key(master, recv, 16, true, false);
    assert_memory_not_equal(recv, want_send128, 16);
    ppp_crypto_mppe_new_key(send, send, 16, sess);
    assert_memory_equal(sess, want_sess128, 16);

    /* §3.5.1 / §3.5.2: 8-octet keys, then strength reduction (§3.1/§3.2) */
    ppp_crypto_mppe_asymmetric_start_key(master, send, 8, true, true);
    assert_memory_equal(send, want_send128, 8);
    ppp_crypto_mppe_new_key(send, send, 8, sess);
    sess[0] = 0xd1, sess[1] = 0x26, sess[2] = 0x9e;
    assert_memory_equal(sess, want_sess40, 8);
    ppp_crypto_mppe_new_key(send, send, 8, sess);
    sess[0] = 0xd1;
    assert_memory_equal(sess, want_sess56, 8);
}

/* RFC 3079 §2.5: MS-CHAPv1 keys. */
static void test_rfc3079_mschapv1(void **state)
{
    (void)state;
    static const uint8_t chal[8] = {0x10, 0x2d, 0xb5, 0xdf, 0x08, 0x5d, 0x30, 0x41};
    static const uint8_t want_lm[16] = {0x76, 0xa1, 0x52, 0x93, 0x60, 0x96, 0xd7, 0x83,
                                        0x0e, 0x23, 0x90, 0x22, 0x74, 0x04, 0xaf, 0xd2};
    static const uint8_t want_40[8] = {0xd1, 0x26, 0x9e, 0x53, 0x8c, 0xec, 0x4a, 0x08};
    static const uint8_t want_56[8] = {0xd1, 0x08, 0x01, 0x53, 0x8c, 0xec, 0x4a, 0x08};
    /* §2.5.3 step 3 prints "... ac ca d1 ..." but step 4 (a plain copy of
     * it) prints "... ac c1 d1 ..."; the computed value and step 5 agree
     * with the latter, so step 3 carries a typo. */
    static const uint8_t want_start[16] = {0xa8, 0x94, 0x78, 0x50, 0xcf, 0xc0, 0xac, 0xc1,
                                           0xd1, 0x78, 0x9f, 0xb6, 0x2d, 0xdc, 0xdd, 0xb0};
    static const uint8_t want_128[16] = {0x59, 0xd1, 0x59, 0xbc, 0x09, 0xf7, 0x6f, 0x1d,
                                         0xa2, 0xa8, 0x6a, 0x28, 0xff, 0xec, 0x0b, 0x1e};
    uint8_t lm[16], key[16], hash[16], hh[16], start[16];

    ppp_crypto_lm_password_hash(pw, strlen(pw), lm);
    assert_memory_equal(lm, want_lm, 16);
    memcpy(key, lm, 8);
    ppp_crypto_mppe_new_key(lm, key, 8, key);
    key[0] = 0xd1, key[1] = 0x26, key[2] = 0x9e;
    assert_memory_equal(key, want_40, 8);
    memcpy(key, lm, 8);
    ppp_crypto_mppe_new_key(lm, key, 8, key);
    key[0] = 0xd1;
    assert_memory_equal(key, want_56, 8);

    assert_true(ppp_crypto_nt_password_hash(pw, strlen(pw), hash));
    ppp_crypto_hash_nt_password_hash(hash, hh);
    ppp_crypto_mppe_v1_start_key(chal, hh, start);
    assert_memory_equal(start, want_start, 16);
    ppp_crypto_mppe_new_key(start, start, 16, key);
    assert_memory_equal(key, want_128, 16);
}

/* RFC 1994 §4.1; expected value from an independent MD5 (Python hashlib):
 * md5(b"\x2a" + b"clientPass" + bytes(range(16))). */
static void test_chap_md5(void **state)
{
    (void)state;
    static const uint8_t want[16] = {0x90, 0x27, 0x68, 0x99, 0x1d, 0xec, 0xf7, 0xe1,
                                     0x3b, 0x52, 0x31, 0xbe, 0x95, 0x3c, 0x74, 0xd8};
    uint8_t chal[16], out[16];
    for (int i = 0; i < 16; i++)
        chal[i] = (uint8_t)i;
    ppp_crypto_chap_md5(0x2a, (const uint8_t *)pw, strlen(pw), chal, 16, out);
    assert_memory_equal(out, want, 16);
}

static void test_utf16(void **state)
{
    (void)state;
    uint8_t out[16];
    size_t n;
    /* é (2-byte), € (3-byte), U+1D11E (4-byte: surrogate pair) */
    const char s[] = "\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e";
    static const uint8_t want[] = {0xe9, 0x00, 0xac, 0x20, 0x34, 0xd8, 0x1e, 0xdd};
    assert_true(ppp_crypto_utf8_to_utf16le(s, strlen(s), out, sizeof out, &n));
    assert_int_equal(n, sizeof want);
    assert_memory_equal(out, want, sizeof want);

    /* malformed (lone continuation, overlong '/', encoded surrogate) falls
     * back to Latin-1 bytes */
    const char bad[] = "\x80\xc0\xaf\xed\xa0\x80";
    static const uint8_t want_bad[] = {0x80, 0, 0xc0, 0, 0xaf, 0, 0xed, 0, 0xa0, 0, 0x80, 0};
    assert_true(ppp_crypto_utf8_to_utf16le(bad, strlen(bad), out, sizeof out, &n));
    assert_int_equal(n, sizeof want_bad);
    assert_memory_equal(out, want_bad, sizeof want_bad);

    /* truncated 3-byte sequence at the end */
    assert_true(ppp_crypto_utf8_to_utf16le("a\xe2\x82", 3, out, sizeof out, &n));
    assert_int_equal(n, 6);

    /* bounded output */
    assert_false(ppp_crypto_utf8_to_utf16le("abcdefghi", 9, out, sizeof out, &n));

    /* 257 characters do not fit the RFC 2759 limit */
    char longpw[300];
    memset(longpw, 'x', sizeof longpw);
    uint8_t h[16];
    assert_true(ppp_crypto_nt_password_hash(longpw, 256, h));
    assert_false(ppp_crypto_nt_password_hash(longpw, 257, h));

    /* NT hash of a non-ASCII password is MD4 over its UTF-16LE form */
    uint8_t h2[16];
    assert_true(ppp_crypto_nt_password_hash("\xc3\xa9", 2, h));
    assert_true(ppp_crypto_nt_password_hash("\xe9", 1, h2)); /* Latin-1 é */
    assert_memory_equal(h, h2, 16);
}

/* DES with a weak key must still encrypt (Nettle flags it, we ignore it):
 * DES_k=0(0) = 8CA64DE9C1B123A7 (FIPS 81 / classic test value). */
static void test_des_weak_key(void **state)
{
    (void)state;
    static const uint8_t zero7[7] = {0}, zero8[8] = {0};
    static const uint8_t want[8] = {0x8C, 0xA6, 0x4D, 0xE9, 0xC1, 0xB1, 0x23, 0xA7};
    uint8_t out[8];
    ppp_crypto_des_encrypt(zero8, zero7, out);
    assert_memory_equal(out, want, 8);
}

static void test_helpers(void **state)
{
    (void)state;
    size_t n = 11;
    const char *u = ppp_crypto_strip_domain("BIGCO\\alice", &n);
    assert_int_equal(n, 5);
    assert_memory_equal(u, "alice", 5);
    n = 5;
    u = ppp_crypto_strip_domain("alice", &n);
    assert_int_equal(n, 5);
    assert_memory_equal(u, "alice", 5);

    uint8_t b[3];
    assert_true(ppp_crypto_unhex("0aFf10", 3, b));
    assert_int_equal(b[1], 0xff);
    assert_false(ppp_crypto_unhex("0aFg10", 3, b));
    char hex[7];
    ppp_crypto_hex(b, 3, hex);
    assert_string_equal(hex, "0AFF10");
    assert_true(ppp_crypto_memeq("abc", "abc", 3));
    assert_false(ppp_crypto_memeq("abc", "abd", 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc2759_vectors),
        cmocka_unit_test(test_des_key_expansion),
        cmocka_unit_test(test_rfc2433_vector),
        cmocka_unit_test(test_rfc3079_mschapv2),
        cmocka_unit_test(test_rfc3079_mschapv1),
        cmocka_unit_test(test_chap_md5),
        cmocka_unit_test(test_utf16),
        cmocka_unit_test(test_des_weak_key),
        cmocka_unit_test(test_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
