/*
 * mtactor portable AES-256-IGE, compiled to WebAssembly (scripts/build-wasm.mjs; the output is committed as
 * src/protocol/crypto/ige-wasm-binary.ts so installs need no compiler). No libc, no imports.
 *
 * Spec: https://core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector
 *   IGE encrypt: c_i = E(p_i ^ c_{i-1}) ^ p_{i-1}; decrypt: p_i = D(c_i ^ p_{i-1}) ^ c_{i-1}; iv = c_0 || p_0.
 * Cipher: FIPS-197 AES-256 with 32-bit T-tables over little-endian column words (row 0 in the low byte; WASM
 * loads are little-endian, so a column is one i32.load). Decryption uses the equivalent inverse cipher.
 *
 * Why WASM rather than JS for this path: the same unrolled T-table kernel in JS spends a bounds check on each of the
 * 224 table loads per block; WASM linear-memory loads carry none (guard pages), and that was measured to matter
 * (see the DEPS notes in the crypto report).
 *
 * Interface (all offsets are byte addresses in the exported memory):
 *   io_base() -> first free, 16-aligned address; the caller lays out key (32 B), iv (32 B), data there.
 *   ige_encrypt(data, len, key, iv) / ige_decrypt(data, len, key, iv): in place; len a multiple of 16 (the JS
 *   wrapper checks; a bad len is rounded down here so memory outside the message is never written). On return
 *   iv holds the chaining state after the last block (c_n || p_n), so a long message can be fed in chunks
 *   through a fixed-size window without growing memory.
 */
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(name)))

static uint32_t TE[1024]; /* encryption round table, rows 0..3 at 0, 256, 512, 768 */
static uint32_t TD[1024]; /* decryption round table */
static uint32_t FE[1024]; /* final encryption round: S-box byte shifted into row k */
static uint32_t FD[1024]; /* final decryption round: inverse S-box byte shifted into row k */
static uint8_t SB[256];
static uint32_t EK[60];
static uint32_t DK[60];
static int ready;

extern unsigned char __heap_base;

static uint32_t xtime(uint32_t a) { return ((a << 1) ^ ((a & 0x80) ? 0x1b : 0)) & 0xff; }

static uint32_t gmul(uint32_t a, uint32_t b) {
  uint32_t r = 0;
  while (b) {
    if (b & 1) r ^= a;
    a = xtime(a);
    b >>= 1;
  }
  return r;
}

static uint32_t rotl(uint32_t w, int n) { return (w << n) | (w >> (32 - n)); }

static void init(void) {
  uint8_t exp_t[256], log_t[256], inv_sb[256];
  uint32_t x = 1;
  for (int i = 0; i < 255; i++) {
    exp_t[i] = (uint8_t)x;
    log_t[x] = (uint8_t)i;
    x ^= xtime(x); /* multiply by the generator 3 */
  }
  for (int a = 0; a < 256; a++) {
    uint32_t inv = a == 0 ? 0 : exp_t[(255 - log_t[a]) % 255];
    uint32_t s = inv, r = inv;
    for (int k = 0; k < 4; k++) {
      r = ((r << 1) | (r >> 7)) & 0xff;
      s ^= r;
    }
    s ^= 0x63; /* FIPS-197 affine constant */
    SB[a] = (uint8_t)s;
    inv_sb[s] = (uint8_t)a;
  }
  for (int i = 0; i < 256; i++) {
    uint32_t s = SB[i];
    uint32_t te = gmul(s, 2) | (s << 8) | (s << 16) | (gmul(s, 3) << 24);
    uint32_t v = inv_sb[i];
    uint32_t td = gmul(v, 14) | (gmul(v, 9) << 8) | (gmul(v, 13) << 16) | (gmul(v, 11) << 24);
    for (int k = 0; k < 4; k++) {
      TE[k * 256 + i] = k ? rotl(te, 8 * k) : te;
      TD[k * 256 + i] = k ? rotl(td, 8 * k) : td;
      FE[k * 256 + i] = s << (8 * k);
      FD[k * 256 + i] = v << (8 * k);
    }
  }
  ready = 1;
}

static uint32_t load32(const uint8_t *p) {
  uint32_t v;
  __builtin_memcpy(&v, p, 4);
  return v;
}

static void store32(uint8_t *p, uint32_t v) { __builtin_memcpy(p, &v, 4); }

static uint32_t sub_word(uint32_t w) {
  return SB[w & 255] | ((uint32_t)SB[(w >> 8) & 255] << 8) | ((uint32_t)SB[(w >> 16) & 255] << 16) |
         ((uint32_t)SB[w >> 24] << 24);
}

static void expand(const uint8_t *key) {
  static const uint8_t rcon[7] = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40};
  for (int i = 0; i < 8; i++) EK[i] = load32(key + 4 * i);
  for (int i = 8; i < 60; i++) {
    uint32_t t = EK[i - 1];
    if (i % 8 == 0) t = sub_word((t >> 8) | (t << 24)) ^ rcon[i / 8 - 1];
    else if (i % 8 == 4) t = sub_word(t);
    EK[i] = EK[i - 8] ^ t;
  }
}

static void expand_dec(void) {
  for (int r = 0; r <= 14; r++) {
    for (int c = 0; c < 4; c++) {
      uint32_t w = EK[(14 - r) * 4 + c];
      DK[r * 4 + c] = (r == 0 || r == 14) ? w
                                          : TD[SB[w & 255]] ^ TD[256 + SB[(w >> 8) & 255]] ^
                                                TD[512 + SB[(w >> 16) & 255]] ^ TD[768 + SB[w >> 24]];
    }
  }
}

