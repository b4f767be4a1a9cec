/**
 * Cross-checks with independent implementations, without sockets: mtcute's own doAuthorization (its handshake
 * code, driven through a minimal in-memory connection) against our ServerHandshake, for permanent and temp keys and
 * through dh_gen_retry; our server reading mtcute's p_q_inner_data_dc / _temp_dc and GramJS's p_q_inner_data bytes.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { TlBinaryWriter, __tlReaderMap, __tlWriterMap, addPublicKey } from '@mtcute/core/utils.js'
import { NodeCryptoProvider } from '@mtcute/node/utils.js'
import Long from 'long'
import bigInt from 'big-integer'
import { readBigIntFromBuffer } from 'telegram/Helpers.js'
import { doAuthentication } from 'telegram/network/Authenticator.js'
import { MTProtoPlainSender } from 'telegram/network/MTProtoPlainSender.js'
import { _serverKeys } from 'telegram/crypto/RSA.js'
import { Api as GramApi } from 'telegram/tl/index.js'
import { beforeAll, describe, expect, it } from 'vitest'
import { ServerHandshake, type ServerHandshakeMode, type ServerAuthResult } from '../../../src/protocol/auth/server.js'
import { rsaPadEncrypt } from '../../../src/protocol/crypto/rsa.js'
import { factorizePq } from '../../../src/protocol/crypto/pq.js'
import { type RandomSource, seededRandom } from '../../../src/protocol/random.js'
import { type Mt, deserializeObject, serializeObject } from '../../../src/tl/service.js'
import { NOW_MS, crypto, serverKey } from './helpers.js'

type DoAuthorization = (connection: unknown, crypto: unknown, expiresIn?: number) => Promise<[Uint8Array, Long, number]>

/**
 * mtcute with a seeded RandomSource: its handshake keeps auth_key as a minimal big-endian integer, so for the 1 in
 * 256 keys with a leading zero byte it holds a 255-byte key and rejects the server's (correct) new_nonce_hash1. Fixed
 * randomness keeps this test off that case; the defect is mtcute's (our client and server use 256 bytes per spec).
 * The secret b (the only 256-byte draw) has its own stream, so RSA_PAD's varying number of temp_key draws (which
 * depends on the random test key) cannot shift it: with the server's fixed secret a, every key here is fixed.
 */
class SeededMtcuteCrypto extends NodeCryptoProvider {
  private readonly secrets: RandomSource
  private readonly other: RandomSource
  constructor(seed: number) {
    super()
    this.secrets = seededRandom(seed)
    this.other = seededRandom(seed + 1)
  }
  override randomFill(buf: Uint8Array): void {
    ;(buf.length === 256 ? this.secrets : this.other)(buf)
  }
}
const mtcuteCrypto = new SeededMtcuteCrypto(1)
let doAuthorization: DoAuthorization

beforeAll(async () => {
  await mtcuteCrypto.initialize()
  // doAuthorization is internal (not in the package exports map): load it by path from the same package copy, so it
  // shares the key index that addPublicKey (public API) fills.
  const coreDir = dirname(fileURLToPath(import.meta.resolve('@mtcute/core/utils.js')))
  const mod = (await import(pathToFileURL(join(coreDir, 'network/authorization.js')).href)) as { doAuthorization: DoAuthorization }
  doAuthorization = mod.doAuthorization
  addPublicKey(mtcuteCrypto, serverKey().publicPem)
})

const silent = {
  prefix: '',
  create: () => silent,
  debug: () => {},
  verbose: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
}

