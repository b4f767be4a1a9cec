/**
 * Entry module of a DC actor's worker thread: runs one {@link Connection} (socket, transport, obfuscation, session,
 * timers) and talks to its {@link WorkerActor} on the main thread:
 * - control plane (comlink on the port handed over in `workerData`): start, stop, status, setAuthKey,
 *   setTempKey, allowHandshake, wake; every method answers a {@link ControlResult} so errors keep their class;
 * - data plane: records in two shared rings (ring-link.ts), with the port handed to `start` for room signals and
 *   large bodies;
 * - supervision mirror (shared-mirror.ts): the session state and each request's msg_id/seq_no, written before the
 *   bytes reach the socket.
 *
 * The worker imports no API codec: requests arrive serialized and results leave raw, so an idle actor keeps to the
 * service schema (the Connection loads the API codec only for the PFS bind).
 *
 * Spec: https://core.telegram.org/mtproto (one connection per DC, its session and service messages).
 */
import { connectionOptionsOf } from '../actors/actor-config.js'
import { type MessagePort, threadId, workerData } from 'node:worker_threads'
import { expose } from 'comlink'
import { InternalError, type MtError, type SerializedError, serializeError } from '../errors.js'
import type { FromWorker, ToWorker, WireEvent } from '../actors/actor-messages.js'
import type { ActorConfig, ActorTuning, AppliedTuning, SessionSnapshot } from '../actors/actor-types.js'
import { Connection, type ConnectionEvent, type InvokeOptions } from '../actors/connection.js'
import { NOTHING_TO_CLEAN } from '../actors/connection-state.js'
import { RingLink } from '../actors/ring-link.js'
import { FromWorkerCodec, ToWorkerCodec } from '../actors/ring-records.js'
import { SharedMirror } from '../actors/shared-mirror.js'
import type { AuthKeyResult } from '../protocol/auth/index.js'
import type { BoundTempKey } from '../actors/connection-types.js'
import { createNodeCryptoProvider } from '../protocol/crypto/node-provider.js'
import { RemotePoolProvider } from './crypto-remote.js'

/** What every control method answers: a value, or an error as data (rebuilt as its own class on the main thread). */
export type ControlResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: SerializedError }

/** The shared memory of one actor's data plane: a ring each way and the supervision mirror. */
export interface SharedPlane {
  readonly toWorker: SharedArrayBuffer
  readonly fromWorker: SharedArrayBuffer
  readonly mirror: SharedArrayBuffer
}

/** What `start` takes. */
export interface StartArgs {
  /** The config without the crypto port (that travels as `cryptoPort`). */
  readonly config: Omit<ActorConfig, 'cryptoPort'>
  readonly data: MessagePort
  /** The coordinator's crypto pool, when it shares one. */
  readonly cryptoPort?: MessagePort | undefined
  readonly shared: SharedPlane
}

/** The worker's part of {@link ActorStatus}. */
export interface WorkerStatus {
  readonly threadId: number
  readonly connected: boolean
  readonly pending: number
  readonly hasAuthKey: boolean
  /** Data-plane records and doorbells this worker wrote, and its wake-ups that drained the request ring. */
  readonly recordsOut: number
  readonly doorbellsOut: number
  readonly drains: number
  /** Whether the full API codec (src/tl/index.js) is loaded in this thread. */
  readonly apiCodecLoaded: boolean
}

/** The control-plane API the worker exposes through comlink. */
export interface DcWorkerApi {
  /** Takes the config, the data port, the shared memory and the crypto pool's port; starts connecting. */
  start(args: StartArgs): ControlResult<{ threadId: number }>
  stop(): Promise<ControlResult<null>>
  status(): ControlResult<WorkerStatus>
  setAuthKey(key: AuthKeyResult): ControlResult<null>
  setTempKey(key: BoundTempKey): ControlResult<null>
  allowHandshake(): ControlResult<null>
  wake(): ControlResult<null>
  /** Retunes session timers and the reconnect policy; answers what is now in effect. */
  configure(t: ActorTuning): ControlResult<AppliedTuning>
}

/** Runs a command that answers nothing. */
function command(fn: () => void): ControlResult<null> {
  return attempt(() => {
    fn()
    return null
  })
}

function attempt<T>(fn: () => T): ControlResult<T> {
  try {
    return { ok: true, value: fn() }
  } catch (e) {
    return { ok: false, error: serializeError(e) }
  }
}

