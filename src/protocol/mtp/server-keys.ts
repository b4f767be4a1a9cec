/**
 * The server's auth keys and what Telegram remembers per key: its salts (rotating on a fixed lifetime), the
 * initConnection parameters with their layer, the sessions, and the answers already given (so a duplicate msg_id is
 * never executed twice, even after the session itself was forgotten).
 *
 * Spec: https://core.telegram.org/mtproto/description#server-salt (salts change over time; the previous one stays
 * valid for a while), https://core.telegram.org/mtproto/service_messages#request-for-several-future-salts,
 * https://core.telegram.org/api/invoking#saving-client-info (initConnection is remembered per auth key).
 */
import type { MessageCipher } from '../crypto/message.js'
import { createMessageCipher } from '../crypto/message.js'
import type { CryptoProvider } from '../crypto/provider.js'
import type { RandomSource } from '../random.js'
import type { MsgIdGenerator, SeqNoCounter } from './msg-id.js'
import { AnswerCache, type CachedAnswer } from './server-answers.js'

export type { CachedAnswer } from './server-answers.js'

/** What initConnection told the server about the client, with the layer it was invoked under. */
export interface ClientInfo {
  readonly layer: number
  readonly apiId: number
  readonly deviceModel: string
  readonly appVersion: string
}

/** Server-side state of one session (per auth key and session_id). */
export interface ServerSessionState {
  readonly id: bigint
  readonly msgIds: MsgIdGenerator
  readonly seq: SeqNoCounter
  /** Client msg_ids seen recently with their seqno (bounded; insertion order is age). */
  readonly seen: Map<bigint, number>
  /** The highest msg_id ever put in {@link seen} (0n before any): ids above it need no lookup. */
  seenMax: bigint
  /** Everything below this was evicted from `seen`: the server can no longer tell (bad_msg 20). */
  floor: bigint
  /** The content-related client message with the highest msg_id so far (seqno order checks 32/33). */
  lastContent: { msgId: bigint; seqno: number } | undefined
  /** Content-related server messages the client has not acknowledged, by server msg_id. */
  readonly unacked: Map<bigint, { seqno: number; body: Uint8Array }>
  /** Whether the client asked not to get updates on this session (invokeWithoutUpdates). */
  noUpdates: boolean
  /** The connection that last carried this session (pushed updates go there); opaque to the session. */
  connection: unknown
}

/** One auth key the server knows. */
export interface ServerAuthKey {
  readonly id: bigint
  readonly key: Uint8Array
  readonly cipher: MessageCipher
  readonly temp: boolean
  readonly expiresAt: number | undefined
  /** For a temp key bound with auth.bindTempAuthKey: the permanent key's id. */
  boundTo: bigint | undefined
  /** initConnection data, once sent on this key. */
  client: ClientInfo | undefined
  /** Salt per lifetime window (window = floor(serverTime / lifetime)). */
  readonly salts: Map<number, bigint>
  readonly sessions: Map<bigint, ServerSessionState>
  /** Answers by client request msg_id (bounded, lowest ids evicted first). */
  readonly answers: AnswerCache
  /**
   * The highest request msg_id ever put in {@link answers} (0n before any): a request above it cannot have a cached
   * answer, so the common case (ids only grow) skips the lookup in a table of up to 65,536 entries.
   */
  answeredMax: bigint
}

/** Most sessions kept per key: the oldest is forgotten beyond it (its client gets new_session_created). */
export const MAX_SESSIONS_PER_KEY = 1024
/** Most unacknowledged messages kept per session: a client that never acks cannot grow the server without bound. */
export const MAX_UNACKED_PER_SESSION = 16384

/** Most answers remembered per key: covers 10,000-request pipelines with room (Telegram keeps minutes of them). */
export const MAX_CACHED_ANSWERS = 65536

/**
 * Trims a Map used as an insertion-ordered cache to `max` entries. It removes an eighth of `max` at once: removing
 * one entry per insertion would rescan the deleted slots at the head of the Map every time (quadratic), a batch
 * keeps the cost per insertion constant. `onEvict` sees each removed key.
 */
