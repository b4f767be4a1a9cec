/**
 * Live check against a real Telegram DC, opt-in: runs only when TG_API_ID and TG_API_HASH are set (never in a plain
 * `npm test` or CI). Built-in RSA keys and DC address; key exchange then help.getConfig.
 * Optional: TG_DC (default 2), TG_TEST_DC=1 for Telegram's test DCs.
 */
import { describe, expect, it } from 'vitest'
import { Connection } from '../../src/actors/connection.js'
import { builtinDc } from '../../src/protocol/dc-options.js'
import { LAYER } from '../../src/tl/index.js'

const apiId = Number(process.env.TG_API_ID)
const live = Number.isInteger(apiId) && apiId > 0 && (process.env.TG_API_HASH ?? '') !== ''

describe.skipIf(!live)('live Telegram DC', () => {
  it('key exchange with the built-in keys, then help.getConfig', async () => {
    const test = process.env.TG_TEST_DC === '1'
    const dcId = Number(process.env.TG_DC ?? 2)
    const dc = builtinDc(dcId, { test })
    if (dc === undefined) throw new Error(`no built-in address for DC ${dcId}`)
    const conn = await Connection.connect({ host: dc.host, port: dc.port, dcId, testMode: test, connectTimeoutMs: 15_000 })
    try {
      const cfg = await conn.call({
        _: 'invokeWithLayer',
        layer: LAYER,
        query: {
          _: 'initConnection',
          apiId,
          deviceModel: 'mtactor live test',
          systemVersion: process.version,
          appVersion: '0.1.0',
          systemLangCode: 'en',
          langPack: '',
          langCode: 'en',
          query: { _: 'help.getConfig' },
        },
      })
      expect(cfg._).toBe('config')
      expect(cfg.thisDc).toBe(dcId)
      expect(cfg.dcOptions.length).toBeGreaterThan(0)
    } finally {
      await conn.close()
    }
  }, 30_000)
})
