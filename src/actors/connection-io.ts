/**
 * The connection driver's data path on the current socket: frames in (to the key exchange, the frame pipeline or the
 * session), results and updates out, the flush that writes what the session has to send, the session's timer
 * (acks, resends, keepalive) and the session's lifecycle (made, retired, waiting requests released).
 *
 * Spec: https://core.telegram.org/mtproto/description (encrypted messages), https://core.telegram.org/mtproto/service_messages
 * (acks, pings), https://core.telegram.org/mtproto/mtproto-transports (framing).
 */
import type { Socket } from 'node:net'
import { ArgumentError, type MtError, NetworkError } from '../errors.js'
import type { AsyncCryptoProvider } from '../protocol/crypto/async-provider.js'
import { createMessageCipher } from '../protocol/crypto/message.js'
import type { DeferringCipher } from '../protocol/mtp/async-cipher.js'
import { ClientSession, type SendRequest, type SessionEvent } from '../protocol/mtp/client-session.js'
import { onTransportError } from './connection-attempt.js'
import { createFramePipeline, createPooledCipher, type FramePipeline } from './connection-pool.js'
import type { ConnState } from './connection-state.js'
import type { ClientCodec } from './connection-transport.js'

/** Moves the session's pending requests back to the waiting list and forgets the session (its key is gone). */
export function retireSession(st: ConnState): void {
  const old = st.session
  st.session = undefined
  st.ready = false
  // The pipeline belongs to the old session's cipher: what it still holds is carried over below as requests.
  st.pipe?.reset()
  st.pipe = undefined
  if (old === undefined) return
  const carry: SendRequest[] = []
  for (const req of old.outbox.byRequest.values()) {
    if (req.internal === undefined && st.pending.has(req.requestId)) carry.push({ body: req.body, method: req.method, requestId: req.requestId })
  }
  old.outbox.drain()
  st.waiting = carry.concat(st.waiting)
}

export function releaseWaiting(st: ConnState): void {
  const s = st.session
  if (s === undefined) return
  const waiting = st.waiting
  st.waiting = []
  for (const req of waiting) {
    try {
      s.send(req)
    } catch (e) {
      st.settle(req.requestId, (p) => p.reject(e as MtError))
    }
  }
}

export function ensureSession(st: ConnState, codec: ClientCodec): void {
  const nowMs = Date.now()
  if (st.session === undefined) {
    if (st.authKey === undefined) throw new ArgumentError('no auth key', 'authKey')
    const resume = st.resume
    st.resume = undefined
    const pool = st.o.cryptoPool
    st.pooledCipher = pool !== undefined ? createPooledCipher(st.crypto, st.authKey, st.o.poolThreshold, pool) : undefined
    st.session = new ClientSession({
      ...st.tuning,
      cipher: st.pooledCipher ?? createMessageCipher(st.crypto, st.authKey),
      random: st.random,
      serverSalt: st.salt,
      timeOffset: st.offset,
      ignoreTrailingBytes: codec.padded,
      ...(resume !== undefined ? { sessionId: resume.sessionId, resume: { seqNo: resume.seqNo, lastMsgId: resume.lastMsgId } } : {}),
      ...(st.o.trackSession === true ? { recordSent: true } : {}),
    })
    st.sessionUsed = false
    reportSession(st, nowMs)
  }
  if (st.sessionUsed) st.session.onReconnect(nowMs)
  st.sessionUsed = true
  st.pipe = st.pooledCipher !== undefined && st.o.cryptoPool !== undefined ? pipeFor(st, codec, st.pooledCipher, st.o.cryptoPool) : undefined
}

/** The ordered frame pipeline of the current socket (large messages' AES-IGE on the pool). */
export function pipeFor(st: ConnState, codec: ClientCodec, cipher: DeferringCipher, pool: AsyncCryptoProvider): FramePipeline {
  const socket = st.socket
  const write = (payloads: Uint8Array[]): void => {
    if (socket === undefined || socket !== st.socket) return
    socket.cork()
    for (const p of payloads) socket.write(codec.encode(p))
    socket.uncork()
  }
  const deliver = (payloads: Uint8Array[]): void => {
    if (socket !== st.socket) return
    for (const p of payloads) onFrame(st, p)
    queueFlush(st)
  }
  return createFramePipeline(cipher, pool, write, deliver)
}

