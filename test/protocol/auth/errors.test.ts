import { describe, expect, it } from 'vitest'
import { deserializeError, serializeError } from '../../../src/errors.js'
import { AuthError } from '../../../src/protocol/auth/errors.js'

describe('AuthError', () => {
  it('crosses a thread boundary with its reason and details', () => {
    const e = new AuthError('bind-invalid', 'nope', { check: 'msg-id', rpcError: 'ENCRYPTED_MESSAGE_INVALID' })
    const back = deserializeError(structuredClone(serializeError(e)))
    expect(back).toBeInstanceOf(AuthError)
    expect((back as AuthError).reason).toBe('bind-invalid')
    expect((back as AuthError).rpcError).toBe('ENCRYPTED_MESSAGE_INVALID')
    expect((back as AuthError).details.check).toBe('msg-id')
    expect(back.message).toBe('nope')
  })

  it('has no rpcError unless one was given', () => {
    expect(new AuthError('dh-gen-fail', 'x').rpcError).toBeUndefined()
  })
})
