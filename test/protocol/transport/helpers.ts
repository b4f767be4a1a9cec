/**
 * Test helpers for the transport codecs: fixture loading, hex, and the split-at-every-position driver.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import { MtError } from '../../../src/errors.js'
import { TransportError } from '../../../src/protocol/errors.js'
import type { TransportEvent } from '../../../src/protocol/transport/codec.js'

export const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))
export const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
export const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts))

/** The parsed test/fixtures/transport.json. */
export type Vector = Record<string, unknown>
export const transportFixture = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../fixtures/transport.json'), 'utf8'),
) as Record<string, Vector[]>

export function str(v: Vector, key: string): string {
  const x = v[key]
  if (typeof x !== 'string') throw new Error(`vector ${String(v.id)} has no string ${key}`)
  return x
}

/** Simplifies events for equality checks. */
export function summarize(events: TransportEvent[]): string[] {
  return events.map((e) =>
    e.type === 'frame'
      ? `frame:${toHex(e.payload)}${e.quickAck ? ':ack' : ''}`
      : e.type === 'quick-ack'
        ? `ack:${e.token.toString(16)}`
        : `error:${e.error.code}`,
  )
}

/** A decoder under test: push returns events. */
export interface Pushable {
  push(chunk: Uint8Array): TransportEvent[]
}

/**
 * Feeds `stream` cut at every position i (two chunks) into a fresh decoder from `make` and checks the events equal
 * `expected` each time; also feeds it one byte at a time.
 */
export function checkEverySplit(make: () => Pushable, stream: Uint8Array, expected: string[]): void {
  for (let i = 0; i <= stream.length; i++) {
    const d = make()
    const got = [...d.push(stream.subarray(0, i)), ...d.push(stream.subarray(i))]
    expect(summarize(got), `split at ${i}`).toEqual(expected)
  }
  const d = make()
  const got: TransportEvent[] = []
  for (let i = 0; i < stream.length; i++) got.push(...d.push(stream.subarray(i, i + 1)))
  expect(summarize(got), 'byte by byte').toEqual(expected)
}

/** Runs `fn` and returns the TransportError it throws (failing if it throws anything else or nothing). */
export function catchTransport(fn: () => unknown): TransportError {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(MtError)
    expect(e).toBeInstanceOf(TransportError)
    return e as TransportError
  }
  throw new Error('expected a TransportError')
}
