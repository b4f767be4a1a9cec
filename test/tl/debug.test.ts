import { describe, expect, it } from 'vitest'
import { debugString } from '../../src/tl/index.js'

describe('debugString', () => {
  it('prints names, bigint with n, bytes as short hex, nested indentation; omits absent fields', () => {
    const s = debugString({
      _: 'user',
      id: 5n,
      self: true,
      bot: false,
      photo: undefined,
      firstName: 'Ann',
      status: { _: 'userStatusOnline', expires: 10 },
      data: new Uint8Array(40).fill(0xab),
      list: [1, 2],
    })
    expect(s).toBe(
      [
        'user {',
        '  id: 5n',
        '  self: true',
        '  firstName: "Ann"',
        '  status: userStatusOnline {',
        '    expires: 10',
        '  }',
        `  data: <40 bytes ${'ab'.repeat(16)}…>`,
        '  list: [',
        '    1,',
        '    2,',
        '  ]',
        '}',
      ].join('\n'),
    )
  })

  it('is bounded', () => {
    const big = { _: 'x', items: Array.from({ length: 10000 }, (_, i) => ({ _: 'y', i })) }
    const s = debugString(big, 500)
    expect(s.length).toBeLessThan(600)
    expect(s.endsWith('… (truncated)')).toBe(true)
  })
})
