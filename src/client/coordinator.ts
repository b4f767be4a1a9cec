/**
 * The main-thread coordinator: the DC table, auth keys and session store, and the route of every request. It picks
 * the DC and connection, wraps the first request on a key in initConnection, follows `*_MIGRATE_X` (home DC changes
 * for PHONE/USER/NETWORK; an exported authorization for FILE/STATS, that request only), sleeps off short FLOOD_WAITs,
 * retries I/O failures, honours AbortSignal and deadlines at every stage, supervises actors (a replacement resumes the
 * session and the in-flight requests go again under their original msg_ids) and publishes updates in DC order.
 *
 * Spec: https://core.telegram.org/api/datacenter (migrations, exported authorizations),
 * https://core.telegram.org/api/errors (303 *_MIGRATE_X, 420 FLOOD_WAIT_X, 500), https://core.telegram.org/api/invoking,
 * https://core.telegram.org/api/updates.
 */
import { setMaxListeners } from 'node:events'
import type { ActorEvent, ActorFactory, ActorInvokeOptions, ActorTuning } from '../actors/actor-types.js'
import type { AuthKeyResult } from '../actors/connection-types.js'
import { ArgumentError, CancelledError, type MtError, TimeoutError } from '../errors.js'
import { RpcError } from '../protocol/rpc-error.js'
import { type Api, type ApiMethod, deserializeObject, type ResultOf, readResult, serializeObject } from '../tl/index.js'
import type { DcTable } from './dc-table.js'
import { type ActorSlot, type ConnectionKind, type DcHost, DcState } from './dc-state.js'
import { type Attempt, type FailedAttemptResumer, FastCall } from './fast-call.js'
import { type AppInfo, withInitConnection } from './init-connection.js'
import { DEFAULT_RETRY, FloodMemory, FloodWaitError, isRetryableIo, type RetryPolicy, realSleep, type SleepFn } from './retry.js'
import type { Storage } from './storage.js'
import { UpdateHub } from './updates.js'

/** Per-call options of {@link Coordinator.invoke}. */
export interface CallOptions {
  /** Send to this DC instead of the home DC (a PHONE/USER/NETWORK_MIGRATE then does not move the home DC). */
  readonly dcId?: number
  /** Which connection of the DC: 'main' (default), or a pooled 'download' / 'upload' one. */
  readonly connection?: ConnectionKind
  readonly signal?: AbortSignal
  /** Deadline for the whole call (queueing, sleeps, retries, migrations); TimeoutError after it. */
  readonly timeoutMs?: number
}

/** An actor event as the client reports it. */
export interface ClientEvent {
  readonly dcId: number
  /** 'main', 'download:0', 'upload:1', ... */
  readonly connection: string
  readonly event: ActorEvent
}

/** Everything the coordinator is built from. */
export interface CoordinatorOptions {
  readonly app: AppInfo
  readonly dcs: DcTable
  readonly homeDc: number
  readonly storage: Storage
  readonly factory: ActorFactory
  readonly actorConfig: DcHost['baseConfig']
  readonly poolSize: DcHost['poolSize']
  readonly retry?: RetryPolicy
  readonly updateBuffer?: number
  readonly onEvent?: (e: ClientEvent) => void
}

const NO_CALL_OPTIONS: CallOptions = {}
const NO_ACTOR_OPTIONS: ActorInvokeOptions = {}

/** Most CONNECTION_NOT_INITED answers one call retries (each retry goes wrapped in initConnection). */
const MAX_NOT_INITED = 2
/** Most redirects one call follows (a DC table loop must not spin). */
const MAX_MIGRATIONS = 5

