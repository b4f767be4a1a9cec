import { describe, expect, it } from 'vitest'
import { createNodeCryptoProvider } from '../../../src/protocol/crypto/node-provider.js'
import { RpcFailure } from '../../../src/protocol/mtp/server-errors.js'
import { ServerKeyStore } from '../../../src/protocol/mtp/server-keys.js'
import { ExecutionCounters, RpcRegistry } from '../../../src/protocol/mtp/server-rpc.js'
import type { TlObject } from '../../../src/tl/index.js'

const store = new ServerKeyStore(createNodeCryptoProvider(), 3600)

function setup() {
  const rpc = new RpcRegistry().register('help.getNearestDc', (_r, ctx) => {
    ctx.count(`layer:${ctx.layer}`)
    return { _: 'nearestDc', country: 'ZZ', thisDc: 1, nearestDc: 1 } as TlObject
  })
  const key = store.add(new Uint8Array(256).fill(7), { firstSalt: 1n, serverNow: 0 })
  const counters = new ExecutionCounters()
  const base = (msgId: bigint) => ({ dcId: 1, key, sessionId: 1n, msgId, now: 0 })
  return { rpc, key, counters, base }
}

const init = (query: TlObject, layer = 228): TlObject =>
  ({
    _: 'invokeWithLayer',
    layer,
    query: { _: 'initConnection', apiId: 9, deviceModel: 'd', systemVersion: 's', appVersion: 'a', systemLangCode: 'en', langPack: '', langCode: 'en', query },
  }) as TlObject

describe('RPC registry', () => {
  it('unwraps invokeWithLayer/initConnection/invokeWithoutUpdates/invokeAfterMsg and remembers the client per key', () => {
    const { rpc, key, counters, base } = setup()
    const flags = { noUpdates: false }
    expect(() => rpc.execute({ _: 'help.getNearestDc' } as TlObject, base(4n), counters, flags)).toThrow(
      expect.objectContaining({ code: 400, text: 'CONNECTION_NOT_INITED' }),
    )
    rpc.execute({ _: 'invokeWithoutUpdates', query: init({ _: 'help.getNearestDc' } as TlObject, 200) } as TlObject, base(8n), counters, flags)
    expect(flags.noUpdates).toBe(true)
    expect(key.client).toMatchObject({ layer: 200, apiId: 9 })
    rpc.execute({ _: 'invokeAfterMsg', msgId: 8n, query: { _: 'help.getNearestDc' } } as TlObject, base(12n), counters, flags)
    expect(counters.byArgument.get('layer:200')).toBe(2)
    expect(counters.byMsgId.get(8n)).toBe(1)
    expect(counters.total).toBe(2)
    expect(RpcRegistry.leafMethod(init({ _: 'help.getNearestDc' } as TlObject))).toBe('help.getNearestDc')
  })

  it('answers typed failures for bad layers, unknown methods and malformed wrappers', () => {
    const { rpc, counters, base } = setup()
    const flags = { noUpdates: false }
    for (const [req, text] of [
      [init({ _: 'help.getNearestDc' } as TlObject, 229), 'LAYER_INVALID'],
      [init({ _: 'help.getNearestDc' } as TlObject, 197), 'LAYER_INVALID'],
      [init({ _: 'help.getCdnConfig' } as TlObject), 'INPUT_METHOD_INVALID_help.getCdnConfig'],
      [{ _: 'invokeWithLayer', layer: 228, query: 5 } as unknown as TlObject, 'INPUT_REQUEST_INVALID'],
    ] as const) {
      let err: unknown
      try {
        rpc.execute(req, base(16n), counters, flags)
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(RpcFailure)
      expect((err as RpcFailure).text).toBe(text)
    }
    expect(counters.total).toBe(0)
  })
})
