/**
 * One DC as the coordinator sees it: its permanent auth key (one key exchange at a time, the key shared by every
 * actor of the DC, -404 making exactly one actor regenerate it), under PFS its one bound temp key (made and bound by
 * one actor at a time, handed to the others; -404 or renewal makes exactly one actor make the next), whether
 * initConnection went out on the current key, whether an exported authorization was imported there, and its actors: a main connection, and download and upload
 * pools spawned on demand (downloads on the media-only address where the DC lists one).
 *
 * Spec: https://core.telegram.org/mtproto/auth_key (the key exchange), https://core.telegram.org/api/invoking
 * (initConnection once per key), https://core.telegram.org/api/files (media-only DCs for downloads),
 * https://core.telegram.org/mtproto/mtproto-transports#transport-errors (-404), https://core.telegram.org/api/pfs
 * (a temp key bound to the permanent key; one binding per permanent key, any number of sessions on the temp key).
 */
import type { ActorConfig, ActorEvent, ActorFactory, DcActor, DcEndpoint, SentRecord, SessionSnapshot } from '../actors/actor-types.js'
import type { AuthKeyResult, BoundTempKey } from '../actors/connection-types.js'
import { CancelledError, type MtError } from '../errors.js'
import { IdTable } from '../protocol/id-table.js'
import type { TlObject } from '../tl/index.js'

/** Which connection of a DC a request goes to. */
export type ConnectionKind = 'main' | 'download' | 'upload'

/** A request in flight on a slot: enough to send it again on a replacement actor. */
export interface InFlight {
  readonly requestId: number
  /** The TL object as sent (wrappers included): serialized again for a resend (the first body was transferred). */
  readonly request: TlObject
  readonly method: string
}

/** The actor lineage behind one connection of a DC (a replacement keeps the slot). */
export class ActorSlot {
  #actor!: Promise<DcActor>
  /** The current actor once started (undefined while it starts): the hot path needs no await. */
  ready: DcActor | undefined
  /** Bumped on every replacement: an invoke rejected by an older generation is sent again. */
  generation = 0
  /** The auth_key_id the actor runs on (undefined while it has none). */
  keyId: bigint | undefined
  /** PFS: the temp key id the actor was given or made (undefined while it has none). */
  tempKeyId: bigint | undefined
  /** PFS: the temp key the actor made and is binding ('auth-key' temp, waiting for its 'temp-key-bound'). */
  madeTemp: AuthKeyResult | undefined
  /** Requests in flight on this slot by request id (ids count up: an IdTable, no hash table churn per call). */
  readonly inFlight = new IdTable<InFlight>()
  readonly sent = new Map<number, SentRecord>()

  /** Request `requestId` is no longer in flight here (answered or given up). */
  settled(requestId: number): void {
    this.inFlight.delete(requestId)
    this.sent.delete(requestId)
  }
  /** The current actor failed to start (the next request starts another). */
  failedStart = false
  closed = false

  constructor(
    readonly dc: DcState,
    readonly kind: ConnectionKind,
    readonly name: string,
    readonly endpoint: DcEndpoint,
    /** The latest session snapshot the actor reported (a replacement resumes it). */
    public snapshot: SessionSnapshot | undefined,
    start: (slot: ActorSlot) => Promise<DcActor>,
  ) {
    this.actor = start(this)
  }

  /** The current actor (a promise while it starts). */
  get actor(): Promise<DcActor> {
    return this.#actor
  }

  set actor(p: Promise<DcActor>) {
    this.#actor = p
    this.ready = undefined
    p.then(
      (a) => {
        if (this.#actor === p) this.ready = a
      },
      () => undefined,
    )
  }
}

/** What the DC needs from the coordinator. */
export interface DcHost {
  readonly factory: ActorFactory
  /** Config fields every actor gets (transport, proxy, RSA keys, timers). */
  baseConfig: Omit<ActorConfig, 'endpoint' | 'authKey' | 'serverSalt' | 'timeOffset' | 'handshake' | 'resume'>
  readonly poolSize: { readonly download: number; readonly upload: number }
  endpoint(dcId: number, kind: ConnectionKind): DcEndpoint
  onUpdate(dcId: number, body: Uint8Array): void
  onEvent(slot: ActorSlot, event: ActorEvent): void
  /** The permanent key changed (stored) or was dropped (undefined). */
  onKey(dcId: number, key: AuthKeyResult | undefined): void
}

/** One DC's key, initConnection state and actors. */
export class DcState {
  key: AuthKeyResult | undefined
  /** The slot running the key exchange, while one runs. */
  handshaker: ActorSlot | undefined
  /** Whether initConnection went out on the current key (per key on the server; again after a temp key bind). */
  inited = false
  /** Whether this DC's key carries the user's authorization (home DC login, or an imported one). */
  authorized = false
  /** One export/import at a time: the running one. */
  importing: Promise<void> | undefined
  /** PFS: the DC's temp key, bound (undefined before the first one and after -404 dropped it). */
  temp: BoundTempKey | undefined
  /** PFS: the slot making and binding the next temp key, while one does. */
  tempMaker: ActorSlot | undefined
  /** Key regenerations after -404, of the temp key under PFS (for status and tests). */
  regenerations = 0
  readonly slots = new Map<string, ActorSlot>()
  closed = false