/** The events that cross as records ('sent' and 'session' go through the mirror; see DcWorker.#onEvent). */
function wireEvent(e: ConnectionEvent): WireEvent | undefined {
  switch (e.type) {
    case 'connected':
      return e
    case 'disconnected':
      return e.error !== undefined ? { type: 'disconnected', error: serializeError(e.error) } : { type: 'disconnected' }
    case 'auth-key':
      return { type: 'auth-key', result: e.result, temp: e.temp }
    case 'auth-key-dropped':
      return e.authKeyId !== undefined ? { type: 'auth-key-dropped', error: serializeError(e.error), authKeyId: e.authKeyId } : { type: 'auth-key-dropped', error: serializeError(e.error) }
    case 'temp-key-bound':
    case 'temp-key-due':
      return e
    case 'rejected':
      return { type: 'rejected', error: serializeError(e.error) }
    // new-session and state are folded into 'session' snapshots; 'sent' and 'session' are mirrored.
    case 'sent':
    case 'session':
    case 'new-session':
    case 'state':
      return undefined
  }
}

const NO_OPTIONS: InvokeOptions = {}

function invokeOptions(m: Extract<ToWorker, { t: 'invoke' }>): InvokeOptions {
  return {
    ...(m.timeoutMs !== undefined ? { timeoutMs: m.timeoutMs } : {}),
    ...(m.resend !== undefined ? { resend: m.resend } : {}),
  }
}

/** Whether a snapshot differs from the last one reported in more than the counters every flush moves. */
function sessionMoved(a: SessionSnapshot | undefined, b: SessionSnapshot): boolean {
  return a === undefined || a.sessionId !== b.sessionId || a.serverSalt !== b.serverSalt || a.timeOffset !== b.timeOffset
}

/**
 * A request the worker's Connection carries, settled straight into the result ring (the Connection's
 * {@link Pending}): the coordinator's id, its slot in the mirror and the Connection's own request id. One object per
 * call and no promise: results leave in the turn the session read them.
 */
class Call {
  cleanup = NOTHING_TO_CLEAN
  cid = 0

  constructor(
    readonly owner: DcWorker,
    readonly id: number,
    readonly slot: number,
  ) {}

  resolve(body: Uint8Array): void {
    this.owner.settled(this, { t: 'result', id: this.id, slot: this.slot, body })
  }

  reject(e: MtError): void {
    this.owner.settled(this, { t: 'error', id: this.id, slot: this.slot, error: serializeError(e) })
  }
}

/** One worker's actor state. */
class DcWorker {
  #conn: Connection | undefined
  #data: MessagePort | undefined
  #link: RingLink<FromWorker, ToWorker> | undefined
  #mirror: SharedMirror | undefined
  /** The calls in flight by their slot in the mirror (a slot holds one call at a time: the coordinator's word). */
  readonly #calls: Array<Call | undefined> = []
  /** The last session snapshot sent as an event (only moves of id, salt or clock are sent; the mirror has all). */
  #reported: SessionSnapshot | undefined
  /** The coordinator's crypto pool port (held for the async cipher step; closed on stop). */
  #cryptoPort: MessagePort | undefined
  /** The pool behind that port, as the Connection's async crypto provider (large messages' AES-IGE). */
  #remotePool: RemotePoolProvider | undefined

  start(args: StartArgs): { threadId: number } {
    if (this.#conn !== undefined) throw new InternalError('DC worker already started')
    const { config, data, cryptoPort, shared } = args
    this.#cryptoPort = cryptoPort
    const crypto = createNodeCryptoProvider()
    this.#remotePool = cryptoPort !== undefined ? new RemotePoolProvider(cryptoPort, { inline: crypto }) : undefined
    this.#data = data
    this.#mirror = new SharedMirror(shared.mirror)
    const link = new RingLink<FromWorker, ToWorker>({
      port: data,
      out: shared.fromWorker,
      in: shared.toWorker,
      encode: new FromWorkerCodec(),
      decode: new ToWorkerCodec(),
      deliver: (m) => this.#onMessage(m),
    })
    this.#link = link
    this.#conn = Connection.start({
      ...connectionOptionsOf(config),
      crypto,
      ...(this.#remotePool !== undefined ? { cryptoPool: this.#remotePool } : {}),
      keyExchange: config.handshake === true ? 'run' : 'wait',
      trackSession: true,
      onUpdate: (body) => link.send({ t: 'update', body }),
      onEvent: (e) => this.#onEvent(link, e),
    })
    return { threadId }
  }

