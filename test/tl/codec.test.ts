import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import {
  type Api,
  TlReader,
  TlWriter,
  apiNames,
  nameForId,
  readResult,
  readResultByName,
  readServiceResult,
  serializeObject,
} from '../../src/tl/index.js'
import type { TlObject } from '../../src/tl/runtime/registry.js'
import { recordedConfig, recordedReqMsgId } from './fixtures/config-answer.js'

function vecInt(values: number[]): Uint8Array {
  const w = new TlWriter(8 + 4 * values.length)
  w.vecInt(values)
  return w.buf
}

function vecLong(values: bigint[]): Uint8Array {
  const w = new TlWriter(8 + 8 * values.length)
  w.vecLong(values)
  return w.buf
}

describe('readResult', () => {
  it('reads a boxed-object result typed by the request', () => {
    const user: Api.user = { _: 'user', id: 12n, firstName: 'Ann', self: true }
    const bytes = serializeObject([user])
    const res = readResult(bytes, { _: 'users.getUsers', id: [{ _: 'inputUserSelf' }] })
    expect(res).toEqual([expect.objectContaining({ _: 'user', id: 12n, firstName: 'Ann', self: true })])
  })

  it('reads Vector<int> and Vector<long> results, which no constructor id describes', () => {
    expect(readResult(vecInt([5, -6, 7]), { _: 'contacts.getContactIDs', hash: 0n })).toEqual([5, -6, 7])
    expect(readResultByName(vecLong([1n, -(2n ** 40n)]), 'messages.receivedQueue')).toEqual([1n, -(2n ** 40n)])
    // without the method a vector of ints reads as ids of objects, which fails: the method is needed
    expect(() => readResultByName(vecInt([5]), 'help.getConfig')).toThrow()
  })

  it('resolves generic wrappers to the wrapped query (invokeWithLayer(initConnection(x)))', () => {
    const req: Api.invokeWithLayer = {
      _: 'invokeWithLayer',
      layer: 228,
      query: {
        _: 'initConnection',
        apiId: 1,
        deviceModel: 'd',
        systemVersion: 's',
        appVersion: 'a',
        systemLangCode: 'en',
        langPack: '',
        langCode: 'en',
        query: { _: 'contacts.getContactIDs', hash: 0n },
      },
    }
    expect(readResult(vecInt([1, 2]), req)).toEqual([1, 2])
  })

  it('unwraps gzip_packed around a primitive-vector result', () => {
    const packed = serializeObject({ _: 'gzip_packed', packedData: gzipSync(vecLong([9n])) } as TlObject)
    expect(readResultByName(packed, 'photos.deletePhotos')).toEqual([9n])
  })

  it('reads from a reader positioned inside an rpc_result', () => {
    const body = vecInt([3])
    const w = new TlWriter(4 + 8 + body.length)
    w.int(0xf35c6d01)
    w.long(555n)
    w.raw(body)
    const r = new TlReader(w.buf)
    expect(r.uint()).toBe(0xf35c6d01)
    expect(r.long()).toBe(555n)
    expect(readResultByName(r, 'contacts.getContactIDs')).toEqual([3])
  })

  it('reads service results typed by the service request', () => {
    const resPq = {
      _: 'resPQ',
      nonce: new Uint8Array(16).fill(1),
      serverNonce: new Uint8Array(16).fill(2),
      pq: new Uint8Array([0x17, 0xed, 0x48, 0x94, 0x1a, 0x08, 0xf9, 0x81]),
      serverPublicKeyFingerprints: [-4344800451088585951n],
    }
    const got = readServiceResult(serializeObject(resPq as TlObject), { _: 'req_pq_multi', nonce: resPq.nonce })
    expect(got).toEqual(resPq)
  })
})

describe('recorded answer fixture', () => {
  it('rpc_result carrying gzip_packed(config) decodes to the recorded config', () => {
    const fx = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/rpc-result-config.json'), 'utf8')) as {
      hex: string
      req_msg_id: string
    }
    const r = new TlReader(new Uint8Array(Buffer.from(fx.hex, 'hex')))
    expect(r.uint()).toBe(0xf35c6d01)
    expect(r.long()).toBe(recordedReqMsgId)
    expect(BigInt(fx.req_msg_id)).toBe(recordedReqMsgId)
    const config = readResult(r, { _: 'help.getConfig' })
    // decoded objects carry every field (false flags, undefined optionals); the source only the set ones
    expect(config).toMatchObject(recordedConfig)
    expect(Buffer.from(serializeObject(config as TlObject))).toEqual(Buffer.from(serializeObject(recordedConfig)))
    expect(r.remaining).toBe(0)
  })
})

describe('names', () => {
  it('maps ids to names for both schemas', () => {
    expect(nameForId(0x1d73e7ea)).toBe('messages.messages')
    expect(nameForId(0x05162463)).toBe('resPQ')
    expect(nameForId(0x83c95aec)).toBe('p_q_inner_data')
    expect(nameForId(0x60469778)).toBe('req_pq')
    expect(nameForId(0xdeadbeef)).toBeUndefined()
    expect(apiNames.size).toBe(1643 + 806 - 1)
  })
})