export function evictOldest<K, V>(map: Map<K, V>, max: number, onEvict?: (key: K) => void): void {
  if (map.size <= max) return
  let n = map.size - max + Math.max(1, Math.floor(max / 8))
  for (const k of map.keys()) {
    map.delete(k)
    onEvict?.(k)
    if (--n <= 0) break
  }
}

/** Salt windows kept per key: 64 announced future salts (the get_future_salts maximum) plus a few past ones. */
const MAX_SALT_WINDOWS = 64 + 4

/** The auth keys of one DC. Survives DC restarts (the cluster keeps the store, not the sockets). */
export class ServerKeyStore {
  readonly #keys = new Map<bigint, ServerAuthKey>()
  /** Keys made by a finished key exchange on this DC, permanent and temp (tests count exchanges with it). */
  readonly exchanges = { permanent: 0, temp: 0 }

  constructor(
    readonly crypto: CryptoProvider,
    /** Seconds each salt is the current one. */
    readonly saltLifetimeSeconds: number,
  ) {}

  /**
   * Adds a key (from a finished key exchange, `exchanged`, or imported by a test); `firstSalt` becomes the salt of
   * `serverNow`.
   */
  add(authKey: Uint8Array, opts: { firstSalt: bigint; serverNow: number; temp?: boolean; expiresAt?: number; exchanged?: boolean }): ServerAuthKey {
    if (opts.exchanged === true) {
      if (opts.temp === true) this.exchanges.temp++
      else this.exchanges.permanent++
    }
    const cipher = createMessageCipher(this.crypto, authKey)
    const id = new DataView(cipher.keyId.buffer, cipher.keyId.byteOffset, 8).getBigInt64(0, true)
    const rec: ServerAuthKey = {
      id,
      key: authKey.slice(),
      cipher,
      temp: opts.temp ?? false,
      expiresAt: opts.expiresAt,
      boundTo: undefined,
      client: undefined,
      salts: new Map([[this.window(opts.serverNow), opts.firstSalt]]),
      sessions: new Map(),
      answers: new AnswerCache(MAX_CACHED_ANSWERS),
      answeredMax: 0n,
    }
    this.#keys.set(id, rec)
    return rec
  }

  get(id: bigint): ServerAuthKey | undefined {
    return this.#keys.get(id)
  }

  delete(id: bigint): boolean {
    return this.#keys.delete(id)
  }

  get size(): number {
    return this.#keys.size
  }

  keys(): IterableIterator<ServerAuthKey> {
    return this.#keys.values()
  }

  /** The salt window a server time falls in. */
  window(serverNow: number): number {
    return Math.floor(serverNow / this.saltLifetimeSeconds)
  }

  /** The salt of window `w` for `key`, drawn at random the first time it is needed. */
  saltOf(key: ServerAuthKey, w: number, random: RandomSource): bigint {
    let s = key.salts.get(w)
    if (s === undefined) {
      const b = new Uint8Array(8)
      random(b)
      s = new DataView(b.buffer).getBigInt64(0, true)
      key.salts.set(w, s)
      // Keep the table small: drop the oldest windows once more are held than get_future_salts can announce.
      if (key.salts.size > MAX_SALT_WINDOWS) key.salts.delete(Math.min(...key.salts.keys()))
    }
    return s
  }

  /** Whether `salt` is valid at `serverNow`: the current window's salt or the previous one's (grace period). */
  saltValid(key: ServerAuthKey, salt: bigint, serverNow: number, random: RandomSource): boolean {
    const w = this.window(serverNow)
    return salt === this.saltOf(key, w, random) || salt === key.salts.get(w - 1)
  }

  /** Adds a session to a key, forgetting the oldest past {@link MAX_SESSIONS_PER_KEY}. */
  addSession(key: ServerAuthKey, session: ServerSessionState): void {
    key.sessions.set(session.id, session)
    evictOldest(key.sessions, MAX_SESSIONS_PER_KEY)
  }

  /** Records an answer, forgetting the lowest request ids past {@link MAX_CACHED_ANSWERS}. */
  remember(key: ServerAuthKey, reqMsgId: bigint, answer: CachedAnswer): void {
    key.answers.set(reqMsgId, answer)
    if (reqMsgId > key.answeredMax) key.answeredMax = reqMsgId
  }
}
