/**
 * Perfect forward secrecy bookkeeping, sans-IO: the server's table of temp key -> permanent key bindings (each
 * permanent key has at most one bound temp key; binding a new one replaces the old; a temp key bound to one
 * permanent key cannot be rebound to another), and the client's renewal time for a temp key (create and bind the
 * next one before the current expires).
 *
 * Spec: https://core.telegram.org/method/auth.bindTempAuthKey ("each permanent key may only be bound to one
 * temporary key at a time, binding a new temporary key overwrites the previous one"; TEMP_AUTH_KEY_ALREADY_BOUND),
 * https://core.telegram.org/api/pfs (temp keys are rebound before they expire).
 */
import { ArgumentError } from '../../errors.js'
import { AuthError } from './errors.js'

interface Binding {
  readonly permKeyId: bigint
  readonly expiresAt: number
}

/** Server side: which permanent key each temp key stands for, with expiry. */
export class TempKeyBindings {
  private readonly byTemp = new Map<bigint, Binding>()
  private readonly byPerm = new Map<bigint, bigint>()

  /**
   * Records a verified binding. Rebinding the same pair (a resent request) just updates the expiry; binding a new
   * temp key to a permanent key drops the previous temp key's binding (returned as `replaced`). A temp key already
   * bound to a different permanent key throws AuthError 'bind-invalid' (rpcError TEMP_AUTH_KEY_ALREADY_BOUND).
   */
  bind(tempKeyId: bigint, permKeyId: bigint, expiresAt: number): { replaced?: bigint } {
    const current = this.byTemp.get(tempKeyId)
    if (current !== undefined && current.permKeyId !== permKeyId) {
      throw new AuthError('bind-invalid', 'the temp key is already bound to another permanent key', {
        check: 'already-bound',
        rpcError: 'TEMP_AUTH_KEY_ALREADY_BOUND',
      })
    }
    const previous = this.byPerm.get(permKeyId)
    this.byTemp.set(tempKeyId, { permKeyId, expiresAt })
    this.byPerm.set(permKeyId, tempKeyId)
    if (previous !== undefined && previous !== tempKeyId) {
      this.byTemp.delete(previous)
      return { replaced: previous }
    }
    return {}
  }

  /** The permanent key a temp key is bound to, or undefined (never bound, replaced, or expired at `nowSeconds`). */
  permKeyOf(tempKeyId: bigint, nowSeconds: number): bigint | undefined {
    const b = this.byTemp.get(tempKeyId)
    if (b === undefined) return undefined
    if (b.expiresAt <= nowSeconds) {
      this.forgetTemp(tempKeyId)
      return undefined
    }
    return b.permKeyId
  }

  /** The temp key currently bound to a permanent key, if any. */
  tempKeyOf(permKeyId: bigint): bigint | undefined {
    return this.byPerm.get(permKeyId)
  }

  /** Drops a temp key's binding (the key was destroyed or forgotten). */
  forgetTemp(tempKeyId: bigint): void {
    const b = this.byTemp.get(tempKeyId)
    if (b === undefined) return
    this.byTemp.delete(tempKeyId)
    if (this.byPerm.get(b.permKeyId) === tempKeyId) this.byPerm.delete(b.permKeyId)
  }

  /** Drops every binding expired at `nowSeconds`; returns how many. */
  sweep(nowSeconds: number): number {
    let n = 0
    for (const [temp, b] of this.byTemp) {
      if (b.expiresAt <= nowSeconds) {
        this.forgetTemp(temp)
        n++
      }
    }
    return n
  }

  /** Number of live bindings (expired ones count until looked up or swept). */
  get size(): number {
    return this.byTemp.size
  }
}

/** Shortest renewal lead: a minute covers a handshake plus the bind round trip on a slow link. */
const MIN_RENEW_LEAD_S = 60
/** Renew when this fraction of the lifetime is left (a day-long key renews ~2.4 h early). */
const RENEW_FRACTION = 0.1

/**
 * Client side: the unix second at which to create and bind the next temp key, so the new one is bound before
 * `expiresAt`: 10% of the lifetime early, at least 60 s early, but never before half the lifetime has passed.
 */
export function tempKeyRenewAt(createdAt: number, expiresAt: number): number {
  const life = expiresAt - createdAt
  if (!Number.isFinite(life) || life <= 0) throw new ArgumentError(`temp key lifetime must be positive, got ${life}`, 'expiresAt')
  const lead = Math.min(Math.max(MIN_RENEW_LEAD_S, Math.ceil(life * RENEW_FRACTION)), Math.floor(life / 2))
  return expiresAt - lead
}
