/**
 * Auth key creation cost, in memory: a whole key exchange (req_pq_multi to dh_gen_ok) of mtactor's ClientHandshake,
 * mtcute 0.30's doAuthorization and GramJS 2.26's doAuthentication, each against mtactor's ServerHandshake with
 * no sockets. The server's own time is measured around every ServerHandshake.receive call and subtracted, so
 * `*_client_ms` is the client's share (pq factorization, RSA, DH, hashing, TL). Every run first checks that the
 * client's key equals the server's key. Real randomness, so each handshake factors a fresh pq.
 *
 * Spec: https://core.telegram.org/mtproto/auth_key. Prints JSON lines only; `--smoke` runs tiny counts.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { __tlReaderMap, __tlWriterMap, addPublicKey } from '@mtcute/core/utils.js'
import { NodeCryptoProvider } from '@mtcute/node/utils.js'
import bigInt from 'big-integer'
import Long from 'long'
import { _serverKeys } from 'telegram/crypto/RSA.js'
import { doAuthentication } from 'telegram/network/Authenticator.js'
import { MTProtoPlainSender } from 'telegram/network/MTProtoPlainSender.js'
import { ClientHandshake } from '../src/protocol/auth/client.js'
import { ServerHandshake } from '../src/protocol/auth/server.js'
import { generateServerRsaKeyPair } from '../src/protocol/auth/server-key.js'
import { createNodeCryptoProvider } from '../src/protocol/crypto/node-provider.js'
import type { RandomSource } from '../src/protocol/random.js'
import { round3 } from './lib/interleave.js'

const smoke = process.argv.includes('--smoke')
/** Interleaved rounds (bench convention: at least 7) and handshakes per contender per round. */
const ROUNDS = 7
const PER_ROUND = smoke ? 1 : 6

const crypto = createNodeCryptoProvider()
const random: RandomSource = (b) => {
  crypto.randomFill(b)
}
const rsaKey = generateServerRsaKeyPair(crypto)
const silent = { prefix: '', create: () => silent, debug: () => {}, verbose: () => {}, info: () => {}, warn: () => {}, error: () => {} }

/** Our server with its time accounted separately. */
class TimedServer {
  readonly hs = new ServerHandshake({ crypto, random, rsaKey })
  serverMs = 0
  key: Uint8Array | undefined
  receive(body: Uint8Array): Uint8Array {
    const t0 = performance.now()
    const ans = this.hs.receive(body, Date.now())
    this.serverMs += performance.now() - t0
    if (ans.done) this.key = ans.done.authKey
    return ans.send
  }
}

function plainFrame(body: Uint8Array): Buffer {
  const out = Buffer.alloc(20 + body.length)
  out.writeBigInt64LE(0x65000001n << 32n, 8)
  out.writeUInt32LE(body.length, 16)
  out.set(body, 20)
  return out
}

/** One exchange; returns the client's share in ms, or undefined for a peer's leading-zero key failure (1 in 256). */
type Run = () => Promise<number | undefined>

const ours: Run = async () => {
  const s = new TimedServer()
  const t0 = performance.now()
  const c = new ClientHandshake({ crypto, random, dcId: 2, rsaKeys: [rsaKey.publicKey] })
  let msg = c.start(Date.now())
  for (;;) {
    const next = c.receive(s.receive(msg), Date.now())
    if ('done' in next) {
      const total = performance.now() - t0
      if (!s.key || Buffer.compare(next.done.authKey, s.key) !== 0) throw new Error('mtactor: keys differ')
      return total - s.serverMs
    }
    msg = next.send
  }
}

type DoAuthorization = (connection: unknown, crypto: unknown, expiresIn?: number) => Promise<[Uint8Array, Long, number]>
const coreDir = dirname(fileURLToPath(import.meta.resolve('@mtcute/core/utils.js')))
const { doAuthorization } = (await import(pathToFileURL(join(coreDir, 'network/authorization.js')).href)) as {
  doAuthorization: DoAuthorization
}
const mtcuteCrypto = new NodeCryptoProvider()
await mtcuteCrypto.initialize()
addPublicKey(mtcuteCrypto, rsaKey.publicPem)

const mtcute: Run = async () => {
  const s = new TimedServer()
  const inbox: Uint8Array[] = []
  let msgId = 0x65000000n << 32n
  const conn = {
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
    params: { dc: { id: 2 }, testMode: false },
    send: async (frame: Uint8Array) => {
      inbox.push(plainFrame(s.receive(frame.subarray(20))))
    },
    waitForUnencryptedMessage: async () => inbox.shift(),
  }
  const t0 = performance.now()
  try {
    const [key] = await doAuthorization(conn, mtcuteCrypto)
    const total = performance.now() - t0
    if (!s.key || Buffer.compare(key, s.key) !== 0) throw new Error('mtcute: keys differ')
    return total - s.serverMs
  } catch (e) {
    if (s.key?.[0] === 0) return undefined
    throw e
  }
}

const key = rsaKey.publicKey
_serverKeys.set(key.fingerprint.i64.toString(), { n: bigInt(key.n.toString()), e: Number(key.e) })
const gramjs: Run = async () => {
  const s = new TimedServer()
  let pending: Buffer | undefined
  const connection = {
    send: async (frame: Buffer) => {
      pending = plainFrame(s.receive(new Uint8Array(frame.subarray(20))))
    },
    recv: async () => pending,
  }
  const sender = new MTProtoPlainSender(connection as never, silent as never)
  const t0 = performance.now()
  try {
    const { authKey } = await doAuthentication(sender, silent as never)
    const total = performance.now() - t0
    const k = authKey.getKey()
    if (!s.key || !k || Buffer.compare(k, s.key) !== 0) throw new Error('gramjs: keys differ')
    return total - s.serverMs
  } catch (e) {
    if (s.key?.[0] === 0) return undefined
    throw e
  }
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2
}

const contenders: Array<[string, Run]> = [
  ['mtactor', ours],
  ['mtcute', mtcute],
  ['gramjs', gramjs],
]
const samples = new Map<string, number[]>(contenders.map(([n]) => [n, []]))
for (const [, run] of contenders) await run() // warm-up
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, run] of contenders) {
    for (let i = 0; i < PER_ROUND; i++) {
      const ms = await run()
      if (ms !== undefined) samples.get(name)?.push(ms)
    }
  }
  process.stderr.write(`auth bench: round ${r + 1}/${ROUNDS}\n`)
}
const m = (n: string): number => median(samples.get(n) ?? [])
const mt = m('mtactor')
console.log(
  JSON.stringify({
    case: 'auth key exchange, client share (in memory vs our server, median)',
    mtactor_client_ms: round3(mt),
    mtcute_client_ms: round3(m('mtcute')),
    gramjs_client_ms: round3(m('gramjs')),
    ratio_vs_mtcute: round3(m('mtcute') / mt),
    ratio_vs_gramjs: round3(m('gramjs') / mt),
  }),
)
