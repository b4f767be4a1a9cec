/**
 * One loopback DC: a TCP listener whose connections run the server transport (every framing, obfuscation, and the
 * cluster's MTProxy secrets) and the server session. It enforces a connection cap (-429), a per-connection frame
 * size cap, a handshake deadline and an incomplete-frame deadline (slowloris), and applies the transport-level
 * faults the FaultPlan fires (drop after N bytes, delay, reorder, duplicate, corrupt, restart).
 *
 * Spec: https://core.telegram.org/mtproto/mtproto-transports (transports, transport errors -404/-429/-444),
 * https://core.telegram.org/mtproto/mtproxy (routing by the DC id in the obfuscated2 header).
 */
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net'
import type { LRUCache } from 'lru-cache'
import type { CryptoProvider } from '../protocol/crypto/provider.js'
import { TransportError } from '../protocol/errors.js'
import type { ConnectionOutput, ServerConnection, ServerEngine } from '../protocol/mtp/server-connection.js'
import { TRANSPORT_CODE } from '../protocol/mtp/server-errors.js'
import type { RandomSource } from '../protocol/random.js'
import type { ProxySecret, ServerEvent } from '../protocol/transport/index.js'
import type { Fault } from './faults.js'
import { DualTransport } from './transport-select.js'

/** How many maximum-size frames may wait unread in a socket's send buffer before the DC drops the client. */
const MAX_UNREAD_FRAMES = 8

/** Limits every DC enforces. */
export interface DcLimits {
  /** Open connections per DC; one more gets -429 and is closed. */
  readonly maxConnections: number
  /** Largest frame (and so the most bytes buffered for one frame). */
  readonly maxFrameSize: number
  /** A connection must complete a key-exchange step or send a valid encrypted message within this time. */
  readonly handshakeTimeoutMs: number
  /** A started frame must complete within this time (slowloris). */
  readonly frameTimeoutMs: number
}

/** What a DC needs from the cluster. */
export interface DcServerOptions {
  readonly id: number
  readonly host: string
  readonly port: number
  readonly crypto: CryptoProvider
  readonly random: RandomSource
  readonly engine: ServerEngine
  readonly secrets: readonly ProxySecret[]
  readonly replayCache: LRUCache<string, true>
  readonly limits: DcLimits
  /** The engine serving a DC id from an MTProxy header (undefined: unknown DC, -444). */
  readonly route: (dcId: number) => ServerEngine | undefined
  /** Called for the restart fault. */
  readonly onRestart: () => void
}

interface Conn {
  readonly socket: Socket
  readonly transport: DualTransport
  session: ServerConnection | undefined
  engine: ServerEngine | undefined
  authenticated: boolean
  overCap: boolean
  /** Bytes left before the drop-after-bytes fault cuts the connection. */
  budget: number | undefined
  /** Frames held back by the reorder fault. */
  held: Uint8Array[]
  timers: Set<NodeJS.Timeout>
  deadline: NodeJS.Timeout | undefined
  frameTimer: NodeJS.Timeout | undefined
  pingTimer: NodeJS.Timeout | undefined
}

/** A running DC listener. */
export class DcServer {
  #server: Server | undefined
  readonly #conns = new Set<Conn>()
  #port: number
  /** Connections accepted since start (for tests). */
  accepted = 0

  constructor(readonly o: DcServerOptions) {
    this.#port = o.port
  }

  get port(): number {
    return this.#port
  }

  get connections(): number {
    return this.#conns.size
  }

