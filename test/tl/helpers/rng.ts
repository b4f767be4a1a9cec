/**
 * Fast deterministic random numbers for the TL test suites: seeded from `seededRandom` (src/protocol/random.ts),
 * then advanced with sfc32 so 100,000-iteration loops stay fast. Test helper, not a test.
 */
import { seededRandom } from '../../../src/protocol/random.js'

/** A seeded pseudo-random generator with convenience draws. */
export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(seed: number) {
    const s = new Uint8Array(16)
    seededRandom(seed)(s)
    const v = new Uint32Array(s.buffer)
    this.a = v[0] as number
    this.b = v[1] as number
    this.c = v[2] as number
    this.d = (v[3] as number) | 1
  }

  /** Uniform unsigned 32-bit integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n)
  }

  /** true with probability p. */
  chance(p: number): boolean {
    return this.u32() / 4294967296 < p
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff
    return out
  }

  /** A random element. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from empty list')
    return items[this.int(items.length)] as T
  }
}
