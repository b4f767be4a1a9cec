import { describe, expect, it } from 'vitest'
import { AuthError } from '../../../src/protocol/auth/errors.js'
import { TempKeyBindings, tempKeyRenewAt } from '../../../src/protocol/auth/pfs.js'
import { errorOf } from './helpers.js'

describe('TempKeyBindings', () => {
  it('binds, replaces the previous temp key of a permanent key, and expires', () => {
    const t = new TempKeyBindings()
    expect(t.bind(1n, 100n, 1000)).toEqual({})
    expect(t.permKeyOf(1n, 500)).toBe(100n)
    expect(t.bind(2n, 100n, 2000)).toEqual({ replaced: 1n })
    expect(t.permKeyOf(1n, 500)).toBeUndefined()
    expect(t.tempKeyOf(100n)).toBe(2n)
    expect(t.permKeyOf(2n, 2000)).toBeUndefined()
    expect(t.tempKeyOf(100n)).toBeUndefined()
    expect(t.size).toBe(0)
  })

  it('a resent bind of the same pair only updates expiry; another permanent key is refused', () => {
    const t = new TempKeyBindings()
    t.bind(1n, 100n, 1000)
    expect(t.bind(1n, 100n, 3000)).toEqual({})
    expect(t.permKeyOf(1n, 2000)).toBe(100n)
    expect(errorOf(() => t.bind(1n, 200n, 3000))).toBe('AuthError:bind-invalid')
    try {
      t.bind(1n, 200n, 3000)
    } catch (e) {
      expect(e).toBeInstanceOf(AuthError)
      expect((e as AuthError).rpcError).toBe('TEMP_AUTH_KEY_ALREADY_BOUND')
    }
    expect(t.permKeyOf(1n, 2000)).toBe(100n)
  })

  it('sweeps expired bindings', () => {
    const t = new TempKeyBindings()
    t.bind(1n, 100n, 10)
    t.bind(2n, 200n, 20)
    t.bind(3n, 300n, 30)
    expect(t.sweep(20)).toBe(2)
    expect(t.size).toBe(1)
    expect(t.tempKeyOf(300n)).toBe(3n)
  })
})

describe('tempKeyRenewAt', () => {
  it('renews 10% early, at least 60 s, at most half the lifetime', () => {
    expect(tempKeyRenewAt(0, 86400)).toBe(86400 - 8640)
    expect(tempKeyRenewAt(0, 300)).toBe(240)
    expect(tempKeyRenewAt(0, 100)).toBe(50)
    expect(errorOf(() => tempKeyRenewAt(10, 10))).toBe('ArgumentError:')
  })
})