  /** Starts listening (on the previous port after a restart). */
  start(): Promise<void> {
    const server = createServer((s) => this.#accept(s))
    this.#server = server
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.#port, this.o.host, () => {
        server.off('error', reject)
        this.#port = (server.address() as AddressInfo).port
        resolve()
      })
    })
  }

  /** Stops listening and drops every connection. */
  stop(): Promise<void> {
    for (const c of this.#conns) this.#destroy(c)
    const server = this.#server
    this.#server = undefined
    return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()))
  }

  /** Sends payloads produced outside a request (pushed updates) to the connection that owns `session`. */
  deliver(session: ServerConnection, payload: Uint8Array): boolean {
    for (const c of this.#conns) {
      if (c.session === session) {
        this.#write(c, [payload])
        return true
      }
    }
    return false
  }

  #accept(socket: Socket): void {
    this.accepted++
    socket.setNoDelay(true)
    const { limits } = this.o
    const c: Conn = {
      socket,
      transport: new DualTransport({
        crypto: this.o.crypto,
        random: this.o.random,
        secrets: this.o.secrets,
        replayCache: this.o.replayCache,
        maxFrameSize: limits.maxFrameSize,
      }),
      session: undefined,
      engine: undefined,
      authenticated: false,
      overCap: this.#conns.size >= limits.maxConnections,
      budget: undefined,
      held: [],
      timers: new Set(),
      deadline: undefined,
      frameTimer: undefined,
      pingTimer: undefined,
    }
    this.#conns.add(c)
    c.deadline = setTimeout(() => this.#destroy(c), limits.handshakeTimeoutMs)
    socket.on('data', (chunk: Buffer) => this.#onData(c, new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)))
    socket.on('error', () => this.#destroy(c))
    socket.on('close', () => this.#destroy(c))
  }

  #destroy(c: Conn): void {
    if (!this.#conns.delete(c)) return
    for (const t of c.timers) clearTimeout(t)
    clearTimeout(c.deadline)
    clearTimeout(c.frameTimer)
    clearTimeout(c.pingTimer)
    if (c.session) c.session.closed = true
    c.socket.destroy()
  }

  /** Sends a transport error code (when the framing is known) and closes. */
  #fail(c: Conn, code: number): void {
    const t = c.transport.transport
    if (t?.transport !== undefined && !c.socket.destroyed) {
      try {
        c.socket.write(t.encodeErrorCode(code))
      } catch {
        // the transport cannot frame yet: close without a code
      }
      c.socket.end()
      const grace = setTimeout(() => this.#destroy(c), 200)
      c.timers.add(grace)
      this.#conns.delete(c)
      for (const t2 of c.timers) if (t2 !== grace) clearTimeout(t2)
      clearTimeout(c.deadline)
      clearTimeout(c.frameTimer)
      clearTimeout(c.pingTimer)
      if (c.session) c.session.closed = true
      c.socket.once('close', () => clearTimeout(grace))
      return
    }
    this.#destroy(c)
  }

  #onData(c: Conn, chunk: Uint8Array): void {
    if (!this.#conns.has(c)) return
    let events: ServerEvent[]
    try {
      events = c.transport.push(chunk, Math.floor(Date.now() / 1000))
    } catch (e) {
      this.#fail(c, e instanceof TransportError && e.reason === 'frame-too-large' ? TRANSPORT_CODE.flood : TRANSPORT_CODE.notFound)
      return
    }
    for (const ev of events) {
      if (!this.#conns.has(c)) return
      if (ev.type === 'send') c.socket.write(ev.data)
      else if (ev.type === 'detected') {
        if (c.overCap) {
        this.#fail(c, TRANSPORT_CODE.flood)
        return
      }
        const engine = c.transport.viaProxy ? this.o.route(Math.abs(ev.dcId ?? 0)) : this.o.engine
        if (engine === undefined) {
        this.#fail(c, TRANSPORT_CODE.badDc)
        return
      }
        c.engine = engine
        c.session = engine.connect({ padded: ev.transport === 'padded' || ev.inner === 'padded' })
      } else if (ev.type === 'frame') {
        const session = c.session
        if (session === undefined) {
        this.#fail(c, TRANSPORT_CODE.notFound)
        return
      }
        this.#apply(c, session.receive(ev.payload, Date.now()))
      }
    }
    this.#frameDeadline(c)
  }

  #frameDeadline(c: Conn): void {
    if (!this.#conns.has(c)) return
    if (c.transport.buffered === 0) {
      clearTimeout(c.frameTimer)
      c.frameTimer = undefined
    } else if (c.frameTimer === undefined) {
      c.frameTimer = setTimeout(() => this.#destroy(c), this.o.limits.frameTimeoutMs)
    }
  }

  #apply(c: Conn, out: ConnectionOutput): void {
    if (out.authenticated && !c.authenticated) {
      c.authenticated = true
      clearTimeout(c.deadline)
    }
    if (out.disconnectAfterMs !== undefined) {
      clearTimeout(c.pingTimer)
      c.pingTimer = setTimeout(() => this.#destroy(c), out.disconnectAfterMs)
    }
    let frames = out.frames
    let delay = 0
    let restart = false
    for (const f of out.effects) frames = this.#effect(c, f, frames, (ms) => (delay += ms), () => (restart = true))
    const send = (): void => {
      if (frames.length > 0) this.#write(c, frames)
      if (out.close !== undefined) this.#fail(c, out.close)
      if (restart) this.o.onRestart()
    }
    if (delay > 0) {
      const t = setTimeout(() => {
        c.timers.delete(t)
        send()
      }, delay)
      c.timers.add(t)
    } else {
      send()
    }
  }

  #effect(c: Conn, f: Fault, frames: Uint8Array[], addDelay: (ms: number) => void, restart: () => void): Uint8Array[] {
    switch (f.kind) {
      case 'delay':
        addDelay(f.ms)
        return frames
      case 'duplicate':
        return [...frames, ...frames]
      case 'reorder':
        c.held.push(...frames)
        return []
      case 'corrupt-frame': {
        const [first, ...rest] = frames
        if (first === undefined) return frames
        const bad = first.slice()
        // Inside msg_key (bytes 8..23): the client's msg_key check fails, the framing stays intact.
        bad[12] = (bad[12] ?? 0) ^ 0xff
        return [bad, ...rest]
      }
      case 'drop-after-bytes':
        c.budget = Math.min(c.budget ?? Number.POSITIVE_INFINITY, f.bytes)
        return frames
      case 'restart':
        restart()
        return frames
      default:
        return frames
    }
  }

  #write(c: Conn, payloads: Uint8Array[]): void {
    const t = c.transport.transport
    if (t === undefined || !this.#conns.has(c)) return
    const held = c.held
    c.held = []
    for (const p of [...payloads, ...held]) {
      let bytes = t.encode(p)
      if (c.budget !== undefined) {
        if (bytes.length >= c.budget) {
          bytes = bytes.subarray(0, c.budget)
          if (bytes.length > 0) c.socket.write(bytes)
          this.#destroy(c)
          return
        }
        c.budget -= bytes.length
      }
      c.socket.write(bytes)
    }
    // A client that stops reading must not make the DC buffer without bound.
    if (c.socket.writableLength > this.o.limits.maxFrameSize * MAX_UNREAD_FRAMES) this.#destroy(c)
  }
}
