/**
 * Shared helpers for the MTProto crypto tests: fixture loading, hex conversion and a scripted RandomSource that
 * replays given bytes in order (so published vectors that fix the "random" inputs can be reproduced).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RandomSource } from '../../../src/protocol/random.js'

/** Parses a fixture file from test/fixtures. */
export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures', name), 'utf8')) as T
}

/** Lowercase hex to bytes. */
export const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))
/** Bytes to lowercase hex. */
export const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex')

/** A RandomSource that hands out `bytes` in order and throws once they run out. */
export function scriptedRandom(...chunks: Uint8Array[]): RandomSource & { remaining(): number } {
  const all = Buffer.concat(chunks)
  let pos = 0
  const fn = (out: Uint8Array): void => {
    if (pos + out.length > all.length) throw new Error(`scripted random exhausted at ${pos} (+${out.length})`)
    out.set(all.subarray(pos, pos + out.length))
    pos += out.length
  }
  return Object.assign(fn, { remaining: () => all.length - pos })
}
