/**
 * The connection driver's attempt loop: wait for a key when told to, open the socket and transport, run the key
 * exchange (or take the DC's keys), make the session ready; reconnect with backoff when the socket drops; -404 and
 * -429 handling.
 *
 * Spec: https://core.telegram.org/mtproto/auth_key (the key exchange, run with plain messages),
 * https://core.telegram.org/mtproto/mtproto-transports#transport-errors (-404, -429).
 */
import type { Socket } from 'node:net'
import { CancelledError, type MtError, NetworkError } from '../errors.js'
import type { AuthKeyResult } from '../protocol/auth/common.js'
import type { TransportError } from '../protocol/errors.js'
import { backoffDelay, randomUnit } from './connection-backoff.js'
import { HandshakeRun } from './connection-handshake.js'
import { dropSocket, ensureSession, onData, queueFlush, releaseWaiting, retireSession } from './connection-io.js'
import { armRenewal, bindTemp, clearRenewal, preparePfs } from './connection-pfs.js'
import type { ConnState } from './connection-state.js'
import { createClientCodec } from './connection-transport.js'
import { DEFAULT_CONNECT_TIMEOUT_MS, type HandshakeFactory, TRANSPORT_AUTH_KEY_NOT_FOUND, TRANSPORT_FLOOD } from './connection-types.js'
import { openSocket } from './socket.js'

export async function connectWithRetry(st: ConnState): Promise<void> {
  for (;;) {
    try {
      st.connecting = true
      await connectOnce(st)
      st.connecting = false
      // The socket may have closed in the last moments of the attempt, unnoticed: count it as a failed attempt.
      if (st.socket === undefined) throw new NetworkError('closed', 'connection closed while connecting')
      st.attempt = 0
      return
    } catch (e) {
      st.connecting = false
      if (st.closed) throw new CancelledError('connection closed')
      const err = e as MtError
      st.emit({ type: 'disconnected', error: err })
      dropSocket(st)
      if (++st.attempt >= st.policy.maxAttempts) throw err
      await st.backoff.sleep(delay(st))
      if (st.closed) throw new CancelledError('connection closed')
    }
  }
}

export function delay(st: ConnState): number {
  return backoffDelay(st.policy, st.attempt, randomUnit(st.random))
}

/** Whether a 'wait' connection has the keys it needs (under PFS a temp key too) or may make them. */
export function keysReady(st: ConnState): boolean {
  if (st.handshakeAllowed) return true
  if (st.o.pfs !== undefined) return st.permKey !== undefined && st.temp !== undefined
  return st.authKey !== undefined
}

/**
 * keyExchange 'wait' without a key: resolves once {@link setAuthKey}, {@link setTempKey} or
 * {@link allowHandshake} (or close) comes.
 */
export async function awaitKey(st: ConnState): Promise<void> {
  while (!st.closed && !keysReady(st)) {
    await new Promise<void>((resolve) => {
      st.keyArrived = resolve
    })
    st.keyArrived = undefined
  }
  if (st.closed) throw new CancelledError('connection closed')
}

export async function connectOnce(st: ConnState): Promise<void> {
  const o = st.o
  if (o.keyExchange === 'wait') await awaitKey(st)
  const timeoutMs = o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
  const target = o.mtproxy ?? o
  const socket = await openSocket({
    host: target.host,
    port: target.port,
    ...(o.proxy !== undefined ? { proxy: o.proxy } : {}),
    timeoutMs,
    signal: st.abort.signal,
  })
  if (st.closed) {
    socket.destroy()
    throw new CancelledError('connection closed')
  }
  const { codec, preamble } = createClientCodec(
    {
      crypto: st.crypto,
      random: st.random,
      transport: o.transport ?? 'intermediate',
      obfuscated: o.obfuscated === true,
      dcId: o.dcId,
      ...(o.testMode ? { testMode: true } : {}),
      ...(o.media ? { media: true } : {}),
      ...(o.mtproxy !== undefined ? { mtproxy: o.mtproxy } : {}),
    },
    Math.floor(Date.now() / 1000),
  )
  st.socket = socket
  st.codec = codec
  socket.on('data', (chunk: Buffer) => onData(st, socket, chunk))
  socket.on('error', () => undefined) // 'close' follows and drives the reconnect
  socket.on('close', () => onClose(st, socket))
  if (preamble !== undefined) socket.write(preamble)
  if (o.pfs !== undefined) await preparePfs(st, o.pfs.tempKeySeconds, timeoutMs)
  else if (st.authKey === undefined) useKey(st, await handshake(st, timeoutMs), false)
  ensureSession(st, codec)
  if (o.pfs !== undefined && !st.bound) await bindTemp(st, timeoutMs)
  if (o.pfs !== undefined) armRenewal(st)
  st.ready = true
  releaseWaiting(st)
  st.emit({ type: 'connected' })
  queueFlush(st)
}

