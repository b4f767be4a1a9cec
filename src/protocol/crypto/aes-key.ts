/**
 * AES-256 key expansion (FIPS-197 §5.2) for the portable T-table cipher: the forward schedule and the
 * "equivalent inverse cipher" schedule (FIPS-197 §5.3.5) that lets decryption use the same table-driven round shape.
 *
 * Spec: https://core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector (AES-256 keys);
 * https://csrc.nist.gov/pubs/fips/197/final (key schedule).
 */
// biome-ignore-all lint/style/noNonNullAssertion: every index is masked to 0..255 or bounded by the fixed 60-word schedule.
import { SBOX, TD0, TD1, TD2, TD3 } from './aes-tables.js'

/** AES-256 has 14 rounds, so 15 round keys of 4 words: 60 words. */
export const AES256_SCHEDULE_WORDS = 60

/** Round constants x^(i-1) in GF(2^8); AES-256 consumes seven of them (60 words / 8 words per step). */
const RCON = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40]

function subWord(w: number): number {
  return (
    SBOX[w & 255]! | (SBOX[(w >>> 8) & 255]! << 8) | (SBOX[(w >>> 16) & 255]! << 16) | (SBOX[w >>> 24]! << 24)
  )
}

/**
 * Expands a 32-byte key into the encryption schedule (little-endian column words, see aes-tables.ts).
 * The caller has checked `key.length === 32`.
 */
export function expandEncKey(key: Uint8Array, out: Int32Array = new Int32Array(AES256_SCHEDULE_WORDS)): Int32Array {
  for (let i = 0; i < 8; i++) {
    const o = i * 4
    out[i] = key[o]! | (key[o + 1]! << 8) | (key[o + 2]! << 16) | (key[o + 3]! << 24)
  }
  for (let i = 8; i < AES256_SCHEDULE_WORDS; i++) {
    let t = out[i - 1]!
    if (i % 8 === 0) {
      // RotWord moves byte 1 to byte 0: a right rotation by 8 bits on a little-endian word.
      t = subWord((t >>> 8) | (t << 24)) ^ RCON[i / 8 - 1]!
    } else if (i % 8 === 4) {
      t = subWord(t)
    }
    out[i] = out[i - 8]! ^ t
  }
  return out
}

/**
 * Derives the decryption schedule from an encryption schedule: round keys in reverse order, with InvMixColumns
 * applied to all but the first and last so that each decryption round is one table pass plus an XOR.
 */
export function expandDecKey(enc: Int32Array, out: Int32Array = new Int32Array(AES256_SCHEDULE_WORDS)): Int32Array {
  for (let r = 0; r <= 14; r++) {
    const src = (14 - r) * 4
    const dst = r * 4
    for (let c = 0; c < 4; c++) {
      const w = enc[src + c]!
      // TDk[SBOX[b]] is InvMixColumns of byte b in row k, because TDk already applies the inverse S-box.
      out[dst + c] =
        r === 0 || r === 14
          ? w
          : TD0[SBOX[w & 255]!]! ^ TD1[SBOX[(w >>> 8) & 255]!]! ^ TD2[SBOX[(w >>> 16) & 255]!]! ^ TD3[SBOX[w >>> 24]!]!
    }
  }
  return out
}
