/**
 * MTProto crypto bench: whole-message encrypt+decrypt of a 192-byte RPC body, pq factorization over the fixture,
 * and 2048-bit modPow (native OpenSSL vs bigint). Compared with mtcute (AuthKey.encryptMessage/decryptMessage,
 * factorizePQSync) and GramJS (MTProtoState.encryptMessageData/decryptMessageData, Factorizator).
 *
 * Spec: https://core.telegram.org/mtproto/description (message encryption), https://core.telegram.org/mtproto/auth_key
 * (pq). Usage: `npm run bench:crypto-mtproto` (add `-- --smoke` for the quick CI run). Prints JSON lines only.
 */
import { randomFillSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { factorizePQSync } from '@mtcute/core/utils.js'
import { NodeCryptoProvider } from '@mtcute/node/utils.js'
import { TlBinaryReader } from '@mtcute/tl-runtime'
import { AuthKey as GramAuthKey } from 'telegram/crypto/AuthKey.js'
import { readBigIntFromBuffer } from 'telegram/Helpers.js'
import { Factorizator } from 'telegram/crypto/Factorizator.js'
import { MTProtoState } from 'telegram/network/MTProtoState.js'
import { bigIntFromBytes, bigIntToBytes } from '../src/protocol/crypto/dh-bigint.js'
import { TELEGRAM_DH_PRIME } from '../src/protocol/crypto/dh.js'
import { modPow, modPowBigInt } from '../src/protocol/crypto/dh-modpow.js'
import { MessageCipher } from '../src/protocol/crypto/message.js'
import { bufferedRandom } from '../src/protocol/crypto/message-random.js'
import { createNodeCryptoProvider } from '../src/protocol/crypto/node-provider.js'
import type { CryptoProvider } from '../src/protocol/crypto/provider.js'
import { factorizePq } from '../src/protocol/crypto/pq.js'
import type { RandomSource } from '../src/protocol/random.js'
import { emit, fig, interleaved, progress } from './lib/timing.js'
import { createWasmIgeProvider } from './lib/wasm-ige-provider.js'

const smoke = process.argv.includes('--smoke')
/** At least 7 interleaved rounds, as the bench convention requires; the smoke run keeps iterations tiny. */
const ROUNDS = smoke ? 7 : 11
const root = join(import.meta.dirname, '..')
const osRandom: RandomSource = (b) => {
  randomFillSync(b)
}
/** What production code passes: CSPRNG bytes fetched in 4 KiB batches (see message-random.ts). */
const random = bufferedRandom(osRandom)

/** Results are folded in here so no timed call can be optimized away. */
let sink = 0

function fail(msg: string): never {
  process.stderr.write(`!! ${msg}\n`)
  process.exit(1)
}
const eq = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0

// ---- message encrypt+decrypt 192B ---------------------------------------------------------------------------------

/** A signed 64-bit value as mtcute's Long (read through its TL reader, so no direct dependency on `long`). */
function mtLong(v: bigint) {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigInt64(0, v, true)
  return new TlBinaryReader({}, b).long()
}
type Long = ReturnType<typeof mtLong>

/** The same value as GramJS's big-integer (built by GramJS's own helper). */
function gramBig(v: bigint, signed = true) {
  const b = Buffer.alloc(8)
  b.writeBigInt64LE(BigInt.asIntN(64, v))
  return readBigIntFromBuffer(b, true, signed)
}

/** mtcute's AuthKey is not exported from the package; it is loaded from its file (types declared here). */
interface MtcuteAuthKey {
  setup(key: Uint8Array): void
  encryptMessage(message: Uint8Array, serverSalt: Long, sessionId: Long): Uint8Array
  decryptMessage(data: Uint8Array, sessionId: Long, cb: (msgId: Long, seqNo: number, reader: { raw(n: number): Uint8Array }) => void): void
}

/** A 192-byte TL body GramJS can parse: rpc_result { req_msg_id, rpc_error { code, 171-char message } }. */
function tlBody(): Uint8Array {
  const b = Buffer.alloc(192)
  b.writeUInt32LE(0xf35c6d01, 0)
  b.writeBigInt64LE(0x65c53d5100075c18n, 4)
  b.writeUInt32LE(0x2144ca19, 12)
  b.writeInt32LE(400, 16)
  b[20] = 171
  b.write('X'.repeat(171), 21, 'latin1')
  return new Uint8Array(b)
}

async function messageCase(caseName: string, crypto: CryptoProvider): Promise<void> {
  progress(`${caseName}: setting up`)
  const authKey = new Uint8Array(256)
  randomFillSync(authKey)
  const body = tlBody()
  const sessionId = 0x1234567890abcdefn
  const salt = 0x0badc0ffeen
  const clientMsgId = 0x65c53d5100075c18n
  const serverMsgId = 0x65c53d5191be0001n

  const client = new MessageCipher(crypto, authKey)
  const server = new MessageCipher(crypto, authKey)
  // The message a client receives: made by our server side, decrypted by every implementation.
  const incoming = server.encrypt({ salt, sessionId, msgId: serverMsgId, seqNo: 1, body }, { sender: 'server', random, padding: 'minimal' })
  const out = new Uint8Array(MessageCipher.encryptedLength(192, 28))
  const plainOut = new Uint8Array(incoming.length)

  // mtcute
  const mtCrypto = new NodeCryptoProvider()
  await mtCrypto.initialize()
  const authKeyUrl = pathToFileURL(join(root, 'node_modules/@mtcute/core/network/auth-key.js')).href
  const { AuthKey } = (await import(authKeyUrl)) as {
    AuthKey: new (c: unknown, log: unknown, readers: unknown) => MtcuteAuthKey
  }
  const silent = { verbose() {}, warn() {}, debug() {}, info() {}, error() {} }
  const mt = new AuthKey(mtCrypto, silent, {})
  mt.setup(authKey)
  const mtSession = mtLong(sessionId)
  const mtSalt = mtLong(salt)
  // mtcute's encryptMessage takes msg_id + seq_no + length + body and prepends salt + session_id itself.
  const mtMessage = new Uint8Array(16 + 192)
  const dv = new DataView(mtMessage.buffer)
  dv.setBigInt64(0, clientMsgId, true)
  dv.setUint32(8, 0, true)
  dv.setUint32(12, 192, true)
  mtMessage.set(body, 16)

  // GramJS
  const gAuth = new GramAuthKey()
  await gAuth.setKey(Buffer.from(authKey))
  const gState = new MTProtoState(gAuth, silent as never, false)
  // GramJS keeps the session id private; set it the way its own code does after reset().
  const gFields = gState as unknown as { id: unknown; salt: unknown }
  gFields.id = gramBig(sessionId)
  gFields.salt = gramBig(salt)
  const gMessage = Buffer.from(mtMessage)

  // Agreement: each side's client output decrypts (our server side) to the same header and body; each side
  // decrypts the same server message to the same body.
  const ours = client.encrypt({ salt, sessionId, msgId: clientMsgId, seqNo: 0, body }, { sender: 'client', random, padding: 'minimal' })
  for (const [name, enc] of [
    ['mtactor', ours],
    ['mtcute', mt.encryptMessage(mtMessage, mtSalt, mtSession)],
    ['gramjs', new Uint8Array(await gState.encryptMessageData(gMessage))],
  ] as const) {
    const m = server.decrypt(enc, { sender: 'client', sessionId })
    if (m.msgId !== clientMsgId || m.salt !== salt || !eq(m.body, body)) fail(`${name}'s encrypted message does not decrypt to the input`)
  }
  let mtBody: Uint8Array | undefined
  mt.decryptMessage(incoming, mtSession, (_id, _seq, reader) => {
    mtBody = reader.raw(192)
  })
  if (mtBody === undefined || !eq(mtBody, body)) fail('mtcute does not decrypt our server message to the body')
  const gDec = await gState.decryptMessageData(Buffer.from(incoming))
  if (String(gDec.msgId) !== serverMsgId.toString()) fail('GramJS does not decrypt our server message')
  if (!eq(client.decrypt(incoming, { sender: 'server', sessionId }).body, body)) fail('we do not decrypt our server message')

  const n = smoke ? 20 : 20000
  const res = await interleaved(
    [
      {
        name: 'mtactor',
        run: (k) => {
          for (let i = 0; i < k; i++) {
            client.encrypt({ salt, sessionId, msgId: clientMsgId, seqNo: 0, body }, { sender: 'client', random, padding: 'minimal', out })
            client.decrypt(incoming, { sender: 'server', sessionId, out: plainOut })
          }
        },
      },
      {
        name: 'mtcute',
        run: (k) => {
          for (let i = 0; i < k; i++) {
            mt.encryptMessage(mtMessage, mtSalt, mtSession)
            mt.decryptMessage(incoming, mtSession, () => {})
          }
        },
      },
      {
        name: 'gramjs',
        run: async (k) => {
          for (let i = 0; i < k; i++) {
            await gState.encryptMessageData(gMessage)
            await gState.decryptMessageData(Buffer.from(incoming))
          }
        },
      },
    ],
    ROUNDS,
    (name) => (name === 'gramjs' ? Math.max(5, n / 10) : n),
  )
  const ourUs = res.mtactor ?? 0
  emit({
    case: caseName,
    mtactor_us: fig(ourUs),
    mtcute_us: fig(res.mtcute ?? 0),
    gramjs_us: fig(res.gramjs ?? 0),
    ratio_vs_mtcute: fig((res.mtcute ?? 0) / ourUs),
    ratio_vs_gramjs: fig((res.gramjs ?? 0) / ourUs),
    crypto_provider: crypto.name,
  })
}

// ---- pq factorize -------------------------------------------------------------------------------------------------

async function pqCase(): Promise<void> {
  progress('pq factorize: checking agreement')
  const fx = JSON.parse(readFileSync(join(root, 'test/fixtures/factorize.json'), 'utf8')) as {
    vectors: Array<{ pq: string; p: string; q: string; pq_bits: number }>
  }
  let cases = fx.vectors.filter((v) => v.pq_bits <= 64 && BigInt(v.pq) > 1000n)
  if (smoke) cases = cases.slice(0, 3)
  const mtCrypto = new NodeCryptoProvider()
  const pqBytes = cases.map((v) => bigIntToBytes(BigInt(v.pq)))
  const pqGram = cases.map((v) => gramBig(BigInt(v.pq), false))
  for (const [i, v] of cases.entries()) {
    const want = [BigInt(v.p), BigInt(v.q)]
    const o = factorizePq(BigInt(v.pq))
    const [mp, mq] = factorizePQSync(mtCrypto, pqBytes[i] ?? new Uint8Array())
    const g = Factorizator.factorize(pqGram[i] ?? gramBig(1n))
    const gs = [BigInt(g.p.toString()), BigInt(g.q.toString())].sort((a, b) => (a < b ? -1 : 1))
    const agree = [[o.p, o.q], [bigIntFromBytes(mp), bigIntFromBytes(mq)], gs].every((r) => r[0] === want[0] && r[1] === want[1])
    if (!agree) fail(`factorizers disagree on ${v.pq}`)
  }
  const res = await interleaved(
    [
      {
        name: 'mtactor',
        run: () => {
          for (const v of cases) sink ^= Number(factorizePq(BigInt(v.pq)).p & 1n)
        },
      },
      {
        name: 'mtcute',
        run: () => {
          for (const b of pqBytes) sink ^= factorizePQSync(mtCrypto, b)[0].length
        },
      },
      {
        name: 'gramjs',
        run: () => {
          for (const b of pqGram) sink ^= Factorizator.factorize(b).p.isOdd() ? 1 : 0
        },
      },
    ],
    ROUNDS,
    () => cases.length,
  )
  const ms = (name: string): number => (res[name] ?? 0) / 1000
  emit({
    case: 'pq factorize',
    cases: cases.length,
    mtactor_ms: fig(ms('mtactor')),
    mtcute_ms: fig(ms('mtcute')),
    gramjs_ms: fig(ms('gramjs')),
    ratio_vs_mtcute: fig(ms('mtcute') / ms('mtactor')),
    ratio_vs_gramjs: fig(ms('gramjs') / ms('mtactor')),
  })
}

// ---- modPow ---------------------------------------------------------------------------------------------------------

async function modPowCase(): Promise<void> {
  progress('dh modPow 2048: checking agreement')
  const p = TELEGRAM_DH_PRIME
  const exps = Array.from({ length: 4 }, () => {
    const b = new Uint8Array(256)
    randomFillSync(b)
    return bigIntFromBytes(b)
  })
  for (const e of exps) if (modPow(3n, e, p) !== modPowBigInt(3n, e, p)) fail('native and bigint modPow disagree')
  const res = await interleaved(
    [
      {
        name: 'mtactor',
        run: (k) => {
          for (const e of exps.slice(0, k)) sink ^= Number(modPow(3n, e, p) & 1n)
        },
      },
      {
        name: 'bigint',
        run: (k) => {
          for (const e of exps.slice(0, k)) sink ^= Number(modPowBigInt(3n, e, p) & 1n)
        },
      },
    ],
    ROUNDS,
    () => (smoke ? 1 : 4),
  )
  emit({
    case: 'dh modPow 2048-bit',
    mtactor_ms: fig((res.mtactor ?? 0) / 1000),
    bigint_ms: fig((res.bigint ?? 0) / 1000),
    ratio_vs_bigint: fig((res.bigint ?? 0) / (res.mtactor ?? 1)),
  })
}

await messageCase('message encrypt+decrypt 192B', createNodeCryptoProvider())
// Diagnostic: the same comparison with mtcute's own WASM IGE under our code, isolating the protocol layer.
await messageCase('message encrypt+decrypt 192B (both on mtcute wasm IGE)', await createWasmIgeProvider())
await pqCase()
await modPowCase()
progress(`done (sink ${sink})`)