export function useKey(st: ConnState, r: AuthKeyResult, temp: boolean): void {
  if (!temp) st.handshakeAllowed = false
  st.authKey = r.authKey
  st.salt = r.serverSalt
  st.offset = r.timeOffset
  st.emit({ type: 'auth-key', result: r, temp })
}

export async function handshake(st: ConnState, timeoutMs: number, temp?: { expiresInSeconds: number }): Promise<AuthKeyResult> {
  // close() came between two steps of the attempt (say the permanent and the temp exchange under PFS): starting an
  // exchange now would leave it to run, unfailed, until its deadline.
  if (st.closed) throw new CancelledError('connection closed')
  const o = st.o
  let factory: HandshakeFactory | undefined = o.handshake
  if (factory === undefined) {
    // The client key exchange (RSA, pq, DH) loads only when a key is made: a DC actor given its key never needs it.
    const before = st.socket
    const { ClientHandshake } = await import('../protocol/auth/client.js')
    if (st.closed) throw new CancelledError('connection closed')
    if (st.socket !== before || before === undefined) throw new NetworkError('closed', 'connection closed during the key exchange')
    factory = (ctx) =>
      new ClientHandshake({
        ...ctx,
        ...(o.rsaKeys !== undefined ? { rsaKeys: o.rsaKeys } : {}),
      })
  }
  const hs = factory({
    crypto: st.crypto,
    random: st.random,
    dcId: o.dcId,
    testMode: o.testMode === true,
    media: o.media === true,
    ...(temp !== undefined ? { temp } : {}),
  })
  const socket = st.socket
  const codec = st.codec
  const run = new HandshakeRun(hs, (frame) => {
    if (codec !== undefined) socket?.write(codec.encode(frame))
  }, timeoutMs)
  st.hs = run
  // close() during the run's first step (inside its constructor) found no run to fail: fail it now.
  if (st.closed) run.fail(new CancelledError('connection closed'))
  try {
    return await run.done
  } finally {
    if (st.hs === run) st.hs = undefined
  }
}

export function onTransportError(st: ConnState, socket: Socket, error: TransportError): void {
  st.hs?.fail(error)
  if (error.code === TRANSPORT_AUTH_KEY_NOT_FOUND) {
    const tempId = st.temp?.result.authKeyId
    st.emit(tempId !== undefined ? { type: 'auth-key-dropped', error, authKeyId: tempId } : { type: 'auth-key-dropped', error })
    // The server lost the key and with it the session: what was pending goes again under a new key (under PFS a
    // new temp key; the permanent key stays).
    retireSession(st)
    st.authKey = undefined
    st.temp = undefined
    clearRenewal(st)
    st.salt = 0n
  } else if (error.code === TRANSPORT_FLOOD) {
    // Too many connections: wait longer before the next attempt.
    st.attempt = Math.max(st.attempt, 3)
  }
  st.emit({ type: 'disconnected', error })
  socket.destroy()
}

export function onClose(st: ConnState, socket: Socket): void {
  if (socket !== st.socket) return
  dropSocket(st)
  if (st.hs !== undefined) {
    st.hs.fail(new NetworkError('closed', 'connection closed during the key exchange'))
    return
  }
  if (st.connecting) {
    // The attempt in progress fails and retries on its own; only the PFS bind may be waiting for an answer.
    if (st.bindId !== undefined) st.giveUp(st.bindId, new NetworkError('closed', 'connection closed during the temp key binding'))
    return
  }
  if (st.closed) return
  startReconnect(st)
}

export function startReconnect(st: ConnState): void {
  if (st.reconnecting !== undefined || st.closed) return
  st.emit({ type: 'disconnected' })
  runConnect(st, true)
}

/** Connects in the background (after a backoff wait when `backoffFirst`); gives up per the policy. */
export function runConnect(st: ConnState, backoffFirst: boolean): void {
  st.reconnecting = (async () => {
    try {
      if (backoffFirst) {
        st.attempt = Math.max(st.attempt, 1)
        await st.backoff.sleep(delay(st))
      }
      if (st.closed) return
      await connectWithRetry(st)
    } catch (e) {
      if (!st.closed) {
        const err = e as MtError
        for (const id of [...st.pending.keys()]) st.settle(id, (p) => p.reject(err))
        await st.close()
      }
    } finally {
      st.reconnecting = undefined
    }
  })()
}
