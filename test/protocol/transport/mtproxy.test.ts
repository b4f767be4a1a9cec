import { describe, expect, it } from 'vitest'
import { ArgumentError } from '../../../src/errors.js'
import { encodeProxySecret, parseProxyLink, parseProxySecret } from '../../../src/protocol/transport/mtproxy.js'
import { catchTransport, hex, toHex } from './helpers.js'

const key = '00112233445566778899aabbccddeeff'

describe('MTProxy secrets', () => {
  it('parses plain, dd and ee secrets in hex and base64url, and encodes them back', () => {
    expect(parseProxySecret(key)).toEqual({ mode: 'plain', key: hex(key) })
    const dd = parseProxySecret(`dd${key}`)
    expect(dd.mode).toBe('padded')
    expect(toHex(dd.key)).toBe(key)
    const eeHex = `ee${key}${Buffer.from('example.com').toString('hex')}`
    const ee = parseProxySecret(eeHex)
    expect(ee).toMatchObject({ mode: 'fake-tls', domain: 'example.com' })
    expect(toHex(ee.key)).toBe(key)
    expect(toHex(encodeProxySecret(ee))).toBe(eeHex)
    expect(toHex(encodeProxySecret(dd))).toBe(`dd${key}`)
    const b64url = Buffer.from(eeHex, 'hex').toString('base64url')
    expect(parseProxySecret(b64url)).toEqual(ee)
    expect(parseProxySecret(`${Buffer.from(eeHex, 'hex').toString('base64')}`)).toEqual(ee)
    expect(parseProxySecret(hex(key))).toEqual({ mode: 'plain', key: hex(key) })
  })

  it("rejects malformed secrets with 'bad-secret'", () => {
    for (const bad of ['', 'abc', key.slice(2), `ab${key}`, `dd${key}00`, `ee${key}`, `ee${key}${Buffer.from('bad domain!').toString('hex')}`, '!!!!', 'a'.repeat(5)]) {
      expect(catchTransport(() => parseProxySecret(bad)).reason, bad).toBe('bad-secret')
    }
    expect(catchTransport(() => parseProxySecret(`ee${key}${'61'.repeat(254)}`)).reason).toBe('bad-secret')
  })
})

describe('MTProxy links', () => {
  it('parses tg:// and t.me links', () => {
    const a = parseProxyLink(`tg://proxy?server=proxy.example.org&port=443&secret=dd${key}`)
    expect(a.server).toBe('proxy.example.org')
    expect(a.port).toBe(443)
    expect(a.secret.mode).toBe('padded')
    const ee = Buffer.from(`ee${key}${Buffer.from('cdn.example.net').toString('hex')}`, 'hex').toString('base64url')
    const b = parseProxyLink(`https://t.me/proxy?server=1.2.3.4&port=8443&secret=${ee}`)
    expect(b).toMatchObject({ server: '1.2.3.4', port: 8443, secret: { mode: 'fake-tls', domain: 'cdn.example.net' } })
  })

  it('rejects bad links with typed errors', () => {
    expect(() => parseProxyLink('not a url')).toThrow(ArgumentError)
    expect(() => parseProxyLink(`https://example.com/proxy?server=a&port=1&secret=${key}`)).toThrow(ArgumentError)
    expect(() => parseProxyLink(`tg://proxy?port=1&secret=${key}`)).toThrow(ArgumentError)
    expect(() => parseProxyLink(`tg://proxy?server=a&port=70000&secret=${key}`)).toThrow(ArgumentError)
    expect(() => parseProxyLink(`tg://proxy?server=a&port=x&secret=${key}`)).toThrow(ArgumentError)
    expect(catchTransport(() => parseProxyLink('tg://proxy?server=a&port=1')).reason).toBe('bad-secret')
    expect(catchTransport(() => parseProxyLink('tg://proxy?server=a&port=1&secret=zz')).reason).toBe('bad-secret')
  })
})