  /**
   * Connection events. 'sent' and 'session' come right before the bytes go to the socket: they go into shared
   * memory at once (a thread killed after the write leaves them behind); 'session' also crosses as an event when the
   * session id, salt or clock moved (storage keeps those).
   */
  #onEvent(link: RingLink<FromWorker, ToWorker>, e: ConnectionEvent): void {
    const mirror = this.#mirror
    if (e.type === 'sent') {
      if (mirror !== undefined) {
        const conn = this.#conn
        for (const r of e.records) {
          const c = conn?.pendingCall(r.requestId)
          if (c instanceof Call) mirror.writeSent(c.slot, c.id, r.msgId, r.seqNo)
        }
      }
      return
    }
    if (e.type === 'session') {
      mirror?.writeSession(e.state)
      if (!sessionMoved(this.#reported, e.state)) return
      this.#reported = e.state
      link.send({ t: 'event', event: { type: 'session', snapshot: e.state } })
      return
    }
    const w = wireEvent(e)
    if (w !== undefined) link.send({ t: 'event', event: w })
  }

  #onMessage(m: ToWorker): void {
    const conn = this.#conn
    const link = this.#link
    if (conn === undefined || link === undefined) return
    switch (m.t) {
      case 'invoke':
        link.addInCounter(1)
        this.#invoke(conn, m)
        break
      case 'cancel': {
        const c = this.#calls[m.slot]
        if (c !== undefined && c.id === m.id) conn.cancel(c.cid)
        break
      }
      case 'echo':
        link.send({ t: 'echo', id: m.id, body: m.body })
        break
      case 'fault':
        if (m.kind === 'crash') {
          // Uncaught, outside any handler: the thread dies as a crashing worker does.
          setImmediate(() => {
            throw new InternalError('injected DC worker crash')
          })
        } else {
          const until = Date.now() + m.ms
          while (Date.now() < until) {
            // A stalled event loop: nothing else runs in this thread meanwhile.
          }
        }
        break
    }
  }

  #invoke(conn: Connection, m: Extract<ToWorker, { t: 'invoke' }>): void {
    const call = new Call(this, m.id, m.slot)
    this.#calls[m.slot] = call
    call.cid = conn.submit(call, m.body, m.method, m.timeoutMs === undefined && m.resend === undefined ? NO_OPTIONS : invokeOptions(m))
  }

  /** A call settled: its slot is free and its outcome goes to the coordinator. */
  settled(call: Call, m: FromWorker): void {
    if (this.#calls[call.slot] === call) this.#calls[call.slot] = undefined
    this.#link?.send(m)
  }

  async stop(): Promise<null> {
    const conn = this.#conn
    this.#conn = undefined
    await conn?.close()
    this.#link?.close()
    this.#data?.close()
    this.#remotePool?.close()
    this.#cryptoPort?.close()
    return null
  }

  status(): WorkerStatus {
    const conn = this.#conn
    const l = this.#link?.stats
    return {
      threadId,
      connected: conn?.connected ?? false,
      pending: conn?.pendingCount ?? 0,
      hasAuthKey: conn?.hasAuthKey ?? false,
      recordsOut: l?.recordsOut ?? 0,
      doorbellsOut: l?.doorbellsOut ?? 0,
      drains: l?.drains ?? 0,
      apiCodecLoaded: apiCodecLoaded(),
    }
  }

  connection(): Connection {
    if (this.#conn === undefined) throw new InternalError('DC worker not started')
    return this.#conn
  }
}

/** Whether the API codec's writer tables are registered in this thread (the service schema has no users.getUsers). */
function apiCodecLoaded(): boolean {
  return registryHas('users.getUsers')
}

let registryHas: (name: string) => boolean = () => false

const control = (workerData as { control?: MessagePort } | undefined)?.control
if (control !== undefined) {
  const { registry } = await import('../tl/runtime/registry.js')
  registryHas = (name) => registry.writers.has(name)
  const w = new DcWorker()
  const api: DcWorkerApi = {
    start: (args) => attempt(() => w.start(args)),
    stop: async () => {
      try {
        return { ok: true, value: await w.stop() }
      } catch (e) {
        return { ok: false, error: serializeError(e) }
      }
    },
    status: () => attempt(() => w.status()),
    setAuthKey: (key) => command(() => w.connection().setAuthKey(key)),
    setTempKey: (key) => command(() => w.connection().setTempKey(key)),
    allowHandshake: () => command(() => w.connection().allowHandshake()),
    wake: () => command(() => w.connection().wake()),
    configure: (t) => attempt(() => w.connection().configure(t)),
  }
  expose(api, control as unknown as Parameters<typeof expose>[1])
}
