/**
 * The public low-level client: `MtClient.connect(...)`, `client.invoke(request)` typed from the generated schema,
 * `for await (const u of client.updates())`, `client.loginBot(token)` and `client.close()`. A thin face over the
 * {@link Coordinator}: it builds the DC table, the storage and the actor factory from the options, connects the home
 * DC and refreshes the DC table with help.getConfig (media-only addresses included).
 *
 * Spec: https://core.telegram.org/api/invoking, https://core.telegram.org/api/datacenter,
 * https://core.telegram.org/api/bots (bot login with auth.importBotAuthorization),
 * https://core.telegram.org/method/help.getConfig.
 */
import type { ActorConfig, ActorFactory, ActorStatus, ActorTuning, DcEndpoint } from '../actors/actor-types.js'
import type { MtProxyOptions, TransportKind } from '../actors/connection-transport.js'
import { DEFAULT_CONNECT_TIMEOUT_MS, type ReconnectPolicy } from '../actors/connection-types.js'
import { createInProcessActor } from '../actors/in-process-actor.js'
import { createWorkerActor } from '../actors/worker-actor.js'
import type { SocketProxy } from '../actors/socket.js'
import { ArgumentError } from '../errors.js'
import type { RsaPublicKey } from '../protocol/crypto/rsa.js'
import type { Api, ApiMethod, ResultOf } from '../tl/index.js'
import { type CallOptions, type ClientEvent, Coordinator } from './coordinator.js'
import { DcTable } from './dc-table.js'
import type { AppInfo } from './init-connection.js'
import type { RetryPolicy } from './retry.js'
import { MemoryStorage, type Storage } from './storage.js'
import type { UpdateItem } from './updates.js'

/** Which actors run the DC connections. */
export type ActorsOption = 'worker' | 'in-process' | ActorFactory

/** Options of {@link MtClient.connect}. */
export interface MtClientOptions {
  readonly apiId: number
  readonly apiHash: string
  /** The first home DC (an id from the table, or an address); the stored home DC wins. Default 2. */
  readonly dc?: number | DcEndpoint
  /** The DC table to start from (default: Telegram's built-in addresses); help.getConfig then refreshes it. */
  readonly dcs?: readonly DcEndpoint[]
  /** Telegram's test DCs (built-in test addresses; DC ids go on the wire as 10000 + id). */
  readonly testMode?: boolean
  /** Use IPv6 addresses from help.getConfig. */
  readonly ipv6?: boolean
  /** Default 'intermediate'. */
  readonly transport?: TransportKind
  readonly obfuscated?: boolean
  /** A SOCKS5 or HTTP CONNECT proxy for every connection. */
  readonly proxy?: SocketProxy
  /** An MTProxy for every connection (its header names the DC). */
  readonly mtproxy?: MtProxyOptions
  /** Where keys, the home DC and session snapshots live (default {@link MemoryStorage}). */
  readonly storage?: Storage
  /** Server RSA keys (default: Telegram's built-in keys). */
  readonly rsaKeys?: readonly RsaPublicKey[]
  /** Default 'worker': each DC connection in its own worker thread; 'in-process' runs them on this thread. */
  readonly actors?: ActorsOption
  readonly retry?: RetryPolicy
  /** Connections per DC for downloads and for uploads (default 2 each; spawned only when used). */
  readonly pool?: { readonly download?: number; readonly upload?: number }
  readonly pfs?: { readonly tempKeySeconds: number }
  readonly reconnect?: ReconnectPolicy
  readonly connectTimeoutMs?: number
  /** Session timers (keepalive, resend, ack delay); tests set them small. */
  readonly session?: ActorConfig['session']
  /**
   * V8 limits of each worker actor's thread (see {@link ActorConfig.workerLimits}; default Node's). A young
   * generation capped at 2 MiB saves ~1.3 MiB RSS per idle actor and costs ~7% pipelined small-RPC throughput
   * (`bench:actor-thread`).
   */
  readonly workerLimits?: ActorConfig['workerLimits']
  /** What initConnection tells the server (device model, versions, language). */
  readonly app?: Omit<AppInfo, 'apiId'>
  /** Per-subscriber update buffer (see src/client/updates.ts for the overflow policy). */
  readonly updateBuffer?: number
  /** Actor events (connected, disconnected, auth-key, exit, ...) as they happen. */
  readonly onEvent?: (e: ClientEvent) => void
  /** Fetch help.getConfig on connect to refresh the DC table (default true). */
  readonly fetchConfig?: boolean
}

