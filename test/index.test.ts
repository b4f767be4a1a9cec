import { describe, expect, it } from 'vitest'
import * as mtactor from '../src/index.js'

describe('public entry point', () => {
  it('exposes each layer by name', () => {
    for (const name of [
      'MtError',
      'TransportError',
      'SecurityError',
      'RpcError',
      'serializeObject',
      'deserializeObject',
      'readResult',
      'createNodeCryptoProvider',
      'createMessageCipher',
      'factorizePq',
      'IntermediateCodec',
      'parseProxyLink',
      'seededRandom',
    ]) {
      expect(typeof (mtactor as Record<string, unknown>)[name], name).toBe('function')
    }
  })
  it('round-trips a request through the exported codec', () => {
    const req = { _: 'help.getConfig' } as const
    const bytes = mtactor.serializeObject(req)
    expect(mtactor.deserializeObject(bytes)).toEqual(req)
  })
})
