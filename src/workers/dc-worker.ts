/**
 * Entry module of a DC actor's worker thread: runs one {@link Connection} (socket, transport, obfuscation, session,
 * timers) and talks to its {@link WorkerActor} on the main thread over two ports:
 * - control plane (comlink on the port handed over in `workerData`): start, stop, status, setAuthKey, setTempKey,
 *   allowHandshake, wake; every method answers a {@link ControlResult} so errors keep their class;
 * - data plane (the port handed to `start`): batches of typed messages (actor-messages.ts), buffers transferred.
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
import { type Batch, Batcher, type FromWorker, ownedForTransfer, type ToWorker, type WireEvent } from '../actors/actor-messages.js'
import type { ActorConfig } from '../actors/actor-types.js'
import { Connection, type ConnectionEvent, type InvokeOptions } from '../actors/connection.js'
import type { AuthKeyResult } from '../protocol/auth/index.js'
import type { BoundTempKey } from '../actors/connection-types.js'
import { createNodeCryptoProvider } from '../protocol/crypto/node-provider.js'
import { RemotePoolProvider } from './crypto-remote.js'

/** What every control method answers: a value, or an error as data (rebuilt as its own class on the main thread). */
export type ControlResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: SerializedError }

/** The worker's part of {@link ActorStatus}. */
export interface WorkerStatus {
  readonly threadId: number
  readonly connected: boolean
  readonly pending: number
  readonly hasAuthKey: boolean
  /** Data-plane batches and messages this worker posted (bench and tests). */
  readonly batchesOut: number
  readonly messagesOut: number
  readonly batchesIn: number
  /** Whether the full API codec (src/tl/index.js) is loaded in this thread. */
  readonly apiCodecLoaded: boolean
}

