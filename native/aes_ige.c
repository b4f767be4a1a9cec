/*
 * mtactor native AES-256-IGE with AES-NI, exposed through N-API (no node-addon-api dependency).
 *
 * Spec: https://core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector
 *   IGE encrypt: c_i = E(p_i ^ c_{i-1}) ^ p_{i-1}; decrypt: p_i = D(c_i ^ p_{i-1}) ^ c_{i-1}; iv = c_0 || p_0.
 * Cipher: FIPS-197 AES-256 (14 rounds); key expansion follows the AESKEYGENASSIST pattern from Intel's
 * "Advanced Encryption Standard (AES) New Instructions Set" white paper; decryption keys use AESIMC
 * (the equivalent inverse cipher).
 *
 * JS exports:
 *   aesni: boolean                         whether this CPU has AES-NI (the functions refuse to run otherwise)
 *   igeEncrypt(data, key, iv, out): void   all Uint8Array; key 32 B, iv 32 B, data a multiple of 16, out >= data
 *   igeDecrypt(data, key, iv, out): void
 * The JS wrapper validates first (typed ArgumentError); this file validates again and throws a plain JS error
 * rather than touching memory it was not given. `out` may alias `data` exactly (in place).
 *
 * Only the functions marked with the target attribute use AES/SSE4.1 instructions, so loading the addon on a CPU
 * without them is safe: the JS side sees aesni === false and keeps the portable path.
 */
#include <node_api.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <wmmintrin.h>
#include <smmintrin.h>
#define MT_AESNI __attribute__((target("aes,sse4.1")))
#else
#error "mtactor native AES needs x86 (AES-NI); other architectures use the portable path"
#endif

#define ROUNDS 14

/* One step of the AES-256 schedule for even round keys: rk = prev2 ^ (prev2 << 32, 64, 96) ^ SubWord(RotWord(w)) ^ rcon. */
MT_AESNI static inline __m128i expand_even(__m128i prev2, __m128i assist) {
  assist = _mm_shuffle_epi32(assist, 0xff);
  prev2 = _mm_xor_si128(prev2, _mm_slli_si128(prev2, 4));
  prev2 = _mm_xor_si128(prev2, _mm_slli_si128(prev2, 4));
  prev2 = _mm_xor_si128(prev2, _mm_slli_si128(prev2, 4));
  return _mm_xor_si128(prev2, assist);
}

/* Odd round keys of AES-256 use SubWord without RotWord or rcon (word 3 of the assist, selected by 0xaa). */
MT_AESNI static inline __m128i expand_odd(__m128i prev2, __m128i prev1) {
  __m128i assist = _mm_shuffle_epi32(_mm_aeskeygenassist_si128(prev1, 0), 0xaa);
  prev2 = _mm_xor_si128(prev2, _mm_slli_si128(prev2, 4));
  prev2 = _mm_xor_si128(prev2, _mm_slli_si128(prev2, 4));
  prev2 = _mm_xor_si128(prev2, _mm_slli_si128(prev2, 4));
  return _mm_xor_si128(prev2, assist);
}

MT_AESNI static void expand_key(const uint8_t *key, __m128i rk[ROUNDS + 1]) {
  rk[0] = _mm_loadu_si128((const __m128i *)key);
  rk[1] = _mm_loadu_si128((const __m128i *)(key + 16));
  /* aeskeygenassist needs its round constant as an immediate, hence the spelled-out sequence 0x01..0x40. */
  rk[2] = expand_even(rk[0], _mm_aeskeygenassist_si128(rk[1], 0x01));
  rk[3] = expand_odd(rk[1], rk[2]);
  rk[4] = expand_even(rk[2], _mm_aeskeygenassist_si128(rk[3], 0x02));
  rk[5] = expand_odd(rk[3], rk[4]);
  rk[6] = expand_even(rk[4], _mm_aeskeygenassist_si128(rk[5], 0x04));
  rk[7] = expand_odd(rk[5], rk[6]);
  rk[8] = expand_even(rk[6], _mm_aeskeygenassist_si128(rk[7], 0x08));
  rk[9] = expand_odd(rk[7], rk[8]);
  rk[10] = expand_even(rk[8], _mm_aeskeygenassist_si128(rk[9], 0x10));
  rk[11] = expand_odd(rk[9], rk[10]);
  rk[12] = expand_even(rk[10], _mm_aeskeygenassist_si128(rk[11], 0x20));
  rk[13] = expand_odd(rk[11], rk[12]);
  rk[14] = expand_even(rk[12], _mm_aeskeygenassist_si128(rk[13], 0x40));
}

