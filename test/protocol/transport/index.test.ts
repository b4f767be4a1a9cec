import { describe, expect, it } from 'vitest'
import { createNodeCryptoProvider } from '../../../src/protocol/crypto/node-provider.js'
import { seededRandom } from '../../../src/protocol/random.js'
import * as transport from '../../../src/protocol/transport/index.js'
import { toHex } from './helpers.js'

describe('transport index', () => {
  it('exposes a working client/server pair through the public surface', () => {
    const crypto = createNodeCryptoProvider()
    const client = transport.createObfuscatedClient({ crypto, random: seededRandom(1), transport: 'intermediate', dcId: transport.dcIdField(2) })
    const server = new transport.ServerTransport({ crypto, random: seededRandom(2) })
    const ev = server.push(client.encode(Uint8Array.of(1, 2, 3, 4)), 0)
    expect(ev.map((e) => e.type)).toEqual(['detected', 'frame'])
    const back = client.push(server.encode(Uint8Array.of(9, 9, 9, 9)))
    expect(back[0]?.type === 'frame' && toHex(back[0].payload)).toBe('09090909')
  })
})
