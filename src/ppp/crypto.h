/* Cryptographic building blocks of CHAP-MD5 (RFC 1994), MS-CHAPv1
 * (RFC 2433), MS-CHAPv2 (RFC 2759) and the MPPE key derivation (RFC 3079).
 * Every primitive (MD4, MD5, SHA-1, DES) comes from Nettle; this file only
 * composes them as the RFCs' pseudo-code does.
 *
 * Passwords are UTF-8 byte strings (as configured); the MS-CHAP functions
 * convert them to UTF-16LE before hashing (RFC 2759 §8.3 hashes the
 * "unicode-char" password). Functions that take a password return false
 * when it does not fit (more than PPP_CRYPTO_PW_MAX_UNITS UTF-16 units). */
#ifndef L2TPX_PPP_CRYPTO_H
#define L2TPX_PPP_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PPP_CRYPTO_PW_MAX_UNITS  256 /* RFC 2759 §8: 0-to-256-unicode-char */
#define PPP_CRYPTO_AUTH_RESP_LEN 42  /* "S=" + 40 hex digits */

/* Constant-time equality of two n-byte buffers (Nettle memeql_sec). */
bool ppp_crypto_memeq(const void *a, const void *b, size_t n);
/* Clears secrets from the stack in a way the compiler cannot drop. */
void ppp_crypto_wipe(void *p, size_t n);

/* RFC 1994 §4.1: MD5(Identifier || secret || Challenge). */
void ppp_crypto_chap_md5(uint8_t id, const uint8_t *secret, size_t secret_len,
                         const uint8_t *challenge, size_t challenge_len, uint8_t out[16]);

/* UTF-8 -> UTF-16LE, bounded by cap bytes. Malformed UTF-8 (overlong forms,
 * surrogates, truncated sequences) is taken byte by byte as Latin-1, which
 * is what older implementations did for every non-ASCII byte. Returns false
 * if the result would exceed cap. */
bool ppp_crypto_utf8_to_utf16le(const char *s, size_t len, uint8_t *out, size_t cap,
                                size_t *out_len);

/* RFC 2759 §8.3: MD4 of the UTF-16LE password. */
bool ppp_crypto_nt_password_hash(const char *pw, size_t pw_len, uint8_t out[16]);
/* RFC 2759 §8.4: MD4 of the password hash. */
void ppp_crypto_hash_nt_password_hash(const uint8_t hash[16], uint8_t out[16]);
/* RFC 2433 §A.2: LAN Manager hash (14 upper-cased OEM chars). Only used
 * for the RFC 3079 §2.1/2.2 40/56-bit MS-CHAPv1 keys; never sent. */
void ppp_crypto_lm_password_hash(const char *pw, size_t pw_len, uint8_t out[16]);

/* RFC 2759 §8.6 / §9.3: 56-bit key -> 64-bit DES key with odd parity. */
void ppp_crypto_des_expand_key(const uint8_t key7[7], uint8_t key8[8]);
/* RFC 2759 §8.6: DES-ECB of one block under a 7-octet key. */
void ppp_crypto_des_encrypt(const uint8_t clear[8], const uint8_t key7[7], uint8_t out[8]);
/* RFC 2759 §8.5 / RFC 2433 §A.7. */
void ppp_crypto_challenge_response(const uint8_t challenge[8], const uint8_t pw_hash[16],
                                   uint8_t out[24]);
/* RFC 2759 §8.2; user is the name without any "DOMAIN\" prefix. */
void ppp_crypto_challenge_hash(const uint8_t peer_challenge[16], const uint8_t auth_challenge[16],
                               const char *user, size_t user_len, uint8_t out[8]);
/* RFC 2759 §4 / §8.2: the part of a "DOMAIN\user" name that is hashed. */
const char *ppp_crypto_strip_domain(const char *user, size_t *len);

/* RFC 2759 §8.1. */
bool ppp_crypto_generate_nt_response(const uint8_t auth_challenge[16],
                                     const uint8_t peer_challenge[16], const char *user,
                                     size_t user_len, const char *pw, size_t pw_len,
                                     uint8_t out[24]);
/* RFC 2759 §8.7 from the password hash; out is the 42-char "S=..." string
 * plus a NUL (upper-case hex as §5 requires). */
void ppp_crypto_authenticator_response_hash(const uint8_t pw_hash[16],
                                            const uint8_t nt_response[24],
                                            const uint8_t peer_challenge[16],
                                            const uint8_t auth_challenge[16], const char *user,
                                            size_t user_len, char out[43]);
bool ppp_crypto_generate_authenticator_response(const char *pw, size_t pw_len,
                                                const uint8_t nt_response[24],
                                                const uint8_t peer_challenge[16],
                                                const uint8_t auth_challenge[16], const char *user,
                                                size_t user_len, char out[43]);
/* RFC 2433 §A.5: MS-CHAPv1 NT response. */
bool ppp_crypto_nt_challenge_response(const uint8_t challenge[8], const char *pw, size_t pw_len,
                                      uint8_t out[24]);

/* RFC 3079 §2.4 Get_Start_Key: MS-CHAPv1 128-bit initial key (both
 * directions use it). */
void ppp_crypto_mppe_v1_start_key(const uint8_t challenge[8], const uint8_t pw_hash_hash[16],
                                  uint8_t out[16]);
/* RFC 3079 §3.4 GetMasterKey. */
void ppp_crypto_mppe_master_key(const uint8_t pw_hash_hash[16], const uint8_t nt_response[24],
                                uint8_t out[16]);
/* RFC 3079 §3.4 GetAsymmetricStartKey; key_len 8..16. */
void ppp_crypto_mppe_asymmetric_start_key(const uint8_t master_key[16], uint8_t *out,
                                          size_t key_len, bool is_send, bool is_server);
/* RFC 3079 §2.4 Get_Key = RFC 3078 §7.3 GetNewKeyFromSHA: new session key
 * from the start key and the current key; key_len 8..16. */
void ppp_crypto_mppe_new_key(const uint8_t *start_key, const uint8_t *current_key, size_t key_len,
                             uint8_t *out);

/* Upper-case hex of n bytes into out (2n+1 bytes incl. NUL). */
void ppp_crypto_hex(const uint8_t *in, size_t n, char *out);
/* Parses exactly 2n hex digits (either case); false on anything else. */
bool ppp_crypto_unhex(const char *in, size_t n, uint8_t *out);

#endif
