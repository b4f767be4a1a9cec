/**
 * Seeded fuzz: damaged messages at every step, to both sides, only ever raise typed errors (MtError) or, when the
 * damage happens to keep the message valid, continue the exchange. Never a crash, a hang or a foreign exception.
 */
import { describe, expect, it } from 'vitest'
import { ClientHandshake } from '../../../src/protocol/auth/client.js'
import { ServerHandshake } from '../../../src/protocol/auth/server.js'
import { MtError } from '../../../src/errors.js'
import { type RandomSource, seededRandom } from '../../../src/protocol/random.js'
import { NOW_MS, crypto, serverKey } from './helpers.js'

function int(r: RandomSource, n: number): number {
  const b = new Uint8Array(4)
  r(b)
  return (((b[0] ?? 0) | ((b[1] ?? 0) << 8) | ((b[2] ?? 0) << 16)) >>> 0) % n
}

/** One random damage: bit flips, truncation, extension, a random overwrite, or whole random bytes. */
function damage(r: RandomSource, msg: Uint8Array): Uint8Array {
  const kind = int(r, 5)
  const out = Uint8Array.from(msg)
  if (kind === 0) {
    for (let i = int(r, 4) + 1; i > 0; i--) {
      const at = int(r, out.length)
      out[at] = (out[at] ?? 0) ^ (1 << int(r, 8))
    }
    return out
  }
  if (kind === 1) return out.subarray(0, int(r, out.length))
  if (kind === 2) {
    const ext = new Uint8Array(out.length + int(r, 64) + 1)
    ext.set(out)
    r(ext.subarray(out.length))
    return ext
  }
  if (kind === 3) {
    const at = int(r, out.length)
    r(out.subarray(at, Math.min(out.length, at + int(r, 32) + 1)))
    return out
  }
  const junk = new Uint8Array(int(r, 600))
  r(junk)
  return junk
}

/** Runs a clean exchange up to `step`, returning both machines and the message for that step in each direction. */
function prefix(step: number, seed: number) {
  const key = serverKey()
  const c = new ClientHandshake({ crypto, random: seededRandom(seed), dcId: 2, rsaKeys: [key.publicKey] })
  const s = new ServerHandshake({ crypto, random: seededRandom(seed + 1), rsaKey: key })
  let toServer = c.start(NOW_MS)
  for (let i = 1; i < step; i++) {
    const ans = s.receive(toServer, NOW_MS).send
    const next = c.receive(ans, NOW_MS)
    if (!('send' in next)) throw new Error('finished early')
    toServer = next.send
  }
  return { c, s, toServer }
}

function expectTyped(fn: () => unknown): 'ok' | 'error' {
  try {
    fn()
    return 'ok'
  } catch (e) {
    expect(e).toBeInstanceOf(MtError)
    return 'error'
  }
}

describe('auth key exchange fuzz (seeded)', () => {
  it('damaged server answers and client requests at each step raise only typed errors', () => {
    const r = seededRandom(2026)
    let errors = 0
    for (let i = 0; i < 60; i++) {
      const step = (i % 3) + 1
      const toClient = i % 2 === 0
      const { c, s, toServer } = prefix(step, 500 + i)
      if (toClient) {
        const ans = s.receive(toServer, NOW_MS).send
        if (expectTyped(() => c.receive(damage(r, ans), NOW_MS)) === 'error') errors++
      } else if (expectTyped(() => s.receive(damage(r, toServer), NOW_MS)) === 'error') {
        errors++
      }
    }
    // nearly every damage is caught; a few can be benign (e.g. extra trailing bytes after a TL object)
    expect(errors).toBeGreaterThan(40)
  })
})