/** The coordinator; {@link MtClient} is its public face. */
export class Coordinator {
  readonly #o: CoordinatorOptions
  readonly #retry: Required<Omit<RetryPolicy, 'sleep'>>
  readonly #sleep: SleepFn
  readonly #flood = new FloodMemory()
  readonly #dcs = new Map<number, DcState>()
  readonly #host: DcHost
  readonly #closing = new AbortController()
  readonly updates: UpdateHub
  #home: number
  #nextRequestId = 1
  #closed = false
  /** Where a failed fast attempt goes on: the general policy path, from inside that attempt. */
  readonly #resumer: FailedAttemptResumer = {
    resume: (request, failed) => this.#invokeWithPolicy(request, NO_CALL_OPTIONS, this.#closing.signal, failed),
  }

  constructor(o: CoordinatorOptions) {
    this.#o = o
    this.#retry = { ...DEFAULT_RETRY, ...o.retry }
    this.#sleep = o.retry?.sleep ?? realSleep
    this.#home = o.homeDc
    this.updates = new UpdateHub(o.updateBuffer)
    // Every in-flight call listens on the closing signal: no listener cap.
    setMaxListeners(0, this.#closing.signal)
    this.#host = {
      factory: o.factory,
      baseConfig: o.actorConfig,
      poolSize: o.poolSize,
      endpoint: (dcId, kind) => (kind === 'download' ? o.dcs.media(dcId) : o.dcs.main(dcId)),
      onUpdate: (dcId, body) => this.#onUpdate(dcId, body),
      onEvent: (slot, ev) => this.#onActorEvent(slot, ev),
      onKey: (dcId, key) => void this.#storeKey(dcId, key),
    }
  }

  /** The DC the account lives on (where unrouted requests go). */
  get homeDc(): number {
    return this.#home
  }

  /** The DC's state, created with its stored key on first use. */
  async dc(dcId: number): Promise<DcState> {
    let dc = this.#dcs.get(dcId)
    if (dc !== undefined) return dc
    if (!this.#o.dcs.has(dcId)) throw new ArgumentError(`no address known for DC ${dcId}`, 'dcId')
    const stored = await this.#o.storage.getAuthKey(dcId)
    const session = stored !== undefined ? await this.#o.storage.getSession(dcId) : undefined
    dc = this.#dcs.get(dcId)
    if (dc !== undefined) return dc
    dc = new DcState(dcId, this.#host, stored, session)
    this.#dcs.set(dcId, dc)
    return dc
  }

  /** DCs with actors so far. */
  knownDcs(): DcState[] {
    return [...this.#dcs.values()]
  }

  /** Marks `dcId`'s key as carrying the user's authorization (after a login there). */
  async markAuthorized(dcId: number): Promise<void> {
    ;(await this.dc(dcId)).authorized = true
  }

  /** Sends `request` and resolves with its typed result, following migrations and the retry policy. */
  invoke<R extends ApiMethod>(request: R, opts: CallOptions = NO_CALL_OPTIONS): Promise<ResultOf<R>> {
    if (this.#closed) return Promise.reject(new CancelledError('client closed'))
    // The common call (no signal, no deadline) runs on the client's own closing signal: no controller, no timer.
    if (opts.timeoutMs === undefined && opts.signal === undefined) {
      return (opts.dcId === undefined && opts.connection === undefined && this.#fastAttempt(request)) || this.#invokeWithPolicy(request, opts, this.#closing.signal)
    }
    return this.#invokeGuarded(request, opts)
  }

  /**
   * The first attempt of a plain call to the home DC's main connection when nothing stands in its way (the actor is
   * up, initConnection went out on its key, no FLOOD_WAIT is remembered): no async frames, one promise reaction. Any
   * failure continues in the general path exactly where its first attempt would have failed ({@link Attempt}).
   * Undefined when the general path must run from the start.
   */
  #fastAttempt<R extends ApiMethod>(request: R): Promise<ResultOf<R>> | undefined {
    if (!this.#flood.empty) return undefined
    const dc = this.#dcs.get(this.#home)
    if (dc === undefined || !dc.inited) return undefined
    const slot = dc.pick('main')
    const actor = slot.ready
    if (actor === undefined) return undefined
    const requestId = this.#nextRequestId++
    const call = new FastCall(this.#resumer, request, dc, slot, requestId)
    // The call is its own in-flight record (what a replacement actor needs to send it again).
    slot.inFlight.set(requestId, call)
    const promise = call.promise()
    let body: Uint8Array
    try {
      // Malformed arguments throw here: they reject the call as the general path's attempt would.
      body = serializeObject(request)
    } catch (e) {
      call.reject(e)
      return promise
    }
    try {
      if (actor.submit !== undefined) actor.submit(requestId, body, request._, call)
      else actor.invoke(requestId, body, request._, NO_ACTOR_OPTIONS).then((raw) => call.resolve(raw), (e: unknown) => call.reject(e))
    } catch (e) {
      call.fail(e)
    }
    return promise
  }

  async #invokeGuarded<R extends ApiMethod>(request: R, opts: CallOptions): Promise<ResultOf<R>> {
    // One combined signal only when the caller brings a signal or a deadline (the common call costs no listeners).
    const ctl = opts.timeoutMs !== undefined ? new AbortController() : undefined
    const own = [this.#closing.signal]
    if (ctl !== undefined) own.push(ctl.signal)
    if (opts.signal !== undefined) own.push(opts.signal)
    const signal = AbortSignal.any(own)
    let timedOut = false
    let timer: NodeJS.Timeout | undefined
    if (opts.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timedOut = true
        ctl?.abort()
      }, opts.timeoutMs)
    }
    try {
      return await this.#invokeWithPolicy(request, opts, signal)
    } catch (e) {
      // Aborts already arrive as CancelledError (see #mapAbort and the policy loop); a deadline's abort is a timeout.
      if (timedOut) throw new TimeoutError(`${request._} timed out after ${opts.timeoutMs} ms`, opts.timeoutMs ?? 0)
      throw e
    } finally {
      if (timer !== undefined) clearTimeout(timer)
    }
  }

  async #invokeWithPolicy<R extends ApiMethod>(request: R, opts: CallOptions, signal: AbortSignal, failed?: Attempt): Promise<ResultOf<R>> {
    const method = request._
    // A failed fast attempt continues its first attempt here (inside #invokeOn, where it failed).
    let resumed = failed
    let dcId = opts.dcId ?? this.#home
    const movesHome = opts.dcId === undefined || opts.dcId === this.#home
    let ioRetries = 0
    let floodSleeps = 0
    let migrations = 0
    let notInited = 0
    for (;;) {
      if (signal.aborted && resumed === undefined) throw new CancelledError()
      // A method still inside a known FLOOD_WAIT window waits it out first (or fails at once when it is too long).
      // (Not before a resumed attempt: its failure is handled first, as it would have been inside that attempt.)
      const wait = resumed !== undefined || this.#flood.empty ? 0 : this.#flood.remaining(method, Date.now())
      if (wait > 0) {
        if (wait > this.#retry.floodSleepThresholdSeconds * 1000) throw new FloodWaitError(method, Math.ceil(wait / 1000))
        await this.#mapAbort(this.#sleep(wait, signal), signal)
      }
      try {
        const attempt = resumed
        resumed = undefined
        const result = await this.#invokeOn(dcId, request, opts.connection ?? 'main', signal, attempt)
        if (floodSleeps > 0) this.#flood.clear(method)
        return result
      } catch (e) {
        // Aborted (the caller's signal, a deadline, or the client closing): a CancelledError, whatever failed.
        if (signal.aborted) throw e instanceof CancelledError ? e : new CancelledError()
        if (e instanceof RpcError) {
          const m = e.migrate
          if (m !== undefined && migrations < MAX_MIGRATIONS && m.dcId !== dcId) {
            migrations++
            if (m.kind === 'FILE' || m.kind === 'STATS') {
              await this.#mapAbort(this.#authorize(m.dcId, signal), signal)
            } else if (movesHome) {
              await this.#mapAbort(this.#setHome(m.dcId), signal)
            }
            dcId = m.dcId
            continue
          }
          // Sent unwrapped while the DC's key was being replaced: the new key needs initConnection first.
          if (e.type === 'CONNECTION_NOT_INITED' && notInited < MAX_NOT_INITED) {
            notInited++
            continue
          }
          const seconds = e.waitSeconds
          if (seconds !== undefined) {
            this.#flood.note(method, seconds, Date.now())
            if (seconds > this.#retry.floodSleepThresholdSeconds || floodSleeps >= this.#retry.maxFloodSleeps) throw new FloodWaitError(method, seconds)
            floodSleeps++
            continue
          }
        }
        if (isRetryableIo(e) && ioRetries < this.#retry.maxRetries) {
          const backoff = Math.min(this.#retry.maxBackoffMs, this.#retry.backoffMs * 2 ** ioRetries)
          ioRetries++
          await this.#mapAbort(this.#sleep(backoff, signal), signal)
          continue
        }
        throw e
      }
    }
  }

  /**
   * A step of the policy loop outside its attempt (sleep, authorization, home move): whatever it rejects with once
   * the call is aborted (an injected sleep may reject its own way) reaches the caller as CancelledError.
   */
  async #mapAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
    try {
      return await p
    } catch (e) {
      throw signal.aborted && !(e instanceof CancelledError) ? new CancelledError() : e
    }
  }

  async #setHome(dcId: number): Promise<void> {
    if (!this.#o.dcs.has(dcId)) throw new ArgumentError(`migrated to DC ${dcId}, which the DC table does not list`, 'dcId')
    this.#home = dcId
    await this.#o.storage.setHomeDc(dcId)
  }

  /**
   * FILE/STATS_MIGRATE_X: makes DC X's key carry the user's authorization (auth.exportAuthorization on the home DC,
   * auth.importAuthorization on X). Cached per DC while its key lives; one export/import in flight per DC.
   */
  async #authorize(dcId: number, signal: AbortSignal): Promise<void> {
    if (dcId === this.#home) return
    const dc = await this.dc(dcId)
    for (;;) {
      if (dc.authorized) return
      if (dc.importing === undefined) break
      await dc.importing.catch(() => undefined)
      if (signal.aborted) throw new CancelledError()
    }
    const run = (async () => {
      // Not tied to one caller's signal: others may be waiting on it; the client's close still ends it.
      const exported = await this.invoke({ _: 'auth.exportAuthorization', dcId }, { dcId: this.#home })
      await this.invoke({ _: 'auth.importAuthorization', id: exported.id, bytes: exported.bytes }, { dcId })
      dc.authorized = true
    })()
    dc.importing = run
    void run
      .catch(() => undefined)
      .finally(() => {
        if (dc.importing === run) dc.importing = undefined
      })
    await abortable(run, signal)
  }

  /**
   * One attempt on one DC connection; survives actor replacement (supervision). `failed`: the attempt was started
   * by {@link #fastAttempt} and failed there; it goes on from that failure.
   */
  async #invokeOn<R extends ApiMethod>(dcId: number, request: R, kind: ConnectionKind, signal: AbortSignal, failed?: Attempt): Promise<ResultOf<R>> {
    let a: Attempt
    if (failed !== undefined) {
      a = failed
    } else {
      const dc = this.#dcs.get(dcId) ?? (await this.dc(dcId))
      if (this.#closed) throw new CancelledError('client closed')
      const slot = dc.pick(kind)
      const wrapped = !dc.inited
      // Download and upload connections ask for no updates: those go to the main connection only (once per DC).
      const inner: ApiMethod = kind === 'main' ? request : { _: 'invokeWithoutUpdates', query: request }
      const sent: ApiMethod = wrapped ? withInitConnection(inner, this.#o.app) : inner
      const requestId = this.#nextRequestId++
      slot.inFlight.set(requestId, { requestId, request: sent, method: request._ })
      a = { dc, slot, requestId, sent, wrapped, generation: slot.generation, error: undefined }
    }
    const { dc, slot, requestId, sent, wrapped } = a
    let error = a.error
    let gen = a.generation
    try {
      for (;;) {
        if (error === undefined) {
          gen = slot.generation
          try {
            const actor = slot.ready ?? (await slot.actor)
            const resend = slot.sent.size === 0 ? undefined : slot.sent.get(requestId)
            // A slab view is fine: actors copy small bodies (and own large ones), never transfer a view they do not own.
            const body = serializeObject(sent)
            // The client's own closing signal is not passed down (close() ends the actors, which cancels their calls):
            // an abort listener per call is only paid for when the caller brings a signal or a deadline.
            const own = signal === this.#closing.signal
            const raw = await actor.invoke(
              requestId,
              body,
              request._,
              own && resend === undefined
                ? NO_ACTOR_OPTIONS
                : {
                    ...(!own ? { signal } : {}),
                    ...(resend !== undefined ? { resend: { msgId: resend.msgId, seqNo: resend.seqNo } } : {}),
                  },
            )
            if (wrapped) dc.inited = true
            return readResult(raw, sent) as ResultOf<R>
          } catch (e) {
            error = e
          }
        }
        const e = error
        error = undefined
        if (e instanceof RpcError) {
          // The server read the wrapper (initConnection applies even when the inner query fails).
          if (e.type === 'CONNECTION_NOT_INITED') dc.inited = false
          else if (wrapped) dc.inited = true
          throw e
        }
        if (signal.aborted || slot.closed) throw e
        // An actor that died rejects its invokes; its 'exit' may land just after. Send again on the replacement.
        if (slot.generation === gen) await new Promise<void>((r) => setImmediate(r))
        if (slot.generation !== gen && !slot.closed) continue
        throw e
      }
    } finally {
      slot.settled(requestId)
    }
  }

  #onUpdate(dcId: number, body: Uint8Array): void {
    let u: Api.Updates
    try {
      u = deserializeObject(body) as Api.Updates
    } catch (e) {
      this.#o.onEvent?.({ dcId, connection: 'update', event: { type: 'rejected', error: e as MtError } })
      return
    }
    this.updates.publish(u)
  }

  #onActorEvent(slot: ActorSlot, ev: ActorEvent): void {
    if (ev.type === 'session' && slot.kind === 'main') void this.#o.storage.setSession(slot.dc.dcId, ev.snapshot)
    if (ev.type === 'exit' && !this.#closed) slot.dc.restart(slot)
    this.#o.onEvent?.({ dcId: slot.dc.dcId, connection: slot.name, event: ev })
  }

  async #storeKey(dcId: number, key: AuthKeyResult | undefined): Promise<void> {
    const s = this.#o.storage
    if (key === undefined) {
      await s.setAuthKey(dcId, undefined)
      await s.setSession(dcId, undefined)
    } else {
      await s.setAuthKey(dcId, { authKey: key.authKey, authKeyId: key.authKeyId, serverSalt: key.serverSalt, timeOffset: key.timeOffset })
    }
  }

  /**
   * Retunes every running actor (session timers at once, the reconnect policy from its next reconnect) and the
   * config of actors started later.
   */
  async configure(t: ActorTuning): Promise<void> {
    const base = this.#host.baseConfig
    this.#host.baseConfig = {
      ...base,
      ...(t.session !== undefined ? { session: { ...base.session, ...t.session } } : {}),
      ...(t.reconnect !== undefined ? { reconnect: { ...base.reconnect, ...t.reconnect } } : {}),
    }
    const slots = [...this.#dcs.values()].flatMap((d) => [...d.slots.values()])
    await Promise.all(slots.map(async (s) => (await s.actor).configure(t)))
  }

  /** Cancels in-flight work (CancelledError), ends every actor and the update streams. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#closing.abort()
    this.updates.close()
    await Promise.all([...this.#dcs.values()].map((d) => d.close()))
  }
}

/** Resolves or rejects with `p`, or rejects with CancelledError as soon as `signal` aborts. */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new CancelledError())
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new CancelledError())
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(e)
      },
    )
  })
}