MT_AESNI static void ige_encrypt(const uint8_t *src, uint8_t *dst, size_t len, const uint8_t *key, const uint8_t *iv) {
  __m128i rk[ROUNDS + 1];
  expand_key(key, rk);
  __m128i c = _mm_loadu_si128((const __m128i *)iv);
  __m128i p = _mm_loadu_si128((const __m128i *)(iv + 16));
  for (size_t off = 0; off < len; off += 16) {
    __m128i x = _mm_loadu_si128((const __m128i *)(src + off));
    /* x ^ rk0 and rk14 ^ p_{i-1} do not depend on the previous block's cipher output, so only one XOR and the
       14 AES rounds sit on the serial dependency chain (AESENCLAST ends with an XOR by its key operand). */
    __m128i t = _mm_xor_si128(_mm_xor_si128(x, rk[0]), c);
    __m128i last = _mm_xor_si128(rk[14], p);
    t = _mm_aesenc_si128(t, rk[1]);
    t = _mm_aesenc_si128(t, rk[2]);
    t = _mm_aesenc_si128(t, rk[3]);
    t = _mm_aesenc_si128(t, rk[4]);
    t = _mm_aesenc_si128(t, rk[5]);
    t = _mm_aesenc_si128(t, rk[6]);
    t = _mm_aesenc_si128(t, rk[7]);
    t = _mm_aesenc_si128(t, rk[8]);
    t = _mm_aesenc_si128(t, rk[9]);
    t = _mm_aesenc_si128(t, rk[10]);
    t = _mm_aesenc_si128(t, rk[11]);
    t = _mm_aesenc_si128(t, rk[12]);
    t = _mm_aesenc_si128(t, rk[13]);
    c = _mm_aesenclast_si128(t, last);
    _mm_storeu_si128((__m128i *)(dst + off), c);
    p = x;
  }
}

MT_AESNI static void ige_decrypt(const uint8_t *src, uint8_t *dst, size_t len, const uint8_t *key, const uint8_t *iv) {
  __m128i rk[ROUNDS + 1];
  __m128i dk[ROUNDS + 1];
  expand_key(key, rk);
  dk[0] = rk[ROUNDS];
  for (int i = 1; i < ROUNDS; i++) dk[i] = _mm_aesimc_si128(rk[ROUNDS - i]);
  dk[ROUNDS] = rk[0];
  __m128i c = _mm_loadu_si128((const __m128i *)iv);
  __m128i p = _mm_loadu_si128((const __m128i *)(iv + 16));
  for (size_t off = 0; off < len; off += 16) {
    __m128i x = _mm_loadu_si128((const __m128i *)(src + off));
    __m128i t = _mm_xor_si128(_mm_xor_si128(x, dk[0]), p);
    __m128i last = _mm_xor_si128(dk[14], c);
    t = _mm_aesdec_si128(t, dk[1]);
    t = _mm_aesdec_si128(t, dk[2]);
    t = _mm_aesdec_si128(t, dk[3]);
    t = _mm_aesdec_si128(t, dk[4]);
    t = _mm_aesdec_si128(t, dk[5]);
    t = _mm_aesdec_si128(t, dk[6]);
    t = _mm_aesdec_si128(t, dk[7]);
    t = _mm_aesdec_si128(t, dk[8]);
    t = _mm_aesdec_si128(t, dk[9]);
    t = _mm_aesdec_si128(t, dk[10]);
    t = _mm_aesdec_si128(t, dk[11]);
    t = _mm_aesdec_si128(t, dk[12]);
    t = _mm_aesdec_si128(t, dk[13]);
    p = _mm_aesdeclast_si128(t, last);
    _mm_storeu_si128((__m128i *)(dst + off), p);
    c = x;
  }
}

