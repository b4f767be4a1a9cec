/**
 * `startCluster`: a loopback Telegram-like DC cluster for offline tests. Each DC listens on its own port (random by
 * default), accepts every framing and obfuscation there, and acts as an MTProxy for the whole cluster (dd and ee
 * secrets; the DC id in the proxy header picks the DC). DCs share one RSA key; each keeps its auth keys across
 * restarts, and has its own FaultPlan and execution counters.
 *
 * Spec: https://core.telegram.org/mtproto (the protocol), https://core.telegram.org/mtproto/mtproxy,
 * https://core.telegram.org/mtproto/auth_key (handshake; -444 for a test/production DC mismatch).
 */
import '../tl/index.js'
import { randomFillSync } from 'node:crypto'
import { ArgumentError } from '../errors.js'
import type { ServerHandshakeMode } from '../protocol/auth/server.js'
import { createNodeCryptoProvider } from '../protocol/crypto/node-provider.js'
import type { CryptoProvider } from '../protocol/crypto/provider.js'
import type { RsaPublicKey } from '../protocol/crypto/rsa.js'
import { generateServerRsaKeyPair } from '../protocol/auth/server-key.js'
import type { RsaKeyPair } from '../protocol/crypto/rsa-server.js'
import { type HandshakeFactory, ServerEngine } from '../protocol/mtp/server-connection.js'
import { ServerKeyStore } from '../protocol/mtp/server-keys.js'
import { ExecutionCounters, RpcRegistry } from '../protocol/mtp/server-rpc.js'
import type { RandomSource } from '../protocol/random.js'
import { createReplayCache, encodeProxySecret, type ProxySecret } from '../protocol/transport/index.js'
import { serializeObject, type Api } from '../tl/index.js'
import { DcServer, type DcLimits } from './dc.js'
import { FaultPlan } from './faults.js'
import { type DcAddress, registerLoopbackHandlers } from './handlers.js'
import { type HandshakeSwitch, registerBindHandler, serverHandshakeFactory } from './handshake.js'
import { rsaKeyPairFromPrivatePem } from './rsa.js'

/** Everything a handshake factory builder gets from the cluster. */
export interface HandshakeContext {
  readonly dcId: number
  readonly crypto: CryptoProvider
  readonly random: RandomSource
  readonly rsaKey: RsaKeyPair
  /** Whether the client's DC id in p_q_inner_data is acceptable (production ids; -444 otherwise). */
  readonly acceptDc: (dcId: number) => boolean
}

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  /** Number of DCs, ids 1..N (default 5). */
  readonly dcs?: number
  /** Listen address (default 127.0.0.1). */
  readonly host?: '127.0.0.1' | '::1'
  /** DC i listens on basePort + i - 1; random ports when absent. */
  readonly basePort?: number
  /** The server RSA key: a key pair, or a private key PEM; generated when absent. */
  readonly rsaKey?: RsaKeyPair | string
  /** Seconds each server salt stays current (default 3600, as on Telegram; tests use a few seconds). */
  readonly saltLifetimeSeconds?: number
  /** Replaces the key exchange of every DC (default: ServerHandshake with the cluster's RSA key). */
  readonly handshake?: (ctx: HandshakeContext) => HandshakeFactory
  /** How the key exchange ends: 'ok' (default), 'retry' (dh_gen_retry once), 'fail' (dh_gen_fail), 'params-fail'. */
  readonly handshakeMode?: ServerHandshakeMode
  /** The cluster plays Telegram's test DCs (DC ids 10000+N in p_q_inner_data_dc); default production. */
  readonly testMode?: boolean
  readonly limits?: Partial<DcLimits>
  /** Keep per-request execution maps (default true; benchmarks turn it off, `executions.total` still counts). */
  readonly countExecutions?: boolean
  /** FakeTLS domain of the ee secret (default example.com). */
  readonly fakeTlsDomain?: string
  readonly crypto?: CryptoProvider
  readonly random?: RandomSource
}

/** The cluster's MTProxy secrets, as hex strings ready for links and client options, and parsed. */
export interface ClusterProxySecrets {
  /** `dd` + 16 bytes: padded intermediate. */
  readonly padded: string
  /** `ee` + 16 bytes + domain: FakeTLS. */
  readonly fakeTls: string
  readonly parsed: readonly ProxySecret[]
}

/** A running DC's handles for tests. */
export interface ClusterDc extends DcAddress {
  readonly faults: FaultPlan
  readonly executions: ExecutionCounters
  readonly keys: ServerKeyStore
  readonly rpc: RpcRegistry
  readonly engine: ServerEngine
  /** The DC clock offset in seconds (the skew-clock fault moves it). */
  readonly clock: { skewSeconds: number }
  /** The key exchange's ending for new exchanges on this DC; switchable at run time. */
  readonly handshake: HandshakeSwitch
  readonly server: DcServer
}

/** A running cluster. */
export interface Cluster {
  readonly host: string
  /** The DC table (ports are fixed for the cluster's life, restarts included). */
  readonly dcs: readonly DcAddress[]
  readonly publicKeyPem: string
  readonly publicKey: RsaPublicKey
  readonly rsaKey: RsaKeyPair
  readonly proxySecrets: ClusterProxySecrets
  dc(id: number): ClusterDc
  /** Adds an auth key to a DC directly (tests without a key exchange); returns its auth_key_id. */
  importAuthKey(dcId: number, authKey: Uint8Array, serverSalt?: bigint): bigint
  /** Pushes an Updates object to every connected session of the DC that wants updates; returns how many got it. */
  pushUpdate(dcId: number, update: Api.Updates): number
  /** Stops and starts a DC on the same port; auth keys survive, connections drop. */
  restart(dcId: number): Promise<void>
  close(): Promise<void>
}

