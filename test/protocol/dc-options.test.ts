import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PRODUCTION_DCS_IPV4, PRODUCTION_DCS_IPV6, TEST_DCS_IPV4, TEST_DCS_IPV6, builtinDc } from '../../src/protocol/dc-options.js'

interface Entry { dc_id: number; ip: string; ip_compressed?: string; port: number }
const fx = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/rsa-keys.json'), 'utf8')).dc_options as Record<string, Entry[]>
const asTable = (xs: Entry[]) => xs.map((x) => ({ id: x.dc_id, host: x.ip_compressed ?? x.ip, port: x.port }))

describe('built-in DC addresses', () => {
  it('equal the published tables', () => {
    expect(PRODUCTION_DCS_IPV4).toEqual(asTable(fx.production_ipv4 ?? []))
    expect(PRODUCTION_DCS_IPV6).toEqual(asTable(fx.production_ipv6 ?? []))
    expect(TEST_DCS_IPV4).toEqual(asTable(fx.test_ipv4 ?? []))
    expect(TEST_DCS_IPV6).toEqual(asTable(fx.test_ipv6 ?? []))
  })
  it('look up by id', () => {
    expect(builtinDc(2)?.host).toBe('149.154.167.51')
    expect(builtinDc(3, { test: true, ipv6: true })?.host).toBe('2001:b28:f23d:f003::e')
    expect(builtinDc(9)).toBeUndefined()
  })
})
