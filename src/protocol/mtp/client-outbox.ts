/**
 * Resend bookkeeping of the client session: every content message from the moment it is queued until it is answered
 * (or cancelled), indexed by request id and by EVERY msg_id it was sent under (an answer to an earlier send still
 * completes it, even while the message waits in the queue to go out again), plus which msg_ids each sent container
 * held.
 *
 * Spec: https://core.telegram.org/mtproto/service_messages_about_messages (a message is resent until the other side
 * acknowledges it; bad_msg_notification and msg_resend_req name msg_ids, which may be containers),
 * https://core.telegram.org/mtproto/description#message-identifier-msg-id (a message resent with its original msg_id
 * lets the server recognise a duplicate and answer it from its cache instead of executing it again).
 */
import { ArgumentError } from '../../errors.js'
import { IdTable } from '../id-table.js'
import { SentIndex } from './sent-index.js'

/** Largest number of times one message is resent after server rejections before the request fails. */
export const MAX_RESENDS = 8

/** The msg_ids of a message never sent. */
const NO_IDS: readonly bigint[] = Object.freeze([])

/** Work the session queued on its own behalf (not a caller's request). */
export type InternalKind = 'ping' | 'salts'

/** One outgoing content message and its state. */
export interface OutReq {
  /** The caller's id (negative for the session's own requests). */
  readonly requestId: number
  readonly method: string
  /** The serialized request, gzip_packed already applied when it paid off; invokeAfterMsg is added per send. */
  readonly body: Uint8Array
  readonly contentRelated: boolean
  /** The request this one must run after (invokeAfterMsg), while it is known. */
  readonly after: OutReq | undefined
  readonly internal: InternalKind | undefined
  /** Queue order, so resent messages go out in their original order. */
  readonly order: number
  /** msg_id of the last send; 0n while never sent. */
  msgId: bigint
  /** Every msg_id it was sent under (a shared empty array until the first send: no backing store per request). */
  ids: readonly bigint[]
  /** msg_id of the container its latest send went in; 0n when it went alone (or not yet). */
  container: bigint
  seqNo: number
  /** Local time (ms) of the last send. */
  sentAtMs: number
  /** Waiting in the queue (first send or a resend). */
  queued: boolean
  /** Answered or cancelled: no longer sent. */
  done: boolean
  /** The server acknowledged the last send. */
  acked: boolean
  /** Send outside any container (after bad_msg_notification 64). */
  alone: boolean
  /** Resend under the same msg_id and seq_no (the server may have seen it) rather than a new one. */
  reuseId: boolean
  resends: number
}

/** What {@link Outbox.add} takes. */
export interface OutReqInit {
  readonly requestId: number
  readonly method: string
  readonly body: Uint8Array
  readonly contentRelated: boolean
  readonly after: OutReq | undefined
  readonly internal: InternalKind | undefined
  /** A msg_id reserved by the caller for the first send (sent alone). */
  readonly msgId?: bigint
  /** Sent before under this msg_id and seq_no (a resumed session): goes out again with both unchanged. */
  readonly resend?: { readonly msgId: bigint; readonly seqNo: number }
}

/**
 * A sent container: the msg_ids inside, and how many of its messages still have their latest send in it (not
 * answered, cancelled nor sent again elsewhere). At zero nothing can be learned from a notification about it: the
 * record goes.
 */
export interface ContainerRecord {
  readonly ids: readonly bigint[]
  open: number
}

/** Send order: by send time, then by msg_id (ids grow within a millisecond). */
function bySend(a: OutReq, b: OutReq): number {
  return a.sentAtMs - b.sentAtMs || (a.msgId < b.msgId ? -1 : a.msgId > b.msgId ? 1 : 0)
}

