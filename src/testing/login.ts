/**
 * Login state of the loopback cluster: which user each auth key of a DC is logged in as, and the cluster-wide
 * single-use tokens of auth.exportAuthorization. With PFS the login belongs to the permanent key a temp key is bound
 * to, so it survives temp key rotation, as on Telegram.
 *
 * Spec: https://core.telegram.org/api/auth (an auth key is authorized by a login; 401 AUTH_KEY_UNREGISTERED before),
 * https://core.telegram.org/api/datacenter (auth.exportAuthorization / auth.importAuthorization between DCs),
 * https://core.telegram.org/api/pfs (temp keys bound to a permanent key).
 */
import { ArgumentError } from '../errors.js'
import { evictOldest, type ServerAuthKey } from '../protocol/mtp/server-keys.js'
import type { RandomSource } from '../protocol/random.js'

/** Most logins remembered per DC (a client that makes keys in a loop cannot grow the DC without bound). */
const MAX_LOGINS = 65536
/** Most exported authorizations waiting to be imported, cluster-wide. */
const MAX_EXPORTS = 4096
/** Length of an exported authorization token (random bytes; Telegram's are opaque too). */
const EXPORT_BYTES = 32

/** The auth key id a login is recorded under: the permanent key a temp key is bound to, else the key itself. */
export function loginKeyId(key: ServerAuthKey): bigint {
  return key.temp && key.boundTo !== undefined ? key.boundTo : key.id
}

/** Which user each auth key of one DC is logged in as. */
export class LoginState {
  readonly #users = new Map<bigint, bigint>()

  /** The user `key` is logged in as, if any. */
  userOf(key: ServerAuthKey): bigint | undefined {
    return this.#users.get(loginKeyId(key))
  }

  /** Logs `key` in as `userId` (replacing an earlier login of the same key). */
  logIn(key: ServerAuthKey, userId: bigint): void {
    this.set(loginKeyId(key), userId)
  }

  /** Logs `key` out; false when it was not logged in. */
  logOut(key: ServerAuthKey): boolean {
    return this.#users.delete(loginKeyId(key))
  }

  /** Marks an auth key id (e.g. one added with `cluster.importAuthKey`) as logged in as `userId`; for tests. */
  set(authKeyId: bigint, userId: bigint): void {
    this.#users.delete(authKeyId)
    this.#users.set(authKeyId, userId)
    evictOldest(this.#users, MAX_LOGINS)
  }

  /** The user an auth key id is logged in as. */
  get(authKeyId: bigint): bigint | undefined {
    return this.#users.get(authKeyId)
  }

  /** Auth key ids logged in as `userId`. */
  keysOf(userId: bigint): bigint[] {
    const out: bigint[] = []
    for (const [k, u] of this.#users) if (u === userId) out.push(k)
    return out
  }

  /** Logged-in keys. */
  get size(): number {
    return this.#users.size
  }

  clear(): void {
    this.#users.clear()
  }
}

/** An authorization exported for one target DC. */
interface Exported {
  readonly userId: bigint
  readonly fromDc: number
  readonly toDc: number
}

/** Cluster-wide exported authorizations: created by auth.exportAuthorization, consumed once by auth.importAuthorization. */
export class ExportedAuthorizations {
  readonly #pending = new Map<string, Exported>()

  constructor(readonly random: RandomSource) {}

  /** A fresh single-use token for `userId` to log in on `toDc`. */
  create(userId: bigint, fromDc: number, toDc: number): Uint8Array {
    if (fromDc === toDc) throw new ArgumentError('an authorization is exported to another DC', 'toDc')
    const bytes = new Uint8Array(EXPORT_BYTES)
    this.random(bytes)
    this.#pending.set(Buffer.from(bytes).toString('hex'), { userId, fromDc, toDc })
    evictOldest(this.#pending, MAX_EXPORTS)
    return bytes
  }

  /** Consumes a token on `dcId` for `userId`; undefined (nothing consumed) unless it was issued for exactly those. */
  consume(userId: bigint, bytes: Uint8Array, dcId: number): Exported | undefined {
    const k = Buffer.from(bytes).toString('hex')
    const e = this.#pending.get(k)
    if (e === undefined || e.toDc !== dcId || e.userId !== userId) return undefined
    this.#pending.delete(k)
    return e
  }

  /** Tokens not yet imported. */
  get size(): number {
    return this.#pending.size
  }
}
