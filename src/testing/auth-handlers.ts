/**
 * Login on the loopback DCs: auth.importBotAuthorization with the test bot tokens, auth.sendCode + auth.signIn with
 * the test phones, auth.exportAuthorization / auth.importAuthorization between DCs, auth.logOut; and the guard every
 * call passes: injected errors first (NETWORK_MIGRATE_X, FLOOD_WAIT_X), then 401 AUTH_KEY_UNREGISTERED for a method
 * that needs a logged-in key on a key that is not.
 *
 * Spec: https://core.telegram.org/method/auth.importBotAuthorization, https://core.telegram.org/method/auth.sendCode,
 * https://core.telegram.org/method/auth.signIn, https://core.telegram.org/method/auth.exportAuthorization,
 * https://core.telegram.org/method/auth.importAuthorization, https://core.telegram.org/method/auth.logOut,
 * https://core.telegram.org/api/errors (303 PHONE_/USER_MIGRATE_X, 401 AUTH_KEY_UNREGISTERED, 420 FLOOD_WAIT_X).
 */
import { evictOldest } from '../protocol/mtp/server-keys.js'
import { RpcFailure } from '../protocol/mtp/server-errors.js'
import type { RpcContext, RpcGuard, RpcRegistry } from '../protocol/mtp/server-rpc.js'
import type { RandomSource } from '../protocol/random.js'
import type { Api } from '../tl/index.js'
import { accountById, accountUser, botByToken, phoneByNumber } from './accounts.js'
import type { FaultPlan } from './faults.js'
import type { ExportedAuthorizations, LoginState } from './login.js'

/** Most phone code hashes waiting for auth.signIn per DC. */
const MAX_PENDING_CODES = 4096
/** Digits of the login code (auth.sentCodeTypeApp length). */
const CODE_LENGTH = 5
/** Seconds before a client may ask for the code again (auth.sentCode.timeout). */
const RESEND_TIMEOUT_SECONDS = 60

/** Prefixes of the methods a key may call before it is logged in (besides the MTProto service messages). */
const OPEN_PREFIXES = ['help.', 'auth.', 'langpack.'] as const

/** Whether `method` may be called on a key that is not logged in. */
export function isOpenMethod(method: string): boolean {
  return OPEN_PREFIXES.some((p) => method.startsWith(p))
}

/** The error of a login-only method on a key that is not logged in. */
export function unregistered(): RpcFailure {
  return new RpcFailure(401, 'AUTH_KEY_UNREGISTERED')
}

/** What the guard of one DC consults. */
export interface GuardOptions {
  readonly faults: FaultPlan
  readonly logins: LoginState
  /** Read on every call, so tests may flip it at run time. */
  readonly loginRequired: () => boolean
}

/** The guard of one DC: injected RPC errors, then the login gate. */
export function dcGuard(o: GuardOptions): RpcGuard {
  return (method: string, ctx: RpcContext) => {
    const injected = o.faults.rpcFailure(method)
    if (injected !== undefined) throw injected
    if (o.loginRequired() && !isOpenMethod(method) && o.logins.userOf(ctx.key) === undefined) throw unregistered()
  }
}

/** What the auth handlers of one DC need. */
export interface AuthHandlerOptions {
  readonly dcId: number
  readonly logins: LoginState
  readonly exports: ExportedAuthorizations
  /** The cluster's DC ids (exportAuthorization targets). */
  readonly dcIds: () => readonly number[]
  readonly random: RandomSource
}

function authorization(user: Api.User): Api.auth.authorization {
  return { _: 'auth.authorization', user }
}

function selfUser(userId: bigint): Api.User {
  const account = accountById(userId)
  return account === undefined ? { _: 'user', self: true, id: userId, accessHash: 0n } : accountUser(account, true)
}

