/**
 * Fault injection for the loopback cluster, scheduled by request count so tests are fast and repeatable.
 *
 * A {@link FaultPlan} belongs to one DC. Each fault is armed with a schedule (fire at the Nth request, every Nth
 * request, or on every request) and an optional number of times; the DC asks the plan, once per incoming RPC, which
 * faults fire for it. Faults can be added and cleared while the DC runs. RPC-level faults answer instead of running
 * the method: `floodWait` (420 FLOOD_WAIT_X for the next calls of one method) and `networkMigrate`
 * (303 NETWORK_MIGRATE_X for the next calls outside help.* and auth.*).
 *
 * Spec: https://core.telegram.org/api/errors (420 FLOOD, 303 SEE_OTHER: NETWORK_MIGRATE_X).
 */
import { ArgumentError } from '../errors.js'
import { RpcFailure } from '../protocol/mtp/server-errors.js'

/** What can go wrong, and its parameters. */
export type Fault =
  /** Close the connection after this many more bytes have been sent to the client. */
  | { readonly kind: 'drop-after-bytes'; readonly bytes: number }
  /** Hold the reply this long. */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Send this reply after the next one. */
  | { readonly kind: 'reorder' }
  /** Send the reply twice. */
  | { readonly kind: 'duplicate' }
  /** Answer bad_server_salt instead of executing (the client must resend). */
  | { readonly kind: 'bad-salt' }
  /** Move the server clock by this many seconds from now on. */
  | { readonly kind: 'skew-clock'; readonly seconds: number }
  /** Forget the session (the next message creates a new one: new_session_created). */
  | { readonly kind: 'forget-session' }
  /** Forget the auth key (the client gets transport error -404). */
  | { readonly kind: 'forget-auth-key' }
  /** Flip a byte in the next frame sent. */
  | { readonly kind: 'corrupt-frame' }
  /** Stop and start the DC (auth keys survive; connections drop). */
  | { readonly kind: 'restart' }
  /** Answer bad_msg_notification with this code instead of executing (16/17/18/19/20/32/33/34/35/48/64). */
  | { readonly kind: 'bad-msg'; readonly code: number }

/** When a fault fires, counted in RPC requests the DC has received (1-based). */
export type FaultSchedule =
  | { readonly at: number }
  | { readonly every: number }
  | { readonly always: true }

/** A fault with its schedule and a budget of firings. */
export interface ArmedFault {
  readonly fault: Fault
  readonly schedule: FaultSchedule
  /** How many times it may fire; unlimited when absent. */
  readonly times?: number
  /** Only for requests to this method (TL name), when set. */
  readonly method?: string
}

interface Slot {
  readonly armed: ArmedFault
  fired: number
}

/** Options of the RPC-level faults. */
export interface RpcFaultOptions {
  /** How many calls it answers (default 1; Infinity for every call until cleared). */
  readonly count?: number
}

interface RpcSlot {
  /** The method it applies to, or undefined for "every method outside help.* and auth.*". */
  readonly method: string | undefined
  readonly failure: RpcFailure
  left: number
}

/** Methods NETWORK_MIGRATE_X leaves alone: what a client must reach before it has a home DC. */
function migratable(method: string): boolean {
  return !method.startsWith('help.') && !method.startsWith('auth.')
}

function countOf(opts: RpcFaultOptions | undefined): number {
  const n = opts?.count ?? 1
  if (!(n === Number.POSITIVE_INFINITY || (Number.isInteger(n) && n >= 1))) throw new ArgumentError(`count must be a positive integer or Infinity, got ${n}`, 'count')
  return n
}

/** The fault plan of one DC. */
export class FaultPlan {
  #slots: Slot[] = []
  #rpc: RpcSlot[] = []
  #requests = 0

  /**
   * Answers `420 FLOOD_WAIT_<seconds>` to the next `count` calls of `method` (TL name, e.g. 'users.getUsers');
   * returns a function that disarms it.
   */
  floodWait(method: string, seconds: number, opts?: RpcFaultOptions): () => void {
    if (!Number.isInteger(seconds) || seconds < 0) throw new ArgumentError(`seconds must be a non-negative integer, got ${seconds}`, 'seconds')
    if (method.length === 0) throw new ArgumentError('method must be a TL method name', 'method')
    return this.#armRpc({ method, failure: new RpcFailure(420, `FLOOD_WAIT_${seconds}`), left: countOf(opts) })
  }

  /**
   * Answers `303 NETWORK_MIGRATE_<toDc>` to the next `count` calls that are not help.* or auth.*; returns a function
   * that disarms it.
   */
  networkMigrate(toDc: number, opts?: RpcFaultOptions): () => void {
    if (!Number.isInteger(toDc) || toDc < 1) throw new ArgumentError(`toDc must be a DC id, got ${toDc}`, 'toDc')
    return this.#armRpc({ method: undefined, failure: new RpcFailure(303, `NETWORK_MIGRATE_${toDc}`), left: countOf(opts) })
  }

  #armRpc(slot: RpcSlot): () => void {
    this.#rpc.push(slot)
    return () => {
      this.#rpc = this.#rpc.filter((s) => s !== slot)
    }
  }

  /** The RPC error armed for this call of `method`, if any (consumes one of its count); the DC answers with it. */
  rpcFailure(method: string): RpcFailure | undefined {
    if (this.#rpc.length === 0) return undefined
    for (const slot of this.#rpc) {
      if (slot.method === undefined ? !migratable(method) : slot.method !== method) continue
      slot.left--
      if (slot.left <= 0) this.#rpc = this.#rpc.filter((s) => s !== slot)
      return slot.failure
    }
    return undefined
  }

  /** Arms a fault; returns a function that disarms it. */
  add(armed: ArmedFault): () => void {
    const slot: Slot = { armed, fired: 0 }
    this.#slots.push(slot)
    return () => {
      this.#slots = this.#slots.filter((s) => s !== slot)
    }
  }

  /** Disarms everything (RPC-level faults included) and restarts the request count. */
  clear(): void {
    this.#slots = []
    this.#rpc = []
    this.#requests = 0
  }

  /** Requests counted so far. */
  get requests(): number {
    return this.#requests
  }

  /** Counts one incoming request and returns the faults that fire for it, in the order they were armed. */
  onRequest(method: string): Fault[] {
    const n = ++this.#requests
    const out: Fault[] = []
    for (const slot of this.#slots) {
      const { schedule, times, method: only } = slot.armed
      if (only !== undefined && only !== method) continue
      if (times !== undefined && slot.fired >= times) continue
      const due = 'always' in schedule ? true : 'at' in schedule ? n === schedule.at : n % schedule.every === 0
      if (!due) continue
      slot.fired++
      out.push(slot.armed.fault)
    }
    return out
  }
}
