import { describe, expect, it } from 'vitest'
import { BAD_MSG_CODES, badMsgCode } from '../../../src/protocol/mtp/bad-msg.js'

const expected: Array<[number, string, boolean]> = [
  [16, 'resync-time-and-resend', true],
  [17, 'resync-time-and-resend', true],
  [18, 'fail', false],
  [19, 'resend', true],
  [20, 'resend', true],
  [32, 'raise-seq-and-resend', true],
  [33, 'lower-seq-and-resend', true],
  [34, 'fail', false],
  [35, 'fail', false],
  [48, 'update-salt-and-resend', true],
  [64, 'resend-unpacked', true],
]

describe('bad_msg_notification codes', () => {
  it('lists exactly the documented codes', () => {
    expect([...BAD_MSG_CODES.keys()].sort((a, b) => a - b)).toEqual(expected.map(([c]) => c))
  })
  it.each(expected)('code %i -> %s (retryable %s)', (code, action, retryable) => {
    const row = badMsgCode(code)
    expect(row.action).toBe(action)
    expect(row.retryable).toBe(retryable)
    expect(row.meaning.length).toBeGreaterThan(5)
  })
  it('treats an undocumented code as a non-retryable failure', () => {
    expect(badMsgCode(99)).toMatchObject({ action: 'fail', retryable: false })
  })
})