/** One actor as {@link MtClient.status} reports it. */
export interface ClientActorStatus extends ActorStatus {
  /** 'main', 'download:0', 'upload:1', ... */
  readonly connection: string
  /** The address it connects to (a media-only one for downloads where the DC lists one). */
  readonly endpoint: DcEndpoint
  /** -404 key regenerations of its DC so far. */
  readonly regenerations: number
}

/** Default DC of a new account's first connection: DC 2 is what official clients start with. */
const DEFAULT_HOME_DC = 2
/** connect()'s first call may take this many connect timeouts: socket, key exchange and the call itself. */
const CONNECT_DEADLINE_FACTOR = 3
/** Two extra connections per kind: parallel chunks without opening many sockets per DC. */
const DEFAULT_POOL_SIZE = 2

function resolveFactory(a: ActorsOption | undefined): ActorFactory {
  if (a === undefined || a === 'worker') return createWorkerActor
  if (a === 'in-process') return createInProcessActor
  if (typeof a !== 'function') throw new ArgumentError(`actors must be 'worker', 'in-process' or an ActorFactory, got ${String(a)}`, 'actors')
  return a
}

/** A connected client. */
export class MtClient {
  readonly #c: Coordinator
  readonly #o: MtClientOptions
  #config: Api.config | undefined

  private constructor(c: Coordinator, o: MtClientOptions) {
    this.#c = c
    this.#o = o
  }

  /** Connects to the home DC (making its auth key if the storage has none) and refreshes the DC table. */
  static async connect(o: MtClientOptions): Promise<MtClient> {
    if (!Number.isInteger(o.apiId) || o.apiId <= 0) throw new ArgumentError(`apiId must be a positive integer, got ${o.apiId}`, 'apiId')
    if (typeof o.apiHash !== 'string') throw new ArgumentError('apiHash must be a string', 'apiHash')
    const storage = o.storage ?? new MemoryStorage()
    const given = typeof o.dc === 'object' ? [o.dc] : []
    const table = o.dcs !== undefined || given.length > 0 ? new DcTable([...given, ...(o.dcs ?? [])]) : DcTable.builtin(o.testMode === true)
    const firstDc = typeof o.dc === 'object' ? o.dc.dcId : (o.dc ?? DEFAULT_HOME_DC)
    const home = (await storage.getHomeDc()) ?? firstDc
    if (!table.has(home)) throw new ArgumentError(`no address known for home DC ${home}`, 'dc')
    const coordinator = new Coordinator({
      app: { apiId: o.apiId, ...o.app },
      dcs: table,
      homeDc: home,
      storage,
      factory: resolveFactory(o.actors),
      actorConfig: {
        ...(o.transport !== undefined ? { transport: o.transport } : {}),
        ...(o.obfuscated !== undefined ? { obfuscated: o.obfuscated } : {}),
        ...(o.proxy !== undefined ? { proxy: o.proxy } : {}),
        ...(o.mtproxy !== undefined ? { mtproxy: o.mtproxy } : {}),
        ...(o.rsaKeys !== undefined ? { rsaKeys: o.rsaKeys } : {}),
        ...(o.pfs !== undefined ? { pfs: o.pfs } : {}),
        ...(o.reconnect !== undefined ? { reconnect: o.reconnect } : {}),
        ...(o.connectTimeoutMs !== undefined ? { connectTimeoutMs: o.connectTimeoutMs } : {}),
        ...(o.session !== undefined ? { session: o.session } : {}),
        ...(o.workerLimits !== undefined ? { workerLimits: o.workerLimits } : {}),
      },
      poolSize: { download: o.pool?.download ?? DEFAULT_POOL_SIZE, upload: o.pool?.upload ?? DEFAULT_POOL_SIZE },
      ...(o.retry !== undefined ? { retry: o.retry } : {}),
      ...(o.updateBuffer !== undefined ? { updateBuffer: o.updateBuffer } : {}),
      ...(o.onEvent !== undefined ? { onEvent: o.onEvent } : {}),
    })
    const client = new MtClient(coordinator, o)
    try {
      if (o.fetchConfig !== false) {
        // Bounded: a DC that cannot be reached fails connect() with TimeoutError instead of retrying forever.
        const timeoutMs = (o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS) * CONNECT_DEADLINE_FACTOR
        const config = await coordinator.invoke({ _: 'help.getConfig' }, { timeoutMs })
        client.#config = config
        table.updateFromConfig(config, o.ipv6 === true ? { ipv6: true } : {})
      }
    } catch (e) {
      await coordinator.close()
      throw e
    }
    return client
  }

