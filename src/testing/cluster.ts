/**
 * `startCluster`: a loopback Telegram-like DC cluster for offline tests. Each DC listens on its own port (random by
 * default), accepts every framing and obfuscation there, and acts as an MTProxy for the whole cluster (dd and ee
 * secrets; the DC id in the proxy header picks the DC). DCs share one RSA key; each keeps its auth keys across
 * restarts, and has its own FaultPlan and execution counters. Each DC also has a media-only listener (same keys and
 * sessions, its own port, listed with `media_only` in help.getConfig). Accounts and files have home DCs
 * (accounts.ts); until an auth key is logged in, methods outside help.*, auth.* and langpack.* answer
 * 401 AUTH_KEY_UNREGISTERED (`loginRequired`, default true as on Telegram).
 *
 * Spec: https://core.telegram.org/mtproto (the protocol), https://core.telegram.org/mtproto/mtproxy,
 * https://core.telegram.org/mtproto/auth_key (handshake; -444 for a test/production DC mismatch),
 * https://core.telegram.org/api/datacenter (DC table, media-only DCs, exporting authorizations).
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
import { type ServerAuthKey, ServerKeyStore } from '../protocol/mtp/server-keys.js'
import { ExecutionCounters, RpcRegistry } from '../protocol/mtp/server-rpc.js'
import type { RandomSource } from '../protocol/random.js'
import { createReplayCache, encodeProxySecret, type ProxySecret } from '../protocol/transport/index.js'
import { serializeObject, type Api } from '../tl/index.js'
import { DcServer, type DcLimits } from './dc.js'
import { FaultPlan } from './faults.js'
import { dcGuard, registerAuthHandlers, selfOf } from './auth-handlers.js'
import { registerFileHandlers, UploadStore } from './file-handlers.js'
import { registerStatsHandlers } from './stats-handlers.js'
import { type DcAddress, registerLoopbackHandlers } from './handlers.js'
import { type HandshakeSwitch, registerBindHandler, serverHandshakeFactory } from './handshake.js'
import { ExportedAuthorizations, LoginState } from './login.js'
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
  /**
   * Whether methods outside help.*, auth.* and langpack.* need a logged-in auth key (bot import, sign-in or
   * importAuthorization) and answer 401 AUTH_KEY_UNREGISTERED before (default true, as on Telegram). Also
   * switchable at run time through `cluster.loginRequired`.
   */
  readonly loginRequired?: boolean
  /** Whether each DC also listens on a media-only port listed in help.getConfig (default true). */
  readonly mediaListeners?: boolean
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
  /** The media-only listener (same engine: keys, sessions, logins), when the cluster has them. */
  readonly mediaServer: DcServer | undefined
  /** Which user each auth key of this DC is logged in as (`logins.set(authKeyId, userId)` logs a key in). */
  readonly logins: LoginState
  /** Parts stored by upload.saveFilePart / upload.saveBigFilePart on this DC (`uploads.assembled(fileId)`). */
  readonly uploads: UploadStore
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
  /** Pushes an Updates object to the sessions of the DC whose auth key is logged in as `userId`; returns how many. */
  pushUpdateToUser(dcId: number, userId: bigint, update: Api.Updates): number
  /** Whether login-only methods answer 401 AUTH_KEY_UNREGISTERED on keys not logged in; switchable at run time. */
  loginRequired: boolean
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
  const settings = { loginRequired: options.loginRequired ?? true }
  const exports = new ExportedAuthorizations(random)
  const dcIds = (): number[] => dcs.map((d) => d.id)
  const media = options.mediaListeners ?? true
  for (let id = 1; id <= count; id++) {
    const keys = new ServerKeyStore(crypto, lifetime)
    const rpc = new RpcRegistry()
    const logins = new LoginState()
    registerLoopbackHandlers(rpc, { dcId: id, dcs: () => table, testMode, self: (ctx) => selfOf(logins, ctx) })
    registerAuthHandlers(rpc, { dcId: id, logins, exports, dcIds, random })
    const uploads = new UploadStore()
    registerFileHandlers(rpc, { dcId: id, logins, uploads })
    registerStatsHandlers(rpc, { dcId: id })
    const faults = new FaultPlan()
    rpc.setGuard(dcGuard({ faults, logins, loginRequired: () => settings.loginRequired }))
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
    const listener = (port: number): DcServer =>
      new DcServer({
        id,
        host,
        port,
        crypto,
        random,
        engine,
        secrets,
        replayCache,
        limits,
        route: (dcId) => dcs.find((d) => d.id === dcId)?.engine,
        onRestart: () => void restart(id),
      })
    const server = listener(options.basePort === undefined ? 0 : options.basePort + id - 1)
    // Media listeners follow the main ones: basePort + count + id - 1.
    const mediaServer = media ? listener(options.basePort === undefined ? 0 : options.basePort + count + id - 1) : undefined
    dcs.push({ id, host, port: 0, faults, executions, keys, rpc, engine, clock, handshake: sw, server, mediaServer, logins, uploads })
  }
  const started: DcServer[] = []
  try {
    for (const d of dcs) {
      for (const s of [d.server, d.mediaServer]) {
        if (s === undefined) continue
        await s.start()
        started.push(s)
      }
    }
  } catch (e) {
    await Promise.all(started.map((s) => s.stop()))
    throw e
  }
  for (let i = 0; i < dcs.length; i++) {
    const d = dcs[i] as ClusterDc
    const mediaPort = d.mediaServer?.port
    const withPort: ClusterDc = { ...d, port: d.server.port, ...(mediaPort !== undefined ? { mediaPort } : {}) }
    dcs[i] = withPort
    table.push({ id: d.id, host, port: d.server.port, ...(mediaPort !== undefined ? { mediaPort } : {}) })
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
      await Promise.all([d.server.stop(), d.mediaServer?.stop()])
      await d.server.start()
      await d.mediaServer?.start()
    })
    return restarting
  }
  const push = (dcId: number, update: Api.Updates, toKey?: (key: ServerAuthKey) => boolean): number => {
    const d = get(dcId)
    let n = 0
    for (const { connection, payload } of d.engine.pushUpdate(serializeObject(update), Date.now(), toKey)) {
      if (d.server.deliver(connection, payload) || d.mediaServer?.deliver(connection, payload) === true) n++
    }
    return n
  }
  return {
    get loginRequired() {
      return settings.loginRequired
    },
    set loginRequired(v: boolean) {
      settings.loginRequired = v
    },
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
      return push(dcId, update)
    },
    pushUpdateToUser(dcId, userId, update) {
      const logins = get(dcId).logins
      return push(dcId, update, (key) => logins.userOf(key) === userId)
    },
    restart,
    async close() {
      await restarting
      await Promise.all(dcs.flatMap((d) => [d.server.stop(), d.mediaServer?.stop()]))
    },
  }
}