export function onData(st: ConnState, socket: Socket, chunk: Buffer): void {
  if (socket !== st.socket || st.codec === undefined) return
  let events: ReturnType<ClientCodec['push']>
  try {
    events = st.codec.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
  } catch (e) {
    st.emit({ type: 'rejected', error: e as MtError })
    socket.destroy()
    return
  }
  for (const ev of events) {
    if (ev.type === 'frame') {
      if (st.hs !== undefined) st.hs.onFrame(ev.payload)
      else if (st.pipe !== undefined) st.pipe.receive([ev.payload])
      else onFrame(st, ev.payload)
    } else if (ev.type === 'error') {
      onTransportError(st, socket, ev.error)
      return
    }
  }
  queueFlush(st)
}

export function onFrame(st: ConnState, payload: Uint8Array): void {
  const s = st.session
  if (s === undefined) return
  let events: SessionEvent[]
  try {
    events = s.receive(payload, Date.now())
  } catch (e) {
    st.emit({ type: 'rejected', error: e as MtError })
    return
  }
  for (const ev of events) {
    switch (ev.type) {
      case 'result':
        st.take(ev.requestId)?.resolve(ev.body)
        break
      case 'rpc-error':
      case 'failed':
        st.take(ev.requestId)?.reject(ev.error)
        break
      case 'update':
        st.o.onUpdate?.(ev.body)
        break
      case 'new-session':
        st.emit(ev)
        break
      case 'state':
        st.salt = ev.serverSalt
        st.offset = ev.timeOffset
        st.emit(ev)
        reportSession(st, Date.now())
        break
    }
  }
}

export function dropSocket(st: ConnState): void {
  clearTimer(st)
  const s = st.socket
  st.socket = undefined
  st.codec = undefined
  st.pipe?.reset()
  st.pipe = undefined
  if (s !== undefined && !s.destroyed) s.destroy()
}

export function queueFlush(st: ConnState): void {
  if (st.flushQueued) return
  st.flushQueued = true
  queueMicrotask(() => {
    st.flushQueued = false
    flush(st)
  })
}

export function flush(st: ConnState): void {
  const s = st.session
  const socket = st.socket
  const codec = st.codec
  if (s === undefined || socket === undefined || codec === undefined || st.hs !== undefined || st.closed) return
  const nowMs = Date.now()
  const payloads = s.flush(nowMs)
  if (st.o.trackSession === true && payloads.length > 0) {
    // Reported before the bytes go out: whoever mirrors them has a record of every request the server may see.
    const records = s.takeSent()
    reportSession(st, nowMs)
    if (records.length > 0) st.emit({ type: 'sent', records })
  }
  if (payloads.length > 0 && st.pipe !== undefined) st.pipe.send(payloads)
  else if (payloads.length > 0) {
    socket.cork()
    for (const p of payloads) socket.write(codec.encode(p))
    socket.uncork()
  }
  armTimer(st)
}

/** With `trackSession`: a 'session' event when the state differs from the one last reported. */
export function reportSession(st: ConnState, nowMs: number): void {
  const s = st.session
  if (st.o.trackSession !== true || s === undefined) return
  const state = s.state(nowMs)
  const r = st.reported
  if (r !== undefined && r.sessionId === state.sessionId && r.serverSalt === state.serverSalt && r.timeOffset === state.timeOffset && r.seqNo === state.seqNo && r.lastMsgId === state.lastMsgId) return
  st.reported = state
  st.emit({ type: 'session', state })
}

export function clearTimer(st: ConnState): void {
  if (st.timer !== undefined) clearTimeout(st.timer)
  st.timer = undefined
}

/**
 * Arms the session timer for its next deadline. A timer already armed for that moment or earlier stays (it fires,
 * finds little or nothing due, and re-arms): a pipelined connection flushes thousands of times a second, and moving
 * the timer each time was a clearTimeout and a setTimeout per flush.
 */
export function armTimer(st: ConnState): void {
  const d = st.session?.nextDeadline()
  if (d === undefined || st.socket === undefined) {
    clearTimer(st)
    return
  }
  const now = Date.now()
  // At least 1 ms, so a deadline that stays in the past cannot spin the event loop.
  const at = Math.max(now + 1, d)
  if (st.timer !== undefined && st.timerAt <= at) return
  clearTimer(st)
  st.timerAt = at
  st.timer = setTimeout(() => onTimer(st), at - now)
}

export function onTimer(st: ConnState): void {
  st.timer = undefined
  const s = st.session
  const socket = st.socket
  if (s === undefined || socket === undefined) return
  if (s.onTimer(Date.now()) === 'dead') {
    st.emit({ type: 'disconnected', error: new NetworkError('timeout', 'keepalive unanswered') })
    socket.destroy()
    return
  }
  flush(st)
}