  /** The DC the account lives on. */
  get homeDc(): number {
    return this.#c.homeDc
  }

  /** The config help.getConfig returned on connect (undefined with `fetchConfig: false`). */
  get config(): Api.config | undefined {
    return this.#config
  }

  /**
   * Sends `request` (to the home DC, or `opts.dcId`) and resolves with its result, typed by the schema:
   * `await client.invoke({ _: 'help.getNearestDc' })` is an `Api.NearestDc`. Rejects with RpcError,
   * FloodWaitError (over the threshold), TimeoutError, CancelledError or a network error after the retries.
   */
  invoke<R extends ApiMethod>(request: R, opts?: CallOptions): Promise<ResultOf<R>> {
    return this.#c.invoke(request, opts)
  }

  /** Decoded updates from every DC, each DC's in the order it sent them; ends when the client closes. */
  updates(): AsyncIterableIterator<UpdateItem> {
    return this.#c.updates.subscribe()
  }

  /** Logs in as a bot (auth.importBotAuthorization), moving the home DC on USER_MIGRATE_X. */
  async loginBot(token: string, opts: Omit<CallOptions, 'dcId'> = {}): Promise<Api.auth.Authorization> {
    if (typeof token !== 'string' || token.length === 0) throw new ArgumentError('bot token must be a non-empty string', 'token')
    const auth = await this.#c.invoke({ _: 'auth.importBotAuthorization', flags: 0, apiId: this.#o.apiId, apiHash: this.#o.apiHash, botAuthToken: token }, opts)
    await this.#c.markAuthorized(this.#c.homeDc)
    return auth
  }

  /** Live figures of every actor, by DC and connection, with the address it uses and the DC's key regenerations. */
  async status(): Promise<ClientActorStatus[]> {
    const out: ClientActorStatus[] = []
    for (const dc of this.#c.knownDcs()) {
      for (const slot of dc.slots.values()) {
        const st = await (await slot.actor).status()
        out.push({ ...st, connection: slot.name, endpoint: slot.endpoint, regenerations: dc.regenerations })
      }
    }
    return out
  }

  /**
   * Retunes every connection while running: session timers (`pingIntervalMs`, `pingTimeoutMs`, `resendAfterMs`) at
   * once, the reconnect policy from each connection's next reconnect; connections opened later start with them.
   */
  configure(t: ActorTuning): Promise<void> {
    return this.#c.configure(t)
  }

  /** Cancels in-flight work (CancelledError), closes every connection and ends the update streams. */
  close(): Promise<void> {
    return this.#c.close()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