/** The control-plane API the worker exposes through comlink. */
export interface DcWorkerApi {
  /**
   * Takes the config (without the crypto port), the data port and the crypto pool's port when the coordinator shares
   * one; starts connecting.
   */
  start(config: Omit<ActorConfig, 'cryptoPort'>, data: MessagePort, cryptoPort?: MessagePort): ControlResult<{ threadId: number }>
  stop(): Promise<ControlResult<null>>
  status(): ControlResult<WorkerStatus>
  setAuthKey(key: AuthKeyResult): ControlResult<null>
  setTempKey(key: BoundTempKey): ControlResult<null>
  allowHandshake(): ControlResult<null>
  wake(): ControlResult<null>
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

function wireEvent(e: ConnectionEvent, ids: ReadonlyMap<number, number>): WireEvent | undefined {
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
    case 'session':
      return { type: 'session', snapshot: e.state }
    case 'sent': {
      const n = e.records.length
      const requestIds = new Float64Array(n)
      const msgIds = new BigInt64Array(n)
      const seqNos = new Int32Array(n)
      let k = 0
      for (const r of e.records) {
        const id = ids.get(r.requestId)
        if (id === undefined) continue
        requestIds[k] = id
        msgIds[k] = r.msgId
        seqNos[k] = r.seqNo
        k++
      }
      if (k === 0) return undefined
      // Views over the first k entries; the whole buffers are ours and go across transferred.
      return { type: 'sent', requestIds: requestIds.subarray(0, k), msgIds: msgIds.subarray(0, k), seqNos: seqNos.subarray(0, k) }
    }
    // new-session and state are folded into 'session' snapshots.
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

/** One worker's actor state. */
class DcWorker {
  #conn: Connection | undefined
  #data: MessagePort | undefined
  #out: Batcher<FromWorker> | undefined
  /** Connection request id -> coordinator request id, and back (for cancel). */
  readonly #toActor = new Map<number, number>()
  readonly #toConn = new Map<number, number>()
  #batchesIn = 0
  /** The coordinator's crypto pool port (held for the async cipher step; closed on stop). */
  #cryptoPort: MessagePort | undefined
  /** The pool behind that port, as the Connection's async crypto provider (large messages' AES-IGE). */
  #remotePool: RemotePoolProvider | undefined

  start(config: Omit<ActorConfig, 'cryptoPort'>, data: MessagePort, cryptoPort?: MessagePort): { threadId: number } {
    if (this.#conn !== undefined) throw new InternalError('DC worker already started')
    this.#cryptoPort = cryptoPort
    const crypto = createNodeCryptoProvider()
    this.#remotePool = cryptoPort !== undefined ? new RemotePoolProvider(cryptoPort, { inline: crypto }) : undefined
    const out = new Batcher<FromWorker>((batch, transfer) => data.postMessage(batch, transfer))
    this.#out = out
    this.#data = data
    this.#conn = Connection.start({
      ...connectionOptionsOf(config),
      crypto,
      ...(this.#remotePool !== undefined ? { cryptoPool: this.#remotePool } : {}),
      keyExchange: config.handshake === true ? 'run' : 'wait',
      trackSession: true,
      onUpdate: (body) => {
        const b = ownedForTransfer(body)
        out.push({ t: 'update', body: b }, b)
      },
      onEvent: (e) => {
        const w = wireEvent(e, this.#toActor)
        if (w === undefined) return
        if (w.type === 'sent') out.pushTransfer({ t: 'event', event: w }, [w.requestIds.buffer as ArrayBuffer, w.msgIds.buffer as ArrayBuffer, w.seqNos.buffer as ArrayBuffer])
        else out.push({ t: 'event', event: w })
        // Sent records must reach the main thread before the bytes reach the server (the Connection writes right
        // after this event): a supervisor then has a record of every request the server may have seen.
        if (w.type === 'sent') out.flushNow()
      },
    })
    data.on('message', (batch: Batch<ToWorker>) => this.#onBatch(batch))
    return { threadId }
  }

  #onBatch(batch: Batch<ToWorker>): void {
    const conn = this.#conn
    const out = this.#out
    if (conn === undefined || out === undefined) return
    this.#batchesIn++
    let invokes = 0
    for (const m of batch) {
      switch (m.t) {
        case 'invoke':
          invokes++
          this.#invoke(conn, out, m)
          break
        case 'cancel': {
          const cid = this.#toConn.get(m.id)
          if (cid !== undefined) conn.cancel(cid)
          break
        }
        case 'echo':
          out.push({ t: 'echo', id: m.id, body: m.body }, m.body)
          break
        case 'fault':
          if (m.kind === 'crash') {
            // Uncaught, outside any handler: the thread dies as a crashing worker does.
            setImmediate(() => {
              throw new InternalError('injected DC worker crash')
            })
          } else {
            const until = Date.now() + (m.ms ?? 0)
            while (Date.now() < until) {
              // A stalled event loop: nothing else runs in this thread meanwhile.
            }
          }
          break
      }
    }
    if (invokes > 0) out.push({ t: 'ack', count: invokes })
  }

  #invoke(conn: Connection, out: Batcher<FromWorker>, m: Extract<ToWorker, { t: 'invoke' }>): void {
    const id = m.id
    const p = conn.invoke(m.body, m.method, m.timeoutMs === undefined && m.resend === undefined ? NO_OPTIONS : invokeOptions(m))
    const cid = conn.lastRequestId
    this.#toActor.set(cid, id)
    this.#toConn.set(id, cid)
    const done = (): void => {
      this.#toActor.delete(cid)
      this.#toConn.delete(id)
    }
    p.then(
      (body) => {
        done()
        const b = ownedForTransfer(body)
        out.push({ t: 'result', id, body: b }, b)
      },
      (e: MtError) => {
        done()
        out.push({ t: 'error', id, error: serializeError(e) })
      },
    )
  }

  async stop(): Promise<null> {
    const conn = this.#conn
    this.#conn = undefined
    await conn?.close()
    this.#out?.flushNow()
    this.#data?.close()
    this.#remotePool?.close()
    this.#cryptoPort?.close()
    return null
  }

  status(): WorkerStatus {
    const conn = this.#conn
    return {
      threadId,
      connected: conn?.connected ?? false,
      pending: conn?.pendingCount ?? 0,
      hasAuthKey: conn?.hasAuthKey ?? false,
      batchesOut: this.#out?.batches ?? 0,
      messagesOut: this.#out?.messages ?? 0,
      batchesIn: this.#batchesIn,
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
    start: (config, data, cryptoPort) => attempt(() => w.start(config, data, cryptoPort)),
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
  }
  expose(api, control as unknown as Parameters<typeof expose>[1])
}