static int cpu_has_aesni(void) {
  unsigned int a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
  /* CPUID.1:ECX bit 25 = AES, bit 19 = SSE4.1. */
  return (c & (1u << 25)) != 0 && (c & (1u << 19)) != 0;
}

static int g_aesni = 0;

/* Reads argument i as a Uint8Array; throws a TypeError and returns 0 when it is anything else. */
static int get_bytes(napi_env env, napi_value v, const char *name, uint8_t **ptr, size_t *len) {
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) {
    char msg[96];
    snprintf(msg, sizeof msg, "%s must be a Uint8Array", name);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
    return 0;
  }
  napi_typedarray_type type;
  void *data = NULL;
  if (napi_get_typedarray_info(env, v, &type, len, &data, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    char msg[96];
    snprintf(msg, sizeof msg, "%s must be a Uint8Array", name);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
    return 0;
  }
  *ptr = (uint8_t *)data;
  return 1;
}

typedef void (*ige_fn)(const uint8_t *, uint8_t *, size_t, const uint8_t *, const uint8_t *);

static napi_value run_ige(napi_env env, napi_callback_info info, ige_fn fn) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (!g_aesni) {
    napi_throw_error(env, "ERR_MTACTOR_NO_AESNI", "this CPU has no AES-NI");
    return NULL;
  }
  if (argc < 4) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "expected (data, key, iv, out)");
    return NULL;
  }
  uint8_t *data, *key, *iv, *out;
  size_t data_len, key_len, iv_len, out_len;
  if (!get_bytes(env, argv[0], "data", &data, &data_len)) return NULL;
  if (!get_bytes(env, argv[1], "key", &key, &key_len)) return NULL;
  if (!get_bytes(env, argv[2], "iv", &iv, &iv_len)) return NULL;
  if (!get_bytes(env, argv[3], "out", &out, &out_len)) return NULL;
  if (key_len != 32) {
    napi_throw_range_error(env, "ERR_INVALID_ARG_VALUE", "key must be 32 bytes");
    return NULL;
  }
  if (iv_len != 32) {
    napi_throw_range_error(env, "ERR_INVALID_ARG_VALUE", "iv must be 32 bytes");
    return NULL;
  }
  if (data_len % 16 != 0) {
    napi_throw_range_error(env, "ERR_INVALID_ARG_VALUE", "data length must be a multiple of 16");
    return NULL;
  }
  if (out_len < data_len) {
    napi_throw_range_error(env, "ERR_INVALID_ARG_VALUE", "out is shorter than data");
    return NULL;
  }
  if (data_len > 0) fn(data, out, data_len, key, iv);
  return NULL;
}

static napi_value js_encrypt(napi_env env, napi_callback_info info) { return run_ige(env, info, ige_encrypt); }
static napi_value js_decrypt(napi_env env, napi_callback_info info) { return run_ige(env, info, ige_decrypt); }

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  g_aesni = cpu_has_aesni();
  napi_value enc, dec, flag;
  if (napi_create_function(env, "igeEncrypt", NAPI_AUTO_LENGTH, js_encrypt, NULL, &enc) != napi_ok) return NULL;
  if (napi_create_function(env, "igeDecrypt", NAPI_AUTO_LENGTH, js_decrypt, NULL, &dec) != napi_ok) return NULL;
  if (napi_get_boolean(env, g_aesni != 0, &flag) != napi_ok) return NULL;
  napi_set_named_property(env, exports, "igeEncrypt", enc);
  napi_set_named_property(env, exports, "igeDecrypt", dec);
  napi_set_named_property(env, exports, "aesni", flag);
  return exports;
}
