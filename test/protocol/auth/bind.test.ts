import { TlBinaryWriter, __tlWriterMap, createAesIgeForMessageOld } from '@mtcute/core/utils.js'
import { NodeCryptoProvider } from '@mtcute/node/utils.js'
import Long from 'long'
import { describe, expect, it } from 'vitest'
import { buildBindTempAuthKey, verifyBindTempAuthKey } from '../../../src/protocol/auth/bind.js'
import { readLong } from '../../../src/protocol/auth/common.js'
import { AuthError } from '../../../src/protocol/auth/errors.js'
import { authKeyId } from '../../../src/protocol/crypto/kdf.js'
import { decryptMessageV1, encryptMessageV1 } from '../../../src/protocol/crypto/message-v1.js'
import { randomBytes, seededRandom } from '../../../src/protocol/random.js'
import { type Api, deserializeObject, serializeObject } from '../../../src/tl/index.js'
import { crypto } from './helpers.js'

const rnd = seededRandom(77)
const permKey = randomBytes(rnd, 256)
const otherPerm = randomBytes(rnd, 256)
const permId = readLong(authKeyId(crypto, permKey))
const otherId = readLong(authKeyId(crypto, otherPerm))
const tempKeyId = readLong(authKeyId(crypto, randomBytes(rnd, 256)))
const tempSessionId = 0x1122334455667788n
const msgId = 0x65c53d50000672d4n
const expiresAt = 1_750_003_600
const lookup = (id: bigint): Uint8Array | undefined => (id === permId ? permKey : id === otherId ? otherPerm : undefined)

function build(over: Partial<Parameters<typeof buildBindTempAuthKey>[0]> = {}): Api.auth.bindTempAuthKey {
  return buildBindTempAuthKey({ crypto, random: seededRandom(5), permKey, tempKeyId, tempSessionId, expiresAt, msgId, ...over })
}

function verify(req: Api.auth.bindTempAuthKey, over: Partial<Parameters<typeof verifyBindTempAuthKey>[0]> = {}): string {
  try {
    verifyBindTempAuthKey({ crypto, permKeyLookup: lookup, req, tempKeyId, tempSessionId, msgId, nowSeconds: expiresAt - 60, ...over })
    return 'ok'
  } catch (e) {
    if (!(e instanceof AuthError)) throw e
    return `${e.kind}:${e.reason}/${String(e.details.check)}`
  }
}

