/**
 * The coordinator's end of a crypto pool port: forwards each task a DC actor's worker sends to the one
 * {@link CryptoPool} (always to a pool thread, never run on the coordinator's thread) and posts the result back,
 * transferring the output buffer. The coordinator's thread only relays messages, so it is never blocked by crypto.
 *
 * Spec: https://core.telegram.org/mtproto/description (AES-256-IGE).
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import { ArgumentError, serializeError } from '../errors.js'
import type { CryptoPool } from './crypto-pool.js'
import type { PoolPortRequest, PoolPortResponse } from './crypto-port-messages.js'
import type { CryptoTask } from './crypto-tasks.js'

/** A served port. */
export interface PoolPortServer {
  /** Requests received and not yet answered. */
  readonly inFlight: number
  /** Requests answered since the start. */
  readonly served: number
  /** Stops serving and closes the port (the worker's pending requests then reject). */
  close(): void
}

/**
 * Serves `port`: every {@link PoolPortRequest} runs on `pool` and gets a {@link PoolPortResponse}. The port is
 * unref'd (it never keeps the process alive by itself) and is released when either side closes it.
 */
export function servePoolPort(pool: CryptoPool, port: MessagePort): PoolPortServer {
  let inFlight = 0
  let served = 0
  let closed = false
  const reply = (res: PoolPortResponse): void => {
    if (closed) return
    served++
    port.postMessage(res, res.ok ? [res.out.buffer as ArrayBuffer] : [])
  }
  port.on('message', (msg: unknown) => {
    const req = parseRequest(msg)
    if (req === undefined) return
    if ('error' in req) {
      reply({ id: req.id, ok: false, error: serializeError(req.error) })
      return
    }
    inFlight++
    void pool.runTask(req.task).then((res) => {
      inFlight--
      reply({ ...res, id: req.id })
    })
  })
  const close = (): void => {
    if (closed) return
    closed = true
    port.removeAllListeners('message')
    port.close()
  }
  port.once('close', close)
  port.unref()
  return {
    get inFlight() {
      return inFlight
    },
    get served() {
      return served
    },
    close,
  }
}

/**
 * A new channel whose one end is served on `pool`; transfer the returned `port` to a worker (in `workerData` and its
 * transferList) and build a {@link RemotePoolProvider} on it there.
 */
export function createPoolPort(pool: CryptoPool): { port: MessagePort; server: PoolPortServer } {
  const { port1, port2 } = new MessageChannel()
  return { port: port2, server: servePoolPort(pool, port1) }
}

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array

/** Checks the shape of a request from the port; a malformed one with a usable id is answered with an error. */
function parseRequest(msg: unknown): { id: number; task: CryptoTask } | { id: number; error: ArgumentError } | undefined {
  if (typeof msg !== 'object' || msg === null) return undefined
  const { id, task } = msg as Partial<PoolPortRequest>
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) return undefined
  const bad = (what: string) => ({ id, error: new ArgumentError(`crypto pool request ${what}`, 'task') })
  if (typeof task !== 'object' || task === null) return bad('has no task')
  const t = task as Partial<Record<string, unknown>>
  if (t.op === 'ige-encrypt' || t.op === 'ige-decrypt') {
    if (!isBytes(t.data) || !isBytes(t.key) || !isBytes(t.iv)) return bad('has non-byte IGE arguments')
    return { id, task: { op: t.op, data: t.data, key: t.key, iv: t.iv } }
  }
  if (t.op === 'msg-seal' || t.op === 'msg-open') {
    if (!isBytes(t.frame) || !isBytes(t.keys)) return bad('has non-byte message arguments')
    return { id, task: { op: t.op, frame: t.frame, keys: t.keys } }
  }
  if (t.op === 'pbkdf2-sha512') {
    if (!isBytes(t.password) || !isBytes(t.salt) || typeof t.iterations !== 'number') return bad('has bad PBKDF2 arguments')
    return { id, task: { op: t.op, password: t.password, salt: t.salt, iterations: t.iterations } }
  }
  return bad(`has unknown op ${String(t.op)}`)
}