/** Queue and in-flight maps of one session. */
export class Outbox {
  /** Every message not yet answered (queued or sent), by request id. */
  readonly byRequest = new IdTable<OutReq>()
  /** Unanswered messages by every msg_id they were sent under (sent-index.ts: no hash table rebuilt per batch). */
  readonly sent = new SentIndex<OutReq>()
  /**
   * Sent containers by msg_id while any message in them has its latest send there (so the map holds only the
   * containers still in flight, whatever the container size).
   */
  readonly containers = new Map<bigint, ContainerRecord>()
  #queue: OutReq[] = []
  #head = 0
  #queued = 0
  #order = 0

  /** Queues a new message; request ids must be unique among pending messages. */
  add(init: OutReqInit): OutReq {
    if (this.byRequest.has(init.requestId)) throw new ArgumentError(`request ${init.requestId} is already pending`, 'requestId')
    // Every field written explicitly, in one order, so all requests share one object shape (a spread of `init` made
    // this the hottest line of a 10k-request burst).
    const preset = init.msgId !== undefined
    const resend = init.resend
    const req: OutReq = {
      requestId: init.requestId,
      method: init.method,
      body: init.body,
      contentRelated: init.contentRelated,
      after: init.after,
      internal: init.internal,
      order: this.#order++,
      msgId: resend !== undefined ? resend.msgId : preset ? (init.msgId as bigint) : 0n,
      // A resent request already went out under its id: listing it makes the next send reuse its seq_no too.
      ids: resend !== undefined ? [resend.msgId] : NO_IDS,
      container: 0n,
      seqNo: resend !== undefined ? resend.seqNo : 0,
      sentAtMs: 0,
      queued: true,
      done: false,
      acked: false,
      alone: preset,
      reuseId: preset || resend !== undefined,
      resends: 0,
    }
    this.byRequest.set(req.requestId, req)
    this.#queue.push(req)
    this.#queued++
    return req
  }

  /** Messages waiting to be sent. */
  get queued(): number {
    return this.#queued
  }

  /** The next queued message without taking it. */
  peek(): OutReq | undefined {
    let req = this.#queue[this.#head]
    while (req !== undefined && !req.queued) req = this.#queue[++this.#head]
    return req
  }

