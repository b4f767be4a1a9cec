/**
 * AES lookup tables (FIPS-197) for the portable 32-bit T-table cipher, computed once at module load.
 *
 * Spec: https://core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector (MTProto uses
 * AES-256 in IGE mode); the cipher itself is FIPS-197 (https://csrc.nist.gov/pubs/fips/197/final).
 *
 * Layout: a state column is one little-endian 32-bit word (row 0 in the low byte), so a column can be read from
 * the message with an `Int32Array` view and no byte shuffling. `TE[k][x]` is the MixColumns contribution of S(x)
 * sitting in row k; `TD[k][x]` the InvMixColumns contribution of InvS(x) in row k. Rotating the row-0 table by 8·k
 * bits yields row k's table, which is why four tables share one generator.
 */

/** Multiplication by x (0x02) in GF(2^8) modulo the AES polynomial x^8 + x^4 + x^3 + x + 1 (0x11b). */
function xtime(a: number): number {
  return ((a << 1) ^ (a & 0x80 ? 0x1b : 0)) & 0xff
}

/** Full GF(2^8) product, shift-and-add; only used while building the tables. */
function gmul(a: number, b: number): number {
  let r = 0
  let x = a
  for (let y = b; y !== 0; y >>>= 1) {
    if (y & 1) r ^= x
    x = xtime(x)
  }
  return r
}

function rotl(w: number, n: number): number {
  return ((w << n) | (w >>> (32 - n))) | 0
}

/** Forward S-box (bytes). */
export const SBOX = new Uint8Array(256)
/** Inverse S-box (bytes). */
export const INV_SBOX = new Uint8Array(256)

{
  // Multiplicative inverse via exp/log tables over generator 3, then the FIPS-197 affine transform with constant 0x63.
  const exp = new Uint8Array(256)
  const log = new Uint8Array(256)
  let x = 1
  for (let i = 0; i < 255; i++) {
    exp[i] = x
    log[x] = i
    x ^= xtime(x) // x * 3
  }
  for (let a = 0; a < 256; a++) {
    const inv = a === 0 ? 0 : (exp[(255 - (log[a] ?? 0)) % 255] ?? 0)
    let s = inv
    let r = inv
    for (let k = 0; k < 4; k++) {
      r = ((r << 1) | (r >>> 7)) & 0xff
      s ^= r
    }
    s ^= 0x63
    SBOX[a] = s
    INV_SBOX[s] = a
  }
}

/** Encryption round tables for rows 0..3 (SubBytes + MixColumns). */
export const TE0 = new Int32Array(256)
export const TE1 = new Int32Array(256)
export const TE2 = new Int32Array(256)
export const TE3 = new Int32Array(256)
/** Decryption round tables for rows 0..3 (InvSubBytes + InvMixColumns). */
export const TD0 = new Int32Array(256)
export const TD1 = new Int32Array(256)
export const TD2 = new Int32Array(256)
export const TD3 = new Int32Array(256)
/** Final-round tables: the S-box value already shifted into row k (no MixColumns in the last round). */
export const S0 = new Int32Array(256)
export const S1 = new Int32Array(256)
export const S2 = new Int32Array(256)
export const S3 = new Int32Array(256)
/** Final-round tables for decryption: the inverse S-box value shifted into row k. */
export const IS0 = new Int32Array(256)
export const IS1 = new Int32Array(256)
export const IS2 = new Int32Array(256)
export const IS3 = new Int32Array(256)

for (let x = 0; x < 256; x++) {
  const s = SBOX[x] ?? 0
  // Column 0 of MixColumns is (2, 1, 1, 3): rows 0..3 of the output gain 2s, s, s, 3s.
  const te = (gmul(s, 2) | (s << 8) | (s << 16) | (gmul(s, 3) << 24)) | 0
  TE0[x] = te
  TE1[x] = rotl(te, 8)
  TE2[x] = rotl(te, 16)
  TE3[x] = rotl(te, 24)
  S0[x] = s
  S1[x] = s << 8
  S2[x] = s << 16
  S3[x] = (s << 24) | 0
  const i = INV_SBOX[x] ?? 0
  // Column 0 of InvMixColumns is (14, 9, 13, 11).
  const td = (gmul(i, 14) | (gmul(i, 9) << 8) | (gmul(i, 13) << 16) | (gmul(i, 11) << 24)) | 0
  TD0[x] = td
  TD1[x] = rotl(td, 8)
  TD2[x] = rotl(td, 16)
  TD3[x] = rotl(td, 24)
  IS0[x] = i
  IS1[x] = i << 8
  IS2[x] = i << 16
  IS3[x] = (i << 24) | 0
}