describe('auth.bindTempAuthKey', () => {
  it('builds a request the server verifies, with the inner msg_id equal to the request msg_id', () => {
    const req = build()
    expect(req.permAuthKeyId).toBe(permId)
    expect(req.expiresAt).toBe(expiresAt)
    expect(verifyBindTempAuthKey({ crypto, permKeyLookup: lookup, req, tempKeyId, tempSessionId, msgId, nowSeconds: 1 })).toEqual({
      permKeyId: permId,
    })
    const plain = decryptMessageV1(crypto, permKey, req.encryptedMessage, 'client')
    expect(readLong(plain, 16)).toBe(msgId)
    const inner = deserializeObject(plain.subarray(32)) as unknown as Record<string, unknown>
    expect(inner).toMatchObject({ _: 'bind_auth_key_inner', nonce: req.nonce, tempAuthKeyId: tempKeyId, permAuthKeyId: permId, tempSessionId, expiresAt })
    // the API codec serializes it like any other method
    const again = deserializeObject(serializeObject(req)) as unknown as Api.auth.bindTempAuthKey
    expect(again.nonce).toBe(req.nonce)
  })

  it('rejects every forged field with AuthError bind-invalid naming the check', () => {
    const req = build()
    const flipped = Uint8Array.from(req.encryptedMessage)
    flipped[40] = (flipped[40] ?? 0) ^ 1
    expect(verify({ ...req, encryptedMessage: flipped })).toBe('AuthError:bind-invalid/decrypt')
    expect(verify({ ...req, permAuthKeyId: 42n })).toBe('AuthError:bind-invalid/perm-key')
    expect(verify({ ...req, permAuthKeyId: otherId })).toBe('AuthError:bind-invalid/auth-key-id')
    expect(verify(build({ permKey: otherPerm }), {})).toBe('ok')
    const wrongKey = { ...build({ permKey: otherPerm }), permAuthKeyId: permId }
    expect(verify(wrongKey)).toBe('AuthError:bind-invalid/auth-key-id')
    expect(verify(req, { msgId: msgId + 4n })).toBe('AuthError:bind-invalid/msg-id')
    expect(verify(req, { tempKeyId: tempKeyId ^ 1n })).toBe('AuthError:bind-invalid/temp-key-id')
    expect(verify(req, { tempSessionId: 1n })).toBe('AuthError:bind-invalid/temp-session-id')
    expect(verify({ ...req, nonce: req.nonce ^ 1n })).toBe('AuthError:bind-invalid/nonce')
    expect(verify({ ...req, expiresAt: expiresAt + 1 })).toBe('AuthError:bind-invalid/expires-at')
    expect(verify(req, { nowSeconds: expiresAt })).toBe('AuthError:bind-invalid/expired')
    expect(verify({ ...req, encryptedMessage: new Uint8Array(3) })).toBe('AuthError:bind-invalid/auth-key-id')
  })

  it('rejects a non-zero inner seq_no and a wrong inner constructor', () => {
    const plain = decryptMessageV1(crypto, permKey, build().encryptedMessage, 'client')
    const seq = Uint8Array.from(plain)
    seq[24] = 2
    const req = build()
    expect(verify({ ...req, encryptedMessage: encryptMessageV1(crypto, permKey, seq, 'client', seededRandom(1)) })).toBe(
      'AuthError:bind-invalid/seq-no',
    )
    const bad = Uint8Array.from(plain)
    bad[32] = (bad[32] ?? 0) ^ 0xff
    expect(verify({ ...req, encryptedMessage: encryptMessageV1(crypto, permKey, bad, 'client', seededRandom(1)) })).toBe(
      'AuthError:bind-invalid/inner-type',
    )
  })

  it('carries the RPC error a server answers with', () => {
    try {
      verifyBindTempAuthKey({ crypto, permKeyLookup: lookup, req: build(), tempKeyId, tempSessionId: 9n, msgId })
    } catch (e) {
      expect((e as { rpcError: string }).rpcError).toBe('ENCRYPTED_MESSAGE_INVALID')
      return
    }
    throw new Error('expected a failure')
  })
})

describe('auth.bindTempAuthKey built the way mtcute 0.30 builds it', () => {
  it('verifies (mtcute writes the 1.0 message with its own writer and createAesIgeForMessageOld)', async () => {
    const mc = new NodeCryptoProvider()
    await mc.initialize()
    const toLong = (v: bigint) => Long.fromString(BigInt.asIntN(64, v).toString())
    const inner = {
      _: 'mt_bind_auth_key_inner',
      nonce: toLong(0x0102030405060708n),
      tempAuthKeyId: toLong(tempKeyId),
      permAuthKeyId: toLong(permId),
      tempSessionId: toLong(tempSessionId),
      expiresAt,
    } as unknown as Parameters<typeof TlBinaryWriter.serializeObject>[1]
    const w = TlBinaryWriter.alloc(__tlWriterMap, 80)
    w.raw(new Uint8Array(16).fill(3))
    w.long(toLong(msgId))
    w.int(0)
    w.int(40)
    w.object(inner)
    const withoutPadding = w.result()
    w.raw(new Uint8Array(8).fill(4))
    const withPadding = w.result()
    const msgKey = mc.sha1(withoutPadding).subarray(4, 20)
    const ige = createAesIgeForMessageOld(mc, permKey, msgKey, true)
    const idBytes = authKeyId(crypto, permKey)
    const encryptedMessage = new Uint8Array(Buffer.concat([idBytes, msgKey, ige.encrypt(withPadding)]))
    const req: Api.auth.bindTempAuthKey = {
      _: 'auth.bindTempAuthKey',
      permAuthKeyId: permId,
      nonce: 0x0102030405060708n,
      expiresAt,
      encryptedMessage,
    }
    expect(verify(req)).toBe('ok')
    expect(verify(req, { tempSessionId: tempSessionId + 1n })).toBe('AuthError:bind-invalid/temp-session-id')
  })
})