/** A plain-message connection for mtcute: each send is handed to our server, its answer queued for the reader. */
function fakeConnection(server: ServerHandshake, dcId: number, done: (r: ServerAuthResult) => void) {
  let msgId = 0x65000000n << 32n
  const inbox: Uint8Array[] = []
  return {
    _session: {
      _readerMap: __tlReaderMap,
      _writerMap: __tlWriterMap,
      getMessageId: () => {
        msgId += 4n
        return Long.fromString(msgId.toString())
      },
      updateTimeOffset: () => {},
    },
    log: silent,
    params: { dc: { id: dcId }, testMode: false },
    send: async (frame: Uint8Array) => {
      const body = frame.subarray(20)
      const ans = server.receive(body, NOW_MS)
      if (ans.done) done(ans.done)
      const out = new Uint8Array(20 + ans.send.length)
      new DataView(out.buffer).setBigInt64(8, 0x65000001n << 32n, true)
      new DataView(out.buffer).setUint32(16, ans.send.length, true)
      out.set(ans.send, 20)
      inbox.push(out)
    },
    waitForUnencryptedMessage: async () => {
      const next = inbox.shift()
      if (next === undefined) throw new Error('mtcute waited for a message the server never sent')
      return next
    },
  }
}

async function mtcuteAgainstOurServer(mode: ServerHandshakeMode, seed: number, expiresIn?: number) {
  const server = new ServerHandshake({ crypto, random: seededRandom(8), rsaKey: serverKey(), mode })
  let result: ServerAuthResult | undefined
  const conn = fakeConnection(server, 2, (r) => {
    result = r
  })
  const [authKey, salt] = await doAuthorization(conn, new SeededMtcuteCrypto(seed), expiresIn)
  if (result === undefined) throw new Error('server did not finish')
  return { authKey: new Uint8Array(authKey), salt: BigInt(salt.toString()), server: result }
}

describe('mtcute 0.30 handshake code against our ServerHandshake (in memory)', () => {
  it('permanent key: both sides agree on key and salt', async () => {
    const r = await mtcuteAgainstOurServer('ok', 10)
    expect(Buffer.from(r.authKey).equals(Buffer.from(r.server.authKey))).toBe(true)
    expect(r.salt).toBe(r.server.serverSalt)
    expect(r.server.temp).toBe(false)
    expect(r.server.dcId).toBe(2)
  })

  it('temp key (p_q_inner_data_temp_dc), as usePfs does', async () => {
    const r = await mtcuteAgainstOurServer('ok', 20, 86400)
    expect(Buffer.from(r.authKey).equals(Buffer.from(r.server.authKey))).toBe(true)
    expect(r.server.temp).toBe(true)
    expect(r.server.expiresAt).toBe(NOW_MS / 1000 + 86400)
  })

  it('dh_gen_retry: mtcute retries with retry_id = aux hash and our server accepts it', async () => {
    const r = await mtcuteAgainstOurServer('retry', 30)
    expect(Buffer.from(r.authKey).equals(Buffer.from(r.server.authKey))).toBe(true)
  })

  it('dh_gen_fail: mtcute stops', async () => {
    await expect(mtcuteAgainstOurServer('fail', 40)).rejects.toThrow()
  })
})

