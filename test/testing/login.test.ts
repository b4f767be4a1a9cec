/** LoginState and ExportedAuthorizations alone: the key a login is recorded under (PFS), single use, bounds. */
import { describe, expect, it } from 'vitest'
import { ArgumentError } from '../../src/errors.js'
import { ServerKeyStore } from '../../src/protocol/mtp/server-keys.js'
import { seededRandom } from '../../src/protocol/random.js'
import { ExportedAuthorizations, LoginState, loginKeyId } from '../../src/testing/index.js'
import { crypto, newKey } from './helpers/setup.js'

describe('LoginState', () => {
  it('records a temp key login on its bound permanent key, an unbound key on itself', () => {
    const keys = new ServerKeyStore(crypto, 3600)
    const perm = keys.add(newKey(), { firstSalt: 1n, serverNow: 0 })
    const temp = keys.add(newKey(), { firstSalt: 1n, serverNow: 0, temp: true, expiresAt: 100 })
    const logins = new LoginState()
    expect(loginKeyId(temp)).toBe(temp.id)
    temp.boundTo = perm.id
    expect(loginKeyId(temp)).toBe(perm.id)
    logins.logIn(temp, 5n)
    expect(logins.userOf(perm)).toBe(5n)
    expect(logins.get(perm.id)).toBe(5n)
    expect(logins.keysOf(5n)).toEqual([perm.id])
    expect(logins.logOut(perm)).toBe(true)
    expect(logins.userOf(temp)).toBeUndefined()
    expect(logins.logOut(perm)).toBe(false)
  })

  it('keeps at most 65,536 logins (the oldest go first)', () => {
    const logins = new LoginState()
    for (let i = 0; i < 70_000; i++) logins.set(BigInt(i), 1n)
    expect(logins.size).toBeLessThanOrEqual(65_536)
    expect(logins.get(69_999n)).toBe(1n)
    expect(logins.get(0n)).toBeUndefined()
  })
})

describe('ExportedAuthorizations', () => {
  it('issues tokens for another DC only, consumes each once, for its user and DC', () => {
    const ex = new ExportedAuthorizations(seededRandom(1))
    expect(() => ex.create(1n, 2, 2)).toThrow(ArgumentError)
    const t = ex.create(7n, 2, 1)
    expect(t).toHaveLength(32)
    expect(ex.consume(7n, t, 3)).toBeUndefined()
    expect(ex.consume(8n, t, 1)).toBeUndefined()
    expect(ex.consume(7n, t.subarray(1), 1)).toBeUndefined()
    expect(ex.consume(7n, t, 1)).toEqual({ userId: 7n, fromDc: 2, toDc: 1 })
    expect(ex.consume(7n, t, 1)).toBeUndefined()
  })

  it('keeps at most 4,096 pending tokens', () => {
    const ex = new ExportedAuthorizations(seededRandom(2))
    const first = ex.create(1n, 1, 2)
    for (let i = 0; i < 5000; i++) ex.create(1n, 1, 2)
    expect(ex.size).toBeLessThanOrEqual(4096)
    expect(ex.consume(1n, first, 2)).toBeUndefined()
  })
})