  constructor(
    readonly dcId: number,
    readonly host: DcHost,
    key: AuthKeyResult | undefined,
    /** A session to resume on the main connection (stored by an earlier run). */
    public resumeMain: SessionSnapshot | undefined,
  ) {
    this.key = key
  }

  /** The slot for a request of `kind`: the main one, or the least busy pool member (growing the pool up to its size). */
  pick(kind: ConnectionKind): ActorSlot {
    if (kind === 'main') return this.#usable(this.slots.get('main')) ?? this.#spawn('main', 'main')
    const size = Math.max(1, this.host.poolSize[kind])
    let best: ActorSlot | undefined
    let count = 0
    for (const s of this.slots.values()) {
      if (s.kind !== kind) continue
      count++
      if (best === undefined || s.inFlight.size < best.inFlight.size) best = s
    }
    if (best !== undefined && (best.inFlight.size === 0 || count >= size)) return this.#usable(best) ?? best
    return this.#spawn(kind, `${kind}:${count}`)
  }

  /** The slot, with its actor started again if the last start failed (a worker that could not load, say). */
  #usable(slot: ActorSlot | undefined): ActorSlot | undefined {
    if (slot?.failedStart === true) {
      slot.failedStart = false
      this.restart(slot)
    }
    return slot
  }

  #spawn(kind: ConnectionKind, name: string): ActorSlot {
    const slot = new ActorSlot(this, kind, name, this.host.endpoint(this.dcId, kind), kind === 'main' ? this.resumeMain : undefined, (s) => this.#start(s))
    this.slots.set(name, slot)
    return slot
  }