  /** Takes the next queued message. */
  shift(): OutReq | undefined {
    const req = this.peek()
    if (req === undefined) return undefined
    this.#head++
    req.queued = false
    this.#queued--
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head)
      this.#head = 0
    }
    return req
  }

  /** Records a send. */
  markSent(req: OutReq, msgId: bigint, seqNo: number, nowMs: number): void {
    this.#leaveContainer(req)
    // A one-element literal on the first send (a push onto [] would reserve 17 slots); later sends are rare.
    if (req.ids.length === 0) req.ids = [msgId]
    else if (!req.ids.includes(msgId)) req.ids = [...req.ids, msgId]
    req.msgId = msgId
    req.seqNo = seqNo
    req.sentAtMs = nowMs
    req.acked = false
    req.reuseId = false
    this.sent.set(msgId, req)
  }

  /** The msg_ids a notification about `msgId` concerns: a container's contents, or the id itself. */
  idsOf(msgId: bigint): readonly bigint[] {
    return this.containers.get(msgId)?.ids ?? [msgId]
  }

  /** Records container `msgId` holding the latest sends of `reqs` (after their {@link markSent}). */
  addContainer(msgId: bigint, reqs: readonly OutReq[]): void {
    const ids: bigint[] = []
    for (const req of reqs) {
      ids.push(req.msgId)
      req.container = msgId
    }
    this.containers.set(msgId, { ids, open: reqs.length })
  }

  /** The message's latest send no longer counts for its container (answered, cancelled or sent again). */
  #leaveContainer(req: OutReq): void {
    const cid = req.container
    if (cid === 0n) return
    req.container = 0n
    const c = this.containers.get(cid)
    if (c !== undefined && --c.open <= 0) this.containers.delete(cid)
  }

  /** Removes an answered message (any of its msg_ids); returns it, or undefined when not pending (a duplicate). */
  complete(msgId: bigint): OutReq | undefined {
    const req = this.sent.get(msgId)
    if (req === undefined) return undefined
    this.#finish(req)
    return req
  }

  /** Forgets a request wherever it is (cancellation); returns whether it was pending. */
  forget(requestId: number): boolean {
    const req = this.byRequest.get(requestId)
    if (req === undefined) return false
    this.#finish(req)
    return true
  }

  #finish(req: OutReq): void {
    this.#leaveContainer(req)
    for (const id of req.ids) if (this.sent.get(id) === req) this.sent.delete(id)
    this.byRequest.delete(req.requestId)
    if (req.queued) this.#queued--
    req.queued = false
    req.done = true
  }

  /**
   * Puts sent messages back at the front of the queue, in their original order. `reuseId` keeps their msg_id and
   * seq_no (the server may have them); otherwise they get new ones; 'keep' leaves each message's own choice.
   * Messages already queued or done are skipped. Returns the messages that exceeded {@link MAX_RESENDS} (already
   * removed) so the caller can fail them.
   */
  requeue(reqs: readonly OutReq[], opts: { readonly reuseId: boolean | 'keep'; readonly alone?: boolean; readonly counts?: boolean }): OutReq[] {
    const back: OutReq[] = []
    const failed: OutReq[] = []
    for (const req of reqs) {
      if (req.queued || req.done) continue
      if (opts.counts !== false && ++req.resends > MAX_RESENDS) {
        this.#finish(req)
        failed.push(req)
        continue
      }
      if (opts.reuseId !== 'keep') req.reuseId = opts.reuseId
      if (opts.alone === true) req.alone = true
      req.queued = true
      this.#queued++
      back.push(req)
    }
    if (back.length > 0) {
      back.sort((a, b) => a.order - b.order)
      this.#queue = back.concat(this.#queue.slice(this.#head))
      this.#head = 0
    }
    return failed
  }

  /** Messages sent and not yet answered nor queued again, in send order. */
  inFlight(): OutReq[] {
    const out: OutReq[] = []
    this.sent.some((id, req) => {
      if (id === req.msgId && !req.queued) out.push(req)
      return false
    })
    return out.sort(bySend)
  }

  /** The in-flight messages (keepalives excluded) last sent at or before `cutoffMs`, oldest first. */
  overdue(cutoffMs: number): OutReq[] {
    return this.inFlight().filter((req) => req.sentAtMs <= cutoffMs && req.internal !== 'ping')
  }

  /** Send time of the longest unanswered in-flight message, or undefined. */
  oldestSentAt(): number | undefined {
    let oldest: number | undefined
    this.sent.some((id, req) => {
      if (id === req.msgId && !req.queued && (oldest === undefined || req.sentAtMs < oldest)) oldest = req.sentAtMs
      return false
    })
    return oldest
  }

  /** The pending messages whose LATEST send is among the given msg_ids (containers expanded, each message once). */
  sentAmong(msgIds: readonly bigint[]): OutReq[] {
    const out = new Set<OutReq>()
    const add = (id: bigint): void => {
      const req = this.sent.get(id)
      if (req !== undefined && req.msgId === id) out.add(req)
    }
    for (const id of msgIds) {
      // Not through idsOf: that allocates a one-element array per plain id (every ack names one per request).
      const inner = this.containers.get(id)
      if (inner === undefined) add(id)
      else for (const i of inner.ids) add(i)
    }
    return out.size === 0 ? [] : [...out]
  }

  /** Removes and returns every pending message (session closed). */
  drain(): OutReq[] {
    const all = this.byRequest.values()
    for (const req of all) {
      req.done = true
      req.queued = false
    }
    this.byRequest.clear()
    this.sent.clear()
    this.containers.clear()
    this.#queue = []
    this.#head = 0
    this.#queued = 0
    return all
  }
}