describe('GramJS 2.26 Authenticator against our ServerHandshake (in memory)', () => {
  /** One GramJS handshake against a fresh server; returns GramJS's key (or its error) and the server's key. */
  async function gramjsOnce(seed: number): Promise<{ gram?: Buffer; error?: unknown; server?: ServerAuthResult }> {
    const server = new ServerHandshake({ crypto, random: seededRandom(seed), rsaKey: serverKey() })
    let result: ServerAuthResult | undefined
    let pending: Buffer | undefined
    const connection = {
      send: async (frame: Buffer) => {
        const ans = server.receive(new Uint8Array(frame.subarray(20)), Date.now())
        if (ans.done) result = ans.done
        const out = Buffer.alloc(20 + ans.send.length)
        out.writeBigInt64LE(0x65000001n << 32n, 8)
        out.writeUInt32LE(ans.send.length, 16)
        out.set(ans.send, 20)
        pending = out
      },
      recv: async () => {
        if (pending === undefined) throw new Error('nothing to receive')
        return pending
      },
    }
    const sender = new MTProtoPlainSender(connection as never, silent as never)
    try {
      const { authKey } = await doAuthentication(sender, silent as never)
      return { gram: authKey.getKey(), server: result }
    } catch (error) {
      return { error, server: result }
    }
  }

  it('completes the handshake (p_q_inner_data with RSA_PAD) and both sides agree on the key', async () => {
    const key = serverKey().publicKey
    _serverKeys.set(key.fingerprint.i64.toString(), { n: bigInt(key.n.toString()), e: Number(key.e) })
    // GramJS draws b from crypto.randomBytes and keeps auth_key as a minimal-length integer, so for 1 key in 256
    // (leading zero byte) it holds 255 bytes and rejects the correct new_nonce_hash1. Only that case may retry.
    for (let seed = 21; seed < 24; seed++) {
      const r = await gramjsOnce(seed)
      if (r.error !== undefined) {
        expect(r.server?.authKey[0]).toBe(0)
        continue
      }
      expect(r.server?.dcId).toBeUndefined()
      expect(r.server?.temp).toBe(false)
      expect(r.gram?.equals(Buffer.from(r.server?.authKey ?? []))).toBe(true)
      return
    }
    throw new Error('three GramJS handshakes in a row hit a leading-zero key')
  })
})

describe('our server reads peer-serialized p_q_inner_data', () => {
  /** Runs resPQ, then wraps peer-built inner data bytes into req_DH_params for our server. */
  function serverWithInner(build: (res: Mt.resPQ, p: Uint8Array, q: Uint8Array, newNonce: Uint8Array) => Uint8Array) {
    const s = new ServerHandshake({ crypto, random: seededRandom(4), rsaKey: serverKey() })
    const nonce = new Uint8Array(16).fill(7)
    const res = deserializeObject(s.receive(serializeObject({ _: 'req_pq_multi', nonce }), NOW_MS).send) as Mt.resPQ
    const { pBytes: pb, qBytes: qb } = factorizePq(res.pq)
    const newNonce = new Uint8Array(32).fill(9)
    const data = build(res, pb, qb, newNonce)
    const req = serializeObject({
      _: 'req_DH_params',
      nonce,
      serverNonce: res.serverNonce,
      p: pb,
      q: qb,
      publicKeyFingerprint: serverKey().publicKey.fingerprint.i64,
      encryptedData: rsaPadEncrypt(crypto, serverKey().publicKey, data, seededRandom(3)),
    } satisfies Mt.req_DH_params)
    const ans = deserializeObject(s.receive(req, NOW_MS).send) as { _: string }
    return ans._
  }

  it.each(['mt_p_q_inner_data_dc', 'mt_p_q_inner_data_temp_dc'] as const)('mtcute %s', (name) => {
    const got = serverWithInner((res, p, q, newNonce) =>
      TlBinaryWriter.serializeObject(__tlWriterMap, {
        _: name,
        pq: res.pq,
        p,
        q,
        nonce: res.nonce,
        serverNonce: res.serverNonce,
        newNonce,
        dc: 2,
        expiresIn: 3600,
      } as unknown as Parameters<typeof TlBinaryWriter.serializeObject>[1]),
    )
    expect(got).toBe('server_DH_params_ok')
  })

  it('GramJS PQInnerData (p_q_inner_data, no dc)', () => {
    const got = serverWithInner((res, p, q, newNonce) => {
      // GramJS keeps int128/int256 as signed little-endian big-integer values, read from the wire bytes
      const int = (b: Uint8Array) => readBigIntFromBuffer(Buffer.from(b), true, true)
      const inner = new GramApi.PQInnerData({
        pq: Buffer.from(res.pq),
        p: Buffer.from(p),
        q: Buffer.from(q),
        nonce: int(res.nonce),
        serverNonce: int(res.serverNonce),
        newNonce: int(newNonce),
      })
      return new Uint8Array(inner.getBytes())
    })
    expect(got).toBe('server_DH_params_ok')
  })
})
