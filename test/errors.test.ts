import { describe, expect, it } from 'vitest'
import { ArgumentError, InternalError, MtError, deserializeError, serializeError } from '../src/errors.js'

describe('error tree', () => {
  it('round-trips registered errors through structuredClone as the same class', () => {
    const err = new ArgumentError('bad peer', 'peer.id')
    const back = deserializeError(structuredClone(serializeError(err)))
    expect(back).toBeInstanceOf(ArgumentError)
    expect(back).toBeInstanceOf(MtError)
    expect(back.message).toBe('bad peer')
    expect((back as ArgumentError).argument).toBe('peer.id')
  })
  it('keeps foreign errors as InternalError with their original kind', () => {
    const back = deserializeError(structuredClone(serializeError(new TypeError('boom'))))
    expect(back).toBeInstanceOf(InternalError)
    expect(back.message).toBe('boom')
    expect(serializeError('text').message).toBe('text')
  })
})
