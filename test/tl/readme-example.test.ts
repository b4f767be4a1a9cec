import { describe, expect, it } from 'vitest'
import { type Api, debugString, readResult, serializeObject } from '../../src/tl/index.js'

describe('README TL example', () => {
  it('serializes messages.sendMessage and reads an Updates result typed by the request', () => {
    const req: Api.messages.sendMessage = {
      _: 'messages.sendMessage',
      peer: { _: 'inputPeerUser', userId: 777n, accessHash: 1234n },
      message: 'hello',
      randomId: 42n,
    }
    const bytes = serializeObject(req)
    expect(bytes.length).toBeGreaterThan(20)
    const answer = serializeObject({ _: 'updatesTooLong' })
    const updates: Api.Updates = readResult(answer, req)
    expect(updates._).toBe('updatesTooLong')
    expect(debugString(updates)).toContain('updatesTooLong')
  })
})
