import { describe, expect, it } from 'vitest'
import { ID_INVOKE_AFTER_MSG, SID, UPDATES_IDS } from '../../../src/protocol/mtp/service-ids.js'
import { apiNames } from '../../../generated/api/index.js'
import { mtNames } from '../../../src/tl/service.js'

describe('service ids', () => {
  it('come from the generated service tables', () => {
    expect(mtNames.get(SID.rpcResult)).toBe('rpc_result')
    expect(mtNames.get(SID.msgContainer)).toBe('msg_container')
    expect(mtNames.get(SID.pingDelayDisconnect)).toBe('ping_delay_disconnect')
    for (const id of Object.values(SID)) expect(mtNames.has(id)).toBe(true)
  })

  it('API literals match the generated API tables', () => {
    expect(apiNames.get(ID_INVOKE_AFTER_MSG)).toBe('invokeAfterMsg')
    const names = [...UPDATES_IDS].map((id) => apiNames.get(id)).sort()
    expect(names).toEqual(['updateShort', 'updateShortChatMessage', 'updateShortMessage', 'updateShortSentMessage', 'updates', 'updatesCombined', 'updatesTooLong'])
  })
})