/* One table pass; A..D name the source columns for rows 0..3 (ShiftRows or InvShiftRows picks them). */
#define COL(T, A, B, C, D) (T[(A) & 255] ^ T[256 + (((B) >> 8) & 255)] ^ T[512 + (((C) >> 16) & 255)] ^ T[768 + ((D) >> 24)])

#define EROUND(r)                                 \
  do {                                            \
    t0 = COL(TE, s0, s1, s2, s3) ^ k[4 * (r)];     \
    t1 = COL(TE, s1, s2, s3, s0) ^ k[4 * (r) + 1]; \
    t2 = COL(TE, s2, s3, s0, s1) ^ k[4 * (r) + 2]; \
    t3 = COL(TE, s3, s0, s1, s2) ^ k[4 * (r) + 3]; \
    s0 = t0;                                      \
    s1 = t1;                                      \
    s2 = t2;                                      \
    s3 = t3;                                      \
  } while (0)

#define DROUND(r)                                 \
  do {                                            \
    t0 = COL(TD, s0, s3, s2, s1) ^ k[4 * (r)];     \
    t1 = COL(TD, s1, s0, s3, s2) ^ k[4 * (r) + 1]; \
    t2 = COL(TD, s2, s1, s0, s3) ^ k[4 * (r) + 2]; \
    t3 = COL(TD, s3, s2, s1, s0) ^ k[4 * (r) + 3]; \
    s0 = t0;                                      \
    s1 = t1;                                      \
    s2 = t2;                                      \
    s3 = t3;                                      \
  } while (0)

static void save_state(uint8_t *iv, uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t p0, uint32_t p1,
                       uint32_t p2, uint32_t p3) {
  store32(iv, c0); store32(iv + 4, c1); store32(iv + 8, c2); store32(iv + 12, c3);
  store32(iv + 16, p0); store32(iv + 20, p1); store32(iv + 24, p2); store32(iv + 28, p3);
}

EXPORT("io_base") uint32_t io_base(void) { return ((uint32_t)(uintptr_t)&__heap_base + 15u) & ~15u; }

EXPORT("ige_encrypt") void ige_encrypt(uint8_t *data, uint32_t len, const uint8_t *key, uint8_t *iv) {
  if (!ready) init();
  expand(key);
  const uint32_t *k = EK;
  uint32_t c0 = load32(iv), c1 = load32(iv + 4), c2 = load32(iv + 8), c3 = load32(iv + 12);
  uint32_t p0 = load32(iv + 16), p1 = load32(iv + 20), p2 = load32(iv + 24), p3 = load32(iv + 28);
  uint32_t t0, t1, t2, t3;
  len &= ~15u;
  for (uint32_t off = 0; off < len; off += 16) {
    uint8_t *b = data + off;
    uint32_t x0 = load32(b), x1 = load32(b + 4), x2 = load32(b + 8), x3 = load32(b + 12);
    uint32_t s0 = x0 ^ c0 ^ k[0], s1 = x1 ^ c1 ^ k[1], s2 = x2 ^ c2 ^ k[2], s3 = x3 ^ c3 ^ k[3];
    EROUND(1); EROUND(2); EROUND(3); EROUND(4); EROUND(5); EROUND(6); EROUND(7);
    EROUND(8); EROUND(9); EROUND(10); EROUND(11); EROUND(12); EROUND(13);
    c0 = COL(FE, s0, s1, s2, s3) ^ k[56] ^ p0;
    c1 = COL(FE, s1, s2, s3, s0) ^ k[57] ^ p1;
    c2 = COL(FE, s2, s3, s0, s1) ^ k[58] ^ p2;
    c3 = COL(FE, s3, s0, s1, s2) ^ k[59] ^ p3;
    store32(b, c0); store32(b + 4, c1); store32(b + 8, c2); store32(b + 12, c3);
    p0 = x0; p1 = x1; p2 = x2; p3 = x3;
  }
  save_state(iv, c0, c1, c2, c3, p0, p1, p2, p3);
}

EXPORT("ige_decrypt") void ige_decrypt(uint8_t *data, uint32_t len, const uint8_t *key, uint8_t *iv) {
  if (!ready) init();
  expand(key);
  expand_dec();
  const uint32_t *k = DK;
  uint32_t c0 = load32(iv), c1 = load32(iv + 4), c2 = load32(iv + 8), c3 = load32(iv + 12);
  uint32_t p0 = load32(iv + 16), p1 = load32(iv + 20), p2 = load32(iv + 24), p3 = load32(iv + 28);
  uint32_t t0, t1, t2, t3;
  len &= ~15u;
  for (uint32_t off = 0; off < len; off += 16) {
    uint8_t *b = data + off;
    uint32_t x0 = load32(b), x1 = load32(b + 4), x2 = load32(b + 8), x3 = load32(b + 12);
    uint32_t s0 = x0 ^ p0 ^ k[0], s1 = x1 ^ p1 ^ k[1], s2 = x2 ^ p2 ^ k[2], s3 = x3 ^ p3 ^ k[3];
    DROUND(1); DROUND(2); DROUND(3); DROUND(4); DROUND(5); DROUND(6); DROUND(7);
    DROUND(8); DROUND(9); DROUND(10); DROUND(11); DROUND(12); DROUND(13);
    p0 = COL(FD, s0, s3, s2, s1) ^ k[56] ^ c0;
    p1 = COL(FD, s1, s0, s3, s2) ^ k[57] ^ c1;
    p2 = COL(FD, s2, s1, s0, s3) ^ k[58] ^ c2;
    p3 = COL(FD, s3, s2, s1, s0) ^ k[59] ^ c3;
    store32(b, p0); store32(b + 4, p1); store32(b + 8, p2); store32(b + 12, p3);
    c0 = x0; c1 = x1; c2 = x2; c3 = x3;
  }
  save_state(iv, c0, c1, c2, c3, p0, p1, p2, p3);
}