/** Registers the auth.* methods of one DC. */
export function registerAuthHandlers(rpc: RpcRegistry, o: AuthHandlerOptions): void {
  const codes = new Map<string, string>()
  const randomHex = (n: number): string => {
    const b = new Uint8Array(n)
    o.random(b)
    return Buffer.from(b).toString('hex')
  }

  rpc.register('auth.importBotAuthorization', (req, ctx) => {
    const r = req as Api.auth.importBotAuthorization
    const bot = botByToken(r.botAuthToken)
    if (bot === undefined) throw new RpcFailure(400, 'ACCESS_TOKEN_INVALID')
    if (bot.homeDc !== o.dcId) throw new RpcFailure(303, `USER_MIGRATE_${bot.homeDc}`)
    o.logins.logIn(ctx.key, bot.userId)
    ctx.count(`auth.importBotAuthorization:${bot.userId}`)
    return authorization(accountUser(bot, true))
  })

  rpc.register('auth.sendCode', (req, ctx) => {
    const r = req as Api.auth.sendCode
    const phone = phoneByNumber(r.phoneNumber)
    if (phone === undefined) throw new RpcFailure(400, 'PHONE_NUMBER_INVALID')
    if (phone.homeDc !== o.dcId) throw new RpcFailure(303, `PHONE_MIGRATE_${phone.homeDc}`)
    const hash = randomHex(8)
    codes.set(hash, phone.phone)
    evictOldest(codes, MAX_PENDING_CODES)
    ctx.count(`auth.sendCode:${phone.phone}`)
    const sent: Api.auth.sentCode = { _: 'auth.sentCode', type: { _: 'auth.sentCodeTypeApp', length: CODE_LENGTH }, phoneCodeHash: hash, timeout: RESEND_TIMEOUT_SECONDS }
    return sent
  })

  rpc.register('auth.signIn', (req, ctx) => {
    const r = req as Api.auth.signIn
    const phone = phoneByNumber(r.phoneNumber)
    if (phone === undefined) throw new RpcFailure(400, 'PHONE_NUMBER_INVALID')
    if (phone.homeDc !== o.dcId) throw new RpcFailure(303, `PHONE_MIGRATE_${phone.homeDc}`)
    if (r.phoneCodeHash.length === 0) throw new RpcFailure(400, 'PHONE_CODE_HASH_EMPTY')
    if (codes.get(r.phoneCodeHash) !== phone.phone) throw new RpcFailure(400, 'PHONE_CODE_EXPIRED')
    if (r.phoneCode === undefined || r.phoneCode.length === 0) throw new RpcFailure(400, 'PHONE_CODE_EMPTY')
    if (r.phoneCode !== phone.code) throw new RpcFailure(400, 'PHONE_CODE_INVALID')
    codes.delete(r.phoneCodeHash)
    o.logins.logIn(ctx.key, phone.userId)
    ctx.count(`auth.signIn:${phone.userId}`)
    return authorization(accountUser(phone, true))
  })

  rpc.register('auth.exportAuthorization', (req, ctx) => {
    const r = req as Api.auth.exportAuthorization
    const userId = o.logins.userOf(ctx.key)
    if (userId === undefined) throw unregistered()
    if (r.dcId === o.dcId || !o.dcIds().includes(r.dcId)) throw new RpcFailure(400, 'DC_ID_INVALID')
    ctx.count(`auth.exportAuthorization:${r.dcId}`)
    const out: Api.auth.exportedAuthorization = { _: 'auth.exportedAuthorization', id: userId, bytes: o.exports.create(userId, o.dcId, r.dcId) }
    return out
  })

  rpc.register('auth.importAuthorization', (req, ctx) => {
    const r = req as Api.auth.importAuthorization
    if (o.exports.consume(r.id, r.bytes, o.dcId) === undefined) throw new RpcFailure(400, 'AUTH_BYTES_INVALID')
    o.logins.logIn(ctx.key, r.id)
    ctx.count(`auth.importAuthorization:${r.id}`)
    return authorization(selfUser(r.id))
  })

  rpc.register('auth.logOut', (_req, ctx) => {
    if (!o.logins.logOut(ctx.key)) throw unregistered()
    ctx.count('auth.logOut')
    const out: Api.auth.loggedOut = { _: 'auth.loggedOut' }
    return out
  })
}

/** inputUserSelf as the DC sees it: the logged-in user of the calling key, if any. */
export function selfOf(logins: LoginState, ctx: RpcContext): Api.User | undefined {
  const id = logins.userOf(ctx.key)
  return id === undefined ? undefined : selfUser(id)
}
