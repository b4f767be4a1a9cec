/**
 * Randomness and time as arguments: the sans-IO core never reaches for a global clock or RNG.
 * See ../../../shared/STYLE.md, principle 1.
 */

/**
 * Fills `out` with random bytes. Production code passes `(b) => crypto.randomFillSync(b)`; tests pass a seeded source so that
 * every byte a state machine produces can be replayed.
 */
export type RandomSource = (out: Uint8Array) => void

/** Returns `n` fresh bytes from `random`. */
export function randomBytes(random: RandomSource, n: number): Uint8Array {
  const out = new Uint8Array(n)
  random(out)
  return out
}

/**
 * A deterministic source for tests and fuzzers: xorshift128+ seeded with a 32-bit integer. Not for keys.
 */
export function seededRandom(seed: number): RandomSource {
  let s0 = (BigInt(seed >>> 0) * 0x9e3779b97f4a7c15n + 1n) & 0xffffffffffffffffn
  let s1 = (s0 ^ 0x6a09e667f3bcc909n) & 0xffffffffffffffffn
  return (out) => {
    for (let i = 0; i < out.length; i += 8) {
      let x = s0
      const y = s1
      s0 = y
      x ^= (x << 23n) & 0xffffffffffffffffn
      s1 = x ^ y ^ (x >> 17n) ^ (y >> 26n)
      let v = (s1 + y) & 0xffffffffffffffffn
      for (let j = 0; j < 8 && i + j < out.length; j++) {
        out[i + j] = Number(v & 0xffn)
        v >>= 8n
      }
    }
  }
}