  get #pfs(): boolean {
    return this.host.baseConfig.pfs !== undefined
  }

  /**
   * Starts (or restarts, after an exit) the slot's actor with the DC's keys, or as the DC's one key exchange (under
   * PFS the one temp key exchange and bind, after the permanent key when that is missing too).
   */
  #start(slot: ActorSlot): Promise<DcActor> {
    const key = this.key
    const handshake = key === undefined && (this.handshaker === undefined || this.handshaker === slot)
    if (handshake) this.handshaker = slot
    const temp = this.#pfs && key !== undefined ? this.temp : undefined
    // Under PFS the actor that makes the permanent key goes on to make the temp key; with a permanent key and no
    // temp key, the first actor to start (or the one that was making it, restarted) makes it.
    const makesTemp = this.#pfs && temp === undefined && (handshake || (key !== undefined && (this.tempMaker === undefined || this.tempMaker === slot || this.tempMaker.closed)))
    if (makesTemp) this.tempMaker = slot
    slot.keyId = key?.authKeyId
    slot.tempKeyId = temp?.result.authKeyId
    slot.madeTemp = undefined
    const resume = key !== undefined ? slot.snapshot : undefined
    const config: ActorConfig = {
      ...this.host.baseConfig,
      endpoint: slot.endpoint,
      ...(key !== undefined ? { authKey: key.authKey, serverSalt: resume?.serverSalt ?? key.serverSalt, timeOffset: resume?.timeOffset ?? key.timeOffset } : {}),
      ...(temp !== undefined ? { tempKey: temp } : {}),
      ...(resume !== undefined ? { resume } : {}),
    }
    const gen = slot.generation
    // The key exchange is allowed after start rather than with `handshake: true`: an actor started that way may run
    // the next one on its own after -404, and the DC must run one at a time, chosen here.
    const started = this.host.factory(config, {
      onUpdate: (body) => {
        if (slot.generation === gen && !slot.closed) this.host.onUpdate(this.dcId, body)
      },
      onEvent: (ev) => {
        if (slot.generation === gen && !slot.closed) this.#onEvent(slot, ev)
      },
    })
    if (handshake || makesTemp) void started.then((a) => a.allowHandshake()).catch(() => undefined)
    started.catch(() => {
      if (slot.generation === gen) slot.failedStart = true
    })
    return started
  }

  /** Replaces a dead actor: same slot, same session (resume), its in-flight requests sent again by their callers. */
  restart(slot: ActorSlot): void {
    if (slot.closed || this.closed) return
    slot.generation++
    slot.actor = this.#start(slot)
  }

  #onEvent(slot: ActorSlot, ev: ActorEvent): void {
    switch (ev.type) {
      case 'auth-key':
        if (!ev.temp) this.#newKey(slot, ev.result)
        else slot.madeTemp = ev.result
        break
      case 'auth-key-dropped':
        if (this.#pfs) this.#tempDropped(slot, ev.authKeyId)
        else this.#keyDropped(slot)
        break
      case 'temp-key-bound':
        this.inited = false
        if (slot.madeTemp !== undefined) this.#newTemp(slot, { result: slot.madeTemp, expiresAt: ev.expiresAt })
        break
      case 'temp-key-due':
        this.#tempDue(slot, ev.authKeyId)
        break
      case 'session':
        slot.snapshot = ev.snapshot
        break
      case 'sent':
        for (const r of ev.records) if (slot.inFlight.has(r.requestId)) slot.sent.set(r.requestId, r)
        break
      default:
        break
    }
    this.host.onEvent(slot, ev)
  }

  /**
   * A key exchange finished: the DC's key now, handed to every actor of the DC that waits for one. An actor still
   * running on an older key keeps it until the server answers -404 there; it then gets this key (see keyDropped).
   */
  #newKey(from: ActorSlot, key: AuthKeyResult): void {
    this.key = key
    // A temp key is bound to one permanent key: a new permanent key needs a new temp key (its maker goes on to it).
    this.temp = undefined
    this.handshaker = undefined
    this.inited = false
    this.authorized = false
    from.keyId = key.authKeyId
    this.host.onKey(this.dcId, key)
    for (const s of this.slots.values()) {
      if (s === from || s.closed || s.keyId !== undefined) continue
      s.keyId = key.authKeyId
      void s.actor.then((a) => a.setAuthKey(key)).catch(() => undefined)
    }
  }

  /**
   * -404 reached `slot`. The first report about the current key drops it and lets this actor make the new one; a
   * report about an older key gets the current one; while a regeneration runs elsewhere, the actor waits for it.
   */
  #keyDropped(slot: ActorSlot): void {
    const had = slot.keyId
    slot.keyId = undefined
    slot.snapshot = undefined
    const key = this.key
    if (key !== undefined && had !== key.authKeyId) {
      slot.keyId = key.authKeyId
      void slot.actor.then((a) => a.setAuthKey(key)).catch(() => undefined)
      return
    }
    if (key !== undefined) {
      this.key = undefined
      this.inited = false
      this.authorized = false
      this.regenerations++
      this.host.onKey(this.dcId, undefined)
    }
    if (this.handshaker === undefined || this.handshaker.closed) {
      this.handshaker = slot
      void slot.actor.then((a) => a.allowHandshake()).catch(() => undefined)
    }
  }

  /** PFS: `from` made and bound the DC's temp key: every other actor of the DC switches to it (no exchange, no bind). */
  #newTemp(from: ActorSlot, temp: BoundTempKey): void {
    const id = temp.result.authKeyId
    this.temp = temp
    if (this.tempMaker === from) this.tempMaker = undefined
    from.madeTemp = undefined
    from.tempKeyId = id
    for (const s of this.slots.values()) {
      if (s === from || s.closed || s.tempKeyId === id) continue
      this.#giveTemp(s, temp)
    }
  }

  #giveTemp(slot: ActorSlot, temp: BoundTempKey): void {
    slot.tempKeyId = temp.result.authKeyId
    void slot.actor.then((a) => a.setTempKey(temp)).catch(() => undefined)
  }

  /**
   * PFS, -404 on `slot` about temp key `dropped`. The first report about the current temp key drops it (the server
   * forgot it: every actor on it will hear -404) and lets this actor make the next one; a report about an older key
   * gets the current one; while another actor makes the next key, this one waits for it.
   */
  #tempDropped(slot: ActorSlot, dropped: bigint | undefined): void {
    slot.tempKeyId = undefined
    slot.snapshot = undefined
    const cur = this.temp
    if (cur !== undefined && dropped !== cur.result.authKeyId) {
      this.#giveTemp(slot, cur)
      return
    }
    if (cur !== undefined) {
      this.temp = undefined
      this.inited = false
      this.regenerations++
    }
    this.#grantTemp(slot)
  }

  /**
   * PFS: `slot`'s temp key reached its renewal time. About the current key: this actor renews it unless another one
   * already does (the current key stays in use meanwhile); about an older key: it gets the current one.
   */
  #tempDue(slot: ActorSlot, due: bigint): void {
    const cur = this.temp
    if (cur === undefined) return
    if (due !== cur.result.authKeyId) {
      if (slot.tempKeyId !== cur.result.authKeyId) this.#giveTemp(slot, cur)
      return
    }
    this.#grantTemp(slot)
  }

  /** Lets `slot` make the DC's next temp key, unless another live slot is making it. */
  #grantTemp(slot: ActorSlot): void {
    if (this.tempMaker !== undefined && !this.tempMaker.closed) return
    this.tempMaker = slot
    void slot.actor.then((a) => a.allowHandshake()).catch(() => undefined)
  }

  /** Closes every actor of the DC; in-flight invokes fail with CancelledError. */
  async close(): Promise<void> {
    this.closed = true
    const all = [...this.slots.values()]
    for (const s of all) s.closed = true
    await Promise.all(
      all.map(async (s) => {
        const a = await s.actor.catch(() => undefined)
        await a?.close()
      }),
    )
  }
}

/** An error that says the client is closing. */
export function closedError(): MtError {
  return new CancelledError('client closed')
}
