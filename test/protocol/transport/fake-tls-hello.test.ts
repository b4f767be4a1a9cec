import { describe, expect, it } from 'vitest'
import { ArgumentError } from '../../../src/errors.js'
import { NodeCryptoProvider } from '@mtcute/node/utils.js'
import { generateFakeTlsHeader } from '../../../node_modules/@mtcute/core/network/mtproxy/_fake-tls.js'
import { createNodeCryptoProvider } from '../../../src/protocol/crypto/node-provider.js'
import { seededRandom } from '../../../src/protocol/random.js'
import {
  buildClientHello,
  clientHelloSize,
  createReplayCache,
  HELLO_RANDOM_OFFSET,
  readHelloServerName,
  verifyClientHello,
} from '../../../src/protocol/transport/fake-tls-hello.js'
import { buildServerHello, bytesView, serverHelloSize, verifyServerHello } from '../../../src/protocol/transport/fake-tls-server-hello.js'
import { catchTransport, hex } from './helpers.js'

const crypto = createNodeCryptoProvider()
const secret = hex('00112233445566778899aabbccddeeff')
const other = hex('ffeeddccbbaa99887766554433221100')
const NOW = 1_800_000_000

describe('FakeTLS client hello', () => {
  it('looks like a padded TLS 1.3 ClientHello with our SNI, and verifies on the server side', () => {
    const hello = buildClientHello({ crypto, random: seededRandom(1), secret, domain: 'www.example.com', now: NOW })
    expect([...hello.subarray(0, 3)]).toEqual([0x16, 0x03, 0x01])
    expect(hello.length).toBe(517)
    expect(clientHelloSize(hello)).toEqual({ size: 517 })
    expect(readHelloServerName(hello)).toBe('www.example.com')
    const cache = createReplayCache()
    const v = verifyClientHello(hello, { crypto, secrets: [other, secret], now: NOW + 100, replayCache: cache, domains: [undefined, 'WWW.example.com'] })
    expect(v.secretIndex).toBe(1)
    expect(v.timestamp).toBe(NOW)
    expect(v.domain).toBe('www.example.com')
    expect(v.sessionId.length).toBe(32)
    expect(catchTransport(() => verifyClientHello(hello, { crypto, secrets: [secret], now: NOW, replayCache: cache })).reason).toBe('replayed')
  })

  it('rejects a wrong secret, a stale clock, a wrong SNI and tampering', () => {
    const hello = buildClientHello({ crypto, random: seededRandom(2), secret, domain: 'a.example', now: NOW })
    const fresh = () => createReplayCache()
    expect(catchTransport(() => verifyClientHello(hello, { crypto, secrets: [other], now: NOW, replayCache: fresh() })).reason).toBe('bad-tls')
    const stale = catchTransport(() => verifyClientHello(hello, { crypto, secrets: [secret], now: NOW + 121, replayCache: fresh() }))
    expect(stale.reason).toBe('replayed')
    expect(verifyClientHello(hello, { crypto, secrets: [secret], now: NOW - 300, windowSeconds: 300, replayCache: fresh() }).timestamp).toBe(NOW)
    expect(catchTransport(() => verifyClientHello(hello, { crypto, secrets: [secret], domains: ['b.example'], now: NOW, replayCache: fresh() })).reason).toBe('bad-tls')
    const tampered = hello.slice()
    tampered[200] = (tampered[200] ?? 0) ^ 1
    expect(catchTransport(() => verifyClientHello(tampered, { crypto, secrets: [secret], now: NOW, replayCache: fresh() })).reason).toBe('bad-tls')
    expect(catchTransport(() => clientHelloSize(hex('1603014001'))).reason).toBe('bad-tls')
    expect(catchTransport(() => clientHelloSize(hex('1503010001'))).reason).toBe('bad-tls')
    expect(clientHelloSize(hex('160301'))).toEqual({ needMore: 2 })
    expect(() => verifyClientHello(hello, { crypto, secrets: [secret], now: Number.NaN, replayCache: fresh() })).toThrow(ArgumentError)
    expect(() => buildClientHello({ crypto, random: seededRandom(2), secret, domain: 'a.example', now: -1 })).toThrow(ArgumentError)
    const short = hex('160301000401000000')
    expect(catchTransport(() => verifyClientHello(short, { crypto, secrets: [secret], now: NOW, replayCache: fresh() })).reason).toBe('bad-tls')
  })

  it("accepts mtcute's FakeTLS client hello", async () => {
    const theirs = await generateFakeTlsHeader(new Uint8Array(Buffer.from('mtcute.example.org')), secret, new NodeCryptoProvider() as never)
    const now = Math.floor(Date.now() / 1000)
    const v = verifyClientHello(theirs, { crypto, secrets: [secret], now, replayCache: createReplayCache(), domains: ['mtcute.example.org'] })
    expect(v.domain).toBe('mtcute.example.org')
    expect(Math.abs(v.timestamp - now)).toBeLessThanOrEqual(2)
  })
})

describe('FakeTLS server hello', () => {
  it('is signed over the client random and checked by the client', () => {
    const hello = buildClientHello({ crypto, random: seededRandom(3), secret, domain: 'a.example', now: NOW })
    const v = verifyClientHello(hello, { crypto, secrets: [secret], now: NOW, replayCache: createReplayCache() })
    const reply = buildServerHello({ crypto, random: seededRandom(4), secret, clientRandom: v.clientRandom, sessionId: v.sessionId })
    expect(serverHelloSize(bytesView(reply))).toEqual({ size: reply.length })
    expect(serverHelloSize(bytesView(reply.subarray(0, 20)))).toMatchObject({ needMore: expect.any(Number) })
    verifyServerHello(reply, v.clientRandom, secret, crypto)
    // The session id is echoed right after the random.
    expect([...reply.subarray(HELLO_RANDOM_OFFSET + 33, HELLO_RANDOM_OFFSET + 65)]).toEqual([...v.sessionId])
    expect(catchTransport(() => verifyServerHello(reply, v.clientRandom, other, crypto)).reason).toBe('bad-tls')
    const bad = reply.slice()
    bad[reply.length - 1] = (bad[reply.length - 1] ?? 0) ^ 1
    expect(catchTransport(() => verifyServerHello(bad, v.clientRandom, secret, crypto)).reason).toBe('bad-tls')
    expect(catchTransport(() => serverHelloSize(bytesView(hex('1703030001')))).reason).toBe('bad-tls')
  })
})