const DEFAULT_LIMITS: DcLimits = {
  maxConnections: 256,
  maxFrameSize: 2 * 1024 * 1024,
  handshakeTimeoutMs: 10_000,
  frameTimeoutMs: 10_000,
}

/** Production DC ids a client may name: 1..5 and their media variants (negative); test DCs are 10000 + id. */
const TEST_DC_OFFSET = 10000

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex')
}

/** Starts the cluster. */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const count = options.dcs ?? 5
  if (!Number.isInteger(count) || count < 1 || count > 100) throw new ArgumentError(`dcs must be 1..100, got ${count}`, 'dcs')
  const host = options.host ?? '127.0.0.1'
  const crypto = options.crypto ?? createNodeCryptoProvider()
  const random: RandomSource = options.random ?? ((out) => void randomFillSync(out))
  const rsaKey =
    options.rsaKey === undefined
      ? // mtcute 0.30 cannot match a fingerprint whose top nibble is zero (1 key in 16): generate one every peer accepts.
        generateServerRsaKeyPair(crypto)
      : typeof options.rsaKey === 'string'
        ? rsaKeyPairFromPrivatePem(crypto, options.rsaKey)
        : options.rsaKey
  const lifetime = options.saltLifetimeSeconds ?? 3600
  if (!(lifetime > 0)) throw new ArgumentError(`saltLifetimeSeconds must be positive, got ${lifetime}`, 'saltLifetimeSeconds')
  const limits: DcLimits = { ...DEFAULT_LIMITS, ...options.limits }
  const testMode = options.testMode ?? false
  const keyBytes = (n: number): Uint8Array => {
    const b = new Uint8Array(n)
    random(b)
    return b
  }
  const secrets: ProxySecret[] = [
    { mode: 'padded', key: keyBytes(16) },
    { mode: 'fake-tls', key: keyBytes(16), domain: options.fakeTlsDomain ?? 'example.com' },
  ]
  const replayCache = createReplayCache(4096)
  const dcs: ClusterDc[] = []
  const table: DcAddress[] = []
  const acceptDc = (id: number): boolean => {
    const a = Math.abs(id)
    return testMode ? a > TEST_DC_OFFSET : a >= 1 && a < TEST_DC_OFFSET
  }
  for (let id = 1; id <= count; id++) {
    const keys = new ServerKeyStore(crypto, lifetime)
    const rpc = new RpcRegistry()
    registerLoopbackHandlers(rpc, { dcId: id, dcs: () => table, testMode })
    const faults = new FaultPlan()
    const executions = new ExecutionCounters()
    executions.detailed = options.countExecutions ?? true
    const clock = { skewSeconds: 0 }
    registerBindHandler(rpc, keys, crypto)
    const sw: HandshakeSwitch = { mode: options.handshakeMode ?? 'ok' }
    const hctx: HandshakeContext = { dcId: id, crypto, random, rsaKey, acceptDc }
    const handshake = options.handshake ? options.handshake(hctx) : serverHandshakeFactory(hctx, sw)
    const engine = new ServerEngine({
      crypto,
      random,
      dcId: id,
      keys,
      rpc,
      counters: executions,
      clock,
      onRequest: (m) => faults.onRequest(m),
      handshake,
    })
    const server: DcServer = new DcServer({
      id,
      host,
      port: options.basePort === undefined ? 0 : options.basePort + id - 1,
      crypto,
      random,
      engine,
      secrets,
      replayCache,
      limits,
      route: (dcId) => dcs.find((d) => d.id === dcId)?.engine,
      onRestart: () => void restart(id),
    })
    dcs.push({ id, host, port: 0, faults, executions, keys, rpc, engine, clock, handshake: sw, server })
  }
  const started: DcServer[] = []
  try {
    for (const d of dcs) {
      await d.server.start()
      started.push(d.server)
    }
  } catch (e) {
    await Promise.all(started.map((s) => s.stop()))
    throw e
  }
  for (let i = 0; i < dcs.length; i++) {
    const d = dcs[i] as ClusterDc
    const withPort: ClusterDc = { ...d, port: d.server.port }
    dcs[i] = withPort
    table.push({ id: d.id, host, port: d.server.port })
  }
  const get = (id: number): ClusterDc => {
    const d = dcs.find((x) => x.id === id)
    if (d === undefined) throw new ArgumentError(`no DC ${id} in this cluster`, 'dcId')
    return d
  }
  let restarting = Promise.resolve()
  const restart = (id: number): Promise<void> => {
    const d = get(id)
    restarting = restarting.then(async () => {
      await d.server.stop()
      await d.server.start()
    })
    return restarting
  }
  return {
    host,
    dcs: table,
    publicKeyPem: rsaKey.publicPem,
    publicKey: rsaKey.publicKey,
    rsaKey,
    proxySecrets: {
      padded: hex(encodeProxySecret(secrets[0] as ProxySecret)),
      fakeTls: hex(encodeProxySecret(secrets[1] as ProxySecret)),
      parsed: secrets,
    },
    dc: get,
    importAuthKey(dcId, authKey, serverSalt = 0n) {
      return get(dcId).keys.add(authKey, { firstSalt: serverSalt, serverNow: Date.now() / 1000 + get(dcId).clock.skewSeconds }).id
    },
    pushUpdate(dcId, update) {
      const d = get(dcId)
      let n = 0
      for (const { connection, payload } of d.engine.pushUpdate(serializeObject(update), Date.now())) {
        if (d.server.deliver(connection, payload)) n++
      }
      return n
    },
    restart,
    async close() {
      await restarting
      await Promise.all(dcs.map((d) => d.server.stop()))
    },
  }
}
