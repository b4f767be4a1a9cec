/**
 * Supervision helpers for a coordinator: mirror an actor's session ('session' snapshots and 'sent' records), and when
 * the actor dies ('exit'), start a replacement that resumes the same session and re-invoke every in-flight request,
 * under its original msg_id and seq_no when it was sent (the server answers a duplicate from its cache, so nothing
 * runs twice), plainly when it never reached the wire.
 *
 * The steps, for a coordinator that does not use {@link resumeInflight} itself:
 * 1. feed every ActorEvent to a {@link SessionMirror}; call {@link SessionMirror.settled} when a request settles;
 * 2. keep each in-flight request's TL object (its body was transferred to the dead worker, so serialize it again);
 * 3. on 'exit', ignore the rejections the dead actor delivers for its pending invokes;
 * 4. start the replacement with the same config plus `resume: mirror.snapshot` (same auth key);
 * 5. re-invoke each in-flight request with the same requestId, with `resend: { msgId, seqNo }` from its sent record
 *    when there is one, in send order.
 *
 * Spec: https://core.telegram.org/mtproto/description#session (a session outlives its connections),
 * https://core.telegram.org/mtproto/service_messages_about_messages (a resent message keeps its msg_id so the server
 * can recognise it).
 */
import type { ActorCallbacks, ActorConfig, ActorEvent, ActorFactory, ActorInvokeOptions, DcActor, SentRecord, SessionSnapshot } from './actor-types.js'

/** What a coordinator keeps per in-flight request to invoke it again on a replacement actor. */
export interface InflightRequest {
  readonly requestId: number
  readonly method: string
  /** Serializes the request again (the body handed to the dead actor was transferred away). */
  serialize(): Uint8Array
  readonly options?: Omit<ActorInvokeOptions, 'resend'>
}

/** The coordinator's copy of one actor lineage's session: latest snapshot and the sent record of each request. */
export class SessionMirror {
  #snapshot: SessionSnapshot | undefined
  readonly #sent = new Map<number, SentRecord>()

  constructor(initial?: SessionSnapshot) {
    this.#snapshot = initial
  }

  /** The latest session snapshot (undefined before the actor made a session). */
  get snapshot(): SessionSnapshot | undefined {
    return this.#snapshot
  }

  /** Records 'session' and 'sent' events; other events are ignored. */
  onEvent(e: ActorEvent): void {
    if (e.type === 'session') this.#snapshot = e.snapshot
    else if (e.type === 'sent') for (const r of e.records) this.#sent.set(r.requestId, r)
  }

  /** The latest send of a request, if it reached the wire. */
  sentRecord(requestId: number): SentRecord | undefined {
    return this.#sent.get(requestId)
  }

  /** Forgets a settled request. */
  settled(requestId: number): void {
    this.#sent.delete(requestId)
  }

  /** Requests with a sent record (for tests and status). */
  get sentCount(): number {
    return this.#sent.size
  }
}

/** A replacement actor and the new promise of each re-invoked request (same order as given). */
export interface Resumed {
  readonly actor: DcActor
  readonly results: ReadonlyArray<Promise<Uint8Array>>
  /** How many went out again under their original msg_id (the rest had never been sent). */
  readonly resent: number
}

/**
 * Starts a replacement actor that resumes `mirror`'s session (config must carry the same auth key) and re-invokes
 * `inflight` on it: sent ones first, in their original msg_id order, with `resend`; then the never-sent ones.
 */
export async function resumeInflight(
  factory: ActorFactory,
  config: ActorConfig,
  callbacks: ActorCallbacks,
  mirror: SessionMirror,
  inflight: readonly InflightRequest[],
): Promise<Resumed> {
  const snapshot = mirror.snapshot
  const actor = await factory({ ...config, ...(snapshot !== undefined ? { resume: snapshot } : {}) }, callbacks)
  const order = inflight.map((r, i) => ({ r, i, rec: mirror.sentRecord(r.requestId) }))
  order.sort((a, b) => {
    if (a.rec !== undefined && b.rec !== undefined) return a.rec.msgId < b.rec.msgId ? -1 : a.rec.msgId > b.rec.msgId ? 1 : 0
    if (a.rec !== undefined) return -1
    if (b.rec !== undefined) return 1
    return a.i - b.i
  })
  const results = new Array<Promise<Uint8Array>>(inflight.length)
  let resent = 0
  for (const { r, i, rec } of order) {
    if (rec !== undefined) resent++
    const opts: ActorInvokeOptions = { ...r.options, ...(rec !== undefined ? { resend: { msgId: rec.msgId, seqNo: rec.seqNo } } : {}) }
    results[i] = actor.invoke(r.requestId, r.serialize(), r.method, opts)
  }
  return { actor, results, resent }
}
