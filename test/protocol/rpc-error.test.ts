import { describe, expect, it } from 'vitest'
import { CancelledError, TimeoutError, deserializeError, serializeError } from '../../src/errors.js'
import { RpcError } from '../../src/protocol/rpc-error.js'

describe('RpcError', () => {
  it('parses the X of FLOOD_WAIT_X, SLOWMODE_WAIT_X and *_MIGRATE_X', () => {
    const flood = new RpcError(420, 'FLOOD_WAIT_17', 'messages.sendMessage')
    expect(flood.type).toBe('FLOOD_WAIT')
    expect(flood.waitSeconds).toBe(17)
    expect(flood.is('FLOOD_WAIT')).toBe(true)
    expect(new RpcError(420, 'SLOWMODE_WAIT_5').waitSeconds).toBe(5)
    expect(new RpcError(420, 'FLOOD_PREMIUM_WAIT_3').waitSeconds).toBe(3)
    expect(new RpcError(303, 'PHONE_MIGRATE_2').migrate).toEqual({ kind: 'PHONE', dcId: 2 })
    expect(new RpcError(303, 'FILE_MIGRATE_4').migrate).toEqual({ kind: 'FILE', dcId: 4 })
    expect(new RpcError(303, 'STATS_MIGRATE_5').migrate).toEqual({ kind: 'STATS', dcId: 5 })
    const plain = new RpcError(400, 'PEER_ID_INVALID')
    expect(plain.value).toBeUndefined()
    expect(plain.migrate).toBeUndefined()
    expect(plain.waitSeconds).toBeUndefined()
    expect(new RpcError(401, '2FA_CONFIRM_WAIT_3600').type).toBe('2FA_CONFIRM_WAIT')
  })
  it('crosses threads as the same classes', () => {
    const back = deserializeError(structuredClone(serializeError(new RpcError(303, 'USER_MIGRATE_3', 'auth.signIn'))))
    expect(back).toBeInstanceOf(RpcError)
    expect((back as RpcError).migrate).toEqual({ kind: 'USER', dcId: 3 })
    expect((back as RpcError).method).toBe('auth.signIn')
    expect(deserializeError(structuredClone(serializeError(new TimeoutError('slow', 50))))).toBeInstanceOf(TimeoutError)
    expect(deserializeError(structuredClone(serializeError(new CancelledError())))).toBeInstanceOf(CancelledError)
  })
})
