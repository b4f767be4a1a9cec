/**
 * PFS in the connection driver: the temp key it runs on (made here, or handed over by the DC's coordinator already
 * bound), its renewal time and timer, and auth.bindTempAuthKey as a new session's first message.
 *
 * Spec: https://core.telegram.org/api/pfs, https://core.telegram.org/method/auth.bindTempAuthKey (one binding per
 * permanent key; the bind goes under the msg_id sealed inside it).
 */
import { ArgumentError, CancelledError, type MtError, TimeoutError } from '../errors.js'
// The auth modules themselves, not their index: the index also loads the server side (ServerHandshake, pq, keys).
import { buildBindTempAuthKey } from '../protocol/auth/bind.js'
import { tempKeyRenewAt } from '../protocol/auth/pfs.js'
import { handshake, useKey } from './connection-attempt.js'
import { flush, retireSession } from './connection-io.js'
import { type ConnState, loadApiCodec } from './connection-state.js'
import type { BoundTempKey } from './connection-types.js'

/**
 * PFS: a permanent key if there is none, and a fresh temp key when there is none or it is due for renewal (with
 * keyExchange 'wait', renewal only when allowed: until then the current key, still valid, stays in use).
 */
export async function preparePfs(st: ConnState, tempKeySeconds: number, timeoutMs: number): Promise<void> {
  if (st.permKey === undefined) {
    const perm = await handshake(st, timeoutMs)
    st.permKey = perm.authKey
    st.offset = perm.timeOffset
    st.emit({ type: 'auth-key', result: perm, temp: false })
  }
  const t = st.temp
  if (t !== undefined && !(tempDue(st) && (st.o.keyExchange !== 'wait' || st.handshakeAllowed))) return
  retireSession(st)
  clearRenewal(st)
  const now = Math.floor(Date.now() / 1000 + st.offset)
  const r = await handshake(st, timeoutMs, { expiresInSeconds: tempKeySeconds })
  takeTemp(st, { result: r, expiresAt: r.expiresAt ?? now + tempKeySeconds })
  st.bound = false
  // The allowance is spent once the temp key exists (the permanent one, if it was missing, came first).
  st.handshakeAllowed = false
  useKey(st, r, true)
}

/** Runs on `k` from now on (its renewal time from its expiry and the configured lifetime). */
export function takeTemp(st: ConnState, k: BoundTempKey): void {
  const life = st.o.pfs?.tempKeySeconds ?? 0
  st.temp = { result: k.result, expiresAt: k.expiresAt, renewAt: tempKeyRenewAt(k.expiresAt - life, k.expiresAt), due: false }
  st.bound = true
  st.authKey = k.result.authKey
  clearRenewal(st)
}

/** Whether the temp key reached its renewal time (server clock). */
export function tempDue(st: ConnState): boolean {
  const t = st.temp
  // The renewal timer's word counts even when it fired a fraction of a millisecond before the computed time.
  return t !== undefined && (t.due || Date.now() / 1000 + st.offset >= t.renewAt)
}

export function clearRenewal(st: ConnState): void {
  if (st.renewTimer !== undefined) clearTimeout(st.renewTimer)
  st.renewTimer = undefined
}

/**
 * PFS: a timer for the temp key's renewal time. It drops the connection (the reconnect makes and binds the next
 * temp key) or, with keyExchange 'wait', reports 'temp-key-due' and goes on until it is allowed to renew or given
 * the next key.
 */
export function armRenewal(st: ConnState): void {
  const t = st.temp
  if (t === undefined || st.renewTimer !== undefined) return
  const renewInMs = Math.max(1000, Math.ceil((t.renewAt - st.offset) * 1000 - Date.now()))
  st.renewTimer = setTimeout(() => {
    st.renewTimer = undefined
    if (st.closed || st.temp !== t) return
    t.due = true
    if (st.o.keyExchange === 'wait' && !st.handshakeAllowed) st.emit({ type: 'temp-key-due', authKeyId: t.result.authKeyId })
    else st.socket?.destroy()
  }, renewInMs)
}

/** PFS: auth.bindTempAuthKey as the new session's first message, under the msg_id sealed inside it. */
export async function bindTemp(st: ConnState, timeoutMs: number): Promise<void> {
  const s = st.session
  const temp = st.temp
  const permKey = st.permKey
  if (s === undefined || temp === undefined || permKey === undefined) throw new ArgumentError('PFS binding needs a session, a temp key and a permanent key', 'pfs')
  const expiresAt = temp.expiresAt
  // Loaded before the msg_id is reserved: nothing else may be sent between reserving it and sending the bind.
  const tl = await loadApiCodec()
  // Closed (or the session retired) while the codec loaded: no bind to register, no deadline to wait out.
  if (st.closed || st.session !== s) throw new CancelledError('connection closed')
  const msgId = s.msgIds.next(Date.now())
  const req = buildBindTempAuthKey({ crypto: st.crypto, random: st.random, permKey, tempKeyId: temp.result.authKeyId, tempSessionId: s.sessionId, expiresAt, msgId })
  const requestId = st.nextId++
  st.bindId = requestId
  const done = new Promise<Uint8Array>((resolve, reject) => {
    const timer = setTimeout(() => st.giveUp(requestId, new TimeoutError(`auth.bindTempAuthKey timed out after ${timeoutMs} ms`, timeoutMs)), timeoutMs)
    st.pending.set(requestId, { resolve, reject, cleanup: () => clearTimeout(timer) })
  })
  try {
    s.send({ body: tl.serializeObject(req, { ownBuffer: true }), method: req._, requestId, msgId })
    flush(st)
  } catch (e) {
    // Settled through `done`, which is awaited below: a throw here must not leave it to reject unobserved.
    st.giveUp(requestId, e as MtError)
  }
  try {
    await done
  } finally {
    st.bindId = undefined
  }
  st.bound = true
  st.emit({ type: 'temp-key-bound', expiresAt })
}
