/**
 * The service schema loads WITHOUT the API module: this file imports only src/tl/service.ts (vitest runs each
 * file in its own process), so no API constructor may be registered.
 */
import { describe, expect, it } from 'vitest'
import { deserializeObject, nameForId, registry, serializeObject } from '../../src/tl/service.js'

describe('service-only codec', () => {
  it('registers the MTProto service schema and nothing of the API', () => {
    expect(nameForId(0x05162463)).toBe('resPQ')
    expect(nameForId(0xf35c6d01)).toBe('rpc_result')
    expect(nameForId(0x79cb045d)).toBe('server_DH_params_fail')
    expect(nameForId(0x1d73e7ea)).toBeUndefined()
    expect(registry.names.size).toBeLessThan(60)
  })

  it('round-trips service messages (ping, msgs_ack, legacy p_q_inner_data)', () => {
    for (const obj of [
      { _: 'ping', pingId: -5n },
      { _: 'msgs_ack', msgIds: [1n, 2n] },
      {
        _: 'p_q_inner_data',
        pq: new Uint8Array([1, 2]),
        p: new Uint8Array([3]),
        q: new Uint8Array([4]),
        nonce: new Uint8Array(16),
        serverNonce: new Uint8Array(16).fill(1),
        newNonce: new Uint8Array(32).fill(2),
      },
    ]) {
      expect(deserializeObject(serializeObject(obj))).toEqual(obj)
    }
  })
})
