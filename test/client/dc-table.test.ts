/** The DC table: built-in addresses, help.getConfig dc_options (media-only, IPv6, CDN), unknown DCs. */
import { describe, expect, it } from 'vitest'
import { DcTable } from '../../src/client/dc-table.js'
import { ArgumentError } from '../../src/errors.js'
import type { Api } from '../../src/tl/index.js'
import { loopbackConfig } from '../../src/testing/index.js'

describe('DcTable', () => {
  it('starts from the built-in production and test addresses', () => {
    const prod = DcTable.builtin()
    expect(prod.ids()).toEqual([1, 2, 3, 4, 5])
    expect(prod.main(2).host).toBe('149.154.167.51')
    expect(DcTable.builtin(true).main(1).testMode).toBe(true)
    expect(() => prod.main(9)).toThrow(ArgumentError)
  })

  it('takes main and media-only addresses from help.getConfig, skipping CDN and the other IP family', () => {
    const t = new DcTable([{ dcId: 2, host: '10.0.0.2', port: 443 }])
    const base = loopbackConfig([{ id: 2, host: '127.0.0.1', port: 1002 }], 2, 0, false)
    const cfg: Api.config = {
      ...base,
      dcOptions: [
        { _: 'dcOption', id: 2, ipAddress: '127.0.0.9', port: 9, cdn: true },
        { _: 'dcOption', id: 2, ipAddress: '::1', port: 6, ipv6: true },
        { _: 'dcOption', id: 2, ipAddress: '127.0.0.1', port: 1002 },
        { _: 'dcOption', id: 2, ipAddress: '127.0.0.1', port: 2002, mediaOnly: true },
        { _: 'dcOption', id: 4, ipAddress: '127.0.0.4', port: 2004, mediaOnly: true },
      ],
    }
    t.updateFromConfig(cfg)
    expect(t.main(2)).toEqual({ dcId: 2, host: '127.0.0.1', port: 1002 })
    expect(t.media(2)).toEqual({ dcId: 2, host: '127.0.0.1', port: 2002, media: true })
    expect(t.hasMedia(2)).toBe(true)
    // A DC listed only with a media address: that address serves both.
    expect(t.main(4).port).toBe(2004)
    const v6 = new DcTable([])
    v6.updateFromConfig(cfg, { ipv6: true })
    expect(v6.main(2).host).toBe('::1')
    expect(() => new DcTable([{ dcId: 0, host: 'x', port: 1 }])).toThrow(ArgumentError)
  })
})
